// Compatibility of ingestkit's CryoET config schema (packages/importers/schemas/cryoet-config.schema.json) with the upstream
// project's structural check, over the real-config corpus in ../shared/corpus/cryoet-dataset-configs/.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CONFIGS_DIR,
  OUR_SCHEMA_PATH,
  REPO_ROOT,
  type CheckResult,
  corpusRelative,
  formatAjvErrors,
  getOurValidator,
  getUpstreamValidator,
  listCorpusYamlFiles,
  loadYamlLikePyYAML,
  ourSchemaCheck,
  ourSchemaCheckText,
  replaceFormattedStrings,
  upstreamStructuralCheck,
  upstreamStructuralCheckText,
} from "../packages/core/test/support/upstream-check.js";

const isDraft = (f: string): boolean => basename(f).includes("draft");
const isTemplate = (f: string): boolean => basename(f) === "template.yaml";
type Path = (string | number)[];
/** Paths of all scalar leaves (strings, numbers, booleans, nulls) of a parsed YAML document. */
function scalarPaths(x: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(x)) x.forEach((v, i) => scalarPaths(v, [...path, i], out));
  else if (typeof x === "object" && x !== null) for (const [k, v] of Object.entries(x)) scalarPaths(v, [...path, k], out);
  else out.push(path);
  return out;
}
function setAt(root: unknown, path: Path, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
}
const summary = (r: CheckResult, n = 3): string =>
  `${r.yamlOk ? (r.valid ? "valid" : "INVALID") : "YAML-INVALID"}${r.errors.length ? `: ${r.errors.slice(0, n).join(" | ")}` : ""}`;

