/**
 * CSV/TSV as Python's `csv` module reads them (excel dialect: `"` quoting with doubled quotes,
 * fields may span lines, blank lines skipped by DictReader). Small enough to own; used for run
 * data maps and identified-object tables.
 */

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Rows of fields. `line` of each row is 1-based. */
export function parseCsv(text: string, delimiter = ","): Array<{ line: number; fields: string[] }> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // BOM
  const rows: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = "";
  let inQuotes = false;
  let quotedField = false;
  let line = 1;
  let rowLine = 1;
  let rowHasContent = false;
  const endField = () => {
    fields.push(field);
    field = "";
    quotedField = false;
  };
  const endRow = () => {
    if (rowHasContent || fields.length > 0 || field !== "") {
      endField();
      rows.push({ line: rowLine, fields });
    } else {
      rows.push({ line: rowLine, fields: [] });
    }
    fields = [];
    field = "";
    rowHasContent = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === "" && !quotedField) {
      inQuotes = true;
      quotedField = true;
      rowHasContent = true;
    } else if (c === delimiter) {
      endField();
      rowHasContent = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += c;
      rowHasContent = true;
    }
  }
  if (inQuotes) throw new CsvError("unexpected end of data inside a quoted field", rowLine);
  if (rowHasContent || fields.length > 0 || field !== "") endRow();
  return rows;
}

/** Python `csv.DictReader`: header row, then one record per non-blank row. */
export function parseCsvRecords(text: string, delimiter = ","): { header: string[]; records: Array<{ line: number; values: Record<string, string> }> } {
  const rows = parseCsv(text, delimiter).filter((r) => r.fields.length > 0);
  const first = rows.shift();
  if (!first) return { header: [], records: [] };
  const header = first.fields;
  const records = rows.map((r) => {
    const values: Record<string, string> = {};
    header.forEach((h, i) => {
      const v = r.fields[i];
      if (v !== undefined) values[h] = v;
    });
    return { line: r.line, values };
  });
  return { header, records };
}
