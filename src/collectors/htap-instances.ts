// Collector htap_instances: the HTAP (StarRocks / ClickHouse) instances attached to each TaurusDB
// instance, one `GET /v3/{project}/instances/{id}/htap` per TaurusDB instance and poll. Each answer
// also refreshes the HTAP inventory the htap_processes collector polls sessions from.
import type { HtapInstance } from '../cloud/taurusdb.js';
import { gaugeFamily, type Poll, type Samples } from '../metrics/snapshot.js';
import { scheduleSection } from '../config/fields.js';
import type { ScheduleConfig } from '../config/types.js';
import type { Collector, CollectorDefinition } from './collector.js';
import type { HtapInventory } from './htap-inventory.js';
import { labelValue } from './labels.js';
import { instanceFamilies, pollInstances, type TargetSource } from './targets.js';

const PER_HTAP = ['instance_id', 'htap_instance_id'];

const HTAP_INSTANCES_TOTAL = gaugeFamily('huaweicloud_taurusdb_htap_instances',
  'Number of HTAP instances attached to the TaurusDB instance (total), as of the last poll.', ['instance_id']);
const HTAP_INSTANCES_LIMIT = gaugeFamily('huaweicloud_taurusdb_htap_instances_limit',
  'Maximum number of HTAP instances the TaurusDB instance can have (max_htap_instance_num_of_taurus), as of the last poll.',
  ['instance_id']);
const HTAP_INSTANCE_INFO = gaugeFamily('huaweicloud_taurusdb_htap_instance_info',
  'HTAP instance attached to the TaurusDB instance (always 1), with its name, engine and deployment mode, as of the last poll.',
  [...PER_HTAP, 'name', 'engine_name', 'engine_version', 'ha_mode']);
const HTAP_INSTANCE_STATUS = gaugeFamily('huaweicloud_taurusdb_htap_instance_status',
  'Current status of the HTAP instance (always 1, the status is the label), as of the last poll.', [...PER_HTAP, 'status']);
const HTAP_INSTANCE_NODES = gaugeFamily('huaweicloud_taurusdb_htap_instance_nodes',
  'Number of nodes of the HTAP instance, as of the last poll.', PER_HTAP);
const HTAP_INSTANCE_FROZEN = gaugeFamily('huaweicloud_taurusdb_htap_instance_frozen',
  '1 if the HTAP instance is frozen, else 0, as of the last poll.', PER_HTAP);
const HTAP_INSTANCE_RESTART_PENDING = gaugeFamily('huaweicloud_taurusdb_htap_instance_restart_pending',
  '1 if the HTAP instance needs a reboot to apply changed parameters, else 0, as of the last poll.', PER_HTAP);
const HTAP_INSTANCE_CREATED = gaugeFamily('huaweicloud_taurusdb_htap_instance_created_timestamp_seconds',
  'Unix time when the HTAP instance was created, as of the last poll.', PER_HTAP);
const INSTANCE = instanceFamilies('taurusdb');

export const HTAP_INSTANCES: CollectorDefinition<'htap_instances', ScheduleConfig> = {
  name: 'htap_instances',
  families: [HTAP_INSTANCES_TOTAL, HTAP_INSTANCES_LIMIT, HTAP_INSTANCE_INFO, HTAP_INSTANCE_STATUS,
    HTAP_INSTANCE_NODES, HTAP_INSTANCE_FROZEN, HTAP_INSTANCE_RESTART_PENDING, HTAP_INSTANCE_CREATED, INSTANCE.info, INSTANCE.tags],
  settings: scheduleSection('0 */5 * * * *'),
  create: ({ source, inventory }) => new HtapInstancesCollector(source, inventory),
};

export class HtapInstancesCollector implements Collector {
  constructor(private readonly source: TargetSource, private readonly inventory: HtapInventory) {}

  async collect(poll: Poll, signal: AbortSignal): Promise<void> {
    const targets = this.source.taurusdb();
    this.inventory.retain(targets.map((target) => target.instance.id));
    await pollInstances(poll, targets, INSTANCE, async (target, samples) => {
      const list = await this.inventory.refresh(target, signal);
      const labels = { instance_id: target.instance.id };
      if (list.total !== undefined) samples.set(HTAP_INSTANCES_TOTAL, labels, list.total);
      if (list.limit !== undefined) samples.set(HTAP_INSTANCES_LIMIT, labels, list.limit);
      for (const htap of list.instances) publishHtapInstance(samples, target.instance.id, htap);
    });
  }
}

/** The series of one HTAP instance; a field the cloud sent as null has no series. */
function publishHtapInstance(samples: Samples, taurusId: string, htap: HtapInstance): void {
  const labels = { instance_id: taurusId, htap_instance_id: htap.id };
  samples.set(HTAP_INSTANCE_INFO, {
    ...labels,
    name: labelValue(htap.name),
    engine_name: labelValue(htap.engineName),
    engine_version: labelValue(htap.engineVersion),
    ha_mode: labelValue(htap.haMode),
  }, 1);
  if (htap.status !== undefined) samples.set(HTAP_INSTANCE_STATUS, { ...labels, status: labelValue(htap.status, true) }, 1);
  if (htap.nodeNum !== undefined) samples.set(HTAP_INSTANCE_NODES, labels, htap.nodeNum);
  if (htap.frozen !== undefined) samples.set(HTAP_INSTANCE_FROZEN, labels, htap.frozen ? 1 : 0);
  if (htap.waitRestart !== undefined) samples.set(HTAP_INSTANCE_RESTART_PENDING, labels, htap.waitRestart ? 1 : 0);
  if (htap.createdAtMs !== undefined) samples.set(HTAP_INSTANCE_CREATED, labels, htap.createdAtMs / 1000);
}
