import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketedDf, quantileBucket, spreadObservations } from '../../src/stats/buckets.js';

const B = [10, 25, 50, 75, 100];

describe('spreadObservations', () => {
  it('spreads each bucket evenly to its upper bound, +Inf at the largest bound, interleaved', () => {
    const got: number[] = [];
    assert.equal(
      spreadObservations(B, [0, 2, 0, 0, 0, 1], (v) => got.push(v)),
      3,
    );
    assert.deepEqual(got, [17.5, 100, 25]);
  });
});

describe('bucketedDf', () => {
  it('is 1 while the live and baseline p99 share a bucket, else the ratio', () => {
    assert.equal(bucketedDf(B, 48, 30), 1);
    assert.equal(bucketedDf(B, 80, 40), 2);
    assert.deepEqual(quantileBucket(B, 48), [25, 50]);
    assert.deepEqual(quantileBucket(B, 100), [100, Number.POSITIVE_INFINITY]);
  });
});
