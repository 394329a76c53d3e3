/**
 * Python `re` patterns from YAML configs, run as JavaScript RegExps.
 *
 * Written here because configs are written for Python's `re` (`(?P<name>...)`, `\A`, `\Z`, `(?i)`,
 * verbose mode) and no npm package translates that dialect or reports what JavaScript cannot do.
 * The translator walks the pattern like CPython's sre_parse, so it raises the same errors (with
 * Python's messages and positions) and reports Python-only constructs instead of silently
 * mis-matching.
 *
 * Semantics kept from Python:
 * - `$` (no MULTILINE) also matches before a final "\n"; `^`/`$` with MULTILINE only break at "\n";
 *   `.` without DOTALL matches "\r" (JS `.`, `^`, `$` treat \r, U+2028, U+2029 as line ends too).
 * - `{,n}` is a quantifier, `\a` is BEL, `\0`/`\141` are octal, unknown ASCII-letter escapes are errors.
 *
 * Known differences (we do not add the `u` flag, so JavaScript's defaults apply): `\d`, `\w`, `\b`
 * are ASCII-only, where Python str patterns also accept other Unicode digits and letters; IGNORECASE
 * uses JavaScript's case mapping; a character outside the BMP counts as two characters, and cannot be
 * used in a character class. Variable-width lookbehind, an error in Python, is accepted.
 */

export type PythonRegexTranslation = { ok: true; source: string; flags: string } | { ok: false; message: string; index: number };

/** Alias of PythonRegexTranslation. */
export type TranslateResult = PythonRegexTranslation;

/** A Python pattern that does not compile, or uses something JavaScript cannot run. */
export class PythonRegexError extends Error {
  constructor(
    message: string,
    /** 0-based offset in `pattern` (best effort for errors reported by the JS engine). */
    readonly index: number,
    readonly pattern: string,
  ) {
    super(message);
    this.name = "PythonRegexError";
  }
}

class TranslateError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

const VERBOSE_SPACE = " \t\n\r\v\f";
const DIGITS = "0123456789";
const OCT_DIGITS = "01234567";
const GROUP_NAME = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;
const INLINE_FLAGS = "aiLmsux";
const JS_SYNTAX = "\\^$.|?*+()[]{}/";
const UNSUPPORTED = "is not supported by JavaScript regular expressions";

/** What the previous token was, for Python's "nothing to repeat" / "multiple repeat" checks. */
type Prev = "none" | "anchor" | "item" | "repeat";

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  a: boolean;
  u: boolean;
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, "0");
}

/** A code point as JS source outside a class; astral ones as a surrogate pair grouped for quantifiers. */
function literalOutside(cp: number): string {
  if (cp > 0xffff) {
    const s = String.fromCodePoint(cp);
    return `(?:\\u${hex(s.charCodeAt(0), 4)}\\u${hex(s.charCodeAt(1), 4)})`;
  }
  const ch = String.fromCharCode(cp);
  if (JS_SYNTAX.includes(ch)) return `\\${ch}`;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  return ch;
}

class Translator {
  private pos = 0;
  private out = "";
  private readonly flags: Flags = { i: false, m: false, s: false, x: false, a: false, u: false };
  private groups = 0;
  private readonly open = new Set<number>();
  private readonly names = new Map<string, number>();
  private readonly stack: Array<{ index: number; outStart: number; group?: number; lookbehind?: boolean }> = [];
  private prev: Prev = "none";
  /** Global flags are only allowed before the first item (Python 3.11). */
  private atStart = true;
  /** Output length just after a numeric backreference. */
  private backrefEnd = -1;
  /** Output offset of the lookbehind that is the last item, if it is one. */
  private lookbehindStart = -1;

  constructor(private readonly p: string) {}

