#!/usr/bin/env node
// `pnpm bench:s3`: S3 -> S3 ingestion against s3rver on loopback. Generates the demo deposition
// with 50 runs (3 frames of BENCH_S3_FRAME_BYTES each, default 1 MiB, and a small float32
// tomogram of BENCH_S3_TOMO (default 32x96x96, 1.1 MiB) standardized to MRC + OME-Zarr + key
// images), uploads it, then
// ingests it bucket to bucket with the built CLI at --concurrency 1, 2, 4 and 8, and, in the same
// run, copies the same input with Debian's `aws s3 cp --recursive` (awscli v2) between two
// buckets of the same server (a server-side CopyObject per object), and through the client
// (download to disk, upload). Every request goes through a counting pass-through proxy, so the
// request counts per operation are the server's view. Wall times include process start-up.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request as httpRequest } from "node:http";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeDemoDeposition } from "../lib/demo-deposition.mjs";
import { tomogramsSection } from "../lib/tomogram-config.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(root, "packages/cli/bin/standardize-dirs.js");
const CONFIG = join(root, "dataset_configs/demo.yaml");
const LAUNCHER = join(root, "test/support/s3rver-launcher.mjs");
const AWS = "/usr/bin/aws";
const RUNS = Number(process.env.BENCH_S3_RUNS ?? 50);
const FRAME_BYTES = Number(process.env.BENCH_S3_FRAME_BYTES ?? 1 << 20);
// BENCH_S3_TOMO=none: the files-only deposition (no volumes)
const TOMO = process.env.BENCH_S3_TOMO === "none" ? null : (process.env.BENCH_S3_TOMO ?? "32x96x96").split("x").map(Number);
const CONCURRENCIES = (process.env.BENCH_S3_CONCURRENCY ?? "1,2,4,8").split(",").map(Number);
const IN_BUCKET = "cryoetportal-rawdatasets-dev";
// s3rver accepts these dummy credentials; nothing else is ever used or printed
const S3_ENV = {
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
};

/** Runs a command without blocking this process (the proxy lives here); resolves with its output. */
function exec(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }));
  });
}

async function startS3rver(directory) {
  const child = spawn(process.execPath, ["--openssl-legacy-provider", LAUNCHER, directory], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.once("exit", r), child.stdin.end())) };
}

/** S3 operation of a path-style request, from its method, query and headers. */
function operationOf(req) {
  const url = new URL(req.url, "http://x");
  const q = url.searchParams;
  const isBucket = url.pathname.split("/").filter(Boolean).length <= 1;
  switch (req.method) {
    case "GET":
      return isBucket ? "ListObjects" : "GetObject";
    case "HEAD":
      return isBucket ? "HeadBucket" : "HeadObject";
    case "PUT":
      if (isBucket) return "CreateBucket";
      if (req.headers["x-amz-copy-source"]) return q.has("partNumber") ? "UploadPartCopy" : "CopyObject";
      return q.has("partNumber") ? "UploadPart" : "PutObject";
    case "POST":
      return q.has("uploads") ? "CreateMultipartUpload" : q.has("uploadId") ? "CompleteMultipartUpload" : q.has("delete") ? "DeleteObjects" : "POST";
    case "DELETE":
      return q.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    default:
      return req.method;
  }
}

