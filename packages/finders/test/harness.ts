/** Runs the cryoet profile over a throwaway input tree (and optional existing outputs). */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { convert, LocalStorage, parseConfig, type ConvertResult, type Logger, type PlanNode, type SelectionFlags } from "@ingestkit/core";
import { createCryoetProfile } from "@ingestkit/importers";

/** Sections the schema requires, used when the test's YAML does not give its own. */
const DEFAULTS: Record<string, string> = {
  version: "1.3.0",
  standardization_config: "{ deposition_id: 1, source_prefix: src }",
  depositions: "[ { sources: [ { literal: { value: [1] } } ] } ]",
  datasets: "[ { sources: [ { literal: { value: ['10001'] } } ] } ]",
  runs: "[ { sources: [ { literal: { value: ['TS_1'] } } ] } ]",
  voxel_spacings: "[ { sources: [ { literal: { value: [10.0] } } ] } ]",
};

export function withDefaults(yaml: string): string {
  const missing = Object.entries(DEFAULTS).filter(([k]) => !new RegExp(`^${k}:`, "m").test(yaml));
  return missing.map(([k, v]) => `${k}: ${v}\n`).join("") + yaml;
}

export interface Fixture {
  input?: Record<string, string | Uint8Array>;
  output?: Record<string, string | Uint8Array>;
  /** writes more input into INPUT (e.g. with python zarr) before the run */
  prepare?: (inputDir: string) => void;
}

export function makeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), body);
  }
}

export async function run(
  yaml: string,
  fx: Fixture = {},
  opts: { selection?: SelectionFlags; dryRun?: boolean; settings?: Record<string, unknown>; logger?: Logger } = {},
): Promise<ConvertResult & { dir: string }> {
  // INPUT is named like the portal's bucket so bucket-qualified config paths resolve; dir/src is
  // INPUT/source_prefix (a symlink keeps the tests' paths short)
  const dir = mkdtempSync(join(tmpdir(), "ingestkit-finders-"));
  const bucket = join(dir, "cryoetportal-rawdatasets-dev");
  mkdirSync(join(bucket, "src"), { recursive: true });
  symlinkSync(join(bucket, "src"), join(dir, "src"));
  mkdirSync(join(dir, "out"), { recursive: true });
  makeTree(join(dir, "src"), fx.input ?? {});
  makeTree(join(dir, "out"), fx.output ?? {});
  fx.prepare?.(join(dir, "src"));
  const config = parseConfig(withDefaults(yaml), join(dir, "config.yaml"));
  const res = await convert({
    profile: createCryoetProfile(),
    config,
    input: new LocalStorage(join(dir, "src")),
    output: new LocalStorage(join(dir, "out")),
    selection: opts.selection ?? { importEverything: true },
    dryRun: opts.dryRun ?? true,
    settings: { inputBase: new LocalStorage(bucket), ...opts.settings },
    now: 1767225600,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  return { ...res, dir };
}

/** Plan nodes of one type, depth-first. */
export function nodes(plan: PlanNode[], type: string): PlanNode[] {
  const out: PlanNode[] = [];
  const walk = (ns: PlanNode[]) => ns.forEach((n) => (n.type === type ? out.push(n) : walk(n.children)));
  walk(plan);
  return out;
}

export const names = (plan: PlanNode[], type: string) => nodes(plan, type).map((n) => n.name);
