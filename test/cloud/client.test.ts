// Endpoint URLs with a path prefix (a reverse proxy at https://gw.example.com/hwc): every request,
// IAM's included, goes under the prefix.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProjectClient } from '../../src/cloud/client.js';
import { GaussDbApi } from '../../src/cloud/gaussdb.js';
import { IamTokenAuthenticator } from '../../src/cloud/iam.js';
import { AdaptiveLimiter } from '../../src/cloud/limiter.js';
import { HttpTransport } from '../../src/cloud/transport.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { Simulator } from '../../src/simulator/server.js';

/** these tests read well-formed answers only */
const noAnomalies = { answerAnomaly: (): void => undefined };
const policy = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
let stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
});

/** Forwards `/hwc/...` to `target` without the prefix; anything else is a 404. Records what it saw. */
async function prefixProxy(target: string, seen: string[]): Promise<string> {
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (!req.url?.startsWith('/hwc/')) {
      res.writeHead(404).end();
      return;
    }
    const upstream = request(`${target}${req.url.slice('/hwc'.length)}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hwc`;
}

describe('ProjectClient endpoints', () => {
  it('keeps the path prefix of the IAM and service endpoints', async () => {
    const sim = await Simulator.start();
    stops.push(() => sim.close());
    const seen: string[] = [];
    const iam = await prefixProxy(sim.endpoints.iam, seen);
    const gaussdb = await prefixProxy(sim.endpoints.gaussdb, seen);
    const metrics = new ExporterMetrics('test');
    const transport = new HttpTransport({ timeoutMs: 2000, maxBodyBytes: 1 << 20, maxSockets: 8, metrics });
    stops.push(async () => transport.close());
    const project = sim.fleet.projects[0];
    const id = project?.gaussdb[0]?.id ?? '';
    const auth = new IamTokenAuthenticator(iam, project?.projectId ?? '',
      { domain: sim.credentials.domain, user: sim.credentials.user, password: sim.credentials.password }, transport, policy, metrics);
    const client = new ProjectClient({
      projectId: project?.projectId ?? '', region: 'ap-southeast-1', endpoints: { iam, gaussdb, taurusdb: undefined },
      auth, transport, limiter: new AdaptiveLimiter(8), globalLimiter: new AdaptiveLimiter(64), retryPolicy: policy, metrics, anomalies: noAnomalies,
    });
    const overview = await new GaussDbApi(client).sessionOverview(id, new AbortController().signal);
    expect(overview.total).toBe(sim.fleet.gaussdb(id)?.overview.total);
    expect(seen).toEqual([
      'POST /hwc/v3/auth/tokens?nocatalog=true',
      `GET /hwc/v3/${project?.projectId}/instances/${id}/session-overview`,
    ]);
  });
});
