import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryByteSink, writeMrc } from "@ingestkit/formats";
import { nodes, run } from "../../finders/test/harness.js";
// @ts-expect-error plain ESM helper shared with the benchmarks
import { tomogramsSection } from "../../../scripts/lib/tomogram-config.mjs";
import { python, writePythonOmeZarr } from "./support-python.js";

async function mrcBytes(shape: { z: number; y: number; x: number }, voxel: number, fill: (i: number) => number, kind: "volume" | "imageStack" = "volume"): Promise<Uint8Array> {
  const n = shape.z * shape.y * shape.x;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = fill(i);
  const sink = memoryByteSink();
  await writeMrc(sink, data, { shape, dtype: "float32", voxelSize: voxel, kind });
  return sink.bytes();
}

const TOMO_YAML =
  `
standardization_config: { deposition_id: 10301, source_prefix: src }
depositions: [ { sources: [ { literal: { value: [10301] } } ] } ]
runs: [ { sources: [ { literal: { value: ['TS_run1'] } } ] } ]
voxel_spacings: [ { sources: [ { literal: { value: [13.48] } } ] } ]
` + tomogramsSection();
const VS = "10001/TS_run1/Reconstructions/VoxelSpacing13.480";

describe("tomograms (reference 6.3 items 3 and 4)", () => {
  it("writes {run}.mrc, {run}.zarr and tomogram_metadata.json under Tomograms/100, checked by mrcfile and zarr", async () => {
    const src = await mrcBytes({ z: 10, y: 8, x: 6 }, 13.48, (i) => (i % 17) * 0.5 - 3);
    const r = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": src } }, { selection: { imports: ["tomograms"], metadata: ["tomogram"] }, dryRun: false });
    expect(r.summary.failures).toEqual([]);
    const dir = join(r.dir, "out", VS, "Tomograms", "100");
    const md = JSON.parse(readFileSync(join(dir, "tomogram_metadata.json"), "utf8"));
    expect(md.scales).toEqual([
      { z: 10, y: 8, x: 6 },
      { z: 5, y: 4, x: 3 },
      { z: 3, y: 2, x: 2 },
    ]);
    expect(md.size).toEqual({ z: 10, y: 8, x: 6 });
    expect(md.voxel_spacing).toBe(13.48);
    expect(md.omezarr_dir).toBe(`${VS}/Tomograms/100/TS_run1.zarr`);
    expect(md.mrc_file).toBe(`${VS}/Tomograms/100/TS_run1.mrc`);
    expect(md.run_name).toBe("TS_run1");
    expect(md.fiducial_alignment_status).toBe("NON_FIDUCIAL");
    expect(md.alignment_metadata_path).toBe("10001/TS_run1/Alignments/100/alignment_metadata.json");
    expect(md.neuroglancer_config_path).toBe(`${VS}/NeuroglancerPrecompute/100-neuroglancer_config.json`);
    expect(md.key_photo.snapshot).toBe(`${VS}/Images/100/key-photo-snapshot.png`);
    expect(md.deposition_id).toBe("10301");
    const mrc = join(dir, "TS_run1.mrc");
    expect(spawnSync("/usr/bin/mrcfile-validate", [mrc], { encoding: "utf8" }).status).toBe(0);
    const checked = python(`
import json, mrcfile, numpy as np, zarr
m = mrcfile.open(${JSON.stringify(mrc)}, permissive=False)
g = zarr.open_group(${JSON.stringify(join(dir, "TS_run1.zarr"))}, mode="r")
src = mrcfile.open(${JSON.stringify(join(r.dir, "src", "TS_run1", "tomo.mrc"))})
print(json.dumps({
  "mode": int(m.header.mode), "ispg": int(m.header.ispg), "mz": int(m.header.mz),
  "cella": [float(m.header.cella.x), float(m.header.cella.y), float(m.header.cella.z)],
  "voxel": float(m.voxel_size.x), "label0": m.header.label[0].decode(),
  "same": bool(np.array_equal(m.data, src.data)),
  "shapes": [list(g[str(i)].shape) for i in range(3)],
  "level0": bool(np.array_equal(g["0"][:], src.data)),
  "scale": g.attrs["multiscales"][0]["datasets"][2]["coordinateTransformations"][0]["scale"],
}))`);
    expect(checked.mode).toBe(2);
    expect(checked.ispg).toBe(1);
    expect(checked.mz).toBe(10);
    expect(checked.cella.map((c: number) => c.toFixed(3))).toEqual([(13.48 * 6).toFixed(3), (13.48 * 8).toFixed(3), (13.48 * 10).toFixed(3)]);
    expect(checked.label0.trimEnd()).toBe("Validated by cryoET data portal.        " + "2026-01-01 00:00:00".padStart(39));
    expect(checked.same).toBe(true);
    expect(checked.shapes).toEqual([
      [10, 8, 6],
      [5, 4, 3],
      [3, 2, 2],
    ]);
    expect(checked.level0).toBe(true);
    expect(checked.scale).toEqual([53.92, 53.92, 53.92]);
  });

  const existing = (processing: string, deposition = "10301") =>
    JSON.stringify({
      reconstruction_method: "WBP",
      processing,
      voxel_spacing: 13.48,
      alignment_metadata_path: "10001/TS_run1/Alignments/100/alignment_metadata.json",
      deposition_id: deposition,
    });

  for (const [label, md, expected] of [
    ["same fields -> reuses 100", existing("raw"), "100"],
    ["other processing -> 101", existing("denoised"), "101"],
    ["other deposition -> 101", existing("raw", "10302"), "101"],
  ] as const) {
    it(`id: existing metadata with ${label}`, async () => {
      const src = await mrcBytes({ z: 2, y: 2, x: 2 }, 13.48, (i) => i);
      const r = await run(
        TOMO_YAML,
        { input: { "TS_run1/tomo.mrc": src }, output: { [`${VS}/Tomograms/100/tomogram_metadata.json`]: md } },
        { selection: { metadata: ["tomogram"] } },
      );
      expect(r.summary.failures).toEqual([]);
      const writes = nodes(r.plan, "tomogram").flatMap((n) => n.writes.map((w) => w.key));
      expect(writes).toEqual([`${VS}/Tomograms/${expected}/tomogram_metadata.json`]);
    });
  }

  it("a truncated source MRC fails the tomogram with the file and field named; nothing is written", async () => {
    const src = (await mrcBytes({ z: 4, y: 4, x: 4 }, 13.48, (i) => i)).subarray(0, 1024 + 100);
    const r = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": src } }, { selection: { imports: ["tomograms"] }, dryRun: false });
    expect(r.summary.failures.map((f) => [f.code, f.entityPath])).toEqual([["SOURCE_INVALID", "dataset 10001 / run TS_run1 / voxel spacing 13.480 / tomogram tomo.mrc"]]);
    expect(r.summary.failures[0]!.message).toMatch(/tomo\.mrc/);
    expect(existsSync(join(r.dir, "out", VS, "Tomograms", "100"))).toBe(false);
  });

  it("a zero voxel spacing is refused at the voxel spacing, before any volume is converted; nothing is written", async () => {
    const src = await mrcBytes({ z: 4, y: 4, x: 4 }, 13.48, (i) => i);
    const yaml = TOMO_YAML.replace("literal: { value: [13.48] }", "literal: { value: [0] }");
    const r = await run(yaml, { input: { "TS_run1/tomo.mrc": src } }, { selection: { imports: ["tomograms"] }, dryRun: false });
    expect(r.summary.failures.map((f) => [f.code, f.entityPath])).toEqual([["SOURCE_INVALID", "dataset 10001 / run TS_run1 / voxel spacings"]]);
    expect(r.summary.failures[0]!.message).toMatch(/voxel spacing must be a positive number, got 0/);
    const left = existsSync(join(r.dir, "out")) ? (readdirSync(join(r.dir, "out"), { recursive: true }) as string[]) : [];
    expect(left.filter((n) => /\.(mrc|zarr)|ingestkit-tmp/.test(n))).toEqual([]);
  });
});

