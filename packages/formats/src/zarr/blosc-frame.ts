/**
 * Blosc 1.x frames (format version 2, the one numcodecs 0.11 / c-blosc 1.21 write and read),
 * assembled here from small pieces so that no large buffer is ever handed to WASM.
 *
 * numcodecs' JS Blosc compresses a whole chunk inside its WASM heap (input + output copies, and the
 * heap never shrinks: ~300 MiB for a 64 MiB chunk). Here the frame is built block by block, in
 * TypeScript: byte shuffle of a block (512 KiB for float32 at clevel 5) into scratch, then each
 * shuffled stream (128 KiB) LZ4-compressed (lz4CompressBlock, the LZ4_compress_fast algorithm with
 * c-blosc's acceleration 10 - clevel) straight into the frame buffer. Working memory: one block of
 * scratch + a 16 KiB hash table; the frame buffer is nbytes + 16 (c-blosc's own bound). Measured on
 * the 2-core VM, shuffled noisy float32: ~1 GB/s vs ~500 MB/s for numcodecs' LZ4 WASM on the same
 * streams (which is still usable: pass createWasmLz4(); the tests cross-check both).
 *
 * Layout, following c-blosc 1.21 blosc.c (write_compression_header, blosc_c, serial_blosc,
 * compute_blocksize, split_block in BLOSC_FORWARD_COMPAT_SPLIT mode, the default):
 *
 *   header (16 bytes): version 2 | versionlz 1 | flags | typesize | nbytes i32 | blocksize i32 | cbytes i32
 *     flags: bit 0 byte shuffle, bit 1 memcpyed, bit 2 bitshuffle, bit 4 dont_split,
 *            bits 5–7 compressor format (lz4 = 1)
 *   bstarts: nblocks × i32, offset of each block from the frame start
 *   blocks: per block `nsplits` streams, each `i32 csize` + csize bytes; csize == neblock means
 *     the stream is stored raw (c-blosc stores raw when the compressor returns 0 or neblock).
 *
 * A block is split into `typesize` streams when typesize ≤ 16 and blocksize / typesize ≥ 128 and
 * it is not the leftover (last, short) block; the dont_split flag records the choice (old decoders
 * without the flag apply the same rule, so both agree). A buffer under 128 bytes, clevel 0, or a
 * frame that would not fit in nbytes + 16 bytes (c-blosc's destination size in numcodecs) is
 * stored "memcpyed": header (flag bit 1, cbytes = nbytes + 16) followed by the raw bytes.
 *
 * An ordinary module: the main thread imports it (inline encoder, reader) and so does every encoder
 * worker (./chunk-worker.ts). Its scratch buffers, zero-block cache and open chunk files are
 * module state, so each thread has its own.
 */

export interface BloscLz4Options {
  /** Bytes per element (the zarr dtype's itemsize, as Python numcodecs records it). 1..255. */
  typesize: number;
  /** 0..9; 0 stores the data memcpyed. */
  clevel: number;
  /** 0 none, 1 byte shuffle (bit shuffle is not implemented here). */
  shuffle: 0 | 1;
  /** Forced block size in bytes, 0 = automatic (c-blosc's compute_blocksize). */
  blocksize?: number;
}

/** An LZ4 *raw block* compressor (no size prefix, no frame). */
export interface Lz4BlockCompressor {
  /** Compresses `src`; the result is only used if shorter than `src`. */
  compress(src: Uint8Array, acceleration: number): Uint8Array | Promise<Uint8Array>;
}

/** Builds one Blosc frame of `nbytes` from bytes pushed in order, in pieces of any size. */
export interface BloscFrameBuilder {
  readonly nbytes: number;
  readonly blocksize: number;
  readonly nblocks: number;
  /** Appends the next bytes of the buffer (not kept: copied or compressed before this resolves). */
  push(bytes: Uint8Array): Promise<void>;
  /** The finished frame, exactly `cbytes` long (possibly a view of a buffer of nbytes + 16). */
  finish(): Uint8Array;
}

/**
 * Encodes one Blosc frame of `nbytes` as a stream: raw bytes go in, finished compressed blocks
 * come out in frame order, and the frame's prefix (header + block starts) is known only at the
 * end. The caller writes `prefixBytes` of room first, then every emitted piece, then patches the
 * prefix in at offset 0: the same bytes as {@link BloscFrameBuilder.finish}, without ever holding
 * the frame. Synchronous (TypeScript LZ4 only).
 */
export interface BloscStreamEncoder {
  readonly nbytes: number;
  readonly blocksize: number;
  readonly nblocks: number;
  /** Room to leave at the start of the output for {@link BloscStreamResult.prefix}. */
  readonly prefixBytes: number;
  /**
   * Appends the next raw bytes; each finished block is passed to `emit` as the segments to write
   * one after the other (views of scratch memory and of `bytes`: write or copy them before
   * returning; a raw stream is not copied, so a gathering write can take it as it is).
   */
  push(bytes: Uint8Array, emit: (segments: Uint8Array[]) => void): void;
  /** Appends `count` zero bytes (whole zero blocks come from a cache: padding is nearly free). */
  pushZeros(count: number, emit: (segments: Uint8Array[]) => void): void;
  finish(): BloscStreamResult;
}

export interface BloscStreamResult {
  /** Header and block starts, to be written at offset 0 (`prefixBytes` long). */
  prefix: Uint8Array;
  /** Frame length: prefix + every emitted byte. */
  cbytes: number;
  /**
   * The frame is larger than nbytes + 16, so c-blosc would have stored it memcpyed: the caller
   * must replace what it wrote with {@link decodeBloscFrame}'s raw bytes behind
   * {@link memcpyedHeader} (rare: only nearly incompressible data).
   */
  overflow: boolean;
}

