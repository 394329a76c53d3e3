// Header reader for the fast path with dcmjs' exact results, memoized per element: what
// `DicomMessage.readFile(head)` of dcmjs returns ({ meta, dict } of { vr, Value, _rawValue } elements), built without
// running dcmjs' reader on every element of every file. dcmjs' reader costs ~110 µs warm and several times that cold
// per 31-element header (a stream object and Babel class instances per element), the largest per-file cost of
// de-identification (docs/performance.md, DICOM); most elements of a header repeat from file to file (a series'
// UIDs, dates, geometry, the SOP class).
//
// Why not a reader of our own: dcmjs' per-VR decoding (padding, numeric strings, person names, character sets,
// `_rawValue` for lossless round trips) is what the writer and the byte-identity tests are held to, and is easy to
// get subtly wrong. So elements are framed here (tag, VR, length), and an element whose bytes (with the transfer
// syntax and the current character set decoder) were decoded before gets a fresh copy of that result. A new one is
// decoded by dcmjs (DicomMessage._readTag, the call its own loop makes, on a stream over the same bytes), except the
// short text VRs in printable ASCII, whose decoding (decodeText) is written out here with dcmjs' own string
// operations and checked against dcmjs on random values (test/dicom-memo-read.test.ts). What cannot be framed simply
// (sequences, undefined lengths, UN, unknown VRs, the character set element) is decoded by dcmjs on the spot, and
// after every decode by dcmjs its stream must stand exactly where the framing said the element ends. Anything else
// dcmjs treats specially (no group length, big endian, deflate, elements crossing the end of the meta group or of the
// bytes) returns undefined: the caller uses dcmjs' readFile, which then also raises dcmjs' own errors.
//
// The memo also serves the writer (write.ts): an element handed out here whose Value and _rawValue are still the
// arrays it was given, holding the template's values, is encoded as its template was (once per template) instead of
// through dcmjs every time. The memo is keyed by a hash of the element's bytes, checked against the bytes. It lives
// in process memory only (its keys are original header bytes, PHI included, like the dict itself; never logged or
// written), is cleared past MAX_ENTRIES and skips elements over MAX_KEY_BYTES.
import { types } from "node:util";
import type { DcmjsDict, DcmjsElement, ReadBufferStream } from "dcmjs";
import { dcmjs } from "./dcmjs-lazy.js";

const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
const IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
const BIG_ENDIAN = "1.2.840.10008.1.2.2";
const DEFLATED = "1.2.840.10008.1.2.1.99";
const SPECIFIC_CHARACTER_SET = "00080005";
const MAX_ENTRIES = 20_000;
/** elements longer than this (tag, VR and length included) are decoded every time */
const MAX_KEY_BYTES = 1024;

/** dcmjs 0.51's VRs with a 32-bit length in explicit VR (its `length32VRs`; OL, OV, SV are not among them there). */
const LENGTH32 = new Set(["OB", "OW", "OF", "SQ", "UC", "UR", "UT", "UN", "OD", "UV"]);
/** explicit VRs framed here (dcmjs' VR instances less SQ and UN, which it decodes its own way) */
const FRAMED = new Set([
  "AE",
  "AS",
  "AT",
  "CS",
  "DA",
  "DS",
  "DT",
  "FL",
  "FD",
  "IS",
  "LO",
  "LT",
  "OB",
  "OD",
  "OF",
  "OW",
  "PN",
  "SH",
  "SL",
  "SS",
  "ST",
  "TM",
  "UC",
  "UI",
  "UL",
  "UR",
  "US",
  "UT",
  "UV",
]);
/** VRs whose values are ArrayBuffers (mutable through any view): copied on every use, never encoded from the memo */
const BINARY = new Set(["OB", "OD", "OF", "OL", "OV", "OW", "UN"]);

interface Template {
  tag: string;
  vr: string;
  Value: unknown;
  raw: unknown;
  /** the element's bytes, tag to end of value (the memo key with `seed`) */
  bytes: Uint8Array;
  seed: number;
  /** Value and _rawValue are arrays of primitives (or absent): copied with slice, and compared item by item */
  prims: boolean;
  /** dcmjs wraps such elements in a Proxy that decorates values (PN) */
  accessors: boolean;
  /** encoding by transfer syntax (write.ts), for prims templates of non-binary VRs; undefined for the others */
  enc: Map<string, Uint8Array> | undefined;
}

