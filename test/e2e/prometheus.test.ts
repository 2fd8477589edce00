// The exporter as Prometheus sees it: the simulator and the real daemon in-process, scraped by a
// real Prometheus server (Debian's 2.42) on loopback that loads the chart's alerting rules. It
// scrapes the exporter under two jobs, as it would two replicas (replicaCount 2): every series
// twice. Through Prometheus' HTTP API: the target is up, every family of the contract has series,
// the lock-waiting alert goes pending then firing once with the instance's name, the dashboard
// counts every target once, and every PromQL expression of files/alerts.yaml,
// files/dashboard.json, README.md and docs/*.md parses and returns data.
// A missing prometheus or promtool binary fails the suite with an install hint (tools.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { CONTRACT_FAMILIES } from '../support/contract.js';
import { startStack, type Stack } from '../support/stack.js';
import { get, getOptional, list, num, obj, objs, str, type Doc, type Key } from './documents.js';
import { requireTool, runTool } from './tools.js';
import { allDocExpressions } from './doc-examples.js';
import { freePort } from '../support/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ALERTS = join(ROOT, 'helm', 'huaweicloud-db-exporter', 'files', 'alerts.yaml');
const DASHBOARD = join(ROOT, 'helm', 'huaweicloud-db-exporter', 'files', 'dashboard.json');
const JOB = 'huaweicloud-db-exporter';
/** a second scrape job of the same exporter: what a second replica looks like to the queries */
const REPLICA_JOB = 'huaweicloud-db-exporter-replica';
/** every rule's `for:` in the copy Prometheus loads (see writeRules) */
const SHORT_FOR = '4s';
const EVERY_2S = '*/2 * * * * *';
const LOCK_ALERT = 'HuaweiCloudGaussDBLockWaitingSessions';

interface Series {
  metric: Record<string, string>;
  value?: [number, string];
}

interface QueryAnswer {
  httpStatus: number;
  status: string;
  error?: string;
  result: Series[];
}

interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** pending or firing (Prometheus lists no inactive alert) */
  state: string;
}

let stack: Stack;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let promUrl = '';
let dir = '';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Ends a waitFor at once (other errors count as "not yet"). */
class Fatal extends Error {}

/** Polls `check` every `everyMs` until it returns a value other than undefined; fails after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < Math.ceil(timeoutMs / everyMs) + 1 && Date.now() < deadline; attempt++) {
    const value = await check().catch((error: unknown) => {
      if (error instanceof Fatal) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nprometheus log (tail):\n${prometheusLog.slice(-3000)}`);
}


async function api(path: string, params: Record<string, string | string[]> = {}): Promise<{ httpStatus: number; body: Doc }> {
  const url = new URL(`/api/v1/${path}`, promUrl);
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { httpStatus: response.status, body: obj(await response.json()) };
}

/** A label set (a series' metric, an alert's labels or annotations): label names to values. */
function labelSet(value: unknown, ...path: Key[]): Record<string, string> {
  return Object.fromEntries(Object.keys(obj(value, ...path)).map((name) => [name, str(value, ...path, name)]));
}

function toSeries(value: unknown): Series {
  const sample = get(value, 'value');
  return { metric: labelSet(value, 'metric'), value: sample === undefined ? undefined : [num(sample, 0), str(sample, 1)] };
}

function toAlert(value: unknown): PromAlert {
  return { labels: labelSet(value, 'labels'), annotations: labelSet(value, 'annotations'), state: str(value, 'state') };
}

/** An instant query, now. */
async function query(expr: string): Promise<QueryAnswer> {
  const { httpStatus, body } = await api('query', { query: expr });
  const error = body.error === undefined ? undefined : str(body, 'error');
  return { httpStatus, status: String(body.status), error, result: list(getOptional(body, 'data', 'result') ?? []).map(toSeries) };
}

async function alerts(): Promise<PromAlert[]> {
  const { body } = await api('alerts');
  return list(getOptional(body, 'data', 'alerts') ?? []).map(toAlert);
}

/**
 * The copy of files/alerts.yaml that Prometheus loads. Only `for:` changes: every rule's `for` is
 * shortened to SHORT_FOR so that the test sees pending -> firing within seconds instead of minutes.
 * Expressions, labels and annotations are untouched (asserted below).
 */