/** The synchronous node:fs calls a chunk file writer needs (every caller passes node:fs itself). */
export interface ChunkFileSystem {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  writevSync(fd: number, buffers: Uint8Array[], position: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
}

/**
 * Writes one chunk's Blosc frame into a new local file as its raw bytes arrive (compressed
 * blocks appended, header and block starts written last at offset 0).
 */
export interface ChunkFileWriter {
  push(bytes: Uint8Array): void;
  pushZeros(count: number): void;
  /** Completes the file; returns its length. */
  finish(): number;
  /** Closes the file (the caller removes it). */
  abort(): void;
}

/** numcodecs JS `LZ4` class (numcodecs/lz4). */
export type NumcodecsLz4Class = new (acceleration?: number) => { encode(data: Uint8Array): Promise<Uint8Array> };

// Blosc 1.x limits and constants (blosc.h / blosc.c)
export const BLOSC_MAX_OVERHEAD = 16;
const MIN_BUFFERSIZE = 128;
const MAX_SPLITS = 16;
const L1 = 32 * 1024;
const BLOSC_MAX_BLOCKSIZE = 0x7fffffff - 16 - 255;
const BLOSC_MAX_BUFFERSIZE = 0x7fffffff - BLOSC_MAX_OVERHEAD;
const FLAG_SHUFFLE = 0x01;
const FLAG_MEMCPYED = 0x02;
const FLAG_DONT_SPLIT = 0x10;
const LZ4_FORMAT = 1;
const LZ4_VERSION_FORMAT = 1;

/** Splitting rule (split_block, BLOSC_FORWARD_COMPAT_SPLIT, non-zstd codec). */
export function bloscSplits(typesize: number, blocksize: number): boolean {
  return typesize <= MAX_SPLITS && Math.floor(blocksize / typesize) >= MIN_BUFFERSIZE;
}

/** c-blosc 1.21 compute_blocksize for lz4 (not an HCR codec), FORWARD_COMPAT split mode. */
export function bloscBlocksize(clevel: number, typesize: number, nbytes: number, forced = 0): number {
  if (nbytes < typesize) return 1;
  let blocksize = nbytes;
  if (forced) {
    blocksize = Math.min(Math.max(forced, MIN_BUFFERSIZE), BLOSC_MAX_BLOCKSIZE);
  } else if (nbytes >= L1) {
    blocksize = L1;
    if (clevel === 0) blocksize /= 4;
    else if (clevel === 1) blocksize /= 2;
    else if (clevel === 3) blocksize *= 2;
    else if (clevel === 4 || clevel === 5) blocksize *= 4;
    else if (clevel >= 6) blocksize *= 8; // 6..9 (9 doubles again only for HCR codecs)
  }
  if (clevel > 0 && bloscSplits(typesize, blocksize)) {
    if (blocksize > 1 << 18) blocksize = 1 << 18;
    blocksize *= typesize;
    if (blocksize < 1 << 16) blocksize = 1 << 16;
    if (blocksize > 1 << 20) blocksize = 1 << 20;
  }
  if (blocksize > nbytes) blocksize = nbytes;
  if (blocksize > typesize) blocksize = Math.floor(blocksize / typesize) * typesize;
  return blocksize;
}

/**
 * c-blosc byte shuffle of `length` bytes: byte j of element i goes to `dest[j * n + i]`
 * (n = floor(length / typesize)); the `length % typesize` trailing bytes are copied as they are.
 */
export function byteShuffle(typesize: number, src: Uint8Array, dest: Uint8Array, length = src.length): void {
  const n = Math.floor(length / typesize);
  const body = n * typesize;
  if (typesize === 4 && (src.byteOffset & 3) === 0) {
    const words = new Uint32Array(src.buffer, src.byteOffset, n);
    const n2 = 2 * n;
    const n3 = 3 * n;
    for (let i = 0; i < n; i++) {
      const w = words[i] as number;
      dest[i] = w;
      dest[n + i] = w >>> 8;
      dest[n2 + i] = w >>> 16;
      dest[n3 + i] = w >>> 24;
    }
  } else if (typesize === 2 && (src.byteOffset & 1) === 0) {
    const words = new Uint16Array(src.buffer, src.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const w = words[i] as number;
      dest[i] = w;
      dest[n + i] = w >>> 8;
    }
  } else {
    for (let j = 0; j < typesize; j++) {
      let d = j * n;
      for (let i = j; i < body; i += typesize) dest[d++] = src[i] as number;
    }
  }
  if (body < length) dest.set(src.subarray(body, length), body);
}

/** Inverse of byteShuffle. */
export function byteUnshuffle(typesize: number, src: Uint8Array, dest: Uint8Array, length = src.length): void {
  const n = Math.floor(length / typesize);
  const body = n * typesize;
  if (typesize === 4 && (dest.byteOffset & 3) === 0) {
    const words = new Uint32Array(dest.buffer, dest.byteOffset, n);
    const n2 = 2 * n;
    const n3 = 3 * n;
    for (let i = 0; i < n; i++) words[i] = ((src[i] as number) | ((src[n + i] as number) << 8) | ((src[n2 + i] as number) << 16) | ((src[n3 + i] as number) << 24)) >>> 0;
    if (body < length) dest.set(src.subarray(body, length), body);
    return;
  }
  for (let j = 0; j < typesize; j++) {
    let s = j * n;
    for (let i = j; i < body; i += typesize) dest[i] = src[s++] as number;
  }
  if (body < length) dest.set(src.subarray(body, length), body);
}

/** Decompresses one LZ4 raw block into `dest`; returns the bytes written. */
export function lz4DecompressBlock(src: Uint8Array, dest: Uint8Array): number {
  let s = 0;
  let d = 0;
  while (s < src.length) {
    const token = src[s++] as number;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        b = src[s++] as number;
        literals += b;
      } while (b === 255);
    }
    if (d + literals > dest.length || s + literals > src.length) throw new Error("lz4: corrupt block (literals)");
    dest.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s >= src.length) break; // the last sequence has no match
    const offset = (src[s] as number) | ((src[s + 1] as number) << 8);
    s += 2;
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        b = src[s++] as number;
        length += b;
      } while (b === 255);
    }
    length += 4;
    if (offset === 0 || offset > d || d + length > dest.length) throw new Error("lz4: corrupt block (match)");
    if (offset >= length && length > 16) {
      dest.copyWithin(d, d - offset, d - offset + length); // no overlap: one memmove
      d += length;
    } else for (let k = 0; k < length; k++, d++) dest[d] = dest[d - offset] as number;
  }
  return d;
}

