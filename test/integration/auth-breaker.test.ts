// A refused credential is tried once, not once per target and poll: through the real daemon
// against the simulator, for each kind of credential, with wrong secrets.
import { afterEach, describe, expect, it } from '@jest/globals';
import { valueOf } from '../support/exposition.js';
import { authBlock, startStack, type AuthKind, type Stack } from '../support/stack.js';
import { collectors, RARELY, tick } from './faults-support.js';

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The auth block of `kind` with its secret wrong. */
function wrong(kind: AuthKind, block: Record<string, string>): Record<string, string> {
  switch (kind) {
    case 'aksk': return { ...block, secret_key: 'not-the-secret-key-0000000000000000000000' };
    case 'password': return { ...block, password: 'not-the-password' };
    case 'token': return { ...block, token: 'MIInot-a-token' };
  }
}

describe('A rejected IAM password is retried on every poll, in proportion to the fleet', () => {
  it.each(['password', 'aksk', 'token'] as const)('%s refused: one attempt, every target down with the refusal, counted', async (kind) => {
    stack = await startStack({ name: `auth-breaker-${kind}`, auth: kind, overrides: { collectors: collectors(RARELY) } });
    const s = stack;
    await s.ready();
    const document = s.configDocument();
    const project = (document.projects as Array<Record<string, unknown>>)[0] ?? {};
    project.auth = wrong(kind, authBlock(s.sim, kind));
    s.writeConfig(document);
    s.sim.requests.clear();
    expect(await s.daemon.reload()).toEqual([]);
    const fleet = s.sim.fleet.projects[0];
    // GaussDB instances and TaurusDB instances; HTAP instances are unknown while the listing fails
    const targets = (fleet?.gaussdb.length ?? 0) + (fleet?.taurusdb.length ?? 0);
    // three more polls of every collector
    for (let round = 0; round < 3; round++) {
      for (const name of ['session_overview', 'htap_instances', 'htap_processes']) await tick(s, name);
    }
    const scraped = await s.scrape();
    // the reload's first polls sent one request (a token request for password); every later one was held back
    expect(s.sim.requests.entries().map((r) => [r.api, r.status])).toEqual([[kind === 'password' ? 'iam_token' : 'gaussdb_session_overview', 401]]);
    const up = [...scraped.series].filter(([k]) => k.startsWith('huaweicloud_db_up{'));
    expect(up.length).toBe(targets);
    expect(up.every(([, v]) => v === 0)).toBe(true);
    expect(valueOf(scraped, 'huaweicloud_db_exporter_auth_breaker_trips_total', { project_id: fleet?.projectId ?? '' })).toBe(1);
    expect(valueOf(scraped, 'huaweicloud_db_exporter_auth_breaker_open', { project_id: fleet?.projectId ?? '' })).toBe(1);
    const failures = s.logs.records().filter((r) => r.msg === 'target poll failed');
    expect(failures.length).toBeGreaterThanOrEqual(3 * targets);
    expect(failures.slice(-targets).every((r) => r.status === 401 && String(r.error_msg).includes('authentication refused'))).toBe(true);
    expect(s.logs.records().filter((r) => String(r.msg).startsWith('authentication refused'))).toHaveLength(1);
    // the fix (right credentials) is tried at once
    s.writeConfig({ ...document, projects: [{ ...project, auth: authBlock(s.sim, kind) }] });
    expect(await s.daemon.reload()).toEqual([]);
    await s.eventually((text) => text.includes(`huaweicloud_db_up{collector="session_overview",instance_id="${fleet?.gaussdb[0]?.id}"} 1`));
  });
});
