// Synthetic DICOM with PHI, adapted from packages/formats/test/dicom-deidentify.test.ts: Part 10 CT files built with
// dcmjs carrying a distinctive marker ("PHI-<tag>-7Q") in every Table E.1-1 attribute whose VR we can fill, nested
// sequences with PHI and UID references to the other files of the series, and a private block.
import { createRequire } from "node:module";
import { ANNEX_E_ROWS, vrOf } from "@ingestkit/formats";

// dcmjs is a dependency of @ingestkit/formats; resolve it from there (pnpm does not hoist it to the root).
const require = createRequire(new URL("../../packages/formats/package.json", import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const dcmjs = require("dcmjs") as any;

type Dict = Record<string, { vr: string; Value?: unknown[] }>;

export const CT = "1.2.840.10008.5.1.4.1.1.2";
const EXPLICIT_LE = "1.2.840.10008.1.2.1";
/** every original (identifying) UID of the fixtures is under this root */
export const ORIGINAL_ROOT = "1.2.826.0.1.3680043.8.498.";
export const MARKER_RE = /PHI[-_][0-9A-Z]+[-_]7Q/g;
export const SIDE = 64;

/** The synthetic PHI of an attribute: a marker no de-identified output may contain. */
export const marker = (tag: string, vr: string) => (vr === "CS" ? `PHI_${tag}_7Q` : `PHI-${tag}-7Q`);
export const ascii = (s: string) => new TextEncoder().encode(s.length % 2 ? `${s} ` : s).buffer;
/** The date every seeded DA/DT carries (so shifted or leaked dates are easy to find). */
export const ORIGINAL_DATE = "19770707";

/**
 * A value of `vr` carrying PHI for attribute `tag` (shared by the engine's and the profile's
 * tests): markers in text, ORIGINAL_DATE in dates, `uid` for UI and a referencing sequence item
 * pointing at `refUid`; undefined for a VR we cannot synthesize.
 */
export function seedValue(tag: string, vr: string, uid: string, refUid = `${uid}.8`): unknown[] | undefined {
  switch (vr) {
    case "AE":
    case "CS":
    case "LO":
    case "LT":
    case "SH":
    case "ST":
    case "UC":
    case "UT":
      return [marker(tag, vr)];
    case "PN":
      return [{ Alphabetic: marker(tag, vr) }];
    case "UR":
      return [`urn:${marker(tag, vr)}`];
    case "DA":
      return [ORIGINAL_DATE];
    case "DT":
      return [`${ORIGINAL_DATE}070707`];
    case "TM":
      return ["070707.77"];
    case "AS":
      return ["077Y"];
    case "DS":
      return ["7.77"];
    case "IS":
      return ["777"];
    case "UI":
      return [uid];
    case "US":
    case "SS":
    case "UL":
    case "SL":
    case "FL":
    case "FD":
      return [7];
    case "OB":
    case "OW":
    case "UN":
      return [ascii(marker(tag, vr))];
    case "SQ":
      return [{ "00081155": { vr: "UI", Value: [refUid] }, "00100010": { vr: "PN", Value: [{ Alphabetic: marker(tag, vr) }] } }];
    default:
      return undefined;
  }
}

export interface FixtureSpec {
  patient: string; // e.g. "PHI-PAT1-7Q"
  study: number;
  series: number;
  instance: number;
  instancesInSeries: number;
  /** default "CT" (the SOP class stays CT Image Storage) */
  modality?: string;
  /** varies the pixel values (default 0): two specs differing only here have different pixel hashes */
  pixelSeed?: number;
  /** PatientID when it should differ from `patient` (which also names the patient) */
  patientId?: string;
}

export const uidOf = {
  study: (s: number) => `${ORIGINAL_ROOT}1${s}`,
  series: (s: number, r: number) => `${ORIGINAL_ROOT}2${s}${r}`,
  sop: (s: number, r: number, i: number) => `${ORIGINAL_ROOT}3${s}${r}${i}`,
  frame: (s: number) => `${ORIGINAL_ROOT}4${s}`,
};

/** One CT instance of the given study/series (SIDE x SIDE 16-bit pixels). */
export function buildDicom(f: FixtureSpec): Uint8Array {
  const dict: Dict = {};
  ANNEX_E_ROWS.forEach((row, idx) => {
    if (row.kind !== "tag") return;
    const g = row.tag.slice(0, 4);
    if (g === "0000" || g === "0002" || g === "FFFA" || g === "FFFC") return;
    const vr = vrOf(row.tag);
    const value = vr ? seedValue(row.tag, vr, `${ORIGINAL_ROOT}9${f.study}${f.series}${f.instance}${idx}`) : undefined;
    if (vr && value) dict[row.tag] = { vr, Value: value };
  });
  const pixels = new Uint8Array(SIDE * SIDE * 2);
  for (let k = 0; k < pixels.length; k++) pixels[k] = (k * 31 + f.instance * 7 + f.series + (f.pixelSeed ?? 0) * 13) & 0xff;
  const sop = (i: number) => uidOf.sop(f.study, f.series, i);
  const n = f.instancesInSeries;
  Object.assign(dict, {
    "00080008": { vr: "CS", Value: ["ORIGINAL", "PRIMARY", "AXIAL"] },
    "00080016": { vr: "UI", Value: [CT] },
    "00080018": { vr: "UI", Value: [sop(f.instance)] },
    "00080020": { vr: "DA", Value: ["19770707"] },
    "00080060": { vr: "CS", Value: [f.modality ?? "CT"] },
    "00100010": { vr: "PN", Value: [{ Alphabetic: `${f.patient}^NAME` }] },
    "00100020": { vr: "LO", Value: [f.patientId ?? f.patient] },
    "0020000D": { vr: "UI", Value: [uidOf.study(f.study)] },
    "0020000E": { vr: "UI", Value: [uidOf.series(f.study, f.series)] },
    "00200011": { vr: "IS", Value: [String(f.series)] },
    "00200013": { vr: "IS", Value: [String(f.instance + 1)] },
    "00200052": { vr: "UI", Value: [uidOf.frame(f.study)] },
    "00280002": { vr: "US", Value: [1] },
    "00280004": { vr: "CS", Value: ["MONOCHROME2"] },
    "00280010": { vr: "US", Value: [SIDE] },
    "00280011": { vr: "US", Value: [SIDE] },
    "00280100": { vr: "US", Value: [16] },
    "00280101": { vr: "US", Value: [16] },
    "00280102": { vr: "US", Value: [15] },
    "00280103": { vr: "US", Value: [0] },
    "7FE00010": { vr: "OW", Value: [pixels.buffer] },
    // references to the other files of the series (must point at their remapped SOP Instance UIDs)
    "00082112": { vr: "SQ", Value: [{ "00081150": { vr: "UI", Value: [CT] }, "00081155": { vr: "UI", Value: [sop((f.instance + 1) % n)] } }] },
    "00081115": {
      vr: "SQ",
      Value: [
        {
          "0020000E": { vr: "UI", Value: [uidOf.series(f.study, f.series)] },
          "00100010": { vr: "PN", Value: [{ Alphabetic: "PHI-NESTA-7Q" }] },
          "00290010": { vr: "LO", Value: ["NEST CREATOR"] },
          "00291001": { vr: "LO", Value: ["PHI-NESTP-7Q"] },
          "0008114A": {
            vr: "SQ",
            Value: [{ "00081150": { vr: "UI", Value: [CT] }, "00081155": { vr: "UI", Value: [sop((f.instance + 2) % n)] }, "00080050": { vr: "SH", Value: ["PHI-NESTB-7Q"] } }],
          },
        },
      ],
    },
    "00400275": {
      vr: "SQ",
      Value: [{ "00401001": { vr: "SH", Value: ["PHI-NESTE-7Q"] }, "00081110": { vr: "SQ", Value: [{ "00081155": { vr: "UI", Value: [uidOf.study(f.study)] } }] } }],
    },
    "00110010": { vr: "LO", Value: ["ACME PRIVATE"] },
    "00111001": { vr: "LO", Value: ["PHI-00111001-7Q"] },
  });
  const meta: Dict = {
    "00020001": { vr: "OB", Value: [new Uint8Array([0, 1]).buffer] },
    "00020002": { vr: "UI", Value: [CT] },
    "00020003": { vr: "UI", Value: [sop(f.instance)] },
    "00020010": { vr: "UI", Value: [EXPLICIT_LE] },
    "00020012": { vr: "UI", Value: ["1.2.999.1"] },
    "00020013": { vr: "SH", Value: ["FIXTURE"] },
    "00020016": { vr: "AE", Value: ["PHI-SRCAE-7Q"] },
  };
  const dd = new dcmjs.data.DicomDict(meta);
  dd.dict = dict;
  return new Uint8Array(dd.write());
}

/** Every UI value in a dcmjs dict, recursively. */
export function readDicom(bytes: Uint8Array): { dict: Dict; meta: Dict } {
  return dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function allUids(d: Dict, out: string[] = []): string[] {
  for (const el of Object.values(d)) {
    if (el.vr === "UI") for (const v of el.Value ?? []) if (typeof v === "string" && v) out.push(v.replace(/\0+$/, ""));
    if (el.vr === "SQ") for (const item of el.Value ?? []) allUids(item as Dict, out);
  }
  return out;
}
