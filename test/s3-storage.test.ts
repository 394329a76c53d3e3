/**
 * S3Storage against a real S3-compatible server (s3rver in a child process): every Storage
 * method, pagination, ranged reads, multipart uploads, copies, recursive deletes, glob, error
 * codes — mirrored against LocalStorage where the semantics are shared.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyBetween, globStorage, IngestError, LocalStorage, S3Storage, type RetryEvent } from "@ingestkit/core";
import { tempDir } from "./helpers.js";
import { seededRandom } from "./support/fault-proxy.js";
import { clientFor, sdk, startS3rver, type S3rverHandle } from "./support/s3rver.js";
import { startFaultProxy } from "./support/fault-proxy.js";

let server: S3rverHandle;
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(async () => {
  await server?.stop();
});

async function freshStorage(prefix = "", extra: Partial<ConstructorParameters<typeof S3Storage>[1]> = {}): Promise<S3Storage> {
  const bucket = await server.bucket();
  return new S3Storage(`s3://${bucket}${prefix ? `/${prefix}` : ""}`, { client: server.client, ...extra });
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError);
    return (err as IngestError).code;
  }
}

function bytes(n: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE(Math.floor(rnd() * 2 ** 32) >>> 0, Math.min(i, n - 4));
  return b;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("S3Storage basics", () => {
  it("writes, reads, stats and lists one level like LocalStorage", async () => {
    const s = await freshStorage("base/prefix");
    expect(s.location).toMatch(/^s3:\/\/test-[^/]+\/base\/prefix$/);
    await s.write("a.txt", "hello");
    await s.write("dir/b.txt", new Uint8Array([1, 2, 3]));
    await s.write("dir/sub/c.txt", "c");
    await s.write(".hidden", "h");
    expect(Buffer.from(await s.read("a.txt")).toString()).toBe("hello");
    expect([...(await s.read("dir/b.txt"))]).toEqual([1, 2, 3]);
    expect(await s.list("")).toEqual({ files: [".hidden", "a.txt"], dirs: ["dir"] });
    expect(await s.list("dir")).toEqual({ files: ["b.txt"], dirs: ["sub"] });
    expect(await s.list("dir/")).toEqual({ files: ["b.txt"], dirs: ["sub"] });
    expect(await s.list("nope")).toEqual({ files: [], dirs: [] });
    expect(await s.stat("a.txt")).toEqual({ kind: "file", size: 5, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(await s.stat("dir")).toEqual({ kind: "dir", size: 0 });
    expect(await s.stat("dir/sub")).toEqual({ kind: "dir", size: 0 });
    expect(await s.stat("")).toEqual({ kind: "dir", size: 0 });
    expect(await s.stat("di")).toBeUndefined(); // a key prefix is not a directory
    expect(await s.stat("missing.txt")).toBeUndefined();
    // objects really live under the root prefix
    const raw = await server.client.send(new sdk.ListObjectsV2Command({ Bucket: s.bucket }));
    expect(raw.Contents!.map((o) => o.Key).sort()).toEqual(["base/prefix/.hidden", "base/prefix/a.txt", "base/prefix/dir/b.txt", "base/prefix/dir/sub/c.txt"]);
  });

  it("keys with spaces, brackets, plus signs and non-ASCII survive write, list, copy and read", async () => {
    const s = await freshStorage();
    const key = "we ird/[x]+ü&=?.txt";
    await s.write(key, "odd");
    expect(await s.list("we ird")).toEqual({ files: ["[x]+ü&=?.txt"], dirs: [] });
    await s.copy(key, "copy/[y] ü.txt");
    expect(Buffer.from(await s.read("copy/[y] ü.txt")).toString()).toBe("odd");
  });

  it("paginates listings (several pages, more objects than prefixes) and ignores a console-made folder marker", async () => {
    const s = await freshStorage("p", { listPageSize: 4 });
    await Promise.all(Array.from({ length: 11 }, (_, i) => s.write(`many/f${String(i).padStart(2, "0")}`, String(i))));
    await Promise.all(Array.from({ length: 5 }, (_, i) => s.write(`many/d${i}/x`, "x")));
    await server.client.send(new sdk.PutObjectCommand({ Bucket: s.bucket, Key: "p/many/", Body: "" }));
    const l = await s.list("many");
    expect(l.files).toEqual(Array.from({ length: 11 }, (_, i) => `f${String(i).padStart(2, "0")}`));
    expect(l.dirs).toEqual(["d0", "d1", "d2", "d3", "d4"]);
  });
});

describe("S3Storage reads", () => {
  it("readRange returns [start, end), clamps at the end, and is empty past it", async () => {
    const s = await freshStorage();
    const data = bytes(100_000, 7);
    await s.write("blob", data);
    expect(Buffer.from(await s.readRange("blob", 10, 20)).equals(data.subarray(10, 20))).toBe(true);
    expect(Buffer.from(await s.readRange("blob", 0, 1)).equals(data.subarray(0, 1))).toBe(true);
    expect(Buffer.from(await s.readRange("blob", 99_990, 200_000)).equals(data.subarray(99_990))).toBe(true);
    expect((await s.readRange("blob", 100_000, 100_010)).length).toBe(0);
    expect((await s.readRange("blob", 5, 5)).length).toBe(0);
  });

  it("readStream streams the whole object", async () => {
    const s = await freshStorage();
    const data = bytes(3 * 1024 * 1024 + 17, 3);
    await s.write("big.bin", data);
    const chunks: Buffer[] = [];
    for await (const c of await s.readStream("big.bin")) chunks.push(c as Buffer);
    expect(sha(Buffer.concat(chunks))).toBe(sha(data));
  });

  it("missing keys and buckets: SOURCE_MISSING from read, readRange, readStream and copy", async () => {
    const s = await freshStorage();
    expect(await codeOf(s.read("nope"))).toBe("SOURCE_MISSING");
    expect(await codeOf(s.readRange("nope", 0, 10))).toBe("SOURCE_MISSING");
    expect(await codeOf(s.readRange("nope", 3, 3))).toBe("SOURCE_MISSING");
    expect(await codeOf(s.readStream("nope"))).toBe("SOURCE_MISSING");
    expect(await codeOf(s.copy("nope", "x"))).toBe("SOURCE_MISSING");
    await expect(s.read("dir/nope")).rejects.toThrow(`file not found: ${s.location}/dir/nope`);
    const gone = new S3Storage("s3://no-such-bucket-ingestkit", { client: server.client });
    expect(await codeOf(gone.read("x"))).toBe("SOURCE_MISSING");
    expect(await gone.stat("x")).toBeUndefined();
    expect(await gone.stat("")).toBeUndefined();
    expect(await gone.list("")).toEqual({ files: [], dirs: [] });
    expect(await codeOf(gone.write("x", "y"))).toBe("IO");
  });

  it("keys that escape the root throw PATH_ESCAPE before any request", async () => {
    const s = await freshStorage("root");
    for (const bad of ["../x", "a/../../x", "/etc/passwd", "a\0b", "C:\\x"]) {
      expect(await codeOf(s.read(bad)), bad).toBe("PATH_ESCAPE");
      expect(await codeOf(s.write(bad, "x")), bad).toBe("PATH_ESCAPE");
      expect(await codeOf(s.stat(bad)), bad).toBe("PATH_ESCAPE");
      expect(await codeOf(s.list(bad)), bad).toBe("PATH_ESCAPE");
      expect(await codeOf(s.delete(bad, { recursive: true })), bad).toBe("PATH_ESCAPE");
    }
  });
});

describe("S3Storage writes", () => {
  it("writeStream of 20 MB goes multipart and is byte-identical", async () => {
    // s3rver's ETags do not show the part count: watch the requests through a pass-through proxy
    const parts: number[] = [];
    const proxy = await startFaultProxy({
      target: server.endpoint,
      decide: (req) => {
        const m = /[?&]partNumber=(\d+)/.exec(req.url ?? "");
        if (m && req.method === "PUT") parts.push(Number(m[1]));
        return undefined;
      },
    });
    const client = clientFor(proxy.endpoint);
    afterAll(async () => {
      client.destroy();
      await proxy.stop();
    });
    const s = new S3Storage(`s3://${await server.bucket()}`, { client, partSize: 5 * 1024 * 1024, queueSize: 2 });
    const data = bytes(20 * 1024 * 1024 + 12_345, 11);
    // odd-sized chunks, like a real producer
    async function* producer() {
      for (let i = 0; i < data.length; i += 777_777) yield data.subarray(i, Math.min(data.length, i + 777_777));
    }
    await s.writeStream("big/volume.bin", producer());
    expect(await s.stat("big/volume.bin")).toMatchObject({ kind: "file", size: data.length });
    expect(sha(await s.read("big/volume.bin"))).toBe(sha(data));
    expect(parts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]); // 4 full 5 MiB parts and the rest
    // a Readable source works as well, single part
    await s.writeStream("small.bin", Readable.from([Buffer.from("abc"), Buffer.from("def")]));
    expect(Buffer.from(await s.read("small.bin")).toString()).toBe("abcdef");
  });

  it("a failing source leaves no object behind (single part and multipart)", async () => {
    const s = await freshStorage("", { partSize: 5 * 1024 * 1024, queueSize: 1 });
    async function* failing(afterBytes: number) {
      let sent = 0;
      while (sent < afterBytes) {
        yield Buffer.alloc(1024 * 1024, 1);
        sent += 1024 * 1024;
      }
      throw new Error("producer broke");
    }
    for (const n of [1024 * 1024, 12 * 1024 * 1024]) {
      const err = await s.writeStream(`broken-${n}`, failing(n)).catch((e) => e);
      expect(err).toBeInstanceOf(IngestError);
      expect((err as IngestError).code).toBe("IO");
      // the cause is the producer's, not a failing AbortMultipartUpload (s3rver answers 405)
      expect((err as IngestError).message).toContain("producer broke");
      expect(await s.stat(`broken-${n}`)).toBeUndefined();
    }
    expect(await s.list("")).toEqual({ files: [], dirs: [] });
  });

  it("write replaces an object whole", async () => {
    const s = await freshStorage();
    await s.write("k", "first version, longer");
    await s.write("k", "second");
    expect(Buffer.from(await s.read("k")).toString()).toBe("second");
  });

  it("copy within S3 and between S3 and local storage", async () => {
    const s = await freshStorage("c");
    const local = new LocalStorage(tempDir());
    const data = bytes(300_000, 5);
    await s.write("src/a.bin", data);
    await s.copy("src/a.bin", "dst/a.bin");
    expect(sha(await s.read("dst/a.bin"))).toBe(sha(data));
    await copyBetween(s, "src/a.bin", local, "from-s3/a.bin");
    expect(sha(await local.read("from-s3/a.bin"))).toBe(sha(data));
    await copyBetween(local, "from-s3/a.bin", s, "from-local/a.bin");
    expect(sha(await s.read("from-local/a.bin"))).toBe(sha(data));
  });

  it("copies server-side between buckets of one endpoint; other storages are left to the caller", async () => {
    const a = await freshStorage("in");
    const b = await freshStorage("out/deep");
    const data = bytes(200_000, 9);
    await a.write("src/x.bin", data);
    expect(await b.copyFromStorage(a, "src/x.bin", "copied/x.bin")).toBe(true);
    expect(sha(await b.read("copied/x.bin"))).toBe(sha(data));
    expect(await codeOf(b.copyFromStorage(a, "src/missing.bin", "copied/y.bin"))).toBe("SOURCE_MISSING");
    expect(await b.copyFromStorage(new LocalStorage(tempDir()), "x", "y")).toBe(false);
  });
});

describe("S3Storage deletes", () => {
  it("deletes one object; missing is no error; recursive deletes a whole prefix over several batches", async () => {
    const s = await freshStorage("d", { listPageSize: 5 });
    await s.write("keep.txt", "k");
    await s.write("tree", "an object next to the prefix");
    await s.write("treehouse/x", "not below tree/");
    await Promise.all(Array.from({ length: 23 }, (_, i) => s.write(`tree/${i % 3}/f${i}`, "x")));
    await s.delete("keep.txt");
    expect(await s.stat("keep.txt")).toBeUndefined();
    await s.delete("keep.txt");
    await s.delete("tree", { recursive: true });
    expect(await s.stat("tree")).toBeUndefined();
    expect(await s.list("")).toEqual({ files: [], dirs: ["treehouse"] });
  });

  it("refuses to delete the root", async () => {
    const s = await freshStorage("r");
    await s.write("x", "x");
    for (const k of ["", ".", "./", "a/.."]) {
      expect(await codeOf(s.delete(k, { recursive: true })), k).toBe("PATH_ESCAPE");
    }
    expect(await s.stat("x")).toMatchObject({ kind: "file", size: 1 });
  });
});

describe("glob over S3", () => {
  it("matches what the same tree gives on local storage", async () => {
    const s = await freshStorage("g", { listPageSize: 2 });
    const dir = tempDir();
    const files = ["TS_01/TS_01.mdoc", "TS_01/frames/a.tif", "TS_01/frames/b.tif", "TS_02/TS_02.mdoc", "TS_02/.hidden.mdoc", "TS_10/frames/c.tif", "notes [v2].txt", "x.mrc"];
    for (const f of files) {
      await s.write(f, f);
      mkdirSync(join(dir, f, ".."), { recursive: true });
      writeFileSync(join(dir, f), f);
    }
    const local = new LocalStorage(dir);
    for (const pattern of ["TS_0?/*.mdoc", "*/frames/*.tif", "**/*.tif", "TS_*", "notes [[]v2].txt", "TS_01/frames", "*.mrc", "**", "TS_0[!1]/*"]) {
      const fromS3 = await globStorage(s, pattern);
      expect(fromS3, pattern).toEqual(await globStorage(local, pattern));
    }
    expect(await globStorage(s, "**/*.tif")).toEqual(["TS_01/frames/a.tif", "TS_01/frames/b.tif", "TS_10/frames/c.tif"]);
  });
});

