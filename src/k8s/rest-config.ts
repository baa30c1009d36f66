/**
 * Where the sidecar's Kubernetes API client connects and how it authenticates, with the
 * precedence of @kubernetes/client-node's loadFromDefault (what src/k8s/client.ts uses for
 * the cluster-wide components): a kubeconfig from $KUBECONFIG (its first path) or
 * ~/.kube/config when present, else the pod's service account (in-cluster). Only what a
 * sidecar needs is supported: bearer tokens (inline or from a file, re-read as bound
 * service-account tokens rotate) and client certificates. Anything else, or a broken
 * configuration, fails at start-up with one line (KubeConfigError).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-go re-reads a token file about once a minute. */
export const TOKEN_REFRESH_MS = 60_000;

export class KubeConfigError extends Error {
  /** No configuration at all (as opposed to a broken one). */
  readonly absent: boolean;
  constructor(message: string, absent = false) {
    super(message);
    this.name = 'KubeConfigError';
    this.absent = absent;
  }
}

/** A bearer token, re-read from its file when older than the refresh period or after a 401. */
export interface TokenSource {
  get(): Promise<string>;
  /** Forget the cached token (the API server refused it): the next get() reads the file again. */
  invalidate(): void;
}

export interface RestConfig {
  /** API server base URL (may carry a path prefix). */
  server: URL;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** false with insecure-skip-tls-verify. */
  rejectUnauthorized: boolean;
  /** tls-server-name: the name the server certificate is checked against. */
  servername?: string;
  token?: TokenSource;
  /** Where this came from, for logs: `kubeconfig <path> (context <name>)` or `in-cluster service account`. */
  description: string;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** The in-cluster service account directory (token, ca.crt). */
  serviceAccountDir?: string;
  /** Home directory for ~/.kube/config. */
  home?: string;
  tokenRefreshMs?: number;
}

const firstLine = (s: string): string => s.split('\n', 1)[0] ?? '';
const reason = (err: unknown): string => firstLine(err instanceof Error ? err.message : String(err));

export class FileToken implements TokenSource {
  private value: string | undefined;
  private readAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path: string,
    private readonly refreshMs = TOKEN_REFRESH_MS,
  ) {}

  async get(): Promise<string> {
    const now = Date.now();
    if (this.value !== undefined && now - this.readAtMs < this.refreshMs) return this.value;
    try {
      const text = (await readFile(this.path, 'utf8')).trim();
      if (text === '') throw new Error('the file is empty');
      this.value = text;
      this.readAtMs = now;
    } catch (err) {
      // A failed re-read keeps the token in use (it may still be valid); the first read must work.
      if (this.value === undefined) throw new KubeConfigError(`token file ${this.path}: ${reason(err)}`);
      this.readAtMs = now;
    }
    return this.value;
  }

  invalidate(): void {
    this.readAtMs = Number.NEGATIVE_INFINITY;
  }
}

class StaticToken implements TokenSource {
  constructor(private readonly value: string) {}
  async get(): Promise<string> {
    return this.value;
  }
  invalidate(): void {}
}

async function readConfigFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new KubeConfigError(`${what}: ${reason(err)}`);
  }
}

/** The configuration the sidecar's client uses; throws KubeConfigError (one line). */
export async function loadRestConfig(opts: LoadOptions = {}): Promise<RestConfig> {
  const env = opts.env ?? process.env;
  const refreshMs = opts.tokenRefreshMs ?? TOKEN_REFRESH_MS;
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  if (fromEnv !== undefined) return fromKubeconfig(fromEnv, refreshMs);
  const home = opts.home ?? env.HOME ?? homedir();
  const userConfig = join(home, '.kube', 'config');
  if (home !== '' && existsSync(userConfig)) return fromKubeconfig(userConfig, refreshMs);
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (existsSync(join(saDir, 'token'))) return inCluster(env, saDir, refreshMs);
  throw new KubeConfigError(
    `no Kubernetes API configuration: KUBECONFIG is not set, ${userConfig} does not exist and there is no service account token in ${saDir}`,
    true,
  );
}

async function inCluster(env: NodeJS.ProcessEnv, saDir: string, refreshMs: number): Promise<RestConfig> {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  if (host === '' || port === '') {
    throw new KubeConfigError(
      `in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (a service account token is in ${saDir})`,
    );
  }
  // As @kubernetes/client-node: plain HTTP on the usual insecure ports.
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  let server: URL;
  try {
    server = new URL(`${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`);
  } catch {
    throw new KubeConfigError(`in-cluster configuration: '${host}:${port}' is not a host and port`);
  }
  const ca = await readConfigFile(join(saDir, 'ca.crt'), 'in-cluster configuration: CA certificate');
  const token = new FileToken(join(saDir, 'token'), refreshMs);
  await token.get();
  return { server, ca, rejectUnauthorized: true, token, description: `in-cluster service account (${saDir})` };
}

type Obj = Record<string, unknown>;

