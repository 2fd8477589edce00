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

export interface GaussDbTarget {
  project: ProjectInfo;
  instance: InstanceRef;
  api: GaussDbApi;
}

export interface TaurusDbTarget {
  project: ProjectInfo;
  instance: InstanceRef;
  api: TaurusDbApi;
}

export interface TargetSource {
  gaussdb(): readonly GaussDbTarget[];
  taurusdb(): readonly TaurusDbTarget[];
}

type Target = GaussDbTarget | TaurusDbTarget;

/** `huaweicloud_<service>_instance_info`: the configured name of an instance, joined on `instance_id`. */
export function instanceInfoFamily(service: Service): GaugeFamily {
  const product = service === 'gaussdb' ? 'GaussDB' : 'TaurusDB';
  return gaugeFamily(`huaweicloud_${service}_instance_info`,
    `${product} instance known to the exporter (always 1), with its name, project and region, as of the last poll.`,
    ['instance_id', 'name', 'project_id', 'region']);
}

/**
 * Polls each instance target as its own `poll.run`, so one failure marks only that target down.
 * The `_info` series goes to the poll's metadata first: it stays published while the target is
 * down, so an alert on `huaweicloud_db_up` can still name the instance.
 */
export async function pollInstances<T extends Target>(poll: Poll, targets: readonly T[], info: GaugeFamily,
  fill: (target: T, samples: Samples) => Promise<void>): Promise<void> {
  for (const target of targets) {
    poll.metadata.set(info, {
      instance_id: target.instance.id,
      name: labelValue(target.instance.name),
      project_id: target.project.projectId,
      region: target.project.region,
    }, 1);
    poll.described.set(target.instance.id, describeTarget(target));
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
