/**
 * `standardization_config` map files, read from the input root: the run data map (CSV, or TSV
 * when the name ends in "tsv"; one row per `run_name`, every column a template variable) and the
 * legacy two-column maps giving `mapped_tomo_name`, `mapped_frame_name`, `mapped_ts_name`.
 */
import { IngestError, type RunContext } from "@ingestkit/core";
import { CsvError, parseCsv, parseCsvRecords } from "@ingestkit/formats";

export interface RunMaps {
  runData: Map<string, Record<string, string>>;
  tomo: Map<string, string>;
  frame: Map<string, string>;
  ts: Map<string, string>;
}

const KEY = "cryoet.runMaps";

export function runMaps(run: RunContext): RunMaps {
  return (run.state.get(KEY) as RunMaps | undefined) ?? { runData: new Map(), tomo: new Map(), frame: new Map(), ts: new Map() };
}

export async function loadRunMaps(run: RunContext): Promise<void> {
  const sc = run.config.section("standardization_config");
  const maps: RunMaps = { runData: new Map(), tomo: new Map(), frame: new Map(), ts: new Map() };
  const dataFile = sc.run_data_map_file;
  if (typeof dataFile === "string" && dataFile) {
    const text = await readMap(run, dataFile, "run_data_map_file");
    const { header, records } = wrapCsv(() => parseCsvRecords(text, dataFile.endsWith("tsv") ? "\t" : ","), run, dataFile);
    if (!header.includes("run_name")) {
      throw new IngestError(
        "SOURCE_INVALID",
        `run data map ${run.inputLocation(dataFile)} has no 'run_name' column (columns: ${header.join(", ")})`,
        run.config.position(["standardization_config", "run_data_map_file"]),
      );
    }
    for (const r of records) maps.runData.set(r.values.run_name ?? "", r.values);
  }
  for (const [key, target] of [
    ["run_to_tomo_map_csv", maps.tomo],
    ["run_to_frame_map_csv", maps.frame],
    ["run_to_ts_map_csv", maps.ts],
  ] as const) {
    const file = sc[key];
    if (typeof file !== "string" || !file) continue;
    const text = await readMap(run, file, key);
    for (const row of wrapCsv(() => parseCsv(text), run, file)) {
      if (row.fields.length === 0) continue;
      if (row.fields.length < 2)
        throw new IngestError("SOURCE_INVALID", `${run.inputLocation(file)}:${row.line}: expected 'run,value', got ${JSON.stringify(row.fields.join(","))}`);
      target.set(row.fields[0]!, row.fields[1]!);
    }
  }
  run.state.set(KEY, maps);
}

/**
 * When a template could not be expanded because the run data map has no row for the run, a note
 * that says so, naming the map and the run ("" when there is no map or the row is there).
 */
export function noRowNote(run: RunContext, runName: string | undefined): string {
  const file = run.config.section("standardization_config").run_data_map_file;
  if (typeof file !== "string" || !file || runName === undefined || runMaps(run).runData.has(runName)) return "";
  return `: the run data map ${run.inputLocation(file)} has no row for run ${JSON.stringify(runName)}`;
}

async function readMap(run: RunContext, file: string, key: string): Promise<string> {
  try {
    return new TextDecoder().decode(await run.input.read(file));
  } catch (err) {
    throw new IngestError("SOURCE_MISSING", `standardization_config.${key}: ${(err as Error).message}`, { ...run.config.position(["standardization_config", key]), cause: err });
  }
}

function wrapCsv<T>(fn: () => T, run: RunContext, file: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CsvError) throw new IngestError("SOURCE_INVALID", `${run.inputLocation(file)}:${err.line}: ${err.message}`);
    throw err;
  }
}

/** Python `int(str)`: optional sign, digits and underscores, surrounding whitespace. */
export function pyInt(s: string): number {
  const t = s.trim();
  if (!/^[-+]?\d+(_\d+)*$/.test(t)) throw new Error(`invalid literal for int() with base 10: '${s}'`);
  return Number.parseInt(t.replace(/_/g, ""), 10);
}

/** Python `float(str)`. */
export function pyFloat(s: string): number {
  const t = s.trim().replace(/_/g, "");
  if (/^[-+]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[-+]?nan$/i.test(t)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) throw new Error(`could not convert string to float: '${s}'`);
  return Number(t);
}
