#!/usr/bin/env node
// Generates packages/importers/schemas/cryoet-config.schema.json (ingestkit's JSON Schema for CryoET ingestion configs)
// from the upstream LinkML-generated JSON Schema in ../shared/corpus/cryoet-dataset-configs/upstream-schema/.
//
//   node scripts/generate-cryoet-schema.mjs           write the schema
//   node scripts/generate-cryoet-schema.mjs --check   exit 1 if the committed schema is out of date
//
// Upstream validates a config as: yaml.safe_load -> replace_formatted_strings -> pydantic/LinkML models.
// replace_formatted_strings (schema/ingestion_config/v1.0.0/ingestion_config_validate.py) walks the parsed
// YAML and, inside the top-level `tiltseries` / `tomograms` subtrees and inside every `sources` key of a
// depth-1 mapping (i.e. `<entity>[i].sources`), turns strings matching ^float\s*{[a-zA-Z0-9_-]+}\s*$
// into 1.0 and ^int\s*{[a-zA-Z0-9_-]+}\s*$ into 1. It only looks at mapping values and at the items of lists
// that are mapping values (lists nested directly in lists are skipped, and so is everything inside them).
// Our schema validates the raw YAML instead, so at exactly those positions it:
//   * accepts the template strings wherever the original schema accepts the number 1, and
//   * rejects them wherever the original schema does not accept the number 1 (e.g. a string field),
// which makes our verdict on the raw YAML equal to upstream's verdict after the replacement.
//
// Other changes relative to upstream (see also the `$comment` of the generated schema):
//   * top level: `additionalProperties: false`; adds `viz_config` and `annotation_viz`;
//   * `standardization_config` also allows the legacy `run_name_regex` key;
//   * every `sources` entry must have exactly one finder key (annotation sources: exactly one shape key),
//     and that key's value may not be null;
//   * unreferenced upstream `$defs` (abstract LinkML mixins, unused enums, `Container`) are dropped.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const UPSTREAM_PATH = join(ROOT, "..", "shared", "corpus", "cryoet-dataset-configs", "upstream-schema", "ingestion_config_models.schema.json");
const OUT_PATH = join(ROOT, "packages", "importers", "schemas", "cryoet-config.schema.json");

export const SCHEMA_ID = "https://ingestkit.dev/schemas/cryoet-config.schema.json";
// Same character class as upstream's FLOAT_/INTEGER_FORMATTED_STRING_REGEX (`{` escaped for JS `u` regexes).
export const FLOAT_TEMPLATE_PATTERN = "^float\\s*\\{[a-zA-Z0-9_-]+\\}\\s*$";
export const INT_TEMPLATE_PATTERN = "^int\\s*\\{[a-zA-Z0-9_-]+\\}\\s*$";
// Upstream's own (LinkML any_of) template patterns; inside replaced subtrees they are subsumed by ours.
const UPSTREAM_TEMPLATE_PATTERNS = new Set(["^float[ ]*\\{[a-zA-Z0-9_-]+\\}[ ]*$", "^int[ ]*\\{[a-zA-Z0-9_-]+\\}[ ]*$"]);
const TEMPLATE_RES = [new RegExp(FLOAT_TEMPLATE_PATTERN, "u"), new RegExp(INT_TEMPLATE_PATTERN, "u")];

const FLOAT_REF = { $ref: "#/$defs/FloatTemplateString" };
const INT_REF = { $ref: "#/$defs/IntTemplateString" };
const CAST_REF = { $ref: "#/$defs/CastTemplateString" };

const FILTER_KEYS = new Set(["parent_filters", "exclude"]);
const ANNOTATION_KEYWORDS = new Set(["title", "description", "$comment"]);
// Keywords that never constrain a string or a number.
const NON_SCALAR_KEYWORDS = new Set([
  "properties",
  "additionalProperties",
  "patternProperties",
  "required",
  "minProperties",
  "maxProperties",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
]);
const STRING_KEYWORDS = new Set(["pattern", "format", "minLength", "maxLength"]);
const NUMBER_KEYWORDS = new Set(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]);

const isObject = (x) => typeof x === "object" && x !== null && !Array.isArray(x);
const refName = (ref) => {
  const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
  if (!m) throw new Error(`unsupported $ref ${ref}`);
  return m[1];
};
const deepEqual = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

