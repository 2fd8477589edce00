// Typed failures of a cloud call. Each carries what an operator needs to chase it with Huawei
// Cloud support (the API, HTTP status, error code and the X-Request-Id) and nothing secret.

export interface CloudErrorDetails {
  /** short API name, e.g. "gaussdb_session_overview" */
  api: string;
  status?: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
}

/** The cloud answered with a non-2xx status. */
export class CloudApiError extends Error {
  readonly api: string;
  readonly status: number;
  readonly errorCode: string;
  readonly errorMsg: string;
  readonly requestId: string;
  /** seconds the cloud asked us to wait (Retry-After), when it said so */
  readonly retryAfterSeconds: number | undefined;

  constructor(details: CloudErrorDetails & { status: number }, retryAfterSeconds?: number) {
    const code = details.errorCode ?? '';
    super(`${details.api}: HTTP ${details.status}${code ? ` ${code}` : ''}${details.errorMsg ? `: ${details.errorMsg}` : ''}`);
    this.name = 'CloudApiError';
    this.api = details.api;
    this.status = details.status;
    this.errorCode = code;
    this.errorMsg = details.errorMsg ?? '';
    this.requestId = details.requestId ?? '';
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get throttled(): boolean {
    return this.status === 429 || this.errorCode.endsWith('.0308');
  }
}

/** The cloud answered 2xx, but the body is not what the API documents. */
export class BadResponseError extends Error {
  readonly api: string;
  readonly requestId: string;

  constructor(api: string, message: string, requestId = '') {
    super(`${api}: bad response: ${message}`);
    this.name = 'BadResponseError';
    this.api = api;
    this.requestId = requestId;
  }
}

/**
 * No usable answer: connection refused or reset, DNS failure, timeout, a body over the size cap,
 * or the poll's deadline passed. `requestId` is set when the headers had arrived before it failed.
 */
export class TransportError extends Error {
  readonly api: string;
  readonly code: string;
  readonly requestId: string;

  constructor(api: string, code: string, message: string, requestId = '') {
    super(`${api}: ${message}`);
    this.name = 'TransportError';
    this.api = api;
    this.code = code;
    this.requestId = requestId;
  }
}

/** What a log line or the status page says about a failure; never request headers or bodies. */
export interface ErrorFields {
  api?: string;
  status?: number;
  error_code?: string;
  /** a transport failure's code, e.g. ECONNREFUSED or ETIMEDOUT */
  code?: string;
  error_msg: string;
  request_id?: string;
}

/** Fields of any error worth a log line; never request headers or bodies. */
export function errorFields(error: unknown): ErrorFields {
  if (error instanceof CloudApiError) {
    return { api: error.api, status: error.status, error_code: error.errorCode, error_msg: error.errorMsg, request_id: error.requestId };
  }
  if (error instanceof BadResponseError) {
    return { api: error.api, error_msg: error.message, request_id: error.requestId };
  }
  if (error instanceof TransportError) {
    return { api: error.api, code: error.code, error_msg: error.message, ...(error.requestId ? { request_id: error.requestId } : {}) };
  }
  return { error_msg: error instanceof Error ? error.message : String(error) };
}

/** Builds the typed error for a non-2xx answer from either documented error body shape. */
export function cloudErrorFromAnswer(api: string, status: number, body: string, requestId: string, retryAfter?: string | string[]): CloudApiError {
  let errorCode: string | undefined;
  let errorMsg: string | undefined;
  try {
    const parsed = JSON.parse(body) as { error_code?: unknown; error_msg?: unknown; error?: { code?: unknown; message?: unknown } };
    const code = parsed.error_code ?? parsed.error?.code;
    const message = parsed.error_msg ?? parsed.error?.message;
    if (typeof code === 'string') errorCode = code;
    if (typeof message === 'string') errorMsg = message.slice(0, 300);
  } catch {
    // a gateway or proxy page rather than JSON: the status alone tells the story
  }
  const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  return new CloudApiError({ api, status, errorCode, errorMsg, requestId },
    retryAfter !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined);
}
