// Dataset-level DICOM de-identification (PS3.15 Annex E Basic Application Level Confidentiality Profile + options)
// on dcmjs' raw dict form ({ "GGGGEEEE": { vr, Value } }), applied to the main data set and recursively to every
// item of every sequence. Mutates the dict in place and returns the re-identification mappings.
//
// Order of precedence per attribute: customRules > private-tag rule (odd groups removed unless allow-listed) >
// Table E.1-1 row (see actions.ts) > keep (attributes not in the table; kept sequences are still recursed into).
// The secret is only ever fed to HMAC (uid.ts); it is never logged or stored in the output.
import type { DcmjsDict, DcmjsElement } from "dcmjs";
import { annexERow, dummyValue, isPrivateTag, MAX_LENGTH, resolveRowAction, type ProfileOptions, type ResolvedAction } from "./actions.js";
import { ANNEX_E_SOURCE } from "./annex-e-table.js";
import { dateShiftDays, shiftDa, shiftDt } from "./dates.js";
import { hmac, isStandardUid, pseudonym, remapUid, type Secret } from "./uid.js";

export type CustomRule = "keep" | "remove" | "empty" | "hash" | "dateshift" | `replace:${string}`;

export interface DeidentifyOptions extends ProfileOptions {
  /** Key for every HMAC (UIDs, pseudonyms, date shifts). Required, non-empty. Never logged. */
  secret: Secret;
  /** Size of the per-subject date shift window for retainLongitudinal "modified": shift in [-N, -1] days. Default 365. */
  dateShiftRangeDays?: number;
  /** Report the Retain Safe Private option (113111). Private attributes are kept only if in privateAllowList. */
  retainSafePrivate?: boolean;
  /** Private attribute tags to keep ("00111002", "0011,1002" or "(0011,1002)"); their private creator is kept too. */
  privateAllowList?: readonly string[];
  /** Original PatientID -> replacement (e.g. a trial subject ID). Unmapped IDs get an HMAC pseudonym. */
  patientIdMap?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** Per-tag rules applied on top of the profile, at every nesting level. "replace:v" also adds a missing top-level attribute. */
  customRules?: Readonly<Record<string, CustomRule>>;
}

export interface DeidMappings {
  /** original UID -> replacement UID */
  uids: Record<string, string>;
  /** original PatientID -> replacement */
  patientIds: Record<string, string>;
  /** original AccessionNumber -> replacement */
  accessionNumbers: Record<string, string>;
  /** original PatientID -> date shift in days applied to DA/DT values (retainLongitudinal "modified") */
  dateShiftDays: Record<string, number>;
}

export interface DeidentifyResult {
  mappings: DeidMappings;
  warnings: string[];
}

export const DEID_METHOD_CODES: Readonly<Record<string, string>> = {
  "113100": "Basic Application Confidentiality Profile",
  "113105": "Clean Descriptors Option",
  "113106": "Retain Longitudinal Temporal Information Full Dates Option",
  "113107": "Retain Longitudinal Temporal Information Modified Dates Option",
  "113108": "Retain Patient Characteristics Option",
  "113109": "Retain Device Identity Option",
  "113110": "Retain UIDs Option",
  "113111": "Retain Safe Private Option",
  "113112": "Retain Institution Identity Option",
};

const PATIENT_ID = "00100020";
const ACCESSION_NUMBER = "00080050";
/** Values of these attributes are scrubbed out of "cleaned" free text (plus every token of every PN value). */
const IDENTIFIER_TAGS = ["00100020", "00101000", "00080050", "00100030", "00080080", "00080081", "00081010", "00101040", "00102154", "00380010", "00200010"];

/** "0011,1002" / "(0011,1002)" / "00111002" -> "00111002". */
export function normalizeTag(tag: string): string {
  const t = tag.replace(/[(),\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]{8}$/.test(t)) throw new Error(`invalid DICOM tag ${JSON.stringify(tag)}`);
  return t;
}

function mapGet(m: DeidentifyOptions["patientIdMap"], k: string): string | undefined {
  if (!m) return undefined;
  return m instanceof Map ? m.get(k) : (m as Record<string, string>)[k];
}

function textOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && "Alphabetic" in v) {
    const pn = v as Record<string, unknown>;
    return [pn.Alphabetic, pn.Ideographic, pn.Phonetic].filter((x) => typeof x === "string").join("=");
  }
  return undefined;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

