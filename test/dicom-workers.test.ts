// De-identification in worker threads (packages/importers/src/dicom/deid-pool.ts, formats' deidentifyLocalFile) gives
// what the main thread gives: the same bytes, mappings, headers and error codes; what a worker cannot do (a large
// file, an I/O error, a worker that never started) is declined so the main thread does it; idle workers never keep a
// process alive. Through the CLI, 0, 1 and 2 workers write byte-identical trees and report the same failures.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert, LocalStorage, readConfig } from "@ingestkit/core";
import { profileForConfig } from "@ingestkit/importers";
import { DicomError, deidentifyFileParts, deidentifyLocalFile, scanDicomHeader, type DeidentifyFileOptions, type Stamp } from "@ingestkit/formats";
import { DeidPool, deidWorkerCount } from "../packages/importers/src/dicom/deid-pool.js";
import { buildDicom } from "./support/dicom-fixtures.js";
import { cli, readTree, ROOT, tempDir } from "./helpers.js";

const require = createRequire(import.meta.url);
const SECRET = "workers-secret-not-for-production";
const OPTIONS: DeidentifyFileOptions = { secret: SECRET, cleanDescriptors: true };
const STAMPS: Stamp[] = [
  { tag: "00120010", value: "TRIAL-7" },
  { privateGroup: "0013", privateCreator: "INGESTKIT TEST", privateElement: 0x10, value: "42" },
];
const spec = (i: number) => ({ patient: "PHI-PAT1-7Q", study: 1, series: 1 + (i % 2), instance: i, instancesInSeries: 3 });

let dir: string;
const files: string[] = [];
beforeAll(() => {
  dir = tempDir("ingestkit-deid-workers-");
  for (let i = 0; i < 6; i++) {
    const p = join(dir, `img${i}.dcm`);
    writeFileSync(p, buildDicom(spec(i)));
    files.push(p);
  }
  const whole = buildDicom(spec(9));
  writeFileSync(join(dir, "cut.dcm"), whole.subarray(0, whole.length - 1000));
  writeFileSync(join(dir, "text.dcm"), "not DICOM at all\n");
});

const onMain = (path: string, stamps: readonly Stamp[] = []) => {
  const bytes = new Uint8Array(require("node:fs").readFileSync(path));
  const res = deidentifyFileParts(bytes, { ...OPTIONS, stamps, fileName: path });
  return { bytes, res, header: scanDicomHeader(res.head, { fileName: path, isPrefix: res.tail.length > 0 }) };
};

function thrown(f: () => unknown): DicomError {
  try {
    f();
  } catch (e) {
    return e as DicomError;
  }
  throw new Error("did not throw");
}

describe("deidentifyLocalFile", () => {
  it("gives deidentifyFileParts' bytes, mappings and headers, reading into the buffer it is given when it is large enough", () => {
    const given = new Uint8Array(1 << 20);
    for (const p of files) {
      const r = deidentifyLocalFile(p, { ...OPTIONS, stamps: STAMPS, fileName: p }, given);
      if ("tooBig" in r) throw new Error("declined");
      const m = onMain(p, STAMPS);
      expect(r.buffer).toBe(given);
      expect(r.length).toBe(m.bytes.length);
      expect(Buffer.from(r.head).equals(Buffer.from(m.res.head))).toBe(true);
      expect(Buffer.from(r.tail).equals(Buffer.from(m.res.tail))).toBe(true);
      expect(r.tailOffset).toBe(m.res.tailOffset);
      expect(r.mappings).toEqual(m.res.mappings);
      expect(r.scanned).toEqual(scanDicomHeader(m.bytes, { fileName: p }));
      expect(r.header).toEqual(m.header);
      expect(r.header.sopInstanceUID).toMatch(/^2\.25\./);
    }
    // too small a buffer: a new one of its own
    const small = deidentifyLocalFile(files[0]!, { ...OPTIONS, fileName: "x" }, new Uint8Array(16));
    expect("tooBig" in small ? undefined : small.buffer.length).toBeGreaterThanOrEqual(onMain(files[0]!).bytes.length);
  });

  it("does not read a file over the limit, and throws the main thread's errors for bad files", () => {
    const size = onMain(files[0]!).bytes.length;
    expect(deidentifyLocalFile(files[0]!, OPTIONS, undefined, size - 1)).toEqual({ tooBig: true, size });
    const cut = join(dir, "cut.dcm");
    const a = thrown(() => deidentifyLocalFile(cut, { ...OPTIONS, fileName: "cut.dcm" }, undefined));
    const b = thrown(() => deidentifyFileParts(new Uint8Array(require("node:fs").readFileSync(cut)), { ...OPTIONS, fileName: "cut.dcm" }));
    expect(a).toBeInstanceOf(DicomError);
    expect([a.code, a.message]).toEqual([b.code, b.message]);
    expect(a.code).toBe("TRUNCATED");
    expect(() => deidentifyLocalFile(join(dir, "missing.dcm"), OPTIONS, undefined)).toThrow(/ENOENT/);
  });
});

