import { describe, expect, it } from "vitest";
import { CtfError, parseCtf, parseRawTilt } from "../src/index.js";

// CTFFIND4 diagnostic output: comment header, then one row per section
const CTFFIND = `# Output from CTFFind version 4.1.14
# Input file: TS_run1.mrc ; Number of micrographs: 4
# Pixel size: 3.370 Angstroms ; acceleration voltage: 300.0 keV ; spherical aberration: 2.70 mm ; amplitude contrast: 0.07
# Columns: #1 - micrograph number; #2 - defocus 1 [Angstroms]; #3 - defocus 2; #4 - azimuth of astigmatism; #5 - additional phase shift [radians]; #6 - cross correlation; #7 - spacing (in Angstroms) up to which CTF rings were fit successfully
1.000000 72249.28 71262.08 -42.32 0.0000 0.1138 28.4226
2.000000 72222.11 71235.27 -50.87 0.0000 0.1169 28.4226
3 71568.57 70590.66 -42.32 0.0000 0.1612 27.7120
`;

describe("CTF files", () => {
  it("CTFFIND: comment lines skipped, 7 columns, section numbers as written", () => {
    const rows = parseCtf(CTFFIND.replace(/^1\.000000/m, "1").replace(/^2\.000000/m, "2"), "ctffind");
    expect(rows).toEqual([
      { section: 1, defocus1: 72249.28, defocus2: 71262.08, azimuth: -42.32, phaseShift: 0, crossCorrelation: 0.1138, maxResolution: 28.4226 },
      { section: 2, defocus1: 72222.11, defocus2: 71235.27, azimuth: -50.87, phaseShift: 0, crossCorrelation: 0.1169, maxResolution: 28.4226 },
      { section: 3, defocus1: 71568.57, defocus2: 70590.66, azimuth: -42.32, phaseShift: 0, crossCorrelation: 0.1612, maxResolution: 27.712 },
    ]);
  });

  it("CTFFIND: an AreTomo3 header line without '#' is skipped; a header-less file keeps its first row", () => {
    const aretomo = "section defocus1 defocus2 azimuth phase cc res\n1 100 90 10 0.5 0.2 8\n";
    expect(parseCtf(aretomo, "CTFFIND").map((r) => r.section)).toEqual([1]);
    expect(parseCtf("1 100 90 10 0.5 0.2 8\n2 110 95 11 0.5 0.2 8\n", "CTFFIND").map((r) => r.section)).toEqual([1, 2]);
  });

  it("Gctf: 7 columns with phase shift, 6 without (phase 0); # ; % comments; section rounded half to even", () => {
    const text = "# gctf\n; x\n% y\n1.0 20000 19000 45 0.3 0.12 4.5\n2.5 21000 19500 46 0.11 4.6\n";
    expect(parseCtf(text, "Gctf")).toEqual([
      { section: 1, defocus1: 20000, defocus2: 19000, azimuth: 45, phaseShift: 0.3, crossCorrelation: 0.12, maxResolution: 4.5 },
      { section: 2, defocus1: 21000, defocus2: 19500, azimuth: 46, phaseShift: 0, crossCorrelation: 0.11, maxResolution: 4.6 },
    ]);
    expect(() => parseCtf("1 2 3 4 5\n", "GCTF", "g.txt")).toThrow(/g\.txt:1: Gctf row must have 6 or 7 columns, has 5/);
  });

  it("IMOD: header-less single defocus (nm -> Å, trailing version on the first row tolerated)", () => {
    const rows = parseCtf("1 1 -60.00 -60.00 3500.0 2\n2 2 -57.00 -57.00 3510.5\n", "IMOD");
    expect(rows.map((r) => [r.section, r.defocus1, r.defocus2, r.azimuth, r.phaseShift])).toEqual([
      [1, 35000, 35000, 0, 0],
      [2, 35105, 35105, 0, 0],
    ]);
  });

  it("IMOD: version-3 header flags select astigmatism (degrees or radians) and phase shift (degrees -> radians)", () => {
    const astig = "1 0 0.0 0.0 0.0 3\n1 1 -60.00 -60.00 3500.0 3400.0 30.0\n";
    expect(parseCtf(astig, "IMOD")[0]).toMatchObject({ defocus1: 35000, defocus2: 34000, azimuth: 30 });
    const radians = `${1 + 2} 0 0.0 0.0 0.0 3\n1 1 -60.00 -60.00 3500.0 3400.0 ${Math.PI / 6}\n`;
    expect(parseCtf(radians, "IMOD")[0]!.azimuth).toBeCloseTo(30, 12);
    const phase = `${1 + 4} 0 0.0 0.0 0.0 3\n1 1 -60 -60 3500 3400 30 90\n`;
    expect(parseCtf(phase, "IMOD")[0]!.phaseShift).toBeCloseTo(Math.PI / 2, 12);
    const phaseRad = `${1 + 4 + 8 + 32} 0 0.0 0.0 0.0 3\n1 1 -60 -60 3500 3400 30 1.25 0.04\n`;
    expect(parseCtf(phaseRad, "IMOD")[0]!.phaseShift).toBe(1.25);
  });

  it("IMOD: 0-based views are refused; wrong column counts name the line", () => {
    expect(() => parseCtf("0 0 -60 -60 3500\n1 1 -57 -57 3510\n", "IMOD", "a.defocus")).toThrow(/a\.defocus:1: .*numbers views from 0/);
    expect(() => parseCtf("1 0 0.0 0.0 0.0 3\n1 1 -60 -60 3500\n", "IMOD", "b.defocus")).toThrow(/b\.defocus:2: IMOD defocus row has 5 columns, expected 7 for flag 1/);
    expect(() => parseCtf("1 1 -60 -60 x\n", "IMOD", "c.defocus")).toThrow(CtfError);
  });

  it("an unknown format gives no rows", () => {
    expect(parseCtf(CTFFIND, "warp")).toEqual([]);
  });
});

describe("raw tilt files", () => {
  it("reads one angle per line in order, ignoring blank lines and surrounding spaces", () => {
    expect(parseRawTilt("-4.38\n  -1.98 \n\n-0.00499939\r\n2.013\n")).toEqual([-4.38, -1.98, -0.00499939, 2.013]);
  });
  it("names the file and line of a value that is not a number", () => {
    expect(() => parseRawTilt("1.0\nabc\n", "TS.rawtlt")).toThrow(/TS\.rawtlt:2: tilt angle is not a number: "abc"/);
  });
});