describe("resuming interrupted reads", () => {
  it("a body cut off midway resumes with a ranged GET from the next byte", async () => {
    const s0 = await freshStorage();
    const data = bytes(2 * 1024 * 1024, 9);
    await s0.write("obj", data);
    // cut every other GetObject answer halfway through its body
    let gets = 0;
    const proxy = await startFaultProxy({
      target: server.endpoint,
      decide: (req) => (req.method === "GET" && !req.url!.includes("list-type") && gets++ % 2 === 0 ? "reset-midbody" : undefined),
    });
    const events: RetryEvent[] = [];
    try {
      const client = clientFor(proxy.endpoint);
      const s = new S3Storage(s0.location, { client, policy: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 5, random: Math.random }, onRetry: (e) => events.push(e) });
      expect(sha(await s.read("obj"))).toBe(sha(data));
      expect(Buffer.from(await s.readRange("obj", 1000, 1_500_000)).equals(data.subarray(1000, 1_500_000))).toBe(true);
      client.destroy();
    } finally {
      await proxy.stop();
    }
    expect(proxy.stats.faults["reset-midbody"]).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.operation === "GetObject (resume)").length).toBeGreaterThanOrEqual(2);
    expect(events[0]!.location).toBe(`${s0.location}/obj`);
  });
});
