/**
 * The `cryoet` profile: the reference's 19 entity types in its order (IMPORTER_DEP_TREE), their
 * YAML keys, output folders, finders and importers, plus the run-data-map variables.
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineProfile, defineProfilePlugin, finderRegistry, type EntityEntry, type EntityTypeSpec, type LoadedConfig, type Profile, type ProfileOption } from "@ingestkit/core";
import { builtinFinders, DEFAULT_FINDERS } from "@ingestkit/finders";
import { parseCsv, parseCsvRecords } from "@ingestkit/formats";
import { datasetImporter } from "./dataset.js";
import { depositionImporter } from "./deposition.js";
import { collectionMetadataImporter, ctfImporter, gainImporter, rawTiltImporter } from "./files.js";
import { frameImporter } from "./frame.js";
import { identifiedObjectImporter } from "./identified-object.js";
import { datasetKeyPhotoImporter, depositionKeyPhotoImporter } from "./key-photo.js";
import { loadRunMaps, runMaps } from "./run-data.js";
import { runImporter } from "./run.js";
import { voxelSpacingImporter } from "./voxel-spacing.js";
import { annotationImporter } from "./annotation.js";
import { ANNOTATION_SHAPES, annotationShapeFinders } from "./annotation-finders.js";
import { annotationVizImporter, vizConfigImporter } from "./visualization.js";
import { alignmentImporter } from "./alignment.js";
import { tomogramHeader } from "./tomogram-header.js";
import { keyImageImporter, tiltSeriesImporter, tomogramImporter } from "./volumes.js";

export { ANNOTATION_SHAPES } from "./annotation-finders.js";

const literalDefault = (values: string[], metadata: Record<string, unknown> = {}): EntityEntry[] => [{ metadata, sources: [{ literal: { value: values } }], index: -1 }];

const VS = "{dataset_name}/{run_name}/Reconstructions/VoxelSpacing{voxel_spacing_name}";
const VS_FINDERS = ["source_glob", "destination_glob", "tomogram_header", "literal"];

const tree: EntityTypeSpec = {
  key: "deposition",
  plural: "depositions",
  hasMetadata: true,
  importer: depositionImporter,
  outputDir: "depositions_metadata/{deposition_name}",
  children: [
    {
      key: "dataset",
      plural: "datasets",
      hasMetadata: true,
      importer: datasetImporter,
      outputDir: "{dataset_name}",
      metadataGlob: "*/dataset_metadata.json",
      children: [
        {
          key: "run",
          concurrent: true,
          plural: "runs",
          hasMetadata: true,
          importer: runImporter,
          outputDir: "{dataset_name}/{run_name}",
          metadataGlob: "{dataset_name}/*/run_metadata.json",
          nameFromMetadata: (md, key) => ({ name: String(md.run_name ?? key.split("/").slice(-2)[0]), path: key }),
          children: [
            { key: "gain", plural: "gains", hasMetadata: false, importer: gainImporter, outputDir: "{dataset_name}/{run_name}/Gains" },
            { key: "collection_metadata", plural: "collection_metadata", hasMetadata: false, importer: collectionMetadataImporter, outputDir: "{dataset_name}/{run_name}/Frames" },
            { key: "frame", plural: "frames", hasMetadata: true, importer: frameImporter, grouping: "group", outputDir: "{dataset_name}/{run_name}/Frames" },
            {
              key: "tiltseries",
              plural: "tiltseries",
              hasMetadata: true,
              importer: tiltSeriesImporter,
              outputDir: "{dataset_name}/{run_name}/TiltSeries/{tiltseries_id}",
              metadataGlob: "{dataset_name}/{run_name}/TiltSeries/*/tiltseries_metadata.json",
              nameFromMetadata: zarrName,
              children: [
                { key: "ctf", plural: "ctfs", hasMetadata: false, importer: ctfImporter, outputDir: "{dataset_name}/{run_name}/TiltSeries/{tiltseries_id}" },
                { key: "rawtilt", plural: "rawtilts", hasMetadata: false, importer: rawTiltImporter, outputDir: "{dataset_name}/{run_name}/TiltSeries/{tiltseries_id}" },
              ],
            },
            {
              key: "alignment",
              plural: "alignments",
              hasMetadata: true,
              importer: alignmentImporter,
              grouping: "group",
              outputDir: "{dataset_name}/{run_name}/Alignments/{alignment_id}",
              metadataGlob: "{dataset_name}/{run_name}/Alignments/*/alignment_metadata.json",
              defaultEntries: literalDefault(["default"]),
            },
            {
              key: "identified_object",
              plural: "identified_objects",
              hasMetadata: true,
              importer: identifiedObjectImporter,
              outputDir: "{dataset_name}/{run_name}/IdentifiedObjects",
            },
            {
              key: "voxel_spacing",
              plural: "voxel_spacings",
              hasMetadata: false,
              importer: voxelSpacingImporter,
              finders: VS_FINDERS,
              outputDir: VS,
              children: [
                {
                  key: "annotation",
                  plural: "annotations",
                  hasMetadata: true,
                  importer: annotationImporter,
                  finders: [...ANNOTATION_SHAPES],
                  outputDir: `${VS}/Annotations/{annotation_id}`,
                  metadataGlob: `${VS}/Annotations/*/*.json`,
                  children: [
                    {
                      key: "annotation_viz",
                      plural: "annotation_viz",
                      hasMetadata: false,
                      importer: annotationVizImporter,
                      outputDir: `${VS}/NeuroglancerPrecompute`,
                      defaultEntries: literalDefault(["neuroglancer"]),
                    },
                  ],
                },
                {
                  key: "tomogram",
                  plural: "tomograms",
                  hasMetadata: true,
                  importer: tomogramImporter,
                  outputDir: `${VS}/Tomograms/{tomogram_id}`,
                  metadataGlob: `${VS}/Tomograms/*/tomogram_metadata.json`,
                  nameFromMetadata: zarrName,
                  children: [
                    {
                      key: "key_image",
                      plural: "key_images",
                      hasMetadata: false,
                      importer: keyImageImporter,
                      outputDir: `${VS}/Images/{tomogram_id}`,
                      defaultEntries: literalDefault(["original", "snapshot", "thumbnail", "expanded"]),
                    },
                  ],
                },
                {
                  key: "viz_config",
                  plural: "viz_config",
                  hasMetadata: false,
                  importer: vizConfigImporter,
                  outputDir: `${VS}/NeuroglancerPrecompute`,
                  defaultEntries: literalDefault(["neuroglancer"]),
                },
              ],
            },
          ],
        },
        {
          key: "dataset_keyphoto",
          plural: "dataset_keyphotos",
          hasMetadata: false,
          importer: datasetKeyPhotoImporter,
          outputDir: "{dataset_name}/Images",
          defaultEntries: literalDefault(["snapshot", "thumbnail"]),
        },
      ],
    },
    {
      key: "deposition_keyphoto",
      plural: "deposition_keyphotos",
      hasMetadata: false,
      importer: depositionKeyPhotoImporter,
      outputDir: "depositions_metadata/{deposition_name}/Images",
    },
  ],
};

