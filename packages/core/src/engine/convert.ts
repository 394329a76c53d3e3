/**
 * `convert`: validate the config, walk the graph, return what happened (or, in a dry run,
 * what would happen). This is the library entry point the CLI wraps.
 */
import type { LoadedConfig } from "../config/config.js";
import { assertValid, validateConfig } from "../config/validate.js";
import type { Profile } from "../graph.js";
import { IngestError } from "../errors.js";
import { locationsOverlap } from "../storage/overlap.js";
import { joinKey } from "../storage/paths.js";
import type { Storage } from "../storage/storage.js";
import { RunContext, silentLogger, type Logger, type PlanNode, type RunSettings, type RunSummary } from "./context.js";
import { withOptionDefaults } from "../profiles.js";
import { safeListener, type RunEventListener } from "./events.js";
import { Manifest } from "./manifest.js";
import { OutputStore } from "./output.js";
import { Selection, type SelectionFlags } from "./selection.js";
import { walkGraph } from "./walk.js";

export interface ConvertOptions {
  profile: Profile;
  config: LoadedConfig;
  /**
   * INPUT as the user names it. The profile may root its sources below it (cryoet's `source_prefix`);
   * INPUT itself is then `settings.inputBase`. A caller that sets `settings.inputBase` passes the rooted input here.
   */
  input: Storage;
  output: Storage;
  selection?: SelectionFlags;
  dryRun?: boolean;
  settings?: RunSettings;
  logger?: Logger;
  /** Seconds since the epoch for `last_updated_at` (default: SOURCE_DATE_EPOCH, else now). */
  now?: number;
  /** Progress and log events: run start, entities, outputs, summary (see events.ts). */
  onEvent?: RunEventListener;
}

export interface ConvertResult {
  /** Where the run read and wrote: the input as rooted by the profile (`source_prefix`), the output. */
  input: string;
  output: string;
  summary: RunSummary;
  plan: PlanNode[];
  dryRun: boolean;
  /** Wall time of the run, validation included. */
  elapsedMs: number;
}

export function runClock(): number {
  const pinned = process.env.SOURCE_DATE_EPOCH;
  if (pinned && /^\d+$/.test(pinned)) return Number(pinned);
  return Math.floor(Date.now() / 1000);
}

export async function convert(options: ConvertOptions): Promise<ConvertResult> {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const emit = safeListener(options.onEvent, (err) => logger.warn(`event listener failed, events stopped: ${(err as Error)?.message ?? String(err)}`));
  assertValid(validateConfig(options.config, options.profile));
  refuseOverlap(options);
  const selection = new Selection(options.profile, options.selection ?? { importEverything: true });
  // INPUT as given stays reachable as `inputBase` (bucket-qualified config paths); sources are read below the prefix
  const input = inputBelowPrefix(options);
  const settings: RunSettings = withOptionDefaults(options.profile.options, { inputBase: options.input, ...options.settings });
  const dryRun = options.dryRun ?? false;
  const concurrency = Number(options.settings?.concurrency ?? 1);
  emit({
    event: "run-start",
    config: options.config.file,
    profile: options.profile.name,
    input: input.location,
    output: options.output.location,
    dryRun,
    concurrency: Number.isInteger(concurrency) && concurrency > 1 ? concurrency : 1,
  });
  if (!dryRun) {
    const removed = (await options.output.removeStaleTemps?.()) ?? 0;
    if (removed) logger.info(`removed ${removed} temp file${removed === 1 ? "" : "s"} left by an interrupted run`);
  }
  const manifest = await Manifest.load(options.output);
  const output = new OutputStore(options.output, dryRun, { manifest, force: settings.forceOverwrite === true, onEvent: emit });
  const run = new RunContext(options.profile, options.config, input, output, selection, settings, logger, options.now ?? runClock(), emit);
  try {
    await walkGraph(run);
  } finally {
    if (!dryRun) await manifest.save();
  }
  Object.assign(run.summary.outputs, output.stats);
  const elapsedMs = performance.now() - started;
  const s = run.summary;
  emit({
    event: "summary",
    dryRun,
    imported: s.imported,
    skipped: s.skipped,
    failed: s.failed,
    written: s.outputs.written,
    upToDate: s.outputs.upToDate,
    bytes: s.outputs.bytes,
    elapsedSeconds: Math.round(elapsedMs) / 1000,
  });
  return { input: input.location, output: options.output.location, summary: run.summary, plan: run.plan, dryRun: run.dryRun, elapsedMs };
}

/** OUTPUT equal to, inside, or around INPUT (as given, before any prefix): a usage error, before anything is written. */
function refuseOverlap(options: ConvertOptions): void {
  const base = options.settings?.inputBase;
  const input = base && typeof base === "object" && typeof (base as Storage).location === "string" ? (base as Storage).location : options.input.location;
  const output = options.output.location;
  const overlap = locationsOverlap(output, input);
  if (!overlap) return;
  const why =
    overlap === "same"
      ? `OUTPUT ${output} is INPUT`
      : overlap === "first-inside-second"
        ? `OUTPUT ${output} lies inside INPUT ${input}: the next run would read the outputs as sources`
        : `INPUT ${input} lies inside OUTPUT ${output}: writing the outputs could change or remove the sources`;
  throw new IngestError("USAGE", `${why}; choose an OUTPUT outside INPUT`);
}

/** The input storage rooted at the profile's `inputPrefix` for this config (cryoet: `source_prefix`), if any. */
function inputBelowPrefix(options: ConvertOptions): Storage {
  // the older form: a caller that passes `settings.inputBase` hands in the input already rooted
  if (options.settings?.inputBase !== undefined) return options.input;
  const prefix = options.profile.hooks.inputPrefix?.(options.config);
  if (!prefix) return options.input;
  const key = joinKey(prefix);
  if (!key) return options.input;
  if (!options.input.below) throw new IngestError("USAGE", `cannot read below '${prefix}' in ${options.input.location}: its storage has no below()`);
  return options.input.below(key);
}