/**
 * LZ4 block compression (the LZ4_compress_fast algorithm: 4096-entry hash table, skip
 * acceleration, no dictionary) of `src` into `dst[at, at + max)`. Returns the compressed length,
 * or 0 when it would not fit in `max` bytes. `table` is scratch of 4096 entries. Words are read
 * with a DataView (one unaligned load in V8's optimized code), matches extended 4 bytes at a time
 * and short literal runs copied by hand: ~1.7× the byte-by-byte version on shuffled float32
 * exponent streams, with the same output.
 */
export function lz4CompressBlock(src: Uint8Array, dst: Uint8Array, at: number, max: number, acceleration: number, table: Int32Array): number {
  const len = src.length;
  const end = at + max;
  let op = at;
  let anchor = 0;
  const copy = (from: number, to: number, o: number): void => {
    if (to - from < 32) for (let k = from; k < to; k++) dst[o++] = src[k] as number;
    else dst.set(src.subarray(from, to), o);
  };
  const emitLastLiterals = (): number => {
    const lit = len - anchor;
    if (op + 1 + lit + Math.floor((lit + 240) / 255) > end) return 0;
    if (lit >= 15) {
      dst[op++] = 0xf0;
      let rest = lit - 15;
      for (; rest >= 255; rest -= 255) dst[op++] = 255;
      dst[op++] = rest;
    } else dst[op++] = lit << 4;
    copy(anchor, len, op);
    op += lit;
    return op - at;
  };
  if (len < 13) return emitLastLiterals();
  table.fill(-1);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const mflimit = len - 12; // the last match starts at least 12 bytes before the end
  const matchlimit = len - 5; // and the last 5 bytes are literals
  const wordLimit = matchlimit - 3;
  const accel = Math.max(1, acceleration) << 6;
  let ip = 0;
  table[Math.imul(view.getInt32(0, true), -1640531535) >>> 20] = 0;
  ip = 1;
  let forwardH = Math.imul(view.getInt32(ip, true), -1640531535) >>> 20;
  for (;;) {
    let match: number;
    let forwardIp = ip;
    let step = 1;
    let searchMatchNb = accel;
    do {
      const h = forwardH;
      ip = forwardIp;
      forwardIp += step;
      step = searchMatchNb++ >> 6;
      if (forwardIp > mflimit) return emitLastLiterals();
      match = table[h] as number;
      forwardH = Math.imul(view.getInt32(forwardIp, true), -1640531535) >>> 20;
      table[h] = ip;
    } while (match < 0 || ip - match > 65535 || view.getInt32(match, true) !== view.getInt32(ip, true));
    // extend backwards
    while (ip > anchor && match > 0 && src[ip - 1] === src[match - 1]) {
      ip--;
      match--;
    }
    // literals
    const lit = ip - anchor;
    let token = op++;
    if (op + lit + 2 + 1 + 5 + Math.floor(lit / 255) > end) return 0;
    if (lit >= 15) {
      dst[token] = 0xf0;
      let rest = lit - 15;
      for (; rest >= 255; rest -= 255) dst[op++] = 255;
      dst[op++] = rest;
    } else dst[token] = lit << 4;
    copy(anchor, ip, op);
    op += lit;
    for (;;) {
      // offset, then the match length
      const offset = ip - match;
      dst[op++] = offset & 255;
      dst[op++] = offset >>> 8;
      ip += 4;
      match += 4;
      const start = ip;
      // LZ4_count: 4 bytes at a time, then the first differing byte
      for (;;) {
        if (ip >= wordLimit) {
          while (ip < matchlimit && src[ip] === src[match]) {
            ip++;
            match++;
          }
          break;
        }
        const diff = view.getInt32(ip, true) ^ view.getInt32(match, true);
        if (diff !== 0) {
          const n = (31 - Math.clz32(diff & -diff)) >> 3;
          ip += n;
          match += n;
          break;
        }
        ip += 4;
        match += 4;
      }
      let ml = ip - start;
      if (op + 1 + Math.floor(ml / 255) + 5 > end) return 0;
      if (ml >= 15) {
        dst[token] = (dst[token] as number) | 15;
        ml -= 15;
        for (; ml >= 255; ml -= 255) dst[op++] = 255;
        dst[op++] = ml;
      } else dst[token] = (dst[token] as number) | ml;
      anchor = ip;
      if (ip > mflimit) return emitLastLiterals();
      // an immediate next match?
      table[Math.imul(view.getInt32(ip - 2, true), -1640531535) >>> 20] = ip - 2;
      const h = Math.imul(view.getInt32(ip, true), -1640531535) >>> 20;
      match = table[h] as number;
      table[h] = ip;
      if (match >= 0 && ip - match <= 65535 && view.getInt32(match, true) === view.getInt32(ip, true)) {
        token = op++;
        if (op + 2 + 1 + 5 > end) return 0;
        dst[token] = 0;
        continue;
      }
      break;
    }
    ip++;
    forwardH = Math.imul(view.getInt32(ip, true), -1640531535) >>> 20;
  }
}

