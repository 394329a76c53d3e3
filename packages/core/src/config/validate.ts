/**
 * Config validation: JSON Schema (ajv, draft 2019-09) for structure, then semantic checks the
 * schema cannot express: one finder per source, finders allowed for the type, regexes that
 * compile in JavaScript (Python syntax translated), templates that parse and whose variables can
 * be defined where they are used, `float {x}` / `int {x}` casts. Every problem names file:line:col.
 */
import { Ajv2019, type ErrorObject, type ValidateFunction } from "ajv/dist/2019.js";
import type { Diagnostic } from "../diagnostics.js";
import { IngestError } from "../errors.js";
import type { EntityType, Profile } from "../graph.js";
import { type FormatStringError, parseFormatString, translatePythonRegex } from "../python/index.js";
import { PROFILE_KEY } from "../profiles.js";
import { closest } from "../template.js";
import type { LoadedConfig } from "./config.js";

const compiled = new WeakMap<object, ValidateFunction>();

function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    const ajv = new Ajv2019({ allErrors: true, strict: false, verbose: true, logger: false });
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

export interface ValidationResult {
  file: string;
  valid: boolean;
  diagnostics: Diagnostic[];
}

/** Validates a loaded config against a profile. Never throws for problems in the config. */
export function validateConfig(config: LoadedConfig, profile: Profile): ValidationResult {
  const diagnostics: Diagnostic[] = [...config.yaml.diagnostics];
  if (profile.schema) diagnostics.push(...schemaDiagnostics(config, profile.schema));
  diagnostics.push(...semanticDiagnostics(config, profile));
  if (profile.hooks.checkConfig) diagnostics.push(...profile.hooks.checkConfig(config, profile));
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  return { file: config.file, valid: !diagnostics.some((d) => d.severity === "error"), diagnostics: dedupe(diagnostics) };
}