class Deidentifier {
  readonly mappings: DeidMappings = { uids: {}, patientIds: {}, accessionNumbers: {}, dateShiftDays: {} };
  readonly warnings: string[] = [];
  private readonly custom = new Map<string, CustomRule>();
  private readonly allow: Set<string>;
  private shift = 0;
  private scrub: RegExp | undefined;

  constructor(private readonly o: DeidentifyOptions) {
    if (!o.secret || o.secret.length === 0) throw new Error("de-identification needs a non-empty secret");
    for (const [k, v] of Object.entries(o.customRules ?? {})) this.custom.set(normalizeTag(k), v);
    this.allow = new Set((o.privateAllowList ?? []).map(normalizeTag));
  }

  run(dict: DcmjsDict, meta?: DcmjsDict): void {
    const subject = this.firstText(dict[PATIENT_ID]) ?? "";
    if (this.o.retainLongitudinal === "modified") {
      this.shift = dateShiftDays(this.o.secret, subject, this.o.dateShiftRangeDays ?? 365);
      this.mappings.dateShiftDays[subject] = this.shift;
      if (!subject) this.warnings.push("no PatientID: date shift keyed on the empty subject");
    }
    if (this.o.cleanDescriptors || this.o.retainPatientCharacteristics) this.scrub = this.buildScrubber(dict);
    this.walk(dict, 0);
    if (meta) this.cleanMeta(meta);
    this.mark(dict);
  }

  private firstText(el: DcmjsElement | undefined): string | undefined {
    const v = el?.Value?.[0];
    const t = textOf(v);
    return t === undefined || t.trim() === "" ? undefined : t.trim();
  }

  private buildScrubber(dict: DcmjsDict): RegExp | undefined {
    const tokens = new Set<string>();
    for (const tag of IDENTIFIER_TAGS)
      for (const v of dict[tag]?.Value ?? []) {
        const t = textOf(v)?.trim();
        if (t && t.length >= 3) tokens.add(t);
      }
    for (const el of Object.values(dict))
      if (el.vr === "PN")
        for (const v of el.Value ?? []) {
          for (const part of (textOf(v) ?? "").split(/[\^=\s,]+/)) if (part.length >= 3) tokens.add(part);
        }
    if (tokens.size === 0) return undefined;
    const sorted = [...tokens].sort((a, b) => b.length - a.length).map(escapeRe);
    return new RegExp(sorted.join("|"), "gi");
  }

  private walk(ds: DcmjsDict, depth: number): void {
    for (const tag of Object.keys(ds)) {
      const el = ds[tag]!;
      const group = parseInt(tag.slice(0, 4), 16);
      const element = parseInt(tag.slice(4), 16);
      if (element === 0 && group !== 2) {
        delete ds[tag]; // group lengths are retired and would be stale after editing
        continue;
      }
      const rule = this.custom.get(tag);
      if (rule) {
        this.applyCustom(ds, tag, el, rule, depth);
        continue;
      }
      if (isPrivateTag(tag)) {
        if (!this.keepPrivate(ds, tag, group, element)) delete ds[tag];
        else if (el.vr === "SQ") this.recurse(el, depth);
        continue;
      }
      const row = annexERow(tag);
      const action: ResolvedAction = row ? resolveRowAction(row, this.o) : "keep";
      if ((tag === PATIENT_ID || tag === ACCESSION_NUMBER) && action !== "keep" && action !== "remove") {
        this.pseudonymize(el, tag);
        continue;
      }
      this.apply(ds, tag, el, action, depth);
    }
  }

  /** Private creators are kept when an allow-listed element of their block is present; other private elements only if allow-listed. */
  private keepPrivate(ds: DcmjsDict, tag: string, group: number, element: number): boolean {
    if (this.allow.has(tag)) return true;
    if (element >= 0x10 && element <= 0xff) {
      const prefix = `${tag.slice(0, 4)}${tag.slice(6, 8)}`;
      for (const t of Object.keys(ds)) if (this.allow.has(t) && t.slice(0, 6) === prefix && parseInt(t.slice(4), 16) >= 0x1000) return true;
    }
    void group;
    return false;
  }

  private recurse(el: DcmjsElement, depth: number): void {
    for (const item of el.Value ?? []) if (item && typeof item === "object") this.walk(item as DcmjsDict, depth + 1);
  }

