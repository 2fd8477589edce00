// Reading JSON answers as the SDK models describe them: every field optional. The service modules
// read each field through these accessors. A field a series needs that is missing, null or
// unusable is an anomaly (counted and logged through the project's AnomalySink) and only the
// series needing it are left out; an answer with nothing usable left is a BadResponseError naming
// the API, the field and the request id. Which series need which field: docs/api-fields.md.
import type { AnomalySink } from './anomalies.js';
import type { JsonAnswer } from './api.js';
import { BadResponseError } from './errors.js';

export class AnswerReader {
  private requestId = '';

  constructor(readonly api: string, private readonly sink: AnomalySink, private readonly signal?: AbortSignal) {}

  /** Starts reading an answer: its body, which must be an object. */
  body(answer: JsonAnswer): Record<string, unknown> {
    this.requestId = answer.requestId;
    if (!isObject(answer.body)) this.fail('body is not an object');
    return answer.body;
  }

  fail(message: string): never {
    throw new BadResponseError(this.api, message, this.requestId);
  }

  /** Reports a field that had to be left out; always returns undefined, for `?? reader.anomaly(...)` chains. */
  anomaly(field: string): undefined {
    this.sink.answerAnomaly(this.api, field, this.requestId, this.signal);
    return undefined;
  }

  /** An object; absent or null is undefined without complaint (the SDK models make every field optional). */
  object(value: unknown, field: string): Record<string, unknown> | undefined {
    if (value === null || value === undefined) return undefined;
    return isObject(value) ? value : this.anomaly(field);
  }

  /** An element of a list, which must be an object: anything else (null included) is an anomaly. */
  entry(value: unknown, field: string): Record<string, unknown> | undefined {
    return isObject(value) ? value : this.anomaly(field);
  }

  /** A list; null is "none" (an empty list), absent or not a list is undefined and an anomaly. */
  list(value: unknown, field: string): unknown[] | undefined {
    if (value === null) return [];
    return Array.isArray(value) ? value : this.anomaly(field);
  }

  /** A non-empty string that identifies something: anything else is an anomaly. */
  id(value: unknown, field: string): string | undefined {
    return typeof value === 'string' && value !== '' ? value : this.anomaly(field);
  }

  /** A string only used as a label value: null or absent is undefined ("unknown"), another type an anomaly. */
  label(value: unknown, field: string): string | undefined {
    if (value === null || value === undefined || typeof value === 'string') return value ?? undefined;
    return this.anomaly(field);
  }

  boolean(value: unknown, field: string): boolean | undefined {
    return typeof value === 'boolean' ? value : this.anomaly(field);
  }

  /**
   * A non-negative integer sent as a JSON number or as a decimal string such as "036" (the SDK
   * models type the overview's counts as strings). "12a", "", "-1", "1e3", null are anomalies, never 0.
   */
  count(value: unknown, field: string): number | undefined {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    if (typeof value === 'string' && /^[0-9]+$/.test(value)) {
      const parsed = Number.parseInt(value, 10);
      if (Number.isSafeInteger(parsed)) return parsed;
    }
    return this.anomaly(field);
  }

  /** A finite, non-negative number, or a decimal string of one ("10", "2.5"). */
  seconds(value: unknown, field: string): number | undefined {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    if (typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value);
    return this.anomaly(field);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
