// Test helpers shared by the importers' tests: Debian's python3 (mrcfile, zarr, numpy; scripts/system-deps.sh) as
// an independent reader and as the writer of input fixtures the way the portal's own fixtures are made.
import { spawnSync } from "node:child_process";

export const PY = "/usr/bin/python3";

/** Runs a Python script and parses the JSON it prints. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function python(code: string): any {
  const r = spawnSync(PY, ["-c", code], { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`python failed (run scripts/system-deps.sh for mrcfile/zarr): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

/**
 * Writes an OME-NGFF 0.4 group with one level "0" (Zarr v2, 2×2×2 chunks) with python zarr: `array` is a numpy
 * expression of a z, y, x array, `scale` the voxel size in Å.
 */
export function writePythonOmeZarr(dir: string, array: string, scale: number): void {
  python(`
import json, numpy as np, zarr
g = zarr.open_group(${JSON.stringify(dir)}, mode="w")
g.create_dataset("0", data=${array}, chunks=(2, 2, 2))
g.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": n, "type": "space", "unit": "angstrom"} for n in "zyx"],
  "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [${scale}, ${scale}, ${scale}]}]}]}]
print(json.dumps(True))`);
}
