/**
 * `per_section_parameter` of tilt-series metadata: one record per raw tilt angle (the output
 * `.rawtlt`, in section order), joined with the mdoc section whose TiltAngle equals it after
 * Python `round(x, 2)` (none -> error, as the reference's KeyError) and with the CTF row whose
 * `section - 1` is the index (none -> nulls). Keys in the reference's order.
 */
import { IngestError, PyFloat, python } from "@ingestkit/core";
import { mdocNumber, mdocTilts, type CtfRow, type Mdoc } from "@ingestkit/formats";

export interface PerSectionParameter {
  z_index: number;
  frame_acquisition_order: number;
  raw_angle: PyFloat;
  astigmatic_angle: PyFloat | null;
  cross_correlation: PyFloat | null;
  major_defocus: PyFloat | null;
  max_resolution: PyFloat | null;
  minor_defocus: PyFloat | null;
  phase_shift: PyFloat | null;
}

/** Python's round(x, 2) as a number (format with round-half-even on the exact binary value). */
function round2(x: number): number {
  return Number(python.formatValue(x, ".2f"));
}

export function perSectionParameters(rawTilts: readonly number[], mdoc: Mdoc, ctf: readonly CtfRow[], where: { rawtlt: string; mdoc: string }): PerSectionParameter[] {
  const sections = mdocTilts(mdoc).map((s) => ({ z: s.index, angle: mdocNumber(s.fields, "TiltAngle"), line: s.line }));
  const f = (v: number | undefined) => (v === undefined ? null : new PyFloat(v));
  return rawTilts.map((raw, index) => {
    const want = round2(raw);
    const entry = sections.find((s) => s.angle !== undefined && round2(s.angle) === want);
    if (!entry) {
      throw new IngestError(
        "SOURCE_INVALID",
        `tilt angle ${python.pyRepr(raw, true)} (section ${index} of ${where.rawtlt}) has no mdoc section with TiltAngle ${python.formatValue(raw, ".2f")} in ${where.mdoc}`,
      );
    }
    const c = ctf.find((r) => r.section - 1 === index);
    return {
      z_index: index,
      frame_acquisition_order: entry.z,
      raw_angle: new PyFloat(entry.angle!),
      astigmatic_angle: f(c?.azimuth),
      cross_correlation: f(c?.crossCorrelation),
      major_defocus: f(c?.defocus1),
      max_resolution: f(c?.maxResolution),
      minor_defocus: f(c?.defocus2),
      phase_shift: f(c?.phaseShift),
    };
  });
}
