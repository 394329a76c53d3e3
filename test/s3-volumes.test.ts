/**
 * Volumes through S3 (s3rver): a tomogram read with ranged GETs from S3 and written to S3 gives
 * the same bytes as local -> local (MRC, OME-Zarr chunks — kept in memory or streamed through
 * staged files — key images, metadata), and a second run writes nothing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryByteSink, writeMrc } from "@ingestkit/formats";
import { tempDir, treeDigest } from "./helpers.js";
import { cliAsync } from "./support/cli-async.js";
import { downloadTree, uploadTree } from "./support/s3-tree.js";
import { S3RVER_ENV, startS3rver, type S3rverHandle } from "./support/s3rver.js";
// @ts-expect-error plain ESM helper shared with the benchmarks
import { tomogramsSection } from "../scripts/lib/tomogram-config.mjs";

const CONFIG =
  `
version: 1.3.0
standardization_config: { deposition_id: 10301, source_prefix: src }
depositions: [ { sources: [ { literal: { value: [10301] } } ] } ]
datasets: [ { sources: [ { literal: { value: ['10001'] } } ] } ]
runs: [ { sources: [ { source_glob: { list_glob: 'TS_*', name_regex: '(TS_.*)' } } ] } ]
voxel_spacings: [ { sources: [ { literal: { value: [13.48] } } ] } ]
` + tomogramsSection();
const FLAGS = ["--import-tomograms", "--import-tomogram-metadata", "--import-key-images"];

let server: S3rverHandle;
let env: Record<string, string>;
let input: string;
let config: string;
beforeAll(async () => {
  server = await startS3rver();
  env = { ...S3RVER_ENV, AWS_ENDPOINT_URL_S3: server.endpoint };
  input = join(tempDir(), "bucket");
  for (const run of ["TS_01", "TS_02"]) {
    mkdirSync(join(input, "src", run), { recursive: true });
    // TS_02's level-0 chunk row (8.4 MB) is over the 8 MiB kept in memory: its chunks are streamed
    // into staged files and uploaded on commit
    const shape = run === "TS_01" ? { z: 44, y: 70, x: 90 } : { z: 32, y: 256, x: 257 };
    const data = new Float32Array(shape.z * shape.y * shape.x).map((_, i) => Math.sin(i / 11) * 50 + (i % 7) + (run === "TS_02" ? 3 : 0));
    const sink = memoryByteSink();
    await writeMrc(sink, data, { shape, dtype: "float32", voxelSize: 13.48 });
    writeFileSync(join(input, "src", run, "tomo.mrc"), sink.bytes());
  }
  config = join(tempDir(), "volumes.yaml");
  writeFileSync(config, CONFIG);
});
afterAll(async () => {
  await server?.stop();
});

describe("tomograms with S3 on both sides", () => {
  it("match local -> local byte for byte; a second run writes nothing", async () => {
    const inBucket = await server.bucket();
    await uploadTree(server.client, inBucket, "", input);
    const outBucket = await server.bucket();
    const local = join(tempDir(), "out");
    const [a, b] = await Promise.all([
      cliAsync(["convert", config, input, local, ...FLAGS], env),
      cliAsync(["convert", config, `s3://${inBucket}`, `s3://${outBucket}/o`, ...FLAGS], env),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const dl = join(tempDir(), "dl");
    await downloadTree(server.client, outBucket, "o", dl);
    const expected = treeDigest(local);
    expect(Object.keys(expected)).toContain("10001/TS_02/Reconstructions/VoxelSpacing13.480/Images/100/key-photo-snapshot.png");
    expect(Object.keys(expected)).toContain("10001/TS_01/Reconstructions/VoxelSpacing13.480/Tomograms/100/TS_01.zarr/0/0/0/0");
    expect(treeDigest(dl)).toEqual(expected);
    const again = await cliAsync(["convert", config, `s3://${inBucket}`, `s3://${outBucket}/o`, ...FLAGS], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/ 0 files written \(0 B\), \d+ up to date/);
  }, 120_000);
});
