/**
 * `standardize-dirs`: a thin layer over the library. Parses arguments, prints, picks the exit
 * code (0 ok, 1 failures or invalid configs, 2 usage errors). Only `main` touches process.exit.
 */
import { availableParallelism } from "node:os";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { convert, formatRetryEvent, IngestError, isS3Url, readConfig, StorageOpener, type Logger } from "@ingestkit/core";
import { profileRegistry, validateConfigFile } from "@ingestkit/importers";
import type { ProfileRegistry } from "@ingestkit/core";
import { extractProfileModules, loadProfileModules } from "./profile-modules.js";
import { addProfileOptions, describeOption, profileSettings } from "./profile-options.js";
import { captureProcessWarnings, JsonLog } from "./json-log.js";
import { ProgressLine, wantsProgress, type ProgressStream } from "./progress.js";
import { renderPlan, renderSummary, renderValidation } from "./render.js";
import { exportCommand, type ExportOptions } from "./export.js";
import { reportCommand, type ReportOptions } from "./report.js";
import { extractSelectionFlags } from "./selection-args.js";

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The stream behind `stderr`, for the progress line when it is a terminal. */
  stderrStream?: ProgressStream;
}

const defaultIO: CliIO = {
  stdout: (t) => process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
  stderr: (t) => process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
  stderrStream: process.stderr,
};

export const VERSION = "0.1.0";

