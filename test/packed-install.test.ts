/**
 * The packages as users get them. Every package under packages/ is packed with `pnpm pack` (which turns `workspace:*`
 * into the real versions) and the tarballs are installed with plain npm into an empty project; everything below runs
 * from that project only, with nothing of the monorepo on its module path:
 *   - each tarball's dependencies are real versions, complete and true (exactly the packages its dist imports), and it
 *     ships what runs at run time: the bin, the cryoet schema, the worker modules next to the modules that start them;
 *   - the installed bin validates the demo config and standardizes the demo deposition and a tomogram (MRC, OME-Zarr
 *     through the packed formats' chunk workers, PNG key images through sharp) into the trees the workspace's CLI
 *     writes, byte for byte;
 *   - an ESM script converts through the API (readConfig, profileForConfig, validateConfig, convert with events), and
 *     de-identifies DICOM through the dicom profile's worker threads with its SQLite tracking database (better-sqlite3);
 *   - a consumer's .ts file type-checks with `skipLibCheck: false` (our .d.ts files, dcmjs' declarations shipped
 *     with formats, and what they import), and a wrong use of the API is a type error.
 *
 * Slow (about a minute; the third-party packages come from the npm registry, `--prefer-offline` uses npm's cache).
 * better-sqlite3's install script fetches a prebuilt binary from GitHub and otherwise compiles SQLite for minutes: the
 * test serves the workspace's own build of the same version (same Node ABI, platform and architecture) as the
 * install script's binary mirror (npm_config_better_sqlite3_binary_host), so its real install script runs, quickly
 * and offline. Another version is answered 404 and compiles.
 */
import { execFile, type ExecFileException } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createRequire, builtinModules } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryByteSink, parseMrcHeader, writeMrc } from "@ingestkit/formats";
// @ts-expect-error plain ESM helper shared with the demo script
import { TINY_PNG, writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
// @ts-expect-error plain ESM helper shared with the benchmarks
import { tomogramsSection } from "../scripts/lib/tomogram-config.mjs";
import { cli, readTree, ROOT, tempDir, treeDigest } from "./helpers.js";
import { buildDicom, MARKER_RE } from "./support/dicom-fixtures.js";

const NOW = "1767225600"; // SOURCE_DATE_EPOCH of the workspace CLI runs (helpers.cli)
const DEMO_CONFIG = join(ROOT, "dataset_configs", "demo.yaml");
const PNPM = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).packageManager as string;
const ROOT_DEV = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies as Record<string, string>;
const PACKAGES = readdirSync(join(ROOT, "packages"))
  .filter((d) => existsSync(join(ROOT, "packages", d, "package.json")))
  .sort();