/** Throws the first error of a validation as an IngestError (for `convert`). */
export function assertValid(result: ValidationResult): void {
  const first = result.diagnostics.find((d) => d.severity === "error");
  if (!first) return;
  const more = result.diagnostics.filter((d) => d.severity === "error").length - 1;
  throw new IngestError(first.code as never, `${first.message}${more > 0 ? ` (and ${more} more problem${more > 1 ? "s" : ""}; run 'standardize-dirs validate' for all)` : ""}`, {
    file: first.file ?? result.file,
    ...(first.line !== undefined ? { line: first.line } : {}),
    ...(first.col !== undefined ? { col: first.col } : {}),
  });
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function pointerToPath(p: string): Array<string | number> {
  if (!p) return [];
  return p
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function schemaDiagnostics(config: LoadedConfig, schema: Record<string, unknown>): Diagnostic[] {
  const validate = compileSchema(schema);
  // the top-level `profile:` key names the profile (the registry checks it); no profile's schema lists it
  const { [PROFILE_KEY]: _named, ...data } = config.data;
  if (validate(data)) return [];
  const errors = (validate.errors ?? []) as ErrorObject[];
  // anyOf/oneOf wrappers repeat what their branches say; keep the most specific messages.
  let specific = errors.filter((e) => !["anyOf", "oneOf", "if", "then", "else"].includes(e.keyword));
  // `anyOf: [null, object]` also reports "must be null" beside the object's real problem: drop it.
  specific = specific.filter(
    (e) =>
      !(
        e.keyword === "type" &&
        (e.params as { type?: unknown }).type === "null" &&
        specific.some((o) => o !== e && (o.instancePath === e.instancePath || o.instancePath.startsWith(e.instancePath + "/")))
      ),
  );
  const chosen = pickPerPath(specific.length ? specific : errors);
  return chosen.map((e) => {
    const path = pointerToPath(e.instancePath);
    let message: string;
    let which: "key" | "value" = "value";
    let code = "CONFIG_SCHEMA";
    if (e.keyword === "additionalProperties") {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(((e.parentSchema as { properties?: object })?.properties ?? {}) as object);
      const guess = closest(key, allowed);
      message = `unknown key '${key}'${path.length ? ` in ${formatPath(path)}` : ""}${guess ? `: did you mean '${guess}'?` : ""}${allowed.length && allowed.length <= 30 ? ` (allowed: ${allowed.join(", ")})` : ""}`;
      path.push(key);
      which = "key";
      code = "CONFIG_UNKNOWN_KEY";
    } else if (e.keyword === "required") {
      message = `${path.length ? formatPath(path) : "config"}: missing required key '${(e.params as { missingProperty: string }).missingProperty}'`;
    } else if (e.keyword === "enum") {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const guess = typeof e.data === "string" ? closest(e.data, allowed.map(String)) : undefined;
      message = `${formatPath(path)}: ${JSON.stringify(e.data)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}${guess ? `: did you mean ${JSON.stringify(guess)}?` : ""}`;
    } else {
      message = `${path.length ? formatPath(path) : "config"}: ${e.message ?? e.keyword}${e.keyword === "type" ? `, got ${describe(e.data)}` : ""}`;
    }
    const pos = config.position(path, which);
    return { severity: "error" as const, code, message, file: pos.file, ...(pos.line !== undefined ? { line: pos.line, col: pos.col! } : {}), path: e.instancePath || "/" };
  });
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** One or two errors per instance path, deepest paths first. */
function pickPerPath(errors: ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const k = e.instancePath + (e.keyword === "additionalProperties" ? `#${(e.params as { additionalProperty: string }).additionalProperty}` : "");
    const list = byPath.get(k) ?? [];
    list.push(e);
    byPath.set(k, list);
  }
  const out: ErrorObject[] = [];
  const paths = [...byPath.keys()];
  for (const [k, list] of byPath) {
    // a parent path whose failure is explained by a deeper error adds nothing
    if (!k.includes("#") && paths.some((p) => p !== k && p.startsWith(k + "/")) && list.every((e) => e.keyword !== "additionalProperties" && e.keyword !== "required")) continue;
    const prefer = list.find((e) => e.keyword === "additionalProperties") ?? list.find((e) => e.keyword === "required") ?? list.find((e) => e.keyword === "enum") ?? list[0]!;
    out.push(prefer);
  }
  return out;
}

export function formatPath(path: ReadonlyArray<string | number>): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

const FILTER_KEYS = new Set(["parent_filters", "exclude"]);
const CAST = /^(float|int)(\s*)(.*)$/s;

function semanticDiagnostics(config: LoadedConfig, profile: Profile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: Array<string | number>, severity: "error" | "warning", code: string, message: string, which: "key" | "value" = "value"): void => {
    const pos = config.position(path, which);
    out.push({ severity, code, message, file: pos.file, ...(pos.line !== undefined ? { line: pos.line, col: pos.col! } : {}), path: "/" + path.join("/") });
  };
  const checkRegex = (pattern: unknown, path: Array<string | number>) => {
    if (typeof pattern !== "string") return;
    const r = translatePythonRegex(pattern);
    if (!r.ok) at(path, "error", "CONFIG_REGEX", `${formatPath(path)}: regular expression ${JSON.stringify(pattern)} cannot be used: ${r.message} (at character ${r.index + 1})`);
  };

  for (const type of profile.types) {
    const entries = config.data[type.plural];
    if (!Array.isArray(entries)) continue;
    const vars = availableVars(type, config, profile);
    entries.forEach((entry, i) => {
      if (!entry || typeof entry !== "object") return;
      const sources = (entry as { sources?: unknown }).sources;
      if (Array.isArray(sources)) {
        sources.forEach((src, j) => {
          if (!src || typeof src !== "object") return;
          const base: Array<string | number> = [type.plural, i, "sources", j];
          const keys = Object.keys(src).filter((k) => !FILTER_KEYS.has(k));
          const finderKeys = keys.filter((k) => profile.finders.has(k));
          const s = src as Record<string, unknown>;
          if (keys.length !== 1) {
            at(base, "error", "CONFIG_FINDER", `${formatPath(base)}: a source needs exactly one finder key, found ${keys.length ? keys.join(", ") : "none"}`);
          }
          for (const k of keys) {
            if (!profile.finders.has(k)) {
              if (!profile.schema) {
                const g = closest(k, [...profile.finders.keys()]);
                at([...base, k], "error", "CONFIG_FINDER", `${formatPath(base)}: unknown finder '${k}'${g ? `: did you mean '${g}'?` : ""}`, "key");
              }
            } else if (type.finders && !type.finders.includes(k)) {
              at([...base, k], "error", "CONFIG_FINDER", `${formatPath(base)}: finder '${k}' cannot be used for ${type.plural} (allowed: ${type.finders.join(", ")})`, "key");
            }
          }
          const pf = s.parent_filters as Record<string, Record<string, unknown>> | undefined;
          for (const kind of ["include", "exclude"]) {
            const m = pf?.[kind];
            if (!m || typeof m !== "object") continue;
            for (const [parentKey, list] of Object.entries(m)) {
              if (!type.ancestors.some((a) => a.key === parentKey) && profile.byKey.has(parentKey)) {
                at(
                  [...base, "parent_filters", kind, parentKey],
                  "warning",
                  "CONFIG_FILTER",
                  `parent_filters.${kind}.${parentKey}: ${parentKey} is not a parent of ${type.key}, so this filter never applies`,
                  "key",
                );
              }
              if (Array.isArray(list))
                list.forEach((p, n) => {
                  checkRegex(p, [...base, "parent_filters", kind, parentKey, n]);
                });
            }
          }
          if (Array.isArray(s.exclude))
            s.exclude.forEach((p, n) => {
              checkRegex(p, [...base, "exclude", n]);
            });
          for (const fk of finderKeys) {
            const def = profile.finders.get(fk)!;
            const opts = s[fk];
            for (const { option, pattern } of def.regexes?.(opts) ?? []) checkRegex(pattern, [...base, fk, ...splitOption(option)]);
            for (const { option, template } of def.templates?.(opts) ?? []) checkTemplate(template, [...base, fk, ...splitOption(option)], vars, at);
            for (const d of def.check?.(opts) ?? []) at([...base, fk, ...(d.path ? splitOption(d.path) : [])], d.severity, d.code, d.message);
          }
        });
      }
      const md = (entry as { metadata?: unknown }).metadata;
      const mvars = profile.hooks.metadataVarNames?.(type, config);
      if (md && typeof md === "object" && mvars) walkStrings(md, [type.plural, i, "metadata"], (str, path) => checkTemplate(str, path, mvars, at, true));
    });
  }
  return out;
}

function splitOption(option: string): Array<string | number> {
  return option.split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function walkStrings(v: unknown, path: Array<string | number>, fn: (s: string, path: Array<string | number>) => void): void {
  if (typeof v === "string") fn(v, path);
  else if (Array.isArray(v))
    v.forEach((x, i) => {
      walkStrings(x, [...path, i], fn);
    });
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walkStrings(x, [...path, k], fn);
}

interface VarSet {
  names: string[];
  open?: boolean;
  why?: string;
}

/** Variables a finder of `type` can use: `output_path` and everything its ancestors define. */
export function availableVars(type: EntityType, config: LoadedConfig, profile: Profile): VarSet {
  const names = new Set<string>(["output_path"]);
  let open = false;
  const why: string[] = [];
  for (const a of type.ancestors) {
    for (const n of [`${a.key}_name`, `${a.key}_path`, `int_${a.key}_name`, `${a.key}_id`, `${a.key}_output_path`]) names.add(n);
    const extra = profile.hooks.varNames?.(a, config);
    if (extra) {
      for (const n of extra.names) names.add(n);
      if (extra.open) {
        open = true;
        if (extra.why) why.push(extra.why);
      }
    }
  }
  return { names: [...names], open, ...(why.length ? { why: why.join("; ") } : {}) };
}

function checkTemplate(
  template: string,
  path: Array<string | number>,
  vars: VarSet,
  at: (path: Array<string | number>, severity: "error" | "warning", code: string, message: string) => void,
  metadata = false,
): void {
  if (!template.includes("{") && !template.includes("}")) return;
  let fields;
  try {
    fields = parseFormatString(template).filter((p) => p.kind === "field");
  } catch (err) {
    if (metadata) return; // metadata strings are only formatted when a run data row exists; braces may be literal text
    const e = err as FormatStringError;
    at(
      path,
      "error",
      "CONFIG_TEMPLATE",
      `${formatPath(path)}: bad template ${JSON.stringify(template)}: ${e.message}${e.index !== undefined ? ` (at character ${e.index + 1})` : ""}`,
    );
    return;
  }
  const cast = CAST.exec(template);
  if (cast && fields.length) {
    if (cast[2] === "") {
      at(path, "error", "CONFIG_CAST", `${formatPath(path)}: ${JSON.stringify(template)} is not cast: write '${cast[1]} {...}' with a space after '${cast[1]}'`);
    } else if (!/^\{[^{}]+\}\s*$/.test(cast[3]!)) {
      at(path, "warning", "CONFIG_CAST", `${formatPath(path)}: ${JSON.stringify(template)}: a ${cast[1]} cast should be followed by a single {variable}`);
    }
  }
  for (const f of fields) {
    const name = f.name.split(/[.[]/)[0]!;
    if (vars.names.includes(name)) continue;
    const guess = closest(name, vars.names);
    if (vars.open) {
      at(
        path,
        "warning",
        "CONFIG_UNDEFINED_VARIABLE",
        `${formatPath(path)}: {${name}} is not a built-in variable here and could not be checked against the run data map (${vars.why ?? "map not available"})${guess ? `; did you mean {${guess}}?` : ""}`,
      );
    } else {
      at(
        path,
        "error",
        "CONFIG_UNDEFINED_VARIABLE",
        `${formatPath(path)}: template variable {${name}} is never defined here${guess ? `: did you mean {${guess}}?` : ""}${vars.why ? ` (${vars.why})` : ""}`,
      );
    }
  }
}
