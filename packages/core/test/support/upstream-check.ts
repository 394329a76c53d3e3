// Test support: reproduces the upstream CryoET ingestion-config structural check
// (chanzuckerberg/cryoet-data-portal-backend, schema/ingestion_config/v1.0.0/ingestion_config_validate.py):
//
//   yaml.safe_load(file)                          -> loadYamlLikePyYAML (YAML 1.1 scalars as PyYAML resolves them)
//   replace_formatted_strings(config_data, 0, False) -> replaceFormattedStrings (exact port, mutates in place)
//   validate                                       -> Ajv 2019-09 against upstream's ingestion_config_models.schema.json
//
// Upstream's real validator is pydantic (the LinkML-generated models plus hand-written extra rules); the
// JSON Schema it ships covers the structural part only, and that structural part is what is checked here.
//
// Also validates raw YAML with ingestkit's own schema (packages/importers/schemas/cryoet-config.schema.json), which needs no
// replacement step. Lives under packages/core because that package owns the `ajv` and `yaml` dependencies.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2019 } from "ajv/dist/2019.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import { parse, type ScalarTag } from "yaml";

// ---------------------------------------------------------------------------------------------------
// Locations. The corpus lives in `shared/` beside the repository checkout (…/main and …/shared).
// ---------------------------------------------------------------------------------------------------
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("upstream-check: repository root (pnpm-workspace.yaml) not found");
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot();
export const CORPUS_DIR = join(REPO_ROOT, "..", "shared", "corpus", "cryoet-dataset-configs");
export const CONFIGS_DIR = join(CORPUS_DIR, "configs");
export const UPSTREAM_SCHEMA_PATH = join(CORPUS_DIR, "upstream-schema", "ingestion_config_models.schema.json");
export const OUR_SCHEMA_PATH = join(REPO_ROOT, "packages", "importers", "schemas", "cryoet-config.schema.json");

/** Every `*.yaml` / `*.yml` file under the corpus `configs/` tree (recursive), sorted, as absolute paths. */
export function listCorpusYamlFiles(dir: string = CONFIGS_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export const corpusRelative = (p: string): string => relative(CONFIGS_DIR, p);

// ---------------------------------------------------------------------------------------------------
// YAML loading with PyYAML `safe_load` semantics
// ---------------------------------------------------------------------------------------------------
// PyYAML implements YAML 1.1 implicit typing (yaml/resolver.py + SafeConstructor). The resolvers below use
// PyYAML's regexes verbatim; anything else is a string. Differences from YAML 1.2 core that this covers:
// yes/no/on/off (any case variant PyYAML lists) are booleans, `0777` is octal, `0b1010`, `1_000`, `1:30`
// (sexagesimal, = 90) are ints, `1e5` (no dot) and `1.0e5` (unsigned exponent) are STRINGS, `.5`/`1.` are
// floats, and a plain `=` is an error (tag:yaml.org,2002:value has no safe constructor).
// Timestamps (`2023-04-01`): PyYAML returns datetime.date; here they stay strings with the same text, which
// is what upstream's JSON Schema expects for `format: date` fields (a date in a plain-string field would be
// rejected by pydantic but accepted here; no corpus file has an unquoted timestamp).

const PY_BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_INT_RE = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PY_NULL_RE = /^(?:~|null|Null|NULL|)$/;
// PyYAML's Reader rejects these characters anywhere in the stream ("unacceptable character").
const PY_NON_PRINTABLE_RE = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function signed(value: string): { sign: number; body: string } {
  const v = value.replace(/_/g, "");
  const sign = v[0] === "-" ? -1 : 1;
  return { sign, body: v[0] === "+" || v[0] === "-" ? v.slice(1) : v };
}

function base60(body: string, parsePart: (s: string) => number): number {
  let value = 0;
  let base = 1;
  for (const part of body.split(":").reverse()) {
    value += parsePart(part) * base;
    base *= 60;
  }
  return value;
}

function strictNumber(s: string, radix: number): number {
  const digits = radix === 2 ? /^[01]+$/ : radix === 8 ? /^[0-7]+$/ : radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/;
  if (!digits.test(s)) throw new Error(`invalid literal for int() with base ${radix}: '${s}'`);
  return parseInt(s, radix);
}

function pyInt(value: string): number {
  // SafeConstructor.construct_yaml_int
  const { sign, body } = signed(value);
  if (body === "0") return 0;
  if (body.startsWith("0b")) return sign * strictNumber(body.slice(2), 2);
  if (body.startsWith("0x")) return sign * strictNumber(body.slice(2), 16);
  if (body[0] === "0") return sign * strictNumber(body, 8);
  if (body.includes(":")) return sign * base60(body, (p) => strictNumber(p, 10));
  return sign * strictNumber(body, 10);
}

function pyFloatPart(s: string): number {
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(s)) throw new Error(`could not convert string to float: '${s}'`);
  return Number(s);
}

