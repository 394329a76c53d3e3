/**
 * Where the pyramid writer puts its keys. Deliberately minimal — one `set` per chunk or metadata
 * document — so the project's Storage (local or S3) can implement it directly. Keys are
 * `/`-separated paths relative to the `.zarr` root (`.zgroup`, `0/.zarray`, `0/0/0/0`, …).
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export interface ChunkStore {
  set(key: string, bytes: Uint8Array): Promise<void>;
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
    if (key.startsWith("/") || key.split("/").some((part) => part === ".." || part === "")) {
      throw new Error(`invalid store key ${JSON.stringify(key)}`);
    }
    const path = join(this.root, ...key.split("/"));
    const dir = dirname(path);
    if (!this.made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.made.add(dir);
    }
    await writeFile(path, bytes);
  }
}
