/**
 * Profile plugins and their registry. A profile plugin is a value: its name, a one-line
 * description, the typed settings it reads (each with its CLI option), an optional `detect` for
 * configs that do not say `profile: <name>`, and `profile(config)`, which builds the walkable
 * entity graph (most plugins return the same graph for every config; the `entities` plugin builds
 * it from the config). The engine, the CLI and library users all pick profiles through a registry;
 * nothing falls back silently to one profile.
 */
import type { LoadedConfigApi as LoadedConfig, ProfileOption, ProfilePlugin, ProfileSettingValue, ResolvedProfile } from "./contracts.js";
import { IngestError } from "./errors.js";
import { closest } from "./template.js";

export type { ProfileOption, ProfilePlugin, ProfileSettingValue, ResolvedProfile } from "./contracts.js";

/** The top-level config key that names a config's profile. */
export const PROFILE_KEY = "profile";

const NAME = /^[a-z][a-z0-9-]*$/;
const FLAG = /^[a-z][a-z0-9-]*$/;

/** Defines a profile plugin, checking its shape early (a bad plugin is a programming error). */
export function defineProfilePlugin(plugin: ProfilePlugin): ProfilePlugin {
  if (!plugin || typeof plugin !== "object") throw new TypeError("a profile plugin must be an object");
  if (typeof plugin.name !== "string" || !NAME.test(plugin.name)) throw new TypeError(`profile plugin name must match ${NAME}, got ${JSON.stringify(plugin.name)}`);
  if (typeof plugin.description !== "string" || !plugin.description) throw new TypeError(`profile plugin '${plugin.name}' needs a one-line description`);
  if (typeof plugin.profile !== "function") throw new TypeError(`profile plugin '${plugin.name}' needs a profile(config) function`);
  const seen = new Set<string>();
  for (const o of plugin.options ?? []) {
    const where = `profile plugin '${plugin.name}', option ${JSON.stringify(o?.flag)}`;
    if (typeof o.flag !== "string" || !FLAG.test(o.flag) || o.flag.startsWith("no-")) throw new TypeError(`${where}: flag must be kebab-case without dashes or 'no-'`);
    if (typeof o.key !== "string" || !o.key) throw new TypeError(`${where}: needs a settings key`);
    if (!["string", "boolean", "number", "choice"].includes(o.type)) throw new TypeError(`${where}: unknown type '${String(o.type)}'`);
    if (o.type === "choice" && !o.choices?.length) throw new TypeError(`${where}: a choice option needs choices`);
    if (seen.has(o.flag)) throw new TypeError(`${where}: declared twice`);
    seen.add(o.flag);
  }
  return plugin;
}

/** Parses an option's value as given on the command line; throws USAGE naming the flag. */
export function parseOptionValue(option: ProfileOption, raw: string): ProfileSettingValue {
  switch (option.type) {
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new IngestError("USAGE", `--${option.flag} needs a number, got '${raw}'`);
      return n;
    }
    case "choice":
      if (!option.choices!.includes(raw)) throw new IngestError("USAGE", `--${option.flag}: '${raw}' is not one of ${option.choices!.join(", ")}`);
      return raw;
    case "boolean":
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw new IngestError("USAGE", `--${option.flag} is a switch (use --${option.flag} or --no-${option.flag})`);
    default:
      return raw;
  }
}

/** `settings` with every option of `options` the caller left out set to its default. */
export function withOptionDefaults<T extends Record<string, unknown>>(options: readonly ProfileOption[] | undefined, settings: T): T {
  const out: Record<string, unknown> = { ...settings };
  for (const o of options ?? []) if (out[o.key] === undefined && o.default !== undefined) out[o.key] = o.default;
  return out as T;
}

/** Registered profile plugins, in registration order. */
export class ProfileRegistry {
  readonly #plugins = new Map<string, ProfilePlugin>();

  constructor(plugins: readonly ProfilePlugin[] = []) {
    for (const p of plugins) this.register(p);
  }