function pyFloat(value: string): number {
  // SafeConstructor.construct_yaml_float
  const { sign, body } = signed(value.toLowerCase());
  if (body === ".inf") return sign * Number.POSITIVE_INFINITY;
  if (body === ".nan") return Number.NaN;
  if (body.includes(":")) return sign * base60(body, pyFloatPart);
  return sign * pyFloatPart(body);
}

const PYYAML_TAGS: ScalarTag[] = [
  {
    identify: (v) => v === null || v === undefined,
    default: true,
    tag: "tag:yaml.org,2002:null",
    test: PY_NULL_RE,
    resolve: () => null,
  },
  {
    identify: (v) => typeof v === "boolean",
    default: true,
    tag: "tag:yaml.org,2002:bool",
    test: PY_BOOL_RE,
    resolve: (s) => /^(?:yes|true|on)$/i.test(s),
  },
  {
    identify: (v) => typeof v === "number" && Number.isInteger(v),
    default: true,
    tag: "tag:yaml.org,2002:int",
    test: PY_INT_RE,
    resolve: (s, onError) => {
      try {
        return pyInt(s);
      } catch (e) {
        onError((e as Error).message);
        return s;
      }
    },
  },
  {
    identify: (v) => typeof v === "number",
    default: true,
    tag: "tag:yaml.org,2002:float",
    test: PY_FLOAT_RE,
    resolve: (s, onError) => {
      try {
        return pyFloat(s);
      } catch (e) {
        onError((e as Error).message);
        return s;
      }
    },
  },
  {
    // A plain `=` resolves to tag:yaml.org,2002:value, which SafeLoader cannot construct.
    identify: () => false,
    default: true,
    tag: "tag:yaml.org,2002:value",
    test: /^=$/,
    resolve: (s, onError) => {
      onError("could not determine a constructor for the tag 'tag:yaml.org,2002:value'");
      return s;
    },
  },
];

/** Parses YAML the way PyYAML's `yaml.safe_load` would (see above). Throws on invalid YAML. */
export function loadYamlLikePyYAML(text: string): unknown {
  const bad = PY_NON_PRINTABLE_RE.exec(text);
  if (bad) {
    throw new Error(`unacceptable character #x${bad[0].codePointAt(0)!.toString(16)}: special characters are not allowed`);
  }
  return parse(text, {
    version: "1.1",
    schema: "failsafe", // map, seq, str; plus PyYAML's implicit resolvers:
    customTags: PYYAML_TAGS,
    merge: true, // SafeLoader supports `<<` merge keys
    uniqueKeys: false, // PyYAML keeps the last of duplicate keys
    maxAliasCount: -1, // PyYAML has no alias-expansion limit (397 corpus files use aliases)
    logLevel: "error",
  });
}

// ---------------------------------------------------------------------------------------------------
// replace_formatted_strings (exact port)
// ---------------------------------------------------------------------------------------------------
// PERMITTED_FORMATTED_STRINGS = {"tiltseries": 0, "tomograms": 0, "sources": 1}
// FLOAT_FORMATTED_STRING_REGEX = r"^float\s*{[a-zA-Z0-9_-]+}\s*$"   -> 1.0
// INTEGER_FORMATTED_STRING_REGEX = r"^int\s*{[a-zA-Z0-9_-]+}\s*$"   -> 1
// `\s` is Python's Unicode whitespace class (differs from JS `\s`: adds U+001C-U+001F and U+0085, lacks U+FEFF).
const PY_WS = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
export const UPSTREAM_FLOAT_TEMPLATE_RE = new RegExp(`^float${PY_WS}*\\{[a-zA-Z0-9_-]+\\}${PY_WS}*$`);
export const UPSTREAM_INT_TEMPLATE_RE = new RegExp(`^int${PY_WS}*\\{[a-zA-Z0-9_-]+\\}${PY_WS}*$`);
const PERMITTED_FORMATTED_STRINGS: Readonly<Record<string, number>> = { tiltseries: 0, tomograms: 0, sources: 1 };

type PlainObject = Record<string, unknown>;
const isPlainObject = (x: unknown): x is PlainObject => typeof x === "object" && x !== null && !Array.isArray(x);