/** What readHeaderMemo handed out for one element: the template and the arrays the element was given. */
export interface Handed {
  tpl: Template;
  Value: unknown;
  raw: unknown;
}

/** hash of the element bytes -> templates with that hash */
const memo = new Map<number, Template | Template[]>();
let memoCount = 0;

const NOT_PLAIN = Symbol("not plain");

/** A deep copy of dcmjs' decoded value (arrays, plain objects, ArrayBuffers, primitives), or NOT_PLAIN. */
function copyValue(v: unknown): unknown {
  if (v === null || typeof v !== "object") return typeof v === "function" || typeof v === "symbol" ? NOT_PLAIN : v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = copyValue(v[i]);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      out[i] = c;
    }
    return out;
  }
  if (v instanceof ArrayBuffer) return Object.getPrototypeOf(v) === ArrayBuffer.prototype ? v.slice(0) : NOT_PLAIN;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const c = copyValue((v as Record<string, unknown>)[k]);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[k] = c;
  }
  return out;
}

const isPrimitive = (x: unknown) => x === null || (typeof x !== "object" && typeof x !== "function" && typeof x !== "symbol");
/** undefined, or an array of primitives without holes or extra properties */
function primsOnly(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype || Object.getOwnPropertyNames(v).length !== v.length + 1) return false;
  for (let i = 0; i < v.length; i++) if (!(i in v) || !isPrimitive(v[i])) return false;
  return true;
}

/** Same primitives in the same places (`a` from a handed element, `b` the template's). */
function samePrims(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  const x = a as unknown[];
  const y = b as unknown[];
  if (!Array.isArray(x) || x.length !== y.length || Object.getPrototypeOf(x) !== Array.prototype) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/** What dcmjs' `_read` stores for one element: a (Proxy for PN) element whose Value setter adds dcmjs' accessors. */
function makeElement(vr: string, value: unknown, raw: unknown): DcmjsElement {
  const el = dcmjs().data.ValueRepresentation.addTagAccessors({ vr }) as DcmjsElement;
  el.Value = value as unknown[];
  el._rawValue = raw;
  return el;
}

/** An element for the dict from a template, with fresh copies of its values. */
function fromTemplate(tpl: Template, handed: Map<DcmjsElement, Handed>): DcmjsElement {
  if (!tpl.prims) return makeElement(tpl.vr, copyValue(tpl.Value), copyValue(tpl.raw));
  const Value = (tpl.Value as unknown[] | undefined)?.slice();
  const raw = (tpl.raw as unknown[] | undefined)?.slice();
  const el = tpl.accessors ? makeElement(tpl.vr, Value, raw) : ({ vr: tpl.vr, Value, _rawValue: raw } as DcmjsElement);
  if (tpl.enc) handed.set(el, { tpl, Value: el.Value, raw: el._rawValue });
  return el;
}

/**
 * dcmjs 0.51's decoding of short text VRs, written out: VR#readBytes, #applyFormatting, then `_readTag`'s split on
 * backslashes and VR#dropPadByte, in that order and with the same string operations. Only for values whose bytes are
 * printable ASCII or NUL, which every character set decoder (and readAsciiString) maps alike; anything else, and
 * every other VR, is decoded by dcmjs. test/dicom-memo-read.test.ts checks it against dcmjs on random values.
 */
const TEXT: Readonly<Record<string, { max: number; pad: string; kind: "ui" | "cs" | "str" | "num" | "same" | "rtrim" }>> = {
  UI: { max: 64, pad: "", kind: "ui" }, // padByte NUL: dcmjs' dropPadByte does nothing for it
  CS: { max: 16, pad: " ", kind: "cs" },
  SH: { max: 16, pad: " ", kind: "str" },
  LO: { max: 64, pad: " ", kind: "str" },
  IS: { max: 12, pad: " ", kind: "num" },
  DS: { max: 16, pad: " ", kind: "num" },
  DA: { max: 8, pad: " ", kind: "same" },
  DT: { max: 26, pad: " ", kind: "same" },
  TM: { max: 16, pad: " ", kind: "rtrim" },
};

function dropPadByte(values: string[], max: number, pad: string): string[] {
  if (!max || !pad || values.length <= 1) return values;
  const last = values[values.length - 1]!;
  if (last.length % 2 !== 0 && last.endsWith(pad)) values[values.length - 1] = last.substring(0, last.length - 1);
  return values;
}

const formatNumber = (s: string): number | null => {
  const r = s.trim().replace(/[^0-9.\\\-+e]/gi, "");
  return r === "" ? null : Number(r);
};

function decodeText(vr: string, b: Uint8Array, start: number, end: number): { values: unknown[]; raw: unknown[] } | undefined {
  const t = TEXT[vr];
  if (!t) return undefined;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c !== 0 && (c < 0x20 || c > 0x7e)) return undefined;
  }
  switch (t.kind) {
    case "ui": {
      const raw = latin1(b, start, end > start && b[end - 1] === 0 ? end - 1 : end).split("\\"); // readPaddedAsciiString
      return { raw, values: raw.map((x) => x.replace(/[^0-9.]/g, "")) };
    }
    case "cs": {
      const raw = dropPadByte(latin1(b, start, end).split("\\"), t.max, t.pad);
      return { raw, values: raw.map((x) => x.trim()) };
    }
    case "num": {
      const raw = dropPadByte(latin1(b, start, end).split("\\"), t.max, t.pad);
      return { raw, values: raw.map(formatNumber) };
    }
    default: {
      const s = latin1(b, start, end);
      const value = t.kind === "str" ? s.trim() : t.kind === "rtrim" ? s.replace(/\s*$/g, "") : s;
      return { raw: dropPadByte(s.split("\\"), t.max, t.pad), values: dropPadByte(value.split("\\"), t.max, t.pad) };
    }
  }
}

