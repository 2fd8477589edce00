// `--profile DIR`: CPU profiles of single benchmark phases (the exporter's poll cycles, the bare
// client's, the /metrics server under load) through the inspector, written as .cpuprofile files
// (open them in Chrome DevTools) and summarised as self time per function and per component;
// and sampled allocation profiles of the same phases (.heapprofile, every allocation including
// those collected since), summarised as bytes allocated per component and function: who makes
// the garbage the collector then spends its time on.
// Profiling slows what it measures: figures of a profiling run are for finding costs, not for
// the targets.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

export interface AllocationSummary {
  file: string;
  /** bytes allocated in the phase (sampled estimate), MB */
  allocatedMB: number;
  byComponent: Array<{ component: string; mb: number; share: number }>;
  topFunctions: Array<{ function: string; where: string; mb: number; share: number }>;
}

export interface ProfileSummary {
  file: string;
  /** sampled milliseconds, idle excluded */
  busyMs: number;
  /** self time per component: a package, a node core area, a project file, GC */
  byComponent: Array<{ component: string; ms: number; share: number }>;
  /** time with the component anywhere on the (synchronous) stack: what it costs with what it calls */
  byComponentInclusive: Array<{ component: string; ms: number; share: number }>;
  /** self time per function */
  topFunctions: Array<{ function: string; where: string; ms: number; share: number }>;
  allocations?: AllocationSummary;
}

export function summariseAllocations(head: HeapNode, file: string, top = 12): AllocationSummary {
  const components = new Map<string, number>();
  const functions = new Map<string, { function: string; where: string; bytes: number }>();
  let total = 0;
  const stack: HeapNode[] = [head];
  while (stack.length > 0) {
    const node = stack.pop() as HeapNode;
    stack.push(...node.children);
    if (node.selfSize === 0) continue;
    total += node.selfSize;
    const component = componentOf(node.callFrame);
    components.set(component, (components.get(component) ?? 0) + node.selfSize);
    const name = node.callFrame.functionName || '(anonymous)';
    const where = whereOf(node.callFrame);
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { function: name, where, bytes: 0 };
    entry.bytes += node.selfSize;
    functions.set(key, entry);
  }
  const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
  const share = (bytes: number): number => Math.round((bytes / Math.max(1, total)) * 1000) / 10;
  return {
    file,
    allocatedMB: mb(total),
    byComponent: [...components].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([component, bytes]) => ({ component, mb: mb(bytes), share: share(bytes) })),
    topFunctions: [...functions.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top)
      .map((f) => ({ function: f.function, where: f.where, mb: mb(f.bytes), share: share(f.bytes) })),
  };
}

const cwdUrl = `file://${process.cwd()}/`;

function componentOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (program), (idle)
    return '(native)';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return `npm:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) {
    const path = url.slice(5).replace(/^internal\//, '').split('/');
    return `node:${path[0]?.replace(/\.js$/, '').replace(/^_/, '') ?? ''}`;
  }
  if (url.startsWith(cwdUrl)) return url.slice(cwdUrl.length);
  return url;
}

function whereOf(frame: CallFrame): string {
  const url = frame.url.startsWith(cwdUrl) ? frame.url.slice(cwdUrl.length)
    : frame.url.replace(/^.*\/node_modules\//, '');
  return url === '' ? '' : `${url}:${frame.lineNumber + 1}`;
}

export function summarise(profile: CpuProfile, file: string, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; charge each sample the delta that follows it.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const components = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, { function: string; where: string; us: number }>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') continue;
    busyUs += us;
    const component = componentOf(frame);
    components.set(component, (components.get(component) ?? 0) + us);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f && f.functionName !== '(root)') onStack.add(componentOf(f));
    }
    for (const c of onStack) inclusive.set(c, (inclusive.get(c) ?? 0) + us);
    const name = frame.functionName || '(anonymous)';
    const where = whereOf(frame);
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { function: name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const share = (us: number): number => Math.round((us / Math.max(1, busyUs)) * 1000) / 10;
  return {
    file,
    busyMs: Math.round(busyUs / 1000),
    byComponent: [...components].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([component, us]) => ({ component, ms: Math.round(us / 1000), share: share(us) })),
    byComponentInclusive: [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top + 10)
      .map(([component, us]) => ({ component, ms: Math.round(us / 1000), share: share(us) })),
    topFunctions: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map((f) => ({ function: f.function, where: f.where, ms: Math.round(f.us / 1000), share: share(f.us) })),
  };
}

/** Profiles the phases named in calls to `phase`; does nothing when `dir` is undefined. */
export class PhaseProfiler {
  private session: Session | undefined;
  readonly summaries: Record<string, ProfileSummary> = {};

  /** `promotedOnly`: the allocation profile leaves out objects that young collections freed, so
   *  it shows what reached the old generation (`--profile-promoted`). */
  constructor(private readonly dir: string | undefined, private readonly promotedOnly = false) {}

  get enabled(): boolean {
    return this.dir !== undefined;
  }

  /** Runs `work`, profiled as `name` when profiling is on and `when` holds. */
  async phase<T>(name: string, when: boolean, work: () => Promise<T>): Promise<T> {
    if (!this.dir || !when) return work();
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
      await this.session.post('HeapProfiler.enable');
    }
    await this.session.post('HeapProfiler.startSampling', {
      samplingInterval: 64 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !this.promotedOnly,
    } as never);
    await this.session.post('Profiler.start');
    try {
      return await work();
    } finally {
      const { profile } = await this.session.post('Profiler.stop') as { profile: CpuProfile };
      const { profile: heap } = await this.session.post('HeapProfiler.stopSampling') as unknown as { profile: { head: HeapNode } };
      const file = join(this.dir, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      const heapFile = join(this.dir, `${name}.heapprofile`);
      writeFileSync(heapFile, JSON.stringify(heap));
      this.summaries[name] = { ...summarise(profile, file), allocations: summariseAllocations(heap.head, heapFile) };
    }
  }

  close(): void {
    this.session?.disconnect();
  }
}
