// parseCsv / parseCsvRecords follow Python's csv.reader / csv.DictReader (excel dialect) reading a
// file opened with newline="". Hand-written expectations are CPython 3.11 output; a few tricky
// inputs are also checked against a live python3 (that test fails, never skips, without python3).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CsvError, parseCsv, parseCsvRecords } from "../src/csv.js";

const fields = (text: string, delimiter?: string): string[][] => parseCsv(text, delimiter).map((r) => r.fields);

function csvErrorOf(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CsvError);
    return err as CsvError;
  }
  throw new Error("expected a CsvError");
}

describe("parseCsv: fields like csv.reader", () => {
  it("splits plain rows and reports 1-based line numbers", () => {
    expect(parseCsv("a,b,c\n1,2,3\n")).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["1", "2", "3"] },
    ]);
  });

  it("keeps delimiters, newlines and doubled quotes inside quoted fields", () => {
    expect(fields('"a,b",c\n')).toEqual([["a,b", "c"]]);
    expect(fields('"say ""hi""",x')).toEqual([['say "hi"', "x"]]);
    expect(fields('""""')).toEqual([['"']]);
    expect(fields('"",""')).toEqual([["", ""]]);
    expect(fields('"line1\nline2",z\nnext,row\n')).toEqual([
      ["line1\nline2", "z"],
      ["next", "row"],
    ]);
  });

  it("numbers rows after a multi-line quoted field by the line they start on", () => {
    const rows = parseCsv('h1,h2\n"x\ny\nz",2\nlast,3\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 5]);
    expect(rows[1]!.fields).toEqual(["x\ny\nz", "2"]);
  });

  it("treats quotes that do not open a field as ordinary characters", () => {
    expect(fields('a"b,c')).toEqual([['a"b', "c"]]);
    // A space before the quote: the field is unquoted (no skipinitialspace).
    expect(fields(' "a",b')).toEqual([[' "a"', "b"]]);
    // Text after a closing quote is appended (strict=False).
    expect(fields('"a"b,c')).toEqual([["ab", "c"]]);
    expect(fields('"a" ,b')).toEqual([["a ", "b"]]);
  });

  it("accepts CRLF, lone CR and LF line ends, keeping CRLF inside quoted fields verbatim", () => {
    expect(parseCsv("a,b\r\nc,d\r\n")).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["c", "d"] },
    ]);
    expect(fields("a\rb\nc")).toEqual([["a"], ["b"], ["c"]]);
    expect(fields('"x\r\ny",z\r\n')).toEqual([["x\r\ny", "z"]]);
  });

  it("yields an empty row for each blank line, and nothing for a trailing newline", () => {
    expect(parseCsv("a\n\nb\n")).toEqual([
      { line: 1, fields: ["a"] },
      { line: 2, fields: [] },
      { line: 3, fields: ["b"] },
    ]);
    expect(fields("a,b\r\n\r\nc,d\r\n")).toEqual([["a", "b"], [], ["c", "d"]]);
    expect(fields("a")).toEqual([["a"]]);
    expect(fields("a\n")).toEqual([["a"]]);
    expect(fields("\n\n")).toEqual([[], []]);
    expect(fields("")).toEqual([]);
  });

  it("keeps empty fields, including trailing ones and a row of only a delimiter", () => {
    expect(fields("a,\n,b\n,\n")).toEqual([
      ["a", ""],
      ["", "b"],
      ["", ""],
    ]);
    expect(fields(",")).toEqual([["", ""]]);
    expect(fields('""')).toEqual([[""]]);
  });

  it("drops a leading UTF-8 byte order mark (Python would need encoding='utf-8-sig')", () => {
    expect(parseCsv("\ufeffrun,x\nTS_1,2\n")).toEqual([
      { line: 1, fields: ["run", "x"] },
      { line: 2, fields: ["TS_1", "2"] },
    ]);
    // Only at the very start.
    expect(fields("a,\ufeffb")).toEqual([["a", "\ufeffb"]]);
  });

  it("reads TSV with a tab delimiter; commas are then ordinary", () => {
    expect(fields("run\ttilt\nTS_01\t-60,5\n", "\t")).toEqual([
      ["run", "tilt"],
      ["TS_01", "-60,5"],
    ]);
    expect(fields('"a\tb"\tc\n', "\t")).toEqual([["a\tb", "c"]]);
    // With the default delimiter a tab is just a character.
    expect(fields("a\tb,c")).toEqual([["a\tb", "c"]]);
  });

  it("rejects an unterminated quoted field, naming the line where its row starts", () => {
    const err = csvErrorOf(() => parseCsv('a,b\nc,"unclosed\nmore\n'));
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/unexpected end of data inside a quoted field/);
    expect(csvErrorOf(() => parseCsv('"')).line).toBe(1);
    // A doubled quote is not a closing quote.
    expect(csvErrorOf(() => parseCsv('x\ny\n"a""')).line).toBe(3);
  });
});

