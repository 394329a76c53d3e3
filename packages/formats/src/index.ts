export { parseCsv, parseCsvRecords, CsvError } from "./csv.js";
export { parseMdoc, mdocTilts, mdocNumber, MdocError } from "./mdoc.js";
export type { Mdoc, MdocSection } from "./mdoc.js";
