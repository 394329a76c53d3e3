// Expected expansions are what CPython 3.11 `template.format(**vars)` returns for the same input.
import { describe, expect, it } from "vitest";
import { IngestError } from "../src/errors.js";
import { FormatStringError, FormatValueError, MissingFormatVariableError, PyFloat } from "../src/python/index.js";
import { closest, editDistance, expandTemplate, templateFields, type TemplateOrigin, type TemplateVars } from "../src/template.js";

function ingestErrorOf(template: string, vars: TemplateVars, origin?: TemplateOrigin): IngestError {
  try {
    expandTemplate(template, vars, origin);
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError);
    return err as IngestError;
  }
  throw new Error(`expected ${JSON.stringify(template)} to fail`);
}

describe("expandTemplate", () => {
  it("substitutes named fields, including names with '-' and repeated names", () => {
    expect(expandTemplate("{run_name}/Frames/{run_name}_*.tif", { run_name: "TS_01" })).toBe("TS_01/Frames/TS_01_*.tif");
    expect(expandTemplate("{ts-tilt_range-max}:{ts-tilt_range-min}", { "ts-tilt_range-max": "60", "ts-tilt_range-min": "-60" })).toBe("60:-60");
    expect(expandTemplate("no fields at all", {})).toBe("no fields at all");
    expect(expandTemplate("", {})).toBe("");
  });

  it("turns {{ and }} into literal braces", () => {
    expect(expandTemplate("{{run_name}}", { run_name: "x" })).toBe("{run_name}");
    expect(expandTemplate("{{{run_name}}}", { run_name: "x" })).toBe("{x}");
    expect(expandTemplate("}}{{", {})).toBe("}{");
  });

  it("formats values like Python str(): None, True, ints and floats", () => {
    expect(expandTemplate("{a}|{b}|{c}|{d}|{e}", { a: null, b: true, c: 3, d: 1.5, e: new PyFloat(2) })).toBe("None|True|3|1.5|2.0");
  });

  it("applies format specs, conversions and [key] lookups", () => {
    expect(expandTemplate("{vs:.3f}", { vs: 13.48 })).toBe("13.480");
    expect(expandTemplate("{v:.2f}", { v: 0.125 })).toBe("0.12"); // exact binary value, half-to-even
    expect(expandTemplate("{n:03d}_{s:>5}|{s:<4}|", { n: 7, s: "ab" })).toBe("007_   ab|ab  |");
    expect(expandTemplate("{s!r}", { s: "TS_1" })).toBe("'TS_1'");
    expect(expandTemplate("{m[key]}/{l[1]}", { m: { key: "v" }, l: ["x", "y"] })).toBe("v/y");
  });

  it("reports an undefined variable as TEMPLATE_UNDEFINED with a did-you-mean hint and the origin", () => {
    const err = ingestErrorOf(
      "{run_nam}/x",
      { run_name: "TS_1", dataset_name: "10001" },
      { file: "c.yaml", line: 3, col: 7, field: "runs[0].sources[0].source_glob.list_glob", entityPath: "dataset 10001" },
    );
    expect(err.code).toBe("TEMPLATE_UNDEFINED");
    expect(err.message).toBe('undefined template variable {run_nam} in runs[0].sources[0].source_glob.list_glob (template "{run_nam}/x")');
    expect(err.hint).toBe("did you mean {run_name}?");
    expect([err.file, err.line, err.col, err.entityPath]).toEqual(["c.yaml", 3, 7, "dataset 10001"]);
    expect(err.cause).toBeInstanceOf(MissingFormatVariableError);
    expect((err.cause as MissingFormatVariableError).variable).toBe("run_nam");
  });

  it("lists the defined names (sorted, at most 12) when no name is close", () => {
    expect(ingestErrorOf("{tomogram_voxel_spacing}", { b: 1, a: 2 }).hint).toBe("defined here: a, b");
    const many = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`var_${String(i).padStart(2, "0")}`, i]));
    expect(ingestErrorOf("{completely_different}", many).hint).toBe(
      "defined here: var_00, var_01, var_02, var_03, var_04, var_05, var_06, var_07, var_08, var_09, var_10, var_11, ...",
    );
    expect(ingestErrorOf("{x}", {}).hint).toBe("defined here: ");
  });

  it("treats a name bound to undefined as undefined, and does not suggest it back", () => {
    const err = ingestErrorOf("{run_name}", { run_name: undefined, dataset_name: "d" });
    expect(err.code).toBe("TEMPLATE_UNDEFINED");
    expect(err.message).toContain("{run_name}");
    expect(err.hint).not.toContain("{run_name}");
    expect(err.hint).toBe("defined here: dataset_name");
  });

  it("sets no position fields when the origin is empty", () => {
    const err = ingestErrorOf("{nope}", {});
    expect(err.file).toBeUndefined();
    expect(err.line).toBeUndefined();
    expect(err.where).toBe("");
    expect(err.message).toBe('undefined template variable {nope} (template "{nope}")');
  });

  it("reports unbalanced braces as CONFIG_TEMPLATE with the 1-based character", () => {
    const single = ingestErrorOf("a}b", { a: 1 }, { field: "runs[0].x", file: "c.yaml", line: 1 });
    expect(single.code).toBe("CONFIG_TEMPLATE");
    expect(single.message).toBe(`bad template in runs[0].x: Single '}' encountered in format string at character 2 of "a}b"`);
    expect(single.cause).toBeInstanceOf(FormatStringError);
    expect(single.file).toBe("c.yaml");

    expect(ingestErrorOf("abc{", {}).message).toBe(`bad template: Single '{' encountered in format string at character 4 of "abc{"`);
    expect(ingestErrorOf("x{run_name", { run_name: 1 }).message).toBe(`bad template: expected '}' before end of string at character 2 of "x{run_name"`);
    expect(ingestErrorOf("{a{b}}", {}).message).toMatch(/unexpected '\{' in field name/);
  });

  it("rejects positional and empty fields (templates only get keyword values)", () => {
    expect(ingestErrorOf("{}", {}).code).toBe("CONFIG_TEMPLATE");
    expect(ingestErrorOf("{}", {}).message).toMatch(/automatic field numbering/);
    expect(ingestErrorOf("{0}", { "0": "x" }).message).toMatch(/positional field \{0\}/);
  });

  it("reports a value that cannot be formatted as CONFIG_TEMPLATE, with Python's message", () => {
    const err = ingestErrorOf("{run_name:d}", { run_name: "TS_1" }, { field: "f" });
    expect(err.code).toBe("CONFIG_TEMPLATE");
    expect(err.message).toBe(`cannot expand template in f "{run_name:d}": Unknown format code 'd' for object of type 'str'`);
    expect(err.cause).toBeInstanceOf(FormatValueError);
    expect(ingestErrorOf("{m[missing]}", { m: { k: 1 } }).message).toBe(`cannot expand template "{m[missing]}": 'missing'`);
  });
});

