// The three ways a request proves who sends it. `headers` gives the auth headers for one
// request; `renew` is asked after a 401 and says whether one replay may succeed.
import type { CloudApiError } from './errors.js';
import { signRequest, type AkSkCredentials } from './signer.js';

export interface UnsignedRequest {
  method: string;
  url: URL;
  /** headers that will be sent (signed for AK/SK) */
  headers: Record<string, string>;
  body?: string;
}

export interface Authenticator {
  headers(request: UnsignedRequest, signal?: AbortSignal): Promise<Record<string, string>>;
  /** After a 401 for a request sent with `sentHeaders`: true when a replay may now succeed. */
  renew(error: CloudApiError, sentHeaders: Record<string, string>, signal?: AbortSignal): Promise<boolean>;
}

/** Signed requests (SDK-HMAC-SHA256). A 401 is never replayed: five in a row lock the key. */
export class AkSkAuthenticator implements Authenticator {
  constructor(private readonly credentials: AkSkCredentials) {}

  async headers(request: UnsignedRequest): Promise<Record<string, string>> {
    return signRequest(request, this.credentials);
  }

  async renew(): Promise<boolean> {
    return false;
  }
}

/** A fixed X-Auth-Token: nothing to renew. */
export class FixedTokenAuthenticator implements Authenticator {
  constructor(private readonly token: string) {}

  async headers(): Promise<Record<string, string>> {
    return { 'X-Auth-Token': this.token };
  }

  async renew(): Promise<boolean> {
    return false;
  }
}