const latin1 = (b: Uint8Array, start: number, end: number) => Buffer.from(b.buffer, b.byteOffset + start, end - start).toString("latin1");

/** FNV-1a over bytes[start, end), from `seed` */
function hashBytes(b: Uint8Array, start: number, end: number, seed: number): number {
  let h = seed;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function equalBytes(b: Uint8Array, start: number, end: number, t: Uint8Array): boolean {
  if (end - start !== t.length) return false;
  for (let i = 0; i < t.length; i++) if (b[start + i] !== t[i]) return false;
  return true;
}

function lookup(h: number, b: Uint8Array, start: number, end: number, seed: number): Template | undefined {
  const e = memo.get(h);
  if (!e) return undefined;
  if (!Array.isArray(e)) return e.seed === seed && equalBytes(b, start, end, e.bytes) ? e : undefined;
  for (const t of e) if (t.seed === seed && equalBytes(b, start, end, t.bytes)) return t;
  return undefined;
}

function remember(h: number, tpl: Template): void {
  if (memoCount >= MAX_ENTRIES) {
    memo.clear();
    memoCount = 0;
  }
  const e = memo.get(h);
  memo.set(h, e ? (Array.isArray(e) ? [...e, tpl] : [e, tpl]) : tpl);
  memoCount++;
}

/** small numbers for (syntax, character set decoder) pairs: part of the memo key */
const seeds = new Map<string, number>();
function seedOf(implicit: boolean, charset: string): number {
  const k = `${implicit ? "i" : "e"}${charset}`;
  let s = seeds.get(k);
  if (s === undefined) seeds.set(k, (s = (0x811c9dc5 ^ Math.imul(seeds.size + 1, 0x9e3779b1)) >>> 0));
  return s;
}

const hex4 = (n: number) => (n + 0x10000).toString(16).slice(1).toUpperCase();

type Stream = ReadBufferStream;

/** the label of the decoder a new dcmjs stream starts with (latin1, i.e. windows-1252) */
let defaultCharset: string | undefined;

class Framer {
  private readonly view: DataView;
  /** dcmjs' stream over the same bytes, made on the first element dcmjs has to decode */
  private stream: Stream | undefined;
  /** the decoder a character set element chose for the elements after it (set on the stream when there is one) */
  private decoder: ReadBufferStream["decoder"] | undefined;
  /** the decoder label in memo keys */
  private charset: string;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly handed: Map<DcmjsElement, Handed>,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.charset = defaultCharset ??= new (dcmjs().data.ReadBufferStream)(new ArrayBuffer(0), null, { noCopy: false }).decoder.encoding;
  }

  private dcmjsStream(): Stream {
    if (!this.stream) {
      const b = this.bytes;
      this.stream = new (dcmjs().data.ReadBufferStream)(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, null, { noCopy: false });
      if (this.decoder) this.stream.setDecoder(this.decoder);
    }
    return this.stream;
  }

  /** dcmjs' decode of the element at `offset` (`_readTag`), as `_read` stores it; undefined when it does not end at `end`. */
  private decode(offset: number, end: number | undefined, syntax: string): { tag: string; vr: string; values: unknown; raw: unknown; end: number } | undefined {
    const stream = this.dcmjsStream();
    stream.offset = offset;
    const info = dcmjs().data.DicomMessage._readTag(stream, syntax);
    const at = stream.offset;
    if ((end !== undefined && at !== end) || at > this.bytes.length) return undefined;
    return { tag: info.tag.toCleanString(), vr: info.vr.type, values: info.values, raw: info.rawValues, end: at };
  }

  /** An explicit VR element of a short text VR decoded here as dcmjs would (decodeText); undefined: ask dcmjs. */
  private decodeOwn(group: number, element: number, vr: string, offset: number, end: number): { tag: string; vr: string; values: unknown; raw: unknown; end: number } | undefined {
    const d = decodeText(vr, this.bytes, offset + 8, end);
    return d && { tag: `${hex4(group)}${hex4(element)}`, vr, values: d.values, raw: d.raw, end };
  }

  /**
   * Reads elements from `offset` to exactly `stop` into `dict`. `dataSet`: the main data set (character set
   * changes apply); false for the file meta group. False when dcmjs' reader must do the whole file.
   */
  readElements(dict: DcmjsDict, offset: number, stop: number, syntax: string, dataSet: boolean): boolean {
    const implicit = syntax === IMPLICIT_VR_LITTLE_ENDIAN;
    let seed = seedOf(implicit, this.charset);
    const v = this.view;
    while (offset < stop) {
      if (offset + 8 > stop) return false;
      const group = v.getUint16(offset, true);
      const element = v.getUint16(offset + 2, true);
      let end: number | undefined;
      let simple = true;
      let vr = ""; // explicit VR only
      if (implicit) {
        const len = v.getUint32(offset + 4, true);
        if (len === 0xffffffff) simple = false;
        else end = offset + 8 + len;
      } else {
        vr = String.fromCharCode(this.bytes[offset + 4]!, this.bytes[offset + 5]!);
        if (!FRAMED.has(vr)) simple = false;
        else if (LENGTH32.has(vr)) {
          if (offset + 12 > stop) return false;
          const len = v.getUint32(offset + 8, true);
          if (len === 0xffffffff) simple = false;
          else end = offset + 12 + len;
        } else end = offset + 8 + v.getUint16(offset + 6, true);
      }
      if (end !== undefined && end > stop) return false;
      const isCharset = group === 0x0008 && element === 0x0005;
      if (isCharset) {
        // only in the main data set, with a defined length (else dcmjs' reader does the whole file)
        if (!dataSet || end === undefined || !this.charsetElement(dict, offset, end, syntax)) return false;
        seed = seedOf(implicit, this.charset);
        offset = end;
        continue;
      }
      if (!simple || end! - offset > MAX_KEY_BYTES) {
        // decoded by dcmjs every time: sequences, undefined lengths, UN, long values
        const d = this.decode(offset, end, syntax);
        if (!d || d.end > stop) return false;
        dict[d.tag] = makeElement(d.vr, d.values, d.raw);
        offset = d.end;
        continue;
      }
      const h = hashBytes(this.bytes, offset, end!, seed);
      let tpl = lookup(h, this.bytes, offset, end!, seed);
      if (!tpl) {
        const d = (implicit ? undefined : this.decodeOwn(group, element, vr, offset, end!)) ?? this.decode(offset, end, syntax);
        if (!d) return false;
        const Value = copyValue(d.values);
        const raw = copyValue(d.raw);
        if (d.vr === "SQ" || Value === NOT_PLAIN || raw === NOT_PLAIN || d.tag !== `${hex4(group)}${hex4(element)}`) {
          dict[d.tag] = makeElement(d.vr, d.values, d.raw);
          offset = end!;
          continue;
        }
        const prims = primsOnly(Value) && primsOnly(raw);
        tpl = {
          tag: d.tag,
          vr: d.vr,
          Value,
          raw,
          bytes: this.bytes.slice(offset, end),
          seed,
          prims,
          accessors: types.isProxy(dcmjs().data.ValueRepresentation.addTagAccessors({ vr: d.vr })),
          enc: prims && !BINARY.has(d.vr) ? new Map() : undefined,
        };
        remember(h, tpl);
      }
      dict[tpl.tag] = fromTemplate(tpl, this.handed);
      offset = end!;
    }
    return offset === stop;
  }

  /** (0008,0005) as dcmjs' `_read` does it: the decoder for later elements is chosen, the Value becomes ISO_IR 192. */
  private charsetElement(dict: DcmjsDict, offset: number, end: number, syntax: string): boolean {
    const sub = new (dcmjs().data.ReadBufferStream)(this.bytes.buffer.slice(this.bytes.byteOffset + offset, this.bytes.byteOffset + end) as ArrayBuffer, null, { noCopy: false });
    const initial = sub.decoder;
    let one: DcmjsDict;
    try {
      one = dcmjs().data.DicomMessage._read(sub, syntax);
    } catch {
      return false; // an unsupported character set: dcmjs.readFile raises it
    }
    const el = one[SPECIFIC_CHARACTER_SET];
    if (!el || Object.keys(one).length !== 1) return false;
    dict[SPECIFIC_CHARACTER_SET] = el;
    if (sub.decoder !== initial) {
      this.decoder = sub.decoder;
      this.stream?.setDecoder(sub.decoder);
      this.charset = sub.decoder.encoding;
    }
    return true;
  }
}

