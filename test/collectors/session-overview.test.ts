import { describe, expect, it } from '@jest/globals';
import { GaussDbApi } from '../../src/cloud/gaussdb.js';
import { SESSION_OVERVIEW, SessionOverviewCollector } from '../../src/collectors/session-overview.js';
import type { GaussDbTarget, TargetSource } from '../../src/collectors/targets.js';
import { SnapshotStore } from '../../src/metrics/snapshot.js';
import { FakeProjectApi, PROJECT_ID, REGION, pollInto, sampleLines } from './fake-project-api.js';

const A = 'aaaa6c6baae4f65a742771186f47b7ain14';
const B = 'bbbb6c6baae4f65a742771186f47b7ain14';

function setup(fake: FakeProjectApi, ids: string[]): { collector: SessionOverviewCollector; store: SnapshotStore } {
  const api = new GaussDbApi(fake);
  const targets: GaussDbTarget[] = ids.map((id, i) => ({
    project: { projectId: PROJECT_ID, region: REGION }, instance: { id, name: i === 0 ? 'orders' : id }, api,
  }));
  const source: TargetSource = { gaussdb: () => targets, taurusdb: () => [] };
  const collector = new SessionOverviewCollector(source);
  return { collector, store: new SnapshotStore([SESSION_OVERVIEW]) };
}

describe('SessionOverviewCollector', () => {
  it('publishes the four counts and the info series of each instance', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${A}/session-overview`, { active_num: '12', total_num: '036', slow_sql_num: '1', lock_num: '0' });
    const { collector, store } = setup(fake, [A]);
    await pollInto(store, SESSION_OVERVIEW, collector);
    expect(sampleLines(store)).toEqual([
      `huaweicloud_gaussdb_sessions{instance_id="${A}"} 36`,
      `huaweicloud_gaussdb_sessions_active{instance_id="${A}"} 12`,
      `huaweicloud_gaussdb_sessions_slow_sql{instance_id="${A}"} 1`,
      `huaweicloud_gaussdb_sessions_lock_waiting{instance_id="${A}"} 0`,
      `huaweicloud_gaussdb_instance_info{instance_id="${A}",name="orders",project_id="${PROJECT_ID}",region="${REGION}",enterprise_project_id=""} 1`,
      `huaweicloud_db_up{collector="session_overview",instance_id="${A}"} 1`,
    ]);
    expect(store.current().text).toContain(
      '# HELP huaweicloud_gaussdb_sessions Number of real-time sessions of the GaussDB instance (total_num), as of the last poll.\n'
      + '# TYPE huaweicloud_gaussdb_sessions gauge\n');
    expect(store.current().text).toContain(`huaweicloud_db_last_success_timestamp_seconds{collector="session_overview",instance_id="${A}"} `);
  });

  it('leaves out only the series of an unusable count; the target stays up', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${A}/session-overview`, { active_num: '1', total_num: '2', slow_sql_num: '0', lock_num: '0' })
      .on(`instances/${B}/session-overview`, { active_num: 'n/a', total_num: '2', lock_num: null });
    const { collector, store } = setup(fake, [A, B]);
    await pollInto(store, SESSION_OVERVIEW, collector);
    expect(sampleLines(store).filter((l) => l.includes(B))).toEqual([
      `huaweicloud_gaussdb_sessions{instance_id="${B}"} 2`,
      `huaweicloud_gaussdb_instance_info{instance_id="${B}",name="${B}",project_id="${PROJECT_ID}",region="${REGION}",enterprise_project_id=""} 1`,
      `huaweicloud_db_up{collector="session_overview",instance_id="${B}"} 1`,
    ]);
    expect(fake.anomalies).toEqual(['active_num', 'slow_sql_num', 'lock_num'].map((f) => `gaussdb_session_overview ${f}`));
  });

  it('marks only a target with no usable count down, keeps its info series and publishes none of its data', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${A}/session-overview`, { active_num: '1', total_num: '2', slow_sql_num: '0', lock_num: '0' })
      .on(`instances/${B}/session-overview`, { active_num: 'n/a', total_num: '', slow_sql_num: null });
    const { collector, store } = setup(fake, [A, B]);
    await pollInto(store, SESSION_OVERVIEW, collector);
    const lines = sampleLines(store);
    expect(lines.filter((l) => l.includes(B))).toEqual([
      `huaweicloud_gaussdb_instance_info{instance_id="${B}",name="${B}",project_id="${PROJECT_ID}",region="${REGION}",enterprise_project_id=""} 1`,
      `huaweicloud_db_up{collector="session_overview",instance_id="${B}"} 0`,
    ]);
    expect(lines).toContain(`huaweicloud_gaussdb_sessions{instance_id="${A}"} 2`);
    expect(lines).toContain(`huaweicloud_db_up{collector="session_overview",instance_id="${A}"} 1`);
  });

  it('follows the target source from one poll to the next', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${A}/session-overview`, { active_num: '1', total_num: '2', slow_sql_num: '0', lock_num: '0' })
      .on(`instances/${B}/session-overview`, { active_num: '1', total_num: '3', slow_sql_num: '0', lock_num: '0' });
    const api = new GaussDbApi(fake);
    let ids = [A, B];
    const collector = new SessionOverviewCollector({
      gaussdb: () => ids.map((id) => ({ project: { projectId: PROJECT_ID, region: REGION }, instance: { id, name: id }, api })),
      taurusdb: () => [],
    });
    const store = new SnapshotStore([SESSION_OVERVIEW]);
    await pollInto(store, SESSION_OVERVIEW, collector);
    ids = [A];
    await pollInto(store, SESSION_OVERVIEW, collector);
    expect(sampleLines(store).filter((l) => l.includes(B))).toEqual([]);
  });
});