function writeRules(path: string): void {
  const rules: unknown = parse(readFileSync(ALERTS, 'utf8'));
  for (const group of objs(rules, 'groups')) {
    for (const rule of objs(group, 'rules')) if (rule.for !== undefined) rule.for = SHORT_FOR;
  }
  writeFileSync(path, stringify(rules, { lineWidth: 0 }));
}

function alertRules(file: string): Doc[] {
  return objs(parse(readFileSync(file, 'utf8')), 'groups').flatMap((g) => objs(g, 'rules'));
}

beforeAll(async () => {
  const prometheusBin = requireTool('prometheus');
  requireTool('promtool');
  dir = mkdtempSync(join(tmpdir(), 'hwcdb-prometheus-'));

  stack = await startStack({
    name: 'e2e-prometheus',
    // Agency keys from the (simulated) metadata service, so that the credential metrics, and the
    // alert and runbook queries on them, have series.
    authConfig: () => ({ type: 'metadata' }),
    // GaussDB discovery with a tag allowlist, so that the tag series of docs/configuration.md's join exist.
    engines: { gaussdb: { discover: true, tags_allowlist: ['team'] } },
    overrides: {
      collectors: {
        session_overview: { schedule: EVERY_2S },
        htap_instances: { schedule: EVERY_2S },
        htap_processes: { schedule: EVERY_2S, long_running_seconds: 60, by_user: true, by_database: true, by_host: true, max_label_values: 20 },
      },
      http: { timeout: '5s', retries: 2, concurrency: 8 },
    },
  });
  await stack.ready(15_000);
  // Two counters exist only once they have counted something: one throttled answer (retried, so
  // the poll still succeeds) creates api_throttled_total, and one slow answer (3 s on a 2 s
  // schedule) makes the next htap_processes poll be skipped, which creates polls_skipped_total.
  // The dashboard's throttling and skipped-poll panels and the throttling alert then have series.
  stack.sim.faults.add({ kind: 'throttle', api: 'gaussdb_session_overview', times: 1 });
  stack.sim.faults.add({ kind: 'latency', ms: 3_000, api: 'taurusdb_htap_process', times: 1 });
  await waitFor('the throttled and skipped-poll counters on /metrics', 15_000, async () => {
    const { text } = await stack.scrape();
    return text.includes('\nhuaweicloud_db_exporter_api_throttled_total{') && text.includes('\nhuaweicloud_db_exporter_polls_skipped_total{')
      ? true : undefined;
  });

  const rulesFile = join(dir, 'alerts.yaml');
  writeRules(rulesFile);
  const checked = runTool('promtool', ['check', 'rules', rulesFile]);
  if (checked.status !== 0) throw new Error(`promtool check rules on the shortened copy failed:\n${checked.stdout}${checked.stderr}`);

  const target = new URL(stack.daemon.url).host;
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [rulesFile],
    scrape_configs: [JOB, REPLICA_JOB].map((job) => ({ job_name: job, metrics_path: '/metrics', static_configs: [{ targets: [target] }] })),
  }));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(prometheusBin, [
    `--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer): void => { prometheusLog = (prometheusLog + chunk.toString()).slice(-20_000); };
  prometheus.stdout?.on('data', keep);
  prometheus.stderr?.on('data', keep);
  await waitFor('prometheus /-/ready', 20_000, async () => {
    if (prometheus?.exitCode !== null) throw new Fatal(`prometheus exited (${prometheus?.exitCode}):\n${prometheusLog}`);
    const response = await fetch(`${promUrl}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200 ? true : undefined;
  });
  // A few scrapes, so that rate() over a few seconds has two samples.
  await waitFor('three scrapes of the exporter', 20_000, async () => {
    const answer = await query(`count_over_time(up{job="${JOB}"}[1m])`);
    return Number(answer.result[0]?.value?.[1] ?? 0) >= 3 ? true : undefined;
  });
  // rate() sees no increase in a counter's first sample: throttle once more now that Prometheus
  // has the series, so that the throttling alert's condition holds as written.
  stack.sim.faults.add({ kind: 'throttle', api: 'gaussdb_session_overview', times: 1 });
  await waitFor('a throttled request seen by rate()', 20_000, async () => {
    const answer = await query('rate(huaweicloud_db_exporter_api_throttled_total[1m]) > 0');
    return answer.result.length > 0 ? true : undefined;
  });
}, 90_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
    const child = prometheus;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 20_000);

