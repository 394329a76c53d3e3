#!/usr/bin/env node
// `pnpm bench:dicom` (issue 6): de-identify BENCH_DICOM_FILES (default 2,000) generated single-frame 512 KiB
// DICOM files (512×512 16-bit MONOCHROME2, explicit VR little endian, identifying attributes filled) with
// `standardize-dirs convert dataset_configs/dicom_deidentify.yaml` (the whole PS3.15 basic profile, UID remapping,
// mapping files) and, in the same run, the baseline: dcmtk's dcmodify erasing six identifying tags and regenerating
// the three instance UIDs in place (-ea ×6, -gin -gse -gst, -nb) on a copy of the files. Prints files/s of both and
// the ratio. Target (issue 6): ingestkit ≥ ½ of dcmodify's rate. Also times `cp -r` of the input: what writing a
// separate output tree costs with no DICOM work at all (dcmodify rewrites in place and writes no new files).
//
// BENCH_DICOM_DIR: work directory (default $TMPDIR/ingestkit-bench-dicom; the generated input is kept and reused,
// outputs and the dcmodify copy are removed). A run that starts within a minute of the previous run's clean-up waits
// out the rest of that minute first: on an ext4 without a journal (this machine's root file system), creating a file
// skips every inode freed in the last minute one by one, so the 6,000 files the last run removed would make each new
// file of the timed peers that create files (ingestkit, cp) cost up to ten times more (docs/performance.md, DICOM,
// 2026-12-06); dcmodify, which rewrites in place, never pays it. Wall times include process start-up. Each timed step
// starts after a `sync`, so write-back of the step before does not land in it, and prints its CPU time (user + system, from
// /proc/self/stat): on a VM whose page-cache writes vary from run to run, CPU seconds are the steadier comparison.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const N = Number(process.env.BENCH_DICOM_FILES ?? 2000);
const SIDE = 512; // 512 × 512 × 2 bytes = 512 KiB of pixel data
const work = process.env.BENCH_DICOM_DIR ?? join(tmpdir(), "ingestkit-bench-dicom");
const input = join(work, `input-${N}`);
const DCMODIFY = "/usr/bin/dcmodify";
const ERASE = ["(0010,0010)", "(0010,0020)", "(0010,0030)", "(0008,0050)", "(0008,0090)", "(0008,0080)"]; // name, id, birth date, accession, referring physician, institution

