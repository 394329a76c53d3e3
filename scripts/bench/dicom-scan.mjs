#!/usr/bin/env node
// The DICOM series scan's steps alone, on the tree `npm run bench:dicom` generates (run that first): listing, each
// file's first 64 KiB + 1 read through the thread pool (32 at a time, as S3 objects are) and with blocking calls
// (as local files are since 2026-12-04), and dicom-parser on the prefixes. Prints milliseconds per step.
// BENCH_DICOM_DIR / BENCH_DICOM_FILES as for bench:dicom.
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { LocalStorage, globStorage } = await import(join(root, "packages/core/dist/index.js"));
const { scanDicomHeader } = await import(join(root, "packages/formats/dist/index.js"));
const N = Number(process.env.BENCH_DICOM_FILES ?? 2000);
const input = join(process.env.BENCH_DICOM_DIR ?? join(tmpdir(), "ingestkit-bench-dicom"), `input-${N}`);
if (!existsSync(join(input, ".complete"))) {
  console.error(`${input} not found: run npm run bench:dicom first`);
  process.exit(1);
}
const PREFIX = 64 * 1024 + 1;
const storage = new LocalStorage(input);
const ms = (t0) => `${(performance.now() - t0).toFixed(0)} ms`;

let t0 = performance.now();
const keys = (await globStorage(storage, "**/*.dcm")).sort();
console.log(`listing ${keys.length} files: ${ms(t0)}`);
t0 = performance.now();
const prefixes = [];
for (let w = 0; w < keys.length; w += 32) prefixes.push(...(await Promise.all(keys.slice(w, w + 32).map((k) => storage.readRange(k, 0, PREFIX)))));
console.log(`reads through the thread pool, 32 at a time: ${ms(t0)}`);
t0 = performance.now();
// the scan's own call (LocalStorage.readPrefixSync), not a copy of it
const scratch = Buffer.allocUnsafe(PREFIX);
for (const k of keys) storage.readPrefixSync(k, scratch);
console.log(`blocking reads into one buffer (LocalStorage.readPrefixSync): ${ms(t0)}`);
t0 = performance.now();
for (let i = 0; i < keys.length; i++) scanDicomHeader(prefixes[i].subarray(0, PREFIX - 1), { fileName: keys[i], isPrefix: prefixes[i].length === PREFIX });
console.log(`parsing the prefixes: ${ms(t0)}`);
