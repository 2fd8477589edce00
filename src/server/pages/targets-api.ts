// GET /api/v1/targets: the status page's data as JSON, schema documented in docs/status-api.md.
// Times are RFC 3339 strings (UTC); what is not known yet is null, never omitted.
import type { CollectorStatus, StatusBoard, TargetStatus } from '../../status/target-status.js';

/** Bumped on any change that is not an added field. */
export const STATUS_SCHEMA_VERSION = 1;

const isoTime = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function collectorJson(c: CollectorStatus): Record<string, unknown> {
  return {
    name: c.name,
    schedule: c.schedule,
    last_poll_started: isoTime(c.lastPollStarted),
    last_poll_duration_seconds: c.lastPollDurationMs === undefined ? null : c.lastPollDurationMs / 1000,
    next_poll: isoTime(c.nextPoll),
    skipped_polls: c.skippedPolls,
    targets: c.targets,
    targets_up: c.targetsUp,
  };
}

function targetJson(t: TargetStatus, now: number): Record<string, unknown> {
  return {
    collector: t.collector,
    target_id: t.targetId,
    name: t.name,
    instance_id: t.instanceId,
    htap_instance_id: t.htapInstanceId ?? null,
    project_id: t.projectId,
    region: t.region,
    up: t.up,
    last_success: isoTime(t.lastSuccess),
    last_success_age_seconds: t.lastSuccess === undefined ? null : Math.max(0, (now - t.lastSuccess) / 1000),
    last_error: t.lastError === undefined ? null : {
      api: t.lastError.api,
      http_status: t.lastError.httpStatus ?? null,
      error_code: t.lastError.errorCode,
      error_msg: t.lastError.errorMsg,
      request_id: t.lastError.requestId,
      at: isoTime(t.lastError.at),
    },
  };
}

export function targetsApi(status: StatusBoard, now: number): string {
  return `${JSON.stringify({
    schema_version: STATUS_SCHEMA_VERSION,
    generated_at: isoTime(now),
    collectors: status.collectorStatus().map(collectorJson),
    targets: status.targetStatus().map((t) => targetJson(t, now)),
  }, null, 2)}\n`;
}
