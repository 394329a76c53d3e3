// MRC2014 codec on real bytes without the Python oracle: header layout, bad input errors
// (MrcError naming file and field), streaming slab reads and multi-slab writes, writer failure
// handling (nothing at the final path), byte order, zero machine stamp, mode 101.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodeMrcHeader,
  memoryByteSink,
  memoryByteSource,
  MrcError,
  MrcReader,
  MrcWriter,
  openMrc,
  standardMrcHeader,
  writeMrc,
  type ByteSource,
  type MrcWriteOptions,
} from "../src/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ingestkit-mrc-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SHAPE = { z: 7, y: 5, x: 6 };
const OPTIONS: MrcWriteOptions = { shape: SHAPE, dtype: "float32", voxelSize: 2 };
function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, k) => Math.sin(k) * 100 + k * 0.25);
}

async function validFile(name: string, options: MrcWriteOptions = OPTIONS): Promise<{ path: string; bytes: Buffer }> {
  const path = join(dir, name);
  const n = options.shape.x * options.shape.y * options.shape.z;
  await writeMrc(path, ramp(n), options);
  return { path, bytes: await readFile(path) };
}

async function expectMrcError(path: string, field: string, pattern?: RegExp): Promise<MrcError> {
  const err = await openMrc(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MrcError);
  const e = err as MrcError;
  expect(e.file).toBe(path);
  expect(e.field).toBe(field);
  expect(e.message).toContain(path);
  expect(e.message).toContain(field);
  if (pattern) expect(e.message).toMatch(pattern);
  return e;
}

describe("header layout", () => {
  it("puts each field at its MRC2014 byte offset, little-endian", async () => {
    const { bytes } = await validFile("layout.mrc", { ...OPTIONS, labels: ["hello"], extendedHeader: new Uint8Array(40).fill(7), exttyp: "SERI" });
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const i = (o: number) => v.getInt32(o, true);
    const f = (o: number) => v.getFloat32(o, true);
    expect([i(0), i(4), i(8), i(12)]).toEqual([6, 5, 7, 2]);
    expect([i(16), i(20), i(24), i(28), i(32), i(36)]).toEqual([0, 0, 0, 6, 5, 7]);
    expect([f(40), f(44), f(48), f(52), f(56), f(60)]).toEqual([12, 10, 14, 90, 90, 90]);
    expect([i(64), i(68), i(72), i(88), i(92)]).toEqual([1, 2, 3, 1, 40]);
    expect(bytes.subarray(104, 108).toString("latin1")).toBe("SERI");
    expect(i(108)).toBe(20140);
    expect(bytes.subarray(208, 212).toString("latin1")).toBe("MAP ");
    expect([...bytes.subarray(212, 216)]).toEqual([0x44, 0x44, 0, 0]);
    expect(i(220)).toBe(1);
    expect(bytes.subarray(224, 304).toString("latin1")).toBe("hello".padEnd(80, "\0"));
    expect(bytes.subarray(304, 1024).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(1024, 1064).every((b) => b === 7)).toBe(true);
    expect(bytes.length).toBe(1024 + 40 + 6 * 5 * 7 * 4);
    const data = ramp(6 * 5 * 7);
    expect([f(76), f(80)]).toEqual([Math.min(...data), Math.max(...data)]);
  });

  it("reads a big-endian header and data and a file with a zero machine stamp as little-endian", async () => {
    const data = Int16Array.from({ length: 24 }, (_, k) => k * 1000 - 11000);
    const header = encodeMrcHeader(standardMrcHeader({ shape: { z: 2, y: 3, x: 4 }, dtype: "int16", voxelSize: 1 }));
    // Big-endian: swap every 4-byte header word except the byte strings, and each voxel.
    const be = new Uint8Array(1024 + 48);
    be.set(header);
    const hv = new DataView(header.buffer);
    const bv = new DataView(be.buffer);
    for (let o = 0; o < 96; o += 4) bv.setInt32(o, hv.getInt32(o, true), false);
    [40, 44, 48, 52, 56, 60, 76, 80, 84].forEach((o) => bv.setFloat32(o, hv.getFloat32(o, true), false));
    bv.setInt32(108, 20140, false);
    be.set([0x11, 0x11, 0, 0], 212);
    data.forEach((x, k) => bv.setInt16(1024 + 2 * k, x, false));
    const reader = await openMrc(memoryByteSource(be, "be.mrc"));
    expect(reader.littleEndian).toBe(false);
    expect(reader.shape).toEqual({ z: 2, y: 3, x: 4 });
    expect(reader.header.cellb).toEqual({ x: 90, y: 90, z: 90 });
    expect(Array.from(await reader.readAll())).toEqual(Array.from(data));

    const zero = new Uint8Array(1024 + 48);
    zero.set(header);
    zero.set([0, 0, 0, 0], 212);
    zero.set(new Uint8Array(data.buffer), 1024);
    const old = await openMrc(memoryByteSource(zero, "old.mrc"));
    expect(old.littleEndian).toBe(true);
    expect(Array.from(await old.readAll())).toEqual(Array.from(data));
  });

  it("unpacks mode 101 (4-bit, low nibble first, rows padded to a byte)", async () => {
    const header = encodeMrcHeader({ ...standardMrcHeader({ shape: { z: 2, y: 2, x: 3 }, dtype: "int8", voxelSize: 1 }), mode: 101 });
    // rows of 3 voxels take 2 bytes: [v0 | v1 << 4, v2]
    const bytes = new Uint8Array([...header, 0x21, 0x03, 0x54, 0x06, 0x87, 0x09, 0xba, 0x0c]);
    const reader = await openMrc(memoryByteSource(bytes, "packed.mrc"));
    expect(reader.dtype).toBe("uint8");
    expect(Array.from(await reader.readAll())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(await reader.readSlab(1, 2))).toEqual([7, 8, 9, 10, 11, 12]);
  });
});

