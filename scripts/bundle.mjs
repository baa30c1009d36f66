// Bundles the CLI into dist/bundle/ (esbuild, ES modules split at the lazy imports) so that a
// machine with a Node binary and nothing else can run `kts` (the GPU lab machine has no npm):
//   node dist/bundle/cli.js serve ...
// Vega stays out (only `kts report` plots need it); everything else is inside.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli.js'],
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist/bundle',
  external: ['vega', 'vega-lite'],
  banner: { js: "import { createRequire as __ktsRequire } from 'node:module'; const require = __ktsRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log('wrote dist/bundle/cli.js');
