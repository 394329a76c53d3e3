import { createCryoetProfile } from "@ingestkit/importers";
import { describe, expect, it } from "vitest";
import { IngestError } from "../src/errors.js";
import { Selection, type SelectionFlags } from "../src/engine/selection.js";
import { defineProfile, type EntityTypeSpec } from "../src/graph.js";
import type { Importer } from "../src/index.js";

const cryoet = createCryoetProfile();

// The cryoet types with a metadata file, and every type, in profile (depth-first) order.
const WITH_METADATA = ["deposition", "dataset", "run", "frame", "tiltseries", "alignment", "identified_object", "annotation", "tomogram"];
const ALL_TYPES = [
  "deposition",
  "dataset",
  "run",
  "gain",
  "collection_metadata",
  "frame",
  "tiltseries",
  "ctf",
  "rawtilt",
  "alignment",
  "identified_object",
  "voxel_spacing",
  "annotation",
  "annotation_viz",
  "tomogram",
  "key_image",
  "viz_config",
  "dataset_keyphoto",
  "deposition_keyphoto",
];

const sorted = (s: Set<string>): string[] => [...s].sort();

function usageError(flags: SelectionFlags, profile = cryoet): IngestError {
  try {
    new Selection(profile, flags);
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe("USAGE");
    return err as IngestError;
  }
  throw new Error(`expected ${JSON.stringify(flags)} to be rejected`);
}

describe("the cryoet profile this suite relies on", () => {
  it("has the 19 types and the metadata flags assumed below", () => {
    expect(cryoet.types.map((t) => t.key)).toEqual(ALL_TYPES);
    expect(cryoet.types.filter((t) => t.hasMetadata).map((t) => t.key)).toEqual(WITH_METADATA);
  });
});

