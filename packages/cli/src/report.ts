/**
 * `standardize-dirs report --db PATH [--since ISO] [--json]`: a digest of a dicom tracking
 * database (new files since a time, file counts per status, coded failures), as text or JSON.
 */
import { existsSync } from "node:fs";
import { IngestError } from "@ingestkit/core";
import { readDigest, type Digest } from "@ingestkit/importers";

export interface ReportOptions {
  db: string;
  since?: string;
  json?: boolean;
}

export function reportCommand(opts: ReportOptions, out: (text: string) => void): number {
  if (!existsSync(opts.db)) throw new IngestError("USAGE", `tracking database not found: ${opts.db}`);
  let since: string | undefined;
  if (opts.since !== undefined) {
    const t = Date.parse(opts.since);
    if (Number.isNaN(t)) throw new IngestError("USAGE", `--since needs an ISO 8601 time, got '${opts.since}'`);
    since = new Date(t).toISOString();
  }
  const digest = readDigest(opts.db, since);
  out(opts.json ? JSON.stringify(digest, null, 2) : renderDigest(digest));
  return 0;
}

export function renderDigest(d: Digest): string {
  const lines: string[] = [];
  lines.push(`tracking database ${d.db}${d.since ? ` (since ${d.since})` : ""}`);
  lines.push(`runs: ${d.runs.length}${d.runs.map((r) => `\n  #${r.id} ${r.started_at} ${r.status}: ${r.files_completed} completed, ${r.files_failed} failed`).join("")}`);
  lines.push(
    `files by status: ${Object.entries(d.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
  );
  lines.push(`new files: ${d.new_files.length}`);
  for (const f of d.new_files) lines.push(`  ${f.status.padEnd(11)} ${f.location}${f.output_key ? ` -> ${f.output_key}` : ""}`);
  lines.push(`failures: ${d.failures.length}`);
  for (const f of d.failures) lines.push(`  [${f.code}] ${f.file ?? "(run)"}: ${f.message}`);
  return lines.join("\n");
}
