import { describe, expect, it } from '@jest/globals';
import { isLoopback, sessionsExposureProblem } from '../../src/server/sessions-exposure.js';
import type { WebConfigFile, WebTlsConfig } from '../../src/config/web-config.js';

function web(basicAuthUsers: number, clientAuthType?: WebTlsConfig['clientAuthType']): WebConfigFile {
  return {
    path: '/etc/web.yaml',
    tls: clientAuthType === undefined ? undefined : ({ clientAuthType } as WebTlsConfig),
    basicAuthUsers: new Map(Array.from({ length: basicAuthUsers }, (_, i) => [`u${i}`, 'hash'])),
    headers: {}, http2: false, rateLimit: undefined,
  };
}

describe('serving top sessions', () => {
  it.each(['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1', 'localhost'])('%s is loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each(['', '0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::ffff:10.0.0.1'])('%s is not', (host) => {
    expect(isLoopback(host)).toBe(false);
  });

  it('is allowed on loopback, behind basic auth or behind verified client certificates; refused otherwise, naming the field', () => {
    const at = (host: string) => ({ host, port: 10110 });
    expect(sessionsExposureProblem(0, at('0.0.0.0'), undefined)).toBeUndefined();
    expect(sessionsExposureProblem(5, at('127.0.0.1'), undefined)).toBeUndefined();
    expect(sessionsExposureProblem(5, at('::1'), undefined)).toBeUndefined();
    expect(sessionsExposureProblem(5, at('0.0.0.0'), web(1))).toBeUndefined();
    expect(sessionsExposureProblem(5, at(''), web(0, 'RequireAndVerifyClientCert'))).toBeUndefined();
    expect(sessionsExposureProblem(5, at(''), undefined)).toBe('collectors.htap_processes.top_sessions: is 5, but /sessions would show SQL text '
      + 'to anyone who reaches every interface, port 10110: set basic_auth_users or client_auth_type RequireAndVerifyClientCert in the web config '
      + 'file (web.config_file), listen on loopback only (web.listen_address 127.0.0.1:<port>), or set top_sessions to 0');
    for (const [host, config] of [['::', undefined], ['0.0.0.0', web(0)], ['10.0.0.5', web(0, 'NoClientCert')],
      ['0.0.0.0', web(0, 'RequireAnyClientCert')], ['0.0.0.0', web(0, 'VerifyClientCertIfGiven')]] as const) {
      expect(sessionsExposureProblem(5, at(host), config)).toMatch(/^collectors\.htap_processes\.top_sessions: is 5, but \/sessions would show SQL text/);
    }
  });
});
