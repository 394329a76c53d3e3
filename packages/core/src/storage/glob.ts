/**
 * Glob over any Storage, one directory level at a time (cheap on S3 with a delimiter listing).
 * Semantics follow Python's glob/fnmatch as the reference tool uses them: `*`, `?`, `[seq]`,
 * `[!seq]` match within one path segment, `**` matches any number of segments, names starting
 * with a dot are only matched by patterns that start with a dot, and braces are literal.
 */
import { Minimatch } from "minimatch";
import { safeKey } from "./paths.js";
import type { Storage } from "./storage.js";

const MAGIC = /[*?[]/;

export function hasGlobMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

function segmentMatcher(seg: string): (name: string) => boolean {
  if (!hasGlobMagic(seg)) return (name) => name === seg;
  const mm = new Minimatch(seg, { dot: false, nobrace: true, noext: true, nocomment: true, nonegate: true });
  // Python hides dot names from any segment pattern not starting with '.'; minimatch would let
  // `[.]x` match `.x`.
  const hidden = seg.startsWith(".");
  return (name) => (hidden || !name.startsWith(".")) && mm.match(name);
}

/** Returns matching keys (files and directories), sorted. */
export async function globStorage(storage: Pick<Storage, "list" | "stat">, pattern: string): Promise<string[]> {
  const norm = safeKey(pattern, "glob");
  if (norm === "") return [];
  const segs = norm.split("/");
  const out = new Set<string>();
  await walk(storage, "", segs, 0, out);
  return [...out].sort();
}

async function walk(storage: Pick<Storage, "list" | "stat">, base: string, segs: string[], i: number, out: Set<string>): Promise<void> {
  const seg = segs[i];
  if (seg === undefined) return;
  const last = i === segs.length - 1;
  const join = (name: string) => (base ? `${base}/${name}` : name);

  if (seg === "**") {
    // zero segments
    if (last) {
      // "a/**" matches everything below a (Python recursive glob also yields "a/" itself; we skip it)
    } else {
      await walk(storage, base, segs, i + 1, out);
    }
    const { files, dirs } = await storage.list(base);
    if (last) for (const f of files) if (!f.startsWith(".")) out.add(join(f));
    for (const d of dirs) {
      if (d.startsWith(".")) continue;
      if (last) out.add(join(d));
      await walk(storage, join(d), segs, i, out);
    }
    return;
  }

  if (!hasGlobMagic(seg)) {
    const key = join(seg);
    if (last) {
      if (await storage.stat(key)) out.add(key);
    } else {
      await walk(storage, key, segs, i + 1, out);
    }
    return;
  }

  const match = segmentMatcher(seg);
  const { files, dirs } = await storage.list(base);
  if (last) {
    for (const name of [...files, ...dirs]) if (match(name)) out.add(join(name));
  } else {
    for (const d of dirs) if (match(d)) await walk(storage, join(d), segs, i + 1, out);
  }
}
