// Agency credentials of an ECS (or a CCE node) from its metadata service.
//
// Huawei Cloud ECS, "Obtaining Metadata" (usermanual-ecs/ecs_03_0166.html): the OpenStack item
// `GET http://169.254.169.254/openstack/latest/securitykey` answers the agency's temporary AK/SK as
// {"credential": {"access", "secret", "securitytoken", "expires_at"}}; keys last about an hour and
// the service switches to a new one before the old expires, both working meanwhile.
// Huawei Cloud ECS, "Configuring Instance Metadata Options" (usermanual-ecs/ecs_03_2167.html): with
// metadata V2 a session token comes first, `PUT http://169.254.169.254/meta-data/latest/api/token`
// with `X-Metadata-Token-Ttl-Seconds` (21600, 6 h, advised), then goes on every read as
// `X-Metadata-Token`. V2 is not offered in every region, so a token path that does not exist
// (404, 405) means reading without one (V1).
import { cloudErrorFromAnswer } from '../errors.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import type { HttpTransport } from '../transport.js';
import type { ExporterMetrics } from '../../metrics/exporter-metrics.js';
import { CredentialError, type TemporaryCredentials } from './refresher.js';
import { parseCredential } from './temporary-keys.js';

export const METADATA_ENDPOINT = 'http://169.254.169.254';
export const METADATA_TOKEN_API = 'metadata_token';
export const METADATA_SECURITY_KEY_API = 'metadata_securitykey';
export const SESSION_TOKEN_PATH = '/meta-data/latest/api/token';
export const SECURITY_KEY_PATH = '/openstack/latest/securitykey';
export const SESSION_TOKEN_TTL_HEADER = 'X-Metadata-Token-Ttl-Seconds';
export const SESSION_TOKEN_HEADER = 'X-Metadata-Token';
const SESSION_TOKEN_TTL_SECONDS = 21_600;

interface SessionToken {
  /** undefined: the service has no V2, read without a token */
  value: string | undefined;
  renewAt: number;
}

export class MetadataCredentialSource {
  private session: SessionToken | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly transport: HttpTransport,
    private readonly retryPolicy: RetryPolicy,
    private readonly metrics: ExporterMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  async fetch(): Promise<TemporaryCredentials> {
    try {
      let answer = await this.read(await this.sessionToken());
      // A session token can be refused before its TTL (the service restarted): one new token.
      if (answer.status === 401 && this.session?.value !== undefined) {
        this.session = undefined;
        answer = await this.read(await this.sessionToken());
      }
      if (answer.status !== 200) throw cloudErrorFromAnswer(METADATA_SECURITY_KEY_API, answer.status, answer.body, answer.requestId);
      return parseCredential(METADATA_SECURITY_KEY_API, answer);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new CredentialError('metadata', `no temporary AK/SK from the metadata service at ${this.endpoint} (is an agency attached to the server?): ${why}`, { cause: error });
    }
  }

  private async sessionToken(): Promise<string | undefined> {
    const held = this.session;
    if (held && this.now() < held.renewAt) return held.value;
    const answer = await this.send(METADATA_TOKEN_API, 'PUT', SESSION_TOKEN_PATH, { [SESSION_TOKEN_TTL_HEADER]: String(SESSION_TOKEN_TTL_SECONDS) });
    let value: string | undefined;
    if (answer.status === 200) value = answer.body.trim();
    else if (answer.status !== 404 && answer.status !== 405) {
      throw cloudErrorFromAnswer(METADATA_TOKEN_API, answer.status, answer.body, answer.requestId);
    }
    // Renewed at half its TTL, long before the service would refuse it.
    this.session = { value, renewAt: this.now() + (SESSION_TOKEN_TTL_SECONDS * 1000) / 2 };
    return value;
  }

  private read(token: string | undefined) {
    return this.send(METADATA_SECURITY_KEY_API, 'GET', SECURITY_KEY_PATH, token === undefined ? {} : { [SESSION_TOKEN_HEADER]: token });
  }

  private send(api: string, method: 'GET' | 'PUT', path: string, headers: Record<string, string>) {
    const url = new URL(path, this.endpoint);
    return withRetries(async () => {
      const response = await this.transport.send({ api, method, url, headers });
      if (response.status >= 500 || response.status === 429) {
        throw cloudErrorFromAnswer(api, response.status, response.body, response.requestId, response.headers['retry-after']);
      }
      return response;
    }, this.retryPolicy, undefined, () => this.metrics.apiRetries.inc({ api }));
  }
}