/**
 * dcmjs' `DicomMessage.readFile(head)` for a Part 10 header (the bytes up to, not including, Pixel Data), or
 * undefined when dcmjs' reader must do it (see the header comment). Never throws for bad input: undefined.
 */
export function readHeaderMemo(head: Uint8Array): { meta: DcmjsDict; dict: DcmjsDict; handed: Map<DcmjsElement, Handed> } | undefined {
  try {
    if (head.length < 144 || head[128] !== 0x44 || head[129] !== 0x49 || head[130] !== 0x43 || head[131] !== 0x4d) return undefined;
    const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
    // (0002,0000) UL, length 4: the file meta group's length
    if (v.getUint16(132, true) !== 0x0002 || v.getUint16(134, true) !== 0x0000 || head[136] !== 0x55 || head[137] !== 0x4c || v.getUint16(138, true) !== 4) return undefined;
    const metaEnd = 144 + v.getUint32(140, true);
    if (metaEnd > head.length) return undefined;
    const handed = new Map<DcmjsElement, Handed>();
    const f = new Framer(head, handed);
    const meta: DcmjsDict = {};
    if (!f.readElements(meta, 144, metaEnd, EXPLICIT_VR_LITTLE_ENDIAN, false)) return undefined;
    const ts = meta["00020010"]?.Value?.[0];
    if (typeof ts !== "string" || ts === DEFLATED || ts === BIG_ENDIAN) return undefined;
    const syntax = ts === IMPLICIT_VR_LITTLE_ENDIAN ? IMPLICIT_VR_LITTLE_ENDIAN : EXPLICIT_VR_LITTLE_ENDIAN;
    const dict: DcmjsDict = {};
    if (!f.readElements(dict, metaEnd, head.length, syntax, true)) return undefined;
    return { meta, dict, handed };
  } catch {
    return undefined;
  }
}

