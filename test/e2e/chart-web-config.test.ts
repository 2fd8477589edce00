// The chart's first-class web config, proved end to end: for each mode (basic auth, TLS, TLS with
// client certificates and basic auth) `helm template` renders the web config Secret, the config
// pointing at it and the exec probes; then the real exporter runs with exactly those files (the
// container paths mapped into a folder here) and the probe command taken from the pod spec must
// pass, while the same probe without its credentials must fail.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import bcrypt from 'bcrypt';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { Simulator } from '../../src/simulator/server.js';
import { makePki, type Pki } from '../server/web-support.js';
import { get, getOptional, list, obj, objs, str, type Doc } from './documents.js';
import { runTool } from './tools.js';
import { freePort } from '../support/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(ROOT, 'helm', 'huaweicloud-db-exporter');
const ONE_PROJECT = join(ROOT, 'test', 'e2e', 'chart', 'one-project.yaml');
const WEB_DIR = '/etc/huaweicloud-db-exporter-web';
const CONFIG_DIR = '/etc/huaweicloud-db-exporter';
const PASSWORD = 'probe-pass-word';

let sim: Simulator;
let pki: Pki;
let work: string;

beforeAll(async () => {
  sim = await Simulator.start();
  pki = makePki();
  work = mkdtempSync(join(tmpdir(), 'hwcdb-chart-web-'));
});

afterAll(async () => {
  await sim.close();
  pki.remove();
  rmSync(work, { recursive: true, force: true });
});


function render(values: Record<string, unknown>): Doc[] {
  const file = join(work, `values-${Date.now()}.yaml`);
  writeFileSync(file, stringify(values));
  const res = runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, '-f', file]);
  if (res.status !== 0) throw new Error(`helm template failed: ${res.stderr}`);
  return parseAllDocuments(res.stdout).map((d) => d.toJS() as unknown).filter(Boolean).map((d) => obj(d));
}

/** Runs a command to its end (asynchronously: the simulator in this process must keep answering). */
function exec(command: string, args: string[], timeoutMs: number): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args);
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ status: code ?? -1, output }); });
  });
}

interface Mode {
  name: string;
  webConfig: Record<string, unknown>;
  tls: boolean;
  clientCert: boolean;
  basicAuth: boolean;
}

const MODES: Mode[] = [
  { name: 'basic auth', tls: false, clientCert: false, basicAuth: true, webConfig: {} },
  { name: 'TLS', tls: true, clientCert: false, basicAuth: false, webConfig: {} },
  { name: 'TLS with client certificates and basic auth', tls: true, clientCert: true, basicAuth: true, webConfig: {} },
];

function valuesFor(mode: Mode): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (mode.tls) {
    config.tls_server_config = {
      cert_file: `${WEB_DIR}/tls/tls.crt`,
      key_file: `${WEB_DIR}/tls/tls.key`,
      ...(mode.clientCert ? { client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: `${WEB_DIR}/tls/ca.crt` } : {}),
    };
  }
  if (mode.basicAuth) config.basic_auth_users = { prometheus: bcrypt.hashSync(PASSWORD, 4) };
  return {
    webConfig: {
      config,
      tlsSecret: mode.tls ? 'exporter-tls' : '',
      probe: {
        basicAuthUser: mode.basicAuth ? 'prometheus' : '',
        basicAuthPasswordSecret: { name: mode.basicAuth ? 'exporter-probe' : '', key: 'password' },
        clientCertSecret: mode.clientCert ? 'exporter-probe-tls' : '',
      },
    },
    serviceMonitor: { enabled: true },
  };
}