describe("templateFields", () => {
  it("lists root names in order, with repeats, ignoring escaped braces", () => {
    expect(templateFields("{a}{{b}}{c[0]}{a}{d!r:>3}")).toEqual(["a", "c", "a", "d"]);
    expect(templateFields("{run_name}/{ts-tilt_range-max:.1f}")).toEqual(["run_name", "ts-tilt_range-max"]);
    expect(templateFields("plain {{text}}")).toEqual([]);
  });

  it("throws FormatStringError for a malformed template", () => {
    expect(() => templateFields("{open")).toThrow(FormatStringError);
    expect(() => templateFields("close}")).toThrow(FormatStringError);
  });
});

describe("editDistance and closest", () => {
  it("computes Levenshtein distance (a transposition costs 2)", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("flaw", "lawn")).toBe(2);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
    expect(editDistance("ab", "ba")).toBe(2);
    expect(editDistance("run_name", "run_nam")).toBe(1);
  });

  it("picks the nearest candidate within max(2, len/3) edits (1 for names of up to 3 characters), the first one on a tie", () => {
    expect(closest("run_nam", ["dataset_name", "run_name", "run_id"])).toBe("run_name");
    expect(closest("ab", ["xx", "ay", "ax"])).toBe("ay");
    // 12 characters: up to 4 edits are still a likely typo, 5 are not.
    expect(closest("abcdefghijkl", ["abcdefghwxyz"])).toBe("abcdefghwxyz");
    expect(closest("abcdefghijkl", ["abcdefgvwxyz"])).toBeUndefined();
    // Short words: at most 1 edit ("id" is not a typo of "ts").
    expect(closest("run", ["rum"])).toBe("rum");
    expect(closest("run", ["rxx"])).toBeUndefined();
    expect(closest("id", ["ts"])).toBeUndefined();
    expect(closest("runs", ["rxxs"])).toBe("rxxs");
    expect(closest("anything", [])).toBeUndefined();
  });
});
