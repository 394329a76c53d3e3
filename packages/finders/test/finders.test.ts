import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { globStorage, LocalStorage, pyFormat, type FinderContext } from "@ingestkit/core";
import { destinationFilter } from "@ingestkit/finders";
import { makeTree, names, nodes, run } from "./harness.js";

const DATASET = "datasets: [ { sources: [ { literal: { value: ['10001'] } } ] } ]\n";
const runs = (source: string) => `${DATASET}runs: [ { sources: [ ${source} ] } ]\n`;
const RUNS_ONLY = { selection: { imports: ["runs"] } };

describe("source_glob", () => {
  const input = { "10001/run_a.mrc": "a", "10001/run_b.mrc": "b", "10001/notes.txt": "n", "10002/run_c.mrc": "c" };

  it("expands list_glob with parent variables and names items by name_regex group 1 on the basename", async () => {
    const r = await run(runs("{ source_glob: { list_glob: '{dataset_name}/*.mrc', name_regex: 'run_(.*)\\.mrc' } }"), { input }, RUNS_ONLY);
    expect(r.summary.failures).toEqual([]);
    expect(names(r.plan, "run").sort()).toEqual(["a", "b"]);
    expect(
      nodes(r.plan, "run")
        .map((n) => n.sources[0])
        .sort(),
    ).toEqual([join(r.dir, "src", "10001", "run_a.mrc"), join(r.dir, "src", "10001", "run_b.mrc")]);
  });

  it("searches match_regex anywhere in the full path (re.search), including the input root", async () => {
    const r = await run(runs("{ source_glob: { list_glob: '{dataset_name}/*', match_regex: 'b\\.mrc$' } }"), { input }, RUNS_ONLY);
    expect(names(r.plan, "run")).toEqual(["run_b.mrc"]);
    const root = await run(runs("{ source_glob: { list_glob: '{dataset_name}/*.mrc', match_regex: 'src/10001/' } }"), { input }, RUNS_ONLY);
    expect(names(root.plan, "run").sort()).toEqual(["run_a.mrc", "run_b.mrc"]);
  });

  it("matches name_regex at the start of the basename only (re.match)", async () => {
    // 'un_(.)' would be found by re.search inside 'run_a.mrc' but re.match anchors at the start
    const r = await run(runs("{ source_glob: { list_glob: '{dataset_name}/*.mrc', name_regex: 'un_(.)' } }"), { input }, RUNS_ONLY);
    expect(r.summary.failed).toBeGreaterThan(0);
    expect(r.summary.failures[0]!.message).toMatch(/name_regex "un_\(\.\)" does not match the file name "run_a\.mrc"/);
  });

  it("reports a name_regex without a group at its YAML position", async () => {
    const r = await run(runs("{ source_glob: { list_glob: '{dataset_name}/*.mrc', name_regex: 'run_.*' } }"), { input }, RUNS_ONLY);
    const f = r.summary.failures[0]!;
    expect(f.message).toMatch(/has no group/);
    expect(f.where).toMatch(/config\.yaml:\d+:\d+/);
  });

  it("keeps one item per name: a later duplicate replaces the earlier one", async () => {
    const r = await run(runs("{ source_glob: { list_glob: '*/TS_1.mrc', name_regex: '(.*)\\.mrc' } }"), { input: { "a/TS_1.mrc": "1", "b/TS_1.mrc": "2" } }, RUNS_ONLY);
    expect(names(r.plan, "run")).toEqual(["TS_1"]);
  });

  it("finds nothing (and fails nothing) when the glob matches no file", async () => {
    const r = await run(runs("{ source_glob: { list_glob: '{dataset_name}/*.nope' } }"), { input }, RUNS_ONLY);
    expect(r.summary.failures).toEqual([]);
    expect(names(r.plan, "run")).toEqual([]);
  });

  it("names a run the legacy run_name_regex way when name_regex's group does not take part", async () => {
    const withRegex = runs("{ source_glob: { list_glob: '{dataset_name}/*.mrc', name_regex: '(x)?.*' } }");
    const head = "standardization_config: { deposition_id: 1, source_prefix: src, run_name_regex: 'run_(.*)\\.mrc' }\n";
    const r = await run(head + withRegex, { input }, RUNS_ONLY);
    expect(r.summary.failures).toEqual([]);
    expect(names(r.plan, "run").sort()).toEqual(["a", "b"]);
    const without = await run(withRegex, { input }, RUNS_ONLY);
    expect(without.summary.failures[0]!.message).toMatch(/without a name \(10001\/run_a\.mrc\).*run_name_regex is not set/);
  });
});

