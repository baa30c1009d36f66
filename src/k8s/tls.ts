/**
 * A self-signed CA and a serving certificate for the webhook, made at start-up: keys from
 * Node's crypto, certificates built and signed with node-forge (Node cannot issue X.509).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface ServingTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

function keyPair(): { pub: forge.pki.PublicKey; priv: forge.pki.rsa.PrivateKey; privPem: string } {
  const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privPem = k.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    pub: forge.pki.publicKeyFromPem(k.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    priv: forge.pki.privateKeyFromPem(privPem) as forge.pki.rsa.PrivateKey,
    privPem,
  };
}

/**
 * A random positive serial in minimal DER: 16 bytes whose first is 0x40-0x7f (top bit off, and
 * never 0x00, which OpenSSL 3 rejects as "illegal padding" when the next byte is below 0x80).
 * The former `0` + 30 hex digits made such a serial in about 1 % of certificates, which then
 * failed every TLS handshake (4 of 410 CA/serving pairs on Node 24).
 */
export function certSerial(): string {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x3f) | 0x40;
  return serial.toString('hex');
}

function certificate(subjectCn: string, pub: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const c = forge.pki.createCertificate();
  c.publicKey = pub;
  c.serialNumber = certSerial();
  c.validity.notBefore = new Date(Date.now() - 60_000);
  c.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  c.setSubject([{ name: 'commonName', value: subjectCn }]);
  return c;
}

export interface CertificateAuthority {
  caPem: string;
  caKeyPem: string;
}

/** A CA valid 10 years (kept in a Secret so that every webhook replica serves under it). */
export function makeCa(): CertificateAuthority {
  const ca = keyPair();
  const caCert = certificate('kts-webhook-ca', ca.pub, 3650);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.sign(ca.priv, forge.md.sha256.create());
  return { caPem: forge.pki.certificateToPem(caCert), caKeyPem: ca.privPem };
}

/** A serving certificate valid 1 year for the given DNS names and IPs, signed by `ca`. */
export function issueServing(ca: CertificateAuthority, dnsNames: readonly string[], ips: readonly string[] = []): ServingTls {
  const caCert = forge.pki.certificateFromPem(ca.caPem);
  const caKey = forge.pki.privateKeyFromPem(ca.caKeyPem);
  const leaf = keyPair();
  const cert = certificate(dnsNames[0] ?? 'kts-webhook', leaf.pub, 365);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...dnsNames.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { caPem: ca.caPem, certPem: forge.pki.certificateToPem(cert), keyPem: leaf.privPem };
}
