/**
 * The CLI's side of profiles as plugins: `profiles` lists the registry, `convert --help` shows each
 * profile's own options under its heading, a profile's option given to a config of another profile
 * is a usage error, and `--profile-module` failures are usage errors that name the module.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT, tempDir } from "./helpers.js";

const DICOM = join(ROOT, "dataset_configs", "dicom_deidentify.yaml");

describe("standardize-dirs profiles", () => {
  it("lists the built-in profiles, one line each", () => {
    const r = cli(["profiles"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(["cryoet", "dicom", "entities"]);
    expect(lines[0]).toMatch(/^cryoet\s+CZI cryo-ET data portal configs/);
  });

  it("--json gives each profile's options with their defaults", () => {
    const r = cli(["profiles", "--json"]);
    const list = JSON.parse(r.stdout) as Array<{ name: string; detects: boolean; options: Array<Record<string, unknown>> }>;
    const cryoet = list.find((p) => p.name === "cryoet")!;
    expect(cryoet.detects).toBe(true);
    expect(cryoet.options.map((o) => o.flag)).toEqual(["--https-prefix", "--write-mrc", "--write-zarr", "--ngff-version"]);
    expect(cryoet.options.find((o) => o.flag === "--ngff-version")).toMatchObject({ type: "choice", choices: ["0.4", "0.5"], default: "0.4" });
    expect(list.find((p) => p.name === "dicom")!.options).toEqual([]);
  });
});

describe("profile options on convert", () => {
  it("--help shows the common options and, under its own heading, each profile's", () => {
    const r = cli(["convert", "--help"]);
    expect(r.code).toBe(0);
    // commander wraps at 80 columns when stdout is not a terminal
    const [common, cryoet] = r.stdout.replace(/\s+/g, " ").split("Options of the cryoet profile:");
    expect(common).toContain("--dry-run");
    expect(common).not.toContain("--https-prefix");
    expect(cryoet).toMatch(/--https-prefix <url>\s+base URL written into neuroglancer configs \(default: https:\/\/files\.cryoetdataportal\.cziscience\.com\)/);
    expect(cryoet).toMatch(/--ngff-version <version>/);
    expect(cryoet).toContain("--write-mrc write MRC volumes (the default; --no-write-mrc: do not)");
  });

  it("a cryoet option with a dicom config is a usage error naming both, and nothing is written", () => {
    const out = join(tempDir(), "out");
    const input = tempDir();
    const r = cli(["convert", DICOM, input, out, "--no-write-mrc"], { INGESTKIT_DEID_SECRET: "s3cret-for-tests" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--write-mrc is an option of the cryoet profile; this config runs with the 'dicom' profile");
    expect(r.stderr).not.toContain("s3cret");
  });

  it("a bad value of a profile option is refused by the option parser", () => {
    const r = cli(["convert", join(ROOT, "dataset_configs", "demo.yaml"), tempDir(), join(tempDir(), "o"), "--ngff-version", "0.6"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Allowed choices are 0.4, 0.5");
  });

  it("a config whose profile no one recognizes names the candidates; an unknown profile: names its line", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "odd.yaml"), "# nothing any profile knows\nsomething: 1\n");
    writeFileSync(join(dir, "named.yaml"), "version: 1\nprofile: dicon\ndicom: {}\n");
    const odd = cli(["validate", join(dir, "odd.yaml")]);
    expect(odd.code).toBe(1);
    expect(odd.stdout).toContain("no registered profile recognizes this config");
    expect(odd.stdout).toContain("cryoet (CZI cryo-ET");
    const named = cli(["validate", join(dir, "named.yaml")]);
    expect(named.stdout).toMatch(/named\.yaml:2:10: error: unknown profile 'dicon': did you mean 'dicom'\?/);
  });
});

describe("--profile-module failures", () => {
  it("a module that cannot be loaded, or exports no plugin, is a usage error naming it", () => {
    const dir = tempDir();
    const missing = cli(["profiles", "--profile-module", join(dir, "nope.js")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--profile-module ${join(dir, "nope.js")}: cannot load it`);
    writeFileSync(join(dir, "empty.mjs"), "export const x = 1;\n");
    const empty = cli(["profiles", "--profile-module", join(dir, "empty.mjs")]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("exports no profile plugin");
    writeFileSync(join(dir, "bad.mjs"), 'export default { name: "Bad Name", description: "x", profile() {} };\n');
    const bad = cli(["profiles", "--profile-module", join(dir, "bad.mjs")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.mjs: profile plugin name must match/);
    writeFileSync(
      join(dir, "clash.mjs"),
      'export default { name: "clash", description: "x", options: [{ key: "d", flag: "dry-run", type: "boolean", help: "h" }], profile() {} };\n',
    );
    const clash = cli(["convert", "--help", "--profile-module", join(dir, "clash.mjs")]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain("profile 'clash' declares --dry-run, which is a common option of convert");
  });
});

describe("a --profile-module profile on S3", () => {
  it("the example profile reads and writes s3:// locations (s3rver) with the bytes of a local run", async () => {
    const { startS3rver, S3RVER_ENV } = await import("./support/s3rver.js");
    const { uploadTree, downloadTree } = await import("./support/s3-tree.js");
    const { cliAsync } = await import("./support/cli-async.js");
    const { readTree } = await import("./helpers.js");
    const example = join(ROOT, "examples", "custom-profile");
    const module = join(example, "index.js");
    const config = join(example, "example", "config.yaml");
    const server = await startS3rver();
    try {
      const inBucket = await server.bucket();
      const outBucket = await server.bucket();
      expect(await uploadTree(server.client, inBucket, "deposit", join(example, "example", "input"))).toBe(3);
      const env = { ...S3RVER_ENV, AWS_ENDPOINT_URL_S3: server.endpoint };
      const local = join(tempDir(), "local");
      const [a, b] = await Promise.all([
        cliAsync(["convert", config, join(example, "example", "input"), local, "--profile-module", module, "--temperature-unit", "F"], env),
        cliAsync(["convert", config, `s3://${inBucket}/deposit`, `s3://${outBucket}/std`, "--profile-module", module, "--temperature-unit", "F"], env),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(b.stderr).toContain("5 imported, 0 skipped, 0 failed");
      const fromS3 = join(tempDir(), "dl");
      await downloadTree(server.client, outBucket, "std", fromS3);
      const ref = readTree(local);
      const got = readTree(fromS3);
      expect([...got.keys()]).toEqual([...ref.keys()]);
      for (const [k, v] of ref) expect(got.get(k)!.equals(v), k).toBe(true);
      expect(JSON.parse(ref.get("north-ridge/logs/2026-01-01.json")!.toString())).toMatchObject({ unit: "F", min: 24.35 });
    } finally {
      await server.stop();
    }
  });
});

describe("validate reports literal names that would escape the output root", () => {
  it("once per name, at its position, whatever the profile", () => {
    const dir = tempDir();
    const cfg = join(dir, "escape.yaml");
    writeFileSync(
      cfg,
      [
        "standardization_config: { deposition_id: 1, source_prefix: src }",
        "depositions: [ { sources: [ { literal: { value: [1] } } ] } ]",
        "datasets: [ { sources: [ { literal: { value: ['../../elsewhere', '10001'] } } ] } ]",
        "runs: [ { sources: [ { literal: { value: ['TS_1', 'TS_2'] } } ] } ]",
        "",
      ].join("\n"),
    );
    const r = cli(["validate", cfg]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n").filter((l) => l.includes("PATH_ESCAPE"));
    expect(lines).toEqual([
      `  ${cfg}:3:47: error: literal name "../../elsewhere" would put outputs outside the output root (a name may not be absolute or contain a '..' segment) [PATH_ESCAPE]`,
    ]);
    const out = join(dir, "out");
    const c = cli(["convert", cfg, tempDir(), out]);
    expect(c.code).toBe(1);
    expect(c.stderr.split("\n").filter((l) => l.startsWith("error:"))).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});