function sortKeys(x) {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (!isObject(x)) return x;
  const out = {};
  for (const k of Object.keys(x).sort()) out[k] = sortKeys(x[k]);
  return out;
}

function isTemplateString(v) {
  return typeof v === "string" && TEMPLATE_RES.some((re) => re.test(v));
}

/** Does schema `s` accept the JSON number 1 (what upstream substitutes for `float {x}` and `int {x}`)? */
function acceptsOne(s, defs) {
  if (s === true || s === false) return s;
  let ok = true;
  for (const [k, v] of Object.entries(s)) {
    switch (k) {
      case "$ref":
        ok &&= acceptsOne(defs[refName(v)], defs);
        break;
      case "type": {
        const types = Array.isArray(v) ? v : [v];
        ok &&= types.includes("number") || types.includes("integer");
        break;
      }
      case "enum":
        ok &&= v.some((e) => e === 1);
        break;
      case "const":
        ok &&= v === 1;
        break;
      case "minimum":
        ok &&= 1 >= v;
        break;
      case "maximum":
        ok &&= 1 <= v;
        break;
      case "exclusiveMinimum":
        ok &&= 1 > v;
        break;
      case "exclusiveMaximum":
        ok &&= 1 < v;
        break;
      case "multipleOf":
        ok &&= 1 % v === 0;
        break;
      case "anyOf":
        ok &&= v.some((b) => acceptsOne(b, defs));
        break;
      case "allOf":
        ok &&= v.every((b) => acceptsOne(b, defs));
        break;
      case "oneOf":
        ok &&= v.filter((b) => acceptsOne(b, defs)).length === 1;
        break;
      case "not":
        ok &&= !acceptsOne(v, defs);
        break;
      default:
        if (!ANNOTATION_KEYWORDS.has(k) && !NON_SCALAR_KEYWORDS.has(k) && !STRING_KEYWORDS.has(k)) {
          throw new Error(`acceptsOne: unsupported keyword ${k}`);
        }
    }
  }
  return ok;
}

/** Over-approximation: false only if `s` certainly rejects every `float {x}` / `int {x}` string. */
function mayAcceptTemplate(s, defs) {
  if (s === true || s === false) return s;
  let ok = true;
  for (const [k, v] of Object.entries(s)) {
    if (k === "$ref") ok &&= mayAcceptTemplate(defs[refName(v)], defs);
    else if (k === "type") ok &&= (Array.isArray(v) ? v : [v]).includes("string");
    else if (k === "enum") ok &&= v.some(isTemplateString);
    else if (k === "const") ok &&= isTemplateString(v);
    else if (k === "anyOf" || k === "oneOf") ok &&= v.some((b) => mayAcceptTemplate(b, defs));
    else if (k === "allOf") ok &&= v.every((b) => mayAcceptTemplate(b, defs));
  }
  return ok;
}

/** Under-approximation: true only if `s` certainly accepts every `float {x}` / `int {x}` string. */
function acceptsAllTemplates(s, defs) {
  if (s === true || s === false) return s;
  let ok = true;
  for (const [k, v] of Object.entries(s)) {
    if (ANNOTATION_KEYWORDS.has(k) || NON_SCALAR_KEYWORDS.has(k) || NUMBER_KEYWORDS.has(k)) continue;
    if (k === "$ref") ok &&= acceptsAllTemplates(defs[refName(v)], defs);
    else if (k === "type") ok &&= (Array.isArray(v) ? v : [v]).includes("string");
    else if (k === "anyOf") ok &&= v.some((b) => acceptsAllTemplates(b, defs));
    else if (k === "allOf") ok &&= v.every((b) => acceptsAllTemplates(b, defs));
    else ok = false;
  }
  return ok;
}

function splitAnnotations(node) {
  const ann = {};
  const rest = {};
  for (const [k, v] of Object.entries(node)) (ANNOTATION_KEYWORDS.has(k) ? ann : rest)[k] = v;
  return { ann, rest };
}

/**
 * Rewrites the schemas of the subtrees that upstream's replace_formatted_strings touches.
 * Position kinds: "value" = a mapping value, "item" = an item of a list that is itself a mapping value.
 * Items of a list at an "item" position are never visited by upstream, so they stay untouched.
 */
