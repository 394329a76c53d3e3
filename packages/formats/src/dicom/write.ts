// Part 10 writer with dcmjs' exact bytes, faster: dcmjs' DicomDict#write encodes every element through a fresh
// WriteBufferStream (~20 µs per element, ~650 µs for a 35-element CT header, mostly Babel class-field overhead),
// so the header rewrite of the fast path cost far more than the de-identification itself. Here each element is
// still encoded by dcmjs (DicomMessage.write of a one-element dict, the same Tag#write DicomDict#write calls in
// sorted tag order and concatenates), but the bytes of an element are memoized by its content: attributes that
// repeat from file to file (a series' UIDs, image geometry, the de-identification method sequence) are encoded
// once; short ASCII strings (SIMPLE_VRS) are encoded here as dcmjs does; an element memo-read.ts handed out and the
// de-identifier left unchanged is written as its template was (`handed`, encodeUnchanged). The result equals
// `dicomDict.write()` byte for byte (test/dicom-fast-path.test.ts, test/dicom-streamed-write.test.ts).
//
// Only plain data is memoized (strings, finite numbers, booleans, null/undefined, arrays and plain objects, e.g.
// PN objects and sequence items, ArrayBuffers up to 64 bytes by content, and dcmjs' own PN decorations); anything
// else (pixel data, typed arrays, boxed strings, accessors) is encoded by dcmjs every time. The key holds
// everything dcmjs reads from the element (vr, Value, _rawValue, ...), the tag and the transfer syntax. The memo
// lives in process memory only (its keys hold the values dcmjs read, originals included, like the dict itself;
// never logged or written), is cleared past MAX_ENTRIES entries and skips elements with long keys.
import type { DcmjsDict, DcmjsElement, WriteOptions } from "dcmjs";
import { dcmjs } from "./dcmjs-lazy.js";
import { encodeUnchanged, type Handed } from "./memo-read.js";

const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
const TRANSFER_SYNTAX_UID = "00020010";
const MAX_ENTRIES = 20_000;
/** elements whose key is longer (large text, big sequences) are not memoized: the memo stays below ~100 MB */
const MAX_KEY_CHARS = 2048;
const DEFAULT_OPTIONS: WriteOptions = { allowInvalidVRLength: false };

/** binary values (ArrayBuffer) up to this size are part of the key (e.g. File Meta Information Version) */
const MAX_BINARY_KEY = 64;
const DCMJS_VALUE_ACCESSORS = ["__hasValueAccessors", "toJSON", "toString"];

const memo = new Map<string, Uint8Array>();

function hiddenOwn(o: object, k: string): boolean {
  const d = Object.getOwnPropertyDescriptor(o, k);
  return d !== undefined && !d.enumerable && "value" in d;
}