describe("corpus", () => {
  let files: string[] = [];
  const upstream = new Map<string, CheckResult>();
  const ours = new Map<string, CheckResult>();

  beforeAll(() => {
    files = listCorpusYamlFiles();
    for (const f of files) {
      upstream.set(f, upstreamStructuralCheck(f));
      ours.set(f, ourSchemaCheck(f));
    }
  });

  it("has the expected files: 399 real configs, 2 drafts and template.yaml", () => {
    expect(files.length).toBe(402);
    expect(files.filter(isDraft).map(corpusRelative)).toEqual(["10011_draft.yaml", "10311_draft.yaml"]);
    expect(files.filter(isTemplate).map(corpusRelative)).toEqual(["template.yaml"]);
    expect(files.filter((f) => corpusRelative(f).startsWith("gjensen/")).length).toBe(287);
  });

  describe("(a) upstream structural check (safe_load + replace_formatted_strings + upstream JSON Schema)", () => {
    it("template.yaml is not valid YAML", () => {
      const r = upstream.get(join(CONFIGS_DIR, "template.yaml"));
      expect(r?.yamlOk).toBe(false);
      expect(r?.valid).toBe(false);
    });

    it("all 399 real configs pass", () => {
      const real = files.filter((f) => !isDraft(f) && !isTemplate(f));
      expect(real.length).toBe(399);
      const failures = real.filter((f) => !upstream.get(f)!.valid).map((f) => `${corpusRelative(f)}: ${summary(upstream.get(f)!)}`);
      expect(failures, failures.join("\n")).toEqual([]);
    });

    it("both drafts are parsed but fail (they are unfinished: placeholders, missing keys)", () => {
      for (const f of files.filter(isDraft)) {
        const r = upstream.get(f)!;
        expect(r.yamlOk, corpusRelative(f)).toBe(true);
        expect(r.valid, `${corpusRelative(f)}: ${summary(r)}`).toBe(false);
      }
      expect(upstream.get(join(CONFIGS_DIR, "10011_draft.yaml"))!.errors).toContain(`/: must have required property 'depositions' {"missingProperty":"depositions"}`);
    });

    it("the replacement step matters: without it, real configs with `int {…}` tilt ranges fail", () => {
      const validate = getUpstreamValidator();
      const errs = files
        .filter((f) => !isDraft(f) && !isTemplate(f))
        .flatMap((f) => (validate(loadYamlLikePyYAML(readFileSync(f, "utf8"))) ? [] : formatAjvErrors(validate.errors)));
      expect(errs.length).toBeGreaterThan(0);
      expect(errs.some((e) => e.startsWith("/tiltseries/0/metadata/tilt_range/"))).toBe(true);
    });
  });

  describe("(b) our schema on the raw YAML", () => {
    it("gives the same verdict as the upstream check for every corpus file (drafts and template included)", () => {
      const disagreements = files
        .filter((f) => upstream.get(f)!.valid !== ours.get(f)!.valid || upstream.get(f)!.yamlOk !== ours.get(f)!.yamlOk)
        .map((f) => `${corpusRelative(f)}: upstream ${summary(upstream.get(f)!)} / ours ${summary(ours.get(f)!, 6)}`);
      expect(disagreements, disagreements.join("\n")).toEqual([]);
      expect(files.filter((f) => ours.get(f)!.valid).length).toBe(399);
    });

    it("still agrees when any single scalar of a config is replaced by a cast template (injection sweep)", () => {
      // Every scalar position of a few configs that together use all entity sections, set in turn to
      // `float {x}` / `int {x}`: inside the replaced subtrees upstream sees 1, elsewhere the raw string.
      const sample = ["10301.yaml", "10007.yaml", "deposition_10301.yaml", "gjensen/10014.yaml"].map((f) => join(CONFIGS_DIR, f));
      const up = getUpstreamValidator();
      const our = getOurValidator();
      const disagreements: string[] = [];
      let checked = 0;
      let upstreamAccepted = 0;
      for (const f of sample) {
        const base = loadYamlLikePyYAML(readFileSync(f, "utf8"));
        for (const path of scalarPaths(base)) {
          for (const template of ["float {x}", "int {x}"]) {
            const raw = structuredClone(base); // keeps YAML-alias sharing, as PyYAML objects do
            setAt(raw, path, template);
            const upstreamValid = up(replaceFormattedStrings(structuredClone(raw) as Record<string, unknown>)) as boolean;
            const ourValid = our(raw) as boolean;
            checked++;
            if (upstreamValid) upstreamAccepted++;
            if (upstreamValid !== ourValid) {
              disagreements.push(`${corpusRelative(f)} /${path.join("/")} = "${template}": upstream ${upstreamValid}, ours ${ourValid}`);
            }
          }
        }
      }
      expect(disagreements, disagreements.slice(0, 20).join("\n")).toEqual([]);
      expect(checked).toBeGreaterThan(1000);
      expect(upstreamAccepted).toBeGreaterThan(100); // both verdicts occur
      expect(checked - upstreamAccepted).toBeGreaterThan(100);
    });
  });
});

describe("our schema file", () => {
  const schema = JSON.parse(readFileSync(OUR_SCHEMA_PATH, "utf8")) as {
    $schema: string;
    $id: string;
    properties: Record<string, unknown>;
    additionalProperties: boolean;
    $defs: Record<string, { properties?: Record<string, unknown> }>;
  };

  it("is what scripts/generate-cryoet-schema.mjs generates", () => {
    const res = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "generate-cryoet-schema.mjs"), "--check"], {
      encoding: "utf8",
    });
    expect(res.status, res.stderr + res.stdout).toBe(0);
  });

  it("is draft 2019-09, has an $id, and covers the 19 entity sections plus standardization_config and version", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2019-09/schema");
    expect(schema.$id).toBe("https://ingestkit.dev/schemas/cryoet-config.schema.json");
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        "alignments",
        "annotation_viz",
        "annotations",
        "collection_metadata",
        "ctfs",
        "dataset_keyphotos",
        "datasets",
        "deposition_keyphotos",
        "depositions",
        "frames",
        "gains",
        "identified_objects",
        "key_images",
        "rawtilts",
        "runs",
        "standardization_config",
        "tiltseries",
        "tomograms",
        "version",
        "viz_config",
        "voxel_spacings",
      ].sort(),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.$defs.StandardizationConfig?.properties).toHaveProperty("run_name_regex");
  });
});

