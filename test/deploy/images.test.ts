/**
 * The two images' recipes, checked without a container engine: the sidecar/webhook
 * Containerfile builds FROM scratch over the folder scripts/image.sh assembles, the workers'
 * (whose CUDA/PyTorch base cannot be pulled here) copies only files that exist; both run as a
 * numeric non-root user and pass hadolint. The sidecar's contents (the esbuild bundle with
 * production dependencies only) run every command the image runs by themselves. The image
 * itself is built and run in image-build.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { BUNDLE, ROOT, startKtsProcess, startServeProcess } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';

interface Instruction {
  op: string;
  args: string;
}

function instructions(dockerfile: string): Instruction[] {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

function checkDockerfile(dockerfile: string, context: string): Instruction[] {
  const ins = instructions(dockerfile);
  for (const c of ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
    const parts = c.args.split(/\s+/);
    for (const src of parts.slice(0, -1))
      if (src !== '.') assert.ok(existsSync(join(context, src)), `${dockerfile}: COPY ${src} is missing`);
  }
  const user = ins.filter((i) => i.op === 'USER').at(-1);
  assert.ok(user !== undefined, `${dockerfile}: no USER`);
  assert.match(user.args, /^[1-9]\d*(:[1-9]\d*)?$/, `${dockerfile}: USER must be a numeric non-root uid (runAsNonRoot checks it)`);
  assert.ok(
    ins.some((i) => i.op === 'ENTRYPOINT'),
    `${dockerfile}: no ENTRYPOINT`,
  );
  return ins;
}

const hadolint = spawnSync('hadolint', ['--version'], { encoding: 'utf8' }).status === 0;

describe('container images', () => {
  it('the sidecar/webhook Containerfile: FROM scratch over the rootfs scripts/image.sh assembles, non-root', () => {
    const ins = instructions(join(ROOT, 'Containerfile'));
    assert.deepEqual(
      ins.filter((i) => i.op === 'FROM').map((i) => i.args),
      ['scratch'],
    );
    assert.deepEqual(
      ins.filter((i) => i.op === 'COPY').map((i) => i.args),
      ['out/image/rootfs/ /'],
    );
    assert.match(readFileSync(join(ROOT, 'scripts/image.sh'), 'utf8'), /^OUT=out\/image$/m, 'the script writes that folder');
    assert.match(ins.filter((i) => i.op === 'USER').at(-1)?.args ?? '', /^[1-9]\d*:[1-9]\d*$/, 'numeric non-root user');
    assert.match(ins.find((i) => i.op === 'ENTRYPOINT')?.args ?? '', /\/usr\/local\/bin\/node.*dist\/bundle\/cli\.js/);
  });

  it('both Containerfiles pass hadolint', {
    skip: hadolint || process.env.KTS_CI === '1' ? false : 'hadolint not installed (.ci/run installs it)',
  }, () => {
    for (const f of ['Containerfile', 'workers/Dockerfile']) {
      const r = spawnSync('hadolint', [join(ROOT, f)], { encoding: 'utf8' });
      assert.equal(r.error, undefined, 'hadolint runs');
      assert.equal(r.status, 0, `${f}: ${r.stdout}${r.stderr}`);
    }
  });

  it('the workers Dockerfile: non-root, its entrypoint is the worker the experiment Jobs run', () => {
    const ins = checkDockerfile(join(ROOT, 'workers/Dockerfile'), join(ROOT, 'workers'));
    assert.match(ins.find((i) => i.op === 'ENTRYPOINT')?.args ?? '', /kts_worker\.py/);
    const jobs = readFileSync(join(ROOT, 'deploy/overlays/experiment/experiment.yaml'), 'utf8');
    assert.ok(jobs.includes('image: ghcr.io/kts-exporter/workers:'), 'the experiment Jobs use the workers image');
  });

  describe('the image contents run with production dependencies only', () => {
    let app: string;
    before(async () => {
      app = await mkdtemp(join(tmpdir(), 'kts-image-'));
      // what the Dockerfile's build stage makes: the bundle (`npm test` builds it first), then
      // production dependencies only
      assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run npm test (it bundles before testing)`);
      await cp(join(ROOT, 'dist/bundle'), join(app, 'dist/bundle'), { recursive: true });
      await cp(join(ROOT, 'package.json'), join(app, 'package.json'));
      const ls = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
      const top = `${ROOT}node_modules/`;
      const pkgs = ls.stdout
        .split('\n')
        .filter((p) => p.startsWith(top) && !p.slice(top.length).includes('/node_modules/'))
        .map((p) => p.slice(top.length));
      assert.ok(pkgs.includes('prom-client') && !pkgs.includes('typescript') && !pkgs.includes('fast-check'), 'prod tree only');
      for (const p of pkgs) {
        await mkdir(dirname(join(app, 'node_modules', p)), { recursive: true });
        await symlink(join(top, p), join(app, 'node_modules', p));
      }
    });
    // --preserve-symlinks: packages resolve their own dependencies inside app/node_modules too
    const kts = (args: string[], input?: string) =>
      spawnSync(process.execPath, ['--preserve-symlinks', join(app, 'dist/bundle/cli.js'), ...args], {
        encoding: 'utf8',
        cwd: app,
        ...(input ? { input } : {}),
      });

    it('kts --version, webhook review and report', async () => {
      const v = kts(['--version']);
      assert.equal(v.status, 0, v.stderr);
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      assert.equal(v.stdout.trim(), pkg.version, 'the bundle finds package.json two folders up, as in the image');
      const review = kts(['webhook', 'review', join(ROOT, 'test/k8s/fixtures/gpu-pod-review.json')]);
      assert.equal(review.status, 0, review.stderr);
      assert.match(review.stdout, /"patchType": "JSONPatch"/);
      const H = join(ROOT, 'test/fixtures/h100-2026-11-22');
      const r = kts([
        'report',
        '--baseline',
        `${H}/solo-fft.log`,
        '--shared',
        `${H}/shared-fft.log`,
        '--out',
        join(app, 'out'),
        '--format',
        'md,svg',
      ]);
      assert.equal(r.status, 0, r.stderr);
    });

    it('kts inject, replay and baseline capture', async () => {
      const H = join(ROOT, 'test/fixtures/h100-2026-11-22');
      const inj = kts(['inject', '-f', '-'], readFileSync(join(ROOT, 'test/k8s/fixtures/workloads.yaml'), 'utf8'));
      assert.equal(inj.status, 0, inj.stderr);
      assert.match(inj.stdout, /name: kts-sidecar/);
      const rep = kts(['replay', `${H}/solo-fft.log`, '--speed', 'max']);
      assert.equal(rep.status, 0, rep.stderr);
      assert.equal(rep.stdout.split('\n').filter((l) => l.startsWith('KTS_APP')).length, 600);
      const out = join(app, 'baseline.json');
      const cap = kts(['baseline', 'capture', '--from', `${H}/solo-fft.log`, '--profile', 'h100', '--out', out]);
      assert.equal(cap.status, 0, cap.stderr);
      assert.match(readFileSync(out, 'utf8'), /"profiles"/);
    });

    it('kts webhook and kts guard start and stop cleanly', async () => {
      const launch = ['--preserve-symlinks', join(app, 'dist/bundle/cli.js')];
      const hook = await startKtsProcess(
        ['webhook', '--listen', '127.0.0.1:0', '--webhook-config', 'none', '--native-sidecars', 'true'],
        'kts webhook listening (TLS)',
        {},
        launch,
      );
      assert.equal((await hook.stop()).code, 0, hook.logs.join('\n'));
      const api = new FakeKubeApi();
      await api.start();
      try {
        const guard = await startKtsProcess(
          ['guard', '--listen', '127.0.0.1:0', '--lease-namespace', 'kts-system'],
          'kts guard started',
          { KUBECONFIG: api.writeKubeconfig(app) },
          launch,
        );
        assert.equal((await guard.stop()).code, 0, guard.logs.join('\n'));
      } finally {
        await api.stop();
      }
    });

    it('kts serve answers /metrics', async () => {
      const log = join(app, 'app.log');
      await writeFile(log, '');
      const serve = await startServeProcess(['--source', `file:${log}`, '--dcgm-url', 'none'], {}, [
        '--preserve-symlinks',
        join(app, 'dist/bundle/cli.js'),
      ]);
      try {
        const body = await (await fetch(`${serve.url}/metrics`)).text();
        assert.match(body, /kts_build_info/);
      } finally {
        assert.equal((await serve.stop()).code, 0);
      }
    });
  });
});