/** replace_formatted_string(value) */
export function replaceFormattedString(value: string): string | number {
  if (!value.includes("{") || !value.includes("}")) return value;
  if (UPSTREAM_FLOAT_TEMPLATE_RE.test(value)) return 1.0;
  if (UPSTREAM_INT_TEMPLATE_RE.test(value)) return 1;
  return value;
}

/**
 * replace_formatted_strings(config_data, depth, permitted_parent): mutates in place, like upstream.
 * Containers shared through YAML aliases are shared objects here as in PyYAML, so a replacement made through
 * one path is visible through every alias (no corpus file depends on that).
 * Only mapping values and the items of lists that are mapping values are visited: a list directly inside a
 * list is skipped together with everything in it.
 */
export function replaceFormattedStrings(configData: PlainObject, depth = 0, permittedParent = false): PlainObject {
  for (const key of Object.keys(configData)) {
    const value = configData[key];
    const currPermittedParent = permittedParent || (Object.hasOwn(PERMITTED_FORMATTED_STRINGS, key) && depth === PERMITTED_FORMATTED_STRINGS[key]);
    if (isPlainObject(value)) {
      configData[key] = replaceFormattedStrings(value, depth + 1, currPermittedParent);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (isPlainObject(item)) value[i] = replaceFormattedStrings(item, depth + 1, currPermittedParent);
        else if (typeof item === "string" && currPermittedParent) value[i] = replaceFormattedString(item);
      }
    } else if (typeof value === "string" && currPermittedParent) {
      configData[key] = replaceFormattedString(value);
    }
  }
  return configData;
}

// ---------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------
export interface CheckResult {
  yamlOk: boolean;
  valid: boolean;
  errors: string[];
}

/** Ajv for draft 2019-09 as the brief prescribes; `format` is an annotation only (as in Python jsonschema). */
export function createAjv(): Ajv2019 {
  return new Ajv2019({ allErrors: true, strict: false, formats: { date: true, "date-time": true } });
}

let upstreamValidator: ValidateFunction | undefined;
let ourValidator: ValidateFunction | undefined;

export function getUpstreamValidator(): ValidateFunction {
  upstreamValidator ??= createAjv().compile(JSON.parse(readFileSync(UPSTREAM_SCHEMA_PATH, "utf8")) as object);
  return upstreamValidator;
}

export function getOurValidator(): ValidateFunction {
  ourValidator ??= createAjv().compile(JSON.parse(readFileSync(OUR_SCHEMA_PATH, "utf8")) as object);
  return ourValidator;
}

export function formatAjvErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const params = Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : "";
    return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${params}`;
  });
}

function parseForCheck(text: string): { ok: true; data: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, data: loadYamlLikePyYAML(text) };
  } catch (e) {
    return { ok: false, error: `YAML: ${(e as Error).message.split("\n")[0]}` };
  }
}

/** The upstream structural check on YAML text: safe_load, replace_formatted_strings, upstream JSON Schema. */
export function upstreamStructuralCheckText(text: string): CheckResult {
  const parsed = parseForCheck(text);
  if (!parsed.ok) return { yamlOk: false, valid: false, errors: [parsed.error] };
  if (!isPlainObject(parsed.data)) {
    // Upstream: replace_formatted_strings(None / list / str, ...) raises -> the file fails.
    return { yamlOk: true, valid: false, errors: ["top-level YAML value is not a mapping"] };
  }
  let data: PlainObject;
  try {
    data = replaceFormattedStrings(parsed.data);
  } catch (e) {
    return { yamlOk: true, valid: false, errors: [`replace_formatted_strings: ${(e as Error).message}`] };
  }
  const validate = getUpstreamValidator();
  const valid = validate(data) as boolean;
  return { yamlOk: true, valid, errors: valid ? [] : formatAjvErrors(validate.errors) };
}

export function upstreamStructuralCheck(filePath: string): CheckResult {
  return upstreamStructuralCheckText(readFileSync(filePath, "utf8"));
}

/** ingestkit's schema on the raw parsed YAML (no replacement step). */
export function ourSchemaCheckText(text: string): CheckResult {
  const parsed = parseForCheck(text);
  if (!parsed.ok) return { yamlOk: false, valid: false, errors: [parsed.error] };
  const validate = getOurValidator();
  const valid = validate(parsed.data) as boolean;
  return { yamlOk: true, valid, errors: valid ? [] : formatAjvErrors(validate.errors) };
}

export function ourSchemaCheck(filePath: string): CheckResult {
  return ourSchemaCheckText(readFileSync(filePath, "utf8"));
}
