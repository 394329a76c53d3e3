import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { validateConfigFile } from "@ingestkit/importers";
import { CORPUS } from "./helpers.js";

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? yamlFiles(p) : n.endsWith(".yaml") ? [p] : [];
    });
}

describe("validate over the portal's real configs", () => {
  const files = yamlFiles(CORPUS);

  it("accepts all 399 real configs, rejects template.yaml with line and column", async () => {
    expect(files.length).toBe(402);
    const invalid: string[] = [];
    for (const f of files) {
      const r = await validateConfigFile(f);
      if (!r.valid) invalid.push(`${relative(CORPUS, f)}: ${r.diagnostics.find((d) => d.severity === "error")?.message}`);
      if (relative(CORPUS, f) === "10311_draft.yaml") {
        // anyOf [null, object] must not add "must be null" beside the real problem
        expect(r.diagnostics.map((d) => d.message).join("\n")).not.toContain("must be null");
        expect(r.diagnostics.some((d) => d.code === "CONFIG_UNKNOWN_KEY" && d.line === 7)).toBe(true);
      }
      if (relative(CORPUS, f) === "template.yaml") {
        const d = r.diagnostics[0]!;
        expect(d.code).toBe("YAML_SYNTAX");
        expect(d.line).toBeGreaterThan(0);
        expect(d.col).toBeGreaterThan(0);
      }
    }
    // the two drafts are incomplete on purpose; the upstream schema rejects them too
    expect(invalid.map((s) => s.split(":")[0]).sort()).toEqual(["10011_draft.yaml", "10311_draft.yaml", "template.yaml"]);
  });
});
