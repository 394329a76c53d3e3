// De-identification on real bytes: three Part 10 CT files of one series, built with dcmjs, carrying a distinctive
// PHI marker ("PHI-<tag>-7Q") in every Table E.1-1 attribute whose VR we can fill, nested sequences, private
// blocks and cross-file UID references. Every output file must also pass /usr/bin/dcmdump.
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dcmjs, { type DcmjsDict } from "dcmjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ANNEX_E_ROWS,
  DicomError,
  deidentifyFile,
  isValidUid,
  remapUid,
  resolveRowAction,
  scanDicomHeader,
  shiftDa,
  vrOf,
  type DeidentifyFileOptions,
} from "../src/dicom/index.js";
import { ORIGINAL_DATE, seedValue } from "../../../test/support/dicom-fixtures.js";

const require = createRequire(import.meta.url);
const dicomParser = require("dicom-parser") as typeof import("dicom-parser");

const CT = "1.2.840.10008.5.1.4.1.1.2";
const EXPLICIT_LE = "1.2.840.10008.1.2.1";
const ROOT = "1.2.826.0.1.3680043.8.498."; // every original (identifying) UID of the fixtures is under this root
const STUDY = `${ROOT}1001`;
const SERIES = `${ROOT}1002`;
const FOR = `${ROOT}1003`;
const sop = (i: number) => `${ROOT}200${i}`;
const SECRET = "test-secret-not-for-production";
const MARKER_RE = /PHI[-_][0-9A-Z]+[-_]7Q/g;
const PIXELS = 512 * 512 * 2; // 512 KiB single-frame 16-bit

interface Seeded {
  tag: string;
  vr: string;
}

/** Fill value for a table row, or undefined when we cannot synthesize its VR. */

