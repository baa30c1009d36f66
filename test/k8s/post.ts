/** POSTs an AdmissionReview to a webhook over TLS that must verify against `ca`. */
import { request } from 'node:https';
import type { AdmissionReview } from '../../src/k8s/admission.js';

export function postReview(port: number, path: string, body: string, ca: string): Promise<{ status: number; json: AdmissionReview }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as AdmissionReview }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
