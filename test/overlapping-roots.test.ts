/**
 * OUTPUT equal to INPUT, inside it, or around it is refused with a usage error (exit 2) before
 * anything is written, on local folders (symbolic links resolved) and on S3 (same bucket,
 * overlapping prefixes); a missing config file is a usage error like a missing INPUT.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { locationsOverlap } from "@ingestkit/core";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { cli, ROOT, tempDir } from "./helpers.js";
import { cliAsync } from "./support/cli-async.js";
import { uploadTree } from "./support/s3-tree.js";
import { S3RVER_ENV, startS3rver, type S3rverHandle } from "./support/s3rver.js";

const CONFIG = join(ROOT, "dataset_configs", "demo.yaml");

function listAll(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe("locationsOverlap", () => {
  it("compares whole segments, locally and on S3", () => {
    expect(locationsOverlap("/data/in", "/data/in")).toBe("same");
    expect(locationsOverlap("/data/in/out", "/data/in")).toBe("first-inside-second");
    expect(locationsOverlap("/data/in", "/data/in/x/y")).toBe("second-inside-first");
    expect(locationsOverlap("/data/in-2", "/data/in")).toBeUndefined();
    expect(locationsOverlap("s3://bkt/p/out", "s3://bkt/p")).toBe("first-inside-second");
    expect(locationsOverlap("s3://bkt/p", "s3://bkt")).toBe("first-inside-second");
    expect(locationsOverlap("s3://bkt/p2", "s3://bkt/p")).toBeUndefined();
    expect(locationsOverlap("s3://bkt2/p", "s3://bkt/p")).toBeUndefined();
    expect(locationsOverlap("/bkt/p", "s3://bkt/p")).toBeUndefined();
    // a storage without a location (a view of one's own) is not taken for the working folder
    expect(locationsOverlap("", process.cwd())).toBeUndefined();
  });

  it("follows symbolic links of the part that exists", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "link"));
    expect(locationsOverlap(join(dir, "link", "out", "not-yet"), join(dir, "real"))).toBe("first-inside-second");
  });
});

describe("convert refuses overlapping INPUT and OUTPUT", () => {
  let input: string;
  beforeAll(() => {
    input = join(tempDir(), "cryoetportal-rawdatasets-dev");
    writeDemoDeposition(input);
  });

  for (const [what, out, message] of [
    ["OUTPUT inside INPUT (the user's case: a run folder name)", (i: string) => join(i, "deposit", "TS_99"), "lies inside INPUT"],
    ["OUTPUT equal to INPUT", (i: string) => i, "is INPUT"],
    ["INPUT inside OUTPUT", (i: string) => join(i, ".."), "lies inside OUTPUT"],
  ] as const) {
    it(`${what}: exit 2, nothing written`, () => {
      const before = listAll(input);
      const r = cli(["convert", CONFIG, input, out(input)]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("[USAGE]");
      expect(listAll(input)).toEqual(before);
      expect(existsSync(join(input, "deposit", "TS_99"))).toBe(false);
    });
  }

  it("a missing config file is a usage error (exit 2), like a missing INPUT", () => {
    const r = cli(["convert", join(tempDir(), "nope.yaml"), input, join(tempDir(), "o")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.yaml: config file not found \[USAGE\]/);
  });
});

describe("on S3", () => {
  let server: S3rverHandle;
  let env: Record<string, string>;
  let bucket: string;
  beforeAll(async () => {
    server = await startS3rver();
    env = { ...S3RVER_ENV, AWS_ENDPOINT_URL_S3: server.endpoint };
    bucket = await server.bucket();
    const local = join(tempDir(), "cryoetportal-rawdatasets-dev");
    writeDemoDeposition(local);
    await uploadTree(server.client, bucket, "cryoetportal-rawdatasets-dev", local);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("same bucket, OUTPUT prefix inside INPUT's: exit 2 and no object written; a sibling prefix is fine", async () => {
    const list = async () => (await server.client.send(new (await import("./support/s3rver.js")).sdk.ListObjectsV2Command({ Bucket: bucket }))).KeyCount;
    const before = await list();
    const input = `s3://${bucket}/cryoetportal-rawdatasets-dev`;
    const bad = await cliAsync(["convert", CONFIG, input, `${input}/deposit/out`], env);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain(`OUTPUT ${input}/deposit/out lies inside INPUT ${input}`);
    expect(await list()).toBe(before);
    // a sibling prefix whose name starts the same is apart
    const good = await cliAsync(["convert", CONFIG, input, `${input}-standardized`, "-q"], env);
    expect(good.code, good.stderr).toBe(0);
  });
});
