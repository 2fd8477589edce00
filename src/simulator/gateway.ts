// The API gateway's own answers (APIGW.* error codes), as Huawei Cloud's gateway gives them:
// the body carries the request id beside error_code and error_msg, and an expired token is
// answered with either of the two codes Huawei documents for it.
import { hash32, rng } from './fleet.js';

/** The body of a gateway error, with its request id; other error bodies (DBS.*, IAM) unchanged. */
export function withGatewayRequestId(body: unknown, requestId: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const code = (body as { error_code?: unknown }).error_code;
  return typeof code === 'string' && code.startsWith('APIGW.') ? { ...body, request_id: requestId } : body;
}

export interface GatewayError {
  code: string;
  msg: string;
}

/**
 * "Token expired" answers: APIGW.0301 ("token expires") or APIGW.0307 ("must be updated"),
 * drawn from a PRNG seeded with the simulator's seed, so a run is repeatable.
 */
export class ExpiredTokenAnswers {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = rng(hash32(seed, 'expired-token'));
  }

  next(): GatewayError {
    return this.random() < 0.5
      ? { code: 'APIGW.0301', msg: 'Incorrect IAM authentication information: token expires' }
      : { code: 'APIGW.0307', msg: 'The token must be updated.' };
  }
}