describe("replace_formatted_strings port", () => {
  it("replaces only in tiltseries/tomograms subtrees and in `sources` of depth-1 mappings", () => {
    const data = loadYamlLikePyYAML(`
tiltseries:
  - metadata:
      tilt_range: {min: "float {a}", max: "int{b}  ", other: "float {a.b}"}
      nested: [["int {x}", {k: "int {x}"}]]
      flat: ["int {y}", " int {y}", "integer {y}"]
frames:
  - metadata: {dose_rate: "float {d}"}
    sources: [{literal: {value: ["int {v}", ["int {w}"]]}}]
standardization_config: {sources: "int {z}", other: "int {z}"}
deep: {x: {sources: "int {q}"}}
`) as Record<string, unknown>;
    replaceFormattedStrings(data);
    expect(data).toEqual({
      tiltseries: [
        {
          metadata: {
            tilt_range: { min: 1, max: 1, other: "float {a.b}" },
            nested: [["int {x}", { k: "int {x}" }]],
            flat: [1, " int {y}", "integer {y}"],
          },
        },
      ],
      frames: [{ metadata: { dose_rate: "float {d}" }, sources: [{ literal: { value: [1, ["int {w}"]] } }] }],
      standardization_config: { sources: 1, other: "int {z}" },
      deep: { x: { sources: "int {q}" } },
    });
  });

  it("mutates aliased containers everywhere they are shared, like PyYAML objects", () => {
    const data = loadYamlLikePyYAML(`
frames:
  - metadata: &m {dose_rate: "float {d}", is_gain_corrected: false}
tomograms:
  - metadata: *m
`) as { frames: [{ metadata: { dose_rate: unknown } }] };
    replaceFormattedStrings(data);
    expect(data.frames[0].metadata.dose_rate).toBe(1);
  });
});

describe("PyYAML-compatible loading", () => {
  it("resolves YAML 1.1 scalars the way PyYAML safe_load does", () => {
    expect(loadYamlLikePyYAML("a: yes\nb: Off\nc: y\nd: 1e5\ne: 1.0e+5\nf: 0777\ng: 1_000\nh: '1:30'\ni: 1:30\nj: .5\nk: 2023-04-01\nl: 0x1F\nm: ~\nn: 08\n")).toEqual({
      a: true,
      b: false,
      c: "y",
      d: "1e5",
      e: 100000,
      f: 511,
      g: 1000,
      h: "1:30",
      i: 90,
      j: 0.5,
      k: "2023-04-01",
      l: 31,
      m: null,
      n: "08",
    });
  });

  it("keeps the last of duplicate keys and rejects what PyYAML rejects", () => {
    expect(loadYamlLikePyYAML("a: 1\na: 2\n")).toEqual({ a: 2 });
    expect(() => loadYamlLikePyYAML("a: =\n")).toThrow();
    expect(() => loadYamlLikePyYAML("a: \u0007\n")).toThrow(/unacceptable character/);
    expect(() => loadYamlLikePyYAML("a: 1\n---\nb: 2\n")).toThrow();
  });
});

