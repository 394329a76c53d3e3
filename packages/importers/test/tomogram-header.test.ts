// The cryoet profile's own `tomogram_header` finder (packages/importers/src/cryoet/tomogram-header.ts),
// run through the cryoet profile as the other finders' tests are (packages/finders/test/harness.ts).
import { describe, expect, it } from "vitest";
import { names, run } from "../../finders/test/harness.js";

const DATASET = "datasets: [ { sources: [ { literal: { value: ['10001'] } } ] } ]\n";

function mrcHeader(my: number, cellaY: number, little = true): Buffer {
  const b = Buffer.alloc(1024);
  if (little) {
    b.writeInt32LE(my, 32);
    b.writeFloatLE(cellaY, 44);
  } else {
    b.writeInt32BE(my, 32);
    b.writeFloatBE(cellaY, 44);
  }
  b.write("MAP ", 208);
  b[212] = little ? 0x44 : 0x11;
  b[213] = little ? 0x44 : 0x11;
  return b;
}

describe("tomogram_header", () => {
  const vs = (source: string) => `${DATASET}runs: [ { sources: [ { literal: { value: ['TS_1'] } } ] } ]\nvoxel_spacings: [ { sources: [ ${source} ] } ]\n`;
  const sel = { selection: { imports: ["voxel_spacings"] } };

  it("reads cella.y / my from either byte order and names spacings with 3 decimals", async () => {
    const r = await run(
      vs("{ tomogram_header: { list_glob: '{run_name}/*.mrc' } }"),
      { input: { "TS_1/le.mrc": mrcHeader(10, 140.8), "TS_1/be.mrc": mrcHeader(4, 21.2, false) } },
      sel,
    );
    expect(r.summary.failures).toEqual([]);
    expect(names(r.plan, "voxel_spacing").sort()).toEqual(["14.080", "5.300"]);
  });

  it("keeps only files whose full path match_regex finds", async () => {
    const r = await run(
      vs("{ tomogram_header: { list_glob: '{run_name}/*.mrc', match_regex: 'be\\.mrc' } }"),
      { input: { "TS_1/le.mrc": mrcHeader(10, 140.8), "TS_1/be.mrc": mrcHeader(4, 21.2, false) } },
      sel,
    );
    expect(names(r.plan, "voxel_spacing")).toEqual(["5.300"]);
  });

  it("rejects a header with a zero voxel size, naming the run", async () => {
    const r = await run(vs("{ tomogram_header: { list_glob: '{run_name}/*.mrc' } }"), { input: { "TS_1/zero.mrc": mrcHeader(10, 0) } }, sel);
    expect(r.summary.failures.map((f) => [f.entityPath, f.code])).toEqual([["dataset 10001 / run TS_1 / voxel spacings", "SOURCE_INVALID"]]);
    expect(r.summary.failures[0]!.message).toMatch(/voxel spacing must be a positive number, got 0/);
  });

  it("rejects a file too short to hold an MRC header, naming it", async () => {
    const r = await run(vs("{ tomogram_header: { list_glob: '{run_name}/*.mrc' } }"), { input: { "TS_1/short.mrc": "tiny" } }, sel);
    expect(r.summary.failures.map((f) => f.message).join("\n")).toMatch(/short\.mrc: not an MRC file \(only 4 bytes/);
  });
});