/** A pass-through proxy that counts requests per operation and bytes each way. */
async function startCountingProxy(target) {
  const t = new URL(target);
  const agent = new Agent({ keepAlive: true });
  let counts = {};
  const server = createServer((req, res) => {
    const op = operationOf(req);
    counts[op] = (counts[op] ?? 0) + 1;
    const headers = { ...req.headers };
    delete headers.expect; // this server already answered 100-continue
    const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", () => res.socket?.destroy());
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    /** Counts since the last call, and resets them. */
    take() {
      const c = counts;
      counts = {};
      return c;
    },
    stop: () => (server.closeAllConnections(), agent.destroy(), new Promise((r) => server.close(r))),
  };
}

const total = (c) => Object.values(c).reduce((a, b) => a + b, 0);
const fmtCounts = (c) =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
const mb = (bytes) => bytes / 1e6;

async function aws(args, endpoint) {
  const quiet = args[1] === "cp" ? ["--only-show-errors", "--no-progress"] : [];
  const r = await exec(AWS, [...args, "--endpoint-url", endpoint, ...quiet], S3_ENV);
  if (r.code !== 0) throw new Error(`aws ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r;
}

// everything the demo config imports, plus the tomograms and their key images (alignments and
// annotations, which a tomogram would bring by default, belong to a later issue)
const IMPORTS = [
  ...[
    "depositions",
    "deposition-keyphotos",
    "datasets",
    "dataset-keyphotos",
    "runs",
    "gains",
    "collection-metadata",
    "frames",
    "identified-objects",
    "voxel-spacings",
    "tomograms",
    "key-images",
  ].map((p) => `--import-${p}`),
  ...["deposition", "dataset", "run", "frame", "identified-object", "tomogram"].map((t) => `--import-${t}-metadata`),
];

/** A tomogram per run (deterministic values) and the demo config extended with tomograms. */
async function withTomograms(local, runs, work) {
  const { memoryByteSink, writeMrc } = await import(join(root, "packages/formats/dist/index.js"));
  const [z, y, x] = TOMO;
  for (const [r, run] of runs.entries()) {
    const data = new Float32Array(z * y * x);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin((i + r * 7919) / 97) * 100 + ((i * 31) % 17);
    const sink = memoryByteSink();
    await writeMrc(sink, data, { shape: { z, y, x }, dtype: "float32", voxelSize: 13.48 });
    writeFileSync(join(local, "deposit", run, `${run}_tomo.mrc`), sink.bytes());
  }
  const config = join(work, "bench-s3.yaml");
  // the demo's voxel spacing (13.48 from its run data map) holds the tomograms
  const tomograms = tomogramsSection("{run_name}/{run_name}_tomo.mrc");
  writeFileSync(config, readFileSync(CONFIG, "utf8") + tomograms);
  return config;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "ingestkit-bench-s3-"));
  const store = join(work, "s3rver");
  mkdirSync(store);
  const local = join(work, IN_BUCKET);
  const runs = Array.from({ length: RUNS }, (_, i) => `TS_${String(i + 1).padStart(2, "0")}`);
  writeDemoDeposition(local, { runs, frameBytes: FRAME_BYTES });
  const config = TOMO ? await withTomograms(local, runs, work) : CONFIG;
  const server = await startS3rver(store);
  const proxy = await startCountingProxy(server.endpoint);
  try {
    await aws(["s3", "mb", `s3://${IN_BUCKET}`], proxy.endpoint);
    const upload = await aws(["s3", "cp", "--recursive", local, `s3://${IN_BUCKET}/`], proxy.endpoint);
    const uploadCounts = proxy.take();
    const inputBytes = (await exec("du", ["-sb", join(local, "deposit")])).stdout.split("\t")[0];
    console.log(`input: ${RUNS} runs, ${uploadCounts.PutObject ?? 0} objects, ${mb(Number(inputBytes)).toFixed(1)} MB (uploaded with aws in ${upload.seconds.toFixed(1)} s)`);
    console.log(
      `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; s3rver on loopback behind a counting proxy`,
    );
    console.log("");
    const rows = [];
    for (const n of CONCURRENCIES) {
      const bucket = `out-c${n}`;
      await aws(["s3", "mb", `s3://${bucket}`], proxy.endpoint);
      proxy.take();
      const r = await exec(
        process.execPath,
        [CLI, "convert", config, `s3://${IN_BUCKET}`, `s3://${bucket}/standardized`, "--concurrency", String(n), "--log-format", "json", ...(TOMO ? IMPORTS : [])],
        { ...S3_ENV, AWS_ENDPOINT_URL_S3: proxy.endpoint },
      );
      const counts = proxy.take();
      const lines = r.stderr
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const summary = lines.find((e) => e.event === "summary");
      if (r.code !== 0 || !summary) throw new Error(`ingest at --concurrency ${n} failed (${r.code}): ${r.stderr.slice(-2000)}`);
      const retries = lines.filter((e) => e.event === "retry").length;
      rows.push({ name: `ingestkit convert --concurrency ${n}`, seconds: r.seconds, bytes: summary.bytes, objects: summary.written, counts, retries });
    }
    await aws(["s3", "mb", "s3://aws-copy"], proxy.endpoint);
    proxy.take();
    const cp = await aws(["s3", "cp", "--recursive", `s3://${IN_BUCKET}/deposit/`, "s3://aws-copy/deposit/"], proxy.endpoint);
    const cpCounts = proxy.take();
    rows.push({
      name: "aws s3 cp --recursive (server-side copy)",
      seconds: cp.seconds,
      bytes: Number(inputBytes),
      objects: cpCounts.CopyObject ?? 0,
      counts: cpCounts,
      retries: 0,
    });
    // the bytes through the client, as ingestkit moves them between two buckets: download, upload
    await aws(["s3", "mb", "s3://aws-via-client"], proxy.endpoint);
    proxy.take();
    const staging = join(work, "aws-staging");
    const down = await aws(["s3", "cp", "--recursive", `s3://${IN_BUCKET}/deposit/`, staging], proxy.endpoint);
    const up = await aws(["s3", "cp", "--recursive", staging, "s3://aws-via-client/deposit/"], proxy.endpoint);
    const viaCounts = proxy.take();
    rows.push({
      name: "aws s3 cp --recursive bucket -> disk -> bucket",
      seconds: down.seconds + up.seconds,
      bytes: Number(inputBytes),
      objects: viaCounts.PutObject ?? 0,
      counts: viaCounts,
      retries: 0,
    });

    console.log("| | wall | objects written | MB written | MB/s | requests | retries |");
    console.log("|---|---|---|---|---|---|---|");
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${r.seconds.toFixed(1)} s | ${r.objects} | ${mb(r.bytes).toFixed(1)} | ${(mb(r.bytes) / r.seconds).toFixed(1)} | ${total(r.counts)} | ${r.retries} |`,
      );
    }
    console.log("");
    for (const r of rows) console.log(`requests, ${r.name}: ${fmtCounts(r.counts)}`);
  } finally {
    await proxy.stop();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
