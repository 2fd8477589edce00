import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Poll, SnapshotStore, gaugeFamily } from '../../src/metrics/snapshot.js';
import { EXPOSITION_CONTENT_TYPE, createHandler } from '../../src/server/http.js';
import { TopSessionsStore } from '../../src/collectors/top-sessions.js';
import { StatusBoard } from '../../src/status/target-status.js';

const FAMILY = gaugeFamily('test_value', 'A value.', ['instance_id']);
const store = new SnapshotStore([{ name: 'only', families: [FAMILY] }]);
const board = new StatusBoard();
let reloadProblems: string[] = [];
let reloads = 0;
let lifecycle = true;
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

/** Sends `text` as it is on a fresh connection; resolves to the whole answer. */
function rawRequest(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
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
    operator: { version: '9.9.9', telemetryPath: '/metrics', status: board, sessions: new TopSessionsStore() },
    reload: async () => {
      reloads += 1;
      return reloadProblems;
    },
    lifecycleEnabled: () => lifecycle,
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

  it('serves the status page at / under a CSP that allows only its own stylesheet, and its JSON twin', async () => {
    const poll = new Poll('only');
    poll.described.set('i1', { name: 'first', projectId: 'p', region: 'r', instanceId: 'i1' });
    await poll.run('i1', async () => undefined);
    board.record(poll, 5);
    const page = await request('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = page.headers['content-security-policy'] ?? '';
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
    const html = page.body.toString();
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(html).not.toMatch(/<script|src=|@import|url\(/i);
    expect(html).toContain('href="/metrics"');
    expect(html).toContain('Version 9.9.9');
    expect(html).toContain('All 1 targets are up.');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const head = await request('/', 'HEAD');
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBe(page.body.length);
    const json = await request('/api/v1/targets?ignored=1');
    expect(JSON.parse(json.body.toString())).toMatchObject({ schema_version: 1, targets: [{ target_id: 'i1', name: 'first', up: true }] });
    expect((await request('/api/v1/targets', 'POST')).status).toBe(405);
  });

  it('reloads on POST and reports refused configurations with 400', async () => {
    expect((await request('/-/reload', 'POST')).status).toBe(200);
    reloadProblems = ['projects[0].region: Required'];
    const refused = await request('/-/reload', 'POST');
    expect(refused.status).toBe(400);
    expect(refused.body.toString()).toContain('projects[0].region: Required');
    expect(reloads).toBe(2);
  });

  it('answers POST /-/reload with 403 when the lifecycle API is off, and to cross-site requests', async () => {
    lifecycle = false;
    const off = await request('/-/reload', 'POST');
    expect([off.status, off.body.toString()]).toEqual([403, 'Lifecycle API is not enabled (web.enable_lifecycle).\n']);
    lifecycle = true;
    expect((await request('/-/reload', 'POST', { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await request('/-/reload', 'POST', { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await request('/-/reload', 'POST', { Origin: 'null' })).status).toBe(403);
    expect(reloads).toBe(2);
    reloadProblems = [];
    expect((await request('/-/reload', 'POST', { Origin: base })).status).toBe(200);
    expect((await request('/-/reload', 'POST', { 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
  });

  it('serves absolute-form request targets (GET http://host/metrics) and refuses other forms with 400', async () => {
    const absolute = await rawRequest(`GET http://127.0.0.1/metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(absolute.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(absolute).toContain('test_value{instance_id="i1"} 42\n');
    const star = await rawRequest('OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(star.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
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
    expect(reloads).toBe(4);
  });
});