describe('Prometheus scraping the exporter', () => {
  it('sees the target up', async () => {
    const answer = await query(`up{job="${JOB}"}`);
    expect(answer.status).toBe('success');
    expect(answer.result).toHaveLength(1);
    expect(answer.result[0]?.value?.[1]).toBe('1');
    const { body } = await api('targets');
    const active = objs(body, 'data', 'activeTargets').filter((t) => get(t, 'labels', 'job') === JOB);
    expect(active.map((t) => ({ health: t.health, lastError: t.lastError }))).toEqual([{ health: 'up', lastError: '' }]);
  });

  it('has series for every metric family of the contract, and for the TaurusDB _info metric', async () => {
    const answer = await query(`group by (__name__) ({job="${JOB}", __name__=~"huaweicloud_.+"})`);
    expect(answer.status).toBe('success');
    const names = new Set(answer.result.map((s) => s.metric.__name__));
    const missing = [...CONTRACT_FAMILIES, 'huaweicloud_taurusdb_instance_info'].filter((family) => !names.has(family));
    expect(missing).toEqual([]);
  });

  it('loads every rule of files/alerts.yaml, expressions unchanged, all evaluating without error', async () => {
    const original = alertRules(ALERTS);
    const loaded = alertRules(join(dir, 'alerts.yaml'));
    expect(loaded.map((r) => ({ ...r, for: undefined }))).toEqual(original.map((r) => ({ ...r, for: undefined })));
    expect(loaded.every((r) => r.for === SHORT_FOR)).toBe(true);
    const { body } = await api('rules');
    const rules = objs(body, 'data', 'groups').flatMap((g) => objs(g, 'rules'));
    expect(rules.map((r) => r.name).sort()).toEqual(original.map((r) => str(r, 'alert')).sort());
    expect(rules.filter((r) => r.health !== 'ok').map((r) => ({ name: r.name, health: r.health, error: r.lastError }))).toEqual([]);
  });
});

describe('the lock-waiting alert', () => {
  it('goes pending, then firing, naming the GaussDB instance, when lock-waiting sessions rise', async () => {
    const rule = alertRules(ALERTS).find((r) => r.alert === LOCK_ALERT);
    const threshold = Number(/huaweicloud_gaussdb_sessions_lock_waiting\)?\s*>\s*(\d+)/.exec(String(rule?.expr))?.[1]);
    expect(Number.isFinite(threshold)).toBe(true);
    // An instance below the threshold, so the alert starts inactive for it.
    const instance = stack.sim.fleet.projects[0]?.gaussdb.find((g) => g.overview.lockWaiting <= threshold);
    if (!instance) throw new Error('the demo fleet has no GaussDB instance below the lock-waiting threshold');
    const mine = (list: PromAlert[]): PromAlert | undefined =>
      list.find((a) => a.labels.alertname === LOCK_ALERT && a.labels.instance_id === instance.id);
    expect(mine(await alerts())).toBeUndefined();

    const raised = threshold + 45;
    stack.sim.fleet.setOverview(instance.id, { lockWaiting: raised });
    const states: string[] = [];
    const firing = await waitFor(`${LOCK_ALERT} firing for ${instance.name}`, 30_000, async () => {
      const alert = mine(await alerts());
      if (alert && states[states.length - 1] !== alert.state) states.push(alert.state);
      return alert?.state === 'firing' ? alert : undefined;
    }, 200);
    expect(states).toEqual(['pending', 'firing']);
    // Two scrape jobs publish the instance: still one alert.
    expect((await alerts()).filter((a) => a.labels.alertname === LOCK_ALERT && a.labels.instance_id === instance.id)).toHaveLength(1);
    // One alert per instance, whatever scrapes it: the scrape's own labels are aggregated away.
    expect(firing.labels).toMatchObject({ alertname: LOCK_ALERT, severity: 'warning', instance_id: instance.id, name: instance.name });
    expect(firing.labels.job).toBeUndefined();
    expect(firing.annotations.summary).toContain(`${instance.name} (${instance.id})`);
    expect(firing.annotations.summary).toContain(`has ${raised} sessions waiting for locks`);
    expect(firing.annotations.description).toContain(instance.name);
  }, 45_000);
});

