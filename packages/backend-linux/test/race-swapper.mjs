// Swaps SRC/d (a directory) and SRC/f (a file) for symlinks into OUTSIDE and back, as fast as it can,
// until killed. Run by race.test.ts and mount.test.ts as a separate process. With a third argument
// "relative" the symlinks say "../outside/..." (SRC and OUTSIDE being siblings), which a client of the
// mount, resolving them itself, cannot follow out (its MNT is elsewhere): only the daemon could.
import fs from 'node:fs';
import path from 'node:path';
const [src, outsideAbs, mode] = process.argv.slice(2);
const outside = mode === 'relative' ? path.join('..', path.basename(outsideAbs)) : outsideAbs;
const swap = (name, target) => {
  try {
    fs.renameSync(`${src}/${name}`, `${src}/${name}.real`);
    fs.symlinkSync(target, `${src}/${name}`);
    fs.unlinkSync(`${src}/${name}`);
    fs.renameSync(`${src}/${name}.real`, `${src}/${name}`);
  } catch {
    // the backend may have renamed or removed things meanwhile
  }
};
let n = 0;
for (;;) {
  swap('d', outside);
  swap('f', `${outside}/target`);
  swap('d', `${outside}/sub`);
  if (++n % 1000 === 0) process.stdout.write('.');
}
