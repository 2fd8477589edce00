// GaussDB (openGauss) API: the real-time session overview per instance, and the instance list
// for discovery. Answers are validated here so that collectors only ever see documented values:
// anything else is a BadResponseError, never a silent 0.
//
// The answer readers and the instance-list pager at the bottom are shared with taurusdb.ts.
import type { ProjectApi, Service } from './api.js';
import { BadResponseError } from './errors.js';

export interface SessionOverview {
  active: number;
  total: number;
  slowSql: number;
  lockWaiting: number;
}

/** One entry of a service's instance list (discovery). */
export interface CloudInstance {
  id: string;
  name: string;
  status: string;
}

const SESSION_OVERVIEW_API = 'gaussdb_session_overview';
const INSTANCES_API = 'gaussdb_instances';

export class GaussDbApi {
  constructor(private readonly api: ProjectApi) {}

  async sessionOverview(instanceId: string, signal: AbortSignal): Promise<SessionOverview> {
    const path = `/v3/${this.api.projectId}/instances/${encodeURIComponent(instanceId)}/session-overview`;
    const read = new AnswerReader(SESSION_OVERVIEW_API);
    const body = read.object(await this.api.getJson('gaussdb', path, { api: SESSION_OVERVIEW_API, signal }), 'body');
    return {
      active: read.count(body.active_num, 'active_num'),
      total: read.count(body.total_num, 'total_num'),
      slowSql: read.count(body.slow_sql_num, 'slow_sql_num'),
      lockWaiting: read.count(body.lock_num, 'lock_num'),
    };
  }

  listInstances(signal: AbortSignal): Promise<CloudInstance[]> {
    return listInstances(this.api, 'gaussdb', INSTANCES_API, signal);
  }
}

// ---- shared with taurusdb.ts ----

/** Pages of an instance list fetched at most; 100 pages of 100 is far beyond any project's quota. */
export const MAX_INSTANCE_LIST_PAGES = 100;
const INSTANCE_LIST_PAGE_SIZE = 100;

/**
 * `GET /v3/{project}/instances?offset=&limit=` of either service, paged by `total_count`.
 * Only id, name and status of each entry are kept, so a page is dropped as soon as it is read.
 */
export async function listInstances(api: ProjectApi, service: Service, apiName: string, signal: AbortSignal): Promise<CloudInstance[]> {
  const read = new AnswerReader(apiName);
  const found: CloudInstance[] = [];
  for (let page = 0; ; page++) {
    if (page >= MAX_INSTANCE_LIST_PAGES) read.fail('page cap reached');
    const query = { offset: String(found.length), limit: String(INSTANCE_LIST_PAGE_SIZE) };
    const body = read.object(await api.getJson(service, `/v3/${api.projectId}/instances`, { api: apiName, query, signal }), 'body');
    const totalCount = read.count(body.total_count, 'total_count');
    const entries = read.array(body.instances, 'instances');
    for (const entry of entries) {
      const instance = read.object(entry, 'instances[]');
      found.push({
        id: read.string(instance.id, 'instances[].id'),
        name: read.optionalString(instance.name, 'instances[].name') ?? '',
        status: read.optionalString(instance.status, 'instances[].status') ?? '',
      });
    }
    // A short page ends the list even if total_count (which may move while we page) says more.
    if (found.length >= totalCount || entries.length < INSTANCE_LIST_PAGE_SIZE) return found;
  }
}

/** Validating accessors for one API's JSON answers; every failure names the API and the field. */
export class AnswerReader {
  constructor(readonly api: string) {}

  fail(message: string): never {
    throw new BadResponseError(this.api, message);
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`${field} is not an object`);
    return value as Record<string, unknown>;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`${field} is not an array`);
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value === '') this.fail(`${field} is missing or not a string`);
    return value;
  }

  /** null and absent are undefined; any other non-string is an error. */
  optionalString(value: unknown, field: string): string | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'string') this.fail(`${field} is not a string`);
    return value;
  }

  optionalBoolean(value: unknown, field: string): boolean | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(`${field} is not a boolean`);
    return value;
  }

  /**
   * A non-negative integer sent as a JSON number or as a decimal string such as "036"
   * (the SDKs disagree on the type). Strictly digits: "12a", "", "-1", "1e3" are errors.
   */
  count(value: unknown, field: string): number {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    if (typeof value === 'string' && /^[0-9]+$/.test(value)) {
      const parsed = Number.parseInt(value, 10);
      if (Number.isSafeInteger(parsed)) return parsed;
    }
    return this.fail(`${field} is not a count: ${describe(value)}`);
  }

  optionalCount(value: unknown, field: string): number | undefined {
    return value === null || value === undefined ? undefined : this.count(value, field);
  }

  /** A finite, non-negative number, or a decimal string of one ("10", "2.5"). */
  seconds(value: unknown, field: string): number {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    if (typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value)) {
      const parsed = Number(value);
      if (Number.isFinite(parsed)) return parsed;
    }
    return this.fail(`${field} is not a number of seconds: ${describe(value)}`);
  }
}

/** A short, safe rendering of an offending value for the error message. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
