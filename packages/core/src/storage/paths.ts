/**
 * Relative storage keys ("10001/TS_01/run_metadata.json"). Every key is checked here so that no
 * name or template value can reach outside its storage root.
 */
import { IngestError } from "../errors.js";

/** Normalises a relative key; throws PATH_ESCAPE for absolute paths and `..` segments. */
export function safeKey(key: string, what = "path"): string {
  if (key.includes("\0")) throw new IngestError("PATH_ESCAPE", `${what} contains a NUL byte: ${JSON.stringify(key)}`);
  if (key.startsWith("/") || /^[A-Za-z]:[\\/]/.test(key) || key.startsWith("\\")) {
    throw new IngestError("PATH_ESCAPE", `${what} is absolute and would escape the root: ${key}`);
  }
  const parts: string[] = [];
  for (const seg of key.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") throw new IngestError("PATH_ESCAPE", `${what} contains '..' and would escape the root: ${key}`);
    parts.push(seg);
  }
  return parts.join("/");
}

export function joinKey(...parts: string[]): string {
  return safeKey(parts.filter((p) => p !== "").join("/"));
}

export function dirnameKey(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? "" : key.slice(0, i);
}

export function basenameKey(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? key : key.slice(i + 1);
}

/** Extension including the dot, like Python's os.path.splitext. */
export function extnameKey(key: string): string {
  const base = basenameKey(key);
  const stripped = base.replace(/^\.+/, "");
  const i = stripped.lastIndexOf(".");
  return i <= 0 ? "" : stripped.slice(i);
}
