/** The alerting bundle checked by the real tools: promtool and amtool (Debian packages). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';

const has = (tool: string): boolean => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;
const RULES = `${ROOT}alerts/kts.rules.yaml`;
const AM = `${ROOT}alerts/alertmanager.yml`;

interface Rule {
  alert?: string;
  record?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function rules(): Rule[] {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

describe('alert rules', { skip: has('promtool') ? false : 'promtool not installed (.ci/run installs prometheus)' }, () => {
  it('pass promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('pass promtool test rules, with a firing and a silent case for every alert', () => {
    const r = spawnSync('promtool', ['test', 'rules', `${ROOT}alerts/tests/kts.rules.test.yaml`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const tests = readFileSync(`${ROOT}alerts/tests/kts.rules.test.yaml`, 'utf8');
    for (const a of rules().filter((x) => x.alert !== undefined)) {
      const name = a.alert as string;
      assert.match(tests, new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${name} has a firing case`);
      assert.match(
        tests,
        new RegExp(`alertname: ${name}, exp_alerts: \\[\\]|alertname: ${name}\\n\\s+exp_alerts: \\[\\]`),
        `${name} has a silent case`,
      );
    }
  });

  it('give every alert a severity, a summary, a description and a runbook section that exists', () => {
    const runbooks = readFileSync(`${ROOT}docs/runbooks.md`, 'utf8');
    for (const a of rules().filter((x) => x.alert !== undefined)) {
      assert.match(a.labels?.severity ?? '', /^(critical|warning|info)$/, `${a.alert} severity`);
      assert.ok((a.annotations?.summary ?? '').length > 10, `${a.alert} summary`);
      assert.ok((a.annotations?.description ?? '').length > 20, `${a.alert} description`);
      const anchor = (a.annotations?.runbook_url ?? '').split('#')[1] ?? '';
      assert.equal(anchor, (a.alert as string).toLowerCase(), `${a.alert} runbook anchor`);
      assert.match(runbooks, new RegExp(`^## ${a.alert}$`, 'm'), `${a.alert} has a runbook section`);
    }
  });
});

describe('Alertmanager example configuration', {
  skip: has('amtool') ? false : 'amtool not installed (.ci/run installs prometheus-alertmanager)',
}, () => {
  it('passes amtool check-config', () => {
    const r = spawnSync('amtool', ['check-config', AM], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('routes by severity', () => {
    const route = (...labels: string[]) =>
      spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${AM}`, ...labels], { encoding: 'utf8' }).stdout.trim();
    assert.equal(route('alertname=KtsTailDegradationCritical', 'severity=critical', 'namespace=gpu'), 'kts-page');
    assert.equal(route('alertname=KtsTailDegradationWarning', 'severity=warning'), 'kts-ticket');
    assert.equal(route('alertname=KtsBaselineMissing', 'severity=info'), 'kts-default');
  });
});
