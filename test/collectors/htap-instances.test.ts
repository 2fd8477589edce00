import { describe, expect, it } from '@jest/globals';
import { HTAP_INSTANCES, HtapInstancesCollector } from '../../src/collectors/htap-instances.js';
import { HtapInventory } from '../../src/collectors/htap-inventory.js';
import { SnapshotStore } from '../../src/metrics/snapshot.js';
import { FakeProjectApi, PROJECT_ID, REGION, pollInto, sampleLines, serverError, signal, taurusSource, taurusTargets } from './fake-project-api.js';

const T1 = '18c3eeb7b788479eb8b93b209946a83bin07';
const T2 = '28c3eeb7b788479eb8b93b209946a83bin07';
const H1 = '5fbd54b94f0f4adbb17f728f581d247ein17';
const H2 = '914481def3574d5189baee926a26512din17';

function htapInstance(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, name: `htap-${id.slice(0, 4)}`, engine_name: 'star-rocks', engine_version: '3.1.11',
    instance_state: { instance_status: 'normal', create_fail_error_code: null, fail_message: null, wait_restart_for_params: false },
    create_at: 1716364704475, is_frozen: false, ha_mode: 'Cluster', node_num: 6, ...extra,
  };
}

function setup(fake: FakeProjectApi, ids: string[]): { collector: HtapInstancesCollector; store: SnapshotStore; inventory: HtapInventory } {
  const inventory = new HtapInventory();
  const targets = taurusTargets(fake, ids);
  const collector = new HtapInstancesCollector(taurusSource(() => targets), inventory);
  return { collector, store: new SnapshotStore([HTAP_INSTANCES]), inventory };
}

describe('HtapInstancesCollector', () => {
  it('publishes totals and the series of each HTAP instance', async () => {
    const fake = new FakeProjectApi().on(`instances/${T1}/htap`, {
      total: 2, max_htap_instance_num_of_taurus: 10,
      instances: [htapInstance(H1), htapInstance(H2, {
        engine_name: 'click-house', engine_version: '23.3', ha_mode: 'Single', node_num: 2, is_frozen: true, create_at: 1716344516418,
        instance_state: { instance_status: ' ABNORMAL ', wait_restart_for_params: true },
      })],
    });
    const { collector, store } = setup(fake, [T1]);
    await pollInto(store, HTAP_INSTANCES, collector);
    const one = `instance_id="${T1}",htap_instance_id="${H1}"`;
    const two = `instance_id="${T1}",htap_instance_id="${H2}"`;
    expect(sampleLines(store)).toEqual([
      `huaweicloud_taurusdb_htap_instances{instance_id="${T1}"} 2`,
      `huaweicloud_taurusdb_htap_instances_limit{instance_id="${T1}"} 10`,
      `huaweicloud_taurusdb_htap_instance_info{${one},name="htap-5fbd",engine_name="star-rocks",engine_version="3.1.11",ha_mode="Cluster"} 1`,
      `huaweicloud_taurusdb_htap_instance_info{${two},name="htap-9144",engine_name="click-house",engine_version="23.3",ha_mode="Single"} 1`,
      `huaweicloud_taurusdb_htap_instance_status{${one},status="normal"} 1`,
      `huaweicloud_taurusdb_htap_instance_status{${two},status="abnormal"} 1`,
      `huaweicloud_taurusdb_htap_instance_nodes{${one}} 6`,
      `huaweicloud_taurusdb_htap_instance_nodes{${two}} 2`,
      `huaweicloud_taurusdb_htap_instance_frozen{${one}} 0`,
      `huaweicloud_taurusdb_htap_instance_frozen{${two}} 1`,
      `huaweicloud_taurusdb_htap_instance_restart_pending{${one}} 0`,
      `huaweicloud_taurusdb_htap_instance_restart_pending{${two}} 1`,
      `huaweicloud_taurusdb_htap_instance_created_timestamp_seconds{${one}} 1716364704.475`,
      `huaweicloud_taurusdb_htap_instance_created_timestamp_seconds{${two}} 1716344516.418`,
      `huaweicloud_taurusdb_instance_info{instance_id="${T1}",name="${T1}",project_id="${PROJECT_ID}",region="${REGION}",enterprise_project_id=""} 1`,
      `huaweicloud_db_up{collector="htap_instances",instance_id="${T1}"} 1`,
    ]);
    expect(store.current().text).toContain('# HELP huaweicloud_taurusdb_htap_instance_nodes Number of nodes of the HTAP instance, as of the last poll.\n');
  });

  it('omits the series whose field is null, and names null descriptive fields unknown', async () => {
    const fake = new FakeProjectApi().on(`instances/${T1}/htap`, {
      total: 1, max_htap_instance_num_of_taurus: null,
      instances: [{ id: H1, name: null, engine_name: 'star-rocks', engine_version: null, instance_state: null, create_at: null, is_frozen: null, ha_mode: null, node_num: null }],
    });
    const { collector, store } = setup(fake, [T1]);
    await pollInto(store, HTAP_INSTANCES, collector);
    expect(sampleLines(store).filter((l) => l.startsWith('huaweicloud_taurusdb_htap'))).toEqual([
      `huaweicloud_taurusdb_htap_instances{instance_id="${T1}"} 1`,
      `huaweicloud_taurusdb_htap_instance_info{instance_id="${T1}",htap_instance_id="${H1}",name="unknown",engine_name="star-rocks",engine_version="unknown",ha_mode="unknown"} 1`,
    ]);
  });

  it('drops an HTAP instance that vanished from /htap, in the output and in the inventory', async () => {
    const fake = new FakeProjectApi().on(`instances/${T1}/htap`, { total: 2, max_htap_instance_num_of_taurus: 10, instances: [htapInstance(H1), htapInstance(H2)] });
    const { collector, store, inventory } = setup(fake, [T1]);
    await pollInto(store, HTAP_INSTANCES, collector);
    expect(sampleLines(store).some((l) => l.includes(H2))).toBe(true);
    fake.on(`instances/${T1}/htap`, { total: 1, max_htap_instance_num_of_taurus: 10, instances: [htapInstance(H1)] });
    await pollInto(store, HTAP_INSTANCES, collector);
    expect(sampleLines(store).filter((l) => l.includes(H2))).toEqual([]);
    expect(sampleLines(store)).toContain(`huaweicloud_taurusdb_htap_instances{instance_id="${T1}"} 1`);
    const [target] = taurusTargets(fake, [T1]);
    expect((await inventory.get(target!, signal)).instances.map((h) => h.id)).toEqual([H1]);
  });

  it('marks only the TaurusDB instance whose /htap fails down, keeping its info series', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, { total: 1, max_htap_instance_num_of_taurus: 10, instances: [htapInstance(H1)] })
      .on(`instances/${T2}/htap`, () => { throw serverError('taurusdb_htap'); });
    const { collector, store } = setup(fake, [T1, T2]);
    await pollInto(store, HTAP_INSTANCES, collector);
    const lines = sampleLines(store);
    expect(lines.filter((l) => l.includes(T2))).toEqual([
      `huaweicloud_taurusdb_instance_info{instance_id="${T2}",name="${T2}",project_id="${PROJECT_ID}",region="${REGION}",enterprise_project_id=""} 1`,
      `huaweicloud_db_up{collector="htap_instances",instance_id="${T2}"} 0`,
    ]);
    expect(lines).toContain(`huaweicloud_db_up{collector="htap_instances",instance_id="${T1}"} 1`);
  });
});
