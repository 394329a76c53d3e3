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

/** numcodecs JS `LZ4` class (numcodecs/lz4). */
export type NumcodecsLz4Class = new (acceleration?: number) => { encode(data: Uint8Array): Promise<Uint8Array> };

export interface BloscFrameImpl {
  BLOSC_MAX_OVERHEAD: number;
  bloscSplits(typesize: number, blocksize: number): boolean;
  bloscBlocksize(clevel: number, typesize: number, nbytes: number, forced?: number): number;
  byteShuffle(typesize: number, src: Uint8Array, dest: Uint8Array, length?: number): void;
  byteUnshuffle(typesize: number, src: Uint8Array, dest: Uint8Array, length?: number): void;
  lz4DecompressBlock(src: Uint8Array, dest: Uint8Array): number;
  lz4CompressBlock(src: Uint8Array, dst: Uint8Array, at: number, max: number, acceleration: number, table: Int32Array): number;
  /** `lz4` defaults to lz4CompressBlock (writing straight into the frame buffer). */
  createBloscFrameBuilder(nbytes: number, options: BloscLz4Options, lz4?: Lz4BlockCompressor): BloscFrameBuilder;
  encodeBloscLz4(raw: Uint8Array, options: BloscLz4Options, lz4?: Lz4BlockCompressor): Promise<Uint8Array>;
  lz4FromNumcodecs(LZ4: NumcodecsLz4Class): Lz4BlockCompressor;
}

/**
 * The implementation, as one self-contained function (it refers to nothing outside its body) so
 * that worker.ts can ship it to its eval workers as source text (`bloscFrameImpl.toString()`): that
 * works alike from the compiled dist/ and from the TypeScript sources under vitest.
 */