describe("source_multi_glob", () => {
  const input = { "10001/TS_1/a.tiff": "1", "10001/TS_1/b.tiff": "2", "10001/TS_1/c.eer": "3", "10001/TS_1/d.mdoc": "4" };

  it("finds every file matching any of list_globs; name and path are the full path", async () => {
    const r = await run(runs("{ source_multi_glob: { list_globs: ['{dataset_name}/TS_1/*.tiff', '{dataset_name}/TS_1/*.eer'] } }"), { input }, RUNS_ONLY);
    expect(r.summary.failures).toEqual([]);
    const full = (f: string) => join(r.dir, "src", "10001", "TS_1", f);
    expect(names(r.plan, "run").sort()).toEqual([full("a.tiff"), full("b.tiff"), full("c.eer")]);
  });

  it("lists a file matched by two globs once", async () => {
    const r = await run(runs("{ source_multi_glob: { list_globs: ['{dataset_name}/TS_1/a.*', '{dataset_name}/TS_1/*.tiff'] } }"), { input }, RUNS_ONLY);
    expect(names(r.plan, "run")).toHaveLength(2);
  });

  it("forms one item from all files of one source for grouped types (frames)", async () => {
    const yaml =
      `${DATASET}runs: [ { sources: [ { literal: { value: ['TS_1'] } } ] } ]\n` +
      "frames: [ { metadata: { dose_rate: 1, is_gain_corrected: true }, sources: [ { source_multi_glob: { list_globs: ['{dataset_name}/{run_name}/*.tiff', '{dataset_name}/{run_name}/*.eer'] } } ] } ]\n";
    const r = await run(yaml, { input }, { selection: { imports: ["frames"] } });
    const frames = nodes(r.plan, "frame");
    expect(frames.map((n) => n.name)).toEqual(["a.tiff,b.tiff,c.eer"]);
    expect(frames[0]!.entityPath).toBe("dataset 10001 / run TS_1 / frame a.tiff,b.tiff,c.eer");
    expect(
      frames[0]!.writes
        .map((w) => w.key)
        .filter((k) => !k.endsWith(".json"))
        .sort(),
    ).toEqual(["10001/TS_1/Frames/a.tiff", "10001/TS_1/Frames/b.tiff", "10001/TS_1/Frames/c.eer"]);
  });

  it("names a grouped item of more than three files in its entity path by the first and last file, even with commas in names", async () => {
    const yaml =
      `${DATASET}runs: [ { sources: [ { literal: { value: ['TS_2'] } } ] } ]\n` +
      "frames: [ { metadata: { dose_rate: 1, is_gain_corrected: true }, sources: [ { source_glob: { list_glob: '{dataset_name}/{run_name}/*.tiff' } } ] } ]\n";
    const files = { "10001/TS_2/a,1.tiff": "1", "10001/TS_2/b.tiff": "2", "10001/TS_2/c.tiff": "3", "10001/TS_2/d,4.tiff": "4" };
    const r = await run(yaml, { input: files }, { selection: { imports: ["frames"] } });
    const frames = nodes(r.plan, "frame");
    expect(frames.map((n) => n.name)).toEqual(["a,1.tiff,b.tiff,c.tiff,d,4.tiff"]);
    expect(frames[0]!.entityPath).toBe("dataset 10001 / run TS_2 / frame a,1.tiff … d,4.tiff (4 files)");
  });

  it("rejects list_globs that is not a list of strings", async () => {
    const r = await run(runs("{ source_multi_glob: { list_globs: '{dataset_name}/*' } }"), { input }, RUNS_ONLY).catch((e: Error) => e);
    const message = r instanceof Error ? r.message : r.summary.failures.map((f) => f.message).join("\n");
    expect(message).toMatch(/list_globs/);
  });
});

describe("destination_glob", () => {
  const output = { "10001/TS_9/run_metadata.json": '{"run_name": "TS_9"}', "10001/TS_8/run_metadata.json": '{"run_name": "TS_8"}' };

  it("references existing outputs (templates give the output path) and never imports them", async () => {
    const yaml = runs("{ destination_glob: { list_glob: '{dataset_output_path}/TS_*' } }");
    const r = await run(yaml, { output }, { ...RUNS_ONLY, dryRun: false });
    expect(r.summary.failures).toEqual([]);
    const found = nodes(r.plan, "run");
    expect(found.map((n) => n.name).sort()).toEqual(["TS_8", "TS_9"]);
    expect(found.every((n) => n.status === "reference" && n.writes.length === 0)).toBe(true);
    expect(readFileSync(join(r.dir, "out", "10001", "TS_9", "run_metadata.json"), "utf8")).toBe('{"run_name": "TS_9"}');
  });

  it("does not look in the input", async () => {
    const r = await run(runs("{ destination_glob: { list_glob: '{dataset_name}/*' } }"), { input: { "10001/TS_1/x": "1" } }, RUNS_ONLY);
    expect(names(r.plan, "run")).toEqual([]);
  });
});

