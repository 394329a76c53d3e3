/**
 * SerialEM .mdoc files: `key = value` lines, a global header, `[T = ...]` titles and
 * `[ZValue = n]` / `[FrameSet = n]` sections. Parsed into strings; accessors convert numbers.
 * Written here because no npm package reads mdoc (the reference uses Python's mdocfile).
 */

export interface MdocSection {
  kind: string;
  index: number;
  /** 1-based line of the section header. */
  line: number;
  fields: Record<string, string>;
}

export interface Mdoc {
  global: Record<string, string>;
  titles: string[];
  sections: MdocSection[];
}

export class MdocError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export function parseMdoc(text: string): Mdoc {
  const mdoc: Mdoc = { global: {}, titles: [], sections: [] };
  let current: Record<string, string> = mdoc.global;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const header = /^\[\s*([A-Za-z]+)\s*=\s*(.*?)\s*\]$/.exec(line);
    if (header) {
      const [, kind, value] = header as unknown as [string, string, string];
      if (kind === "T") {
        mdoc.titles.push(value);
        return;
      }
      const index = Number(value);
      if (value === "" || !Number.isFinite(index)) throw new MdocError(`section [${kind} = ${value}] has a non-numeric index`, i + 1);
      const section: MdocSection = { kind, index, line: i + 1, fields: {} };
      mdoc.sections.push(section);
      current = section.fields;
      return;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) throw new MdocError(`expected 'key = value', got ${JSON.stringify(line.slice(0, 60))}`, i + 1);
    current[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return mdoc;
}

/** Tilt sections (`[ZValue = n]`) in file order. */
export function mdocTilts(mdoc: Mdoc): MdocSection[] {
  return mdoc.sections.filter((s) => s.kind === "ZValue");
}

export function mdocNumber(fields: Record<string, string>, key: string): number | undefined {
  const v = fields[key];
  if (v === undefined || v === "") return undefined;
  const n = Number(v.split(/\s+/)[0]);
  return Number.isFinite(n) ? n : undefined;
}