function zarrName(md: Record<string, unknown>, key: string): { name: string; path: string | null } {
  const z = typeof md.omezarr_dir === "string" ? md.omezarr_dir : undefined;
  if (!z) return { name: key.split("/").slice(-2)[0]!, path: key };
  const base = z.replace(/\/+$/, "").split("/").pop()!;
  return { name: base.replace(/\.zarr$/, ""), path: z };
}

function applyDefaultFinders(spec: EntityTypeSpec): EntityTypeSpec {
  return { ...spec, finders: spec.finders ?? DEFAULT_FINDERS, children: (spec.children ?? []).map(applyDefaultFinders) };
}

/** The cryoet config schema, shipped in this package (src/ and dist/ are both two levels below its root). */
export const CRYOET_SCHEMA_PATH = fileURLToPath(new URL("../../schemas/cryoet-config.schema.json", import.meta.url));

let schemaCache: Record<string, unknown> | undefined;
export function cryoetSchema(): Record<string, unknown> {
  schemaCache ??= JSON.parse(readFileSync(CRYOET_SCHEMA_PATH, "utf8")) as Record<string, unknown>;
  return schemaCache;
}

const METADATA_TEMPLATED = new Set(["tomogram", "tiltseries", "frame"]);

/** Run-data-map columns, read from the map file next to the config when it is there. */
const columnsCache = new WeakMap<LoadedConfig, { names: string[]; open: boolean; why?: string }>();
function mapColumns(config: LoadedConfig): { names: string[]; open: boolean; why?: string } {
  let cached = columnsCache.get(config);
  if (!cached) {
    cached = readMapColumns(config);
    columnsCache.set(config, cached);
  }
  return cached;
}

