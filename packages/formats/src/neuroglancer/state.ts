/**
 * The per-tomogram Neuroglancer state (`{tomo_id}-neuroglancer_config.json`) as the portal's
 * VisualizationConfig importer builds it with `cryoet_data_portal_neuroglancer.state_generator`:
 * an image layer for the tomogram's OME-Zarr, then one layer per annotation file in metadata
 * order (SegmentationMask -> segmentation layer `"<id> <object> segmentation"`; Point and
 * InstanceSegmentation -> annotation layer `"... point"`; OrientedPoint -> `"... orientedpoint"`,
 * preceded by a `"... orientedmesh"` layer and hidden when an oriented mesh exists;
 * TriangularMesh(Group) -> `"... mesh"`), combined with global dimensions in metres, the
 * 4panel layout and the position at the volume centre. Pure: the caller reads metadata and
 * volume statistics.
 *
 * Left out / different (by design or for lack of an upstream reference we could read):
 * - Contrast limits: upstream fits a GMM on the lowest pyramid level; we take the caller's
 *   `contrastLimits`, else the generator's own fallback `mean ± 3·rms`, else (-64, 64).
 * - The GLSL shader texts are ours (same controls: an invlerp over the contrast limits, a colour
 *   for annotations); upstream's shader builders emit longer programs.
 * - Colours: seeds are exact (see colors.ts); the seed -> colour step is not distinctipy's.
 * - The newest upstream also adds `output_scale` per layer and `voxel_size_scale` for
 *   annotations from other voxel spacings, and instance segmentation mask layers: not done.
 */
import { roundHalfEven } from "../python/index.js";
import { colorFromSeed, colorSeed, toHex, type FloatColor } from "./colors.js";

export interface TomogramInput {
  /** Zarr path relative to the bucket root, e.g. `10000/TS_01/Reconstructions/VoxelSpacing12.300/Tomograms/100/TS_01.zarr`. */
  zarrPath: string;
  /** Layer name (upstream: the run name). */
  name: string;
  /** Voxel spacing in ångström (rounded to 3 decimals as upstream). */
  voxelSpacing: number;
  size: { x: number; y: number; z: number };
  start?: { x: number; y: number; z: number };
  mean?: number;
  rms?: number;
  contrastLimits?: [number, number];
}

export interface AnnotationFileMeta {
  shape: string;
  format: string;
  path?: string;
  is_visualization_default?: boolean;
}

export interface AnnotationInput {
  /** The annotation metadata JSON as written to the output bucket. */
  metadata: Record<string, unknown> & { files?: AnnotationFileMeta[] };
  /**
   * Stem of the metadata file, prefixed with the annotation id when it does not start with a
   * number, e.g. `100-fatty_acid_synthase_complex-1.0`.
   */
  stem: string;
  /** Bucket-relative NeuroglancerPrecompute directory of this voxel spacing. */
  precomputeDir: string;
  /** Whether `<stem>_orientedmesh` exists (OrientedPoint files only). */
  hasOrientedMesh?: boolean;
}

export interface NeuroglancerStateInput {
  httpsPrefix: string;
  tomogram: TomogramInput;
  annotations: AnnotationInput[];
}

export type Json = Record<string, unknown>;

const VISUALIZED_SHAPES = new Set(["SegmentationMask", "Point", "OrientedPoint", "InstanceSegmentation", "TriangularMesh", "TriangularMeshGroup"]);
const VISUALIZED_FORMATS = new Set(["zarr", "ndjson", "glb"]);

/**
 * The colour of every visualized annotation file, keyed `{stem}_{shape lower-case}`, in the order
 * the state assigns them (key images draw annotations in the same colours).
 */
