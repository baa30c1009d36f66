/**
 * `kts inject -f` keeps what a manifest means (issue 14): read and written as kubectl reads
 * YAML (1.1), edited in place; every workload kind's pod template injected; custom resources
 * with pod templates reported, not passed through silently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { injectManifest } from '../../src/k8s/manifest.js';

const OPTS = { image: 'ghcr.io/kts-exporter/kts-exporter:test', serverMinor: 30 };
const read = (text: string): unknown[] => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());

const JOB = `# the training job
apiVersion: batch/v1
kind: Job
metadata:
  name: train # nightly
  labels: {enabled: "yes", mode: "on", plain: off}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: train
          image: example.com/t:1
          args: ["--resume", "no", "0x1F"]
          resources:
            limits: {nvidia.com/gpu.shared: 1}
      volumes:
        - name: scripts
          configMap: {name: scripts, defaultMode: 0755}
`;

describe('kts inject -f: the manifest means what it meant', () => {
  it('keeps octal modes, quoted YAML 1.1 booleans, other scalars and comments', () => {
    const { text } = injectManifest(JOB, OPTS);
    assert.match(text, /defaultMode: 0755/);
    assert.match(text, /enabled: "yes"/);
    assert.match(text, /mode: "on"/);
    assert.match(text, /^# the training job$/m);
    assert.match(text, /name: train # nightly/);
    const [before] = read(JOB) as [Record<string, never>];
    const [after] = read(text) as [Record<string, never>];
    const vols = (d: Record<string, never>) =>
      (d as unknown as { spec: { template: { spec: { volumes: { configMap?: { defaultMode: number } }[] } } } }).spec.template.spec.volumes;
    assert.equal(vols(after)[0]?.configMap?.defaultMode, 493, 'kubectl reads 0755 as 493 (octal), before and after');
    assert.equal(vols(before)[0]?.configMap?.defaultMode, 493);
    const labels = (d: Record<string, never>) => (d as unknown as { metadata: { labels: Record<string, unknown> } }).metadata.labels;
    assert.deepEqual(labels(after), { enabled: 'yes', mode: 'on', plain: false });
    const args = (d: Record<string, never>) =>
      (d as unknown as { spec: { template: { spec: { containers: { args: unknown[] }[] } } } }).spec.template.spec.containers[0]?.args;
    assert.deepEqual(args(after), ['--resume', 'no', '0x1F']);
    // Everything outside the injected pod template is identical.
    const strip = (d: Record<string, never>) => ({ ...d, spec: undefined });
    assert.deepEqual(strip(after), strip(before));
  });

  it("injects every workload kind's pod template, CronJob included, and reports custom resources", () => {
    const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job'].map(
      (k) =>
        `apiVersion: v1\nkind: ${k}\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: x, resources: {limits: {nvidia.com/gpu: 1}}}]\n`,
    );
    const cron =
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers: [{name: c, image: x, resources: {limits: {nvidia.com/mig-1g.10gb: 1}}}]\n';
    const crd =
      'apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: pt}\nspec:\n  pytorchReplicaSpecs:\n    Worker:\n      replicas: 2\n      template:\n        spec:\n          containers: [{name: pytorch, image: x, resources: {limits: {nvidia.com/gpu: 1}}}]\n';
    const { text, notes } = injectManifest([...kinds, cron, crd].join('---\n'), OPTS);
    const docs = read(text) as { kind: string; spec: Record<string, unknown> }[];
    assert.equal(docs.length, 8);
    for (const d of docs.slice(0, 6)) {
      const t = (d.spec.template as { spec: { initContainers?: { name: string }[] } }).spec;
      assert.equal(t.initContainers?.[0]?.name, 'kts-sidecar', d.kind);
    }
    const cj = docs[6]?.spec as {
      schedule: string;
      jobTemplate: { spec: { template: { spec: { initContainers?: { name: string }[] } } } };
    };
    assert.equal(cj.schedule, '0 3 * * *');
    assert.equal(cj.jobTemplate.spec.template.spec.initContainers?.[0]?.name, 'kts-sidecar');
    assert.ok(JSON.stringify(docs[7]).indexOf('kts-sidecar') < 0, 'the custom resource is left alone');
    assert.ok(
      notes.some((n) => /^PyTorchJob\/pt left as is: .*spec\.pytorchReplicaSpecs\.Worker\.template/.test(n)),
      notes.join('\n'),
    );
  });

  it('is idempotent and leaves non-GPU objects byte for byte', () => {
    const svc = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s # keep\nspec:\n  ports: [{port: 80}]';
    const once = injectManifest(`${JOB}---\n${svc}\n`, OPTS).text;
    assert.equal(injectManifest(once, OPTS).text, once);
    assert.ok(once.endsWith(svc));
  });
});
