// Tag stamping: write configured values into a standard attribute (top level, added or replaced) or into a private
// tag of a private block reserved for a private-creator string (PS3.5 7.8.1). A private stamp names an odd group
// gggg, the creator string and the element offset (0x00-0xFF) inside the block: the block is the creator's existing
// slot when (gggg,00xx) already holds that creator, else the first free slot xx in 0x10-0xFF (no creator at
// (gggg,00xx) and no element in (gggg,xx00-xxFF)); the creator goes to (gggg,00xx), the value to (gggg,xxoo).
// Works on dcmjs' raw dict, so it runs after de-identification (which removes private tags) or alone (copy mode).
import type { DcmjsDict } from "dcmjs";
import { dcmjs } from "./dcmjs-lazy.js";
import { DicomError, errorMessage, looksTruncated } from "./errors.js";
import { normalizeTag } from "./deidentify.js";
import { vrOf } from "./vr.js";

export interface StandardStamp {
  /** standard attribute tag, e.g. "(0012,0071)" */
  tag: string;
  value: string;
  /** VR when the dictionary does not know the tag */
  vr?: string;
}

export interface PrivateStamp {
  /** odd group, 4 hex digits, e.g. "0013" (not 0001-0007) */
  privateGroup: string;
  /** private creator string (LO, at most 64 characters, no backslash) */
  privateCreator: string;
  /** element offset in the block, 0x00-0xFF */
  privateElement: number;
  value: string;
  /** VR of the value (default LO) */
  vr?: string;
}

export type Stamp = StandardStamp | PrivateStamp;

export const isPrivateStamp = (s: Stamp): s is PrivateStamp => "privateGroup" in s;

/** Tags written, in stamp order (private creators included). */
export interface StampResult {
  tags: string[];
}

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");

/** Validates a private group ("0013", "0x0013"); throws on even or reserved groups. */
export function parsePrivateGroup(g: string): number {
  const t = g.replace(/^0x/i, "");
  if (!/^[0-9A-Fa-f]{4}$/.test(t)) throw new Error(`private group must be 4 hex digits, got ${JSON.stringify(g)}`);
  const n = parseInt(t, 16);
  if (n % 2 === 0 || n <= 0x0007 || n === 0xffff) throw new Error(`private group must be odd and above 0007, got ${t}`);
  return n;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" ? v.replace(/[\0 ]+$/, "") : undefined;
}

/** The slot (0x10-0xFF) of `creator` in `group`: its existing one, else the first free one. */
export function privateSlot(dict: DcmjsDict, group: number, creator: string): { slot: number; isNew: boolean } {
  const g = hex4(group);
  const used = new Set<number>();
  for (const tag of Object.keys(dict)) {
    if (tag.slice(0, 4) !== g) continue;
    const el = parseInt(tag.slice(4), 16);
    if (el >= 0x10 && el <= 0xff) {
      if (text(dict[tag]!.Value?.[0]) === creator) return { slot: el, isNew: false };
      used.add(el);
    } else if (el >= 0x1000) used.add(el >> 8);
  }
  for (let s = 0x10; s <= 0xff; s++) if (!used.has(s)) return { slot: s, isNew: true };
  throw new Error(`no free private-creator slot in group ${g} (0010-00FF all taken)`);
}

/** Writes the stamps into the top level of `dict` (in place). Throws Error on a bad stamp or a full group. */
export function stampDataset(dict: DcmjsDict, stamps: readonly Stamp[]): StampResult {
  const tags: string[] = [];
  for (const s of stamps) {
    if (isPrivateStamp(s)) {
      const group = parsePrivateGroup(s.privateGroup);
      if (!(Number.isInteger(s.privateElement) && s.privateElement >= 0 && s.privateElement <= 0xff)) {
        throw new Error(`private element offset must be 00-FF, got ${s.privateElement}`);
      }
      if (!s.privateCreator || s.privateCreator.length > 64 || s.privateCreator.includes("\\")) {
        throw new Error(`private creator must be 1-64 characters without a backslash, got ${JSON.stringify(s.privateCreator)}`);
      }
      const { slot, isNew } = privateSlot(dict, group, s.privateCreator);
      const creatorTag = `${hex4(group)}00${slot.toString(16).toUpperCase().padStart(2, "0")}`;
      if (isNew) dict[creatorTag] = { vr: "LO", Value: [s.privateCreator] };
      const tag = `${hex4(group)}${hex4((slot << 8) | s.privateElement)}`;
      const vr = s.vr ?? "LO";
      dict[tag] = { vr, Value: s.value === "" ? [] : [s.value] };
      tags.push(creatorTag, tag);
    } else {
      const tag = normalizeTag(s.tag);
      if (parseInt(tag.slice(0, 4), 16) % 2 === 1) throw new Error(`stamp tag ${s.tag} is private: give private_group/private_creator instead`);
      const vr = dict[tag]?.vr ?? s.vr ?? vrOf(tag);
      if (!vr || vr === "SQ") throw new Error(`cannot stamp ${s.tag}: unknown VR or a sequence`);
      dict[tag] = { vr, Value: s.value === "" ? [] : vr === "PN" ? [{ Alphabetic: s.value }] : [s.value] };
      tags.push(tag);
    }
  }
  return { tags };
}

/**
 * Stamps one Part 10 file without de-identifying it (copy mode): dcmjs read -> stampDataset -> write. The data set
 * is re-encoded by dcmjs (text as UTF-8); pixel data bytes pass through unchanged.
 */
export function stampFile(bytes: Uint8Array, stamps: readonly Stamp[], fileName?: string): { bytes: Uint8Array } & StampResult {
  let dd;
  try {
    dd = dcmjs().data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (e) {
    throw new DicomError(looksTruncated(e) ? "TRUNCATED" : "UNREADABLE", fileName, errorMessage(e), { cause: e });
  }
  let res: StampResult;
  try {
    res = stampDataset(dd.dict, stamps);
  } catch (e) {
    throw new DicomError("STAMP_FAILED", fileName, errorMessage(e), { cause: e });
  }
  return { bytes: new Uint8Array(dd.write()), ...res };
}
