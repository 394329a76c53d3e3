#!/usr/bin/env node
// `npm run demo`: generates a synthetic deposition in a temporary folder, standardizes it with
// dataset_configs/demo.yaml and prints the resulting tree.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeDemoDeposition } from "./lib/demo-deposition.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(join(tmpdir(), "ingestkit-demo-"));
// The input root plays the part of the source bucket, as in the portal's configs.
const input = join(work, "cryoetportal-rawdatasets-dev");
const output = join(work, "output");
writeDemoDeposition(input);
console.log(`synthetic deposition: ${input}`);
const cli = join(root, "node_modules", ".bin", "standardize-dirs");
const config = join(root, "dataset_configs", "demo.yaml");
const args = ["convert", config, input, output, "--import-everything"];
console.log(`$ standardize-dirs ${args.join(" ")}`);
const res = spawnSync(cli, args, { stdio: "inherit", env: { ...process.env, SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH ?? "1767225600" } });
if (res.status !== 0) process.exit(res.status ?? 1);

console.log(`\nstandardized output: ${output}`);
const tree = (dir, indent = "") => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const s = statSync(p);
    console.log(`${indent}${name}${s.isDirectory() ? "/" : `  (${s.size} bytes)`}`);
    if (s.isDirectory()) tree(p, indent + "  ");
  }
};
tree(output);
console.log(`\nTry: ./node_modules/.bin/standardize-dirs convert ${relative(process.cwd(), config)} ${input} ${output} --dry-run`);
