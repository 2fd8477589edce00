// Behind a corporate proxy: the exporter's cloud calls honour HTTP_PROXY / HTTPS_PROXY / NO_PROXY,
// and trust a private CA through NODE_EXTRA_CA_CERTS. A small forward/CONNECT proxy runs in this
// test on 127.0.0.1 and records every request it sees.
//   - http:// endpoints (the simulator as is): the daemon in-process, HTTP_PROXY set before it is
//     built (proxy-from-env reads the environment when an endpoint's agent is made, and the
//     transport keeps one agent per endpoint).
//   - https:// endpoints: the simulator behind TLS-terminating fronts whose certificate is signed
//     by a CA made with openssl here. NODE_EXTRA_CA_CERTS is read only at process start, so these
//     cases run the built CLI (`node dist/main.js --once`) as a child with the environment set.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Simulator } from '../../src/simulator/server.js';
import { parseExposition, seriesOf } from '../support/exposition.js';
import { makePki, type Pki } from '../server/web-support.js';
import { demoInstances, NEVER, startStack, type Stack } from '../support/stack.js';

const MAIN = join(process.cwd(), 'dist', 'main.js');
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'all_proxy'];
/** GaussDB + TaurusDB + HTAP targets of the demo fleet */
const DEMO_TARGETS = 4 + 3 + 3;

interface ProxyEntry {
  /**
   * forward: an absolute-URI request; connect: a CONNECT tunnel; tunnelled: a plain-text HTTP
   * request read inside a tunnel (hpagent tunnels http:// targets with CONNECT too). Requests
   * inside a TLS tunnel are encrypted, so the proxy cannot list them.
   */
  kind: 'forward' | 'connect' | 'tunnelled';
  method: string;
  /** the absolute URL (forward, tunnelled) or host:port (connect) */
  target: string;
}

interface TestProxy {
  url: string;
  log: ProxyEntry[];
  /** the HTTP requests it saw (forwarded, or in plain text inside a tunnel), as absolute URLs */
  requests(): URL[];
  close(): Promise<void>;
}

const REQUEST_LINE = /(GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS) (\/\S*) HTTP\/1\.[01]\r\n/g;

/** Reads the request lines of the plain-text HTTP a client sends through a tunnel. */
function requestLineReader(onRequest: (method: string, path: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('latin1');
    let end = 0;
    for (const m of pending.matchAll(REQUEST_LINE)) {
      onRequest(m[1] ?? '', m[2] ?? '');
      end = (m.index ?? 0) + m[0].length;
    }
    // Keep what may hold the start of a request line split across chunks.
    pending = pending.slice(end).slice(-4096);
  };
}

/** Only loopback targets are served: every request of this test stays on 127.0.0.1. */
function loopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost';
}

