/**
 * Where the pyramid writer puts its keys. Deliberately minimal — one `set` per chunk or metadata
 * document — so the project's Storage (local or S3) can implement it directly. Keys are
 * `/`-separated paths relative to the `.zarr` root (`.zgroup`, `0/.zarray`, `0/0/0/0`, …).
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { StagedFile } from "../staged-file.js";

export type { StagedFile } from "../staged-file.js";

export interface ChunkStore {
  set(key: string, bytes: Uint8Array): Promise<void>;
  /**
   * Optional: a local file for `key`, so that big chunks can be written as they are encoded
   * (straight into the output folder for local stores). Stores without it get `set` calls.
   */
  stage?(key: string): Promise<StagedFile>;
}

/** Writes keys as files under `root` (created as needed). */
export class FileSystemChunkStore implements ChunkStore {
  private readonly made = new Set<string>();

  constructor(readonly root: string) {}

  /**
   * A store at `root`; with `overwrite` an existing directory is removed first, as the reference's
   * `zarr.group(store, overwrite=True)` does (so stale chunks or a stale `.zgroup` cannot survive).
   */
  static async open(root: string, options: { overwrite?: boolean } = {}): Promise<FileSystemChunkStore> {
    if (options.overwrite) await rm(root, { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    return new FileSystemChunkStore(root);
  }

  async set(key: string, bytes: Uint8Array): Promise<void> {
    await writeFile(await this.pathFor(key), bytes);
  }

  /** A temporary sibling of the key's file, renamed into place on commit. */
  async stage(key: string): Promise<StagedFile> {
    const path = await this.pathFor(key);
    const tmp = `${path}.ingestkit-tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    return {
      path: tmp,
      commit: () => rename(tmp, path),
      abort: () => unlink(tmp).catch(() => {}),
    };
  }

  private async pathFor(key: string): Promise<string> {
    if (key.startsWith("/") || key.split("/").some((part) => part === ".." || part === "")) {
      throw new Error(`invalid store key ${JSON.stringify(key)}`);
    }
    const path = join(this.root, ...key.split("/"));
    const dir = dirname(path);
    if (!this.made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.made.add(dir);
    }
    return path;
  }
}
