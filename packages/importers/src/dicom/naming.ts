/**
 * Template variables for output names (Python str.format, like every ingestkit template):
 * source path segments and the named groups of `dicom.scan.match_regex`, lookup-table columns,
 * the pipeline file id, the run's timestamp in `dicom.output.timestamp_format`, and DICOM
 * attributes of the file as written (so de-identified values, never the originals).
 */
import { compilePythonRegex, type RunContext } from "@ingestkit/core";
import type { DicomHeader } from "@ingestkit/formats";

/** Source key `a/b/c.dcm`: path_0..path_n, source_key, source_basename, source_stem, source_ext, ext, plus regex groups. */
export function sourceVars(key: string, regex: string | undefined): Record<string, string> {
  const segs = key.split("/");
  const base = segs[segs.length - 1] ?? "";
  const dot = base.lastIndexOf(".");
  const ext = dot > 0 ? base.slice(dot + 1) : "";
  const vars: Record<string, string> = { source_key: key, source_basename: base, source_stem: dot > 0 ? base.slice(0, dot) : base, source_ext: ext, ext: ext || "dcm" };
  segs.forEach((s, i) => {
    vars[`path_${i}`] = s;
  });
  if (regex) {
    const m = compilePythonRegex(regex).search(key);
    if (m?.groups) for (const [k, v] of Object.entries(m.groups)) if (v !== undefined) vars[k] = v;
  }
  return vars;
}

/** strftime subset (%Y %m %d %H %M %S %%) in UTC of the run clock (SOURCE_DATE_EPOCH pins it). */
export function formatTimestamp(epochSeconds: number, format: string): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const parts: Record<string, string> = {
    Y: p(d.getUTCFullYear(), 4),
    m: p(d.getUTCMonth() + 1),
    d: p(d.getUTCDate()),
    H: p(d.getUTCHours()),
    M: p(d.getUTCMinutes()),
    S: p(d.getUTCSeconds()),
    "%": "%",
  };
  return format.replace(/%(.)/g, (all, c: string) => parts[c] ?? all);
}

export function timestampVars(run: RunContext, format: string): Record<string, string> {
  return { timestamp: formatTimestamp(run.now, format) };
}

/** DICOM keywords of the written file's header; `/` and `\` in values become `_` (a value is one path segment). */
export function attributeVars(h: DicomHeader): Record<string, string | number> {
  const seg = (s: string) => s.replace(/[\\/]/g, "_");
  const pairs: Array<[string, string | number | undefined]> = [
    ["PatientID", h.patientID],
    ["AccessionNumber", h.accessionNumber],
    ["StudyInstanceUID", h.studyInstanceUID],
    ["SeriesInstanceUID", h.seriesInstanceUID],
    ["SOPInstanceUID", h.sopInstanceUID],
    ["SOPClassUID", h.sopClassUID],
    ["FrameOfReferenceUID", h.frameOfReferenceUID],
    ["Modality", h.modality],
    ["SeriesNumber", h.seriesNumber],
    ["InstanceNumber", h.instanceNumber],
    ["StudyDate", h.studyDate],
    ["SeriesDescription", h.seriesDescription],
  ];
  const out: Record<string, string | number> = {};
  for (const [k, v] of pairs) out[k] = v === undefined ? "" : typeof v === "string" ? seg(v) : v;
  return out;
}

/** Every variable name a template may use, for the docs and static checks. */
export const ATTRIBUTE_VAR_NAMES = [
  "PatientID",
  "AccessionNumber",
  "StudyInstanceUID",
  "SeriesInstanceUID",
  "SOPInstanceUID",
  "SOPClassUID",
  "FrameOfReferenceUID",
  "Modality",
  "SeriesNumber",
  "InstanceNumber",
  "StudyDate",
  "SeriesDescription",
];
