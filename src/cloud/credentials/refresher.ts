// Temporary credentials that renew themselves: refreshed ahead of expiry (10 minutes before, or
// half the lifetime of a shorter-lived key), one refresh in flight however many requests wait,
// and the key in hand kept until a new one has arrived. A failed refresh is not tried again
// before `retryIntervalMs`, so a source that is down sees one attempt per interval, not one per
// request; with no usable key, requests fail at once with the last failure meanwhile.
import { abortable } from '../abortable.js';
import type { AkSkCredentials } from '../signer.js';
import { errorFields } from '../errors.js';
import type { ExporterMetrics } from '../../metrics/exporter-metrics.js';
import type { Logger } from '../../log.js';

export type CredentialKind = 'metadata' | 'workload_identity';

export interface TemporaryCredentials extends AkSkCredentials {
  securityToken: string;
  /** Unix time in ms */
  expiresAt: number;
}

/** Credentials could not be had; says from where and why, never with a secret in it. */
export class CredentialError extends Error {
  constructor(readonly kind: CredentialKind, message: string, options?: { cause: unknown }) {
    super(`${kind} credentials: ${message}`, options);
    this.name = 'CredentialError';
  }
}

export interface RefresherOptions {
  projectId: string;
  kind: CredentialKind;
  /** gets a new key pair; its errors should name the source (they end up in target errors) */
  fetch: () => Promise<TemporaryCredentials>;
  metrics: ExporterMetrics;
  log: Logger;
  now?: () => number;
}

const REFRESH_AHEAD_MS = 10 * 60 * 1000;
const RETRY_INTERVAL_MS = 5_000;
/** a key is not used in its last minute (or tenth of its life): a request signed then may arrive after it */
const EXPIRY_MARGIN_MS = 60_000;

interface Held {
  credentials: TemporaryCredentials;
  refreshAt: number;
  usableUntil: number;
}

export class CredentialRefresher {
  private held: Held | undefined;
  private refreshing: Promise<TemporaryCredentials> | undefined;
  private nextAttemptAt = 0;
  private lastFailure: unknown;
  private readonly now: () => number;

  constructor(private readonly options: RefresherOptions) {
    this.now = options.now ?? Date.now;
    const { projectId, kind, metrics } = options;
    for (const result of ['success', 'failure']) metrics.credentialRefreshes.inc({ project_id: projectId, kind, result }, 0);
  }

  /** A key pair to sign with: the one in hand while usable (refreshing it in the background when
   *  due), else a new one. */
  async get(signal?: AbortSignal): Promise<TemporaryCredentials> {
    const now = this.now();
    const held = this.held;
    if (held && now < held.usableUntil) {
      if (now >= held.refreshAt && now >= this.nextAttemptAt) this.refresh().catch(() => undefined);
      return held.credentials;
    }
    if (!this.refreshing && now < this.nextAttemptAt) throw this.lastFailure;
    return abortable(this.refresh(), signal);
  }

  /** After a 401 for a request signed with `accessKey`: true when another key is now in hand.
   *  The same key is never replayed (repeated AK/SK failures lock it). */
  async renew(accessKey: string, signal?: AbortSignal): Promise<boolean> {
    if (this.held && this.held.credentials.accessKey !== accessKey) return true;
    if (!this.refreshing && this.now() < this.nextAttemptAt) return false;
    try {
      return (await abortable(this.refresh(), signal)).accessKey !== accessKey;
    } catch {
      return false;
    }
  }

  private refresh(): Promise<TemporaryCredentials> {
    this.refreshing ??= this.options.fetch()
      .then((credentials) => this.accept(credentials), (error: unknown) => this.fail(error))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private accept(credentials: TemporaryCredentials): TemporaryCredentials {
    const { projectId, kind, metrics } = this.options;
    const now = this.now();
    const lifetime = Math.max(0, credentials.expiresAt - now);
    const refreshAt = credentials.expiresAt - Math.min(REFRESH_AHEAD_MS, lifetime / 2);
    this.held = { credentials, refreshAt, usableUntil: credentials.expiresAt - Math.min(EXPIRY_MARGIN_MS, lifetime / 10) };
    // The source may hand out the key in hand again (the metadata service rotates on its own
    // schedule): its remaining life then halves the wait before the next try, down to an interval.
    this.nextAttemptAt = refreshAt > now ? 0 : now + Math.min(RETRY_INTERVAL_MS, lifetime / 10);
    metrics.credentialRefreshes.inc({ project_id: projectId, kind, result: 'success' });
    metrics.credentialExpiry.set({ project_id: projectId, kind }, credentials.expiresAt / 1000);
    return credentials;
  }

  private fail(error: unknown): never {
    const { projectId, kind, metrics, log } = this.options;
    this.lastFailure = error;
    this.nextAttemptAt = this.now() + RETRY_INTERVAL_MS;
    metrics.credentialRefreshes.inc({ project_id: projectId, kind, result: 'failure' });
    const held = this.held;
    log.warn({
      project_id: projectId, kind, ...errorFields(error),
      ...(held ? { key_expires_at: new Date(held.credentials.expiresAt).toISOString() } : {}),
    }, held && this.now() < held.usableUntil ? 'temporary credentials refresh failed; the current key is kept' : 'temporary credentials refresh failed');
    throw error;
  }
}
