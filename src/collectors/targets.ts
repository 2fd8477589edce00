// What the collectors poll, and the per-instance plumbing they share. Targets come from a
// function-based source, read at the start of every poll, so that a configuration reload or a
// discovery run can change them between polls without rebuilding the collectors.
import type { GaussDbApi } from '../cloud/gaussdb.js';
import type { TaurusDbApi } from '../cloud/taurusdb.js';
import type { InstanceRef, Service } from '../config/types.js';
import { gaugeFamily, type GaugeFamily, type Poll, type Samples } from '../metrics/snapshot.js';
import type { TargetDescription } from '../status/target-status.js';
import { labelValue } from './labels.js';

export interface ProjectInfo {
  projectId: string;
  region: string;
}

/** An instance as polled: configured (id, name) and, once discovered, what its list entry said. */
export interface TargetInstance extends InstanceRef {
  /** `enterprise_project_id` of its list entry; undefined when not discovered */
  enterpriseProjectId?: string;
  /** its allow-listed tags as [label name, value], for `_instance_tags`; undefined without discovery or allowlist */
  tagLabels?: ReadonlyArray<readonly [string, string]>;
}

export interface GaussDbTarget {
  project: ProjectInfo;
  instance: TargetInstance;
  api: GaussDbApi;
}

export interface TaurusDbTarget {
  project: ProjectInfo;
  instance: TargetInstance;
  api: TaurusDbApi;
}

export interface TargetSource {
  gaussdb(): readonly GaussDbTarget[];
  taurusdb(): readonly TaurusDbTarget[];
}

type Target = GaussDbTarget | TaurusDbTarget;

/** The per-instance descriptive families of a service, published whatever the target's outcome. */
export interface InstanceFamilies {
  /** `huaweicloud_<service>_instance_info`: name, project, region and enterprise project, joined on `instance_id` */
  info: GaugeFamily;
  /** `huaweicloud_<service>_instance_tags`: the allow-listed tags of discovered instances, as `tag_<key>` labels */
  tags: GaugeFamily;
}

export function instanceFamilies(service: Service): InstanceFamilies {
  const product = service === 'gaussdb' ? 'GaussDB' : 'TaurusDB';
  return {
    info: gaugeFamily(`huaweicloud_${service}_instance_info`,
      `${product} instance known to the exporter (always 1), with its name, project, region and enterprise project (empty unless discovered), as of the last poll.`,
      ['instance_id', 'name', 'project_id', 'region', 'enterprise_project_id']),
    tags: gaugeFamily(`huaweicloud_${service}_instance_tags`,
      `Tags of the discovered ${product} instance (always 1): one tag_<key> label per key of tags_allowlist, empty where the instance lacks the tag, as of the last discovery.`,
      ['instance_id']),
  };
}

/**
 * Polls each instance target as its own `poll.run`, so one failure marks only that target down.
 * The `_info` and `_tags` series go to the poll's metadata first: they stay published while the
 * target is down, so an alert on `huaweicloud_db_up` can still name the instance.
 */
export async function pollInstances<T extends Target>(poll: Poll, targets: readonly T[], families: InstanceFamilies,
  fill: (target: T, samples: Samples) => Promise<void>): Promise<void> {
  for (const target of targets) {
    const { instance } = target;
    poll.metadata.set(families.info, {
      instance_id: instance.id,
      name: labelValue(instance.name),
      project_id: target.project.projectId,
      region: target.project.region,
      enterprise_project_id: instance.enterpriseProjectId ?? '',
    }, 1);
    if (instance.tagLabels) poll.metadata.set(families.tags, { instance_id: instance.id }, 1, instance.tagLabels);
    poll.described.set(instance.id, describeTarget(target));
  }
  await poll.runEach(targets, (target) => target.instance.id, fill);
}

/** A target as the status page names it. */
export function describeTarget(target: Target, htapInstanceId?: string): TargetDescription {
  return {
    name: target.instance.name,
    projectId: target.project.projectId,
    region: target.project.region,
    instanceId: target.instance.id,
    ...(htapInstanceId === undefined ? {} : { htapInstanceId }),
  };
}
