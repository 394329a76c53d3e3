// The element-memoized header reader (packages/formats/src/dicom/memo-read.ts) against dcmjs' own reader: for every
// header it takes, its { meta, dict } must be what dcmjs.data.DicomMessage.readFile returns, to the hidden
// properties and Proxies dcmjs adds, on the first read (decoded by dcmjs) and on later reads (from the memo); the
// writer's shortcut for unchanged elements must give dcmjs' bytes and must notice any change; headers it does not
// frame must be declined, never misread.
import { types } from "node:util";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { deidentifyDataset, pixelDataRange, vrOf, writeDicomDict } from "@ingestkit/formats";
import { memoSize, readHeaderMemo } from "../packages/formats/src/dicom/memo-read.js";
import { buildDicom } from "./support/dicom-fixtures.js";

const require = createRequire(new URL("../packages/formats/package.json", import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const dcmjs = require("dcmjs") as any;
dcmjs.log.getLogger("validation.dcmjs").setLevel("silent");

const EXPLICIT = "1.2.840.10008.1.2.1";
const IMPLICIT = "1.2.840.10008.1.2";

/** Structural identity: same prototypes, own keys in order (hidden ones too), descriptors, values, Proxy or not. */
function expectSame(a: unknown, b: unknown, path = "$"): void {
  if (typeof a !== typeof b) throw new Error(`${path}: ${typeof a} vs ${typeof b}`);
  if (a === null || typeof a !== "object") {
    if (typeof a === "function") return;
    if (!Object.is(a, b)) throw new Error(`${path}: ${String(a)} vs ${String(b)}`);
    return;
  }
  const x = a as object;
  const y = b as object;
  if (types.isProxy(x) !== types.isProxy(y)) throw new Error(`${path}: Proxy ${types.isProxy(x)} vs ${types.isProxy(y)}`);
  if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) throw new Error(`${path}: prototypes differ`);
  if (x instanceof ArrayBuffer) {
    if (Buffer.compare(Buffer.from(x), Buffer.from(y as ArrayBuffer)) !== 0) throw new Error(`${path}: bytes differ`);
    return;
  }
  const kx = Reflect.ownKeys(x).map(String);
  const ky = Reflect.ownKeys(y).map(String);
  if (kx.join() !== ky.join()) throw new Error(`${path}: keys [${kx}] vs [${ky}]`);
  for (const k of Reflect.ownKeys(x)) {
    const dx = Object.getOwnPropertyDescriptor(x, k)!;
    const dy = Object.getOwnPropertyDescriptor(y, k)!;
    if (dx.enumerable !== dy.enumerable || dx.writable !== dy.writable) throw new Error(`${path}.${String(k)}: descriptors differ`);
    expectSame(dx.value, dy.value, `${path}.${String(k)}`);
  }
}

const dcmjsRead = (head: Uint8Array) => dcmjs.data.DicomMessage.readFile(new Uint8Array(head).buffer);

/** The header of a Part 10 file: the bytes before Pixel Data (what the fast path reads). */
function headOf(file: Uint8Array): Uint8Array {
  const px = pixelDataRange(file);
  return px ? file.subarray(0, px.elementOffset) : file;
}

/** Re-encodes a fixture with another transfer syntax and extra top-level elements. */
function reencode(bytes: Uint8Array, ts: string, extra: Record<string, { vr: string; Value: unknown[] }> = {}): Uint8Array {
  const d = dcmjsRead(bytes);
  d.meta["00020010"] = { vr: "UI", Value: [ts] };
  const dd = new dcmjs.data.DicomDict(d.meta);
  dd.dict = { ...d.dict, ...extra };
  return new Uint8Array(dd.write());
}

// --- raw Part 10 headers, element by element, for encodings dcmjs' writer never makes ---

function element(tag: number, vr: string | undefined, value: Uint8Array | number[], opts: { implicit?: boolean; undefinedLength?: boolean } = {}): Uint8Array {
  const v = Uint8Array.from(value);
  const long = vr !== undefined && ["OB", "OW", "OF", "SQ", "UC", "UR", "UT", "UN", "OD", "UV"].includes(vr);
  const headLen = opts.implicit || vr === undefined ? 8 : long ? 12 : 8;
  const out = Buffer.alloc(headLen + v.length);
  out.writeUInt16LE(tag >>> 16, 0);
  out.writeUInt16LE(tag & 0xffff, 2);
  const len = opts.undefinedLength ? 0xffffffff : v.length;
  if (opts.implicit || vr === undefined) out.writeUInt32LE(len, 4);
  else {
    out.write(vr, 4, "latin1");
    if (long) out.writeUInt32LE(len, 8);
    else out.writeUInt16LE(len, 6);
  }
  out.set(v, headLen);
  return out;
}
const text = (s: string) => [...Buffer.from(s, "latin1")];

function part10(ts: string, data: Uint8Array[], metaExtra: Uint8Array[] = []): Uint8Array {
  const meta = Buffer.concat([
    element(0x00020001, "OB", [0, 1]),
    element(0x00020002, "UI", text("1.2.840.10008.5.1.4.1.1.7\0")),
    element(0x00020003, "UI", text("1.2.826.0.1.3680043.8.498.55\0")),
    element(0x00020010, "UI", text(ts.length % 2 ? `${ts}\0` : ts)),
    ...metaExtra,
  ]);
  const group = Buffer.alloc(12);
  group.writeUInt16LE(0x0002, 0);
  group.write("UL", 4, "latin1");
  group.writeUInt16LE(4, 6);
  group.writeUInt32LE(meta.length, 8);
  const pre = Buffer.alloc(132);
  pre.write("DICM", 128, "latin1");
  return new Uint8Array(Buffer.concat([pre, group, meta, ...data]));
}

/** Text elements with the paddings, multiplicities and oddities real files have. */
function oddities(implicit: boolean): Uint8Array[] {
  const o = { implicit };
  return [
    element(0x00080016, "UI", text("1.2.840.10008.5.1.4.1.1.7\0"), o),
    element(0x00080018, "UI", text("1.2.826.0.1.3680043.8.498.55 "), o), // space-padded UID
    element(0x00080020, "DA", text("20240131"), o),
    element(0x00080030, "TM", text("101500.123 "), o),
    element(0x00080050, "SH", text(" ACC 7 "), o), // leading and trailing spaces
    element(0x00080060, "CS", text("OT"), o),
    element(0x00080080, "LO", text("General\\Hospital "), o), // backslash in an LO
    element(0x00081030, "LO", text(""), o), // empty
    element(0x0008103e, "LO", text("SERIES\0"), o), // NUL-padded text
    element(0x00100010, "PN", text("DOE^JOHN=ID^EO\\SMITH^ANN "), o), // groups and two values
    element(0x00100020, "LO", text("MRN-12345 "), o),
    element(0x00100030, "DA", text(""), o),
    element(0x00101010, "AS", text("042Y"), o),
    element(0x00101020, "DS", text("1.75\\-0.000 "), o), // multi-valued DS, negative zero
    element(0x00181050, "DS", text(" 5e-1 "), o),
    element(0x00200011, "IS", text("+7 "), o),
    element(0x00200013, "IS", text("12\\13 "), o),
    element(0x00200032, "DS", text("-125.5\\-125.5\\0 "), o),
    element(0x00204000, "LT", text("x".repeat(1500)), o), // longer than the memo's keys
    element(0x00280002, "US", [1, 0], o),
    element(0x00280010, "US", [64, 0], o),
    element(0x00280011, "US", [64, 0], o),
    element(0x00281050, "DS", text("40\\400 "), o),
    element(0x00181310, "US", [0, 0, 64, 0, 64, 0, 0, 0], o), // US with multiplicity 4
    element(0x00189327, "FD", [0, 0, 0, 0, 0, 0, 0xf0, 0x3f], o),
    element(0x00209241, "FL", [0, 0, 0x80, 0x3f], o),
    element(0x00290010, "LO", text("ACME 1.0"), o),
    element(0x00291001, implicit ? undefined : "UN", text("private\0"), o), // UN (explicit) / unknown (implicit)
  ];
}

describe("readHeaderMemo: dcmjs' reader, memoized per element", () => {
  const cases: Array<[string, () => Uint8Array]> = [
    ["fixture (every Annex E attribute, nested sequences, private block)", () => buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: 0, instancesInSeries: 3 })],
    ["fixture in implicit VR", () => reencode(buildDicom({ patient: "PHI-PAT2-7Q", study: 1, series: 2, instance: 1, instancesInSeries: 3 }), IMPLICIT)],
    ["raw oddities, explicit VR", () => part10(EXPLICIT, oddities(false))],
    ["raw oddities, implicit VR", () => part10(IMPLICIT, oddities(true))],
    [
      "ISO_IR 100 with Latin-1 bytes",
      () =>
        part10(EXPLICIT, [
          element(0x00080005, "CS", text("ISO_IR 100")),
          element(0x00100010, "PN", [...Buffer.from("MÜLLER^JÖRG ", "latin1")]),
          element(0x00100020, "LO", [...Buffer.from("Ærø", "latin1"), 0x20]),
        ]),
    ],
    [
      "ISO_IR 192 with UTF-8 bytes",
      () =>
        part10(EXPLICIT, [
          element(0x00080005, "CS", text("ISO_IR 192")),
          element(0x00100010, "PN", [...Buffer.from("MÜLLER^JÖRG ", "utf8")]),
          element(0x00100020, "LO", [...Buffer.from("Ærø", "utf8")]),
        ]),
    ],
    [
      "undefined-length sequence with an undefined-length item",
      () => {
        const inner = Buffer.concat([element(0x00081150, "UI", text("1.2.840.10008.5.1.4.1.1.2\0")), element(0x00081155, "UI", text("1.2.826.0.1.3680043.8.498.9\0"))]);
        const item = Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]), inner, Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0])]);
        const seq = Buffer.concat([element(0x00081140, "SQ", [], { undefinedLength: true }), item, Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0])]);
        return part10(EXPLICIT, [element(0x00080018, "UI", text("1.2.826.0.1.3680043.8.498.55\0")), seq, element(0x00100020, "LO", text("MRN1"))]);
      },
    ],
  ];

  for (const [name, make] of cases) {
    it(`${name}: the same dict as dcmjs, read twice, and the same bytes written`, () => {
      const head = headOf(make());
      for (const round of [1, 2]) {
        const memo = readHeaderMemo(head);
        expect(memo, `round ${round}: declined`).toBeDefined();
        const ref = dcmjsRead(head);
        expectSame(memo!.meta, ref.meta, `round ${round} meta`);
        expectSame(memo!.dict, ref.dict, `round ${round} dict`);
        expect(Buffer.from(writeDicomDict(memo!))).toEqual(Buffer.from(writeDicomDict(ref)));
      }
    });

    it(`${name}: de-identified from the memo's dict, the same bytes as from dcmjs' dict`, () => {
      const head = headOf(make());
      readHeaderMemo(head); // the second read comes from the memo
      for (const options of [{}, { retainLongitudinal: "modified" as const, cleanDescriptors: true }, { retainUIDs: true, retainPatientCharacteristics: true }]) {
        const memo = readHeaderMemo(head)!;
        const ref = dcmjsRead(head);
        deidentifyDataset(memo.dict, { secret: "memo-secret", ...options }, memo.meta, vrOf);
        deidentifyDataset(ref.dict, { secret: "memo-secret", ...options }, ref.meta, vrOf);
        expect(Buffer.from(writeDicomDict(memo))).toEqual(Buffer.from(writeDicomDict(ref)));
      }
    });
  }

  it("short text VRs decoded without dcmjs: the same values and raw values as dcmjs on 2,000 random headers", () => {
    let x = 12345;
    const r = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    // digits, signs, exponents, letters, spaces, backslashes and NULs in every position, odd and even lengths
    const alphabet = "0123456789.+-eE ABCxyz\\\0^=_";
    const value = () => Array.from({ length: Math.floor(r() * 20) }, () => alphabet[Math.floor(r() * alphabet.length)]).join("");
    const tags: Array<[number, string]> = [
      [0x00080018, "UI"],
      [0x00080020, "DA"],
      [0x0008002a, "DT"],
      [0x00080030, "TM"],
      [0x00080050, "SH"],
      [0x00080060, "CS"],
      [0x00100020, "LO"],
      [0x00200013, "IS"],
      [0x00280030, "DS"],
    ];
    const before = memoSize();
    for (let i = 0; i < 2000; i++) {
      const head = part10(
        EXPLICIT,
        tags.map(([tag, vr]) => element(tag, vr, text(value()))),
      );
      const memo = readHeaderMemo(head);
      expect(memo).toBeDefined();
      expectSame(memo!.dict, dcmjsRead(head).dict, `header ${i}`);
    }
    expect(memoSize() - before).toBeGreaterThan(5000); // decoded here and remembered, not passed over
  });

  it("two files differing in one value: each dict holds its own (nothing carried over from the memo)", () => {
    const a = headOf(part10(EXPLICIT, [element(0x00100010, "PN", text("FIRST^PATIENT ")), element(0x00100020, "LO", text("ID-A"))]));
    const b = headOf(part10(EXPLICIT, [element(0x00100010, "PN", text("OTHER^PATIENT ")), element(0x00100020, "LO", text("ID-A"))]));
    const ra = readHeaderMemo(a)!;
    const rb = readHeaderMemo(b)!;
    expect(JSON.stringify(ra.dict["00100010"]!.Value)).toContain("FIRST");
    expect(JSON.stringify(rb.dict["00100010"]!.Value)).toContain("OTHER");
    expect(JSON.stringify(rb.dict)).not.toContain("FIRST");
    // the shared value is a copy per file: changing one file's dict leaves the other's alone
    (ra.dict["00100020"]!.Value as unknown[])[0] = "CHANGED";
    expect(rb.dict["00100020"]!.Value).toEqual(["ID-A"]);
    expect(readHeaderMemo(a)!.dict["00100020"]!.Value).toEqual(["ID-A"]);
  });

  it("an element changed in place, replaced or moved is written as it now is, not as it was read", () => {
    const head = headOf(part10(EXPLICIT, [element(0x00080050, "SH", text("ACC-OLD ")), element(0x00100020, "LO", text("MRN-OLD ")), element(0x00200013, "IS", text("12\\13 "))]));
    readHeaderMemo(head);
    const memo = readHeaderMemo(head)!;
    const ref = dcmjsRead(head);
    (memo.dict["00080050"]!.Value as unknown[])[0] = "ACC-NEW"; // in place
    (ref.dict["00080050"]!.Value as unknown[])[0] = "ACC-NEW";
    memo.dict["00100020"]!.Value = ["MRN-NEW"]; // replaced
    ref.dict["00100020"]!.Value = ["MRN-NEW"];
    (memo.dict["00200013"]!._rawValue as unknown[]).pop(); // the raw value edited: dcmjs then writes Value
    (ref.dict["00200013"]!._rawValue as unknown[]).pop();
    memo.dict["00081030"] = memo.dict["00080050"]!; // the same element under another tag
    ref.dict["00081030"] = ref.dict["00080050"];
    const out = Buffer.from(writeDicomDict(memo));
    expect(out).toEqual(Buffer.from(writeDicomDict(ref)));
    expect(out.toString("latin1")).not.toContain("OLD");
  });

  it("declines what dcmjs reads its own way or refuses, so the caller falls back to dcmjs", () => {
    const ok = [element(0x00100020, "LO", text("MRN1"))];
    expect(readHeaderMemo(part10(EXPLICIT, ok))).toBeDefined();
    expect(readHeaderMemo(part10("1.2.840.10008.1.2.2", ok))).toBeUndefined(); // big endian
    expect(readHeaderMemo(part10("1.2.840.10008.1.2.1.99", ok))).toBeUndefined(); // deflated
    const noGroupLength = Buffer.from(part10(EXPLICIT, ok));
    noGroupLength.writeUInt16LE(0x0001, 134); // (0002,0001) where (0002,0000) must be
    expect(readHeaderMemo(noGroupLength)).toBeUndefined();
    const crossing = Buffer.from(part10(EXPLICIT, ok));
    crossing.writeUInt32LE(crossing.readUInt32LE(140) - 3, 140); // the meta group's length ends inside an element
    expect(readHeaderMemo(crossing)).toBeUndefined();
    const whole = part10(EXPLICIT, ok);
    expect(readHeaderMemo(whole.subarray(0, whole.length - 2))).toBeUndefined(); // an element cut short
    expect(readHeaderMemo(part10(EXPLICIT, [element(0x00080005, "CS", text("ISO_IR 999")), ...ok]))).toBeUndefined(); // unsupported
    expect(() => dcmjsRead(part10(EXPLICIT, [element(0x00080005, "CS", text("ISO_IR 999")), ...ok]))).toThrow(/character set/);
    expect(readHeaderMemo(new Uint8Array(100))).toBeUndefined();
  });
});
