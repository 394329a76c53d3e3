// @ts-check
/**
 * `sensor-logs`: an example profile written the way a third party would, in its own package,
 * using only ingestkit's public API. Weather stations deposit CSV logs (`time,temperature_c`) in
 * any folder layout; the profile writes one `station.json` per station and one JSON document per
 * log, with temperatures in the unit chosen by its own option `--temperature-unit`.
 *
 *   standardize-dirs convert config.yaml INPUT OUTPUT --profile-module ./index.js --temperature-unit F
 *
 * Output layout:
 *   {station_name}/station.json
 *   {station_name}/logs/{log_name}.json
 */
import { readFileSync } from "node:fs";
import { defineProfile, defineProfilePlugin, finderRegistry } from "@ingestkit/core";
import { builtinFinders } from "@ingestkit/finders";

/** @typedef {import("@ingestkit/core").ItemContext} ItemContext */
/** @typedef {import("@ingestkit/core").EntityTypeSpec} EntityTypeSpec */

const schema = JSON.parse(readFileSync(new URL("./config.schema.json", import.meta.url), "utf8"));

/** Parses `time,temperature_c` rows; a bad row names its line. @param {string} text @param {(msg: string) => never} fail */
export function parseLog(text, fail) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0 || lines[0].trim() !== "time,temperature_c") fail("expected the header 'time,temperature_c' on line 1");
  return lines.slice(1).map((line, i) => {
    const [time, value, ...extra] = line.split(",");
    const t = Number(value);
    if (extra.length || !time || value === undefined || value.trim() === "" || !Number.isFinite(t))
      fail(`line ${i + 2}: expected 'time,temperature_c', got ${JSON.stringify(line)}`);
    return { time: time.trim(), celsius: t };
  });
}

/** @param {number} c @param {string} unit */
const convertTemperature = (c, unit) => (unit === "F" ? Math.round(((c * 9) / 5) * 100 + 3200) / 100 : c);

/** @type {import("@ingestkit/core").Importer} */
const stationImporter = {
  describe: "station.json",
  async importMetadata(ctx) {
    await ctx.writeJson(`${ctx.outputDir()}/station.json`, { ...ctx.item.entry.metadata, station: ctx.item.name, last_updated_at: ctx.run.now }, ["last_updated_at"]);
  },
};

/** @type {import("@ingestkit/core").Importer} */
const logImporter = {
  describe: "log JSON",
  async importItem(ctx) {
    const path = ctx.item.found.path;
    if (path === null) return ctx.fail("SOURCE_MISSING", `log ${ctx.item.name} has no file`);
    const text = new TextDecoder().decode(await ctx.input.read(path));
    const rows = parseLog(text, (msg) => ctx.fail("SOURCE_INVALID", `${path}: ${msg}`));
    const unit = String(ctx.settings.temperatureUnit);
    const temps = rows.map((r) => convertTemperature(r.celsius, unit));
    await ctx.writeJson(`${ctx.outputDir()}/${ctx.item.name}.json`, {
      station: ctx.item.get("station")?.name,
      log: ctx.item.name,
      unit,
      count: rows.length,
      min: temps.length ? Math.min(...temps) : null,
      max: temps.length ? Math.max(...temps) : null,
      readings: rows.map((r, i) => ({ time: r.time, temperature: temps[i] })),
    });
  },
};

/** @type {EntityTypeSpec} */
const stations = {
  key: "station",
  plural: "stations",
  hasMetadata: true,
  importer: stationImporter,
  outputDir: "{station_name}",
  children: [{ key: "log", plural: "logs", hasMetadata: false, importer: logImporter, outputDir: "{station_name}/logs" }],
};

const profile = defineProfile({
  name: "sensor-logs",
  roots: [stations],
  finders: finderRegistry([...builtinFinders.values()]),
  schema,
  options: [{ key: "temperatureUnit", flag: "temperature-unit", type: "choice", choices: ["C", "F"], default: "C", valueName: "<unit>", help: "unit of the written temperatures" }],
});

export default defineProfilePlugin({
  name: "sensor-logs",
  description: "weather-station CSV logs to per-station JSON (example third-party profile)",
  options: profile.options,
  detect: (config) => config.data.stations !== undefined,
  profile: () => profile,
});
