// An answer's bytes are let go once read: the request path's promises may be old by then and
// would keep them until a full collection (HttpResponse.release).
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProjectClient } from '../../src/cloud/client.js';
import { GaussDbApi } from '../../src/cloud/gaussdb.js';
import { IamTokenAuthenticator } from '../../src/cloud/iam.js';
import { AdaptiveLimiter } from '../../src/cloud/limiter.js';
import { HttpTransport, type HttpRequest, type HttpResponse } from '../../src/cloud/transport.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { Simulator } from '../../src/simulator/server.js';

let stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
});

/** The real transport, keeping every answer it hands over. */
class RecordingTransport extends HttpTransport {
  readonly answers: HttpResponse[] = [];

  override async send(request: HttpRequest): Promise<HttpResponse> {
    const response = await super.send(request);
    this.answers.push(response);
    return response;
  }
}

describe('HttpResponse', () => {
  it('holds the answer as received until released', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(200, { 'x-request-id': 'r-1' }).end('{"a":"é"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const transport = new HttpTransport({ timeoutMs: 2000, maxBodyBytes: 1 << 20, maxSockets: 2, metrics: new ExporterMetrics('test') });
    stops.push(async () => transport.close());
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
    const response = await transport.send({ api: 'test', method: 'GET', url, headers: {} });
    expect([response.status, response.requestId, response.body, response.bytes.length]).toEqual([200, 'r-1', '{"a":"é"}', 10]);
    response.release();
    expect([response.body, response.bytes.length, response.status, response.requestId]).toEqual(['', 0, 200, 'r-1']);
  });

  it('is released by the client once parsed', async () => {
    const sim = await Simulator.start();
    stops.push(() => sim.close());
    const metrics = new ExporterMetrics('test');
    const transport = new RecordingTransport({ timeoutMs: 2000, maxBodyBytes: 1 << 20, maxSockets: 8, metrics });
    stops.push(async () => transport.close());
    const project = sim.fleet.projects[0];
    const id = project?.gaussdb[0]?.id ?? '';
    const policy = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
    const auth = new IamTokenAuthenticator(sim.endpoints.iam, project?.projectId ?? '',
      { domain: sim.credentials.domain, user: sim.credentials.user, password: sim.credentials.password }, transport, policy, metrics);
    const client = new ProjectClient({
      projectId: project?.projectId ?? '', region: 'ap-southeast-1', endpoints: { iam: sim.endpoints.iam, gaussdb: sim.endpoints.gaussdb, taurusdb: undefined },
      auth, transport, limiter: new AdaptiveLimiter(8), globalLimiter: new AdaptiveLimiter(64), retryPolicy: policy, metrics,
      anomalies: { answerAnomaly: (): void => undefined },
    });
    const overview = await new GaussDbApi(client).sessionOverview(id, new AbortController().signal);
    expect(overview.total).toBe(sim.fleet.gaussdb(id)?.overview.total);
    // the IAM token's answer (read by the authenticator, not released) and the overview's
    expect(transport.answers.map((answer) => answer.bytes.length === 0)).toEqual([false, true]);
  });
});
