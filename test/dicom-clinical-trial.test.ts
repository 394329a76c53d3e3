// End-to-end: dataset_configs/dicom_clinical_trial.yaml through the built CLI: source layout
// subjecteventcrffile/<subject>/<record>/<field>/<file>, record lookup from CSV, trial UID stamped into
// (0012,0071), quarantine naming with whitespace stripped, the SQLite tracking database, `report`, and the
// webhook notifier against a loopback HTTP server.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDicom, MARKER_RE, readDicom } from "./support/dicom-fixtures.js";
import { cli, CLI, readTree, ROOT, tempDir } from "./helpers.js";

const SECRET = "trial-secret-not-for-production";

/** The CLI without blocking the event loop (the loopback server must answer meanwhile). */
function cliAsync(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SOURCE_DATE_EPOCH: "1767225600", ...env } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("dicom profile: dataset_configs/dicom_clinical_trial.yaml", () => {
  const posts: Array<Record<string, unknown>> = [];
  let server: Server;
  let work: string;
  let out: string;
  let res: Awaited<ReturnType<typeof cliAsync>>;
  const started = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    server = createServer((req, resp) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        posts.push(JSON.parse(body));
        resp.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    work = tempDir("ingestkit-trial-");
    const input = join(work, "bucket");
    const put = (rel: string, bytes: Uint8Array | string) => {
      mkdirSync(dirname(join(input, rel)), { recursive: true });
      writeFileSync(join(input, rel), bytes);
    };
    for (let i = 0; i < 2; i++)
      put(`subjecteventcrffile/S1/REC-001/t1 scan/img${i}.dcm`, buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: i, instancesInSeries: 2 }));
    put("subjecteventcrffile/S2/REC-002/t1 scan/scan.dcm", buildDicom({ patient: "PHI-PAT2-7Q", study: 2, series: 4, instance: 0, instancesInSeries: 1 }));
    put("subjecteventcrffile/S2/REC-002/t1 scan/report.txt", "not dicom");
    // the config with a webhook added, next to a copy of the lookup table
    const cfg = join(work, "trial.yaml");
    writeFileSync(cfg, readFileSync(join(ROOT, "dataset_configs", "dicom_clinical_trial.yaml"), "utf8") + `  notify:\n    - webhook: "${url}"\n`);
    writeFileSync(join(work, "dicom_clinical_trial_records.csv"), readFileSync(join(ROOT, "dataset_configs", "dicom_clinical_trial_records.csv")));
    out = join(work, "OUT");
    res = await cliAsync(["convert", cfg, input, out], { INGESTKIT_DEID_SECRET: SECRET });
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("names files from the record lookup with whitespace stripped and stamps the trial UID", () => {
    expect(res.code, res.stderr).toBe(1); // report.txt is not DICOM
    const files = [...readTree(out).keys()].filter((k) => k.endsWith(".dcm")).sort();
    expect(files).toEqual([
      "quarantine/MRIFormt1scan/MRIForm_t1scan_P0001_baseline_REC-001_1_1_20260101_000000.dcm",
      "quarantine/MRIFormt1scan/MRIForm_t1scan_P0001_baseline_REC-001_1_2_20260101_000000.dcm",
      "quarantine/MRIFormt1scan/MRIForm_t1scan_P0002_week12_REC-002_3_4_20260101_000000.dcm",
    ]);
    const d = readDicom(new Uint8Array(readFileSync(join(out, files[2]!))));
    expect(d.dict["00120071"]?.Value?.[0]).toBe("4.4"); // pipeline file id 4 . scan id (SeriesNumber) 4
    expect(d.dict["00120062"]?.Value?.[0]).toBe("YES");
    for (const [k, b] of readTree(out, true)) expect(b.toString("latin1").match(MARKER_RE), k).toBeNull();
    expect(readFileSync(`${out}.deid-mappings/patient_ids.csv`, "utf8")).toMatch(/^original,replacement\nPHI-PAT1-7Q,/);
  });

  it("tracks runs, files, series and coded errors; `report` prints them as JSON and text", () => {
    const db = `${out}.tracking.sqlite`;
    const r = cli(["report", "--db", db, "--since", started, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const digest = JSON.parse(r.stdout);
    expect(digest.runs).toHaveLength(1);
    expect(digest.runs[0]).toMatchObject({ status: "completed_with_errors", files_completed: 3, files_failed: 1 });
    expect(digest.counts).toEqual({ Started: 0, "In Progress": 0, Completed: 3, Failed: 1 });
    expect(digest.new_files).toHaveLength(4);
    expect(digest.failures).toEqual([expect.objectContaining({ code: "NOT_DICOM", file: expect.stringMatching(/report\.txt$/) })]);
    const text = cli(["report", "--db", db]);
    expect(text.stdout).toMatch(/files by status: Started 0, In Progress 0, Completed 3, Failed 1/);
    expect(text.stdout).toMatch(/\[NOT_DICOM\] .*report\.txt/);
    const later = JSON.parse(cli(["report", "--db", db, "--since", "2999-01-01T00:00:00Z", "--json"]).stdout);
    expect(later.new_files).toHaveLength(0);
    expect(cli(["report", "--db", join(work, "missing.sqlite")]).code).toBe(2);
  });

  it("notifies the webhook of the error at once and with a digest at the end", () => {
    expect(posts.map((p) => p.kind)).toEqual(["error", "digest"]);
    expect(posts[0]).toMatchObject({ code: "NOT_DICOM", file: expect.stringMatching(/report\.txt$/) });
    expect(posts[1]).toMatchObject({ completed: 3, failed: 1 });
    expect(JSON.stringify(posts)).not.toContain(SECRET);
  });
});
