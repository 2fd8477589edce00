// Collector htap_processes: the sessions of every StarRocks HTAP instance, paged through
// `GET /v3/{project}/instances/{htap_id}/htap/process` per poll and aggregated page by page (a
// session list is never held whole). Like mysqld_exporter's info_schema.processlist: sessions per
// (state, command) with the longest duration, plus optional per-user, per-database and per-host
// counts as separate metrics rather than a cross product. No SQL text or session id becomes a label.
import type { HtapInstance, HtapProcess } from '../cloud/taurusdb.js';
import { gaugeFamily, type GaugeFamily, type Poll, type Samples } from '../metrics/snapshot.js';
import { z } from 'zod';
import { boolean, cronSchedule, integer, nonNegativeNumber, section } from '../config/fields.js';
import type { Collector, CollectorDefinition } from './collector.js';
import type { HtapInventory } from './htap-inventory.js';
import { AS_SENT, clientHost, LabelTally, labelValue, Memo, type Normalize } from './labels.js';
import { describeTarget, type TargetSource, type TaurusDbTarget } from './targets.js';
import { TopSessionsPoll, type TopSessionsStore } from './top-sessions.js';

/** Sessions per request: the API's maximum, so the fewest calls. */
const PROCESS_PAGE_SIZE = 100;
/** Pages per HTAP instance and poll (10,000 sessions); a longer list fails that instance's poll. */
const MAX_PROCESS_PAGES = 100;
/** Distinct label values tracked per breakdown while streaming; sessions beyond go to `other`. */
const MAX_TRACKED_VALUES = 10_000;

const PER_HTAP = ['instance_id', 'htap_instance_id'];
/** top_sessions' ceiling: what a page can show and the memory stays small at (1,000 per instance) */
const MAX_TOP_SESSIONS = 1000;

/** `collectors.htap_processes`, resolved. */
export interface HtapProcessesSettings {
  schedule: string;
  longRunningSeconds: number;
  /** commands whose sessions are idle, as written (compared after normalisation) */
  idleCommands: string[];
  byUser: boolean;
  byDatabase: boolean;
  byHost: boolean;
  maxLabelValues: number;
  /** busy sessions kept per HTAP instance for /sessions; 0 keeps none */
  topSessions: number;
  topSessionsSqlChars: number;
}

const settings = section(
  z.strictObject({
    schedule: cronSchedule('*/30 * * * * *'),
    long_running_seconds: nonNegativeNumber().default(60),
    // a connection pool's sleeping sessions are old, not long-running
    idle_commands: z.array(z.string({ error: 'expected a command name such as sleep' })).default(['sleep', 'daemon']),
    by_user: boolean().default(true),
    by_database: boolean().default(true),
    by_host: boolean().default(false),
    max_label_values: integer(1).default(20),
    // SQL text can hold personal data: off unless asked for, and then only behind protection (server/sessions-exposure.ts)
    top_sessions: integer(0, MAX_TOP_SESSIONS).default(0),
    top_sessions_sql_chars: integer(1, 10_000).default(200),
  }),
).transform((collector): HtapProcessesSettings => ({
  schedule: collector.schedule,
  longRunningSeconds: collector.long_running_seconds,
  idleCommands: collector.idle_commands,
  byUser: collector.by_user,
  byDatabase: collector.by_database,
  byHost: collector.by_host,
  maxLabelValues: collector.max_label_values,
  topSessions: collector.top_sessions,
  topSessionsSqlChars: collector.top_sessions_sql_chars,
}));

const SESSIONS = gaugeFamily('huaweicloud_taurusdb_htap_sessions',
  'Number of HTAP sessions per state and command, as of the last poll.', [...PER_HTAP, 'state', 'command']);
const SESSION_MAX_DURATION = gaugeFamily('huaweicloud_taurusdb_htap_session_max_duration_seconds',
  'Longest duration of the HTAP sessions per state and command, as of the last poll.', [...PER_HTAP, 'state', 'command']);
const SESSIONS_LONG_RUNNING = gaugeFamily('huaweicloud_taurusdb_htap_sessions_long_running',
  'Number of busy HTAP sessions (command not in idle_commands) running for at least long_running_seconds, as of the last poll.', PER_HTAP);
const SESSIONS_BY_USER = gaugeFamily('huaweicloud_taurusdb_htap_sessions_by_user',
  'Number of HTAP sessions per user, as of the last poll.', [...PER_HTAP, 'user']);
const SESSIONS_BY_DATABASE = gaugeFamily('huaweicloud_taurusdb_htap_sessions_by_database',
  'Number of HTAP sessions per database, as of the last poll.', [...PER_HTAP, 'database']);
const SESSIONS_BY_HOST = gaugeFamily('huaweicloud_taurusdb_htap_sessions_by_host',
  'Number of HTAP sessions per client host (port stripped), as of the last poll.', [...PER_HTAP, 'host']);

interface Breakdown {
  family: GaugeFamily;
  label: string;
  enabled(settings: HtapProcessesSettings): boolean;
  /** the value a session is counted by */
  counted(process: HtapProcess): string;
  /** the label value published for a counted one */
  normalize: Normalize;
}

