// Requests signed with temporary AK/SK: the key pair (and its security token) comes from a
// CredentialRefresher, so the metadata service and workload identity share one authenticator.
import type { Authenticator, UnsignedRequest } from '../auth.js';
import { BadResponseError, type CloudApiError } from '../errors.js';
import { RENEWABLE_CODES } from '../iam.js';
import { signRequest } from '../signer.js';
import type { HttpResponse } from '../transport.js';
import { CredentialRefresher, type RefresherOptions, type TemporaryCredentials } from './refresher.js';

export class TemporaryKeyAuthenticator implements Authenticator {
  private readonly refresher: CredentialRefresher;

  constructor(options: RefresherOptions) {
    this.refresher = new CredentialRefresher(options);
  }

  async headers(request: UnsignedRequest, signal?: AbortSignal): Promise<Record<string, string>> {
    return signRequest(request, await this.refresher.get(signal));
  }

  /** A 401 saying the key is bad or expired (it may be revoked early) is replayed once, and only
   *  with another key than the refused one. */
  async renew(error: CloudApiError, sentHeaders: Record<string, string>, signal?: AbortSignal): Promise<boolean> {
    if (!RENEWABLE_CODES.test(error.errorCode)) return false;
    const accessKey = /Access=([^\s,]+)/.exec(sentHeaders['Authorization'] ?? '')?.[1];
    return accessKey !== undefined && this.refresher.renew(accessKey, signal);
  }
}

/** The `credential` object both the metadata service (`/openstack/latest/securitykey`) and IAM
 *  (`/v3.0/OS-CREDENTIAL/securitytokens`) answer: access, secret, securitytoken, expires_at. */
export function parseCredential(api: string, response: HttpResponse): TemporaryCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw new BadResponseError(api, 'body is not JSON', response.requestId);
  }
  const credential = (parsed as { credential?: Record<string, unknown> } | null)?.credential;
  const { access, secret, securitytoken, expires_at: expires } = credential ?? {};
  if (typeof access !== 'string' || access === '' || typeof secret !== 'string' || secret === ''
    || typeof securitytoken !== 'string' || securitytoken === '') {
    throw new BadResponseError(api, 'credential lacks access, secret or securitytoken', response.requestId);
  }
  const expiresAt = typeof expires === 'string' ? Date.parse(expires) : NaN;
  if (!Number.isFinite(expiresAt)) throw new BadResponseError(api, 'credential.expires_at is not a time', response.requestId);
  return { accessKey: access, secretKey: secret, securityToken: securitytoken, expiresAt };
}
