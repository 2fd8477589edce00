// TaurusDB API: the HTAP instances attached to a TaurusDB instance (`/htap`, not paginated), the
// sessions of one HTAP instance (`/htap/process`, paginated with no total), and the instance list
// for discovery. Answers are read here (answer.ts): an unusable field leaves out only what needs it.
import type { ProjectApi } from './api.js';
import { AnswerReader } from './answer.js';
import { listInstances, type CloudInstance } from './instance-list.js';
import { columns, Table, type Selection } from './json-select.js';

export interface HtapInstance {
  id: string;
  // The API may send null for any of these; undefined here means "the cloud did not say".
  name?: string;
  engineName?: string;
  engineVersion?: string;
  /** `instance_state.instance_status`, as sent */
  status?: string;
  haMode?: string;
  nodeNum?: number;
  frozen?: boolean;
  /** `instance_state.wait_restart_for_params` */
  waitRestart?: boolean;
  /** `create_at`, Unix milliseconds */
  createdAtMs?: number;
}

export interface HtapInstanceList {
  /** `total`; undefined when the answer did not carry it usably */
  total?: number;
  /** `max_htap_instance_num_of_taurus` */
  limit?: number;
  instances: HtapInstance[];
}

/**
 * One session, as processPages hands it over: one object per list, filled anew for each session,
 * so a consumer copies what it keeps. Its id and SQL text go no further than /sessions
 * (unbounded, and possibly sensitive).
 */
export interface HtapProcess {
  /** the session (connection) id; empty when the answer has none */
  id: string;
  user: string;
  /** empty unless asked for (ProcessReading.host) */
  host: string;
  state: string;
  database: string;
  command: string;
  /** undefined when the answer did not carry it usably: counted, but not in durations */
  durationSeconds: number | undefined;
  /** `sql_statement` when asked for (ProcessReading.sql), else empty. Never a label or a log field. */
  sql: string;
}

/** How processPages pages and what it reads beyond what every session has. */
export interface ProcessReading {
  /** sessions per request, 1-100 (the API's bounds); 100 by default */
  pageSize?: number;
  /** pages per list (100 by default); a list that goes on fails */
  maxPages?: number;
  /** read each session's client host */
  host?: boolean;
  /** read each session's SQL text */
  sql?: boolean;
}

const HTAP_API = 'taurusdb_htap';
const PROCESS_API = 'taurusdb_htap_process';
const INSTANCES_API = 'taurusdb_instances';
/** The `api` label values this module's calls carry. */
export const TAURUSDB_APIS = [HTAP_API, PROCESS_API, INSTANCES_API];

interface PageRequest {
  path: string;
  select: Selection;
  pageSize: number;
  signal: AbortSignal;
  /** the one session object handed to onSession */
  session: HtapProcess;
  onSession: (session: HtapProcess) => void;
}

/** The API's own bounds for `limit`. */
const MAX_PROCESS_PAGE_SIZE = 100;
const DEFAULT_MAX_PROCESS_PAGES = 100;

export class TaurusDbApi {
  constructor(private readonly api: ProjectApi) {}

  /** `taurusId` is the TaurusDB instance id (suffix in07). */
  async htapInstances(taurusId: string, signal: AbortSignal): Promise<HtapInstanceList> {
    const read = new AnswerReader(HTAP_API, this.api, signal);
    const path = `/v3/${this.api.projectId}/instances/${encodeURIComponent(taurusId)}/htap`;
    const body = read.body(await this.api.getJson('taurusdb', path, { api: HTAP_API, signal }));
    const total = read.count(body.total, 'total');
    // null is "none": a TaurusDB instance without HTAP instances.
    const entries = read.list(body.instances, 'instances');
    if (entries === undefined && total === undefined) read.fail('neither total nor instances usable');
    const seen = new Set<string>();
    const instances: HtapInstance[] = [];
    for (const entry of entries ?? []) {
      const instance = parseHtapInstance(read, entry);
      if (instance === undefined) continue;
      // Two entries with one id would become duplicate series: the first one is kept.
      if (seen.has(instance.id)) {
        read.anomaly('instances[].id');
        continue;
      }
      seen.add(instance.id);
      instances.push(instance);
    }
    return { total, limit: read.count(body.max_htap_instance_num_of_taurus, 'max_htap_instance_num_of_taurus'), instances };
  }

