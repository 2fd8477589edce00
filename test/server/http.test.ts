import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Poll, SnapshotStore, gaugeFamily } from '../../src/metrics/snapshot.js';
import { EXPOSITION_CONTENT_TYPE, createHandler } from '../../src/server/http.js';
import { StatusBoard } from '../../src/status/target-status.js';

const FAMILY = gaugeFamily('test_value', 'A value.', ['instance_id']);
const store = new SnapshotStore([{ name: 'only', families: [FAMILY] }]);
let reloadProblems: string[] = [];
let reloads = 0;
let server: http.Server;
let base: string;

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

function request(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  server = http.createServer(createHandler({
    telemetryPath: '/metrics',
    exposition: () => store.current(),
    exporterMetrics: async () => {
      const body = Buffer.from('# HELP own_metric Own.\n# TYPE own_metric gauge\nown_metric 1\n');
      return { body, gzip: () => gzipSync(body) };
    },
    ready: () => store.ready,
    landing: () => ({ version: '9.9.9', collectors: [{ name: 'only', ...store.targetStats('only') }] }),
    operator: { status: new StatusBoard() },
    reload: async () => {
      reloads += 1;
      return reloadProblems;
    },
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('HTTP endpoints', () => {
  it('is not ready before the first poll, then ready', async () => {
    expect((await request('/-/ready')).status).toBe(503);
    const poll = new Poll('only');
    await poll.run('i1', async (samples) => samples.set(FAMILY, { instance_id: 'i1' }, 42));
    store.commit(poll);
    expect((await request('/-/ready')).status).toBe(200);
    expect((await request('/-/healthy')).status).toBe(200);
  });

  it('serves the last poll plus the exporter metrics, plain and gzipped', async () => {
    const plain = await request('/metrics');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe(EXPOSITION_CONTENT_TYPE);
    const text = plain.body.toString();
    expect(text).toContain('test_value{instance_id="i1"} 42\n');
    expect(text.endsWith('own_metric 1\n')).toBe(true);
    const zipped = await request('/metrics', 'GET', { 'Accept-Encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString()).toBe(text);
    const refused = await request('/metrics', 'GET', { 'Accept-Encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    const head = await request('/metrics', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(text));
  });

  it('shows a landing page with the version, the metrics link and target counts', async () => {
    const page = await request('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const html = page.body.toString();
    expect(html).toContain('href="/metrics"');
    expect(html).toContain('9.9.9');
    expect(html).toContain('<td>only</td><td>1</td><td>1</td>');
  });

  it('reloads on POST and reports refused configurations with 400', async () => {
    expect((await request('/-/reload', 'POST')).status).toBe(200);
    reloadProblems = ['projects[0].region: Required'];
    const refused = await request('/-/reload', 'POST');
    expect(refused.status).toBe(400);
    expect(refused.body.toString()).toContain('projects[0].region: Required');
    expect(reloads).toBe(2);
  });

  it('answers 404 for unknown paths and 405 with Allow for wrong methods, without stack traces', async () => {
    const missing = await request('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toBe('Not found.\n');
    const wrong = await request('/metrics', 'POST');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, HEAD');
    const getReload = await request('/-/reload');
    expect(getReload.status).toBe(405);
    expect(reloads).toBe(2);
  });
});
