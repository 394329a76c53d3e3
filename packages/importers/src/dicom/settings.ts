/**
 * The `dicom:` section of a config, read into typed settings with defaults. Paths that hold
 * re-identification data (mapping files, the tracking database) are templates over
 * `{output_path}`, `{input_path}` and `{config_dir}`, resolved to local paths and refused when
 * they lie inside OUTPUT. The de-identification secret is only ever read from the environment.
 */
import { isAbsolute, resolve, sep } from "node:path";
import { IngestError, pyFormat, type LoadedConfig } from "@ingestkit/core";
import type { DeidentifyOptions } from "@ingestkit/formats";

export type DicomMode = "deidentify" | "copy";

/**
 * A stamp: `tag` (a standard attribute, e.g. "(0012,0071)" Clinical Trial Series ID) or
 * `private_group` + `private_creator` (+ `private_element`, hex 00-FF, default 10): a private tag
 * in a free private-creator slot of the group (or the creator's existing slot).
 */
export interface StampSpec {
  tag?: string;
  private_group?: string;
  private_creator?: string;
  private_element?: string;
  vr?: string;
  /** Template of the value. */
  value: string;
}

/** `deidentify.patient_id_map`: a CSV `original,pseudonym` (relative to the config). */
export interface PatientIdMapSpec {
  file: string;
  /** a PatientID missing from the table fails the file (default: HMAC pseudonym) */
  requireMapping: boolean;
}

/** `export`: how `standardize-dirs export` builds the dated export folder from the `images` table. */
export interface ExportSpec {
  /** column of the labels CSV holding the key (default pixel_hash) */
  labelsKey: string;
  /** column of the images table it is matched against: pixel_hash (default), sop_instance_uid or output_key */
  imageKey: "pixel_hash" | "sop_instance_uid" | "output_key";
  /** labels column whose truthy value (1/true/yes/y/x) excludes the image */
  rejectColumn?: string;
  /** also export images without a labels row (default false) */
  includeUnlabelled: boolean;
  /** template of each exported image's path inside the dated folder (default images/{pixel_hash}.dcm) */
  imagePath: string;
}

export interface DicomSettings {
  mode: DicomMode;
  listGlob: string;
  /** Python regex searched in the source key; its named groups become template variables. */
  sourceRegex?: string;
  secretEnv: string;
  profile: Omit<DeidentifyOptions, "secret">;
  instancePath: string;
  seriesMetadataPath: string;
  timestampFormat: string;
  stripWhitespace: boolean;
  lookup?: { file: string; key: string; column: string; table?: string };
  stamps: StampSpec[];
  mappings?: { dir: string; format: "json" | "csv" };
  trackingDb?: string;
  webhooks: string[];
  patientIdMap?: PatientIdMapSpec;
  /** per-image rows (pixel hash, pseudonymous patient, study date, modality, size, output key) in the tracking db */
  imageTable: boolean;
  export?: ExportSpec;
}

export const DEFAULT_SECRET_ENV = "INGESTKIT_DEID_SECRET";
export const DEFAULT_INSTANCE_PATH = "{PatientID}/{StudyInstanceUID}/{SeriesInstanceUID}/{SOPInstanceUID}.dcm";
export const DEFAULT_SERIES_METADATA_PATH = "{PatientID}/{StudyInstanceUID}/{SeriesInstanceUID}/series_metadata.json";

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown, d: string): string => (typeof v === "string" ? v : d);

