// Credentials without long-lived keys, through the real daemon against the simulator: a temporary
// AK/SK with its security token, agency keys from the metadata service, and CCE workload identity
// (an ID token file exchanged at IAM). Keys expire on the simulator's schedule and are renewed
// ahead without a failed poll; a source that is down fails polls with a clear error and the
// credential metrics, and the exporter recovers by itself when it returns.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ID_TOKEN_MARK, simulatorIdToken } from '../../src/simulator/federation.js';
import { SECURITY_TOKEN_PREFIX, TEMPORARY_SECRET_PREFIX } from '../../src/simulator/temporary-keys.js';
import { seriesOf, valueOf, type ParsedExposition } from '../support/exposition.js';
import { linesWithSecrets } from '../support/logs.js';
import { NEVER, startStack, type Stack, type StackOptions } from '../support/stack.js';

let open: Stack[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.stop()));
  open = [];
});

/** Session overviews polled every second; the other collectors only at start-up. */
const EVERY_SECOND = {
  collectors: {
    session_overview: { schedule: '* * * * * *' },
    htap_instances: { schedule: NEVER },
    htap_processes: { schedule: NEVER },
  },
};
const TEMPORARY_SECRETS = [TEMPORARY_SECRET_PREFIX, SECURITY_TOKEN_PREFIX, ID_TOKEN_MARK, 'MIIsim'];

async function stackWith(options: StackOptions): Promise<Stack> {
  const stack = await startStack({ overrides: EVERY_SECOND, ...options });
  open.push(stack);
  await stack.ready();
  return stack;
}

function polls(parsed: ParsedExposition, result: 'success' | 'partial_failure'): number {
  return [...seriesOf(parsed, 'huaweicloud_db_exporter_polls_total', { collector: 'session_overview', result }).values()][0] ?? 0;
}

function upValues(parsed: ParsedExposition): number[] {
  return [...seriesOf(parsed, 'huaweicloud_db_up', { collector: 'session_overview' }).values()];
}

function refreshes(parsed: ParsedExposition, kind: string, result: 'success' | 'failure'): number {
  return valueOf(parsed, 'huaweicloud_db_exporter_credential_refreshes_total', { kind, result });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls go on for `ms` while keys (of `ttlMs`) expire and are renewed: none may fail. */
async function renewedWithoutFailure(stack: Stack, kind: string, ms: number): Promise<void> {
  const before = await stack.scrape();
  const succeededBefore = polls(before, 'success');
  const renewedBefore = refreshes(before, kind, 'success');
  await sleep(ms);
  const after = await stack.scrape();
  expect(polls(after, 'partial_failure')).toBe(0);
  expect(polls(after, 'success') - succeededBefore).toBeGreaterThanOrEqual(Math.floor(ms / 1000) - 2);
  expect(refreshes(after, kind, 'success') - renewedBefore).toBeGreaterThanOrEqual(2);
  expect(refreshes(after, kind, 'failure')).toBe(0);
  expect(upValues(after).every((v) => v === 1)).toBe(true);
}

/** The source down for a while: once the key in hand runs out, polls fail with the credential
 *  error and the metric; they recover by themselves when the source is back. */
async function downThenBack(stack: Stack, kind: string, apis: string[], message: RegExp): Promise<void> {
  const faults = apis.map((api) => stack.sim.faults.add({ api: api as never, kind: 'status', status: 503 }));
  const targetFailures = () => stack.logs.records().filter((r) => r['msg'] === 'target poll failed' && message.test(String(r['error_msg'])));
  const failing = await stack.eventually((text) => /huaweicloud_db_up\{collector="session_overview"[^}]*\} 0/.test(text)
    && targetFailures().length > 0, 20_000);
  expect(failing).toMatch(new RegExp(`huaweicloud_db_exporter_credential_refreshes_total\\{project_id="[^"]+",kind="${kind}",result="failure"\\} [1-9]`));
  // Each failed refresh is a warning naming the source (test/cloud/credentials/refresher.test.ts
  // shows, on its own clock, that the key in hand is kept meanwhile).
  const warned = stack.logs.records().filter((r) => String(r['msg']).startsWith('temporary credentials refresh failed'));
  expect(warned.length).toBeGreaterThan(0);
  expect(warned.every((r) => r['kind'] === kind && message.test(String(r['error_msg'])))).toBe(true);
  for (const fault of faults) fault.remove();
  const recovered = await stack.eventually((text) => {
    const ups = [...text.matchAll(/huaweicloud_db_up\{collector="session_overview"[^}]*\} (\d)/g)].map((m) => m[1]);
    return ups.length > 0 && ups.every((v) => v === '1');
  }, 20_000);
  expect(recovered).toMatch(new RegExp(`credential_expiry_timestamp_seconds\\{project_id="[^"]+",kind="${kind}"\\} \\d`));
}