describe("DeidPool", () => {
  let pool: DeidPool;
  beforeAll(() => {
    pool = new DeidPool(2, OPTIONS);
  });
  afterAll(async () => {
    await pool.close();
  });

  it("de-identifies files in workers exactly as the main thread does, many at once", async () => {
    const results = await Promise.all(files.map((p) => pool.run(p, p, STAMPS, 1 << 30)));
    results.forEach((r, i) => {
      if (r.kind !== "done") throw new Error(r.reason);
      const m = onMain(files[i]!, STAMPS);
      expect(Buffer.from(r.head).equals(Buffer.from(m.res.head))).toBe(true);
      const tail = new Uint8Array(r.buffer, r.tailOffset, r.length - r.tailOffset);
      expect(Buffer.from(tail).equals(Buffer.from(m.res.tail))).toBe(true);
      expect(r.mappings).toEqual(m.res.mappings);
      expect(r.header).toEqual(m.header);
      pool.recycle(r.buffer);
    });
    // buffers handed back go out again with later files: still the same results
    const again = await pool.run(files[3]!, files[3]!, STAMPS, 1 << 30);
    if (again.kind !== "done") throw new Error(again.reason);
    expect(Buffer.from(again.head).equals(Buffer.from(onMain(files[3]!, STAMPS).res.head))).toBe(true);
  });

  it("writes the output where it is told to (header and pixel data, the main thread's bytes); a failed write is declined and leaves nothing", async () => {
    const out = tempDir("ingestkit-deid-workers-out-");
    const r = await pool.run(files[1]!, files[1]!, STAMPS, 1 << 30, join(out, "staged.part"));
    if (r.kind !== "done") throw new Error(r.reason);
    const m = onMain(files[1]!, STAMPS);
    const want = Buffer.concat([m.res.head, m.res.tail]);
    expect(r.written).toBe(want.length);
    expect(require("node:fs").readFileSync(join(out, "staged.part")).equals(want)).toBe(true);
    pool.recycle(r.buffer);
    const plain = await pool.run(files[1]!, files[1]!, STAMPS, 1 << 30);
    expect(plain.kind === "done" && plain.written).toBe(undefined);
    const unwritable = await pool.run(files[2]!, files[2]!, [], 1 << 30, join(out, "no-such-folder", "x.part"));
    expect(unwritable.kind).toBe("declined");
    expect((unwritable as { reason: string }).reason).toMatch(/ENOENT/);
    expect(require("node:fs").readdirSync(out)).toEqual(["staged.part"]);
  });

  it("rethrows DicomErrors with the main thread's code and message; declines large files and I/O errors", async () => {
    const cut = join(dir, "cut.dcm");
    const onMainError = thrown(() => deidentifyFileParts(new Uint8Array(require("node:fs").readFileSync(cut)), { ...OPTIONS, fileName: "cut.dcm" }));
    const err = await pool.run(cut, "cut.dcm", [], 1 << 30).then(
      () => undefined,
      (e: unknown) => e as DicomError,
    );
    expect(err).toBeInstanceOf(DicomError);
    expect([err!.code, err!.message, err!.fileName]).toEqual([onMainError.code, onMainError.message, "cut.dcm"]);
    await expect(pool.run(join(dir, "text.dcm"), "text.dcm", [], 1 << 30)).rejects.toMatchObject({ code: "NOT_DICOM" });
    expect(await pool.run(files[0]!, "a", [], 100)).toEqual({ kind: "declined", reason: "over 100 bytes" });
    const missing = await pool.run(join(dir, "missing.dcm"), "missing.dcm", [], 1 << 30);
    expect(missing.kind).toBe("declined");
    expect((missing as { reason: string }).reason).toMatch(/ENOENT/);
  });

  it("declines everything when its workers cannot start, and after close", async () => {
    const broken = new DeidPool(1, OPTIONS, pathToFileURL(join(dir, "no-such-module.js")).href);
    const r = await broken.run(files[0]!, "a", [], 1 << 30);
    expect(r.kind).toBe("declined");
    expect((r as { reason: string }).reason).toMatch(/failed to start/);
    await broken.close();
    // a worker that dies on its first file: that file and every later one are declined, none is lost
    const crashing = join(dir, "crashing-worker.mjs");
    writeFileSync(crashing, "export function deidentifyLocalFile() { process.exit(3); }\n");
    const dying = new DeidPool(1, OPTIONS, pathToFileURL(crashing).href);
    const first = await dying.run(files[0]!, "a", [], 1 << 30);
    expect(first).toEqual({ kind: "declined", reason: "a de-identification worker exited with code 3" });
    expect((await dying.run(files[1]!, "b", [], 1 << 30)).kind).toBe("declined");
    await dying.close();
    const closed = new DeidPool(1, OPTIONS);
    await closed.close();
    expect(await closed.run(files[0]!, "a", [], 1 << 30)).toEqual({ kind: "declined", reason: "pool closed" });
  });

  it("never keeps a process alive while idle, and finishes the work it was given", () => {
    const mod = pathToFileURL(join(ROOT, "packages/importers/dist/dicom/deid-pool.js")).href;
    const script = `
      import { DeidPool } from ${JSON.stringify(mod)};
      const pool = new DeidPool(2, { secret: "s" });
      const r = await pool.run(${JSON.stringify(files[0])}, "a", [], 1 << 30);
      console.log(r.kind, r.header.sopInstanceUID.slice(0, 5));
      // no close(): the idle workers must not hold the process
    `;
    const node = (source: string) => spawnSync(process.execPath, ["--input-type=module", "-e", source], { encoding: "utf8", timeout: 20_000 });
    const res = node(script);
    expect(res.stderr).toBe("");
    expect(res.stdout.trim()).toBe("done 2.25.");
    expect(res.status).toBe(0); // null when killed by the timeout
    // a pool that was never given work
    const idle = node(`import { DeidPool } from ${JSON.stringify(mod)}; new DeidPool(1, { secret: "s" }); console.log("end");`);
    expect([idle.status, idle.stdout.trim(), idle.stderr]).toEqual([0, "end", ""]);
  });

  it("takes its size from INGESTKIT_DICOM_WORKERS, else one per core (but one when the main thread writes), at most the concurrency and 8", () => {
    expect(deidWorkerCount(8, { INGESTKIT_DICOM_WORKERS: "0" })).toBe(0);
    expect(deidWorkerCount(8, { INGESTKIT_DICOM_WORKERS: "3" })).toBe(3);
    expect(() => deidWorkerCount(8, { INGESTKIT_DICOM_WORKERS: "two" })).toThrow(/INGESTKIT_DICOM_WORKERS must be a whole number/);
    expect(deidWorkerCount(1, {})).toBe(1);
    expect(deidWorkerCount(64, {})).toBe(Math.max(1, Math.min(8, require("node:os").availableParallelism() - 1)));
    expect(deidWorkerCount(64, {}, true)).toBe(Math.min(8, require("node:os").availableParallelism()));
    expect(deidWorkerCount(1, {}, true)).toBe(1);
    expect(deidWorkerCount(64, { INGESTKIT_DICOM_WORKERS: "1" }, true)).toBe(1);
  });
});

