import { describe, expect, it } from "vitest";
import { compilePythonRegex, expandTemplate, type IngestError, PyFloat, pyFormat, pyJsonDumps, python, translatePythonRegex } from "@ingestkit/core";

describe("templates follow Python str.format", () => {
  it("substitutes names with '-', keeps {{ }} escapes, applies format specs", () => {
    expect(pyFormat("{run_name}/{ts-tilt_range-max}_{{x}}", { run_name: "TS_1", "ts-tilt_range-max": "60.0" })).toBe("TS_1/60.0_{x}");
    expect(pyFormat("{v:.3f}", { v: 13.4805 })).toBe("13.480");
    expect(python.formatValue(0.125, ".2f")).toBe("0.12");
    expect(python.formatValue(2.675, ".2f")).toBe("2.67");
    expect(python.formatValue(1.5, ".0f")).toBe("2");
    expect(pyFormat("{n}", { n: new PyFloat(1) })).toBe("1.0");
  });
  it("names the undefined variable and where it is", () => {
    try {
      expandTemplate("{run_nam}/x", { run_name: "a" }, { file: "c.yaml", line: 3, col: 7, field: "runs[0].sources[0].source_glob.list_glob" });
      expect.unreachable();
    } catch (err) {
      const e = err as IngestError;
      expect(e.code).toBe("TEMPLATE_UNDEFINED");
      expect(e.format()).toContain("c.yaml:3:7: undefined template variable {run_nam} in runs[0].sources[0].source_glob.list_glob");
      expect(e.hint).toBe("did you mean {run_name}?");
    }
  });
  it("rejects a single '}'", () => {
    expect(() => pyFormat("a}b", {})).toThrow(/Single '}'/);
  });
});

describe("Python regexes", () => {
  it("translates named groups and keeps lookbehind", () => {
    expect(compilePythonRegex("(?P<run>TS_\\d+)_(?P=run)").match("TS_1_TS_1")?.groups?.run).toBe("TS_1");
    expect(compilePythonRegex(".*$(?<!(10014|10015))").match("10016")).not.toBeNull();
    expect(compilePythonRegex(".*$(?<!(10014|10015))").match("10014")).toBeNull();
  });
  it("re.match anchors at the start only", () => {
    const r = compilePythonRegex("TS_0[12]");
    expect(r.match("TS_01_extra")).not.toBeNull();
    expect(r.match("xTS_01")).toBeNull();
    expect(r.search("xTS_01")).not.toBeNull();
  });
  it("reports what JavaScript cannot run, with the position", () => {
    expect(translatePythonRegex("ab(?>c)")).toMatchObject({ ok: false, index: 2, message: expect.stringMatching(/atomic group/) });
    expect(translatePythonRegex("a(?i:b)").ok).toBe(false);
  });
});

describe("JSON like json.dumps(indent=4)", () => {
  it("matches Python byte for byte", () => {
    expect(pyJsonDumps({ a: [], b: {}, c: [1, 2.5], d: "é/\u007f", e: new PyFloat(3), f: new PyFloat(1e16), g: 1e-5, h: 10 ** 16 })).toBe(
      '{\n    "a": [],\n    "b": {},\n    "c": [\n        1,\n        2.5\n    ],\n    "d": "\\u00e9/\\u007f",\n    "e": 3.0,\n    "f": 1e+16,\n    "g": 1e-05,\n    "h": 10000000000000000\n}',
    );
  });
});

describe("YAML aliases", () => {
  it("resolve to the latest anchor of their name, positions follow the alias", async () => {
    const { loadYaml } = await import("@ingestkit/core");
    const y = loadYaml("a: &x {v: 1}\nb: *x\nc: &x {v: 2}\nd: *x\n", "t.yaml");
    expect(y.value).toEqual({ a: { v: 1 }, b: { v: 1 }, c: { v: 2 }, d: { v: 2 } });
    expect(y.positionOf(["d", "v"])).toEqual({ line: 3, col: 11 });
  });
});
