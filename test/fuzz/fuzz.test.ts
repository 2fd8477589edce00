// Property-based fuzzing (fast-check), seeded and bounded: a short run in npm test, a longer one
// under `npm run fuzz` (FUZZ_RUNS inputs per target), which prints the inputs tried per target.
//   - configuration loader: any text → a Config or a ConfigError whose lines each name a field,
//     never echoing a secret, within a second;
//   - answer readers: any JSON → a value or a typed error, never a crash, never a 0 made up;
//   - label escaping: any string → an exposition line the text-format grammar accepts;
//   - HTTP server: random request lines and headers → an HTTP answer, never a crash.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { BadResponseError, CloudApiError } from '../../src/cloud/errors.js';
import { GaussDbApi } from '../../src/cloud/gaussdb.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { gaugeFamily, Samples } from '../../src/metrics/snapshot.js';
import { createHandler } from '../../src/server/http.js';
import { createExporterServer } from '../../src/server/exporter-server.js';
import { SnapshotStore } from '../../src/metrics/snapshot.js';
import { StatusBoard } from '../../src/status/target-status.js';
import { TopSessionsStore } from '../../src/collectors/top-sessions.js';
import { FakeProjectApi, signal } from '../collectors/fake-project-api.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 14);
const tried = new Map<string, number>();

async function check<T>(target: string, arbitrary: fc.Arbitrary<T>, property: (value: T) => Promise<void> | void, runs = RUNS): Promise<void> {
  let count = 0;
  const result = await fc.check(fc.asyncProperty(arbitrary, async (value) => {
    count += 1;
    await property(value);
  }), { seed: SEED, numRuns: runs });
  tried.set(target, count);
  if (process.env.FUZZ_RUNS) console.log(`fuzz ${target}: ${count} inputs tried, ${result.failed ? 1 : 0} failures`);
  if (result.failed) throw new Error(fc.defaultReportMessage(result) ?? `${target}: property failed`);
}

