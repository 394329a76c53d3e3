/**
 * Standardizing one volume (tomogram or tilt series) as the reference's make_pyramids: read the
 * source (MRC or OME-Zarr level 0) slab by slab as float32, write level 0 as
 * `{name}.mrc` (header rules of reference 5.4) and a 3-level OME-NGFF 0.4 pyramid as
 * `{name}.zarr`, in one pass over the source. Outputs whose fingerprint is unchanged are not
 * rewritten; a dry run only plans.
 */
import { availableParallelism } from "node:os";
import { fingerprint, IngestError, LocalStorage, python, stageLocalFile, type ItemContext, type Storage } from "@ingestkit/core";
import {
  float16BitsToFloat32,
  MrcError,
  MrcReader,
  MrcWriter,
  writeOmeZarrPyramid,
  openOmeZarr,
  ZarrReadError,
  type ByteSource,
  type ChunkReader,
  type ChunkStore,
  type OmeZarrSource,
  type SlabSource,
  type VoxelArray,
  type PyJson,
} from "@ingestkit/formats";

/** A ByteSource over any Storage: ranged reads, so an S3 volume is never downloaded whole. */
export function storageByteSource(storage: Storage, key: string, location: string): ByteSource {
  let size: number | undefined;
  return {
    name: location,
    async size() {
      if (size === undefined) {
        const st = await storage.stat(key);
        if (st?.kind !== "file") throw new IngestError("SOURCE_MISSING", `file not found: ${location}`);
        size = st.size;
      }
      return size;
    },
    async read(offset, length) {
      const total = await this.size();
      const end = Math.min(total, offset + length);
      if (end <= offset) return new Uint8Array(0);
      const bytes = await storage.readRange(key, offset, end);
      // the reader lays typed arrays over the result: give it its own aligned buffer
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
    },
    async close() {},
  } as ByteSource;
}

/**
 * The source volume as a SlabSource: an OME-Zarr group (a key containing `.zarr`, level 0) or an
 * MRC file. Format errors become SOURCE_INVALID naming the file and field.
 */
export async function openVolume(storage: Storage, key: string, location: string): Promise<MrcReader | OmeZarrSource> {
  try {
    if (/\.zarr(\/|$)/i.test(key)) {
      const root = key.replace(/\/+$/, "");
      const sizes = new Map<string, number>(); // chunk sizes (-1: absent), one stat per chunk
      const store: ChunkReader = {
        name: location,
        async get(k) {
          const st = await storage.stat(`${root}/${k}`);
          return st?.kind === "file" ? storage.read(`${root}/${k}`) : undefined;
        },
        // Blosc lz4 chunks are then read block by block (ranged GETs on S3), not whole
        async getRange(k, start, end) {
          let size = sizes.get(k);
          if (size === undefined) {
            const st = await storage.stat(`${root}/${k}`);
            size = st?.kind === "file" ? st.size : -1;
            if (sizes.size > 100_000) sizes.clear();
            sizes.set(k, size);
          }
          if (size < 0) return undefined;
          const stop = Math.min(end, size);
          return stop <= start ? new Uint8Array(0) : storage.readRange(`${root}/${k}`, start, stop);
        },
      };
      return await openOmeZarr(store);
    }
    // a local file is read through one open descriptor into reused slab buffers (SlabSource.release);
    // other storages through ranged reads
    if (storage instanceof LocalStorage) return await MrcReader.open(storage.pathOf(key));
    return await MrcReader.open(storageByteSource(storage, key, location));
  } catch (err) {
    if (err instanceof MrcError || err instanceof ZarrReadError) throw new IngestError("SOURCE_INVALID", err.message, { cause: err });
    throw err;
  }
}

/**
 * What identifies the source's content for re-runs: size and mtime (or ETag) of an MRC; of an
 * OME-Zarr group, those of every object in it (a folder's own mtime misses edits inside chunks).
 */
async function sourceIdentity(storage: Storage, key: string): Promise<Array<string | number | null>> {
  const st = await storage.stat(key);
  if (st?.kind !== "dir") return [st?.size ?? null, st?.mtimeMs ?? null, st?.etag ?? null];
  const out: Array<string | number | null> = [];
  const walk = async (prefix: string): Promise<void> => {
    const { files, dirs } = await storage.list(prefix);
    for (const name of files) {
      const f = await storage.stat(`${prefix}/${name}`);
      out.push(`${prefix.slice(key.length)}/${name}`, f?.size ?? null, f?.mtimeMs ?? null, f?.etag ?? null);
    }
    for (const name of dirs) await walk(`${prefix}/${name}`);
  };
  await walk(key.replace(/\/+$/, ""));
  return out;
}