  run(): { source: string; flags: string } {
    const p = this.p;
    while (this.pos < p.length) {
      const ch = p[this.pos] ?? "";
      if (this.flags.x) {
        if (VERBOSE_SPACE.includes(ch)) {
          this.pos++;
          continue;
        }
        if (ch === "#") {
          const nl = p.indexOf("\n", this.pos);
          this.pos = nl < 0 ? p.length : nl + 1;
          continue;
        }
      }
      if (ch === "(") {
        this.group();
        continue;
      }
      this.atStart = false;
      switch (ch) {
        case ")":
          this.closeGroup();
          break;
        case "|":
          this.emit("|", "none");
          this.pos++;
          break;
        case "[":
          this.characterClass();
          break;
        case "\\":
          this.escape();
          break;
        case ".":
          this.emit(this.flags.s ? "." : "[^\\n]", "item");
          this.pos++;
          break;
        case "^":
          // Python's MULTILINE ^ follows "\n" only; JS's m flag also breaks at \r, U+2028, U+2029.
          this.emit(this.flags.m ? "(?<![^\\n])" : "^", "anchor");
          this.pos++;
          break;
        case "$":
          // Python's $ also matches before a final "\n" ('a$' finds 'a' in "a\n").
          this.emit(this.flags.m ? "(?![^\\n])" : "(?=\\n?$)", "anchor");
          this.pos++;
          break;
        case "*":
        case "+":
        case "?":
          this.repeat(ch, this.pos, this.pos + 1);
          break;
        case "{":
          this.brace();
          break;
        default: {
          const cp = p.codePointAt(this.pos) ?? 0;
          this.emit(literalOutside(cp), "item");
          this.pos += cp > 0xffff ? 2 : 1;
        }
      }
    }
    const unclosed = this.stack[this.stack.length - 1];
    if (unclosed) throw new TranslateError("missing ), unterminated subpattern", unclosed.index);
    const flags = `${this.flags.i ? "i" : ""}${this.flags.m ? "m" : ""}${this.flags.s ? "s" : ""}`;
    return { source: this.out, flags };
  }

  private emit(text: string, prev: Prev): void {
    // A digit right after a backreference would extend it in JS (\1 then "0" is not \10).
    if (this.out.length === this.backrefEnd && /^[0-9]/.test(text)) this.out += "(?:)";
    this.out += text;
    this.prev = prev;
    this.lookbehindStart = -1;
  }

  private fail(message: string, index: number): never {
    throw new TranslateError(message, index);
  }

  private closeGroup(): void {
    const top = this.stack.pop();
    if (!top) this.fail("unbalanced parenthesis", this.pos);
    if (top.group !== undefined) this.open.delete(top.group);
    this.emit(")", "item");
    if (top.lookbehind) this.lookbehindStart = top.outStart;
    this.pos++;
  }

  private pushGroup(start: number, opener: string, group?: number): void {
    this.atStart = false;
    const entry = { index: start, outStart: this.out.length, lookbehind: opener === "(?<=" || opener === "(?<!" };
    this.stack.push(group === undefined ? entry : { ...entry, group });
    this.emit(opener, "none");
  }

  private readName(start: number, terminator: string, missing: string): string {
    const end = this.p.indexOf(terminator, start);
    if (end < 0) this.fail(missing, start);
    const name = this.p.slice(start, end);
    if (name === "") this.fail("missing group name", start);
    if (!GROUP_NAME.test(name)) this.fail(`bad character in group name '${name}'`, start);
    this.pos = end + 1;
    return name;
  }

  private group(): void {
    const p = this.p;
    const start = this.pos;
    if (p[start + 1] !== "?") {
      this.pos++;
      const n = ++this.groups;
      this.open.add(n);
      this.pushGroup(start, "(", n);
      return;
    }
    this.pos = start + 2;
    const c = p[this.pos];
    if (c === undefined) this.fail("unexpected end of pattern", this.pos);
    if (c === "P") {
      const kind = p[this.pos + 1];
      if (kind === "<") {
        const nameStart = this.pos + 2;
        const name = this.readName(nameStart, ">", "missing >, unterminated name");
        const previous = this.names.get(name);
        const n = this.groups + 1;
        if (previous !== undefined) {
          this.fail(`redefinition of group name '${name}' as group ${n}; was group ${previous}`, nameStart);
        }
        this.groups = n;
        this.names.set(name, n);
        this.open.add(n);
        this.pushGroup(start, `(?<${name}>`, n);
        return;
      }
      if (kind === "=") {
        const nameStart = this.pos + 2;
        const name = this.readName(nameStart, ")", "missing ), unterminated name");
        const n = this.names.get(name);
        if (n === undefined) this.fail(`unknown group name '${name}'`, nameStart);
        if (this.open.has(n)) this.fail("cannot refer to an open group", nameStart);
        this.atStart = false;
        this.emit(`\\k<${name}>`, "item");
        return;
      }
      if (kind === undefined) this.fail("unexpected end of pattern", this.pos + 1);
      this.fail(`unknown extension ?P${kind}`, start + 1);
    }
    if (c === ":" || c === "=" || c === "!") {
      this.pos++;
      this.pushGroup(start, `(?${c}`);
      return;
    }
    if (c === "<") {
      const kind = p[this.pos + 1];
      if (kind === "=" || kind === "!") {
        this.pos += 2;
        this.pushGroup(start, `(?<${kind}`);
        return;
      }
      if (kind === undefined) this.fail("unexpected end of pattern", this.pos + 1);
      this.fail(`unknown extension ?<${kind} (Python names groups with (?P<name>...))`, start + 1);
    }
    if (c === "#") {
      // A comment: dropped, and it does not end the "start of the expression".
      const end = p.indexOf(")", this.pos);
      if (end < 0) this.fail("missing ), unterminated comment", start);
      this.pos = end + 1;
      return;
    }
    if (c === ">") this.fail(`atomic group (?>...) ${UNSUPPORTED}`, start);
    if (c === "(") this.fail(`conditional pattern (?(group)yes|no) ${UNSUPPORTED}`, start);
    if (INLINE_FLAGS.includes(c) || c === "-") {
      this.inlineFlags(start);
      return;
    }
    // Python's tokenizer reads an escape as one token, so it names both characters.
    this.fail(`unknown extension ?${c === "\\" ? p.slice(this.pos, this.pos + 2) : c}`, start + 1);
  }

