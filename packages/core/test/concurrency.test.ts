import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinFinders } from "@ingestkit/finders";
import { convert, defineProfile, IngestError, LocalStorage, parseConfig, type EntityTypeSpec, type Importer } from "../src/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A two-level graph whose importers log what happens when, and fail for names starting with "bad". */
function traced(concurrentRuns: boolean) {
  const events: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const runImporter: Importer = {
    async importItem(ctx) {
      inFlight++;
      peak = Math.max(peak, inFlight);
      events.push(`start ${ctx.item.name}`);
      // later names finish first, so completion order differs from found order
      await sleep(40 - 4 * Number(ctx.item.name.replace(/\D/g, "") || 0));
      if (ctx.item.name.startsWith("bad")) {
        inFlight--;
        throw new IngestError("SOURCE_INVALID", `${ctx.item.name} is bad`);
      }
    },
    async importMetadata(ctx) {
      events.push(`metadata ${ctx.item.name}`);
      inFlight--;
    },
  };
  const fileImporter: Importer = {
    async importItem(ctx) {
      await sleep(5);
      events.push(`file ${ctx.item.parent!.name}/${ctx.item.name}`);
    },
  };
  const spec: EntityTypeSpec = {
    key: "study",
    plural: "studies",
    hasMetadata: false,
    importer: {},
    children: [
      {
        key: "series",
        plural: "series_list",
        hasMetadata: true,
        concurrent: concurrentRuns,
        importer: runImporter,
        children: [{ key: "file", plural: "files", hasMetadata: false, importer: fileImporter }],
      },
    ],
  };
  const profile = defineProfile("traced", [spec], builtinFinders);
  return { profile, events, peak: () => peak };
}

const YAML = `
studies: [ { sources: [ { literal: { value: [s] } } ] } ]
series_list: [ { sources: [ { literal: { value: [r1, r2, bad3, r4, r5, bad6, r7] } } ] } ]
files: [ { sources: [ { literal: { value: [f1, f2] } } ] } ]
`;

async function runWith(concurrency: number, concurrent = true) {
  const t = traced(concurrent);
  const dir = mkdtempSync(join(tmpdir(), "ingestkit-conc-"));
  const res = await convert({
    profile: t.profile,
    config: parseConfig(YAML, join(dir, "c.yaml")),
    // INPUT and OUTPUT side by side (convert refuses one inside the other)
    input: new LocalStorage(join(dir, "in")),
    output: new LocalStorage(join(dir, "out")),
    settings: { concurrency },
  });
  return { ...res, events: t.events, peak: t.peak() };
}

describe("concurrent items (runs)", () => {
  it("processes up to `concurrency` items at once and keeps each item's own order", async () => {
    const r = await runWith(3);
    expect(r.peak).toBe(3);
    for (const name of ["r1", "r2", "r4", "r5", "r7"]) {
      const own = r.events.filter((e) => e.endsWith(` ${name}`) || e.includes(` ${name}/`));
      expect(own).toEqual([`start ${name}`, `file ${name}/f1`, `file ${name}/f2`, `metadata ${name}`]);
    }
  });

  it("gives the same plan and the same summary (failures in tree order) as a sequential run", async () => {
    const seq = await runWith(1);
    const par = await runWith(4);
    expect(seq.peak).toBe(1);
    expect(par.peak).toBe(4);
    expect(par.plan).toEqual(seq.plan);
    expect(par.summary).toEqual(seq.summary);
    expect(seq.summary.failures.map((f) => f.entityPath)).toEqual(["series bad3", "series bad6"]);
    // the parallel run really did finish out of order
    expect(par.events.filter((e) => e.startsWith("metadata"))).not.toEqual(seq.events.filter((e) => e.startsWith("metadata")));
  });

  it("types not marked concurrent stay sequential whatever the setting", async () => {
    const r = await runWith(8, false);
    expect(r.peak).toBe(1);
  });
});
