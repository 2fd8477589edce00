// The CPU floor of a poll cycle: the same requests the exporter makes (same URLs, same AK/SK
// signature, same headers, same bound on requests in flight) through a bare keep-alive
// node:http agent, each answer JSON.parsed and then dropped. No validation, no retries, no
// metrics, no aggregation: what is left is the cost of talking to the API at all.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { signRequest, type AkSkCredentials } from '../../src/cloud/signer.js';

export interface BareProject {
  projectId: string;
  gaussdbIds: readonly string[];
  taurusdbIds: readonly string[];
}

export interface BareOptions {
  endpoints: { gaussdb: string; taurusdb: string };
  credentials: AkSkCredentials;
  projects: readonly BareProject[];
  /** requests in flight, across every project (the exporter's max_in_flight) */
  concurrency: number;
  /** page size of the session list, as the exporter asks */
  pageSize: number;
  /** pages per HTAP instance at most, as the exporter's cap */
  maxPages: number;
  /** the whole cycle's deadline */
  signal: AbortSignal;
  /** sees every answer's path and query and its body as received (the answer checksum) */
  onAnswer?: (pathAndQuery: string, body: Buffer) => void;
}

export interface BareResult {
  requests: number;
  failures: number;
  /** mean time from a request's slot being granted to its body parsed */
  meanRequestMs: number;
}

/** A counting semaphore: at most `limit` tasks at once, first come first served. */
class Gate {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

/** One poll cycle's requests: every session overview, every `/htap`, every session page. */
export async function bareCycle(options: BareOptions): Promise<BareResult> {
  const gate = new Gate(options.concurrency);
  // Every request in flight listens on the cycle's signal.
  setMaxListeners(options.concurrency * 2 + 10, options.signal);
  // Fresh agents per cycle, as the exporter's pollOnce builds fresh transports.
  const agents = new Map<string, http.Agent>();
  const agentFor = (url: URL): http.Agent => {
    let agent = agents.get(url.origin);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency, scheduling: 'lifo' });
      agents.set(url.origin, agent);
    }
    return agent;
  };
  const result: BareResult = { requests: 0, failures: 0, meanRequestMs: 0 };
  let requestMs = 0;

  const getJson = (projectId: string, url: URL): Promise<unknown> => gate.run(() => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Project-Id': projectId, 'X-Language': 'en-us' };
    Object.assign(headers, signRequest({ method: 'GET', url, headers }, options.credentials));
    result.requests += 1;
    const sent = performance.now();
    return new Promise<unknown>((resolve, reject) => {
      const req = http.request(url, { method: 'GET', headers, agent: agentFor(url), signal: options.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`${url.pathname}: HTTP ${res.statusCode}`));
            return;
          }
          try {
            const raw = Buffer.concat(chunks);
            options.onAnswer?.(url.pathname + url.search, raw);
            resolve(JSON.parse(raw.toString('utf8')));
            requestMs += performance.now() - sent;
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  });

  const counted = async (work: Promise<void>): Promise<void> => {
    try {
      await work;
    } catch {
      result.failures += 1;
    }
  };

  const overview = async (projectId: string, id: string): Promise<void> => {
    await getJson(projectId, new URL(`/v3/${projectId}/instances/${encodeURIComponent(id)}/session-overview`, options.endpoints.gaussdb));
  };

  const sessions = async (projectId: string, htapId: string): Promise<void> => {
    const path = `/v3/${projectId}/instances/${encodeURIComponent(htapId)}/htap/process`;
    for (let page = 0; page < options.maxPages; page++) {
      const url = new URL(path, options.endpoints.taurusdb);
      url.searchParams.append('limit', String(options.pageSize));
      url.searchParams.append('offset', String(page * options.pageSize));
      const body = await getJson(projectId, url) as { process_list?: unknown[] | null };
      if ((body.process_list?.length ?? 0) < options.pageSize) return;
    }
  };

  const taurus = async (projectId: string, id: string): Promise<void> => {
    const body = await getJson(projectId, new URL(`/v3/${projectId}/instances/${encodeURIComponent(id)}/htap`, options.endpoints.taurusdb)) as
      { instances?: Array<{ id: string; engine_name?: string | null }> };
    const starRocks = (body.instances ?? []).filter((h) => (h.engine_name ?? '').toLowerCase().replace(/[^a-z]/g, '') === 'starrocks');
    await Promise.all(starRocks.map((h) => counted(sessions(projectId, h.id))));
  };

  try {
    await Promise.all(options.projects.flatMap((project) => [
      ...project.gaussdbIds.map((id) => counted(overview(project.projectId, id))),
      ...project.taurusdbIds.map((id) => counted(taurus(project.projectId, id))),
    ]));
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  result.meanRequestMs = requestMs / Math.max(1, result.requests - result.failures);
  return result;
}
