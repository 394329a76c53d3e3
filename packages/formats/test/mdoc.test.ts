import { describe, expect, it } from "vitest";
import { MdocError, mdocNumber, mdocTilts, parseMdoc } from "../src/mdoc.js";

// A trimmed SerialEM tilt-series .mdoc as written by SerialEM 4 (three tilts, CRLF-free).
const TILT_SERIES_MDOC = `PixelSpacing = 1.35
Voltage = 300
ImageFile = TS_01.mrc
ImageSize = 4096 4096
DataMode = 1

[T = SerialEM: Digitized on EMBL Krios                    13-Jan-22  10:54:26    ]

[T =     Tilt axis angle = 85.3, binning = 1  spot = 9  camera = 0]

[ZValue = 0]
TiltAngle = 0.00499925
StagePosition = 119.734 -43.5312
ExposureDose = 3.1
ExposureTime = 0.42
SubFramePath = X:\\DATA\\Frames\\TS_01_000_0.0.tif
NumSubFrames = 8
DateTime = 13-Jan-22  10:54:56

[ZValue = 1]
TiltAngle = 3.00532
StagePosition = 119.741 -43.5401
ExposureDose = 3.05
ExposureTime = 0.42
SubFramePath = X:\\DATA\\Frames\\TS_01_001_3.0.tif
NumSubFrames = 8
DateTime = 13-Jan-22  10:55:31

[ZValue = 2]
TiltAngle = -2.99468
StagePosition = 119.738 -43.5229
ExposureTime = 0.42
SubFramePath = X:\\DATA\\Frames\\TS_01_002_-3.0.tif
DateTime = 13-Jan-22  10:56:02
`;

function mdocErrorOf(text: string): MdocError {
  try {
    parseMdoc(text);
  } catch (err) {
    expect(err).toBeInstanceOf(MdocError);
    return err as MdocError;
  }
  throw new Error("expected an MdocError");
}

describe("parseMdoc", () => {
  it("reads the global header, titles and ZValue sections of a SerialEM tilt series", () => {
    const mdoc = parseMdoc(TILT_SERIES_MDOC);
    expect(mdoc.global).toEqual({
      PixelSpacing: "1.35",
      Voltage: "300",
      ImageFile: "TS_01.mrc",
      ImageSize: "4096 4096",
      DataMode: "1",
    });
    // Titles keep inner spacing and '=' signs; surrounding blanks are trimmed.
    expect(mdoc.titles).toEqual(["SerialEM: Digitized on EMBL Krios                    13-Jan-22  10:54:26", "Tilt axis angle = 85.3, binning = 1  spot = 9  camera = 0"]);
    expect(mdoc.sections.map((s) => [s.kind, s.index, s.line])).toEqual([
      ["ZValue", 0, 11],
      ["ZValue", 1, 20],
      ["ZValue", 2, 29],
    ]);
    expect(mdoc.sections[0]!.fields).toEqual({
      TiltAngle: "0.00499925",
      StagePosition: "119.734 -43.5312",
      ExposureDose: "3.1",
      ExposureTime: "0.42",
      SubFramePath: "X:\\DATA\\Frames\\TS_01_000_0.0.tif",
      NumSubFrames: "8",
      DateTime: "13-Jan-22  10:54:56",
    });
    // Per-section keys do not leak into the header or other sections.
    expect(mdoc.global.TiltAngle).toBeUndefined();
    expect(mdoc.sections[2]!.fields.ExposureDose).toBeUndefined();
    expect(mdoc.sections[2]!.fields.SubFramePath).toBe("X:\\DATA\\Frames\\TS_01_002_-3.0.tif");
  });

  it("gives the same result with CRLF line ends and the same line numbers", () => {
    const crlf = TILT_SERIES_MDOC.replace(/\n/g, "\r\n");
    expect(parseMdoc(crlf)).toEqual(parseMdoc(TILT_SERIES_MDOC));
    expect(mdocErrorOf("A = 1\r\nB = 2\r\nbroken\r\n").line).toBe(3);
  });

  it("keeps keys written after a title in the global header (titles do not open a section)", () => {
    const mdoc = parseMdoc("A = 1\n[T = title]\nB = 2\n[ZValue = 0]\nC = 3\n");
    expect(mdoc.global).toEqual({ A: "1", B: "2" });
    expect(mdoc.sections[0]!.fields).toEqual({ C: "3" });
  });

  it("trims keys and values, splits at the first '=', keeps empty values, lets a repeated key win", () => {
    const mdoc = parseMdoc("  Key   =   spaced value  \nExpr = a = b\nEmpty =\n\tTabbed\t=\t7\t\nKey = second\n");
    expect(mdoc.global).toEqual({ Key: "second", Expr: "a = b", Empty: "", Tabbed: "7" });
  });

  it("accepts loose spacing in section headers, and FrameSet and other kinds of section", () => {
    const mdoc = parseMdoc("[ZValue=5]\nTiltAngle = 1\n[  FrameSet   =   0  ]\nTiltAngle = 2\n[MontSection = 1]\nX = 1\n");
    expect(mdoc.sections.map((s) => ({ kind: s.kind, index: s.index, fields: s.fields }))).toEqual([
      { kind: "ZValue", index: 5, fields: { TiltAngle: "1" } },
      { kind: "FrameSet", index: 0, fields: { TiltAngle: "2" } },
      { kind: "MontSection", index: 1, fields: { X: "1" } },
    ]);
  });

  it("parses an empty or blank file as an empty mdoc", () => {
    expect(parseMdoc("")).toEqual({ global: {}, titles: [], sections: [] });
    expect(parseMdoc("\n  \n\t\n")).toEqual({ global: {}, titles: [], sections: [] });
  });

  it("rejects a line that is not `key = value`, with its 1-based line number", () => {
    const err = mdocErrorOf("PixelSpacing = 1.35\n\n[ZValue = 0]\nTiltAngle 0.5\n");
    expect(err.line).toBe(4);
    expect(err.message).toContain("expected 'key = value'");
    expect(err.message).toContain('"TiltAngle 0.5"');
    // An empty key is not a key.
    expect(mdocErrorOf("A = 1\n= 2\n").line).toBe(2);
    // A section header without '=' is malformed too.
    expect(mdocErrorOf("[ZValue]\n").line).toBe(1);
  });

  it("rejects a section whose index is not a number, including an empty one", () => {
    const bad = mdocErrorOf("A = 1\n[ZValue = first]\n");
    expect(bad.line).toBe(2);
    expect(bad.message).toMatch(/non-numeric index/);
    // Number("") is 0: an empty index must not silently become section 0.
    expect(mdocErrorOf("[ZValue = 0]\nX = 1\n[ZValue = ]\nX = 2\n").line).toBe(3);
  });
});

