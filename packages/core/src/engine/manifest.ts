/**
 * What made each output: `OUTPUT/.ingestkit/manifest.json` maps an output key to the
 * fingerprint of its inputs (source identity, content of generated JSON minus volatile keys,
 * the ingestkit version) and the size written. A write whose fingerprint matches the manifest
 * and whose object still exists with that size is skipped: re-runs over unchanged inputs write
 * nothing, a changed input re-creates exactly what depends on it. `.ingestkit/` is the only
 * place ingestkit keeps bookkeeping in an output tree.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Storage } from "../storage/storage.js";

export const MANIFEST_KEY = ".ingestkit/manifest.json";

/** The engine's version is part of every fingerprint: a new version may write differently. */
export const INGESTKIT_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
})();

export interface ManifestEntry {
  fingerprint: string;
  size: number;
}

interface ManifestFile {
  format: "ingestkit-manifest";
  version: 1;
  outputs: Record<string, ManifestEntry>;
}

export function fingerprint(...parts: unknown[]): string {
  const h = createHash("sha256");
  h.update(INGESTKIT_VERSION);
  for (const p of parts) {
    h.update("\0");
    h.update(p instanceof Uint8Array ? p : typeof p === "string" ? p : (JSON.stringify(p) ?? "undefined"));
  }
  return h.digest("hex");
}

/** `fingerprint("bytes", concatenation of parts)`, without joining the parts. */
export function bytesFingerprint(parts: readonly Uint8Array[]): string {
  const h = createHash("sha256");
  h.update(INGESTKIT_VERSION);
  h.update("\0");
  h.update("bytes");
  h.update("\0");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

export class Manifest {
  private readonly entries = new Map<string, ManifestEntry>();
  private dirty = false;
  private lastSave = 0;
  private saving: Promise<void> = Promise.resolve();

  private constructor(private readonly storage: Storage) {}

  /** Reads the manifest of `storage`; a missing or unreadable one starts empty (everything is rewritten). */
  static async load(storage: Storage): Promise<Manifest> {
    const m = new Manifest(storage);
    try {
      if (!(await storage.stat(MANIFEST_KEY))) return m;
      const data = JSON.parse(new TextDecoder().decode(await storage.read(MANIFEST_KEY))) as ManifestFile;
      if (data.format === "ingestkit-manifest" && data.outputs && typeof data.outputs === "object") {
        for (const [k, v] of Object.entries(data.outputs)) {
          if (v && typeof v.fingerprint === "string" && typeof v.size === "number") m.entries.set(k, v);
        }
      }
    } catch {
      // a damaged manifest only costs a full rewrite
    }
    return m;
  }

  /** How many outputs are recorded (0 for a new OUTPUT). */
  get size(): number {
    return this.entries.size;
  }

  get(key: string): ManifestEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: ManifestEntry): void {
    this.entries.set(key, entry);
    this.dirty = true;
  }

  /** Forgets `key` (and with `recursive` everything below it). */
  deleteUnder(key: string, recursive: boolean): void {
    for (const k of [...this.entries.keys()]) {
      if (k === key || (recursive && (key === "" || k.startsWith(key + "/")))) {
        this.entries.delete(k);
        this.dirty = true;
      }
    }
  }

  /** Saves at most every `intervalMs`, so an interrupted run keeps most of what it recorded. */
  async maybeSave(intervalMs = 2000): Promise<void> {
    if (this.dirty && Date.now() - this.lastSave >= intervalMs) await this.save();
  }

  /** Atomic rewrite (sorted keys, so the bytes depend only on the content). */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      this.lastSave = Date.now();
      const outputs: Record<string, ManifestEntry> = {};
      for (const k of [...this.entries.keys()].sort()) outputs[k] = this.entries.get(k)!;
      const file: ManifestFile = { format: "ingestkit-manifest", version: 1, outputs };
      await this.storage.write(MANIFEST_KEY, JSON.stringify(file, null, 1) + "\n");
    });
    return this.saving;
  }
}
