// Date handling for de-identification: per-subject stable date shifts (Retain Longitudinal Temporal Information
// with Modified Dates) and shifting of DA / DT values.
import { hmac, type Secret } from "./uid.js";

/** Whole-day shift in [-rangeDays, -1] for a subject, from HMAC(secret, "dateshift" || subject key). */
export function dateShiftDays(secret: Secret, subjectKey: string, rangeDays: number): number {
  const n = hmac(secret, "dateshift", subjectKey).readUInt32BE(0);
  return -(1 + (n % Math.max(1, Math.floor(rangeDays))));
}

/** Shift a DA value "YYYYMMDD" by `days`; undefined when the value is not a plain DA (caller then blanks it). */
export function shiftDa(value: string, days: number): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(t)) return undefined;
  const d = new Date(t + days * 86_400_000);
  if (d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) return undefined;
  return `${String(d.getUTCFullYear()).padStart(4, "0")}${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
}

/** Shift the date part of a DT value "YYYYMMDD[HHMMSS[.F]][&ZZXX]" (a DT of only YYYY or YYYYMM is kept at that precision). */
export function shiftDt(value: string, days: number): string | undefined {
  const v = value.trim();
  if (/^\d{8}/.test(v)) {
    const d = shiftDa(v.slice(0, 8), days);
    return d === undefined ? undefined : d + v.slice(8);
  }
  return undefined;
}
