/**
 * Config templates: Python `str.format(**vars)` semantics (see python/format.ts), with errors that
 * name the variable and the YAML position of the template.
 */
import { IngestError } from "./errors.js";
import { FormatStringError, MissingFormatVariableError, parseFormatString, pyFormat } from "./python/index.js";

import type { TemplateOrigin, TemplateVars } from "./contracts.js";

export type { TemplateOrigin, TemplateVars } from "./contracts.js";

export function expandTemplate(template: string, vars: TemplateVars, origin: TemplateOrigin = {}): string {
  try {
    return pyFormat(template, vars as Record<string, unknown>);
  } catch (err) {
    const where = { file: origin.file, line: origin.line, col: origin.col, entityPath: origin.entityPath };
    const clean = Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined));
    const field = origin.field ? ` in ${origin.field}` : "";
    if (err instanceof MissingFormatVariableError) {
      // A name bound to undefined counts as undefined (pyFormat treats it so): never suggest it.
      const known = Object.keys(vars)
        .filter((k) => vars[k] !== undefined)
        .sort();
      const close = closest(err.name, known);
      throw new IngestError("TEMPLATE_UNDEFINED", `undefined template variable {${err.name}}${field} (template "${template}")`, {
        ...clean,
        hint: close ? `did you mean {${close}}?` : `defined here: ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", ..." : ""}`,
        cause: err,
      });
    }
    if (err instanceof FormatStringError) {
      throw new IngestError("CONFIG_TEMPLATE", `bad template${field}: ${err.message} at character ${err.index + 1} of "${template}"`, {
        ...clean,
        cause: err,
      });
    }
    throw new IngestError("CONFIG_TEMPLATE", `cannot expand template${field} "${template}": ${(err as Error).message}`, { ...clean, cause: err });
  }
}

/** Names of the `{fields}` a template uses (throws FormatStringError when malformed). */
export function templateFields(template: string): string[] {
  const names: string[] = [];
  for (const part of parseFormatString(template)) if (part.kind === "field") names.push(rootName(part.name));
  return names;
}

function rootName(name: string): string {
  const i = name.search(/[.[]/);
  return i < 0 ? name : name.slice(0, i);
}

/** Closest candidate by edit distance, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // short names need a closer match: "id" is not a typo of "ts"
  const allowed = word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestD <= allowed ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n]!;
}