describe("bad input gives MrcError naming the file and the field", () => {
  it("truncated header", async () => {
    const { path, bytes } = await validFile("short-header.mrc");
    await writeFile(path, bytes.subarray(0, 500));
    await expectMrcError(path, "header", /500 bytes/);
  });
  it("truncated data", async () => {
    const { path, bytes } = await validFile("short-data.mrc");
    await writeFile(path, bytes.subarray(0, bytes.length - 3));
    await expectMrcError(path, "data", /6×5×7.*truncated/);
  });
  it("header dimensions larger or smaller than the file", async () => {
    const { path, bytes } = await validFile("dims.mrc");
    const big = Buffer.from(bytes);
    big.writeInt32LE(8, 8);
    await writeFile(path, big);
    await expectMrcError(path, "data", /6×5×8/);
    const small = Buffer.from(bytes);
    small.writeInt32LE(6, 8);
    await writeFile(path, small);
    await expectMrcError(path, "data", /trailing bytes/);
    const reader = await MrcReader.open(path, { allowTrailingBytes: true });
    expect(reader.shape.z).toBe(6);
    await reader.close();
  });
  it("unknown or unsupported mode", async () => {
    const { path, bytes } = await validFile("mode.mrc");
    for (const [mode, text] of [
      [3, /mode 3 \(complex int16\)/],
      [7, /mode 7 \(unknown\)/],
    ] as const) {
      const b = Buffer.from(bytes);
      b.writeInt32LE(mode, 12);
      await writeFile(path, b);
      await expectMrcError(path, "mode", text);
    }
  });
  it("zero and negative dimensions", async () => {
    const { path, bytes } = await validFile("zero.mrc");
    for (const [field, offset, value] of [
      ["nx", 0, 0],
      ["ny", 4, -5],
      ["nz", 8, 0],
    ] as const) {
      const b = Buffer.from(bytes);
      b.writeInt32LE(value, offset);
      await writeFile(path, b);
      await expectMrcError(path, field, new RegExp(`got ${value}`));
    }
  });
  it("NSYMBT past the end of the file or negative", async () => {
    const { path, bytes } = await validFile("nsymbt.mrc");
    for (const value of [bytes.length, -4]) {
      const b = Buffer.from(bytes);
      b.writeInt32LE(value, 92);
      await writeFile(path, b);
      await expectMrcError(path, "nsymbt", new RegExp(`${value} bytes`));
    }
  });
  it("a failed open closes the byte source", async () => {
    let closed = false;
    const src: ByteSource = { ...memoryByteSource(new Uint8Array(10), "tiny.mrc"), close: async () => void (closed = true) };
    await expect(openMrc(src)).rejects.toMatchObject({ field: "header", file: "tiny.mrc" });
    expect(closed).toBe(true);
  });
});