const TS_YAML = (pixel: string) => `
standardization_config: { deposition_id: 10301, source_prefix: src }
depositions: [ { sources: [ { literal: { value: [10301] } } ] } ]
runs: [ { sources: [ { literal: { value: ['TS_run1'] } } ] } ]
collection_metadata: [ { sources: [ { source_glob: { list_glob: '{run_name}/*.mdoc' } } ] } ]
frames: [ { metadata: { dose_rate: 1.5, is_gain_corrected: true }, sources: [ { source_glob: { list_glob: '{run_name}/frames/*.tiff' } } ] } ]
tiltseries:
  - metadata:
      acceleration_voltage: 300000
      camera: { manufacturer: Gatan, model: K2 SUMMIT }
      data_acquisition_software: SerialEM
      is_aligned: false
      microscope: { manufacturer: TFS, model: Krios }
      microscope_optical_setup: { energy_filter: GIF Quantum LS }
      ${pixel}
      spherical_aberration_constant: 2.7
      tilt_axis: 84.7
      tilt_range: { max: 60, min: -60 }
      tilt_series_quality: 5
      tilt_step: 2
      tilting_scheme: Dose symmetric from 0.0 degrees
      total_flux: 122
    sources: [ { source_glob: { list_glob: '{run_name}/TS_run1.st' } } ]
rawtilts: [ { sources: [ { source_glob: { list_glob: '{run_name}/*.rawtlt' } } ] } ]
ctfs: [ { metadata: { format: CTFFIND }, sources: [ { source_glob: { list_glob: '{run_name}/*ctf*.txt' } } ] } ]
`;
const MDOC = [
  "PixelSpacing = 5.678",
  "",
  "[ZValue = 0]",
  "TiltAngle = -0.00499939",
  "ExposureTime = 1",
  "SubFramePath = X:\\f\\a_1.tiff",
  "",
  "[ZValue = 1]",
  "TiltAngle = 2.013",
  "ExposureTime = 1",
  "",
  "[ZValue = 2]",
  "TiltAngle = -1.98",
  "ExposureTime = 1",
  "",
  "[ZValue = 3]",
  "TiltAngle = -4.38",
  "ExposureTime = 1",
  "",
].join("\n");

