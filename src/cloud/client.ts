// One project's authenticated JSON client: the ProjectApi the service modules use. It adds the
// project headers, authenticates, bounds and adapts concurrency, retries what is worth retrying,
// replays once after a renewable 401, and turns answers into parsed JSON or typed errors.
import { setMaxListeners } from 'node:events';
import type { AnomalySink } from './anomalies.js';
import type { JsonAnswer, ProjectApi, RequestOptions } from './api.js';
import type { Authenticator } from './auth.js';
import type { AuthBreaker } from './auth-breaker.js';
import { BadResponseError, CloudApiError, TransportError, cloudErrorFromAnswer } from './errors.js';
import { parseSelected, type Selection } from './json-select.js';
import type { AdaptiveLimiter } from './limiter.js';
import { isRetryable, withRetries, type RetryPolicy } from './retry.js';
import type { HttpTransport } from './transport.js';
import { endpointUrl } from '../config/endpoints.js';
import type { Endpoints, Service } from '../config/types.js';
import type { ExporterMetrics } from '../metrics/exporter-metrics.js';

export interface ProjectClientOptions {
  projectId: string;
  region: string;
  endpoints: Endpoints;
  auth: Authenticator;
  transport: HttpTransport;
  /** requests in flight for this project; lowered on throttling */
  limiter: AdaptiveLimiter;
  /** requests in flight across every project */
  globalLimiter: AdaptiveLimiter;
  retryPolicy: RetryPolicy;
  metrics: ExporterMetrics;
  anomalies: AnomalySink;
  /** the project's authentication breaker (auth-breaker.ts); buildPolling always gives one */
  breaker?: AuthBreaker;
}

export class ProjectClient implements ProjectApi {
  readonly projectId: string;
  readonly region: string;

  constructor(private readonly options: ProjectClientOptions) {
    this.projectId = options.projectId;
    this.region = options.region;
    options.metrics.concurrencyLimit.set({ project_id: this.projectId }, options.limiter.limit);
  }

  answerAnomaly(api: string, field: string, requestId: string, signal?: AbortSignal): void {
    this.options.anomalies.answerAnomaly(api, field, requestId, signal);
  }

  getJson(service: Service, path: string, { api, query, signal, select }: RequestOptions): Promise<JsonAnswer> {
    const base = this.options.endpoints[service];
    // The schema refuses a project that uses a service without an endpoint.
    if (base === undefined) throw new Error(`no ${service} endpoint for region ${this.region}`);
    const url = endpointUrl(base, path);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.append(key, value);
    const { limiter, globalLimiter, retryPolicy, metrics, breaker } = this.options;
    const attempt = (retry: number): Promise<JsonAnswer> =>
      (breaker ? breaker.guard(() => this.attempt(api, url, signal, retry, select), signal) : this.attempt(api, url, signal, retry, select));
    // Every request of a poll, sent or waiting for a slot, listens on the poll's signal: many
    // listeners on it are expected, not a leak to warn about.
    if (signal) setMaxListeners(0, signal);
    return withRetries(
      (retry) => limiter.run(() => globalLimiter.run(() => attempt(retry), signal), signal),
      retryPolicy,
      signal,
      () => metrics.apiRetries.inc({ api }),
      // A failure of another API is the token request's (IAM), which has had its own retries:
      // retrying this request would only ask IAM again, once for every request waiting.
      (error) => isRetryable(error) && apiOf(error) === api,
    );
  }

  private async attempt(api: string, url: URL, signal: AbortSignal | undefined, retry: number,
    select: Selection | undefined): Promise<JsonAnswer> {
    const { auth, transport, limiter, metrics } = this.options;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Project-Id': this.projectId,
      'X-Language': 'en-us',
    };
    for (let replayed = false; ; replayed = true) {
      const sent = { ...headers, ...(await auth.headers({ method: 'GET', url, headers }, signal)) };
      const response = await transport.send({ api, method: 'GET', url, headers: sent, signal, retry });
      if (response.status >= 200 && response.status < 300) {
        if (limiter.succeeded()) metrics.concurrencyLimit.set({ project_id: this.projectId }, limiter.limit);
        try {
          const body: unknown = select ? parseSelected(response.bytes, select) : JSON.parse(response.body);
          return { body, requestId: response.requestId };
        } catch {
          throw new BadResponseError(api, 'body is not JSON', response.requestId);
        } finally {
          response.release();
        }
      }
      const error = cloudErrorFromAnswer(api, response.status, response.body, response.requestId, response.headers['retry-after']);
      if (error.throttled) {
        limiter.throttled();
        metrics.apiThrottled.inc({ api });
        metrics.concurrencyLimit.set({ project_id: this.projectId }, limiter.limit);
      }
      if (error.status === 401 && !replayed && (await auth.renew(error, sent, signal))) continue;
      throw error satisfies CloudApiError;
    }
  }
}

function apiOf(error: unknown): string | undefined {
  return error instanceof CloudApiError || error instanceof BadResponseError || error instanceof TransportError ? error.api : undefined;
}