describe("streaming", () => {
  it("slab reads (file and memory sources) equal the whole-volume read", async () => {
    const { path, bytes } = await validFile("stream.mrc", { ...OPTIONS, extendedHeader: new Uint8Array(13).fill(1), exttyp: "AGAR" });
    const reader = await openMrc(path);
    const all = await reader.readAll();
    expect(Array.from(all)).toEqual(Array.from(ramp(6 * 5 * 7)));
    const parts = [await reader.readSlab(0, 1), await reader.readSlab(1, 4), await reader.readSlab(4, 4), await reader.readSlab(4, 7)];
    expect(parts.map((p) => p.length)).toEqual([30, 90, 0, 90]);
    expect(parts.flatMap((p) => Array.from(p))).toEqual(Array.from(all));
    await expect(reader.readSlab(5, 8)).rejects.toThrow(RangeError);
    await reader.close();
    const mem = await openMrc(memoryByteSource(bytes, "mem.mrc"));
    expect(Array.from(await mem.readSlab(2, 5))).toEqual(Array.from(all.subarray(60, 150)));
  });

  it("reads only the requested byte ranges", async () => {
    const { bytes } = await validFile("ranges.mrc");
    const reads: [number, number][] = [];
    const inner = memoryByteSource(bytes, "ranges.mrc");
    const reader = await openMrc({ ...inner, read: (o, l) => (reads.push([o, l]), inner.read(o, l)) });
    await reader.readSlab(3, 5);
    expect(reads).toEqual([
      [0, 1024],
      [1024 + 3 * 120, 2 * 120],
    ]);
  });

  it("a multi-slab write gives the same bytes as a single-slab write", async () => {
    for (const dtype of ["float32", "int16", "float16"] as const) {
      const options: MrcWriteOptions = { ...OPTIONS, dtype, labels: ["slabs"] };
      const base = ramp(6 * 5 * 7);
      const data = dtype === "float32" ? base : dtype === "int16" ? Int16Array.from(base, Math.round) : Uint16Array.from(base, (v) => 0x3c00 + Math.round(v));
      const single = memoryByteSink();
      await writeMrc(single, data, options);
      const multi = memoryByteSink();
      const writer = await MrcWriter.create(multi, options);
      await writer.writeSlab(data.subarray(0, 30));
      await writer.writeSlab(data.subarray(30, 90));
      await writer.writeSlab(data.subarray(90));
      await writer.close();
      expect(Buffer.from(multi.bytes()).equals(Buffer.from(single.bytes()))).toBe(true);
      expect(multi.bytes().length).toBe(1024 + 210 * (dtype === "float32" ? 4 : 2));
    }
  });

  it("a file written to a path equals the in-memory output", async () => {
    const { bytes } = await validFile("same.mrc");
    const mem = memoryByteSink();
    await writeMrc(mem, ramp(210), OPTIONS);
    expect(Buffer.from(mem.bytes()).equals(bytes)).toBe(true);
  });
});

describe("writer failures leave nothing at the final path", () => {
  it("closing before all sections are written discards the output", async () => {
    const sub = await mkdtemp(join(dir, "partial-"));
    const path = join(sub, "out.mrc");
    const writer = await MrcWriter.create(path, OPTIONS);
    await writer.writeSlab(ramp(60));
    expect(await readdir(sub)).toHaveLength(1); // the temp file, not out.mrc
    expect(await readdir(sub)).not.toContain("out.mrc");
    await expect(writer.close()).rejects.toMatchObject({ field: "nz", file: path });
    expect(await readdir(sub)).toEqual([]);
  });
  it("rejects slabs of the wrong type or too many sections; abort removes the temp file", async () => {
    const sub = await mkdtemp(join(dir, "bad-"));
    const path = join(sub, "out.mrc");
    const writer = await MrcWriter.create(path, OPTIONS);
    await expect(writer.writeSlab(new Int16Array(30))).rejects.toMatchObject({ field: "mode" });
    await expect(writer.writeSlab(new Float32Array(31))).rejects.toMatchObject({ field: "nz" });
    await expect(writer.writeSlab(new Float32Array(240))).rejects.toMatchObject({ field: "nz" });
    await writer.abort();
    expect(await readdir(sub)).toEqual([]);
  });
  it("writeMrc with too little data leaves nothing; an existing file at the path is kept intact", async () => {
    const sub = await mkdtemp(join(dir, "keep-"));
    const path = join(sub, "out.mrc");
    await writeFile(path, "previous");
    await expect(writeMrc(path, ramp(150), OPTIONS)).rejects.toBeInstanceOf(MrcError);
    expect(await readdir(sub)).toEqual(["out.mrc"]);
    expect(await readFile(path, "utf8")).toBe("previous");
  });
  it("rejects bad options with the field named", async () => {
    const path = join(dir, "never.mrc");
    await expect(MrcWriter.create(path, { ...OPTIONS, shape: { z: 0, y: 5, x: 6 } })).rejects.toMatchObject({ field: "nz", file: path });
    await expect(MrcWriter.create(path, { ...OPTIONS, dtype: "uint8" as never })).rejects.toMatchObject({ field: "mode" });
    await expect(MrcWriter.create(path, { ...OPTIONS, extendedHeader: new Uint8Array(4), exttyp: "XXXX" })).rejects.toMatchObject({ field: "exttyp" });
    await expect(MrcWriter.create(path, { ...OPTIONS, labels: ["é"] })).rejects.toMatchObject({ field: "labels" });
    await expect(readdir(dir)).resolves.not.toContain("never.mrc");
  });
});
