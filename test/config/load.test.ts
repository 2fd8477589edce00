import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import type { Config } from '../../src/config/types.js';

const PROJECT_ID = '0611f1bd8b00d5d32f17c017f15b599f';
const GAUSSDB_ID = 'd04686c6baae4f65a742771186f47b7ain14';
const TAURUSDB_ID = '18c3eeb7b788479eb8b93b209946a83bin07';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hwc-config-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A file with one project; `project` lines are indented as project keys, `top` is prepended. */
function file(project = '', top = ''): string {
  return `${top}
projects:
  - region: ap-southeast-1
    project_id: ${PROJECT_ID}
${project
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `    ${line}`)
    .join('\n')}
`;
}

const AKSK = 'auth: { type: aksk, access_key: AKID, secret_key: SKVALUE }';

function problems(text: string, env: NodeJS.ProcessEnv = {}, baseDir = dir): string[] {
  try {
    parseConfig(text, env, baseDir);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const DEFAULT_CONFIG: Config = {
  web: { listenAddress: { host: '0.0.0.0', port: 10110 }, telemetryPath: '/metrics', configFile: '', enableLifecycle: false },
  logLevel: 'info',
  collectors: {
    session_overview: { schedule: '*/30 * * * * *' },
    htap_instances: { schedule: '0 */5 * * * *' },
    htap_processes: {
      schedule: '*/30 * * * * *',
      longRunningSeconds: 60, idleCommands: ['sleep', 'daemon'],
      byUser: true,
      byDatabase: true,
      byHost: false,
      maxLabelValues: 20,
      topSessions: 0,
      topSessionsSqlChars: 200,
    },
    discovery: { schedule: '0 */10 * * * *' },
    grace_polls: 2,
  },
  http: { timeoutMs: 10_000, retries: 2, concurrency: 8, maxInFlight: 64 },
  projects: [
    {
      region: 'ap-southeast-1',
      projectId: PROJECT_ID,
      endpoints: {
        iam: 'https://iam.ap-southeast-1.myhuaweicloud.com',
        gaussdb: 'https://gaussdb-opengauss.ap-southeast-1.myhuaweicloud.com',
        taurusdb: 'https://gaussdbformysql.ap-southeast-1.myhuaweicloud.com',
      },
      auth: { type: 'aksk', accessKey: 'AKID', secretKey: 'SKVALUE' },
      gaussdb: { instances: [], discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
      taurusdb: { instances: [], discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
    },
  ],
};

describe('defaults', () => {
  it('fills in every default when only projects is given', () => {
    expect(parseConfig(file(AKSK), {}, dir)).toEqual(DEFAULT_CONFIG);
  });

  it('treats sections present but empty (every key commented out) as defaults', () => {
    const text = file(`${AKSK}\nendpoints:\ngaussdb:\ntaurusdb:\n  instances:`, 'web:\ncollectors:\n  htap_processes:\nhttp:\n');
    expect(parseConfig(text, {}, dir)).toEqual(DEFAULT_CONFIG);
  });
});

describe('snake_case file → camelCase config', () => {
  it('maps every key', () => {
    writeFileSync(join(dir, 'web.yml'), 'tls_server_config: {}\n');
    const text = `
web:
  listen_address: "127.0.0.1:9999"
  telemetry_path: /custom/metrics
  config_file: web.yml
log_level: debug
collectors:
  session_overview: { schedule: "0 * * * *" }
  htap_instances: { schedule: "*/10 * * * * *" }
  htap_processes:
    schedule: "*/15 * * * * *"
    long_running_seconds: 2.5
    by_user: false
    by_database: false
    by_host: true
    max_label_values: 5
    top_sessions: 10
    top_sessions_sql_chars: 80
  discovery: { schedule: "0 0 * * * *" }
http:
  timeout: 1m30s
  retries: 0
  concurrency: 3
  max_in_flight: 16
projects:
  - region: cn-east-4
    project_id: abc123
    endpoints:
      iam: https://iam.example.com/
      taurusdb: http://127.0.0.1:8080
    auth:
      type: password
      domain: my-account
      user: monitoring
      password: pw
    gaussdb:
      discover: true
      include: "^prod-"
      exclude: "-tmp$"
      enterprise_project_ids: [0, b5c1e3f0-0e25-4a37-9a43-6f2ad7d3c9aa]
      include_tags: { env: prod }
      exclude_tags: { tier: 3, team: "" }
      tags_allowlist: [env, team, cost-center]
      instances:
        - ${GAUSSDB_ID}
        - { id: 00000000000000000000000000other1in14, name: billing }
    taurusdb:
      instances:
        - id: ${TAURUSDB_ID}
          name: orders
  - region: af-south-1
    project_id: def456
    auth: { type: token, token: tok }
`;
    expect(parseConfig(text, {}, dir)).toEqual({
      web: { listenAddress: { host: '127.0.0.1', port: 9999 }, telemetryPath: '/custom/metrics', configFile: join(dir, 'web.yml'), enableLifecycle: false },
      logLevel: 'debug',
      collectors: {
        session_overview: { schedule: '0 * * * *' },
        htap_instances: { schedule: '*/10 * * * * *' },
        htap_processes: {
          schedule: '*/15 * * * * *',
          longRunningSeconds: 2.5, idleCommands: ['sleep', 'daemon'],
          byUser: false,
          byDatabase: false,
          byHost: true,
          maxLabelValues: 5,
          topSessions: 10,
          topSessionsSqlChars: 80,
        },
        discovery: { schedule: '0 0 * * * *' },
        grace_polls: 2,
      },
      http: { timeoutMs: 90_000, retries: 0, concurrency: 3, maxInFlight: 16 },
      projects: [
        {
          region: 'cn-east-4',
          projectId: 'abc123',
          endpoints: {
            iam: 'https://iam.example.com',
            gaussdb: 'https://gaussdb.cn-east-4.myhuaweicloud.com',
            taurusdb: 'http://127.0.0.1:8080',
          },
          auth: { type: 'password', domain: 'my-account', user: 'monitoring', password: 'pw' },
          gaussdb: {
            instances: [{ id: GAUSSDB_ID, name: GAUSSDB_ID }, { id: '00000000000000000000000000other1in14', name: 'billing' }], discover: true, include: /^prod-/, exclude: /-tmp$/,
            enterpriseProjectIds: ['0', 'b5c1e3f0-0e25-4a37-9a43-6f2ad7d3c9aa'], includeTags: new Map([['env', 'prod']]),
            excludeTags: new Map([['tier', '3'], ['team', '']]), tagsAllowlist: ['env', 'team', 'cost-center'],
          },
          taurusdb: { instances: [{ id: TAURUSDB_ID, name: 'orders' }], discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
        },
        {
          region: 'af-south-1',
          projectId: 'def456',
          endpoints: {
            iam: 'https://iam.af-south-1.myhuaweicloud.com',
            gaussdb: 'https://gaussdb-opengauss.af-south-1.myhuaweicloud.com',
            taurusdb: 'https://gaussdb-mysql.af-south-1.myhuaweicloud.com',
          },
          auth: { type: 'token', token: 'tok' },
          gaussdb: { instances: [], discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
          taurusdb: { instances: [], discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
        },
      ],
    } satisfies Config);
  });

  it('accepts an upper-case log level', () => {
    expect(parseConfig(file(AKSK, 'log_level: WARN'), {}, dir).logLevel).toBe('warn');
  });
});

describe('environment variables', () => {
  const text = file('auth: { type: aksk, access_key: "${HWC_ACCESS_KEY}", secret_key: "${HWC_SECRET_KEY:-fallback}" }');

  it('replaces set variables and uses defaults for unset ones', () => {
    expect(parseConfig(text, { HWC_ACCESS_KEY: 'from-env' }, dir).projects[0]?.auth)
      .toEqual({ type: 'aksk', accessKey: 'from-env', secretKey: 'fallback' });
    expect(parseConfig(text, { HWC_ACCESS_KEY: 'a', HWC_SECRET_KEY: 'b' }, dir).projects[0]?.auth)
      .toEqual({ type: 'aksk', accessKey: 'a', secretKey: 'b' });
  });

  it('names the key path and the variable of an unset reference, once', () => {
    expect(problems(text, {})).toEqual(['projects[0].auth.access_key: environment variable HWC_ACCESS_KEY is not set']);
  });

  it('keeps values with YAML-special characters intact', () => {
    const value = 'a: b # c\n- [x]: {y}';
    expect(parseConfig(text, { HWC_ACCESS_KEY: value }, dir).projects[0]?.auth).toEqual({ type: 'aksk', accessKey: value, secretKey: 'fallback' });
  });

  it('leaves comments alone and turns $${ into a literal ${', () => {
    const escaped = file('auth: { type: token, token: "$${NOT_A_VAR}" }  # ${IGNORED_IN_COMMENT}');
    expect(parseConfig(escaped, {}, dir).projects[0]?.auth).toEqual({ type: 'token', token: '${NOT_A_VAR}' });
  });

  it('reads numbers and booleans from variables', () => {
    const top = 'http: { retries: "${RETRIES:-3}", timeout: "${TIMEOUT:-2s}" }\ncollectors: { htap_processes: { by_host: "${BY_HOST}", max_label_values: "${MAX}" } }';
    const config = parseConfig(file(AKSK, top), { BY_HOST: 'true', MAX: '7' }, dir);
    expect(config.http).toEqual({ timeoutMs: 2000, retries: 3, concurrency: 8, maxInFlight: 64 });
    expect(config.collectors.htap_processes.byHost).toBe(true);
    expect(config.collectors.htap_processes.maxLabelValues).toBe(7);
  });

  it('reports every unset variable with its own path', () => {
    const top = 'web: { listen_address: "${LISTEN}" }\nhttp: { timeout: "${TIMEOUT}" }';
    expect(problems(file('auth: { type: token, token: "${TOKEN}" }', top))).toEqual([
      'web.listen_address: environment variable LISTEN is not set',
      'http.timeout: environment variable TIMEOUT is not set',
      'projects[0].auth.token: environment variable TOKEN is not set',
    ]);
  });
});

describe('secrets from files', () => {
  it('reads a secret file relative to the base folder, trimming trailing newlines', () => {
    writeFileSync(join(dir, 'sk'), 'secret-from-file\n');
    writeFileSync(join(dir, 'ak'), 'ak-from-file\r\n');
    const config = parseConfig(file('auth: { type: aksk, access_key_file: ak, secret_key_file: sk }'), {}, dir);
    expect(config.projects[0]?.auth).toEqual({ type: 'aksk', accessKey: 'ak-from-file', secretKey: 'secret-from-file' });
  });

  it('reads password_file and token_file, with an absolute path or one from a variable', () => {
    writeFileSync(join(dir, 'pw'), 'pw-from-file\n\n');
    writeFileSync(join(dir, 'token'), 'token-from-file');
    const password = parseConfig(file('auth: { type: password, domain: d, user: u, password_file: "${DIR}/pw" }'), { DIR: dir }, '/');
    expect(password.projects[0]?.auth).toEqual({ type: 'password', domain: 'd', user: 'u', password: 'pw-from-file' });
    const token = parseConfig(file(`auth: { type: token, token_file: ${join(dir, 'token')} }`), {}, '/nonexistent');
    expect(token.projects[0]?.auth).toEqual({ type: 'token', token: 'token-from-file' });
  });

  it('resolves secret files next to the config file in loadConfig', async () => {
    const sub = join(dir, 'conf');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'token.txt'), 'tok-next-to-config\n');
    writeFileSync(join(sub, 'exporter.yaml'), file('auth: { type: token, token_file: token.txt }'));
    const config = await loadConfig(join(sub, 'exporter.yaml'), {});
    expect(config.projects[0]?.auth).toEqual({ type: 'token', token: 'tok-next-to-config' });
  });

  it('refuses a secret given both ways', () => {
    writeFileSync(join(dir, 'sk'), 'secret-from-file\n');
    expect(problems(file('auth: { type: aksk, access_key: a, secret_key: s, secret_key_file: sk }')))
      .toEqual(['projects[0].auth.secret_key_file: set either secret_key or secret_key_file, not both']);
  });

  it('reports an unreadable or empty file with its path', () => {
    writeFileSync(join(dir, 'empty'), '\n');
    writeFileSync(join(dir, 'locked'), 'x');
    chmodSync(join(dir, 'locked'), 0o000);
    const result = problems(file('auth: { type: aksk, access_key_file: missing, secret_key_file: empty }'));
    expect(result).toEqual([
      `projects[0].auth.access_key_file: cannot read "${join(dir, 'missing')}": no such file`,
      `projects[0].auth.secret_key_file: file "${join(dir, 'empty')}" is empty`,
    ]);
    expect(problems(file('auth: { type: token, token_file: . }'))).toEqual([
      `projects[0].auth.token_file: cannot read "${dir}": is a directory`,
    ]);
    if (process.getuid?.() !== 0) {
      expect(problems(file('auth: { type: token, token_file: locked }'))).toEqual([
        `projects[0].auth.token_file: cannot read "${join(dir, 'locked')}": permission denied`,
      ]);
    }
  });

  it('refuses a _file key that does not belong to the auth type', () => {
    expect(problems(file('auth: { type: token, token: t, password_file: pw }')))
      .toEqual(['projects[0].auth.password_file: unknown key']);
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
  ])('http.timeout %s is %d ms', (timeout, ms) => {
    expect(parseConfig(file(AKSK, `http: { timeout: ${timeout} }`), {}, dir).http.timeoutMs).toBe(ms);
  });

  it.each([
    ['10x', 'http.timeout: invalid duration "10x": expected a number and a unit (ms, s, m, h) such as 500ms, 10s, 5m or 1m30s'],
    ['10', 'http.timeout: expected a duration such as 500ms, 10s or 5m'],
    ['0s', 'http.timeout: must be at least 1ms'],
  ])('refuses http.timeout %s', (timeout, problem) => {
    expect(problems(file(AKSK, `http: { timeout: ${timeout} }`))).toEqual([problem]);
  });
});

describe('cron schedules', () => {
  it('accepts 5 and 6 fields', () => {
    const top = 'collectors: { session_overview: { schedule: "*/5 * * * *" }, htap_instances: { schedule: "15 */2 * * * *" } }';
    const config = parseConfig(file(AKSK, top), {}, dir);
    expect(config.collectors.session_overview).toEqual({ schedule: '*/5 * * * *' });
    expect(config.collectors.htap_instances).toEqual({ schedule: '15 */2 * * * *' });
  });

  it('reports bad expressions with their paths', () => {
    const top = `collectors:
  session_overview: { schedule: "61 * * * *" }
  htap_instances: { schedule: "@daily" }
  htap_processes: { schedule: "* * * *" }`;
    expect(problems(file(AKSK, top))).toEqual([
      'collectors.session_overview.schedule: invalid cron expression "61 * * * *": the minute field "61" is malformed or out of range (0-59)',
      'collectors.htap_instances.schedule: invalid cron expression "@daily": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field',
      'collectors.htap_processes.schedule: invalid cron expression "* * * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field',
    ]);
  });
});

describe('cron schedules: the wrong field named', () => {
  it('names every wrong field of 5 and of 6 fields, with its range', () => {
    const top = `collectors:
  session_overview: { schedule: "*/30 * 25 * * *" }
  htap_instances: { schedule: "0 */5 * 13 mon-foo" }
  htap_processes: { schedule: "70 * * * * *" }`;
    expect(problems(file(AKSK, top))).toEqual([
      'collectors.session_overview.schedule: invalid cron expression "*/30 * 25 * * *": the hour field "25" is malformed or out of range (0-23)',
      'collectors.htap_instances.schedule: invalid cron expression "0 */5 * 13 mon-foo": the month field "13" is malformed or out of range (1-12 or jan-dec); '
        + 'the day-of-week field "mon-foo" is malformed or out of range (0-7 or sun-sat)',
      'collectors.htap_processes.schedule: invalid cron expression "70 * * * * *": the second field "70" is malformed or out of range (0-59)',
    ]);
  });
});

describe('auth', () => {
  it('reports an unknown auth type', () => {
    expect(problems(file('auth: { type: oauth, token: x }')))
      .toEqual(['projects[0].auth.type: unknown auth type "oauth": expected aksk, password, token, metadata or workload_identity']);
  });

  it('reports a missing auth type', () => {
    expect(problems(file('auth: { token: x }'))).toEqual(['projects[0].auth.type: required: aksk, password, token, metadata or workload_identity']);
  });

  it('reports missing fields of each auth type', () => {
    expect(problems(file('auth: { type: aksk, access_key: a }'))).toEqual(['projects[0].auth.secret_key: required (or secret_key_file)']);
    expect(problems(file('auth: { type: password, password: p }'))).toEqual([
      'projects[0].auth.domain: required',
      'projects[0].auth.user: required',
    ]);
    expect(problems(file('auth: { type: token, token: "" }'))).toEqual(['projects[0].auth.token: must not be empty']);
    expect(problems(file(''))).toEqual(['projects[0].auth: required']);
  });
});

describe('projects', () => {
  it('requires a non-empty list of projects', () => {
    expect(problems('')).toEqual(['projects: required: list at least one project']);
    expect(problems('projects: []')).toEqual(['projects: must list at least one project']);
    expect(problems('- a\n- b')).toEqual(['(top level): expected a mapping, got a list']);
  });

  it('reports entries that are not mappings', () => {
    expect(problems(`projects: [3, null, "x", { region: a-1, project_id: p1, ${AKSK} }]`)).toEqual([
      'projects[0]: expected a mapping, got a number',
      'projects[1]: expected a mapping, got an empty value',
      'projects[2]: expected a mapping, got a string',
    ]);
    expect(problems(`web: 3\nhttp: []\nprojects: [{ region: a, project_id: b, auth: x, gaussdb: { instances: { a: 1 } } }]`)).toEqual([
      'web: expected a mapping, got a number',
      'http: expected a mapping, got a list',
      'projects[0].auth: expected a mapping with a type (aksk, password, token, metadata or workload_identity)',
      'projects[0].gaussdb.instances: expected a list, got a mapping',
    ]);
  });

  it('reports a YAML alias that contains itself', () => {
    expect(problems(`projects: &p [{ region: *p, project_id: p1, ${AKSK} }]`)).toEqual([
      'projects[0].region: a YAML alias that contains itself is not supported',
    ]);
  });

  it('names missing required fields by path', () => {
    expect(problems(`projects:\n  - ${AKSK}\n  - { region: x, project_id: y, ${AKSK} }`)).toEqual([
      'projects[0].region: required',
      'projects[0].project_id: required',
    ]);
  });

  it('validates region and project_id', () => {
    expect(problems(`projects:\n  - { region: AP_1, project_id: "abc-def", ${AKSK} }`)).toEqual([
      'projects[0].region: invalid region "AP_1": expected lower-case letters, digits and hyphens, e.g. ap-southeast-1',
      'projects[0].project_id: must be letters and digits only, e.g. 0611f1bd8b00d5d32f17c017f15b599f',
    ]);
    expect(problems(`projects:\n  - { region: ap-southeast-1, project_id: 12345, ${AKSK} }`))
      .toEqual(['projects[0].project_id: expected a string, got a number (quote the value)']);
  });

  it('derives endpoints from the region and lets each be overridden', () => {
    const config = parseConfig(file(`${AKSK}\nendpoints:\n  gaussdb: "https://gaussdb.example.com:8443/"`), {}, dir);
    expect(config.projects[0]?.endpoints).toEqual({
      iam: 'https://iam.ap-southeast-1.myhuaweicloud.com',
      gaussdb: 'https://gaussdb.example.com:8443',
      taurusdb: 'https://gaussdbformysql.ap-southeast-1.myhuaweicloud.com',
    });
  });

  it.each([
    ['ap-southeast-1', 'https://iam.ap-southeast-1.myhuaweicloud.com', 'https://gaussdb-opengauss.ap-southeast-1.myhuaweicloud.com', 'https://gaussdbformysql.ap-southeast-1.myhuaweicloud.com'],
    ['cn-east-4', 'https://iam.cn-east-4.myhuaweicloud.com', 'https://gaussdb.cn-east-4.myhuaweicloud.com', undefined],
    ['af-south-1', 'https://iam.af-south-1.myhuaweicloud.com', 'https://gaussdb-opengauss.af-south-1.myhuaweicloud.com', 'https://gaussdb-mysql.af-south-1.myhuaweicloud.com'],
    ['eu-west-101', 'https://iam.eu-west-101.myhuaweicloud.eu', undefined, undefined],
    ['cn-southwest-3', 'https://iam.myhuaweicloud.com', undefined, 'https://gaussdb-mysql.cn-southwest-3.myhuaweicloud.com'],
  ])('endpoints for %s: %s, %s, %s', (region, iam, gaussdb, taurusdb) => {
    const config = parseConfig(`projects: [{ region: ${region}, project_id: p1, ${AKSK} }]`, {}, dir);
    expect(config.projects[0]?.endpoints).toEqual({ iam, gaussdb, taurusdb });
  });

  it('refuses a service used in a region without an SDK endpoint and without an override, naming the field', () => {
    const used = 'gaussdb: { discover: true }\n  taurusdb: { instances: [00000000000000000000000000abc123in07] }';
    expect(problems(`projects:\n- region: cn-east-2\n  project_id: p1\n  ${AKSK}\n  ${used}\n`)).toEqual([
      'projects[0].endpoints.taurusdb: required: the Huawei Cloud SDK (release 3.1.209) has no TaurusDB endpoint for region cn-east-2; give the URL of its TaurusDB API here',
    ]);
    expect(problems(`projects:\n- region: eu-west-101\n  project_id: p1\n  ${AKSK}\n  ${used}\n`)).toEqual([
      'projects[0].endpoints.gaussdb: required: the Huawei Cloud SDK (release 3.1.209) has no GaussDB endpoint for region eu-west-101; give the URL of its GaussDB API here',
      'projects[0].endpoints.taurusdb: required: the Huawei Cloud SDK (release 3.1.209) has no TaurusDB endpoint for region eu-west-101; give the URL of its TaurusDB API here',
    ]);
    const overridden = parseConfig(`projects:\n- region: cn-east-2\n  project_id: p1\n  ${AKSK}\n  ${used}\n  endpoints: { taurusdb: "https://gw.example.com/hwc/" }\n`, {}, dir);
    expect(overridden.projects[0]?.endpoints.taurusdb).toBe('https://gw.example.com/hwc');
  });

  it('refuses endpoints that are not http(s) URLs', () => {
    expect(problems(file(`${AKSK}\nendpoints: { iam: iam.example.com, taurusdb: "ftp://x", gaussdb: "https://u:p@x" }`))).toEqual([
      'projects[0].endpoints.iam: not a URL: expected http(s)://host[:port]',
      'projects[0].endpoints.taurusdb: unsupported scheme "ftp": expected https:// or http://',
      'projects[0].endpoints.gaussdb: must not contain credentials',
    ]);
  });

  it('validates instance ids and refuses duplicates within a project', () => {
    const instances = `gaussdb:
  instances: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaabc1in14, "bad-id", { id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaabc1in14 }, { name: nameless }, 42, { id: 000000000000000000000000000000x1in14, name: "" }, "..", abc1in14]
taurusdb:
  instances: [{ id: 000000000000000000000000000000x1in14 }, { id: 000000000000000000000000000000t1in07, colour: blue }]`;
    const format = 'expected 36 letters and digits ending in a type suffix such as in14 (GaussDB), in07 (TaurusDB) or in17 (HTAP)';
    expect(problems(file(`${AKSK}\n${instances}`))).toEqual([
      `projects[0].gaussdb.instances[1].id: invalid instance id "bad-id": ${format}`,
      'projects[0].gaussdb.instances[2]: duplicate instance id "aaaaaaaaaaaaaaaaaaaaaaaaaaaaabc1in14" (also at gaussdb.instances[0])',
      'projects[0].gaussdb.instances[3].id: required',
      'projects[0].gaussdb.instances[4].id: expected a string, got a number (quote the value)',
      'projects[0].gaussdb.instances[5].name: must not be empty',
      `projects[0].gaussdb.instances[6].id: invalid instance id "..": ${format}`,
      `projects[0].gaussdb.instances[7].id: invalid instance id "abc1in14": ${format}`,
      'projects[0].taurusdb.instances[0]: duplicate instance id "000000000000000000000000000000x1in14" (also at gaussdb.instances[5])',
      'projects[0].taurusdb.instances[1].colour: unknown key',
    ]);
  });

  it('refuses the same instance id in two projects, naming both places (it would be polled twice, its series doubled)', () => {
    const text = `projects:
  - { region: cn-north-4, project_id: p1, ${AKSK}, gaussdb: { instances: [11111111111111111111111111111111in14] } }
  - { region: cn-north-4, project_id: p2, ${AKSK}, gaussdb: { instances: [11111111111111111111111111111111in14] } }`;
    expect(problems(text)).toEqual([
      'projects[1].gaussdb.instances[0]: instance id "11111111111111111111111111111111in14" is also at projects[0].gaussdb.instances[0]: list each instance under one project',
    ]);
  });
});

describe('web', () => {
  it.each([
    ['0.0.0.0:10110', '0.0.0.0', 10110],
    ['127.0.0.1:0', '127.0.0.1', 0],
    ['[::]:10110', '::', 10110],
    ['[::1]:65535', '::1', 65535],
    ['localhost:9100', 'localhost', 9100],
    [':10110', '', 10110],
  ])('accepts listen address %s as host %j, port %d', (address, host, port) => {
    expect(parseConfig(file(AKSK, `web: { listen_address: "${address}" }`), {}, dir).web.listenAddress).toEqual({ host, port });
  });

  it.each(['10110', '0.0.0.0:65536', '0.0.0.0', ':::10110', '[1.2.3.4]:80', 'host:port', 'a b:1'])('refuses listen address %s', (address) => {
    expect(problems(file(AKSK, `web: { listen_address: "${address}" }`))).toEqual([
      `web.listen_address: invalid listen address "${address}": expected host:port with a port 0-65535, e.g. 0.0.0.0:10110 or [::]:10110`,
    ]);
  });

  it.each([
    ['metrics', 'must start with "/", e.g. /metrics'],
    ['/', '"/" is reserved: /, /-/healthy, /-/ready, /-/reload, /sessions, /api/v1/targets, /api/v1/sessions are served by the exporter itself'],
    ['/-/ready', '"/-/ready" is reserved: /, /-/healthy, /-/ready, /-/reload, /sessions, /api/v1/targets, /api/v1/sessions are served by the exporter itself'],
    ['/api/v1/targets', '"/api/v1/targets" is reserved: /, /-/healthy, /-/ready, /-/reload, /sessions, /api/v1/targets, /api/v1/sessions are served by the exporter itself'],
    ['/metrics?x', 'must not contain whitespace, "?" or "#"'],
  ])('refuses telemetry path %s', (path, problem) => {
    expect(problems(file(AKSK, `web: { telemetry_path: "${path}" }`))).toEqual([`web.telemetry_path: ${problem}`]);
  });

  it('reports a web config file that cannot be read', () => {
    expect(problems(file(AKSK, 'web: { config_file: nope.yml }'))).toEqual([
      `web.config_file: cannot read "${join(dir, 'nope.yml')}": no such file`,
    ]);
  });
});

describe('numbers and enums', () => {
  it('reports values out of range with their paths', () => {
    const top = `log_level: verbose
http: { retries: 11, concurrency: 0 }
collectors: { htap_processes: { max_label_values: 0, long_running_seconds: -1, by_user: yes } }`;
    expect(problems(file(AKSK, top))).toEqual([
      'log_level: must be one of trace, debug, info, warn, error',
      'http.retries: must be at most 10',
      'http.concurrency: must be at least 1',
      'collectors.htap_processes.max_label_values: must be at least 1',
      'collectors.htap_processes.long_running_seconds: must not be negative',
      'collectors.htap_processes.by_user: expected true or false, got a string',
    ]);
    expect(problems(file(AKSK, 'http: { retries: 1.5, concurrency: many }'))).toEqual([
      'http.retries: must be a whole number',
      'http.concurrency: expected a number, got a string',
    ]);
  });
});

describe('problem reporting', () => {
  it('reports unknown keys, with a suggestion when one is close', () => {
    expect(problems(file(`${AKSK}\nprojectid: x`, 'web: { listen_adress: ":1" }\ncolectors: {}\nsharding: {}'))).toEqual([
      'web.listen_adress: unknown key (did you mean listen_address?)',
      'colectors: unknown key (did you mean collectors?)',
      'sharding: unknown key',
      'projects[0].projectid: unknown key (did you mean project_id?)',
    ]);
  });

  it('reports every problem of the file at once, in the order of the file', () => {
    const text = `
web: { telemetry_path: /-/healthy }
collectors:
  htap_processes: { schedule: "every minute" }
http: { timeout: soon }
projects:
  - region: ap-southeast-1
    auth: { type: aksk, access_key: "\${AK}" }
  - project_id: p2
    auth: { type: kerberos }
`;
    const error = (() => {
      try {
        parseConfig(text, {}, dir);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const expected = [
      'web.telemetry_path: "/-/healthy" is reserved: /, /-/healthy, /-/ready, /-/reload, /sessions, /api/v1/targets, /api/v1/sessions are served by the exporter itself',
      'collectors.htap_processes.schedule: invalid cron expression "every minute": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field',
      'http.timeout: invalid duration "soon": expected a number and a unit (ms, s, m, h) such as 500ms, 10s, 5m or 1m30s',
      'projects[0].project_id: required',
      'projects[0].auth.secret_key: required (or secret_key_file)',
      'projects[0].auth.access_key: environment variable AK is not set',
      'projects[1].region: required',
      'projects[1].auth.type: unknown auth type "kerberos": expected aksk, password, token, metadata or workload_identity',
    ];
    expect((error as ConfigError).problems).toEqual(expected);
    expect((error as ConfigError).message).toBe(expected.join('\n'));
    expect((error as ConfigError).name).toBe('ConfigError');
  });

  it('reports YAML syntax errors with line, column and kind', () => {
    expect(problems('projects:\n  - region: a\n  region: b\n')).toEqual([
      'line 3, column 1: invalid YAML: bad indentation (BAD_INDENT)',
    ]);
    expect(problems('web: {}\nweb: {}\n')).toEqual(['line 2, column 1: invalid YAML: duplicate key (DUPLICATE_KEY)']);
  });

  it('never puts a secret value in a problem message', () => {
    const secrets = ['S3cretAccessKey', 'S3cretSecretKey', 'S3cretPassword', 'S3cretToken', 'S3cretFromFile', 'S3cretEnv'];
    writeFileSync(join(dir, 'secret-file'), 'S3cretFromFile\n');
    const text = `
projects:
  - region: ap-southeast-1
    project_id: p1
    auth: { type: aksk, access_key: S3cretAccessKey, secret_key: S3cretSecretKey, secret_key_file: secret-file, extra: S3cretPassword }
  - region: ap-southeast-1
    project_id: p2
    auth: { type: password, password: S3cretPassword, token: S3cretToken, domain: 12 }
  - region: ap-southeast-1
    project_id: p3
    auth: { type: token, token: ["S3cretToken"], token_file: secret-file }
  - region: ap-southeast-1
    project_id: p4
    auth: { type: aksk, access_key: 1234, secret_key: "\${SK_\${S3cretEnv}}" }
  - region: ap-southeast-1
    project_id: p5
    secret_key: S3cretSecretKey
    auth: { type: S3cretToken }
`;
    const result = problems(text, { S3cretEnv: 'S3cretEnv' });
    expect(result.length).toBeGreaterThanOrEqual(8);
    for (const message of result) {
      for (const secret of secrets.filter((s) => s !== 'S3cretToken' || !message.includes('unknown auth type'))) {
        expect(message).not.toContain(secret);
      }
    }
    const broken = problems('projects:\n  - auth: { type: token, token: "S3cretToken }\n');
    for (const message of broken) expect(message).not.toContain('S3cretToken');
  });
});

describe('loadConfig', () => {
  it('loads the example file with the variables it references', async () => {
    const config = await loadConfig('config/exporter.example.yaml', { HWC_ACCESS_KEY: 'AK', HWC_SECRET_KEY: 'SK' });
    expect(config).toEqual({
      ...DEFAULT_CONFIG,
      projects: [
        {
          ...(DEFAULT_CONFIG.projects[0] as Config['projects'][number]),
          auth: { type: 'aksk', accessKey: 'AK', secretKey: 'SK' },
          gaussdb: { instances: [{ id: GAUSSDB_ID, name: GAUSSDB_ID }], discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
          taurusdb: { instances: [{ id: TAURUSDB_ID, name: 'orders' }], discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
        },
      ],
    });
  });

  it('reports the example file\'s variables when they are unset', async () => {
    await expect(loadConfig('config/exporter.example.yaml', {})).rejects.toThrow(new ConfigError([
      'projects[0].auth.access_key: environment variable HWC_ACCESS_KEY is not set',
      'projects[0].auth.secret_key: environment variable HWC_SECRET_KEY is not set',
    ]));
  });

  it('reports an invalid include pattern with its path', () => {
    expect(problems(file(`${AKSK}\ngaussdb:\n  discover: true\n  include: "(unclosed"`))).toEqual([
      expect.stringMatching(/^projects\[0\]\.gaussdb\.include: invalid regular expression: /),
    ]);
  });

  it('reports a missing file', async () => {
    const missing = join(dir, 'missing.yaml');
    await expect(loadConfig(missing, {})).rejects.toThrow(`${missing}: cannot read the configuration file: no such file`);
  });
});
