import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IngestError } from "../src/errors.js";
import { globStorage, hasGlobMagic } from "../src/storage/glob.js";
import { LocalStorage } from "../src/storage/local.js";
import { basenameKey, dirnameKey, extnameKey, joinKey, safeKey } from "../src/storage/paths.js";
import { copyBetween, stageLocalFile, type Storage } from "../src/storage/storage.js";

let base: string;
let root: string;
let storage: LocalStorage;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "ingestkit-storage-"));
  root = join(base, "root");
  mkdirSync(root);
  storage = new LocalStorage(root);
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");

/** Every entry under `dir`, recursively, as relative paths (what is really on disk). */
function tree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(rel);
    if (e.isDirectory()) out.push(...tree(join(dir, e.name), rel));
  }
  return out.sort();
}

function put(rel: string, content: string | Uint8Array = ""): void {
  const p = join(root, ...rel.split("/"));
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
}

async function rejection(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError);
    return err as IngestError;
  }
  throw new Error("expected the promise to reject");
}

function syncError(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError);
    return err as IngestError;
  }
  throw new Error("expected an IngestError");
}

async function collect(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

describe("safeKey", () => {
  it("normalises '.', empty segments and trailing slashes", () => {
    expect(safeKey("./a//b/./c/")).toBe("a/b/c");
    expect(safeKey("10001/TS_01/run_metadata.json")).toBe("10001/TS_01/run_metadata.json");
    expect(safeKey("")).toBe("");
    expect(safeKey(".")).toBe("");
    expect(safeKey("./")).toBe("");
  });

  it("accepts names that merely contain dots", () => {
    for (const k of ["a..b", "..foo", "foo..", "...", ".hidden", "a/..b/c..", "dir/.../x"]) expect(safeKey(k)).toBe(k);
  });

  it("rejects '..' segments anywhere, even when they would stay inside the root", () => {
    for (const k of ["..", "../x", "a/../b", "a/..", "a/b/../../..", "./..", "a//../b"]) {
      const err = syncError(() => safeKey(k));
      expect(err.code, k).toBe("PATH_ESCAPE");
      expect(err.message).toContain("'..'");
    }
  });

  it("rejects absolute POSIX, Windows drive and UNC/backslash-rooted paths", () => {
    for (const k of ["/etc/passwd", "/", "//server/share", "C:\\Windows", "c:/data", "Z:\\", "\\\\server\\share", "\\root"]) {
      const err = syncError(() => safeKey(k));
      expect(err.code, k).toBe("PATH_ESCAPE");
      expect(err.message, k).toContain("absolute");
    }
  });

  it("rejects NUL bytes anywhere and names what was checked", () => {
    const err = syncError(() => safeKey("ok/na\0me", "output key"));
    expect(err.code).toBe("PATH_ESCAPE");
    expect(err.message).toMatch(/^output key contains a NUL byte/);
    expect(syncError(() => safeKey("/x", "glob")).message).toMatch(/^glob is absolute/);
  });

  it("keeps inner backslashes and drive-less colons as ordinary name characters (POSIX names)", () => {
    expect(safeKey("a\\..\\b")).toBe("a\\..\\b");
    expect(safeKey("C:relative")).toBe("C:relative");
  });
});

describe("key helpers", () => {
  it("joinKey skips empty parts and checks the result", () => {
    expect(joinKey("10001", "", "TS_01", "a.json")).toBe("10001/TS_01/a.json");
    expect(joinKey("a/", "/b")).toBe("a/b");
    expect(joinKey()).toBe("");
    expect(syncError(() => joinKey("a", "..", "b")).code).toBe("PATH_ESCAPE");
    expect(syncError(() => joinKey("", "/abs")).code).toBe("PATH_ESCAPE");
  });

  it("dirnameKey and basenameKey split at the last '/'", () => {
    expect(dirnameKey("a/b/c.txt")).toBe("a/b");
    expect(dirnameKey("c.txt")).toBe("");
    expect(basenameKey("a/b/c.txt")).toBe("c.txt");
    expect(basenameKey("c.txt")).toBe("c.txt");
  });

  it("extnameKey follows os.path.splitext (leading dots are not an extension)", () => {
    expect(extnameKey("a/b/TS_01.mrc")).toBe(".mrc");
    expect(extnameKey("x.tar.gz")).toBe(".gz");
    expect(extnameKey(".bashrc")).toBe("");
    expect(extnameKey("..x")).toBe("");
    expect(extnameKey(".a.b")).toBe(".b");
    expect(extnameKey("...a.b")).toBe(".b");
    expect(extnameKey("a.")).toBe(".");
    expect(extnameKey("dir.d/file")).toBe("");
    expect(extnameKey("noext")).toBe("");
  });
});

describe("LocalStorage", () => {
  it("resolves its root and maps keys inside it", () => {
    const s = new LocalStorage(join(root, "sub", ".."));
    expect(s.root).toBe(root);
    expect(s.location).toBe(root);
    expect(s.pathOf("a/b.txt")).toBe(join(root, "a", "b.txt"));
    expect(s.pathOf("")).toBe(root);
    expect(s.pathOf("./")).toBe(root);
  });

  it("write creates parent folders, stores strings as UTF-8 and bytes verbatim, and replaces", async () => {
    await storage.write("10001/TS_01/meta.json", '{"é": 1}');
    expect(readFileSync(join(root, "10001/TS_01/meta.json"), "utf8")).toBe('{"é": 1}');
    const bytes = new Uint8Array([0, 255, 10, 13, 128]);
    await storage.write("bin/raw.bin", bytes);
    expect([...readFileSync(join(root, "bin/raw.bin"))]).toEqual([0, 255, 10, 13, 128]);
    await storage.write("10001/TS_01/meta.json", "v2");
    expect(text(await storage.read("10001/TS_01/meta.json"))).toBe("v2");
    expect(tree(root)).toEqual(["10001", "10001/TS_01", "10001/TS_01/meta.json", "bin", "bin/raw.bin"]);
  });

  it("a failing write leaves no temporary file (target is a directory)", async () => {
    put("dir/inner.txt", "x");
    const err = await rejection(storage.write("dir", "data"));
    expect(err.code).toBe("IO");
    expect(err.message).toContain(join(root, "dir"));
    expect(tree(root)).toEqual(["dir", "dir/inner.txt"]);
  });

  it("stat reports kind and size, and undefined when missing", async () => {
    put("a/b.txt", "12345");
    expect(await storage.stat("a/b.txt")).toEqual({ kind: "file", size: 5, mtimeMs: expect.any(Number) });
    const { statSync } = await import("node:fs");
    expect((await storage.stat("a/b.txt"))!.mtimeMs).toBe(Math.trunc(statSync(storage.pathOf("a/b.txt")).mtimeMs));
    expect((await storage.stat("a"))?.kind).toBe("dir");
    expect((await storage.stat(""))?.kind).toBe("dir");
    expect(await storage.stat("a/missing")).toBeUndefined();
    // A path through a file (ENOTDIR) is missing too.
    expect(await storage.stat("a/b.txt/c")).toBeUndefined();
  });

  it("readWithStat returns the bytes and the stat of the same file, calling beforeRead with the size first", async () => {
    const big = Buffer.alloc(700 * 1024 + 13);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    put("r/big.bin", big);
    const seen: number[] = [];
    const { bytes, stat } = await storage.readWithStat("r/big.bin", (s) => {
      seen.push(s.size);
    });
    expect(seen).toEqual([big.length]);
    expect(Buffer.from(bytes).equals(big)).toBe(true);
    expect(stat).toEqual(await storage.stat("r/big.bin"));
    put("r/empty.bin", "");
    expect((await storage.readWithStat("r/empty.bin")).bytes.length).toBe(0);
    await expect(storage.readWithStat("r/missing.bin")).rejects.toMatchObject({ code: "SOURCE_MISSING" });
    await expect(storage.readWithStat("r")).rejects.toMatchObject({ code: "SOURCE_UNREADABLE" });
  });

  it("readWithStat with reuse hands back a released buffer for the next read, never one still held", async () => {
    const a = Buffer.alloc(600 * 1024, 0xaa);
    const b = Buffer.alloc(520 * 1024, 0xbb);
    put("p/a.bin", a);
    put("p/b.bin", b);
    const first = await storage.readWithStat("p/a.bin", undefined, { reuse: true });
    expect(Buffer.from(first.bytes).equals(a)).toBe(true);
    // still held: the next read gets a buffer of its own, and the first read's bytes stay as they were
    const second = await storage.readWithStat("p/b.bin", undefined, { reuse: true });
    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    expect(Buffer.from(first.bytes).equals(a)).toBe(true);
    expect(Buffer.from(second.bytes).equals(b)).toBe(true);
    first.release!();
    first.release!(); // twice is harmless: the buffer is pooled once
    const third = await storage.readWithStat("p/b.bin", undefined, { reuse: true });
    const fourth = await storage.readWithStat("p/a.bin", undefined, { reuse: true });
    expect(third.bytes.buffer).toBe(first.bytes.buffer);
    expect(fourth.bytes.buffer).not.toBe(first.bytes.buffer);
    expect(third.bytes.length).toBe(b.length);
    expect(Buffer.from(third.bytes).equals(b)).toBe(true);
    expect(Buffer.from(fourth.bytes).equals(a)).toBe(true);
    // without reuse there is nothing to release
    expect((await storage.readWithStat("p/a.bin")).release).toBeUndefined();
  });

  it("removeStaleTemps removes the temp files of writers that are gone, and not those of a live one", async () => {
    put("t/x.bin.ingestkit-tmp-999999-0badf00d-1z", "left by a killed run");
    put("t/y.bin.ingestkit-tmp-999999-0badf00d", "older naming");
    put(`t/z.bin.ingestkit-tmp-${process.pid}-0badf00d-2`, "in flight");
    put("t/keep.bin", "data");
    expect(await storage.removeStaleTemps()).toBe(2);
    expect(
      tree(root)
        .filter((f) => f.startsWith("t/"))
        .sort(),
    ).toEqual(["t/keep.bin", `t/z.bin.ingestkit-tmp-${process.pid}-0badf00d-2`]);
  });

  it("stagingPath gives temp-named paths under .ingestkit/staging; adopt renames one to its key, making folders", async () => {
    const a = storage.stagingPath();
    const b = storage.stagingPath();
    expect(a).not.toBe(b);
    expect(dirname(a)).toBe(join(root, ".ingestkit", "staging"));
    expect(a).toMatch(new RegExp(`\\.ingestkit-tmp-${process.pid}-[0-9a-f]+-[0-9a-z]+$`));
    writeFileSync(a, "staged bytes");
    await storage.adopt(a, "p/q/r.dcm");
    expect(readFileSync(join(root, "p/q/r.dcm"), "utf8")).toBe("staged bytes");
    expect(existsSync(a)).toBe(false);
    // the folder removed behind its back is made again
    writeFileSync(b, "second");
    rmSync(join(root, "p"), { recursive: true });
    await storage.adopt(b, "p/q/s.dcm");
    expect(readFileSync(join(root, "p/q/s.dcm"), "utf8")).toBe("second");
    // a crash leaves staged files that the next run's removeStaleTemps takes away (a dead writer's pid)
    put(".ingestkit/staging/file.ingestkit-tmp-999999-0badf00d-7", "left by a killed run");
    expect(await storage.removeStaleTemps()).toBe(1);
  });

  it("adopt that cannot rename removes the staged file and names the destination", async () => {
    const a = storage.stagingPath();
    writeFileSync(a, "staged");
    mkdirSync(join(root, "taken.dcm", "inside"), { recursive: true }); // a non-empty folder where the file should go
    await expect(storage.adopt(a, "taken.dcm")).rejects.toMatchObject({ code: "IO", message: expect.stringContaining(join(root, "taken.dcm")) });
    expect(existsSync(a)).toBe(false);
    await expect(storage.adopt(join(root, ".ingestkit", "staging", "missing"), "x.dcm")).rejects.toMatchObject({ code: "IO" });
    await expect(storage.adopt(storage.stagingPath(), "../escape.dcm")).rejects.toMatchObject({ code: "PATH_ESCAPE" });
  });

  it("list gives sorted immediate files and dirs, hides in-flight temp files, follows symlinks", async () => {
    put("d/z.txt");
    put("d/a.txt");
    put("d/sub/deep.txt");
    put("d/.hidden");
    put("d/x.json.ingestkit-tmp-1-abcd", "partial");
    mkdirSync(join(root, "d/empty"));
    symlinkSync(join(root, "d/sub"), join(root, "d/link-dir"));
    symlinkSync(join(root, "d/a.txt"), join(root, "d/link-file"));
    symlinkSync(join(root, "d/nowhere"), join(root, "d/broken"));
    expect(await storage.list("d")).toEqual({
      files: [".hidden", "a.txt", "link-file", "z.txt"],
      dirs: ["empty", "link-dir", "sub"],
    });
    expect(await storage.list("")).toEqual({ files: [], dirs: ["d"] });
    expect(await storage.list("missing/prefix")).toEqual({ files: [], dirs: [] });
    expect(await storage.list("d/a.txt")).toEqual({ files: [], dirs: [] });
  });

  it("read returns the bytes; missing is SOURCE_MISSING, a directory SOURCE_UNREADABLE", async () => {
    put("f.txt", "hello");
    expect(text(await storage.read("f.txt"))).toBe("hello");
    const missing = await rejection(storage.read("nope.txt"));
    expect(missing.code).toBe("SOURCE_MISSING");
    expect(missing.message).toContain(join(root, "nope.txt"));
    mkdirSync(join(root, "adir"));
    expect((await rejection(storage.read("adir"))).code).toBe("SOURCE_UNREADABLE");
  });

  it("readRange returns [start, end), truncated at the end of the file", async () => {
    put("r.bin", "0123456789");
    expect(text(await storage.readRange("r.bin", 2, 5))).toBe("234");
    expect(text(await storage.readRange("r.bin", 0, 10))).toBe("0123456789");
    expect(text(await storage.readRange("r.bin", 8, 100))).toBe("89");
    expect((await storage.readRange("r.bin", 20, 30)).length).toBe(0);
    expect((await storage.readRange("r.bin", 5, 5)).length).toBe(0);
    expect((await storage.readRange("r.bin", 6, 3)).length).toBe(0);
    expect((await rejection(storage.readRange("missing.bin", 0, 1))).code).toBe("SOURCE_MISSING");
  });

  it("readPrefixSync fills the buffer with the file's first bytes and tells how many; errors as readRange", () => {
    put("r.bin", "0123456789");
    const buf = Buffer.alloc(4, 0x2e);
    expect(storage.readPrefixSync("r.bin", buf)).toBe(4);
    expect(text(buf)).toBe("0123");
    const big = Buffer.alloc(16, 0x2e);
    expect(storage.readPrefixSync("r.bin", big)).toBe(10);
    expect(text(big)).toBe("0123456789......");
    put("empty.bin", "");
    expect(storage.readPrefixSync("empty.bin", big)).toBe(0);
    const thrown = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as IngestError;
      }
      throw new Error("did not throw");
    };
    const missing = thrown(() => storage.readPrefixSync("missing.bin", buf));
    expect(missing.code).toBe("SOURCE_MISSING");
    expect(missing.message).toContain(join(root, "missing.bin"));
    mkdirSync(join(root, "pdir"));
    expect(thrown(() => storage.readPrefixSync("pdir", buf)).code).toBe("SOURCE_UNREADABLE");
  });

  it("readStream streams the file; missing files and directories are SOURCE_MISSING", async () => {
    const big = "x".repeat(200_000) + "end";
    put("big.txt", big);
    expect(await collect(await storage.readStream("big.txt"))).toBe(big);
    expect((await rejection(storage.readStream("none.txt"))).code).toBe("SOURCE_MISSING");
    mkdirSync(join(root, "folder"));
    expect((await rejection(storage.readStream("folder"))).code).toBe("SOURCE_MISSING");
  });

  it("writeStream accepts async iterables and Readables and leaves only the final file", async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 5; i++) yield Buffer.from(`chunk${i};`);
    }
    await storage.writeStream("out/a.txt", chunks());
    expect(readFileSync(join(root, "out/a.txt"), "utf8")).toBe("chunk0;chunk1;chunk2;chunk3;chunk4;");
    await storage.writeStream("out/b.txt", Readable.from([Buffer.from("re"), Buffer.from("adable")]));
    expect(readFileSync(join(root, "out/b.txt"), "utf8")).toBe("readable");
    expect(tree(root)).toEqual(["out", "out/a.txt", "out/b.txt"]);
  });

  it("a source failing midway leaves neither the destination nor a partial temp file", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(64 * 1024, 1);
      yield Buffer.alloc(64 * 1024, 2);
      throw new Error("network dropped");
    }
    const err = await rejection(storage.writeStream("run/frames/f.tif", failing()));
    expect(err.code).toBe("IO");
    expect(err.message).toContain("network dropped");
    expect(await storage.stat("run/frames/f.tif")).toBeUndefined();
    expect(tree(root)).toEqual(["run", "run/frames"]);
  });

  it("a failing stream keeps the previous version of the destination intact", async () => {
    put("keep.txt", "old content");
    const source = new Readable({
      read() {
        this.push("new partial ");
        this.destroy(new Error("read error"));
      },
    });
    expect((await rejection(storage.writeStream("keep.txt", source))).code).toBe("IO");
    expect(readFileSync(join(root, "keep.txt"), "utf8")).toBe("old content");
    expect(tree(root)).toEqual(["keep.txt"]);
  });

  it("an IngestError from the source is passed through unchanged", async () => {
    const original = new IngestError("SOURCE_INVALID", "bad upstream");
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("x");
      throw original;
    }
    expect(await rejection(storage.writeStream("x.bin", failing()))).toBe(original);
    expect(tree(root)).toEqual([]);
  });

  it("leaves no temp file when the source fails before the (slow) open of the temp file completes", async () => {
    // A filesystem whose open() takes 50 ms (NFS, a busy disk). The old code let the write stream
    // open its temp file lazily and unlinked it as soon as the source failed, before the open had
    // created it: a stray `*.ingestkit-tmp-*` file stayed behind.
    const slow =
      <A extends unknown[]>(fn: (...args: A) => unknown) =>
      (...args: A) =>
        void setTimeout(() => fn(...args), 50);
    vi.resetModules();
    vi.doMock("node:fs", async (importOriginal) => {
      const fs = await importOriginal<typeof import("node:fs")>();
      return {
        ...fs,
        createWriteStream: (p: string, options?: object) =>
          fs.createWriteStream(p, { ...options, fs: { open: slow(fs.open), write: fs.write, writev: fs.writev, close: fs.close } }),
      };
    });
    vi.doMock("node:fs/promises", async (importOriginal) => {
      const fsp = await importOriginal<typeof import("node:fs/promises")>();
      return { ...fsp, open: async (...args: Parameters<typeof fsp.open>) => (await new Promise((r) => setTimeout(r, 50)), fsp.open(...args)) };
    });
    try {
      const { LocalStorage: SlowOpenStorage } = await import("../src/storage/local.js");
      const s = new SlowOpenStorage(root);
      // biome-ignore lint/correctness/useYield: a source that fails before its first chunk
      async function* immediate(): AsyncGenerator<Uint8Array> {
        throw new Error("fails before the first chunk");
      }
      const codes: string[] = [];
      for (const key of ["slow/a.bin", "slow/b.bin"]) {
        await s.writeStream(key, immediate()).then(
          () => codes.push("resolved"),
          (err: { code?: string }) => codes.push(err.code ?? "?"),
        );
      }
      expect(codes).toEqual(["IO", "IO"]);
      // Let any still-pending open finish before looking.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(tree(root)).toEqual(["slow"]);
      // Successful writes still work through the slow open.
      await s.writeStream("slow/ok.bin", Readable.from([Buffer.from("fine")]));
      expect(readFileSync(join(root, "slow/ok.bin"), "utf8")).toBe("fine");
      expect(tree(root)).toEqual(["slow", "slow/ok.bin"]);
    } finally {
      vi.doUnmock("node:fs");
      vi.doUnmock("node:fs/promises");
      vi.resetModules();
    }
  });

  it("copy duplicates a file into new folders; a missing source is SOURCE_MISSING with no debris", async () => {
    put("src/a.txt", "payload");
    await storage.copy("src/a.txt", "dst/deep/b.txt");
    expect(readFileSync(join(root, "dst/deep/b.txt"), "utf8")).toBe("payload");
    expect(readFileSync(join(root, "src/a.txt"), "utf8")).toBe("payload");
    const err = await rejection(storage.copy("src/none.txt", "dst/c.txt"));
    expect(err.code).toBe("SOURCE_MISSING");
    expect(tree(root)).toEqual(["dst", "dst/deep", "dst/deep/b.txt", "src", "src/a.txt"]);
  });

  it("copyBetween streams between storages and uses copy within one", async () => {
    const otherRoot = join(base, "other");
    const other = new LocalStorage(otherRoot);
    put("in/x.bin", "between");
    await copyBetween(storage, "in/x.bin", other, "out/y.bin");
    expect(readFileSync(join(otherRoot, "out/y.bin"), "utf8")).toBe("between");
    await copyBetween(storage, "in/x.bin", storage, "in/z.bin");
    expect(readFileSync(join(root, "in/z.bin"), "utf8")).toBe("between");
    expect((await rejection(copyBetween(storage, "in/none", other, "n"))).code).toBe("SOURCE_MISSING");
    expect(existsSync(join(otherRoot, "n"))).toBe(false);
  });

  it("delete removes files, ignores missing keys and removes prefixes only when recursive", async () => {
    put("a/b/c.txt");
    put("a/d.txt");
    await storage.delete("a/d.txt");
    expect(existsSync(join(root, "a/d.txt"))).toBe(false);
    await storage.delete("a/never-existed.txt");
    await expect(storage.delete("a/b")).rejects.toThrow();
    expect(existsSync(join(root, "a/b/c.txt"))).toBe(true);
    await storage.delete("a", { recursive: true });
    expect(tree(root)).toEqual([]);
  });

  it("refuses keys that escape the root in every operation, touching nothing outside", async () => {
    writeFileSync(join(base, "outside.txt"), "secret");
    const bad = ["../outside.txt", "/etc/passwd", "a/../../outside.txt", "x\0y"];
    for (const key of bad) {
      expect(syncError(() => storage.pathOf(key)).code, key).toBe("PATH_ESCAPE");
      for (const op of [
        () => storage.read(key),
        () => storage.readRange(key, 0, 1),
        () => storage.readStream(key),
        () => storage.stat(key),
        () => storage.list(key),
        () => storage.write(key, "pwned"),
        () => storage.writeStream(key, Readable.from([Buffer.from("pwned")])),
        () => storage.copy("in.txt", key),
        () => storage.copy(key, "in.txt"),
        () => storage.delete(key, { recursive: true }),
      ]) {
        expect((await rejection(op())).code, key).toBe("PATH_ESCAPE");
      }
    }
    expect(readFileSync(join(base, "outside.txt"), "utf8")).toBe("secret");
    expect(tree(base)).toEqual(["outside.txt", "root"]);
  });
});