describe("Selection: what to import", () => {
  it("selects nothing without flags", () => {
    const s = new Selection(cryoet, {});
    expect(s.toImport.size).toBe(0);
    expect(s.metadataImport.size).toBe(0);
    expect(s.toIterate.size).toBe(0);
    expect(s.isEmpty).toBe(true);
  });

  it("--import-everything imports every type and every metadata file", () => {
    const s = new Selection(cryoet, { importEverything: true });
    expect(sorted(s.toImport)).toEqual([...ALL_TYPES].sort());
    expect(sorted(s.metadataImport)).toEqual([...WITH_METADATA].sort());
    expect(sorted(s.toIterate)).toEqual([...ALL_TYPES].sort());
    expect(s.isEmpty).toBe(false);
  });

  it("--import-all-metadata writes metadata only, iterating the types that have it and their ancestors", () => {
    const s = new Selection(cryoet, { importAllMetadata: true });
    expect(s.toImport.size).toBe(0);
    expect(sorted(s.metadataImport)).toEqual([...WITH_METADATA].sort());
    // voxel_spacing has no metadata file but must be walked to reach annotations and tomograms.
    expect(sorted(s.toIterate)).toEqual([...WITH_METADATA, "voxel_spacing"].sort());
  });

  it("--import-<plural> imports that type and iterates its ancestors only", () => {
    const s = new Selection(cryoet, { imports: ["tomograms"] });
    expect(sorted(s.toImport)).toEqual(["tomogram"]);
    expect(s.metadataImport.size).toBe(0);
    expect(sorted(s.toIterate)).toEqual(["dataset", "deposition", "run", "tomogram", "voxel_spacing"]);
    expect(s.toIterate.has("key_image")).toBe(false); // children are not iterated
  });

  it("--import-<type>-metadata writes that metadata and iterates ancestors, importing nothing", () => {
    const s = new Selection(cryoet, { metadata: ["run"] });
    expect(s.toImport.size).toBe(0);
    expect(sorted(s.metadataImport)).toEqual(["run"]);
    expect(sorted(s.toIterate)).toEqual(["dataset", "deposition", "run"]);
  });

  it("combines flags as a union", () => {
    const s = new Selection(cryoet, { imports: ["ctfs", "frames"], metadata: ["annotation", "frame"] });
    expect(sorted(s.toImport)).toEqual(["ctf", "frame"]);
    expect(sorted(s.metadataImport)).toEqual(["annotation", "frame"]);
    expect(sorted(s.toIterate)).toEqual(["annotation", "ctf", "dataset", "deposition", "frame", "run", "tiltseries", "voxel_spacing"]);
  });

  it("accepts '-' or '_' and any case in type and plural names", () => {
    for (const spelling of ["voxel-spacings", "voxel_spacings", "Voxel-Spacings"]) {
      expect(sorted(new Selection(cryoet, { imports: [spelling] }).toImport), spelling).toEqual(["voxel_spacing"]);
    }
    expect(sorted(new Selection(cryoet, { imports: ["identified-objects", "collection_metadata", "tiltseries"] }).toImport)).toEqual([
      "collection_metadata",
      "identified_object",
      "tiltseries",
    ]);
    expect(sorted(new Selection(cryoet, { metadata: ["identified-object"] }).metadataImport)).toEqual(["identified_object"]);
  });

  it("rejects an unknown plural, suggesting the closest one", () => {
    const err = usageError({ imports: ["run"] });
    expect(err.message).toMatch(/^unknown entity plural for --import-<plural> 'run': did you mean 'runs'\? \(known: depositions, datasets, runs, /);
    expect(err.message).toContain("voxel-spacings");
    expect(usageError({ imports: ["tomogrms"] }).message).toContain("did you mean 'tomograms'?");
    expect(usageError({ imports: ["zzzzzzzz"] }).message).not.toContain("did you mean");
  });

  it("rejects metadata flags for unknown types and for types without a metadata file", () => {
    expect(usageError({ metadata: ["runs"] }).message).toContain("unknown entity type for --import-<type>-metadata 'runs': did you mean 'run'?");
    expect(usageError({ metadata: ["voxel-spacing"] }).message).toBe("--import-voxel-spacing-metadata: voxel_spacing has no metadata file");
    expect(usageError({ metadata: ["gain"] }).message).toBe("--import-gain-metadata: gain has no metadata file");
  });
});

describe("Selection.keeps: filters and excludes", () => {
  it("keeps everything when no filter or exclude is given for the type", () => {
    const s = new Selection(cryoet, { importEverything: true, filters: { run: ["TS_01"] } });
    expect(s.keeps("run", "anything").keep).toBe(false);
    expect(s.keeps("dataset", "anything")).toEqual({ keep: true });
    expect(new Selection(cryoet, { importEverything: true }).keeps("run", "")).toEqual({ keep: true });
  });

  it("matches filters like Python re.match: anchored at the start, not at the end", () => {
    const s = new Selection(cryoet, { filters: { run: ["TS_0[12]"] } });
    expect(s.keeps("run", "TS_01")).toEqual({ keep: true });
    expect(s.keeps("run", "TS_02_extra")).toEqual({ keep: true });
    expect(s.keeps("run", "xTS_01")).toEqual({ keep: false, why: "not matched by --filter-run-name" });
    expect(s.keeps("run", "TS_03").keep).toBe(false);
    const anchored = new Selection(cryoet, { filters: { run: ["^TS_0[12]$"] } });
    expect(anchored.keeps("run", "TS_01").keep).toBe(true);
    expect(anchored.keeps("run", "TS_011").keep).toBe(false);
  });

  it("keeps a name that any one of several filters matches", () => {
    const s = new Selection(cryoet, { filters: { run: ["TS_01$", "Position_\\d+$"] } });
    expect(["TS_01", "Position_7", "TS_02", "Position_"].map((n) => s.keeps("run", n).keep)).toEqual([true, true, false, false]);
  });

  it("applies excludes first, then filters, and names the excluding pattern", () => {
    const s = new Selection(cryoet, { filters: { run: ["TS_"] }, excludes: { run: ["TS_01$", "TS_1"] } });
    expect(s.keeps("run", "TS_01")).toEqual({ keep: false, why: "excluded by --exclude-run-name TS_01$" });
    expect(s.keeps("run", "TS_15")).toEqual({ keep: false, why: "excluded by --exclude-run-name TS_1" });
    expect(s.keeps("run", "TS_010")).toEqual({ keep: true }); // 'TS_01$' does not match, 'TS_1' is anchored
    expect(s.keeps("run", "other")).toEqual({ keep: false, why: "not matched by --filter-run-name" });
    // Excludes alone keep everything else.
    const onlyEx = new Selection(cryoet, { excludes: { run: ["bad"] } });
    expect(onlyEx.keeps("run", "bad_run").keep).toBe(false);
    expect(onlyEx.keeps("run", "good_bad").keep).toBe(true);
  });

  it("uses Python regex syntax (named groups, inline flags) per type, with '-' type spellings", () => {
    const s = new Selection(cryoet, {
      filters: { "voxel-spacing": ["(?P<v>\\d+)\\.0+$"], tomogram: ["(?i)denoised"] },
      excludes: { voxel_spacing: ["(?P<x>1)3"] },
    });
    expect(s.keeps("voxel_spacing", "10.000").keep).toBe(true);
    expect(s.keeps("voxel_spacing", "10.5")).toEqual({ keep: false, why: "not matched by --filter-voxel-spacing-name" });
    expect(s.keeps("voxel_spacing", "13.000")).toEqual({ keep: false, why: "excluded by --exclude-voxel-spacing-name (?P<x>1)3" });
    expect(s.keeps("tomogram", "DENOISED_tomo").keep).toBe(true);
    expect(s.keeps("tomogram", "raw").keep).toBe(false);
    // Filters are per type: other types are untouched.
    expect(s.keeps("run", "10.5").keep).toBe(true);
  });

  it("appends repeated filters given under different spellings of one type", () => {
    const s = new Selection(cryoet, { filters: { identified_object: ["a"], "identified-object": ["b"] } });
    expect(["apple", "banana", "cherry"].map((n) => s.keeps("identified_object", n).keep)).toEqual([true, true, false]);
  });

  it("rejects filters for unknown types and patterns that do not compile", () => {
    expect(usageError({ filters: { runz: ["x"] } }).message).toContain("unknown entity type for --filter-<type>-name 'runz': did you mean 'run'?");
    expect(usageError({ excludes: { nope: ["x"] } }).message).toMatch(/^unknown entity type for --exclude-<type>-name 'nope'/);
    const bad = usageError({ filters: { run: ["TS_(0"] } });
    expect(bad.message).toMatch(/^--filter-run-name "TS_\(0": .*missing \)/);
    expect(usageError({ excludes: { "voxel-spacing": ["[a-"] } }).message).toMatch(/^--exclude-voxel-spacing-name "\[a-": /);
  });
});