/** Block layout and header flags of a frame of `nbytes` (c-blosc 1.21 rules). */
function frameGeometry(nbytes: number, options: BloscLz4Options) {
  const { typesize, clevel, shuffle } = options;
  if (!Number.isInteger(typesize) || typesize < 1 || typesize > 255) throw new Error(`blosc typesize must be 1..255, got ${typesize}`);
  if (!Number.isInteger(clevel) || clevel < 0 || clevel > 9) throw new Error(`blosc clevel must be 0..9, got ${clevel}`);
  if (shuffle !== 0 && shuffle !== 1) throw new Error(`blosc shuffle ${String(shuffle)} is not supported by the frame encoder`);
  if (!Number.isInteger(nbytes) || nbytes < 0 || nbytes > BLOSC_MAX_BUFFERSIZE) throw new Error(`blosc buffer of ${nbytes} bytes not supported`);
  const blocksize = bloscBlocksize(clevel, typesize, nbytes, options.blocksize ?? 0);
  const nblocks = nbytes === 0 ? 0 : Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  const split = bloscSplits(typesize, blocksize);
  return {
    typesize,
    blocksize,
    nblocks,
    flags: (shuffle === 1 ? FLAG_SHUFFLE : 0) | (split ? 0 : FLAG_DONT_SPLIT) | (LZ4_FORMAT << 5),
    acceleration: 10 - clevel, // c-blosc get_accel for lz4
    /** Stored as a memcpyed frame from the start (c-blosc: clevel 0 or a buffer under 128 bytes). */
    memcpyed: clevel === 0 || nbytes < MIN_BUFFERSIZE,
    /** Shuffle scratch is needed (byte shuffle of elements wider than a byte). */
    shuffles: shuffle === 1 && typesize > 1,
    blockSize: (index: number) => (index === nblocks - 1 && leftover > 0 ? leftover : blocksize),
    splits: (index: number) => (split && !(index === nblocks - 1 && leftover > 0) ? typesize : 1),
  };
}

function writeHeader(out: Uint8Array, view: DataView, g: ReturnType<typeof frameGeometry>, nbytes: number, memcpyed: boolean, cbytes: number): void {
  out[0] = 2; // BLOSC_VERSION_FORMAT
  out[1] = LZ4_VERSION_FORMAT;
  out[2] = g.flags | (memcpyed ? FLAG_MEMCPYED : 0);
  out[3] = g.typesize;
  view.setInt32(4, nbytes, true);
  view.setInt32(8, g.blocksize, true);
  view.setInt32(12, cbytes, true);
}

/** A block as c-blosc compresses it: byte-shuffled when the frame shuffles, cut into `nsplits` streams of `neblock` bytes. */
function splitBlock(g: ReturnType<typeof frameGeometry>, block: Uint8Array, index: number, shuffled: Uint8Array): { data: Uint8Array; nsplits: number; neblock: number } {
  const bsize = block.length;
  let data = block;
  if (g.shuffles) {
    byteShuffle(g.typesize, block, shuffled, bsize);
    data = shuffled.subarray(0, bsize);
  }
  const nsplits = g.splits(index);
  return { data, nsplits, neblock: Math.floor(bsize / nsplits) };
}

/**
 * Shuffles and LZ4-compresses block `index` as c-blosc's blosc_c, into `dst[at, end)`: per
 * stream an i32 csize and the compressed bytes, or the raw stream when LZ4 does not make it
 * shorter. Returns the end offset, or -1 when the block does not fit before `end`.
 */
function compressBlock(
  g: ReturnType<typeof frameGeometry>,
  block: Uint8Array,
  index: number,
  shuffled: Uint8Array,
  table: Int32Array,
  dst: Uint8Array,
  view: DataView,
  at: number,
  end: number,
): number {
  const { data, nsplits, neblock } = splitBlock(g, block, index, shuffled);
  let p = at;
  for (let j = 0; j < nsplits; j++) {
    const stream = data.subarray(j * neblock, (j + 1) * neblock);
    // c-blosc: compressor output of 0 bytes or ≥ neblock (does not fit maxout = neblock) → stored raw
    let csize = p + 4 < end ? lz4CompressBlock(stream, dst, p + 4, Math.min(neblock - 1, end - p - 4), g.acceleration, table) : 0;
    if (csize === 0) {
      if (p + 4 + neblock > end) return -1;
      dst.set(stream, p + 4);
      csize = neblock;
    }
    view.setInt32(p, csize, true);
    p += 4 + csize;
  }
  return p;
}

/**
 * compressBlock for streaming: the block as segments to write in order. Compressed streams (and
 * every stream's i32 size) go to `dst`; a stream LZ4 cannot shorten is not copied there but
 * passed as a view of the shuffled block. Returns the block's length.
 */
function compressBlockSegments(
  g: ReturnType<typeof frameGeometry>,
  block: Uint8Array,
  index: number,
  shuffled: Uint8Array,
  table: Int32Array,
  dst: Uint8Array,
  view: DataView,
  segments: Uint8Array[],
): number {
  const { data, nsplits, neblock } = splitBlock(g, block, index, shuffled);
  let p = 0;
  let run = 0; // start of the bytes in dst not yet in a segment
  let total = 0;
  for (let j = 0; j < nsplits; j++) {
    const stream = data.subarray(j * neblock, (j + 1) * neblock);
    const csize = lz4CompressBlock(stream, dst, p + 4, neblock - 1, g.acceleration, table);
    if (csize === 0) {
      // stored raw, as c-blosc does when the compressor cannot make it shorter
      view.setInt32(p, neblock, true);
      p += 4;
      segments.push(dst.subarray(run, p), stream);
      run = p;
      total += 4 + neblock;
    } else {
      view.setInt32(p, csize, true);
      p += 4 + csize;
      total += 4 + csize;
    }
  }
  if (p > run) segments.push(dst.subarray(run, p));
  return total;
}

