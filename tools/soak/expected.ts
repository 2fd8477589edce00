// The soak's oracle: every series /metrics must carry for a simulated fleet, computed the plain
// way (whole session lists at once) from the metric tables and label rules of docs/contract.md,
// independently of the collectors' streaming code; and the comparison of an exposition against it.
import type { Fleet, Session } from '../../src/simulator/fleet.js';

export interface ExpectedSettings {
  longRunningSeconds: number;
  /** commands of idle sessions, as configured: those never count as long-running */
  idleCommands: readonly string[];
  maxLabelValues: number;
  byUser: boolean;
  byDatabase: boolean;
  byHost: boolean;
}

/** Series key (`name{a="x",b="y"}`, labels sorted by name, values unescaped) → value. */
export type SeriesMap = Map<string, number>;

export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  return names.length === 0 ? name : `${name}{${names.map((n) => `${n}="${labels[n]}"`).join(',')}}`;
}

// --- label rules (docs/contract.md, "Label rules") ------------------------------------------------------

const plain = (raw: string | null | undefined): string => (raw ?? '').trim() || 'unknown';
const keyword = (raw: string | null | undefined): string => plain(raw).toLowerCase();

/** The client host without its port: `a:1` → `a`, `[::1]:2` → `::1`, a bare IPv6 address as it is. */
function hostOnly(raw: string): string {
  const trimmed = raw.trim();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(trimmed);
  if (bracketed) return plain(bracketed[1]);
  return plain(trimmed.split(':').length === 2 ? trimmed.replace(/:\d*$/, '') : trimmed);
}

interface Tally {
  count: number;
  max: number;
}

/**
 * At most `max` rows: when there are more, the `max - 1` largest (ties by label text, code-unit
 * order) stay and every other row, one genuinely named "other" included, is summed into "other".
 */
function capped(rows: Map<string, Tally>, max: number, other: string): Map<string, Tally> {
  if (rows.size <= max) return rows;
  const ranked = [...rows].filter(([key]) => key !== other)
    .sort(([a, x], [b, y]) => y.count - x.count || (a < b ? -1 : a > b ? 1 : 0));
  const kept = new Map(ranked.slice(0, max - 1));
  const folded: Tally = { count: 0, max: 0 };
  for (const [key, row] of rows) {
    if (kept.has(key)) continue;
    folded.count += row.count;
    folded.max = Math.max(folded.max, row.max);
  }
  kept.set(other, folded);
  return kept;
}

function tally(keys: readonly string[], values: readonly number[]): Map<string, Tally> {
  const rows = new Map<string, Tally>();
  keys.forEach((key, i) => {
    const row = rows.get(key) ?? { count: 0, max: 0 };
    row.count += 1;
    row.max = Math.max(row.max, values[i] ?? 0);
    rows.set(key, row);
  });
  return rows;
}

function sessionSeries(out: SeriesMap, ids: Record<string, string>, sessions: readonly Session[], settings: ExpectedSettings): void {
  const SEP = '\u0000';
  const pairs = capped(tally(sessions.map((s) => `${keyword(s.state)}${SEP}${keyword(s.command)}`), sessions.map((s) => s.duration)),
    settings.maxLabelValues, `other${SEP}other`);
  for (const [pair, row] of pairs) {
    const [state = '', command = ''] = pair.split(SEP);
    out.set(seriesKey('huaweicloud_taurusdb_htap_sessions', { ...ids, state, command }), row.count);
    out.set(seriesKey('huaweicloud_taurusdb_htap_session_max_duration_seconds', { ...ids, state, command }), row.max);
  }
  const idle = new Set(settings.idleCommands.map(keyword));
  out.set(seriesKey('huaweicloud_taurusdb_htap_sessions_long_running', ids),
    sessions.filter((s) => s.duration >= settings.longRunningSeconds && !idle.has(keyword(s.command))).length);
  const breakdowns: Array<[boolean, string, string, (s: Session) => string]> = [
    [settings.byUser, 'huaweicloud_taurusdb_htap_sessions_by_user', 'user', (s) => plain(s.user)],
    [settings.byDatabase, 'huaweicloud_taurusdb_htap_sessions_by_database', 'database', (s) => plain(s.database)],
    [settings.byHost, 'huaweicloud_taurusdb_htap_sessions_by_host', 'host', (s) => hostOnly(s.host)],
  ];
  for (const [enabled, family, label, value] of breakdowns) {
    if (!enabled) continue;
    for (const [key, row] of capped(tally(sessions.map(value), []), settings.maxLabelValues, 'other')) {
      out.set(seriesKey(family, { ...ids, [label]: key }), row.count);
    }
  }
}

export interface ExpectedExposition {
  /** data series and `huaweicloud_db_up`, with their exact values */
  values: SeriesMap;
  /** `huaweicloud_db_last_success_timestamp_seconds` series: present, at or after the final poll */
  lastSuccess: Set<string>;
  targets: number;
}

