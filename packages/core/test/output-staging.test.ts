// OutputStore's staging (stagingPath / adoptFile): a worker may write an output before its name is known, and the
// store moves it to its key with the same records as writeBytes. Only for a new OUTPUT (or --force), never in dry
// runs; an up-to-date key keeps its file and the staged one is removed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Manifest } from "../src/engine/manifest.js";
import { OutputStore, type WriteRecord } from "../src/engine/output.js";
import { LocalStorage } from "../src/storage/local.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ingestkit-staging-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function store(options: { dryRun?: boolean; force?: boolean } = {}) {
  const storage = new LocalStorage(root);
  const manifest = await Manifest.load(storage);
  return { storage, manifest, out: new OutputStore(storage, options.dryRun ?? false, { manifest, ...(options.force ? { force: true } : {}) }) };
}

describe("OutputStore staging", () => {
  it("adopts a staged file under its key, recorded and counted as a write; a re-run over it stages nothing", async () => {
    const { out, manifest } = await store();
    expect(out.stages).toBe(true);
    const path = out.stagingPath()!;
    writeFileSync(path, "de-identified");
    const records: WriteRecord[] = [];
    await out.adoptFile("a/b.dcm", path, 13, (r) => records.push(r), "bytes", "fp-1");
    expect(readFileSync(join(root, "a/b.dcm"), "utf8")).toBe("de-identified");
    expect(existsSync(path)).toBe(false);
    expect(records).toEqual([{ key: "a/b.dcm", kind: "bytes" }]);
    expect(out.stats).toMatchObject({ written: 1, bytes: 13 });
    // staging was decided on the empty manifest the run began with, not on the one it is filling
    expect(out.stagingPath()).toBeDefined();
    await manifest.save();

    const again = await store();
    expect(again.out.stages).toBe(false);
    expect(again.out.stagingPath()).toBeUndefined();
    const forced = await store({ force: true });
    expect(forced.out.stages).toBe(true);
  });

  it("an up-to-date key keeps its file and the staged one is removed", async () => {
    const first = await store();
    writeFileSync(join(root, "x.dcm"), "made before");
    await first.out.remember("x.dcm", "fp-x", 11);
    const path = first.out.stagingPath()!; // stages: the manifest was empty when the store was made
    writeFileSync(path, "made again");
    const records: WriteRecord[] = [];
    await first.out.adoptFile("x.dcm", path, 10, (r) => records.push(r), "bytes", "fp-x");
    expect(readFileSync(join(root, "x.dcm"), "utf8")).toBe("made before");
    expect(existsSync(path)).toBe(false);
    expect(records).toEqual([{ key: "x.dcm", kind: "bytes", upToDate: true }]);
    expect(first.out.stats).toMatchObject({ written: 0, upToDate: 1 });
  });

  it("a key that escapes OUTPUT is refused, and the staged file is removed", async () => {
    const { out } = await store();
    const path = out.stagingPath()!;
    writeFileSync(path, "de-identified");
    await expect(out.adoptFile("../outside.dcm", path, 13, undefined, "bytes", "fp")).rejects.toMatchObject({ code: "PATH_ESCAPE" });
    expect(existsSync(path)).toBe(false);
    expect(out.stats.written).toBe(0);
  });

  it("never stages in a dry run", async () => {
    const { out } = await store({ dryRun: true });
    expect(out.stages).toBe(false);
    expect(out.stagingPath()).toBeUndefined();
    expect(existsSync(join(root, ".ingestkit"))).toBe(false);
  });
});
