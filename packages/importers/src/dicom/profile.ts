/**
 * The `dicom` profile, declared as data like `cryoet`: batch (the input, one item) -> subject
 * (PatientID) -> study (StudyInstanceUID) -> series (SeriesInstanceUID) -> instance (a file).
 * Subject above study follows the DICOM information model (a patient has studies). Every level
 * is found by `dicom_series`; the `prepare` hook checks secret and paths before anything is
 * written and opens the tracking database.
 */
import {
  defineProfile,
  defineProfilePlugin,
  finderRegistry,
  IngestError,
  LocalStorage,
  type EntityEntry,
  type EntityTypeSpec,
  type Profile,
  type RunContext,
} from "@ingestkit/core";
import { builtinFinders } from "@ingestkit/finders";
import { DeidPool, deidWorkerCount } from "./deid-pool.js";
import { dicomSeriesFinder } from "./finder.js";
import { batchImporter, finishRun, instanceImporter, seriesImporter } from "./importers.js";
import { loadLookup, loadPatientIdMap } from "./lookup.js";
import { ATTRIBUTE_VAR_NAMES } from "./naming.js";
import { WebhookNotifier } from "./notify.js";
import { DicomRunState, setDicomRun } from "./run-state.js";
import { dicomSchema } from "./schema.js";
import { readDicomSettings, readSecret, resolveOutsidePath } from "./settings.js";
import { Tracking } from "./tracking.js";

const scanned = (): EntityEntry[] => [{ metadata: {}, sources: [{ dicom_series: {} }], index: -1 }];

const tree: EntityTypeSpec = {
  key: "batch",
  plural: "batches",
  hasMetadata: true,
  importer: batchImporter,
  finders: ["literal"],
  defaultEntries: [{ metadata: {}, sources: [{ literal: { value: ["input"] } }], index: -1 }],
  children: [
    {
      key: "subject",
      plural: "subjects",
      hasMetadata: false,
      importer: {},
      finders: ["dicom_series"],
      defaultEntries: scanned(),
      children: [
        {
          key: "study",
          plural: "studies",
          hasMetadata: false,
          importer: {},
          finders: ["dicom_series"],
          defaultEntries: scanned(),
          children: [
            {
              key: "series",
              plural: "series",
              hasMetadata: true,
              importer: seriesImporter,
              finders: ["dicom_series"],
              defaultEntries: scanned(),
              children: [
                {
                  key: "instance",
                  plural: "instances",
                  hasMetadata: false,
                  concurrent: true,
                  inFlightPerWorker: 4,
                  importer: instanceImporter,
                  finders: ["dicom_series"],
                  defaultEntries: scanned(),
                },
              ],
            },
          ],
        },
      ],
    },
  ],
};

/** Reads the settings, checks the secret and the outside-OUTPUT paths, then opens tracking and notifiers. */
async function prepare(run: RunContext): Promise<void> {
  const config = run.config;
  const settings = readDicomSettings(config);
  const roots = { output: run.output.location, input: run.input.location, configDir: config.dir };
  const mappingsDir = settings.mappings ? resolveOutsidePath(settings.mappings.dir, "dicom.mappings.dir", roots, config, ["dicom", "mappings", "dir"]) : undefined;
  const dbPath = settings.trackingDb ? resolveOutsidePath(settings.trackingDb, "dicom.tracking.db", roots, config, ["dicom", "tracking", "db"]) : undefined;
  const secret = settings.mode === "deidentify" ? readSecret(settings) : undefined;
  const lookup = settings.lookup ? loadLookup(config, settings.lookup) : undefined;
  if (settings.patientIdMap) settings.profile.patientIdMap = loadPatientIdMap(config, settings.patientIdMap.file);
  if (settings.imageTable && !dbPath)
    throw new IngestError("USAGE", "dicom.image_table needs dicom.tracking.db (the images table lives in the tracking database)", config.position(["dicom", "image_table"]));
  const tracking = dbPath && !run.dryRun ? new Tracking(dbPath, { config: config.file, input: run.input.location, output: run.output.location }) : undefined;
  const notifier = settings.webhooks.length && !run.dryRun ? new WebhookNotifier(settings.webhooks, run.log) : undefined;
  const state = new DicomRunState(settings, secret, mappingsDir, lookup, tracking, notifier);
  // worker threads start now, while the series scan reads the headers
  // with a new OUTPUT the workers also write the outputs (OutputStore.stagingPath; importers.ts): one per core then
  const workersWrite = settings.mode === "deidentify" && run.output.stages;
  const workers = deidWorkerCount(Number(run.settings.concurrency ?? 1), process.env, workersWrite);
  if (settings.mode === "deidentify" && secret && run.input instanceof LocalStorage && workers > 0) {
    state.pool = new DeidPool(workers, { ...settings.profile, secret });
    run.log.debug?.(`de-identifying local files in ${workers} worker thread${workers === 1 ? "" : "s"}${workersWrite ? ", which also write the outputs" : ""}`);
  }
  setDicomRun(run, state);
}

export function createDicomProfile(): Profile {
  return defineProfile(
    "dicom",
    [tree],
    finderRegistry([...builtinFinders.values(), dicomSeriesFinder]),
    {
      prepare,
      // the run's end whatever was selected (e.g. --import-instances alone): mappings, tracking, digest
      finish: finishRun,
      varNames(type) {
        return type.key === "instance"
          ? { names: [...ATTRIBUTE_VAR_NAMES, "pipeline_file_id", "scan_id", "timestamp", "pixel_hash"], open: true, why: "source path and lookup variables" }
          : { names: [] };
      },
    },
    dicomSchema(),
  );
}

export function isDicomConfig(config: { data: Record<string, unknown> }): boolean {
  return config.data.dicom !== undefined;
}

let dicom: Profile | undefined;

/** The dicom profile plugin: configs with a `dicom:` section. Its settings live in that section, not in CLI options. */
export const dicomPlugin = defineProfilePlugin({
  name: "dicom",
  description: "DICOM studies in any layout: PS3.15 Annex E de-identification, naming templates, tracking database",
  detect: isDicomConfig,
  profile: () => (dicom ??= createDicomProfile()),
});
