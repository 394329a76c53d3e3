// dcmtk (Debian) as an independent checker. A missing dcmdump fails the test clearly instead of skipping it.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

export const DCMDUMP = "/usr/bin/dcmdump";

/** `dcmdump -q FILE` output; throws when dcmtk is not installed or the file does not parse. */
export function dcmdump(file: string): string {
  if (!existsSync(DCMDUMP)) throw new Error(`${DCMDUMP} not found: install dcmtk (scripts/system-deps.sh installs it)`);
  const r = spawnSync(DCMDUMP, ["-q", "-M", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dcmdump ${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