async function fromKubeconfig(file: string, refreshMs: number): Promise<RestConfig> {
  const where = `kubeconfig ${file}`;
  const fail = (what: string): never => {
    throw new KubeConfigError(`${where}: ${what}`);
  };
  const text = (await readConfigFile(file, where)).toString('utf8');
  // Only this path parses YAML: in-cluster, the parser is never loaded. Node gives the CommonJS
  // package's named exports; the esbuild bundle gives only its default (module.exports).
  const yaml = await import('yaml');
  const parse = yaml.parse ?? (yaml as unknown as { default: typeof yaml }).default.parse;
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return fail(`not valid YAML: ${reason(err)}`);
  }
  if (typeof doc !== 'object' || doc === null) return fail('not a kubeconfig (no mapping at the top)');
  const top = doc as Obj;
  const entry = (list: string, name: string, field: string): Obj => {
    const items = Array.isArray(top[list]) ? (top[list] as unknown[]) : [];
    const found = items.find((i): i is Obj => typeof i === 'object' && i !== null && (i as Obj).name === name);
    if (found === undefined) return fail(`${list.replace(/s$/, '')} '${name}' not found`);
    const value = found[field];
    return typeof value === 'object' && value !== null ? (value as Obj) : {};
  };
  const str = (o: Obj, key: string, what: string): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return fail(`${what} ${key} is not a string`);
    return v;
  };
  const contextName = str(top, 'current-context', 'the');
  if (contextName === undefined) return fail('current-context is not set');
  const context = entry('contexts', contextName, 'context');
  const clusterName = str(context, 'cluster', `context '${contextName}'`);
  if (clusterName === undefined) return fail(`context '${contextName}' names no cluster`);
  const cluster = entry('clusters', clusterName, 'cluster');
  const userName = str(context, 'user', `context '${contextName}'`);
  const user = userName === undefined ? {} : entry('users', userName, 'user');
  const inCluster = `cluster '${clusterName}'`;
  const inUser = `user '${userName ?? ''}'`;

  const rawServer = str(cluster, 'server', inCluster);
  if (rawServer === undefined) return fail(`${inCluster} has no server`);
  let server: URL;
  try {
    server = new URL(rawServer);
  } catch {
    return fail(`${inCluster} server '${rawServer}' is not a URL`);
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') return fail(`${inCluster} server '${rawServer}' is not http(s)`);
  if (str(cluster, 'proxy-url', inCluster) !== undefined) return fail(`${inCluster} uses proxy-url, which the sidecar does not support`);

  const base = dirname(resolve(file));
  /** `<key>-data` (base64) or `<key>` (a file, relative to the kubeconfig's directory). */
  const material = async (o: Obj, key: string, what: string): Promise<Buffer | undefined> => {
    const data = str(o, `${key}-data`, what);
    if (data !== undefined) return Buffer.from(data, 'base64');
    const path = str(o, key, what);
    if (path === undefined) return undefined;
    const full = isAbsolute(path) ? path : join(base, path);
    return readConfigFile(full, `${where}: ${what} ${key}`);
  };

  if (user.exec !== undefined && user.exec !== null) {
    const command = typeof (user.exec as Obj).command === 'string' ? ` (${(user.exec as Obj).command as string})` : '';
    return fail(
      `${inUser} authenticates with an exec plugin${command}, which the sidecar does not support (use token, tokenFile or a client certificate)`,
    );
  }
  if (user['auth-provider'] !== undefined && user['auth-provider'] !== null) {
    const name = (user['auth-provider'] as Obj).name;
    return fail(
      `${inUser} authenticates with the auth-provider${typeof name === 'string' ? ` '${name}'` : ''}, which the sidecar does not support (use token, tokenFile or a client certificate)`,
    );
  }
  if (str(user, 'username', inUser) !== undefined || str(user, 'password', inUser) !== undefined) {
    return fail(
      `${inUser} authenticates with a username and password, which the sidecar does not support (use token, tokenFile or a client certificate)`,
    );
  }

  const ca = await material(cluster, 'certificate-authority', inCluster);
  const cert = await material(user, 'client-certificate', inUser);
  const key = await material(user, 'client-key', inUser);
  if ((cert === undefined) !== (key === undefined)) return fail(`${inUser} needs both client-certificate and client-key`);
  let token: TokenSource | undefined;
  const tokenFile = str(user, 'tokenFile', inUser) ?? str(user, 'token-file', inUser);
  const inline = str(user, 'token', inUser);
  if (tokenFile !== undefined) {
    token = new FileToken(isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile), refreshMs);
    try {
      await token.get();
    } catch (err) {
      return fail(`${inUser} ${reason(err)}`);
    }
  } else if (inline !== undefined) token = new StaticToken(inline);

  const insecure = cluster['insecure-skip-tls-verify'];
  const servername = str(cluster, 'tls-server-name', inCluster);
  return {
    server,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    rejectUnauthorized: !(insecure === true || insecure === 'true'),
    ...(servername !== undefined ? { servername } : {}),
    ...(token !== undefined ? { token } : {}),
    description: `${where} (context ${contextName})`,
  };
}