class TemplateTransformer {
  constructor(defs) {
    this.defs = defs; // name -> schema (read: originals; written: variants)
    this.variantOf = new Map(); // variant name -> original name
    this.cache = new Map(); // `${name}|${kind}` -> def name to reference
    this.inProgress = new Set();
  }

  /** Schema for a value at a replaced position: nested rewrite plus the string/number adjustment here. */
  position(node, kind) {
    return this.adjust(this.nested(node, kind), node);
  }

  adjust(n, original) {
    if (typeof n === "boolean") return n;
    if (acceptsOne(original, this.defs)) {
      if (acceptsAllTemplates(original, this.defs)) return n;
      return withTemplateBranches(n, this.defs);
    }
    if (!mayAcceptTemplate(original, this.defs)) return n;
    if (n.not === undefined) return { ...n, not: CAST_REF };
    const { ann, rest } = splitAnnotations(n);
    return { ...ann, allOf: [rest, { not: CAST_REF }] };
  }

  nested(node, kind) {
    if (typeof node === "boolean") return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      switch (k) {
        case "$ref":
          out.$ref = `#/$defs/${this.variant(refName(v), kind)}`;
          break;
        case "properties":
        case "patternProperties":
          out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, this.position(s, "value")]));
          break;
        case "additionalProperties":
          out[k] = typeof v === "boolean" ? v : this.position(v, "value");
          break;
        case "items":
          if (!isObject(v) && typeof v !== "boolean") throw new Error("tuple `items` not supported");
          out[k] = kind === "value" ? this.position(v, "item") : v;
          break;
        case "anyOf":
        case "allOf":
        case "oneOf":
          out[k] = v.map((b) => this.nested(b, kind));
          break;
        case "not":
          out[k] = this.nested(v, kind);
          break;
        default:
          if (!ANNOTATION_KEYWORDS.has(k) && !NON_SCALAR_KEYWORDS.has(k) && !STRING_KEYWORDS.has(k) && !NUMBER_KEYWORDS.has(k) && !["type", "enum", "const"].includes(k)) {
            throw new Error(`template transform: unsupported keyword ${k}`);
          }
          out[k] = v;
      }
    }
    return out;
  }

  variant(name, kind) {
    const key = `${name}|${kind}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    if (this.inProgress.has(key)) throw new Error(`recursive $defs not supported (${name})`);
    const original = this.defs[name];
    if (original === undefined) throw new Error(`unknown $def ${name}`);
    this.inProgress.add(key);
    const transformed = this.nested(original, kind);
    this.inProgress.delete(key);
    let result = name;
    if (!deepEqual(transformed, original)) {
      const other = this.cache.get(`${name}|${kind === "value" ? "item" : "value"}`);
      if (other !== undefined && other !== name && deepEqual(this.defs[other], transformed)) {
        result = other;
      } else {
        result = `${name}Templated${kind === "item" ? "Item" : ""}`;
        if (this.defs[result] !== undefined) throw new Error(`$def name clash: ${result}`);
        this.defs[result] = transformed;
        this.variantOf.set(result, name);
      }
    }
    this.cache.set(key, result);
    return result;
  }
}

/** `n` accepts the number 1 but not (all) cast templates: also accept them. */
function withTemplateBranches(n, defs) {
  const { ann, rest } = splitAnnotations(n);
  // Upstream fields like `{$ref: Any, anyOf: [number, {string, pattern: ^float[ ]*{..}[ ]*$}], pattern: <same>,
  // minimum, maximum}`: our branches subsume upstream's template branch, so replace it rather than nest it.
  // Sound when the remaining branches accept no string (so dropping the sibling `pattern` loosens nothing)
  // and the remaining siblings accept every template string.
  if (Array.isArray(rest.anyOf)) {
    const isUpstreamTemplate = (b) => isObject(b) && b.type === "string" && UPSTREAM_TEMPLATE_PATTERNS.has(b.pattern) && Object.keys(b).length === 2;
    const kept = rest.anyOf.filter((b) => !isUpstreamTemplate(b));
    const siblings = Object.entries(rest).filter(([k]) => k !== "anyOf");
    const siblingsOk = siblings.every(
      ([k, v]) =>
        (k === "pattern" && UPSTREAM_TEMPLATE_PATTERNS.has(v)) || NUMBER_KEYWORDS.has(k) || NON_SCALAR_KEYWORDS.has(k) || (k === "$ref" && acceptsAllTemplates({ $ref: v }, defs)),
    );
    if (kept.length < rest.anyOf.length && siblingsOk && !kept.some((b) => mayAcceptString(b, defs))) {
      const out = { ...ann };
      for (const [k, v] of siblings) if (k !== "pattern") out[k] = v;
      out.anyOf = [...kept, FLOAT_REF, INT_REF];
      return out;
    }
  }
  return { ...ann, anyOf: [rest, FLOAT_REF, INT_REF] };
}

/** Over-approximation: may `s` accept some string at all? */
function mayAcceptString(s, defs) {
  if (s === true || s === false) return s;
  let ok = true;
  for (const [k, v] of Object.entries(s)) {
    if (k === "$ref") ok &&= mayAcceptString(defs[refName(v)], defs);
    else if (k === "type") ok &&= (Array.isArray(v) ? v : [v]).includes("string");
    else if (k === "enum") ok &&= v.some((e) => typeof e === "string");
    else if (k === "const") ok &&= typeof v === "string";
    else if (k === "anyOf" || k === "oneOf") ok &&= v.some((b) => mayAcceptString(b, defs));
    else if (k === "allOf") ok &&= v.every((b) => mayAcceptString(b, defs));
  }
  return ok;
}

function collectRefs(node, out = []) {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, out));
  else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(refName(v));
      else collectRefs(v, out);
    }
  }
  return out;
}