function readMapColumns(config: LoadedConfig): { names: string[]; open: boolean; why?: string } {
  const sc = config.section("standardization_config");
  const names: string[] = [];
  let open = false;
  let why: string | undefined;
  const file = sc.run_data_map_file;
  if (typeof file === "string" && file) {
    const p = join(config.dir, file);
    if (existsSync(p)) {
      try {
        const text = readFileSync(p, "utf8");
        names.push(...parseCsvRecords(text, file.endsWith("tsv") ? "\t" : ",").header);
      } catch {
        open = true;
        why = `run_data_map_file ${file} could not be parsed`;
      }
    } else {
      open = true;
      why = `run_data_map_file ${file} is read from the input at run time`;
    }
  }
  void parseCsv;
  return { names, open, ...(why ? { why } : {}) };
}

/** The settings the cryoet importers read, each with its `convert` option. */
export const CRYOET_OPTIONS = [
  {
    key: "httpsPrefix",
    flag: "https-prefix",
    type: "string",
    valueName: "<url>",
    default: "https://files.cryoetdataportal.cziscience.com",
    help: "base URL written into neuroglancer configs",
  },
  { key: "writeMrc", flag: "write-mrc", type: "boolean", default: true, help: "write MRC volumes" },
  { key: "writeZarr", flag: "write-zarr", type: "boolean", default: true, help: "write OME-Zarr volumes" },
  {
    key: "ngffVersion",
    flag: "ngff-version",
    type: "choice",
    choices: ["0.4", "0.5"],
    valueName: "<version>",
    default: "0.4",
    help: "OME-NGFF of written volumes: 0.4 on Zarr v2 (the portal's) or 0.5 on Zarr v3",
  },
] as const satisfies readonly ProfileOption[];

/** Top-level keys of cryoet configs (the schema's properties); any of them marks a config as cryoet. */
let cryoetKeys: Set<string> | undefined;
function looksCryoet(config: LoadedConfig): boolean {
  // `entities:` configs may declare types whose plurals are cryoet's (`runs`): they belong to that profile
  if (config.data.entities !== undefined) return false;
  cryoetKeys ??= new Set(Object.keys((cryoetSchema().properties ?? {}) as object));
  return Object.keys(config.data).some((k) => cryoetKeys!.has(k));
}

let cryoet: Profile | undefined;

/** The cryoet profile plugin: the portal's configs, detected by their top-level keys. */
export const cryoetPlugin = defineProfilePlugin({
  name: "cryoet",
  description: "CZI cryo-ET data portal configs: depositions, datasets, runs, tomograms, annotations (MRC, OME-Zarr, JSON)",
  options: CRYOET_OPTIONS,
  detect: looksCryoet,
  profile: () => (cryoet ??= createCryoetProfile()),
});

export function createCryoetProfile(): Profile {
  const finders = finderRegistry([...builtinFinders.values(), tomogramHeader, ...annotationShapeFinders]);
  return defineProfile({
    name: "cryoet",
    roots: [applyDefaultFinders(tree)],
    finders,
    options: CRYOET_OPTIONS,
    hooks: {
      prepare: loadRunMaps,
      inputPrefix(config) {
        const prefix = config.section("standardization_config").source_prefix;
        return typeof prefix === "string" && prefix ? prefix : undefined;
      },
      itemVars(item, run) {
        if (item.type.key !== "run") return {};
        const maps = runMaps(run);
        return {
          ...(maps.runData.get(item.name) ?? {}),
          mapped_tomo_name: maps.tomo.get(item.name) ?? null,
          mapped_frame_name: maps.frame.get(item.name) ?? null,
          mapped_ts_name: maps.ts.get(item.name) ?? null,
        };
      },
      varNames(type, config) {
        if (type.key !== "run") return { names: [] };
        const cols = mapColumns(config);
        return { ...cols, names: [...cols.names, "mapped_tomo_name", "mapped_frame_name", "mapped_ts_name"] };
      },
      metadataVarNames(type, config) {
        if (!METADATA_TEMPLATED.has(type.key)) return undefined;
        const cols = mapColumns(config);
        // Without any run data map, templates in metadata are left as written (no row to format with).
        if (cols.names.length === 0 && !cols.open) return undefined;
        return cols;
      },
    },
    schema: cryoetSchema(),
  });
}