  private apply(ds: DcmjsDict, tag: string, el: DcmjsElement, action: ResolvedAction, depth: number): void {
    switch (action) {
      case "keep":
        if (el.vr === "SQ") this.recurse(el, depth);
        return;
      case "remove":
        delete ds[tag];
        return;
      case "empty":
        el.Value = [];
        return;
      case "dummy":
        if (el.vr === "SQ") {
          el.Value = [{}];
          if (depth === 0 && tag === "0040A730") this.warnings.push("ContentSequence replaced by one empty item (D)");
        } else if (el.vr === "UI") this.remapValues(el);
        else el.Value = dummyValue(el.vr) ?? [];
        return;
      case "remapUid":
        if (el.vr === "SQ") this.recurse(el, depth);
        else if (el.vr === "UI") this.remapValues(el);
        else el.Value = dummyValue(el.vr) ?? [];
        return;
      case "shiftDate":
        this.shiftValues(el);
        return;
      case "clean":
        if (el.vr === "SQ") this.recurse(el, depth);
        else this.cleanValues(el);
        return;
    }
  }

  private applyCustom(ds: DcmjsDict, tag: string, el: DcmjsElement, rule: CustomRule, depth: number): void {
    if (rule === "keep") this.apply(ds, tag, el, "keep", depth);
    else if (rule === "remove") delete ds[tag];
    else if (rule === "empty") el.Value = [];
    else if (rule === "dateshift") this.shiftValues(el, true);
    else if (rule === "hash") {
      if (el.vr === "UI") this.remapValues(el);
      else if (el.vr === "SQ") el.Value = [];
      else {
        const max = MAX_LENGTH[el.vr] ?? 64;
        el.Value = (el.Value ?? []).map((v) => {
          const h = pseudonym(this.o.secret, `hash:${tag}`, textOf(v) ?? String(v), "", Math.min(max, 16));
          return el.vr === "PN" ? { Alphabetic: h } : el.vr === "DS" || el.vr === "IS" ? String(parseInt(h.slice(0, 8), 16) % 1e9) : h;
        });
      }
    } else if (rule.startsWith("replace:")) {
      const v = rule.slice("replace:".length);
      el.Value = v === "" ? [] : el.vr === "PN" ? [{ Alphabetic: v }] : el.vr === "SQ" ? [] : [v];
    }
  }

  private pseudonymize(el: DcmjsElement, tag: string): void {
    const orig = this.firstText(el);
    if (orig === undefined) return;
    if (tag === PATIENT_ID) {
      const repl = mapGet(this.o.patientIdMap, orig) ?? pseudonym(this.o.secret, "patient-id", orig, "P", 17);
      this.mappings.patientIds[orig] = repl;
      el.Value = [repl];
    } else {
      const repl = pseudonym(this.o.secret, "accession", orig, "A", 16);
      this.mappings.accessionNumbers[orig] = repl;
      el.Value = [repl];
    }
  }

  private remapUid(uid: string): string {
    if (isStandardUid(uid) || uid === "") return uid;
    const hit = this.mappings.uids[uid];
    if (hit) return hit;
    const repl = remapUid(this.o.secret, uid);
    this.mappings.uids[uid] = repl;
    return repl;
  }

  private remapValues(el: DcmjsElement): void {
    el.Value = (el.Value ?? []).map((v) => (typeof v === "string" ? this.remapUid(v.replace(/\0+$/, "").trim()) : v));
  }

  private shiftValues(el: DcmjsElement, warnOnOther = false): void {
    if (el.vr !== "DA" && el.vr !== "DT") {
      if (warnOnOther) this.warnings.push(`dateshift rule on a ${el.vr} attribute left it unchanged`);
      else if (this.o.retainLongitudinal === "modified" && el.vr !== "TM") {
        // Times of day (TM) are kept by the Modified Dates option. Timezone offsets (SH) are kept only when they are
        // offsets; anything else (e.g. an OB timestamp) cannot be shifted and would carry the true date: emptied.
        el.Value = el.vr === "SH" ? (el.Value ?? []).filter((v) => typeof v === "string" && /^[+-]\d{4}$/.test(v.trim())) : [];
      }
      return;
    }
    const days = this.o.retainLongitudinal === "modified" ? this.shift : this.shiftForCustom();
    const out: unknown[] = [];
    for (const v of el.Value ?? []) {
      if (typeof v !== "string" || v.trim() === "") continue;
      const s = el.vr === "DA" ? shiftDa(v, days) : shiftDt(v, days);
      if (s !== undefined) out.push(s); // unparseable dates are dropped rather than kept
    }
    el.Value = out;
  }

