// Deployment artefacts: Dockerfile, Helm chart, alerting rules and Grafana dashboard.
// Drives the real tools (dockerfilelint, helm, promtool); a missing tool fails the test with an
// install hint (see tools.ts and .ci/install-tools.sh).
import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { START_ENV } from '../../src/heap-tuning.js';
import { get, getOptional, list, num, obj, objs, str, type Doc } from './documents.js';
import { requireTool, run, runTool } from './tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(ROOT, 'helm', 'huaweicloud-db-exporter');
const ALL_ON = join(CHART, 'ci', 'all-on-values.yaml');
const SHARDED = join(CHART, 'ci', 'sharded-values.yaml');
const MAIN = join(ROOT, 'dist', 'main.js');
const ALERTS = join(CHART, 'files', 'alerts.yaml');
const DASHBOARD = join(CHART, 'files', 'dashboard.json');
const RULE_TESTS = join(ROOT, 'test', 'e2e', 'rules', 'alerts_test.yaml');
const CONFIG_PATH = '/etc/huaweicloud-db-exporter/config.yaml';
/** The defaults plus the one project a user must add (test/e2e/chart/one-project.yaml). */
const ONE_PROJECT = join(ROOT, 'test', 'e2e', 'chart', 'one-project.yaml');

/** `helm template` with the given flags, parsed into its documents. */
function template(...flags: string[]): { docs: Doc[]; text: string } {
  const res = runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, '--namespace', 'observability', '-f', ONE_PROJECT, ...flags], { cwd: ROOT });
  if (res.status !== 0) throw new Error(`helm template ${flags.join(' ')} failed (${res.status}):\n${res.stderr}`);
  const parsed = parseAllDocuments(res.stdout);
  const docs: Doc[] = [];
  for (const doc of parsed) {
    if (doc.errors.length > 0) throw new Error(`helm template output is not valid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value) docs.push(obj(value));
  }
  return { docs, text: res.stdout };
}

function only(docs: Doc[], kind: string): Doc {
  const matches = docs.filter((d) => d.kind === kind);
  expect(matches.map((d) => d.kind)).toEqual([kind]);
  return obj(matches, 0);
}

function kinds(docs: Doc[]): string[] {
  return docs.map((d) => str(d, 'kind')).sort();
}

function container(docs: Doc[]): Doc {
  const containers = objs(only(docs, 'Deployment'), 'spec', 'template', 'spec', 'containers');
  expect(containers).toHaveLength(1);
  return obj(containers, 0);
}

function podAnnotations(docs: Doc[]): Doc {
  return obj(only(docs, 'Deployment'), 'spec', 'template', 'metadata', 'annotations');
}

/** The exporter's config file as the chart renders it into its ConfigMap. */
function renderedConfig(docs: Doc[]): Doc {
  const cm = docs.find((d) => d.kind === 'ConfigMap' && typeof getOptional(d, 'data', 'config.yaml') === 'string');
  return obj(parse(str(cm, 'data', 'config.yaml')));
}

/** Runs the built exporter's --check-config on a config document, with the chart's credential variables set. */
function checkConfig(config: Doc): { status: number; output: string } {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' (npm run test:e2e does it first)`);
  const dir = mkdtempSync(join(tmpdir(), 'hwcdb-chart-config-'));
  try {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(config));
    const res = run(process.execPath, [MAIN, '--check-config', '--config', file], {
      env: { PATH: process.env.PATH ?? '', HWC_ACCESS_KEY: 'ak', HWC_SECRET_KEY: 'sk', HWC_PASSWORD: 'pw', HWC_TOKEN: 'tok' },
    });
    return { status: res.status, output: res.stdout + res.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  test('dockerfilelint reports no finding', () => {
    const bin = join(ROOT, 'node_modules', 'dockerfilelint', 'bin', 'dockerfilelint');
    const res = run(process.execPath, [bin, 'Dockerfile'], { cwd: ROOT });
    expect(`${res.stdout}${res.stderr}`).toContain('Issues: None found');
    expect(res.status).toBe(0);
  });

  test('multi-stage on an exactly pinned Node LTS slim image', () => {
    const froms = instructions.filter((l) => /^FROM\s/i.test(l));
    expect(froms).toHaveLength(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:(2[02468])\.\d+\.\d+-[a-z]+-slim(\s|$)/);
    expect(froms[0]).toMatch(/\sAS\s+build$/i);
    // Build stage: all dependencies and the compiler; runtime stage: production dependencies only.
    const runtime = instructions.slice(instructions.indexOf(froms[1] as string));
    const build = instructions.slice(0, instructions.indexOf(froms[1] as string));
    // npm ci takes the proxy CA bundle as an optional BuildKit secret (never a layer).
    const ci = 'RUN --mount=type=secret,id=ca,required=false NODE_EXTRA_CA_CERTS=/run/secrets/ca npm ci';
    expect(build.join('\n').replace(/\s+/g, ' ')).toContain(`${ci} --ignore-scripts`);
    expect(build.join('\n')).toMatch(/RUN npm run build\b/);
    expect(runtime.join('\n').replace(/\s+/g, ' ')).toContain(`${ci} --omit=dev`);
    expect(runtime.join('\n')).toMatch(/COPY --from=build \S*dist \.\/dist/);
    expect(dockerfile).not.toMatch(/^\s*ADD\s/m);
  });

  test('runs as a numeric non-root user with the documented entrypoint, port and labels', () => {
    const users = instructions.filter((l) => /^USER\s/.test(l));
    expect(users).toHaveLength(1);
    expect(users[0]).toMatch(/^USER [1-9]\d*(:\d+)?$/);
    expect(instructions).toContain('EXPOSE 10110');
    expect(instructions).toContain('ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/dist/main.js"]');
    expect(instructions).toContain(`CMD ["--config", "${CONFIG_PATH}"]`);
    for (const label of ['title', 'description', 'version', 'revision', 'created', 'licenses']) {
      expect(dockerfile).toContain(`org.opencontainers.image.${label}=`);
    }
    expect(instructions.join('\n')).toMatch(/^HEALTHCHECK .*\/-\/healthy/m);
  });

  test('.dockerignore keeps local build output and secrets out of the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split(/\r?\n/).map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.test-results', '.env']) expect(ignored).toContain(entry);
  });
});

