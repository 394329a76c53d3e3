// Expected strings are CPython 3.11 json.dumps(value, indent=...) output.
import { describe, expect, it } from "vitest";
import { PyFloat, pyJsonDumps, pyJsonString } from "../../src/python/index.js";

describe("pyJsonDumps", () => {
  it("matches json.dumps(indent=4): nested layout, inline empty containers, ASCII escapes", () => {
    expect(pyJsonDumps({ a: [], b: {}, c: [1, 2.5], d: "é" })).toBe('{\n    "a": [],\n    "b": {},\n    "c": [\n        1,\n        2.5\n    ],\n    "d": "\\u00e9"\n}');
  });

  it("writes Python numbers, booleans and null", () => {
    const value = {
      x: [[], {}, [[]]],
      n: null,
      t: true,
      f: new PyFloat(1),
      big: 1e20,
      e: new PyFloat(1e16),
      s: 1e-5,
      nan: NaN,
      inf: Infinity,
      ninf: -Infinity,
    };
    expect(pyJsonDumps(value)).toBe(
      '{\n    "x": [\n        [],\n        {},\n        [\n            []\n        ]\n    ],\n    "n": null,\n    "t": true,\n' +
        '    "f": 1.0,\n    "big": 100000000000000000000,\n    "e": 1e+16,\n    "s": 1e-05,\n    "nan": NaN,\n' +
        '    "inf": Infinity,\n    "ninf": -Infinity\n}',
    );
  });

  it("distinguishes int 1 from float 1.0 and keeps negative zero floats", () => {
    expect(pyJsonDumps([1, new PyFloat(1), -0, new PyFloat(-0), 0.5, 12345678901234567890n])).toBe("[\n    1,\n    1.0,\n    0,\n    -0.0,\n    0.5,\n    12345678901234567890\n]");
  });

  it("escapes strings like ensure_ascii=True (no '/' escape, surrogate pairs, lowercase hex)", () => {
    expect(pyJsonDumps('a"b\\c/d\n\r\t\b\f\x00\x1f\x7f\u2028😀\ud800')).toBe('"a\\"b\\\\c/d\\n\\r\\t\\b\\f\\u0000\\u001f\\u007f\\u2028\\ud83d\\ude00\\ud800"');
    expect(pyJsonString("中")).toBe('"\\u4e2d"');
  });

  it("supports other indents", () => {
    expect(pyJsonDumps([1, [2, { k: [3] }]], 2)).toBe('[\n  1,\n  [\n    2,\n    {\n      "k": [\n        3\n      ]\n    }\n  ]\n]');
    expect(pyJsonDumps([1], 0)).toBe("[\n1\n]");
    expect(pyJsonDumps([1, [2]], "\t")).toBe("[\n\t1,\n\t[\n\t\t2\n\t]\n]");
  });

  it("writes scalars and empty containers without a trailing newline", () => {
    expect(pyJsonDumps([])).toBe("[]");
    expect(pyJsonDumps({})).toBe("{}");
    expect(pyJsonDumps("x")).toBe('"x"');
    expect(pyJsonDumps(null)).toBe("null");
    expect(pyJsonDumps(3)).toBe("3");
  });

  it("skips undefined properties, turns undefined list items into null (as JSON.stringify)", () => {
    expect(pyJsonDumps({ a: undefined, b: [undefined] })).toBe('{\n    "b": [\n        null\n    ]\n}');
    expect(pyJsonDumps({ a: undefined })).toBe("{}");
  });

  it("converts Map keys like Python converts dict keys", () => {
    const m = new Map<unknown, unknown>([
      [1, "c"],
      [2.5, "b"],
      [null, "d"],
      [false, "e"],
    ]);
    expect(pyJsonDumps(m)).toBe('{\n    "1": "c",\n    "2.5": "b",\n    "null": "d",\n    "false": "e"\n}');
  });

  it("refuses what Python cannot serialize", () => {
    expect(() => pyJsonDumps(new Date(0))).toThrow("Object of type Date is not JSON serializable");
    expect(() => pyJsonDumps(new Map([[[1], 2]]))).toThrow("keys must be str, int, float, bool or None, not list");
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => pyJsonDumps(loop)).toThrow("Circular reference detected");
  });

  it("allows the same object twice when it is not a cycle", () => {
    const shared = [1];
    expect(pyJsonDumps([shared, shared], 1)).toBe("[\n [\n  1\n ],\n [\n  1\n ]\n]");
  });
});