describe("tilt series (reference 6.3 item 5)", () => {
  const input = async () => ({
    "TS_run1/TS_run1.st": await mrcBytes({ z: 4, y: 10, x: 20 }, 5.678, (i) => Math.sin(i), "imageStack"),
    "TS_run1/TS_run1.mdoc": MDOC,
    "TS_run1/TS_run1.rawtlt": "-4.38\n-1.98\n-0.004\n2.01\n",
    "TS_run1/TS_run1_ctf.txt": "# ctffind\n1 72249.28 71262.08 -42.32 0.0000 0.1138 28.4226\n",
    "TS_run1/frames/a_1.tiff": "f1",
    "TS_run1/frames/a_2.tiff": "f2",
  });
  const sel = { selection: { imports: ["tiltseries", "rawtilts", "ctfs", "collection_metadata"], metadata: ["tiltseries"] }, dryRun: false };

  it("writes the volume (z kept, ispg 0, mz 1) and metadata with pixel_spacing, frames_count and per_section_parameter", async () => {
    const r = await run(TS_YAML("pixel_spacing: 3.3702"), { input: await input() }, sel);
    expect(r.summary.failures).toEqual([]);
    const dir = join(r.dir, "out", "10001", "TS_run1", "TiltSeries", "100");
    const md = JSON.parse(readFileSync(join(dir, "tiltseries_metadata.json"), "utf8"));
    expect(md.scales).toEqual([
      { z: 4, y: 10, x: 20 },
      { z: 4, y: 5, x: 10 },
      { z: 4, y: 3, x: 5 },
    ]);
    expect(md.pixel_spacing).toBe(3.3702);
    expect(md.frames_count).toBe(2);
    expect(md.raw_tlt_path).toBe("10001/TS_run1/TiltSeries/100/TS_run1.rawtlt");
    expect(md.ctf_path).toBe("10001/TS_run1/TiltSeries/100/TS_run1_CTFFIND_ctf.txt");
    expect(md.per_section_parameter.map((p: any) => [p.z_index, p.frame_acquisition_order, p.major_defocus])).toEqual([
      [0, 3, 72249.28],
      [1, 2, null],
      [2, 0, null],
      [3, 1, null],
    ]);
    const mrc = join(dir, "TS_run1.mrc");
    expect(spawnSync("/usr/bin/mrcfile-validate", [mrc]).status).toBe(0);
    const h = python(`
import json, mrcfile, zarr
m = mrcfile.open(${JSON.stringify(mrc)})
g = zarr.open_group(${JSON.stringify(join(dir, "TS_run1.zarr"))}, mode="r")
print(json.dumps({"ispg": int(m.header.ispg), "mz": int(m.header.mz), "cz": float(m.header.cella.z), "chunks": list(g["0"].chunks)}))`);
    expect(h).toMatchObject({ ispg: 0, mz: 1, chunks: [1, 1024, 1024] });
    expect(h.cz).toBeCloseTo(3.3702, 4);
  });

  it("a missing rawtlt fails the tilt series metadata with the cause", async () => {
    const files = await input();
    delete (files as Record<string, unknown>)["TS_run1/TS_run1.rawtlt"];
    const r = await run(TS_YAML("pixel_spacing: 3.3702"), { input: files }, sel);
    expect(r.summary.failures.map((f) => [f.entityPath, f.code])).toEqual([["dataset 10001 / run TS_run1 / tiltseries TS_run1.st", "SOURCE_MISSING"]]);
    expect(r.summary.failures[0]!.message).toMatch(/no \.rawtlt found for run TS_run1/);
  });
});