/** What /metrics must show after a clean poll of every instance of `fleet` (every one discovered). */
export function expectedExposition(fleet: Fleet, settings: ExpectedSettings): ExpectedExposition {
  const values: SeriesMap = new Map();
  const lastSuccess = new Set<string>();
  const target = (collector: string, labels: Record<string, string>): void => {
    values.set(seriesKey('huaweicloud_db_up', { collector, ...labels }), 1);
    lastSuccess.add(seriesKey('huaweicloud_db_last_success_timestamp_seconds', { collector, ...labels }));
  };
  for (const project of fleet.projects) {
    const where = { project_id: project.projectId, region: project.region };
    for (const g of project.gaussdb) {
      const id = { instance_id: g.id };
      values.set(seriesKey('huaweicloud_gaussdb_sessions', id), g.overview.total);
      values.set(seriesKey('huaweicloud_gaussdb_sessions_active', id), g.overview.active);
      values.set(seriesKey('huaweicloud_gaussdb_sessions_slow_sql', id), g.overview.slowSql);
      values.set(seriesKey('huaweicloud_gaussdb_sessions_lock_waiting', id), g.overview.lockWaiting);
      values.set(seriesKey('huaweicloud_gaussdb_instance_info', { ...id, name: plain(g.name), ...where, enterprise_project_id: g.enterpriseProjectId }), 1);
      target('session_overview', id);
    }
    for (const t of project.taurusdb) {
      const id = { instance_id: t.id };
      values.set(seriesKey('huaweicloud_taurusdb_htap_instances', id), t.htap.length);
      values.set(seriesKey('huaweicloud_taurusdb_htap_instances_limit', id), t.maxHtap);
      values.set(seriesKey('huaweicloud_taurusdb_instance_info', { ...id, name: plain(t.name), ...where, enterprise_project_id: t.enterpriseProjectId }), 1);
      target('htap_instances', id);
      for (const h of t.htap) {
        const ids = { instance_id: t.id, htap_instance_id: h.id };
        values.set(seriesKey('huaweicloud_taurusdb_htap_instance_info', {
          ...ids, name: plain(h.name), engine_name: plain(h.engine), engine_version: plain(h.engineVersion), ha_mode: plain(h.haMode),
        }), 1);
        values.set(seriesKey('huaweicloud_taurusdb_htap_instance_status', { ...ids, status: keyword(h.status) }), 1);
        values.set(seriesKey('huaweicloud_taurusdb_htap_instance_nodes', ids), h.nodeNum);
        values.set(seriesKey('huaweicloud_taurusdb_htap_instance_frozen', ids), h.frozen ? 1 : 0);
        values.set(seriesKey('huaweicloud_taurusdb_htap_instance_restart_pending', ids), h.waitRestart ? 1 : 0);
        values.set(seriesKey('huaweicloud_taurusdb_htap_instance_created_timestamp_seconds', ids), h.createAt / 1000);
        // only StarRocks (HTAP Standard Edition) has a process list
        if (h.engine !== 'star-rocks') continue;
        sessionSeries(values, ids, h.sessions, settings);
        target('htap_processes', ids);
      }
    }
  }
  return { values, lastSuccess, targets: lastSuccess.size };
}

// --- reading an exposition --------------------------------------------------------------------

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** The samples of a text exposition, keyed as seriesKey does; throws on a line it cannot read. */
export function parseSeries(text: string): SeriesMap {
  const series: SeriesMap = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`unreadable exposition line: ${line.slice(0, 200)}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const at = LABEL.lastIndex;
      const label = LABEL.exec(body);
      if (!label || label.index !== at) throw new Error(`unreadable labels: ${line.slice(0, 200)}`);
      labels[label[1] ?? ''] = unescape(label[2] ?? '');
    }
    const key = seriesKey(match[1] ?? '', labels);
    if (series.has(key)) throw new Error(`duplicate series: ${key}`);
    series.set(key, Number(match[3]));
  }
  return series;
}

export interface SeriesComparison {
  expected: number;
  found: number;
  matching: number;
  /** a few of each kind of difference, for the report */
  missing: string[];
  unexpected: string[];
  wrongValues: Array<{ series: string; expected: number; found: number }>;
  counts: { missing: number; unexpected: number; wrongValues: number };
}

/** Compares an exposition with the expectation; last-success times must be at or after `sinceSeconds`. */
export function compareSeries(text: string, expected: ExpectedExposition, sinceSeconds: number, examples = 10): SeriesComparison {
  const found = parseSeries(text);
  const missing: string[] = [];
  const unexpected: string[] = [];
  const wrongValues: SeriesComparison['wrongValues'] = [];
  let matching = 0;
  for (const [key, value] of expected.values) {
    const actual = found.get(key);
    if (actual === undefined) missing.push(key);
    else if (actual !== value) wrongValues.push({ series: key, expected: value, found: actual });
    else matching++;
  }
  for (const key of expected.lastSuccess) {
    const actual = found.get(key);
    if (actual === undefined) missing.push(key);
    else if (!(actual >= sinceSeconds)) wrongValues.push({ series: key, expected: sinceSeconds, found: actual });
    else matching++;
  }
  for (const key of found.keys()) {
    if (!expected.values.has(key) && !expected.lastSuccess.has(key)) unexpected.push(key);
  }
  return {
    expected: expected.values.size + expected.lastSuccess.size,
    found: found.size,
    matching,
    missing: missing.slice(0, examples),
    unexpected: unexpected.slice(0, examples),
    wrongValues: wrongValues.slice(0, examples),
    counts: { missing: missing.length, unexpected: unexpected.length, wrongValues: wrongValues.length },
  };
}