describe('Helm chart', () => {
  test('a default install fails at once and says what to set (instead of pods that crash-loop)', () => {
    for (const args of [['install', '--dry-run=client', 'hwc', CHART], ['template', 'hwc', CHART]]) {
      const res = runTool('helm', args);
      expect({ args, status: res.status === 0 ? 0 : 'refused' }).toEqual({ args, status: 'refused' });
      expect(res.stderr + res.stdout).toContain('config.projects is empty: the exporter needs at least one (region, project) to poll');
      expect(res.stderr + res.stdout).toContain('auth: {type: aksk, access_key: "${HWC_ACCESS_KEY}"');
    }
  });

  test('helm lint --strict passes with the defaults alone and with one project', () => {
    const defaults = runTool('helm', ['lint', '--strict', CHART]);
    expect(defaults.stderr + defaults.stdout).toContain('0 chart(s) failed');
    expect(defaults.stderr + defaults.stdout).not.toContain('icon is recommended');
    const res = runTool('helm', ['lint', '--strict', CHART, '-f', ONE_PROJECT]);
    expect(res.stderr + res.stdout).toContain('0 chart(s) failed');
    expect(res.status).toBe(0);
  });

  test('helm lint --strict passes with ci/all-on-values.yaml', () => {
    const res = runTool('helm', ['lint', '--strict', CHART, '-f', ALL_ON]);
    expect(res.stderr + res.stdout).toContain('0 chart(s) failed');
    expect(res.status).toBe(0);
  });

  test('helm lint --strict passes with ci/sharded-values.yaml', () => {
    const res = runTool('helm', ['lint', '--strict', CHART, '-f', SHARDED]);
    expect(res.stderr + res.stdout).toContain('0 chart(s) failed');
    expect(res.status).toBe(0);
  });

  test('default values render the core objects only', () => {
    const { docs } = template();
    expect(kinds(docs)).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service', 'ServiceAccount']);
    for (const doc of docs) expect(get(doc, 'metadata', 'namespace')).toBe('observability');
  });

  test('the Deployment is locked down: non-root, read-only root, no capabilities, seccomp', () => {
    const { docs } = template();
    const pod = obj(only(docs, 'Deployment'), 'spec', 'template', 'spec');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    const c = container(docs);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(get(c, 'resources', 'requests')).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(get(c, 'resources', 'limits')).toMatchObject({ memory: expect.any(String) });
    // Nothing writable is mounted: the exporter needs no /tmp.
    for (const mount of objs(c, 'volumeMounts')) expect(mount.readOnly).toBe(true);
  });

  test('probes, port and configuration mount', () => {
    const { docs } = template();
    const c = container(docs);
    expect(c.ports).toEqual([{ name: 'http-metrics', containerPort: 10110, protocol: 'TCP' }]);
    expect(get(c, 'livenessProbe', 'httpGet')).toMatchObject({ path: '/-/healthy', port: 'http-metrics' });
    expect(get(c, 'readinessProbe', 'httpGet')).toMatchObject({ path: '/-/ready', port: 'http-metrics' });
    expect(list(c, 'args').slice(0, 2)).toEqual(['--config', CONFIG_PATH]);
    expect(c.image).toBe('huaweicloud-db-exporter:0.1.0');
    const mount = objs(c, 'volumeMounts').find((m) => m.name === 'config');
    expect(mount?.mountPath).toBe('/etc/huaweicloud-db-exporter');
    const service = only(docs, 'Service');
    expect(get(service, 'spec', 'ports')).toEqual([{ name: 'http-metrics', port: 10110, targetPort: 'http-metrics', protocol: 'TCP' }]);
    expect(get(service, 'spec', 'selector')).toEqual(get(only(docs, 'Deployment'), 'spec', 'selector', 'matchLabels'));
  });

  test('the ConfigMap carries .Values.config as the exporter config file', () => {
    const { docs } = template('-f', ALL_ON);
    const cm = docs.find((d) => d.kind === 'ConfigMap' && typeof getOptional(d, 'data', 'config.yaml') === 'string');
    const config = obj(parse(str(cm, 'data', 'config.yaml')));
    const values = obj(parse(readFileSync(ALL_ON, 'utf8')));
    expect(config).toEqual(values.config);
    expect(get(config, 'projects', 0, 'auth', 'secret_key')).toBe('${HWC_SECRET_KEY}');
  });

  test('a listen address on another port moves the container port and the probes with it', () => {
    const { docs } = template('--set', 'config.web.listen_address=[::]:9999', '--set', 'config.web.telemetry_path=/m',
      '--set', 'serviceMonitor.enabled=true');
    const c = container(docs);
    expect(get(c, 'ports', 0, 'containerPort')).toBe(9999);
    expect(get(c, 'livenessProbe', 'httpGet', 'port')).toBe('http-metrics');
    expect(get(only(docs, 'ServiceMonitor'), 'spec', 'endpoints', 0, 'path')).toBe('/m');
  });

  test('checksum annotations restart the pods when the config or the Secret changes', () => {
    const base = podAnnotations(template().docs);
    expect(base['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(base['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    const again = podAnnotations(template().docs);
    expect(again['checksum/config']).toBe(base['checksum/config']);

    const configChanged = podAnnotations(template('--set', 'config.http.timeout=20s').docs);
    expect(configChanged['checksum/config']).not.toBe(base['checksum/config']);
    expect(configChanged['checksum/secret']).toBe(base['checksum/secret']);

    const secretChanged = podAnnotations(template('--set', 'auth.secretKey=other').docs);
    expect(secretChanged['checksum/secret']).not.toBe(base['checksum/secret']);
    expect(secretChanged['checksum/config']).toBe(base['checksum/config']);
  });

  test('credentials go to the Secret only, and reach the container as env references', () => {
    const secretValue = 'sk-test-value';
    const accessValue = 'AK-TEST-VALUE';
    const { docs } = template('--set', `auth.secretKey=${secretValue}`, '--set', `auth.accessKey=${accessValue}`);
    const secret = only(docs, 'Secret');
    const decoded = Object.fromEntries(
      Object.entries(obj(secret, 'data')).map(([k, v]) => [k, Buffer.from(str(v), 'base64').toString('utf8')]),
    );
    expect(decoded).toEqual({ 'secret-key': secretValue, 'access-key': accessValue });
    for (const doc of docs.filter((d) => d.kind !== 'Secret')) {
      const text = JSON.stringify(doc);
      for (const value of [secretValue, accessValue]) {
        expect(text).not.toContain(value);
        expect(text).not.toContain(Buffer.from(value).toString('base64'));
      }
    }
    const env = objs(container(docs), 'env');
    const byName = Object.fromEntries(env.map((e) => [str(e, 'name'), e]));
    const secretName = get(secret, 'metadata', 'name');
    expect(byName.HWC_SECRET_KEY).toEqual({
      name: 'HWC_SECRET_KEY',
      valueFrom: { secretKeyRef: { name: secretName, key: 'secret-key', optional: true } },
    });
    expect(get(byName, 'HWC_ACCESS_KEY', 'valueFrom', 'secretKeyRef')).toMatchObject({ name: secretName, key: 'access-key' });
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['HWC_PASSWORD', 'HWC_TOKEN']));
    for (const e of env.filter((x) => str(x, 'name').startsWith('HWC_'))) expect(e.value).toBeUndefined();
  });

  test.each([
    ['a misspelt key', ['--set', 'config.projects[0].gaussdb.instaces[0]=abc123in14'], /config\/projects\/0\/gaussdb.*instaces/s],
    ['a duration in days', ['--set', 'config.http.timeout=1d'], /config\/http\/timeout/],
    ['a literal secret', ['--set', 'config.projects[0].auth.secret_key=plain-secret'], /config\/projects\/0\/auth.*secret_key/s],
  ])('the schema generated from the exporter\'s refuses %s, naming the path', (_what, flags, path) => {
    const res = runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, ...flags]);
    process.stdout.write(`chart-schema: helm template ${flags.join(' ')}: exit ${res.status}: ${res.stderr.trim().split('\n').slice(0, 4).join(' | ')}\n`);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(path);
    expect(res.stderr).not.toContain('plain-secret');
  });

  test('values outside the schema are refused', () => {
    expect(runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, '--set', 'replicaCount=two']).status).not.toBe(0);
    expect(runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, '--set', 'serviceMonitr.enabled=true']).status).not.toBe(0);
  });

  test('auth.existingSecret: no chart Secret, env from the existing one with its key names', () => {
    const { docs } = template('--set', 'auth.existingSecret=hwc-creds', '--set', 'auth.secretKeys.secretKey=sk',
      '--set', 'auth.secretKey=ignored-value');
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
    const env = objs(container(docs), 'env');
    const sk = env.find((e) => e.name === 'HWC_SECRET_KEY');
    expect(getOptional(sk, 'valueFrom', 'secretKeyRef')).toEqual({ name: 'hwc-creds', key: 'sk', optional: true });
    expect(podAnnotations(docs)['checksum/secret']).toBeUndefined();
    expect(JSON.stringify(docs)).not.toContain('ignored-value');
  });

  test('ci/all-on-values.yaml renders every optional object', () => {
    const { docs } = template('-f', ALL_ON);
    expect(kinds(docs)).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor']);
    const deployment = only(docs, 'Deployment');
    const pod = obj(deployment, 'spec', 'template', 'spec');
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.tolerations).toHaveLength(1);
    expect(get(pod, 'affinity', 'nodeAffinity')).toBeDefined();
    expect(pod.serviceAccountName).toBe('hwc-db-exporter');
    expect(get(deployment, 'spec', 'template', 'metadata', 'annotations', 'example.com/scrape-owner')).toBe('dba');
    expect(get(deployment, 'spec', 'template', 'metadata', 'labels')).toMatchObject({ tier: 'monitoring', team: 'dba' });
    const c = obj(pod, 'containers', 0);
    expect(c.image).toMatch(/^registry\.example\.com\/observability\/huaweicloud-db-exporter@sha256:[0-9a-f]{64}$/);
    expect(objs(c, 'env').map((e) => e.name)).toEqual(expect.arrayContaining(['TZ', 'HWC_SECRET_KEY']));
    expect(objs(c, 'volumeMounts').map((m) => m.name)).toEqual(['config', 'web-config']);
    expect(objs(pod, 'volumes').map((v) => v.name)).toEqual(['config', 'web-config']);
    expect(c.args).toEqual(['--config', CONFIG_PATH, '--log-level', 'debug']);
    // No command: the image's entrypoint, with the node options of src/heap-tuning.ts, starts it,
    // in the image's environment for glibc.
    expect(c.command).toBeUndefined();
    for (const name of Object.keys(START_ENV)) expect(objs(c, 'env').map((e) => e.name)).not.toContain(name);
    for (const doc of docs) expect(get(doc, 'metadata', 'labels')).toMatchObject({ team: 'dba', 'cost-center': '1234' });

    const sm = only(docs, 'ServiceMonitor');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(get(sm, 'metadata', 'namespace')).toBe('monitoring');
    expect(get(sm, 'metadata', 'labels', 'release')).toBe('kube-prometheus-stack');
    expect(get(sm, 'spec', 'namespaceSelector')).toEqual({ matchNames: ['observability'] });
    expect(get(sm, 'spec', 'selector', 'matchLabels')).toEqual(get(deployment, 'spec', 'selector', 'matchLabels'));
    expect(get(sm, 'spec', 'jobLabel')).toBe('app.kubernetes.io/name');
    expect(get(sm, 'spec', 'endpoints')).toHaveLength(1);
    expect(get(sm, 'spec', 'endpoints', 0)).toMatchObject({ port: 'http-metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' });
    expect(get(sm, 'spec', 'endpoints', 0, 'metricRelabelings')).toHaveLength(1);
  });

  test('the PrometheusRule holds exactly the rules of files/alerts.yaml, the exporter selector aside', () => {
    const { docs } = template('-f', ALL_ON);
    const rule = only(docs, 'PrometheusRule');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(get(rule, 'metadata', 'labels', 'release')).toBe('kube-prometheus-stack');
    // test/e2e/alert-rules.test.ts covers the selector and the other rule values.
    const file = readFileSync(ALERTS, 'utf8').replaceAll('job=~".*huaweicloud-db-exporter.*"', 'namespace="observability", service="hwc-huaweicloud-db-exporter"');
    expect(get(rule, 'spec', 'groups')).toEqual(obj(parse(file)).groups);
    // The alert templates reach Prometheus untouched by Helm.
    expect(JSON.stringify(get(rule, 'spec', 'groups'))).toContain('{{ $labels.instance_id }}');
  });

  test('the dashboard ConfigMap has the sidecar label and valid dashboard JSON', () => {
    const { docs } = template('-f', ALL_ON, '--set', 'grafanaDashboard.sidecarLabelValue=yes');
    const cm = docs.find((d) => d.kind === 'ConfigMap' && str(d, 'metadata', 'name').endsWith('-dashboard'));
    expect(cm).toBeDefined();
    expect(get(cm, 'metadata', 'labels', 'grafana_dashboard')).toBe('yes');
    expect(get(cm, 'metadata', 'namespace')).toBe('monitoring');
    expect(get(cm, 'metadata', 'annotations')).toEqual({ grafana_folder: 'Databases' });
    const files = Object.keys(obj(cm, 'data'));
    expect(files).toEqual(['huaweicloud-db-exporter.json']);
    const dashboard: unknown = JSON.parse(str(cm, 'data', files[0] ?? ''));
    expect(dashboard).toEqual(JSON.parse(readFileSync(DASHBOARD, 'utf8')));

    const defaults = template('--set', 'grafanaDashboard.enabled=true').docs;
    const cm2 = defaults.find((d) => d.kind === 'ConfigMap' && str(d, 'metadata', 'name').endsWith('-dashboard'));
    expect(get(cm2, 'metadata', 'labels', 'grafana_dashboard')).toBe('1');
    expect(get(cm2, 'metadata', 'namespace')).toBe('observability');
  });
});

