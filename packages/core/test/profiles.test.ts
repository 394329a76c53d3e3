// The profile plugin registry: how a config's profile is chosen (its `profile:` key, else exactly
// one detect claim), the errors when that fails, option declarations and their defaults.
import { builtinProfiles, cryoetPlugin, dicomPlugin, entitiesPlugin, profileForConfig } from "@ingestkit/importers";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/config.js";
import { validateConfig } from "../src/config/validate.js";
import { IngestError } from "../src/errors.js";
import { defineProfile } from "../src/graph.js";
import { finderRegistry } from "../src/finder.js";
import { defaultProfileRegistry, defineProfilePlugin, parseOptionValue, ProfileRegistry, registerProfile, withOptionDefaults, type ProfilePlugin } from "../src/profiles.js";

const cfg = (text: string) => parseConfig(text, "/configs/c.yaml");

function thrown(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError);
    return err as IngestError;
  }
  throw new Error("did not throw");
}

const tiny = (name: string, detect?: (c: ReturnType<typeof cfg>) => boolean, options: ProfilePlugin["options"] = []): ProfilePlugin => {
  const profile = defineProfile({ name, roots: [{ key: "thing", plural: "things", hasMetadata: false, importer: {} }], finders: finderRegistry([]), options });
  return defineProfilePlugin({ name, description: `${name} test profile`, ...(detect ? { detect } : {}), options, profile: () => profile });
};

describe("choosing a config's profile", () => {
  const registry = new ProfileRegistry(builtinProfiles);

  it("detects each built-in profile from its own keys", () => {
    expect(registry.resolve(cfg("standardization_config: {}\ndatasets: []\n")).plugin).toBe(cryoetPlugin);
    expect(registry.resolve(cfg("dicom:\n  mode: deidentify\n")).plugin).toBe(dicomPlugin);
    expect(registry.resolve(cfg("entities:\n  run: {plural: runs, output: '{run_name}', importer: copy}\nruns: []\n")).plugin).toBe(entitiesPlugin);
  });

  it("takes the profile the config names, over detection", () => {
    const r = registry.resolve(cfg("profile: entities\nentities:\n  scan: {output: x, importer: copy}\n"));
    expect([r.plugin.name, r.via, r.profile.name]).toEqual(["entities", "config", "entities"]);
  });

  it("names the candidates when no profile claims a config, never falling back to cryoet", () => {
    const e = thrown(() => registry.resolve(cfg("something_else: 1\n")));
    expect(e.message).toContain("no registered profile recognizes this config");
    expect(e.message).toContain("cryoet (CZI cryo-ET data portal configs");
    expect(e.message).toContain("dicom (DICOM studies");
    expect(e.message).toContain("entities (a graph the config declares");
    expect(e.file).toBe("/configs/c.yaml");
  });

  it("names the claimants when two profiles claim a config", () => {
    const both = new ProfileRegistry([...builtinProfiles, tiny("also-dicom", (c) => c.data.dicom !== undefined)]);
    expect(thrown(() => both.resolve(cfg("dicom: {}\n"))).message).toBe("this config could be for 'dicom' or 'also-dicom'; name one with a top-level 'profile:' key");
  });

  it("an unknown or non-string profile: names its position and suggests the nearest", () => {
    const e = thrown(() => registry.resolve(cfg("version: 1\nprofile: cryo-et\n")));
    expect(e.message).toBe("unknown profile 'cryo-et': did you mean 'cryoet'? (registered: cryoet, dicom, entities)");
    expect([e.line, e.col]).toEqual([2, 10]);
    expect(e.hint).toContain("--profile-module");
    expect(thrown(() => registry.resolve(cfg("profile: [cryoet]\n"))).message).toContain("'profile' must be a profile name");
  });

  it("the profile: key passes every profile's schema", () => {
    const config = cfg("profile: cryoet\nstandardization_config: {deposition_id: 1, source_prefix: x}\n");
    const { profile } = registry.resolve(config);
    const res = validateConfig(config, profile);
    expect(res.diagnostics.filter((d) => d.message.includes("'profile'"))).toEqual([]);
  });
});

