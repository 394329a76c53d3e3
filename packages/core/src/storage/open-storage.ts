/**
 * Opens a Storage from a location string: `s3://bucket/prefix` gives an S3Storage, anything
 * else a LocalStorage. S3 uses the SDK's credential chain and region; an endpoint override
 * (option, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL) switches to path-style addressing
 * for S3-compatible servers. Clients are shared per endpoint so connections are reused.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { LocalStorage } from "./local.js";
import { resolvePolicy, type RetryLogger, type RetryPolicy } from "./retry.js";
import { createS3Client, endpointFromEnv } from "./s3-client.js";
import { S3Storage } from "./s3.js";
import { isS3Url } from "./s3-url.js";
import type { Storage } from "./storage.js";

export interface OpenStorageOptions {
  /** S3-compatible endpoint; overrides AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
  s3Endpoint?: string;
  region?: string;
  /** Retry policy; maxAttempts defaults to AWS_MAX_ATTEMPTS when set. */
  retry?: Partial<RetryPolicy>;
  /** Called once per retry (see formatRetryEvent). */
  onRetry?: RetryLogger;
  partSize?: number;
  queueSize?: number;
  listPageSize?: number;
  env?: NodeJS.ProcessEnv;
}

/** Opens storages that share S3 clients (one per endpoint); `close()` releases their sockets. */
export class StorageOpener {
  private readonly clients = new Map<string, S3Client>();

  constructor(private readonly opts: OpenStorageOptions = {}) {}

  open(location: string): Storage {
    if (!isS3Url(location)) return new LocalStorage(location);
    const env = this.opts.env ?? process.env;
    const endpoint = this.opts.s3Endpoint || endpointFromEnv(env);
    const fromEnv = Number(env.AWS_MAX_ATTEMPTS);
    const policy = resolvePolicy({ ...(Number.isInteger(fromEnv) && fromEnv >= 1 ? { maxAttempts: fromEnv } : {}), ...this.opts.retry });
    const cacheKey = endpoint ?? "";
    let client = this.clients.get(cacheKey);
    if (!client) {
      client = createS3Client({
        policy,
        ...(endpoint ? { endpoint } : {}),
        ...(this.opts.region ? { region: this.opts.region } : {}),
        ...(this.opts.onRetry ? { onRetry: this.opts.onRetry } : {}),
      });
      this.clients.set(cacheKey, client);
    }
    return new S3Storage(location, {
      client,
      policy,
      ...(this.opts.onRetry ? { onRetry: this.opts.onRetry } : {}),
      ...(this.opts.partSize ? { partSize: this.opts.partSize } : {}),
      ...(this.opts.queueSize ? { queueSize: this.opts.queueSize } : {}),
      ...(this.opts.listPageSize ? { listPageSize: this.opts.listPageSize } : {}),
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}

/** One storage from a location (a new S3 client per call; use StorageOpener to share). */
export function openStorage(location: string, opts: OpenStorageOptions = {}): Storage {
  return new StorageOpener(opts).open(location);
}