// ------------------------------------------------------------------------------------------------
// Every PromQL expression of the alerting rules and the dashboard, against this Prometheus.
//
// Each must parse (status success) and return data. Some are legitimately empty in a healthy
// fleet: alert conditions that are not met (exporter down, target down, stale data) and panels
// that count failures. The rule for those: when an expression returns nothing, it is evaluated
// again relaxed — every comparison against a number removed (`x == 0` -> `x`, `t > 900` -> `t`),
// and `absent(x)` replaced by `x` — and the relaxed form must return data. That proves the
// selectors, label matchers and joins match the exporter's real series. An empty expression with
// nothing to relax fails. (The lock-waiting alert is in addition made to fire above, and the
// throttling and skipped-poll counters are made to exist in beforeAll.)
// ------------------------------------------------------------------------------------------------

interface Expression {
  source: string;
  expr: string;
}

const COMPARISON_WITH_NUMBER = /\s*(?:==|!=|>=|<=|>|<)\s*(?:bool\s+)?-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?(?![\w.])/gi;

/** The relaxed form of an expression (see the rule above). */
function relax(expr: string): string {
  let out = expr.replace(COMPARISON_WITH_NUMBER, '');
  // absent(<selector>) -> <selector>; the argument holds no parentheses in our rules.
  out = out.replace(/\babsent\s*\(([^()]*)\)/g, '$1');
  return out;
}

/** Grafana's time macros, for a 1 s scrape interval: $__rate_interval = max(interval + scrape, 4 × scrape). */
const MACROS: Record<string, string> = {
  __rate_interval: '4s',
  __interval: '2s',
  __interval_ms: '2000',
  __range: '1m',
  __range_s: '60',
  __range_ms: '60000',
};

function substitute(expr: string, variables: Record<string, string>): string {
  const values: Record<string, string> = { ...MACROS, ...variables };
  const out = expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    return name in values ? values[name] as string : whole;
  });
  const left = /\$\{?[A-Za-z_]\w*|\[\[\w+\]\]/.exec(out);
  if (left) throw new Error(`unknown dashboard variable ${left[0]} in ${expr}`);
  return out;
}

/** Grafana's text for a query_result() line: `name{a="x", b="y"} value timestamp_ms`. */
function queryResultLine(series: Series): string {
  const { __name__: name = '', ...labels } = series.metric;
  const text = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ');
  return `${name}{${text}} ${series.value?.[1] ?? ''} ${Math.round((series.value?.[0] ?? 0) * 1000)}`;
}

/** A Grafana variable's regex ("/.../flags"), or undefined for none. */
function variableRegex(source: unknown): RegExp | undefined {
  if (typeof source !== 'string' || source === '') return undefined;
  const m = /^\/(.*)\/([a-z]*)$/s.exec(source);
  if (!m) throw new Error(`not a /regex/: ${source}`);
  return new RegExp(m[1] ?? '', m[2]);
}

