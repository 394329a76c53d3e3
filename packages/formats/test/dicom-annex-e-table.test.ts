// The committed PS3.15 Table E.1-1 (src/dicom/annex-e-table.ts) must be exactly what the generator makes from the
// vendored innolitics JSON, and must have that JSON's row count and action distribution.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ANNEX_E_ROWS, annexERow, resolveRowAction } from "../src/dicom/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("PS3.15 Table E.1-1 (generated)", () => {
  it("equals the generator's output (scripts/generate-deid-table.mjs --check)", async () => {
    const gen = (await import(`${root}scripts/generate-deid-table.mjs`)) as { generate(): string; OUT_PATH: string };
    expect(readFileSync(gen.OUT_PATH, "utf8")).toBe(gen.generate());
  });

  it("has every row of the vendored JSON with its action distribution", () => {
    const json = JSON.parse(readFileSync(`${root}packages/formats/data/dicom/confidentiality_profile_attributes.json`, "utf8")) as unknown[];
    // The vendored revision (innolitics @0d01bf11) has 460 rows; domain-standards.md §1.1 quotes 621 rows
    // (X 384, D 92, U 54, Z 42, X/D 22, X/Z 11, X/Z/D 8, Z/D 6, X/Z/U* 2) for the later rev2024b file, which was
    // not obtainable here. Update these numbers when the JSON is refreshed.
    expect(json).toHaveLength(460);
    expect(ANNEX_E_ROWS).toHaveLength(460);
    const dist: Record<string, number> = {};
    for (const r of ANNEX_E_ROWS) dist[r.basic] = (dist[r.basic] ?? 0) + 1;
    expect(dist).toEqual({ X: 287, D: 45, U: 50, Z: 37, "X/D": 18, "X/Z": 10, "X/Z/D": 7, "Z/D": 4, "X/Z/U*": 2 });
    expect(
      ANNEX_E_ROWS.filter((r) => r.kind === "wildcard")
        .map((r) => r.tag)
        .sort(),
    ).toEqual(["50XXXXXX", "60XX3000", "60XX4000"]);
    expect(ANNEX_E_ROWS.filter((r) => r.kind === "private")).toEqual([{ tag: "GGGGEEEE", kind: "private", name: "Private attributes", basic: "X", retainSafePrivate: "C" }]);
    const opt = (k: string) => ANNEX_E_ROWS.filter((r) => (r as unknown as Record<string, unknown>)[k] !== undefined).length;
    expect([opt("retainUIDs"), opt("retainDeviceIdentity"), opt("retainInstitutionIdentity"), opt("retainPatientCharacteristics")]).toEqual([54, 36, 9, 12]);
    expect([opt("retainLongitudinalFullDates"), opt("retainLongitudinalModifiedDates"), opt("cleanDescriptors")]).toEqual([56, 56, 106]);
    expect(new Set(ANNEX_E_ROWS.map((r) => r.tag)).size).toBe(460);
  });

  it("resolves compound actions conservatively and applies option columns", () => {
    const row = (t: string) => annexERow(t)!;
    expect(resolveRowAction(row("00081030"), {})).toBe("remove"); // Study Description X
    expect(resolveRowAction(row("00080022"), {})).toBe("empty"); // Acquisition Date X/Z
    expect(resolveRowAction(row("00080021"), {})).toBe("dummy"); // Series Date X/D
    expect(resolveRowAction(row("00080023"), {})).toBe("dummy"); // Content Date Z/D
    expect(resolveRowAction(row("00181000"), {})).toBe("dummy"); // Device Serial Number X/Z/D
    expect(resolveRowAction(row("00082112"), {})).toBe("remapUid"); // Source Image Sequence X/Z/U*
    expect(resolveRowAction(row("00181000"), { retainDeviceIdentity: true })).toBe("keep");
    expect(resolveRowAction(row("00080020"), { retainLongitudinal: "modified" })).toBe("shiftDate");
    expect(resolveRowAction(row("00080020"), { retainLongitudinal: "full" })).toBe("keep");
    expect(resolveRowAction(row("00081120"), { retainUIDs: true })).toBe("remove"); // Referenced Patient Sequence: retainUIDs X
    expect(resolveRowAction(row("00181002"), { retainUIDs: true })).toBe("keep");
    expect(resolveRowAction(row("00081030"), { cleanDescriptors: true })).toBe("clean");
    expect(annexERow("50023000")?.name).toBe("Curve Data");
    expect(annexERow("60024000")?.name).toBe("Overlay Comments");
    expect(annexERow("60013000")).toBeUndefined(); // odd group: private, not an overlay
  });
});
