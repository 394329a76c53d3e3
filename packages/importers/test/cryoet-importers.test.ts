import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasetDefaults } from "@ingestkit/importers";
import { nodes, run } from "../../finders/test/harness.js";

const GIF = Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");
const PNG_SNAP = Buffer.from("png-snapshot-bytes");
const TOMO_IMAGES = "10001/TS_1/Reconstructions/VoxelSpacing10.000/Images/100";

let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? "").replace(/\?.*$/, "");
    if (path === "/photos/snap.gif" || path === "/photos/thumb.gif") {
      res.writeHead(200, { "content-type": "image/gif" });
      res.end(GIF);
    } else {
      res.writeHead(404);
      res.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

// the keys the schema requires; the optional ontology fields are left out to get their defaults
const DATASET_MD =
  "dataset_identifier: 10001, dataset_title: Dataset 1, dataset_description: d, sample_type: organism, " +
  "dates: { deposition_date: '2026-01-01', last_modified_date: '2026-01-01', release_date: '2026-01-01' }, " +
  "authors: [ { name: A B, primary_author_status: true, corresponding_author_status: true } ], " +
  "assay: { id: 'EFO:0002954', name: cryo-electron tomography }, development_stage: { name: not_applicable }, disease: { name: not_applicable }";

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("dataset metadata (reference 6.3 item 19)", () => {
  it("fills missing ontology fields with the reference's defaults and keeps given ones", () => {
    const md = datasetDefaults({ dataset_title: "D", organism: { name: "E. coli", taxonomy_id: 562 }, tissue: null });
    expect(md).toEqual({
      dataset_title: "D",
      organism: { name: "E. coli", taxonomy_id: 562 },
      tissue: { name: "not_reported", id: "not_reported" },
      assay: { name: "not_reported", id: "not_reported" },
      cell_component: { name: "not_reported", id: "not_reported" },
      cell_strain: { name: "not_reported", id: "not_reported" },
      cell_type: { name: "not_reported", id: "not_reported" },
      disease: { name: "not_reported", id: "not_reported" },
      development_stage: { name: "unknown", id: "unknown" },
    });
  });

  it("writes {dataset}/dataset_metadata.json with deposition_id as a string, defaults, key_photos and last_updated_at", async () => {
    const yaml = `standardization_config: { deposition_id: 10301, source_prefix: src }\ndepositions: [ { sources: [ { literal: { value: [10301] } } ] } ]\ndatasets: [ { metadata: { ${DATASET_MD} }, sources: [ { literal: { value: ['10001'] } } ] } ]\n`;
    const r = await run(yaml, {}, { selection: { metadata: ["dataset"] }, dryRun: false });
    expect(r.summary.failures).toEqual([]);
    const text = readFileSync(join(r.dir, "out", "10001", "dataset_metadata.json"), "utf8");
    const md = JSON.parse(text);
    expect(md.dataset_title).toBe("Dataset 1");
    expect(md.deposition_id).toBe("10301");
    expect(md.organism).toEqual({ name: "not_reported", taxonomy_id: null });
    expect(md.development_stage).toEqual({ name: "not_applicable" });
    expect(md.tissue).toEqual({ name: "not_reported", id: "not_reported" });
    expect(md.cell_type).toEqual({ name: "not_reported", id: "not_reported" });
    expect(md.key_photos).toEqual({ snapshot: null, thumbnail: null });
    expect(md.last_updated_at).toBe(1767225600);
    // json.dumps(indent=4) layout
    expect(text).toMatch(/^\{\n {4}"/);
  });
});

describe("dataset key photos (reference 6.3 item 20)", () => {
  const photos = (snapshot: string, thumbnail: string) =>
    `dataset_keyphotos: [ { sources: [ { literal: { value: { snapshot: '${snapshot}', thumbnail: '${thumbnail}' } } } ] } ]\n`;
  const sel = { selection: { imports: ["dataset_keyphotos"], metadata: ["dataset"] }, dryRun: false };

  it("downloads http(s) sources to {dataset}/Images/{key}{ext} and lists them in the dataset metadata", async () => {
    const r = await run(photos(`${base}/photos/snap.gif`, `${base}/photos/thumb.gif?x=1`), {}, sel);
    expect(r.summary.failures).toEqual([]);
    expect(readdirSync(join(r.dir, "out", "10001", "Images")).sort()).toEqual(["snapshot.gif", "thumbnail.gif"]);
    expect(readFileSync(join(r.dir, "out", "10001", "Images", "snapshot.gif")).equals(GIF)).toBe(true);
    expect(readJson(join(r.dir, "out", "10001", "dataset_metadata.json")).key_photos).toEqual({ snapshot: "10001/Images/snapshot.gif", thumbnail: "10001/Images/thumbnail.gif" });
  });

  it("falls back to the first tomogram key photo when the source is missing (HTTP 404)", async () => {
    const output = { [`${TOMO_IMAGES}/key-photo-snapshot.png`]: PNG_SNAP, [`${TOMO_IMAGES}/key-photo-thumbnail.png`]: "thumb-png" };
    const r = await run(photos(`${base}/photos/missing.gif`, `${base}/photos/thumb.gif`), { output }, sel);
    expect(r.summary.failures).toEqual([]);
    expect(readFileSync(join(r.dir, "out", "10001", "Images", "snapshot.png")).equals(PNG_SNAP)).toBe(true);
    expect(readFileSync(join(r.dir, "out", "10001", "Images", "thumbnail.gif")).equals(GIF)).toBe(true);
  });

  it("fails that key photo with its entity path and writes no image when there is no source and no fallback", async () => {
    const r = await run(photos("cryoetportal-rawdatasets-dev/src/nope.png", `${base}/photos/missing.gif`), {}, sel);
    expect(r.summary.failed).toBe(2);
    expect(r.summary.failures.map((f) => `${f.entityPath}: ${f.message}`)).toEqual([
      "dataset 10001 / dataset keyphoto snapshot: image source file not found for key photo 'snapshot': cryoetportal-rawdatasets-dev/src/nope.png",
      `dataset 10001 / dataset keyphoto thumbnail: image source file not found for key photo 'thumbnail': ${base}/photos/missing.gif`,
    ]);
    expect(existsSync(join(r.dir, "out", "10001", "Images"))).toBe(false);
  });

  it("deposition key photos go to depositions_metadata/{dep}/Images and never fall back", async () => {
    const yaml = `deposition_keyphotos: [ { sources: [ { literal: { value: { snapshot: '${base}/photos/snap.gif', thumbnail: '${base}/photos/missing.gif' } } } ] } ]\n`;
    const output = { [`${TOMO_IMAGES}/key-photo-thumbnail.png`]: "thumb-png" };
    const r = await run(yaml, { output }, { selection: { imports: ["deposition_keyphotos"] }, dryRun: false });
    expect(readdirSync(join(r.dir, "out", "depositions_metadata", "1", "Images"))).toEqual(["snapshot.gif"]);
    expect(r.summary.failures.map((f) => f.entityPath)).toEqual(["deposition keyphoto thumbnail"]);
  });
});

describe("file importers", () => {
  const runsYaml = "runs: [ { sources: [ { literal: { value: ['TS_1'] } } ] } ]\n";

  it("collection metadata: every match is renamed to {run}.mdoc and the last one found wins", async () => {
    const yaml = runsYaml + "collection_metadata: [ { sources: [ { source_glob: { list_glob: '{run_name}/*.mdoc' } } ] } ]\n";
    const r = await run(yaml, { input: { "TS_1/a.mdoc": "first", "TS_1/b.mdoc": "second" } }, { selection: { imports: ["collection_metadata"] }, dryRun: false });
    expect(r.summary.failures).toEqual([]);
    expect(readdirSync(join(r.dir, "out", "10001", "TS_1", "Frames"))).toEqual(["TS_1.mdoc"]);
    expect(readFileSync(join(r.dir, "out", "10001", "TS_1", "Frames", "TS_1.mdoc"), "utf8")).toBe("second");
  });

  it("gains are copied under their own name; a .dm4 gain is reported as not supported, not skipped", async () => {
    const yaml = runsYaml + "gains: [ { sources: [ { source_glob: { list_glob: '{run_name}/*gain*' } } ] } ]\n";
    const r = await run(yaml, { input: { "TS_1/gain.mrc": "g", "TS_1/gain_ref.dm4": "d" } }, { selection: { imports: ["gains"] }, dryRun: false });
    expect(readFileSync(join(r.dir, "out", "10001", "TS_1", "Gains", "gain.mrc"), "utf8")).toBe("g");
    expect(r.summary.failures.map((f) => [f.entityPath, f.code])).toEqual([["dataset 10001 / run TS_1 / gain gain_ref.dm4", "NOT_SUPPORTED"]]);
  });

  it("a run not selected by --filter-run-name writes nothing", async () => {
    const yaml =
      "runs: [ { sources: [ { literal: { value: ['TS_1', 'TS_2'] } } ] } ]\ncollection_metadata: [ { sources: [ { source_glob: { list_glob: '{run_name}/*.mdoc' } } ] } ]\n";
    const r = await run(
      yaml,
      { input: { "TS_1/a.mdoc": "1", "TS_2/a.mdoc": "2" } },
      { selection: { imports: ["collection_metadata"], filters: { run: ["TS_2"] } }, dryRun: false },
    );
    expect(existsSync(join(r.dir, "out", "10001", "TS_1"))).toBe(false);
    expect(readFileSync(join(r.dir, "out", "10001", "TS_2", "Frames", "TS_2.mdoc"), "utf8")).toBe("2");
  });
});

describe("no path escapes the output root", () => {
  for (const [label, name] of [
    ["a '..' run name", "'..'"],
    ["a run name with '../'", "'../../evil'"],
    ["an absolute run name", "'/tmp/evil-ingestkit'"],
  ] as const) {
    // a literal name is known before the run: the config is refused when it is validated, once, naming
    // the name and its position (it used to fail at run time, once per entity below it)
    it(`${label} is refused when the config is validated, with PATH_ESCAPE at its position; nothing is written`, async () => {
      const yaml = `runs: [ { sources: [ { literal: { value: [${name}, 'TS_ok'] } } ] } ]\n`;
      const err = await run(yaml, {}, { selection: { metadata: ["run"] }, dryRun: false }).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string; line?: number },
      );
      expect(err?.code).toBe("PATH_ESCAPE");
      expect(err?.message).toContain(`literal name ${JSON.stringify(name.slice(1, -1))} would put outputs outside the output root`);
      expect(err?.line).toBeGreaterThan(0);
      expect(existsSync("/tmp/evil-ingestkit")).toBe(false);
    });
  }

  it("a source file name that would escape (via a template value) is rejected before any read", async () => {
    const yaml = "runs: [ { sources: [ { literal: { value: ['TS_1'] } } ] } ]\ngains: [ { sources: [ { source_glob: { list_glob: '../{run_name}/*' } } ] } ]\n";
    const r = await run(yaml, {}, { selection: { imports: ["gains"] }, dryRun: false });
    expect(r.summary.failures.map((f) => f.code)).toEqual(["PATH_ESCAPE"]);
    expect(r.summary.failures[0]!.message).toMatch(/\.\.\/TS_1/);
    expect(nodes(r.plan, "gain").map((n) => [n.status, n.writes.length])).toEqual([["failed", 0]]);
  });
});
