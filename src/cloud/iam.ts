// IAM user tokens for auth type `password`: fetched from /v3/auth/tokens, cached, refreshed
// ahead of expiry with one request in flight however many callers wait, and renewed once when
// the gateway says a token is bad (APIGW.0301) or must be refreshed (APIGW.0307). A token can
// die early when the user's credentials change, hence the renewal on 401.
import { abortable } from './abortable.js';
import { cloudErrorFromAnswer, BadResponseError, CloudApiError } from './errors.js';
import type { Authenticator } from './auth.js';
import type { HttpTransport } from './transport.js';
import { withRetries, type RetryPolicy } from './retry.js';
import type { ExporterMetrics } from '../metrics/exporter-metrics.js';
import { endpointUrl } from '../config/endpoints.js';

export const IAM_API = 'iam_token';
/** Refresh when less than this much of the token's life is left (tokens live 24 h). */
const REFRESH_AHEAD_MS = 60 * 60 * 1000;
export const RENEWABLE_CODES = /^APIG(W)?\.030[17]$/;

export interface PasswordCredentials {
  domain: string;
  user: string;
  password: string;
}

interface Token {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

export class IamTokenAuthenticator implements Authenticator {
  private token: Token | undefined;
  private refreshing: Promise<Token> | undefined;

  constructor(
    private readonly iamEndpoint: string,
    private readonly projectId: string,
    private readonly credentials: PasswordCredentials,
    private readonly transport: HttpTransport,
    private readonly retryPolicy: RetryPolicy,
    private readonly metrics: ExporterMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  async headers(_request: unknown, signal?: AbortSignal): Promise<Record<string, string>> {
    const current = this.token;
    const now = this.now();
    if (current && now < current.expiresAt) {
      // Still valid: refresh in the background when due, and keep using it if IAM is down.
      // A refusal (any 4xx but throttling) stops the early refreshes of this token: a refused
      // password must not be tried on every request of its last hour. The fetch at expiry goes
      // through the project's breaker (auth-breaker.ts). IAM being down is tried again.
      if (now >= current.refreshAt) {
        this.refresh().catch((error: unknown) => {
          if (error instanceof CloudApiError && error.status < 500 && !error.throttled) current.refreshAt = current.expiresAt;
        });
      }
      return { 'X-Auth-Token': current.value };
    }
    return { 'X-Auth-Token': (await this.refresh(signal)).value };
  }

  async renew(error: CloudApiError, sentHeaders: Record<string, string>, signal?: AbortSignal): Promise<boolean> {
    if (!RENEWABLE_CODES.test(error.errorCode)) return false;
    // Only the first of many requests failing with the same token drops it and refreshes; the
    // others join that refresh, or replay at once when it has already brought a new token.
    const current = this.token;
    if (current !== undefined && current.value !== sentHeaders['X-Auth-Token']) return true;
    this.token = undefined;
    await this.refresh(signal);
    return true;
  }

  private refresh(signal?: AbortSignal): Promise<Token> {
    this.refreshing ??= this.fetchToken()
      .then((token) => {
        this.token = token;
        this.metrics.tokenRefreshes.inc({ project_id: this.projectId, result: 'success' });
        return token;
      }, (error: unknown) => {
        this.metrics.tokenRefreshes.inc({ project_id: this.projectId, result: 'failure' });
        throw error;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    // A caller whose poll ends stops waiting; the refresh itself goes on for the others.
    return abortable(this.refreshing, signal);
  }

  private async fetchToken(): Promise<Token> {
    const body = JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: this.credentials.user, password: this.credentials.password, domain: { name: this.credentials.domain } } },
        },
        scope: { project: { id: this.projectId } },
      },
    });
    const url = endpointUrl(this.iamEndpoint, '/v3/auth/tokens?nocatalog=true');
    const answer = await withRetries(async (retry) => {
      const response = await this.transport.send({
        api: IAM_API, method: 'POST', url, body, headers: { 'Content-Type': 'application/json;charset=utf8' }, retry,
      });
      if (response.status !== 201 && response.status !== 200) {
        throw cloudErrorFromAnswer(IAM_API, response.status, response.body, response.requestId, response.headers['retry-after']);
      }
      return response;
    }, this.retryPolicy, undefined, () => this.metrics.apiRetries.inc({ api: IAM_API }));
    const value = answer.headers['x-subject-token'];
    if (typeof value !== 'string' || value === '') throw new BadResponseError(IAM_API, 'no X-Subject-Token header', answer.requestId);
    const issuedAt = this.now();
    let expiresAt = issuedAt + 24 * 3600 * 1000;
    try {
      const parsed = JSON.parse(answer.body) as { token?: { expires_at?: unknown } };
      const stated = Date.parse(String(parsed.token?.expires_at));
      if (Number.isFinite(stated)) expiresAt = stated;
    } catch {
      throw new BadResponseError(IAM_API, 'token body is not JSON', answer.requestId);
    }
    const lifetime = Math.max(0, expiresAt - issuedAt);
    return { value, expiresAt, refreshAt: expiresAt - Math.min(REFRESH_AHEAD_MS, lifetime / 4) };
  }
}
