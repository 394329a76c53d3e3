// The header-only fast path of deidentifyFile (packages/formats/src/dicom/fast.ts) gives the same bytes as the
// whole-file dcmjs path, with and without stamps and options, in explicit and implicit VR; with encapsulated Pixel
// Data it gives the same header and the input's items unchanged (dcmjs would rebuild the offset table); files it does
// not apply to (elements after Pixel Data, no Pixel Data) fall back to the whole-file path with the same result.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deidentifyFile, deidentifyFileParts, pixelDataRange, scanDicomHeader, type DeidentifyFileOptions } from "@ingestkit/formats";
import { buildDicom, MARKER_RE, ORIGINAL_ROOT, readDicom } from "./support/dicom-fixtures.js";
import { dcmdump } from "./support/dcmtk.js";
import { cli, readTree, ROOT, tempDir } from "./helpers.js";
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

/**
 * The fixture as a JPEG Baseline file: the header re-encoded with that transfer syntax and the
 * Pixel Data as encapsulated items written by hand (an empty basic offset table and two
 * fragments of made-up "compressed" bytes: nothing here decodes them).
 */
function encapsulated(bytes: Uint8Array): Uint8Array {
  const head = reencode(bytes, "1.2.840.10008.1.2.4.50", {}, true);
  const item = (payload: Uint8Array) => {
    const b = Buffer.alloc(8 + payload.length);
    b.writeUInt16LE(0xfffe, 0);
    b.writeUInt16LE(0xe000, 2);
    b.writeUInt32LE(payload.length, 4);
    b.set(payload, 8);
    return b;
  };
  const element = Buffer.alloc(12);
  element.writeUInt16LE(0x7fe0, 0);
  element.writeUInt16LE(0x0010, 2);
  element.write("OB", 4, "latin1");
  element.writeUInt32LE(0xffffffff, 8);
  const frag = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 0xff);
  const end = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return new Uint8Array(Buffer.concat([head, element, item(new Uint8Array(0)), item(frag(1000, 1)), item(frag(2002, 2)), end]));
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
    ["encapsulated (JPEG Baseline) Pixel Data, items kept as they are; header", encapsulated(buildDicom(spec(1))), true],
  ];
  for (const [name, bytes, applies] of cases) {
    it(`${name}: same bytes as the whole-file path`, () => {
      const px = pixelDataRange(bytes);
      expect(Boolean(px && px.end === bytes.length)).toBe(applies);
      for (const o of [
        {},
        { retainLongitudinal: "modified" as const, cleanDescriptors: true },
        {
          stamps: [
            { tag: "(0012,0071)", value: "7.1" },
            { privateGroup: "0011", privateCreator: "INGESTKIT", privateElement: 0x10, value: "x" },
          ],
        },
        { patientIdMap: { "PHI-PAT1-7Q": "SUBJ-1" } },
      ]) {
        const { fast, slow } = both(bytes, o);
        // the fast path passes Pixel Data through: it returns it as the input's tail
        expect(deidentifyFileParts(bytes, { secret: SECRET, ...o }).tail.length > 0, "fast path taken").toBe(applies);
        if (px?.encapsulated) {
          // dcmjs' whole-file path rebuilds the basic offset table as if every fragment were a frame; the fast
          // path keeps the encapsulated items byte for byte. Everything before Pixel Data is the same.
          const out = pixelDataRange(fast.bytes) as NonNullable<typeof px>;
          expect(Buffer.from(fast.bytes.subarray(0, out.elementOffset)).equals(Buffer.from(slow.bytes.subarray(0, out.elementOffset)))).toBe(true);
          expect(Buffer.from(fast.bytes.subarray(out.elementOffset)).equals(Buffer.from(bytes.subarray(px.elementOffset)))).toBe(true);
          const file = join(tempDir("ingestkit-encap-"), "out.dcm");
          writeFileSync(file, fast.bytes);
          const dump = dcmdump(file);
          expect(dump).toMatch(/\(7fe0,0010\) OB \(PixelSequence #=3\)/);
          expect(dump).toMatch(/\(0002,0010\) UI =JPEGBaseline/);
        } else expect(Buffer.from(fast.bytes).equals(Buffer.from(slow.bytes))).toBe(true);
        expect(fast.mappings).toEqual(slow.mappings);
        expect(fast.warnings).toEqual(slow.warnings);
        // the importer hands over its own whole-file scan: the result must not depend on it
        const scanned = deidentifyFile(bytes, { secret: SECRET, ...o, scanned: scanDicomHeader(bytes) });
        expect(Buffer.from(scanned.bytes).equals(Buffer.from(fast.bytes))).toBe(true);
        expect(scanned.mappings).toEqual(fast.mappings);
      }
    });
  }

  it("a caller's scan does not let a truncated file through", () => {
    const bytes = buildDicom(spec(0));
    const px = pixelDataRange(bytes) as NonNullable<ReturnType<typeof pixelDataRange>>;
    // cut inside the header, before Pixel Data: the scan says truncated, so the file is checked again and refused
    const cut = bytes.subarray(0, Math.floor(px.elementOffset / 2));
    const scan = scanDicomHeader(cut, { isPrefix: true });
    expect(scan.truncated).toBe(true);
    expect(() => deidentifyFile(cut, { secret: SECRET, scanned: scan })).toThrow(/truncated/i);
  });

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

describe("encapsulated Pixel Data through the CLI (dataset_configs/dicom_deidentify.yaml)", () => {
  it("de-identifies the header, keeps the items byte for byte, leaves no PHI, and dcmdump reads the file", () => {
    const input = tempDir("ingestkit-encap-in-");
    const source = encapsulated(buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: 0, instancesInSeries: 1 }));
    writeFileSync(join(input, "jpeg.dcm"), source);
    const out = join(tempDir("ingestkit-encap-out-"), "OUT");
    const res = cli(["convert", join(ROOT, "dataset_configs", "dicom_deidentify.yaml"), input, out], { INGESTKIT_DEID_SECRET: SECRET });
    expect(res.code, res.stderr).toBe(0);
    const files = [...readTree(out, true)];
    for (const [key, bytes] of files) {
      expect(bytes.toString("latin1").match(MARKER_RE), key).toBeNull();
      expect(bytes.toString("latin1"), `${key}: no original UID`).not.toContain(ORIGINAL_ROOT);
    }
    const dcm = files.filter(([k]) => k.endsWith(".dcm"));
    expect(dcm.length).toBe(1);
    const written = new Uint8Array(dcm[0]![1]);
    const inPx = pixelDataRange(source)!;
    const outPx = pixelDataRange(written)!;
    expect(outPx.encapsulated).toBe(true);
    expect(Buffer.from(written.subarray(outPx.elementOffset)).equals(Buffer.from(source.subarray(inPx.elementOffset)))).toBe(true);
    const file = join(out, dcm[0]![0]);
    expect(dcmdump(file)).toMatch(/\(0012,0062\) CS \[YES\]/);
  });
});