  private inlineFlags(start: number): void {
    const p = this.p;
    const seen: Flags = { i: false, m: false, s: false, x: false, a: false, u: false };
    while (this.pos < p.length && INLINE_FLAGS.includes(p[this.pos] ?? "")) {
      const f = p[this.pos++] ?? "";
      if (f === "L") this.fail("bad inline flags: cannot use 'L' flag with a str pattern", this.pos);
      seen[f as keyof Flags] = true;
    }
    if ((seen.a || this.flags.a) && (seen.u || this.flags.u)) {
      this.fail("bad inline flags: flags 'a', 'u' and 'L' are incompatible", this.pos);
    }
    const next = p[this.pos];
    if (next === ")") {
      if (!this.atStart || this.stack.length > 0) this.fail("global flags not at the start of the expression", start);
      this.pos++;
      for (const key of Object.keys(seen) as Array<keyof Flags>) if (seen[key]) this.flags[key] = true;
      return;
    }
    if (next === ":" || next === "-") this.fail(`a scoped inline flag group (?flags:...) ${UNSUPPORTED} on Node 20`, start);
    if (next === undefined) this.fail("missing -, : or )", this.pos);
    this.fail("unknown flag", this.pos);
  }

  /** A quantifier; `text` is its JS form, [qStart, qEnd) its span in the pattern. */
  private repeat(text: string, qStart: number, qEnd: number): void {
    if (this.prev === "none" || this.prev === "anchor") this.fail("nothing to repeat", qStart);
    if (this.prev === "repeat") this.fail("multiple repeat", qStart);
    this.pos = qEnd;
    // Python may repeat a lookbehind, JS only a group: (?<=a)* becomes (?:(?<=a))*.
    if (this.lookbehindStart >= 0) {
      this.out = `${this.out.slice(0, this.lookbehindStart)}(?:${this.out.slice(this.lookbehindStart)})`;
    }
    let q = text;
    const suffix = this.p[this.pos];
    if (suffix === "?") {
      q += "?";
      this.pos++;
    } else if (suffix === "+") {
      this.fail(`possessive quantifier ${this.p.slice(qStart, qEnd)}+ ${UNSUPPORTED}`, qStart);
    }
    this.emit(q, "repeat");
  }

  /** `{m,n}` is a quantifier only in the forms `{m}`, `{m,}`, `{,n}`, `{m,n}`, `{,}`; else a literal. */
  private brace(): void {
    const p = this.p;
    const start = this.pos;
    let j = start + 1;
    const digits = (): string => {
      const from = j;
      while (j < p.length && DIGITS.includes(p[j] ?? "")) j++;
      return p.slice(from, j);
    };
    const lo = digits();
    let hi = lo;
    let comma = false;
    if (p[j] === ",") {
      comma = true;
      j++;
      hi = digits();
    }
    if (p[j] !== "}" || (!comma && lo === "")) {
      this.emit("\\{", "item");
      this.pos++;
      return;
    }
    const min = lo === "" ? 0n : BigInt(lo);
    if (hi !== "" && BigInt(hi) < min) this.fail("min repeat greater than max repeat", start + 1);
    // JS reads `{,n}` as literal text, so spell out the minimum.
    const text = comma ? `{${min},${hi === "" ? "" : BigInt(hi).toString()}}` : `{${min}}`;
    this.repeat(text, start, j + 1);
  }