describe("standardize-dirs convert with 0, 1 and 2 workers", () => {
  it("writes byte-identical trees and reports the same failures", () => {
    const input = tempDir("ingestkit-deid-workers-in-");
    const put = (rel: string, bytes: Uint8Array | string) => {
      mkdirSync(dirname(join(input, rel)), { recursive: true });
      writeFileSync(join(input, rel), bytes);
    };
    for (let i = 0; i < 8; i++) put(`site ${i % 3}/x/${i}.dcm`, buildDicom({ ...spec(i), patient: `PHI-PAT${1 + (i % 2)}-7Q` }));
    const whole = buildDicom(spec(5));
    put("broken/cut.dcm", whole.subarray(0, whole.length - 1000));
    put("notes.txt", "not DICOM\n");
    put("empty.dcm", "");
    const config = join(ROOT, "dataset_configs", "dicom_deidentify.yaml");
    const runs = ["0", "1", "2"].map((w) => {
      const out = join(tempDir(), "OUT");
      const res = cli(["convert", config, input, out, "--import-everything"], { INGESTKIT_DEID_SECRET: SECRET, INGESTKIT_DICOM_WORKERS: w });
      return { res, tree: readTree(out), mappings: readTree(`${out}.deid-mappings`) };
    });
    const failures = (s: string) =>
      s
        .split("\n")
        .filter((l) => / skipped: | failed/.test(l))
        .map((l) => l.replace(/\d+(\.\d+)? s\b/g, ""))
        .sort();
    const [a, ...others] = runs;
    expect(a!.res.code, a!.res.stderr).toBe(1);
    expect(failures(a!.res.stderr).join("\n")).toMatch(/cut\.dcm[^\n]*TRUNCATED/);
    expect([...a!.tree.keys()].filter((k) => k.endsWith(".dcm"))).toHaveLength(8);
    for (const o of others) {
      expect(o.res.code).toBe(a!.res.code);
      expect(failures(o.res.stderr)).toEqual(failures(a!.res.stderr));
      expect([...o.tree.keys()]).toEqual([...a!.tree.keys()]);
      for (const [k, v] of a!.tree) expect(o.tree.get(k)!.equals(v), k).toBe(true);
      expect([...o.mappings.keys()]).toEqual([...a!.mappings.keys()]);
      for (const [k, v] of a!.mappings) expect(o.mappings.get(k)!.equals(v), k).toBe(true);
    }
    const bad = cli(["convert", config, input, join(tempDir(), "OUT"), "--import-everything"], { INGESTKIT_DEID_SECRET: SECRET, INGESTKIT_DICOM_WORKERS: "-1" });
    expect(bad.code).not.toBe(0);
    expect(bad.code).not.toBe(1);
    expect(bad.stderr).toMatch(/INGESTKIT_DICOM_WORKERS must be a whole number ≥ 0, got "-1"/);
  }, 120_000);
});