export function annotationLayerColors(annotations: readonly AnnotationInput[]): Map<string, string> {
  const colors = new Map<string, string>();
  const used: FloatColor[] = [];
  for (const anno of annotations) {
    for (const file of anno.metadata.files ?? []) {
      if (!VISUALIZED_SHAPES.has(file.shape) || !VISUALIZED_FORMATS.has(file.format)) continue;
      const float = colorFromSeed(colorSeed(anno.metadata, file.shape), used);
      if (file.shape !== "InstanceSegmentation") used.push(float);
      const key = `${anno.stem}_${file.shape.toLowerCase()}`;
      if (!colors.has(key)) colors.set(key, toHex(float));
    }
  }
  return colors;
}

export function buildNeuroglancerState(input: NeuroglancerStateInput): Json {
  const voxel = Math.round(input.tomogram.voxelSpacing * 1000) / 1000;
  const scale: [number, number, number] = [voxel * 1e-10, voxel * 1e-10, voxel * 1e-10];
  const layers: Json[] = [imageLayer(input.httpsPrefix, input.tomogram, scale)];
  const used: FloatColor[] = [];
  for (const anno of input.annotations) {
    const object = (anno.metadata.annotation_object ?? {}) as { name?: string };
    const prefix = `${parseInt(anno.stem.split("-")[0]!, 10)} ${object.name ?? "Annotation"}`;
    for (const file of anno.metadata.files ?? []) {
      if (!VISUALIZED_SHAPES.has(file.shape) || !VISUALIZED_FORMATS.has(file.format)) continue;
      const float = colorFromSeed(colorSeed(anno.metadata, file.shape), used);
      const color = toHex(float);
      if (file.shape !== "InstanceSegmentation") used.push(float);
      const source = joinUrl(input.httpsPrefix, `${anno.precomputeDir.replace(/\/+$/, "")}/${anno.stem}_${file.shape.toLowerCase()}`);
      const visible = file.is_visualization_default ?? false;
      switch (file.shape) {
        case "SegmentationMask":
          layers.push(segmentationLayer(`${prefix} segmentation`, source, color, scale, visible, 2.0));
          break;
        case "TriangularMesh":
        case "TriangularMeshGroup":
          layers.push(segmentationLayer(`${prefix} mesh`, source, color, scale, visible, 2.0));
          break;
        case "OrientedPoint":
          if (anno.hasOrientedMesh) {
            const meshSource = source.replace(/_orientedpoint$/, "_orientedmesh");
            layers.push(segmentationLayer(`${prefix} orientedmesh`, meshSource, color, scale, visible, 4.0));
          }
          layers.push(annotationLayer(`${prefix} orientedpoint`, source, color, scale, anno.hasOrientedMesh ? false : visible, false, true));
          break;
        default:
          layers.push(annotationLayer(`${prefix} point`, source, color, scale, visible, file.shape === "InstanceSegmentation", false));
      }
    }
  }
  return combineLayers(layers, scale);
}

// Plain concatenation: `new URL(rel, prefix)` would drop the last path segment of a prefix
// without a trailing slash (https://host/portal + a/b -> https://host/a/b).
function joinUrl(prefix: string, path: string): string {
  const rel = path.replace(/^\/+|\/+$/g, "");
  return prefix ? `${prefix.replace(/\/+$/, "")}/${rel}` : path;
}

function createSource(url: string, scale: readonly number[]): Json {
  const dims = { x: [scale[0], "m"], y: [scale[1], "m"], z: [scale[2], "m"] };
  return { url, transform: { outputDimensions: dims, inputDimensions: structuredClone(dims) } };
}

