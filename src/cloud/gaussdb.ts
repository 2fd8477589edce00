// GaussDB (openGauss) API: the real-time session overview per instance, and the instance list
// for discovery. Answers are read here (answer.ts): a count that is not usable is left out and
// reported as an anomaly, never a silent 0.
import type { ProjectApi } from './api.js';
import { AnswerReader } from './answer.js';
import { listInstances, type CloudInstance } from './instance-list.js';

/** The overview's counts; a count the answer did not carry usably is undefined (its series is left out). */
export interface SessionOverview {
  active?: number;
  total?: number;
  slowSql?: number;
  lockWaiting?: number;
}

const SESSION_OVERVIEW_API = 'gaussdb_session_overview';
const INSTANCES_API = 'gaussdb_instances';
/** The `api` label values this module's calls carry. */
export const GAUSSDB_APIS = [SESSION_OVERVIEW_API, INSTANCES_API];

export class GaussDbApi {
  constructor(private readonly api: ProjectApi) {}

  async sessionOverview(instanceId: string, signal: AbortSignal): Promise<SessionOverview> {
    const path = `/v3/${this.api.projectId}/instances/${encodeURIComponent(instanceId)}/session-overview`;
    const read = new AnswerReader(SESSION_OVERVIEW_API, this.api, signal);
    const body = read.body(await this.api.getJson('gaussdb', path, { api: SESSION_OVERVIEW_API, signal }));
    const overview: SessionOverview = {
      active: read.count(body.active_num, 'active_num'),
      total: read.count(body.total_num, 'total_num'),
      slowSql: read.count(body.slow_sql_num, 'slow_sql_num'),
      lockWaiting: read.count(body.lock_num, 'lock_num'),
    };
    if (Object.values(overview).every((count) => count === undefined)) read.fail('no usable count in the answer');
    return overview;
  }

  listInstances(signal: AbortSignal): Promise<CloudInstance[]> {
    return listInstances(this.api, 'gaussdb', INSTANCES_API, signal);
  }
}
