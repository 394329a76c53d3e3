/**
 * `literal`: names given in the config. A list yields names with no path; a mapping yields
 * name -> value (a path or URL, e.g. key photos).
 */
import { IngestError, type FinderDefinition, type FoundItem } from "@ingestkit/core";
import { asObject } from "./options.js";

export const literal: FinderDefinition<{ value: unknown }> = {
  key: "literal",
  async find(options, ctx): Promise<FoundItem[]> {
    const o = asObject(options, "literal");
    const v = o.value;
    if (Array.isArray(v)) return v.map((name) => ({ name, path: null }));
    if (v && typeof v === "object") return Object.entries(v).map(([name, value]) => ({ name, path: null, value }));
    throw new IngestError("CONFIG_FINDER", `literal: 'value' must be a list or a mapping, got ${JSON.stringify(v)}`, ctx.origin("value"));
  },
};