describe("Selection on a custom graph", () => {
  const importer = {} as Importer;
  const spec = (key: string, plural: string, hasMetadata: boolean, children: EntityTypeSpec[] = []): EntityTypeSpec => ({
    key,
    plural,
    hasMetadata,
    importer,
    children,
  });
  const profile = defineProfile(
    "tiny",
    [spec("study", "studies", true, [spec("series", "series_list", false, [spec("slice", "slices", true)]), spec("report", "reports", true)])],
    new Map(),
  );

  it("iterates exactly the chain from the root to each selected type", () => {
    expect(sorted(new Selection(profile, { imports: ["slices"] }).toIterate)).toEqual(["series", "slice", "study"]);
    expect(sorted(new Selection(profile, { metadata: ["report"] }).toIterate)).toEqual(["report", "study"]);
    expect(sorted(new Selection(profile, { imports: ["studies"] }).toIterate)).toEqual(["study"]);
    expect(sorted(new Selection(profile, { importAllMetadata: true }).toIterate)).toEqual(["report", "series", "slice", "study"]);
    expect(sorted(new Selection(profile, { importAllMetadata: true }).metadataImport)).toEqual(["report", "slice", "study"]);
  });

  it("looks plurals up by plural and types by key, not the other way round", () => {
    expect(sorted(new Selection(profile, { imports: ["series-list"] }).toImport)).toEqual(["series"]);
    // Too far from 'series-list' to be a typo: no suggestion, the known plurals are listed instead.
    expect(usageError({ imports: ["series"] }, profile).message).toBe("unknown entity plural for --import-<plural> 'series' (known: studies, series-list, slices, reports)");
    expect(usageError({ imports: ["slice"] }, profile).message).toContain("did you mean 'slices'?");
    expect(usageError({ metadata: ["series"] }, profile).message).toBe("--import-series-metadata: series has no metadata file");
  });
});

describe("plural keys that end in -metadata", () => {
  it("--import-collection-metadata imports the collection_metadata items (no type 'collection' exists)", () => {
    const s = new Selection(cryoet, { metadata: ["collection"] });
    expect([...s.toImport]).toEqual(["collection_metadata"]);
    expect([...s.metadataImport]).toEqual([]);
    expect([...s.toIterate].sort()).toEqual(["collection_metadata", "dataset", "deposition", "run"]);
  });
});
