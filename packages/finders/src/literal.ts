/**
 * `literal`: names given in the config. A list yields names with no path; a mapping yields
 * name -> value (a path or URL, e.g. key photos).
 */
import { IngestError, type Diagnostic, type FinderDefinition, type FoundItem } from "@ingestkit/core";
import { asObject, isObject } from "./options.js";

/** A name that would take an output directory outside the output root (absolute, or a `..` segment), as ItemContext.outputDir refuses at run time. */
function escapes(name: unknown): name is string {
  return typeof name === "string" && (/^([\\/]|[A-Za-z]:[\\/])/.test(name) || name.split(/[\\/]/).includes(".."));
}

function escapeDiagnostic(name: string, path: string): Diagnostic {
  return {
    severity: "error",
    code: "PATH_ESCAPE",
    message: `literal name ${JSON.stringify(name)} would put outputs outside the output root (a name may not be absolute or contain a '..' segment)`,
    path,
  };
}

export const literal: FinderDefinition<{ value: unknown }> = {
  key: "literal",
  async find(options, ctx): Promise<FoundItem[]> {
    const o = asObject(options, "literal");
    const v = o.value;
    if (Array.isArray(v)) return v.map((name) => ({ name, path: null }));
    if (v && typeof v === "object") return Object.entries(v).map(([name, value]) => ({ name, path: null, value }));
    throw new IngestError("CONFIG_FINDER", `literal: 'value' must be a list or a mapping, got ${JSON.stringify(v)}`, ctx.origin("value"));
  },
  // names that can only fail at run time (once per entity below them) are reported by validate, once each
  check(options) {
    if (!isObject(options)) return [];
    const v = options.value;
    if (Array.isArray(v)) return v.flatMap((name, i) => (escapes(name) ? [escapeDiagnostic(name, `value.${i}`)] : []));
    if (isObject(v)) return Object.keys(v).flatMap((name) => (escapes(name) ? [escapeDiagnostic(name, "value")] : []));
    return [];
  },
};