  /**
   * The sessions of one HTAP instance (`htapId`, suffix in17), handed to `onSession` one at a
   * time, page by page as the server pages: the next page starts at the offset plus the length of
   * the page received, so a page longer than `pageSize` (a server not applying `limit`) is taken
   * whole and not asked for again. The answer has no total, so paging stops at a page shorter than
   * `pageSize`; `maxPages` bounds a list that never ends, and a page equal to the previous one (a
   * server ignoring `offset`) is an error rather than sessions counted twice.
   *
   * A page is read and handed over inside readPage, whose frame is gone before the next page is
   * asked for: nothing of a page stays reachable while the next one waits for a request slot. (As
   * an async generator, each suspended instance held its last page through that wait, long enough
   * to be promoted to the old generation: 42 MB of sessions per target-scale cycle, BENCHMARKS.md.)
   */
  async processPages(htapId: string, signal: AbortSignal, onSession: (session: HtapProcess) => void,
    { pageSize = MAX_PROCESS_PAGE_SIZE, maxPages = DEFAULT_MAX_PROCESS_PAGES, host = false, sql = false }: ProcessReading = {}): Promise<void> {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PROCESS_PAGE_SIZE) {
      throw new RangeError(`page size ${pageSize} is outside 1-${MAX_PROCESS_PAGE_SIZE}`);
    }
    const read = new AnswerReader(PROCESS_API, this.api, signal);
    const request: PageRequest = {
      path: `/v3/${this.api.projectId}/instances/${encodeURIComponent(htapId)}/htap/process`,
      select: PROCESS_SELECTIONS[(host ? 1 : 0) + (sql ? 2 : 0)] as Selection,
      pageSize,
      signal,
      session: { id: '', user: '', host: '', state: '', database: '', command: '', durationSeconds: undefined, sql: '' },
      onSession,
    };
    let previousSignature: string | undefined;
    let offset = 0;
    for (let page = 0; ; page++) {
      if (page >= maxPages) read.fail(`page cap reached (${maxPages} pages)`);
      const { length, signature } = await this.readPage(read, request, offset, previousSignature);
      if (length < pageSize) return;
      previousSignature = signature;
      offset += length;
    }
  }

  /** One page: fetched, checked against the previous one, and each session handed to onSession. */
  private async readPage(read: AnswerReader, { path, select, pageSize, signal, session, onSession }: PageRequest, offset: number,
    previousSignature: string | undefined): Promise<{ length: number; signature?: string }> {
    const query = { limit: String(pageSize), offset: String(offset) };
    const body = read.body(await this.api.getJson('taurusdb', path, { api: PROCESS_API, query, signal, select }));
    // null rather than [] is how some Huawei APIs say "none": an idle instance is not an error.
    if (body.process_list === null) return { length: 0 };
    const sessions = body.process_list instanceof Table ? body.process_list : read.anomaly('process_list') ?? read.fail('process_list is missing or not a list');
    const signature = pageSignature(sessions);
    if (signature !== undefined && signature === previousSignature) read.fail(`repeating page at offset ${query.offset}`);
    const ids = sessions.column('id');
    const users = sessions.column('user');
    const hosts = sessions.column('host');
    const states = sessions.column('state');
    const databases = sessions.column('database');
    const commands = sessions.column('command');
    const durations = sessions.column('duration');
    const statements = sessions.column('sql_statement');
    // Field names are literals: this runs for every session of every poll.
    for (let row = 0; row < sessions.length; row++) {
      if (!sessions.isObject(row)) {
        read.anomaly('process_list[]');
        continue;
      }
      const id = ids[row];
      // a string in the SDK's model; some answers carry a number, as the page signature allows
      session.id = typeof id === 'number' ? String(id) : read.label(id, 'process_list[].id') ?? '';
      session.user = read.label(users[row], 'process_list[].user') ?? '';
      session.host = read.label(hosts[row], 'process_list[].host') ?? '';
      session.state = read.label(states[row], 'process_list[].state') ?? '';
      session.database = read.label(databases[row], 'process_list[].database') ?? '';
      session.command = read.label(commands[row], 'process_list[].command') ?? '';
      session.durationSeconds = read.seconds(durations[row], 'process_list[].duration');
      session.sql = read.label(statements[row], 'process_list[].sql_statement') ?? '';
      onSession(session);
    }
    return { length: sessions.length, signature };
  }

  listInstances(signal: AbortSignal): Promise<CloudInstance[]> {
    return listInstances(this.api, 'taurusdb', INSTANCES_API, signal);
  }
}

/** One /htap entry; undefined (and an anomaly) when it has no usable id, which all its series need. */
function parseHtapInstance(read: AnswerReader, entry: unknown): HtapInstance | undefined {
  const raw = read.entry(entry, 'instances[]');
  if (raw === undefined) return undefined;
  const id = read.id(raw.id, 'instances[].id');
  if (id === undefined) return undefined;
  const state = read.object(raw.instance_state, 'instances[].instance_state') ?? {};
  return {
    id,
    name: read.label(raw.name, 'instances[].name'),
    engineName: read.label(raw.engine_name, 'instances[].engine_name'),
    engineVersion: read.label(raw.engine_version, 'instances[].engine_version'),
    status: read.id(state.instance_status, 'instances[].instance_state.instance_status'),
    haMode: read.label(raw.ha_mode, 'instances[].ha_mode'),
    nodeNum: read.count(raw.node_num, 'instances[].node_num'),
    frozen: read.boolean(raw.is_frozen, 'instances[].is_frozen'),
    waitRestart: read.boolean(state.wait_restart_for_params, 'instances[].instance_state.wait_restart_for_params'),
    createdAtMs: read.count(raw.create_at, 'instances[].create_at'),
  };
}

/** What readPage and pageSignature read of a page: a table (json-select.ts), the SQL text skipped
 *  unparsed unless asked for. A session's user, state, database and command are each one of a few
 *  values, met again on every page. */
const SESSION_FIELDS = {
  id: true, user: 'recurring', state: 'recurring', database: 'recurring', command: 'recurring', duration: true,
} as const;
/** By what is read beyond SESSION_FIELDS: none, the host, the SQL text, both (ProcessReading). */
const PROCESS_SELECTIONS: readonly Selection[] = ([{}, { host: true }, { sql_statement: true }, { host: true, sql_statement: true }] as const)
  .map((extra): Selection => ({ process_list: columns({ ...SESSION_FIELDS, ...extra }) }));

/**
 * Identifies a page by its size and its first and last session ids (not their contents: the
 * durations of a repeated page tick on). Undefined when ids are missing, which disables the check.
 */
function pageSignature(sessions: Table): string | undefined {
  if (sessions.length === 0) return undefined;
  const ids = sessions.column('id');
  const idOf = (row: number): string | undefined => {
    const id = sessions.isObject(row) ? ids[row] : undefined;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  };
  const first = idOf(0);
  const last = idOf(sessions.length - 1);
  return first === undefined || last === undefined ? undefined : JSON.stringify([sessions.length, first, last]);
}