describe('Helm chart: sharding and discovery', () => {
  /** The exporter container of a workload. */
  function exporterOf(workload: Doc): Doc {
    const containers = objs(workload, 'spec', 'template', 'spec', 'containers');
    expect(containers).toHaveLength(1);
    return obj(containers, 0);
  }

  test('ci/sharded-values.yaml: a StatefulSet instead of the Deployment, behind a headless Service', () => {
    const { docs } = template('-f', SHARDED);
    expect(kinds(docs)).toEqual(['ConfigMap', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor', 'StatefulSet']);
    const sts = only(docs, 'StatefulSet');
    expect(sts.apiVersion).toBe('apps/v1');
    expect(get(sts, 'metadata', 'namespace')).toBe('observability');
    expect(get(sts, 'spec', 'replicas')).toBe(3);
    expect(get(sts, 'spec', 'podManagementPolicy')).toBe('Parallel');
    expect(get(sts, 'spec', 'strategy')).toBeUndefined();
    const service = only(docs, 'Service');
    expect(get(sts, 'spec', 'serviceName')).toBe(get(service, 'metadata', 'name'));
    expect(get(service, 'spec', 'clusterIP')).toBe('None');
    expect(get(service, 'spec', 'type')).toBe('ClusterIP');
    const selected = obj(sts, 'spec', 'selector', 'matchLabels');
    expect(get(service, 'spec', 'selector')).toEqual(selected);
    expect(get(sts, 'spec', 'template', 'metadata', 'labels')).toMatchObject(selected);
    // One ServiceMonitor over the headless Service's endpoints: every shard's pod is scraped.
    const sm = only(docs, 'ServiceMonitor');
    expect(get(sm, 'spec', 'selector', 'matchLabels')).toEqual(selected);
    expect(get(service, 'metadata', 'labels')).toMatchObject(obj(sm, 'spec', 'selector', 'matchLabels'));
    expect(get(sm, 'spec', 'endpoints')).toEqual([expect.objectContaining({ port: 'http-metrics', path: '/metrics' })]);
  });

  test('each shard gets --total-shards and POD_NAME from the downward API (its ordinal is its shard)', () => {
    const sts = only(template('-f', SHARDED).docs, 'StatefulSet');
    const c = exporterOf(sts);
    expect(c.args).toEqual(['--config', CONFIG_PATH, '--total-shards=3', '--log-level', 'info']);
    const env = objs(c, 'env');
    expect(env[0]).toEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(env.filter((e) => e.name === 'POD_NAME')).toHaveLength(1);
    expect(env.map((e) => e.name)).toEqual(expect.arrayContaining(['HWC_ACCESS_KEY', 'HWC_SECRET_KEY', 'HWC_PASSWORD', 'HWC_TOKEN']));
    expect(get(env.find((e) => e.name === 'HWC_SECRET_KEY'), 'valueFrom', 'secretKeyRef', 'name')).toBe('hwc-db-exporter-credentials');
    // --set replicas follows through to the flag.
    const five = only(template('-f', SHARDED, '--set', 'sharding.replicas=5').docs, 'StatefulSet');
    expect(get(five, 'spec', 'replicas')).toBe(5);
    expect(exporterOf(five).args).toContain('--total-shards=5');
  });

  test('the sharded pod is the Deployment\'s pod: same hardening, probes, ports, mounts and checksums', () => {
    const flags = ['--set', 'auth.secretKey=s', '--set', 'extraArgs[0]=--log-level', '--set', 'extraArgs[1]=debug'];
    const deployment = only(template(...flags).docs, 'Deployment');
    const sts = only(template(...flags, '--set', 'sharding.enabled=true', '--set', 'sharding.replicas=2').docs, 'StatefulSet');
    const podOf = (w: Doc): Doc => {
      const pod = structuredClone(obj(w, 'spec', 'template'));
      const c = obj(pod, 'spec', 'containers', 0);
      c.args = list(c, 'args').filter((a) => !str(a).startsWith('--total-shards='));
      c.env = objs(c, 'env').filter((e) => e.name !== 'POD_NAME');
      return pod;
    };
    expect(podOf(sts)).toEqual(podOf(deployment));
    const c = exporterOf(sts);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(get(sts, 'spec', 'template', 'spec', 'securityContext')).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(get(c, 'livenessProbe', 'httpGet')).toMatchObject({ path: '/-/healthy', port: 'http-metrics' });
    expect(get(c, 'readinessProbe', 'httpGet')).toMatchObject({ path: '/-/ready', port: 'http-metrics' });
    expect(c.args).toEqual(['--config', CONFIG_PATH, '--total-shards=2', '--log-level', 'debug']);
    const annotations = obj(sts, 'spec', 'template', 'metadata', 'annotations');
    expect(annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(annotations['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('sharding off (the default) keeps the Deployment and a ClusterIP Service', () => {
    const { docs } = template('-f', ALL_ON);
    expect(docs.filter((d) => d.kind === 'StatefulSet')).toEqual([]);
    expect(get(only(docs, 'Service'), 'spec', 'clusterIP')).toBeUndefined();
    expect(objs(exporterOf(only(docs, 'Deployment')), 'env').map((e) => e.name)).not.toContain('POD_NAME');
  });

  test('sharding values are validated: replicas at least 1, no unknown keys, a ClusterIP Service', () => {
    for (const flags of [['--set', 'sharding.replicas=0'], ['--set', 'sharding.replicas=two'], ['--set', 'sharding.shards=2']]) {
      const res = runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, '--set', 'sharding.enabled=true', ...flags]);
      expect({ flags, status: res.status === 0 ? 0 : 'refused' }).toEqual({ flags, status: 'refused' });
    }
    const nodePort = runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, '--set', 'sharding.enabled=true', '--set', 'service.type=NodePort']);
    expect(nodePort.status).not.toBe(0);
    expect(nodePort.stderr).toContain('service.type ClusterIP');
  });

  test('the default config carries the discovery schedule and max_in_flight, with the exporter\'s defaults', () => {
    const config = renderedConfig(template().docs);
    expect(get(config, 'collectors', 'discovery')).toEqual({ schedule: '0 */10 * * * *' });
    expect(get(config, 'http', 'max_in_flight')).toBe(64);
    const example = obj(parse(readFileSync(join(ROOT, 'config', 'exporter.example.yaml'), 'utf8')));
    expect(config.collectors).toEqual(example.collectors);
    expect(config.http).toEqual(example.http);
  });

  test('the rendered configs pass the exporter\'s own --check-config (discover, include, exclude included)', () => {
    const sharded = renderedConfig(template('-f', SHARDED).docs);
    expect(get(sharded, 'projects', 0, 'gaussdb')).toMatchObject({ discover: true, include: '^prod-', exclude: '-(tmp|test)$' });
    const project = obj(parse(readFileSync(SHARDED, 'utf8')), 'config', 'projects', 0);
    const defaults = { ...renderedConfig(template().docs), projects: [project] };
    for (const config of [sharded, defaults]) {
      const { status, output } = checkConfig(config);
      expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('configuration is valid') });
    }
    // The check is real: a bad include regex is refused.
    const broken = structuredClone(sharded);
    obj(broken, 'projects', 0, 'gaussdb').include = '(';
    expect(checkConfig(broken).status).toBe(2);
  });

  test('discovery keys outside the values schema are refused', () => {
    const base = ['template', 'hwc', CHART, '--set', 'config.projects[0].region=r', '--set', 'config.projects[0].project_id=p',
      '--set', 'config.projects[0].auth.type=token', '--set', 'config.projects[0].auth.token=${HWC_TOKEN}'];
    expect(runTool('helm', [...base, '--set', 'config.projects[0].gaussdb.discover=yes']).status).not.toBe(0);
    expect(runTool('helm', [...base, '--set', 'config.http.max_in_flight=0']).status).not.toBe(0);
    expect(runTool('helm', [...base, '--set', 'config.projects[0].taurusdb.discover=true']).status).toBe(0);
  });
});