  private readHex(start: number, count: number): number {
    const p = this.p;
    const digits = p.slice(this.pos, this.pos + count);
    const valid = /^[0-9a-fA-F]*/.exec(digits)?.[0] ?? "";
    if (valid.length !== count) {
      this.fail(`incomplete escape ${p.slice(start, this.pos + valid.length)}`, start);
    }
    this.pos += count;
    return parseInt(valid, 16);
  }

  /** Escapes that mean the same character inside and outside a class; undefined when not one. */
  private characterEscape(start: number, c: string): number | undefined {
    switch (c) {
      case "a":
        return 0x07;
      case "f":
        return 0x0c;
      case "n":
        return 0x0a;
      case "r":
        return 0x0d;
      case "t":
        return 0x09;
      case "v":
        return 0x0b;
      case "x":
        return this.readHex(start, 2);
      case "u":
        return this.readHex(start, 4);
      case "U": {
        const cp = this.readHex(start, 8);
        if (cp > 0x10ffff) this.fail(`bad escape ${this.p.slice(start, this.pos)}`, start);
        return cp;
      }
      case "N":
        // Resolving names needs the Unicode name table.
        return this.fail(`named Unicode escape \\N{...} ${UNSUPPORTED}`, start);
      default:
        return undefined;
    }
  }

  private escape(): void {
    const p = this.p;
    const start = this.pos;
    const c = p[start + 1];
    if (c === undefined) this.fail("bad escape (end of pattern)", start);
    this.pos = start + 2;
    switch (c) {
      case "A":
        this.emit(this.flags.m ? "(?<![\\s\\S])" : "^", "anchor");
        return;
      case "Z":
        this.emit(this.flags.m ? "(?![\\s\\S])" : "$", "anchor");
        return;
      case "b":
      case "B":
        this.emit(`\\${c}`, "anchor");
        return;
      case "d":
      case "D":
      case "s":
      case "S":
      case "w":
      case "W":
        this.emit(`\\${c}`, "item");
        return;
    }
    const code = this.characterEscape(start, c);
    if (code !== undefined) {
      this.emit(literalOutside(code), "item");
      return;
    }
    if (c === "0") {
      let digits = "0";
      while (digits.length < 3 && OCT_DIGITS.includes(p[this.pos] ?? "x")) digits += p[this.pos++];
      this.emit(literalOutside(parseInt(digits, 8)), "item");
      return;
    }
    if (DIGITS.includes(c)) {
      this.backreference(start, c);
      return;
    }
    if (/[A-Za-z]/.test(c)) this.fail(`bad escape \\${c}`, start);
    const cp = p.codePointAt(start + 1) ?? 0;
    this.pos = start + 1 + (cp > 0xffff ? 2 : 1);
    this.emit(literalOutside(cp), "item");
  }

  /** `\1`..`\99` is a group reference; three octal digits (`\141`) are a character. */
  private backreference(start: number, first: string): void {
    const p = this.p;
    let digits = first;
    const second = p[this.pos];
    if (second !== undefined && DIGITS.includes(second)) {
      const third = p[this.pos + 1];
      if (OCT_DIGITS.includes(first) && OCT_DIGITS.includes(second) && third !== undefined && OCT_DIGITS.includes(third)) {
        const code = parseInt(first + second + third, 8);
        if (code > 0o377) this.fail(`octal escape value \\${first}${second}${third} outside of range 0-0o377`, start);
        this.pos += 2;
        this.emit(literalOutside(code), "item");
        return;
      }
      digits += second;
      this.pos++;
    }
    const group = Number(digits);
    if (group > this.groups) this.fail(`invalid group reference ${group}`, start + 1);
    if (this.open.has(group)) this.fail("cannot refer to an open group", start);
    this.emit(`\\${group}`, "item");
    this.backrefEnd = this.out.length;
  }

  private characterClass(): void {
    const p = this.p;
    const start = this.pos;
    this.pos++;
    let out = "[";
    if (p[this.pos] === "^") {
      out += "^";
      this.pos++;
    }
    let empty = true;
    for (;;) {
      if (this.pos >= p.length) this.fail("unterminated character set", start);
      // Python: a ']' right after '[' or '[^' is a literal.
      if (p[this.pos] === "]" && !empty) {
        this.pos++;
        break;
      }
      const lowStart = this.pos;
      const low = this.classItem(start);
      if (p[this.pos] === "-") {
        this.pos++;
        if (this.pos >= p.length) this.fail("unterminated character set", start);
        if (p[this.pos] === "]") {
          this.pos++;
          out += low.text + "\\-";
          break;
        }
        const highStart = this.pos;
        const high = this.classItem(start);
        if (low.code === undefined || high.code === undefined || high.code < low.code) {
          const range = `${p.slice(lowStart, highStart - 1)}-${p.slice(highStart, this.pos)}`;
          this.fail(`bad character range ${range}`, lowStart);
        }
        out += `${low.text}-${high.text}`;
      } else {
        out += low.text;
      }
      empty = false;
    }
    this.emit(out + "]", "item");
  }