function renameRefs(node, from, to) {
  if (Array.isArray(node)) node.forEach((n) => renameRefs(n, from, to));
  else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && v === `#/$defs/${from}`) node[k] = `#/$defs/${to}`;
      else renameRefs(v, from, to);
    }
  }
}

function reachableDefs(root, defs) {
  const seen = new Set();
  const todo = collectRefs({ ...root, $defs: undefined });
  while (todo.length) {
    const name = todo.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    if (defs[name] === undefined) throw new Error(`dangling $ref ${name}`);
    todo.push(...collectRefs(defs[name]));
  }
  return seen;
}

function entityDefName(prop) {
  if (!isObject(prop.items) || typeof prop.items.$ref !== "string") throw new Error("entity list without $ref items");
  return refName(prop.items.$ref);
}

/** Exactly one finder (or annotation shape) key per source entry, with a non-null value. */
function requireExactlyOneFinder(def, name, what) {
  const finderKeys = Object.keys(def.properties)
    .filter((k) => !FILTER_KEYS.has(k))
    .sort();
  if (finderKeys.length === 0) throw new Error(`${name}: no finder keys`);
  for (const k of finderKeys) {
    const p = def.properties[k];
    const alts = p.anyOf;
    if (!Array.isArray(alts) || alts.length !== 2 || !deepEqual(alts[1], { type: "null" }) || !alts[0].$ref) {
      throw new Error(`${name}.${k}: unexpected finder schema`);
    }
    def.properties[k] = { $ref: alts[0].$ref, description: p.description };
  }
  def.oneOf = finderKeys.map((k) => ({ required: [k] }));
  def.description = `${def.description} Exactly one ${what} key per entry (${finderKeys.join(", ")}), optionally with parent_filters and exclude.`;
}

