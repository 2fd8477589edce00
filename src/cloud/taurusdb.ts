// TaurusDB API: the HTAP instances attached to a TaurusDB instance (`/htap`, not paginated), the
// sessions of one HTAP instance (`/htap/process`, paginated with no total), and the instance list
// for discovery. Answers are read here (answer.ts): an unusable field leaves out only what needs it.
import type { ProjectApi } from './api.js';
import { AnswerReader } from './answer.js';
import { listInstances, type CloudInstance } from './instance-list.js';
import type { Selection } from './json-select.js';

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

/** One session; its id and SQL text are dropped on arrival (unbounded, and possibly sensitive). */
export interface HtapProcess {
  /** the session (connection) id; empty when the answer has none */
  id: string;
  user: string;
  host: string;
  state: string;
  database: string;
  command: string;
  /** undefined when the answer did not carry it usably: counted, but not in durations */
  durationSeconds?: number;
  /** `sql_statement` when asked for (processPages' withSql), else empty. Never a label or a log field. */
  sql: string;
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
   * The sessions of one HTAP instance (`htapId`, suffix in17), handed to `onPage` one page at a
   * time, as the server pages: the next page starts at the offset plus the length of the page
   * received, so a page longer than `pageSize` (a server not applying `limit`) is taken whole and
   * not asked for again. The answer has no total, so paging stops at a page shorter than
   * `pageSize`; `maxPages` bounds a list that never ends, and a page equal to the previous one (a
   * server ignoring `offset`) is an error rather than sessions counted twice.
   *
   * A page is read and handed over inside readPage, whose frame is gone before the next page is
   * asked for: nothing of a page stays reachable while the next one waits for a request slot. (As
   * an async generator, each suspended instance held its last page through that wait, long enough
   * to be promoted to the old generation: 42 MB of sessions per target-scale cycle, BENCHMARKS.md.)
   */
  async processPages(htapId: string, signal: AbortSignal, onPage: (sessions: HtapProcess[]) => void,
    pageSize = MAX_PROCESS_PAGE_SIZE, maxPages = DEFAULT_MAX_PROCESS_PAGES, withSql = false): Promise<void> {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PROCESS_PAGE_SIZE) {
      throw new RangeError(`page size ${pageSize} is outside 1-${MAX_PROCESS_PAGE_SIZE}`);
    }
    const read = new AnswerReader(PROCESS_API, this.api, signal);
    const request: PageRequest = {
      path: `/v3/${this.api.projectId}/instances/${encodeURIComponent(htapId)}/htap/process`,
      select: withSql ? PROCESS_FIELDS_WITH_SQL : PROCESS_FIELDS,
      pageSize,
      signal,
    };
    let previousSignature: string | undefined;
    let offset = 0;
    for (let page = 0; ; page++) {
      if (page >= maxPages) read.fail(`page cap reached (${maxPages} pages)`);
      const { length, signature } = await this.readPage(read, request, offset, previousSignature, onPage);
      if (length < pageSize) return;
      previousSignature = signature;
      offset += length;
    }
  }

  /** One page: fetched, checked against the previous one, parsed and handed to `onPage`. */
  private async readPage(read: AnswerReader, { path, select, pageSize, signal }: PageRequest, offset: number,
    previousSignature: string | undefined, onPage: (sessions: HtapProcess[]) => void): Promise<{ length: number; signature?: string }> {
    const query = { limit: String(pageSize), offset: String(offset) };
    const body = read.body(await this.api.getJson('taurusdb', path, { api: PROCESS_API, query, signal, select }));
    // null rather than [] is how some Huawei APIs say "none": an idle instance is not an error.
    const entries = read.list(body.process_list, 'process_list') ?? read.fail('process_list is missing or not a list');
    const signature = pageSignature(entries);
    if (signature !== undefined && signature === previousSignature) read.fail(`repeating page at offset ${query.offset}`);
    const sessions: HtapProcess[] = [];
    for (const entry of entries) {
      const session = parseProcess(read, entry);
      if (session !== undefined) sessions.push(session);
    }
    onPage(sessions);
    return { length: entries.length, signature };
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

/** What parseProcess and pageSignature read of a page; the SQL text is skipped unparsed. A session's
 *  user, state, database and command are each one of a few values, met again on every page. */
const SESSION_FIELDS = {
  id: true, user: 'recurring', host: true, state: 'recurring', database: 'recurring', command: 'recurring', duration: true,
} as const;
const PROCESS_FIELDS: Selection = { process_list: SESSION_FIELDS };
/** The same with the SQL text, read only for top sessions (collectors.htap_processes.top_sessions). */
const PROCESS_FIELDS_WITH_SQL: Selection = { process_list: { ...SESSION_FIELDS, sql_statement: true } };

/** One session; undefined (and an anomaly) when the entry is not an object. */
function parseProcess(read: AnswerReader, entry: unknown): HtapProcess | undefined {
  // Field names are literals: this runs for every session of every poll.
  const raw = read.entry(entry, 'process_list[]');
  if (raw === undefined) return undefined;
  return {
    // a string in the SDK's model; some answers carry a number, as the page signature allows
    id: typeof raw.id === 'number' ? String(raw.id) : read.label(raw.id, 'process_list[].id') ?? '',
    user: read.label(raw.user, 'process_list[].user') ?? '',
    host: read.label(raw.host, 'process_list[].host') ?? '',
    state: read.label(raw.state, 'process_list[].state') ?? '',
    database: read.label(raw.database, 'process_list[].database') ?? '',
    command: read.label(raw.command, 'process_list[].command') ?? '',
    durationSeconds: read.seconds(raw.duration, 'process_list[].duration'),
    sql: read.label(raw.sql_statement, 'process_list[].sql_statement') ?? '',
  };
}

/**
 * Identifies a page by its size and its first and last session ids (not their contents: the
 * durations of a repeated page tick on). Undefined when ids are missing, which disables the check.
 */
function pageSignature(entries: readonly unknown[]): string | undefined {
  if (entries.length === 0) return undefined;
  const idOf = (entry: unknown): string | undefined => {
    const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  };
  const first = idOf(entries[0]);
  const last = idOf(entries[entries.length - 1]);
  return first === undefined || last === undefined ? undefined : JSON.stringify([entries.length, first, last]);
}
