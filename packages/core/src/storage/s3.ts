/**
 * S3 Storage: the same contract as LocalStorage over `s3://bucket/prefix`. Objects appear only
 * complete (PutObject and CompleteMultipartUpload are atomic; failed multipart uploads are
 * aborted), "directories" are common prefixes, and every request goes through the client's
 * retry strategy. Body streams cannot be retried by the SDK once they have started, so reads
 * resume with a ranged GET from the first byte not yet delivered (pinned to the ETag).
 */
import { createRequire } from "node:module";
import type { GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { IngestError, type ErrorCode } from "../errors.js";
import { safeKey } from "./paths.js";
import { DEFAULT_RETRY_POLICY, describeRetryCause, isRetryable, redactSecrets, backoffDelay, type RetryLogger, type RetryPolicy } from "./retry.js";
import { formatS3Url, parseS3Url } from "./s3-url.js";
import type { Listing, Storage, StorageStat } from "./storage.js";

// The AWS SDK is loaded on first use (its CommonJS build, the one an ESM import resolves to as
// well): a run over local folders never pays its ~200 ms of module loading.
const require = createRequire(import.meta.url);
let sdk: typeof import("@aws-sdk/client-s3") | undefined;
const s3sdk = () => (sdk ??= require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3"));
let libStorage: typeof import("@aws-sdk/lib-storage") | undefined;
const Upload = () => (libStorage ??= require("@aws-sdk/lib-storage") as typeof import("@aws-sdk/lib-storage")).Upload;

export interface S3StorageOptions {
  client: S3Client;
  /** Multipart part size in bytes (>= 5 MiB); also the largest object sent in one PutObject. */
  partSize?: number;
  /** Parts of one upload in flight at once (memory: partSize * queueSize per upload). */
  queueSize?: number;
  /** MaxKeys per ListObjectsV2 page (1..1000); small values only make sense in tests. */
  listPageSize?: number;
  /** Retries of interrupted body streams (requests are retried by the client). */
  policy?: RetryPolicy;
  onRetry?: RetryLogger;
}

const MiB = 1024 * 1024;
const DELETE_BATCH = 1000;

export class S3Storage implements Storage {
  readonly location: string;
  readonly bucket: string;
  /** Key prefix of the root, "" or without slashes at either end. */
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number;
  private readonly policy: RetryPolicy;
  private readonly onRetry: RetryLogger | undefined;
  private readonly options: S3StorageOptions;

  constructor(location: string, options: S3StorageOptions) {
    this.options = options;
    const { bucket, prefix } = parseS3Url(location);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = formatS3Url({ bucket, prefix });
    this.client = options.client;
    this.partSize = Math.max(5 * MiB, options.partSize ?? 8 * MiB);
    this.queueSize = Math.max(1, options.queueSize ?? 4);
    this.listPageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.onRetry = options.onRetry;
  }

  below(prefix: string): S3Storage {
    const k = safeKey(prefix, "prefix");
    return k ? new S3Storage(formatS3Url({ bucket: this.bucket, prefix: this.prefix ? `${this.prefix}/${k}` : k }), this.options) : this;
  }

  /** The object key of a storage key; refuses keys that escape the root. */
  objectKey(key: string, what = "path"): string {
    const k = safeKey(key, what);
    if (!this.prefix) return k;
    return k ? `${this.prefix}/${k}` : this.prefix;
  }

  /** `s3://bucket/prefix/key` for messages. */
  urlOf(key: string): string {
    const k = safeKey(key);
    return k ? `${this.location}/${k}` : this.location;
  }

  /** Key prefix (ending in "/", or "" at the bucket root) of everything below `key`. */
  private dirPrefix(key: string): string {
    const k = this.objectKey(key);
    return k ? `${k}/` : "";
  }

  async list(prefix: string): Promise<Listing> {
    const p = this.dirPrefix(prefix);
    const files: string[] = [];
    const dirs: string[] = [];
    try {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new (s3sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: p, Delimiter: "/", MaxKeys: this.listPageSize, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          const name = o.Key?.slice(p.length);
          if (name) files.push(name); // "" is a console-made "folder" marker
        }
        for (const cp of page.CommonPrefixes ?? []) {
          const name = cp.Prefix?.slice(p.length).replace(/\/$/, "");
          if (name) dirs.push(name);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      if (errorName(err) === "NoSuchBucket") return { files: [], dirs: [] };
      throw this.error("SOURCE_UNREADABLE", `cannot list ${this.urlOf(prefix)}`, err);
    }
    // a prefix can show up on two pages (servers differ in how they page common prefixes)
    return { files: [...new Set(files)].sort(), dirs: [...new Set(dirs)].sort() };
  }

  async stat(key: string): Promise<StorageStat | undefined> {
    const k = this.objectKey(key);
    if (safeKey(key) !== "") {
      try {
        const head = await this.client.send(new (s3sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: k }));
        return { kind: "file", size: head.ContentLength ?? 0, ...(head.ETag ? { etag: head.ETag } : {}) };
      } catch (err) {
        if (!isNotFound(err)) throw this.error("SOURCE_UNREADABLE", `cannot stat ${this.urlOf(key)}`, err);
      }
    }
    try {
      const page = await this.client.send(new (s3sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: this.dirPrefix(key), MaxKeys: 1 }));
      if ((page.KeyCount ?? page.Contents?.length ?? 0) > 0) return { kind: "dir", size: 0 };
      // an existing bucket is a (possibly empty) directory at its root
      return k === "" ? { kind: "dir", size: 0 } : undefined;
    } catch (err) {
      if (errorName(err) === "NoSuchBucket") return undefined;
      throw this.error("SOURCE_UNREADABLE", `cannot stat ${this.urlOf(key)}`, err);
    }
  }

  async read(key: string): Promise<Uint8Array> {
    return collect(await this.openRead(key, 0, undefined));
  }

  async readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    if (end <= start) {
      // nothing to fetch, but a missing object is still an error, as on disk
      if ((await this.stat(key))?.kind !== "file") throw this.missing(key);
      return new Uint8Array(0);
    }
    return collect(await this.openRead(key, start, end));
  }

  async readStream(key: string): Promise<Readable> {
    return Readable.from(await this.openRead(key, 0, undefined), { objectMode: false });
  }

  async write(key: string, data: Uint8Array | string): Promise<void> {
    const body = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.upload(key, body);
  }

  async writeStream(key: string, source: AsyncIterable<Uint8Array> | Readable): Promise<void> {
    await this.upload(key, source instanceof Readable ? source : Readable.from(source, { objectMode: false }));
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.copyObject(this, fromKey, toKey);
  }

  /**
   * Server-side copy from another S3Storage on the same endpoint (same client): the bytes never
   * pass through this process. Returns false when `from` is not such a storage.
   */
  async copyFromStorage(from: Storage, fromKey: string, toKey: string): Promise<boolean> {
    if (!(from instanceof S3Storage) || from.client !== this.client) return false;
    await this.copyObject(from, fromKey, toKey);
    return true;
  }

  private async copyObject(source: S3Storage, fromKey: string, toKey: string): Promise<void> {
    const from = source.objectKey(fromKey);
    const to = this.objectKey(toKey);
    try {
      await this.client.send(new (s3sdk().CopyObjectCommand)({ Bucket: this.bucket, Key: to, CopySource: copySource(source.bucket, from) }));
    } catch (err) {
      const name = errorName(err);
      if (name === "EntityTooLarge" || name === "InvalidRequest") {
        // CopyObject stops at 5 GiB; larger objects go through a streamed multipart upload
        await this.writeStream(toKey, await source.readStream(fromKey));
        return;
      }
      if (isNotFound(err)) {
        // some S3-compatible servers decode CopySource differently (`+`, `&`, `?` in keys): if
        // the source does exist, stream the copy instead
        if (errorName(err) !== "NoSuchBucket" && (await source.stat(fromKey))?.kind === "file") {
          await this.writeStream(toKey, await source.readStream(fromKey));
          return;
        }
        throw source.missing(fromKey, err);
      }
      throw this.error("IO", `cannot copy ${source.urlOf(fromKey)} to ${this.urlOf(toKey)}`, err);
    }
  }

  async delete(key: string, options: { recursive?: boolean } = {}): Promise<void> {
    // the root itself is never deleted through a key ("" or "./" normalise to it)
    if (safeKey(key, "delete key") === "") throw new IngestError("PATH_ESCAPE", `refusing to delete the storage root ${this.location}`);
    const k = this.objectKey(key, "delete key");
    try {
      await this.client.send(new (s3sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: k }));
      if (options.recursive) await this.deletePrefix(`${k}/`);
    } catch (err) {
      if (errorName(err) === "NoSuchBucket") return;
      if (err instanceof IngestError) throw err;
      throw this.error("IO", `cannot delete ${this.urlOf(key)}`, err);
    }
  }

  /** Deletes every object under a key prefix, listing and deleting in batches of 1000. */
  private async deletePrefix(prefix: string): Promise<void> {
    let token: string | undefined;
    do {
      // list a page, delete it, list again: the listing never depends on what was deleted
      const page = await this.client.send(
        new (s3sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: prefix, MaxKeys: Math.min(this.listPageSize, DELETE_BATCH), ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).map((o) => o.Key).filter((x): x is string => !!x);
      if (keys.length > 0) {
        const res = await this.client.send(new (s3sdk().DeleteObjectsCommand)({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
        const failed = res.Errors ?? [];
        if (failed.length > 0) {
          const first = failed[0]!;
          throw new IngestError(
            "IO",
            `cannot delete ${failed.length} object(s) under s3://${this.bucket}/${prefix}, e.g. ${first.Key}: ${first.Code ?? ""} ${first.Message ?? ""}`.trim(),
          );
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** One upload (single PutObject or multipart), aborted on failure so nothing partial remains. */
  private async upload(key: string, body: Buffer | Readable): Promise<void> {
    const k = this.objectKey(key);
    const upload = new (Upload())({
      client: this.client,
      params: { Bucket: this.bucket, Key: k, Body: body },
      partSize: this.partSize,
      queueSize: this.queueSize,
      // we abort ourselves: lib-storage would replace the original error with an abort failure
      leavePartsOnError: true,
    });
    try {
      await upload.done();
    } catch (err) {
      if (upload.uploadId) {
        await this.client.send(new (s3sdk().AbortMultipartUploadCommand)({ Bucket: this.bucket, Key: k, UploadId: upload.uploadId })).catch(() => undefined);
      }
      if (err instanceof IngestError) throw err;
      throw this.error("IO", `cannot write ${this.urlOf(key)}`, err);
    }
  }

  /**
   * Opens a GET of [start, end) (end undefined: to the end) and returns its bytes as an async
   * iterable that resumes after interruptions. The first request happens here, so a missing
   * object fails the call itself, as on disk.
   */
  private async openRead(key: string, start: number, end: number | undefined): Promise<AsyncIterable<Uint8Array>> {
    const k = this.objectKey(key);
    const get = async (from: number, etag?: string): Promise<GetObjectCommandOutput | undefined> => {
      const range = from > 0 || end !== undefined ? `bytes=${from}-${end !== undefined ? end - 1 : ""}` : undefined;
      try {
        return await this.client.send(new (s3sdk().GetObjectCommand)({ Bucket: this.bucket, Key: k, Range: range, IfMatch: etag }));
      } catch (err) {
        if (errorName(err) === "InvalidRange" || httpStatus(err) === 416) return undefined; // start beyond the end
        if (isNotFound(err)) throw this.missing(key, err);
        throw this.error("SOURCE_UNREADABLE", `cannot read ${this.urlOf(key)}`, err);
      }
    };
    const first = await get(start);
    if (!first) return (async function* () {})();
    const etag = first.ETag;
    const total = objectSize(first);
    const stop = end === undefined ? total : Math.min(end, total);
    const self = this;
    return (async function* resumable() {
      let pos = start;
      let res: GetObjectCommandOutput | undefined = first;
      for (let attempt = 1; pos < stop; attempt++) {
        try {
          // A server may ignore the Range header (HTTP allows it): place each chunk by offset.
          let at = bodyOffset(res!);
          for await (const chunk of (res!.Body ?? []) as AsyncIterable<Uint8Array>) {
            const from = Math.max(at, pos);
            const to = Math.min(at + chunk.byteLength, stop);
            if (to > from) {
              yield chunk.subarray(from - at, to - at);
              pos = to;
            }
            at += chunk.byteLength;
            if (pos >= stop) return;
          }
          if (pos >= stop) return;
          throw Object.assign(new Error(`connection closed after ${pos - start} of ${stop - start} bytes`), { code: "ECONNRESET" });
        } catch (err) {
          if (err instanceof IngestError) throw err;
          if (attempt >= self.policy.maxAttempts || !isRetryable(err)) throw self.error("SOURCE_UNREADABLE", `cannot read ${self.urlOf(key)}`, err);
          const delayMs = backoffDelay(attempt, self.policy);
          self.onRetry?.({ operation: "GetObject (resume)", location: self.urlOf(key), attempt, maxAttempts: self.policy.maxAttempts, delayMs, cause: describeRetryCause(err) });
          await new Promise((r) => setTimeout(r, delayMs));
          res = await get(pos, etag);
          if (!res) return;
        }
      }
    })();
  }

  private missing(key: string, cause?: unknown): IngestError {
    const what = errorName(cause) === "NoSuchBucket" ? `bucket not found: s3://${this.bucket} (reading ${this.urlOf(key)})` : `file not found: ${this.urlOf(key)}`;
    return new IngestError("SOURCE_MISSING", what, cause === undefined ? {} : { cause: sanitizedCause(cause) });
  }

  private error(code: ErrorCode, what: string, err: unknown): IngestError {
    return new IngestError(code, `${what}: ${redactSecrets(describeS3Error(err))}`, { cause: sanitizedCause(err) });
  }
}

/**
 * The SDK's errors carry the raw HTTP response, request headers included (the Authorization
 * signature); keep only name, message, code and status so nothing signed can be printed.
 */
function sanitizedCause(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
  const clean = new Error(redactSecrets(e.message));
  clean.name = e.name;
  return Object.assign(clean, {
    ...(e.code ? { code: e.code } : {}),
    ...(e.$metadata?.httpStatusCode !== undefined ? { $metadata: { httpStatusCode: e.$metadata.httpStatusCode } } : {}),
  });
}

/** `bucket/key` for CopySource, each key segment URL-encoded. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** Offset of a GET body's first byte: the Content-Range start, or 0 for a whole-object answer. */
function bodyOffset(res: GetObjectCommandOutput): number {
  const m = /^bytes (\d+)-/.exec(res.ContentRange ?? "");
  return m ? Number(m[1]) : 0;
}

/** Size of the whole object from a GET answer. */
function objectSize(res: GetObjectCommandOutput): number {
  const m = /\/(\d+)$/.exec(res.ContentRange ?? "");
  return m ? Number(m[1]) : (res.ContentLength ?? 0);
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = errorName(err);
  return name === "NoSuchKey" || name === "NotFound" || name === "NoSuchBucket" || httpStatus(err) === 404;
}

/** The server's message plus its error code and status; the SDK's "UnknownError" made readable. */
function describeS3Error(err: unknown): string {
  const status = httpStatus(err);
  const name = errorName(err);
  const message = err instanceof Error ? err.message : String(err);
  if (status !== undefined && (!message || message === "UnknownError" || message === name)) return describeRetryCause(err);
  return status !== undefined ? `${message} (${name ?? "error"}, HTTP ${status})` : message;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}
