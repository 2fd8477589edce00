// Temporary AK/SK with security tokens, as the metadata service and IAM hand them out: each
// pair expires on schedule, after which the gateway refuses it.
import { randomBytes } from 'node:crypto';
import type { KeyRecord } from './verify.js';

/** What both the metadata service and IAM answer: `{"credential": {...}}`. */
export interface WireCredential {
  access: string;
  secret: string;
  securitytoken: string;
  /** ISO 8601 with microseconds, as IAM writes it */
  expires_at: string;
}

export interface TemporaryKey extends KeyRecord {
  securityToken: string;
  expiresAt: number;
}

/** Marks every simulated temporary secret and security token, for the log scans. */
export const TEMPORARY_SECRET_PREFIX = 'hwcSimTempSecret';
export const SECURITY_TOKEN_PREFIX = 'simSecurityToken';
const MAX_KEYS = 10_000;

export function iamTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export class TemporaryKeys {
  /** key pairs handed out so far */
  issued = 0;
  private readonly keys = new Map<string, TemporaryKey>();

  /** A new pair valid for `lifetimeMs`. */
  issue(lifetimeMs: number, now = Date.now()): WireCredential {
    const access = `HWCSIMTMP${randomBytes(8).toString('hex').toUpperCase()}`;
    const key: TemporaryKey = {
      secretKey: `${TEMPORARY_SECRET_PREFIX}${randomBytes(16).toString('hex')}`,
      // Real security tokens are a few KB of opaque base64.
      securityToken: `${SECURITY_TOKEN_PREFIX}${randomBytes(1024).toString('base64url')}`,
      expiresAt: now + lifetimeMs,
    };
    if (this.keys.size >= MAX_KEYS) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.set(access, key);
    this.issued++;
    return { access, secret: key.secretKey, securitytoken: key.securityToken, expires_at: iamTime(key.expiresAt) };
  }

  lookup(accessKey: string): TemporaryKey | undefined {
    return this.keys.get(accessKey);
  }

  /** Makes every pair handed out so far expired. */
  expireAll(now = Date.now()): void {
    for (const key of this.keys.values()) key.expiresAt = now - 1;
  }
}
