/**
 * Client certificates for the fake API server's HTTPS mode (server ones come from src/k8s/tls.ts).
 * Their CA has a name of its own: a server that asks for client certificates sends that CA in
 * its chain, and one named as the serving CA would be taken for the issuer of the server's
 * certificate.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import type { CertificateAuthority } from '../../src/k8s/tls.js';

function keyPair(): { pub: forge.pki.PublicKey; priv: forge.pki.PrivateKey; privPem: string } {
  const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privPem = k.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    pub: forge.pki.publicKeyFromPem(k.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    priv: forge.pki.privateKeyFromPem(privPem),
    privPem,
  };
}

function certificate(cn: string, pub: forge.pki.PublicKey, serial: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  return cert;
}

/** A CA for client certificates, valid a day. */
export function makeClientCa(): CertificateAuthority {
  const k = keyPair();
  const cert = certificate('kts-test-client-ca', k.pub, '01');
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, critical: true },
  ]);
  cert.sign(k.priv as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { caPem: forge.pki.certificateToPem(cert), caKeyPem: k.privPem };
}

/** A client certificate (extKeyUsage clientAuth) for `commonName`, signed by `ca`, valid a day. */
export function issueClient(ca: CertificateAuthority, commonName: string): { certPem: string; keyPem: string } {
  const caCert = forge.pki.certificateFromPem(ca.caPem);
  const caKey = forge.pki.privateKeyFromPem(ca.caKeyPem);
  const k = keyPair();
  const cert = certificate(commonName, k.pub, '02');
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.privPem };
}
