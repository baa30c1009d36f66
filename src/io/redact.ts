/**
 * URLs as they may be logged or shown: credentials removed. A dcgm-exporter behind a proxy may
 * be reached as http://user:secret@host/metrics or with ?token=...; neither part is ever
 * written to a log line, /api/status or --print-config.
 */
const SECRET_PARAMS = /^(token|access_token|password|passwd|secret|api[-_]?key|key|auth|authorization|sig|signature)$/i;

export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return raw.replace(/\/\/[^/@]*@/, '//***@');
  }
  if (u.username !== '' || u.password !== '') {
    u.username = '***';
    u.password = '';
  }
  for (const k of [...u.searchParams.keys()]) if (SECRET_PARAMS.test(k)) u.searchParams.set(k, '***');
  return u.toString();
}

/** Every URL inside a free-text message, redacted. */
export function redactText(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, (m) => redactUrl(m));
}