// ------------------------------------------------------------------------------------------------------
// (c) inline cases: expected verdicts of the upstream check and of our schema
// ------------------------------------------------------------------------------------------------------
const BASE: Record<string, string> = {
  version: "version: 1.3.0",
  standardization_config: `standardization_config:
  deposition_id: 10301
  source_prefix: "10301"`,
  depositions: `depositions:
  - sources:
      - literal:
          value: [10301]`,
  datasets: `datasets:
  - sources:
      - literal:
          value: ["10301"]`,
  runs: `runs:
  - sources:
      - source_glob:
          list_glob: "{dataset_name}/*"
          name_regex: "(.*)"`,
  voxel_spacings: `voxel_spacings:
  - sources:
      - literal:
          value: [13.48]`,
};
const cfg = (sections: Record<string, string> = {}): string => `${Object.values({ ...BASE, ...sections }).join("\n")}\n`;
const voxelLiteral = (v: string): Record<string, string> => ({
  voxel_spacings: `voxel_spacings:
  - sources:
      - literal:
          value: [${v}]`,
});
const runSource = (entry: string): Record<string, string> => ({
  runs: `runs:
  - sources:
      - ${entry}`,
});
const tiltseries = (over: Record<string, string> = {}): Record<string, string> => {
  const m: Record<string, string> = {
    acceleration_voltage: "300000",
    camera: "{manufacturer: Gatan, model: K3}",
    data_acquisition_software: "SerialEM",
    is_aligned: "false",
    microscope: "{manufacturer: TFS, model: Krios}",
    microscope_optical_setup: "{energy_filter: GIF Quantum LS}",
    pixel_spacing: "3.37",
    spherical_aberration_constant: "2.7",
    tilt_axis: "84.7",
    tilt_range: "{min: -60, max: 60}",
    tilt_series_quality: "4",
    tilt_step: "3",
    tilting_scheme: "dose symmetric",
    total_flux: "120",
    ...over,
  };
  const lines = Object.entries(m).map(([k, v]) => `      ${k}: ${v}`);
  return {
    tiltseries: `tiltseries:
  - metadata:
${lines.join("\n")}
    sources:
      - source_glob:
          list_glob: "{run_name}/*.mrc"`,
  };
};
const frames = (doseRate: string): Record<string, string> => ({
  frames: `frames:
  - metadata:
      dose_rate: ${doseRate}
      is_gain_corrected: false
    sources:
      - literal:
          value: [default]`,
});
const annotations = (source: string): Record<string, string> => ({
  annotations: `annotations:
  - metadata:
      annotation_ingest_id: ribosome
      annotation_method: template matching
      annotation_object: {id: "GO:0022626", name: cytosolic ribosome}
      method_type: automated
      dates: {deposition_date: "2024-04-09", release_date: "2024-06-01", last_modified_date: "2024-06-01"}
      authors: [{name: A. Author, primary_author_status: true, corresponding_author_status: true}]
    sources:
      - ${source}`,
});
const POINT = `Point: {file_format: csv, glob_string: "{run_name}/points.csv", binning: 2}`;

interface Case {
  name: string;
  yaml: string;
  upstream: boolean;
  ours: boolean;
  oursError?: RegExp;
}

