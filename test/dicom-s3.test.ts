// The dicom profile with its input on S3 (s3rver on loopback) gives what it gives from a local folder: the same
// output bytes and the same per-file failures, for files smaller and larger than the scan's 64 KiB header prefix,
// an empty object, a text object and a truncated DICOM. The series scan reads each file's first bytes with one
// ranged GET (no HEAD first); the objects it cannot read that way (the empty one) take the slower path.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDicom } from "./support/dicom-fixtures.js";
import { readTree, ROOT, tempDir } from "./helpers.js";
import { cliAsync } from "./support/cli-async.js";
import { uploadTree } from "./support/s3-tree.js";
import { S3RVER_ENV, startS3rver, type S3rverHandle } from "./support/s3rver.js";

const require = createRequire(join(ROOT, "packages/formats/package.json"));
const dcmjs = require("dcmjs");

const CONFIG = join(ROOT, "dataset_configs", "dicom_deidentify.yaml");
const BUCKET = "dicom-uploads";
const SECRET = "test-secret-not-for-production";

/** A fixture instance whose pixel data is 256 × 256 × 2 bytes, so the file is larger than the scan's prefix. */
function bigDicom(instance: number): Uint8Array {
  const small = buildDicom({ patient: "PHI-PAT3-7Q", study: 3, series: 1, instance, instancesInSeries: 2 });
  const dd = dcmjs.data.DicomMessage.readFile(small.buffer.slice(small.byteOffset, small.byteOffset + small.byteLength));
  const pixels = new Uint8Array(256 * 256 * 2).map((_, k) => (k * 13 + instance) & 0xff);
  dd.dict["00280010"].Value = [256];
  dd.dict["00280011"].Value = [256];
  dd.dict["7FE00010"] = { vr: "OW", Value: [pixels.buffer] };
  return new Uint8Array(dd.write());
}

let server: S3rverHandle;
let input: string;
beforeAll(async () => {
  server = await startS3rver();
  input = join(tempDir("ingestkit-dicom-s3-in-"), BUCKET);
  const put = (rel: string, bytes: Uint8Array | string) => {
    mkdirSync(dirname(join(input, rel)), { recursive: true });
    writeFileSync(join(input, rel), bytes);
  };
  for (let i = 0; i < 3; i++) put(`site/a/img${i}.dcm`, buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: i, instancesInSeries: 3 }));
  for (let i = 0; i < 2; i++) put(`site/big/img${i}.dcm`, bigDicom(i));
  put("site/empty.dcm", "");
  put("site/notes.txt", "not a dicom file\n");
  const cut = buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 2, instance: 0, instancesInSeries: 1 });
  put("site/cut.dcm", cut.subarray(0, cut.length - 1000));
  await server.bucket(BUCKET);
  expect(await uploadTree(server.client, BUCKET, "", input)).toBe(8);
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe("dicom profile with the input on S3", () => {
  it("writes the same bytes and reports the same failures as from a local folder", async () => {
    const env = { ...S3RVER_ENV, AWS_ENDPOINT_URL_S3: server.endpoint, INGESTKIT_DEID_SECRET: SECRET };
    const localOut = join(tempDir(), "local");
    const s3Out = join(tempDir(), "s3");
    const [local, s3] = await Promise.all([
      cliAsync(["convert", CONFIG, input, localOut, "--import-everything"], env),
      cliAsync(["convert", CONFIG, `s3://${BUCKET}`, s3Out, "--import-everything"], env),
    ]);
    for (const r of [local, s3]) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/file site\/empty\.dcm: skipped: .*file is empty.*\[NOT_DICOM\]/);
      expect(r.stderr).toMatch(/file site\/notes\.txt: skipped: .*\[NOT_DICOM\]/);
      expect(r.stderr).toMatch(/site\/cut\.dcm.*TRUNCATED/);
      expect(r.stderr).not.toContain(SECRET);
    }
    const a = readTree(localOut);
    const b = readTree(s3Out);
    const dcm = [...a.keys()].filter((k) => k.endsWith(".dcm"));
    expect(dcm).toHaveLength(5);
    // the large instances kept all of their pixel data
    const big = dcm.map((k) => a.get(k)!).filter((v) => v.length > 256 * 256 * 2);
    expect(big).toHaveLength(2);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, v] of a) expect(b.get(k)!.equals(v), k).toBe(true);
  }, 120_000);
});
