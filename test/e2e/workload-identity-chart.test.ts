// The chart with CCE workload identity: a service-account token projected for the IAM identity
// provider (audience from the values), mounted where the exporter's id_token_file points, the
// ServiceAccount annotated, a missing audience refused; with it off the chart renders as before.
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { obj, objs, str, type Doc } from './documents.js';
import { runTool } from './tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(ROOT, 'helm', 'huaweicloud-db-exporter');
const MOUNT = '/var/run/secrets/huaweicloud/serviceaccount';

const VALUES = {
  workloadIdentity: {
    enabled: true,
    audience: 'hwc-db-exporter-client',
    expirationSeconds: 7200,
    serviceAccountAnnotations: { 'example.com/identity-provider': 'cce-cluster-oidc' },
  },
  serviceAccount: { annotations: { 'example.com/owner': 'observability' } },
  config: {
    projects: [{
      region: 'ap-southeast-1',
      project_id: '0611f1bd8b00d5d32f17c017f15b599f',
      auth: { type: 'workload_identity', idp_id: 'cce-cluster-oidc', id_token_file: `${MOUNT}/token` },
      gaussdb: { instances: ['d04686c6baae4f65a742771186f47b7ain14'] },
    }],
  },
};

/** A project with a permanent key pair: what the chart renders when workload identity is off. */
const AKSK_PROJECTS = {
  config: {
    projects: [{
      region: 'ap-southeast-1',
      project_id: '0611f1bd8b00d5d32f17c017f15b599f',
      auth: { type: 'aksk', access_key: '${HWC_ACCESS_KEY}', secret_key: '${HWC_SECRET_KEY}' },
      gaussdb: { instances: ['d04686c6baae4f65a742771186f47b7ain14'] },
    }],
  },
};

function valuesFile(values: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hwcdb-wi-chart-')), 'values.yaml');
  writeFileSync(path, stringify(values));
  return path;
}

function render(...flags: string[]): Doc[] {
  const res = runTool('helm', ['template', 'hwc', CHART, '--namespace', 'observability', ...flags], { cwd: ROOT });
  if (res.status !== 0) throw new Error(`helm template failed (${res.status}):\n${res.stderr}`);
  return parseAllDocuments(res.stdout).map((d) => d.toJS() as unknown).filter(Boolean).map((d) => obj(d));
}

function podSpec(docs: Doc[], kind: 'Deployment' | 'StatefulSet'): Doc {
  const workload = docs.find((d) => d.kind === kind);
  return obj(workload, 'spec', 'template', 'spec');
}

describe('chart: workload identity', () => {
  test('projects the token with the audience, mounts it where id_token_file points, annotates the ServiceAccount', () => {
    const docs = render('-f', valuesFile(VALUES));
    const spec = podSpec(docs, 'Deployment');
    expect(objs(spec, 'volumes').find((v) => v.name === 'workload-identity-token')).toEqual({
      name: 'workload-identity-token',
      projected: { sources: [{ serviceAccountToken: { audience: 'hwc-db-exporter-client', expirationSeconds: 7200, path: 'token' } }] },
    });
    const mounts = objs(obj(objs(spec, 'containers'), 0), 'volumeMounts');
    expect(mounts.find((m) => m.name === 'workload-identity-token')).toEqual({ name: 'workload-identity-token', mountPath: MOUNT, readOnly: true });
    const config = parse(str(docs.find((d) => d.kind === 'ConfigMap'), 'data', 'config.yaml')) as typeof VALUES.config;
    expect(config.projects[0]?.auth).toEqual({ type: 'workload_identity', idp_id: 'cce-cluster-oidc', id_token_file: `${MOUNT}/token` });
    expect(obj(docs.find((d) => d.kind === 'ServiceAccount'), 'metadata', 'annotations')).toEqual({
      'example.com/owner': 'observability', 'example.com/identity-provider': 'cce-cluster-oidc',
    });
    // No long-lived key: nothing of the chart's Secret is needed by this configuration.
    expect(JSON.stringify(config)).not.toContain('HWC_');
  });

  test('the sharded StatefulSet gets the same token', () => {
    const docs = render('-f', valuesFile({ ...VALUES, sharding: { enabled: true, replicas: 2 } }));
    const spec = podSpec(docs, 'StatefulSet');
    expect(objs(spec, 'volumes').map((v) => v.name)).toContain('workload-identity-token');
  });

  test('helm lint --strict passes with workload identity on', () => {
    const res = runTool('helm', ['lint', '--strict', CHART, '-f', valuesFile(VALUES)]);
    expect({ status: res.status, out: res.stdout.split('\n').filter((l) => /\[(ERROR|WARNING)\]/.test(l)) }).toEqual({ status: 0, out: [] });
  });

  test('enabled without an audience is refused, naming the value', () => {
    const res = runTool('helm', ['template', 'hwc', CHART, '-f', valuesFile(VALUES), '--set', 'workloadIdentity.audience='], { cwd: ROOT });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('workloadIdentity.audience is required with workloadIdentity.enabled');
  });

  test('off by default: no token volume, no mount, ServiceAccount annotations as given', () => {
    const docs = render('-f', valuesFile(AKSK_PROJECTS), '--set', 'serviceAccount.annotations.a=b');
    const spec = podSpec(docs, 'Deployment');
    expect(objs(spec, 'volumes').map((v) => v.name)).toEqual(['config']);
    expect(objs(obj(objs(spec, 'containers'), 0), 'volumeMounts').map((m) => m.name)).toEqual(['config']);
    expect(obj(docs.find((d) => d.kind === 'ServiceAccount'), 'metadata', 'annotations')).toEqual({ a: 'b' });
  });
});
