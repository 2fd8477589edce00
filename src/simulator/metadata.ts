// The ECS metadata service's credential item, for auth type `metadata`: a session token by
// `PUT /meta-data/latest/api/token` (X-Metadata-Token-Ttl-Seconds, 1 to 21600), required as
// X-Metadata-Token on `GET /openstack/latest/securitykey` (metadata V2), which answers the
// agency's current temporary key. Like the real service it hands out the same key until
// `rotateAheadMs` before it expires, then a new one; the old one keeps working to its end.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { TemporaryKeys, WireCredential } from './temporary-keys.js';

export interface MetadataReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const MAX_SESSIONS = 1_000;
const MAX_TTL_SECONDS = 21_600;

export class MetadataService {
  /** session tokens handed out so far */
  sessionTokensIssued = 0;
  private readonly sessions = new Map<string, number>();
  private current: WireCredential | undefined;

  constructor(
    private readonly keys: TemporaryKeys,
    private readonly keyLifetimeMs: number,
  ) {}

  /** When a new key is handed out: 10 minutes before the old one expires, or a third of a short life. */
  private get rotateAheadMs(): number {
    return Math.min(10 * 60_000, this.keyLifetimeMs / 3);
  }

  sessionToken(headers: IncomingHttpHeaders, now = Date.now()): MetadataReply {
    const raw = headers['x-metadata-token-ttl-seconds'];
    const ttl = typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(ttl >= 1 && ttl <= MAX_TTL_SECONDS)) {
      return { status: 400, body: `X-Metadata-Token-Ttl-Seconds must be a whole number from 1 to ${MAX_TTL_SECONDS}`, headers: { 'Content-Type': 'text/plain' } };
    }
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, now + ttl * 1000);
    this.sessionTokensIssued++;
    return { status: 200, body: token, headers: { 'Content-Type': 'text/plain' } };
  }

  securityKey(headers: IncomingHttpHeaders, now = Date.now()): MetadataReply {
    const token = headers['x-metadata-token'];
    const expiresAt = typeof token === 'string' ? this.sessions.get(token) : undefined;
    if (expiresAt === undefined || now >= expiresAt) return { status: 401, body: 'Unauthorized', headers: { 'Content-Type': 'text/plain' } };
    const current = this.current && this.keys.lookup(this.current.access);
    if (!current || current.expiresAt - now <= this.rotateAheadMs) {
      this.current = this.keys.issue(this.keyLifetimeMs, now);
    }
    return { status: 200, body: { credential: this.current } };
  }

  /** Makes every session token refused, as after a restart of the service. */
  forgetSessions(): void {
    this.sessions.clear();
  }
}
