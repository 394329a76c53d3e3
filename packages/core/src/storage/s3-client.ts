/**
 * Builds the S3 client: SDK credential chain and region, an optional endpoint override for
 * S3-compatible servers (path-style addressing, checksums only when required — streamed uploads
 * to such servers are otherwise stored with aws-chunked framing), and our retry strategy so that
 * every request (including multipart parts sent by lib-storage) is retried and logged the same way.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { backoffDelay, describeRetryCause, isRetryable, type RetryLogger, type RetryPolicy } from "./retry.js";

export interface S3ClientOptions {
  /** Endpoint of an S3-compatible server, e.g. `http://127.0.0.1:4568`. */
  endpoint?: string;
  region?: string;
  /** Static credentials; default: the SDK's chain (env, profile, SSO, instance role, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  policy: RetryPolicy;
  onRetry?: RetryLogger;
}

/** The endpoint override from the environment, as the AWS CLI reads it. */
export function endpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

interface RequestScope {
  operation: string;
  location: string;
}

interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** The SDK's RetryStrategyV2 contract with our classification, backoff and logging. */
export class LoggingRetryStrategy {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly onRetry: RetryLogger | undefined,
    private readonly scope: AsyncLocalStorage<RequestScope>,
  ) {}

  async acquireInitialRetryToken(): Promise<Token> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: Token, info: { error?: unknown }): Promise<Token> {
    const attempt = previous.getRetryCount() + 1; // the attempt that just failed
    if (attempt >= this.policy.maxAttempts || !isRetryable(info.error)) throw info.error;
    const delayMs = backoffDelay(attempt, this.policy);
    const s = this.scope.getStore();
    this.onRetry?.({
      operation: s?.operation ?? "S3 request",
      location: s?.location ?? "",
      attempt,
      maxAttempts: this.policy.maxAttempts,
      delayMs,
      cause: describeRetryCause(info.error),
    });
    return token(attempt, delayMs);
  }

  recordSuccess(): void {}
}

function token(count: number, delay: number): Token {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}

export function createS3Client(opts: S3ClientOptions): S3Client {
  const scope = new AsyncLocalStorage<RequestScope>();
  const config: S3ClientConfig = {
    maxAttempts: opts.policy.maxAttempts,
    retryStrategy: new LoggingRetryStrategy(opts.policy, opts.onRetry, scope),
    requestHandler: { connectionTimeout: 15_000, requestTimeout: 300_000 },
  };
  if (opts.region) config.region = opts.region;
  if (opts.credentials) config.credentials = opts.credentials;
  if (opts.endpoint) {
    config.endpoint = opts.endpoint;
    config.forcePathStyle = true;
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
    // S3-compatible servers rarely care; the SDK still needs one to sign
    config.region ??= process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1";
  }
  // loaded here, not at import: runs over local folders never load the SDK
  const { S3Client: Client } = createRequire(import.meta.url)("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const client = new Client(config);
  // Remember which operation and object each request is for, so that a retry can say so.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args.input ?? {}) as { Bucket?: string; Key?: string; Prefix?: string };
      const key = input.Key ?? input.Prefix ?? "";
      const location = input.Bucket ? `s3://${input.Bucket}${key ? `/${key}` : ""}` : "";
      const operation = String((context as { commandName?: string }).commandName ?? "S3 request").replace(/Command$/, "");
      return scope.run({ operation, location }, () => next(args));
    },
    { step: "initialize", name: "ingestkitRetryScope" },
  );
  return client;
}
