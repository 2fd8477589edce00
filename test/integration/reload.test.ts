// Configuration reload through POST /-/reload (SIGHUP takes the same path in main.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { valueOf } from '../support/exposition.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;

type ProjectEntry = { gaussdb: { instances: Array<{ id: string; name: string } | string> } };

beforeAll(async () => {
  stack = await startStack({
    name: 'integration-reload',
    overrides: { web: { listen_address: '127.0.0.1:0', enable_lifecycle: true } },
    // start with only the first two GaussDB instances
    instances: (sim) => ({ gaussdb: (sim.fleet.projects[0]?.gaussdb ?? []).slice(0, 2).map((g) => ({ id: g.id, name: g.name })), taurusdb: [] }),
  });
  await stack.ready();
});

afterAll(async () => {
  await stack.stop();
});

async function reload(): Promise<{ status: number; body: string }> {
  const response = await fetch(`${stack.daemon.url}/-/reload`, { method: 'POST' });
  return { status: response.status, body: await response.text() };
}

const gaussIds = () => (stack.sim.fleet.projects[0]?.gaussdb ?? []).map((g) => g.id);
const up = (id: string) => `huaweicloud_db_up{collector="session_overview",instance_id="${id}"} 1`;

describe('configuration reload', () => {
  it('adds a target: it is polled at once', async () => {
    const [first, second, third] = gaussIds();
    expect((await stack.scrape()).text).not.toContain(`instance_id="${third}"`);
    const document = stack.configDocument();
    const project = (document.projects as ProjectEntry[])[0];
    project?.gaussdb.instances.push({ id: third ?? '', name: 'added' });
    stack.writeConfig(document);
    expect(await reload()).toEqual({ status: 200, body: 'Configuration reloaded.\n' });
    const text = await stack.eventually((t) => t.includes(up(third ?? '')));
    expect(text).toContain(up(first ?? ''));
    expect(text).toContain(up(second ?? ''));
    expect(text).toContain(`huaweicloud_gaussdb_instance_info{instance_id="${third}",name="added"`);
  });

  it('removes a target: its series are gone', async () => {
    const [first, second] = gaussIds();
    const document = stack.configDocument();
    const project = (document.projects as ProjectEntry[])[0];
    if (project) project.gaussdb.instances = project.gaussdb.instances.filter((i) => typeof i !== 'string' && i.id !== first);
    stack.writeConfig(document);
    expect((await reload()).status).toBe(200);
    const text = await stack.eventually((t) => !t.includes(`instance_id="${first}"`));
    expect(text).toContain(up(second ?? ''));
    const parsed = await stack.scrape();
    expect(valueOf(parsed, 'huaweicloud_db_exporter_config_last_reload_successful')).toBe(1);
    expect(valueOf(parsed, 'huaweicloud_db_exporter_config_reloads_total', { result: 'success' })).toBe(2);
  });

  it('refuses an invalid file, keeps serving the old configuration and says so', async () => {
    const before = stack.configDocument();
    const broken = stack.configDocument();
    (broken.collectors as Record<string, unknown>).session_overview = { schedule: 'every minute' };
    stack.writeConfig(broken);
    const answer = await reload();
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('collectors.session_overview.schedule: invalid cron expression "every minute"');
    const parsed = await stack.scrape();
    expect(valueOf(parsed, 'huaweicloud_db_exporter_config_last_reload_successful')).toBe(0);
    expect(valueOf(parsed, 'huaweicloud_db_exporter_config_reloads_total', { result: 'failure' })).toBe(1);
    const [, second, third] = gaussIds();
    expect(parsed.text).toContain(up(second ?? ''));
    expect(parsed.text).toContain(up(third ?? ''));
    expect(stack.logs.records().some((r) => r.msg === 'configuration reload refused; the previous configuration stays')).toBe(true);
    // A good file afterwards is taken again.
    stack.writeConfig(before);
    expect((await reload()).status).toBe(200);
    expect(valueOf(await stack.scrape(), 'huaweicloud_db_exporter_config_last_reload_successful')).toBe(1);
  });
});