describe('Grafana dashboard', () => {
  const dashboard = obj(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  const panels = objs(dashboard, 'panels');
  const variables = objs(dashboard, 'templating', 'list');

  test('Grafana 10+ schema with a prometheus datasource variable used everywhere', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(dashboard.uid).toBe('huaweicloud-db-exporter');
    // Grafana's import dialog asks for the data source; only the datasource variable's current
    // value names the input, so a provisioned copy (the sidecar fills in no inputs) falls back to
    // the default data source.
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(JSON.stringify(dashboard).split('${DS_PROMETHEUS}').length - 1).toBe(2);
    expect(get(variables.find((v) => v.name === 'datasource'), 'current', 'value')).toBe('${DS_PROMETHEUS}');
    const ds = variables.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const targets = panels.flatMap((p) => objs(p.targets ?? []));
    expect(targets.length).toBeGreaterThan(30);
    for (const p of panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    for (const t of targets) {
      expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(typeof t.expr).toBe('string');
      expect(str(t, 'expr').length).toBeGreaterThan(0);
    }
    for (const v of variables.filter((x) => x.type === 'query')) {
      expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  test('panels have unique ids and do not overlap', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels) {
      const [x, y, w, h] = [num(p, 'gridPos', 'x'), num(p, 'gridPos', 'y'), num(p, 'gridPos', 'w'), num(p, 'gridPos', 'h')];
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const key = `${i},${j}`;
          expect(cells.has(key) ? `${p.title} overlaps at ${key}` : '').toBe('');
          cells.add(key);
        }
      }
    }
  });

  test('rows and per-instance variables that show names from the _info metrics', () => {
    expect(panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'Fleet overview', 'GaussDB instance: $gaussdb', 'TaurusDB HTAP: $taurusdb / $htap', 'Exporter health',
    ]);
    const byName = Object.fromEntries(variables.map((v) => [str(v, 'name'), v]));
    expect(Object.keys(byName)).toEqual(['datasource', 'job', 'gaussdb', 'taurusdb', 'htap']);
    expect(get(byName, 'gaussdb', 'definition')).toContain('huaweicloud_gaussdb_instance_info');
    expect(get(byName, 'taurusdb', 'definition')).toContain('huaweicloud_taurusdb_instance_info');
    expect(get(byName, 'htap', 'definition')).toContain('huaweicloud_taurusdb_htap_instance_info');
    // Value = id, text = name, from a line such as {instance_id="x", name="billing"} 1 1700000000.
    for (const [name, idLabel] of [['gaussdb', 'instance_id'], ['taurusdb', 'instance_id'], ['htap', 'htap_instance_id']] as const) {
      const source = String(get(byName, name, 'regex'));
      const m = /^\/(.*)\/([a-z]*)$/.exec(source);
      expect(m).not.toBeNull();
      const re = new RegExp(m?.[1] ?? '', m?.[2]);
      const line = `{${idLabel}="abc123in14", name="billing"} 1 1700000000`;
      expect(re.exec(line)?.groups).toEqual({ value: 'abc123in14', text: 'billing' });
      // engine_name must not be taken for name, nor htap_instance_id for instance_id.
      const htapLine = '{engine_name="clickhouse", htap_instance_id="h1in17", instance_id="t1in07", name="olap"} 1 1';
      expect(re.exec(htapLine)?.groups?.text).toBe('olap');
    }
    const exprs = panels.flatMap((p) => objs(p.targets ?? []).map((t) => str(t, 'expr'))).join('\n');
    for (const metric of [
      'huaweicloud_db_up', 'huaweicloud_db_last_success_timestamp_seconds',
      'huaweicloud_gaussdb_sessions', 'huaweicloud_gaussdb_sessions_active', 'huaweicloud_gaussdb_sessions_slow_sql',
      'huaweicloud_gaussdb_sessions_lock_waiting', 'huaweicloud_taurusdb_htap_sessions{',
      'huaweicloud_taurusdb_htap_session_max_duration_seconds', 'huaweicloud_taurusdb_htap_sessions_long_running',
      'huaweicloud_taurusdb_htap_sessions_by_user', 'huaweicloud_taurusdb_htap_sessions_by_database',
      'huaweicloud_taurusdb_htap_instance_status', 'huaweicloud_taurusdb_htap_instance_frozen',
      'huaweicloud_taurusdb_htap_instance_restart_pending', 'huaweicloud_db_exporter_poll_duration_seconds_bucket',
      'huaweicloud_db_exporter_api_requests_total', 'huaweicloud_db_exporter_api_throttled_total',
      'huaweicloud_db_exporter_polls_skipped_total',
    ]) {
      expect(exprs).toContain(metric);
    }
    expect(exprs).toContain('instance_id=~"$gaussdb"');
    expect(exprs).toContain('htap_instance_id=~"$htap"');
  });
});

