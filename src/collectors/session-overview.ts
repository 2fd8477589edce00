// Collector session_overview: GaussDB's real-time session counts, one
// `GET /v3/{project}/instances/{id}/session-overview` per GaussDB instance and poll.
import { gaugeFamily, type Poll } from '../metrics/snapshot.js';
import { scheduleSection } from '../config/fields.js';
import type { ScheduleConfig } from '../config/types.js';
import type { Collector, CollectorDefinition } from './collector.js';
import { instanceFamilies, pollInstances, type TargetSource } from './targets.js';

const SESSIONS = gaugeFamily('huaweicloud_gaussdb_sessions',
  'Number of real-time sessions of the GaussDB instance (total_num), as of the last poll.', ['instance_id']);
const SESSIONS_ACTIVE = gaugeFamily('huaweicloud_gaussdb_sessions_active',
  'Number of active real-time sessions of the GaussDB instance (active_num), as of the last poll.', ['instance_id']);
const SESSIONS_SLOW_SQL = gaugeFamily('huaweicloud_gaussdb_sessions_slow_sql',
  'Number of real-time sessions running slow SQL on the GaussDB instance (slow_sql_num), as of the last poll.', ['instance_id']);
const SESSIONS_LOCK_WAITING = gaugeFamily('huaweicloud_gaussdb_sessions_lock_waiting',
  'Number of real-time sessions waiting for a lock on the GaussDB instance (lock_num), as of the last poll.', ['instance_id']);
const INSTANCE = instanceFamilies('gaussdb');

export const SESSION_OVERVIEW: CollectorDefinition<'session_overview', ScheduleConfig> = {
  name: 'session_overview',
  families: [SESSIONS, SESSIONS_ACTIVE, SESSIONS_SLOW_SQL, SESSIONS_LOCK_WAITING, INSTANCE.info, INSTANCE.tags],
  settings: scheduleSection('*/30 * * * * *'),
  create: ({ source }) => new SessionOverviewCollector(source),
};

export class SessionOverviewCollector implements Collector {
  constructor(private readonly source: TargetSource) {}

  async collect(poll: Poll, signal: AbortSignal): Promise<void> {
    await pollInstances(poll, this.source.gaussdb(), INSTANCE, async (target, samples) => {
      const overview = await target.api.sessionOverview(target.instance.id, signal);
      const labels = { instance_id: target.instance.id };
      // A count the answer did not carry usably has no series (docs/api-fields.md).
      if (overview.total !== undefined) samples.set(SESSIONS, labels, overview.total);
      if (overview.active !== undefined) samples.set(SESSIONS_ACTIVE, labels, overview.active);
      if (overview.slowSql !== undefined) samples.set(SESSIONS_SLOW_SQL, labels, overview.slowSql);
      if (overview.lockWaiting !== undefined) samples.set(SESSIONS_LOCK_WAITING, labels, overview.lockWaiting);
    });
  }
}
