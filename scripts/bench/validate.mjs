#!/usr/bin/env node
// `pnpm bench:validate`: `standardize-dirs validate` over the portal's 402 corpus files, against
// the upstream structural check in Python (PyYAML + jsonschema) over the same files, same run.
// Both wall-clock figures include process start-up; ours also does the semantic checks the peer
// does not (templates, regexes, unknown keys, finder keys).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const corpus = join(root, "..", "shared", "corpus", "cryoet-dataset-configs");
const files = readdirSync(join(corpus, "configs"), { recursive: true })
  .map(String)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(corpus, "configs", f))
  .sort();
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

function ours() {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(root, "packages/cli/bin/standardize-dirs.js"), "validate", join(corpus, "configs"), "--json"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const { summary } = JSON.parse(r.stdout);
  return { seconds, ...summary };
}

function peer() {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/python3", [join(root, "scripts/bench/validate-peer.py"), join(corpus, "upstream-schema", "ingestion_config_models.schema.json"), ...files], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`python peer failed (needs python3-yaml and python3-jsonschema: scripts/system-deps.sh): ${r.stderr}`);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ...JSON.parse(r.stdout), seconds };
}

const best = (xs) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const a = best(Array.from({ length: rounds }, ours));
const b = best(Array.from({ length: rounds }, peer));
console.log(`files: ${files.length} (best of ${rounds})`);
console.log(`ingestkit validate:        ${a.seconds.toFixed(2)} s  (${a.valid} valid, ${a.invalid} invalid)`);
console.log(`upstream check (Python):   ${b.seconds.toFixed(2)} s  (${b.valid} valid, ${b.invalid} invalid)`);
console.log(`ratio peer/ours:           ${(b.seconds / a.seconds).toFixed(2)}x`);
