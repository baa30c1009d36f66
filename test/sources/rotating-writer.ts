/**
 * A log writer in its own process for the rotation storm test: writes `total` KTS_APP lines
 * through a held descriptor at about 2,400 lines/s and rotates by rename every 20-60 ms (up to
 * 50 rotations a second), writing a few lines to the renamed file before it opens the new one.
 * Prints the number of rotations. Usage: node rotating-writer.js <path> <total>
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

const [path = '', totalArg = '0'] = process.argv.slice(2);
const total = Number(totalArg);
const line = (i: number): string => `KTS_APP,v1,A,${i},${1000 + i},${2000 + i},0.5\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let fd = openSync(path, 'a');
let rotations = 0;
let i = 0;
let next = Date.now() + 20;
while (i < total) {
  for (let k = 0; k < 12 && i < total; k++) writeSync(fd, line(i++));
  if (Date.now() >= next) {
    renameSync(path, `${path}.${rotations++}`);
    await sleep(1);
    for (let k = 0; k < 3 && i < total; k++) writeSync(fd, line(i++));
    closeSync(fd);
    fd = openSync(path, 'a');
    next = Date.now() + 20 + ((rotations * 97) % 40);
  }
  await sleep(5);
}
closeSync(fd);
process.stdout.write(String(rotations));
