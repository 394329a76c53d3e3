// The header-only fast path of deidentifyFile (packages/formats/src/dicom/fast.ts) gives the same bytes as the
// whole-file dcmjs path, with and without stamps and options, in explicit and implicit VR; files it does not apply
// to (elements after Pixel Data, no Pixel Data) fall back to the whole-file path with the same result.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deidentifyFile, pixelDataRange, type DeidentifyFileOptions } from "@ingestkit/formats";
import { buildDicom, readDicom } from "./support/dicom-fixtures.js";
import { dcmdump } from "./support/dcmtk.js";
import { tempDir } from "./helpers.js";
import { createRequire } from "node:module";

const require = createRequire(new URL("../packages/formats/package.json", import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const dcmjs = require("dcmjs") as any;

const SECRET = "fast-secret-not-for-production";
const spec = (i: number) => ({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: i, instancesInSeries: 3 });

/** Re-encode a fixture with another transfer syntax / extra top-level elements. */
function reencode(bytes: Uint8Array, ts: string, extra: Record<string, { vr: string; Value: unknown[] }> = {}, dropPixels = false): Uint8Array {
  const d = readDicom(bytes) as unknown as { dict: Record<string, unknown>; meta: Record<string, { vr: string; Value: unknown[] }> };
  d.meta["00020010"] = { vr: "UI", Value: [ts] };
  const dd = new dcmjs.data.DicomDict(d.meta);
  dd.dict = { ...d.dict, ...extra };
  if (dropPixels) delete dd.dict["7FE00010"];
  return new Uint8Array(dd.write());
}

function both(bytes: Uint8Array, o: Partial<DeidentifyFileOptions> = {}) {
  const fast = deidentifyFile(bytes, { secret: SECRET, ...o });
  const slow = deidentifyFile(bytes, { secret: SECRET, ...o, fastPath: false });
  return { fast, slow };
}

describe("de-identification fast path", () => {
  const cases: Array<[string, Uint8Array, boolean]> = [
    ["explicit VR LE", buildDicom(spec(0)), true],
    ["explicit VR LE, another instance", buildDicom(spec(2)), true],
    ["implicit VR LE", reencode(buildDicom(spec(1)), "1.2.840.10008.1.2"), true],
    ["element after Pixel Data (falls back)", reencode(buildDicom(spec(1)), "1.2.840.10008.1.2.1", { FFFCFFFC: { vr: "OB", Value: [new Uint8Array(8).buffer] } }), false],
    ["no Pixel Data (falls back)", reencode(buildDicom(spec(1)), "1.2.840.10008.1.2.1", {}, true), false],
  ];
  for (const [name, bytes, applies] of cases) {
    it(`${name}: same bytes as the whole-file path`, () => {
      const px = pixelDataRange(bytes);
      expect(Boolean(px && !px.encapsulated && px.end === bytes.length)).toBe(applies);
      for (const o of [
        {},
        { retainLongitudinal: "modified" as const, cleanDescriptors: true },
        { stamps: [{ tag: "(0012,0071)", value: "7.1" }, { privateGroup: "0011", privateCreator: "INGESTKIT", privateElement: 0x10, value: "x" }] },
        { patientIdMap: { "PHI-PAT1-7Q": "SUBJ-1" } },
      ]) {
        const { fast, slow } = both(bytes, o);
        expect(Buffer.from(fast.bytes).equals(Buffer.from(slow.bytes))).toBe(true);
        expect(fast.mappings).toEqual(slow.mappings);
        expect(fast.warnings).toEqual(slow.warnings);
      }
    });
  }

  it("applies to a Node Buffer as storages return it (a Buffer's slice is a view, not a copy)", async () => {
    const { deidentifyFileFast } = await import("../packages/formats/src/dicom/fast.js");
    const bytes = buildDicom(spec(0));
    // a Buffer inside a larger pooled ArrayBuffer, as fs reads and S3 bodies give
    const pool = Buffer.alloc(bytes.length + 4096);
    pool.set(bytes, 1000);
    const asBuffer = pool.subarray(1000, 1000 + bytes.length);
    const fast = deidentifyFileFast(asBuffer, { secret: SECRET });
    expect(fast).toBeDefined();
    expect(Buffer.from(fast!.bytes).equals(Buffer.from(deidentifyFile(bytes, { secret: SECRET, fastPath: false }).bytes))).toBe(true);
  });

  it("output of the fast path reads in dcmdump with the pixel data intact", () => {
    const dir = tempDir("ingestkit-fast-");
    const bytes = buildDicom(spec(0));
    const out = deidentifyFile(bytes, { secret: SECRET }).bytes;
    writeFileSync(join(dir, "o.dcm"), out);
    expect(dcmdump(join(dir, "o.dcm"))).toMatch(/\(7fe0,0010\) OW/);
    const a = pixelDataRange(bytes)!;
    const b = pixelDataRange(out)!;
    expect(Buffer.from(out.subarray(b.valueOffset, b.end)).equals(Buffer.from(bytes.subarray(a.valueOffset, a.end)))).toBe(true);
  });
});
