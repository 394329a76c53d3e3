/**
 * The demo deposition standardized by the built CLI with S3 on either side (s3rver, endpoint
 * from AWS_ENDPOINT_URL_S3): S3->S3, S3->local and local->S3 give the same bytes as local->local.
 * The only field that names the input location (identified objects' `source_file`) is compared
 * after mapping the input location.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { readTree, ROOT, tempDir } from "./helpers.js";
import { cliAsync } from "./support/cli-async.js";
import { downloadTree, uploadTree } from "./support/s3-tree.js";
import { S3RVER_ENV, startS3rver, type S3rverHandle } from "./support/s3rver.js";

const CONFIG = join(ROOT, "dataset_configs", "demo.yaml");
const IN_BUCKET = "cryoetportal-rawdatasets-dev";

let server: S3rverHandle;
let input: string;
let env: Record<string, string>;
beforeAll(async () => {
  server = await startS3rver();
  input = join(tempDir(), IN_BUCKET);
  writeDemoDeposition(input);
  await server.bucket(IN_BUCKET);
  expect(await uploadTree(server.client, IN_BUCKET, "", input)).toBeGreaterThan(10);
  env = { ...S3RVER_ENV, AWS_ENDPOINT_URL_S3: server.endpoint };
});
afterAll(async () => {
  await server?.stop();
});

function expectSameTree(a: Map<string, Buffer>, b: Map<string, Buffer>, mapB: (s: string) => string = (s) => s): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [k, v] of a) expect(mapB(b.get(k)!.toString("latin1")), k).toBe(v.toString("latin1"));
}

describe("standardize-dirs convert with S3 storage", () => {
  it("S3->S3, S3->local and local->S3 match local->local byte for byte", async () => {
    const outBucket = await server.bucket();
    const localOut = join(tempDir(), "out");
    const s3ToLocal = join(tempDir(), "out");
    const runs = await Promise.all([
      cliAsync(["convert", CONFIG, input, localOut], env),
      cliAsync(["convert", CONFIG, `s3://${IN_BUCKET}`, `s3://${outBucket}/s3-s3`], env),
      cliAsync(["convert", CONFIG, `s3://${IN_BUCKET}`, s3ToLocal], env),
      cliAsync(["convert", CONFIG, input, `s3://${outBucket}/local-s3/nested`], env),
    ]);
    for (const r of runs) {
      expect(r.stderr).toContain("20 imported, 0 skipped, 0 failed");
      // the SDK's Node 22 notice is for maintainers (the SDK is pinned), not printed to users
      expect(r.stderr).not.toContain("NodeVersionSupportWarning");
      expect(r.code, r.stderr).toBe(0);
    }
    const s3s3 = join(tempDir(), "dl");
    const locals3 = join(tempDir(), "dl");
    await downloadTree(server.client, outBucket, "s3-s3", s3s3);
    await downloadTree(server.client, outBucket, "local-s3/nested", locals3);

    const reference = readTree(localOut);
    expect(reference.size).toBe(24);
    expect([...reference.keys()]).toContain("depositions_metadata/10999/Images/snapshot.png"); // key photo via the bucket name
    // same input location: identical bytes
    expectSameTree(reference, readTree(locals3));
    expectSameTree(readTree(s3ToLocal), readTree(s3s3));
    // S3 input: identical once the input location is mapped back
    const fromS3 = readTree(s3s3);
    const changed = [...fromS3].filter(([k, v]) => !v.equals(reference.get(k)!)).map(([k]) => k);
    expect(changed).toEqual(["10999/TS_01/IdentifiedObjects/identified_objects_metadata.json", "10999/TS_02/IdentifiedObjects/identified_objects_metadata.json"]);
    expect(fromS3.get(changed[0]!)!.toString()).toContain(`"s3://${IN_BUCKET}/deposit/identified_objects.csv"`);
    expectSameTree(reference, fromS3, (s) => s.split(`s3://${IN_BUCKET}`).join(input));
  });

  it("a dry run against S3 writes nothing and names s3:// locations in the plan", async () => {
    const outBucket = await server.bucket();
    const r = await cliAsync(["convert", CONFIG, `s3://${IN_BUCKET}`, `s3://${outBucket}/o`, "--dry-run"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`> s3://${outBucket}/o/10999/TS_01/Frames/frames_metadata.json (json)`);
    expect(r.stdout).toContain(`< s3://${IN_BUCKET}/deposit/TS_01/TS_01.mdoc`);
    const dl = tempDir();
    expect(await downloadTree(server.client, outBucket, "", dl)).toBe(0);
  });

  it("--s3-endpoint overrides the environment; a missing input bucket is a usage error", async () => {
    const outBucket = await server.bucket();
    const out = join(tempDir(), "out");
    const r = await cliAsync(["convert", CONFIG, `s3://${IN_BUCKET}`, out, "--import-run-metadata", "--s3-endpoint", server.endpoint], {
      ...S3RVER_ENV,
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
    });
    expect(r.code, r.stderr).toBe(0);
    expect([...readTree(out).keys()]).toEqual(["10999/TS_01/run_metadata.json", "10999/TS_02/run_metadata.json"]);
    const missing = await cliAsync(["convert", CONFIG, "s3://no-such-input-bucket", `s3://${outBucket}/x`], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("input not found: s3://no-such-input-bucket");
  });
});
