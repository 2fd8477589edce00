// Requests in flight: at most http.concurrency per project, at most http.max_in_flight across all
// projects, measured at a server that counts the requests it holds open at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/config/types.js';
import { loadConfig } from '../../src/config/load.js';
import { Exporter } from '../../src/exporter.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { captureLogs } from '../support/logs.js';

let server: http.Server;
let endpoint: string;
let open = 0;
let peak = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    open += 1;
    peak = Math.max(peak, open);
    setTimeout(() => {
      open -= 1;
      res.setHeader('Content-Type', 'application/json');
      res.end('{"active_num":"1","total_num":"2","slow_sql_num":"0","lock_num":"0"}');
    }, 30);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function peakInFlight(projects: number, concurrency: number, maxInFlight: number): Promise<number> {
  const base = await loadConfig('config/exporter.example.yaml', { HWC_ACCESS_KEY: 'x', HWC_SECRET_KEY: 'y' });
  const config: Config = {
    ...base,
    http: { timeoutMs: 5000, retries: 0, concurrency, maxInFlight },
    projects: Array.from({ length: projects }, (_, p) => ({
      region: 'ap-southeast-1',
      projectId: `project${p}`,
      endpoints: { iam: endpoint, gaussdb: endpoint, taurusdb: endpoint },
      auth: { type: 'token' as const, token: 'fixed' },
      gaussdb: { instances: Array.from({ length: 12 }, (_, i) => ({ id: `p${p}i${i}in14`, name: `i${i}` })), discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
      taurusdb: { instances: [], discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
    })),
  };
  peak = 0;
  const exporter = new Exporter(config, new ExporterMetrics('test', 0), captureLogs('limits').logger);
  await exporter.pollOnce();
  expect(exporter.store.targetStats('session_overview')).toEqual({ targets: projects * 12, up: projects * 12 });
  return peak;
}

describe('requests in flight', () => {
  it('never exceed http.concurrency for one project', async () => {
    expect(await peakInFlight(1, 4, 64)).toBe(4);
  });

  it('never exceed http.max_in_flight across projects', async () => {
    expect(await peakInFlight(3, 8, 5)).toBe(5);
  });
});
