/**
 * `identified_objects`: rows of a CSV whose `run_name` is this run (column dropped) written as
 * `IdentifiedObjects/identified_objects.json` in pandas' `to_json(orient="records", indent=4)`
 * layout, and a metadata file with `object_count`, `columns`, `file_format`, `source_file`.
 */
import { IngestError, type Importer } from "@ingestkit/core";
import { CsvError, parseCsvRecords } from "@ingestkit/formats";
import { sourceKey, sourceStorage } from "./common.js";
import { writeMetadata } from "./metadata.js";

type Cell = string | number | null | { float: number };

/** pandas-style column typing: all-int -> int, numeric -> float, else strings; empty -> null. */
function typeColumns(header: string[], rows: Array<Record<string, string>>): Array<Record<string, Cell>> {
  const kinds = new Map<string, "int" | "float" | "str">();
  for (const h of header) {
    let kind: "int" | "float" | "str" = "int";
    for (const r of rows) {
      const v = (r[h] ?? "").trim();
      if (v === "") {
        if (kind === "int") kind = "float";
        continue;
      }
      if (/^[-+]?\d+$/.test(v)) continue;
      if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) || /^[-+]?(inf|nan)$/i.test(v)) {
        if (kind === "int") kind = "float";
        continue;
      }
      kind = "str";
      break;
    }
    kinds.set(h, kind);
  }
  return rows.map((r) => {
    const o: Record<string, Cell> = {};
    for (const h of header) {
      const v = r[h] ?? "";
      const k = kinds.get(h);
      if (v.trim() === "") o[h] = null;
      else if (k === "int") o[h] = Number.parseInt(v, 10);
      else if (k === "float") o[h] = { float: Number(v) };
      else o[h] = v;
    }
    return o;
  });
}

/** pandas `to_json` escapes `/` and writes no space after `:`; floats keep a fractional part. */
function pandasJson(records: Array<Record<string, Cell>>): string {
  const str = (s: string) =>
    JSON.stringify(s)
      .replace(/\//g, "\\/")
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const cell = (c: Cell) => {
    if (c === null) return "null";
    if (typeof c === "number") return String(c);
    if (typeof c === "string") return str(c);
    if (!Number.isFinite(c.float)) return "null";
    const s = String(Number(c.float.toFixed(10)));
    return /[.e]/.test(s) ? s : `${s}.0`;
  };
  if (records.length === 0) return "[]";
  const items = records.map((r) => {
    const fields = Object.entries(r).map(([k, v]) => `        ${str(k)}:${cell(v)}`);
    return fields.length ? `    {\n${fields.join(",\n")}\n    }` : "    {}";
  });
  return `[\n${items.join(",\n")}\n]`;
}

export const identifiedObjectImporter: Importer = {
  describe: "CSV rows of this run -> identified_objects.json",
  async importItem(ctx) {
    const key = sourceKey(ctx);
    const run = ctx.item.require("run");
    let parsed;
    try {
      parsed = parseCsvRecords(new TextDecoder().decode(await sourceStorage(ctx).read(key)));
    } catch (err) {
      if (err instanceof CsvError) throw new IngestError("SOURCE_INVALID", `${ctx.run.inputLocation(key)}:${err.line}: ${err.message}`, { entityPath: ctx.item.entityPath });
      throw err;
    }
    let { header, records } = parsed;
    let rows = records.map((r) => r.values);
    if (header.includes("run_name")) {
      rows = rows.filter((r) => r.run_name === run.name);
      header = header.filter((h) => h !== "run_name");
    } else {
      ctx.run.log.warn(`${ctx.item.entityPath}: ${ctx.run.inputLocation(key)} has no run_name column; writing every row`);
    }
    await ctx.writeBytes(`${ctx.outputDir()}/identified_objects.json`, pandasJson(typeColumns(header, rows)));
  },
  async importMetadata(ctx) {
    const dir = ctx.outputDir();
    const jsonKey = `${dir}/identified_objects.json`;
    if (!(await ctx.output.stat(jsonKey))) {
      throw new IngestError("SOURCE_MISSING", `${ctx.run.outputLocation(jsonKey)} does not exist (import identified_objects first)`, { entityPath: ctx.item.entityPath });
    }
    const data = JSON.parse(await ctx.output.readText(jsonKey)) as Array<Record<string, unknown>>;
    const source = ctx.item.pathLocation;
    await writeMetadata(ctx, `${dir}/identified_objects_metadata.json`, ctx.item.entry.metadata, {
      object_count: data.length,
      columns: data[0] ? Object.keys(data[0]) : [],
      file_format: "json",
      source_file: source,
      identifier: source,
    });
  },
};
