import { describe, expect, it } from '@jest/globals';
import { isLoopback, sessionsExposureProblem } from '../../src/server/sessions-exposure.js';
import type { WebConfig, WebTlsConfig } from '../../src/server/web-config.js';

function web(basicAuthUsers: number, clientAuthType?: WebTlsConfig['clientAuthType']): WebConfig {
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
    expect(sessionsExposureProblem(0, '0.0.0.0:10110', undefined)).toBeUndefined();
    expect(sessionsExposureProblem(5, '127.0.0.1:10110', undefined)).toBeUndefined();
    expect(sessionsExposureProblem(5, '[::1]:10110', undefined)).toBeUndefined();
    expect(sessionsExposureProblem(5, '0.0.0.0:10110', web(1))).toBeUndefined();
    expect(sessionsExposureProblem(5, ':10110', web(0, 'RequireAndVerifyClientCert'))).toBeUndefined();
    for (const [address, config] of [[':10110', undefined], ['0.0.0.0:10110', web(0)], ['10.0.0.5:10110', web(0, 'NoClientCert')],
      ['0.0.0.0:10110', web(0, 'RequireAnyClientCert')], ['0.0.0.0:10110', web(0, 'VerifyClientCertIfGiven')]] as const) {
      expect(sessionsExposureProblem(5, address, config)).toMatch(/^collectors\.htap_processes\.top_sessions: is 5, but \/sessions would show SQL text/);
    }
  });
});