// Reference 6.3 item 7 (test_frames.py): five frames, exposure times 1, 1.58, 1.59, 1.58, 1.58 and dose rate 1.881.
const FRAMES_YAML = (frames: string) => `
standardization_config: { deposition_id: 10301, source_prefix: src }
depositions: [ { sources: [ { literal: { value: [10301] } } ] } ]
runs: [ { sources: [ { literal: { value: ['TS_run1'] } } ] } ]
collection_metadata: [ { sources: [ { source_glob: { list_glob: '{run_name}/*.mdoc' } } ] } ]
frames: [ ${frames} ]
`;
const EXPOSURES = [1, 1.58, 1.59, 1.58, 1.58];
const FRAMES_MDOC = ["PixelSpacing = 5.678", ""]
  .concat(EXPOSURES.flatMap((e, i) => [`[ZValue = ${i}]`, `TiltAngle = ${i * 3 - 6}`, `ExposureTime = ${e}`, `SubFramePath = X:\\frames\\TS_run1_${i + 1}.tiff`, ""]))
  .join("\n");

describe("frames (reference 6.3 item 7)", () => {
  const input = () => ({ "TS_run1/TS_run1.mdoc": FRAMES_MDOC, ...Object.fromEntries(EXPOSURES.map((_, i) => [`TS_run1/frames/TS_run1_${i + 1}.tiff`, `frame ${i + 1}`])) });
  const sel = { selection: { imports: ["frames", "collection_metadata"], metadata: ["frame"] }, dryRun: false };
  const FRAMES = "10001/TS_run1/Frames";
  // the reference's own arithmetic, in Python: exposure_dose = ExposureTime * dose_rate, accumulated_dose the sum before
  const expected = (paths: boolean, gain: boolean | null) =>
    python(`
import json
exp = ${JSON.stringify(EXPOSURES)}
acc, frames = 0, []
for i, e in enumerate(exp):
    d = e * 1.881
    frames.append({"acquisition_order": i, "accumulated_dose": acc, "exposure_dose": d, "is_gain_corrected": ${gain === null ? "None" : gain ? "True" : "False"},
                   "path": ${paths ? `"${FRAMES}/TS_run1_%d.tiff" % (i + 1)` : "None"}})
    acc = acc + d
print(json.dumps(frames))`);

  it("copies the five frames and lists each with its dose, the dose before it and its output path", async () => {
    const r = await run(
      FRAMES_YAML("{ metadata: { dose_rate: 1.881, is_gain_corrected: true }, sources: [ { source_glob: { list_glob: '{run_name}/frames/*.tiff' } } ] }"),
      { input: input() },
      sel,
    );
    expect(r.summary.failures).toEqual([]);
    const dir = join(r.dir, "out", FRAMES);
    expect(readdirSync(dir).sort()).toEqual(["TS_run1.mdoc", "TS_run1_1.tiff", "TS_run1_2.tiff", "TS_run1_3.tiff", "TS_run1_4.tiff", "TS_run1_5.tiff", "frames_metadata.json"]);
    expect(readFileSync(join(dir, "TS_run1_3.tiff"), "utf8")).toBe("frame 3");
    const md = JSON.parse(readFileSync(join(dir, "frames_metadata.json"), "utf8"));
    expect(md.frames).toEqual(expected(true, true));
    expect(md.frames.map((f: { exposure_dose: number }) => f.exposure_dose / 1.881)).toEqual(EXPOSURES.map((e) => expect.closeTo(e, 12)));
    expect(md.frames_acquisition_file).toBe(`${FRAMES}/TS_run1.mdoc`);
    expect(md).toMatchObject({ dose_rate: 1.881, is_gain_corrected: true });
  });

  it("a literal default copies nothing and writes null paths and a null is_gain_corrected", async () => {
    const r = await run(FRAMES_YAML("{ metadata: { dose_rate: 1.881, is_gain_corrected: true }, sources: [ { literal: { value: [default] } } ] }"), { input: input() }, sel);
    expect(r.summary.failures).toEqual([]);
    const dir = join(r.dir, "out", FRAMES);
    expect(readdirSync(dir).sort()).toEqual(["TS_run1.mdoc", "frames_metadata.json"]);
    expect(JSON.parse(readFileSync(join(dir, "frames_metadata.json"), "utf8")).frames).toEqual(expected(false, null));
  });

  it("a zero dose rate fails the frames' metadata, naming the entity, and writes no frames_metadata.json", async () => {
    const r = await run(
      FRAMES_YAML("{ metadata: { dose_rate: 0, is_gain_corrected: true }, sources: [ { source_glob: { list_glob: '{run_name}/frames/*.tiff' } } ] }"),
      { input: input() },
      sel,
    );
    expect(r.summary.failures.map((f) => [f.code, f.entityPath])).toEqual([["SOURCE_INVALID", "dataset 10001 / run TS_run1 / frame TS_run1_1.tiff … TS_run1_5.tiff (5 files)"]]);
    expect(r.summary.failures[0]!.message).toMatch(/invalid dose rate for frames: 0/);
    expect(existsSync(join(r.dir, "out", FRAMES, "frames_metadata.json"))).toBe(false);
  });

  it("a dose rate template with no run data map row for the run names the map and the run", async () => {
    const yaml = FRAMES_YAML(
      "{ metadata: { dose_rate: 'float {frame_dose_rate}', is_gain_corrected: true }, sources: [ { source_glob: { list_glob: '{run_name}/frames/*.tiff' } } ] }",
    ).replace("source_prefix: src }", "source_prefix: src, run_data_map_file: map.csv }");
    const r = await run(yaml, { input: { ...input(), "map.csv": "run_name,frame_dose_rate\nTS_other,1.5\n" } }, sel);
    expect(r.summary.failures.map((f) => f.code)).toEqual(["SOURCE_INVALID"]);
    expect(r.summary.failures[0]!.message).toBe(
      `invalid dose rate for frames: "float {frame_dose_rate}" (metadata.dose_rate must be a number > 0): the run data map ${join(r.dir, "src", "map.csv")} has no row for run "TS_run1"`,
    );
    expect(existsSync(join(r.dir, "out", FRAMES, "frames_metadata.json"))).toBe(false);
  });

  it("a missing dose rate is refused when the config is loaded, naming the block, before anything is written", async () => {
    const yaml = FRAMES_YAML("{ metadata: { is_gain_corrected: true }, sources: [ { source_glob: { list_glob: '{run_name}/frames/*.tiff' } } ] }");
    await expect(run(yaml, { input: input() }, sel)).rejects.toThrow(/frames\[0\]\.metadata: missing required key 'dose_rate'/);
  });
});

