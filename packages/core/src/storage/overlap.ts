/**
 * Whether two storage locations overlap: the same root, or one inside the other. An OUTPUT inside
 * INPUT would be read back as input by the next run (and INPUT inside OUTPUT could be overwritten
 * or deleted), so `convert` refuses both before anything is written. Local paths are compared after
 * resolving symbolic links of the part that exists; S3 locations by bucket and whole key segments.
 */
import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, resolve, sep } from "node:path";
import { isS3Url, parseS3Url } from "./s3-url.js";

export type Overlap = "same" | "first-inside-second" | "second-inside-first";

/** The overlap of two locations (local paths or `s3://bucket/prefix`), or undefined when they are apart. */
export function locationsOverlap(first: string, second: string): Overlap | undefined {
  const a = segments(first);
  const b = segments(second);
  if (a === undefined || b === undefined || a.root !== b.root) return undefined;
  const n = Math.min(a.parts.length, b.parts.length);
  for (let i = 0; i < n; i++) if (a.parts[i] !== b.parts[i]) return undefined;
  if (a.parts.length === b.parts.length) return "same";
  return a.parts.length > b.parts.length ? "first-inside-second" : "second-inside-first";
}

/** A location as a root (`s3://bucket` or `/`) and its path segments. */
function segments(location: string): { root: string; parts: string[] } | undefined {
  // a storage of one's own may have no location (OutputStore.view): nothing to compare, not the working folder
  if (location === "") return undefined;
  if (isS3Url(location)) {
    const { bucket, prefix } = parseS3Url(location);
    return { root: `s3://${bucket}`, parts: prefix.split("/").filter((p) => p !== "") };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return undefined; // another scheme: not comparable here
  const real = realPath(resolve(location));
  return { root: sep, parts: real.split(sep).filter((p) => p !== "") };
}

/** `path` with symbolic links resolved in the longest part of it that exists. */
function realPath(path: string): string {
  const rest: string[] = [];
  let p = path;
  while (!existsSync(p)) {
    const parent = dirname(p);
    if (parent === p) return path;
    rest.unshift(basename(p));
    p = parent;
  }
  try {
    return resolve(realpathSync(p), ...rest);
  } catch {
    return path;
  }
}