describe("literal", () => {
  it("yields a list's values as names (numbers become their Python str)", async () => {
    const r = await run("datasets: [ { sources: [ { literal: { value: [10001, '10002', 1.5] } } ] } ]\n", {}, { selection: { imports: ["datasets"] } });
    expect(names(r.plan, "dataset")).toEqual(["10001", "10002", "1.5"]);
  });

  it("yields a mapping's keys as names and its values as the item's value (key photo sources)", async () => {
    const bucket = "cryoetportal-rawdatasets-dev/src/photos";
    const yaml = `${DATASET}dataset_keyphotos: [ { sources: [ { literal: { value: { snapshot: '${bucket}/s.png', thumbnail: '${bucket}/t.png' } } } ] } ]\n`;
    const r = await run(yaml, { input: { "photos/s.png": "S", "photos/t.png": "T" } }, { selection: { imports: ["dataset_keyphotos"] }, dryRun: false });
    expect(r.summary.failures).toEqual([]);
    expect(names(r.plan, "dataset_keyphoto")).toEqual(["snapshot", "thumbnail"]);
    expect(readFileSync(join(r.dir, "out", "10001", "Images", "snapshot.png"), "utf8")).toBe("S");
    expect(readFileSync(join(r.dir, "out", "10001", "Images", "thumbnail.png"), "utf8")).toBe("T");
  });
});

describe("destination_filter (reference 6.3 item 18)", () => {
  const ts = (id: number, extra: object) => JSON.stringify({ omezarr_dir: `10001/TS_1/TiltSeries/${id}/TS_1.zarr`, tiltseries_identifier: id, ...extra });
  const output = {
    "10001/TS_1/TiltSeries/100/tiltseries_metadata.json": ts(100, { authors: [{ name: { first: "Alice" } }, { name: { first: "Carol" } }], tags: ["x"] }),
    "10001/TS_1/TiltSeries/101/tiltseries_metadata.json": ts(101, { authors: [{ name: { first: "Bob" } }], tags: ["y", "z"] }),
  };
  const filtered = (filters: string) => `tiltseries: [ { sources: [ { destination_filter: { filters: ${filters} } } ] } ]\n`;
  const sel = { selection: { imports: ["tiltseries"] } };
  const found = (r: Awaited<ReturnType<typeof run>>) => nodes(r.plan, "tiltseries").map((n) => n.sources[0]!.slice(join(r.dir, "out").length + 1));

  it('authors.name.first == "Bob" matches only id 101, as a reference', async () => {
    const r = await run(filtered("[ { key: [authors, name, first], value: Bob } ]"), { output }, sel);
    expect(found(r)).toEqual(["10001/TS_1/TiltSeries/101/TS_1.zarr"]);
    expect(nodes(r.plan, "tiltseries").map((n) => [n.name, n.status])).toEqual([["TS_1", "reference"]]);
  });

  it("empty filters match every existing metadata file of the run (finder called directly: the schema wants at least one filter)", async () => {
    const r = await run(filtered("[ { key: [omezarr_dir], value: '10001/TS_1/TiltSeries/100/TS_1.zarr' } ]"), { output }, sel);
    expect(found(r)).toEqual(["10001/TS_1/TiltSeries/100/TS_1.zarr"]);
    const root = mkdtempSync(join(tmpdir(), "ingestkit-dfilter-"));
    makeTree(root, output);
    const storage = new LocalStorage(root);
    const ctx = {
      run: { output: { readText: async (k: string) => Buffer.from(await storage.read(k)).toString("utf8") }, outputLocation: (k: string) => join(root, k) },
      type: { metadataGlob: "{dataset_name}/{run_name}/TiltSeries/*/tiltseries_metadata.json", nameFromMetadata: (md: any) => ({ name: md.omezarr_dir, path: md.omezarr_dir }) },
      expand: (t: string) => pyFormat(t, { dataset_name: "10001", run_name: "TS_1" }),
      glob: async (pattern: string) => (await globStorage(storage, pattern)).map((key) => ({ storage: "output" as const, key })),
      origin: () => ({}),
    } as unknown as FinderContext;
    for (const options of [{ filters: [] }, {}]) {
      const items = await destinationFilter.find(options as never, ctx);
      expect(items.map((i) => [i.name, i.allowImport]).sort()).toEqual([
        ["10001/TS_1/TiltSeries/100/TS_1.zarr", false],
        ["10001/TS_1/TiltSeries/101/TS_1.zarr", false],
      ]);
    }
  });

  it("every filter must match; a list value matches when it contains the expected value", async () => {
    const r = await run(filtered("[ { key: [tags], value: z }, { key: [tiltseries_identifier], value: 101 } ]"), { output }, sel);
    expect(found(r)).toEqual(["10001/TS_1/TiltSeries/101/TS_1.zarr"]);
    const none = await run(filtered("[ { key: [tags], value: z }, { key: [tiltseries_identifier], value: 100 } ]"), { output }, sel);
    expect(found(none)).toEqual([]);
  });

  it("reports a metadata file that is not JSON with its location", async () => {
    const r = await run(filtered("[ { key: [tags], value: z } ]"), { output: { ...output, "10001/TS_1/TiltSeries/102/tiltseries_metadata.json": "{ nope" } }, sel);
    expect(r.summary.failures.map((f) => f.message).join("\n")).toMatch(/TiltSeries\/102\/tiltseries_metadata\.json is not valid JSON/);
  });
});

