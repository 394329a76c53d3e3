// Resolves what the de-identifier does to one attribute: PS3.15 Table E.1-1 row (basic profile + the enabled
// option columns) -> one concrete action, plus VR-consistent dummy values for "D".
//
// Without per-IOD Type information compound actions are resolved conservatively, as PS3.15 allows when the
// attribute is present: X/Z -> Z, X/D -> D, Z/D -> D, X/Z/D -> D, X/Z/U* -> U (always IOD-conformant; leaves an
// empty or dummy value where a Type 3 attribute could have been removed).
import { ANNEX_E_ROWS, type AnnexERow, type BasicAction, type OptionAction } from "./annex-e-table.js";

/** What happens to one attribute. "clean" = scrub known identifiers out of text; "shiftDate" = per-subject shift. */
export type ResolvedAction = "keep" | "remove" | "empty" | "dummy" | "remapUid" | "clean" | "shiftDate";

export interface ProfileOptions {
  retainUIDs?: boolean;
  retainLongitudinal?: "off" | "full" | "modified";
  retainDeviceIdentity?: boolean;
  retainInstitutionIdentity?: boolean;
  retainPatientCharacteristics?: boolean;
  cleanDescriptors?: boolean;
}

const BY_TAG: ReadonlyMap<string, AnnexERow> = new Map(ANNEX_E_ROWS.filter((r) => r.kind === "tag").map((r) => [r.tag, r] as const));
const WILDCARDS = ANNEX_E_ROWS.filter((r) => r.kind === "wildcard").map((r) => ({
  row: r,
  re: new RegExp(`^${r.tag.replace(/X/g, "[0-9A-F]")}$`),
}));

/** The Table E.1-1 row for a (non-private) tag "GGGGEEEE", including group wildcards (50xx curves, 60xx overlays). */
export function annexERow(tag: string): AnnexERow | undefined {
  const exact = BY_TAG.get(tag);
  if (exact) return exact;
  // Wildcard groups are repeating groups: only even groups in the range, e.g. 5000-50FF, 6000-60FF.
  for (const w of WILDCARDS) if (w.re.test(tag) && parseInt(tag.slice(0, 4), 16) % 2 === 0) return w.row;
  return undefined;
}

export function isPrivateTag(tag: string): boolean {
  return parseInt(tag.slice(0, 4), 16) % 2 === 1;
}

const COMPOUND: Record<BasicAction, "X" | "Z" | "D" | "U"> = {
  X: "X",
  Z: "Z",
  D: "D",
  U: "U",
  "X/Z": "Z",
  "X/D": "D",
  "Z/D": "D",
  "X/Z/D": "D",
  "X/Z/U*": "U",
};

const RANK: Record<OptionAction, number> = { K: 3, C: 2, U: 1, D: 1, Z: 1, X: 1 };

/** Option columns that are switched on, each with the meaning its "C" has. */
function enabledColumns(o: ProfileOptions): Array<[keyof AnnexERow, "shiftDate" | "clean"]> {
  const cols: Array<[keyof AnnexERow, "shiftDate" | "clean"]> = [];
  if (o.retainUIDs) cols.push(["retainUIDs", "clean"]);
  if (o.retainDeviceIdentity) cols.push(["retainDeviceIdentity", "clean"]);
  if (o.retainInstitutionIdentity) cols.push(["retainInstitutionIdentity", "clean"]);
  if (o.retainPatientCharacteristics) cols.push(["retainPatientCharacteristics", "clean"]);
  if (o.retainLongitudinal === "full") cols.push(["retainLongitudinalFullDates", "shiftDate"]);
  if (o.retainLongitudinal === "modified") cols.push(["retainLongitudinalModifiedDates", "shiftDate"]);
  if (o.cleanDescriptors) cols.push(["cleanDescriptors", "clean"]);
  return cols;
}

/**
 * Action for a table row under the given options. Among the enabled option columns that have an entry for the
 * row, the most retaining one wins (K over C over X); otherwise the basic profile action applies.
 */
export function resolveRowAction(row: AnnexERow, options: ProfileOptions): ResolvedAction {
  let best: { action: OptionAction; cMeaning: "shiftDate" | "clean" } | undefined;
  for (const [col, cMeaning] of enabledColumns(options)) {
    const a = row[col] as OptionAction | undefined;
    if (a && (!best || RANK[a] > RANK[best.action])) best = { action: a, cMeaning };
  }
  const code = best ? best.action : COMPOUND[row.basic];
  switch (code) {
    case "K":
      return "keep";
    case "C":
      return best!.cMeaning;
    case "X":
      return "remove";
    case "Z":
      return "empty";
    case "D":
      return "dummy";
    case "U":
      return "remapUid";
  }
}

const TEXT_DUMMY = "ANONYMIZED";

/**
 * A VR-consistent, non-empty dummy value list for "D" (dcmjs raw Value array), or undefined for SQ/UI (handled by
 * the caller: SQ gets one empty item, UI a remapped UID).
 */
export function dummyValue(vr: string): unknown[] | undefined {
  switch (vr) {
    case "AE":
    case "CS":
    case "LO":
    case "LT":
    case "SH":
    case "ST":
    case "UC":
    case "UT":
      return [TEXT_DUMMY];
    case "PN":
      return [{ Alphabetic: TEXT_DUMMY }];
    case "AS":
      return ["000D"];
    case "DA":
      return ["19000101"];
    case "DT":
      return ["19000101000000"];
    case "TM":
      return ["000000.00"];
    case "DS":
    case "IS":
      return ["0"];
    case "UR":
      return ["urn:anonymized"];
    case "FL":
    case "FD":
    case "SL":
    case "SS":
    case "UL":
    case "US":
      return [0];
    case "SV":
    case "UV":
      return [0n];
    case "AT":
      return [0];
    case "OB":
    case "OD":
    case "OF":
    case "OL":
    case "OV":
    case "OW":
    case "UN":
      return [new ArrayBuffer(8)];
    default:
      return undefined;
  }
}

/** Maximum value lengths of the string VRs (PS3.5 Table 6.2-1), used to fit pseudonyms and hashes. */
export const MAX_LENGTH: Readonly<Record<string, number>> = {
  AE: 16,
  CS: 16,
  SH: 16,
  LO: 64,
  PN: 64,
  ST: 1024,
  LT: 10240,
  UC: 1024,
  UT: 65536,
  DS: 16,
  IS: 12,
};
