/** Text renderings of plans, summaries and validation results. */
import { formatDiagnostic, type PlanNode, type RunSummary, type ValidationResult } from "@ingestkit/core";

export function renderPlan(plan: PlanNode[], outputLocation: string): string {
  const lines: string[] = [];
  const walk = (nodes: PlanNode[], indent: string) => {
    for (const n of nodes) {
      const status = n.status === "planned" ? "" : ` [${n.status}${n.note ? `: ${n.note}` : ""}]`;
      lines.push(`${indent}${n.type.replace(/_/g, " ")} ${n.name}${status}`);
      for (const s of n.sources) lines.push(`${indent}    < ${s}`);
      for (const w of n.writes) lines.push(`${indent}    > ${outputLocation.replace(/\/+$/, "")}/${w.key}${w.kind === "copy" ? "" : ` (${w.kind})`}${w.upToDate ? " [up to date]" : ""}`);
      if (n.error) lines.push(`${indent}    ! ${n.error.message} [${n.error.code}]`);
      walk(n.children, indent + "  ");
    }
  };
  walk(plan, "");
  return lines.join("\n");
}

export function renderSummary(s: RunSummary, dryRun: boolean): string {
  const o = s.outputs;
  const files = dryRun ? `${o.written} files to write, ${o.upToDate} up to date` : `${o.written} files written (${formatBytes(o.bytes)}), ${o.upToDate} up to date`;
  return `${dryRun ? "dry run: " : ""}${s.imported} ${dryRun ? "to import" : "imported"}, ${s.skipped} skipped, ${s.failed} failed; ${files}`;
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