describe('credentials without long-lived keys, through the daemon', () => {
  it('aksk with a security_token: signed with X-Security-Token; refused once the temporary key expires', async () => {
    let issued: { access: string; secret: string; securitytoken: string } | undefined;
    const stack = await stackWith({
      name: 'credentials-security-token',
      authConfig: (sim) => {
        issued = sim.temporaryKeys.issue(3_600_000);
        return { type: 'aksk', access_key: issued.access, secret_key: issued.secret, security_token: issued.securitytoken };
      },
    });
    const first = await stack.scrape();
    expect(upValues(first).length).toBe(stack.sim.fleet.projects[0]?.gaussdb.length);
    expect(upValues(first).every((v) => v === 1)).toBe(true);
    expect(stack.sim.requests.entries({ api: 'gaussdb_session_overview', status: 200 }).length).toBeGreaterThan(0);
    stack.sim.temporaryKeys.expireAll();
    await stack.eventually((text) => /huaweicloud_db_up\{collector="session_overview"[^}]*\} 0/.test(text));
    const refused = stack.logs.records().find((r) => String(r['error_msg']).includes('the security token has expired'));
    expect(refused).toMatchObject({ error_code: 'APIGW.0301', status: 401 });
    expect(linesWithSecrets(stack.logs.lines(), [...TEMPORARY_SECRETS, issued?.secret ?? '', issued?.securitytoken ?? ''])).toEqual([]);
  }, 30_000);

  it('metadata: first poll succeeds; keys renewed ahead without a failed poll; metadata down, then back', async () => {
    const stack = await stackWith({
      name: 'credentials-metadata',
      simulator: { temporaryKeyTtlMs: 6_000 },
      authConfig: () => ({ type: 'metadata' }),
      // `endpoints` comes from the simulator, whose IAM listener also plays the metadata service.
    });
    const first = await stack.scrape();
    expect(upValues(first).every((v) => v === 1)).toBe(true);
    expect(refreshes(first, 'metadata', 'success')).toBe(1);
    // One session token (PUT with a TTL), then the key read with it.
    expect(stack.sim.requests.entries({ api: 'metadata_token', method: 'PUT', status: 200 }).length).toBe(1);
    expect(stack.sim.requests.entries({ api: 'metadata_securitykey', status: 200 }).length).toBe(1);
    const expiry = valueOf(first, 'huaweicloud_db_exporter_credential_expiry_timestamp_seconds', { kind: 'metadata' });
    expect(expiry * 1000).toBeGreaterThan(Date.now());
    expect(expiry * 1000).toBeLessThanOrEqual(Date.now() + 6_000);

    await renewedWithoutFailure(stack, 'metadata', 9_000);
    // The service rotated its key at least once, and the new one served.
    expect(stack.sim.temporaryKeys.issued).toBeGreaterThanOrEqual(2);
    expect(stack.sim.metadata.sessionTokensIssued).toBe(1);

    await downThenBack(stack, 'metadata', ['metadata_securitykey'], /metadata service at http:\/\/127\.0\.0\.1:\d+.*metadata_securitykey: HTTP 503/);
    expect(linesWithSecrets(stack.logs.lines(), TEMPORARY_SECRETS)).toEqual([]);
  }, 90_000);

  it('workload_identity: ID token exchanged at IAM; keys renewed; a rotated token file is read; IAM down, then back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwcdb-wi-'));
    const tokenFile = join(dir, 'token');
    // The first token dies soon: a refresh after that works only if the rotated file is read.
    writeFileSync(tokenFile, simulatorIdToken({ subject: 'first', expiresAt: Date.now() + 5_000 }));
    const stack = await stackWith({
      name: 'credentials-workload-identity',
      simulator: { temporaryKeyTtlMs: 6_000 },
      authConfig: (sim) => ({ type: 'workload_identity', idp_id: sim.federation.settings.idpId, id_token_file: tokenFile, duration: '15m' }),
    });
    const first = await stack.scrape();
    expect(upValues(first).every((v) => v === 1)).toBe(true);
    expect(stack.sim.federation.subjects).toEqual(['first']);
    expect(stack.sim.requests.entries({ api: 'iam_security_token', status: 201 }).length).toBe(1);

    await sleep(1_000);
    writeFileSync(tokenFile, simulatorIdToken({ subject: 'rotated' })); // as the kubelet does
    await renewedWithoutFailure(stack, 'workload_identity', 9_000);
    expect(stack.sim.federation.subjects.at(-1)).toBe('rotated');
    expect(stack.sim.federation.subjects.filter((s) => s === 'first').length).toBeLessThanOrEqual(2);

    await downThenBack(stack, 'workload_identity', ['iam_federation_token'],
      /IAM at http:\/\/127\.0\.0\.1:\d+ gave no temporary AK\/SK for identity provider sim-cce-cluster: iam_federation_token: HTTP 503/);
    expect(linesWithSecrets(stack.logs.lines(), TEMPORARY_SECRETS)).toEqual([]);
  }, 90_000);
});
