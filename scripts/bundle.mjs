// Bundles the CLI into dist/bundle/ (esbuild, ES modules split at the lazy imports) so that a
// machine with a Node binary and nothing else can run `kts` (the GPU lab machine has no npm):
//   node dist/bundle/cli.js serve ...
// Vega stays out (only `kts report` plots need it); everything else is inside.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: a stale chunk would otherwise stay (and go into the image).
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['dist/src/cli.js'],
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist/bundle',
  external: ['vega', 'vega-lite'],
  // Whitespace and comments out, syntax shortened, names kept (stack traces stay readable):
  // the sidecar keeps every loaded module's source in its heap, and some comments held
  // non-Latin-1 characters, which doubled a whole chunk's source string (issue 17: 5 MB of RSS).
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  banner: { js: "import { createRequire as __ktsRequire } from 'node:module'; const require = __ktsRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log('wrote dist/bundle/cli.js');
