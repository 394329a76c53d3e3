/**
 * The per-entity flags depend on the profile (a config may declare its own graph), so they are
 * taken out of argv before commander parses the fixed options, and checked against the profile
 * once the config is loaded.
 */
import type { SelectionFlags } from "@ingestkit/core";

export interface SplitArgs {
  rest: string[];
  flags: SelectionFlags;
  /** True when any --import-* flag was given. */
  anyImport: boolean;
}

export function extractSelectionFlags(argv: string[]): SplitArgs {
  const rest: string[] = [];
  const flags: Required<Pick<SelectionFlags, "imports" | "metadata" | "filters" | "excludes">> & SelectionFlags = { imports: [], metadata: [], filters: {}, excludes: {} };
  let anyImport = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    let m: RegExpExecArray | null;
    if (a === "--import-everything") {
      flags.importEverything = true;
      anyImport = true;
    } else if (a === "--import-all-metadata") {
      flags.importAllMetadata = true;
      anyImport = true;
    } else if ((m = /^--import-(.+)-metadata$/.exec(a))) {
      flags.metadata.push(m[1]!);
      anyImport = true;
    } else if ((m = /^--import-([a-z0-9-_]+)$/.exec(a))) {
      flags.imports.push(m[1]!);
      anyImport = true;
    } else if ((m = /^--(filter|exclude)-(.+)-name(?:=(.*))?$/s.exec(a))) {
      let value = m[3];
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new Error(`${a} needs a regular expression`);
      }
      const target = m[1] === "filter" ? flags.filters : flags.excludes;
      (target[m[2]!] ??= []).push(value);
    } else rest.push(a);
  }
  return { rest, flags, anyImport };
}
