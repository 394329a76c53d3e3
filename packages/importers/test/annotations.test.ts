/**
 * The annotation importer end to end on generated inputs: folders, ids, file names and metadata
 * (reference 6.3 items 12, 13, 14, 16), masks checked with mrcfile and zarr.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryByteSink, writeMrc } from "@ingestkit/formats";
import { run } from "../../finders/test/harness.js";
import { SEMANTIC_MASK } from "../../formats/test/support-annotations.js";
// @ts-expect-error plain ESM helper shared with the benchmarks
import { tomogramsSection } from "../../../scripts/lib/tomogram-config.mjs";
import { python, writePythonOmeZarr } from "./support-python.js";

const VS = "10001/TS_1/Reconstructions/VoxelSpacing10.000";

async function mrc(shape: { z: number; y: number; x: number }, values: ArrayLike<number>, voxel = 10): Promise<Uint8Array> {
  const sink = memoryByteSink();
  await writeMrc(sink, Float32Array.from(values), { shape, dtype: "float32", voxelSize: voxel });
  return sink.bytes();
}

// reference 6.3 item 12: labels 1, 2 and 3 on a 4x4x4 grid
const SEMANTIC = [...SEMANTIC_MASK];

const METADATA = `
      annotation_ingest_id: some-protein-1
      annotation_object: { id: "GO:0001234", name: some protein, description: some protein }
      annotation_method: manual annotation
      method_type: hybrid
      annotation_publications: EMPIAR-12345
      ground_truth_status: true
      annotation_software: pyTOM + Keras
      version: 1.0
      is_curator_recommended: true
      dates: { deposition_date: 2022-02-02, release_date: 2022-02-02, last_modified_date: 2022-02-02 }
      authors: [ { name: Author 1, ORCID: 0000-0000-0000-0000, primary_author_status: true } ]`;

const ALIGNMENT = `
alignments:
  - metadata: { format: IMOD, volume_dimension: { x: 40.0, y: 40.0, z: 40.0 } }
    sources: [ { literal: { value: [default] } } ]
`;

const ANNO = (sources: string, metadata = METADATA) => `${ALIGNMENT}
annotations:
  - metadata:${metadata}
    sources:
${sources}
`;

const maskCheck = (path: string) => `
import json, mrcfile, numpy as np, zarr
m = mrcfile.open(${JSON.stringify(path + ".mrc")}, permissive=False)
g = zarr.open_group(${JSON.stringify(path + ".zarr")}, mode="r")
print(json.dumps({"mode": int(m.header.mode), "dtype": str(m.data.dtype), "data": m.data.tolist(), "voxel": float(m.voxel_size.x),
  "zdtype": str(g["0"].dtype), "level0": g["0"][:].tolist(), "shapes": [list(g[str(i)].shape) for i in range(3)],
  "attrs": g.attrs.asdict()}))`;

describe("segmentation masks (reference 6.3 item 12)", () => {
  const cases: Array<{ name: string; opts: string; file: string; want: (z: number, y: number, x: number) => number }> = [
    { name: "mask_label 1", opts: "mask_label: 1", file: "semantic_mask.mrc", want: (z, _y, x) => (z >= 2 && x === 3 ? 1 : 0) },
    { name: "mask_label 2", opts: "mask_label: 2", file: "semantic_mask.mrc", want: (z, y, x) => (z <= 1 && (y === 1 || y === 2) && x === 1 ? 1 : 0) },
    { name: "mask_label 3", opts: "mask_label: 3", file: "semantic_mask.mrc", want: (z, y) => (z === 0 && y === 0 ? 1 : 0) },
    { name: "mask_label 3, rescale to the same shape", opts: "mask_label: 3, rescale: true", file: "semantic_mask.mrc", want: (z, y) => (z === 0 && y === 0 ? 1 : 0) },
    { name: "small mask, label 2, rescaled up", opts: "mask_label: 2, rescale: true", file: "small_semantic_mask.mrc", want: (z, y) => (z <= 1 && y <= 1 ? 1 : 0) },
    {
      name: "small probability map, rescaled, threshold 0.5",
      opts: "rescale: true, threshold: 0.5",
      file: "small_probability_map.mrc",
      want: (z, y) => (z <= 1 && y <= 1 ? 1 : 0),
    },
    { name: "probability map, threshold 0.7", opts: "rescale: false, threshold: 0.7", file: "large_probability_map.mrc", want: (z, y) => (z <= 1 && y <= 1 ? 1 : 0) },
  ];
  const inputs = async () => ({
    "annotations/semantic_mask.mrc": await mrc({ z: 4, y: 4, x: 4 }, SEMANTIC),
    "annotations/small_semantic_mask.mrc": await mrc({ z: 2, y: 2, x: 2 }, [2, 2, 0, 0, 0, 0, 0, 0], 20),
    "annotations/small_probability_map.mrc": await mrc({ z: 2, y: 2, x: 2 }, [0.6, 0.9, 0.1, 0.2, 0.3, 0.0, 0.4, 0.1], 20),
    "annotations/large_probability_map.mrc": await mrc(
      { z: 4, y: 4, x: 4 },
      Array.from({ length: 64 }, (_, i) => (Math.floor(i / 16) <= 1 && Math.floor(i / 4) % 4 <= 1 ? 0.75 : 0.69)),
    ),
  });
  for (const c of cases) {
    it(c.name, async () => {
      const r = await run(
        ANNO(`      - SemanticSegmentationMask: { file_format: mrc, glob_string: annotations/${c.file}, is_visualization_default: true, ${c.opts} }`),
        { input: await inputs() },
        { selection: { imports: ["annotations"], metadata: ["annotation"] }, dryRun: false },
      );
      expect(r.summary.failures).toEqual([]);
      const base = join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0_segmentationmask");
      const got = python(maskCheck(base));
      const want = [0, 1, 2, 3].map((z) => [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => c.want(z, y, x))));
      expect(got.mode).toBe(0);
      expect(got.dtype).toBe("int8");
      expect(got.zdtype).toBe("int8");
      expect(got.data).toEqual(want);
      expect(got.level0).toEqual(want);
      expect(got.voxel).toBeCloseTo(10, 5);
      expect(got.shapes).toEqual([
        [4, 4, 4],
        [2, 2, 2],
        [1, 1, 1],
      ]);
      expect(spawnSync("/usr/bin/mrcfile-validate", [base + ".mrc"]).status).toBe(0);
      const md = JSON.parse(readFileSync(join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0.json"), "utf8"));
      expect(md.files).toEqual([
        { format: "zarr", path: `${VS}/Annotations/100/some_protein-1.0_segmentationmask.zarr`, shape: "SegmentationMask", is_visualization_default: true },
        { format: "mrc", path: `${VS}/Annotations/100/some_protein-1.0_segmentationmask.mrc`, shape: "SegmentationMask", is_visualization_default: true },
      ]);
      expect(md.object_count).toBe(0);
    });
  }

  it("a mask without the label is dropped (the reference's is_valid), with a warning", async () => {
    const r = await run(
      ANNO(`      - SemanticSegmentationMask: { file_format: mrc, glob_string: annotations/m.mrc, mask_label: 7 }`),
      { input: { "annotations/m.mrc": await mrc({ z: 4, y: 4, x: 4 }, SEMANTIC) } },
      {
        selection: { imports: ["annotations"], metadata: ["annotation"] },
        dryRun: false,
      },
    );
    expect(r.summary.failures).toEqual([]);
    expect(existsSync(join(r.dir, "out", VS, "Annotations"))).toBe(false);
  });

  it("a dropped mask leaves its annotation's other sources: metadata lists only them; the warning is given once", async () => {
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    const r = await run(
      ANNO(
        [
          "      - SemanticSegmentationMask: { file_format: mrc, glob_string: annotations/m.mrc, mask_label: 7 }",
          "      - Point: { file_format: csv, glob_string: annotations/points.csv }",
        ].join("\n"),
      ),
      { input: { "annotations/m.mrc": await mrc({ z: 4, y: 4, x: 4 }, SEMANTIC), "annotations/points.csv": "1,2,3\n" } },
      { selection: { imports: ["annotations"], metadata: ["annotation"] }, dryRun: false, logger },
    );
    expect(r.summary.failures).toEqual([]);
    const md = JSON.parse(readFileSync(join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0.json"), "utf8"));
    expect(md.files.map((f: { shape: string }) => f.shape)).toEqual(["Point"]);
    expect(warnings.filter((w) => w.includes("skipping") && w.includes("m.mrc") && w.includes("no voxel has the label 7"))).toHaveLength(1);
  });
});

describe("instance segmentation masks (reference 6.3 item 13)", () => {
  it("uint16 labels, image-label metadata, object_count = distinct labels; nearest-neighbour rescale", async () => {
    const labels = [0, 5, 5, 0, 7, 7, 0, 300];
    for (const rescale of [false, true]) {
      const r = await run(
        ANNO(`      - InstanceSegmentationMask: { file_format: mrc, glob_string: annotations/inst.mrc, rescale: ${rescale} }`),
        { input: { "annotations/inst.mrc": await mrc({ z: 2, y: 2, x: 2 }, labels) } },
        {
          selection: { imports: ["annotations"], metadata: ["annotation"] },
          dryRun: false,
        },
      );
      expect(r.summary.failures).toEqual([]);
      const base = join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0_instancesegmentationmask");
      const got = python(maskCheck(base));
      expect(got.mode).toBe(6);
      expect(got.dtype).toBe("uint16");
      expect(got.attrs.multiscales[0].metadata["image-label"]).toEqual({ version: "0.4", colors: [{ "label-value": 5 }, { "label-value": 7 }, { "label-value": 300 }] });
      const want = python(
        `import json, numpy as np; from scipy.ndimage import zoom; a = np.array(${JSON.stringify(labels)}, np.float32).reshape(2,2,2); print(json.dumps((zoom(a, (2,2,2), order=0) if ${rescale ? "True" : "False"} else a).astype(np.uint16).tolist()))`,
      );
      expect(got.data).toEqual(want);
      const md = JSON.parse(readFileSync(join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0.json"), "utf8"));
      expect(md.object_count).toBe(3);
      expect(md.files.map((f: { shape: string; format: string }) => `${f.shape}/${f.format}`)).toEqual(["InstanceSegmentationMask/zarr", "InstanceSegmentationMask/mrc"]);
    }
  });
});

describe("annotation metadata, ids and captions (reference 6.3 items 14, 15, 16)", () => {
  const captions = {
    "annotations/global_caption.json": JSON.stringify({ captions: [{ text: "a" }, { text: "b" }, { text: "c" }], extra: "kept" }),
    "annotations/annotation_caption.json": JSON.stringify({ objects: [1, 2, 3, 4, 5].map((i) => ({ id: i })) }),
  };

  it("several sources share one folder and one metadata file; captions are copied verbatim", async () => {
    const r = await run(
      ANNO(
        [
          "      - SegmentationMask: { file_format: mrc, glob_string: annotations/segmask.mrc }",
          "      - GlobalCaption: { file_format: saber, glob_string: annotations/global_caption.json }",
          "      - AnnotationCaption: { file_format: saber, glob_string: annotations/annotation_caption.json, companion_shape: InstanceSegmentation }",
        ].join("\n"),
      ),
      {
        input: {
          "annotations/segmask.mrc": await mrc(
            { z: 4, y: 4, x: 4 },
            SEMANTIC.map((v) => (v === 1 ? 1 : 0)),
          ),
          ...captions,
        },
      },
      { selection: { imports: ["annotations"], metadata: ["annotation"] }, dryRun: false },
    );
    expect(r.summary.failures).toEqual([]);
    const dir = join(r.dir, "out", VS, "Annotations", "100");
    expect(readdirSync(dir).sort()).toEqual([
      "some_protein-1.0.json",
      "some_protein-1.0_globalcaption.json",
      "some_protein-1.0_instancesegmentation_caption.json",
      "some_protein-1.0_segmentationmask.mrc",
      "some_protein-1.0_segmentationmask.zarr",
    ]);
    expect(readFileSync(join(dir, "some_protein-1.0_globalcaption.json"), "utf8")).toBe(captions["annotations/global_caption.json"]);
    const md = JSON.parse(readFileSync(join(dir, "some_protein-1.0.json"), "utf8"));
    expect(md.deposition_id).toBe("1");
    expect(md.object_count).toBe(5);
    expect(md.alignment_metadata_path).toBe("10001/TS_1/Alignments/100/alignment_metadata.json");
    expect(md.annotation_object).toEqual({ id: "GO:0001234", name: "some protein", description: "some protein" });
    expect(md.files.map((f: { format: string; shape: string }) => `${f.shape}/${f.format}`)).toEqual([
      "SegmentationMask/zarr",
      "SegmentationMask/mrc",
      "GlobalCaption/json",
      "AnnotationCaption/json",
    ]);
    expect(md.files.every((f: { is_visualization_default: boolean }) => f.is_visualization_default === false)).toBe(true);
    // metadata keys: the config's, then what the importer adds, as the reference merges them
    expect(Object.keys(md).slice(-5)).toEqual(["object_count", "files", "alignment_metadata_path", "deposition_id", "last_updated_at"]);
  });

  it("half-written folders of an interrupted run are removed before ids are seeded; complete ones keep their ids", async () => {
    const existing = (ingest: string) =>
      JSON.stringify({ annotation_ingest_id: ingest, deposition_id: "1", alignment_metadata_path: "10001/TS_1/Alignments/100/alignment_metadata.json" });
    const r = await run(
      ANNO("      - GlobalCaption: { file_format: saber, glob_string: annotations/global_caption.json }"),
      {
        input: captions,
        output: {
          [`${VS}/Annotations/100/other-1.0.json`]: existing("other-1"),
          [`${VS}/Annotations/125/another-2.json`]: existing("another-2"),
          [`${VS}/Annotations/125/broken.zarr/.zattrs`]: "{",
          [`${VS}/Annotations/123/some_protein-1.0_point.ndjson`]: '{"type":"point"}\n',
          [`${VS}/Annotations/123/weird[1].ndjson`]: "",
          [`${VS}/Annotations/notanid/x.json`]: "{}",
        },
      },
      { selection: { imports: ["annotations"], metadata: ["annotation"] }, dryRun: false },
    );
    expect(r.summary.failures).toEqual([]);
    const root = join(r.dir, "out", VS, "Annotations");
    expect(readdirSync(root).sort()).toEqual(["100", "125", "126", "notanid"]);
    expect(existsSync(join(root, "125", "broken.zarr", ".zattrs"))).toBe(true);
    expect(readdirSync(join(root, "126")).sort()).toEqual(["some_protein-1.0.json", "some_protein-1.0_globalcaption.json"]);
    // a second run finds its own annotation again (same ingest id): id 126 is reused
    const again = await run(
      ANNO("      - GlobalCaption: { file_format: saber, glob_string: annotations/global_caption.json }"),
      {
        input: captions,
        output: Object.fromEntries(
          [
            ["126/some_protein-1.0.json", readFileSync(join(root, "126", "some_protein-1.0.json"), "utf8")],
            ["100/other-1.0.json", existing("other-1")],
          ].map(([k, v]) => [`${VS}/Annotations/${k}`, v!]),
        ),
      },
      { selection: { imports: ["annotations"], metadata: ["annotation"] }, dryRun: false },
    );
    expect(readdirSync(join(again.dir, "out", VS, "Annotations")).sort()).toEqual(["100", "126"]);
  });

  it("a shape with a file format it does not read fails that source alone, naming the format", async () => {
    const r = await run(
      ANNO(
        ["      - Point: { file_format: tsv, glob_string: annotations/p.tsv }", "      - GlobalCaption: { file_format: saber, glob_string: annotations/global_caption.json }"].join(
          "\n",
        ),
      ),
      { input: { "annotations/p.tsv": "1\t2\t3\n", ...captions } },
      { selection: { imports: ["annotations"], metadata: ["annotation"] }, dryRun: false },
    );
    expect(r.summary.failures).toHaveLength(1);
    expect(r.summary.failures[0]!.message).toMatch(/Point: invalid file format "tsv"/);
    expect(existsSync(join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0_globalcaption.json"))).toBe(true);
    // its annotation's metadata is not written over a missing output
    expect(existsSync(join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0.json"))).toBe(false);
  });

  it("a caption file that is not JSON is refused, naming the file, and nothing is written for it", async () => {
    const r = await run(
      ANNO("      - GlobalCaption: { file_format: saber, glob_string: annotations/bad.json }"),
      { input: { "annotations/bad.json": "{ not json" } },
      {
        selection: { imports: ["annotations"], metadata: ["annotation"] },
        dryRun: false,
      },
    );
    expect(r.summary.failures).toHaveLength(1);
    expect(r.summary.failures[0]!.message).toMatch(/annotations\/bad\.json: not a JSON caption file/);
    expect(existsSync(join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0_globalcaption.json"))).toBe(false);
  });
});

describe("triangular meshes (reference 6.3 item 15)", () => {
  // a tetrahedron as OBJ and as ASCII STL (three vertices per facet, welded on load)
  const V = [
    [0, 0, 0],
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const F = [
    [0, 2, 1],
    [0, 1, 3],
    [0, 3, 2],
    [1, 2, 3],
  ];
  const obj = V.map((v) => `v ${v.join(" ")}`).join("\n") + "\n" + F.map((f) => `f ${f.map((i) => i + 1).join(" ")}`).join("\n") + "\n";
  const stl = `solid t\n${F.map((f) => `facet normal 0 0 0\n outer loop\n${f.map((i) => `  vertex ${V[i]!.join(" ")}`).join("\n")}\n endloop\nendfacet`).join("\n")}\nendsolid t\n`;

  it("obj and stl become the same scaled GLB; object_count 1", async () => {
    const out: Buffer[] = [];
    for (const [fmt, body] of [
      ["obj", obj],
      ["stl", stl],
    ] as const) {
      const r = await run(
        ANNO(`      - TriangularMesh: { file_format: ${fmt}, glob_string: annotations/mesh.${fmt}, scale_factor: 2.0 }`),
        { input: { [`annotations/mesh.${fmt}`]: body } },
        {
          selection: { imports: ["annotations"], metadata: ["annotation"] },
          dryRun: false,
        },
      );
      expect(r.summary.failures).toEqual([]);
      const dir = join(r.dir, "out", VS, "Annotations", "100");
      out.push(readFileSync(join(dir, "some_protein-1.0_triangularmesh.glb")));
      const md = JSON.parse(readFileSync(join(dir, "some_protein-1.0.json"), "utf8"));
      expect(md.object_count).toBe(1);
      expect(md.files).toEqual([{ format: "glb", path: `${VS}/Annotations/100/some_protein-1.0_triangularmesh.glb`, shape: "TriangularMesh", is_visualization_default: false }]);
    }
    expect(out[0]!.equals(out[1]!)).toBe(true);
    const glb = out[0]!;
    expect(glb.readUInt32LE(0)).toBe(0x46546c67); // "glTF"
    const json = JSON.parse(glb.subarray(20, 20 + glb.readUInt32LE(12)).toString("utf8"));
    const pos = json.accessors[json.meshes[0].primitives[0].attributes.POSITION];
    expect(pos.count).toBe(4);
    expect(pos.max).toEqual([2, 2, 2]);
  });

  it("a malformed obj fails that source naming the file and line", async () => {
    const r = await run(
      ANNO("      - TriangularMesh: { file_format: obj, glob_string: annotations/bad.obj }"),
      { input: { "annotations/bad.obj": "v 0 0 0\nv 1 x 0\n" } },
      {
        selection: { imports: ["annotations"], metadata: ["annotation"] },
        dryRun: false,
      },
    );
    expect(r.summary.failures).toHaveLength(1);
    expect(r.summary.failures[0]!.message).toMatch(/bad\.obj.*2/);
    expect(existsSync(join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0_triangularmesh.glb"))).toBe(false);
  });
});

describe("points, oriented points and instance points (reference 6.3 items 9, 10, 11, 14)", () => {
  const opts = { selection: { imports: ["annotations"], metadata: ["annotation"] }, dryRun: false };
  const dir = (r: { dir: string }) => join(r.dir, "out", VS, "Annotations", "100");

  it("csv points become the reference's ndjson lines byte for byte; object_count 3", async () => {
    const r = await run(ANNO("      - Point: { file_format: csv, glob_string: annotations/points.csv }"), { input: { "annotations/points.csv": "1,2,3\n2,2,2\n0,3,0\n" } }, opts);
    expect(r.summary.failures).toEqual([]);
    expect(readFileSync(join(dir(r), "some_protein-1.0_point.ndjson"), "utf8")).toBe(
      [
        '{"type": "point", "location": {"x": 1.0, "y": 2.0, "z": 3.0}}',
        '{"type": "point", "location": {"x": 2.0, "y": 2.0, "z": 2.0}}',
        '{"type": "point", "location": {"x": 0.0, "y": 3.0, "z": 0.0}}',
      ].join("\n"),
    );
    const md = JSON.parse(readFileSync(join(dir(r), "some_protein-1.0.json"), "utf8"));
    expect(md.object_count).toBe(3);
    expect(md.files).toEqual([{ format: "ndjson", path: `${VS}/Annotations/100/some_protein-1.0_point.ndjson`, shape: "Point", is_visualization_default: false }]);
  });

  it("tab-delimited with binning 2 halves the coordinates; columns zyx swaps them", async () => {
    const r = await run(
      ANNO('      - Point: { file_format: csv, glob_string: annotations/points.tsv, delimiter: "\\t", binning: 2, columns: zyx }'),
      { input: { "annotations/points.tsv": "1\t2\t3\n2\t2\t2\n0\t3\t0\n" } },
      opts,
    );
    expect(r.summary.failures).toEqual([]);
    const lines = readFileSync(join(dir(r), "some_protein-1.0_point.ndjson"), "utf8")
      .split("\n")
      .map((l) => JSON.parse(l).location);
    expect(lines).toEqual([
      { x: 1.5, y: 1, z: 0.5 },
      { x: 1, y: 1, z: 1 },
      { x: 0, y: 1.5, z: 0 },
    ]);
  });

  it("SegmentationMask + Point under one annotation: one metadata file with formats zarr, mrc, ndjson and object_count 3 (item 14)", async () => {
    const r = await run(
      ANNO(
        ["      - SegmentationMask: { file_format: mrc, glob_string: annotations/segmask.mrc }", "      - Point: { file_format: csv, glob_string: annotations/points.csv }"].join(
          "\n",
        ),
      ),
      {
        input: {
          "annotations/segmask.mrc": await mrc(
            { z: 4, y: 4, x: 4 },
            SEMANTIC.map((v) => (v === 1 ? 1 : 0)),
          ),
          "annotations/points.csv": "1,2,3\n2,2,2\n0,3,0\n",
        },
      },
      opts,
    );
    expect(r.summary.failures).toEqual([]);
    expect(readdirSync(dir(r)).sort()).toEqual([
      "some_protein-1.0.json",
      "some_protein-1.0_point.ndjson",
      "some_protein-1.0_segmentationmask.mrc",
      "some_protein-1.0_segmentationmask.zarr",
    ]);
    const md = JSON.parse(readFileSync(join(dir(r), "some_protein-1.0.json"), "utf8"));
    expect(md.files.map((f: { format: string }) => f.format)).toEqual(["zarr", "mrc", "ndjson"]);
    expect(md.object_count).toBe(3);
    expect(md.deposition_id).toBe("1");
  });

  it("RELION 3 oriented points filtered by a templated filter_value, binning 4: locations and rotations (item 10)", async () => {
    const star = [
      "data_",
      "",
      "loop_",
      "_rlnMicrographName #1",
      "_rlnCoordinateX #2",
      "_rlnCoordinateY #3",
      "_rlnCoordinateZ #4",
      "_rlnAngleRot #5",
      "_rlnAngleTilt #6",
      "_rlnAnglePsi #7",
      "_rlnOriginX #8",
      "_rlnOriginY #9",
      "_rlnOriginZ #10",
      "TS_1.tomostar 4.0 8.0 12.0 90 45 180 -1.2 -2.4 -3.2",
      "TS_1.tomostar 4.0 4.0 4.0 -45 90 120 3.2 2.4 1.2",
      "TS_2.tomostar 6.0 4.0 2.0 0 90 0 -1.0 -2.0 -3.0",
      "",
    ].join("\n");
    const r = await run(
      ANNO('      - OrientedPoint: { file_format: relion3_star, glob_string: annotations/particles.star, binning: 4, filter_value: "{run_name}.tomostar", order: xyz }'),
      { input: { "annotations/particles.star": star } },
      opts,
    );
    expect(r.summary.failures).toEqual([]);
    const lines = readFileSync(join(dir(r), "some_protein-1.0_orientedpoint.ndjson"), "utf8").split("\n");
    expect(lines).toHaveLength(2);
    const recs = lines.map((l) => JSON.parse(l));
    expect(recs.map((p) => p.type)).toEqual(["orientedPoint", "orientedPoint"]);
    const loc = recs.map((p) => [p.location.x, p.location.y, p.location.z]);
    [
      [1.3, 2.6, 3.8],
      [0.2, 0.4, 0.7],
    ].forEach((want, i) => want.forEach((v, k) => expect(loc[i]![k]).toBeCloseTo(v, 12)));
    // RELION ZYZ (rot, tilt, psi) inverted, as scipy computes it (independent check)
    const want = python(`
import json
from scipy.spatial.transform import Rotation as R
print(json.dumps([R.from_euler("ZYZ", a, degrees=True).inv().as_matrix().tolist() for a in ([90,45,180],[-45,90,120])]))`);
    recs.forEach((p, i) => p.xyz_rotation_matrix.forEach((row: number[], a: number) => row.forEach((v, b) => expect(v).toBeCloseTo(want[i][a][b], 12))));
    const md = JSON.parse(readFileSync(join(dir(r), "some_protein-1.0.json"), "utf8"));
    expect(md.object_count).toBe(2);
  });

  it("tardis instance points: instance ids kept, binning 2, object_count = distinct instances (item 11)", async () => {
    const r = await run(
      ANNO("      - InstanceSegmentation: { file_format: tardis, glob_string: annotations/tardis.csv, binning: 2 }"),
      { input: { "annotations/tardis.csv": "IDs,X [A],Y [A],Z [A]\n0,4,8,12\n0,4,4,4\n1,6,4,2\n1,0,6,0\n1,8,4,2\n2,3,2,1\n" } },
      opts,
    );
    expect(r.summary.failures).toEqual([]);
    const text = readFileSync(join(dir(r), "some_protein-1.0_instancesegmentation.ndjson"), "utf8");
    expect(text.split("\n")[0]).toBe('{"type": "instancePoint", "location": {"x": 2.0, "y": 4.0, "z": 6.0}, "instance_id": 0}');
    expect(text.split("\n").map((l) => JSON.parse(l).instance_id)).toEqual([0, 0, 1, 1, 1, 2]);
    expect(JSON.parse(readFileSync(join(dir(r), "some_protein-1.0.json"), "utf8")).object_count).toBe(3);
    // precomputed: one enum label per instance, each point named by its instance
    const v = await run(
      ANNO("      - InstanceSegmentation: { file_format: tardis, glob_string: annotations/tardis.csv, binning: 2 }"),
      { input: { "annotations/tardis.csv": "IDs,X [A],Y [A],Z [A]\n0,4,8,12\n0,4,4,4\n1,6,4,2\n1,0,6,0\n1,8,4,2\n2,3,2,1\n" } },
      { selection: { imports: ["annotations", "annotation_viz"], metadata: ["annotation"] }, dryRun: false },
    );
    expect(v.summary.failures).toEqual([]);
    const pre = join(v.dir, "out", VS, "NeuroglancerPrecompute", "100-some_protein-1.0_instancesegmentation");
    const info = JSON.parse(readFileSync(join(pre, "info"), "utf8"));
    const name = info.properties.find((p: { id: string }) => p.id === "name");
    expect(name).toMatchObject({ type: "uint8", enum_values: [0, 1, 2], enum_labels: ["some protein 0", "some protein 1", "some protein 2"] });
    const chunk = readFileSync(join(pre, "spatial0", "0_0_0"));
    const size = (chunk.length - 8 - 6 * 8) / 6;
    // 12 bytes of geometry, then diameter and point_index (float32), then name (uint8) and color (rgb)
    expect([0, 1, 2, 3, 4, 5].map((i) => chunk[8 + i * size + 12 + 8])).toEqual([0, 0, 1, 1, 1, 2]);
  });

  it("a malformed csv fails naming the file and line; the other annotation still imports", async () => {
    const other = METADATA.replace("annotation_ingest_id: some-protein-1", "annotation_ingest_id: other-1").replace(
      /name: some protein, description: some protein/,
      "name: other, description: other",
    );
    const r = await run(
      `${ALIGNMENT}
annotations:
  - metadata:${METADATA}
    sources:
      - Point: { file_format: csv, glob_string: annotations/bad.csv }
  - metadata:${other}
    sources:
      - Point: { file_format: csv, glob_string: annotations/good.csv }
`,
      { input: { "annotations/bad.csv": "1,2,3\n4,x,6\n", "annotations/good.csv": "1,2,3\n" } },
      opts,
    );
    expect(r.summary.failures).toHaveLength(1);
    expect(r.summary.failures[0]!.message).toMatch(/annotations\/bad\.csv: line 2/);
    const root = join(r.dir, "out", VS, "Annotations");
    const all = readdirSync(root)
      .flatMap((d) => readdirSync(join(root, d)).map((f) => `${d}/${f}`))
      .sort();
    expect(all.filter((f) => f.includes("some_protein"))).toEqual([]);
    expect(all.filter((f) => f.includes("other"))).toHaveLength(2);
  });
});

describe("visualization: neuroglancer config per tomogram and precomputed point annotations", () => {
  const ALIGN = "10001/TS_1/Alignments/100/alignment_metadata.json";
  const tomogram = async () => {
    const data = Array.from({ length: 8 * 6 * 4 }, (_, i) => Math.sin(i) * 10 + 3);
    return {
      [`${VS}/Tomograms/100/TS_1.mrc`]: await mrc({ z: 4, y: 6, x: 8 }, data),
      [`${VS}/Tomograms/100/tomogram_metadata.json`]: JSON.stringify({
        size: { x: 8, y: 6, z: 4 },
        omezarr_dir: `${VS}/Tomograms/100/TS_1.zarr`,
        mrc_file: `${VS}/Tomograms/100/TS_1.mrc`,
        voxel_spacing: 10.0,
        alignment_metadata_path: ALIGN,
      }),
    };
  };
  const sel = {
    selection: { imports: ["annotations", "annotation_viz", "viz_config"], metadata: ["annotation"] },
    dryRun: false,
    settings: { httpsPrefix: "https://files.example.org" },
  };

  it("writes {tomo_id}-neuroglancer_config.json with the image and one layer per annotation file, and precomputes the points", async () => {
    const r = await run(
      ANNO(
        [
          "      - SegmentationMask: { file_format: mrc, glob_string: annotations/segmask.mrc, is_visualization_default: true }",
          "      - Point: { file_format: csv, glob_string: annotations/points.csv }",
        ].join("\n"),
      ),
      {
        input: {
          "annotations/segmask.mrc": await mrc(
            { z: 4, y: 4, x: 4 },
            SEMANTIC.map((v) => (v === 1 ? 1 : 0)),
          ),
          "annotations/points.csv": "1,2,3\n2,2,2\n0,3,0\n",
        },
        output: await tomogram(),
      },
      sel,
    );
    expect(r.summary.failures).toEqual([]);
    const ng = join(r.dir, "out", VS, "NeuroglancerPrecompute");
    const state = JSON.parse(readFileSync(join(ng, "100-neuroglancer_config.json"), "utf8"));
    expect(state.deposition_id).toBe("1");
    expect(typeof state.last_updated_at).toBe("number");
    expect(state.dimensions).toEqual({ x: [1e-9, "m"], y: [1e-9, "m"], z: [1e-9, "m"] });
    expect(state.layout).toBe("4panel");
    expect(state.position).toEqual([4, 3, 2]);
    expect(state.layers.map((l: { type: string; name: string }) => `${l.type}:${l.name}`)).toEqual([
      "image:TS_1",
      "segmentation:100 some protein segmentation",
      "annotation:100 some protein point",
    ]);
    const [image, seg, points] = state.layers;
    expect(image.source.url).toBe(`zarr://https://files.example.org/${VS}/Tomograms/100/TS_1.zarr`);
    expect(Object.keys(image).filter((k) => k.startsWith("_"))).toEqual([]);
    // contrast limits: the generator's fallback, mean ± 3 rms from the MRC header (read by mrcfile)
    const h = python(`
import json, mrcfile
m = mrcfile.open(${JSON.stringify(join(r.dir, "out", VS, "Tomograms", "100", "TS_1.mrc"))})
print(json.dumps([float(m.header.dmean), float(m.header.rms)]))`);
    const [lo, hi] = image.shaderControls.contrast.range;
    expect(lo).toBeCloseTo(h[0] - 3 * h[1], 4);
    expect(hi).toBeCloseTo(h[0] + 3 * h[1], 4);
    expect(seg.source.url).toBe(`precomputed://https://files.example.org/${VS}/NeuroglancerPrecompute/100-some_protein-1.0_segmentationmask`);
    expect(seg.visible).toBe(true);
    expect(points.source.url).toBe(`precomputed://https://files.example.org/${VS}/NeuroglancerPrecompute/100-some_protein-1.0_point`);
    expect(points.visible).toBe(false);
    expect(points.shaderControls.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(points.shaderControls.color).not.toBe(seg.segmentDefaultColor);

    // the point precompute: info + one spatial chunk + by_id, decoded here from the spec's layout
    const pre = join(ng, "100-some_protein-1.0_point");
    const info = JSON.parse(readFileSync(join(pre, "info"), "utf8"));
    expect(info["@type"]).toBe("neuroglancer_annotations_v1");
    expect(info.annotation_type).toBe("point");
    expect(info.dimensions.x).toEqual([1e-9, "m"]);
    expect(info.lower_bound).toEqual([0, 2, 0]);
    expect(info.upper_bound).toEqual([2, 3, 3]);
    expect(readdirSync(join(pre, "by_id"))).toEqual(["0.shard"]); // sharded as upstream (formats tests decode it)
    expect(info.by_id.sharding).toMatchObject({ "@type": "neuroglancer_uint64_sharded_v1", shard_bits: 0, minishard_bits: 10 });
    const chunk = readFileSync(join(pre, "spatial0", "0_0_0"));
    expect(chunk.readBigUInt64LE(0)).toBe(3n);
    const recordSize = (chunk.length - 8 - 3 * 8) / 3;
    const xyz = [0, 1, 2].map((i) => [0, 1, 2].map((d) => chunk.readFloatLE(8 + i * recordSize + d * 4)));
    expect(xyz).toEqual([
      [1, 2, 3],
      [2, 2, 2],
      [0, 3, 0],
    ]);
    expect([0, 1, 2].map((i) => chunk.readBigUInt64LE(8 + 3 * recordSize + i * 8))).toEqual([0n, 1n, 2n]);
    // the mask as precomputed segmentation: info as upstream's json.dump(indent=4), one chunk of one 64³ block
    const segDir = join(ng, "100-some_protein-1.0_segmentationmask");
    expect(readdirSync(join(segDir, "data"))).toEqual(["0-4_0-4_0-4"]);
    const segInfo = readFileSync(join(segDir, "info"), "utf8");
    expect(JSON.parse(segInfo)).toEqual({
      "@type": "neuroglancer_multiscale_volume",
      data_type: "uint32",
      num_channels: 1,
      scales: [
        { chunk_sizes: [[4, 4, 4]], encoding: "compressed_segmentation", compressed_segmentation_block_size: [64, 64, 64], resolution: [1, 1, 1], key: "data", size: [4, 4, 4] },
      ],
      type: "segmentation",
    });
    expect(segInfo).toContain('"resolution": [\n                1.0,');
    const words = new Uint32Array(new Uint8Array(readFileSync(join(segDir, "data", "0-4_0-4_0-4"))).buffer);
    expect(words[0]).toBe(1);
    const ch = words.subarray(1);
    const [tableAt, bits, valuesAt] = [ch[0]! & 0xffffff, ch[0]! >>> 24, ch[1]!];
    expect(bits).toBe(1);
    expect([ch[tableAt], ch[tableAt + 1]]).toEqual([0, 1]);
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++) {
          const i = (z * 64 + y) * 64 + x;
          const bit = (ch[valuesAt + (i >>> 5)]! >>> (i & 31)) & 1;
          expect(ch[tableAt + bit]).toBe(SEMANTIC[(z * 4 + y) * 4 + x] === 1 ? 1 : 0);
        }
  });

  it("oriented points carry their rotation matrices; reruns give identical bytes", async () => {
    const star = [
      "data_",
      "",
      "loop_",
      "_rlnCoordinateX #1",
      "_rlnCoordinateY #2",
      "_rlnCoordinateZ #3",
      "_rlnAngleRot #4",
      "_rlnAngleTilt #5",
      "_rlnAnglePsi #6",
      "1 2 3 90 45 180",
      "4 5 6 0 0 0",
      "",
    ].join("\n");
    const cfg = ANNO("      - OrientedPoint: { file_format: relion3_star, glob_string: annotations/p.star, is_visualization_default: true }");
    const fx = async () => ({ input: { "annotations/p.star": star }, output: await tomogram() });
    const a = await run(cfg, await fx(), sel);
    const b = await run(cfg, await fx(), sel);
    expect(a.summary.failures).toEqual([]);
    const pre = (r: { dir: string }) => join(r.dir, "out", VS, "NeuroglancerPrecompute", "100-some_protein-1.0_orientedpoint");
    const info = JSON.parse(readFileSync(join(pre(a), "info"), "utf8"));
    expect(info.properties.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(["rot_mat_0_0", "rot_mat_2_2"]));
    for (const f of ["info", "spatial0/0_0_0", "by_id/0.shard"]) expect(readFileSync(join(pre(a), f)).equals(readFileSync(join(pre(b), f)))).toBe(true);
    // the identity rotation of the second point is in its record (float32 rot_mat values after the geometry)
    const lines = readFileSync(join(a.dir, "out", VS, "Annotations", "100", "some_protein-1.0_orientedpoint.ndjson"), "utf8")
      .split("\n")
      .map((l) => JSON.parse(l));
    const chunk = readFileSync(join(pre(a), "spatial0", "0_0_0"));
    const size = (chunk.length - 8 - 2 * 8) / 2;
    const rec = chunk.subarray(8 + size, 8 + 2 * size);
    const floats = Array.from({ length: rec.length / 4 }, (_, i) => rec.readFloatLE(i * 4));
    expect(floats.slice(0, 3)).toEqual([4, 5, 6]);
    const order = info.properties.filter((p: { type: string }) => p.type === "float32").map((p: { id: string }) => p.id);
    const m = lines[1].xyz_rotation_matrix as number[][];
    for (const [k, id] of order.entries()) {
      const hit = /^rot_mat_(\d)_(\d)$/.exec(id);
      if (hit) expect(floats[3 + k]).toBeCloseTo(m[Number(hit[1])]![Number(hit[2])]!, 6);
    }
    const state = JSON.parse(readFileSync(join(a.dir, "out", VS, "NeuroglancerPrecompute", "100-neuroglancer_config.json"), "utf8"));
    expect(state.layers[1].name).toBe("100 some protein orientedpoint");
    expect(state.layers[1].visible).toBe(true);
  });

  it("no tomogram in the voxel spacing: no config; an annotation on another alignment is not listed", async () => {
    const none = await run(ANNO("      - Point: { file_format: csv, glob_string: annotations/points.csv }"), { input: { "annotations/points.csv": "1,2,3\n" } }, sel);
    expect(none.summary.failures).toEqual([]);
    expect(existsSync(join(none.dir, "out", VS, "NeuroglancerPrecompute", "100-neuroglancer_config.json"))).toBe(false);
    const out = await tomogram();
    const md = JSON.parse(out[`${VS}/Tomograms/100/tomogram_metadata.json`] as string);
    out[`${VS}/Tomograms/100/tomogram_metadata.json`] = JSON.stringify({ ...md, alignment_metadata_path: "10001/TS_1/Alignments/101/alignment_metadata.json" });
    const other = await run(ANNO("      - Point: { file_format: csv, glob_string: annotations/points.csv }"), { input: { "annotations/points.csv": "1,2,3\n" }, output: out }, sel);
    expect(other.summary.failures).toEqual([]);
    const state = JSON.parse(readFileSync(join(other.dir, "out", VS, "NeuroglancerPrecompute", "100-neuroglancer_config.json"), "utf8"));
    expect(state.layers.map((l: { name: string }) => l.name)).toEqual(["TS_1"]);
  });
});

describe("point option templates", () => {
  it("a filter_value or mesh_source_path naming an unknown template variable fails that source, naming the option", async () => {
    for (const opt of ['filter_value: "{no_such_var}.tomostar"', 'mesh_source_path: "meshes/{no_such_var}.glb"']) {
      const r = await run(
        ANNO(`      - OrientedPoint: { file_format: relion3_star, glob_string: annotations/p.star, ${opt} }`),
        { input: { "annotations/p.star": "data_\n\nloop_\n_rlnCoordinateX #1\n_rlnCoordinateY #2\n_rlnCoordinateZ #3\n1 2 3\n" } },
        {
          selection: { imports: ["annotations"], metadata: ["annotation"] },
          dryRun: false,
        },
      );
      expect(r.summary.failures).toHaveLength(1);
      expect(r.summary.failures[0]!.message).toContain(`OrientedPoint.${opt.split(":")[0]}`);
      expect(existsSync(join(r.dir, "out", VS, "Annotations", "100", "some_protein-1.0_orientedpoint.ndjson"))).toBe(false);
    }
  });
});

describe("key images draw the default-visible annotations (reference 5.5)", () => {
  const shape = { z: 8, y: 30, x: 40 };
  const tomo = () =>
    mrc(
      shape,
      Array.from({ length: 8 * 30 * 40 }, (_, i) => Math.sin(i / 3) * 5 + (i % 7)),
    );
  const maskAt = (_z: number, y: number, x: number) => (x >= 30 && x < 36 && y >= 5 && y < 11 ? 1 : 0);
  const maskBytes = () =>
    mrc(
      shape,
      Array.from({ length: 8 * 30 * 40 }, (_, i) => maskAt(Math.floor(i / 1200), Math.floor(i / 40) % 30, i % 40)),
    );
  const cfg = (visible: boolean) =>
    ANNO(
      [
        `      - SegmentationMask: { file_format: mrc, glob_string: annotations/mask.mrc, is_visualization_default: ${visible} }`,
        `      - Point: { file_format: csv, glob_string: annotations/points.csv, is_visualization_default: ${visible} }`,
      ].join("\n"),
    ) + tomogramsSection("{run_name}/*.mrc", 10.0);
  const sel = { selection: { imports: ["annotations", "tomograms", "key_images", "viz_config"], metadata: ["annotation", "tomogram"] }, dryRun: false };
  const pixels = (path: string) =>
    python(`
import json, numpy as np
from PIL import Image
print(json.dumps(np.asarray(Image.open(${JSON.stringify(path)}).convert("RGB")).astype(int).tolist()))`);

  it("points in their layer colour at alpha 0.8, masks at alpha 0.1, elsewhere the plain image", async () => {
    const input = async () => ({ "TS_1/tomo.mrc": await tomo(), "annotations/mask.mrc": await maskBytes(), "annotations/points.csv": "20,15,4\n" });
    const drawn = await run(cfg(true), { input: await input() }, sel);
    const plain = await run(cfg(false), { input: await input() }, sel);
    expect(drawn.summary.failures).toEqual([]);
    expect(plain.summary.failures).toEqual([]);
    const img = (r: { dir: string }) => pixels(join(r.dir, "out", VS, "Images", "100", "key-photo-original.png"));
    const [a, b] = [img(drawn), img(plain)];
    const state = JSON.parse(readFileSync(join(drawn.dir, "out", VS, "NeuroglancerPrecompute", "100-neuroglancer_config.json"), "utf8"));
    const hex = (s: string) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
    const pointColor = hex(state.layers.find((l: { name: string }) => l.name.endsWith(" point")).shaderControls.color);
    const maskColor = hex(state.layers.find((l: { name: string }) => l.name.endsWith(" segmentation")).segmentDefaultColor);
    expect(a[15][20]).toEqual(b[15][20].map((v: number, k: number) => Math.round(v * 0.2 + pointColor[k]! * 0.8)));
    expect(a[7][32]).toEqual(b[7][32].map((v: number, k: number) => Math.round(v * 0.9 + maskColor[k]! * 0.1)));
    // away from both, identical pixels
    expect(a[25][5]).toEqual(b[25][5]);
    expect(a[2][2]).toEqual(b[2][2]);
    let changed = 0;
    for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) if (a[y][x].join() !== b[y][x].join()) changed++;
    expect(changed).toBeGreaterThanOrEqual(36); // the 6x6 mask footprint, plus the point's disc
    expect(changed).toBeLessThan(36 + 20);
  });

  it("a mask of another shape than the tomogram is not drawn, with a warning; the key images are still written", async () => {
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    const r = await run(
      cfg(true),
      { input: { "TS_1/tomo.mrc": await tomo(), "annotations/mask.mrc": await mrc({ z: 4, y: 4, x: 4 }, SEMANTIC), "annotations/points.csv": "20,15,4\n" } },
      { ...sel, logger },
    );
    expect(r.summary.failures).toEqual([]);
    expect(existsSync(join(r.dir, "out", VS, "Images", "100", "key-photo-snapshot.png"))).toBe(true);
    expect(warnings.some((w) => /not drawing .*segmentationmask\.zarr on the key images: it is 4x4x4, the tomogram 8x30x40/.test(w))).toBe(true);
  });
});

describe("masks from OME-Zarr inputs", () => {
  it("a zarr semantic mask (written by python zarr) gives the same int8 mask as the MRC input", async () => {
    const yaml = ANNO("      - SemanticSegmentationMask: { file_format: zarr, glob_string: annotations/mask.zarr, mask_label: 2 }");
    const prepare = (src: string) => writePythonOmeZarr(join(src, "annotations", "mask.zarr"), `np.array(${JSON.stringify(SEMANTIC)}, dtype=np.int8).reshape(4, 4, 4)`, 10.0);
    const r0 = await run(yaml, { prepare }, { dryRun: false, selection: { imports: ["annotations"], metadata: ["annotation"] } });
    expect(r0.summary.failures).toEqual([]);
    const got = python(maskCheck(join(r0.dir, "out", VS, "Annotations", "100", "some_protein-1.0_segmentationmask")));
    expect(got.dtype).toBe("int8");
    expect(got.data).toEqual([0, 1, 2, 3].map((z) => [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => (SEMANTIC[(z * 4 + y) * 4 + x] === 2 ? 1 : 0)))));
    expect(got.level0).toEqual(got.data);
  });
});