describe("volume options and re-runs", () => {
  const sel = (extra: Record<string, unknown> = {}) => ({ selection: { imports: ["tomograms"], metadata: ["tomogram"] }, dryRun: false, ...extra });
  const TOMO_DIR = `${VS}/Tomograms/100`;

  it("reference 6.3 item 1: a 4x4x4 volume of 1..4 at 14.08 Å (header stats, cella, 3 levels)", async () => {
    const yaml = TOMO_YAML.replace("literal: { value: [13.48] }", "literal: { value: [14.08] }").replace("voxel_spacing: 13.48", "voxel_spacing: 14.08");
    const src = await mrcBytes({ z: 4, y: 4, x: 4 }, 14.08, (i) => (i % 4) + 1);
    const r = await run(yaml, { input: { "TS_run1/tomo.mrc": src } }, sel());
    expect(r.summary.failures).toEqual([]);
    const dir = join(r.dir, "out", "10001/TS_run1/Reconstructions/VoxelSpacing14.080/Tomograms/100");
    const h = python(`
import json, mrcfile, zarr, os
m = mrcfile.open(${JSON.stringify(join(dir, "TS_run1.mrc"))})
g = zarr.open_group(${JSON.stringify(join(dir, "TS_run1.zarr"))}, mode="r")
ms = g.attrs["multiscales"][0]
print(json.dumps({"voxel": round(float(m.voxel_size.x), 4), "cellax": round(float(m.header.cella.x), 4), "rms": round(float(m.header.rms), 2),
  "dmean": float(m.header.dmean), "dmin": float(m.header.dmin), "dmax": float(m.header.dmax), "nxstart": int(m.header.nxstart), "mxyz": [int(m.header.mx), int(m.header.my), int(m.header.mz)],
  "shapes": [list(g[d["path"]].shape) for d in ms["datasets"]], "scales": [d["coordinateTransformations"][0]["scale"] for d in ms["datasets"]],
  "axis0": ms["axes"][0], "chunk": os.path.exists(${JSON.stringify(join(dir, "TS_run1.zarr", "0", "0", "0", "0"))})}))`);
    expect(h).toEqual({
      voxel: 14.08,
      cellax: 56.32,
      rms: 1.12,
      dmean: 2.5,
      dmin: 1,
      dmax: 4,
      nxstart: 0,
      mxyz: [4, 4, 4],
      shapes: [
        [4, 4, 4],
        [2, 2, 2],
        [1, 1, 1],
      ],
      scales: [
        [14.08, 14.08, 14.08],
        [28.16, 28.16, 28.16],
        [56.32, 56.32, 56.32],
      ],
      axis0: { name: "z", type: "space", unit: "angstrom" },
      chunk: true,
    });
  });

  it("reference 6.3 item 2: legacy unsigned bytes stored as int8 are fixed on the way to float32", async () => {
    const n = 4 * 4 * 4;
    const data = new Int8Array(n);
    // [0,0,0]=-128, [0,1,0]=0, [0,2,0]=-1, [0,3,0]=127 (x fastest, then y)
    data[0] = -128;
    data[4] = 0;
    data[8] = -1;
    data[12] = 127;
    const sink = memoryByteSink();
    await writeMrc(sink, data, { shape: { z: 4, y: 4, x: 4 }, dtype: "int8", voxelSize: 13.48 });
    const bytes = sink.bytes();
    // the legacy marker: dmax > 127 in the header (bytes 80..83, float32 little-endian)
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(80, 255, true);
    const r = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": bytes } }, sel());
    expect(r.summary.failures).toEqual([]);
    const v = python(`
import json, mrcfile
m = mrcfile.open(${JSON.stringify(join(r.dir, "out", TOMO_DIR, "TS_run1.mrc"))})
print(json.dumps([float(m.data[0, i, 0]) for i in range(4)]))`);
    expect(v).toEqual([0, -128, 127, -1]);
  });

  it("the MRC and big Zarr chunks are staged next to their final names; a killed run's temp files are removed, the run's own are gone", async () => {
    const { readdirSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    // level 0's chunk row (32 × 256 × 257 float32, 8.4 MB) is over the 8 MiB kept in memory: streamed into staged chunk files
    const src = await mrcBytes({ z: 32, y: 256, x: 257 }, 13.48, (i) => ((i * 7919) % 1000) * 0.25);
    // a run killed while writing leaves pid-stamped temp siblings in the output folder
    const stale = `${TOMO_DIR}/TS_run1.mrc.ingestkit-tmp-999999-0badf00d`;
    const staleChunk = `${TOMO_DIR}/TS_run1.zarr/0/0/0/0.ingestkit-tmp-999999-0badf00d`;
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith("ingestkit-"));
    const r = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": src }, output: { [stale]: "partial", [staleChunk]: "partial" } }, sel());
    expect(r.summary.failures).toEqual([]);
    expect(existsSync(join(r.dir, "out", stale))).toBe(false);
    expect(existsSync(join(r.dir, "out", staleChunk))).toBe(false);
    expect(existsSync(join(r.dir, "out", TOMO_DIR, "TS_run1.mrc"))).toBe(true);
    const leftovers = (readdirSync(join(r.dir, "out"), { recursive: true }) as string[]).filter((n) => n.includes("ingestkit-tmp"));
    expect(leftovers).toEqual([]);
    // local output: nothing of this process staged in the temp dir (no second copy of the MRC, no chunk files)
    const mine = readdirSync(tmpdir()).filter((n) => !before.includes(n) && (n.startsWith(`ingestkit-stage-${process.pid}-`) || n.startsWith("ingestkit-zarr-")));
    expect(mine).toEqual([]);
    const dir = join(r.dir, "out", TOMO_DIR);
    const checked = python(`
import json, mrcfile, numpy as np, zarr
src = mrcfile.open(${JSON.stringify(join(r.dir, "src", "TS_run1", "tomo.mrc"))}).data
m = mrcfile.open(${JSON.stringify(join(dir, "TS_run1.mrc"))}, permissive=False).data
g = zarr.open_group(${JSON.stringify(join(dir, "TS_run1.zarr"))}, mode="r")
print(json.dumps({"mrc": bool(np.array_equal(m, src)), "level0": bool(np.array_equal(g["0"][:], src)), "shapes": [list(g[str(i)].shape) for i in range(3)]}))`);
    expect(checked).toEqual({
      mrc: true,
      level0: true,
      shapes: [
        [32, 256, 257],
        [16, 128, 129],
        [8, 64, 65],
      ],
    });
  });

  it("--no-write-mrc / --no-write-zarr leave that output out; --ngff-version 0.5 writes Zarr v3; a dry run converts nothing", async () => {
    const src = await mrcBytes({ z: 2, y: 2, x: 2 }, 13.48, (i) => i);
    const noMrc = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": src } }, sel({ settings: { writeMrc: false } }));
    expect(existsSync(join(noMrc.dir, "out", TOMO_DIR, "TS_run1.mrc"))).toBe(false);
    expect(existsSync(join(noMrc.dir, "out", TOMO_DIR, "TS_run1.zarr", ".zattrs"))).toBe(true);
    const noZarr = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": src } }, sel({ settings: { writeZarr: false } }));
    expect(existsSync(join(noZarr.dir, "out", TOMO_DIR, "TS_run1.zarr"))).toBe(false);
    expect(existsSync(join(noZarr.dir, "out", TOMO_DIR, "TS_run1.mrc"))).toBe(true);
    const v3 = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": src } }, sel({ settings: { ngffVersion: "0.5" } }));
    expect(existsSync(join(v3.dir, "out", TOMO_DIR, "TS_run1.zarr", "zarr.json"))).toBe(true);
    expect(existsSync(join(v3.dir, "out", TOMO_DIR, "TS_run1.zarr", "0", "c", "0", "0", "0"))).toBe(true);
    expect(existsSync(join(v3.dir, "out", TOMO_DIR, "TS_run1.zarr", ".zattrs"))).toBe(false);
    const dry = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": src } }, sel({ dryRun: true }));
    expect(nodes(dry.plan, "tomogram")[0]!.writes.map((w) => w.key)).toEqual([`${TOMO_DIR}/TS_run1.mrc`, `${TOMO_DIR}/TS_run1.zarr`, `${TOMO_DIR}/tomogram_metadata.json`]);
    expect(existsSync(join(dry.dir, "out", "10001"))).toBe(false);
  });
});

