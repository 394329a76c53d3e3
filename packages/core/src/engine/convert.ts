/**
 * `convert`: validate the config, walk the graph, return what happened (or, in a dry run,
 * what would happen). This is the library entry point the CLI wraps.
 */
import type { LoadedConfig } from "../config/config.js";
import { assertValid, validateConfig } from "../config/validate.js";
import type { Profile } from "../graph.js";
import type { Storage } from "../storage/storage.js";
import { RunContext, silentLogger, type Logger, type PlanNode, type RunSettings, type RunSummary } from "./context.js";
import { Manifest } from "./manifest.js";
import { OutputStore } from "./output.js";
import { Selection, type SelectionFlags } from "./selection.js";
import { walkGraph } from "./walk.js";

export interface ConvertOptions {
  profile: Profile;
  config: LoadedConfig;
  input: Storage;
  output: Storage;
  selection?: SelectionFlags;
  dryRun?: boolean;
  settings?: RunSettings;
  logger?: Logger;
  /** Seconds since the epoch for `last_updated_at` (default: SOURCE_DATE_EPOCH, else now). */
  now?: number;
}

export interface ConvertResult {
  summary: RunSummary;
  plan: PlanNode[];
  dryRun: boolean;
}

export function runClock(): number {
  const pinned = process.env.SOURCE_DATE_EPOCH;
  if (pinned && /^\d+$/.test(pinned)) return Number(pinned);
  return Math.floor(Date.now() / 1000);
}

export async function convert(options: ConvertOptions): Promise<ConvertResult> {
  assertValid(validateConfig(options.config, options.profile));
  const selection = new Selection(options.profile, options.selection ?? { importEverything: true });
  const dryRun = options.dryRun ?? false;
  if (!dryRun) {
    const removed = (await options.output.removeStaleTemps?.()) ?? 0;
    if (removed) (options.logger ?? silentLogger).info(`removed ${removed} temp file${removed === 1 ? "" : "s"} left by an interrupted run`);
  }
  const manifest = await Manifest.load(options.output);
  const output = new OutputStore(options.output, dryRun, { manifest, force: options.settings?.forceOverwrite === true });
  const run = new RunContext(
    options.profile,
    options.config,
    options.input,
    output,
    selection,
    options.settings ?? {},
    options.logger ?? silentLogger,
    options.now ?? runClock(),
  );
  try {
    await walkGraph(run);
  } finally {
    if (!dryRun) await manifest.save();
  }
  Object.assign(run.summary.outputs, output.stats);
  return { summary: run.summary, plan: run.plan, dryRun: run.dryRun };
}
