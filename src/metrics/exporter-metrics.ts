// The exporter's own health, in prom-client: poll durations and outcomes, API requests by API and
// status code, retries, throttling, token refreshes, skipped polls, config reloads, build info.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { rendered, type Rendered } from './snapshot.js';

const PREFIX = 'huaweicloud_db_exporter_';

// prom-client names these gauges with a `_total` suffix, which `promtool check metrics` rejects
// (the suffix is for counters); they are left out rather than exposed under misleading names.
const REJECTED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export class ExporterMetrics {
  readonly registry = new Registry();
  private lastRendering: { at: number; metrics: Promise<Rendered> } | undefined;

  readonly pollDuration = new Histogram({
    name: `${PREFIX}poll_duration_seconds`,
    help: 'Duration of complete polls of a collector (every target), in seconds.',
    labelNames: ['collector'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly polls = new Counter({
    name: `${PREFIX}polls_total`,
    help: 'Completed polls per collector; result is "success" when every target succeeded, else "partial_failure".',
    labelNames: ['collector', 'result'],
    registers: [this.registry],
  });

  readonly pollsSkipped = new Counter({
    name: `${PREFIX}polls_skipped_total`,
    help: 'Scheduled polls skipped because the previous poll of the same collector was still running.',
    labelNames: ['collector'],
    registers: [this.registry],
  });

  readonly targets = new Gauge({
    name: `${PREFIX}targets`,
    help: 'Targets polled by each collector in its last poll.',
    labelNames: ['collector'],
    registers: [this.registry],
  });

  readonly apiRequests = new Counter({
    name: `${PREFIX}api_requests_total`,
    help: 'HTTP requests made to Huawei Cloud APIs, by API and status code ("error" when no answer came).',
    labelNames: ['api', 'code'],
    registers: [this.registry],
  });

  readonly apiRequestDuration = new Histogram({
    name: `${PREFIX}api_request_duration_seconds`,
    help: 'Duration of single HTTP requests to Huawei Cloud APIs, in seconds.',
    labelNames: ['api'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly apiRetries = new Counter({
    name: `${PREFIX}api_retries_total`,
    help: 'Requests to Huawei Cloud APIs sent again after a 5xx, a 429 or a network error.',
    labelNames: ['api'],
    registers: [this.registry],
  });

  readonly apiThrottled = new Counter({
    name: `${PREFIX}api_throttled_total`,
    help: 'Answers of Huawei Cloud APIs saying the caller is throttled (HTTP 429, APIGW.0308).',
    labelNames: ['api'],
    registers: [this.registry],
  });

  readonly concurrencyLimit = new Gauge({
    name: `${PREFIX}api_concurrency_limit`,
    help: 'Current bound on requests in flight per project; lowered on throttling, restored on success.',
    labelNames: ['project_id'],
    registers: [this.registry],
  });

  readonly discoveryRuns = new Counter({
    name: `${PREFIX}discovery_runs_total`,
    help: 'Instance discovery runs (list API calls) per project and service, by result.',
    labelNames: ['project_id', 'service', 'result'],
    registers: [this.registry],
  });

  readonly discoveredInstances = new Gauge({
    name: `${PREFIX}discovered_instances`,
    help: 'Instances the last successful discovery run found per project and service, after the include/exclude filters.',
    labelNames: ['project_id', 'service'],
    registers: [this.registry],
  });

  readonly tokenRefreshes = new Counter({
    name: `${PREFIX}token_refreshes_total`,
    help: 'IAM token requests, by project and result.',
    labelNames: ['project_id', 'result'],
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: `${PREFIX}config_reloads_total`,
    help: 'Configuration reload attempts, by result.',
    labelNames: ['result'],
    registers: [this.registry],
  });

  readonly configLastReloadSuccessful = new Gauge({
    name: `${PREFIX}config_last_reload_successful`,
    help: 'Whether the last configuration reload attempt succeeded (1) or was refused (0).',
    registers: [this.registry],
  });

  readonly configLastReloadSuccessTimestamp = new Gauge({
    name: `${PREFIX}config_last_reload_success_timestamp_seconds`,
    help: 'Unix time of the last successful configuration load.',
    registers: [this.registry],
  });

  readonly answerAnomalies = new Counter({
    name: `${PREFIX}answer_anomalies_total`,
    help: 'Fields of Huawei Cloud API answers that were missing, null or unusable, by API and field; only the series needing them were left out (docs/api-fields.md).',
    labelNames: ['api', 'field'],
    registers: [this.registry],
  });

  readonly credentialRefreshes = new Counter({
    name: `${PREFIX}credential_refreshes_total`,
    help: 'Requests for temporary AK/SK (kind "metadata": the ECS metadata service; "workload_identity": IAM federation), by project and result.',
    labelNames: ['project_id', 'kind', 'result'],
    registers: [this.registry],
  });

  readonly credentialExpiry = new Gauge({
    name: `${PREFIX}credential_expiry_timestamp_seconds`,
    help: 'Unix time at which the temporary AK/SK in use expires, by project and kind.',
    labelNames: ['project_id', 'kind'],
    registers: [this.registry],
  });

  /**
   * @param maxAgeMs how long one rendering of these metrics may serve scrapes: rendering the
   *   registry costs more than serving the cached data part, and a value a second old is as good
   *   to a scraper polling every 15 s or more.
   */
  constructor(version: string, private readonly maxAgeMs = 1000) {
    new Gauge({
      name: `${PREFIX}build_info`,
      help: 'Build information; always 1.',
      labelNames: ['version', 'nodejs_version'],
      registers: [this.registry],
    }).set({ version, nodejs_version: process.version }, 1);
    collectDefaultMetrics({ register: this.registry });
    for (const name of REJECTED_DEFAULTS) this.registry.removeSingleMetric(name);
    this.configLastReloadSuccessful.set(1);
    this.configLastReloadSuccessTimestamp.set(Date.now() / 1000);
  }

  /**
   * Starts the counters of known collectors and APIs at 0, so that `rate()` and alerts see the
   * first skip or throttle rather than a series appearing out of nothing.
   */
  declare(collectors: readonly string[], apis: readonly string[]): void {
    for (const collector of collectors) this.pollsSkipped.inc({ collector }, 0);
    for (const api of apis) {
      this.apiThrottled.inc({ api }, 0);
      this.apiRetries.inc({ api }, 0);
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The rendering of at most `maxAgeMs` ago, or a new one. */
  rendered(now = Date.now()): Promise<Rendered> {
    if (!this.lastRendering || now - this.lastRendering.at >= this.maxAgeMs) {
      this.lastRendering = {
        at: now,
        metrics: this.registry.metrics().then((text) => rendered(Buffer.from(text))),
      };
    }
    return this.lastRendering.metrics;
  }

  readonly authBreakerTrips = new Counter({
    name: `${PREFIX}auth_breaker_trips_total`,
    help: 'Times a project\'s credentials were refused and its requests held back for a back-off, by project.',
    labelNames: ['project_id'],
    registers: [this.registry],
  });

  readonly authBreakerOpen = new Gauge({
    name: `${PREFIX}auth_breaker_open`,
    help: '1 while a project\'s requests are held back after its credentials were refused, else 0.',
    labelNames: ['project_id'],
    registers: [this.registry],
  });

  readonly refusedIds = new Counter({
    name: `${PREFIX}refused_ids_total`,
    help: 'Instance ids in cloud answers left out: not in the documented format (invalid), listed twice (duplicate), or an HTAP instance already listed under another TaurusDB instance (conflict).',
    labelNames: ['reason'],
    registers: [this.registry],
  });
}
