/** Small helpers shared by the finder modules to read YAML options with clear errors. */
import { IngestError } from "@ingestkit/core";

export function asObject(options: unknown, finder: string): Record<string, unknown> {
  if (!options || typeof options !== "object" || Array.isArray(options)) {
    throw new IngestError("CONFIG_FINDER", `${finder}: options must be a mapping, got ${JSON.stringify(options)}`);
  }
  return options as Record<string, unknown>;
}

export function requireString(o: Record<string, unknown>, key: string, finder: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") throw new IngestError("CONFIG_FINDER", `${finder}: '${key}' must be a non-empty string`);
  return v;
}

export function optionalString(o: Record<string, unknown>, key: string, finder: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new IngestError("CONFIG_FINDER", `${finder}: '${key}' must be a string`);
  return v;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}