/** Every voxel as float32, as the reference converts all data before writing. */
export function asFloat32(source: SlabSource): SlabSource {
  if (source.dtype === "float32") return source;
  return {
    shape: source.shape,
    dtype: "float32",
    voxelSize: source.voxelSize,
    async readSlab(z0, z1) {
      const raw = await source.readSlab(z0, z1);
      if (source.dtype === "float16") return float16BitsToFloat32(raw as Uint16Array);
      const out = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = raw[i]!;
      source.release?.(raw); // converted: the source's buffer is free again
      return out;
    },
    close: () => source.close(),
  };
}

/** Passes every slab read in z order to `sink` too, so one pass feeds the MRC and the pyramid. */
function tee(source: SlabSource, sink: (slab: VoxelArray) => Promise<void>): SlabSource & { done(): Promise<void> } {
  let next = 0;
  return {
    shape: source.shape,
    dtype: source.dtype,
    voxelSize: source.voxelSize,
    async readSlab(z0, z1) {
      const slab = await source.readSlab(z0, z1);
      if (z0 === next) {
        await sink(slab);
        next = z1;
      } else if (z0 > next) throw new Error(`volume slabs read out of order (${z0} after ${next})`);
      return slab;
    },
    release: (slab) => source.release?.(slab),
    async done() {
      // the pyramid may stop early when not written: feed the MRC the rest
      const step = Math.max(1, Math.floor((32 * 1024 * 1024) / (source.shape.x * source.shape.y * 4)));
      while (next < source.shape.z) await this.readSlab(next, Math.min(source.shape.z, next + step));
    },
    close: () => source.close(),
  };
}

function mrcDType(dtype: SlabSource["dtype"]): "float32" | "int8" | "uint16" {
  if (dtype === "float32" || dtype === "int8" || dtype === "uint16") return dtype;
  throw new Error(`volumes are written as float32, int8 or uint16, not ${dtype}`);
}

export interface VolumeOutputs {
  /** Output-relative keys, as the metadata lists them. */
  mrcFile: string;
  omezarrDir: string;
  scales: Array<{ z: number; y: number; x: number }>;
  size: { z: number; y: number; x: number };
}

/** Turns the opened source into the voxels written (annotation masks: label extraction, rescaling). */
export interface VolumeTransform {
  /** What the transform does, for the outputs' fingerprint (e.g. `label=2 rescale=4x4x4`). */
  id: string;
  apply(source: SlabSource): SlabSource;
  /** Multiscale `metadata` entry, read once every voxel has been written (instance masks' image-label). */
  zarrMetadata?: () => { readonly [key: string]: PyJson };
}

export interface StandardizeOptions {
  kind: "tomogram" | "tiltseries" | "segmentation-mask" | "instance-mask";
  transform?: VolumeTransform;
  sourceKey: string;
  sourceStorage: Storage;
  sourceLocation: string;
  /** Output folder and base name: `{dir}/{name}.mrc`, `{dir}/{name}.zarr`. */
  dir: string;
  name: string;
  /** Voxel size (Å) of level 0: the voxel-spacing entity (tomograms) or pixel spacing (tilt series). */
  voxelSpacing: number;
}

/** Level shapes of the reference's 3-level pyramid (ceil halving; z kept for tilt series). */
export function pyramidShapes(size: { z: number; y: number; x: number }, kind: StandardizeOptions["kind"]): Array<{ z: number; y: number; x: number }> {
  const out = [size];
  for (let i = 1; i < 3; i++) {
    const p = out[i - 1]!;
    out.push({ z: kind === "tiltseries" ? p.z : Math.ceil(p.z / 2), y: Math.ceil(p.y / 2), x: Math.ceil(p.x / 2) });
  }
  return out;
}

/** The reference's first MRC label: 40-character text + right-aligned timestamp of the run clock (UTC). */
function portalLabel(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  const time = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return "Validated by cryoET data portal.".padEnd(40) + time.padStart(39);
}