const SECRET = 'Fz-S3cret-Value';
/** every problem starts with where: a key path, `(top level)` or a line and column */
const FIELD = /^(\(top level\)|line \d+, column \d+|[A-Za-z0-9_\[\]"-][^\n]*?): /;

describe('fuzz', () => {
  it('configuration loader: any input gives a Config or problems that name a field, never a secret, within a second', async () => {
    const fragments = fc.constantFrom('projects:', '  - region: ap-southeast-1', '    project_id: p1', `    auth: { type: token, token: ${SECRET} }`,
      `password: >${SECRET}`, `    auth: { type: aksk, access_key: a, secret_key: "${SECRET}`, 'http: { timeout: 600h }', '  *a', '&a [', ': :', '\t- x',
      'web: { enable_lifecycle: maybe }', `token_file: /dev/urandom`, '"${X', `${SECRET}: ${SECRET}`, '---', '- ' + SECRET, '? ' + SECRET);
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fragments, { maxLength: 12 }).map((lines) => lines.join('\n')),
      fc.tuple(fc.array(fragments, { maxLength: 6 }), fc.string({ maxLength: 30 })).map(([lines, tail]) => `${lines.join('\n')}${tail}`));
    await check('config loader', text, (input) => {
      const started = performance.now();
      try {
        parseConfig(input, { SECRET_ENV: SECRET }, '/nonexistent');
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        for (const problem of error.problems) {
          expect(problem).toMatch(FIELD);
          // a secret echoed back only where the input had it as a key (keys are named, values never)
          if (!input.includes(`${SECRET}:`) && !input.includes(`? ${SECRET}`)) expect(problem).not.toContain(SECRET);
        }
      }
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });

  it('answer readers: any JSON gives counts or a typed error, never a crash, never a 0 made up', async () => {
    const ID = 'd04686c6baae4f65a742771186f47b7ain14';
    const count = fc.oneof(fc.jsonValue(), fc.integer().map(String), fc.constantFrom('0', '00', '-0', '0x0', '', ' 0', '0.0'));
    const body = fc.oneof(fc.jsonValue(), fc.record({ active_num: count, total_num: count, slow_sql_num: count, lock_num: count }, { requiredKeys: [] }));
    await check('answer readers', body, async (answer) => {
      const fake = new FakeProjectApi().on(`instances/${ID}/session-overview`, answer);
      try {
        const overview = await new GaussDbApi(fake).sessionOverview(ID, signal);
        const raw = (answer ?? {}) as Record<string, unknown>;
        for (const [key, field] of [['active', 'active_num'], ['total', 'total_num'], ['slowSql', 'slow_sql_num'], ['lockWaiting', 'lock_num']] as const) {
          const value = overview[key];
          if (value === undefined) continue;
          // a count is only ever the number the answer said
          expect(Number(raw[field])).toBe(value);
          expect(Number.isInteger(value) && value >= 0).toBe(true);
        }
      } catch (error) {
        if (!(error instanceof BadResponseError || error instanceof CloudApiError)) throw error;
      }
    });
  });

  it('label escaping: any string gives an exposition line the text format accepts', async () => {
    const family = gaugeFamily('fuzz_value', 'A value.', ['name']);
    // label value: any character but \ " and newline, or an escape of them (text format 0.0.4)
    const line = /^fuzz_value\{name="(?:[^\\"\n]|\\[\\"n])*"\} 1\n$/u;
    await check('label escaping', fc.string({ unit: 'grapheme-composite', maxLength: 60 }), (value) => {
      const samples = new Samples();
      samples.set(family, { name: value }, 1);
      const text = samples.linesOf(family).join('');
      expect(text).toMatch(line);
      const escaped = /\{name="(.*)"\}/su.exec(text)?.[1] ?? '';
      expect(escaped.replace(/\\(.)/gsu, (_m, c: string) => (c === 'n' ? '\n' : c))).toBe(value);
    });
  });

  describe('HTTP server', () => {
    let server: http.Server;
    let port = 0;
    beforeAll(async () => {
      const store = new SnapshotStore([]);
      server = await createExporterServer(createHandler({
        telemetryPath: '/metrics',
        exposition: () => store.current(),
        exporterMetrics: async () => ({ body: Buffer.from(''), gzip: () => Buffer.from('') }),
        ready: () => true,
        operator: { version: 'fuzz', telemetryPath: '/metrics', status: new StatusBoard(), sessions: new TopSessionsStore() },
        reload: async () => [],
        lifecycleEnabled: () => true,
      }), '', { info: () => undefined, error: () => undefined });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('random request lines and headers get an HTTP answer, never a crash', async () => {
      const token = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~!*/%?#&=:@[]+ '.split('')), maxLength: 20 });
      const method = fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH'), token);
      const target = fc.oneof(fc.constantFrom('/metrics', '/', '/-/reload', '/-/ready', '*', 'http://h/metrics', 'https://h:1/-/healthy', '//metrics', '/%', '/api/v1/targets'),
        token.map((t) => `/${t}`), token);
      const header = fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), fc.string({ maxLength: 40 }));
      const request = fc.record({ method, target, version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/9.9', ''), headers: fc.array(header, { maxLength: 5 }) });
      await check('HTTP server', request, async ({ method: m, target: t, version, headers }) => {
        const head = `${m} ${t} ${version}\r\nHost: 127.0.0.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nConnection: close\r\n\r\n`;
        const answer = await new Promise<string>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => socket.end(head));
          let data = '';
          socket.setTimeout(5000, () => socket.destroy());
          socket.on('data', (chunk: Buffer) => { data += chunk.toString('latin1'); });
          socket.on('close', () => resolve(data));
          socket.on('error', () => undefined);
        });
        expect(answer).toMatch(/^HTTP\/1\.[01] [1-5]\d\d /);
        expect(answer).not.toContain('Internal error');
      }, Math.max(20, Math.floor(RUNS / 5)));
      expect(server.listening).toBe(true);
    });
  });

  afterAll(() => {
    if (process.env.FUZZ_RUNS) console.log(`fuzz summary: ${[...tried].map(([t, n]) => `${t} ${n}`).join(', ')}; failures 0`);
  });
});
