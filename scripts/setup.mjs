#!/usr/bin/env node
// One-step set-up for a fresh clone that has only Node 20 and npm:
// installs the pinned pnpm through npm, installs the workspace, builds every package.
// Re-running is cheap: install is skipped while the lockfile and manifests are unchanged.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const pnpmSpec = pkg.packageManager; // e.g. pnpm@10.34.9
const stampFile = join(root, "node_modules", ".ingestkit-setup-stamp");

function manifestHash() {
  const h = createHash("sha256");
  for (const f of ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"]) {
    const p = join(root, f);
    if (existsSync(p)) h.update(f).update(readFileSync(p));
  }
  for (const d of readdirSync(join(root, "packages")).sort()) {
    const p = join(root, "packages", d, "package.json");
    if (existsSync(p)) h.update(d).update(readFileSync(p));
  }
  return h.digest("hex");
}

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, npm_config_update_notifier: "false" } });
}

// Debian checkers and peers (mrcfile, zarr, dcmtk, awscli): installed when missing.
if (existsSync("/usr/bin/dpkg-query")) {
  try {
    run("bash", [join(root, "scripts", "system-deps.sh")]);
  } catch (err) {
    if (process.env.CI) throw err;
    console.warn("[setup] continuing without them: the conformance tests that need them will fail");
  }
}

const hash = manifestHash();
const upToDate = existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash;
if (!upToDate) {
  const frozen = existsSync(join(root, "pnpm-lock.yaml")) && process.env.CI ? ["--frozen-lockfile"] : [];
  console.log(`[setup] installing workspace with ${pnpmSpec}`);
  run("npm", ["exec", "--yes", `--package=${pnpmSpec}`, "--", "pnpm", "install", ...frozen]);
  writeFileSync(stampFile, manifestHash());
}
console.log("[setup] building packages (tsc -b)");
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-b"]);
