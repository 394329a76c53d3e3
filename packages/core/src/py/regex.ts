/**
 * Python `re` patterns from configs, run as JavaScript RegExps. Python-only syntax is translated
 * (`(?P<n>...)`, `(?P=n)`, `\A`, `\Z`, leading global flags); what JavaScript on Node 20 cannot do
 * (scoped flags, atomic groups, possessive quantifiers, conditionals) is reported with its index.
 * Without the `u` flag, `\d`/`\w` are ASCII-only in JS but Unicode-aware in Python: configs match
 * ASCII file names, so this difference is accepted.
 */

export type TranslateResult = { ok: true; source: string; flags: string } | { ok: false; message: string; index: number };

export class PythonRegexError extends Error {
  constructor(
    message: string,
    readonly pattern: string,
    readonly index: number,
  ) {
    super(message);
  }
}

export function translatePythonRegex(pattern: string): TranslateResult {
  let flags = "";
  let i = 0;
  // leading global inline flags: (?aiLmsux)
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    for (const f of m[1]!) {
      if (f === "i" || f === "m" || f === "s") {
        if (!flags.includes(f)) flags += f;
      } else if (f === "x") return { ok: false, message: "verbose mode (?x) is not supported", index: i };
      else if (f === "L") return { ok: false, message: "locale flag (?L) is not supported", index: i };
    }
    i += m[0].length;
  }
  let out = "";
  let inClass = false;
  for (; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === undefined) return { ok: false, message: "pattern ends with a lone backslash", index: i };
      if (!inClass && n === "A") out += "^";
      else if (!inClass && n === "Z") out += "$(?![\\s\\S])";
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      // a leading ']' (or '^]') is literal in Python
      if (pattern[i + 1] === "^") {
        out += "^";
        i++;
      }
      if (pattern[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(" && pattern[i + 1] === "?") {
      const rest = pattern.slice(i + 2);
      let m: RegExpExecArray | null;
      if ((m = /^P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
        out += `(?<${m[1]}>`;
        i += 1 + m[0].length;
        continue;
      }
      if ((m = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) {
        out += `\\k<${m[1]}>`;
        i += 1 + m[0].length;
        continue;
      }
      if (rest.startsWith(">")) return { ok: false, message: "atomic groups (?>...) are not supported in JavaScript", index: i };
      if (rest.startsWith("(")) return { ok: false, message: "conditional groups (?(...)...) are not supported in JavaScript", index: i };
      if (/^[aiLmsux-]+[:)]/.test(rest)) return { ok: false, message: "inline flags are only supported at the start of the pattern", index: i };
      if (rest.startsWith("#")) {
        const end = pattern.indexOf(")", i);
        if (end < 0) return { ok: false, message: "unterminated comment", index: i };
        i = end;
        continue;
      }
    }
    if ((c === "+" || c === "*" || c === "?" || c === "}") && pattern[i + 1] === "+") {
      return { ok: false, message: "possessive quantifiers are not supported in JavaScript", index: i + 1 };
    }
    out += c;
  }
  try {
    new RegExp(out, flags);
  } catch (err) {
    return { ok: false, message: (err as Error).message.replace(/^Invalid regular expression: /, ""), index: 0 };
  }
  return { ok: true, source: out, flags };
}

export interface PyRegex {
  readonly pattern: string;
  readonly source: string;
  readonly flags: string;
  /** `re.match`: anchored at the start only. */
  match(s: string): RegExpExecArray | null;
  /** `re.search`. */
  search(s: string): RegExpExecArray | null;
  /** `re.fullmatch`. */
  fullmatch(s: string): RegExpExecArray | null;
}

export function compilePythonRegex(pattern: string): PyRegex {
  const t = translatePythonRegex(pattern);
  if (!t.ok) throw new PythonRegexError(`regular expression ${JSON.stringify(pattern)}: ${t.message} (at character ${t.index + 1})`, pattern, t.index);
  const sticky = new RegExp(t.source, t.flags + "y");
  const search = new RegExp(t.source, t.flags);
  const full = new RegExp(`(?:${t.source})$(?![\\s\\S])`, t.flags + "y");
  return {
    pattern,
    source: t.source,
    flags: t.flags,
    match(s) {
      sticky.lastIndex = 0;
      return sticky.exec(s);
    },
    search(s) {
      return search.exec(s);
    },
    fullmatch(s) {
      full.lastIndex = 0;
      return full.exec(s);
    },
  };
}
