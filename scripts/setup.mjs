#!/usr/bin/env node
// One-step set-up for a fresh clone that has only Node 20 and npm. In order, each step printed as it starts:
//   1. Debian packages the tests and benchmarks use as checkers and peers (scripts/system-deps.sh; as root, installs
//      the missing ones with apt-get), on machines with dpkg. `--no-system-deps` (what `npm run demo` passes) skips
//      this step: the demo needs only Node and the workspace.
//   2. the workspace: the pinned pnpm through npm, then `pnpm install` (npm packages only; better-sqlite3 downloads a
//      prebuilt binary, or compiles with node-gyp, which needs python3, make and a C++ compiler).
//   3. every package built with tsc -b.
// Re-running is cheap: install is skipped while the lockfile and manifests are unchanged.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

const systemDeps = !process.argv.includes("--no-system-deps");
// Debian checkers and peers (mrcfile, zarr, dcmtk, awscli): installed when missing.
if (!systemDeps) {
  console.log("[setup] Debian packages: skipped, none needed (npm test installs the tests' checkers and peers)");
} else if (existsSync("/usr/bin/dpkg-query")) {
  try {
    run("bash", [join(root, "scripts", "system-deps.sh")]);
  } catch (err) {
    if (process.env.CI) throw err;
    console.warn("[setup] continuing without them: the conformance tests that need them will fail");
  }
} else {
  console.log(
    "[setup] Debian packages: no dpkg here; the tests that use mrcfile, zarr, numpy, Pillow, scipy, scikit-image, h5py or dcmtk need them installed another way (see scripts/system-deps.sh)",
  );
}

const hash = manifestHash();
const upToDate = existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash;
if (!upToDate) {
  const frozen = existsSync(join(root, "pnpm-lock.yaml")) && process.env.CI ? ["--frozen-lockfile"] : [];
  console.log(`[setup] installing workspace with ${pnpmSpec} (npm packages; better-sqlite3 takes a prebuilt binary, else compiles with node-gyp: python3, make, g++)`);
  run("npm", ["exec", "--yes", `--package=${pnpmSpec}`, "--", "pnpm", "install", ...frozen]);
  writeFileSync(stampFile, manifestHash());
} else {
  console.log("[setup] workspace already installed (lockfile and manifests unchanged)");
}
// tsc -b never deletes the outputs of a source that was removed or moved: they would still be imported by nothing
// but shipped by `pnpm pack` (package.json "files" lists dist/). Remove them first.
const stale = new Map(); // deleted source -> its outputs
for (const d of readdirSync(join(root, "packages"))) {
  const dist = join(root, "packages", d, "dist");
  const walk = (dir, rel) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const m = /^(.*)\.(?:js|d\.ts)(?:\.map)?$/.exec(r);
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (m && !existsSync(join(root, "packages", d, "src", `${m[1]}.ts`))) {
        const source = `packages/${d}/src/${m[1]}.ts`;
        stale.set(source, [...(stale.get(source) ?? []), join(dir, e.name)]);
      }
    }
  };
  if (existsSync(dist)) walk(dist, "");
}
for (const f of [...stale.values()].flat()) rmSync(f);
if (stale.size) console.log(`[setup] removed the build outputs of ${stale.size} deleted source${stale.size === 1 ? "" : "s"}: ${[...stale.keys()].join(", ")}`);
console.log("[setup] building packages (tsc -b)");
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-b"]);
