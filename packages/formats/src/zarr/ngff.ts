/**
 * OME-NGFF multiscales metadata for the pyramid's root group.
 *
 * We write NGFF v0.4 metadata ourselves (as `.zattrs` JSON) because zarrita writes only Zarr v3
 * and NGFF 0.4 lives on Zarr v2. The document equals what the CryoET portal's ome-zarr 0.9
 * `write_multiscales_metadata` puts in `.zattrs` through zarr-python 2: `{"multiscales": [{"axes",
 * "datasets", "name": "/", "version": "0.4"}]}` serialised with sorted keys and 4-space indent,
 * axes z/y/x `{"name", "type": "space", "unit": "angstrom"}`, one `scale` transform per dataset.
 * Scales follow the reference: `round(voxel, 3)` at level 0, then ×2 per level on downsampled axes
 * (z stays for tilt series).
 *
 * NGFF 0.5 on Zarr v3 (the `ngffVersion: "0.5"` option) is written by v3-metadata.ts: the same
 * multiscale object, without `version`, under `attributes.ome` of the group's `zarr.json`.
 */
import type { VolumeShape, VoxelSize } from "../volume.js";
import { PyFloat, pythonJson, pythonRound, type PyJson } from "../python/index.js";

export const NGFF_AXES = [
  { name: "z", type: "space", unit: "angstrom" },
  { name: "y", type: "space", unit: "angstrom" },
  { name: "x", type: "space", unit: "angstrom" },
] as const;

/** Per-axis integer downsampling factor between consecutive levels (1 = axis not scaled). */
export interface BlockFactors {
  z: number;
  y: number;
  x: number;
}

export interface NgffDataset {
  path: string;
  /** Voxel size of this level in ångström. */
  scale: VoxelSize;
}

/** `ceil(n / f)` per axis: the reference's block_reduce shape (partial edge blocks are kept). */
export function downsampledShape(shape: VolumeShape, factors: BlockFactors): VolumeShape {
  return { z: Math.ceil(shape.z / factors.z), y: Math.ceil(shape.y / factors.y), x: Math.ceil(shape.x / factors.x) };
}

/** Shapes of all `levels` levels, level 0 first. */
export function levelShapes(shape: VolumeShape, factors: BlockFactors, levels: number): VolumeShape[] {
  const shapes = [shape];
  for (let i = 1; i < levels; i++) shapes.push(downsampledShape(shapes[i - 1] as VolumeShape, factors));
  return shapes;
}

/** Voxel sizes per level: level 0 rounded to 3 decimals like Python's `round(vs, 3)`, then ×factor. */
export function levelScales(voxel: VoxelSize, factors: BlockFactors, levels: number): VoxelSize[] {
  const scales: VoxelSize[] = [{ x: pythonRound(voxel.x, 3), y: pythonRound(voxel.y, 3), z: pythonRound(voxel.z, 3) }];
  for (let i = 1; i < levels; i++) {
    const prev = scales[i - 1] as VoxelSize;
    scales.push({ x: prev.x * factors.x, y: prev.y * factors.y, z: prev.z * factors.z });
  }
  return scales;
}

function multiscaleBody(datasets: readonly NgffDataset[], metadata?: { readonly [key: string]: PyJson }): Record<string, PyJson> {
  const body: Record<string, PyJson> = {
    axes: NGFF_AXES.map((a) => ({ ...a })),
    datasets: datasets.map((d) => ({
      coordinateTransformations: [{ scale: [new PyFloat(d.scale.z), new PyFloat(d.scale.y), new PyFloat(d.scale.x)], type: "scale" }],
      path: d.path,
    })),
    name: "/",
  };
  if (metadata !== undefined) body.metadata = metadata;
  return body;
}

/** The `.zattrs` object (NGFF 0.4). `metadata` is the optional multiscale `metadata` entry (e.g. image-label). */
export function ngffV04Attributes(datasets: readonly NgffDataset[], metadata?: { readonly [key: string]: PyJson }): PyJson {
  return { multiscales: [{ ...multiscaleBody(datasets, metadata), version: "0.4" }] };
}

/** `.zattrs` text exactly as zarr-python 2 writes it. */
export function ngffV04Zattrs(datasets: readonly NgffDataset[], metadata?: { readonly [key: string]: PyJson }): string {
  return pythonJson(ngffV04Attributes(datasets, metadata));
}
