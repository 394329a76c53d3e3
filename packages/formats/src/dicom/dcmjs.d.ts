// Minimal hand-written types for the parts of dcmjs 0.51 that ingestkit uses (dcmjs ships no types and
// @types/dcmjs does not exist). Raw "dict" form: keys are 8 upper-case hex digits ("0020000D").
declare module "dcmjs" {
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
    [key: string]: unknown;
  }
  export type DcmjsDict = Record<string, DcmjsElement>;
  export class DicomDict {
    constructor(meta: DcmjsDict);
    meta: DcmjsDict;
    dict: DcmjsDict;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  export interface ReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }
  export class WriteBufferStream {
    constructor(defaultSize?: number, littleEndian?: boolean);
    size: number;
    getBuffer(start?: number, end?: number): ArrayBuffer;
  }
  export type WriteOptions = { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean };
  export class ReadBufferStream {
    constructor(buffer: ArrayBuffer, littleEndian: boolean | null, options?: { noCopy?: boolean });
    offset: number;
    decoder: TextDecoder;
    setDecoder(decoder: TextDecoder): void;
  }
  /** what `DicomMessage._readTag` returns for one element */
  export interface ReadTagInfo {
    tag: { toCleanString(): string };
    vr: { type: string };
    values: unknown;
    rawValues: unknown;
  }
  export const data: {
    DicomDict: typeof DicomDict;
    WriteBufferStream: typeof WriteBufferStream;
    ReadBufferStream: typeof ReadBufferStream;
    ValueRepresentation: {
      /** the element, or for VRs with value accessors (PN) a Proxy whose Value setter adds them */
      addTagAccessors<T extends object>(tag: T): T;
    };
    DicomMessage: {
      /** one element at the stream's offset (the call `_read` makes per element) */
      _readTag(stream: ReadBufferStream, syntax: string): ReadTagInfo;
      /** elements until the end of the stream (SpecificCharacterSet switches the stream's decoder) */
      _read(stream: ReadBufferStream, syntax: string): DcmjsDict;
      readFile(buffer: ArrayBuffer, options?: ReadOptions): DicomDict;
      /** writes the elements of `dict` in sorted tag order; returns the bytes written */
      write(dict: DcmjsDict, stream: WriteBufferStream, syntax: string, options?: WriteOptions): number;
      /** the values dcmjs writes for an element: `_rawValue` when `Value` is its formatted form, else `Value` */
      _getTagWriteValues(vr: string, el: DcmjsElement): unknown;
      writeTagObject(stream: WriteBufferStream, tag: string, vr: string, values: unknown, syntax: string, options?: WriteOptions): void;
    };
    DicomMetaDictionary: {
      dictionary: Record<string, { tag: string; vr: string; vm: string; name: string; version: string } | undefined>;
      nameMap: Record<string, { tag: string; vr: string; name: string } | undefined>;
    };
  };
  export const log: {
    getLogger(name: string): { setLevel(level: string): void };
    setLevel(level: string): void;
  };
  const dcmjs: { data: typeof data; log: typeof log };
  export default dcmjs;
}
