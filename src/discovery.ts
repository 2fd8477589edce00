// Which instances the collectors poll: the configured ones plus, for a project with
// `discover: true`, every instance its service's list API shows whose name, enterprise project
// and tags pass the filters (include/exclude, enterprise_project_ids, include_tags/exclude_tags);
// then only those in this replica's shard. Discovery runs on its own
// schedule, and an instance that disappears from the list stops being polled at the next poll.
import type { GaussDbApi } from './cloud/gaussdb.js';
import type { CloudInstance } from './cloud/instance-list.js';
import type { TaurusDbApi } from './cloud/taurusdb.js';
import { errorFields } from './cloud/errors.js';
import { isInstanceId, shownId, type IdRefused } from './cloud/ids.js';
import type { GaussDbTarget, ProjectInfo, TargetInstance, TargetSource, TaurusDbTarget } from './collectors/targets.js';
import { tagLabels, type TagLabel } from './collectors/instance-tags.js';
import type { EngineConfig, Service } from './config/types.js';
import type { Logger } from './log.js';
import type { ExporterMetrics } from './metrics/exporter-metrics.js';
import type { Job } from './scheduler.js';

export interface Shard {
  index: number;
  total: number;
}

export const SINGLE_SHARD: Shard = { index: 0, total: 1 };

/** FNV-1a: stable across processes, versions and platforms, so every replica agrees. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function inShard(instanceId: string, shard: Shard): boolean {
  return shard.total <= 1 || fnv1a(instanceId) % shard.total === shard.index;
}

export interface ProjectTargets {
  project: ProjectInfo;
  gaussdb: { settings: EngineConfig; api: GaussDbApi };
  taurusdb: { settings: EngineConfig; api: TaurusDbApi };
}

/** Whether discovery keeps an instance: its name, enterprise project and tags pass the filters. */
export function discoveryKeeps(settings: EngineConfig, instance: CloudInstance): boolean {
  const { include, exclude, enterpriseProjectIds, includeTags, excludeTags } = settings;
  return (!include || include.test(instance.name)) && !(exclude?.test(instance.name) ?? false)
    && (enterpriseProjectIds.length === 0 || enterpriseProjectIds.includes(instance.enterpriseProjectId))
    && [...includeTags].every(([key, value]) => instance.tags.get(key) === value)
    && ![...excludeTags].some(([key, value]) => instance.tags.get(key) === value);
}

/** One project's service: what is configured, what discovery last found. */
class EngineTargets<T extends GaussDbTarget | TaurusDbTarget> {
  private discovered: TargetInstance[] = [];
  private readonly tagLabels: readonly TagLabel[];

  constructor(
    readonly service: Service,
    readonly project: ProjectInfo,
    readonly settings: EngineConfig,
    private readonly list: (signal: AbortSignal) => Promise<CloudInstance[]>,
    private readonly target: (instance: TargetInstance) => T,
    private readonly refused: IdRefused,
  ) {
    this.tagLabels = tagLabels(settings.tagsAllowlist);
  }

  /**
   * Configured instances first (their names win, with what discovery found of them), then
   * discovered ones not configured.
   */
  targets(shard: Shard): T[] {
    const discovered = new Map(this.discovered.map((i) => [i.id, i]));
    const configured = this.settings.instances.map((i): TargetInstance => ({ ...discovered.get(i.id), id: i.id, name: i.name }));
    const ids = new Set(configured.map((i) => i.id));
    return [...configured, ...this.discovered.filter((i) => !ids.has(i.id))]
      .filter((instance) => inShard(instance.id, shard))
      .map(this.target);
  }

  async discover(signal: AbortSignal): Promise<number> {
    const found = await this.list(signal);
    const seen = new Set<string>();
    const labels = { project_id: this.project.projectId, service: this.service };
    this.discovered = found
      .filter((i) => {
        if (!isInstanceId(i.id)) this.refused('invalid', i.id, labels);
        else if (seen.has(i.id)) this.refused('duplicate', i.id, labels);
        else return seen.add(i.id);
        return false;
      })
      .filter((i) => discoveryKeeps(this.settings, i)).map((i) => ({
        id: i.id,
        name: i.name || i.id,
        enterpriseProjectId: i.enterpriseProjectId,
        ...(this.tagLabels.length > 0 ? { tagLabels: this.tagLabels.map(({ key, label }) => [label, i.tags.get(key) ?? ''] as const) } : {}),
      }));
    return this.discovered.length;
  }
}

