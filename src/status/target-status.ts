// What the status page and /api/v1/targets show: per collector its schedule and its last poll,
// per target its health and its last error. Fed by the scheduler's collector jobs (one record per
// committed poll, one per skipped turn); the snapshot store keeps only what /metrics needs.
import { errorFields } from '../cloud/errors.js';
import { compareCodeUnits } from '../compare.js';
import type { Poll } from '../metrics/snapshot.js';

/** Who a target is, as the collector that polled it knows it. */
export interface TargetDescription {
  name: string;
  projectId: string;
  region: string;
  /** the GaussDB or TaurusDB instance */
  instanceId: string;
  /** for targets of htap_processes: the HTAP instance polled */
  htapInstanceId?: string;
}

export interface TargetError {
  /** the API that failed, e.g. taurusdb_htap_process */
  api: string;
  httpStatus: number | undefined;
  /** the cloud's error_code, or the transport's (ECONNREFUSED, ETIMEDOUT, ...) */
  errorCode: string;
  errorMsg: string;
  requestId: string;
  /** Unix time, ms, of the poll that failed */
  at: number;
}

export interface TargetStatus extends TargetDescription {
  collector: string;
  /** the id the collector polls (the HTAP id for htap_processes) */
  targetId: string;
  up: boolean;
  /** Unix time, ms, of the last successful poll */
  lastSuccess: number | undefined;
  /** the latest failure, kept after the target recovers so the page can say what it was */
  lastError: TargetError | undefined;
}

export interface CollectorStatus {
  name: string;
  schedule: string;
  /** Unix times, ms */
  lastPollStarted: number | undefined;
  lastPollDurationMs: number | undefined;
  nextPoll: number | undefined;
  skippedPolls: number;
  targets: number;
  targetsUp: number;
}

interface CollectorState {
  schedule: string;
  nextRun: () => Date | null;
  lastPollStarted?: number;
  lastPollDurationMs?: number;
  skippedPolls: number;
  targets: Map<string, TargetStatus>;
}

export class StatusBoard {
  private readonly collectors = new Map<string, CollectorState>();

  /** A collector's job exists with this schedule (again, after a reload). */
  scheduled(collector: string, schedule: string, nextRun: () => Date | null = () => null): void {
    const state = this.state(collector);
    state.schedule = schedule;
    state.nextRun = nextRun;
  }

  skipped(collector: string): void {
    this.state(collector).skippedPolls += 1;
  }

  /** A committed poll: its targets replace the previous poll's (a target gone from it is gone here). */
  record(poll: Poll, durationMs: number): void {
    const state = this.state(poll.collector);
    const previous = state.targets;
    const targets = new Map<string, TargetStatus>();
    for (const [targetId, outcome] of poll.targets) {
      const before = previous.get(targetId);
      const description = poll.described.get(targetId) ?? { name: '', projectId: '', region: '', instanceId: targetId };
      const up = outcome.samples !== undefined;
      targets.set(targetId, {
        ...description,
        collector: poll.collector,
        targetId,
        up,
        lastSuccess: up ? poll.startedAt : before?.lastSuccess,
        lastError: up ? before?.lastError : targetError(outcome.error, poll.startedAt),
      });
    }
    state.targets = targets;
    state.lastPollStarted = poll.startedAt;
    state.lastPollDurationMs = durationMs;
  }

  collectorStatus(): CollectorStatus[] {
    return [...this.collectors].map(([name, state]) => {
      const targets = [...state.targets.values()];
      return {
        name,
        schedule: state.schedule,
        lastPollStarted: state.lastPollStarted,
        lastPollDurationMs: state.lastPollDurationMs,
        nextPoll: state.nextRun()?.getTime(),
        skippedPolls: state.skippedPolls,
        targets: targets.length,
        targetsUp: targets.filter((t) => t.up).length,
      };
    });
  }

  /** Every target of every collector, failing ones first, then by collector and name. */
  targetStatus(): TargetStatus[] {
    const all = [...this.collectors.values()].flatMap((state) => [...state.targets.values()]);
    return all.sort((a, b) => Number(a.up) - Number(b.up)
      || compareCodeUnits(a.collector, b.collector) || compareCodeUnits(a.name, b.name) || compareCodeUnits(a.targetId, b.targetId));
  }

  private state(collector: string): CollectorState {
    let state = this.collectors.get(collector);
    if (!state) {
      state = { schedule: '', nextRun: () => null, skippedPolls: 0, targets: new Map() };
      this.collectors.set(collector, state);
    }
    return state;
  }
}

function targetError(error: unknown, at: number): TargetError {
  const fields = errorFields(error);
  return {
    api: fields.api ?? '',
    httpStatus: fields.status,
    errorCode: fields.error_code || fields.code || '',
    errorMsg: fields.error_msg,
    requestId: fields.request_id ?? '',
    at,
  };
}
