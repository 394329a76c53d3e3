export { IngestError, ErrorCodes, ERROR_CATALOG, formatWhere, wrapError, describeCause } from "./errors.js";
export type { ErrorCode, SourcePosition, IngestErrorOptions } from "./errors.js";
export { formatDiagnostic } from "./diagnostics.js";
export type { Diagnostic, Severity } from "./diagnostics.js";

export { loadYaml, YamlSyntaxError } from "./config/yaml.js";
export type { LoadedYaml, YamlPath, Position } from "./config/yaml.js";
export { LoadedConfig, parseConfig, readConfig } from "./config/config.js";
export type { ConfigPosition } from "./config/config.js";
export { cloneConfigValue, isPlainMapping } from "./config/clone.js";
export { validateConfig, assertValid, availableVars, formatPath } from "./config/validate.js";
export type { ValidationResult } from "./config/validate.js";

export { expandTemplate, templateFields, closest, editDistance } from "./template.js";
export type { TemplateVars, TemplateOrigin } from "./template.js";

export { defineProfile } from "./graph.js";
export type { EntityEntry, EntityType, EntityTypeSpec, Profile, ProfileHooks, ProfileSpec, SourceSpec } from "./graph.js";
export { defaultProfileRegistry, defineProfilePlugin, parseOptionValue, PROFILE_KEY, ProfileRegistry, registerProfile, withOptionDefaults } from "./profiles.js";
export type { ProfileOption, ProfilePlugin, ProfileSettingValue, ResolvedProfile } from "./profiles.js";
export { finderRegistry } from "./finder.js";
export type { FinderContext, FinderDefinition, FinderRegistry, FoundItem } from "./finder.js";
export type { Importer } from "./contracts.js";
export type * as contracts from "./contracts.js";
export type {
  ConfigPosition as ContractConfigPosition,
  EntityItemApi,
  ErrorCodeInfo,
  ItemContextApi,
  LoadedConfigApi,
  OutputStoreApi,
  RunContextApi,
  SelectionApi,
  WriteRecord as ContractWriteRecord,
} from "./contracts.js";

export { EntityItem } from "./engine/item.js";
export { ItemContext, RunContext, silentLogger } from "./engine/context.js";
export type { Failure, Logger, PlanNode, RunSettings, RunSummary } from "./engine/context.js";
export { OutputStore, joinLocation } from "./engine/output.js";
export type { WriteRecord } from "./engine/output.js";
export { Selection } from "./engine/selection.js";
export type { SelectionFlags } from "./engine/selection.js";
export { findItems, walkGraph } from "./engine/walk.js";
export { convert, runClock } from "./engine/convert.js";
// run events: their types and the listener helpers
export * from "./engine/events.js";
export type { ConvertOptions, ConvertResult } from "./engine/convert.js";

export { LocalStorage } from "./storage/local.js";
export { copyBetween, stageLocalFile } from "./storage/storage.js";
export type { Listing, StagedFile, Storage, StorageStat } from "./storage/storage.js";
export { globStorage, hasGlobMagic } from "./storage/glob.js";
export { safeKey, joinKey, basenameKey, dirnameKey, extnameKey } from "./storage/paths.js";
export { locationsOverlap } from "./storage/overlap.js";
export type { Overlap } from "./storage/overlap.js";

export * as python from "./python/index.js";
export { PyFloat, pyJsonDumps, pyStr, pyRepr, compilePythonRegex, translatePythonRegex, pyFormat } from "./python/index.js";
export type { PyRegex } from "./python/index.js";
export { S3Storage } from "./storage/s3.js";
export type { S3StorageOptions } from "./storage/s3.js";
export { isS3Url, parseS3Url, formatS3Url } from "./storage/s3-url.js";
export type { S3Location } from "./storage/s3-url.js";
export { createS3Client, endpointFromEnv, LoggingRetryStrategy } from "./storage/s3-client.js";
export type { S3ClientOptions } from "./storage/s3-client.js";
export { openStorage, StorageOpener } from "./storage/open-storage.js";
export type { OpenStorageOptions } from "./storage/open-storage.js";
export { DEFAULT_RETRY_POLICY, backoffDelay, isRetryable, withRetry, resolvePolicy, describeRetryCause, redactSecrets, formatRetryEvent } from "./storage/retry.js";
export type { RetryPolicy, RetryEvent, RetryLogger } from "./storage/retry.js";
export { bytesFingerprint, fingerprint, Manifest, MANIFEST_KEY, INGESTKIT_VERSION } from "./engine/manifest.js";
export type { ManifestEntry } from "./engine/manifest.js";
export type { OutputOptions, OutputStats } from "./engine/output.js";