const SECRET = "packed-install-secret-not-for-production";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (the binary mirror answers from this process meanwhile). */
function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: { ...process.env, npm_config_update_notifier: "false", ...opts.env }, maxBuffer: 64 << 20 },
      (err: ExecFileException | null, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

async function ok(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${opts.cwd}) exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * Serves the workspace's better-sqlite3 binary as the prebuilt tarball prebuild-install asks for
 * (`<host>/v<version>/better-sqlite3-v<version>-node-v<abi>-<platform>-<arch>.tar.gz`), for that exact name only.
 */
async function startBinaryMirror(work: string): Promise<{ server: Server; host: string; served: string[]; version: string; binary: boolean }> {
  const pkgJson = createRequire(join(ROOT, "packages", "importers", "package.json")).resolve("better-sqlite3/package.json");
  const dir = dirname(pkgJson);
  const version = JSON.parse(readFileSync(pkgJson, "utf8")).version as string;
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const tarball = join(work, name);
  const binary = join("build", "Release", "better_sqlite3.node");
  const haveBinary = existsSync(join(dir, binary));
  if (haveBinary) await ok("tar", ["-czf", tarball, "-C", dir, binary], { cwd: work });
  const served: string[] = [];
  const server = createServer((req, res) => {
    if (haveBinary && req.url === `/v${version}/${name}`) {
      served.push(req.url);
      res.writeHead(200, { "content-type": "application/gzip" });
      res.end(readFileSync(tarball));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return { server, host: `http://127.0.0.1:${address.port}`, served, version, binary: haveBinary };
}

/** Bare module specifiers a compiled file imports: static and dynamic imports, re-exports, require() and createRequire()(), import("x") types. */
function importedPackages(file: string): Set<string> {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      specifiers.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === "require";
      const isCreatedRequire = ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "createRequire";
      if (isImport || isRequire || isCreatedRequire) specifiers.push((node.arguments[0] as ts.StringLiteral).text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) specifiers.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  const builtins = new Set(builtinModules);
  const out = new Set<string>();
  for (const s of specifiers) {
    if (s.startsWith(".") || s.startsWith("/") || s.startsWith("node:") || builtins.has(s) || builtins.has(s.split("/")[0]!)) continue;
    out.add(s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!);
  }
  return out;
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (pattern.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

describe("packed packages installed with plain npm into an empty project (slow: packs, installs from the npm registry)", { timeout: 600_000 }, () => {
  let work: string;
  let tarballs: string;
  let project: string;
  let mirror: Awaited<ReturnType<typeof startBinaryMirror>>;
  const installed = (pkg: string) => join(project, "node_modules", "@ingestkit", pkg);
  const bin = (args: string[], env: Record<string, string> = {}) => run("npx", ["--no", "standardize-dirs", ...args], { cwd: project, env: { SOURCE_DATE_EPOCH: NOW, ...env } });

  beforeAll(async () => {
    work = tempDir("ingestkit-packed-");
    tarballs = join(work, "tarballs");
    project = join(work, "project");
    mkdirSync(tarballs);
    mkdirSync(project);
    await Promise.all(
      PACKAGES.map((p) => ok("npm", ["exec", "--yes", `--package=${PNPM}`, "--", "pnpm", "pack", "--pack-destination", tarballs], { cwd: join(ROOT, "packages", p) })),
    );
    mirror = await startBinaryMirror(work);
    await ok("npm", ["init", "-y"], { cwd: project });
    const tgz = readdirSync(tarballs)
      .filter((f) => f.endsWith(".tgz"))
      .sort();
    expect(tgz).toHaveLength(PACKAGES.length);
    // @types/node: what a Node consumer compiling against our .d.ts (and the AWS SDK's) has
    await ok("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...tgz.map((f) => relative(project, join(tarballs, f))), `@types/node@${ROOT_DEV["@types/node"]}`], {
      cwd: project,
      env: { npm_config_better_sqlite3_binary_host: mirror.host },
    });
  }, 600_000);

  afterAll(async () => {
    await new Promise((resolve) => mirror?.server.close(resolve));
    if (work) rmSync(work, { recursive: true, force: true }); // ~130 MB of installed packages
  });

  it("has tarballs with real versions for workspace:*, and dependencies that are exactly what each dist imports", () => {
    const versions = new Map<string, string>();
    for (const p of PACKAGES) {
      const j = JSON.parse(readFileSync(join(ROOT, "packages", p, "package.json"), "utf8"));
      versions.set(j.name, j.version);
    }
    for (const p of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(installed(p), "package.json"), "utf8"));
      const deps: Record<string, string> = manifest.dependencies ?? {};
      expect(JSON.stringify(manifest), p).not.toContain("workspace:");
      for (const [name, range] of Object.entries(deps)) if (versions.has(name)) expect(range, `${p} -> ${name}`).toBe(versions.get(name));
      const used = new Set<string>();
      for (const f of filesUnder(join(installed(p), "dist"), /\.(js|d\.ts)$/)) for (const s of importedPackages(f)) used.add(s);
      expect([...used].sort(), `what @ingestkit/${p}'s dist imports vs its "dependencies"`).toEqual(Object.keys(deps).sort());
    }
  });

  it("ships the bin, the cryoet schema, dcmjs' declarations and every worker module next to the module that starts it", () => {
    expect(existsSync(join(project, "node_modules", ".bin", "standardize-dirs"))).toBe(true);
    expect(JSON.parse(readFileSync(join(installed("importers"), "schemas", "cryoet-config.schema.json"), "utf8"))).toHaveProperty("$schema");
    expect(readFileSync(join(installed("formats"), "dist", "index.d.ts"), "utf8")).toMatch(/^\/\/\/ <reference path="\.\.\/src\/dicom\/dcmjs\.d\.ts"/m);
    expect(readFileSync(join(installed("formats"), "src", "dicom", "dcmjs.d.ts"), "utf8")).toContain('declare module "dcmjs"');
    const workers: string[] = [];
    for (const p of PACKAGES)
      for (const f of filesUnder(join(installed(p), "dist"), /\.js$/))
        for (const m of readFileSync(f, "utf8").matchAll(/workerUrl\("(\.\/[^"]+\.js)"/g)) {
          workers.push(`${p}: ${m[1]}`);
          expect(existsSync(join(dirname(f), m[1]!)), `${relative(project, f)} starts ${m[1]}`).toBe(true);
        }
    expect(workers.length, "worker modules found in the dists").toBeGreaterThanOrEqual(2);
    // no outputs of deleted sources (tsc -b leaves them; scripts/setup.mjs removes them before building)
    for (const p of PACKAGES) {
      const orphans = filesUnder(join(installed(p), "dist"), /\.js$/)
        .map((f) => relative(join(installed(p), "dist"), f).replace(/\.js$/, ".ts"))
        .filter((src) => !existsSync(join(installed(p), "src", src)));
      expect(orphans, `@ingestkit/${p}: dist/ files whose source is gone (npm run setup removes them)`).toEqual([]);
    }
  });

  it("installs better-sqlite3 through its own install script (the workspace's binary as its mirror)", () => {
    expect(existsSync(join(project, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node"))).toBe(true);
    const version = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version as string;
    const installedVersion = version(join(project, "node_modules", "better-sqlite3"));
    // another version than the workspace's (or no binary in the workspace): the install script compiled it
    expect(mirror.served).toHaveLength(mirror.binary && installedVersion === mirror.version ? 1 : 0);
  });

  it("validates the demo config with the installed bin, and names a misspelt key", async () => {
    const good = await bin(["validate", DEMO_CONFIG]);
    expect(good.stdout).toContain("1 file: 1 valid, 0 invalid");
    expect(good.code, good.stderr).toBe(0);
    const bad = join(work, "bad.yaml");
    writeFileSync(bad, readFileSync(DEMO_CONFIG, "utf8").replace(/^dataset_keyphotos:/m, "dataset_keyphoto:"));
    const r = await bin(["validate", bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/dataset_keyphoto[\s\S]*did you mean[\s\S]*dataset_keyphotos/);
  });

  let demoInput: string;
  let demoCliTree: Map<string, Buffer>;
  it("standardizes the demo deposition with the installed bin: the workspace CLI's tree, byte for byte", async () => {
    demoInput = join(work, "demo-in", "cryoetportal-rawdatasets-dev");
    writeDemoDeposition(demoInput);
    const out = join(work, "demo-out");
    const r = await bin(["convert", DEMO_CONFIG, demoInput, out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ 0 failed/);
    const tree = readTree(out);
    const frames = JSON.parse(tree.get("10999/TS_01/Frames/frames_metadata.json")!.toString());
    expect(frames.dose_rate).toBe(2.5);
    expect(frames.frames.map((f: { path: string; exposure_dose: number }) => [f.path, f.exposure_dose])).toEqual([
      ["10999/TS_01/Frames/TS_01_001.tif", 2.5],
      ["10999/TS_01/Frames/TS_01_002.tif", 3.75],
      ["10999/TS_01/Frames/TS_01_003.tif", 5],
    ]);
    expect(JSON.parse(tree.get("depositions_metadata/10999/deposition_metadata.json")!.toString()).deposition_title).toBe("ingestkit demo deposition");
    expect(JSON.parse(tree.get("10999/TS_02/IdentifiedObjects/identified_objects.json")!.toString())).toEqual([{ object_id: 3, x: 5, y: 6, z: 7, label: "proteasome" }]);
    expect(tree.get("10999/TS_01/Frames/TS_01_002.tif")!.equals(readFileSync(join(demoInput, "deposit", "TS_01", "frames", "TS_01_002.tif")))).toBe(true);
    expect(tree.get("10999/Images/snapshot.png")!.equals(TINY_PNG)).toBe(true);
    const ws = join(work, "demo-out-workspace");
    const w = cli(["convert", DEMO_CONFIG, demoInput, ws]);
    expect(w.code, w.stderr).toBe(0);
    demoCliTree = readTree(ws);
    expect([...tree.keys()]).toEqual([...demoCliTree.keys()]);
    for (const [k, v] of demoCliTree) expect(tree.get(k)!.equals(v), k).toBe(true);
  });

  it("writes a tomogram with the installed bin: MRC, OME-Zarr through the packed chunk workers, PNG key images", async () => {
    const input = join(work, "tomo-in");
    mkdirSync(join(input, "src", "TS_01"), { recursive: true });
    const shape = { z: 24, y: 40, x: 48 };
    const data = new Float32Array(shape.z * shape.y * shape.x).map((_, i) => Math.sin(i / 11) * 50 + (i % 7));
    const sink = memoryByteSink();
    await writeMrc(sink, data, { shape, dtype: "float32", voxelSize: 13.48 });
    writeFileSync(join(input, "src", "TS_01", "tomo.mrc"), sink.bytes());
    const config = join(work, "tomogram.yaml");
    writeFileSync(
      config,
      `version: 1.3.0
standardization_config: { deposition_id: 10301, source_prefix: src }
depositions: [ { sources: [ { literal: { value: [10301] } } ] } ]
datasets: [ { sources: [ { literal: { value: ['10001'] } } ] } ]
runs: [ { sources: [ { source_glob: { list_glob: 'TS_*', name_regex: '(TS_.*)' } } ] } ]
voxel_spacings: [ { sources: [ { literal: { value: [13.48] } } ] } ]
` + tomogramsSection(),
    );
    const flags = ["--import-tomograms", "--import-tomogram-metadata", "--import-key-images"];
    const out = join(work, "tomo-out");
    const r = await bin(["convert", config, input, out, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(out, "10001", "TS_01", "Reconstructions", "VoxelSpacing13.480");
    const mrc = join(dir, "Tomograms", "100", "TS_01.mrc");
    const { header } = parseMrcHeader(new Uint8Array(readFileSync(mrc)), mrc);
    expect([header.nz, header.ny, header.nx]).toEqual([24, 40, 48]);
    const zattrs = JSON.parse(readFileSync(join(dir, "Tomograms", "100", "TS_01.zarr", ".zattrs"), "utf8"));
    expect(zattrs.multiscales[0].datasets.map((d: { path: string }) => d.path)).toEqual(["0", "1", "2"]);
    expect(existsSync(join(dir, "Tomograms", "100", "TS_01.zarr", "0", "0", "0", "0"))).toBe(true);
    expect(
      readFileSync(join(dir, "Images", "100", "key-photo-snapshot.png"))
        .subarray(0, 8)
        .equals(Buffer.from("89504e470d0a1a0a", "hex")),
    ).toBe(true);
    const ws = join(work, "tomo-out-workspace");
    const w = cli(["convert", config, input, ws, ...flags]);
    expect(w.code, w.stderr).toBe(0);
    expect(treeDigest(out)).toEqual(treeDigest(ws));
  });

  it("converts through the API from an ESM script: readConfig, profileForConfig, validateConfig, convert, events; DICOM in worker threads with SQLite tracking", async () => {
    const dicomIn = join(work, "dicom-in");
    for (let i = 0; i < 4; i++) {
      mkdirSync(join(dicomIn, `site${i % 2}`), { recursive: true });
      writeFileSync(join(dicomIn, `site${i % 2}`, `${i}.dcm`), buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1 + (i % 2), instance: i, instancesInSeries: 2 }));
    }
    const dicomConfig = join(work, "dicom.yaml");
    writeFileSync(dicomConfig, readFileSync(join(ROOT, "dataset_configs", "dicom_deidentify.yaml"), "utf8") + '  tracking:\n    db: "{output_path}.tracking.sqlite"\n');
    writeFileSync(
      join(project, "api.mjs"),
      `import { convert, LocalStorage, ProfileRegistry, readConfig, validateConfig } from "@ingestkit/core";
import { builtinProfiles, profileForConfig, readDigest } from "@ingestkit/importers";

const [demoConfig, demoInput, demoOut, dicomConfig, dicomInput, dicomOut] = process.argv.slice(2);

const config = await readConfig(demoConfig);
const profile = profileForConfig(config);
const validation = validateConfig(config, profile);
const events = {};
const outputs = [];
const demo = await convert({
  profile, config, input: new LocalStorage(demoInput), output: new LocalStorage(demoOut), now: ${NOW},
  onEvent: (e) => { events[e.event] = (events[e.event] ?? 0) + 1; if (e.event === "output") outputs.push(e.key); },
});

const dconfig = await readConfig(dicomConfig);
const resolved = new ProfileRegistry(builtinProfiles).resolve(dconfig);
const log = [];
const logger = { info() {}, warn: (m) => log.push("warn: " + m), error: (m) => log.push("error: " + m), debug: (m) => log.push(m) };
const dicom = await convert({ profile: resolved.profile, config: dconfig, input: new LocalStorage(dicomInput), output: new LocalStorage(dicomOut), logger, settings: { concurrency: 2 } });
const digest = readDigest(dicomOut + ".tracking.sqlite");

console.log(JSON.stringify({
  cryoet: { profile: profile.name, valid: validation.valid, errors: validation.diagnostics.filter((d) => d.severity === "error"), summary: demo.summary, events, outputs: outputs.sort() },
  dicom: { profile: resolved.profile.name, summary: dicom.summary, log, counts: digest.counts, files: digest.new_files.length },
}));
`,
    );
    const demoOut = join(work, "api-demo-out");
    const dicomOut = join(work, "api-dicom-out");
    const r = await run("node", ["api.mjs", DEMO_CONFIG, demoInput, demoOut, dicomConfig, dicomIn, dicomOut], {
      cwd: project,
      env: { INGESTKIT_DEID_SECRET: SECRET, INGESTKIT_DICOM_WORKERS: "2" },
    });
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);

    expect(res.cryoet).toMatchObject({ profile: "cryoet", valid: true, errors: [], summary: { failed: 0 } });
    expect(res.cryoet.events).toMatchObject({ "run-start": 1, summary: 1 });
    // the library does what the CLI does (source_prefix, inputBase): the same tree, byte for byte
    const tree = readTree(demoOut);
    expect(res.cryoet.outputs).toEqual([...tree.keys()]);
    expect([...tree.keys()]).toEqual([...demoCliTree.keys()]);
    for (const [k, v] of demoCliTree) expect(tree.get(k)!.equals(v), k).toBe(true);

    expect(res.dicom).toMatchObject({ profile: "dicom", summary: { failed: 0 }, counts: { Completed: 4, Failed: 0 }, files: 4 });
    expect(res.dicom.log).toContainEqual(expect.stringMatching(/^de-identifying local files in 2 worker threads/));
    expect(res.dicom.log.filter((m: string) => /on the main thread|^warn|^error/.test(m))).toEqual([]);
    const dcm = [...readTree(dicomOut)].filter(([k]) => k.endsWith(".dcm"));
    expect(dcm).toHaveLength(4);
    for (const [k, v] of dcm) {
      expect(v.subarray(128, 132).toString("latin1"), k).toBe("DICM");
      expect(v.toString("latin1").match(MARKER_RE), k).toBeNull();
    }
  });

  it("type-checks a consumer with skipLibCheck: false; a wrong use of the API is a type error", async () => {
    const compilerOptions = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: false, noEmit: true, types: ["node"] };
    writeFileSync(
      join(project, "consumer.mts"),
      `import { convert, LocalStorage, openStorage, readConfig, validateConfig, type ConvertResult, type RunEvent, type Storage } from "@ingestkit/core";
import { builtinFinders } from "@ingestkit/finders";
import { builtinProfiles, profileForConfig, readDigest, type Digest } from "@ingestkit/importers";
import { deidentifyFile, parseMdoc, writeMrc, type Mdoc } from "@ingestkit/formats";
import { run } from "@ingestkit/cli";

export async function standardize(configFile: string, input: string, output: string): Promise<ConvertResult> {
  const config = await readConfig(configFile);
  const profile = profileForConfig(config);
  const { valid, diagnostics } = validateConfig(config, profile);
  if (!valid) throw new Error(diagnostics.map((d) => d.message).join("\\n"));
  const out: Storage = output.startsWith("s3://") ? openStorage(output) : new LocalStorage(output);
  return convert({ profile, config, input: new LocalStorage(input), output: out, onEvent: (e: RunEvent) => { if (e.event === "summary") console.log(e.written); } });
}
export const mdoc: Mdoc = parseMdoc("PixelSpacing = 1.0\\n");
export const names: string[] = [...builtinFinders.keys(), ...builtinProfiles.map((p) => p.name)];
export const digest: (path: string) => Digest = readDigest;
export const fns = [deidentifyFile, writeMrc, run];
`,
    );
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["consumer.mts"] }, null, 2));
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const good = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project });
    expect(good.stdout + good.stderr).toBe("");
    expect(good.code).toBe(0);

    writeFileSync(
      join(project, "wrong.mts"),
      `import { readConfig } from "@ingestkit/core";
import { profileForConfig } from "@ingestkit/importers";
export const n: number = profileForConfig(await readConfig("c.yaml"));
`,
    );
    writeFileSync(join(project, "tsconfig.wrong.json"), JSON.stringify({ compilerOptions: { ...compilerOptions, skipLibCheck: true }, files: ["wrong.mts"] }, null, 2));
    const bad = await run(process.execPath, [tsc, "-p", "tsconfig.wrong.json"], { cwd: project });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/wrong\.mts\(3,14\): error TS2322: Type 'Profile' is not assignable to type 'number'/);
  });
});
