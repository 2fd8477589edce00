// Answers that differ from the SDK model in a way the readers tolerate (a field missing, null or
// of the wrong type): counted per API and field, and logged once per poll per API and field with
// the request id of the first such answer, so a fleet-wide change is one log line, not thousands.
import type { Logger } from '../log.js';
import type { ExporterMetrics } from '../metrics/exporter-metrics.js';

/** Where answer readers report what they had to leave out. */
export interface AnomalySink {
  /** `signal` is the poll's: it scopes the once-per-poll log line */
  answerAnomaly(api: string, field: string, requestId: string, signal?: AbortSignal): void;
}

export class AnswerAnomalies implements AnomalySink {
  /** per poll (its signal), the `api field` pairs already logged; forgotten with the poll */
  private readonly logged = new WeakMap<AbortSignal, Set<string>>();

  constructor(private readonly metrics: ExporterMetrics, private readonly log: Logger) {}

  answerAnomaly(api: string, field: string, requestId: string, signal?: AbortSignal): void {
    this.metrics.answerAnomalies.inc({ api, field });
    if (signal) {
      let seen = this.logged.get(signal);
      if (!seen) this.logged.set(signal, (seen = new Set()));
      const key = `${api} ${field}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    this.log.warn({ api, field, request_id: requestId },
      'answer field missing or unusable; only the series that need it are left out (logged once per poll)');
  }
}
