// Expected strings and messages are CPython 3.11 `format(value, spec)` / `str.format(**vars)` output.
import { describe, expect, it } from "vitest";
import { FormatStringError, FormatValueError, MissingFormatVariableError, PyFloat, formatFieldNames, formatValue, parseFormatString, pyFormat } from "../../src/python/index.js";

type Case = [value: unknown, spec: string, expected: string];

function check(cases: Case[]): void {
  for (const [value, spec, expected] of cases) {
    expect(formatValue(value, spec), `format(${String(value)}, ${JSON.stringify(spec)})`).toBe(expected);
  }
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

describe("parseFormatString", () => {
  it("splits literals and fields, with offsets of the braces", () => {
    expect(parseFormatString("a{{b{x[0]!r:>5}c}}{y}")).toEqual([
      { kind: "literal", text: "a{b" },
      { kind: "field", name: "x", keys: [0], conversion: "r", spec: ">5", start: 4, end: 15 },
      { kind: "literal", text: "c}" },
      { kind: "field", name: "y", start: 18, end: 21 },
    ]);
    expect(parseFormatString("")).toEqual([]);
    expect(parseFormatString("}}{{")).toEqual([{ kind: "literal", text: "}{" }]);
  });

  it("accepts any character but . [ ! : } in names, and string or int keys", () => {
    expect(parseFormatString("{ts-tilt_range-max}")).toEqual([{ kind: "field", name: "ts-tilt_range-max", start: 0, end: 19 }]);
    expect(parseFormatString("{a b}")[0]).toMatchObject({ name: "a b" });
    expect(parseFormatString("{d[key][0][x:y}]}")[0]).toMatchObject({ name: "d", keys: ["key", 0, "x:y}"] });
    expect(parseFormatString("{a:}")).toEqual([{ kind: "field", name: "a", start: 0, end: 4 }]);
  });

  const errors: Array<[template: string, message: string, index: number]> = [
    ["}", "Single '}' encountered in format string", 0],
    ["a}b", "Single '}' encountered in format string", 1],
    ["{a:x}}", "Single '}' encountered in format string", 5],
    ["{", "Single '{' encountered in format string", 0],
    ["ab{", "Single '{' encountered in format string", 2],
    ["x{a", "expected '}' before end of string", 1],
    ["{d[}", "expected '}' before end of string", 0],
    ["{a!", "end of string while looking for conversion specifier", 2],
    ["{a!}", "unmatched '{' in format spec", 0],
    ["{a!r", "unmatched '{' in format spec", 0],
    ["{a:", "unmatched '{' in format spec", 0],
    ["{a!x}", "Unknown conversion specifier x", 3],
    ["{a!rx}", "expected ':' after conversion specifier", 4],
    ["{a{b}}", "unexpected '{' in field name", 2],
    ["{d[k]x}", "Only '.' or '[' may follow ']' in format field specifier", 5],
    ["{d[]}", "Empty attribute in format string", 2],
    ["{a.}", "Empty attribute in format string", 2],
    ["{a.b}", "attribute access (.b) is not supported in format fields", 2],
    ["x{}", "automatic field numbering ({}) is not supported: name the variable", 1],
    ["{[a]}", "automatic field numbering ({}) is not supported: name the variable", 0],
    ["{0}", "positional field {0} is not supported: name the variable", 0],
    ["{a:{w}}", "nested replacement fields in a format spec ({x:{w}}) are not supported", 3],
  ];
  it.each(errors)("rejects %j: %s", (template, message, index) => {
    const err = errorOf(() => parseFormatString(template));
    expect(err).toBeInstanceOf(FormatStringError);
    expect(err.message).toBe(message);
    expect((err as FormatStringError).index).toBe(index);
  });
});

describe("formatFieldNames", () => {
  it("lists each variable once, in order", () => {
    expect(formatFieldNames("{run_name}/{a}_{run_name}{c[1]:>3}{{x}}")).toEqual(["run_name", "a", "c"]);
    expect(formatFieldNames("no fields")).toEqual([]);
  });
});

describe("pyFormat", () => {
  it("substitutes with str(), keeping Python's int/float distinction", () => {
    expect(pyFormat("{run_name}/{ts-tilt_range-max}_{{x}}", { run_name: "TS_1", "ts-tilt_range-max": "60.0" })).toBe("TS_1/60.0_{x}");
    expect(pyFormat("{a}|{b}|{c}|{d}|{e}|{f}", { a: 1, b: new PyFloat(1), c: 0.1, d: true, e: null, f: new PyFloat(1e16) })).toBe("1|1.0|0.1|True|None|1e+16");
    // A plain integral JS number is a Python int.
    expect(pyFormat("{f}", { f: 1e16 })).toBe("10000000000000000");
    expect(pyFormat("{l} {d}", { l: ["a", 1], d: { k: "v" } })).toBe("['a', 1] {'k': 'v'}");
  });

  it("applies specs and conversions", () => {
    expect(pyFormat("{v:.3f}", { v: 13.4805 })).toBe("13.480");
    expect(pyFormat("{n:04d}_{s!r:>6}", { n: 7, s: "x" })).toBe("0007_   'x'");
    expect(pyFormat("{s!a}", { s: "é" })).toBe("'\\xe9'");
    expect(pyFormat("{v!s:>5}", { v: new PyFloat(2) })).toBe("  2.0");
  });

  it("indexes into dicts, lists and strings", () => {
    const vars = { d: { k: "v", inner: { list: [10, 20] } }, l: [10, 20], s: "héllo" };
    expect(pyFormat("{d[k]} {d[inner][list][1]} {l[0]} {s[1]}", vars)).toBe("v 20 10 é");
  });

  it("reports an undefined variable with its name and position", () => {
    const err = errorOf(() => pyFormat("ab{run}/{zz}", { run: "1" }));
    expect(err).toBeInstanceOf(MissingFormatVariableError);
    expect((err as MissingFormatVariableError).name).toBe("zz");
    expect((err as MissingFormatVariableError).variable).toBe("zz");
    expect((err as MissingFormatVariableError).index).toBe(8);
    expect(err.message).toBe("undefined format variable 'zz'");
    expect(() => pyFormat("{u}", { u: undefined })).toThrow(MissingFormatVariableError);
    expect(() => pyFormat("{toString}", {})).toThrow(MissingFormatVariableError);
  });

  it("reports bad lookups and bad specs with Python's exception type and the field position", () => {
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      ["x{l[x]}", { l: [1] }, "TypeError", "list indices must be integers or slices, not str"],
      ["x{l[5]}", { l: [1] }, "IndexError", "list index out of range"],
      ["x{d[zz]}", { d: {} }, "KeyError", "'zz'"],
      ["x{a[0]}", { a: 1 }, "TypeError", "'int' object is not subscriptable"],
      ["x{v:d}", { v: 1.5 }, "ValueError", "Unknown format code 'd' for object of type 'float'"],
    ];
    for (const [template, vars, type, message] of cases) {
      const err = errorOf(() => pyFormat(template, vars));
      expect(err).toBeInstanceOf(FormatValueError);
      expect((err as FormatValueError).pythonType).toBe(type);
      expect(err.message).toBe(message);
      expect((err as FormatValueError).index).toBe(1);
    }
  });
});

