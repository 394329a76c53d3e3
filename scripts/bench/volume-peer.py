#!/usr/bin/env python3
"""Peer for `pnpm bench:volume`: standardize one tomogram the way the CryoET portal's reference
does it (make_pyramids): the whole volume in RAM as float32, numpy block means (zero-padded,
2x2x2) for each further level, zarr 2 with Blosc lz4 (clevel 5, shuffle) chunks 256^3 and the
OME-NGFF 0.4 multiscales attributes, and the level-0 MRC written with mrcfile.

argv: input.mrc output-dir levels
Prints one JSON line: seconds (inside the process), maxrss_kib (getrusage).
Needs python3-numpy, python3-mrcfile, python3-zarr, python3-numcodecs (scripts/system-deps.sh).
"""
import json
import os
import resource
import sys
import time

import mrcfile
import numcodecs
import numpy as np
import zarr

t0 = time.monotonic()
inp, out, levels = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)

with mrcfile.open(inp, permissive=True) as mrc:
    data = mrc.data.astype(np.float32)  # the reference: whole volume as float32
    voxel = round(float(mrc.voxel_size.x), 3)


def block_mean(a, f=(2, 2, 2)):
    pad = [(0, (-n) % k) for n, k in zip(a.shape, f)]
    if any(p[1] for p in pad):
        a = np.pad(a, pad, mode="constant", constant_values=0)
    s = a.shape
    return a.reshape(s[0] // f[0], f[0], s[1] // f[1], f[1], s[2] // f[2], f[2]).mean(axis=(1, 3, 5), dtype=np.float32)


pyramid = [data]
for _ in range(levels - 1):
    pyramid.append(block_mean(pyramid[-1]))

store = zarr.storage.DirectoryStore(os.path.join(out, "peer.zarr"), dimension_separator="/")
group = zarr.group(store, overwrite=True)
compressor = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
datasets = []
for i, level in enumerate(pyramid):
    group.create_dataset(str(i), data=level, chunks=(256, 256, 256), compressor=compressor, overwrite=True)
    s = voxel * 2**i
    datasets.append({"path": str(i), "coordinateTransformations": [{"scale": [s, s, s], "type": "scale"}]})
group.attrs["multiscales"] = [
    {"axes": [{"name": n, "type": "space", "unit": "angstrom"} for n in "zyx"], "datasets": datasets, "name": "/", "version": "0.4"}
]

with mrcfile.new(os.path.join(out, "peer.mrc"), overwrite=True) as mrc:
    mrc.set_data(data)
    mrc.voxel_size = voxel

print(json.dumps({"seconds": time.monotonic() - t0, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