function buildFile(i: number, opts: { patientId?: string } = {}): { bytes: Uint8Array; seeded: Seeded[]; skipped: string[]; pixels: Uint8Array } {
  const dict: DcmjsDict = {};
  const seeded: Seeded[] = [];
  const skipped: string[] = [];
  ANNEX_E_ROWS.forEach((row, idx) => {
    if (row.kind !== "tag") return skipped.push(`${row.tag} (${row.kind})`);
    const g = row.tag.slice(0, 4);
    if (g === "0000" || g === "0002" || g === "FFFA" || g === "FFFC") return skipped.push(`${row.tag} (command/meta/signature/padding group)`);
    const vr = vrOf(row.tag);
    const value = vr ? seedValue(row.tag, vr, `${ROOT}9${idx}`, `${ROOT}8${idx}`) : undefined;
    if (!vr || !value) return skipped.push(`${row.tag} (VR ${vr ?? "unknown"})`);
    dict[row.tag] = { vr, Value: value };
    seeded.push({ tag: row.tag, vr });
  });
  const pixels = new Uint8Array(PIXELS);
  for (let k = 0; k < PIXELS; k++) pixels[k] = (k * 31 + i * 7) & 0xff;
  Object.assign(dict, {
    "00080008": { vr: "CS", Value: ["ORIGINAL", "PRIMARY", "AXIAL"] },
    "00080016": { vr: "UI", Value: [CT] },
    "00080018": { vr: "UI", Value: [sop(i)] },
    "00080020": { vr: "DA", Value: [ORIGINAL_DATE] },
    "00080060": { vr: "CS", Value: ["CT"] },
    "00100020": { vr: "LO", Value: [opts.patientId ?? "PHI-00100020-7Q"] },
    "0020000D": { vr: "UI", Value: [STUDY] },
    "0020000E": { vr: "UI", Value: [SERIES] },
    "00200011": { vr: "IS", Value: ["7"] },
    "00200013": { vr: "IS", Value: [String(i + 1)] },
    "00200052": { vr: "UI", Value: [FOR] },
    "00280002": { vr: "US", Value: [1] },
    "00280004": { vr: "CS", Value: ["MONOCHROME2"] },
    "00280010": { vr: "US", Value: [512] },
    "00280011": { vr: "US", Value: [512] },
    "00280100": { vr: "US", Value: [16] },
    "00280101": { vr: "US", Value: [16] },
    "00280102": { vr: "US", Value: [15] },
    "00280103": { vr: "US", Value: [0] },
    "7FE00010": { vr: "OW", Value: [pixels.slice().buffer] },
    // References to the other files of the series (must point at their remapped SOP Instance UIDs).
    "00082112": { vr: "SQ", Value: [{ "00081150": { vr: "UI", Value: [CT] }, "00081155": { vr: "UI", Value: [sop((i + 1) % 3)] } }] },
    "00081140": { vr: "SQ", Value: [{ "00081150": { vr: "UI", Value: [CT] }, "00081155": { vr: "UI", Value: [sop((i + 2) % 3)] } }] },
    // Not in Table E.1-1 (kept, recursed): PHI and UIDs two levels deep, plus a nested private block.
    "00081115": {
      vr: "SQ",
      Value: [
        {
          "0020000E": { vr: "UI", Value: [SERIES] },
          "00100010": { vr: "PN", Value: [{ Alphabetic: "PHI-NESTA-7Q" }] },
          "00290010": { vr: "LO", Value: ["NEST CREATOR"] },
          "00291001": { vr: "LO", Value: ["PHI-NESTP-7Q"] },
          "0008114A": {
            vr: "SQ",
            Value: [
              {
                "00081150": { vr: "UI", Value: [CT] },
                "00081155": { vr: "UI", Value: [sop((i + 1) % 3)] },
                "00080050": { vr: "SH", Value: ["PHI-NESTB-7Q"] },
                "00081030": { vr: "LO", Value: ["PHI-NESTC-7Q"] },
              },
            ],
          },
        },
      ],
    },
    "00081110": { vr: "SQ", Value: [{ "00081155": { vr: "UI", Value: [`${ROOT}3001`] }, "00100010": { vr: "PN", Value: [{ Alphabetic: "PHI-NESTD-7Q" }] } }] },
    "00400275": {
      vr: "SQ",
      Value: [{ "00401001": { vr: "SH", Value: ["PHI-NESTE-7Q"] }, "00081110": { vr: "SQ", Value: [{ "00081155": { vr: "UI", Value: [STUDY] } }] } }],
    },
    // Private block: creator + two elements; 00111002 is the allow-list candidate.
    "00110010": { vr: "LO", Value: ["ACME PRIVATE"] },
    "00111001": { vr: "LO", Value: ["PHI-00111001-7Q"] },
    "00111002": { vr: "LO", Value: ["KEEPME 42"] },
  });
  const meta: DcmjsDict = {
    "00020001": { vr: "OB", Value: [new Uint8Array([0, 1]).buffer] },
    "00020002": { vr: "UI", Value: [CT] },
    "00020003": { vr: "UI", Value: [sop(i)] },
    "00020010": { vr: "UI", Value: [EXPLICIT_LE] },
    "00020012": { vr: "UI", Value: ["1.2.999.1"] },
    "00020013": { vr: "SH", Value: ["FIXTURE"] },
    "00020016": { vr: "AE", Value: ["PHI-SRCAE-7Q"] },
  };
  const dd = new dcmjs.data.DicomDict(meta);
  dd.dict = dict;
  return { bytes: new Uint8Array(dd.write()), seeded, skipped, pixels };
}

const read = (bytes: Uint8Array) => dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");
/** dcmjs reads a zero-length value back as [""]. */
const isEmpty = (el: { Value?: unknown[] } | undefined) => (el?.Value ?? []).every((v) => v === "" || v === null);
const first = (d: DcmjsDict, tag: string) => d[tag]?.Value?.[0];
const pixelBytes = (b: Uint8Array) => {
  const ds = dicomParser.parseDicom(b);
  const px = ds.elements.x7fe00010!;
  return b.subarray(px.dataOffset, px.dataOffset + px.length);
};

function allUids(d: DcmjsDict, out: string[] = []): string[] {
  for (const el of Object.values(d)) {
    if (el.vr === "UI") for (const v of el.Value ?? []) out.push(String(v));
    if (el.vr === "SQ") for (const item of el.Value ?? []) allUids(item as DcmjsDict, out);
  }
  return out;
}

function dcmdump(bytes: Uint8Array, dir: string, name: string): void {
  if (!existsSync("/usr/bin/dcmdump")) throw new Error("/usr/bin/dcmdump is missing: run scripts/system-deps.sh (Debian dcmtk)");
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const r = spawnSync("/usr/bin/dcmdump", [path], { encoding: "utf8" });
  expect(r.status, `${name}: ${r.stderr}`).toBe(0);
  expect(`${r.stdout}\n${r.stderr}`.split("\n").filter((l) => l.startsWith("E:"))).toEqual([]);
}

