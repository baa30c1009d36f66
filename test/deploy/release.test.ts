/**
 * The release path (issue 18): the workflow a maintainer runs on a forge with a registry passes
 * actionlint (installed by .ci/run with go install), and builds, signs and attests what .ci/run
 * builds here: the Containerfile over scripts/image.sh's root filesystem, its SBOM, the chart.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';

const WORKFLOW = `${ROOT}.github/workflows/release.yml`;
const actionlint = spawnSync('actionlint', ['-version'], { encoding: 'utf8' }).status === 0;

describe('the release workflow', () => {
  it('passes actionlint', {
    skip: actionlint || process.env.KTS_CI === '1' ? false : 'actionlint not installed (.ci/run installs it)',
  }, () => {
    const r = spawnSync('actionlint', [WORKFLOW], { encoding: 'utf8' });
    assert.equal(r.error, undefined, 'actionlint runs');
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it('builds both architectures from the Containerfile, signs, attests the SBOM and pushes the chart', () => {
    const text = readFileSync(WORKFLOW, 'utf8');
    const wf = parse(text) as { jobs: { image: { strategy: { matrix: { include: { arch: string }[] } } } } };
    assert.deepEqual(
      wf.jobs.image.strategy.matrix.include.map((m) => m.arch),
      ['amd64', 'arm64'],
    );
    for (const step of [
      'ROOTFS_ONLY=1 bash scripts/image.sh',
      '-f Containerfile',
      'cosign sign',
      'cosign attest',
      '--type cyclonedx',
      'helm push',
    ])
      assert.ok(text.includes(step), step);
  });
});
