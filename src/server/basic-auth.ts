// HTTP basic authentication against bcrypt hashes, as in exporter-toolkit's web config
// (`basic_auth_users`, hashes from `htpasswd -nBC 10 user`).
//
// - bcrypt runs in libuv's thread pool (the native `bcrypt` package), never on the event loop, so
//   a flood of wrong passwords cannot stall scrapes (docs/basic-auth.md, `npm run
//   bench:auth-flood`). At most BCRYPT_PARALLEL checks run at once, fewer than the pool's four
//   threads, which file reads and DNS lookups share; a bounded number wait; beyond that a request
//   is answered 429 at once rather than queueing CPU work without end.
// - Every refused or checked attempt costs the same work, whoever it names: that of one check at
//   the highest cost configured. A user whose hash is cheaper is padded with dummy checks of the
//   costs in between (2^c + 2^c + 2^(c+1) + ... + 2^(max-1) = 2^max); an unknown user is
//   checked against a dummy hash of the highest cost. So the response time tells neither which
//   user names exist nor which cost a user has.
// - Successful checks are cached, keyed by (user, keyed SHA-256 of the password, hash), so a
//   Prometheus scraping every few seconds does not pay bcrypt each time. A changed hash or a
//   removed user changes or misses the key; failures are never cached.
// Nothing here logs; passwords and the Authorization header never leave this module.
import { createHmac, randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';

/** `$2a$`, `$2b$` or `$2y$`, two-digit cost, 22 characters of salt and 31 of hash */
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
export const MIN_BCRYPT_COST = 4;
/** htpasswd's own upper bound; a check takes seconds beyond it */
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
  /** checks running at once: half of libuv's default pool of four threads */
  static readonly BCRYPT_PARALLEL = 2;
  static readonly MAX_WAITING = 32;
  private readonly cacheSecret = randomBytes(32);
  private readonly successes = new Set<string>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

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

  /** Runs `work` in one of the bcrypt slots; undefined when too many wait for one already. */
  async queued<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= BasicAuthState.BCRYPT_PARALLEL) {
      if (this.waiting.length >= BasicAuthState.MAX_WAITING) return undefined;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      // the slot passes straight to the next waiting check, if any
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
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

/** `$2y$` (PHP's, htpasswd's) is the same algorithm as `$2b$`, which the native library reads. */
function nativeHash(hash: string): string {
  return hash.startsWith('$2y$') ? `$2b$${hash.slice(4)}` : hash;
}

export class BasicAuth {
  private constructor(
    private readonly users: ReadonlyMap<string, string>,
    /** dummy hashes by cost, from the lowest cost configured to the highest */
    private readonly dummies: ReadonlyMap<number, string>,
    private readonly maxCost: number,
    private readonly state: BasicAuthState,
  ) {}

  /** `users` maps user names to bcrypt hashes already checked with `bcryptCost`. */
  static async create(users: ReadonlyMap<string, string>, state: BasicAuthState): Promise<BasicAuth> {
    const costs = [...users.values()].map((hash) => bcryptCost(hash) ?? MIN_BCRYPT_COST);
    const maxCost = Math.max(MIN_BCRYPT_COST, ...costs);
    const dummies = new Map<number, string>();
    if (users.size > 0) {
      for (let cost = Math.min(...costs); cost <= maxCost; cost++) dummies.set(cost, await dummyHash(cost));
    }
    return new BasicAuth(new Map([...users].map(([user, hash]) => [user, nativeHash(hash)])), dummies, maxCost, state);
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Checks an Authorization header value. */
  async verify(authorization: string | undefined): Promise<AuthResult> {
    const credentials = parseBasicAuth(authorization);
    if (!credentials) return 'unauthorized';
    const known = this.users.get(credentials.user);
    const hash = known ?? this.dummies.get(this.maxCost) ?? '';
    const key = this.state.cacheKey(credentials.user, credentials.password, hash);
    if (known !== undefined && this.state.cached(key)) return 'ok';
    const matches = await this.state.queued(async () => {
      const result = await bcrypt.compare(credentials.password, hash).catch(() => false);
      for (const padding of this.paddingFor(hash)) await bcrypt.compare(credentials.password, padding).catch(() => false);
      return result;
    });
    if (matches === undefined) return 'busy';
    if (!matches || known === undefined) return 'unauthorized';
    this.state.remember(key);
    return 'ok';
  }

  /** Dummy hashes of the costs from `hash`'s up to the highest but one: with it, 2^max of work. */
  private paddingFor(hash: string): string[] {
    const cost = bcryptCost(hash) ?? this.maxCost;
    const padding: string[] = [];
    for (let c = cost; c < this.maxCost; c++) {
      const dummy = this.dummies.get(c);
      if (dummy) padding.push(dummy);
    }
    return padding;
  }
}