const escapeRegex = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('every PromQL expression of files/alerts.yaml and files/dashboard.json', () => {
  const dashboard: unknown = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const variableDefs = objs(dashboard, 'templating', 'list').filter((v) => v.type === 'query');
  /** the values every variable takes (all options selected, as "All" would), as a regex */
  const variables: Record<string, string> = { datasource: 'prometheus' };
  const relaxed: string[] = [];

  /** What is wrong with an expression against this Prometheus, or undefined when nothing is. */
  async function problemWith(item: Expression): Promise<string | undefined> {
    const answer = await query(item.expr);
    if (answer.status !== 'success') return `${item.source}: ${answer.error ?? answer.status}\n    ${item.expr}`;
    if (answer.result.length > 0) return undefined;
    const loose = relax(item.expr);
    if (loose === item.expr) return `${item.source}: no data, and nothing to relax\n    ${item.expr}`;
    const again = await query(loose);
    if (again.status !== 'success' || again.result.length === 0) {
      return `${item.source}: no data, relaxed or not (${again.error ?? 'empty'})\n    ${loose}`;
    }
    relaxed.push(item.source);
    return undefined;
  }

  async function problemsWith(items: Expression[]): Promise<string[]> {
    const problems: string[] = [];
    for (const item of items) {
      const problem = await problemWith(item);
      if (problem) problems.push(problem);
    }
    return problems;
  }

  it('the dashboard variable queries (label_values / query_result) answer, and their regexes pick ids and names', async () => {
    for (const v of variableDefs) {
      const name = str(v, 'name');
      const raw = String(getOptional(v, 'query', 'query') ?? v.query ?? v.definition);
      const source = `variable ${name}: ${raw}`;
      let options: Array<{ value: string; text: string }>;
      const labelValues = /^\s*label_values\(\s*(.+),\s*(\w+)\s*\)\s*$/s.exec(raw);
      const queryResult = /^\s*query_result\(\s*(.+)\s*\)\s*$/s.exec(raw);
      if (labelValues) {
        // Grafana asks /api/v1/label/<label>/values?match[]=<selector>.
        const selector = substitute(labelValues[1] ?? '', variables);
        const { httpStatus, body } = await api(`label/${labelValues[2]}/values`, { 'match[]': selector });
        expect({ source, httpStatus, status: body.status }).toEqual({ source, httpStatus: 200, status: 'success' });
        options = list(body, 'data').map((item) => str(item)).map((value) => ({ value, text: value }));
      } else if (queryResult) {
        const answer = await query(substitute(queryResult[1] ?? '', variables));
        expect({ source, status: answer.status, error: answer.error }).toEqual({ source, status: 'success', error: undefined });
        const regex = variableRegex(v.regex);
        options = answer.result.map(queryResultLine).flatMap((line) => {
          if (!regex) return [{ value: line, text: line }];
          const m = regex.exec(line);
          if (!m) return [];
          const value = m.groups?.value ?? m[1] ?? m[0];
          return [{ value, text: m.groups?.text ?? value }];
        });
        if (regex) {
          // Value = an id, text = a name different from it (the _info metric's name label).
          for (const o of options) expect({ source, id: /^[0-9a-z]+$/.test(o.value), named: o.text !== '' }).toEqual({ source, id: true, named: true });
        }
      } else {
        throw new Error(`${source}: neither label_values(...) nor query_result(...)`);
      }
      expect({ source, options: options.length > 0 }).toEqual({ source, options: true });
      variables[name] = `(${[...new Set(options.map((o) => escapeRegex(o.value)))].join('|')})`;
    }
    expect(Object.keys(variables)).toEqual(['datasource', 'job', 'gaussdb', 'taurusdb', 'htap']);
    // The TaurusDB variable names instances from huaweicloud_taurusdb_instance_info.
    const taurus = variableDefs.find((v) => v.name === 'taurusdb');
    const names = (await query(substitute(String(getOptional(taurus, 'query', 'query')).replace(/^query_result\((.*)\)$/s, '$1'), variables))).result
      .map((s) => s.metric.name);
    expect(names.sort()).toEqual(stack.sim.fleet.projects[0]?.taurusdb.map((t) => t.name).sort());
  });

  it('every panel target returns data (or, where legitimately empty, its relaxed form does)', async () => {
    expect(Object.keys(variables)).toContain('htap'); // set by the previous test
    const targets: Expression[] = [];
    for (const panel of objs(dashboard, 'panels')) {
      for (const t of objs(panel.targets ?? [])) {
        targets.push({ source: `panel "${panel.title}" ${t.refId}`, expr: substitute(String(t.expr), variables) });
      }
    }
    expect(targets.length).toBeGreaterThan(30);
    expect(await problemsWith(targets)).toEqual([]);
    // Only the panel that counts failed targets is empty in a healthy fleet.
    expect(relaxed).toEqual(['panel "Targets up by collector" B']);
  }, 60_000);

  it('every alert expression returns data (or, where legitimately empty, its relaxed form does)', async () => {
    const rules = alertRules(ALERTS);
    expect(rules.length).toBeGreaterThanOrEqual(11);
    expect(await problemsWith(rules.map((rule) => ({ source: `alert ${rule.alert}`, expr: String(rule.expr) })))).toEqual([]);
    // The healthy-fleet conditions that are expected to be empty, and only those, were relaxed.
    expect(relaxed.filter((s) => s.startsWith('alert ')).sort()).toEqual([
      'alert HuaweiCloudDBDataStale', 'alert HuaweiCloudDBExporterAbsent', 'alert HuaweiCloudDBExporterCredentialsExpiring',
      'alert HuaweiCloudDBExporterDown', 'alert HuaweiCloudDBTargetDown',
    ]);
  }, 60_000);

  it('counts every target once although two jobs scrape the exporter', async () => {
    const project = stack.sim.fleet.projects[0];
    const targets = (project?.gaussdb.length ?? 0) + (project?.taurusdb.length ?? 0)
      + (project?.taurusdb.flatMap((t) => t.htap.filter((h) => h.engine === 'star-rocks')).length ?? 0);
    const panel = objs(dashboard, 'panels').find((p) => p.title === 'Targets up');
    const expr = substitute(str(objs(panel?.targets ?? []), 0, 'expr'), variables);
    expect(expr).toContain(REPLICA_JOB);
    const value = async (e: string): Promise<number> => Number((await query(e)).result[0]?.value?.[1]);
    expect(await value(expr)).toBe(targets);
    // What a plain sum did: every target twice.
    expect(await value(`sum(huaweicloud_db_up{job=~"${variables.job ?? ''}"})`)).toBe(2 * targets);
    const busy = stack.sim.fleet.demo?.busyHtapId ?? '';
    const series = await query(`huaweicloud_db_up{collector="htap_processes", htap_instance_id="${busy}"}`);
    // An HTAP target's health carries the TaurusDB id, so the Targets table names it.
    const taurus = project?.taurusdb.find((t) => t.htap.some((h) => h.id === busy));
    expect(series.result.map((s) => s.metric.instance_id)).toEqual([taurus?.id, taurus?.id]);
  });

  it('relax() removes numeric comparisons and absent() only', () => {
    expect(relax('up{job=~".*x.*"} == 0')).toBe('up{job=~".*x.*"}');
    expect(relax('(time() - m > 900) * on(a) group_left(name) i or on(a) (time() - m > 900)'))
      .toBe('(time() - m) * on(a) group_left(name) i or on(a) (time() - m)');
    expect(relax('absent(up{job=~".*x.*"})')).toBe('up{job=~".*x.*"}');
    expect(relax('s{status!~"(?i)normal"} == 1')).toBe('s{status!~"(?i)normal"}');
    expect(relax('histogram_quantile(0.95, sum by (le) (rate(b[4s])))')).toBe('histogram_quantile(0.95, sum by (le) (rate(b[4s])))');
    expect(relax('rate(t[5m]) > 0')).toBe('rate(t[5m])');
  });
});

