#!/usr/bin/env node
// Runs the whole vitest suite and ends with a plain "N passed, N failed" line that CI can read.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "ingestkit-vitest-"));
const report = join(dir, "report.json");
// every temp folder the tests (and the CLIs, Python checkers and servers they start) make goes under this run's own
// folder, removed at the end: a run leaves nothing in the system's temp folder (it used to leave ~300 MB)
const tmp = join(dir, "tmp");
mkdirSync(tmp);
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const res = spawnSync(
  process.execPath,
  [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", env: { ...process.env, TMPDIR: tmp } },
);
let code = res.status ?? 1;
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\nTests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) code = 1;
} catch {
  console.log("\nTests: 0 passed, 1 failed (no vitest report was written)");
  code = code || 1;
}
rmSync(dir, { recursive: true, force: true });
process.exit(code);
