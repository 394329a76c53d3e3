/**
 * A loaded config: the YAML with positions, the plain and Python-typed values, and the
 * `{metadata, sources}` entries of each entity type.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { IngestError } from "../errors.js";
import type { ConfigPosition, EntityEntry, EntityType, LoadedConfigApi, SourceSpec } from "../contracts.js";
import { loadYaml, YamlSyntaxError, type LoadedYaml, type YamlPath } from "./yaml.js";

export type { ConfigPosition } from "../contracts.js";

// kept outside the class: a class with private members is not interchangeable with LoadedConfigApi
const pyViews = new WeakMap<LoadedConfig, Record<string, unknown>>();

export class LoadedConfig implements LoadedConfigApi {
  readonly file: string;
  readonly dir: string;
  readonly data: Record<string, unknown>;

  constructor(readonly yaml: LoadedYaml) {
    this.file = yaml.file;
    this.dir = dirname(resolve(yaml.file));
    const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
    this.data = isObj(yaml.value) ? yaml.value : {};
  }

  /** Python-typed view (integral floats kept as PyFloat), computed on first use. */
  get py(): Record<string, unknown> {
    let cached = pyViews.get(this);
    if (!cached) {
      const v = this.yaml.pyValue;
      cached = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
      pyViews.set(this, cached);
    }
    return cached;
  }

  /** The `{metadata, sources}` list under the type's YAML key (empty when absent). */
  entries(type: EntityType): EntityEntry[] {
    const plain = this.data[type.plural];
    const py = this.py[type.plural];
    if (!Array.isArray(plain)) return [];
    return plain.map((e, index) => {
      const pe = Array.isArray(py) ? (py[index] as Record<string, unknown> | undefined) : undefined;
      const entry = (e ?? {}) as Record<string, unknown>;
      return {
        metadata: ((pe?.metadata ?? entry.metadata ?? {}) as Record<string, unknown>) ?? {},
        sources: Array.isArray(entry.sources) ? (entry.sources as SourceSpec[]) : [],
        index,
      };
    });
  }

  /** Position of a YAML path, for error messages. */
  position(path: YamlPath, which: "key" | "value" = "value"): ConfigPosition {
    const p = this.yaml.positionOf(path, which);
    return p ? { file: this.file, line: p.line, col: p.col } : { file: this.file };
  }

  section(key: string): Record<string, unknown> {
    const v = this.data[key];
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  }
}

/** Parses config text; malformed YAML becomes an IngestError naming file:line:col. */
export function parseConfig(text: string, file: string): LoadedConfig {
  try {
    return new LoadedConfig(loadYaml(text, file));
  } catch (err) {
    if (err instanceof YamlSyntaxError) {
      throw new IngestError("YAML_SYNTAX", `invalid YAML: ${err.message}`, { file: err.file, line: err.line, col: err.col, cause: err });
    }
    throw err;
  }
}

export async function readConfig(file: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IngestError(
      // a config that is not there is a mistake in the command, like a missing INPUT (exit code 2)
      code === "ENOENT" ? "USAGE" : "SOURCE_UNREADABLE",
      code === "ENOENT" ? "config file not found" : `cannot read config: ${(err as Error).message}`,
      { file, cause: err },
    );
  }
  return parseConfig(text, file);
}