const opts = (o: Partial<DeidentifyFileOptions> = {}): DeidentifyFileOptions => ({ secret: SECRET, ...o });

describe("deidentifyFile on a 3-file synthetic series", () => {
  const inputs = [0, 1, 2].map((i) => buildFile(i));
  let outs: ReturnType<typeof deidentifyFile>[];
  const dir = mkdtempSync(join(tmpdir(), "ingestkit-dicom-"));

  beforeAll(() => {
    outs = inputs.map((f, i) => deidentifyFile(f.bytes, opts({ fileName: `f${i}.dcm` })));
  });

  it("seeds PHI into every fillable Table E.1-1 attribute (fixture sanity)", () => {
    const { seeded, skipped, bytes } = inputs[0]!;
    expect(seeded.length + skipped.length).toBe(ANNEX_E_ROWS.length);
    // wildcard/private rows (4), command group 0000 (2), meta 0002 (1, seeded in the meta instead),
    // digital signatures / trailing padding (2) — and no VR we could not fill
    expect(skipped.filter((s) => s.includes("VR"))).toEqual([]);
    expect(skipped).toHaveLength(9);
    expect(seeded.length).toBe(451);
    const markers = latin1(bytes).match(MARKER_RE) ?? [];
    expect(markers.length).toBeGreaterThan(300);
    expect(latin1(bytes)).toContain(ORIGINAL_DATE);
    expect(latin1(bytes)).toContain(ROOT);
  });

  it("leaves no PHI marker, original date or original UID anywhere in the output bytes", () => {
    for (const o of outs) {
      const text = latin1(o.bytes);
      expect(text.match(MARKER_RE) ?? []).toEqual([]);
      expect(Buffer.from(o.bytes).toString("utf8").match(MARKER_RE) ?? []).toEqual([]);
      expect(text).not.toContain(ORIGINAL_DATE);
      expect(text).not.toContain("070707.77");
      expect(text).not.toContain(ROOT);
    }
  });

  it("applies the resolved action of every seeded top-level attribute", () => {
    const out = read(outs[0]!.bytes).dict;
    const input = read(inputs[0]!.bytes).dict;
    const counts: Record<string, number> = {};
    for (const { tag, vr } of inputs[0]!.seeded) {
      const action = resolveRowAction(ANNEX_E_ROWS.find((r) => r.tag === tag)!, {});
      counts[action] = (counts[action] ?? 0) + 1;
      const el = out[tag];
      const ctx = `${tag} ${vr} ${action}`;
      if (action === "remove") expect(el, ctx).toBeUndefined();
      else if (action === "empty" && tag !== "00100020" && tag !== "00080050") expect(el && isEmpty(el), ctx).toBe(true);
      else if (action === "dummy" && vr === "SQ")
        expect(el, ctx).toBeDefined(); // one empty item; dcmjs reads it back as []
      else if (action === "dummy") {
        expect(el?.Value?.length, ctx).toBeGreaterThan(0);
        const show = (vals: unknown[] | undefined) => JSON.stringify((vals ?? []).map((v) => (v instanceof ArrayBuffer ? Buffer.from(v).toString("latin1") : v)));
        expect(show(el!.Value), ctx).not.toEqual(show(input[tag]!.Value));
      } else if (action === "remapUid" && vr === "UI") expect(String(first(out, tag)), ctx).toMatch(/^2\.25\.\d+$/);
    }
    expect(counts.remove).toBeGreaterThan(250);
    expect(counts.dummy).toBeGreaterThan(50);
  });

  it("marks the output as de-identified (0012,0062/0063/0064, 0028,0303)", () => {
    const d = read(outs[0]!.bytes).dict;
    expect(first(d, "00120062")).toBe("YES");
    expect(String(first(d, "00120063"))).toMatch(/ingestkit/);
    const codes = (d["00120064"]!.Value as DcmjsDict[]).map((it) => [first(it, "00080100"), first(it, "00080102")]);
    expect(codes).toEqual([["113100", "DCM"]]);
    expect(first(d, "00280303")).toBe("MODIFIED");
  });

  it("remaps UIDs validly and consistently across the 3 files; standard UIDs untouched", () => {
    const ds = outs.map((o) => read(o.bytes));
    for (const d of ds) {
      for (const uid of [...allUids(d.dict), ...allUids(d.meta)]) {
        expect(isValidUid(uid), uid).toBe(true);
        expect(uid.startsWith("2.25.") || uid.startsWith("1.2.840.10008.") || uid === "1.2.999.1" || uid.startsWith("1.2.826.0.1.3680043.10.")).toBe(true);
      }
      expect(first(d.dict, "00080016")).toBe(CT);
      expect(first(d.meta, "00020010")).toBe(EXPLICIT_LE);
      expect(first(d.meta, "00020003")).toBe(first(d.dict, "00080018"));
    }
    const newSop = ds.map((d) => String(first(d.dict, "00080018")));
    expect(new Set(newSop).size).toBe(3);
    for (const tag of ["0020000D", "0020000E", "00200052"]) expect(new Set(ds.map((d) => first(d.dict, tag))).size).toBe(1);
    ds.forEach((d, i) => {
      const src = d.dict["00082112"]!.Value![0] as DcmjsDict;
      expect(first(src, "00081155")).toBe(newSop[(i + 1) % 3]);
      expect(first(src, "00081150")).toBe(CT);
      const refImg = d.dict["00081140"]!.Value![0] as DcmjsDict;
      expect(first(refImg, "00081155")).toBe(newSop[(i + 2) % 3]);
      const series = d.dict["00081115"]!.Value![0] as DcmjsDict;
      expect(first(series, "0020000E")).toBe(first(d.dict, "0020000E"));
      expect(series["00291001"]).toBeUndefined();
      expect(isEmpty(series["00100010"])).toBe(true);
      const inst = series["0008114A"]!.Value![0] as DcmjsDict;
      expect(first(inst, "00081155")).toBe(newSop[(i + 1) % 3]);
      expect(inst["00081030"]).toBeUndefined();
      expect(String(first(inst, "00080050"))).toMatch(/^A[0-9A-F]{15}$/);
    });
    expect(outs[0]!.mappings.uids[sop(0)]).toBe(newSop[0]);
    expect(outs[0]!.mappings.uids[STUDY]).toBe(first(ds[0]!.dict, "0020000D"));
  });

  it("pseudonymizes PatientID and AccessionNumber with keyed, stable pseudonyms", () => {
    const d = read(outs[0]!.bytes).dict;
    const pid = String(first(d, "00100020"));
    expect(pid).toMatch(/^P[0-9A-F]{16}$/);
    expect(outs[0]!.mappings.patientIds).toEqual({ "PHI-00100020-7Q": pid });
    expect(outs.map((o) => o.mappings.patientIds["PHI-00100020-7Q"])).toEqual([pid, pid, pid]);
    expect(Object.keys(outs[0]!.mappings.accessionNumbers)).toContain("PHI-00080050-7Q");
    const mapped = deidentifyFile(inputs[0]!.bytes, opts({ patientIdMap: { "PHI-00100020-7Q": "SUBJ-001" } }));
    expect(first(read(mapped.bytes).dict, "00100020")).toBe("SUBJ-001");
  });

  it("is deterministic for a secret and differs across secrets", () => {
    const again = deidentifyFile(inputs[0]!.bytes, opts());
    expect(Buffer.compare(Buffer.from(again.bytes), Buffer.from(outs[0]!.bytes))).toBe(0);
    const other = deidentifyFile(inputs[0]!.bytes, opts({ secret: new TextEncoder().encode("another secret") }));
    expect(first(read(other.bytes).dict, "00080018")).not.toBe(first(read(outs[0]!.bytes).dict, "00080018"));
    expect(() => deidentifyFile(inputs[0]!.bytes, opts({ secret: "" }))).toThrow(/secret/);
  });

  it("keeps the pixel data bytes identical", () => {
    outs.forEach((o, i) => expect(Buffer.compare(Buffer.from(pixelBytes(o.bytes)), Buffer.from(inputs[i]!.pixels))).toBe(0));
  });

  it("writes files dcmdump reads without errors (input and output)", () => {
    dcmdump(inputs[0]!.bytes, dir, "input0.dcm");
    outs.forEach((o, i) => dcmdump(o.bytes, dir, `out${i}.dcm`));
  });

  it("honours the options", () => {
    const uids = read(deidentifyFile(inputs[0]!.bytes, opts({ retainUIDs: true })).bytes).dict;
    expect(first(uids, "00080018")).toBe(sop(0));
    expect(first(uids, "0020000D")).toBe(STUDY);
    expect((uids["00120064"]!.Value as DcmjsDict[]).map((it) => first(it, "00080100"))).toEqual(["113100", "113110"]);

    const mod = inputs.map((f) => deidentifyFile(f.bytes, opts({ retainLongitudinal: "modified" })));
    const shift = mod[0]!.mappings.dateShiftDays["PHI-00100020-7Q"]!;
    expect(shift).toBeLessThan(0);
    expect(shift).toBeGreaterThanOrEqual(-365);
    for (const m of mod) {
      const d = read(m.bytes).dict;
      expect(m.mappings.dateShiftDays["PHI-00100020-7Q"]).toBe(shift);
      expect(first(d, "00080020")).toBe(shiftDa(ORIGINAL_DATE, shift));
      expect(first(d, "00280303")).toBe("MODIFIED");
      expect(first(d, "00100030") ?? "").toBe(""); // birth date stays Z under this option
    }
    expect(shiftDa("20240301", -1)).toBe("20240229");
    const other = deidentifyFile(buildFile(0, { patientId: "OTHER-SUBJECT" }).bytes, opts({ retainLongitudinal: "modified" }));
    expect(other.mappings.dateShiftDays["OTHER-SUBJECT"]).not.toBe(shift);

    const full = read(deidentifyFile(inputs[0]!.bytes, opts({ retainLongitudinal: "full" })).bytes).dict;
    expect(first(full, "00080020")).toBe(ORIGINAL_DATE);
    expect(first(full, "00280303")).toBe("UNMODIFIED");

    const dev = read(deidentifyFile(inputs[0]!.bytes, opts({ retainDeviceIdentity: true })).bytes).dict;
    expect(first(dev, "00181000")).toBe("PHI-00181000-7Q");
    expect(first(read(outs[0]!.bytes).dict, "00181000")).toBe("ANONYMIZED");

    const priv = read(deidentifyFile(inputs[0]!.bytes, opts({ privateAllowList: ["0011,1002"], retainSafePrivate: true })).bytes).dict;
    expect(first(priv, "00111002")).toBe("KEEPME 42");
    expect(first(priv, "00110010")).toBe("ACME PRIVATE");
    expect(priv["00111001"]).toBeUndefined();
    const noPriv = read(outs[0]!.bytes).dict;
    expect(Object.keys(noPriv).filter((t) => parseInt(t.slice(0, 4), 16) % 2 === 1)).toEqual([]);

    const custom = deidentifyFile(
      inputs[0]!.bytes,
      opts({ customRules: { "(0008,1030)": "replace:RESEARCH STUDY", "00181000": "hash", "00200011": "remove", "00104000": "empty" } }),
    );
    const c = read(custom.bytes).dict;
    expect(first(c, "00081030")).toBe("RESEARCH STUDY");
    expect(String(first(c, "00181000"))).toMatch(/^[0-9A-F]{16}$/);
    expect(c["00200011"]).toBeUndefined();
    expect(isEmpty(c["00104000"])).toBe(true);
  });

  it("cleans descriptors by scrubbing known identifiers when cleanDescriptors is on", () => {
    const f = buildFile(0);
    const d = read(f.bytes);
    d.dict["00100010"] = { vr: "PN", Value: [{ Alphabetic: "DOE^JOHN" }] };
    d.dict["0008103E"] = { vr: "LO", Value: ["T1 AXIAL DOE JOHN"] };
    const out = read(deidentifyFile(new Uint8Array(d.write()), opts({ cleanDescriptors: true })).bytes).dict;
    expect(first(out, "0008103E")).toBe("T1 AXIAL * *");
  });
});