/** The 16-byte header of a memcpyed frame of `nbytes` (raw bytes follow it). */
export function memcpyedHeader(nbytes: number, options: BloscLz4Options): Uint8Array {
  const g = frameGeometry(nbytes, options);
  const out = new Uint8Array(BLOSC_MAX_OVERHEAD);
  writeHeader(out, new DataView(out.buffer), g, nbytes, true, nbytes + BLOSC_MAX_OVERHEAD);
  return out;
}

/** Decodes the first `count` blocks of a (non-memcpyed) lz4 frame into `out` (block b at b × blocksize). */
function decodeBlocks(frame: Uint8Array, count: number, out: Uint8Array): void {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const flags = frame[2] as number;
  const typesize = frame[3] as number;
  const nbytes = view.getInt32(4, true);
  const blocksize = view.getInt32(8, true);
  const nblocks = nbytes === 0 ? 0 : Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  const shuffled = (flags & FLAG_SHUFFLE) !== 0 && typesize > 1;
  const plain = new Uint8Array(shuffled ? blocksize : 0);
  for (let b = 0; b < count; b++) {
    const last = b === nblocks - 1 && leftover > 0;
    const bsize = last ? leftover : blocksize;
    const nsplits = !(flags & FLAG_DONT_SPLIT) && !last ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    const target = shuffled ? plain : out.subarray(b * blocksize, b * blocksize + bsize);
    let p = view.getInt32(BLOSC_MAX_OVERHEAD + 4 * b, true);
    for (let j = 0; j < nsplits; j++) {
      const csize = view.getInt32(p, true);
      const src = frame.subarray(p + 4, p + 4 + csize);
      const part = target.subarray(j * neblock, (j + 1) * neblock);
      if (csize === neblock) part.set(src);
      else if (lz4DecompressBlock(src, part) !== neblock) throw new Error(`blosc frame: block ${b} stream ${j} did not decode to ${neblock} bytes`);
      p += 4 + csize;
    }
    if (shuffled) byteUnshuffle(typesize, plain, out.subarray(b * blocksize), bsize);
  }
}

/**
 * The byte range [start, end) of a frame that holds blocks [first, last]: a block ends where
 * the next stored block (by offset) starts, or at `cbytes`.
 */
export function bloscBlockSpan(bstarts: Int32Array, cbytes: number, first: number, last: number): { start: number; end: number } {
  const sorted = Array.from(bstarts).sort((a, b) => a - b);
  let start = Infinity;
  let end = 0;
  for (let b = first; b <= last; b++) {
    const at = bstarts[b] as number;
    let i = sorted.indexOf(at);
    while (i < sorted.length && (sorted[i] as number) <= at) i++;
    start = Math.min(start, at);
    end = Math.max(end, i < sorted.length ? (sorted[i] as number) : cbytes);
  }
  return { start, end };
}

/**
 * Decodes blocks [first, last] of an lz4 frame into `out` (block b at (b - first) × blocksize),
 * given the frame's 16-byte header, its block starts and `bytes`: the frame's bytes from offset
 * `base` on, holding every one of those blocks. (Blocks need not be stored in order: c-blosc
 * with threads writes them as they finish; see {@link bloscBlockSpan}.) Lets a reader decode
 * only the planes it needs from ranged reads of a chunk. Memcpyed frames have no blocks.
 */
export function decodeBloscBlockRange(header: Uint8Array, bstarts: Int32Array, bytes: Uint8Array, base: number, first: number, last: number, out: Uint8Array): void {
  const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const flags = header[2] as number;
  const typesize = header[3] as number;
  const nbytes = hv.getInt32(4, true);
  const blocksize = hv.getInt32(8, true);
  if (flags & FLAG_MEMCPYED) throw new Error("blosc frame: a memcpyed frame has no blocks to decode");
  if (flags >> 5 !== LZ4_FORMAT) throw new Error(`blosc frame: compressor format ${flags >> 5} is not lz4`);
  const nblocks = nbytes === 0 ? 0 : Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  const shuffled = (flags & FLAG_SHUFFLE) !== 0 && typesize > 1;
  const plain = new Uint8Array(shuffled ? blocksize : 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = first; b <= last; b++) {
    if (b < 0 || b >= nblocks) throw new Error(`blosc frame: block ${b} out of range (${nblocks} blocks)`);
    const isLast = b === nblocks - 1 && leftover > 0;
    const bsize = isLast ? leftover : blocksize;
    const nsplits = !(flags & FLAG_DONT_SPLIT) && !isLast ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    const at = (b - first) * blocksize;
    const target = shuffled ? plain : out.subarray(at, at + bsize);
    let p = (bstarts[b] as number) - base;
    if (p < 0) throw new Error(`blosc frame: block ${b} starts before the bytes given`);
    for (let j = 0; j < nsplits; j++) {
      if (p + 4 > bytes.length) throw new Error(`blosc frame: block ${b} is cut short`);
      const csize = view.getInt32(p, true);
      if (csize < 0 || p + 4 + csize > bytes.length) throw new Error(`blosc frame: block ${b} stream ${j} is cut short`);
      const src = bytes.subarray(p + 4, p + 4 + csize);
      const part = target.subarray(j * neblock, (j + 1) * neblock);
      if (csize === neblock) part.set(src);
      else if (lz4DecompressBlock(src, part) !== neblock) throw new Error(`blosc frame: block ${b} stream ${j} did not decode to ${neblock} bytes`);
      p += 4 + csize;
    }
    if (shuffled) byteUnshuffle(typesize, plain, out.subarray(at), bsize);
  }
}

