/**
 * Retries for remote storage: which failures are worth another attempt (throttling, 5xx, dropped
 * connections), how long to wait (exponential backoff with full jitter, capped), and one log line
 * per retry. Used twice: as the S3 client's retry strategy (every request, including multipart
 * parts) and around body streams, which the SDK cannot retry once they have started.
 * Log lines name the operation, the location and the cause, never credentials or signed URLs.
 */

export interface RetryPolicy {
  /** Attempts in total, the first included (>= 1). */
  maxAttempts: number;
  /** Backoff base: the ceiling of the first retry's delay, doubled per attempt. */
  baseDelayMs: number;
  /** Upper bound of any single delay. */
  maxDelayMs: number;
  /** Uniform [0, 1) source for the jitter; injectable for reproducible tests. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 20_000, random: Math.random };

/** One retry about to happen; `attempt` is the attempt that failed (1-based). */
import type { RetryEvent } from "../contracts.js";

export type { RetryEvent } from "../contracts.js";

export type RetryLogger = (event: RetryEvent) => void;

export function resolvePolicy(p: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...p };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  return policy;
}

/**
 * Delay before retry number `retry` (1 = the first retry): full jitter,
 * uniform in [0, min(maxDelay, base * 2^(retry-1))).
 */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(policy.random() * ceiling);
}

const RETRYABLE_NAMES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
  "TimeoutError",
]);
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set(["ECONNRESET", "ETIMEDOUT", "EPIPE", "ECONNREFUSED", "ECONNABORTED", "EAI_AGAIN", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET"]);
const RETRYABLE_MESSAGES = /socket hang up|aborted|premature close|ECONNRESET|ETIMEDOUT|EPIPE/i;

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  cause?: unknown;
}

/** True when another attempt may succeed: throttling, server errors, dropped connections. */
export function isRetryable(err: unknown): boolean {
  for (let e = err as ErrorLike | undefined, depth = 0; e && typeof e === "object" && depth < 4; e = e.cause as ErrorLike | undefined, depth++) {
    if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
    if (e.Code && RETRYABLE_NAMES.has(e.Code)) return true;
    if (e.code && RETRYABLE_CODES.has(e.code)) return true;
    const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
    if (status !== undefined && RETRYABLE_STATUS.has(status)) return true;
    // 4xx answers are final (except the names above); only unanswered requests fall through
    if (status !== undefined && status < 500 && status >= 400) return false;
    if (e.message && RETRYABLE_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** Short cause for a log line: name, HTTP status, code; never headers or URLs. */
export function describeRetryCause(err: unknown): string {
  const e = (err ?? {}) as ErrorLike;
  const parts: string[] = [];
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (status !== undefined) parts.push(String(status));
  if (e.name && e.name !== "Error") parts.push(e.name);
  if (e.code && e.code !== e.name) parts.push(e.code);
  const message = e.message ?? (typeof err === "string" ? err : "");
  if ((parts.length === 0 || !status) && message && !parts.includes(message)) parts.push(redactSecrets(message));
  return parts.join(" ");
}

/**
 * Removes what must never be printed: AWS secrets from the environment, signatures and
 * credentials of presigned URLs or Authorization headers.
 */
export function redactSecrets(text: string): string {
  let out = text.replace(/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']+/gi, "$1<redacted>").replace(/(Signature=|Credential=)[^,\s"']+/g, "$1<redacted>");
  for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) {
    const v = process.env[name];
    if (v && v.length >= 4) out = out.split(v).join("<redacted>");
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error or runs out of attempts. `fn`
 * gets the attempt number (1-based).
 */
export async function withRetry<T>(operation: string, location: string, fn: (attempt: number) => Promise<T>, policy: RetryPolicy, log?: RetryLogger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.maxAttempts || !isRetryable(err)) throw err;
      const delayMs = backoffDelay(attempt, policy);
      log?.({ operation, location, attempt, maxAttempts: policy.maxAttempts, delayMs, cause: describeRetryCause(err) });
      await sleep(delayMs);
    }
  }
}

/** One log line for a retry event. */
export function formatRetryEvent(e: RetryEvent): string {
  return `retrying ${e.operation} ${e.location} (attempt ${e.attempt}/${e.maxAttempts} failed: ${e.cause}; next in ${e.delayMs} ms)`;
}
