import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { CLI, cli, readTree, ROOT, tempDir, treeDigest } from "./helpers.js";

const CONFIG = join(ROOT, "dataset_configs", "demo.yaml");

function demo(runs?: string[], frameBytes = 0): string {
  const input = join(tempDir(), "cryoetportal-rawdatasets-dev");
  writeDemoDeposition(input, runs ? { runs, frameBytes } : {});
  return input;
}

function plannedWrites(stdout: string): { written: string[]; upToDate: string[] } {
  const written: string[] = [];
  const upToDate: string[] = [];
  const walk = (nodes: any[]) => {
    for (const n of nodes) {
      for (const w of n.writes) (w.upToDate ? upToDate : written).push(w.key);
      walk(n.children);
    }
  };
  walk(JSON.parse(stdout).plan);
  return { written: written.sort(), upToDate: upToDate.sort() };
}

function allFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

describe("idempotent re-runs (manifest in OUTPUT/.ingestkit/)", () => {
  it("a second run over unchanged inputs writes nothing and reports every output up to date", () => {
    const input = demo();
    const out = join(tempDir(), "out");
    const first = cli(["convert", CONFIG, input, out, "--json"]);
    expect(first.code).toBe(0);
    const firstWrites = plannedWrites(first.stdout);
    expect(firstWrites.upToDate).toEqual([]);
    const before = readTree(out);
    const mtimes = new Map([...before.keys()].map((k) => [k, statSync(join(out, k)).mtimeMs]));
    // a later clock: metadata would get a new last_updated_at if it were rewritten
    const second = cli(["convert", CONFIG, input, out, "--json"], { SOURCE_DATE_EPOCH: "1800000000" });
    expect(second.code).toBe(0);
    const s = JSON.parse(second.stdout).summary;
    expect(s.outputs).toEqual({ written: 0, upToDate: firstWrites.written.length, bytes: 0 });
    expect(plannedWrites(second.stdout).upToDate).toEqual(firstWrites.written);
    expect(readTree(out)).toEqual(before);
    for (const [k, t] of mtimes) expect(statSync(join(out, k)).mtimeMs).toBe(t);
    expect(cli(["convert", CONFIG, input, out]).stderr).toMatch(/0 files written \(0 B\), \d+ up to date/);
  });

  it("a changed input re-creates exactly the outputs that depend on it", () => {
    const input = demo();
    const out = join(tempDir(), "out");
    expect(cli(["convert", CONFIG, input, out]).code).toBe(0);
    // a new exposure time in TS_01's mdoc: the copied mdoc and TS_01's frames metadata change
    const mdoc = join(input, "deposit", "TS_01", "TS_01.mdoc");
    writeFileSync(mdoc, readFileSync(mdoc, "utf8").replace("ExposureTime = 1.0", "ExposureTime = 1.2"));
    const r = cli(["convert", CONFIG, input, out, "--json"]);
    expect(r.code).toBe(0);
    expect(plannedWrites(r.stdout).written).toEqual(["10999/TS_01/Frames/TS_01.mdoc", "10999/TS_01/Frames/frames_metadata.json"]);
    const fresh = join(tempDir(), "fresh");
    expect(cli(["convert", CONFIG, input, fresh]).code).toBe(0);
    expect(readTree(out)).toEqual(readTree(fresh));
  });

  it("a deleted output is written again; --force-overwrite rewrites everything", () => {
    const input = demo();
    const out = join(tempDir(), "out");
    const first = cli(["convert", CONFIG, input, out, "--json"]);
    const all = plannedWrites(first.stdout).written;
    const gone = "10999/TS_02/Gains/TS_02_gain.mrc";
    rmSync(join(out, gone));
    expect(plannedWrites(cli(["convert", CONFIG, input, out, "--json"]).stdout).written).toEqual([gone]);
    expect(plannedWrites(cli(["convert", CONFIG, input, out, "--json", "--force-overwrite"]).stdout).written).toEqual(all);
  });

  it("--dry-run tells what is up to date without writing the manifest", () => {
    const input = demo();
    const out = join(tempDir(), "out");
    const dry = cli(["convert", CONFIG, input, out, "--dry-run", "--json"]);
    expect(plannedWrites(dry.stdout).upToDate).toEqual([]);
    expect(() => statSync(join(out, ".ingestkit"))).toThrow();
    cli(["convert", CONFIG, input, out]);
    const again = cli(["convert", CONFIG, input, out, "--dry-run"]);
    expect(again.stdout).toContain("[up to date]");
    expect(again.stderr).toMatch(/dry run: .* 0 files to write, \d+ up to date/);
  });
});

describe("interrupted runs (slow: SIGKILL at random points)", () => {
  const runs = Array.from({ length: 24 }, (_, i) => `TS_${String(i + 1).padStart(2, "0")}`);

  function killedRun(input: string, out: string, afterMs: number): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, "convert", CONFIG, input, out, "--concurrency", "2", "-q"], {
        env: { ...process.env, SOURCE_DATE_EPOCH: "1767225600" },
        stdio: "ignore",
      });
      const t = setTimeout(() => child.kill("SIGKILL"), afterMs);
      child.on("exit", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  it("after a kill at any point, a re-run gives the uninterrupted output and leaves no temp files", async () => {
    const input = demo(runs, 256 * 1024);
    const clean = join(tempDir(), "clean");
    expect(cli(["convert", CONFIG, input, clean]).code).toBe(0);
    const expected = treeDigest(clean);
    // deterministic "random" points spread over start-up and the run
    let seed = 42;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    for (let i = 0; i < 4; i++) {
      const out = join(tempDir(), "out");
      await killedRun(input, out, 150 + Math.floor(next() * 900));
      await killedRun(input, out, 150 + Math.floor(next() * 900));
      const r = cli(["convert", CONFIG, input, out]);
      expect(r.code).toBe(0);
      expect(treeDigest(out)).toEqual(expected);
      expect(allFiles(out).filter((f) => f.includes(".ingestkit-tmp-"))).toEqual([]);
    }
  }, 120_000);
});
