/**
 * The library does what the CLI does: `convert()` given INPUT as the user names it roots the
 * sources at the profile's prefix (cryoet's `source_prefix`), keeps INPUT as `inputBase`, and fills
 * the profile's option defaults, so its outputs equal `standardize-dirs convert`'s byte for byte,
 * on local folders and on S3 (s3rver).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert, LocalStorage, openStorage, readConfig } from "@ingestkit/core";
import { profileForConfig } from "@ingestkit/importers";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { cli, readTree, ROOT, tempDir } from "./helpers.js";
import { downloadTree, uploadTree } from "./support/s3-tree.js";
import { S3RVER_ENV, startS3rver, type S3rverHandle } from "./support/s3rver.js";

const CONFIG = join(ROOT, "dataset_configs", "demo.yaml");
const BUCKET = "cryoetportal-rawdatasets-dev";
const NOW = 1767225600; // the CLI helper's SOURCE_DATE_EPOCH

let input: string;
let cliTree: Map<string, Buffer>;
beforeAll(() => {
  input = join(tempDir(), BUCKET);
  writeDemoDeposition(input);
  const out = join(tempDir(), "cli-out");
  const r = cli(["convert", CONFIG, input, out, "-q"]);
  expect(r.code, r.stderr).toBe(0);
  cliTree = readTree(out);
  expect(cliTree.size).toBeGreaterThan(20);
});

function expectSame(tree: Map<string, Buffer>, mapText: (s: string) => string = (s) => s): void {
  expect([...tree.keys()]).toEqual([...cliTree.keys()]);
  for (const [k, v] of cliTree) expect(mapText(tree.get(k)!.toString("latin1")), k).toBe(v.toString("latin1"));
}

describe("convert() through the API", () => {
  it("on local folders: the CLI's outputs, byte for byte, with no settings at all", async () => {
    const config = await readConfig(CONFIG);
    const out = join(tempDir(), "api-out");
    const result = await convert({ profile: profileForConfig(config), config, input: new LocalStorage(input), output: new LocalStorage(out), now: NOW });
    expect(result.summary.failed).toBe(0);
    expect(result.input).toBe(join(input, "deposit")); // standardization_config.source_prefix of demo.yaml
    expectSame(readTree(out));
  });

  describe("on S3", () => {
    let server: S3rverHandle;
    beforeAll(async () => {
      server = await startS3rver();
      await server.bucket(BUCKET);
      await server.bucket("out");
      await uploadTree(server.client, BUCKET, "", input);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("S3 in and out: the same bytes (the input location mapped), the prefix applied below the bucket", async () => {
      const saved = { ...process.env };
      Object.assign(process.env, S3RVER_ENV);
      try {
        const config = await readConfig(CONFIG);
        const opts = { s3Endpoint: server.endpoint };
        const result = await convert({
          profile: profileForConfig(config),
          config,
          input: openStorage(`s3://${BUCKET}`, opts),
          output: openStorage("s3://out/std", opts),
          now: NOW,
        });
        expect(result.summary.failed).toBe(0);
        expect(result.input).toBe(`s3://${BUCKET}/deposit`);
        const local = join(tempDir(), "from-s3");
        await downloadTree(server.client, "out", "std", local);
        // identified objects name their source file by location
        expectSame(readTree(local), (s) => s.split(`s3://${BUCKET}/`).join(`${input}/`));
      } finally {
        process.env = saved;
      }
    });
  });
});
