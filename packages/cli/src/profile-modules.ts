/**
 * `--profile-module FILE` (repeatable, any command): loads a user's profile plugin module and
 * registers what it exports (its default export, a `profile` export, or a `profiles` list). It
 * is taken out of argv before commander runs, because the modules' options must be known to
 * build `convert`'s options and `--help`.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { existsSync } from "node:fs";
import { defineProfilePlugin, IngestError, type ProfilePlugin, type ProfileRegistry } from "@ingestkit/core";

export const PROFILE_MODULE_FLAG = "--profile-module";

/** Splits `--profile-module X` / `--profile-module=X` out of argv. */
export function extractProfileModules(argv: string[]): { rest: string[]; modules: string[] } {
  const rest: string[] = [];
  const modules: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === PROFILE_MODULE_FLAG) {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new IngestError("USAGE", `${PROFILE_MODULE_FLAG} needs a module file or package name`);
      modules.push(v);
    } else if (a.startsWith(`${PROFILE_MODULE_FLAG}=`)) modules.push(a.slice(PROFILE_MODULE_FLAG.length + 1));
    else rest.push(a);
  }
  return { rest, modules };
}

/** Imports each module (a path relative to `cwd`, or a package name) and registers its plugins. */
export async function loadProfileModules(modules: string[], registry: ProfileRegistry, cwd = process.cwd()): Promise<ProfilePlugin[]> {
  const loaded: ProfilePlugin[] = [];
  for (const spec of modules) {
    const isPath = spec.startsWith(".") || spec.startsWith("/") || existsSync(resolve(cwd, spec));
    const target = isPath ? pathToFileURL(resolve(cwd, spec)).href : spec;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(target)) as Record<string, unknown>;
    } catch (err) {
      throw new IngestError("USAGE", `${PROFILE_MODULE_FLAG} ${spec}: cannot load it: ${(err as Error).message}`);
    }
    const exported = mod.default ?? mod.profile ?? mod.profiles;
    const plugins = Array.isArray(exported) ? exported : exported === undefined ? [] : [exported];
    if (plugins.length === 0)
      throw new IngestError("USAGE", `${PROFILE_MODULE_FLAG} ${spec}: exports no profile plugin (export default defineProfilePlugin({...}), or 'profile' / 'profiles')`);
    for (const p of plugins) {
      try {
        registry.register(defineProfilePlugin(p as ProfilePlugin));
      } catch (err) {
        throw new IngestError("USAGE", `${PROFILE_MODULE_FLAG} ${spec}: ${(err as Error).message}`);
      }
      loaded.push(p as ProfilePlugin);
    }
  }
  return loaded;
}
