// The alerting rules as the chart renders them (helm template) and as promtool judges them:
// the exporter selector follows nameOverride, fullnameOverride and the release name; each rule's
// on/off, for, severity and threshold are values; users add rules; every runbook_url points at a
// section of docs/runbooks.md. The plain file's own tests are test/e2e/rules/alerts_test.yaml.
import { afterAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { get, obj, objs, str, type Doc } from './documents.js';
import { runTool } from './tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(ROOT, 'helm', 'huaweicloud-db-exporter');
const ALERTS = join(CHART, 'files', 'alerts.yaml');
const RULES_DIR = join(ROOT, 'test', 'e2e', 'rules');
const RUNBOOKS = join(ROOT, 'docs', 'runbooks.md');
/** the chart refuses to render without a project to poll */
const ONE_PROJECT = join(ROOT, 'test', 'e2e', 'chart', 'one-project.yaml');
const FILE_SELECTOR = 'job=~".*huaweicloud-db-exporter.*"';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `helm template <release>` with the PrometheusRule on, parsed into its documents. */
function render(release: string, ...flags: string[]): Doc[] {
  const res = runTool('helm', ['template', release, CHART, '--namespace', 'observability', '-f', ONE_PROJECT, '--set', 'prometheusRule.enabled=true', ...flags]);
  if (res.status !== 0) throw new Error(`helm template ${flags.join(' ')} failed (${res.status}):\n${res.stderr}`);
  return parseAllDocuments(res.stdout).map((d) => d.toJS() as unknown).filter((d) => d !== null).map((d) => obj(d));
}

function kind(docs: Doc[], name: string): Doc {
  const found = docs.filter((d) => d.kind === name);
  expect(found).toHaveLength(1);
  return obj(found, 0);
}

const groupsOf = (docs: Doc[]): Doc[] => objs(kind(docs, 'PrometheusRule'), 'spec', 'groups');
const rulesOf = (groups: Doc[]): Doc[] => groups.flatMap((g) => objs(g, 'rules'));
const exprOf = (groups: Doc[], alert: string): string => str(rulesOf(groups).find((r) => r.alert === alert), 'expr');

/** Writes the rendered groups as a rule file and runs promtool on it, with `testFile` beside it. */
function promtool(groups: Doc[], testFile?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hwcdb-chart-rules-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'rendered-rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
  const checked = runTool('promtool', ['check', 'rules', join(dir, 'rendered-rules.yaml')]);
  expect({ status: checked.status, output: checked.stdout + checked.stderr }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  if (!testFile) return '';
  copyFileSync(join(RULES_DIR, testFile), join(dir, testFile));
  const tested = runTool('promtool', ['test', 'rules', join(dir, testFile)]);
  expect({ status: tested.status, output: tested.stdout + tested.stderr }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  return tested.stdout;
}

describe('the chart\'s PrometheusRule', () => {
  test('with default values: exactly files/alerts.yaml, the exporter selector aside', () => {
    const file = objs(parse(readFileSync(ALERTS, 'utf8')), 'groups');
    const rendered = groupsOf(render('hwc'));
    const selector = 'namespace="observability", service="hwc-huaweicloud-db-exporter"';
    const expected = file.map((g) => ({
      ...g, rules: objs(g, 'rules').map((r) => ({ ...r, expr: str(r, 'expr').replace(FILE_SELECTOR, selector) })),
    }));
    expect(rendered).toEqual(expected);
    expect(rulesOf(rendered).filter((r) => str(r, 'expr').includes(selector)).map((r) => r.alert))
      .toEqual(['HuaweiCloudDBExporterDown', 'HuaweiCloudDBExporterAbsent']);
  });

  test('nameOverride=hwcdb, replicaCount=2: the rules select the Service the ServiceMonitor scrapes, and pass promtool', () => {
    const docs = render('hwc', '--set', 'nameOverride=hwcdb', '--set', 'replicaCount=2', '--set', 'serviceMonitor.enabled=true',
      '-f', join(RULES_DIR, 'chart-values.yaml'));
    const service = kind(docs, 'Service');
    const monitor = kind(docs, 'ServiceMonitor');
    expect(get(kind(docs, 'Deployment'), 'spec', 'replicas')).toBe(2);
    expect(get(service, 'metadata', 'name')).toBe('hwc-hwcdb');
    // The ServiceMonitor selects that Service by its labels, and its job label is the name override.
    const selectorLabels = obj(monitor, 'spec', 'selector', 'matchLabels');
    expect(selectorLabels).toEqual({ 'app.kubernetes.io/name': 'hwcdb', 'app.kubernetes.io/instance': 'hwc' });
    expect(obj(service, 'metadata', 'labels')).toMatchObject(selectorLabels);
    expect(get(monitor, 'spec', 'jobLabel')).toBe('app.kubernetes.io/name');
    const groups = groupsOf(docs);
    expect(exprOf(groups, 'HuaweiCloudDBExporterDown')).toBe('up{namespace="observability", service="hwc-hwcdb"} == 0');
    expect(exprOf(groups, 'HuaweiCloudDBExporterAbsent')).toBe('absent(up{namespace="observability", service="hwc-hwcdb"})');
    // chart-values.yaml: a threshold, for and severity changed, a rule switched off, a rule added.
    const lock = rulesOf(groups).find((r) => r.alert === 'HuaweiCloudGaussDBLockWaitingSessions');
    expect({ for: lock?.for, severity: get(lock, 'labels', 'severity') }).toEqual({ for: '1m', severity: 'critical' });
    expect(str(lock, 'expr').match(/> \d+/g)).toEqual(['> 10', '> 10']);
    expect(rulesOf(groups).map((r) => r.alert)).not.toContain('HuaweiCloudGaussDBSlowSQLSessions');
    expect(groups.map((g) => g.name)).toEqual(['huaweicloud-db-exporter', 'huaweicloud-db', 'huaweicloud-db-exporter-credentials', 'huaweicloud-db-exporter-extra']);
    expect(promtool(groups, 'chart_test.yaml')).toContain('SUCCESS');
  });

  test('fullnameOverride, another release name, or an explicit exporterSelector', () => {
    expect(exprOf(groupsOf(render('prod', '--set', 'fullnameOverride=dbmon')), 'HuaweiCloudDBExporterDown'))
      .toBe('up{namespace="observability", service="dbmon"} == 0');
    expect(exprOf(groupsOf(render('prod')), 'HuaweiCloudDBExporterDown'))
      .toBe('up{namespace="observability", service="prod-huaweicloud-db-exporter"} == 0');
    const groups = groupsOf(render('prod', '--set-string', 'prometheusRule.exporterSelector=job="hwcdb"'));
    expect(exprOf(groups, 'HuaweiCloudDBExporterAbsent')).toBe('absent(up{job="hwcdb"})');
    promtool(groups);
  });

  test('every threshold, for and severity of the values is the file\'s own', () => {
    const values = obj(parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')), 'prometheusRule', 'rules');
    const rules = rulesOf(objs(parse(readFileSync(ALERTS, 'utf8')), 'groups'));
    expect(Object.keys(values).sort()).toEqual(rules.map((r) => str(r, 'alert')).sort());
    for (const rule of rules) {
      const mine = obj(values, str(rule, 'alert'));
      const thresholds = [...new Set(str(rule, 'expr').match(/[<>]=? [0-9.]+/g)?.map((m) => Number(m.split(' ')[1])) ?? [])];
      expect({ alert: rule.alert, for: mine.for, severity: mine.severity, enabled: mine.enabled, threshold: mine.threshold }).toEqual({
        alert: rule.alert, for: rule.for, severity: get(rule, 'labels', 'severity'), enabled: true, threshold: thresholds[0],
      });
      expect(thresholds.length).toBeLessThanOrEqual(1);
    }
  });
});

describe('runbooks', () => {
  /** GitHub's anchor for a heading: lower-cased, punctuation dropped, spaces to hyphens. */
  const anchor = (heading: string): string => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

  test('every alert has a runbook_url pointing at its section of docs/runbooks.md, which says what it means, how to check, what to do', () => {
    const text = readFileSync(RUNBOOKS, 'utf8');
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1] ?? '');
    const sections = new Map(headings.map((h) => [anchor(h), h]));
    for (const rule of rulesOf(objs(parse(readFileSync(ALERTS, 'utf8')), 'groups'))) {
      const url = str(rule, 'annotations', 'runbook_url');
      const [base, fragment = ''] = url.split('#');
      expect({ alert: rule.alert, base }).toEqual({ alert: rule.alert, base: expect.stringMatching(/\/docs\/runbooks\.md$/) });
      expect({ alert: rule.alert, section: sections.get(fragment) }).toEqual({ alert: rule.alert, section: rule.alert });
      const body = text.split(`## ${String(rule.alert)}\n`)[1]?.split(/^## /m)[0] ?? '';
      for (const part of ['**Means**', '**Check**', '**Do**']) expect({ alert: rule.alert, part, has: body.includes(part) }).toEqual({ alert: rule.alert, part, has: true });
    }
  });
});