export class InstanceDirectory implements TargetSource {
  private readonly gaussdbEngines: Array<EngineTargets<GaussDbTarget>>;
  private readonly taurusdbEngines: Array<EngineTargets<TaurusDbTarget>>;
  private gaussdbTargets: GaussDbTarget[] = [];
  private taurusdbTargets: TaurusDbTarget[] = [];

  constructor(
    projects: readonly ProjectTargets[],
    private readonly shard: Shard,
    private readonly metrics: ExporterMetrics,
    private readonly log: Logger,
  ) {
    this.gaussdbEngines = projects.map(({ project, gaussdb: { settings, api } }) =>
      new EngineTargets('gaussdb', project, settings, (signal) => api.listInstances(signal), (instance) => ({ project, instance, api }), this.refused));
    this.taurusdbEngines = projects.map(({ project, taurusdb: { settings, api } }) =>
      new EngineTargets('taurusdb', project, settings, (signal) => api.listInstances(signal), (instance) => ({ project, instance, api }), this.refused));
    this.rebuild();
  }

  gaussdb(): readonly GaussDbTarget[] {
    return this.gaussdbTargets;
  }

  taurusdb(): readonly TaurusDbTarget[] {
    return this.taurusdbTargets;
  }

  get discovers(): boolean {
    return [...this.gaussdbEngines, ...this.taurusdbEngines].some((e) => e.settings.discover);
  }

  /** Lists every discovering project's instances; a failed list keeps that project's last answer. */
  async discover(signal: AbortSignal): Promise<void> {
    const engines = [...this.gaussdbEngines, ...this.taurusdbEngines].filter((e) => e.settings.discover);
    await Promise.all(engines.map(async (engine) => {
      const labels = { project_id: engine.project.projectId, service: engine.service };
      try {
        const count = await engine.discover(signal);
        this.metrics.discoveryRuns.inc({ ...labels, result: 'success' });
        this.metrics.discoveredInstances.set(labels, count);
      } catch (error) {
        this.metrics.discoveryRuns.inc({ ...labels, result: 'failure' });
        this.log.warn({ ...labels, ...errorFields(error) }, 'instance discovery failed; keeping the previous list');
      }
    }));
    this.rebuild();
    this.log.info({ gaussdb: this.gaussdbTargets.length, taurusdb: this.taurusdbTargets.length, shard: this.shard.index, total_shards: this.shard.total },
      'instance discovery finished');
  }

  job(schedule: string): Job {
    return { name: 'discovery', schedule, runAtStart: false, run: (signal) => this.discover(signal) };
  }

  /** Each id once across every project (the configuration refuses duplicates; answers may repeat). */
  private rebuild(): void {
    this.gaussdbTargets = this.once(this.gaussdbEngines.flatMap((e) => e.targets(this.shard)));
    this.taurusdbTargets = this.once(this.taurusdbEngines.flatMap((e) => e.targets(this.shard)));
  }

  private once<T extends GaussDbTarget | TaurusDbTarget>(targets: T[]): T[] {
    const seen = new Map<string, string>();
    return targets.filter((target) => {
      const first = seen.get(target.instance.id);
      if (first === undefined) return seen.set(target.instance.id, target.project.projectId);
      this.refused('duplicate', target.instance.id, { project_id: target.project.projectId, also_in_project: first });
      return false;
    });
  }

  /** An id an answer carried that is left out: counted and logged, quoted and cut short. */
  readonly refused: IdRefused = (reason, id, details) => {
    this.metrics.refusedIds.inc({ reason });
    this.log.warn({ reason, id: shownId(id), ...details }, 'instance id from the cloud left out');
  };
}
