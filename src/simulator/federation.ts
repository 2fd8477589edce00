// IAM's side of CCE workload identity, for auth type `workload_identity`: an OIDC ID token from
// the configured identity provider (issuer and audience checked, not expired) is exchanged for an
// unscoped federated token (X-Subject-Token), and that token for a temporary AK/SK with its
// security token, valid for the duration asked (900 to 86400 s, at most `maxKeyLifetimeMs` here).
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { iamTime, type TemporaryKeys } from './temporary-keys.js';

export interface FederationSettings {
  idpId: string;
  /** the `iss` an ID token must carry: the cluster's service-account issuer */
  issuer: string;
  /** the `aud` an ID token must carry: the identity provider's client id */
  audience: string;
}

export const SIMULATOR_FEDERATION: Readonly<FederationSettings> = Object.freeze({
  idpId: 'sim-cce-cluster',
  issuer: 'https://kubernetes.default.svc.cluster.local',
  audience: 'huaweicloud-db-exporter',
});

/** Marks the signature part of every simulated ID token, for the log scans. */
export const ID_TOKEN_MARK = 'simIdToken';
const SIGNING_KEY = 'huaweicloud-db-exporter simulator cluster';
const FEDERATED_TOKEN_TTL_MS = 3_600_000;
const MAX_TOKENS = 1_000;

export interface FederationReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const iamError = (code: number, title: string, message: string): FederationReply => ({ status: code, body: { error: { code, message, title } } });

/** A service-account token as a kubelet projects it (a JWT), signed by the simulated cluster. */
export function simulatorIdToken(claims: { issuer?: string; audience?: string; subject?: string; expiresAt?: number } = {}): string {
  const now = Date.now();
  const payload = {
    iss: claims.issuer ?? SIMULATOR_FEDERATION.issuer,
    aud: [claims.audience ?? SIMULATOR_FEDERATION.audience],
    sub: claims.subject ?? 'system:serviceaccount:monitoring:huaweicloud-db-exporter',
    iat: Math.floor(now / 1000),
    exp: Math.floor((claims.expiresAt ?? now + 3_600_000) / 1000),
    jti: randomBytes(8).toString('hex'),
  };
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${unsigned}.${ID_TOKEN_MARK}${createHmac('sha256', SIGNING_KEY).update(unsigned).digest('base64url')}`;
}

export class Federation {
  /** the `sub` of every ID token accepted, oldest first */
  readonly subjects: string[] = [];
  private readonly tokens = new Map<string, number>();

  constructor(
    readonly settings: FederationSettings,
    private readonly keys: TemporaryKeys,
    private readonly maxKeyLifetimeMs: number,
  ) {}

  /** POST /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/oidc/auth */
  federatedToken(idpId: string, headers: IncomingHttpHeaders, now = Date.now()): FederationReply {
    if (idpId !== this.settings.idpId) return iamError(404, 'Not Found', `Could not find Identity Provider: ${idpId}.`);
    const bearer = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
    const problem = bearer === undefined ? 'missing bearer ID token' : this.checkIdToken(bearer, now);
    if (problem) return iamError(401, 'Unauthorized', `The ID token is invalid: ${problem}.`);
    if (this.tokens.size >= MAX_TOKENS) {
      const oldest = this.tokens.keys().next();
      if (!oldest.done) this.tokens.delete(oldest.value);
    }
    const token = `MIIsimFed${randomBytes(1024).toString('base64url')}`;
    const expiresAt = now + FEDERATED_TOKEN_TTL_MS;
    this.tokens.set(token, expiresAt);
    this.subjects.push(subjectOf(bearer ?? ''));
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: { token: { expires_at: iamTime(expiresAt), issued_at: iamTime(now), methods: ['mapped'], user: { 'OS-FEDERATION': { identity_provider: { id: idpId }, protocol: { id: 'oidc' } } } } },
    };
  }

  /** POST /v3.0/OS-CREDENTIAL/securitytokens */
  securityToken(headers: IncomingHttpHeaders, body: Buffer, now = Date.now()): FederationReply {
    const token = headers['x-auth-token'];
    const expiresAt = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (expiresAt === undefined) return iamError(401, 'Unauthorized', 'The request you have made requires authentication.');
    if (now >= expiresAt) return iamError(401, 'Unauthorized', 'The token has expired.');
    let parsed: { auth?: { identity?: { methods?: unknown; token?: { duration_seconds?: unknown } } } };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      return iamError(400, 'Bad Request', 'The request body is invalid');
    }
    const identity = parsed.auth?.identity;
    const duration = identity?.token?.duration_seconds ?? 900;
    if (!Array.isArray(identity?.methods) || !identity.methods.includes('token')
      || typeof duration !== 'number' || !Number.isInteger(duration) || duration < 900 || duration > 86_400) {
      return iamError(400, 'Bad Request', 'Invalid request body: methods must be ["token"] and duration_seconds from 900 to 86400.');
    }
    return { status: 201, body: { credential: this.keys.issue(Math.min(duration * 1000, this.maxKeyLifetimeMs), now) } };
  }

  private checkIdToken(token: string, now: number): string | undefined {
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined) return 'not a JWT';
    const expected = `${ID_TOKEN_MARK}${createHmac('sha256', SIGNING_KEY).update(`${header}.${payload}`).digest('base64url')}`;
    if (signature !== expected) return 'signature does not verify';
    let claims: { iss?: unknown; aud?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return 'payload is not JSON';
    }
    if (claims.iss !== this.settings.issuer) return `issuer ${JSON.stringify(claims.iss)} is not the identity provider's`;
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.settings.audience)) return `audience is not ${this.settings.audience}`;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return 'expired';
    return undefined;
  }
}

function subjectOf(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    return String(claims.sub);
  } catch {
    return '';
  }
}
