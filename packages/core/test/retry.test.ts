/**
 * Retry policy: which errors are retried, the backoff schedule (exponential, full jitter,
 * capped), bounded attempts, the log line, and secret redaction.
 */
import { describe, expect, it } from "vitest";
import { backoffDelay, describeRetryCause, formatRetryEvent, isRetryable, LoggingRetryStrategy, redactSecrets, resolvePolicy, withRetry, type RetryEvent } from "@ingestkit/core";
import { AsyncLocalStorage } from "node:async_hooks";

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name === "Unknown" ? "UnknownError" : `${name} message`), { name, $metadata: { httpStatusCode: status } });
const sysError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe("isRetryable", () => {
  it("retries throttling, server errors and dropped connections", () => {
    for (const e of [
      s3Error("SlowDown", 503),
      s3Error("InternalError", 500),
      s3Error("Unknown", 502),
      s3Error("Unknown", 504),
      s3Error("ServiceUnavailable", 503),
      s3Error("RequestTimeout", 400), // S3 answers an idle upload with 400 RequestTimeout
      s3Error("ThrottlingException", 400),
      s3Error("TooManyRequests", 429),
      sysError("ECONNRESET"),
      sysError("ETIMEDOUT"),
      sysError("EPIPE"),
      new Error("socket hang up"),
      Object.assign(new Error("outer"), { cause: sysError("ECONNRESET") }),
    ]) {
      expect(isRetryable(e), `${e.name} ${e.message}`).toBe(true);
    }
  });

  it("does not retry client errors, missing objects or plain bugs", () => {
    for (const e of [
      s3Error("NoSuchKey", 404),
      s3Error("NotFound", 404),
      s3Error("AccessDenied", 403),
      s3Error("InvalidAccessKeyId", 403),
      s3Error("NoSuchBucket", 404),
      new TypeError("x is undefined"),
      new Error("producer broke"),
      undefined,
      "string",
    ]) {
      expect(isRetryable(e), String((e as Error)?.name ?? e)).toBe(false);
    }
  });
});

describe("backoffDelay", () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 20_000 };

  it("is full jitter below base * 2^(retry-1), capped at maxDelay", () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((r) => backoffDelay(r, { ...policy, random: () => 0.999999 }) + 1);
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 20000, 20000]);
    expect(backoffDelay(5, { ...policy, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...policy, random: () => 0.5 })).toBe(200);
  });

  it("spreads delays uniformly (mean ~ ceiling / 2)", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const samples = Array.from({ length: 4000 }, () => backoffDelay(4, { ...policy, random }));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(800);
    expect(mean).toBeGreaterThan(360);
    expect(mean).toBeLessThan(440);
  });
});

describe("withRetry", () => {
  it("retries up to maxAttempts and logs each retry", async () => {
    const events: RetryEvent[] = [];
    const policy = resolvePolicy({ maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 });
    let calls = 0;
    const err = await withRetry(
      "GetObject",
      "s3://b/k",
      async () => {
        calls++;
        throw s3Error("SlowDown", 503);
      },
      policy,
      (e) => events.push(e),
    ).catch((e) => e);
    expect(calls).toBe(4);
    expect((err as Error).name).toBe("SlowDown");
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(formatRetryEvent(events[0]!)).toMatch(/^retrying GetObject s3:\/\/b\/k \(attempt 1\/4 failed: 503 SlowDown; next in \d ms\)$/);
  });

  it("returns the first success and stops at once on a final error", async () => {
    const policy = resolvePolicy({ maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 1 });
    let n = 0;
    expect(await withRetry("op", "loc", async (attempt) => (++n < 3 ? Promise.reject(sysError("ECONNRESET")) : attempt), policy)).toBe(3);
    n = 0;
    await expect(withRetry("op", "loc", async () => (n++, Promise.reject(s3Error("AccessDenied", 403))), policy)).rejects.toThrow("AccessDenied");
    expect(n).toBe(1);
  });

  it("rejects nonsense policies", () => {
    expect(() => resolvePolicy({ maxAttempts: 0 })).toThrow(RangeError);
  });
});

describe("LoggingRetryStrategy (the SDK's RetryStrategyV2 contract)", () => {
  it("hands out delays from the backoff, stops after maxAttempts, names the request in the log", async () => {
    const scope = new AsyncLocalStorage<{ operation: string; location: string }>();
    const events: RetryEvent[] = [];
    const strategy = new LoggingRetryStrategy(resolvePolicy({ maxAttempts: 3, baseDelayMs: 100, random: () => 0.5 }), (e) => events.push(e), scope);
    await scope.run({ operation: "PutObject", location: "s3://b/k" }, async () => {
      let token = await strategy.acquireInitialRetryToken();
      token = await strategy.refreshRetryTokenForRetry(token, { error: s3Error("SlowDown", 503) });
      expect([token.getRetryCount(), token.getRetryDelay()]).toEqual([1, 50]);
      token = await strategy.refreshRetryTokenForRetry(token, { error: sysError("ECONNRESET") });
      expect([token.getRetryCount(), token.getRetryDelay()]).toEqual([2, 100]);
      await expect(strategy.refreshRetryTokenForRetry(token, { error: s3Error("SlowDown", 503) })).rejects.toThrow("SlowDown");
      await expect(strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(), { error: s3Error("NoSuchKey", 404) })).rejects.toThrow();
    });
    expect(events.map((e) => [e.operation, e.location, e.attempt, e.cause])).toEqual([
      ["PutObject", "s3://b/k", 1, "503 SlowDown"],
      ["PutObject", "s3://b/k", 2, "ECONNRESET"],
    ]);
  });
});

describe("redaction", () => {
  it("removes signatures, credentials and the secret from the environment", () => {
    const old = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = "sekrit-value-123";
    try {
      const text = redactSecrets(
        "GET /b/k?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=abcdef failed; Authorization: AWS4-HMAC-SHA256 Credential=AKIA/2026, Signature=0123; key sekrit-value-123",
      );
      expect(text).not.toMatch(/abcdef|0123|AKIA|sekrit-value-123/);
      expect(describeRetryCause(new Error("boom sekrit-value-123"))).toBe("boom <redacted>");
    } finally {
      if (old === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = old;
    }
  });
});