/** A string that is equal for two values only when they are structurally equal plain data; undefined otherwise. */
function plainKey(v: unknown, out: string[]): boolean {
  switch (typeof v) {
    case "string":
      out.push("s", String(v.length), ":", v);
      return true;
    case "number":
      if (!Number.isFinite(v) || Object.is(v, -0)) return false;
      out.push("n", String(v), ";");
      return true;
    case "boolean":
      out.push(v ? "T" : "F");
      return true;
    case "undefined":
      out.push("u");
      return true;
    case "object": {
      if (v === null) {
        out.push("z");
        return true;
      }
      if (Array.isArray(v)) {
        out.push("[", String(v.length), ":");
        for (let i = 0; i < v.length; i++) if (!(i in v) || !plainKey(v[i], out)) return false;
        out.push("]");
        // dcmjs decorates PN value arrays with hidden toJSON/toString (functions of the array's content)
        const extra = Object.getOwnPropertyNames(v).length - v.length - 1;
        if (extra !== 0) {
          if (extra !== DCMJS_VALUE_ACCESSORS.length || !DCMJS_VALUE_ACCESSORS.every((k) => hiddenOwn(v, k))) return false;
          out.push("P");
        }
        if (Object.getOwnPropertySymbols(v).length) return false;
        return true;
      }
      if (v instanceof ArrayBuffer) {
        if (Object.getPrototypeOf(v) !== ArrayBuffer.prototype || v.byteLength > MAX_BINARY_KEY) return false;
        out.push("b", Buffer.from(v).toString("hex"), ";");
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false; // ArrayBuffer, typed arrays, Date, ...
      if (Object.getOwnPropertySymbols(v).length) return false;
      const names = Object.getOwnPropertyNames(v);
      out.push("{", String(names.length), ":");
      for (const k of names) {
        const d = Object.getOwnPropertyDescriptor(v, k)!;
        if (!("value" in d)) return false; // accessors: not plain
        if (!d.enumerable) {
          if (k === "__hasTagAccessors" && d.value === true) continue; // dcmjs' mark on PN elements
          return false;
        }
        out.push(String(k.length), ":", k);
        if (!plainKey(d.value, out)) return false;
      }
      out.push("}");
      return true;
    }
    default:
      return false;
  }
}

/**
 * Short string VRs whose encoding dcmjs 0.51 spells out simply (Tag#write + ValueRepresentation#write/#writeBytes):
 * the values joined with "\\", padded to even length with `pad`, after a tag / VR / 16-bit length header (explicit
 * VR) or tag / 32-bit length (implicit VR). Written here (no memo needed) for values that need none of dcmjs' special cases:
 * printable ASCII without "\\" (so UTF-8 and ASCII writers agree) within the VR's maximum length (no warning, no
 * error); anything else goes to dcmjs. test/dicom-fast-path.test.ts checks it against dcmjs on random values.
 */
const PRINTABLE_NO_BACKSLASH = /^[\x20-\x5b\x5d-\x7e]*$/;
const SIMPLE_VRS: Readonly<Record<string, { pad: number; max: number; chars: RegExp }>> = {
  UI: { pad: 0x00, max: 64, chars: /^[0-9.]*$/ },
  SH: { pad: 0x20, max: 16, chars: PRINTABLE_NO_BACKSLASH },
  LO: { pad: 0x20, max: 64, chars: PRINTABLE_NO_BACKSLASH },
  CS: { pad: 0x20, max: 16, chars: PRINTABLE_NO_BACKSLASH },
  // numeric strings, dates and times: dcmjs writes string values (an unchanged element's _rawValue) as they are
  IS: { pad: 0x20, max: 12, chars: PRINTABLE_NO_BACKSLASH },
  DS: { pad: 0x20, max: 16, chars: PRINTABLE_NO_BACKSLASH },
  DA: { pad: 0x20, max: 8, chars: PRINTABLE_NO_BACKSLASH },
  DT: { pad: 0x20, max: 26, chars: PRINTABLE_NO_BACKSLASH },
  TM: { pad: 0x20, max: 16, chars: PRINTABLE_NO_BACKSLASH },
};
const IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";

/** dcmjs' bytes for a simple string element (see SIMPLE_VRS), or undefined when dcmjs must encode it. */
export function encodeSimpleString(tag: string, el: DcmjsElement, syntax: string): Uint8Array | undefined {
  const spec = SIMPLE_VRS[el.vr];
  if (!spec || (syntax !== EXPLICIT_VR_LITTLE_ENDIAN && syntax !== IMPLICIT_VR_LITTLE_ENDIAN) || !/^[0-9A-F]{8}$/.test(tag)) return undefined;
  let values: unknown;
  try {
    values = dcmjs().data.DicomMessage._getTagWriteValues(el.vr, el); // Value, or _rawValue when Value is unchanged
  } catch {
    return undefined;
  }
  if (!Array.isArray(values)) return undefined;
  for (const v of values) if (typeof v !== "string" || v.length > spec.max || !spec.chars.test(v)) return undefined;
  const text = (values as string[]).join("\\");
  const length = text.length + (text.length & 1);
  if (length >= 0x10000) return undefined; // dcmjs writes such values as UN with a 32-bit length
  const implicit = syntax === IMPLICIT_VR_LITTLE_ENDIAN;
  const head = 8; // tag (4) + VR (2) + length (2), or tag (4) + length (4)
  const out = new Uint8Array(head + length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, parseInt(tag.slice(0, 4), 16), true);
  dv.setUint16(2, parseInt(tag.slice(4), 16), true);
  if (implicit) dv.setUint32(4, length, true);
  else {
    out[4] = el.vr.charCodeAt(0);
    out[5] = el.vr.charCodeAt(1);
    dv.setUint16(6, length, true);
  }
  for (let i = 0; i < text.length; i++) out[head + i] = text.charCodeAt(i);
  if (text.length & 1) out[head + text.length] = spec.pad;
  return out;
}

function encodeDirect(tag: string, el: DcmjsElement, syntax: string, options: WriteOptions): Uint8Array {
  const stream = new (dcmjs().data.WriteBufferStream)(256, true);
  dcmjs().data.DicomMessage.write({ [tag]: el }, stream, syntax, options);
  return new Uint8Array(stream.getBuffer());
}

/** a memoized template's bytes were encoded with the default options */
const isDefault = (o: WriteOptions) => !o.allowInvalidVRLength && o.fragmentMultiframe === undefined;
const encodeDefault = (tag: string, el: DcmjsElement, syntax: string) => encodeFresh(tag, el, syntax, DEFAULT_OPTIONS);

/**
 * dcmjs' encoding of one element (tag, VR, length, value) in `syntax`. `handed`: what memo-read.ts handed out for
 * the dict the element is in (an unchanged element is then encoded as its template was).
 */
export function encodeElement(tag: string, el: DcmjsElement, syntax: string, options: WriteOptions = DEFAULT_OPTIONS, handed?: ReadonlyMap<DcmjsElement, Handed>): Uint8Array {
  if (handed && isDefault(options)) {
    const same = encodeUnchanged(handed, tag, el, syntax, encodeDefault);
    if (same) return same;
  }
  return encodeFresh(tag, el, syntax, options);
}

function encodeFresh(tag: string, el: DcmjsElement, syntax: string, options: WriteOptions): Uint8Array {
  const simple = encodeSimpleString(tag, el, syntax);
  if (simple) return simple;
  const parts = [tag, "\0", syntax, "\0", options.allowInvalidVRLength ? "1" : "0", options.fragmentMultiframe === undefined ? "" : String(options.fragmentMultiframe), "\0"];
  if (!plainKey(el, parts)) return encodeDirect(tag, el, syntax, options);
  const key = parts.join("");
  if (key.length > MAX_KEY_CHARS) return encodeDirect(tag, el, syntax, options); // big elements: not kept
  let bytes = memo.get(key);
  if (!bytes) {
    bytes = encodeDirect(tag, el, syntax, options);
    if (memo.size >= MAX_ENTRIES) memo.clear();
    memo.set(key, bytes);
  }
  return bytes;
}

/** Every element of `dict`, in tag order, encoded in `syntax`, and their total length. */
function encodeElements(dict: DcmjsDict, syntax: string, options: WriteOptions, handed: ReadonlyMap<DcmjsElement, Handed> | undefined): { parts: Uint8Array[]; size: number } {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const tag of Object.keys(dict).sort()) {
    const b = encodeElement(tag, dict[tag]!, syntax, options, handed);
    parts.push(b);
    size += b.length;
  }
  return { parts, size };
}