/**
 * The bytes dcmjs writes for `el` in `syntax` when it is an element readHeaderMemo handed out (`handed`) and it is
 * unchanged (the same arrays it was given, holding the same values, the same VR and tag); undefined otherwise.
 * `encode` is the writer's encoder, used once per template and syntax.
 */
export function encodeUnchanged(
  handed: ReadonlyMap<DcmjsElement, Handed>,
  tag: string,
  el: DcmjsElement,
  syntax: string,
  encode: (tag: string, el: DcmjsElement, syntax: string) => Uint8Array,
): Uint8Array | undefined {
  const h = handed.get(el);
  if (!h) return undefined;
  const tpl = h.tpl;
  if (!tpl.enc || tpl.tag !== tag || el.vr !== tpl.vr || el.Value !== h.Value || el._rawValue !== h.raw) return undefined;
  if (!samePrims(el.Value, tpl.Value) || !samePrims(el._rawValue, tpl.raw)) return undefined;
  let bytes = tpl.enc.get(syntax);
  if (!bytes) {
    bytes = encode(tag, makeElement(tpl.vr, copyValue(tpl.Value), copyValue(tpl.raw)), syntax);
    tpl.enc.set(syntax, bytes);
  }
  return bytes;
}

/** Memo size, for tests. */
export function memoSize(): number {
  return memoCount;
}