describe("key images", () => {
  it("writes key-photo-{original,snapshot,thumbnail,expanded}.png per tomogram: 4:3 widths 512/134/1024, original at the tomogram's width", async () => {
    const src = await mrcBytes({ z: 48, y: 60, x: 80 }, 13.48, (i) => Math.sin(i / 7) * 100 + (i % 13));
    const r = await run(TOMO_YAML, { input: { "TS_run1/tomo.mrc": src } }, { selection: { imports: ["tomograms", "key_images"] }, dryRun: false });
    expect(r.summary.failures).toEqual([]);
    const dir = join(r.dir, "out", VS, "Images", "100");
    const sizes: Record<string, [number, number]> = {};
    for (const kind of ["original", "snapshot", "thumbnail", "expanded"]) {
      // PNG signature, then IHDR: width and height as big-endian uint32 at bytes 16 and 20
      const png = readFileSync(join(dir, `key-photo-${kind}.png`));
      expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
      sizes[kind] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    }
    expect(sizes).toEqual({ original: [80, 60], snapshot: [512, 384], thumbnail: [134, 100], expanded: [1024, 768] });
  });

  it("a dry run plans the dataset key photos from the tomogram key images it plans (it failed them: nothing staged yet)", async () => {
    const src = await mrcBytes({ z: 8, y: 12, x: 16 }, 13.48, (i) => i % 11);
    const yaml = `${TOMO_YAML}dataset_keyphotos: [ { sources: [ { literal: { value: { snapshot: 'cryoetportal-rawdatasets-dev/src/none.png', thumbnail: 'cryoetportal-rawdatasets-dev/src/none.png' } } } ] } ]\n`;
    const sel = { imports: ["tomograms", "key_images", "dataset_keyphotos"] };
    const dry = await run(yaml, { input: { "TS_run1/tomo.mrc": src } }, { selection: sel, dryRun: true });
    expect(dry.summary.failures).toEqual([]);
    const planned = nodes(dry.plan, "dataset_keyphoto").map((n) => n.writes.map((w) => `${w.key} < ${w.from}`));
    expect(planned).toEqual([
      [`10001/Images/snapshot.png < ${join(dry.dir, "out", VS, "Images", "100", "key-photo-snapshot.png")}`],
      [`10001/Images/thumbnail.png < ${join(dry.dir, "out", VS, "Images", "100", "key-photo-thumbnail.png")}`],
    ]);
    expect(existsSync(join(dry.dir, "out", "10001"))).toBe(false);
    // with the dataset metadata (which lists the planned key photos) the dry run still plans without failures
    const dryMeta = await run(yaml, { input: { "TS_run1/tomo.mrc": src } }, { selection: { ...sel, metadata: ["dataset"] }, dryRun: true });
    expect(dryMeta.summary.failures).toEqual([]);
    // the real run writes what the dry run planned
    const real = await run(yaml, { input: { "TS_run1/tomo.mrc": src } }, { selection: sel, dryRun: false });
    expect(real.summary.failures).toEqual([]);
    expect(nodes(real.plan, "dataset_keyphoto").map((n) => n.writes.map((w) => w.key))).toEqual([["10001/Images/snapshot.png"], ["10001/Images/thumbnail.png"]]);
    expect(readFileSync(join(real.dir, "out", "10001", "Images", "snapshot.png")).equals(readFileSync(join(real.dir, "out", VS, "Images", "100", "key-photo-snapshot.png")))).toBe(
      true,
    );
  });
});

