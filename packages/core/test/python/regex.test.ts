// Expected matches, error messages and positions are CPython 3.11 `re` behaviour.
import { describe, expect, it } from "vitest";
import { PyRegex, PythonRegexError, compilePythonRegex, translatePythonRegex } from "../../src/python/index.js";

function span(m: RegExpExecArray | null): [number, number] | null {
  return m ? [m.index, m.index + m[0].length] : null;
}

describe("translatePythonRegex", () => {
  const translations: Array<[python: string, source: string, flags: string]> = [
    ["(?P<name>\\w+)_(?P<num>\\d+)", "(?<name>\\w+)_(?<num>\\d+)", ""],
    ["(?P<a>x)(?P=a)", "(?<a>x)\\k<a>", ""],
    ["\\Aabc\\Z", "^abc$", ""],
    ["(?i)abc", "abc", "i"],
    ["(?s)a.b", "a.b", "s"],
    ["(?im)^X$", "(?<![^\\n])X(?![^\\n])", "im"],
    ["(?m)\\Ax\\Z", "(?<![\\s\\S])x(?![\\s\\S])", "m"],
    ["(?i)(?m)a", "a", "im"],
    ["(?x) a b # comment\n c", "abc", ""],
    ["(?x)[ #]x\\ y", "[ #]x y", ""],
    ["(?x) (?i)a", "a", "i"],
    ["(?#note)a(?#c)*", "a*", ""],
    ["a{,3}b{,}c{2}d{2,}e{1,2}?", "a{0,3}b{0,}c{2}d{2,}e{1,2}?", ""],
    ["x{ a{} }]", "x\\{ a\\{\\} \\}\\]", ""],
    ["[]a][^]a][a-][\\d-][\\]][\\[]", "[\\]a][^\\]a][a\\-][\\d\\-][\\]][\\[]", ""],
    ["\\0\\141\\x41\\u00e9\\a\\-\\.", "\\x00aAé\\x07-\\.", ""],
    ["\\U0001F600+", "(?:\\uD83D\\uDE00)+", ""],
    ["[\\b][\\0][\\101]", "[\\x08][\\x00][A]", ""],
    ["(a)\\1(b)\\2", "(a)\\1(b)\\2", ""],
    ["(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)\\128", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)\\12(?:)8", ""],
    ["(?x)(a)\\1 0", "(a)\\1(?:)0", ""],
    ["(a)\\1(?#c)0\\1\\x30", "(a)\\1(?:)0\\1(?:)0", ""],
    ["(?:ab)+(?=a)(?!b)(?<=a)(?<!b)", "(?:ab)+(?=a)(?!b)(?<=a)(?<!b)", ""],
    [".*$(?<!(10014|10015))", "[^\\n]*(?=\\n?$)(?<!(10014|10015))", ""],
    ["^.*\\.mrc$", "^[^\\n]*\\.mrc(?=\\n?$)", ""],
    ["(?a)\\w+", "\\w+", ""],
    ["", "", ""],
  ];
  it.each(translations)("%j -> %j", (python, source, flags) => {
    expect(translatePythonRegex(python)).toEqual({ ok: true, source, flags });
  });

  // Python's own errors, with its messages and positions.
  const pythonErrors: Array<[pattern: string, message: string, index: number]> = [
    ["(", "missing ), unterminated subpattern", 0],
    ["a(b(c)", "missing ), unterminated subpattern", 1],
    [")", "unbalanced parenthesis", 0],
    ["[a", "unterminated character set", 0],
    ["a**", "multiple repeat", 2],
    ["a{2}{3}", "multiple repeat", 4],
    ["a*?+", "multiple repeat", 3],
    ["^*", "nothing to repeat", 1],
    ["$*", "nothing to repeat", 1],
    ["\\b*", "nothing to repeat", 2],
    ["{2}", "nothing to repeat", 0],
    ["a|*", "nothing to repeat", 2],
    ["a{3,2}", "min repeat greater than max repeat", 2],
    ["[\\Z]", "bad escape \\Z", 1],
    ["[\\A]", "bad escape \\A", 1],
    ["[\\8]", "bad escape \\8", 1],
    ["\\z", "bad escape \\z", 0],
    ["\\q", "bad escape \\q", 0],
    ["a\\", "bad escape (end of pattern)", 1],
    ["\\x4", "incomplete escape \\x4", 0],
    ["\\u12", "incomplete escape \\u12", 0],
    ["\\400", "octal escape value \\400 outside of range 0-0o377", 0],
    ["[z-a]", "bad character range z-a", 1],
    ["[\\d-z]", "bad character range \\d-z", 1],
    ["(a)\\10", "invalid group reference 10", 4],
    ["\\2(a)(b)", "invalid group reference 2", 1],
    ["(a\\1)", "cannot refer to an open group", 2],
    ["(a)\\1(b)\\20", "invalid group reference 20", 9],
    ["(?P<a>x(?P=a))", "cannot refer to an open group", 11],
    ["(?P<a>x)(?P=b)", "unknown group name 'b'", 12],
    ["(?P<1a>x)", "bad character in group name '1a'", 4],
    ["(?P<a-b>x)", "bad character in group name 'a-b'", 4],
    ["(?P<a>x)(?P<a>y)", "redefinition of group name 'a' as group 2; was group 1", 12],
    ["(?P<a", "missing >, unterminated name", 4],
    ["(?P=a", "missing ), unterminated name", 4],
    ["(?", "unexpected end of pattern", 2],
    ["(?Px)", "unknown extension ?Px", 1],
    ["(?q)", "unknown extension ?q", 1],
    ["(?i", "missing -, : or )", 3],
    ["(?#abc", "missing ), unterminated comment", 0],
    ["(?L)a", "bad inline flags: cannot use 'L' flag with a str pattern", 3],
    ["a(?i)", "global flags not at the start of the expression", 1],
    ["(?i)a(?m)", "global flags not at the start of the expression", 5],
    ["((?i)a)", "global flags not at the start of the expression", 1],
    ["(?i)|(?m)a", "global flags not at the start of the expression", 5],
  ];
  it.each(pythonErrors)("rejects %j like Python: %s", (pattern, message, index) => {
    expect(translatePythonRegex(pattern)).toEqual({ ok: false, message, index });
  });

  // Valid Python that JavaScript (Node 20) cannot run: reported, naming the construct.
  const unsupported: Array<[pattern: string, construct: string, index: number]> = [
    ["a(?i:b)", "scoped inline flag group", 1],
    ["(?-i:b)", "scoped inline flag group", 0],
    ["x(?>a+)", "atomic group (?>...)", 1],
    ["ab*+", "possessive quantifier *+", 2],
    ["a++", "possessive quantifier ++", 1],
    ["a?+", "possessive quantifier ?+", 1],
    ["a{1,2}+", "possessive quantifier {1,2}+", 1],
    ["(a)(?(1)b|c)", "conditional pattern", 3],
    ["\\N{DIGIT ONE}", "named Unicode escape", 0],
    ["[\\U0001F600]", "outside the BMP", 1],
  ];
  it.each(unsupported)("reports %j (%s)", (pattern, construct, index) => {
    const result = translatePythonRegex(pattern);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain(construct);
    expect(result.message).toContain("not supported");
    expect(result.index).toBe(index);
  });

  it("points at Python's named-group syntax when given JavaScript's", () => {
    expect(translatePythonRegex("(?<n>a)")).toEqual({
      ok: false,
      message: "unknown extension ?<n (Python names groups with (?P<name>...))",
      index: 1,
    });
  });

  it("wraps a repeated lookbehind in a group, since JavaScript cannot repeat it directly", () => {
    expect(translatePythonRegex("x(?<=x)*(?<!b)?y")).toEqual({ ok: true, source: "x(?:(?<=x))*(?:(?<!b))?y", flags: "" });
    expect(translatePythonRegex("(?<=a)(?#c){2}b")).toEqual({ ok: true, source: "(?:(?<=a)){2}b", flags: "" });
    expect(compilePythonRegex("x(?<=x)*y").fullmatch("xy")?.[0]).toBe("xy");
  });
});

