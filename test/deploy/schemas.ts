/** The kubernetes-models class that validates an object (core, Prometheus Operator, cert-manager). */

export interface K8sObj {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

type Model = new (data: unknown) => { validate(): void };

export async function modelOf(o: K8sObj): Promise<Model> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const pkg =
    group === 'monitoring.coreos.com'
      ? '@kubernetes-models/prometheus-operator'
      : group?.endsWith('cert-manager.io')
        ? '@kubernetes-models/cert-manager'
        : 'kubernetes-models';
  const path = group === '' ? `${pkg}/${version}/${o.kind}` : `${pkg}/${group}/${version}/${o.kind}`;
  const mod = (await import(path)) as Record<string, Model>;
  const cls = mod[o.kind];
  if (cls === undefined) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  return cls;
}

/** Throws, naming the object, when one does not validate against its schema. */
export async function validateAll(objs: readonly K8sObj[]): Promise<void> {
  for (const o of objs) {
    const Model = await modelOf(o);
    try {
      new Model(o).validate();
    } catch (err) {
      throw new Error(`${o.kind}/${o.metadata?.name}: ${(err as Error).message}`);
    }
  }
}