const cases: Case[] = [
  { name: "minimal valid config", yaml: cfg(), upstream: true, ours: true },
  // exactly one finder
  {
    name: "source with two finder keys (literal + source_glob)",
    yaml: cfg(runSource(`literal: {value: [run1]}\n        source_glob: {list_glob: "*"}`)),
    upstream: true, // the upstream JSON Schema leaves this to pydantic
    ours: false,
    oursError: /must match exactly one schema in oneOf/,
  },
  {
    name: "source with no finder key (only exclude)",
    yaml: cfg(runSource(`exclude: ["junk.*"]`)),
    upstream: true,
    ours: false,
    oursError: /must match exactly one schema in oneOf/,
  },
  {
    name: "source with a null finder next to a real one",
    yaml: cfg(runSource(`literal: null\n        source_glob: {list_glob: "*"}`)),
    upstream: true,
    ours: false,
  },
  { name: "annotation source with one shape", yaml: cfg(annotations(POINT)), upstream: true, ours: true },
  {
    name: "annotation source with two shape keys",
    yaml: cfg(annotations(`${POINT}\n        OrientedPoint: {file_format: relion3_star, glob_string: "{run_name}/p.star"}`)),
    upstream: true,
    ours: false,
    oursError: /must match exactly one schema in oneOf/,
  },
  {
    name: "viz_config with two finders",
    yaml: cfg({ viz_config: `viz_config:\n  - sources:\n      - literal: {value: [neuroglancer]}\n        source_glob: {list_glob: "*"}` }),
    upstream: true, // upstream's root allows unknown keys
    ours: false,
  },
  // top level
  {
    name: "unknown top-level key",
    yaml: cfg({ overrides: "overrides: {}" }),
    upstream: true, // upstream's root has additionalProperties: true
    ours: false,
    oursError: /must NOT have additional properties/,
  },
  {
    name: "viz_config and annotation_viz sections",
    yaml: cfg({
      viz_config: "viz_config:\n  - sources:\n      - literal: {value: [neuroglancer]}",
      annotation_viz: "annotation_viz:\n  - sources:\n      - literal: {value: [neuroglancer]}\n        parent_filters: {include: {run: ['TS_.*']}}",
    }),
    upstream: true,
    ours: true,
  },
  {
    name: "legacy standardization_config.run_name_regex",
    yaml: cfg({ standardization_config: 'standardization_config:\n  deposition_id: 10301\n  source_prefix: "10301"\n  run_name_regex: "(.*)"' }),
    upstream: false,
    ours: true,
  },
  // cast templates where upstream replaces them
  { name: "`float {x}` voxel spacing literal", yaml: cfg(voxelLiteral('"float {tomo-voxel_spacing}"')), upstream: true, ours: true },
  { name: "`int {x}` voxel spacing literal (upstream's own pattern is float-only)", yaml: cfg(voxelLiteral('"int {vs}"')), upstream: true, ours: true },
  { name: "`float{x}` with tab/trailing space", yaml: cfg(voxelLiteral('"float\\t{vs} "')), upstream: true, ours: true },
  { name: "`float {x.y}` (not a cast template)", yaml: cfg(voxelLiteral('"float {vs.y}"')), upstream: false, ours: false },
  { name: "annotation `binning: float {b}` (no upstream pattern at all)", yaml: cfg(annotations(POINT.replace("binning: 2", 'binning: "float {b}"'))), upstream: true, ours: true },
  { name: "tiltseries without templates", yaml: cfg(tiltseries()), upstream: true, ours: true },
  {
    name: "tiltseries with templated tilt range, quality and pixel spacing",
    yaml: cfg(tiltseries({ tilt_range: '{min: "int {ts-min}", max: "float {ts-max}"}', tilt_series_quality: '"float {q}"', pixel_spacing: '"float\\t{px}"' })),
    upstream: true,
    ours: true,
  },
  {
    name: "tiltseries `acceleration_voltage: float {kv}` (1 < minimum 20000)",
    yaml: cfg(tiltseries({ acceleration_voltage: '"float {kv}"' })),
    upstream: false,
    ours: false,
  },
  {
    name: "tiltseries string field holding `int {x}` (becomes a number upstream)",
    yaml: cfg(tiltseries({ data_acquisition_software: '"int {sw}"' })),
    upstream: false,
    ours: false,
    oursError: /must NOT be valid/,
  },
  { name: "run source list_glob `int {x}`", yaml: cfg(runSource('source_glob: {list_glob: "int {run}"}')), upstream: false, ours: false },
  // frames metadata is not pre-processed upstream: only upstream's own `float {x}` pattern applies
  { name: "frames `dose_rate: float {x}`", yaml: cfg(frames('"float {dose}"')), upstream: true, ours: true },
  { name: "frames `dose_rate: int {x}`", yaml: cfg(frames('"int {dose}"')), upstream: false, ours: false },
  { name: "frames `dose_rate: float\\t{x}`", yaml: cfg(frames('"float\\t{dose}"')), upstream: false, ours: false },
  // wrong types
  {
    name: "deposition_id is not an integer",
    yaml: cfg({ standardization_config: 'standardization_config:\n  deposition_id: "abc"\n  source_prefix: "10301"' }),
    upstream: false,
    ours: false,
    oursError: /standardization_config\/deposition_id: must be integer/,
  },
  { name: "voxel spacing literal is a plain string", yaml: cfg(voxelLiteral('"abc"')), upstream: false, ours: false },
  { name: "tilt_series_quality is a word", yaml: cfg(tiltseries({ tilt_series_quality: "high" })), upstream: false, ours: false },
  { name: "sources is not a list", yaml: cfg({ runs: "runs:\n  - sources: {source_glob: {list_glob: '*'}}" }), upstream: false, ours: false },
  { name: "missing required section", yaml: cfg({ runs: "" }), upstream: false, ours: false },
];

describe("(c) inline cases", () => {
  it.each(cases)("$name", (c) => {
    const up = upstreamStructuralCheckText(c.yaml);
    const our = ourSchemaCheckText(c.yaml);
    expect(up.yamlOk && our.yamlOk, "fixture must be valid YAML").toBe(true);
    expect(up.valid, `upstream: ${summary(up, 5)}`).toBe(c.upstream);
    expect(our.valid, `ours: ${summary(our, 8)}`).toBe(c.ours);
    if (c.oursError) expect(our.errors.join("\n")).toMatch(c.oursError);
  });
});
