// Keyed, deterministic pseudonyms: UID remapping (PS3.5 B.2 "2.25." + UUID integer) and identifier pseudonyms,
// all derived from HMAC-SHA256(secret, scope || value) so the same secret reproduces the same mapping across
// files, runs and processes, and nobody without the secret can recompute (dictionary-attack) them.
import { createHmac } from "node:crypto";

/** UIDs under this root are standard (SOP classes, transfer syntaxes, coding schemes): never remapped. */
export const STANDARD_UID_ROOT = "1.2.840.10008.";

export type Secret = Uint8Array | string;

export function hmac(secret: Secret, scope: string, value: string): Buffer {
  return createHmac("sha256", secret).update(`${scope}\u0000${value}`, "utf8").digest();
}

/**
 * "2.25." + decimal of a 128-bit RFC 9562 version-8 UUID whose bits come from HMAC-SHA256(secret, "uid" || uid).
 * At most 4 + 39 = 44 characters, no leading zeros, value < 2^128 (PS3.5 B.2, 9.1).
 */
export function remapUid(secret: Secret, uid: string): string {
  const memo = remapMemoOf(secret);
  let out = memo.get(uid);
  if (out === undefined) {
    if (memo.size >= MAX_REMAP_MEMO) memo.clear();
    memo.set(uid, (out = computeRemapUid(secret, uid)));
  }
  return out;
}

/**
 * remapUid's results per secret. The files of a series carry the same study, series and frame of reference UIDs, so a
 * run would otherwise compute the same HMAC for each of them in every file. In process memory only, like the
 * mappings the run keeps anyway; bounded.
 */
const MAX_REMAP_MEMO = 100_000;
const remapByBuffer = new WeakMap<Uint8Array, Map<string, string>>();
const remapByString = new Map<string, Map<string, string>>();

function remapMemoOf(secret: Secret): Map<string, string> {
  if (typeof secret === "string") {
    let m = remapByString.get(secret);
    if (!m) {
      if (remapByString.size >= 16) remapByString.clear();
      remapByString.set(secret, (m = new Map()));
    }
    return m;
  }
  // by identity: a run passes the same secret object for every file (a buffer changed in place would need a new one)
  let m = remapByBuffer.get(secret);
  if (!m) remapByBuffer.set(secret, (m = new Map()));
  return m;
}

function computeRemapUid(secret: Secret, uid: string): string {
  const b = hmac(secret, "uid", uid).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80; // version 8 (custom)
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  return `2.25.${BigInt(`0x${b.toString("hex")}`).toString(10)}`;
}

export function isStandardUid(uid: string): boolean {
  return uid.startsWith(STANDARD_UID_ROOT);
}

/** PS3.5 9.1: components of digits without leading zeros, separated by dots, at most 64 characters. */
export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(uid);
}

/** Upper-case hex pseudonym `${prefix}${hex}` of exactly `length` characters (fits the VR's maximum length). */
export function pseudonym(secret: Secret, scope: string, value: string, prefix: string, length: number): string {
  const hex = hmac(secret, scope, value).toString("hex").toUpperCase();
  return (prefix + hex).slice(0, length);
}
