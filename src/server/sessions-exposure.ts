// SQL text can hold personal data, so /sessions is only served where strangers cannot read it:
// with top_sessions on, the endpoint must ask for credentials (basic auth, or TLS that requires a
// client certificate verified against the configured CA), or listen on loopback only.
import { isIP } from 'node:net';
import { ConfigError } from '../config/problems.js';
import type { Config, ListenAddress } from '../config/types.js';
import { loadWebConfig, type WebConfigFile } from '../config/web-config.js';

export const TOP_SESSIONS_FIELD = 'collectors.htap_processes.top_sessions';

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  const v6 = host.toLowerCase();
  return v6 === '::1' || (v6.startsWith('::ffff:') && isLoopback(v6.slice('::ffff:'.length)));
}

/** Whether the web config makes every request prove who it is. */
export function asksForCredentials(web: WebConfigFile | undefined): boolean {
  return web !== undefined && (web.basicAuthUsers.size > 0 || web.tls?.clientAuthType === 'RequireAndVerifyClientCert');
}

/** The problem with serving top sessions under this configuration, if any. */
export function sessionsExposureProblem(topSessions: number, listen: ListenAddress, web: WebConfigFile | undefined): string | undefined {
  if (topSessions === 0) return undefined;
  if (asksForCredentials(web)) return undefined;
  if (isLoopback(listen.host)) return undefined;
  const where = listen.host === '' ? `every interface, port ${listen.port}` : `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
  return `${TOP_SESSIONS_FIELD}: is ${topSessions}, but /sessions would show SQL text to anyone who reaches ${where}: `
    + 'set basic_auth_users or client_auth_type RequireAndVerifyClientCert in the web config file (web.config_file), '
    + 'listen on loopback only (web.listen_address 127.0.0.1:<port>), or set top_sessions to 0';
}

/** Throws a ConfigError when the configuration would expose SQL text (reads its web config file). */
export async function checkSessionsExposure(config: Config): Promise<void> {
  const { topSessions } = config.collectors.htap_processes;
  if (topSessions === 0) return;
  const web = config.web.configFile ? await loadWebConfig(config.web.configFile) : undefined;
  const problem = sessionsExposureProblem(topSessions, config.web.listenAddress, web);
  if (problem) throw new ConfigError([problem]);
}
