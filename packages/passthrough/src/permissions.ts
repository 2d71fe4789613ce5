/** access(2) mask bits. */
export const R_OK = 4;
export const W_OK = 2;
export const X_OK = 1;

/** Who asks. */
export interface Caller {
  uid: number;
  gid: number;
  /** Supplementary groups, when known. */
  groups?: readonly number[] | undefined;
}

/**
 * The classic mode-bit check the kernel's generic_permission does (no ACLs):
 * root may read and write anything and execute anything with an x bit (or any
 * directory); others get the owner, group or other triple, in that order.
 * `mask` 0 (F_OK) asks only for existence.
 */
export function accessAllowed(st: { mode: number; uid: number; gid: number }, caller: Caller, mask: number): boolean {
  const want = mask & 7;
  if (want === 0) return true;
  const mode = st.mode;
  if (caller.uid === 0) {
    if ((want & X_OK) === 0) return true;
    return (mode & 0o170000) === 0o040000 || (mode & 0o111) !== 0;
  }
  let bits: number;
  if (caller.uid === st.uid) bits = (mode >> 6) & 7;
  else if (caller.gid === st.gid || (caller.groups !== undefined && caller.groups.includes(st.gid))) bits = (mode >> 3) & 7;
  else bits = mode & 7;
  return (bits & want) === want;
}