describe("compilePythonRegex", () => {
  it("throws PythonRegexError with the pattern and position", () => {
    let caught: unknown;
    try {
      compilePythonRegex("ab(?>c)");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PythonRegexError);
    const err = caught as PythonRegexError;
    expect(err.index).toBe(2);
    expect(err.pattern).toBe("ab(?>c)");
    expect(err.message).toBe("atomic group (?>...) is not supported by JavaScript regular expressions");
  });

  it("keeps the original pattern next to the translation", () => {
    const r = compilePythonRegex("(?i)(?P<run>TS_\\d+)$");
    expect(r).toBeInstanceOf(PyRegex);
    expect(r.pattern).toBe("(?i)(?P<run>TS_\\d+)$");
    expect(r.source).toBe("(?<run>TS_\\d+)(?=\\n?$)");
    expect(r.flags).toBe("i");
  });

  it("match() is anchored at the start only, search() anywhere, fullmatch() on the whole string", () => {
    const r = compilePythonRegex("a+");
    expect(span(r.match("aab"))).toEqual([0, 2]);
    expect(r.match("baa")).toBeNull();
    expect(span(r.search("baa"))).toEqual([1, 3]);
    expect(span(r.fullmatch("aaa"))).toEqual([0, 3]);
    expect(r.fullmatch("aab")).toBeNull();
    // Repeated calls do not carry state over (sticky lastIndex is reset).
    expect(span(r.match("aab"))).toEqual([0, 2]);
    expect(span(r.match("aab"))).toEqual([0, 2]);
  });

  it("fullmatch() backtracks into alternatives as Python does", () => {
    const r = compilePythonRegex("a|ab");
    expect(span(r.match("ab"))).toEqual([0, 1]);
    expect(span(r.fullmatch("ab"))).toEqual([0, 2]);
  });

  it("exposes groups, undefined when a group did not participate", () => {
    const r = compilePythonRegex("(?P<x>a)|(?P<y>b)");
    const m = r.match("b");
    expect(m?.[1]).toBeUndefined();
    expect(m?.[2]).toBe("b");
    expect(m?.groups).toEqual({ x: undefined, y: "b" });
    const ts = compilePythonRegex("(?P<name>\\w+)_(?P<num>\\d+)").fullmatch("TS_012");
    expect(ts?.groups).toEqual({ name: "TS", num: "012" });
  });

  it("supports the lookbehind exclusion used in real configs", () => {
    const r = compilePythonRegex(".*$(?<!(10014|10015))");
    expect(r.search("run_10014")).toBeNull();
    expect(r.search("run_10015")).toBeNull();
    expect(span(r.search("run_10013"))).toEqual([0, 9]);
  });

  it("gives $ Python's meaning: end of string or before a final newline", () => {
    const r = compilePythonRegex("a$");
    expect(span(r.search("a\n"))).toEqual([0, 1]);
    expect(r.search("a\n\n")).toBeNull();
    expect(r.fullmatch("a\n")).toBeNull();
    const z = compilePythonRegex("a\\Z");
    expect(z.search("a\n")).toBeNull();
    expect(span(z.search("ba"))).toEqual([1, 2]);
  });

  it("breaks MULTILINE lines at \\n only, and lets . match \\r", () => {
    const r = compilePythonRegex("(?m)^x$");
    const all = (s: string): number[] => {
      const out: number[] = [];
      for (let i = 0; i <= s.length; i++) {
        const m = r.search(s.slice(i));
        if (m && m.index === 0) out.push(i);
      }
      return out;
    };
    // Python: re.findall('(?m)^x$', 'x\r\nx\nx') == ['x', 'x'] (at 3 and 5)
    expect(all("x\r\nx\nx")).toEqual([3, 5]);
    expect(span(compilePythonRegex(".").match("\r"))).toEqual([0, 1]);
    expect(compilePythonRegex(".").match("\n")).toBeNull();
    expect(span(compilePythonRegex("(?s).").match("\n"))).toEqual([0, 1]);
  });

  it("applies inline flags and verbose mode", () => {
    expect(span(compilePythonRegex("(?i)^.*\\.(MRC|rec)$").fullmatch("TOMO.REC"))).toEqual([0, 8]);
    const verbose = compilePythonRegex("(?x) TS_ \\d{2,3}  # tilt series\n  \\.mrc");
    expect(span(verbose.fullmatch("TS_001.mrc"))).toEqual([0, 10]);
    expect(verbose.fullmatch("TS_ 001.mrc")).toBeNull();
  });

  it("treats Python-only quantifier and escape forms correctly", () => {
    expect(span(compilePythonRegex("xa{,2}").fullmatch("xaa"))).toEqual([0, 3]);
    expect(compilePythonRegex("xa{,2}").fullmatch("xaaa")).toBeNull();
    expect(span(compilePythonRegex("a{}").fullmatch("a{}"))).toEqual([0, 3]);
    expect(span(compilePythonRegex("\\141\\0").fullmatch("a\0"))).toEqual([0, 2]);
    expect(span(compilePythonRegex("(a)\\1(?#c)0").fullmatch("aa0"))).toEqual([0, 3]);
    expect(span(compilePythonRegex("(?x)(a) \\1 0").fullmatch("aa0"))).toEqual([0, 3]);
  });

  it("keeps JavaScript's ASCII \\d and \\w (documented difference from Python)", () => {
    // Python: re.fullmatch(r'\w', 'é') matches; without the u flag JavaScript does not.
    expect(compilePythonRegex("\\w").fullmatch("é")).toBeNull();
    expect(compilePythonRegex("\\d").fullmatch("٣")).toBeNull();
  });
});