/** Decodes a whole Blosc 1.x lz4 frame (plain or memcpyed, with or without byte shuffle). */
export function decodeBloscFrame(frame: Uint8Array): Uint8Array {
  if (frame.length < BLOSC_MAX_OVERHEAD) throw new Error(`blosc frame: ${frame.length} bytes is shorter than its header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const flags = frame[2] as number;
  const nbytes = view.getInt32(4, true);
  const blocksize = view.getInt32(8, true);
  const out = new Uint8Array(nbytes);
  if (flags & FLAG_MEMCPYED) {
    if (frame.length < BLOSC_MAX_OVERHEAD + nbytes) throw new Error("blosc frame: memcpyed frame is truncated");
    out.set(frame.subarray(BLOSC_MAX_OVERHEAD, BLOSC_MAX_OVERHEAD + nbytes));
    return out;
  }
  if (flags >> 5 !== LZ4_FORMAT) throw new Error(`blosc frame: compressor format ${flags >> 5} is not lz4`);
  decodeBlocks(frame, nbytes === 0 ? 0 : Math.ceil(nbytes / blocksize), out);
  return out;
}

// Scratch shared by every stream encoder of this thread (a chunk row may have hundreds of chunks
// open): push() is synchronous, so only one encoder uses them at a time.
let sharedShuffled = new Uint8Array(0);
let sharedOut = new Uint8Array(0);
let sharedOutView = new DataView(sharedOut.buffer);
const sharedTable = new Int32Array(4096);
const zeroBlocks = new Map<string, Uint8Array>(); // compressed all-zero blocks
const scratchFor = (blocksize: number) => {
  if (sharedShuffled.length < blocksize) sharedShuffled = new Uint8Array(blocksize);
  if (sharedOut.length < blocksize + 4 * MAX_SPLITS) {
    sharedOut = new Uint8Array(blocksize + 4 * MAX_SPLITS); // a block's worst case: every stream raw behind its i32 size
    sharedOutView = new DataView(sharedOut.buffer);
  }
};

export function createBloscStreamEncoder(nbytes: number, options: BloscLz4Options): BloscStreamEncoder {
  const g = frameGeometry(nbytes, options);
  const { blocksize, nblocks, memcpyed } = g;
  const prefixBytes = memcpyed ? BLOSC_MAX_OVERHEAD : BLOSC_MAX_OVERHEAD + 4 * nblocks;
  const prefix = new Uint8Array(prefixBytes);
  const prefixView = new DataView(prefix.buffer);
  let pending: Uint8Array | null = null; // a block gathered from several pieces (allocated when needed)
  let pendingBytes = 0;
  let received = 0;
  let blockIndex = 0;
  let at = prefixBytes;

  const addBlock = (block: Uint8Array, emit: (segments: Uint8Array[]) => void): void => {
    scratchFor(blocksize);
    const segments: Uint8Array[] = [];
    const length = compressBlockSegments(g, block, blockIndex, sharedShuffled, sharedTable, sharedOut, sharedOutView, segments);
    prefixView.setInt32(BLOSC_MAX_OVERHEAD + 4 * blockIndex, at, true);
    at += length;
    blockIndex++;
    emit(segments);
  };
  const accept = (count: number) => {
    if (received + count > nbytes) throw new Error(`blosc frame: got more than ${nbytes} bytes`);
    received += count;
  };
  const zeros = new Uint8Array(Math.min(Math.max(nbytes, 1), 1 << 16));
  const zeroBlock = (want: number, splits: number): Uint8Array => {
    const key = `${want}/${splits}/${g.typesize}/${g.acceleration}/${g.shuffles}`;
    let cached = zeroBlocks.get(key);
    if (cached === undefined) {
      scratchFor(blocksize);
      const block = new Uint8Array(want);
      cached = sharedOut.slice(0, compressBlock(g, block, blockIndex, sharedShuffled, sharedTable, sharedOut, sharedOutView, 0, sharedOut.length));
      zeroBlocks.set(key, cached);
    }
    return cached;
  };

  const encoder: BloscStreamEncoder = {
    nbytes,
    blocksize,
    nblocks,
    prefixBytes,
    push(bytes: Uint8Array, emit: (segments: Uint8Array[]) => void): void {
      accept(bytes.length);
      if (memcpyed) {
        if (bytes.length > 0) emit([bytes]);
        at += bytes.length;
        return;
      }
      let i = 0;
      while (i < bytes.length) {
        const want = g.blockSize(blockIndex);
        if (pendingBytes === 0 && bytes.length - i >= want) {
          addBlock(bytes.subarray(i, i + want), emit); // a whole block in this piece: no copy
          i += want;
          continue;
        }
        pending ??= new Uint8Array(blocksize);
        const n = Math.min(want - pendingBytes, bytes.length - i);
        pending.set(bytes.subarray(i, i + n), pendingBytes);
        pendingBytes += n;
        i += n;
        if (pendingBytes === want) {
          pendingBytes = 0;
          addBlock(pending.subarray(0, want), emit);
        }
      }
      if (pendingBytes === 0) pending = null;
    },
    pushZeros(count: number, emit: (segments: Uint8Array[]) => void): void {
      if (received + count > nbytes) throw new Error(`blosc frame: got more than ${nbytes} bytes`);
      // memcpyed frames, a partly gathered block and a short tail take the zeros as ordinary bytes
      const asBytes = (n: number) => {
        for (let done = 0; done < n; ) {
          const k = Math.min(zeros.length, n - done);
          encoder.push(zeros.subarray(0, k), emit);
          done += k;
        }
      };
      if (memcpyed) {
        asBytes(count);
        return;
      }
      if (pendingBytes > 0) {
        const first = Math.min(count, g.blockSize(blockIndex) - pendingBytes);
        asBytes(first);
        count -= first;
      }
      while (count > 0) {
        const want = g.blockSize(blockIndex);
        if (count < want) {
          asBytes(count);
          return;
        }
        accept(want);
        const block = zeroBlock(want, g.splits(blockIndex));
        prefixView.setInt32(BLOSC_MAX_OVERHEAD + 4 * blockIndex, at, true);
        at += block.length;
        blockIndex++;
        emit([block]);
        count -= want;
      }
    },
    finish(): BloscStreamResult {
      if (received !== nbytes) throw new Error(`blosc frame: got ${received} of ${nbytes} bytes`);
      const limit = nbytes + BLOSC_MAX_OVERHEAD;
      const overflow = !memcpyed && at > limit;
      writeHeader(prefix, prefixView, g, nbytes, memcpyed, memcpyed ? limit : at);
      pending = null;
      return { prefix, cbytes: memcpyed ? limit : at, overflow };
    },
  };
  return encoder;
}

// Open chunk files of this thread, least recently used first: a wide chunk row may have more
// chunks open than the process may have file descriptors, so the oldest are closed and reopened.
const MAX_OPEN_FILES = 64;
const openFiles = new Map<string, number>();

/** A {@link ChunkFileWriter} creating `path` (which must not exist). */
export function createChunkFileWriter(fs: ChunkFileSystem, path: string, nbytes: number, options: BloscLz4Options): ChunkFileWriter {
  const encoder = createBloscStreamEncoder(nbytes, options);
  let position = encoder.prefixBytes;
  let created = false;
  const fd = (): number => {
    const known = openFiles.get(path);
    if (known !== undefined) {
      openFiles.delete(path); // re-insert as the most recently used
      openFiles.set(path, known);
      return known;
    }
    for (const [oldPath, oldFd] of openFiles) {
      if (openFiles.size < MAX_OPEN_FILES) break;
      openFiles.delete(oldPath);
      fs.closeSync(oldFd);
    }
    const opened = fs.openSync(path, created ? "r+" : "wx"); // wx: a staged name is never reused
    created = true;
    openFiles.set(path, opened);
    return opened;
  };
  const writeAt = (bytes: Uint8Array, at: number) => {
    const handle = fd();
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(handle, bytes, done, bytes.length - done, at + done);
  };
  /** One gathering write per block (the raw streams are views, not copies). */
  const emit = (segments: Uint8Array[]) => {
    let length = 0;
    for (const segment of segments) length += segment.length;
    let written = segments.length === 1 ? 0 : fs.writevSync(fd(), segments, position);
    // a short gathering write (or a single segment): the rest segment by segment
    for (let i = 0, start = 0; written < length && i < segments.length; start += (segments[i] as Uint8Array).length, i++) {
      const segment = segments[i] as Uint8Array;
      const end = start + segment.length;
      if (end <= written) continue;
      writeAt(segment.subarray(Math.max(0, written - start)), position + Math.max(written, start));
      written = end;
    }
    position += length;
  };
  const release = () => {
    const known = openFiles.get(path);
    if (known !== undefined) {
      openFiles.delete(path);
      fs.closeSync(known);
    }
  };
  fd(); // create the file now: errors (a missing folder, a name in use) surface at open
  return {
    push: (bytes) => encoder.push(bytes, emit),
    pushZeros: (count) => encoder.pushZeros(count, emit),
    finish(): number {
      try {
        const done = encoder.finish();
        writeAt(done.prefix, 0);
        if (!done.overflow) return done.cbytes;
        // nearly incompressible: c-blosc would have stored it memcpyed; rewrite the file so
        const frame = new Uint8Array(done.cbytes);
        const handle = fd();
        for (let got = 0; got < frame.length; ) {
          const n = fs.readSync(handle, frame, got, frame.length - got, got);
          if (n === 0) throw new Error(`${path}: short read at ${got} rewriting the chunk memcpyed`);
          got += n;
        }
        const raw = decodeBloscFrame(frame);
        writeAt(memcpyedHeader(nbytes, options), 0);
        writeAt(raw, BLOSC_MAX_OVERHEAD);
        fs.ftruncateSync(fd(), nbytes + BLOSC_MAX_OVERHEAD);
        return nbytes + BLOSC_MAX_OVERHEAD;
      } finally {
        release();
      }
    },
    abort: release,
  };
}

/** `lz4` defaults to lz4CompressBlock (writing straight into the frame buffer). */
export function createBloscFrameBuilder(nbytes: number, options: BloscLz4Options, lz4?: Lz4BlockCompressor): BloscFrameBuilder {
  const g = frameGeometry(nbytes, options);
  const { typesize, blocksize, nblocks, acceleration } = g;
  const headerBytes = BLOSC_MAX_OVERHEAD + 4 * nblocks;
  // c-blosc compresses into a destination of nbytes + 16 bytes (numcodecs' size); a frame that
  // does not fit is stored memcpyed instead. So the frame is written straight into such a buffer.
  const limit = nbytes + BLOSC_MAX_OVERHEAD;
  let out = new Uint8Array(limit);
  let view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  /** Memcpyed frame: raw bytes at 16 + offset. */
  let memcpyed = g.memcpyed;
  let at = memcpyed ? BLOSC_MAX_OVERHEAD : headerBytes;
  const pending = new Uint8Array(memcpyed ? 0 : blocksize); // a block gathered from several pieces
  const shuffled = new Uint8Array(memcpyed || !g.shuffles ? 0 : blocksize);
  const table = new Int32Array(4096); // LZ4 hash table
  let pendingBytes = 0;
  let received = 0;
  let blockIndex = 0;

  /** Shuffles and compresses one block (c-blosc blosc_c) into `out`, or switches to memcpyed. */
  const addBlock = async (block: Uint8Array): Promise<void> => {
    const p = lz4 === undefined ? compressBlock(g, block, blockIndex, shuffled, table, out, view, at, limit) : await compressBlockWith(lz4, block);
    if (p >= 0) {
      view.setInt32(BLOSC_MAX_OVERHEAD + 4 * blockIndex, at, true);
      at = p;
      blockIndex++;
      return;
    }
    // does not fit nbytes + 16: memcpyed frame
    const raw = new Uint8Array(limit);
    writeHeader(out, view, g, nbytes, false, at);
    decodeBlocks(out, blockIndex, raw.subarray(BLOSC_MAX_OVERHEAD));
    raw.set(block, BLOSC_MAX_OVERHEAD + blockIndex * blocksize);
    out = raw;
    view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    memcpyed = true;
    at = BLOSC_MAX_OVERHEAD + blockIndex * blocksize + block.length;
    blockIndex++;
  };

  /** compressBlock with an external (possibly asynchronous) LZ4 compressor. */
  const compressBlockWith = async (codec: Lz4BlockCompressor, block: Uint8Array): Promise<number> => {
    const bsize = block.length;
    let data = block;
    if (g.shuffles) {
      byteShuffle(typesize, block, shuffled, bsize);
      data = shuffled.subarray(0, bsize);
    }
    const nsplits = g.splits(blockIndex);
    const neblock = Math.floor(bsize / nsplits);
    let p = at;
    for (let j = 0; j < nsplits; j++) {
      const stream = data.subarray(j * neblock, (j + 1) * neblock);
      const compressed = await codec.compress(stream, acceleration);
      const fits = compressed.length < neblock && p + 4 + compressed.length <= limit;
      if (!fits && p + 4 + neblock > limit) return -1;
      out.set(fits ? compressed : stream, p + 4);
      const csize = fits ? compressed.length : neblock;
      view.setInt32(p, csize, true);
      p += 4 + csize;
    }
    return p;
  };

  return {
    nbytes,
    blocksize,
    nblocks,
    async push(bytes: Uint8Array): Promise<void> {
      if (received + bytes.length > nbytes) throw new Error(`blosc frame: got more than ${nbytes} bytes`);
      received += bytes.length;
      let i = 0;
      while (i < bytes.length) {
        if (memcpyed) {
          out.set(bytes.subarray(i), at);
          at += bytes.length - i;
          return;
        }
        const want = g.blockSize(blockIndex);
        if (pendingBytes === 0 && bytes.length - i >= want) {
          await addBlock(bytes.subarray(i, i + want)); // a whole block in this piece: no copy
          i += want;
          continue;
        }
        const n = Math.min(want - pendingBytes, bytes.length - i);
        pending.set(bytes.subarray(i, i + n), pendingBytes);
        pendingBytes += n;
        i += n;
        if (pendingBytes === want) {
          pendingBytes = 0;
          await addBlock(pending.subarray(0, want));
        }
      }
    },
    finish(): Uint8Array {
      if (received !== nbytes) throw new Error(`blosc frame: got ${received} of ${nbytes} bytes`);
      const cbytes = memcpyed ? limit : at;
      writeHeader(out, view, g, nbytes, memcpyed, cbytes);
      // a frame much smaller than its buffer is copied out so the buffer can be freed
      const frame = cbytes > limit / 2 ? out.subarray(0, cbytes) : out.slice(0, cbytes);
      out = new Uint8Array(0);
      view = new DataView(out.buffer);
      return frame;
    },
  };
}

export async function encodeBloscLz4(raw: Uint8Array, options: BloscLz4Options, lz4?: Lz4BlockCompressor): Promise<Uint8Array> {
  const builder = createBloscFrameBuilder(raw.length, options, lz4);
  await builder.push(raw);
  return builder.finish();
}

/**
 * LZ4 block compression through numcodecs' JS LZ4 (WASM), one stream at a time so its heap stays
 * small. Its output is a 4-byte little-endian uncompressed size and then the raw LZ4 block (Python
 * numcodecs' LZ4 format); the prefix is checked and stripped.
 */
function lz4FromNumcodecs(LZ4: NumcodecsLz4Class): Lz4BlockCompressor {
  const codecs = new Map<number, InstanceType<NumcodecsLz4Class>>();
  return {
    async compress(src: Uint8Array, acceleration: number): Promise<Uint8Array> {
      let codec = codecs.get(acceleration);
      if (codec === undefined) {
        codec = new LZ4(acceleration);
        codecs.set(acceleration, codec);
      }
      const out = await codec.encode(src);
      const prefix = out.length < 4 ? -1 : ((out[0] as number) | ((out[1] as number) << 8) | ((out[2] as number) << 16) | ((out[3] as number) << 24)) >>> 0;
      if (prefix !== src.length) throw new Error(`numcodecs lz4: size prefix ${prefix} != input length ${src.length}`);
      return out.subarray(4);
    },
  };
}

/** numcodecs' LZ4 (WASM) as a raw-block compressor. */
export async function createWasmLz4(): Promise<Lz4BlockCompressor> {
  const mod = (await import("numcodecs/lz4")) as unknown as { default: NumcodecsLz4Class };
  return lz4FromNumcodecs(mod.default);
}
