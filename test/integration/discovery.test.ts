// Discovery through the list APIs, and sharding across replicas.
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Config } from '../../src/config/types.js';
import { loadConfig } from '../../src/config/load.js';
import { Exporter } from '../../src/exporter.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { DEMO_ENTERPRISE_PROJECTS } from '../../src/simulator/fleet.js';
import { Simulator } from '../../src/simulator/server.js';
import { parseExposition } from '../support/exposition.js';
import { captureLogs } from '../support/logs.js';
import { startStack } from '../support/stack.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of cleanup) await stop();
});

/** The targets of a collector by their own id: the HTAP id for htap_processes, else instance_id. */
const upIds = (text: string, collector: string): string[] =>
  [...text.matchAll(new RegExp(`huaweicloud_db_up\\{collector="${collector}",instance_id="([^"]+)"(?:,htap_instance_id="([^"]+)")?\\}`, 'g'))]
    .map((m) => m[2] ?? m[1] ?? '');

describe('discovery', () => {
  it('polls listed instances that pass the filters, picks up new ones and drops vanished ones', async () => {
    const stack = await startStack({
      name: 'integration-discovery',
      instances: () => ({ gaussdb: [], taurusdb: [] }),
      engines: { gaussdb: { discover: true, exclude: '^staging-' }, taurusdb: { discover: true, include: '^(orders|billing)$' } },
      overrides: {
        collectors: {
          session_overview: { schedule: '* * * * * *' }, htap_instances: { schedule: '* * * * * *' },
          htap_processes: { schedule: '0 0 1 1 *' }, discovery: { schedule: '* * * * * *' },
        },
      },
    });
    cleanup.push(() => stack.stop());
    await stack.ready();
    const project = stack.sim.fleet.projects[0];
    if (!project) throw new Error('no project');
    const wanted = project.gaussdb.filter((g) => !g.name.startsWith('staging-')).map((g) => g.id).sort();
    let text = (await stack.scrape()).text;
    expect(upIds(text, 'session_overview').sort()).toEqual(wanted);
    expect(upIds(text, 'htap_instances').sort()).toEqual(project.taurusdb.filter((t) => t.name !== 'inventory').map((t) => t.id).sort());
    // names from the list API fill the _info metrics
    const payments = project.gaussdb.find((g) => g.name === 'payments-gauss');
    expect(text).toContain(`huaweicloud_gaussdb_instance_info{instance_id="${payments?.id}",name="payments-gauss"`);

    const added = stack.sim.fleet.addGaussDb(project.projectId, { name: 'analytics-gauss', overview: { total: 77, active: 7, slowSql: 0, lockWaiting: 0 } });
    text = await stack.eventually((t) => t.includes(`huaweicloud_gaussdb_sessions{instance_id="${added.id}"} 77`));
    stack.sim.fleet.removeGaussDb(payments?.id ?? '');
    text = await stack.eventually((t) => !t.includes(`instance_id="${payments?.id}"`));
    expect(upIds(text, 'session_overview')).toContain(added.id);
  }, 30_000);
});