describe("registering plugins", () => {
  it("refuses a second plugin of the same name and a flag declared differently", () => {
    const r = new ProfileRegistry([tiny("a", undefined, [{ key: "level", flag: "level", type: "number", default: 1, help: "x" }])]);
    r.register(r.get("a")!); // the same value again is a no-op
    expect(thrown(() => r.register(tiny("a"))).message).toBe("a profile named 'a' is already registered");
    expect(thrown(() => r.register(tiny("b", undefined, [{ key: "level", flag: "level", type: "string", help: "y" }]))).message).toContain(
      "option --level is already declared differently by profile 'a'",
    );
    r.register(tiny("c", undefined, [{ key: "level", flag: "level", type: "number", default: 1, help: "same shape" }]));
    expect(r.list().map((p) => p.name)).toEqual(["a", "c"]);
  });

  it("checks a plugin's shape when it is defined", () => {
    const p = tiny("ok");
    expect(() => defineProfilePlugin({ ...p, name: "Bad Name" })).toThrow(/name must match/);
    expect(() => defineProfilePlugin({ ...p, description: "" })).toThrow(/one-line description/);
    expect(() => defineProfilePlugin({ ...p, options: [{ key: "k", flag: "no-thing", type: "boolean", help: "" }] })).toThrow(/without dashes or 'no-'/);
    expect(() => defineProfilePlugin({ ...p, options: [{ key: "k", flag: "pick", type: "choice", help: "" }] })).toThrow(/needs choices/);
  });

  it("the process-wide registry is shared through globalThis and holds the built-ins", async () => {
    const extra = tiny("process-wide-test", (c) => c.data.process_wide_test !== undefined);
    registerProfile(extra);
    expect(defaultProfileRegistry().get("process-wide-test")).toBe(extra);
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("ingestkit.profile-registry")]).toBe(defaultProfileRegistry());
    expect(profileForConfig(cfg("process_wide_test: 1\n")).name).toBe("process-wide-test");
    expect(profileForConfig(cfg("standardization_config: {}\n")).name).toBe("cryoet");
  });

  it("a plugin whose profile() builds another name is a programming error", () => {
    const wrong = defineProfilePlugin({ ...tiny("x"), name: "y" });
    expect(() => new ProfileRegistry([wrong]).resolve(cfg("profile: y\n"))).toThrow("profile plugin 'y' built a profile named 'x'");
  });
});

describe("option values", () => {
  const opt = { key: "n", flag: "n", help: "" } as const;
  it("parses numbers, choices and switches, naming the flag on bad values", () => {
    expect(parseOptionValue({ ...opt, type: "number" }, "2.5")).toBe(2.5);
    expect(thrown(() => parseOptionValue({ ...opt, type: "number" }, "two")).message).toBe("--n needs a number, got 'two'");
    expect(thrown(() => parseOptionValue({ ...opt, type: "choice", choices: ["a"] }, "b")).message).toBe("--n: 'b' is not one of a");
    expect(parseOptionValue({ ...opt, type: "boolean" }, "false")).toBe(false);
    expect(parseOptionValue({ ...opt, type: "string" }, "x")).toBe("x");
  });

  it("fills defaults for settings a caller left out, keeping given ones (false included)", () => {
    const options = cryoetPlugin.options!;
    expect(withOptionDefaults(options, { writeMrc: false, concurrency: 2 })).toEqual({
      writeMrc: false,
      concurrency: 2,
      httpsPrefix: "https://files.cryoetdataportal.cziscience.com",
      writeZarr: true,
      ngffVersion: "0.4",
    });
  });
});

describe("the error catalogue", () => {
  it("every code has a title, a message shape and a heading in docs/errors.md", async () => {
    const { readFileSync } = await import("node:fs");
    const { ERROR_CATALOG } = await import("../src/contracts.js");
    const { ErrorCodes } = await import("../src/errors.js");
    const doc = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");
    const headings = new Set([...doc.matchAll(/^## ([A-Z_]+)$/gm)].map((m) => m[1]!.toLowerCase()));
    for (const [code, info] of Object.entries(ERROR_CATALOG)) {
      expect(info.docs).toBe(`docs/errors.md#${code.toLowerCase()}`);
      expect(headings.has(code.toLowerCase()), code).toBe(true);
      expect(info.shape.length).toBeGreaterThan(10);
      expect(ErrorCodes[code as keyof typeof ErrorCodes]).toBe(info.title);
    }
    expect(headings.size).toBe(Object.keys(ERROR_CATALOG).length);
  });
});