/** Runs the CLI and returns the exit code. */
export async function run(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let exitCode = 0;
  const program = new Command("standardize-dirs")
    .description("Standardize research imaging deposits into a validated layout with JSON metadata.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  // profile modules first: their options are part of convert's options and --help
  const registry = profileRegistry();
  try {
    const split = extractProfileModules(argv);
    argv = split.rest;
    await loadProfileModules(split.modules, registry);
  } catch (err) {
    io.stderr(`error: ${err instanceof IngestError ? err.format() : (err as Error).message}`);
    return 2;
  }

  let selection: ReturnType<typeof extractSelectionFlags> = { rest: argv, flags: {}, anyImport: false };
  if (argv[0] === "convert") {
    try {
      selection = extractSelectionFlags(argv);
    } catch (err) {
      io.stderr(`error: ${(err as Error).message}`);
      return 2;
    }
  }
  program.addHelpText("after", `\nEvery command also takes --profile-module FILE (repeatable): a module exporting a profile plugin of your own.`);

  const convertCmd = program
    .command("convert")
    .description("Standardize INPUT into OUTPUT as CONFIG describes.")
    .argument("<config>", "ingestion config (YAML)")
    .argument("<input>", "input root (a local folder or s3://bucket/prefix)")
    .argument("<output>", "output root (a local folder or s3://bucket/prefix)")
    .option("--s3-endpoint <url>", "S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS)")
    .option("--dry-run", "print what would be done and write nothing")
    .option("--json", "print the plan/summary as JSON")
    .option("--force-overwrite", "rewrite outputs even when they look up to date")
    .option("--concurrency <n>", "runs processed at once (default: the number of cores)", parsePositiveInt)
    .addOption(new Option("--local-fs", "accepted for compatibility: local paths are detected").hideHelp())
    .option("-q, --quiet", "only print failures and the summary")
    .addOption(new Option("--log-format <format>", "stderr format: text, or json (one event per line)").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `
Entity flags (repeatable, per entity type of the config's profile; <type> uses '-' for '_'):
  --import-everything            import items and metadata of every type (the default)
  --import-all-metadata          write metadata of every type
  --import-<plural>              import items of one type, e.g. --import-runs, --import-voxel-spacings
  --import-<type>-metadata       write metadata of one type, e.g. --import-run-metadata
  --filter-<type>-name RE        keep only names matching RE at their start (Python re.match)
  --exclude-<type>-name RE       drop names matching RE at their start (checked first)`,
    )
    .action(async (configFile: string, input: string, output: string, opts: Record<string, unknown>) => {
      exitCode = await convertCommand({ configFile, input, output, opts, sel: selection, io, registry });
    });
  try {
    addProfileOptions(convertCmd, registry);
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}`);
    return 2;
  }

  program
    .command("profiles")
    .description("List the registered profiles (built-in and --profile-module), one line each.")
    .option("--json", "print the profiles and their options as JSON")
    .action((opts: { json?: boolean }) => {
      const list = registry.list();
      if (opts.json) {
        io.stdout(
          JSON.stringify(
            list.map((p) => ({ name: p.name, description: p.description, detects: typeof p.detect === "function", options: (p.options ?? []).map(describeOption) })),
            null,
            2,
          ),
        );
      } else {
        const width = Math.max(...list.map((p) => p.name.length));
        io.stdout(list.map((p) => `${p.name.padEnd(width)}  ${p.description}`).join("\n"));
      }
    });

  program
    .command("validate")
    .description("Validate ingestion configs (files or folders, searched for *.yaml/*.yml).")
    .argument("<paths...>", "config files or folders")
    .option("--json", "print results as JSON")
    .option("--warnings", "also print warnings of valid files")
    .action(async (paths: string[], opts: { json?: boolean; warnings?: boolean }) => {
      exitCode = await validateCommand(paths, opts, io, registry);
    });

  program
    .command("report")
    .description("Print a digest of a dicom tracking database (new files, counts per status, failures).")
    .requiredOption("--db <path>", "tracking database (dicom.tracking.db of the config)")
    .option("--since <iso>", "only runs, new files and failures since this ISO 8601 time")
    .option("--json", "print the digest as JSON")
    .action((opts: ReportOptions) => {
      exitCode = reportCommand(opts, io.stdout);
    });

  program
    .command("export")
    .description("Write a dated export folder (images + index.csv joined with labels) from a dicom tracking database's images table.")
    .requiredOption("--config <file>", "the dicom config (its dicom.export section)")
    .requiredOption("--db <path>", "tracking database with the images table (dicom.image_table)")
    .requiredOption("--labels <csv>", "labels CSV joined on dicom.export.labels_key")
    .requiredOption("--out <dir>", "export root; the folder written is <dir>/<YYYY-MM-DD>/")
    .option("--date <YYYY-MM-DD>", "date of the export folder (default today, UTC; SOURCE_DATE_EPOCH pins it)")
    .option("--json", "print the summary as JSON")
    .action(async (opts: ExportOptions) => {
      exitCode = await exportCommand(opts, io.stdout);
    });

  try {
    await program.parseAsync(selection.rest, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return 2;
    }
    if (err instanceof IngestError) {
      io.stderr(`error: ${err.format()}`);
      return err.code === "USAGE" ? 2 : 1;
    }
    io.stderr(`error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
  return exitCode;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new IngestError("USAGE", `--concurrency needs a positive integer, got '${value}'`);
  return n;
}

/**
 * `convert`. With --log-format json, stderr stays JSON lines from start to end: Node's process
 * warnings become `log` events and an error that ends the command (bad config, missing input)
 * a `fatal` event with its code, instead of text.
 */
/** What `convert` was given on the command line, and where it prints. */
interface ConvertArgs {
  configFile: string;
  input: string;
  output: string;
  opts: Record<string, unknown>;
  sel: ReturnType<typeof extractSelectionFlags>;
  io: CliIO;
  registry: ProfileRegistry;
}

async function convertCommand(args: ConvertArgs): Promise<number> {
  const jsonLog = args.opts.logFormat === "json" ? new JsonLog((line) => args.io.stderr(line)) : undefined;
  const restoreWarnings = jsonLog ? captureProcessWarnings(jsonLog) : undefined;
  try {
    return await runConvert(args, jsonLog);
  } catch (err) {
    if (!jsonLog || !(err instanceof IngestError)) throw err;
    jsonLog.event({ event: "fatal", code: err.code, message: err.format() });
    return err.code === "USAGE" ? 2 : 1;
  } finally {
    restoreWarnings?.();
  }
}

async function runConvert({ configFile, input, output, opts, sel, io, registry }: ConvertArgs, jsonLog: JsonLog | undefined): Promise<number> {
  const json = !!opts.json;
  const quiet = !!opts.quiet;
  const config = await readConfig(configFile);
  const { plugin, profile } = registry.resolve(config);
  const ownSettings = profileSettings(opts, registry, plugin);
  // stderr: JSON events (--log-format json), or text lines with a progress line on a terminal
  const progress = !jsonLog && !json && !quiet && !opts.dryRun && wantsProgress(io.stderrStream) ? new ProgressLine(io.stderrStream) : undefined;
  const say = (m: string) => (progress ? progress.println(m) : io.stderr(m));
  const logger: Logger = jsonLog
    ? { info: (m) => jsonLog.log("info", m), warn: (m) => jsonLog.log("warning", m), error: (m) => jsonLog.log("error", m) }
    : {
        info: (m) => !quiet && !json && say(m),
        warn: (m) => say(`warning: ${m}`),
        error: (m) => say(`error: ${m}`),
      };
  if (!isS3Url(input)) {
    const inputStat = await stat(input).catch(() => undefined);
    if (!inputStat?.isDirectory()) throw new IngestError("USAGE", `input folder not found: ${input}`);
  }
  const opener = new StorageOpener({
    ...(typeof opts.s3Endpoint === "string" ? { s3Endpoint: opts.s3Endpoint } : {}),
    onRetry: (e) => (jsonLog ? jsonLog.retry(e) : logger.warn(formatRetryEvent(e))),
  });
  const inputBase = opener.open(input);
  if (isS3Url(input) && !(await inputBase.stat(""))) throw new IngestError("USAGE", `input not found: ${input}`);
  const outputStorage = opener.open(output);
  const flags = sel.anyImport ? sel.flags : { ...sel.flags, importEverything: true };
  const result = await convert({
    profile,
    config,
    input: inputBase,
    output: outputStorage,
    selection: flags,
    dryRun: !!opts.dryRun,
    logger,
    ...(jsonLog || progress ? { onEvent: jsonLog?.event ?? progress!.onEvent } : {}),
    settings: {
      ...ownSettings,
      forceOverwrite: !!opts.forceOverwrite,
      concurrency: (opts.concurrency as number | undefined) ?? availableParallelism(),
    },
  }).finally(() => {
    progress?.finish();
    opener.close();
  });
  if (json) {
    io.stdout(JSON.stringify({ dryRun: result.dryRun, input: result.input, output: result.output, summary: result.summary, plan: result.plan }, null, 2));
  } else {
    if (result.dryRun) io.stdout(renderPlan(result.plan, outputStorage.location));
    if (!jsonLog) io.stderr(renderSummary(result.summary, result.dryRun, result.elapsedMs));
  }
  return result.summary.failed > 0 ? 1 : 0;
}

async function collectYaml(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const s = await stat(p).catch(() => undefined);
    if (!s) throw new IngestError("USAGE", `no such file or folder: ${p}`);
    if (s.isDirectory()) {
      const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (e.name.startsWith(".") || e.name === "node_modules") continue;
        const child = join(p, e.name);
        if (e.isDirectory()) await walk(child);
        else if (/\.ya?ml$/i.test(e.name)) out.push(child);
      }
    } else out.push(p);
  };
  for (const p of paths) await walk(p);
  return out;
}