describe("bad input", () => {
  const good = buildFile(0).bytes;
  const cases: Array<[string, Uint8Array, string]> = [
    ["notes.txt", new TextEncoder().encode("this is a plain text file, not DICOM at all\n".repeat(10)), "NOT_DICOM"],
    ["empty.dcm", new Uint8Array(0), "NOT_DICOM"],
    ["header-cut.dcm", good.subarray(0, 1500), "TRUNCATED"],
    ["pixels-cut.dcm", good.subarray(0, good.length - 1000), "TRUNCATED"],
  ];
  for (const [name, bytes, code] of cases) {
    it(`${name} -> DicomError ${code} naming the file`, () => {
      let err: unknown;
      try {
        deidentifyFile(bytes, opts({ fileName: name }));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DicomError);
      expect((err as DicomError).code).toBe(code);
      expect((err as DicomError).fileName).toBe(name);
      expect((err as DicomError).message).toContain(name);
    });
  }

  it("rejects deflated transfer syntax instead of writing a corrupt file", () => {
    const d = read(good);
    d.meta["00020010"] = { vr: "UI", Value: ["1.2.840.10008.1.2.1.99"] };
    // dcmjs writes an uncompressed data set under the deflate UID (the very bug); the check happens before any read.
    const bytes = new Uint8Array(d.write());
    expect(() => deidentifyFile(bytes, opts({ fileName: "deflated.dcm" }))).toThrow(/UNSUPPORTED_TRANSFER_SYNTAX/);
  });
});

