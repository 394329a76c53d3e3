// The streamed fast path (issue 6): the header writer of packages/formats/src/dicom/write.ts gives dcmjs' bytes
// (memoized elements, own encoding of simple strings), deidentifyFileParts returns the rewritten header and a view
// of the untouched pixel data, and the CLI writes both with one writev: the output file is byte-identical to the
// whole-file dcmjs path, reads in dcmdump, carries no PHI, and a re-run over unchanged sources writes nothing.
import { utimesSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { deidentifyFile, deidentifyFileParts, encodeElement, writeDicomDict } from "@ingestkit/formats";
import { encodeSimpleString } from "../packages/formats/src/dicom/write.js";
import { buildDicom, MARKER_RE, ORIGINAL_ROOT, readDicom } from "./support/dicom-fixtures.js";
import { dcmdump } from "./support/dcmtk.js";
import { cli, ROOT, tempDir } from "./helpers.js";

const require = createRequire(new URL("../packages/formats/package.json", import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const dcmjs = require("dcmjs") as any;

const SECRET = "streamed-secret-not-for-production";
const EXPLICIT = "1.2.840.10008.1.2.1";
const IMPLICIT = "1.2.840.10008.1.2";

/** dcmjs' own bytes for one element: DicomMessage.write of a one-element dict (what DicomDict#write does per tag). */
function dcmjsElement(tag: string, el: unknown, syntax: string): Buffer {
  const stream = new dcmjs.data.WriteBufferStream(256, true);
  dcmjs.data.DicomMessage.write({ [tag]: el }, stream, syntax, { allowInvalidVRLength: false });
  return Buffer.from(stream.getBuffer());
}

/** Deterministic pseudo-random numbers (xorshift). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe("header writer (write.ts)", () => {
  it("encodes simple strings exactly as dcmjs does, and leaves everything else to dcmjs", () => {
    const r = rng(7);
    const pick = (chars: string, n: number) => Array.from({ length: n }, () => chars[Math.floor(r() * chars.length)]).join("");
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");
    const gens: Record<string, () => string> = {
      UI: () => pick("0123456789.", Math.floor(r() * 70)),
      SH: () => pick(printable, Math.floor(r() * 20)),
      LO: () => pick(printable, Math.floor(r() * 70)),
      CS: () => pick("ABCDEFXYZ_ 0123456789", Math.floor(r() * 20)),
      IS: () => pick(" +-0123456789", Math.floor(r() * 15)),
      DS: () => pick(" +-.e0123456789", Math.floor(r() * 19)),
      DA: () => pick("0123456789- ", Math.floor(r() * 11)),
      DT: () => pick("0123456789.+- ", Math.floor(r() * 29)),
      TM: () => pick("0123456789.- ", Math.floor(r() * 19)),
    };
    const TAG: Record<string, string> = {
      UI: "00080018",
      SH: "00080050",
      LO: "00100020",
      CS: "00080060",
      IS: "00200013",
      DS: "00280030",
      DA: "00080020",
      DT: "0008002A",
      TM: "00080030",
    };
    let fast = 0;
    for (let i = 0; i < 6000; i++) {
      const vr = Object.keys(gens)[i % 9]!;
      const n = Math.floor(r() * 4);
      const values = Array.from({ length: n }, gens[vr]!);
      const el: Record<string, unknown> = { vr, Value: values };
      if (r() < 0.4) el._rawValue = r() < 0.5 ? values.map((v) => ` ${v} `) : values; // dcmjs writes _rawValue when Value is its formatted form
      for (const syntax of [EXPLICIT, IMPLICIT]) {
        const tag = TAG[vr]!;
        let want: Buffer | Error;
        try {
          want = dcmjsElement(tag, structuredClone(el), syntax);
        } catch (e) {
          want = e as Error;
        }
        const got = encodeSimpleString(tag, structuredClone(el) as never, syntax);
        if (got === undefined) continue; // dcmjs encodes it
        fast++;
        expect(want).toBeInstanceOf(Buffer);
        expect(Buffer.from(got).equals(want as Buffer), `${vr} ${JSON.stringify(el)} ${syntax}`).toBe(true);
      }
    }
    expect(fast).toBeGreaterThan(4000);
    // not simple: backslashes, non-ASCII, too long, numbers, other VRs, other syntaxes
    expect(encodeSimpleString("00100020", { vr: "LO", Value: ["a\\b"] }, EXPLICIT)).toBeUndefined();
    expect(encodeSimpleString("00100020", { vr: "LO", Value: ["Müller"] }, EXPLICIT)).toBeUndefined();
    expect(encodeSimpleString("00080050", { vr: "SH", Value: ["x".repeat(17)] }, EXPLICIT)).toBeUndefined();
    expect(encodeSimpleString("00200013", { vr: "IS", Value: [3] }, EXPLICIT)).toBeUndefined();
    expect(encodeSimpleString("00080018", { vr: "UI", Value: ["1.2"] }, "1.2.840.10008.1.2.2")).toBeUndefined();
  });

  it("writes what DicomDict#write writes, on first use and from the memo, explicit and implicit VR", () => {
    for (const ts of [EXPLICIT, IMPLICIT]) {
      for (let i = 0; i < 4; i++) {
        const d = readDicom(buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1 + (i % 2), instance: i, instancesInSeries: 4 })) as unknown as {
          dict: Record<string, unknown>;
          meta: Record<string, { vr: string; Value: unknown[] }>;
        };
        d.meta["00020010"] = { vr: "UI", Value: [ts] };
        delete d.dict["7FE00010"];
        const dd = new dcmjs.data.DicomDict(d.meta);
        dd.dict = d.dict;
        const header = new Uint8Array(dd.write());
        for (let round = 0; round < 2; round++) {
          // fresh dicts as dcmjs reads them (PN values are proxies), one for each writer
          const want = Buffer.from(dcmjs.data.DicomMessage.readFile(header.slice().buffer).write());
          const ours = dcmjs.data.DicomMessage.readFile(header.slice().buffer);
          expect(Buffer.from(writeDicomDict(ours)).equals(want), `${ts} instance ${i} round ${round}`).toBe(true);
        }
      }
    }
  });

  it("keys the memo on content: binary values and equal-looking values of different types are told apart", () => {
    const a = encodeElement("00280010", { vr: "US", Value: [512] }, EXPLICIT);
    const b = encodeElement("00280010", { vr: "US", Value: [256] }, EXPLICIT);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    const s = encodeElement("00200013", { vr: "IS", Value: ["7"] }, EXPLICIT);
    const n = encodeElement("00200013", { vr: "IS", Value: [7] }, EXPLICIT);
    expect(Buffer.from(s)).toEqual(dcmjsElement("00200013", { vr: "IS", Value: ["7"] }, EXPLICIT));
    expect(Buffer.from(n)).toEqual(dcmjsElement("00200013", { vr: "IS", Value: [7] }, EXPLICIT));
    const ob1 = encodeElement("00020001", { vr: "OB", Value: [new Uint8Array([0, 1]).buffer] }, EXPLICIT);
    const ob2 = encodeElement("00020001", { vr: "OB", Value: [new Uint8Array([0, 2]).buffer] }, EXPLICIT);
    expect(Buffer.from(ob1)).toEqual(dcmjsElement("00020001", { vr: "OB", Value: [new Uint8Array([0, 1]).buffer] }, EXPLICIT));
    expect(Buffer.from(ob2)).toEqual(dcmjsElement("00020001", { vr: "OB", Value: [new Uint8Array([0, 2]).buffer] }, EXPLICIT));
  });
});

describe("deidentifyFileParts", () => {
  it("returns the new header and a view of the input's pixel data, together the whole-file path's bytes", () => {
    const bytes = buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: 0, instancesInSeries: 3 });
    const p = deidentifyFileParts(bytes, { secret: SECRET });
    expect(p.tail.buffer).toBe(bytes.buffer); // not copied
    expect(p.tail.byteOffset - bytes.byteOffset).toBe(p.tailOffset);
    expect(p.tail.length).toBeGreaterThan(64 * 64);
    const slow = deidentifyFile(bytes, { secret: SECRET, fastPath: false }).bytes;
    expect(Buffer.concat([p.head, p.tail]).equals(Buffer.from(slow))).toBe(true);
    expect(Buffer.from(p.head).toString("latin1").match(MARKER_RE)).toBeNull();
  });

  it("falls back to one part (empty tail) when the whole file is rewritten", () => {
    const bytes = buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: 0, instancesInSeries: 3 });
    const p = deidentifyFileParts(bytes, { secret: SECRET, fastPath: false });
    expect(p.tail.length).toBe(0);
    expect(p.tailOffset).toBe(bytes.length);
  });
});

describe("the CLI writes header + pixel data unchanged (dicom_deidentify.yaml)", () => {
  const CONFIG = join(ROOT, "dataset_configs", "dicom_deidentify.yaml");
  const env = { INGESTKIT_DEID_SECRET: SECRET };
  let input: string;
  let out: string;
  const sources: string[] = [];

  beforeAll(() => {
    input = tempDir("ingestkit-streamed-in-");
    for (let s = 1; s <= 2; s++) {
      for (let i = 0; i < 5; i++) {
        const rel = `u${s}/f${i}.dcm`;
        mkdirSync(dirname(join(input, rel)), { recursive: true });
        writeFileSync(join(input, rel), buildDicom({ patient: `PHI-PAT${s}-7Q`, study: s, series: 1, instance: i, instancesInSeries: 5 }));
        sources.push(rel);
      }
    }
    out = join(tempDir("ingestkit-streamed-out-"), "OUTPUT");
    const r = cli(["convert", CONFIG, input, out, "--import-everything"], env);
    expect(r.code, r.stderr).toBe(0);
  });

  const outputs = () =>
    readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".dcm"))
      .map((e) => join(e.parentPath, e.name))
      .sort();

  it("every output equals the whole-file dcmjs path's bytes for its source, and dcmdump reads it", () => {
    const expected = new Set(
      sources.map((rel) => Buffer.from(deidentifyFile(new Uint8Array(readFileSync(join(input, rel))), { secret: SECRET, fastPath: false }).bytes).toString("base64")),
    );
    const files = outputs();
    expect(files).toHaveLength(10);
    for (const f of files) {
      expect(expected.has(readFileSync(f).toString("base64")), f).toBe(true);
      expect(dcmdump(f)).toMatch(/\(7fe0,0010\) OW/);
      const text = readFileSync(f).toString("latin1");
      expect(text.match(MARKER_RE), f).toBeNull();
      expect(text.includes(ORIGINAL_ROOT), f).toBe(false);
    }
  });

  it("a re-run writes nothing; a source touched since is written again, with the same bytes", () => {
    const before = new Map(outputs().map((f) => [f, readFileSync(f)]));
    const again = cli(["convert", CONFIG, input, out, "--import-everything", "--log-format", "json"], env);
    expect(again.code, again.stderr).toBe(0);
    const written = () => again.stderr.split("\n").filter((l) => l.includes('"event":"output"') && l.includes(".dcm") && l.includes('"upToDate":false'));
    expect(written()).toHaveLength(0);
    const t = new Date(Date.now() + 5000);
    utimesSync(join(input, sources[3]!), t, t);
    const third = cli(["convert", CONFIG, input, out, "--import-everything", "--log-format", "json"], env);
    expect(third.code, third.stderr).toBe(0);
    const rewritten = third.stderr.split("\n").filter((l) => l.includes('"event":"output"') && l.includes(".dcm") && l.includes('"upToDate":false'));
    expect(rewritten).toHaveLength(1);
    for (const [f, b] of before) expect(readFileSync(f).equals(b), f).toBe(true);
  });
});

describe("LocalStorage.writeParts / OutputStore.writeBytes with parts", () => {
  it("writes the concatenation atomically, with the fingerprint of the joined bytes by default", async () => {
    const { LocalStorage, OutputStore, Manifest, fingerprint } = await import("@ingestkit/core");
    const dir = tempDir("ingestkit-parts-");
    const storage = new LocalStorage(dir);
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i * 7);
    await storage.writeParts("a/b.bin", [new Uint8Array([1, 2, 3]), new Uint8Array(0), big.subarray(5)]);
    expect(readFileSync(join(dir, "a/b.bin")).equals(Buffer.concat([Buffer.from([1, 2, 3]), big.subarray(5)]))).toBe(true);
    expect(readdirSync(join(dir, "a"))).toEqual(["b.bin"]); // no temp file left
    const manifest = await Manifest.load(storage);
    const store = new OutputStore(storage, false, { manifest });
    await store.writeBytes("c.bin", [new Uint8Array([9]), new Uint8Array([8, 7])]);
    expect([...readFileSync(join(dir, "c.bin"))]).toEqual([9, 8, 7]);
    expect(manifest.get("c.bin")).toEqual({ fingerprint: fingerprint("bytes", new Uint8Array([9, 8, 7])), size: 3 });
    // unchanged: up to date, not rewritten
    await store.writeBytes("c.bin", new Uint8Array([9, 8, 7]));
    expect(store.stats).toMatchObject({ written: 1, upToDate: 1 });
  });

  it("in a dry run, readBack: false keeps the size and the listing but not the bytes; other outputs stay readable", async () => {
    const { LocalStorage, OutputStore } = await import("@ingestkit/core");
    const dir = tempDir("ingestkit-dry-sized-");
    const store = new OutputStore(new LocalStorage(dir), true);
    const head = new Uint8Array([1, 2, 3]);
    const tail = new Uint8Array(1000).fill(9);
    await store.writeBytes("s/a.dcm", [head, tail], undefined, "bytes", undefined, { readBack: false });
    await store.writeBytes("s/b.json", "{}");
    expect(await store.stat("s/a.dcm")).toEqual({ kind: "file", size: 1003 });
    expect(await store.glob("s/*")).toEqual(["s/a.dcm", "s/b.json"]);
    await expect(store.read("s/a.dcm")).rejects.toThrow(/s\/a\.dcm: a dry run keeps only the size of this output/);
    await expect(store.view.readStream("s/a.dcm")).rejects.toThrow(/cannot be read back/);
    expect(await store.readText("s/b.json")).toBe("{}");
    expect(store.stats).toMatchObject({ written: 2, bytes: 0 });
    expect(readdirSync(dir)).toEqual([]);
  });
});
