/**
 * Throttling and dropped connections: the demo S3->S3 ingest through a proxy that fails ~10% of
 * requests (seeded) with 503 SlowDown, 500 InternalError, resets before the answer and resets
 * midway through the body. The run must finish with exit 0 and the bytes of a clean run, and log
 * its retries. Credentials never reach stdout/stderr, even when everything fails.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { readTree, ROOT, tempDir } from "./helpers.js";
import { cliAsync } from "./support/cli-async.js";
import { startFaultProxy } from "./support/fault-proxy.js";
import { downloadTree, uploadTree } from "./support/s3-tree.js";
import { S3RVER_ENV, startS3rver, type S3rverHandle } from "./support/s3rver.js";

const CONFIG = join(ROOT, "dataset_configs", "demo.yaml");
const IN_BUCKET = "cryoetportal-rawdatasets-dev";

let server: S3rverHandle;
let input: string;
beforeAll(async () => {
  server = await startS3rver();
  input = join(tempDir(), IN_BUCKET);
  writeDemoDeposition(input);
  await server.bucket(IN_BUCKET);
  await uploadTree(server.client, IN_BUCKET, "", input);
});
afterAll(async () => {
  await server?.stop();
});

describe("S3 retries through a fault-injecting proxy", () => {
  it("completes with exit 0 and the bytes of a clean run, logging its retries", async () => {
    const proxy = await startFaultProxy({ target: server.endpoint, failureRate: 0.1, seed: 20260101 });
    const outBucket = await server.bucket();
    try {
      const [clean, faulty] = await Promise.all([
        cliAsync(["convert", CONFIG, `s3://${IN_BUCKET}`, `s3://${outBucket}/clean`], { ...S3RVER_ENV, AWS_ENDPOINT_URL_S3: server.endpoint }),
        cliAsync(["convert", CONFIG, `s3://${IN_BUCKET}`, `s3://${outBucket}/faulty`], { ...S3RVER_ENV, AWS_ENDPOINT_URL_S3: proxy.endpoint }),
      ]);
      expect(clean.code, clean.stderr).toBe(0);
      expect(faulty.code, faulty.stderr).toBe(0);
      expect(faulty.stderr).toContain("20 imported, 0 skipped, 0 failed");
      const injected = Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0);
      expect(injected).toBeGreaterThanOrEqual(5);
      expect(proxy.stats.faults.slowdown + proxy.stats.faults.internal).toBeGreaterThan(0);
      expect(proxy.stats.faults["reset-before"] + proxy.stats.faults["reset-midbody"]).toBeGreaterThan(0);
      const retries = faulty.stderr.split("\n").filter((l) => l.startsWith("warning: retrying "));
      expect(retries.length).toBeGreaterThan(0);
      // one line: operation, location, attempt, cause, delay
      expect(retries[0]).toMatch(/^warning: retrying \w[\w ()]* s3:\/\/\S* \(attempt \d+\/8 failed: .+; next in \d+ ms\)$/);
      expect(faulty.stderr).toMatch(/SlowDown|InternalError/);
      const a = join(tempDir(), "a");
      const b = join(tempDir(), "b");
      await downloadTree(server.client, outBucket, "clean", a);
      await downloadTree(server.client, outBucket, "faulty", b);
      const ta = readTree(a);
      const tb = readTree(b);
      expect(ta.size).toBe(24);
      expect([...tb.keys()]).toEqual([...ta.keys()]);
      for (const [k, v] of ta) expect(tb.get(k)!.equals(v), k).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

describe("credentials stay out of logs and errors", () => {
  const SECRET = "ingestkit-TOP-SECRET-ab12cd34ef56";
  const TOKEN = "ingestkit-SESSION-TOKEN-0987zyx";

  it("a wrong secret, a missing bucket and injected faults print no secret", async () => {
    const proxy = await startFaultProxy({ target: server.endpoint, failureRate: 0.3, seed: 7 });
    const outBucket = await server.bucket();
    try {
      // s3rver checks the access key id (it does not verify SigV4 signatures): an unknown id fails
      const bad = { AWS_ACCESS_KEY_ID: "UNKNOWNKEYID", AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_REGION: "us-east-1" };
      const runs = await Promise.all([
        // every request rejected (InvalidAccessKeyId), some faults on top: reading the input fails
        cliAsync(["convert", CONFIG, `s3://${IN_BUCKET}`, join(tempDir(), "o")], { ...bad, AWS_ENDPOINT_URL_S3: proxy.endpoint }),
        // writes rejected: every entity fails with its cause
        cliAsync(["convert", CONFIG, input, `s3://${outBucket}/o`], { ...bad, AWS_ENDPOINT_URL: server.endpoint }),
        // right credentials, but the output bucket does not exist
        cliAsync(["convert", CONFIG, input, "s3://no-such-output-bucket/o"], { ...S3RVER_ENV, AWS_ENDPOINT_URL_S3: proxy.endpoint }),
      ]);
      for (const r of runs) {
        expect(r.code, r.stderr.slice(0, 2000)).not.toBe(0);
        const text = r.stdout + r.stderr;
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(TOKEN);
        expect(text).not.toMatch(/Signature=|X-Amz-Signature|X-Amz-Credential|AWS4-HMAC-SHA256/i);
      }
      expect(runs[0]!.stderr).toMatch(/InvalidAccessKeyId/);
      expect(runs[1]!.stderr).toMatch(/cannot write s3:\/\/\S+: .*InvalidAccessKeyId/);
      expect(runs[2]!.stderr).toMatch(/NoSuchBucket|bucket does not exist/i);
    } finally {
      await proxy.stop();
    }
  });
});
