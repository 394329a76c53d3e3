/**
 * A real S3-compatible server for tests: s3rver in a child process (it needs
 * `--openssl-legacy-provider` for paginated listings, which we must not force on the test
 * process), on a random loopback port, storing into a temporary folder. `bucket()` creates a
 * fresh bucket per test. Fails loudly when the server does not come up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { createS3Client, resolvePolicy } from "@ingestkit/core";

/** The AWS SDK as packages/core resolves it (the test root has no direct dependency on it). */
const requireFromCore = createRequire(fileURLToPath(new URL("../../packages/core/package.json", import.meta.url)));
export const sdk = requireFromCore("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
type S3Client = import("@aws-sdk/client-s3").S3Client;

const LAUNCHER = fileURLToPath(new URL("./s3rver-launcher.mjs", import.meta.url));

/** Dummy credentials s3rver accepts (it verifies SigV4 signatures against them). */
export const S3RVER_ENV = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" } as const;

export interface S3rverHandle {
  endpoint: string;
  port: number;
  /** A client with the settings S3-compatible servers need. */
  client: S3Client;
  /** Creates a new, uniquely named bucket (or the given name) and returns its name. */
  bucket(name?: string): Promise<string>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startS3rver(timeoutMs = 20_000): Promise<S3rverHandle> {
  const directory = mkdtempSync(join(tmpdir(), "ingestkit-s3rver-"));
  const child = spawn(process.execPath, ["--openssl-legacy-provider", LAUNCHER, directory], { stdio: ["pipe", "pipe", "pipe"] });
  const port = await waitForPort(child, timeoutMs).catch((err) => {
    child.kill("SIGKILL");
    rmSync(directory, { recursive: true, force: true });
    throw err;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = clientFor(endpoint);
  return {
    endpoint,
    port,
    client,
    async bucket(name?: string) {
      const b = name ?? `test-${process.pid}-${Date.now().toString(36)}-${++counter}`;
      await client.send(new sdk.CreateBucketCommand({ Bucket: b }));
      return b;
    },
    async stop() {
      client.destroy();
      const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A client for the server built by our own factory (path style, checksums when required). */
export function clientFor(endpoint: string, policy = resolvePolicy({ baseDelayMs: 10, maxDelayMs: 200 }), onRetry?: (e: unknown) => void): S3Client {
  return createS3Client({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: S3RVER_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3RVER_ENV.AWS_SECRET_ACCESS_KEY },
    policy,
    ...(onRetry ? { onRetry } : {}),
  });
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within ${timeoutMs} ms; stderr: ${err || "(empty)"}`)), timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with code ${code} before listening (is the s3rver devDependency installed?); stderr: ${err || "(empty)"}`));
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start s3rver: ${e.message}`));
    });
  });
}
