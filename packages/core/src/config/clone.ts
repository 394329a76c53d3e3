/** Copies of config values (metadata mappings) that importers may change without touching the config. */

/** `{...}` literals: the mappings a YAML config is made of. */
export function isPlainMapping(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Deep copy of lists and mappings; every other value (numbers, PyFloat, strings) is shared. */
export function cloneConfigValue<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneConfigValue) as T;
  if (isPlainMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneConfigValue(x)])) as T;
  return v;
}