/** What DicomDict#write returns (preamble, "DICM", file meta group with its length, data set), as one buffer. */
export function writeDicomDict(dicomDict: { meta: DcmjsDict; dict: DcmjsDict; handed?: ReadonlyMap<DcmjsElement, Handed> }, options: WriteOptions = DEFAULT_OPTIONS): Uint8Array {
  const { meta, handed } = dicomDict;
  // as DicomDict#write: a missing transfer syntax is set to explicit VR little endian (in the meta, too)
  if (!meta[TRANSFER_SYNTAX_UID]) meta[TRANSFER_SYNTAX_UID] = { vr: "UI", Value: [EXPLICIT_VR_LITTLE_ENDIAN] };
  const { parts: metaParts, size: metaSize } = encodeElements(meta, EXPLICIT_VR_LITTLE_ENDIAN, options, handed);
  const groupLength = encodeElement("00020000", { vr: "UL", Value: metaSize as unknown as unknown[] }, EXPLICIT_VR_LITTLE_ENDIAN, options);
  const syntax = String((meta[TRANSFER_SYNTAX_UID]!.Value as unknown[])[0]);
  const { parts: dataParts, size: dataSize } = encodeElements(dicomDict.dict, syntax, options, handed);
  const out = new Uint8Array(132 + groupLength.length + metaSize + dataSize);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  let o = 132;
  for (const b of [groupLength, ...metaParts, ...dataParts]) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}
