// Validation of JSON answers: the service modules read every field through these accessors, so
// that anything not as documented becomes a BadResponseError naming the API and the field.
import type { JsonAnswer } from './api.js';
import { BadResponseError } from './errors.js';

/**
 * Validating accessors for one API's JSON answers; every failure names the API, the field and
 * the request id of the answer being read.
 */
export class AnswerReader {
  private requestId = '';

  constructor(readonly api: string) {}

  /** Starts reading an answer: its body, which must be an object. */
  body(answer: JsonAnswer): Record<string, unknown> {
    this.requestId = answer.requestId;
    return this.object(answer.body, 'body');
  }

  fail(message: string): never {
    throw new BadResponseError(this.api, message, this.requestId);
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`${field} is not an object`);
    return value as Record<string, unknown>;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`${field} is not an array`);
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value === '') this.fail(`${field} is missing or not a string`);
    return value;
  }

  /** null and absent are undefined; any other non-string is an error. */
  optionalString(value: unknown, field: string): string | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'string') this.fail(`${field} is not a string`);
    return value;
  }

  optionalBoolean(value: unknown, field: string): boolean | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(`${field} is not a boolean`);
    return value;
  }

  /**
   * A non-negative integer sent as a JSON number or as a decimal string such as "036"
   * (the SDKs disagree on the type). Strictly digits: "12a", "", "-1", "1e3" are errors.
   */
  count(value: unknown, field: string): number {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    if (typeof value === 'string' && /^[0-9]+$/.test(value)) {
      const parsed = Number.parseInt(value, 10);
      if (Number.isSafeInteger(parsed)) return parsed;
    }
    return this.fail(`${field} is not a count: ${describe(value)}`);
  }

  optionalCount(value: unknown, field: string): number | undefined {
    return value === null || value === undefined ? undefined : this.count(value, field);
  }

  /** A finite, non-negative number, or a decimal string of one ("10", "2.5"). */
  seconds(value: unknown, field: string): number {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    if (typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value)) {
      const parsed = Number(value);
      if (Number.isFinite(parsed)) return parsed;
    }
    return this.fail(`${field} is not a number of seconds: ${describe(value)}`);
  }
}

/** A short, safe rendering of an offending value for the error message. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