export function buildSchema(upstream, upstreamSha256) {
  const up = structuredClone(upstream);
  const defs = up.$defs;
  const rootProps = up.properties;

  const ENTITY_KEYS = Object.keys(rootProps).filter((k) => k !== "standardization_config" && k !== "version");
  if (ENTITY_KEYS.length !== 17) throw new Error(`expected 17 upstream entity keys, got ${ENTITY_KEYS.length}`);

  // --- exactly one finder / shape per source entry -------------------------------------------------
  for (const key of ENTITY_KEYS) {
    const entity = defs[entityDefName(rootProps[key])];
    const sourceName = refName(entity.properties.sources.items.$ref);
    requireExactlyOneFinder(defs[sourceName], sourceName, key === "annotations" ? "annotation shape" : "finder");
  }

  // --- legacy standardization_config.run_name_regex ---------------------------------------------------
  defs.StandardizationConfig.properties.run_name_regex = {
    description: "Legacy: regex applied to the basename of a run source to derive the run name when the run finder yields no name (still read by the RunImporter).",
    type: "string",
  };

  // --- viz_config / annotation_viz (accepted by the ingestion code, absent from upstream's schema) ----
  defs.DefaultFinderParent = {
    additionalProperties: { items: { type: "string" }, type: ["array", "null"] },
    description: "Include or exclude parents (by parent type, e.g. run, voxel_spacing, tomogram) of a source: lists of regexes.",
    title: "DefaultFinderParent",
    type: "object",
  };
  defs.DefaultFinderParentFilters = {
    additionalProperties: false,
    description: "Parent filters for a source that uses the default finders.",
    properties: {
      exclude: { anyOf: [{ $ref: "#/$defs/DefaultFinderParent" }, { type: "null" }] },
      include: { anyOf: [{ $ref: "#/$defs/DefaultFinderParent" }, { type: "null" }] },
    },
    title: "DefaultFinderParentFilters",
    type: "object",
  };
  defs.DefaultFinderSource = {
    additionalProperties: false,
    description: "A source using the default finders (DefaultImporterFactory).",
    properties: {
      destination_filter: { anyOf: [{ $ref: "#/$defs/DestinationMetadataFilter" }, { type: "null" }], description: defs.TomogramSource.properties.destination_filter.description },
      destination_glob: { anyOf: [{ $ref: "#/$defs/DestinationGlob" }, { type: "null" }], description: defs.TomogramSource.properties.destination_glob.description },
      exclude: structuredClone(defs.TomogramSource.properties.exclude),
      literal: { anyOf: [{ $ref: "#/$defs/StandardLiteral" }, { type: "null" }], description: defs.TomogramSource.properties.literal.description },
      parent_filters: { anyOf: [{ $ref: "#/$defs/DefaultFinderParentFilters" }, { type: "null" }], description: "Types of parent filters for the source." },
      source_glob: { anyOf: [{ $ref: "#/$defs/SourceGlob" }, { type: "null" }], description: defs.TomogramSource.properties.source_glob.description },
      source_multi_glob: { anyOf: [{ $ref: "#/$defs/SourceMultiGlob" }, { type: "null" }], description: defs.TomogramSource.properties.source_multi_glob.description },
    },
    title: "DefaultFinderSource",
    type: "object",
  };
  requireExactlyOneFinder(defs.DefaultFinderSource, "DefaultFinderSource", "finder");
  const vizEntity = (title, description) => ({
    additionalProperties: false,
    description,
    properties: {
      metadata: { description: "Free-form metadata (not validated).", type: ["object", "null"] },
      sources: { description: "Sources (default: a literal `neuroglancer`).", items: { $ref: "#/$defs/DefaultFinderSource" }, minItems: 1, type: "array" },
    },
    required: ["sources"],
    title,
    type: "object",
  });
  defs.VisualizationConfigEntity = vizEntity(
    "VisualizationConfigEntity",
    "A neuroglancer visualization config entity (one JSON per tomogram). Accepted by the ingestion code; not in the upstream schema.",
  );
  defs.AnnotationVisualizationEntity = vizEntity(
    "AnnotationVisualizationEntity",
    "A neuroglancer precomputed annotation entity. Accepted by the ingestion code; not in the upstream schema.",
  );
  rootProps.viz_config = { description: "A visualization config entity.", items: { $ref: "#/$defs/VisualizationConfigEntity" }, type: ["array", "null"] };
  rootProps.annotation_viz = { description: "An annotation visualization entity.", items: { $ref: "#/$defs/AnnotationVisualizationEntity" }, type: ["array", "null"] };

  // --- cast templates -------------------------------------------------------------------------------
  defs.FloatTemplateString = {
    description: "A `float {variable}` template: formatted with the run's variables, then cast to float.",
    pattern: FLOAT_TEMPLATE_PATTERN,
    title: "FloatTemplateString",
    type: "string",
  };
  defs.IntTemplateString = {
    description: "An `int {variable}` template: formatted with the run's variables, then cast to int.",
    pattern: INT_TEMPLATE_PATTERN,
    title: "IntTemplateString",
    type: "string",
  };
  defs.CastTemplateString = {
    anyOf: [FLOAT_REF, INT_REF],
    description:
      "A `float {…}` or `int {…}` template, which upstream's validator treats as the number 1 in the subtrees it pre-processes (a number, so not valid where a string is expected).",
    title: "CastTemplateString",
  };

  // --- the subtrees that replace_formatted_strings pre-processes ---------------------------------------
  const tt = new TemplateTransformer(defs);
  const allEntityKeys = [...ENTITY_KEYS, "viz_config", "annotation_viz"];
  for (const key of allEntityKeys) {
    if (key === "tiltseries" || key === "tomograms") {
      // Permitted at depth 0: the whole subtree.
      rootProps[key] = tt.position(rootProps[key], "value");
    } else {
      // `sources` of each depth-1 mapping (the list entries of the top-level key).
      const name = entityDefName(rootProps[key]);
      const entity = defs[name];
      entity.properties.sources = tt.position(entity.properties.sources, "value");
    }
  }
  if (defs.StandardizationConfig.properties.sources !== undefined) throw new Error("unexpected standardization_config.sources");

  // --- root -----------------------------------------------------------------------------------------
  const properties = sortKeys(rootProps);
  const root = {
    $schema: up.$schema,
    $id: SCHEMA_ID,
    title: "CryoET data portal ingestion config (ingestkit)",
    description:
      "An ingestion config for the CZI CryoET data portal: top-level entity sections, each a list of `{metadata, sources}` entries, plus `standardization_config` and `version`.",
    $comment:
      `Generated by scripts/generate-cryoet-schema.mjs from upstream ingestion_config_models.schema.json (upstream schema version ${up.version ?? "?"}, sha256 ${upstreamSha256}). ` +
      "Differences from upstream: unknown top-level keys are rejected; viz_config and annotation_viz are added; standardization_config.run_name_regex is allowed; " +
      "each sources entry needs exactly one non-null finder (annotations: shape) key; in the subtrees upstream's replace_formatted_strings pre-processes " +
      "(tiltseries, tomograms, and every <entity>[i].sources), `float {x}` / `int {x}` strings are accepted wherever upstream accepts the number 1 and rejected elsewhere; " +
      "unreferenced $defs are dropped.",
    type: "object",
    required: [...up.required].sort(),
    properties,
    additionalProperties: false,
    $defs: {},
  };

  // --- drop unreferenced defs, give variants their original names where possible -----------------------
  let reachable = reachableDefs(root, defs);
  for (const [variant, original] of tt.variantOf) {
    if (reachable.has(variant) && !reachable.has(original)) {
      renameRefs(root, variant, original);
      for (const d of Object.values(defs)) renameRefs(d, variant, original);
      defs[original] = defs[variant];
      delete defs[variant];
    } else if (reachable.has(variant)) {
      const d = defs[variant];
      d.title = variant;
      d.description = `${d.description ?? original} (Variant of ${original} used inside the subtrees where upstream replaces \`float {…}\` / \`int {…}\` templates.)`;
    }
  }
  reachable = reachableDefs(root, defs);
  for (const name of [...reachable].sort()) root.$defs[name] = sortKeys(defs[name]);
  return root;
}

function main() {
  const check = process.argv.includes("--check");
  const text = readFileSync(UPSTREAM_PATH, "utf8");
  const sha = createHash("sha256").update(text).digest("hex");
  const out = `${JSON.stringify(buildSchema(JSON.parse(text), sha), null, 2)}\n`;
  const rel = relative(ROOT, OUT_PATH);
  if (check) {
    let current = "";
    try {
      current = readFileSync(OUT_PATH, "utf8");
    } catch {
      // missing counts as out of date
    }
    if (current !== out) {
      console.error(`${rel} is out of date; run: node scripts/generate-cryoet-schema.mjs`);
      process.exit(1);
    }
    console.log(`${rel} is up to date`);
    return;
  }
  mkdirSync(dirname(OUT_PATH), { recursive: true });
  writeFileSync(OUT_PATH, out);
  console.log(`wrote ${rel} (${Object.keys(JSON.parse(out).$defs).length} $defs)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