export function bloscFrameImpl(): BloscFrameImpl {
  // Blosc 1.x limits and constants (blosc.h / blosc.c)
  const BLOSC_MAX_OVERHEAD = 16;
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
  function bloscSplits(typesize: number, blocksize: number): boolean {
    return typesize <= MAX_SPLITS && Math.floor(blocksize / typesize) >= MIN_BUFFERSIZE;
  }

  /** c-blosc 1.21 compute_blocksize for lz4 (not an HCR codec), FORWARD_COMPAT split mode. */
  function bloscBlocksize(clevel: number, typesize: number, nbytes: number, forced = 0): number {
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
  function byteShuffle(typesize: number, src: Uint8Array, dest: Uint8Array, length = src.length): void {
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
  function byteUnshuffle(typesize: number, src: Uint8Array, dest: Uint8Array, length = src.length): void {
    const n = Math.floor(length / typesize);
    const body = n * typesize;
    for (let j = 0; j < typesize; j++) {
      let s = j * n;
      for (let i = j; i < body; i += typesize) dest[i] = src[s++] as number;
    }
    if (body < length) dest.set(src.subarray(body, length), body);
  }

  /** Decompresses one LZ4 raw block into `dest`; returns the bytes written. */
  function lz4DecompressBlock(src: Uint8Array, dest: Uint8Array): number {
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
      for (let k = 0; k < length; k++, d++) dest[d] = dest[d - offset] as number;
    }
    return d;
  }

  /**
   * LZ4 block compression (the LZ4_compress_fast algorithm: 4096-entry hash table, skip
   * acceleration, no dictionary) of `src` into `dst[at, at + max)`. Returns the compressed length,
   * or 0 when it would not fit in `max` bytes. `table` is scratch of 4096 entries.
   */
  function lz4CompressBlock(src: Uint8Array, dst: Uint8Array, at: number, max: number, acceleration: number, table: Int32Array): number {
    const len = src.length;
    const end = at + max;
    let op = at;
    let anchor = 0;
    const emitLastLiterals = (): number => {
      const lit = len - anchor;
      if (op + 1 + lit + Math.floor((lit + 240) / 255) > end) return 0;
      if (lit >= 15) {
        dst[op++] = 0xf0;
        let rest = lit - 15;
        for (; rest >= 255; rest -= 255) dst[op++] = 255;
        dst[op++] = rest;
      } else dst[op++] = lit << 4;
      dst.set(src.subarray(anchor, len), op);
      op += lit;
      return op - at;
    };
    if (len < 13) return emitLastLiterals();
    table.fill(-1);
    const mflimit = len - 12; // the last match starts at least 12 bytes before the end
    const matchlimit = len - 5; // and the last 5 bytes are literals
    const accel = Math.max(1, acceleration) << 6;
    const read32 = (i: number) => (src[i] as number) | ((src[i + 1] as number) << 8) | ((src[i + 2] as number) << 16) | ((src[i + 3] as number) << 24);
    const hash = (v: number) => Math.imul(v, -1640531535) >>> 20; // 2654435761, 12 bits
    let ip = 0;
    table[hash(read32(0))] = 0;
    ip = 1;
    let forwardH = hash(read32(ip));
    for (;;) {
      // find a match
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
        forwardH = hash(read32(forwardIp));
        table[h] = ip;
      } while (match < 0 || ip - match > 65535 || read32(match) !== read32(ip));
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
      dst.set(src.subarray(anchor, ip), op);
      op += lit;
      for (;;) {
        // offset, then the match length
        const offset = ip - match;
        dst[op++] = offset & 255;
        dst[op++] = offset >>> 8;
        ip += 4;
        match += 4;
        const start = ip;
        while (ip < matchlimit && src[ip] === src[match]) {
          ip++;
          match++;
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
        table[hash(read32(ip - 2))] = ip - 2;
        // an immediate next match?
        const h = hash(read32(ip));
        match = table[h] as number;
        table[h] = ip;
        if (match >= 0 && ip - match <= 65535 && read32(match) === read32(ip)) {
          token = op++;
          if (op + 2 + 1 + 5 > end) return 0;
          dst[token] = 0;
          continue;
        }
        break;
      }
      ip++;
      forwardH = hash(read32(ip));
    }
  }

  function createBloscFrameBuilder(nbytes: number, options: BloscLz4Options, lz4?: Lz4BlockCompressor): BloscFrameBuilder {
    const { typesize, clevel, shuffle } = options;
    if (!Number.isInteger(typesize) || typesize < 1 || typesize > 255) throw new Error(`blosc typesize must be 1..255, got ${typesize}`);
    if (!Number.isInteger(clevel) || clevel < 0 || clevel > 9) throw new Error(`blosc clevel must be 0..9, got ${clevel}`);
    if (shuffle !== 0 && shuffle !== 1) throw new Error(`blosc shuffle ${String(shuffle)} is not supported by the frame encoder`);
    if (!Number.isInteger(nbytes) || nbytes < 0 || nbytes > BLOSC_MAX_BUFFERSIZE) throw new Error(`blosc buffer of ${nbytes} bytes not supported`);

    const blocksize = bloscBlocksize(clevel, typesize, nbytes, options.blocksize ?? 0);
    const nblocks = nbytes === 0 ? 0 : Math.ceil(nbytes / blocksize);
    const leftover = nbytes % blocksize;
    const split = bloscSplits(typesize, blocksize);
    const flags = (shuffle === 1 ? FLAG_SHUFFLE : 0) | (split ? 0 : FLAG_DONT_SPLIT) | (LZ4_FORMAT << 5);
    const acceleration = 10 - clevel; // c-blosc get_accel for lz4
    const headerBytes = BLOSC_MAX_OVERHEAD + 4 * nblocks;
    // c-blosc compresses into a destination of nbytes + 16 bytes (numcodecs' size); a frame that
    // does not fit is stored memcpyed instead. So the frame is written straight into such a buffer.
    const limit = nbytes + BLOSC_MAX_OVERHEAD;
    let out = new Uint8Array(limit);
    let view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    /** Memcpyed frame: raw bytes at 16 + offset. */
    let memcpyed = clevel === 0 || nbytes < MIN_BUFFERSIZE;
    let at = memcpyed ? BLOSC_MAX_OVERHEAD : headerBytes;
    const pending = new Uint8Array(memcpyed ? 0 : blocksize); // a block gathered from several pieces
    const shuffled = new Uint8Array(memcpyed || shuffle === 0 || typesize === 1 ? 0 : blocksize);
    const table = new Int32Array(4096); // LZ4 hash table
    let pendingBytes = 0;
    let received = 0;
    let blockIndex = 0;

    const blockSize = (index: number) => (index === nblocks - 1 && leftover > 0 ? leftover : blocksize);
    const splits = (index: number) => (split && !(index === nblocks - 1 && leftover > 0) ? typesize : 1);

    /** Decodes the blocks written so far (for the switch to a memcpyed frame). */
    const decodeBlocks = (count: number, dest: Uint8Array): void => {
      const plain = new Uint8Array(blocksize);
      for (let b = 0; b < count; b++) {
        const bsize = blockSize(b);
        const nsplits = splits(b);
        const neblock = Math.floor(bsize / nsplits);
        let p = view.getInt32(BLOSC_MAX_OVERHEAD + 4 * b, true);
        const target = shuffled.length > 0 ? plain : dest.subarray(b * blocksize);
        for (let j = 0; j < nsplits; j++) {
          const csize = view.getInt32(p, true);
          const src = out.subarray(p + 4, p + 4 + csize);
          const part = target.subarray(j * neblock, (j + 1) * neblock);
          if (csize === neblock) part.set(src);
          else if (lz4DecompressBlock(src, part) !== neblock) throw new Error("blosc frame: an LZ4 stream did not round-trip");
          p += 4 + csize;
        }
        if (shuffled.length > 0) byteUnshuffle(typesize, plain, dest.subarray(b * blocksize), bsize);
      }
    };

    /** Shuffles and compresses one block (c-blosc blosc_c) into `out`, or switches to memcpyed. */
    const addBlock = async (block: Uint8Array): Promise<void> => {
      const bsize = block.length;
      let data = block;
      if (shuffled.length > 0) {
        byteShuffle(typesize, block, shuffled, bsize);
        data = shuffled.subarray(0, bsize);
      }
      const nsplits = splits(blockIndex);
      const neblock = Math.floor(bsize / nsplits);
      let p = at;
      let fits = true;
      for (let j = 0; j < nsplits && fits; j++) {
        const stream = data.subarray(j * neblock, (j + 1) * neblock);
        // c-blosc: compressor output of 0 bytes or ≥ neblock (does not fit maxout = neblock) → stored raw
        let csize = 0;
        if (lz4 === undefined) {
          csize = lz4CompressBlock(stream, out, p + 4, Math.min(neblock - 1, limit - p - 4), acceleration, table);
        } else {
          const compressed = await lz4.compress(stream, acceleration);
          if (compressed.length < neblock && p + 4 + compressed.length <= limit) {
            out.set(compressed, p + 4);
            csize = compressed.length;
          }
        }
        if (csize === 0) {
          if (p + 4 + neblock > limit) {
            fits = false; // does not fit nbytes + 16: memcpyed frame
            break;
          }
          out.set(stream, p + 4);
          csize = neblock;
        }
        view.setInt32(p, csize, true);
        p += 4 + csize;
      }
      if (fits) {
        view.setInt32(BLOSC_MAX_OVERHEAD + 4 * blockIndex, at, true);
        at = p;
        blockIndex++;
        return;
      }
      const raw = new Uint8Array(limit);
      decodeBlocks(blockIndex, raw.subarray(BLOSC_MAX_OVERHEAD));
      raw.set(block, BLOSC_MAX_OVERHEAD + blockIndex * blocksize);
      out = raw;
      view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      memcpyed = true;
      at = BLOSC_MAX_OVERHEAD + blockIndex * blocksize + bsize;
      blockIndex++;
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
          const want = blockSize(blockIndex);
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
        out[0] = 2; // BLOSC_VERSION_FORMAT
        out[1] = LZ4_VERSION_FORMAT;
        out[2] = flags | (memcpyed ? FLAG_MEMCPYED : 0);
        out[3] = typesize;
        view.setInt32(4, nbytes, true);
        view.setInt32(8, blocksize, true);
        view.setInt32(12, cbytes, true);
        // a frame much smaller than its buffer is copied out so the buffer can be freed
        const frame = cbytes > limit / 2 ? out.subarray(0, cbytes) : out.slice(0, cbytes);
        out = new Uint8Array(0);
        view = new DataView(out.buffer);
        return frame;
      },
    };
  }

  async function encodeBloscLz4(raw: Uint8Array, options: BloscLz4Options, lz4?: Lz4BlockCompressor): Promise<Uint8Array> {
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

  return {
    BLOSC_MAX_OVERHEAD,
    bloscSplits,
    bloscBlocksize,
    byteShuffle,
    byteUnshuffle,
    lz4DecompressBlock,
    lz4CompressBlock,
    createBloscFrameBuilder,
    encodeBloscLz4,
    lz4FromNumcodecs,
  };
}

const impl = bloscFrameImpl();
export const BLOSC_MAX_OVERHEAD = impl.BLOSC_MAX_OVERHEAD;
export const { bloscSplits, bloscBlocksize, byteShuffle, byteUnshuffle, lz4DecompressBlock, lz4CompressBlock, createBloscFrameBuilder, encodeBloscLz4 } =
  impl;

/** numcodecs' LZ4 (WASM) as a raw-block compressor. */
export async function createWasmLz4(): Promise<Lz4BlockCompressor> {
  const mod = (await import("numcodecs/lz4")) as unknown as { default: NumcodecsLz4Class };
  return impl.lz4FromNumcodecs(mod.default);
}
