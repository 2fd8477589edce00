// HTTP basic authentication against bcrypt hashes, as in exporter-toolkit's web config
// (`basic_auth_users`, hashes from `htpasswd -nBC 10 user`).
//
// - An unknown user is checked against a dummy hash of the same cost as the configured ones, so
//   the response time does not tell which user names exist.
// - Successful checks are cached, keyed by (user, keyed SHA-256 of the password, hash), so a
//   Prometheus scraping every few seconds does not pay bcrypt each time. A changed hash or a
//   removed user changes or misses the key; failures are never cached.
// - bcrypt runs one check at a time (like exporter-toolkit's mutex) and a bounded number wait;
//   beyond that the request is turned away at once rather than queueing CPU work without end.
// Nothing here logs; passwords and the Authorization header never leave this module.
import { createHmac, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** `$2a$`, `$2b$` or `$2y$`, two-digit cost, 22 characters of salt and 31 of hash */
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
export const MIN_BCRYPT_COST = 4;
/** htpasswd's own upper bound; bcrypt in JavaScript takes seconds per check beyond it */
export const MAX_BCRYPT_COST = 17;

/** The cost of a bcrypt hash, or undefined if `hash` is not one this module accepts. */
export function bcryptCost(hash: string): number | undefined {
  const match = BCRYPT_HASH.exec(hash);
  if (!match) return undefined;
  const cost = Number(match[1]);
  return cost >= MIN_BCRYPT_COST && cost <= MAX_BCRYPT_COST ? cost : undefined;
}

export interface Credentials {
  user: string;
  password: string;
}

/**
 * The user and password of an `Authorization: Basic ...` header; undefined when the header is
 * missing, uses another scheme, is not strict base64, or has no colon (as Go's `r.BasicAuth()`).
 */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  if (header === undefined) return undefined;
  const match = /^basic ([A-Za-z0-9+/]*={0,2})$/i.exec(header);
  const encoded = match?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export type AuthResult = 'ok' | 'unauthorized' | 'busy';

/** What outlives a configuration reload: the success cache and the bcrypt queue. */
export class BasicAuthState {
  static readonly CACHE_SIZE = 100;
  static readonly MAX_WAITING = 32;
  private readonly cacheSecret = randomBytes(32);
  private readonly successes = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  cacheKey(user: string, password: string, hash: string): string {
    const digest = createHmac('sha256', this.cacheSecret).update(password, 'utf8').digest('hex');
    return JSON.stringify([user, digest, hash]);
  }

  cached(key: string): boolean {
    return this.successes.has(key);
  }

  remember(key: string): void {
    this.successes.delete(key);
    this.successes.add(key);
    // A Set iterates in insertion order: drop the oldest.
    while (this.successes.size > BasicAuthState.CACHE_SIZE) {
      const oldest = this.successes.values().next().value;
      if (oldest === undefined) break;
      this.successes.delete(oldest);
    }
  }

  /** Runs `work` after the bcrypt checks before it; undefined when too many are waiting already. */
  async serialized<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (this.waiting >= BasicAuthState.MAX_WAITING) return undefined;
    this.waiting += 1;
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      this.waiting -= 1;
    }
  }
}

const dummyHashes = new Map<number, Promise<string>>();

/** A hash of a random password at `cost`, made once per cost and process. */
function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = bcrypt.hash(randomBytes(18).toString('base64'), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

export class BasicAuth {
  private constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly dummy: string,
    private readonly state: BasicAuthState,
  ) {}

  /** `users` maps user names to bcrypt hashes already checked with `bcryptCost`. */
  static async create(users: ReadonlyMap<string, string>, state: BasicAuthState): Promise<BasicAuth> {
    let cost = MIN_BCRYPT_COST;
    for (const hash of users.values()) cost = Math.max(cost, bcryptCost(hash) ?? MIN_BCRYPT_COST);
    return new BasicAuth(users, users.size > 0 ? await dummyHash(cost) : '', state);
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Checks an Authorization header value. */
  async verify(authorization: string | undefined): Promise<AuthResult> {
    const credentials = parseBasicAuth(authorization);
    if (!credentials) return 'unauthorized';
    const known = this.users.get(credentials.user);
    const hash = known ?? this.dummy;
    const key = this.state.cacheKey(credentials.user, credentials.password, hash);
    if (known !== undefined && this.state.cached(key)) return 'ok';
    const matches = await this.state.serialized(() => bcrypt.compare(credentials.password, hash).catch(() => false));
    if (matches === undefined) return 'busy';
    if (!matches || known === undefined) return 'unauthorized';
    this.state.remember(key);
    return 'ok';
  }
}