describe('alerting rules', () => {
  test('promtool check rules accepts files/alerts.yaml', () => {
    const res = runTool('promtool', ['check', 'rules', ALERTS]);
    expect(res.stdout + res.stderr).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });

  test('every rule has for, a severity and annotations', () => {
    const file = parse(readFileSync(ALERTS, 'utf8'));
    const rules = objs(file, 'groups').flatMap((g) => objs(g, 'rules'));
    expect(rules.length).toBeGreaterThanOrEqual(11);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^HuaweiCloud[A-Za-z]+$/);
      expect(rule.for).toMatch(/^\d+m$/);
      expect(['info', 'warning', 'critical']).toContain(getOptional(rule, 'labels', 'severity'));
      expect(typeof getOptional(rule, 'annotations', 'summary')).toBe('string');
      expect(typeof getOptional(rule, 'annotations', 'description')).toBe('string');
    }
  });

  test('promtool test rules: every rule is unit-tested, firing and not firing', () => {
    // alerts_test.yaml and the other test files of the plain rules file (credentials_test.yaml)
    const ruleTests = [RULE_TESTS, join(ROOT, 'test', 'e2e', 'rules', 'credentials_test.yaml')];
    const res = runTool('promtool', ['test', 'rules', ...ruleTests], { cwd: ROOT });
    expect(res.stdout + res.stderr).toContain('SUCCESS');
    expect(res.status).toBe(0);
    const file = parse(readFileSync(ALERTS, 'utf8'));
    const alerts = objs(file, 'groups').flatMap((g) => objs(g, 'rules').map((r) => str(r, 'alert')));
    const cases = ruleTests.flatMap((path) => objs(parse(readFileSync(path, 'utf8')), 'tests').flatMap((t) => objs(t, 'alert_rule_test')));
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect({ alert, firing: mine.some((c) => list(c, 'exp_alerts').length > 0) }).toEqual({ alert, firing: true });
      expect({ alert, silent: mine.some((c) => list(c, 'exp_alerts').length === 0) }).toEqual({ alert, silent: true });
    }
  });
});

