// Prints the node_modules folders (relative to the repository) that the named packages need at
// run time: themselves and their dependencies, resolved the way Node resolves them (a nested
// node_modules first, then each parent's), for scripts/image.sh.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = process.cwd();
const seen = new Set();

function resolve(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

function visit(dir) {
  if (seen.has(dir)) return;
  seen.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    const at = resolve(dep, dir);
    if (at !== undefined) visit(at);
    else if (!(dep in (pkg.optionalDependencies ?? {}))) throw new Error(`${dep} (needed by ${pkg.name}) is not installed`);
  }
}

for (const name of process.argv.slice(2)) {
  const at = resolve(name, root);
  if (at === undefined) throw new Error(`${name} is not installed`);
  visit(at);
}
// Nested folders are copied with their parents: print only the outermost.
const dirs = [...seen].map((d) => relative(root, d)).sort();
for (const d of dirs) if (!dirs.some((o) => o !== d && d.startsWith(`${o}/`))) console.log(d);