/** A forward proxy (absolute-URI requests) with CONNECT tunnels, on 127.0.0.1. */
async function startProxy(): Promise<TestProxy> {
  const log: ProxyEntry[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = http.createServer((req, res) => {
    const raw = req.url ?? '';
    if (!/^http:\/\//.test(raw)) {
      res.writeHead(400).end('a proxy expects an absolute URI');
      return;
    }
    const target = new URL(raw);
    log.push({ kind: 'forward', method: req.method ?? '', target: raw });
    if (!loopback(target.hostname)) {
      res.writeHead(403).end('only 127.0.0.1 in this test');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request({
      host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers, agent: false,
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.on('connection', track);
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const authority = req.url ?? '';
    log.push({ kind: 'connect', method: req.method ?? '', target: authority });
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
    if (!m || !loopback(m[1] ?? '')) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const read = requestLineReader((method, path) => log.push({ kind: 'tunnelled', method, target: `http://${authority}${path}` }));
    const upstream = net.connect(Number(m[2]), m[1] ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) {
        read(head);
        upstream.write(head);
      }
      client.on('data', read);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    requests: () => log.filter((e) => e.kind !== 'connect').map((e) => new URL(e.target)),
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

interface TlsFront {
  url: string;
  /** paths (with query) it forwarded */
  paths: string[];
  close(): Promise<void>;
}

/** An https:// front on 127.0.0.1 that passes every request on to an http:// origin. */
async function startTlsFront(origin: string, pki: Pki): Promise<TlsFront> {
  const paths: string[] = [];
  const to = new URL(origin);
  const server = https.createServer({ cert: pki.read(pki.server.cert), key: pki.read(pki.server.key) }, (req, res) => {
    paths.push(req.url ?? '');
    // Headers pass unchanged (Host included), so an AK/SK signature over the front's host still holds.
    const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** Replaces the proxy variables of this process (all spellings) for one test. */
const savedEnv = new Map<string, string | undefined>();
function setProxyEnv(vars: Record<string, string>): void {
  for (const name of PROXY_VARS) {
    if (!savedEnv.has(name)) savedEnv.set(name, process.env[name]);
    delete process.env[name];
  }
  Object.assign(process.env, vars);
}

afterEach(() => {
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  savedEnv.clear();
});

function upValues(text: string): number[] {
  return [...seriesOf(parseExposition(text), 'huaweicloud_db_up').values()];
}

/** Path of the simulator's APIs a request went to, without the ids: /v3/{p}/instances/{i}/htap → htap. */
function apiOf(path: string): string {
  const pathname = path.split('?')[0] ?? '';
  if (/^\/v3\/auth\/tokens$/.test(pathname)) return 'iam token';
  if (/\/session-overview$/.test(pathname)) return 'session-overview';
  if (/\/htap\/process$/.test(pathname)) return 'htap/process';
  if (/\/htap$/.test(pathname)) return 'htap';
  return `other ${pathname}`;
}

describe('HTTP_PROXY with http:// endpoints (daemon in-process)', () => {
  let proxy: TestProxy;
  let stack: Stack | undefined;

  beforeAll(async () => {
    proxy = await startProxy();
  });

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    proxy.log.length = 0;
  });

  afterAll(async () => {
    await proxy.close();
  });

  it('sends every cloud call through the proxy, and every target succeeds', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url });
    stack = await startStack({ name: 'integration-proxy-forward', auth: 'password' });
    await stack.ready(10_000);
    const { text } = await stack.scrape();
    const up = upValues(text);
    expect(up).toHaveLength(DEMO_TARGETS);
    expect(up.every((v) => v === 1)).toBe(true);

    // Every connection the proxy made went to the simulator (tunnels or forwarded requests).
    const simOrigins = new Set(Object.values(stack.sim.endpoints).map((e) => new URL(e).origin));
    const simHosts = new Set([...simOrigins].map((o) => new URL(o).host));
    expect(proxy.log.length).toBeGreaterThan(0);
    for (const entry of proxy.log) {
      expect(entry.kind === 'connect' ? simHosts.has(entry.target) : simOrigins.has(new URL(entry.target).origin)).toBe(true);
    }
    // The proxy's log lists the simulator's paths: the token, the overviews, the HTAP lists and processes.
    const seen = proxy.requests().map((u) => `${u.pathname}${u.search}`);
    expect(new Set(seen.map(apiOf))).toEqual(new Set(['iam token', 'session-overview', 'htap', 'htap/process']));
    for (const g of stack.sim.fleet.projects[0]?.gaussdb ?? []) {
      expect(seen.some((p) => p.endsWith(`/instances/${g.id}/session-overview`))).toBe(true);
    }
    // Every request the simulator answered came through the proxy: nothing went around it.
    const simSeen = stack.sim.requests.entries().map((r) => r.path).sort();
    expect(seen.map((p) => p.split('?')[0]).sort()).toEqual(simSeen);
  });

  it('(the test proxy also forwards absolute-URI requests, the other way clients use an HTTP proxy)', async () => {
    setProxyEnv({});
    stack = await startStack({ name: 'integration-proxy-self-check' });
    const fleetUrl = `${stack.sim.endpoints.iam}/-/fleet`;
    const proxyUrl = new URL(proxy.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: proxyUrl.hostname, port: proxyUrl.port, method: 'GET', path: fleetUrl, agent: false }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(proxy.log).toEqual([{ kind: 'forward', method: 'GET', target: fleetUrl }]);
  });

  it('NO_PROXY=127.0.0.1 bypasses it', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    stack = await startStack({ name: 'integration-proxy-no-proxy', auth: 'password' });
    await stack.ready(10_000);
    const up = upValues((await stack.scrape()).text);
    expect(up).toHaveLength(DEMO_TARGETS);
    expect(up.every((v) => v === 1)).toBe(true);
    expect(stack.sim.requests.count()).toBeGreaterThan(0);
    expect(proxy.log).toEqual([]);
  });

  it('a proxy that does not answer fails the targets (the variable is used, not merely tolerated)', async () => {
    const closed = await startProxy();
    const deadUrl = closed.url;
    await closed.close();
    setProxyEnv({ HTTP_PROXY: deadUrl });
    stack = await startStack({ name: 'integration-proxy-dead', overrides: { http: { timeout: '2s', retries: 0, concurrency: 8 } } });
    await stack.ready(10_000);
    const up = upValues((await stack.scrape()).text);
    expect(up.length).toBeGreaterThan(0);
    expect(up.every((v) => v === 0)).toBe(true);
    expect(stack.sim.requests.count()).toBe(0);
  });
});

describe('HTTPS_PROXY with https:// endpoints and NODE_EXTRA_CA_CERTS (the built CLI, --once)', () => {
  let sim: Simulator;
  let pki: Pki;
  let fronts: { iam: TlsFront; gaussdb: TlsFront; taurusdb: TlsFront };
  let proxy: TestProxy;
  /** HTTP_PROXY points here: https:// endpoints must not use it */
  let httpOnlyProxy: TestProxy;
  let dir: string;
  let configPath: string;

  function run(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [MAIN, '--once', '--config', configPath], {
      env: { PATH: process.env.PATH ?? '', TEST_PASSWORD: sim.credentials.password, ...env }, timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
  }

  const frontPaths = (): string[] => [...fronts.iam.paths, ...fronts.gaussdb.paths, ...fronts.taurusdb.paths];

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' (npm test does it first)`);
    pki = makePki();
    sim = await Simulator.start();
    fronts = {
      iam: await startTlsFront(sim.endpoints.iam, pki),
      gaussdb: await startTlsFront(sim.endpoints.gaussdb, pki),
      taurusdb: await startTlsFront(sim.endpoints.taurusdb, pki),
    };
    proxy = await startProxy();
    httpOnlyProxy = await startProxy();
    dir = mkdtempSync(join(tmpdir(), 'hwcdb-proxy-'));
    configPath = join(dir, 'exporter.yaml');
    const project = sim.fleet.projects[0];
    const c = sim.credentials;
    writeFileSync(configPath, stringify({
      web: { listen_address: '127.0.0.1:0' },
      collectors: { session_overview: { schedule: NEVER }, htap_instances: { schedule: NEVER }, htap_processes: { schedule: NEVER } },
      http: { timeout: '3s', retries: 0 },
      projects: [{
        region: project?.region,
        project_id: project?.projectId,
        endpoints: { iam: fronts.iam.url, gaussdb: fronts.gaussdb.url, taurusdb: fronts.taurusdb.url },
        auth: { type: 'password', domain: c.domain, user: c.user, password: '${TEST_PASSWORD}' },
        ...Object.fromEntries(Object.entries(demoInstances(sim)).map(([k, v]) => [k, { instances: v }])),
      }],
    }));
  });

  afterEach(() => {
    proxy.log.length = 0;
    httpOnlyProxy.log.length = 0;
    for (const front of Object.values(fronts)) front.paths.length = 0;
  });

  afterAll(async () => {
    await proxy?.close();
    await httpOnlyProxy?.close();
    for (const front of Object.values(fronts ?? {})) await front.close();
    await sim?.close();
    pki?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('tunnels every call through the proxy with CONNECT, trusting the private CA', async () => {
    const { status, stdout, stderr } = await run({ HTTPS_PROXY: proxy.url, HTTP_PROXY: httpOnlyProxy.url, NODE_EXTRA_CA_CERTS: pki.ca.cert });
    expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
    const up = upValues(stdout);
    expect(up).toHaveLength(DEMO_TARGETS);
    expect(up.every((v) => v === 1)).toBe(true);
    // The proxy saw tunnels to the three https:// endpoints only, with nothing readable inside
    // them (TLS end to end); the http proxy saw nothing.
    expect(proxy.log.length).toBeGreaterThan(0);
    expect(proxy.log.every((e) => e.kind === 'connect' && e.method === 'CONNECT')).toBe(true);
    expect(proxy.requests()).toEqual([]);
    expect(new Set(proxy.log.map((e) => e.target))).toEqual(new Set(Object.values(fronts).map((f) => new URL(f.url).host)));
    expect(httpOnlyProxy.log).toEqual([]);
    // Through those tunnels went the simulator's API calls (seen by the TLS fronts).
    expect(new Set(frontPaths().map(apiOf))).toEqual(new Set(['iam token', 'session-overview', 'htap', 'htap/process']));
  });

  it('without NODE_EXTRA_CA_CERTS the private CA is not trusted: every target fails, no request gets through', async () => {
    const { status, stdout, stderr } = await run({ HTTPS_PROXY: proxy.url });
    expect(status).toBe(1);
    const up = upValues(stdout);
    expect(up.length).toBeGreaterThan(0);
    expect(up.every((v) => v === 0)).toBe(true);
    expect(stderr).toMatch(/certificate/i);
    expect(proxy.log.length).toBeGreaterThan(0); // the tunnel was made; the TLS handshake inside it failed
    expect(frontPaths()).toEqual([]);
  });

  it('NO_PROXY=127.0.0.1 bypasses the proxy for https:// endpoints too', async () => {
    const { status, stdout, stderr } = await run({ HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1', NODE_EXTRA_CA_CERTS: pki.ca.cert });
    expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
    const up = upValues(stdout);
    expect(up).toHaveLength(DEMO_TARGETS);
    expect(up.every((v) => v === 1)).toBe(true);
    expect(proxy.log).toEqual([]);
    expect(frontPaths().length).toBeGreaterThan(0);
  });
});