  /** One class member: a character (with its code, for ranges) or a set such as `\d`. */
  private classItem(classStart: number): { text: string; code?: number } {
    const p = this.p;
    const start = this.pos;
    const c = p[start] ?? "";
    if (c !== "\\") {
      const cp = p.codePointAt(start) ?? 0;
      this.pos += cp > 0xffff ? 2 : 1;
      return { text: this.classLiteral(cp, start), code: cp };
    }
    const e = p[start + 1];
    if (e === undefined) this.fail("unterminated character set", classStart);
    this.pos = start + 2;
    if ("dDsSwW".includes(e)) return { text: `\\${e}` };
    if (e === "b") return { text: "\\x08", code: 8 };
    const code = this.characterEscape(start, e);
    if (code !== undefined) return { text: this.classLiteral(code, start), code };
    if (OCT_DIGITS.includes(e)) {
      let digits = e;
      while (digits.length < 3 && OCT_DIGITS.includes(p[this.pos] ?? "x")) digits += p[this.pos++];
      const value = parseInt(digits, 8);
      if (value > 0o377) this.fail(`octal escape value \\${digits} outside of range 0-0o377`, start);
      return { text: this.classLiteral(value, start), code: value };
    }
    // \A \Z \B and other letters are errors inside a class too; so are \8 and \9.
    if (/[A-Za-z0-9]/.test(e)) this.fail(`bad escape \\${e}`, start);
    const cp = p.codePointAt(start + 1) ?? 0;
    this.pos = start + 1 + (cp > 0xffff ? 2 : 1);
    return { text: this.classLiteral(cp, start), code: cp };
  }

  private classLiteral(cp: number, index: number): string {
    if (cp > 0xffff) this.fail(`a character outside the BMP in a character class ${UNSUPPORTED} without the u flag`, index);
    const ch = String.fromCharCode(cp);
    if ("\\]-[^".includes(ch)) return `\\${ch}`;
    if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
    return ch;
  }
}

/** Translate a Python `re` pattern to a JS RegExp source and flags, or say why it cannot be. */
export function translatePythonRegex(pattern: string): PythonRegexTranslation {
  let result: { source: string; flags: string };
  try {
    result = new Translator(pattern).run();
  } catch (err) {
    if (err instanceof TranslateError) return { ok: false, message: err.message, index: err.index };
    throw err;
  }
  try {
    new RegExp(result.source, result.flags);
  } catch (err) {
    return { ok: false, message: `JavaScript cannot compile the pattern: ${(err as Error).message}`, index: 0 };
  }
  return { ok: true, ...result };
}

/** A compiled Python pattern with Python's three ways of matching. */
export class PyRegex {
  /** Unanchored, for search(). */
  readonly regex: RegExp;
  private readonly sticky: RegExp;
  private readonly whole: RegExp;

  constructor(
    /** The original Python pattern. */
    readonly pattern: string,
    /** The translated JS source. */
    readonly source: string,
    readonly flags: string,
  ) {
    this.regex = new RegExp(source, flags);
    this.sticky = new RegExp(source, flags + "y");
    this.whole = new RegExp(`(?:${source})(?![\\s\\S])`, flags + "y");
  }

  /** `re.match`: anchored at the start of `s`, not at its end. */
  match(s: string): RegExpExecArray | null {
    this.sticky.lastIndex = 0;
    return this.sticky.exec(s);
  }

  /** `re.search`: the first match anywhere. */
  search(s: string): RegExpExecArray | null {
    return this.regex.exec(s);
  }

  /** `re.fullmatch`: the whole of `s` (backtracking into alternatives to get there, as Python does). */
  fullmatch(s: string): RegExpExecArray | null {
    this.whole.lastIndex = 0;
    return this.whole.exec(s);
  }
}

/** `re.compile(pattern)`; throws PythonRegexError. */
export function compilePythonRegex(pattern: string): PyRegex {
  const t = translatePythonRegex(pattern);
  if (!t.ok) throw new PythonRegexError(t.message, t.index, pattern);
  return new PyRegex(pattern, t.source, t.flags);
}