describe("globStorage (Python glob semantics, recursive=True)", () => {
  // Expected lists were produced by CPython 3.11 `sorted(glob.glob(p, recursive=True))` on the same
  // tree; the only intended difference is that `a/**` does not also yield `a/` itself.
  beforeEach(() => {
    for (const f of [
      "10001/TS_01/Frames/a_001.tif",
      "10001/TS_01/Frames/a_002.tif",
      "10001/TS_01/Frames/.a_003.tif",
      "10001/TS_01/TS_01.mdoc",
      "10001/TS_02/TS_02.mdoc",
      "10001/TS_02/Frames/b.eer",
      "10001/.hidden_dir/TS_99.mdoc",
      "10001/.dot.txt",
      "10001/readme.txt",
      "10002/TS_10/TS_10.mdoc",
      "top.txt",
      ".x",
      "[abc",
    ])
      put(f, f);
  });

  const cases: Array<[string, string[]]> = [
    ["*", ["10001", "10002", "[abc", "top.txt"]],
    ["*/*", ["10001/TS_01", "10001/TS_02", "10001/readme.txt", "10002/TS_10"]],
    ["10001/*", ["10001/TS_01", "10001/TS_02", "10001/readme.txt"]],
    ["10001/*.txt", ["10001/readme.txt"]],
    ["10001/.*", ["10001/.dot.txt", "10001/.hidden_dir"]],
    ["10001/[.]*", []],
    ["10001/?dot.txt", []],
    ["10001/*/*.mdoc", ["10001/TS_01/TS_01.mdoc", "10001/TS_02/TS_02.mdoc"]],
    ["*/TS_*/Frames/*", ["10001/TS_01/Frames/a_001.tif", "10001/TS_01/Frames/a_002.tif", "10001/TS_02/Frames/b.eer"]],
    ["**/*.mdoc", ["10001/TS_01/TS_01.mdoc", "10001/TS_02/TS_02.mdoc", "10002/TS_10/TS_10.mdoc"]],
    ["10001/**/*.tif", ["10001/TS_01/Frames/a_001.tif", "10001/TS_01/Frames/a_002.tif"]],
    ["10001/**/Frames", ["10001/TS_01/Frames", "10001/TS_02/Frames"]],
    [
      "10001/**",
      [
        "10001/TS_01",
        "10001/TS_01/Frames",
        "10001/TS_01/Frames/a_001.tif",
        "10001/TS_01/Frames/a_002.tif",
        "10001/TS_01/TS_01.mdoc",
        "10001/TS_02",
        "10001/TS_02/Frames",
        "10001/TS_02/Frames/b.eer",
        "10001/TS_02/TS_02.mdoc",
        "10001/readme.txt",
      ],
    ],
    ["10001/TS_01/Frames/**", ["10001/TS_01/Frames/a_001.tif", "10001/TS_01/Frames/a_002.tif"]],
    [
      "**",
      [
        "10001",
        "10001/TS_01",
        "10001/TS_01/Frames",
        "10001/TS_01/Frames/a_001.tif",
        "10001/TS_01/Frames/a_002.tif",
        "10001/TS_01/TS_01.mdoc",
        "10001/TS_02",
        "10001/TS_02/Frames",
        "10001/TS_02/Frames/b.eer",
        "10001/TS_02/TS_02.mdoc",
        "10001/readme.txt",
        "10002",
        "10002/TS_10",
        "10002/TS_10/TS_10.mdoc",
        "[abc",
        "top.txt",
      ],
    ],
    ["10001/TS_0[12]", ["10001/TS_01", "10001/TS_02"]],
    ["10001/TS_0[!1]", ["10001/TS_02"]],
    ["10001/TS_0[2-9]", ["10001/TS_02"]],
    ["10001/TS_?1", ["10001/TS_01"]],
    ["[[]abc", ["[abc"]],
    ["[abc", ["[abc"]],
    ["nope/*", []],
    ["10001/readme.txt", ["10001/readme.txt"]],
    ["10001/TS_01/missing.txt", []],
  ];

  for (const [pattern, expected] of cases) {
    it(`${pattern}`, async () => {
      expect(await globStorage(storage, pattern)).toEqual(expected);
    });
  }

  it("treats braces literally and matches case-sensitively", async () => {
    put("{a,b}.txt");
    put("a.txt");
    expect(await globStorage(storage, "{a,b}.*")).toEqual(["{a,b}.txt"]);
    expect(await globStorage(storage, "TOP.*")).toEqual([]);
    expect(await globStorage(storage, "T*")).toEqual([]);
  });

  it("does not descend into files for a non-final segment, and dedupes `**/**`", async () => {
    expect(await globStorage(storage, "top.txt/*")).toEqual([]);
    expect(await globStorage(storage, "*.txt/*")).toEqual([]);
    const once = await globStorage(storage, "10002/**");
    expect(await globStorage(storage, "10002/**/**")).toEqual(once);
  });

  it("returns [] for an empty pattern and refuses patterns that escape the root", async () => {
    expect(await globStorage(storage, "")).toEqual([]);
    expect(await globStorage(storage, ".")).toEqual([]);
    expect((await rejection(globStorage(storage, "../*"))).code).toBe("PATH_ESCAPE");
    expect((await rejection(globStorage(storage, "/etc/*"))).code).toBe("PATH_ESCAPE");
    expect((await rejection(globStorage(storage, "10001/**/../*"))).code).toBe("PATH_ESCAPE");
  });

  it("hasGlobMagic recognises *, ? and [ only", () => {
    expect(["*", "a?", "[ab]", "x/**"].map(hasGlobMagic)).toEqual([true, true, true, true]);
    expect(["plain", "{a,b}", "a.b", "!x", "a]"].map(hasGlobMagic)).toEqual([false, false, false, false, false]);
  });
});

