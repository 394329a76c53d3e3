/**
 * YAML loading with positions. Configs are read the way PyYAML's safe_load reads them (YAML 1.1
 * scalars, anchors/aliases and merge keys resolved, last duplicate key wins) but every node keeps
 * its line/column, so later errors can name `file:line:col`.
 */
import { type Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node, type ScalarTag, type Tags } from "yaml";
import { PyFloat } from "../python/index.js";
import type { Diagnostic, LoadedYaml, Position } from "../contracts.js";

/** PyYAML's booleans: YAML 1.1 without `y`/`n` (PyYAML reads those as strings). */
const pyBool = (value: boolean, test: RegExp): ScalarTag => ({
  tag: "tag:yaml.org,2002:bool",
  default: true,
  test,
  resolve: () => new Scalar(value),
});
const PY_TRUE = pyBool(true, /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/);
const PY_FALSE = pyBool(false, /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/);
const pyTags = (tags: Tags): Tags => [PY_TRUE, PY_FALSE, ...tags.filter((t) => (t as ScalarTag).tag !== "tag:yaml.org,2002:bool")];

export type { YamlPath } from "../contracts.js";

export type { LoadedYaml, Position } from "../contracts.js";

export class YamlSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses YAML text; throws YamlSyntaxError (with line and column) on malformed input. */
export function loadYaml(text: string, file: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, version: "1.1", customTags: pyTags, uniqueKeys: false, prettyErrors: false, merge: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
    throw new YamlSyntaxError(file, pos.line, pos.col, firstLine(err.message));
  }
  const diagnostics: Diagnostic[] = [];
  const posOf = (node: Node | null | undefined): Position | undefined => {
    const start = node?.range?.[0];
    return start === undefined ? undefined : lineCounter.linePos(start);
  };
  // Duplicate keys: PyYAML silently keeps the last one; we do too, but say so.
  visitMaps(doc, (map) => {
    const seen = new Set<string>();
    for (const pair of map.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (k === undefined) continue;
      if (seen.has(k)) {
        const p = posOf(pair.key as Node);
        diagnostics.push({
          severity: "warning",
          code: "YAML_DUPLICATE_KEY",
          message: `duplicate key '${k}': the last value wins`,
          file,
          ...(p ? { line: p.line, col: p.col } : {}),
        });
      }
      seen.add(k);
    }
  });

  const value = toValue(doc, doc.contents, false);
  let pyValue: unknown;
  let pyDone = false;

  return {
    file,
    text,
    value,
    get pyValue() {
      if (!pyDone) {
        pyValue = toValue(doc, doc.contents, true);
        pyDone = true;
      }
      return pyValue;
    },
    diagnostics,
    positionOf(path, which = "value") {
      let node: Node | null | undefined = doc.contents as Node | null;
      let best = posOf(node);
      for (let i = 0; i < path.length; i++) {
        const seg = path[i]!;
        node = deref(doc, node);
        if (isMap(node)) {
          const pair = node.items.findLast((p) => isScalar(p.key) && String(p.key.value) === String(seg));
          if (!pair) return best;
          const isLast = i === path.length - 1;
          if (isLast && which === "key") return posOf(pair.key as Node) ?? best;
          node = pair.value as Node | null;
          best = posOf(node) ?? posOf(pair.key as Node) ?? best;
        } else if (isSeq(node) && typeof seg === "number") {
          node = node.items[seg] as Node | undefined;
          best = posOf(node) ?? best;
        } else {
          return best;
        }
      }
      return best;
    },
  };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Alias -> anchored node, found in one pass in document order (an alias refers to the latest
 * anchor of its name before it). yaml's `Alias.resolve` re-walks the whole document per alias,
 * which cost ~40% of validating the corpus (4,784 aliases).
 */
const aliasTargets = new WeakMap<Document, Map<Alias, Node>>();
function resolveAlias(doc: Document, alias: Alias): Node | undefined {
  let targets = aliasTargets.get(doc);
  if (!targets) {
    targets = new Map();
    const anchors = new Map<string, Node>();
    const walk = (n: unknown): void => {
      if (!n || typeof n !== "object") return;
      if (isAlias(n)) {
        const t = anchors.get(n.source);
        if (t) targets!.set(n, t);
        return;
      }
      const node = n as Node;
      if (isMap(node) || isSeq(node)) {
        for (const it of node.items as unknown[]) {
          if (isPair(it)) {
            walk(it.key);
            walk(it.value);
          } else walk(it);
        }
      }
      // anchored after its content: an alias inside its own anchor is a cycle, not a reference
      if (node.anchor) anchors.set(node.anchor, node);
    };
    walk(doc.contents);
    aliasTargets.set(doc, targets);
  }
  return targets.get(alias) ?? (alias.resolve(doc) as Node | undefined);
}

function deref(doc: Document, node: Node | null | undefined): Node | null | undefined {
  let n = node;
  for (let i = 0; i < 100 && n && isAlias(n); i++) n = resolveAlias(doc, n as Alias);
  return n;
}

function visitMaps(doc: Document, fn: (map: import("yaml").YAMLMap) => void): void {
  const walk = (n: unknown) => {
    if (isMap(n)) {
      fn(n);
      for (const p of n.items) if (isPair(p)) walk(p.value);
    } else if (isSeq(n)) for (const it of n.items) walk(it);
  };
  walk(doc.contents);
}

function toValue(doc: Document, node: unknown, py: boolean, depth = 0): unknown {
  if (depth > 200) throw new Error("YAML nesting too deep (alias cycle?)");
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toValue(doc, resolveAlias(doc, node as Alias), py, depth + 1);
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "number") {
      if (py && Number.isInteger(v) && isFloatText(node.source)) return new PyFloat(v);
      return v;
    }
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    if (typeof v === "bigint") return Number(v);
    return v ?? null;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const explicit: Array<[string, unknown]> = [];
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? scalarKey(pair.key.value) : String(toValue(doc, pair.key, false, depth + 1));
      if (k === "<<" && isScalar(pair.key) && !pair.key.type?.startsWith("QUOTE")) {
        // YAML 1.1 merge key: merged maps first, explicit keys override them.
        const merged = toValue(doc, pair.value, py, depth + 1);
        for (const m of Array.isArray(merged) ? merged : [merged]) {
          if (m && typeof m === "object" && !Array.isArray(m)) {
            for (const [mk, mv] of Object.entries(m)) if (!(mk in out)) out[mk] = mv;
          }
        }
        continue;
      }
      explicit.push([k, pair.value]);
    }
    for (const [k, v] of explicit) out[k] = toValue(doc, v, py, depth + 1);
    return out;
  }
  if (isSeq(node)) return node.items.map((it) => toValue(doc, it, py, depth + 1));
  return null;
}

function scalarKey(v: unknown): string {
  if (v === null || v === undefined) return "null";
  return String(v);
}

function isFloatText(source: unknown): boolean {
  return typeof source === "string" && /[.eE]|inf|nan/i.test(source) && !/^0x/i.test(source);
}
