// What the service modules (gaussdb.ts, taurusdb.ts) need from the transport: one authenticated,
// retried, concurrency-bounded JSON GET against a project's endpoint.
import type { Selection } from './json-select.js';

import type { Service } from '../config/types.js';
import type { AnomalySink } from './anomalies.js';

export interface RequestOptions {
  /** short API name used in metrics and logs, e.g. "taurusdb_htap_process" */
  api: string;
  query?: Record<string, string>;
  /** aborts the request (and its retries) when the poll's deadline passes */
  signal?: AbortSignal;
  /** read only these fields of the answer; the others are skipped unparsed (large answers) */
  select?: Selection;
}

/** A 2xx answer: its parsed body, and the cloud's X-Request-Id for any complaint about it. */
export interface JsonAnswer {
  body: unknown;
  requestId: string;
}

export interface ProjectApi extends AnomalySink {
  readonly projectId: string;
  readonly region: string;
  /** GET `path` (starting with /v3/) on the service's endpoint */
  getJson(service: Service, path: string, options: RequestOptions): Promise<JsonAnswer>;
}
