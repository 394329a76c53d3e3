// The example third-party profile, run as its users would: through the CLI with --profile-module,
// and through the library API with registerProfile / a registry of one's own. Real files in, real
// JSON out, checked value by value.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, existsSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { convert, LocalStorage, ProfileRegistry, readConfig, type ProfilePlugin } from "@ingestkit/core";
import { builtinProfiles, profileForConfig } from "@ingestkit/importers";
// @ts-expect-error the example is plain JS (checked by its own // @ts-check), with no declaration file
import sensorLogsModule from "../index.js";

/** The example's default export, typed as what it is: a profile plugin. */
const sensorLogs: ProfilePlugin = sensorLogsModule;

const HERE = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(HERE, "..", "..");
const CLI = join(ROOT, "packages", "cli", "bin", "standardize-dirs.js");
const MODULE = join(HERE, "index.js");
const CONFIG = join(HERE, "example", "config.yaml");
const INPUT = join(HERE, "example", "input");

function cli(args: string[]) {
  const res = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, SOURCE_DATE_EPOCH: "1767225600" } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
const temp = () => mkdtempSync(join(tmpdir(), "sensor-logs-"));
const json = (p: string) => JSON.parse(readFileSync(p, "utf8"));

describe("sensor-logs through the CLI (--profile-module)", () => {
  it("converts the example deposit, with the profile's own option", () => {
    const out = temp();
    const r = cli(["convert", CONFIG, INPUT, out, "--profile-module", MODULE, "--temperature-unit", "F"]);
    expect(r.stderr).toContain("imported");
    expect(r.code).toBe(0);
    expect(json(join(out, "north-ridge", "station.json"))).toEqual({ network: "Ridge weather network", station: "north-ridge", last_updated_at: 1767225600 });
    const log = json(join(out, "north-ridge", "logs", "2026-01-01.json"));
    expect(log).toMatchObject({ station: "north-ridge", log: "2026-01-01", unit: "F", count: 3, min: 24.35, max: 28.4 });
    expect(log.readings.map((r: { temperature: number }) => r.temperature)).toEqual([25.7, 24.35, 28.4]);
    expect(json(join(out, "south-gate", "logs", "2026-01-01.json")).readings).toEqual([
      { time: "2026-01-01T00:00Z", temperature: 50 },
      { time: "2026-01-01T01:00Z", temperature: 54.5 },
    ]);
  });

  it("defaults to Celsius and writes identical bytes on a second output", () => {
    const [a, b] = [temp(), temp()];
    expect(cli(["convert", CONFIG, INPUT, a, "--profile-module", MODULE, "-q"]).code).toBe(0);
    expect(cli(["convert", CONFIG, INPUT, b, "--profile-module", MODULE, "-q"]).code).toBe(0);
    const log = join("north-ridge", "logs", "2026-01-01.json");
    expect(json(join(a, log))).toMatchObject({ unit: "C", min: -4.25, max: -2 });
    expect(readFileSync(join(a, log))).toEqual(readFileSync(join(b, log)));
  });

  it("is listed by `profiles` and its option shows in convert --help", () => {
    const list = cli(["profiles", "--profile-module", MODULE]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^sensor-logs\s+weather-station CSV logs/m);
    expect(list.stdout).toMatch(/^cryoet\s/m);
    const help = cli(["convert", "--help", "--profile-module", MODULE]);
    expect(help.stdout).toContain("Options of the sensor-logs profile:");
    expect(help.stdout).toMatch(/--temperature-unit <unit>\s+unit of the written temperatures/);
  });

  it("validates its configs with its own schema, naming the line", () => {
    const dir = temp();
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, readFileSync(CONFIG, "utf8").replace("logs:", "logz:"));
    const r = cli(["validate", bad, "--profile-module", MODULE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bad\.yaml:9:1.*unknown key 'logz'.*did you mean 'logs'/);
    expect(cli(["validate", CONFIG, "--profile-module", MODULE]).code).toBe(0);
  });

  it("rejects a cryoet option, and a bad log with the file and line, writing nothing for it", () => {
    const out = temp();
    const wrong = cli(["convert", CONFIG, INPUT, out, "--profile-module", MODULE, "--ngff-version", "0.5"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--ngff-version is an option of the cryoet profile; this config runs with the 'sensor-logs' profile");
    const input = temp();
    cpSync(INPUT, input, { recursive: true });
    writeFileSync(join(input, "stations", "south-gate", "2026-01-03.csv"), "time,temperature_c\n2026-01-03T00:00Z,warm\n");
    const r = cli(["convert", CONFIG, input, out, "--profile-module", MODULE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stations/south-gate/2026-01-03.csv: line 2: expected 'time,temperature_c', got \"2026-01-03T00:00Z,warm\"");
    expect(existsSync(join(out, "south-gate", "logs", "2026-01-03.json"))).toBe(false);
    expect(readdirSync(join(out, "south-gate", "logs"))).toEqual(["2026-01-01.json"]);
  });

  it("without the module, the config's profile is unknown and the error says how to load one", () => {
    const r = cli(["convert", CONFIG, INPUT, temp()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.yaml:2:\d+.*unknown profile 'sensor-logs' \(registered: cryoet, dicom, entities\)/);
    expect(r.stderr).toContain("--profile-module");
  });
});

describe("sensor-logs through the library API", () => {
  it("registers in a registry of one's own and converts with convert()", async () => {
    const registry = new ProfileRegistry([...builtinProfiles, sensorLogs]);
    const config = await readConfig(CONFIG);
    const { plugin, profile, via } = registry.resolve(config);
    expect([plugin.name, via]).toEqual(["sensor-logs", "config"]);
    const out = temp();
    const result = await convert({ profile, config, input: new LocalStorage(INPUT), output: new LocalStorage(out), settings: { temperatureUnit: "F" }, now: 1767225600 });
    expect(result.summary.failed).toBe(0);
    expect(json(join(out, "south-gate", "logs", "2026-01-01.json"))).toMatchObject({ unit: "F", min: 50, max: 54.5 });
  });

  it("is detected without a profile: key once registered, and convert() fills its option's default", async () => {
    const dir = temp();
    const cfg = join(dir, "detected.yaml");
    writeFileSync(cfg, readFileSync(CONFIG, "utf8").replace("profile: sensor-logs\n", ""));
    const config = await readConfig(cfg);
    const registry = new ProfileRegistry(builtinProfiles);
    expect(() => registry.resolve(config)).toThrow(/no registered profile recognizes this config/);
    registry.register(sensorLogs);
    const out = temp();
    const result = await convert({ profile: registry.resolve(config).profile, config, input: new LocalStorage(INPUT), output: new LocalStorage(out) });
    expect(result.summary.failed).toBe(0);
    expect(json(join(out, "north-ridge", "logs", "2026-01-02.json"))).toMatchObject({ unit: "C", readings: [{ time: "2026-01-02T00:00Z", temperature: 1.5 }] });
    // the built-ins still resolve through the same registry
    expect(profileForConfig(await readConfig(join(ROOT, "dataset_configs", "demo.yaml")), registry).name).toBe("cryoet");
  });
});