describe.each(MODES)('web config: $name', (mode) => {
  let docs: Doc[];
  let probe: (path: string) => string[];

  beforeAll(() => {
    docs = render(valuesFor(mode));
  });

  test('renders the web config Secret, points config.web.config_file at it, exec probes, ServiceMonitor scheme', () => {
    const secret = docs.find((d) => d.kind === 'Secret' && str(d, 'metadata', 'name').endsWith('-web-config'));
    expect(secret).toBeDefined();
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    const config = obj(parse(str(cm, 'data', 'config.yaml')));
    expect(get(config, 'web', 'config_file')).toBe(`${WEB_DIR}/web-config.yaml`);
    const pod = obj(docs.find((d) => d.kind === 'Deployment'), 'spec', 'template', 'spec');
    const container = obj(pod, 'containers', 0);
    for (const name of ['livenessProbe', 'readinessProbe']) {
      expect(getOptional(container, name, 'httpGet')).toBeUndefined();
      expect(list(container, name, 'exec', 'command').slice(0, 2)).toEqual(['node', '/app/dist/probe.js']);
    }
    // The password is never in the pod spec: the probe reads it from a mounted Secret.
    expect(JSON.stringify(pod)).not.toContain(PASSWORD);
    const mounts = objs(container, 'volumeMounts').map((m) => str(m, 'mountPath'));
    expect(mounts).toContain(`${WEB_DIR}/web-config.yaml`);
    if (mode.tls) expect(mounts).toContain(`${WEB_DIR}/tls`);
    if (mode.basicAuth) expect(mounts).toContain(`${WEB_DIR}/probe-password`);
    if (mode.clientCert) expect(mounts).toContain(`${WEB_DIR}/probe-tls`);
    const sm = obj(docs.find((d) => d.kind === 'ServiceMonitor'));
    expect(get(sm, 'spec', 'endpoints', 0, 'scheme')).toBe(mode.tls ? 'https' : 'http');
    const command = list(container, 'readinessProbe', 'exec', 'command').map((a) => str(a));
    probe = (path: string) => command.map((a) => (a === '/-/ready' ? path : a));
    process.stdout.write(`chart-web-config: ${mode.name}: readinessProbe exec ${command.join(' ')}\n`);
  });

  test('the probe from the pod spec passes against the real exporter configured the same way; without credentials it fails', async () => {
    const root = mkdtempSync(join(work, 'root-'));
    const map = (text: string): string => text.split(WEB_DIR).join(join(root, 'web')).split(CONFIG_DIR).join(join(root, 'config'));
    mkdirSync(join(root, 'web', 'tls'), { recursive: true });
    mkdirSync(join(root, 'web', 'probe-password'));
    mkdirSync(join(root, 'web', 'probe-tls'));
    mkdirSync(join(root, 'config'));
    // The Secrets the values name, as kubelet would mount them.
    copyFileSync(pki.server.cert, join(root, 'web', 'tls', 'tls.crt'));
    copyFileSync(pki.server.key, join(root, 'web', 'tls', 'tls.key'));
    copyFileSync(pki.ca.cert, join(root, 'web', 'tls', 'ca.crt'));
    writeFileSync(join(root, 'web', 'probe-password', 'password'), PASSWORD);
    copyFileSync(pki.client.cert, join(root, 'web', 'probe-tls', 'tls.crt'));
    copyFileSync(pki.client.key, join(root, 'web', 'probe-tls', 'tls.key'));
    // The rendered web config and config, with the container paths mapped and the simulator's project.
    const secret = docs.find((d) => d.kind === 'Secret' && str(d, 'metadata', 'name').endsWith('-web-config'));
    writeFileSync(join(root, 'web', 'web-config.yaml'), map(str(secret, 'stringData', 'web-config.yaml')));
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    const config = obj(parse(str(cm, 'data', 'config.yaml')));
    const port = await freePort();
    const project = sim.fleet.projects[0];
    config.web = { ...obj(config, 'web'), listen_address: `127.0.0.1:${port}`, config_file: map(str(config, 'web', 'config_file')) };
    config.projects = [{
      region: project?.region, project_id: project?.projectId, endpoints: sim.endpoints,
      auth: { type: 'aksk', access_key: sim.credentials.accessKey, secret_key: sim.credentials.secretKey },
      gaussdb: { instances: project?.gaussdb.map((g) => g.id) },
    }];
    const configPath = join(root, 'config', 'config.yaml');
    writeFileSync(configPath, stringify(config));

    const daemon: ChildProcess = spawn(process.execPath, [join(ROOT, 'dist', 'main.js'), '--config', configPath], { stdio: 'ignore' });
    try {
      const args = (path: string): string[] => probe(path).slice(1).map((a) => (a.startsWith('/app/') ? join(ROOT, a.slice('/app/'.length)) : map(a)));
      let result = { status: -1, output: '' };
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        result = await exec(process.execPath, args('/-/ready'), 10_000);
        if (result.status === 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      process.stdout.write(`chart-web-config: ${mode.name}: probe /-/ready exit ${result.status}\n`);
      expect(result).toEqual({ status: 0, output: '' });
      expect((await exec(process.execPath, args('/-/healthy'), 10_000)).status).toBe(0);
      // The server itself refuses what the mode demands: a wrong password (401), no client certificate.
      const refusals: Array<[string, string[]]> = [];
      if (mode.basicAuth) {
        const wrong = join(root, 'wrong-password');
        writeFileSync(wrong, 'not-the-password');
        refusals.push(['a wrong password', args('/-/healthy').map((a) => (a.endsWith('probe-password/password') ? wrong : a))]);
      }
      if (mode.clientCert) {
        const all = args('/-/healthy');
        refusals.push(['no client certificate', all.filter((a, i) => ![a, all[i - 1]].some((x) => x === '--client-cert-file' || x === '--client-key-file'))]);
      }
      for (const [what, argv] of refusals) {
        const refused = await exec(process.execPath, argv, 10_000);
        process.stdout.write(`chart-web-config: ${mode.name}: probe with ${what}: exit ${refused.status}: ${refused.output.trim()}\n`);
        expect(refused.status).toBe(1);
      }
      if (mode.tls && !mode.clientCert) {
        // TLS alone: plain HTTP gets no answer.
        await expect(fetch(`http://127.0.0.1:${port}/-/healthy`)).rejects.toThrow();
      }
    } finally {
      daemon.kill('SIGTERM');
    }
  }, 60_000);
});
