import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CLI = join(ROOT, "packages", "cli", "bin", "standardize-dirs.js");
export const CORPUS = join(ROOT, "..", "shared", "corpus", "cryoet-dataset-configs", "configs");

export function tempDir(prefix = "ingestkit-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the built CLI (npm test builds before running vitest). */
export function cli(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, SOURCE_DATE_EPOCH: "1767225600", ...env } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Every file below `dir` as relative path -> bytes; ingestkit's own `.ingestkit/` bookkeeping is left out unless asked for. */
export function readTree(dir: string, withBookkeeping = false): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      if (!withBookkeeping && rel === "" && name === ".ingestkit") continue;
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else out.set(r, readFileSync(p));
    }
  };
  walk(dir, "");
  return out;
}

/** Relative path -> sha256 of every file below `dir` (cheap to compare for large trees). */
export function treeDigest(dir: string, withBookkeeping = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of readTree(dir, withBookkeeping)) out[k] = createHash("sha256").update(v).digest("hex");
  return out;
}

export function readJson(path: string): any {
  return JSON.parse(readFileSync(path, "utf8"));
}
