#!/usr/bin/env node
// Runs the house checks (lint and format, import rules, the tests' type check), then the whole
// vitest suite, and ends with a plain "N passed, N failed" line that CI can read: each check counts
// as one test there, so a failing check fails the run even when every vitest test passes.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (pkg, file) => join(root, "node_modules", pkg, file);

/** The checks `npm test` runs before vitest; `--no-checks` skips them (for a quick local re-run). */
const CHECKS = [
  { name: "lint and format (biome check)", cmd: [process.execPath, bin("@biomejs/biome", "bin/biome"), "check", ".", "--max-diagnostics=50"] },
  {
    name: "import rules: no cycles, no cross-profile imports (dependency-cruiser)",
    cmd: [
      process.execPath,
      bin("dependency-cruiser", "bin/dependency-cruise.mjs"),
      "packages/core/src",
      "packages/formats/src",
      "packages/finders/src",
      "packages/importers/src",
      "packages/cli/src",
      "--config",
      ".dependency-cruiser.cjs",
      "--output-type",
      "err",
    ],
  },
  { name: "type check of the tests (tsconfig.test.json)", cmd: [process.execPath, bin("typescript", "bin/tsc"), "-p", "tsconfig.test.json"] },
  { name: "unused and unlisted npm dependencies (knip)", cmd: [process.execPath, bin("knip", "bin/knip.js"), "--dependencies"] },
];

const args = process.argv.slice(2);
const skipChecks = args.includes("--no-checks");
const vitestArgs = args.filter((a) => a !== "--no-checks");
const failedChecks = [];
if (!skipChecks) {
  for (const check of CHECKS) {
    console.log(`[check] ${check.name}`);
    const res = spawnSync(check.cmd[0], check.cmd.slice(1), { cwd: root, stdio: "inherit" });
    if (res.status !== 0) {
      failedChecks.push(check.name);
      console.log(`[check] FAILED: ${check.name}`);
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), "ingestkit-vitest-"));
const report = join(dir, "report.json");
// every temp folder the tests (and the CLIs, Python checkers and servers they start) make goes under this run's own
// folder, removed at the end: a run leaves nothing in the system's temp folder (it used to leave ~300 MB)
const tmp = join(dir, "tmp");
mkdirSync(tmp);
const vitest = bin("vitest", "vitest.mjs");
const res = spawnSync(process.execPath, [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...vitestArgs], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TMPDIR: tmp },
});
let code = res.status ?? 1;
const checksPassed = skipChecks ? 0 : CHECKS.length - failedChecks.length;
if (failedChecks.length) {
  console.log(`\nChecks that failed: ${failedChecks.join("; ")}`);
  code = code || 1;
}
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\nTests: ${r.numPassedTests + checksPassed} passed, ${r.numFailedTests + failedChecks.length} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) code = 1;
} catch {
  console.log(`\nTests: ${checksPassed} passed, ${1 + failedChecks.length} failed (no vitest report was written)`);
  code = code || 1;
}
rmSync(dir, { recursive: true, force: true });
process.exit(code);
