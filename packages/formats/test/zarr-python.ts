/**
 * Helper for the OME-Zarr conformance tests: runs Debian's python3-zarr 2.13 / numcodecs 0.11 /
 * numpy (/usr/bin/python3) on our output, as an independent reader.
 */
import { spawnSync } from "node:child_process";

export const PYTHON = "/usr/bin/python3";

/** Run `script` with /usr/bin/python3; fails (never skips) when zarr is missing. */
export function runPython(script: string, args: string[] = []): { stdout: string; stderr: string; status: number | null } {
  const probe = spawnSync(PYTHON, ["-c", "import zarr, numcodecs, numpy"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import zarr/numcodecs/numpy (${probe.stderr || probe.error}); run scripts/system-deps.sh to install python3-zarr`);
  }
  const result = spawnSync(PYTHON, ["-c", script, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/**
 * Opens `<root>` with zarr.open_group and checks it against the reference's make_pyramid
 * reimplemented in numpy (zero-padded block mean / mean>0 / stride), then prints a JSON summary.
 * argv: root, raw source file, source dtype, z, y, x, voxel spacing, fz, fy, fx, method, out dtype, levels
 */
export const CONFORMANCE_PY = String.raw`
import json, os, sys, tempfile
import numpy as np, zarr, numcodecs

root, raw, src_dtype = sys.argv[1], sys.argv[2], sys.argv[3]
shape = tuple(int(v) for v in sys.argv[4:7])
vs = float(sys.argv[7])
f = tuple(int(v) for v in sys.argv[8:11])
method, out_dtype, levels = sys.argv[11], sys.argv[12], int(sys.argv[13])

src = np.fromfile(raw, dtype=np.dtype(src_dtype).newbyteorder("<")).reshape(shape)

def blocks(a):
    pad = [(0, (-n) % k) for n, k in zip(a.shape, f)]
    p = np.pad(a, pad, mode="constant", constant_values=0)
    s = p.shape
    return p.reshape(s[0] // f[0], f[0], s[1] // f[1], f[1], s[2] // f[2], f[2])

def down(a):
    if method == "nearest":
        return a[::f[0], ::f[1], ::f[2]], None
    b = blocks(a)
    if method == "mean":
        # exact mean rounded once (what we promise) and skimage's float32 np.mean (the reference)
        return b.astype(np.float64).mean(axis=(1, 3, 5)).astype(a.dtype), b.mean(axis=(1, 3, 5))
    if method == "any":
        return (b.astype(np.float64).mean(axis=(1, 3, 5)) > 0).astype(a.dtype), None
    raise SystemExit("bad method " + method)

expected = [src.astype(out_dtype)]
reference32 = [None]
spacing = [(round(vs, 3),) * 3]
for i in range(levels - 1):
    d, r = down(expected[i])
    expected.append(d)
    reference32.append(r)
    p = spacing[i]
    spacing.append((p[0] * f[0], p[1] * f[1], p[2] * f[2]))

g = zarr.open_group(root, mode="r")
summary = {"levels": [], "attrs": g.attrs.asdict(), "children": sorted(os.listdir(root))}
for i in range(levels):
    a = g[str(i)]
    got = a[...]
    assert a.dtype == np.dtype(out_dtype), (i, a.dtype)
    assert got.shape == expected[i].shape, (i, got.shape, expected[i].shape)
    assert np.array_equal(got, expected[i]), "level %d differs from numpy reference in %d voxels" % (i, int((got != expected[i]).sum()))
    if reference32[i] is not None:
        assert np.allclose(got, reference32[i], rtol=1e-6, atol=1e-6), "level %d not close to float32 np.mean" % i
    # chunk files present: every chunk of the grid, nested with "/"
    grid = [-(-n // c) for n, c in zip(a.shape, a.chunks)]
    for iz in range(grid[0]):
        for iy in range(grid[1]):
            for ix in range(grid[2]):
                assert os.path.isfile(os.path.join(root, str(i), str(iz), str(iy), str(ix))), ("missing chunk", i, iz, iy, ix)
    summary["levels"].append({"shape": list(a.shape), "chunks": list(a.chunks), "dtype": str(a.dtype),
                              "compressor": a.compressor.get_config() if a.compressor else None,
                              "filters": a.filters, "order": a.order, "fill_value": a.fill_value.item() if hasattr(a.fill_value, "item") else a.fill_value})

# Byte-level comparison with what zarr-python itself writes for the same group (ome-zarr's path):
ref = tempfile.mkdtemp()
rg = zarr.group(zarr.storage.DirectoryStore(ref, dimension_separator="/"), overwrite=True)
datasets = []
for i in range(levels):
    a = g[str(i)]
    rg.create_dataset(str(i), shape=a.shape, dtype=out_dtype, chunks=a.chunks, compressor=a.compressor, overwrite=True)
    datasets.append({"path": str(i), "coordinateTransformations": [{"scale": list(spacing[i]), "type": "scale"}]})
axes = [{"name": n, "type": "space", "unit": "angstrom"} for n in "zyx"]
ms = dict(version="0.4", datasets=datasets, name="/")
if "metadata" in g.attrs["multiscales"][0]:
    ms["metadata"] = g.attrs["multiscales"][0]["metadata"]
ms["axes"] = axes
rg.attrs["multiscales"] = [ms]
def same(rel):
    with open(os.path.join(root, rel), "rb") as x, open(os.path.join(ref, rel), "rb") as y:
        a, b = x.read(), y.read()
    assert a == b, "%s differs from zarr-python's:\n%s\n---\n%s" % (rel, a.decode(), b.decode())
same(".zgroup"); same(".zattrs")
for i in range(levels):
    same(os.path.join(str(i), ".zarray"))
print(json.dumps(summary))
`;
