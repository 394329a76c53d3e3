/**
 * MRC2014 reader and writer (modes 0, 1, 2, 6, 12; 101 read-only), streaming z-slabs over
 * random-access byte sources and sequential sinks. Our own codec: npm has no MRC2014 library.
 */
export { MrcError } from "./errors.js";
export {
  MRC_EXTENDED_HEADER_TYPES,
  MRC_HEADER_BYTES,
  dtypeOfMode,
  encodeMrcHeader,
  isMrcMode,
  modeOfDType,
  mrcDataBytes,
  parseMrcHeader,
} from "./header.js";
export type { MrcHeader, MrcMode, MrcWritableDType, Xyz } from "./header.js";
export { memoryByteSink, memoryByteSource, openFileByteSink, openFileByteSource } from "./bytes.js";
export type { ByteSink, ByteSource, FileByteSinkOptions, MemoryByteSink } from "./bytes.js";
export { MrcReader, openMrc } from "./reader.js";
export type { MrcReadOptions } from "./reader.js";
export { MrcWriter, standardMrcHeader, writeMrc, writeMrcFromSource } from "./writer.js";
export type { MrcWriteOptions } from "./writer.js";
export { StreamingStats, mrcStats } from "./stats.js";
export type { MrcStats } from "./stats.js";
export { float16BitsToFloat32, float32ToFloat16Bit, float32ToFloat16Bits } from "./float16.js";