describe('tools', () => {
  test('the .ci scripts are valid bash', () => {
    for (const script of ['run', 'install-tools.sh', 'docker-engine.sh', 'base-image.sh']) {
      const res = run('bash', ['-n', join(ROOT, '.ci', script)]);
      expect({ script, status: res.status, stderr: res.stderr }).toEqual({ script, status: 0, stderr: '' });
    }
  });

  test('the tools the suite needs are installed', () => {
    for (const tool of ['promtool', 'prometheus', 'helm'] as const) expect(requireTool(tool)).toMatch(/\/[a-z]+$/);
  });
});

describe('Helm chart: locked-down cluster objects', () => {
  const prometheus = ['--set', 'networkPolicy.enabled=true',
    '--set', 'networkPolicy.prometheus[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring',
    '--set', 'networkPolicy.prometheus[0].podSelector.matchLabels.app\\.kubernetes\\.io/name=prometheus'];

  test('NetworkPolicy: ingress from the Prometheus selectors to the metrics port only; egress DNS and 443', () => {
    const { docs, text } = template(...prometheus);
    process.stdout.write(`chart-networkpolicy:\n${text.split('---').find((d) => d.includes('kind: NetworkPolicy'))}\n`);
    const policy = only(docs, 'NetworkPolicy');
    expect(get(policy, 'spec', 'podSelector', 'matchLabels')).toEqual(get(only(docs, 'Deployment'), 'spec', 'selector', 'matchLabels'));
    expect(get(policy, 'spec', 'policyTypes')).toEqual(['Ingress', 'Egress']);
    expect(get(policy, 'spec', 'ingress')).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ port: 'http-metrics', protocol: 'TCP' }],
    }]);
    const egress = objs(policy, 'spec', 'egress');
    expect(egress.map((e) => objs(e, 'ports').map((p) => `${String(p.port)}/${String(p.protocol)}`))).toEqual([['53/UDP', '53/TCP'], ['443/TCP']]);
    const refused = runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, '--set', 'networkPolicy.enabled=true']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('networkPolicy.prometheus is empty');
  });

  test('PodDisruptionBudget, PodMonitor with podTargetLabels, ServiceMonitor targetLabels', () => {
    const pdb = only(template('--set', 'podDisruptionBudget.enabled=true', '--set', 'podDisruptionBudget.minAvailable=1').docs, 'PodDisruptionBudget');
    expect(get(pdb, 'spec')).toMatchObject({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'huaweicloud-db-exporter' } } });
    expect(get(only(template('--set', 'podDisruptionBudget.enabled=true').docs, 'PodDisruptionBudget'), 'spec', 'maxUnavailable')).toBe(1);
    const sm = only(template('--set', 'serviceMonitor.enabled=true', '--set', 'serviceMonitor.targetLabels[0]=team').docs, 'ServiceMonitor');
    expect(get(sm, 'spec', 'targetLabels')).toEqual(['team']);
    const { docs } = template('--set', 'serviceMonitor.enabled=true', '--set', 'serviceMonitor.kind=PodMonitor', '--set', 'serviceMonitor.targetLabels[0]=team');
    expect(docs.filter((d) => d.kind === 'ServiceMonitor')).toEqual([]);
    const pm = only(docs, 'PodMonitor');
    expect(get(pm, 'spec', 'podTargetLabels')).toEqual(['team']);
    expect(get(pm, 'spec', 'podMetricsEndpoints', 0)).toMatchObject({ port: 'http-metrics', path: '/metrics', scheme: 'http' });
    expect(runTool('helm', ['template', 'hwc', CHART, '-f', ONE_PROJECT, '--set', 'serviceMonitor.kind=Probe']).status).not.toBe(0);
  });

  test('namespaceOverride moves every namespaced object; extraManifests render through tpl', () => {
    const { docs } = template('--set', 'namespaceOverride=exporters', '--set', 'serviceMonitor.enabled=true', '--set', 'networkPolicy.enabled=true',
      ...prometheus.slice(2), '--set-json', 'extraManifests=[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{ .Release.Name }}-extra","namespace":"{{ include \\"huaweicloud-db-exporter.namespace\\" . }}"}}]');
    for (const doc of docs) expect([doc.kind, get(doc, 'metadata', 'namespace')]).toEqual([doc.kind, 'exporters']);
    expect(get(only(docs, 'ServiceMonitor'), 'spec', 'namespaceSelector')).toEqual({ matchNames: ['exporters'] });
    expect(docs.find((d) => get(d, 'metadata', 'name') === 'hwc-extra')?.kind).toBe('ConfigMap');
  });
});
