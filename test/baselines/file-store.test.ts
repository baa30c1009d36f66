import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadBaselineFile } from '../../src/baselines/file-store.js';
import { MAX_BASELINE_BYTES, parseJsonDocument } from '../../src/baselines/store.js';
import { parseBaselineDocument } from '../../src/stats/baseline.js';

const clock = { p50_ms: 0.4, p95_ms: 0.5, p99_ms: 0.5, p999_ms: 0.6, mean_ms: 0.42, count: 590 };
const profile = { profile: 'h100', workload: 'FFT', captured_at: '2026-11-22T00:00:00Z', clocks: { device: clock, wall: clock } };

describe('baseline file store', () => {
  it('loads a document', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kts-bl-')), 'baseline.json');
    writeFileSync(path, JSON.stringify({ profiles: [profile] }));
    const r = await loadBaselineFile(path);
    assert.ok(r.ok);
  });

  it('refuses a 20 MB document before parsing it, with the limit in the error', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kts-bl-')), 'baseline.json');
    const many = Array.from({ length: 100_000 }, (_, i) => ({ ...profile, workload: `W${i}` }));
    const text = JSON.stringify({ profiles: many });
    assert.ok(text.length > 20e6);
    writeFileSync(path, text);
    const r = await loadBaselineFile(path);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, new RegExp(`is ${text.length} bytes, over the ${MAX_BASELINE_BYTES}-byte limit`));
    // The same bound for documents that arrive as text (ConfigMap).
    const c = parseJsonDocument(text, 'configmap x', parseBaselineDocument);
    assert.match(c.ok ? '' : c.error, /^configmap x is \d+ bytes, over the/);
  });
});