describe("mdocTilts", () => {
  it("returns only ZValue sections, in file order (not index order)", () => {
    const mdoc = parseMdoc("[ZValue = 2]\nTiltAngle = 6\n[FrameSet = 0]\nA = 1\n[ZValue = 0]\nTiltAngle = 0\n[ZValue = 1]\nTiltAngle = 3\n");
    const tilts = mdocTilts(mdoc);
    expect(tilts.map((s) => s.index)).toEqual([2, 0, 1]);
    expect(tilts.map((s) => mdocNumber(s.fields, "TiltAngle"))).toEqual([6, 0, 3]);
    expect(mdocTilts(parseMdoc("[FrameSet = 0]\nA = 1\n"))).toEqual([]);
  });

  it("gives the tilt angles and exposures of the sample file", () => {
    const tilts = mdocTilts(parseMdoc(TILT_SERIES_MDOC));
    expect(tilts.map((t) => mdocNumber(t.fields, "TiltAngle"))).toEqual([0.00499925, 3.00532, -2.99468]);
    expect(tilts.map((t) => mdocNumber(t.fields, "ExposureDose"))).toEqual([3.1, 3.05, undefined]);
    expect(tilts.map((t) => mdocNumber(t.fields, "NumSubFrames"))).toEqual([8, 8, undefined]);
  });
});

describe("mdocNumber", () => {
  const fields = {
    TiltAngle: "-60.0004",
    ImageSize: "4096 4096",
    StagePosition: "119.734   -43.5312",
    Exp: "1.5e-3",
    Empty: "",
    Text: "Unknown",
    NotANumber: "NaN",
    Inf: "Infinity",
    Lead: "12abc",
  };

  it("converts numbers, taking the first of a whitespace-separated list", () => {
    expect(mdocNumber(fields, "TiltAngle")).toBe(-60.0004);
    expect(mdocNumber(fields, "ImageSize")).toBe(4096);
    expect(mdocNumber(fields, "StagePosition")).toBe(119.734);
    expect(mdocNumber(fields, "Exp")).toBe(0.0015);
  });

  it("is undefined for missing, empty, non-numeric and non-finite values", () => {
    expect(mdocNumber(fields, "Missing")).toBeUndefined();
    expect(mdocNumber(fields, "Empty")).toBeUndefined();
    expect(mdocNumber(fields, "Text")).toBeUndefined();
    expect(mdocNumber(fields, "NotANumber")).toBeUndefined();
    expect(mdocNumber(fields, "Inf")).toBeUndefined();
    expect(mdocNumber(fields, "Lead")).toBeUndefined();
  });
});