describe("template variables for finders", () => {
  const sel = { selection: { imports: ["gains"] } };
  const gains = (glob: string) => `runs: [ { sources: [ { literal: { value: ['TS_1', 'TS_02'] } } ] } ]\ngains: [ { sources: [ { source_glob: { list_glob: '${glob}' } } ] } ]\n`;
  const gainsOf = (r: Awaited<ReturnType<typeof run>>) => nodes(r.plan, "gain").map((n) => n.entityPath.replace("dataset 10001 / run ", ""));

  it("legacy two-column maps give mapped_tomo_name, mapped_frame_name and mapped_ts_name per run", async () => {
    const head = "standardization_config: { deposition_id: 1, source_prefix: src, run_to_tomo_map_csv: tomo.csv, run_to_frame_map_csv: frame.csv, run_to_ts_map_csv: ts.csv }\n";
    const input = {
      "tomo.csv": "TS_1,tomoA\nTS_02,tomoB\n",
      "frame.csv": "TS_1,framesA\nTS_02,framesB\n",
      "ts.csv": "TS_1,tsA\nTS_02,tsB\n",
      "tomoA/framesA/tsA/g.mrc": "1",
      "tomoB/framesB/tsB/g.mrc": "2",
    };
    const r = await run(head + gains("{mapped_tomo_name}/{mapped_frame_name}/{mapped_ts_name}/*.mrc"), { input }, sel);
    expect(r.summary.failures).toEqual([]);
    expect(gainsOf(r)).toEqual(["TS_1 / gain g.mrc", "TS_02 / gain g.mrc"]);
    expect(nodes(r.plan, "gain").map((n) => n.sources[0]!.split("/src/")[1])).toEqual(["tomoA/framesA/tsA/g.mrc", "tomoB/framesB/tsB/g.mrc"]);
  });

  it("a TSV run data map's columns (names with '-') are variables; int_run_name exists for int-castable names", async () => {
    const head = "standardization_config: { deposition_id: 1, source_prefix: src, run_data_map_file: map.tsv }\n";
    const yaml =
      head + "runs: [ { sources: [ { literal: { value: ['001', '2'] } } ] } ]\ngains: [ { sources: [ { source_glob: { list_glob: '{ts-folder}/g_{int_run_name}.mrc' } } ] } ]\n";
    const input = { "map.tsv": "run_name\tts-folder\n001\tone\n2\ttwo\n", "one/g_1.mrc": "1", "two/g_2.mrc": "2" };
    const r = await run(yaml, { input }, sel);
    expect(r.summary.failures).toEqual([]);
    expect(gainsOf(r)).toEqual(["001 / gain g_1.mrc", "2 / gain g_2.mrc"]);
  });

  it("a run without a run data map row fails with the variable named; the other runs go on", async () => {
    const head = "standardization_config: { deposition_id: 1, source_prefix: src, run_data_map_file: map.csv }\n";
    const input = { "map.csv": "run_name,folder\nTS_1,one\n", "one/g.mrc": "1" };
    const r = await run(head + gains("{folder}/*.mrc"), { input }, sel);
    expect(gainsOf(r)).toContain("TS_1 / gain g.mrc");
    expect(r.summary.failures.map((f) => [f.entityPath, f.code])).toEqual([["dataset 10001 / run TS_02 / gains", "TEMPLATE_UNDEFINED"]]);
    expect(r.summary.failures[0]!.message).toContain("{folder}");
  });

  it("a variable that can never be defined is refused before anything runs, with its YAML position and a suggestion", async () => {
    const err = (await run(gains("{dataset_name}/{run_nme}/*"), {}, sel).catch((e: unknown) => e)) as { code: string; message: string; line?: number };
    expect(err).toMatchObject({ code: "CONFIG_UNDEFINED_VARIABLE", line: 7 }); // 5 default lines, runs, then gains
    expect(err.message).toContain("did you mean {run_name}?");
  });
});
