/**
 * Readdir cookies. An entry's directory offset is derived from its name only,
 * so a position never moves whatever else is created or removed:
 *
 *   cookie = key * 256 + slot        (at most 61 bits; 0, 1, 2 mean start, ".", "..")
 *   key    = top 53 bits of FNV-1a-64 over the name's bytes (0 becomes 1)
 *   slot   = 255 after the last entry of a key's group ("continue after this key"),
 *            1..254 after an earlier member of a group of equal keys (collisions).
 *
 * Entries are listed in (key, name bytes) order. 53 bits keep a key exact in a
 * double, so sorting and searching use numbers, not BigInts.
 */

/** Offset after ".": resume with "..". */
export const COOKIE_DOT = 1n;
/** Offset after "..": resume with the first real entry. */
export const COOKIE_DOTDOT = 2n;
/** Slot meaning "the whole group of this key was returned". */
export const SLOT_GROUP_DONE = 255;
/** Highest slot naming a position inside a group. */
export const SLOT_MAX_INDEX = 254;

const TWO32 = 4294967296;
const TWO21 = 2097152;

/** The 53-bit key of a name given as a latin1 string of its bytes (never 0). */
export function nameKey(name: string): number {
  // FNV-1a 64: offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3,
  // computed on two 32-bit halves.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < name.length; i++) {
    lo = (lo ^ name.charCodeAt(i)) >>> 0;
    const t = lo * 0x1b3;
    hi = (Math.imul(hi, 0x1b3) + Math.floor(t / TWO32) + (lo << 8)) >>> 0;
    lo = t >>> 0;
  }
  const key = hi * TWO21 + (lo >>> 11);
  return key === 0 ? 1 : key;
}

/** The cookie for `slot` within `key`'s group. */
export function cookieOf(key: number, slot: number): bigint {
  return BigInt(key) * 256n + BigInt(slot);
}

/** The key a cookie (>= 256) belongs to. */
export function keyOfCookie(cookie: bigint): number {
  return Number(cookie >> 8n);
}

/** The slot of a cookie. */
export function slotOfCookie(cookie: bigint): number {
  return Number(cookie & 255n);
}
