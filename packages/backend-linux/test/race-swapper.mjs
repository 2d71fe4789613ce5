// Swaps SRC/d (a directory) and SRC/f (a file) for symlinks into OUTSIDE and back, as fast as it can,
// until killed. Run by race.test.ts as a separate process.
import fs from 'node:fs';
const [src, outside] = process.argv.slice(2);
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