describe("OME-Zarr input volumes", () => {
  it("reference 6.3 item 1 from input_omezarr.zarr: the same MRC voxels and pyramid as from the MRC", async () => {
    const yaml = TOMO_YAML.replace("literal: { value: [13.48] }", "literal: { value: [14.08] }")
      .replace("voxel_spacing: 13.48", "voxel_spacing: 14.08")
      .replace("list_glob: '{run_name}/*.mrc'", "list_glob: '{run_name}/*.zarr'");
    // the input written with python zarr 2 (as the portal's fixtures are made)
    let zarrDir = "";
    const prepare = (src: string) =>
      writePythonOmeZarr((zarrDir = join(src, "TS_run1", "input_omezarr.zarr")), "(np.arange(64, dtype=np.float32) % 4 + 1).reshape(4, 4, 4)", 14.08);
    const r0 = await run(yaml, { prepare }, { dryRun: false, selection: { imports: ["tomograms"], metadata: ["tomogram"] } });
    expect(r0.summary.failures).toEqual([]);
    const dir = join(r0.dir, "out", "10001/TS_run1/Reconstructions/VoxelSpacing14.080/Tomograms/100");
    const h = python(`
import json, mrcfile, numpy as np, zarr
m = mrcfile.open(${JSON.stringify(join(dir, "TS_run1.mrc"))})
src = zarr.open_group(${JSON.stringify(zarrDir)}, mode="r")["0"][:]
g = zarr.open_group(${JSON.stringify(join(dir, "TS_run1.zarr"))}, mode="r")
print(json.dumps({"same": bool(np.array_equal(m.data, src)), "dmean": float(m.header.dmean), "voxel": round(float(m.voxel_size.x), 4),
  "shapes": [list(g[str(i)].shape) for i in range(3)], "level0": bool(np.array_equal(g["0"][:], src))}))`);
    expect(h).toEqual({
      same: true,
      dmean: 2.5,
      voxel: 14.08,
      shapes: [
        [4, 4, 4],
        [2, 2, 2],
        [1, 1, 1],
      ],
      level0: true,
    });

    // re-runs: unchanged input -> nothing converted; one chunk edited inside the group -> converted again
    const { convert, LocalStorage, parseConfig } = await import("@ingestkit/core");
    const { createCryoetProfile } = await import("@ingestkit/importers");
    const { withDefaults } = await import("../../finders/test/harness.js");
    const again = async () =>
      convert({
        profile: createCryoetProfile(),
        config: parseConfig(withDefaults(yaml), join(r0.dir, "config.yaml")),
        // as the harness's first run: INPUT/source_prefix handed in rooted, INPUT as inputBase
        input: new LocalStorage(join(r0.dir, "src")),
        output: new LocalStorage(join(r0.dir, "out")),
        settings: { inputBase: new LocalStorage(join(r0.dir, "cryoetportal-rawdatasets-dev")) },
        selection: { imports: ["tomograms"] },
        now: 1767225600,
      });
    const unchanged = await again();
    expect(unchanged.summary.outputs.written, "unchanged input").toBe(0);
    const { statSync, utimesSync } = await import("node:fs");
    const dirMtime = statSync(join(zarrDir, "0")).mtime;
    python(`
import json, numpy as np, zarr
a = zarr.open_group(${JSON.stringify(zarrDir)}, mode="r+")["0"]
a[0:2, 0:2, 0:2] = 9
print(json.dumps(True))`);
    utimesSync(join(zarrDir, "0"), dirMtime, dirMtime); // the folder looks untouched: only a chunk changed
    const edited = await again();
    expect(edited.summary.failures).toEqual([]);
    expect(edited.summary.outputs.written, "edited chunk").toBeGreaterThanOrEqual(2); // the MRC and the pyramid
    const dmean = python(`
import json, mrcfile
print(json.dumps(float(mrcfile.open(${JSON.stringify(join(dir, "TS_run1.mrc"))}).header.dmean)))`);
    expect(dmean).toBeCloseTo((2.5 * 64 - (1 + 2 + 1 + 2 + 1 + 2 + 1 + 2) + 9 * 8) / 64, 5);
  });
});
