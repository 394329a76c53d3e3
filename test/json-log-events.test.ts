/**
 * The library's event hook, `convert({ onEvent })`, without the CLI: dry runs report entities as
 * planned and outputs with the size they would have; entity events are in step with the plan;
 * a listener that throws stops getting events but never breaks the run.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convert, LocalStorage, readConfig, type PlanNode, type RunEvent } from "@ingestkit/core";
import { profileForConfig } from "@ingestkit/importers";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { ROOT, tempDir } from "./helpers.js";

async function demoConvert(onEvent: (e: RunEvent) => void, dryRun: boolean, warnings: string[] = []) {
  const input = join(tempDir(), "cryoetportal-rawdatasets-dev");
  writeDemoDeposition(input);
  const config = await readConfig(join(ROOT, "dataset_configs", "demo.yaml"));
  return convert({
    profile: profileForConfig(config),
    config,
    input: new LocalStorage(join(input, "deposit")),
    output: new LocalStorage(join(tempDir(), "out")),
    dryRun,
    now: 1767225600,
    settings: { inputBase: new LocalStorage(input), concurrency: 2 },
    logger: { info() {}, warn: (m) => warnings.push(m), error() {} },
    onEvent,
  });
}

const flatten = (nodes: PlanNode[]): PlanNode[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);

describe("convert({ onEvent })", () => {
  it("a dry run reports planned entities and the outputs it would write", async () => {
    const evs: RunEvent[] = [];
    const result = await demoConvert((e) => evs.push(e), true);
    expect(evs[0]).toMatchObject({ event: "run-start", dryRun: true, concurrency: 2, profile: "cryoet" });
    expect(evs.at(-1)).toMatchObject({ event: "summary", dryRun: true, imported: 20, bytes: 0, written: 24 });
    const entities = evs.filter((e) => e.event === "entity");
    expect(entities.filter((e) => e.status === "planned")).toHaveLength(result.summary.imported);
    const outputs = evs.filter((e) => e.event === "output");
    expect(outputs).toHaveLength(24);
    expect(outputs.every((o) => o.bytes > 0 && !o.upToDate)).toBe(true);
    // one entity event per plan node, with the node's status and write count
    const nodes = flatten(result.plan);
    expect(entities).toHaveLength(nodes.length);
    for (const n of nodes) {
      const e = entities.find((x) => x.entityPath === n.entityPath)!;
      expect(e.written, n.entityPath).toBe(n.writes.length);
    }
    expect(result.elapsedMs).toBeGreaterThan(0);
  });

  it("a listener that throws is reported once and the run completes", async () => {
    const warnings: string[] = [];
    let calls = 0;
    const result = await demoConvert(
      () => {
        calls++;
        throw new Error("listener bug");
      },
      false,
      warnings,
    );
    expect(calls).toBe(1);
    expect(warnings).toEqual(["event listener failed, events stopped: listener bug"]);
    expect(result.summary).toMatchObject({ imported: 20, failed: 0 });
  });
});
