// Expected strings are CPython 3.11 output (repr/str/ascii), checked against python3 by hand.
import { describe, expect, it } from "vitest";
import { PyFloat, isPyFloat, pyAscii, pyRepr, pyReprValue, pyStr, pyStringRepr, pyTypeName, shortestDigits } from "../../src/python/index.js";

describe("pyRepr", () => {
  it("writes ints with all their digits", () => {
    expect(pyRepr(0, false)).toBe("0");
    expect(pyRepr(-0, false)).toBe("0");
    expect(pyRepr(42, false)).toBe("42");
    expect(pyRepr(-7, false)).toBe("-7");
    expect(pyRepr(1e21, false)).toBe("1000000000000000000000");
    expect(pyRepr(2 ** 60, false)).toBe("1152921504606846976");
  });

  it("treats a non-integral number as a float even when isFloat is false", () => {
    expect(pyRepr(2.5, false)).toBe("2.5");
    expect(pyRepr(NaN, false)).toBe("nan");
  });

  it("ends integral floats with .0", () => {
    expect(pyRepr(1, true)).toBe("1.0");
    expect(pyRepr(0, true)).toBe("0.0");
    expect(pyRepr(-0, true)).toBe("-0.0");
    expect(pyRepr(1e15, true)).toBe("1000000000000000.0");
    // biome-ignore lint/correctness/noPrecisionLoss: the literal rounds, as Python reads it
    expect(pyRepr(9007199254740993, true)).toBe("9007199254740992.0");
  });

  it("uses the shortest round-trip digits", () => {
    expect(pyRepr(0.1, true)).toBe("0.1");
    expect(pyRepr(0.1 + 0.2, true)).toBe("0.30000000000000004");
    expect(pyRepr(2.5, true)).toBe("2.5");
    expect(pyRepr(-1234.5678, true)).toBe("-1234.5678");
  });

  it("switches to exponent notation below 1e-4 and from 1e16, with Python's exponent layout", () => {
    expect(pyRepr(1e16, true)).toBe("1e+16");
    expect(pyRepr(1e-5, true)).toBe("1e-05");
    expect(pyRepr(0.0001, true)).toBe("0.0001");
    expect(pyRepr(2.5e-5, true)).toBe("2.5e-05");
    expect(pyRepr(1.5e-7, true)).toBe("1.5e-07");
    expect(pyRepr(123456789012345680.0, true)).toBe("1.2345678901234568e+17");
    // biome-ignore lint/correctness/noPrecisionLoss: literals written as Python would read them
    expect(pyRepr(12345678901234567.0, true)).toBe("1.2345678901234568e+16");
    expect(pyRepr(1e21, true)).toBe("1e+21");
    expect(pyRepr(1e22, true)).toBe("1e+22");
    expect(pyRepr(-1.25e100, true)).toBe("-1.25e+100");
    expect(pyRepr(5e-324, true)).toBe("5e-324");
    expect(pyRepr(1.7976931348623157e308, true)).toBe("1.7976931348623157e+308");
  });

  it("writes non-finite floats as inf, -inf, nan", () => {
    expect(pyRepr(Infinity, true)).toBe("inf");
    expect(pyRepr(-Infinity, true)).toBe("-inf");
    expect(pyRepr(NaN, true)).toBe("nan");
  });

  it("exposes the digits and decimal point position", () => {
    expect(shortestDigits(1234.5)).toEqual({ digits: "12345", decpt: 4 });
    expect(shortestDigits(0.00012)).toEqual({ digits: "12", decpt: -3 });
    expect(shortestDigits(1e21)).toEqual({ digits: "1", decpt: 22 });
    expect(shortestDigits(0)).toEqual({ digits: "0", decpt: 1 });
  });
});

describe("PyFloat", () => {
  it("behaves as its number and prints as a Python float", () => {
    const f = new PyFloat(1);
    expect(isPyFloat(f)).toBe(true);
    expect(isPyFloat(1)).toBe(false);
    expect(+f).toBe(1);
    expect(f.valueOf() + 1).toBe(2);
    expect(String(f)).toBe("1.0");
    expect(`${new PyFloat(1e16)}`).toBe("1e+16");
    expect(JSON.stringify({ v: f })).toBe('{"v":1}');
  });
});

describe("pyStringRepr", () => {
  it("chooses quotes like Python", () => {
    expect(pyStringRepr("abc")).toBe("'abc'");
    expect(pyStringRepr("it's")).toBe(`"it's"`);
    expect(pyStringRepr('x"y')).toBe(`'x"y'`);
    expect(pyStringRepr(`both'"`)).toBe(`'both\\'"'`);
  });

  it("escapes backslashes and non-printable characters, keeps printable non-ASCII", () => {
    expect(pyStringRepr("tab\there\\ \x07\x7f\x85\xa0\u200b\ud800é😀")).toBe("'tab\\there\\\\ \\x07\\x7f\\x85\\xa0\\u200b\\ud800é😀'");
    expect(pyStringRepr("a\nb\rc\x00")).toBe("'a\\nb\\rc\\x00'");
    expect(pyStringRepr("\u2028")).toBe("'\\u2028'");
  });
});

describe("pyStr / pyReprValue / pyAscii", () => {
  it("converts scalars like str()", () => {
    expect(pyStr(null)).toBe("None");
    expect(pyStr(undefined)).toBe("None");
    expect(pyStr(true)).toBe("True");
    expect(pyStr(false)).toBe("False");
    expect(pyStr(3)).toBe("3");
    expect(pyStr(3.0)).toBe("3");
    expect(pyStr(new PyFloat(3))).toBe("3.0");
    expect(pyStr(0.5)).toBe("0.5");
    expect(pyStr(12345678901234567890n)).toBe("12345678901234567890");
    expect(pyStr("it's")).toBe("it's");
  });

  it("prints containers as Python repr", () => {
    const value = {
      a: "it's",
      b: 'x"y',
      c: `both'"`,
      d: null,
      e: true,
      f: new PyFloat(1),
      g: [1, 2.5, "x", []],
      h: {},
    };
    expect(pyStr(value)).toBe(`{'a': "it's", 'b': 'x"y', 'c': 'both\\'"', 'd': None, 'e': True, 'f': 1.0, 'g': [1, 2.5, 'x', []], 'h': {}}`);
    expect(pyStr(["a", 1])).toBe("['a', 1]");
    expect(pyStr({ a: 1 })).toBe("{'a': 1}");
    expect(
      pyStr(
        new Map<unknown, unknown>([
          [1, "one"],
          ["k", [null]],
        ]),
      ),
    ).toBe("{1: 'one', 'k': [None]}");
  });

  it("skips undefined properties and prints self-references as Python does", () => {
    expect(pyStr({ a: 1, b: undefined })).toBe("{'a': 1}");
    const loop: unknown[] = [1];
    loop.push(loop);
    expect(pyReprValue(loop)).toBe("[1, [...]]");
  });

  it("repr quotes strings, ascii also escapes non-ASCII", () => {
    expect(pyReprValue("x")).toBe("'x'");
    expect(pyReprValue(2)).toBe("2");
    expect(pyAscii(["é", "😀", { k: "\u2028" }])).toBe("['\\xe9', '\\U0001f600', {'k': '\\u2028'}]");
    expect(pyAscii("hé")).toBe("'h\\xe9'");
  });

  it("names Python types", () => {
    expect([null, true, 1, 1.5, new PyFloat(1), "s", [], {}, new Map()].map(pyTypeName)).toEqual(["NoneType", "bool", "int", "float", "float", "str", "list", "dict", "dict"]);
  });
});
