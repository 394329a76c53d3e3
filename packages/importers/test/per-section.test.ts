import { describe, expect, it } from "vitest";
import { pyJsonDumps } from "@ingestkit/core";
import { parseCtf, parseMdoc, parseRawTilt } from "@ingestkit/formats";
import { perSectionParameters } from "@ingestkit/importers";

// Reference 6.3 item 6: 4 sections ordered by the rawtlt, acquisition order [3, 2, 0, 1]
const MDOC = `PixelSpacing = 3.3702
[T = SerialEM: test]
[ZValue = 0]
TiltAngle = -0.00499939
[ZValue = 1]
TiltAngle = 2.013
[ZValue = 2]
TiltAngle = -1.98
[ZValue = 3]
TiltAngle = -4.38
`;
const RAWTLT = "-4.38\n-1.98\n-0.004\n2.01\n"; // -0.004 and -0.00499939 both round to -0.0
const CTF = `# CTFFIND
1 72249.28 71262.08 -42.32 0.0000 0.1138 28.4226
2 72222.11 71235.27 -50.87 0.0000 0.1169 28.4226
3 71568.57 70590.66 -42.32 0.0000 0.1612 27.7120
`;
const where = { rawtlt: "TS_run1.rawtlt", mdoc: "TS_run1.mdoc" };

describe("per_section_parameter (reference 6.3 item 6)", () => {
  it("joins rawtlt, mdoc (angles equal at 2 decimals) and CTF rows (section - 1), nulls past the CTF", () => {
    const psp = perSectionParameters(parseRawTilt(RAWTLT), parseMdoc(MDOC), parseCtf(CTF, "CTFFIND"), where);
    expect(JSON.parse(pyJsonDumps(psp))).toEqual([
      {
        z_index: 0,
        frame_acquisition_order: 3,
        raw_angle: -4.38,
        astigmatic_angle: -42.32,
        cross_correlation: 0.1138,
        major_defocus: 72249.28,
        max_resolution: 28.4226,
        minor_defocus: 71262.08,
        phase_shift: 0,
      },
      {
        z_index: 1,
        frame_acquisition_order: 2,
        raw_angle: -1.98,
        astigmatic_angle: -50.87,
        cross_correlation: 0.1169,
        major_defocus: 72222.11,
        max_resolution: 28.4226,
        minor_defocus: 71235.27,
        phase_shift: 0,
      },
      {
        z_index: 2,
        frame_acquisition_order: 0,
        raw_angle: -0.00499939,
        astigmatic_angle: -42.32,
        cross_correlation: 0.1612,
        major_defocus: 71568.57,
        max_resolution: 27.712,
        minor_defocus: 70590.66,
        phase_shift: 0,
      },
      {
        z_index: 3,
        frame_acquisition_order: 1,
        raw_angle: 2.013,
        astigmatic_angle: null,
        cross_correlation: null,
        major_defocus: null,
        max_resolution: null,
        minor_defocus: null,
        phase_shift: null,
      },
    ]);
    // Python json: floats keep their point, key order as the reference's __dict__
    expect(pyJsonDumps(psp[0])).toContain('"phase_shift": 0.0');
    expect(Object.keys(psp[0]!)).toEqual([
      "z_index",
      "frame_acquisition_order",
      "raw_angle",
      "astigmatic_angle",
      "cross_correlation",
      "major_defocus",
      "max_resolution",
      "minor_defocus",
      "phase_shift",
    ]);
  });

  it("keeps close angles apart (-6.016 vs -5.9944, 6.0833 vs 6.09)", () => {
    const angles = [-6.016, -5.9944, -4.38, -1.98, 2.013, 4.28, 6.0833, 6.09];
    const mdoc = angles.map((a, i) => `[ZValue = ${i}]\nTiltAngle = ${a}\n`).join("");
    const psp = perSectionParameters([...angles].reverse(), parseMdoc(mdoc), [], where);
    expect(psp.map((p) => p.raw_angle.value)).toEqual([...angles].reverse());
    expect(psp.map((p) => p.frame_acquisition_order)).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it("a rawtlt angle with no mdoc section is an error naming both files", () => {
    expect(() => perSectionParameters([-4.38, 9.5], parseMdoc(MDOC), [], where)).toThrow(
      /tilt angle 9\.5 \(section 1 of TS_run1\.rawtlt\) has no mdoc section with TiltAngle 9\.50 in TS_run1\.mdoc/,
    );
  });
});
