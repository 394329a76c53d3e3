/**
 * `convert --log-format json`: stderr is one JSON event per line (run-start, found, entity-start,
 * entity, output, retry, log, summary) whose counts agree with the summary; failures carry their
 * stable IngestError code; retries of the S3 client appear as `retry` events; a secret planted in
 * AWS_SECRET_ACCESS_KEY never appears anywhere.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { cli, ROOT, tempDir } from "./helpers.js";
import { cliAsync } from "./support/cli-async.js";
import { startFaultProxy } from "./support/fault-proxy.js";
import { uploadTree } from "./support/s3-tree.js";
import { startS3rver, type S3rverHandle } from "./support/s3rver.js";

const CONFIG = join(ROOT, "dataset_configs", "demo.yaml");
const SECRET = "ingestkit-PLANTED-secret-5f3a9c";

function demoInput(): string {
  const input = join(tempDir(), "cryoetportal-rawdatasets-dev");
  writeDemoDeposition(input);
  return input;
}

type Ev = Record<string, any> & { event: string; time: string };

/** Every stderr line parsed as JSON (fails the test on any line that is not). */
function events(stderr: string): Ev[] {
  const lines = stderr.split("\n").filter((l) => l !== "");
  return lines.map((l) => {
    try {
      return JSON.parse(l) as Ev;
    } catch {
      throw new Error(`not a JSON line: ${l}`);
    }
  });
}

const ofKind = (evs: Ev[], kind: string) => evs.filter((e) => e.event === kind);

describe("--log-format json on the demo deposition", () => {
  let input: string;
  let out: string;
  let first: ReturnType<typeof cli>;
  beforeAll(() => {
    input = demoInput();
    out = join(tempDir(), "out");
    first = cli(["convert", CONFIG, input, out, "--log-format", "json"], { AWS_SECRET_ACCESS_KEY: SECRET });
  });

  it("prints only JSON lines on stderr, from run-start to summary, nothing on stdout", () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("");
    const evs = events(first.stderr);
    expect(evs[0]!.event).toBe("run-start");
    expect(evs.at(-1)!.event).toBe("summary");
    for (const e of evs) expect(Number.isNaN(Date.parse(e.time)), e.time).toBe(false);
    expect(new Set(evs.map((e) => e.event))).toEqual(new Set(["run-start", "found", "entity-start", "entity", "output", "summary"]));
    const start = evs[0]!;
    expect(start).toMatchObject({ config: CONFIG, profile: "cryoet", input: join(input, "deposit"), output: out, dryRun: false });
    expect(start.concurrency).toBeGreaterThanOrEqual(1);
  });

  it("entity and output events agree with the summary", () => {
    const evs = events(first.stderr);
    const summary = ofKind(evs, "summary")[0]!;
    const entities = ofKind(evs, "entity");
    const outputs = ofKind(evs, "output");
    expect(summary).toMatchObject({ imported: 20, failed: 0, written: 24, upToDate: 0, dryRun: false });
    expect(entities.filter((e) => e.status === "imported" || e.status === "up-to-date")).toHaveLength(summary.imported);
    expect(entities.filter((e) => e.status === "failed")).toHaveLength(0);
    expect(outputs.filter((e) => !e.upToDate)).toHaveLength(summary.written);
    expect(outputs.reduce((n, e) => n + e.bytes, 0)).toBe(summary.bytes);
    expect(entities.reduce((n, e) => n + e.written, 0)).toBe(summary.written);
    expect(typeof summary.elapsedSeconds).toBe("number");
    // every entity that started also ended, once
    const started = ofKind(evs, "entity-start")
      .map((e) => e.entityPath)
      .sort();
    expect(entities.map((e) => e.entityPath).sort()).toEqual(started);
    // outputs: keys relative to the output root, one per file of the tree
    expect(outputs.map((e) => e.key)).toContain("10999/TS_01/run_metadata.json");
    expect(outputs.find((e) => e.key === "10999/TS_01/Frames/TS_01.mdoc")).toMatchObject({ kind: "copy", upToDate: false });
    // the two runs were found under the dataset as the concurrent unit
    expect(ofKind(evs, "found").find((e) => e.type === "run")).toMatchObject({ plural: "runs", parentPath: "dataset 10999", count: 2, concurrent: true });
  });

  it("a second run reports every entity with outputs up to date and writes nothing", () => {
    const again = cli(["convert", CONFIG, input, out, "--log-format", "json"], { AWS_SECRET_ACCESS_KEY: SECRET });
    expect(again.code, again.stderr).toBe(0);
    const evs = events(again.stderr);
    expect(ofKind(evs, "summary")[0]).toMatchObject({ imported: 20, written: 0, upToDate: 24, bytes: 0 });
    expect(ofKind(evs, "output").every((e) => e.upToDate)).toBe(true);
    const withOutputs = ofKind(evs, "entity").filter((e) => e.upToDate > 0);
    expect(withOutputs.length).toBeGreaterThan(0);
    expect(withOutputs.every((e) => e.status === "up-to-date" && e.written === 0)).toBe(true);
  });

  it("never prints the secret", () => {
    expect(first.stderr + first.stdout).not.toContain(SECRET);
  });

  it("failures carry the step, the stable code and the message; the summary counts them", () => {
    const broken = demoInput();
    rmSync(join(broken, "deposit", "TS_01", "TS_01.mdoc"));
    const r = cli(["convert", CONFIG, broken, join(tempDir(), "out"), "--log-format", "json"]);
    expect(r.code).toBe(1);
    const evs = events(r.stderr);
    const failed = ofKind(evs, "entity").filter((e) => e.status === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ type: "frame", step: "metadata", code: "SOURCE_MISSING" });
    expect(failed[0]!.entityPath).toMatch(/^dataset 10999 \/ run TS_01 \/ frame /);
    expect(failed[0]!.message).toMatch(/TS_01\.mdoc does not exist/);
    expect(ofKind(evs, "summary")[0]).toMatchObject({ failed: 1 });
    // the human line is kept as a log event too
    expect(ofKind(evs, "log").some((e) => e.level === "error" && /metadata failed/.test(e.message))).toBe(true);
  });

  it("the text summary gains the elapsed time", () => {
    const r = cli(["convert", CONFIG, input, join(tempDir(), "out")]);
    expect(r.stderr).toMatch(/^20 imported, 0 skipped, 0 failed; 24 files written \([\d.]+ KiB\), 0 up to date in \d+\.\d s$/m);
  });

  it("an error that ends the command is a fatal event with its code, still JSON", () => {
    const missing = cli(["convert", CONFIG, join(tempDir(), "nope"), join(tempDir(), "out"), "--log-format", "json"]);
    expect(missing.code).toBe(2);
    expect(events(missing.stderr)).toEqual([expect.objectContaining({ event: "fatal", code: "USAGE", message: expect.stringMatching(/input folder not found/) })]);
    const dir = tempDir();
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "version: 1.3.0\nruns:\n  - sources: [\n");
    const invalid = cli(["convert", bad, dir, join(dir, "out"), "--log-format", "json"]);
    expect(invalid.code).toBe(1);
    const [fatal] = events(invalid.stderr);
    expect(fatal).toMatchObject({ event: "fatal", code: "YAML_SYNTAX" });
    expect(fatal!.message).toContain(bad);
  });

  it("refuses an unknown log format as a usage error", () => {
    const r = cli(["convert", CONFIG, input, join(tempDir(), "out"), "--log-format", "xml"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--log-format/);
  });
});