describe('discovery by enterprise project and tags', () => {
  it('keeps the instances of the listed enterprise projects and tags, labels them with the allow-listed tags and _info with the enterprise project', async () => {
    const stack = await startStack({
      name: 'integration-discovery-tags',
      instances: () => ({ gaussdb: [], taurusdb: [] }),
      engines: {
        // reporting-gauss is in the analytics enterprise project, staging-gauss is tagged env=staging
        gaussdb: {
          discover: true, enterprise_project_ids: ['0', DEMO_ENTERPRISE_PROJECTS.payments], exclude_tags: { env: 'staging' },
          tags_allowlist: ['env', 'team', 'cost-center', 'Team'],
        },
        // only billing is tagged team=payments
        taurusdb: { discover: true, include_tags: { team: 'payments' }, tags_allowlist: ['team'] },
      },
      overrides: {
        collectors: {
          session_overview: { schedule: '* * * * * *' }, htap_instances: { schedule: '* * * * * *' },
          htap_processes: { schedule: '0 0 1 1 *' }, discovery: { schedule: '0 0 1 1 *' },
        },
      },
    });
    cleanup.push(() => stack.stop());
    await stack.ready();
    const project = stack.sim.fleet.projects[0];
    if (!project) throw new Error('no project');
    const byName = (name: string): string => [...project.gaussdb, ...project.taurusdb].find((i) => i.name === name)?.id ?? '';
    const text = (await stack.scrape()).text;
    const { projectId, region } = project;
    expect(upIds(text, 'session_overview').sort()).toEqual([byName('orders-gauss'), byName('payments-gauss')].sort());
    expect(upIds(text, 'htap_instances')).toEqual([byName('billing')]);
    const lines = (family: string): string[] => text.split('\n').filter((line) => line.startsWith(`${family}{`)).sort();
    expect(lines('huaweicloud_gaussdb_instance_info')).toEqual([
      `huaweicloud_gaussdb_instance_info{instance_id="${byName('orders-gauss')}",name="orders-gauss",project_id="${projectId}",region="${region}",enterprise_project_id="0"} 1`,
      `huaweicloud_gaussdb_instance_info{instance_id="${byName('payments-gauss')}",name="payments-gauss",project_id="${projectId}",region="${region}",enterprise_project_id="${DEMO_ENTERPRISE_PROJECTS.payments}"} 1`,
    ].sort());
    // Label names as kube-state-metrics makes them: sorted keys, invalid characters to _, and
    // "Team" and "team" (both tag_team) told apart by _conflict1 and _conflict2.
    expect(lines('huaweicloud_gaussdb_instance_tags')).toEqual([
      `huaweicloud_gaussdb_instance_tags{instance_id="${byName('orders-gauss')}",tag_team_conflict1="",tag_cost_center="",tag_env="prod",tag_team_conflict2="orders"} 1`,
      `huaweicloud_gaussdb_instance_tags{instance_id="${byName('payments-gauss')}",tag_team_conflict1="",tag_cost_center="cc-4711",tag_env="prod",tag_team_conflict2="payments"} 1`,
    ].sort());
    expect(lines('huaweicloud_taurusdb_instance_tags')).toEqual([`huaweicloud_taurusdb_instance_tags{instance_id="${byName('billing')}",tag_team="payments"} 1`]);
    expect(lines('huaweicloud_taurusdb_instance_info')).toEqual([
      `huaweicloud_taurusdb_instance_info{instance_id="${byName('billing')}",name="billing",project_id="${projectId}",region="${region}",enterprise_project_id="${DEMO_ENTERPRISE_PROJECTS.payments}"} 1`,
    ]);
    expect(text).toContain(`huaweicloud_db_exporter_discovered_instances{project_id="${projectId}",service="gaussdb"} 2`);
    expect(text).toContain(`huaweicloud_db_exporter_discovered_instances{project_id="${projectId}",service="taurusdb"} 1`);
  }, 30_000);

  it('keeps a configured instance and its name, adding what discovery found of it', async () => {
    const stack = await startStack({
      name: 'integration-discovery-tags-configured',
      instances: (sim) => ({ gaussdb: [{ id: sim.fleet.demo?.lockingGaussDbId, name: 'pay' }, sim.fleet.demo?.gaussDbIds[0]], taurusdb: [] }),
      engines: { gaussdb: { discover: true, include: '^payments-', tags_allowlist: ['team'] }, taurusdb: {} },
      overrides: { collectors: { htap_processes: { schedule: '0 0 1 1 *' }, discovery: { schedule: '0 0 1 1 *' } } },
    });
    cleanup.push(() => stack.stop());
    await stack.ready();
    const demo = stack.sim.fleet.demo;
    const payments = demo?.lockingGaussDbId ?? '';
    const orders = demo?.gaussDbIds[0] ?? '';
    const text = (await stack.scrape()).text;
    // payments-gauss is configured as "pay" and discovered: the configured name, the discovered enterprise project and tags.
    expect(text).toContain(`huaweicloud_gaussdb_instance_info{instance_id="${payments}",name="pay",project_id="${demo?.projectId}",region="ap-southeast-1",enterprise_project_id="${DEMO_ENTERPRISE_PROJECTS.payments}"} 1`);
    expect(text).toContain(`huaweicloud_gaussdb_instance_tags{instance_id="${payments}",tag_team="payments"} 1`);
    // orders-gauss is configured but left out by the discovery filter: nothing known of it beyond the file.
    expect(text).toContain(`huaweicloud_gaussdb_instance_info{instance_id="${orders}",name="${orders}",project_id="${demo?.projectId}",region="ap-southeast-1",enterprise_project_id=""} 1`);
    expect(text).not.toContain(`huaweicloud_gaussdb_instance_tags{instance_id="${orders}"`);
  }, 30_000);
});

describe('sharding', () => {
  it('n shards together poll every instance exactly once', async () => {
    const sim = await Simulator.start({ fleet: { projects: 2, gaussdbPerProject: 30, taurusdbPerProject: 10, htapPerTaurus: 1, sessionsPerHtap: 5 } });
    cleanup.push(() => sim.close());
    const base: Config = await loadConfig('config/exporter.example.yaml', { HWC_ACCESS_KEY: 'x', HWC_SECRET_KEY: 'y' });
    const config: Config = {
      ...base,
      http: { ...base.http, timeoutMs: 5000 },
      projects: sim.fleet.projects.map((p) => ({
        region: p.region, projectId: p.projectId, endpoints: sim.endpoints,
        auth: { type: 'aksk', accessKey: sim.credentials.accessKey, secretKey: sim.credentials.secretKey },
        gaussdb: { instances: [], discover: true, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
        taurusdb: { instances: [], discover: true, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
      })),
    };
    const total = 3;
    const polled: Record<string, string[]> = { session_overview: [], htap_instances: [], htap_processes: [] };
    for (let index = 0; index < total; index++) {
      const exporter = new Exporter(config, new ExporterMetrics('test'), captureLogs(`sharding-${index}`).logger, { index, total });
      await exporter.pollOnce();
      const parsed = parseExposition(exporter.store.current().text);
      for (const collector of Object.keys(polled)) {
        const ids = upIds(exporter.store.current().text, collector);
        expect(ids.length).toBeGreaterThan(0); // every shard gets work at this size
        polled[collector]?.push(...ids);
      }
      expect([...parsed.series].filter(([k, v]) => k.startsWith('huaweicloud_db_up{') && v !== 1)).toEqual([]);
    }
    const gaussIds = sim.fleet.projects.flatMap((p) => p.gaussdb.map((g) => g.id)).sort();
    const taurusIds = sim.fleet.projects.flatMap((p) => p.taurusdb.map((t) => t.id)).sort();
    const htapIds = sim.fleet.projects.flatMap((p) => p.taurusdb.flatMap((t) => t.htap.filter((h) => h.engine === 'star-rocks').map((h) => h.id))).sort();
    expect(polled.session_overview?.sort()).toEqual(gaussIds);
    expect(polled.htap_instances?.sort()).toEqual(taurusIds);
    expect(polled.htap_processes?.sort()).toEqual(htapIds);
    expect(sim.requests.count('gaussdb_session_overview')).toBe(gaussIds.length);
  });
});
