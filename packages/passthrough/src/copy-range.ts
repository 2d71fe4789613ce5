/** Positional read and write, as fs.readSync / fs.writeSync take them (or a backend's host layer). */
export interface PositionalIo {
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
}

/**
 * copy_file_range by hand (Node has no copy_file_range(2)): up to `len` bytes
 * from `fdIn` at `offIn` to `fdOut` at `offOut`, through `buf` a chunk at a
 * time, every chunk written whole. Stops early at the end of the input.
 * Returns the bytes copied; a host error propagates (bytes already written stay).
 */
export function copyRange(io: PositionalIo, fdIn: number, offIn: number, fdOut: number, offOut: number, len: number, buf: Uint8Array): number {
  let done = 0;
  while (done < len) {
    const n = io.read(fdIn, buf, 0, Math.min(buf.length, len - done), offIn + done);
    if (n === 0) break;
    let w = 0;
    while (w < n) w += io.write(fdOut, buf, w, n - w, offOut + done + w);
    done += n;
  }
  return done;
}