describe("parseCsvRecords: records like csv.DictReader", () => {
  it("maps each row onto the header, with the row's line", () => {
    expect(parseCsvRecords("run_name,tilt_min\nTS_01,-60\nTS_02,-54\n")).toEqual({
      header: ["run_name", "tilt_min"],
      records: [
        { line: 2, values: { run_name: "TS_01", tilt_min: "-60" } },
        { line: 3, values: { run_name: "TS_02", tilt_min: "-54" } },
      ],
    });
  });

  it("skips blank rows but keeps rows of empty strings", () => {
    const { records } = parseCsvRecords("a,b\n\n1,2\n\n\n,\n");
    expect(records).toEqual([
      { line: 3, values: { a: "1", b: "2" } },
      { line: 6, values: { a: "", b: "" } },
    ]);
  });

  it("leaves missing trailing columns undefined (DictReader's restval None) and drops extra values", () => {
    const { records } = parseCsvRecords("a,b,c\n1,2\n3,4,5,6\n");
    expect(records[0]!.values).toEqual({ a: "1", b: "2" });
    expect("c" in records[0]!.values).toBe(false);
    // Python puts extras under the restkey None; here they are not reachable at all.
    expect(records[1]!.values).toEqual({ a: "3", b: "4", c: "5" });
    expect(Object.keys(records[1]!.values)).toEqual(["a", "b", "c"]);
  });

  it("lets the later of two equal header names win, as a dict does", () => {
    expect(parseCsvRecords("k,v,k\n1,2,3\n").records[0]!.values).toEqual({ k: "3", v: "2" });
  });

  it("handles quoted multi-line values, CRLF, BOM and TSV together", () => {
    const tsv = '\ufeffrun\tnote\r\nTS_1\t"two\r\nlines"\r\nTS_2\tplain\r\n';
    expect(parseCsvRecords(tsv, "\t")).toEqual({
      header: ["run", "note"],
      records: [
        { line: 2, values: { run: "TS_1", note: "two\r\nlines" } },
        { line: 4, values: { run: "TS_2", note: "plain" } },
      ],
    });
  });

  it("takes the first non-blank row as the header (Python would take a leading blank row as an empty header)", () => {
    expect(parseCsvRecords("\n\nrun\nTS_1\n")).toEqual({ header: ["run"], records: [{ line: 4, values: { run: "TS_1" } }] });
  });

  it("returns no header and no records for empty or blank input", () => {
    expect(parseCsvRecords("")).toEqual({ header: [], records: [] });
    expect(parseCsvRecords("\n\r\n")).toEqual({ header: [], records: [] });
    expect(parseCsvRecords("only,header\n")).toEqual({ header: ["only", "header"], records: [] });
  });

  it("propagates CsvError from the reader", () => {
    expect(csvErrorOf(() => parseCsvRecords('a\n"b\n')).line).toBe(2);
  });
});

describe("agreement with CPython's csv module", () => {
  // Inputs where the hand-rolled state machine is most likely to drift from csv.reader.
  const tricky = ['a,"b,c",d\n', '"x""y""",z\r\n1,2\r\n', '"multi\nline\r\nfield",tail\nnext\n', "a\rb\r\nc\n\n,\n", ' "a",b"c,"d"e\n', '"",x,""\n"""",\n', "lonely", "\n\nx\n\n"];

  it("csv.reader and parseCsv give the same rows", () => {
    const script = ["import csv, io, json, sys", "cases = json.load(sys.stdin)", "print(json.dumps([list(csv.reader(io.StringIO(c, newline=''))) for c in cases]))"].join("\n");
    const py = spawnSync("python3", ["-c", script], { input: JSON.stringify(tricky), encoding: "utf8" });
    // No python3 (or a broken one) is a failure here, not a skip.
    expect(py.error, "python3 must be installed to run this comparison").toBeUndefined();
    expect(py.stderr).toBe("");
    expect(py.status).toBe(0);
    const expected = JSON.parse(py.stdout) as string[][][];
    expect(expected).toHaveLength(tricky.length);
    tricky.forEach((input, i) => {
      expect(fields(input), JSON.stringify(input)).toEqual(expected[i]);
    });
  });

  it("csv.DictReader and parseCsvRecords agree on the columns both define", () => {
    const input = 'a,b,c\n1,2,3\n\n4,5\n"6\n7",8,9\n';
    const script = [
      "import csv, io, json, sys",
      "rows = list(csv.DictReader(io.StringIO(sys.stdin.read(), newline='')))",
      "print(json.dumps([{k: v for k, v in r.items() if k is not None and v is not None} for r in rows]))",
    ].join("\n");
    const py = spawnSync("python3", ["-c", script], { input, encoding: "utf8" });
    expect(py.error, "python3 must be installed to run this comparison").toBeUndefined();
    expect(py.status).toBe(0);
    const expected = JSON.parse(py.stdout) as Array<Record<string, string>>;
    expect(expected).toHaveLength(3);
    expect(parseCsvRecords(input).records.map((r) => r.values)).toEqual(expected);
  });
});