  private customShift: number | undefined;
  private shiftForCustom(): number {
    // customRules "dateshift" without retainLongitudinal "modified": still a stable per-secret shift.
    this.customShift ??= -(1 + (hmac(this.o.secret, "dateshift-custom", "").readUInt32BE(0) % (this.o.dateShiftRangeDays ?? 365)));
    return this.customShift;
  }

  private cleanValues(el: DcmjsElement): void {
    const scrub = this.scrub;
    if (!scrub) return;
    el.Value = (el.Value ?? []).map((v) => {
      if (typeof v === "string") return v.replace(scrub, "*");
      if (v && typeof v === "object" && "Alphabetic" in v) return { Alphabetic: "ANONYMIZED" };
      return v;
    });
  }

  private cleanMeta(meta: DcmjsDict): void {
    const ms = meta["00020003"];
    if (ms && !this.o.retainUIDs && this.custom.get("00020003") !== "keep") this.remapValues(ms);
    // Source/Sending/Receiving AE titles can name the site; not in Table E.1-1, removed conservatively.
    for (const t of ["00020016", "00020017", "00020018", "00020100", "00020102"]) delete meta[t];
  }

  private mark(dict: DcmjsDict): void {
    const o = this.o;
    const codes = ["113100"];
    if (o.cleanDescriptors) codes.push("113105");
    if (o.retainLongitudinal === "full") codes.push("113106");
    if (o.retainLongitudinal === "modified") codes.push("113107");
    if (o.retainPatientCharacteristics) codes.push("113108");
    if (o.retainDeviceIdentity) codes.push("113109");
    if (o.retainUIDs) codes.push("113110");
    if (o.retainSafePrivate) codes.push("113111");
    if (o.retainInstitutionIdentity) codes.push("113112");
    dict["00120062"] = { vr: "CS", Value: ["YES"] };
    dict["00120063"] = {
      vr: "LO",
      Value: [`ingestkit PS3.15 E.1-1 ${ANNEX_E_SOURCE.commit.slice(0, 12)}`, ...codes.map((c) => DEID_METHOD_CODES[c]!.slice(0, 64))],
    };
    dict["00120064"] = {
      vr: "SQ",
      Value: codes.map((c) => ({
        "00080100": { vr: "SH", Value: [c] },
        "00080102": { vr: "SH", Value: ["DCM"] },
        "00080104": { vr: "LO", Value: [DEID_METHOD_CODES[c]] },
      })),
    };
    dict["00280303"] = { vr: "CS", Value: [o.retainLongitudinal === "full" ? "UNMODIFIED" : "MODIFIED"] };
  }
}

/**
 * De-identify a dcmjs raw dict (and optionally its file meta information) in place.
 * `vrOf` gives the VR for "replace:" custom rules that add a missing top-level attribute.
 */
export function deidentifyDataset(dict: DcmjsDict, options: DeidentifyOptions, meta?: DcmjsDict, vrOf?: (tag: string) => string | undefined): DeidentifyResult {
  const d = new Deidentifier(options);
  d.run(dict, meta);
  const warnings = d.warnings;
  for (const [k, rule] of Object.entries(options.customRules ?? {})) {
    const tag = normalizeTag(k);
    if (dict[tag] || !rule.startsWith("replace:")) continue;
    const vr = vrOf?.(tag);
    if (!vr || vr === "SQ") {
      warnings.push(`customRules: cannot add ${tag} (unknown VR)`);
      continue;
    }
    const v = rule.slice("replace:".length);
    dict[tag] = { vr, Value: v === "" ? [] : vr === "PN" ? [{ Alphabetic: v }] : [v] };
  }
  return { mappings: d.mappings, warnings };
}

/** Merge per-file mappings into an accumulator (same keys always map to the same values for one secret). */
export function mergeMappings(into: DeidMappings, from: DeidMappings): DeidMappings {
  Object.assign(into.uids, from.uids);
  Object.assign(into.patientIds, from.patientIds);
  Object.assign(into.accessionNumbers, from.accessionNumbers);
  Object.assign(into.dateShiftDays, from.dateShiftDays);
  return into;
}
