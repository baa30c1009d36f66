import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { certSerial, issueServing, makeCa } from '../../src/k8s/tls.js';

describe('webhook certificates', () => {
  it('serials are positive and minimally encoded (OpenSSL 3 refuses a padded one)', () => {
    for (let i = 0; i < 20_000; i++) {
      const s = certSerial();
      assert.equal(s.length, 32);
      const first = Number.parseInt(s.slice(0, 2), 16);
      assert.ok(first >= 0x40 && first <= 0x7f, s);
    }
  });

  it('a CA and the serving certificate it signs parse and verify with the runtime OpenSSL', () => {
    const ca = makeCa();
    const caCert = new X509Certificate(ca.caPem);
    for (let i = 0; i < 5; i++) {
      const leaf = new X509Certificate(issueServing(ca, ['kts-webhook.kts-system.svc'], ['127.0.0.1']).certPem);
      assert.ok(leaf.checkIssued(caCert));
      assert.ok(leaf.verify(caCert.publicKey));
      assert.equal(leaf.serialNumber.length, 32);
    }
  });
});