function imageLayer(prefix: string, t: TomogramInput, scale: readonly number[]): Json {
  const start = t.start ?? { x: 0, y: 0, z: 0 };
  const limits: [number, number] = t.contrastLimits ?? (t.mean !== undefined && t.rms !== undefined ? [t.mean - 3 * t.rms, t.mean + 3 * t.rms] : [-64, 64]);
  const largest = Math.max(...(["x", "y", "z"] as const).map((d) => t.size[d] - start[d]));
  return {
    type: "image",
    name: t.name,
    source: createSource(`zarr://${joinUrl(prefix, t.zarrPath)}`, scale),
    opacity: 0.51,
    tab: "rendering",
    visible: true,
    volumeRendering: "off",
    shader: [
      "#uicontrol invlerp contrast",
      "#uicontrol bool invert_contrast checkbox",
      "void main() {",
      "  float v = invert_contrast ? 1.0 - contrast() : contrast();",
      "  emitGrayscale(v);",
      "}",
    ].join("\n"),
    shaderControls: { contrast: { range: limits, window: widenWindow(limits) } },
    _position: (["x", "y", "z"] as const).map((d) => roundHalfEven((t.size[d] + start[d]) / 2)),
    _crossSectionScale: Math.max(largest / 400, 1),
    _projectionScale: largest * 1.1,
  };
}

// The slider window spans the limits plus 10 % of their width either side.
function widenWindow([lo, hi]: [number, number]): [number, number] {
  const pad = (hi - lo) * 0.1;
  return [lo - pad, hi + pad];
}

function annotationLayer(name: string, url: string, color: string, scale: readonly number[], visible: boolean, isInstance: boolean, isOriented: boolean): Json {
  const lines = ["#uicontrol vec3 color color", "#uicontrol float pointScale slider(min=0.01, max=2.0)"];
  if (isOriented) lines.push("#uicontrol float lineWidth slider(min=0.01, max=4.0)");
  lines.push(
    "void main() {",
    `  vec3 c = ${isInstance ? "prop_color()" : "color"};`,
    "  setColor(c);",
    "  setPointMarkerSize(pointScale * prop_diameter());",
    "  setPointMarkerBorderWidth(0.1);",
    "}",
  );
  return {
    type: "annotation",
    name,
    source: createSource(`precomputed://${url}`, scale),
    tab: "rendering",
    visible,
    shader: lines.join("\n"),
    shaderControls: isOriented ? { color, pointScale: 1.0, lineWidth: 1.0 } : { color, pointScale: 1.0 },
  };
}

function segmentationLayer(name: string, url: string, color: string, scale: readonly number[], visible: boolean, meshRenderScale: number): Json {
  return {
    type: "segmentation",
    name,
    source: {
      ...createSource(`precomputed://${url}`, scale),
      subsources: { default: true, mesh: true },
      enableDefaultSubsources: false,
    },
    tab: "rendering",
    selectedAlpha: 1,
    hoverHighlight: false,
    segments: [1],
    visible,
    meshRenderScale,
    segmentDefaultColor: color,
  };
}

function combineLayers(layers: Json[], scale: readonly number[]): Json {
  const images = layers.filter((l) => l.type === "image");
  // Rotation.from_euler("xyz", (45, 0, 0), degrees=True).as_quat()
  const half = Math.PI / 8;
  const state: Json = {
    dimensions: { x: [scale[0], "m"], y: [scale[1], "m"], z: [scale[2], "m"] },
    crossSectionScale: 1.8,
    projectionOrientation: [Math.sin(half), 0, 0, Math.cos(half)],
    layers,
    selectedLayer: { visible: true, layer: layers[0]!.name, side: "left" },
    crossSectionBackgroundColor: "#000000",
    hideCrossSectionBackground3D: true,
    layout: "4panel",
    showSlices: !images.some((l) => l.volumeRendering === "on"),
    showAxisLines: true,
    enableLayerColorWidget: true,
    layerListPanel: { row: 1, visible: true },
    helpPanel: { side: "right", row: 0 },
    settingsPanel: { side: "right", row: 1 },
    selection: { row: 2, visible: false },
    gpuMemoryLimit: 1_500_000_000,
  };
  const first = images[0];
  if (first && "_position" in first) {
    state.position = first._position;
    state.crossSectionScale = first._crossSectionScale;
    state.projectionScale = first._projectionScale;
  }
  // the view hints travel on the image layer only until here: they are not layer properties
  for (const l of images) {
    delete l._position;
    delete l._crossSectionScale;
    delete l._projectionScale;
  }
  return state;
}