async function validateCommand(paths: string[], opts: { json?: boolean; warnings?: boolean }, io: CliIO, registry: ProfileRegistry): Promise<number> {
  const files = await collectYaml(paths);
  if (files.length === 0) throw new IngestError("USAGE", `no .yaml/.yml files under ${paths.join(", ")}`);
  const results = [];
  for (const f of files) results.push(await validateConfigFile(f, registry));
  const invalid = results.filter((r) => !r.valid).length;
  if (opts.json) {
    io.stdout(
      JSON.stringify(
        {
          summary: { files: results.length, valid: results.length - invalid, invalid },
          results: results.map((r) => ({ ...r, file: resolve(r.file) === r.file ? r.file : r.file })),
        },
        null,
        2,
      ),
    );
  } else {
    io.stdout(renderValidation(results, !!opts.warnings));
  }
  return invalid > 0 ? 1 : 0;
}

/** Entry point of the bin script. */
export async function main(argv: string[]): Promise<number> {
  dropSdkNodeVersionWarning();
  const code = await run(argv);
  return code;
}

/**
 * The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22.
 * We pin the SDK (see package.json), so the notice is for maintainers, not users: it is dropped;
 * every other process warning is printed as before.
 */
function dropSdkNodeVersionWarning(): void {
  const previous = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (w: Error) => {
    if (w.name === "NodeVersionSupportWarning" || String(w.message).startsWith("NodeVersionSupportWarning")) return;
    for (const l of previous) l(w);
  });
}
