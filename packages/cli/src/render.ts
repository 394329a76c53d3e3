/** Text renderings of plans, summaries and validation results. */
import { formatDiagnostic, type PlanNode, type RunSummary, type ValidationResult } from "@ingestkit/core";

export function renderPlan(plan: PlanNode[], outputLocation: string): string {
  const lines: string[] = [];
  const walk = (nodes: PlanNode[], indent: string) => {
    for (const n of nodes) {
      const status = n.status === "planned" ? "" : ` [${n.status}${n.note ? `: ${n.note}` : ""}]`;
      lines.push(`${indent}${n.type.replace(/_/g, " ")} ${n.name}${status}`);
      for (const s of n.sources) lines.push(`${indent}    < ${s}`);
      for (const w of n.writes)
        lines.push(`${indent}    > ${outputLocation.replace(/\/+$/, "")}/${w.key}${w.kind === "copy" ? "" : ` (${w.kind})`}${w.upToDate ? " [up to date]" : ""}`);
      if (n.error) lines.push(`${indent}    ! ${n.error.message} [${n.error.code}]`);
      walk(n.children, indent + "  ");
    }
  };
  walk(plan, "");
  return lines.join("\n");
}

/** The final summary line; with `elapsedMs`, ending in the run's wall time ("in 2.3 s"). */
export function renderSummary(s: RunSummary, dryRun: boolean, elapsedMs?: number): string {
  const o = s.outputs;
  const files = dryRun ? `${o.written} files to write, ${o.upToDate} up to date` : `${o.written} files written (${formatBytes(o.bytes)}), ${o.upToDate} up to date`;
  const took = elapsedMs === undefined ? "" : ` in ${formatElapsed(elapsedMs)}`;
  return `${dryRun ? "dry run: " : ""}${s.imported} ${dryRun ? "to import" : "imported"}, ${s.skipped} skipped, ${s.failed} failed; ${files}${took}`;
}

/** "0.4 s" below a minute, else "2:05" / "1:02:03". */
export function formatElapsed(ms: number): string {
  return ms < 59_950 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms);
}

/** 0:07, 12:30, 1:02:03 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function renderValidation(results: ValidationResult[], showWarnings: boolean): string {
  const lines: string[] = [];
  for (const r of results) {
    const shown = r.diagnostics.filter((d) => showWarnings || d.severity === "error");
    if (r.valid && shown.length === 0) continue;
    lines.push(`${r.valid ? "ok     " : "INVALID"} ${r.file}`);
    for (const d of shown) lines.push(`  ${formatDiagnostic(d)}`);
  }
  const invalid = results.filter((r) => !r.valid).length;
  lines.push(`${results.length} file${results.length === 1 ? "" : "s"}: ${results.length - invalid} valid, ${invalid} invalid`);
  return lines.join("\n");
}