export function readDicomSettings(config: LoadedConfig): DicomSettings {
  const d = config.section("dicom");
  const deid = obj(d.deidentify);
  const opts = obj(deid.options);
  const out = obj(d.output);
  const lookup = obj(d.lookup);
  const mappings = obj(d.mappings);
  const tracking = obj(d.tracking);
  const profile: Omit<DeidentifyOptions, "secret"> = {
    retainUIDs: opts.retain_uids === true,
    retainLongitudinal: (opts.retain_longitudinal as "off" | "full" | "modified" | undefined) ?? "off",
    retainDeviceIdentity: opts.retain_device_identity === true,
    retainInstitutionIdentity: opts.retain_institution_identity === true,
    retainPatientCharacteristics: opts.retain_patient_characteristics === true,
    cleanDescriptors: opts.clean_descriptors === true,
    retainSafePrivate: opts.retain_safe_private === true,
    ...(Array.isArray(deid.private_allow_list) ? { privateAllowList: deid.private_allow_list as string[] } : {}),
    ...(deid.rules ? { customRules: deid.rules as DeidentifyOptions["customRules"] } : {}),
    ...(typeof opts.date_shift_range_days === "number" ? { dateShiftRangeDays: opts.date_shift_range_days } : {}),
  };
  return {
    mode: d.mode === "copy" ? "copy" : "deidentify",
    listGlob: str(obj(d.scan).list_glob, "**/*"),
    ...(typeof obj(d.scan).match_regex === "string" ? { sourceRegex: obj(d.scan).match_regex as string } : {}),
    secretEnv: str(deid.secret_env, DEFAULT_SECRET_ENV),
    profile,
    instancePath: str(out.instance_path, DEFAULT_INSTANCE_PATH),
    seriesMetadataPath: str(out.series_metadata_path, DEFAULT_SERIES_METADATA_PATH),
    timestampFormat: str(out.timestamp_format, "%Y%m%d_%H%M%S"),
    stripWhitespace: out.strip_whitespace === true,
    ...(typeof lookup.file === "string"
      ? { lookup: { file: lookup.file, key: str(lookup.key, ""), column: str(lookup.column, ""), ...(typeof lookup.table === "string" ? { table: lookup.table } : {}) } }
      : {}),
    stamps: Array.isArray(d.stamp) ? (d.stamp as StampSpec[]) : [],
    ...(typeof mappings.dir === "string" ? { mappings: { dir: mappings.dir, format: mappings.format === "csv" ? "csv" : "json" } } : {}),
    ...(typeof tracking.db === "string" ? { trackingDb: tracking.db } : {}),
    ...(typeof obj(deid.patient_id_map).file === "string"
      ? { patientIdMap: { file: obj(deid.patient_id_map).file as string, requireMapping: obj(deid.patient_id_map).require_mapping === true } }
      : {}),
    imageTable: d.image_table === true,
    ...(d.export !== undefined ? { export: readExportSpec(obj(d.export)) } : {}),
    webhooks: (Array.isArray(d.notify) ? d.notify : []).map((n) => obj(n).webhook).filter((u): u is string => typeof u === "string"),
  };
}

/** The `dicom.export` section with its defaults (`{}` gives the defaults alone). */
export function readExportSpec(e: Record<string, unknown>): ExportSpec {
  const imageKey = e.image_key === "sop_instance_uid" || e.image_key === "output_key" ? e.image_key : "pixel_hash";
  return {
    labelsKey: str(e.labels_key, "pixel_hash"),
    imageKey,
    ...(typeof e.reject_column === "string" ? { rejectColumn: e.reject_column } : {}),
    includeUnlabelled: e.include_unlabelled === true,
    imagePath: str(e.image_path, "images/{pixel_hash}.dcm"),
  };
}

/**
 * A local path outside OUTPUT from a template over {output_path}/{input_path}/{config_dir};
 * relative results are taken from the config's folder. `what` names the setting in errors.
 */
export function resolveOutsidePath(template: string, what: string, roots: { output: string; input: string; configDir: string }, config: LoadedConfig, yamlPath: string[]): string {
  let p: string;
  try {
    p = pyFormat(template, { output_path: roots.output.replace(/\/+$/, ""), input_path: roots.input.replace(/\/+$/, ""), config_dir: roots.configDir });
  } catch (err) {
    throw new IngestError("CONFIG_TEMPLATE", `${what}: ${(err as Error).message}`, config.position(yamlPath));
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) throw new IngestError("NOT_SUPPORTED", `${what} must be a local path, got ${p}`, config.position(yamlPath));
  const abs = isAbsolute(p) ? resolve(p) : resolve(roots.configDir, p);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(roots.output)) {
    const out = resolve(roots.output);
    if (abs === out || abs.startsWith(out + sep)) {
      throw new IngestError("USAGE", `${what} (${abs}) is inside OUTPUT (${out}): re-identification data must be kept outside the output`, config.position(yamlPath));
    }
  }
  return abs;
}

/** The secret from the environment variable named in the config; a USAGE error naming the variable when unset. */
export function readSecret(settings: DicomSettings): string {
  const v = process.env[settings.secretEnv];
  if (!v) {
    throw new IngestError(
      "USAGE",
      `de-identification needs a secret: set the environment variable ${settings.secretEnv} (dicom.deidentify.secret_env) to a long random value and keep it safe; the same secret gives the same pseudonyms and UIDs`,
    );
  }
  return v;
}
