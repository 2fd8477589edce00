// GET /api/v1/sessions: the longest-running busy sessions per HTAP instance as JSON, schema
// documented in docs/status-api.md; `?htap_instance_id=` narrows it to one instance.
import type { TopSessionsStore } from '../../collectors/top-sessions.js';
import { STATUS_SCHEMA_VERSION } from './targets-api.js';

export function sessionsApi(store: TopSessionsStore, now: number, htapInstanceId: string | undefined): string {
  const { topSessions, topSessionsSqlChars } = store.settings;
  return `${JSON.stringify({
    schema_version: STATUS_SCHEMA_VERSION,
    generated_at: new Date(now).toISOString(),
    top_sessions: topSessions,
    top_sessions_sql_chars: topSessionsSqlChars,
    instances: store.list(htapInstanceId).map((instance) => ({
      htap_instance_id: instance.htapInstanceId,
      instance_id: instance.instanceId,
      name: instance.name,
      project_id: instance.projectId,
      region: instance.region,
      polled_at: new Date(instance.polledAt).toISOString(),
      sessions: instance.sessions.map((s) => ({
        id: s.id,
        user: s.user,
        host: s.host,
        database: s.database,
        command: s.command,
        state: s.state,
        duration_seconds: s.durationSeconds,
        sql: s.sql,
        sql_cut: s.sqlCut,
      })),
    })),
  }, null, 2)}\n`;
}
