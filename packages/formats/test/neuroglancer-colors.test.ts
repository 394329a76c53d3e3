/** Layer colour seeds: the md5 of Python's json.dumps(sort_keys=True) of the hash input, checked against Python. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { annotationLayerColors, colorSeed, pythonJsonDumps } from "../src/neuroglancer/index.js";

const SEED = `
import hashlib, json, sys
out = []
for md, shape in json.loads(sys.stdin.read()):
    obj = md.get("annotation_object")
    h = {k: md.get(k) for k in ("annotation_method", "annotation_object", "deposition_id", "ground_truth_status")}
    if obj: h["annotation_object"] = {"id": obj.get("id"), "name": obj.get("name")}
    h["shape"] = shape
    text = json.dumps(h, sort_keys=True)
    out.append([text, int(hashlib.md5(text.encode()).hexdigest(), 16) % (2**32 - 1)])
print(json.dumps(out))`;

const CASES: Array<[Record<string, unknown>, string]> = [
  [
    { annotation_method: "template matching", annotation_object: { id: "GO:0005840", name: "ribosome", description: "80S" }, deposition_id: "10301", ground_truth_status: false },
    "Point",
  ],
  [{ annotation_method: "manual", annotation_object: { id: "GO:0005874", name: 'α-tubulin "MT"' }, deposition_id: 10301, ground_truth_status: true }, "SegmentationMask"],
  [{ annotation_method: "tab\tand\\slash", annotation_object: { name: "no id" }, deposition_id: "20302" }, "OrientedPoint"],
  [{ annotation_method: "x", annotation_object: {}, ground_truth_status: null }, "InstanceSegmentation"],
];

describe("neuroglancer layer colours", () => {
  it("colorSeed and its json.dumps text equal Python's", () => {
    const r = spawnSync("/usr/bin/python3", ["-c", SEED], { input: JSON.stringify(CASES), encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    const want = JSON.parse(r.stdout) as Array<[string, number]>;
    CASES.forEach(([md, shape], i) => expect(colorSeed(md, shape)).toBe(want[i]![1]));
    expect(pythonJsonDumps({ b: [1, 2.5, "é"], a: { z: null, y: true } })).toBe('{"a": {"y": true, "z": null}, "b": [1, 2.5, "\\u00e9"]}');
  });

  it("colours are #rrggbb, stable across calls, distinct per file, and independent of unrelated metadata", () => {
    const anno = (stem: string, md: Record<string, unknown>, shapes: string[]) => ({
      metadata: { ...md, files: shapes.map((shape) => ({ shape, format: shape === "SegmentationMask" ? "zarr" : "ndjson" })) },
      stem,
      precomputeDir: "x",
    });
    const list = [anno("100-a", CASES[0]![0], ["Point", "SegmentationMask"]), anno("101-b", CASES[1]![0], ["OrientedPoint"])];
    const a = annotationLayerColors(list);
    expect([...a.keys()]).toEqual(["100-a_point", "100-a_segmentationmask", "101-b_orientedpoint"]);
    for (const c of a.values()) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(a.values()).size).toBe(3);
    expect(annotationLayerColors(list)).toEqual(a);
    const edited = [anno("100-a", { ...CASES[0]![0], version: 2, authors: ["someone"] }, ["Point", "SegmentationMask"]), list[1]!];
    expect(annotationLayerColors(edited)).toEqual(a);
  });
});
