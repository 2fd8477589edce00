// An in-memory ProjectApi answering canned JSON per path, and helpers to run a collector's poll
// through a SnapshotStore, for the collector and service-module unit tests.
import type { JsonAnswer, ProjectApi, RequestOptions } from '../../src/cloud/api.js';
import type { Service } from '../../src/config/types.js';
import { CloudApiError } from '../../src/cloud/errors.js';
import { parseSelected } from '../../src/cloud/json-select.js';
import { TaurusDbApi } from '../../src/cloud/taurusdb.js';
import type { Collector, CollectorDefinition } from '../../src/collectors/collector.js';
import type { TargetSource, TaurusDbTarget } from '../../src/collectors/targets.js';
import { Poll, SnapshotStore } from '../../src/metrics/snapshot.js';

export const PROJECT_ID = '0611f1bd8b00d5d32f17c017f15b599f';
export const REGION = 'ap-southeast-1';

type Query = Readonly<Record<string, string>>;
/** A canned body, or a function of the query string returning one (or throwing). */
type Answer = unknown;

export interface Call {
  service: Service;
  path: string;
  api: string;
  query: Query | undefined;
}

export class FakeProjectApi implements ProjectApi {
  readonly projectId = PROJECT_ID;
  readonly region = REGION;
  readonly calls: Call[] = [];
  /** `api field` of every anomaly reported, in order */
  readonly anomalies: string[] = [];
  private readonly routes = new Map<string, (query: Query) => Answer>();

  /** Answers GETs of `/v3/{project}/${path}` (path relative to the project). */
  on(path: string, answer: Answer | ((query: Query) => Answer)): this {
    this.routes.set(`/v3/${PROJECT_ID}/${path}`, typeof answer === 'function' ? answer as (query: Query) => Answer : () => answer);
    return this;
  }

  off(path: string): this {
    this.routes.delete(`/v3/${PROJECT_ID}/${path}`);
    return this;
  }

  answerAnomaly(api: string, field: string): void {
    this.anomalies.push(`${api} ${field}`);
  }

  async getJson(service: Service, path: string, options: RequestOptions): Promise<JsonAnswer> {
    this.calls.push({ service, path, api: options.api, query: options.query });
    const route = this.routes.get(path);
    if (!route) throw new CloudApiError({ api: options.api, status: 404, errorCode: 'DBS.200022', errorMsg: 'Instance not found.' });
    // A fresh copy per call, read as the client reads a real answer.
    const text = JSON.stringify(route(options.query ?? {}) ?? null);
    const body = options.select ? parseSelected(Buffer.from(text), options.select) : JSON.parse(text) as unknown;
    return { body, requestId: `req-${this.calls.length}` };
  }

  /** The offsets requested of `path`, in order. */
  offsets(path: string): string[] {
    return this.calls.filter((c) => c.path === `/v3/${PROJECT_ID}/${path}`).map((c) => c.query?.offset ?? '');
  }
}

/** A failure the fake can be told to answer with. */
export function serverError(api: string): CloudApiError {
  return new CloudApiError({ api, status: 500, errorCode: 'DBS.200001', errorMsg: 'Internal error.' });
}

/** Answers a paged `/htap/process` GET from `sessions` the way the API documents limit/offset. */
export function pagedProcesses(sessions: readonly unknown[]): (query: Query) => unknown {
  return (query) => {
    const offset = Number(query.offset ?? '0');
    const limit = Number(query.limit ?? '100');
    return { process_list: sessions.slice(offset, offset + limit) };
  };
}

export const signal = new AbortController().signal;

/** Runs one poll of `collector` (made from `definition`) and commits it to `store`. */
export async function pollInto(store: SnapshotStore, definition: CollectorDefinition, collector: Collector): Promise<void> {
  const poll = new Poll(definition.name);
  await collector.collect(poll, signal);
  store.commit(poll);
}

/** The exposition's sample lines, without comments and without the (time-dependent) last-success series. */
export function sampleLines(store: SnapshotStore): string[] {
  return store.current().text.split('\n')
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('huaweicloud_db_last_success_timestamp_seconds'));
}

/** TaurusDB targets in one project of `fake`, named after their ids. */
export function taurusTargets(fake: FakeProjectApi, ids: readonly string[]): TaurusDbTarget[] {
  const api = new TaurusDbApi(fake);
  return ids.map((id) => ({ project: { projectId: PROJECT_ID, region: REGION }, instance: { id, name: id }, api }));
}

/** A source whose TaurusDB targets are whatever `targets()` says at each poll. */
export function taurusSource(targets: () => readonly TaurusDbTarget[]): TargetSource {
  return { gaussdb: () => [], taurusdb: targets };
}