// ------------------------------------------------------------------------------------------------
// Every PromQL expression of the documentation (doc-examples.ts), read from README.md and
// docs/*.md as they are now. Each must parse and return data, or be one of these conditions that
// a healthy fleet leaves empty, whose relaxed form (numeric comparisons removed) must return data.
// ------------------------------------------------------------------------------------------------

/** Expressions legitimately empty on the healthy demo fleet, and why. */
const EMPTY_WHEN_HEALTHY: ReadonlyArray<readonly [RegExp, string]> = [
  [/huaweicloud_db_up\)? (==|<) [01]$/, 'targets down: none in a healthy fleet'],
  [/huaweicloud_db_last_success_timestamp_seconds\)? > 900$/, 'data older than 15 minutes: none while polls succeed'],
  [/^rate\(huaweicloud_db_exporter_api_throttled_total\[5m\]\) > 0$/, 'throttling: only while the simulator throttles'],
];

describe('every PromQL expression of README.md and docs/*.md', () => {
  const expressions = allDocExpressions(ROOT);

  it('finds the expressions of the documentation', () => {
    const files = new Set(expressions.map((e) => e.source.split(':')[0]));
    expect([...files].sort()).toEqual(expect.arrayContaining(['README.md', 'docs/promql.md', 'docs/runbooks.md']));
    expect(expressions.length).toBeGreaterThanOrEqual(30);
  });

  it('each parses and returns data, or is listed as empty on a healthy fleet and its relaxed form returns data', async () => {
    const problems: string[] = [];
    const empty: string[] = [];
    for (const { source, expr } of expressions) {
      const answer = await query(expr);
      if (answer.status !== 'success') {
        problems.push(`${source}: ${answer.error ?? answer.status}\n    ${expr}`);
        continue;
      }
      if (answer.result.length > 0) continue;
      const reason = EMPTY_WHEN_HEALTHY.find(([pattern]) => pattern.test(expr))?.[1];
      const relaxed = await query(relax(expr));
      if (!reason) problems.push(`${source}: no data, and not listed as empty on a healthy fleet\n    ${expr}`);
      else if (relaxed.result.length === 0) problems.push(`${source}: no data even relaxed (${reason})\n    ${relax(expr)}`);
      else empty.push(`${source} (${reason})`);
    }
    process.stdout.write(`doc examples: ${expressions.length} expressions, ${expressions.length - empty.length - problems.length} with data, `
      + `${empty.length} empty on a healthy fleet: ${empty.join('; ')}\n`);
    expect(problems).toEqual([]);
  }, 60_000);
});
