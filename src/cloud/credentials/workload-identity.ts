// CCE workload identity: the pod's projected service-account token (an OIDC ID token) exchanged at
// IAM for temporary AK/SK, the two calls the official SDK core makes
// (@huaweicloud/huaweicloud-sdk-core internal/services/iam.service.js):
// - IAM API "Obtaining a Token with an OpenID Connect ID Token":
//   POST /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/oidc/auth with
//   `Authorization: Bearer <ID token>` answers 201 with an unscoped token in X-Subject-Token;
// - IAM API "Obtaining a Temporary Access Key and Security Token Through a Token" (iam_04_0002):
//   POST /v3.0/OS-CREDENTIAL/securitytokens with that token as X-Auth-Token and
//   {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": N}}}} (900 to
//   86400) answers 201 {"credential": {access, secret, securitytoken, expires_at}}.
// The kubelet rotates the token file, so it is read again at every refresh.
import { readFile } from 'node:fs/promises';
import { BadResponseError, cloudErrorFromAnswer } from '../errors.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import type { HttpResponse, HttpTransport } from '../transport.js';
import type { ExporterMetrics } from '../../metrics/exporter-metrics.js';
import { CredentialError, type TemporaryCredentials } from './refresher.js';
import { parseCredential } from './temporary-keys.js';

export const FEDERATION_TOKEN_API = 'iam_federation_token';
export const SECURITY_TOKEN_API = 'iam_security_token';
/** ID tokens are JWTs of a few KB; a larger file is not one */
const MAX_ID_TOKEN_BYTES = 64 * 1024;

export interface WorkloadIdentity {
  iamEndpoint: string;
  idpId: string;
  idTokenFile: string;
  durationSeconds: number;
}

export class WorkloadIdentityCredentialSource {
  constructor(
    private readonly identity: WorkloadIdentity,
    private readonly transport: HttpTransport,
    private readonly retryPolicy: RetryPolicy,
    private readonly metrics: ExporterMetrics,
  ) {}

  async fetch(): Promise<TemporaryCredentials> {
    const idToken = await this.readIdToken();
    try {
      const federated = await this.post(FEDERATION_TOKEN_API,
        `/v3/OS-FEDERATION/identity_providers/${encodeURIComponent(this.identity.idpId)}/protocols/oidc/auth`,
        { Authorization: `Bearer ${idToken}` }, '{}');
      const unscoped = federated.headers['x-subject-token'];
      if (typeof unscoped !== 'string' || unscoped === '') {
        throw new BadResponseError(FEDERATION_TOKEN_API, 'no X-Subject-Token header', federated.requestId);
      }
      const body = JSON.stringify({ auth: { identity: { methods: ['token'], token: { duration_seconds: this.identity.durationSeconds } } } });
      const answer = await this.post(SECURITY_TOKEN_API, '/v3.0/OS-CREDENTIAL/securitytokens', { 'X-Auth-Token': unscoped }, body);
      return parseCredential(SECURITY_TOKEN_API, answer);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new CredentialError('workload_identity', `IAM at ${this.identity.iamEndpoint} gave no temporary AK/SK for identity provider ${this.identity.idpId}: ${why}`, { cause: error });
    }
  }

  private async readIdToken(): Promise<string> {
    const file = this.identity.idTokenFile;
    let text: string;
    try {
      text = (await readFile(file, 'utf8')).trim();
    } catch (error) {
      throw new CredentialError('workload_identity', `cannot read id_token_file ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    if (text === '' || Buffer.byteLength(text) > MAX_ID_TOKEN_BYTES || /\s/.test(text)) {
      throw new CredentialError('workload_identity', `id_token_file ${JSON.stringify(file)} does not hold an ID token`);
    }
    return text;
  }

  private post(api: string, path: string, headers: Record<string, string>, body: string): Promise<HttpResponse> {
    const url = new URL(path.slice(1), `${this.identity.iamEndpoint}/`);
    return withRetries(async () => {
      const response = await this.transport.send({
        api, method: 'POST', url, body, headers: { ...headers, 'Content-Type': 'application/json;charset=utf8' },
      });
      if (response.status !== 201 && response.status !== 200) {
        throw cloudErrorFromAnswer(api, response.status, response.body, response.requestId, response.headers['retry-after']);
      }
      return response;
    }, this.retryPolicy, undefined, () => this.metrics.apiRetries.inc({ api }));
  }
}