describe("formatValue: fixed point rounds the exact binary value half-to-even", () => {
  it("matches CPython where toFixed does not", () => {
    check([
      [13.4805, ".3f", "13.480"],
      [1.1234, ".3f", "1.123"],
      [2.675, ".2f", "2.67"],
      [0.125, ".2f", "0.12"],
      [0.375, ".2f", "0.38"],
      [0.5, ".0f", "0"],
      [1.5, ".0f", "2"],
      [2.5, ".0f", "2"],
      [0.00049, ".3f", "0.000"],
      [0.0005, ".3f", "0.001"],
      [0.0015, ".3f", "0.002"],
    ]);
  });

  it("writes every digit of large and tiny values", () => {
    check([
      [1e20, "f", "100000000000000000000.000000"],
      [1e-20, ".25f", "0.0000000000000000000100000"],
      [
        1e300 * 10,
        ".0f",
        "10000000000000000525047602552044202487044685811081591549158541155118024579889081957863713750804478640437044438328838781769425232353604305756447921847867069828483872009265758037378302337947880900593689532349707999450811190389676408800746527427801424945792587888200568428381156694721963868654594005401600",
      ],
      [3, ".2f", "3.00"],
    ]);
  });

  it("keeps or drops the minus sign of zero like Python", () => {
    check([
      [-0, ".1f", "0.0"], // a plain -0 is the int 0
      [new PyFloat(-0), ".1f", "-0.0"],
      [-0.001, ".1f", "-0.0"],
      [-0.001, "z.1f", "0.0"],
      [new PyFloat(-0), "z", "0.0"],
    ]);
  });

  it("handles '#', '%' and non-finite values", () => {
    check([
      [new PyFloat(1), "#.0f", "1."],
      [0.5, "%", "50.000000%"],
      [0.123456, ".1%", "12.3%"],
      [1, "%", "100.000000%"],
      [Infinity, "010", "0000000inf"],
      [Infinity, "F", "INF"],
      [NaN, "+", "+nan"],
      [-Infinity, ".2f", "-inf"],
      [NaN, "E", "NAN"],
    ]);
  });
});