  /** Adds a plugin. The same value twice is a no-op; another plugin with a taken name or flag throws. */
  register(plugin: ProfilePlugin): this {
    defineProfilePlugin(plugin);
    const existing = this.#plugins.get(plugin.name);
    if (existing === plugin) return this;
    if (existing) throw new IngestError("USAGE", `a profile named '${plugin.name}' is already registered`);
    for (const o of plugin.options ?? []) {
      const owner = this.optionOwner(o.flag);
      if (owner && !sameOption(owner.option, o))
        throw new IngestError("USAGE", `profile '${plugin.name}': option --${o.flag} is already declared differently by profile '${owner.plugin.name}'`);
    }
    this.#plugins.set(plugin.name, plugin);
    return this;
  }

  get(name: string): ProfilePlugin | undefined {
    return this.#plugins.get(name);
  }

  list(): ProfilePlugin[] {
    return [...this.#plugins.values()];
  }

  /** The first plugin declaring `--flag`, with the declaration. */
  optionOwner(flag: string): { plugin: ProfilePlugin; option: ProfileOption } | undefined {
    for (const plugin of this.#plugins.values()) {
      const option = plugin.options?.find((o) => o.flag === flag);
      if (option) return { plugin, option };
    }
    return undefined;
  }

  /**
   * The plugin a config is written for: the one its top-level `profile:` names, else the single
   * plugin whose `detect` claims it. Errors name the config's position and the candidates.
   */
  pluginFor(config: LoadedConfig): { plugin: ProfilePlugin; via: "config" | "detect" } {
    const named = config.data[PROFILE_KEY];
    const names = [...this.#plugins.keys()];
    if (named !== undefined) {
      if (typeof named !== "string")
        throw new IngestError("CONFIG_SCHEMA", `'${PROFILE_KEY}' must be a profile name (one of: ${names.join(", ")})`, config.position([PROFILE_KEY]));
      const plugin = this.#plugins.get(named);
      if (!plugin) {
        const guess = closest(named, names);
        throw new IngestError("CONFIG_SCHEMA", `unknown profile '${named}'${guess ? `: did you mean '${guess}'?` : ""} (registered: ${names.join(", ")})`, {
          ...config.position([PROFILE_KEY]),
          hint: "a profile of your own is loaded with --profile-module FILE (CLI) or registerProfile() (library)",
        });
      }
      return { plugin, via: "config" };
    }
    const claims = this.list().filter((p) => p.detect?.(config));
    if (claims.length === 1) return { plugin: claims[0]!, via: "detect" };
    const list = this.list()
      .map((p) => `${p.name} (${p.description})`)
      .join("; ");
    const message =
      claims.length === 0
        ? `no registered profile recognizes this config; name one with a top-level 'profile:' key. Registered: ${list}`
        : `this config could be for ${claims.map((p) => `'${p.name}'`).join(" or ")}; name one with a top-level 'profile:' key`;
    throw new IngestError("CONFIG_SCHEMA", message, { file: config.file });
  }

  /** The plugin and its built profile for a config (see `pluginFor`). */
  resolve(config: LoadedConfig): ResolvedProfile {
    const { plugin, via } = this.pluginFor(config);
    const profile = plugin.profile(config);
    if (profile.name !== plugin.name) throw new Error(`profile plugin '${plugin.name}' built a profile named '${profile.name}'`);
    return { plugin, profile, via };
  }
}

function sameOption(a: ProfileOption, b: ProfileOption): boolean {
  return a.key === b.key && a.type === b.type && a.default === b.default && (a.choices ?? []).join("\0") === (b.choices ?? []).join("\0");
}

// One registry per process, shared even when two copies of this package are loaded (a profile
// package with its own @ingestkit/core next to the CLI's): the registry lives on globalThis.
const GLOBAL_KEY = Symbol.for("ingestkit.profile-registry");

/** The process-wide registry the CLI and `profileForConfig` use. */
export function defaultProfileRegistry(): ProfileRegistry {
  const g = globalThis as { [GLOBAL_KEY]?: ProfileRegistry };
  return (g[GLOBAL_KEY] ??= new ProfileRegistry());
}

/** Registers a profile plugin with the process-wide registry (see `defaultProfileRegistry`). */
export function registerProfile(plugin: ProfilePlugin): ProfilePlugin {
  defaultProfileRegistry().register(plugin);
  return plugin;
}