export async function standardizeVolume(ctx: ItemContext, o: StandardizeOptions): Promise<VolumeOutputs> {
  const writeMrc = ctx.settings.writeMrc !== false;
  const writeZarr = ctx.settings.writeZarr !== false;
  const mrcKey = `${o.dir}/${o.name}.mrc`;
  const zarrKey = `${o.dir}/${o.name}.zarr`;
  ctx.node.sources = [o.sourceLocation];
  const reader = await openVolume(o.sourceStorage, o.sourceKey, o.sourceLocation);
  try {
    const source = o.transform ? o.transform.apply(reader) : asFloat32(reader);
    const size = { ...source.shape };
    const outputs: VolumeOutputs = { mrcFile: mrcKey, omezarrDir: zarrKey, scales: pyramidShapes(size, o.kind), size };
    // What the outputs are made of; the run clock (in the MRC label) is left out like any timestamp.
    const ngff = ctx.settings.ngffVersion === "0.5" ? "0.5" : "0.4";
    const fpStable = fingerprint(
      "volume",
      o.kind,
      o.sourceKey,
      ...(await sourceIdentity(o.sourceStorage, o.sourceKey)),
      python.pyRepr(o.voxelSpacing, true),
      ngff,
      o.transform?.id ?? "",
    );
    const mrcUpToDate = !writeMrc || (await ctx.output.upToDate(mrcKey, fpStable));
    const zarrUpToDate = !writeZarr || (await ctx.output.upToDate(zarrKey, fpStable));
    const note = (key: string, upToDate: boolean) => {
      ctx.record({ key, kind: "bytes", from: o.sourceLocation, ...(upToDate ? { upToDate: true } : {}) });
      ctx.output.noteUnwritten(key, upToDate);
    };
    if (ctx.run.dryRun || (mrcUpToDate && zarrUpToDate)) {
      if (writeMrc) note(mrcKey, mrcUpToDate);
      if (writeZarr) note(zarrKey, zarrUpToDate);
      return outputs;
    }
    await convert(ctx, reader, source, o, { mrcKey, zarrKey, writeMrc: writeMrc && !mrcUpToDate, writeZarr: writeZarr && !zarrUpToDate, fp: fpStable });
    if (writeMrc && mrcUpToDate) note(mrcKey, true);
    if (writeZarr && zarrUpToDate) note(zarrKey, true);
    return outputs;
  } finally {
    await reader.close();
  }
}

async function convert(
  ctx: ItemContext,
  reader: MrcReader | OmeZarrSource,
  source: SlabSource,
  o: StandardizeOptions,
  w: { mrcKey: string; zarrKey: string; writeMrc: boolean; writeZarr: boolean; fp: string },
): Promise<void> {
  // The MRC is written straight into a staged file of the output storage (next to its final name
  // on local storage; a private temp file streamed up on commit for S3): its header is patched
  // once the statistics are known, and the commit (a rename) is the atomic step.
  const mrcStage = w.writeMrc ? await ctx.output.stageFile(w.mrcKey, ctx.record, o.sourceLocation, w.fp) : undefined;
  let mrc: MrcWriter | undefined;
  try {
    if (mrcStage) {
      // from a source MRC the reference copies EXTRA and a typed extended header
      const sourceHeader = reader instanceof MrcReader ? reader.header : undefined;
      const ext = reader instanceof MrcReader ? reader.extendedHeader : new Uint8Array(0);
      const hasExt = !!sourceHeader && sourceHeader.exttyp.trim() !== "" && ext.length > 0;
      mrc = await MrcWriter.create(
        mrcStage.path,
        {
          shape: source.shape,
          dtype: mrcDType(source.dtype),
          // the reference multiplies the float32 voxel size by each dimension
          voxelSize: Math.fround(o.voxelSpacing),
          kind: o.kind === "tiltseries" ? "imageStack" : "volume",
          nversion: 20141,
          labels: [portalLabel(ctx.run.now)],
          ...(sourceHeader ? { extra1: sourceHeader.extra1, extra2: sourceHeader.extra2 } : {}),
          ...(hasExt ? { exttyp: sourceHeader!.exttyp, extendedHeader: ext } : {}),
        },
        { atomic: false, fsync: false },
      );
    }
    const feed = tee(source, async (slab) => {
      await mrc?.writeSlab(slab);
    });
    if (w.writeZarr) {
      // the reference replaces the whole group: nothing of an older pyramid may survive
      await ctx.output.delete(w.zarrKey, { recursive: true });
      const storage = ctx.output.storage;
      const store: ChunkStore = {
        set: (key, bytes) => storage.write(`${w.zarrKey}/${key}`, bytes),
        // big chunks are encoded straight into their files: beside their final names on local
        // output, in pid-stamped temp folders streamed up on commit for S3
        stage: (key: string) => stageLocalFile(storage, `${w.zarrKey}/${key}`),
      };
      const zarrMetadata = o.transform?.zarrMetadata;
      const result = await writeOmeZarrPyramid(feed, store, {
        ngffVersion: ctx.settings.ngffVersion === "0.5" ? "0.5" : "0.4",
        kind: o.kind,
        // called by the writer after the last voxel (instance masks list the labels seen)
        ...(zarrMetadata ? { metadata: zarrMetadata } : {}),
        voxelSpacing: o.voxelSpacing,
        workers: Math.min(availableParallelism(), 4),
      });
      ctx.record({ key: w.zarrKey, kind: "bytes", from: o.sourceLocation });
      await ctx.output.writtenExternally(w.zarrKey, w.fp, result.storedBytes);
    }
    await feed.done();
    if (mrc && mrcStage) {
      await mrc.close();
      mrc = undefined;
      await mrcStage.commit();
    }
  } catch (err) {
    await mrc?.abort().catch(() => undefined);
    await mrcStage?.abort().catch(() => undefined);
    if (err instanceof MrcError) throw new IngestError("SOURCE_INVALID", err.message, { cause: err });
    throw err;
  }
}
