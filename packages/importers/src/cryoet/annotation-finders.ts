/**
 * Annotation sources (reference 1.3 "Annotation"): each `sources` entry has one shape key
 * (`Point`, `SegmentationMask`, ...) whose mapping gives `glob_string` (a source glob: one item per
 * file, named by its basename) or `glob_strings` (a multi glob: named by full path), the
 * `file_format` and the shape's options. The found item carries its shape and options in `value`.
 */
import { IngestError, type FinderContext, type FinderDefinition, type FoundItem } from "@ingestkit/core";
import { sourceGlob, sourceMultiGlob } from "@ingestkit/finders";

/** Annotation source shape keys (reference §1.4). */
export const ANNOTATION_SHAPES = [
  "Point",
  "OrientedPoint",
  "InstanceSegmentation",
  "SegmentationMask",
  "SemanticSegmentationMask",
  "InstanceSegmentationMask",
  "TriangularMesh",
  "TriangularMeshGroup",
  "GlobalCaption",
  "AnnotationCaption",
] as const;

export type AnnotationShapeKey = (typeof ANNOTATION_SHAPES)[number];

/** What an annotation item found by a shape finder carries. */
export interface AnnotationSource {
  shape: AnnotationShapeKey;
  options: Record<string, unknown>;
}

export function annotationSourceOf(found: FoundItem): AnnotationSource | undefined {
  const v = found.value as Partial<AnnotationSource> | undefined;
  return v && typeof v === "object" && typeof v.shape === "string" && v.options ? (v as AnnotationSource) : undefined;
}

function shapeFinder(key: AnnotationShapeKey): FinderDefinition<unknown> {
  return {
    key,
    async find(options, ctx: FinderContext): Promise<FoundItem[]> {
      if (!options || typeof options !== "object" || Array.isArray(options)) {
        throw new IngestError("CONFIG_FINDER", `${key}: the source must be a mapping with glob_string or glob_strings`, ctx.origin(""));
      }
      const o = options as Record<string, unknown>;
      const single = o.glob_string;
      const many = o.glob_strings;
      if (single !== undefined && many !== undefined) throw new IngestError("CONFIG_FINDER", `${key}: give glob_string or glob_strings, not both`, ctx.origin("glob_string"));
      // the built-in glob finders do the work; their option names map onto ours
      const rename = (ours: string) => (option: string) => ctx.origin(option.replace(/^list_globs?/, ours));
      let found: FoundItem[];
      if (typeof single === "string" && single !== "") {
        const inner: FinderContext = { ...ctx, origin: rename("glob_string"), expand: (t, option) => ctx.expand(t, option.replace(/^list_glob/, "glob_string")) };
        found = await sourceGlob.find({ list_glob: single }, inner);
      } else if (Array.isArray(many) && many.length > 0 && many.every((g) => typeof g === "string")) {
        const inner: FinderContext = { ...ctx, origin: rename("glob_strings"), expand: (t, option) => ctx.expand(t, option.replace(/^list_globs/, "glob_strings")) };
        found = await sourceMultiGlob.find({ list_globs: many }, inner);
      } else {
        throw new IngestError("CONFIG_FINDER", `${key}: glob_string (a string) or glob_strings (a list of strings) is required`, ctx.origin(""));
      }
      const value: AnnotationSource = { shape: key, options: o };
      return found.map((f) => ({ ...f, value }));
    },
    templates(options: unknown) {
      const o = options as Record<string, unknown> | null;
      if (!o || typeof o !== "object") return [];
      const out: Array<{ option: string; template: string }> = [];
      if (typeof o.glob_string === "string") out.push({ option: "glob_string", template: o.glob_string });
      if (Array.isArray(o.glob_strings))
        o.glob_strings.forEach((g, i) => {
          typeof g === "string" && out.push({ option: `glob_strings.${i}`, template: g });
        });
      return out;
    },
  };
}

export const annotationShapeFinders: Array<FinderDefinition<unknown>> = ANNOTATION_SHAPES.map(shapeFinder);
