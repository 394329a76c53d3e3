/**
 * STAR files as RELION 3/4, tomoman and STOPGAP write them: `data_<name>` blocks holding either
 * `_label value` pairs or one `loop_` table (`_label [#n]` header lines, then one whitespace-
 * separated row per line), `#` comments and blank lines anywhere. This is the subset the Python
 * `starfile` package reads for the portal's particle converters; npm has no STAR reader worth
 * depending on for it, so we own it.
 *
 * Values stay strings (the caller decides what is numeric). Labels lose their leading `_` (as
 * `starfile` names DataFrame columns: `rlnCoordinateX`). Values may be quoted with `'` or `"`
 * to contain spaces. Multi-line `;` text fields are not supported (no particle file uses them).
 */
import { AnnotationFormatError } from "./errors.js";

export interface StarRow {
  /** 1-based line number in the file. */
  line: number;
  values: string[];
}

export interface StarLoop {
  /** 1-based line of `loop_`. */
  line: number;
  columns: string[];
  rows: StarRow[];
}

export interface StarBlock {
  /** Text after `data_` (may be empty: RELION 3 writes a bare `data_`). */
  name: string;
  /** 1-based line of `data_`. */
  line: number;
  /** `_label value` pairs outside a loop. */
  pairs: Record<string, string>;
  loop?: StarLoop;
}

/** Splits a line into tokens: whitespace-separated, `'…'` / `"…"` quoting, `#` starts a comment. */
function tokenize(text: string, line: number, location: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === " " || ch === "\t") {
      i++;
      continue;
    }
    if (ch === "#") break;
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) throw new AnnotationFormatError(location, `unterminated ${ch} quote`, `line ${line}`);
      tokens.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < text.length && text[j] !== " " && text[j] !== "\t") j++;
    tokens.push(text.slice(i, j));
    i = j;
  }
  return tokens;
}

/** Parses STAR text into its data blocks, in file order. */
export function parseStar(text: string, location: string): StarBlock[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r\n|\n|\r/);
  const blocks: StarBlock[] = [];
  let block: StarBlock | undefined;
  let loop: StarLoop | undefined;
  let readingLabels = false;

  lines.forEach((raw, index) => {
    const line = index + 1;
    const tokens = tokenize(raw, line, location);
    if (tokens.length === 0) return;
    const first = tokens[0]!;
    if (first.startsWith("data_")) {
      block = { name: first.slice(5), line, pairs: {} };
      blocks.push(block);
      loop = undefined;
      readingLabels = false;
      return;
    }
    if (!block) throw new AnnotationFormatError(location, `expected a data_ block before ${JSON.stringify(first)}`, `line ${line}`);
    if (first === "loop_") {
      if (block.loop) throw new AnnotationFormatError(location, `block data_${block.name} has a second loop_ (one table per block is supported)`, `line ${line}`);
      loop = { line, columns: [], rows: [] };
      block.loop = loop;
      readingLabels = true;
      return;
    }
    if (first.startsWith("_")) {
      if (loop && readingLabels) {
        loop.columns.push(first.slice(1)); // anything after the label ("#3") is an index comment
        return;
      }
      if (loop) throw new AnnotationFormatError(location, `label ${first} after the rows of the loop in data_${block.name}`, `line ${line}`);
      if (tokens.length < 2) throw new AnnotationFormatError(location, `label ${first} has no value`, `line ${line}`);
      block.pairs[first.slice(1)] = tokens[1]!;
      return;
    }
    if (!loop) throw new AnnotationFormatError(location, `value ${JSON.stringify(first)} outside a loop_ in data_${block.name}`, `line ${line}`);
    readingLabels = false;
    if (tokens.length !== loop.columns.length) {
      throw new AnnotationFormatError(location, `row has ${tokens.length} values, the loop in data_${block.name} has ${loop.columns.length} columns`, `line ${line}`);
    }
    loop.rows.push({ line, values: tokens });
  });
  return blocks;
}

/** The block named `name`, or (when `name` is undefined) the only block / the first block with a loop. */
export function starBlock(blocks: StarBlock[], location: string, name?: string): StarBlock {
  const found = name === undefined ? (blocks.length === 1 ? blocks[0] : blocks.find((b) => b.loop)) : blocks.find((b) => b.name === name);
  if (!found) {
    const names = blocks.map((b) => `data_${b.name}`).join(", ") || "none";
    throw new AnnotationFormatError(location, name === undefined ? `no data_ block with a loop_ table (blocks: ${names})` : `no data_${name} block (blocks: ${names})`);
  }
  return found;
}

/** Column accessor for a block's loop: fails with the file, block line and column name if absent. */
export interface StarTable {
  block: StarBlock;
  rows: StarRow[];
  has(column: string): boolean;
  /** Index of a required column. */
  index(column: string): number;
}

export function starTable(block: StarBlock, location: string): StarTable {
  const loop = block.loop;
  if (!loop) throw new AnnotationFormatError(location, `data_${block.name} has no loop_ table`, `line ${block.line}`);
  return {
    block,
    rows: loop.rows,
    has: (column) => loop.columns.includes(column),
    index: (column) => {
      const i = loop.columns.indexOf(column);
      if (i < 0) throw new AnnotationFormatError(location, `data_${block.name} has no column _${column}`, `line ${loop.line}`);
      return i;
    },
  };
}