describe("formatValue: exponent and general formats", () => {
  it("'e' and 'E'", () => {
    check([
      [12345.678, "e", "1.234568e+04"],
      [new PyFloat(0), "e", "0.000000e+00"],
      [new PyFloat(1), ".0e", "1e+00"],
      [new PyFloat(1), "#.0e", "1.e+00"],
      [1e100, ".3e", "1.000e+100"],
      [5e-324, "e", "4.940656e-324"],
      [9.9999, ".2e", "1.00e+01"],
      [1.5, "E", "1.500000E+00"],
      [3, "e", "3.000000e+00"],
    ]);
  });

  it("'g', 'G' and 'n'", () => {
    check([
      [0.0001, "g", "0.0001"],
      [0.00001, "g", "1e-05"],
      [123456789.5, "g", "1.23457e+08"],
      [new PyFloat(1), "g", "1"],
      [new PyFloat(1), "#g", "1.00000"],
      [9.9999, ".3g", "10"],
      [0.00009999, ".3g", "0.0001"],
      [1e-10, "G", "1E-10"],
      [new PyFloat(100000), "g", "100000"],
      [new PyFloat(1000000), "g", "1e+06"],
      [0.5, ".0g", "0.5"],
      [1.5, "n", "1.5"],
    ]);
  });

  it("no type: repr without precision, 'g' keeping a .0 with one", () => {
    check([
      [new PyFloat(1), ".3", "1.0"],
      [new PyFloat(100), ".3", "1e+02"],
      [new PyFloat(1000), ".3", "1e+03"],
      [1.23456, ".3", "1.23"],
      [new PyFloat(1e16), "", "1e+16"],
      [1e-5, "", "1e-05"],
      [0.1, "", "0.1"],
      [1.5, "^9", "   1.5   "],
      [new PyFloat(2), ">6", "   2.0"],
    ]);
  });
});

