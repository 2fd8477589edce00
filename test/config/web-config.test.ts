import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import bcrypt from 'bcrypt';
import { loadWebConfig, WebConfigError } from '../../src/config/web-config.js';
import { useWebConfigFiles } from '../server/web-support.js';

const files = useWebConfigFiles();

async function problemsOf(text: string): Promise<string[]> {
  try {
    await loadWebConfig(files.write(text));
  } catch (error) {
    expect(error).toBeInstanceOf(WebConfigError);
    return [...(error as WebConfigError).problems];
  }
  throw new Error('expected the web config to be refused');
}

// A low cost keeps these tests fast.
const HASH = bcrypt.hashSync('correct horse battery staple', 4);

describe('loadWebConfig', () => {
  it('reads a full file, resolving paths against its folder and filling in the defaults', async () => {
    const path = files.write([
      'tls_server_config:',
      '  cert_file: ../server.crt',
      '  key_file: ../server.key',
      'http_server_config:',
      '  headers:',
      '    X-Frame-Options: deny',
      'basic_auth_users:',
      `  alice: ${HASH}`,
      `  bob: ${HASH.replace(/^\$2b\$/, '$2y$')}`,
      '',
    ].join('\n'));
    const config = await loadWebConfig(path);
    expect(config.path).toBe(path);
    expect(config.tls).toMatchObject({
      certFile: files.pki.server.cert,
      keyFile: files.pki.server.key,
      clientCaFile: undefined,
      clientAuthType: 'NoClientCert',
      minVersion: 'TLS12',
      maxVersion: 'TLS13',
    });
    expect([...config.basicAuthUsers.keys()]).toEqual(['alice', 'bob']);
    expect(config.headers).toEqual({ 'X-Frame-Options': 'deny' });
    // The key material stays out of JSON logs.
    expect(JSON.stringify(config)).not.toContain('PRIVATE KEY');
  });

  it('treats an empty file and an empty tls_server_config as plain HTTP without auth', async () => {
    expect(await loadWebConfig(files.write(''))).toMatchObject({ tls: undefined, rateLimit: undefined });
    expect((await loadWebConfig(files.write('tls_server_config: {}\n'))).tls).toBeUndefined();
  });

  it('refuses unknown keys, naming them, with a suggestion when one is close', async () => {
    const problems = await problemsOf([
      'tls_server_config:',
      `  cert_file: ${files.pki.server.cert}`,
      `  key_file: ${files.pki.server.key}`,
      '  cert_flie: x',
      'basic_auth_user: {}',
      'http_server_config:',
      '  headers:',
      '    X-Powered-By: me',
      '    x-frame-option: deny',
      '',
    ].join('\n'));
    expect(problems).toEqual([
      'tls_server_config.cert_flie: unknown key (did you mean cert_file?)',
      'basic_auth_user: unknown key (did you mean basic_auth_users?)',
      'http_server_config.headers.X-Powered-By: unknown key',
      'http_server_config.headers.x-frame-option: unknown key (did you mean X-Frame-Options?)',
    ]);
  });

  it('needs key_file (and cert_file) when tls_server_config is set', async () => {
    expect(await problemsOf(`tls_server_config:\n  cert_file: ${files.pki.server.cert}\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.key_file: required/)]);
    expect(await problemsOf('tls_server_config:\n  min_version: TLS13\n')).toEqual([
      expect.stringMatching(/^tls_server_config\.cert_file: required/),
      expect.stringMatching(/^tls_server_config\.key_file: required/),
    ]);
    await expect(loadWebConfig(files.write(`tls_server_config:\n  cert_file: ${files.pki.server.cert}\n`))).rejects.toThrow(/^tls_server_config\.key_file: /);
  });

  it('refuses a bad client_auth_type and client auth without its CA', async () => {
    const tlsBase = `tls_server_config:\n  cert_file: ${files.pki.server.cert}\n  key_file: ${files.pki.server.key}\n`;
    expect(await problemsOf(`${tlsBase}  client_auth_type: RequireCert\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.client_auth_type: must be one of NoClientCert, .*RequireAndVerifyClientCert/)]);
    expect(await problemsOf(`${tlsBase}  client_auth_type: RequireAndVerifyClientCert\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.client_ca_file: required with client_auth_type RequireAndVerifyClientCert/)]);
    expect(await problemsOf(`${tlsBase}  client_ca_file: ${files.pki.ca.cert}\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.client_ca_file: set but client_auth_type is NoClientCert/)]);
    expect(await problemsOf(`${tlsBase}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ${files.pki.ca.cert}\n  client_allowed_sans: [a]\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.client_allowed_sans: needs client_auth_type/)]);
  });

  it('checks the files: readable, a certificate, a key that belongs to it', async () => {
    expect(await problemsOf(`tls_server_config:\n  cert_file: missing.crt\n  key_file: ${files.pki.server.key}\n`))
      .toEqual([`tls_server_config.cert_file: cannot read ${JSON.stringify(join(files.dir, 'missing.crt'))}: no such file`]);
    expect(await problemsOf(`tls_server_config:\n  cert_file: ${files.pki.server.key}\n  key_file: ${files.pki.server.key}\n`))
      .toEqual(['tls_server_config.cert_file: contains no PEM certificate']);
    const problems = await problemsOf(`tls_server_config:\n  cert_file: ${files.pki.server.cert}\n  key_file: ${files.pki.client.key}\n`);
    expect(problems).toEqual(['tls_server_config.key_file: does not belong to the certificate in cert_file']);
    expect(problems.join()).not.toContain('PRIVATE KEY');
  });

  it('refuses versions, cipher suites and curves it does not know, and min above max', async () => {
    const tlsBase = `tls_server_config:\n  cert_file: ${files.pki.server.cert}\n  key_file: ${files.pki.server.key}\n`;
    expect(await problemsOf(`${tlsBase}  min_version: TLS13\n  max_version: TLS12\n  cipher_suites: [TLS_FOO]\n  curve_preferences: [CurveP999]\n`)).toEqual([
      'tls_server_config.max_version: TLS12 is below min_version TLS13',
      'tls_server_config.cipher_suites: unknown cipher suite "TLS_FOO"',
      expect.stringMatching(/^tls_server_config\.curve_preferences: unknown curve "CurveP999"/),
    ]);
    const config = await loadWebConfig(files.write(`${tlsBase}  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n  curve_preferences: [X25519, CurveP256]\n`));
    expect(config.tls).toMatchObject({ ciphers: ['ECDHE-ECDSA-AES128-GCM-SHA256'], curves: ['X25519', 'P-256'] });
  });

  it('refuses a password entry that is not a bcrypt hash without echoing it', async () => {
    const problems = await problemsOf('basic_auth_users:\n  alice: plaintext-secret\n  bob: "$2b$03$abc"\n');
    expect(problems).toEqual([
      expect.stringMatching(/^basic_auth_users\.alice: must be a bcrypt hash/),
      expect.stringMatching(/^basic_auth_users\.bob: must be a bcrypt hash/),
    ]);
    expect(problems.join()).not.toContain('plaintext-secret');
  });

  it('reports YAML syntax errors by position, without quoting the file', async () => {
    const problems = await problemsOf('basic_auth_users:\n  alice: "$2y$10$not-closed\n  bob: [x\n');
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toMatch(/^line \d+, column \d+: invalid YAML: /);
    expect(problems.join()).not.toContain('not-closed');
    expect(await problemsOf('basic_auth_users:\n  alice: a\n  alice: b\n')).toEqual(['line 3, column 3: invalid YAML: duplicate key (DUPLICATE_KEY)']);
  });

  it('checks headers and rate_limit', async () => {
    expect(await problemsOf('http_server_config:\n  headers:\n    X-Frame-Options: allow\nrate_limit:\n  interval: 1 second\n')).toEqual([
      'http_server_config.headers.X-Frame-Options: must be one of deny, sameorigin',
      'rate_limit.interval: invalid duration "1 second": expected numbers each with a unit (ns, us, ms, s, m, h) such as 100ms, 1s or 1m30s',
    ]);
    expect((await loadWebConfig(files.write('rate_limit:\n  burst: 2\n  interval: 1m30s\n'))).rateLimit).toEqual({ burst: 2, intervalMs: 90_000 });
  });

  it('reads rate_limit.interval in Go duration syntax, as exporter-toolkit does', async () => {
    const rateLimit = async (text: string) => (await loadWebConfig(files.write(`rate_limit:\n${text}`))).rateLimit;
    expect(await rateLimit('  burst: 1\n  interval: 500us\n')).toEqual({ burst: 1, intervalMs: 0.5 });
    expect(await rateLimit('  burst: 3\n  interval: .5s\n')).toEqual({ burst: 3, intervalMs: 500 });
    expect(await rateLimit('  burst: 1\n  interval: 1h1m\n')).toEqual({ burst: 1, intervalMs: 3_660_000 });
    // no interval, "0" or 0: no rate limit, whatever the burst
    expect(await rateLimit('  burst: 5\n')).toBeUndefined();
    expect(await rateLimit('  burst: 5\n  interval: "0"\n')).toBeUndefined();
    expect(await rateLimit('  interval: 0\n')).toBeUndefined();
    expect(await problemsOf('rate_limit:\n  interval: 1s\n')).toEqual(['rate_limit.burst: must be at least 1 when interval is set']);
    expect(await problemsOf('rate_limit:\n  burst: -1\n  interval: -1s\n')).toEqual([
      'rate_limit.burst: must be a whole number, 0 or more',
      'rate_limit.interval: invalid duration "-1s": expected numbers each with a unit (ns, us, ms, s, m, h) such as 100ms, 1s or 1m30s',
    ]);
    expect(await problemsOf('rate_limit:\n  burst: 1\n  interval: 100\n')).toEqual(['rate_limit.interval: expected a duration such as 100ms or 1s']);
  });

  it('names the field of a value of the wrong type, as the exporter\'s own file does', async () => {
    expect(await problemsOf('- tls_server_config\n')).toEqual(['(top level): expected a mapping, got a list']);
    expect(await problemsOf([
      'tls_server_config: [cert_file]',
      'http_server_config:',
      '  http2: yes please',
      '  headers:',
      '    X-XSS-Protection: 1',
      'basic_auth_users: [alice]',
      'rate_limit:',
      '  burst: 1.5',
      '',
    ].join('\n'))).toEqual([
      'tls_server_config: expected a mapping, got a list',
      'http_server_config.http2: expected true or false, got a string',
      'http_server_config.headers.X-XSS-Protection: expected a string, got a number (quote the value)',
      'basic_auth_users: must be a mapping of user names to bcrypt hashes',
      'rate_limit.burst: must be a whole number, 0 or more',
    ]);
    expect(await problemsOf(`tls_server_config:\n  cert_file: ${files.pki.server.cert}\n  key_file: ${files.pki.server.key}\n  cipher_suites: TLS_AES_128_GCM_SHA256\n  client_allowed_sans: [a, 1]\n`)).toEqual([
      'tls_server_config.cipher_suites: expected a list, got a string',
      'tls_server_config.client_allowed_sans[1]: expected a string, got a number (quote the value)',
    ]);
  });

  it('lists the problems of every section in the order of the file', async () => {
    expect(await problemsOf([
      'rate_limit:',
      '  burst: 0',
      '  interval: 1s',
      'basic_auth_users:',
      '  carol: plain',
      'tls_server_config:',
      '  key_file: server.key',
      '',
    ].join('\n'))).toEqual([
      'rate_limit.burst: must be at least 1 when interval is set',
      expect.stringMatching(/^basic_auth_users\.carol: must be a bcrypt hash/),
      expect.stringMatching(/^tls_server_config\.cert_file: required/),
    ]);
  });
});