describe("LocalStorage.delete never removes the root", () => {
  it("refuses '' and './' even when recursive, and leaves every file in place", async () => {
    const { mkdtempSync, writeFileSync, existsSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { LocalStorage } = await import("../src/storage/local.js");
    const root = mkdtempSync(join(tmpdir(), "ingestkit-del-"));
    writeFileSync(join(root, "keep.txt"), "x");
    const st = new LocalStorage(root);
    for (const key of ["", "./", "."]) {
      await expect(st.delete(key, { recursive: true })).rejects.toMatchObject({ code: "PATH_ESCAPE" });
    }
    expect(existsSync(join(root, "keep.txt"))).toBe(true);
  });
});

describe("LocalStorage folder cache", () => {
  it("writes again into a folder removed behind its back", async () => {
    const { mkdtempSync, rmSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { LocalStorage } = await import("../src/storage/local.js");
    const root = mkdtempSync(join(tmpdir(), "ingestkit-dircache-"));
    const st = new LocalStorage(root);
    await st.write("a/b/one.txt", "1");
    rmSync(join(root, "a"), { recursive: true });
    await st.write("a/b/two.txt", "2");
    expect(readFileSync(join(root, "a", "b", "two.txt"), "utf8")).toBe("2");
    await st.delete("a", { recursive: true });
    await st.write("a/b/three.txt", "3");
    expect(readFileSync(join(root, "a", "b", "three.txt"), "utf8")).toBe("3");
  });
});

describe("LocalStorage small (blocking) and large writes", () => {
  it("write the same bytes atomically either side of BLOCKING_WRITE_MAX; a failing rename is an IO error naming the file and leaves no temp file", async () => {
    const { LocalStorage, BLOCKING_WRITE_MAX } = await import("../src/storage/local.js");
    const root = mkdtempSync(join(tmpdir(), "ingestkit-blocking-"));
    const st = new LocalStorage(root);
    const big = new Uint8Array(BLOCKING_WRITE_MAX + 1).map((_, i) => (i * 31) & 0xff);
    const small = big.subarray(0, BLOCKING_WRITE_MAX);
    await st.writeParts("w/small.bin", [small.subarray(0, 10), small.subarray(10)]);
    await st.writeParts("w/big.bin", [big.subarray(0, 10), big.subarray(10)]);
    await st.write("w/small2.bin", small);
    await st.write("w/big2.bin", big);
    await st.write("w/text.txt", "héllo");
    expect(readFileSync(join(root, "w/small.bin")).equals(small)).toBe(true);
    expect(readFileSync(join(root, "w/big.bin")).equals(big)).toBe(true);
    expect(readFileSync(join(root, "w/small2.bin")).equals(small)).toBe(true);
    expect(readFileSync(join(root, "w/big2.bin")).equals(big)).toBe(true);
    expect(readFileSync(join(root, "w/text.txt"), "utf8")).toBe("héllo");
    // a non-empty folder where the file should go: rename fails for both paths
    for (const name of ["small", "big"]) {
      mkdirSync(join(root, "x", `${name}.bin`), { recursive: true });
      writeFileSync(join(root, "x", `${name}.bin`, "keep"), "k");
    }
    for (const [name, data] of [
      ["small", small],
      ["big", big],
    ] as const) {
      const err = await st.write(`x/${name}.bin`, data).then(
        () => undefined,
        (e: IngestError) => e,
      );
      expect(err?.code).toBe("IO");
      expect(err?.message).toContain(join(root, "x", `${name}.bin`));
    }
    expect(readdirSync(join(root, "x")).sort()).toEqual(["big.bin", "small.bin"]);
    expect(readdirSync(join(root, "w")).sort()).toEqual(["big.bin", "big2.bin", "small.bin", "small2.bin", "text.txt"]);
  });
});

describe("staged local files (stageFile / stageLocalFile)", () => {
  it("LocalStorage stages a hidden temp sibling: invisible until commit, renamed into place, removed by abort", async () => {
    const staged = await storage.stageFile("a/b/out.mrc");
    expect(dirname(staged.path)).toBe(join(root, "a", "b"));
    writeFileSync(staged.path, "whole");
    expect((await storage.list("a/b")).files).toEqual([]); // in flight: not listed
    await staged.commit();
    expect(readFileSync(join(root, "a/b/out.mrc"), "utf8")).toBe("whole");
    expect(tree(root)).toEqual(["a", "a/b", "a/b/out.mrc"]);
    const dropped = await storage.stageFile("a/b/other.mrc");
    writeFileSync(dropped.path, "part");
    await dropped.abort();
    expect(tree(root)).toEqual(["a", "a/b", "a/b/out.mrc"]);
    await expect(storage.stageFile("../escape.mrc")).rejects.toThrow(/would escape the root/);
  });

  it("a storage without stageFile gets a private temp file streamed to the key on commit; killed runs' folders are removed", async () => {
    // a stale staging folder of a process that no longer exists
    const stale = join(tmpdir(), "ingestkit-stage-999999-zzzz");
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "x.mrc"), "partial");
    const local = new LocalStorage(root);
    const plain: Storage = {
      ...local,
      location: local.location,
      list: (k) => local.list(k),
      stat: (k) => local.stat(k),
      read: (k) => local.read(k),
      readRange: (k, a, b) => local.readRange(k, a, b),
      readStream: (k) => local.readStream(k),
      write: (k, d) => local.write(k, d),
      writeStream: (k, src) => local.writeStream(k, src),
      copy: (a, b) => local.copy(a, b),
      delete: (k, o) => local.delete(k, o),
    };
    expect(plain.stageFile).toBeUndefined();
    const staged = await stageLocalFile(plain, "up/tomo.mrc");
    expect(staged.path.startsWith(join(tmpdir(), `ingestkit-stage-${process.pid}-`))).toBe(true);
    expect(existsSync(stale)).toBe(false);
    writeFileSync(staged.path, "uploaded");
    await staged.commit();
    expect(readFileSync(join(root, "up/tomo.mrc"), "utf8")).toBe("uploaded");
    expect(existsSync(dirname(staged.path))).toBe(false);
    const dropped = await stageLocalFile(plain, "up/other.mrc");
    writeFileSync(dropped.path, "x");
    await dropped.abort();
    expect(existsSync(dirname(dropped.path))).toBe(false);
    expect(existsSync(join(root, "up/other.mrc"))).toBe(false);
  });
});