function generate() {
  const require = createRequire(join(root, "packages/formats/package.json"));
  const dcmjs = require("dcmjs");
  dcmjs.log.getLogger("validation.dcmjs").setLevel("silent");
  rmSync(input, { recursive: true, force: true });
  mkdirSync(input, { recursive: true });
  const CT = "1.2.840.10008.5.1.4.1.1.2";
  const R = "1.2.826.0.1.3680043.8.498.77";
  const pixels = new Uint8Array(SIDE * SIDE * 2);
  for (let i = 0; i < N; i++) {
    const patient = i % 50;
    const study = `${R}.1.${patient}`;
    const series = `${R}.2.${patient}.${i % 4}`;
    const sop = `${R}.3.${i}`;
    for (let k = 0; k < pixels.length; k++) pixels[k] = (k * 31 + i * 7) & 0xff;
    const dict = {
      "00080008": { vr: "CS", Value: ["ORIGINAL", "PRIMARY", "AXIAL"] },
      "00080016": { vr: "UI", Value: [CT] },
      "00080018": { vr: "UI", Value: [sop] },
      "00080020": { vr: "DA", Value: ["20240131"] },
      "00080030": { vr: "TM", Value: ["101500"] },
      "00080050": { vr: "SH", Value: [`ACC${i}`] },
      "00080060": { vr: "CS", Value: ["CT"] },
      "00080080": { vr: "LO", Value: ["General Hospital"] },
      "00080090": { vr: "PN", Value: [{ Alphabetic: "REFERRER^DOCTOR" }] },
      "00081030": { vr: "LO", Value: ["CT CHEST"] },
      "0008103E": { vr: "LO", Value: ["AXIAL 1mm"] },
      "00100010": { vr: "PN", Value: [{ Alphabetic: `PATIENT^NUMBER${patient}` }] },
      "00100020": { vr: "LO", Value: [`MRN${100000 + patient}`] },
      "00100030": { vr: "DA", Value: ["19600101"] },
      "00100040": { vr: "CS", Value: ["O"] },
      "0020000D": { vr: "UI", Value: [study] },
      "0020000E": { vr: "UI", Value: [series] },
      "00200010": { vr: "SH", Value: [`S${patient}`] },
      "00200011": { vr: "IS", Value: [String(i % 4)] },
      "00200013": { vr: "IS", Value: [String(i)] },
      "00200052": { vr: "UI", Value: [`${R}.4.${patient}`] },
      "00280002": { vr: "US", Value: [1] },
      "00280004": { vr: "CS", Value: ["MONOCHROME2"] },
      "00280010": { vr: "US", Value: [SIDE] },
      "00280011": { vr: "US", Value: [SIDE] },
      "00280100": { vr: "US", Value: [16] },
      "00280101": { vr: "US", Value: [16] },
      "00280102": { vr: "US", Value: [15] },
      "00280103": { vr: "US", Value: [0] },
      "00110010": { vr: "LO", Value: ["ACME PRIVATE"] },
      "00111001": { vr: "LO", Value: [`secret note ${i}`] },
      "7FE00010": { vr: "OW", Value: [pixels.slice().buffer] },
    };
    const meta = {
      "00020001": { vr: "OB", Value: [new Uint8Array([0, 1]).buffer] },
      "00020002": { vr: "UI", Value: [CT] },
      "00020003": { vr: "UI", Value: [sop] },
      "00020010": { vr: "UI", Value: ["1.2.840.10008.1.2.1"] },
      "00020012": { vr: "UI", Value: ["1.2.999.1"] },
    };
    const dd = new dcmjs.data.DicomDict(meta);
    dd.dict = dict;
    const dir = join(input, `p${patient}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `img${String(i).padStart(5, "0")}.dcm`), new Uint8Array(dd.write()));
  }
  writeFileSync(join(input, ".complete"), `${N}\n`);
}

/** CPU seconds (user, system) of the children waited for so far, from /proc/self/stat (cutime, cstime). */
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;
function childCpu() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd on
    return { user: Number(f[13]) / TICKS, sys: Number(f[14]) / TICKS };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

/** CPU time of each peer, summed over its runs */
const cpu = new Map();

/**
 * Wall seconds of one command. `sync` first (not timed): dirty pages left by the previous step (the input's
 * generation, the copy for dcmodify) are written back before the clock starts, not while the next peer runs.
 */
function timed(peer, cmd, args, opts = {}) {
  spawnSync("sync");
  const c0 = childCpu();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28, ...opts });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = childCpu();
  if (r.status !== 0) {
    console.error(`${cmd} ${args.slice(0, 6).join(" ")} ... exited ${r.status}\n${(r.stderr ?? "").slice(-3000)}`);
    process.exit(1);
  }
  const prev = cpu.get(peer) ?? { user: 0, sys: 0 };
  cpu.set(peer, { user: prev.user + c1.user - c0.user, sys: prev.sys + c1.sys - c0.sys });
  return s;
}
const cpuOf = (peer) => {
  const c = cpu.get(peer);
  return c ? `CPU user ${c.user.toFixed(2)} s + system ${c.sys.toFixed(2)} s` : "";
};

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".dcm"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

if (!existsSync(DCMODIFY)) {
  console.error(`${DCMODIFY} not found: install dcmtk (scripts/system-deps.sh)`);
  process.exit(1);
}
mkdirSync(work, { recursive: true });
if (!existsSync(join(input, ".complete"))) {
  const t = Date.now();
  process.stdout.write(`generating ${N} DICOM files of ${(SIDE * SIDE * 2) / 1024} KiB pixel data in ${input} ... `);
  generate();
  console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
}
const cleanupStamp = join(work, ".last-cleanup");
if (existsSync(cleanupStamp)) {
  const wait = Number(readFileSync(cleanupStamp, "utf8")) + 65_000 - Date.now();
  if (wait > 0) {
    console.log(`waiting ${Math.ceil(wait / 1000)} s: the previous run removed its trees less than a minute ago (see the header of this script)`);
    await new Promise((r) => setTimeout(r, wait));
  }
}
const inputs = filesUnder(input);
const mib = (inputs.length * (SIDE * SIDE * 2 + 1024)) / 2 ** 20;

// ingestkit: the whole basic profile through the CLI
const out = join(work, "OUT");
rmSync(out, { recursive: true, force: true });
rmSync(`${out}.deid-mappings`, { recursive: true, force: true });
const cliArgs = [join(root, "packages/cli/bin/standardize-dirs.js"), "convert", join(root, "dataset_configs/dicom_deidentify.yaml"), input, out, "--import-everything"];
const tIk = timed("ingestkit", process.execPath, cliArgs, { env: { ...process.env, INGESTKIT_DEID_SECRET: "bench-secret-not-for-production", CI: "true" } });
const written = filesUnder(out).length;
if (written !== inputs.length) {
  console.error(`ingestkit wrote ${written} of ${inputs.length} files`);
  process.exit(1);
}

// baseline: dcmodify in place on a copy (copy not timed), in batches to stay under the argument limit
const copy = join(work, "dcmodify");
rmSync(copy, { recursive: true, force: true });
cpSync(input, copy, { recursive: true });
const copies = filesUnder(copy);
const dcmArgs = [...ERASE.flatMap((t) => ["-ea", t]), "-gin", "-gse", "-gst", "-nb", "-q"];
let tDcm = 0;
for (let i = 0; i < copies.length; i += 500) tDcm += timed("dcmodify", DCMODIFY, [...dcmArgs, ...copies.slice(i, i + 500)]);

// second peer, the I/O floor of any tool that writes a separate output tree (as ingestkit must: OUTPUT is not INPUT):
// copying the files unchanged with cp, which does no DICOM work at all
const plain = join(work, "cp");
rmSync(plain, { recursive: true, force: true });
const tCp = timed("cp", "/bin/cp", ["-r", input, plain]);
rmSync(plain, { recursive: true, force: true });

rmSync(copy, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
rmSync(`${out}.deid-mappings`, { recursive: true, force: true });
spawnSync("sync"); // the freed inodes' table blocks clean: ext4 then counts them as recently freed for a minute, not five
writeFileSync(cleanupStamp, String(Date.now()));

const rIk = inputs.length / tIk;
const rDcm = inputs.length / tDcm;
console.log(`files: ${inputs.length} × ${(SIDE * SIDE * 2) / 1024} KiB pixel data (${mib.toFixed(0)} MiB), ${cpus().length} CPUs, node ${process.version}`);
console.log(`ingestkit convert dicom_deidentify.yaml (basic profile): ${tIk.toFixed(2)} s, ${rIk.toFixed(0)} files/s; ${cpuOf("ingestkit")}`);
console.log(`dcmodify (-ea ×6, -gin -gse -gst, in place): ${tDcm.toFixed(2)} s, ${rDcm.toFixed(0)} files/s; ${cpuOf("dcmodify")}`);
console.log(`cp -r of the input (writing a new tree, no DICOM work): ${tCp.toFixed(2)} s, ${(inputs.length / tCp).toFixed(0)} files/s; ${cpuOf("cp")}`);
console.log(
  `ratio ingestkit / dcmodify: ${(rIk / rDcm).toFixed(2)} (target ≥ 0.50); ingestkit / cp: ${(rIk / (inputs.length / tCp)).toFixed(2)}; cp / dcmodify: ${(inputs.length / tCp / rDcm).toFixed(2)}`,
);