const BREAKDOWNS: readonly Breakdown[] = [
  { family: SESSIONS_BY_USER, label: 'user', enabled: (s) => s.byUser, counted: (p) => p.user, normalize: (v) => labelValue(v) },
  { family: SESSIONS_BY_DATABASE, label: 'database', enabled: (s) => s.byDatabase, counted: (p) => p.database, normalize: (v) => labelValue(v) },
  // Each session has a port of its own: counted by its host alone, not by thousands of host:port values.
  { family: SESSIONS_BY_HOST, label: 'host', enabled: (s) => s.byHost, counted: (p) => clientHost(p.host), normalize: AS_SENT },
];

const keyword = (raw: string): string => labelValue(raw, true);

export const HTAP_PROCESSES: CollectorDefinition<'htap_processes', HtapProcessesSettings> = {
  name: 'htap_processes',
  families: [SESSIONS, SESSION_MAX_DURATION, SESSIONS_LONG_RUNNING, ...BREAKDOWNS.map((b) => b.family)],
  settings,
  create: ({ source, inventory, sessions }, resolved) => new HtapProcessesCollector(source, inventory, resolved, sessions),
};

export class HtapProcessesCollector implements Collector {
  constructor(private readonly source: TargetSource, private readonly inventory: HtapInventory,
    private readonly settings: HtapProcessesSettings, private readonly sessions?: TopSessionsStore) {}

  async collect(poll: Poll, signal: AbortSignal): Promise<void> {
    const targets = this.source.taurusdb();
    this.inventory.retain(targets.map((target) => target.instance.id));
    const htapTargets: Array<{ target: TaurusDbTarget; htap: HtapInstance }> = [];
    await Promise.all(targets.map(async (target) => {
      try {
        const { instances } = await this.inventory.get(target, signal);
        for (const htap of instances) {
          if (!isStarRocks(htap)) continue;
          htapTargets.push({ target, htap });
          poll.described.set(htap.id, describeTarget(target, htap.id));
        }
      } catch {
        // Unknown HTAP instances cannot be polled; the htap_instances collector reports the failure.
      }
    }));
    const top = this.sessions && new TopSessionsPoll(this.sessions, this.settings, poll.startedAt);
    await poll.runEach(htapTargets, ({ htap }) => htap.id, async ({ target, htap }, samples) => {
      const tally = new SessionTally(this.settings);
      const longest = top?.heap();
      await target.api.processPages(htap.id, signal, (process) => {
        if (tally.add(process)) longest?.offer(process);
      }, { pageSize: PROCESS_PAGE_SIZE, maxPages: MAX_PROCESS_PAGES, host: this.settings.byHost || longest !== undefined, sql: longest !== undefined });
      tally.publish(samples, { instance_id: target.instance.id, htap_instance_id: htap.id });
      if (longest) top?.keep(describeTarget(target, htap.id), longest);
    });
    top?.commit();
  }
}

/** The process-list API belongs to StarRocks (HTAP Standard Edition); ClickHouse has none. */
function isStarRocks(htap: HtapInstance): boolean {
  return (htap.engineName ?? '').toLowerCase().replace(/[^a-z]/g, '') === 'starrocks';
}

/** The aggregates of one HTAP instance's session list, fed one session at a time. */
class SessionTally {
  private readonly byStateCommand = new LabelTally(2, MAX_TRACKED_VALUES, [keyword, keyword]);
  /** whether a command as sent is a busy one: not in idle_commands, compared like the command label
   *  (so `Sleep` and ` sleep` are the same idle command) */
  private readonly busy: Memo<boolean>;
  private readonly breakdowns: Array<{ breakdown: Breakdown; tally: LabelTally }>;
  private longRunning = 0;

  constructor(private readonly settings: HtapProcessesSettings) {
    const idleCommands = new Set(settings.idleCommands.map(keyword));
    this.busy = new Memo((command) => !idleCommands.has(keyword(command)));
    this.breakdowns = BREAKDOWNS.filter((b) => b.enabled(settings)).map((breakdown) => ({
      breakdown, tally: new LabelTally(1, MAX_TRACKED_VALUES, [breakdown.normalize]),
    }));
  }

  /** Counts the session in; true when it is busy (its command is not an idle one). */
  add(process: HtapProcess): boolean {
    // A session without a usable duration counts, but not towards durations or long-running.
    const duration = process.durationSeconds;
    const busy = this.busy.get(process.command);
    this.byStateCommand.add(duration, process.state, process.command);
    if (duration !== undefined && duration >= this.settings.longRunningSeconds && busy) this.longRunning += 1;
    for (const { breakdown, tally } of this.breakdowns) tally.add(0, breakdown.counted(process));
    return busy;
  }

  publish(samples: Samples, labels: Readonly<Record<string, string>>): void {
    const max = this.settings.maxLabelValues;
    // One labels object per family, its last values changed from row to row: set keeps none of it.
    const row: Record<string, string> = { ...labels, state: '', command: '' };
    for (const { labels: [state = '', command = ''], count, max: longest } of this.byStateCommand.capped(max)) {
      row.state = state;
      row.command = command;
      samples.set(SESSIONS, row, count);
      if (longest !== undefined) samples.set(SESSION_MAX_DURATION, row, longest);
    }
    // Always present, so an alert on it sees 0 rather than no data.
    samples.set(SESSIONS_LONG_RUNNING, labels, this.longRunning);
    for (const { breakdown, tally } of this.breakdowns) {
      const byValue: Record<string, string> = { ...labels, [breakdown.label]: '' };
      for (const { labels: [value = ''], count } of tally.capped(max)) {
        byValue[breakdown.label] = value;
        samples.set(breakdown.family, byValue, count);
      }
    }
  }
}
