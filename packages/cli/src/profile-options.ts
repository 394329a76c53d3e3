/**
 * Profile-owned `convert` options: each registered profile's settings become commander options
 * shown under the profile's own heading in `--help`; after parsing, the ones given are checked
 * against the config's profile (an option of another profile is a usage error) and handed to it
 * as settings.
 */
import { Option, type Command } from "commander";
import { IngestError, parseOptionValue, type ProfileOption, type ProfilePlugin, type ProfileRegistry, type ProfileSettingValue } from "@ingestkit/core";

/** commander's attribute name for a long flag: `https-prefix` -> `httpsPrefix`. */
function attributeName(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Adds every registered profile's options to `command`; flags the command already has are refused. */
export function addProfileOptions(command: Command, registry: ProfileRegistry): void {
  const taken = new Set(command.options.map((o) => o.long).filter((x): x is string => !!x));
  const added = new Set<string>();
  for (const plugin of registry.list()) {
    for (const o of plugin.options ?? []) {
      if (added.has(o.flag)) continue; // declared the same way by an earlier profile (the registry checks)
      if (taken.has(`--${o.flag}`) || (o.type === "boolean" && taken.has(`--no-${o.flag}`)))
        throw new IngestError("USAGE", `profile '${plugin.name}' declares --${o.flag}, which is a common option of convert`);
      added.add(o.flag);
      const owners = registry.list().filter((p) => p.options?.some((x) => x.flag === o.flag));
      const group = `Options of the ${owners.map((p) => p.name).join(" and ")} profile${owners.length > 1 ? "s" : ""}:`;
      const dflt = o.default === undefined ? "" : ` (default: ${String(o.default)})`;
      if (o.type === "boolean") {
        const onOff = o.default === true ? ` (the default; --no-${o.flag}: do not)` : ` (--no-${o.flag}: do not, the default)`;
        command.addOption(new Option(`--${o.flag}`, `${o.help}${onOff}`).helpGroup(group));
        command.addOption(new Option(`--no-${o.flag}`).hideHelp());
      } else {
        const opt = new Option(`--${o.flag} ${o.valueName ?? "<value>"}`, `${o.help}${dflt}`).helpGroup(group);
        if (o.type === "choice") opt.choices([...o.choices!]);
        command.addOption(opt);
      }
    }
  }
}

/**
 * The profile options given on the command line, checked against `plugin`: its settings, or a
 * USAGE error naming the option and the profile that owns it.
 */
export function profileSettings(opts: Record<string, unknown>, registry: ProfileRegistry, plugin: ProfilePlugin): Record<string, ProfileSettingValue> {
  const settings: Record<string, ProfileSettingValue> = {};
  const seen = new Set<string>();
  for (const p of registry.list()) {
    for (const o of p.options ?? []) {
      if (seen.has(o.flag)) continue;
      seen.add(o.flag);
      const raw = opts[attributeName(o.flag)];
      if (raw === undefined) continue;
      const own = plugin.options?.find((x) => x.flag === o.flag);
      if (!own) {
        const owners = registry
          .list()
          .filter((x) => x.options?.some((y) => y.flag === o.flag))
          .map((x) => x.name);
        throw new IngestError("USAGE", `--${o.flag} is an option of the ${owners.join(" / ")} profile; this config runs with the '${plugin.name}' profile`);
      }
      settings[own.key] = typeof raw === "string" ? parseOptionValue(own, raw) : (raw as ProfileSettingValue);
    }
  }
  return settings;
}

/** One line per option, for `standardize-dirs profiles --json`. */
export function describeOption(o: ProfileOption): Record<string, unknown> {
  return { flag: `--${o.flag}`, key: o.key, type: o.type, ...(o.choices ? { choices: o.choices } : {}), ...(o.default !== undefined ? { default: o.default } : {}), help: o.help };
}
