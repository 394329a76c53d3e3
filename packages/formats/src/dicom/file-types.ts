// Options and results of file-level de-identification, shared by the whole-file path (file.ts), the header-only fast
// path (fast.ts) and the worker's local-file job (local-file.ts).
import type { DeidentifyOptions, DeidentifyResult } from "./deidentify.js";
import type { DicomHeader } from "./scan.js";
import type { Stamp } from "./stamp.js";

export interface DeidentifyFileOptions extends DeidentifyOptions {
  /** for error messages */
  fileName?: string;
  /** values written after de-identification (standard attributes or private tags, see stamp.ts) */
  stamps?: readonly Stamp[];
  /** rewrite only the header and copy the pixel data through when possible (fast.ts). Default true. */
  fastPath?: boolean;
  /**
   * The caller's scanDicomHeader of these same bytes (not as a prefix): it is not scanned again. A header parse is
   * ~0.1 ms, a sizeable part of the per-file cost when a run de-identifies thousands of small files.
   */
  scanned?: DicomHeader;
}

export interface DeidentifyFileResult extends DeidentifyResult {
  bytes: Uint8Array;
}

/**
 * The output of deidentifyFile as two parts whose concatenation is `bytes`: `head` (new bytes) and `tail`, a view
 * of the input from `tailOffset` on that passes through unchanged (the pixel data on the fast path; empty, with
 * `tailOffset` = the input's length, when the whole file was rewritten).
 */
export interface DeidentifyPartsResult extends DeidentifyResult {
  head: Uint8Array;
  tail: Uint8Array;
  tailOffset: number;
}
