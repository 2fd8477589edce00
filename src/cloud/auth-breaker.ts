// The per-project authentication breaker: a refused credential is tried once, then again only
// after an exponential back-off, with one attempt in flight, so the exporter can never be what
// locks its IAM user out (docs/authentication-lockout.md has Huawei's lock-out rules and the
// arithmetic behind the delays).
//
// It guards every request a project's client makes, with whatever authenticator it has (AK/SK,
// IAM password, fixed token, and any credential provider behind the Authenticator interface): a
// refusal is an answer of 401, from the service after the authenticator could not renew, or from
// the token request; and 403 from the token request (IAM answers a locked user so).
//
// States: `unproven` (no answer seen yet: one request goes first, the others wait for it),
// `trusted` (any number in flight), `open` (until the back-off ends, every request fails at once
// with the refusal, and nothing is sent), then `unproven` again for one probe.
import { createHash } from 'node:crypto';
import type { ExporterMetrics } from '../metrics/exporter-metrics.js';
import { CloudApiError } from './errors.js';
import { IAM_API } from './iam.js';
import { started } from './started.js';

/** A request not sent because the project's credentials were refused recently. */
export class AuthRefusedError extends CloudApiError {
  constructor(readonly refusal: CloudApiError, readonly retryAt: number) {
    super({
      api: refusal.api,
      status: refusal.status,
      errorCode: refusal.errorCode,
      errorMsg: `authentication refused${refusal.errorMsg ? ` (${refusal.errorMsg})` : ''}; not sent, next attempt after ${new Date(retryAt).toISOString()}`,
      requestId: refusal.requestId,
    });
    this.name = 'AuthRefusedError';
  }
}

export interface BackoffPolicy {
  /** wait after the first refusal */
  baseMs: number;
  /** longest wait */
  maxMs: number;
}

/**
 * Half an hour, doubling, at most an hour: at most two refused attempts in any hour, fewer
 * than the smallest number of failures IAM can be set to lock a user for (3 within up to 60
 * minutes; the default is 5 within 15).
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30 * 60_000, maxMs: 60 * 60_000 };

/** Whether `error` says the credentials themselves were refused. */
export function isAuthRefusal(error: unknown): error is CloudApiError {
  if (!(error instanceof CloudApiError) || error instanceof AuthRefusedError) return false;
  return error.status === 401 || (error.api === IAM_API && error.status === 403);
}

type State =
  | { kind: 'unproven'; probe: Promise<unknown> | undefined }
  | { kind: 'trusted' }
  | { kind: 'open'; refusal: CloudApiError; until: number };

export class AuthBreaker {
  private state: State = { kind: 'unproven', probe: undefined };
  private refusals = 0;

  constructor(
    private readonly projectId: string,
    private readonly metrics: ExporterMetrics,
    private readonly onTrip: (refusal: CloudApiError, retryAt: number) => void,
    private readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
  ) {
    metrics.authBreakerOpen.set({ project_id: projectId }, 0);
    metrics.authBreakerTrips.inc({ project_id: projectId }, 0);
  }

  /** Runs `attempt` (one authenticated request) as the breaker's state allows. */
  guard<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    // The common case, every request of a project whose credentials work, without an async frame.
    if (this.state.kind === 'trusted' && !signal?.aborted) return this.observe(attempt);
    return this.guardUntrusted(attempt, signal);
  }

  private async guardUntrusted<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (;;) {
      signal?.throwIfAborted();
      const state = this.state;
      if (state.kind === 'trusted') return this.observe(attempt);
      if (state.kind === 'open') {
        if (this.now() < state.until) throw new AuthRefusedError(state.refusal, state.until);
        this.state = { kind: 'unproven', probe: undefined };
        continue;
      }
      if (state.probe === undefined) {
        const probe = this.observe(attempt);
        state.probe = probe;
        // a probe that proves nothing either way (a timeout, a 5xx) lets the next request probe
        probe.catch(() => undefined).finally(() => {
          if (this.state === state) state.probe = undefined;
        });
        return probe;
      }
      await waitFor(state.probe, signal);
    }
  }

  private observe<T>(attempt: () => Promise<T>): Promise<T> {
    return started(attempt).then((result) => {
      if (this.state.kind !== 'trusted') {
        this.state = { kind: 'trusted' };
        this.refusals = 0;
        this.metrics.authBreakerOpen.set({ project_id: this.projectId }, 0);
      }
      return result;
    }, (error: unknown) => {
      if (isAuthRefusal(error)) this.trip(error);
      throw error;
    });
  }

  private trip(refusal: CloudApiError): void {
    // requests already in flight when the first refusal came back do not lengthen the wait
    if (this.state.kind === 'open') return;
    const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** this.refusals);
    this.refusals += 1;
    const until = this.now() + delay;
    this.state = { kind: 'open', refusal, until };
    this.metrics.authBreakerTrips.inc({ project_id: this.projectId });
    this.metrics.authBreakerOpen.set({ project_id: this.projectId }, 1);
    this.onTrip(refusal, until);
  }
}

function waitFor(probe: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  const settled = probe.then(() => undefined, () => undefined);
  if (!signal) return settled;
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void settled.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/**
 * The breakers of every project, kept across reloads for as long as a project's credentials stay
 * the same: a reload must not buy a refused credential another attempt, while new credentials
 * (the fix) start afresh. Keyed by a digest, so that no secret is kept twice in the clear.
 */
export class AuthBreakers {
  private readonly breakers = new Map<string, AuthBreaker>();

  constructor(
    private readonly metrics: ExporterMetrics,
    private readonly onTrip: (projectId: string, refusal: CloudApiError, retryAt: number) => void,
    private readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
  ) {}

  /** The breaker of `projectId` authenticating with `credentials` (any JSON-able description). */
  of(projectId: string, credentials: unknown): AuthBreaker {
    const key = createHash('sha256').update(JSON.stringify([projectId, credentials])).digest('hex');
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = new AuthBreaker(projectId, this.metrics, (refusal, retryAt) => this.onTrip(projectId, refusal, retryAt), this.backoff);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }
}