describe("formatValue: width, alignment, sign, grouping", () => {
  it("pads numbers and strings", () => {
    check([
      [42, "05d", "00042"],
      [-42, "05d", "-0042"],
      [-42, "<6", "-42   "],
      [42, "^6", "  42  "],
      [42, "*^7", "**42***"],
      [1, "x<5", "1xxxx"],
      [-1.5, "08.2f", "-0001.50"],
      [1.5, "=+8", "+    1.5"],
      [-5, " d", "-5"],
      [5, " d", " 5"],
      [5, "+d", "+5"],
      ["ab", "05", "ab000"],
      ["ab", "^5", " ab  "],
      ["ab", "*^6", "**ab**"],
      ["ab", ">4", "  ab"],
      ["abc", "x<2", "abc"],
      ["é😀", "*>4", "**é😀"],
    ]);
  });

  it("groups thousands, including inside zero padding", () => {
    check([
      [1234, ",", "1,234"],
      [1234567.5, ",", "1,234,567.5"],
      [1234567.891, ",.2f", "1,234,567.89"],
      [12345678, "_", "12_345_678"],
      [1234, "010,", "00,001,234"],
      [1234, "08,", "0,001,234"],
      [1234, "0=10,", "00,001,234"],
      [1234, "0>10,", "000001,234"],
      [-1234.5, "012,.2f", "-0,001,234.50"],
      [new PyFloat(1e16), ",", "1e+16"],
      [1e16, ",", "10,000,000,000,000,000"],
      [2 ** 70, ",", "1,180,591,620,717,411,303,424"],
    ]);
  });

  it("formats ints in other bases and as characters", () => {
    check([
      [255, "#x", "0xff"],
      [255, "X", "FF"],
      [255, "#X", "0XFF"],
      [255, "#o", "0o377"],
      [5, "#b", "0b101"],
      [65535, "_x", "ffff"],
      [255, "_b", "1111_1111"],
      [65, "c", "A"],
      [12345678901234567890n, "d", "12345678901234567890"],
    ]);
  });
});

describe("formatValue: strings, bools and other values", () => {
  it("truncates strings with a precision", () => {
    check([
      ["abc", ".2", "ab"],
      ["abc", ".0", ""],
      ["ab", "s", "ab"],
      ["abc", "", "abc"],
    ]);
  });

  it("treats bool as str() without a spec and as an int with one", () => {
    check([
      [true, "", "True"],
      [true, ">5", "    1"],
      [false, "d", "0"],
    ]);
  });

  it("uses str() for None, lists and dicts with an empty spec only", () => {
    expect(formatValue(null, "")).toBe("None");
    expect(formatValue([1, "a"], "")).toBe("[1, 'a']");
    expect(formatValue(null, ">5", "s")).toBe(" None");
  });

  const errors: Array<[value: unknown, spec: string, message: string]> = [
    ["ab", " ", "Space not allowed in string format specifier"],
    ["ab", "+", "Sign not allowed in string format specifier"],
    ["ab", "z", "Negative zero coercion (z) not allowed in string format specifier"],
    ["ab", "#", "Alternate form (#) not allowed in string format specifier"],
    ["ab", "=", "'=' alignment not allowed in string format specifier"],
    ["ab", ",", "Cannot specify ',' with 's'."],
    ["ab", "d", "Unknown format code 'd' for object of type 'str'"],
    [1.5, "d", "Unknown format code 'd' for object of type 'float'"],
    [1.5, "s", "Unknown format code 's' for object of type 'float'"],
    [true, "s", "Unknown format code 's' for object of type 'bool'"],
    [1, "\x01", "Unknown format code '\\x1' for object of type 'int'"],
    [1, ".2", "Precision not allowed in integer format specifier"],
    [5, "z", "Negative zero coercion (z) not allowed in integer format specifier"],
    [1.5, "xx", "Invalid format specifier 'xx' for object of type 'float'"],
    [1.5, ".f", "Format specifier missing precision"],
    [1.5, ",_", "Cannot specify both ',' and '_'."],
    [1.5, "_,", "Cannot specify both ',' and '_'."],
    [255, ",x", "Cannot specify ',' with 'x'."],
    [1, ",n", "Cannot specify ',' with 'n'."],
    [1, "+c", "Sign not allowed with integer format specifier 'c'"],
    [1, "#c", "Alternate form (#) not allowed with integer format specifier 'c'"],
    [null, ">5", "unsupported format string passed to NoneType.__format__"],
    [[1], ">5", "unsupported format string passed to list.__format__"],
    [{}, "x", "unsupported format string passed to dict.__format__"],
  ];
  it.each(errors)("format(%j, %j) raises %s", (value, spec, message) => {
    const err = errorOf(() => formatValue(value, spec));
    expect(err).toBeInstanceOf(FormatValueError);
    expect(err.message).toBe(message);
  });
});
