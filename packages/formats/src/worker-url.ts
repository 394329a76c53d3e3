/**
 * Where a worker module is: the compiled `.js` file next to the module that starts it. Used by the zarr chunk pool
 * here and by the DICOM de-identification pool in @ingestkit/importers (the same rule for any package).
 *
 * - Built package (dist/, what the CLI runs) and packed install (package.json's "files" ships dist/): the starting
 *   module is dist/…/x.js and the worker file is its sibling, `new URL(name, import.meta.url)`.
 * - Under vitest the starting module is the TypeScript source (src/…/x.ts, vitest.config.ts aliases @ingestkit/* to
 *   src/index.ts) and no `.js` sits next to it; Node 20 cannot run a `.ts` worker. The same path under the package's
 *   dist/ is used instead (the last `/src/` of the path becomes `/dist/`), so tests run the workers as built:
 *   `npm test` builds first (scripts/setup.mjs runs `tsc -b`); after editing a worker or what it imports, rebuild
 *   before running vitest alone.
 *
 * When neither file exists the dist/ path is returned, so the worker fails to start with a "Cannot find module
 * …/dist/…" error that the pool reports its usual way.
 *
 * A worker inherits its parent's Node options, and Node refuses `--input-type` for a file entry point
 * (ERR_INPUT_TYPE_NOT_ALLOWED: a parent run as `node --input-type=module -e …` could start no worker): pass
 * {@link workerExecArgv} as the Worker's `execArgv`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The URL of worker module `name` (e.g. "./chunk-worker.js", "./deid-worker.js") for the module at `base` (its `import.meta.url`). */
export function workerUrl(name: string, base: string): URL {
  const sibling = new URL(name, base);
  if (sibling.protocol !== "file:" || existsSync(fileURLToPath(sibling))) return sibling;
  const at = sibling.pathname.lastIndexOf("/src/");
  if (at < 0) return sibling;
  const built = new URL(sibling.href);
  built.pathname = `${sibling.pathname.slice(0, at)}/dist/${sibling.pathname.slice(at + "/src/".length)}`;
  return built;
}

/** The parent's execArgv without `--input-type`, or undefined (inherit them as they are) when it has none. */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
  const i = execArgv.findIndex((a) => a === "--input-type" || a.startsWith("--input-type="));
  if (i < 0) return undefined;
  const rest = [...execArgv.slice(0, i), ...execArgv.slice(execArgv[i] === "--input-type" ? i + 2 : i + 1)];
  return workerExecArgv(rest) ?? rest;
}
