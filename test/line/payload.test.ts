import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatLine } from '../../src/line/format.js';
import { PayloadParser } from '../../src/line/payload.js';
import { emptySample, epochNsString, MALFORMED_REASONS, Outcome, wallNs } from '../../src/line/types.js';

function parse(line: string) {
  const p = new PayloadParser();
  const out = emptySample();
  const buf = Buffer.from(line, 'utf8');
  const r = p.parse(buf, 0, buf.length, out);
  return { r, out, reason: r === Outcome.malformed ? MALFORMED_REASONS[p.reason] : undefined };
}

describe('PayloadParser', () => {
  it('parses a fixture line with exact nanosecond timestamps', () => {
    const { r, out } = parse('KTS_APP,v1,FFT,0,1795387891806522966,1795387891806947981,0.302816,');
    assert.equal(r, Outcome.parsed);
    assert.equal(out.workload, 'FFT');
    assert.equal(out.iteration, 0);
    assert.equal(epochNsString(out.startSec, out.startNsec), '1795387891806522966');
    assert.equal(epochNsString(out.endSec, out.endNsec), '1795387891806947981');
    assert.equal(wallNs(out), 425015);
    assert.equal(out.deviceMs, 0.302816);
    assert.equal(out.phase, '');
  });

  it('accepts seven fields (no phase) and a phase', () => {
    assert.equal(parse('KTS_APP,v1,G,1,10,20,1.5').out.phase, '');
    assert.equal(parse('KTS_APP,v1,G,1,10,20,1.5,shared').out.phase, 'shared');
    assert.equal(parse('KTS_APP,v1,G,1,10,20,3').out.deviceMs, 3);
  });

  it('ignores lines that are not KTS_APP lines', () => {
    assert.equal(parse('UserWarning: something').r, Outcome.ignored);
    assert.equal(parse('KTS_APPLE,v1').r, Outcome.ignored);
    assert.equal(parse('').r, Outcome.ignored);
  });

  const cases: [string, string][] = [
    ['KTS_APP,v1,FFT,0,1,2', 'field_count'],
    ['KTS_APP,v1', 'field_count'],
    ['KTS_APP,v1,FFT,0,1,2,0.3,phase,extra', 'field_count'],
    ['KTS_APP,v1,FFT,x,1,2,0.3', 'bad_number'],
    ['KTS_APP,v1,FFT,0,1,2,0.3.4', 'bad_number'],
    ['KTS_APP,v1,FFT,0,1,2,', 'bad_number'],
    ['KTS_APP,v1,FFT,0,1,2,1e-3', 'bad_number'],
    ['KTS_APP,v1,FFT,0,,2,0.3', 'bad_number'],
    ['KTS_APP,v1,FFT,0,123456789012345678901,2,0.3', 'out_of_range'],
    // 2^64 ns and beyond: wider than u64.
    ['KTS_APP,v1,FFT,0,18446744073709551616,18446744073709551616,0.3', 'out_of_range'],
    ['KTS_APP,v1,FFT,0,1,99999999999999999999,0.3', 'out_of_range'],
    // 401 digits: Number() gives Infinity, which would poison the sums.
    [`KTS_APP,v1,FFT,0,1,2,${'9'.repeat(401)}`, 'out_of_range'],
    [`KTS_APP,v1,FFT,0,1,2,${'9'.repeat(320)}.5`, 'out_of_range'],
    ['KTS_APP,v1,FFT,0,1,2,3600000.001', 'out_of_range'],
    ['KTS_APP,v1,FFT,0,1000000000000000000,1000003600000000001,0.3', 'out_of_range'],
    ['KTS_APP,v1,FFT,-1,1,2,0.3', 'negative_value'],
    ['KTS_APP,v1,FFT,0,1,2,-0.3', 'negative_value'],
    ['KTS_APP,v1,FFT,0,-5,2,0.3', 'negative_value'],
    ['KTS_APP,v1,FFT,0,1795387891806947981,1795387891806522966,0.3', 'end_before_start'],
    ['KTS_APP,v1,FF T,0,1,2,0.3', 'bad_workload'],
    ['KTS_APP,v1,,0,1,2,0.3', 'bad_workload'],
    [`KTS_APP,v1,${'w'.repeat(65)},0,1,2,0.3`, 'bad_workload'],
    ['KTS_APP,v2,FFT,0,1,2,0.3', 'unsupported_version'],
    ['KTS_APP,v10,FFT,0,1,2,0.3', 'unsupported_version'],
    [`KTS_APP,v1,FFT,0,1,2,0.3,${'x'.repeat(4100)}`, 'too_long'],
  ];
  for (const [line, reason] of cases) {
    it(`rejects ${line.slice(0, 60)} as ${reason}`, () => {
      const r = parse(line);
      assert.equal(r.r, Outcome.malformed);
      assert.equal(r.reason, reason);
    });
  }

  it('accepts the largest values in range', () => {
    assert.equal(parse('KTS_APP,v1,FFT,0,18446744073709551614,18446744073709551615,3600000').r, Outcome.parsed);
    assert.equal(parse('KTS_APP,v1,FFT,0,1000000000000000000,1000003600000000000,0.3').r, Outcome.parsed);
  });

  it('reuses interned names without confusing them', () => {
    const p = new PayloadParser();
    const out = emptySample();
    const names = ['A', 'B', 'AB', 'A', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'A', 'B'];
    for (const n of names) {
      const b = Buffer.from(`KTS_APP,v1,${n},1,1,2,0.5,p${n}`);
      assert.equal(p.parse(b, 0, b.length, out), Outcome.parsed);
      assert.equal(out.workload, n);
      assert.equal(out.phase, `p${n}`);
    }
  });

  it('property: any valid line parses back to its fields', () => {
    const workload = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
    // Ends stay within u64 and durations within an hour (beyond: out_of_range).
    const epoch = fc.bigInt({ min: 0n, max: 18446744073709551615n - 1000000000000n });
    const device = fc
      .tuple(fc.integer({ min: 0, max: 3600000 }), fc.integer({ min: 0, max: 6 }))
      .map(([m, d]) => (d === 0 ? String(m) : (m / 10 ** d).toFixed(d)));
    const phase = fc.option(fc.stringMatching(/^[^,\n\r]{0,20}$/), { nil: undefined });
    fc.assert(
      fc.property(workload, fc.nat(), epoch, fc.nat({ max: 1e12 }), device, phase, (w, it, start, span, dev, ph) => {
        const end = start + BigInt(span);
        const line = formatLine({
          workload: w,
          iteration: it,
          startNs: start,
          endNs: end,
          deviceMs: dev,
          ...(ph !== undefined ? { phase: ph } : {}),
        });
        const r = parse(line);
        assert.equal(r.r, Outcome.parsed, line);
        assert.equal(r.out.workload, w);
        assert.equal(r.out.iteration, it);
        assert.equal(epochNsString(r.out.startSec, r.out.startNsec), start.toString());
        assert.equal(epochNsString(r.out.endSec, r.out.endNsec), end.toString());
        assert.equal(r.out.deviceMs, Number(dev));
        assert.equal(r.out.phase, ph ?? '');
        assert.equal(wallNs(r.out), span);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: arbitrary bytes never throw', () => {
    const p = new PayloadParser();
    const out = emptySample();
    const prefix = Buffer.from('KTS_APP,v1,');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, withPrefix) => {
        const b = withPrefix ? Buffer.concat([prefix, bytes]) : Buffer.from(bytes);
        const r = p.parse(b, 0, b.length, out);
        assert.ok(r === Outcome.parsed || r === Outcome.ignored || r === Outcome.malformed);
      }),
      { numRuns: 5000 },
    );
  });
});