describe("the dicom profile through the library", () => {
  it("de-identifies every readable local file in a worker: none falls back to the main thread", async () => {
    const input = tempDir("ingestkit-deid-workers-lib-");
    for (let i = 0; i < 6; i++) writeFileSync(join(input, `${i}.dcm`), buildDicom(spec(i)));
    const whole = buildDicom(spec(5));
    writeFileSync(join(input, "cut.dcm"), whole.subarray(0, whole.length - 1000));
    const out = join(tempDir(), "OUT");
    const config = await readConfig(join(ROOT, "dataset_configs", "dicom_deidentify.yaml"));
    const debug: string[] = [];
    const logger = { info() {}, warn() {}, error() {}, debug: (m: string) => void debug.push(m) };
    const saved = process.env.INGESTKIT_DEID_SECRET;
    process.env.INGESTKIT_DEID_SECRET = SECRET;
    const run = () => convert({ profile: profileForConfig(config), config, input: new LocalStorage(input), output: new LocalStorage(out), logger, settings: { concurrency: 4 } });
    let first;
    let second;
    try {
      first = await run();
      // (the series scan already turns the truncated file away)
      expect(first.summary.failures.map((f) => f.code)).toEqual(["TRUNCATED"]);
      expect(first.summary.failures[0]!.message).toMatch(/cut\.dcm/);
      const tree = readTree(out);
      second = await run();
      // a re-run: the main thread checks each output first (the workers do not write), and all are up to date
      expect(second.summary.outputs).toMatchObject({ written: 0, upToDate: first.summary.outputs.written });
      for (const [k, v] of readTree(out)) if (k.endsWith(".dcm")) expect(v.equals(tree.get(k)!), k).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.INGESTKIT_DEID_SECRET;
      else process.env.INGESTKIT_DEID_SECRET = saved;
    }
    expect([...readTree(out).keys()].filter((k) => k.endsWith(".dcm"))).toHaveLength(6);
    // a new OUTPUT: the workers wrote the outputs, and nothing is left in their staging folder
    const starts = debug.filter((m) => /^de-identifying local files in \d+ worker threads?/.test(m));
    expect(starts).toHaveLength(2);
    expect(starts[0]).toMatch(/, which also write the outputs$/);
    expect(starts[1]).not.toMatch(/write the outputs/);
    expect(readdirSync(join(out, ".ingestkit", "staging"))).toEqual([]);
    expect(debug.filter((m) => m.includes("on the main thread"))).toEqual([]);
  }, 60_000);
});
