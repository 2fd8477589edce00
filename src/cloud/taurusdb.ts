// TaurusDB API: the HTAP instances attached to a TaurusDB instance (`/htap`, not paginated), the
// sessions of one HTAP instance (`/htap/process`, paginated with no total), and the instance list
// for discovery. Answers are validated here; anything not as documented is a BadResponseError.
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
  total: number;
  /** `max_htap_instance_num_of_taurus` */
  limit?: number;
  instances: HtapInstance[];
}

/** One session; its id and SQL text are dropped on arrival (unbounded, and possibly sensitive). */
export interface HtapProcess {
  user: string;
  host: string;
  state: string;
  database: string;
  command: string;
  durationSeconds: number;
}

const HTAP_API = 'taurusdb_htap';
const PROCESS_API = 'taurusdb_htap_process';
const INSTANCES_API = 'taurusdb_instances';
/** The `api` label values this module's calls carry. */
export const TAURUSDB_APIS = [HTAP_API, PROCESS_API, INSTANCES_API];

/** The API's own bounds for `limit`. */
const MAX_PROCESS_PAGE_SIZE = 100;
const DEFAULT_MAX_PROCESS_PAGES = 100;

export class TaurusDbApi {
  constructor(private readonly api: ProjectApi) {}

  /** `taurusId` is the TaurusDB instance id (suffix in07). */
  async htapInstances(taurusId: string, signal: AbortSignal): Promise<HtapInstanceList> {
    const read = new AnswerReader(HTAP_API);
    const path = `/v3/${this.api.projectId}/instances/${encodeURIComponent(taurusId)}/htap`;
    const body = read.body(await this.api.getJson('taurusdb', path, { api: HTAP_API, signal }));
    const seen = new Set<string>();
    const instances = read.array(body.instances, 'instances').map((entry) => {
      const instance = parseHtapInstance(read, entry);
      // Two entries with one id would become duplicate series.
      if (seen.has(instance.id)) read.fail(`instances[].id ${instance.id} repeated`);
      seen.add(instance.id);
      return instance;
    });
    return {
      total: read.count(body.total, 'total'),
      limit: read.optionalCount(body.max_htap_instance_num_of_taurus, 'max_htap_instance_num_of_taurus'),
      instances,
    };
  }

  /**
   * The sessions of one HTAP instance (`htapId`, suffix in17), one page at a time. The answer has
   * no total, so paging stops at a page shorter than `pageSize`; `maxPages` bounds a list that never
   * ends, and a page equal to the previous one (a server ignoring `offset`) is an error rather than
   * sessions counted twice.
   */
  async *processPages(htapId: string, signal: AbortSignal, pageSize = MAX_PROCESS_PAGE_SIZE,
    maxPages = DEFAULT_MAX_PROCESS_PAGES): AsyncGenerator<HtapProcess[]> {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PROCESS_PAGE_SIZE) {
      throw new RangeError(`page size ${pageSize} is outside 1-${MAX_PROCESS_PAGE_SIZE}`);
    }
    const read = new AnswerReader(PROCESS_API);
    const path = `/v3/${this.api.projectId}/instances/${encodeURIComponent(htapId)}/htap/process`;
    let previousSignature: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= maxPages) read.fail(`page cap reached (${maxPages} pages of ${pageSize})`);
      const query = { limit: String(pageSize), offset: String(page * pageSize) };
      const body = read.body(await this.api.getJson('taurusdb', path, { api: PROCESS_API, query, signal, select: PROCESS_FIELDS }));
      // null rather than [] is how some Huawei APIs say "none": an idle instance is not an error.
      const entries = body.process_list === null ? [] : read.array(body.process_list, 'process_list');
      if (entries.length > pageSize) read.fail(`page of ${entries.length} sessions exceeds limit ${pageSize}`);
      const signature = pageSignature(read, entries);
      if (signature !== undefined && signature === previousSignature) read.fail(`repeating page at offset ${query.offset}`);
      previousSignature = signature;
      yield entries.map((entry) => parseProcess(read, entry));
      if (entries.length < pageSize) return;
    }
  }

  listInstances(signal: AbortSignal): Promise<CloudInstance[]> {
    return listInstances(this.api, 'taurusdb', INSTANCES_API, signal);
  }
}

function parseHtapInstance(read: AnswerReader, entry: unknown): HtapInstance {
  const raw = read.object(entry, 'instances[]');
  const state = raw.instance_state === null || raw.instance_state === undefined
    ? {} : read.object(raw.instance_state, 'instances[].instance_state');
  return {
    id: read.string(raw.id, 'instances[].id'),
    name: read.optionalString(raw.name, 'instances[].name'),
    engineName: read.optionalString(raw.engine_name, 'instances[].engine_name'),
    engineVersion: read.optionalString(raw.engine_version, 'instances[].engine_version'),
    status: read.optionalString(state.instance_status, 'instances[].instance_state.instance_status'),
    haMode: read.optionalString(raw.ha_mode, 'instances[].ha_mode'),
    nodeNum: read.optionalCount(raw.node_num, 'instances[].node_num'),
    frozen: read.optionalBoolean(raw.is_frozen, 'instances[].is_frozen'),
    waitRestart: read.optionalBoolean(state.wait_restart_for_params, 'instances[].instance_state.wait_restart_for_params'),
    createdAtMs: read.optionalCount(raw.create_at, 'instances[].create_at'),
  };
}

/** What parseProcess and pageSignature read of a page; the SQL text is skipped unparsed. */
const PROCESS_FIELDS: Selection = {
  process_list: { id: true, user: true, host: true, state: true, database: true, command: true, duration: true },
};

function parseProcess(read: AnswerReader, entry: unknown): HtapProcess {
  // Field names are literals: this runs for every session of every poll, so nothing is built
  // for an error message unless there is an error.
  const raw = read.object(entry, 'process_list[]');
  return {
    user: read.optionalString(raw.user, 'process_list[].user') ?? '',
    host: read.optionalString(raw.host, 'process_list[].host') ?? '',
    state: read.optionalString(raw.state, 'process_list[].state') ?? '',
    database: read.optionalString(raw.database, 'process_list[].database') ?? '',
    command: read.optionalString(raw.command, 'process_list[].command') ?? '',
    durationSeconds: read.seconds(raw.duration, 'process_list[].duration'),
  };
}

/**
 * Identifies a page by its size and its first and last session ids (not their contents: the
 * durations of a repeated page tick on). Undefined when ids are missing, which disables the check.
 */
function pageSignature(read: AnswerReader, entries: readonly unknown[]): string | undefined {
  if (entries.length === 0) return undefined;
  const idOf = (entry: unknown): string | undefined => {
    const id = read.object(entry, 'process_list[]').id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  };
  const first = idOf(entries[0]);
  const last = idOf(entries[entries.length - 1]);
  return first === undefined || last === undefined ? undefined : JSON.stringify([entries.length, first, last]);
}
