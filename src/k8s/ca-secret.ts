/**
 * One CA for every webhook replica: kept in a `kubernetes.io/tls` Secret (tls.crt / tls.key,
 * the layout a cert-manager CA Issuer reads too). Create-or-adopt: the first replica to start
 * creates it; a replica that finds it (or loses the create race, 409) adopts what is stored.
 * Each replica then issues its own serving certificate under that CA, so the one caBundle in
 * the MutatingWebhookConfiguration verifies all of them and the replicas never overwrite each
 * other's caBundle with a different CA.
 */
import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { apiErrorCode, coreApi, errorMessage } from './client.js';
import { type CertificateAuthority, makeCa } from './tls.js';

export interface SharedCa {
  ca: CertificateAuthority;
  /** 'created': this replica made it; 'adopted': it was there (or another replica won the race). */
  origin: 'created' | 'adopted';
}

function fromSecret(s: V1Secret, where: string): CertificateAuthority {
  const crt = s.data?.['tls.crt'];
  const key = s.data?.['tls.key'];
  if (crt === undefined || key === undefined) throw new Error(`Secret ${where} has no tls.crt / tls.key`);
  return { caPem: Buffer.from(crt, 'base64').toString('utf8'), caKeyPem: Buffer.from(key, 'base64').toString('utf8') };
}

export async function loadOrCreateCa(kc: KubeConfig, namespace: string, name: string): Promise<SharedCa> {
  const api = coreApi(kc);
  const where = `${namespace}/${name}`;
  const read = async (): Promise<V1Secret | undefined> => {
    try {
      return await api.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (apiErrorCode(err) === 404) return undefined;
      throw new Error(`cannot read Secret ${where}: ${errorMessage(err)}`);
    }
  };
  const existing = await read();
  if (existing !== undefined) return { ca: fromSecret(existing, where), origin: 'adopted' };
  const ca = makeCa();
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'kts-webhook', 'app.kubernetes.io/component': 'ca' } },
    data: { 'tls.crt': Buffer.from(ca.caPem).toString('base64'), 'tls.key': Buffer.from(ca.caKeyPem).toString('base64') },
  };
  try {
    await api.createNamespacedSecret({ namespace, body });
    return { ca, origin: 'created' };
  } catch (err) {
    if (apiErrorCode(err) !== 409) throw new Error(`cannot create Secret ${where}: ${errorMessage(err)}`);
  }
  // Another replica created it between our read and our create: adopt theirs.
  const theirs = await read();
  if (theirs === undefined) throw new Error(`Secret ${where} vanished after a create conflict`);
  return { ca: fromSecret(theirs, where), origin: 'adopted' };
}