describe("--log-format json with S3 retries", () => {
  let server: S3rverHandle;
  beforeAll(async () => {
    server = await startS3rver();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("turns the client's retries into retry events without the secret", async () => {
    const local = demoInput();
    await server.bucket("cryoetportal-rawdatasets-dev");
    await uploadTree(server.client, "cryoetportal-rawdatasets-dev", "", local);
    const outBucket = await server.bucket();
    const proxy = await startFaultProxy({ target: server.endpoint, failureRate: 0.15, seed: 424242 });
    try {
      // s3rver checks the access key id only, so any secret signs acceptable requests
      const env = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_S3: proxy.endpoint };
      const r = await cliAsync(["convert", CONFIG, "s3://cryoetportal-rawdatasets-dev", `s3://${outBucket}/out`, "--log-format", "json"], env);
      expect(r.code, r.stderr).toBe(0);
      const evs = events(r.stderr);
      const retries = ofKind(evs, "retry");
      expect(retries.length).toBeGreaterThan(0);
      for (const e of retries) {
        expect(e).toMatchObject({ maxAttempts: 8 });
        expect(e.operation).toMatch(/^\w/);
        expect(e.location).toMatch(/^s3:\/\//);
        expect(e.attempt).toBeGreaterThanOrEqual(1);
        expect(typeof e.cause).toBe("string");
      }
      expect(retries.some((e) => /SlowDown|InternalError|ECONNRESET|socket hang up|aborted/i.test(e.cause))).toBe(true);
      expect(ofKind(evs, "summary")[0]).toMatchObject({ imported: 20, failed: 0, written: 24 });
      expect(ofKind(evs, "run-start")[0]).toMatchObject({ input: "s3://cryoetportal-rawdatasets-dev/deposit", output: `s3://${outBucket}/out` });
      expect(r.stderr + r.stdout).not.toContain(SECRET);
    } finally {
      await proxy.stop();
    }
  });
});