describe("scanDicomHeader", () => {
  const f = buildFile(1).bytes;
  it("reads the series-grouping fields from a 64 KiB prefix", () => {
    const h = scanDicomHeader(f.subarray(0, 65536), { isPrefix: true });
    expect(h).toMatchObject({
      isDicom: true,
      hasPart10Header: true,
      transferSyntaxUID: EXPLICIT_LE,
      sopClassUID: CT,
      sopInstanceUID: sop(1),
      studyInstanceUID: STUDY,
      seriesInstanceUID: SERIES,
      seriesNumber: 7,
      instanceNumber: 2,
      modality: "CT",
      patientID: "PHI-00100020-7Q",
      rows: 512,
      columns: 512,
    });
  });
  it("says isDicom false for text and empty input, throws TRUNCATED for a cut header", () => {
    expect(scanDicomHeader(new TextEncoder().encode("hello world, no dicom here")).isDicom).toBe(false);
    expect(scanDicomHeader(new Uint8Array(0)).isDicom).toBe(false);
    expect(() => scanDicomHeader(f.subarray(0, 1500), { fileName: "cut.dcm" })).toThrow(/cut\.dcm: TRUNCATED/);
    expect(scanDicomHeader(f.subarray(0, 1500), { isPrefix: true }).truncated).toBe(true);
  });
  it("recognises a raw implicit-VR data set without preamble and de-identifies it", () => {
    const d = read(f);
    d.meta["00020010"] = { vr: "UI", Value: ["1.2.840.10008.1.2"] };
    const implicit = new Uint8Array(d.write());
    const ds = dicomParser.parseDicom(implicit, { untilTag: "x00080000" } as never);
    void ds;
    // strip preamble + meta group: find the first byte after group 0002
    const metaLen = new DataView(implicit.buffer, implicit.byteOffset).getUint32(132 + 8, true);
    const raw = implicit.subarray(132 + 12 + metaLen);
    const h = scanDicomHeader(raw);
    expect(h).toMatchObject({ isDicom: true, hasPart10Header: false, sopInstanceUID: sop(1) });
    const out = deidentifyFile(raw, opts({ fileName: "raw.dcm" }));
    expect(latin1(out.bytes).match(MARKER_RE) ?? []).toEqual([]);
  });
});

describe("remapUid memo", () => {
  it("remembers per secret: the same answer as the HMAC each time, other secrets (string or bytes) their own", () => {
    const uid = "1.2.826.0.1.3680043.8.498.77.1";
    const fresh = (secret: string | Uint8Array) => {
      const b = createHmac("sha256", secret).update(`uid\u0000${uid}`, "utf8").digest().subarray(0, 16);
      b[6] = (b[6]! & 0x0f) | 0x80;
      b[8] = (b[8]! & 0x3f) | 0x80;
      return `2.25.${BigInt(`0x${b.toString("hex")}`).toString(10)}`;
    };
    const a = Buffer.from("secret-a");
    for (let i = 0; i < 3; i++) {
      expect(remapUid("secret-a", uid)).toBe(fresh("secret-a"));
      expect(remapUid(a, uid)).toBe(fresh(a));
      expect(remapUid("secret-b", uid)).toBe(fresh("secret-b"));
      expect(remapUid(Buffer.from("secret-c"), uid)).toBe(fresh("secret-c")); // a new object every time
    }
    expect(fresh("secret-a")).not.toBe(fresh("secret-b"));
  });
});
