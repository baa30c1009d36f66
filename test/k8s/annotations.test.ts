import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overridesFrom, parseAnnotationsFile } from '../../src/k8s/annotations.js';

test('reads the kubelet downward-API annotations file format', () => {
  const text = [
    'kts.dev/profile="h100-solo"',
    'kts.dev/df-warning="1.25"',
    'kubectl.kubernetes.io/last-applied-configuration="{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Pod\\"}\\n"',
    'kubernetes.io/config.seen="2026-11-25T03:21:13.123456789Z"',
    '',
  ].join('\n');
  const a = parseAnnotationsFile(text);
  assert.equal(a.get('kts.dev/profile'), 'h100-solo');
  assert.equal(a.get('kubectl.kubernetes.io/last-applied-configuration'), '{"apiVersion":"v1","kind":"Pod"}\n');
  const { overrides, errors } = overridesFrom(a);
  assert.deepEqual(overrides, { profile: 'h100-solo', dfWarning: 1.25 });
  assert.deepEqual(errors, []);
});

test('a bad threshold annotation is reported and not applied', () => {
  const { overrides, errors } = overridesFrom(
    new Map([
      ['kts.dev/df-critical', 'high'],
      ['kts.dev/df-warning', '0.5'],
    ]),
  );
  assert.deepEqual(overrides, {});
  assert.equal(errors.length, 2);
  assert.match(errors[0] ?? '', /kts\.dev\/df-warning="0\.5"/);
});
