/**
 * The built-in profile plugins, registered with the process-wide registry when this package is
 * loaded, and `profileForConfig`, which picks a config's profile through that registry (the
 * config's `profile:` key, else the one plugin whose `detect` claims it).
 */
import { defaultProfileRegistry, type LoadedConfig, type Profile, type ProfilePlugin, type ProfileRegistry } from "@ingestkit/core";
import { cryoetPlugin } from "./cryoet/profile.js";
import { dicomPlugin } from "./dicom/profile.js";
import { entitiesPlugin } from "./entities/profile.js";

/** cryoet, dicom and entities, in the order `standardize-dirs profiles` lists them. */
export const builtinProfiles: readonly ProfilePlugin[] = [cryoetPlugin, dicomPlugin, entitiesPlugin];

/** The process-wide registry with the built-in profiles in it (plus whatever users registered). */
export function profileRegistry(): ProfileRegistry {
  const registry = defaultProfileRegistry();
  for (const p of builtinProfiles) registry.register(p);
  return registry;
}

/** The profile a config is written for (throws a positioned IngestError naming the candidates). */
export function profileForConfig(config: LoadedConfig, registry: ProfileRegistry = profileRegistry()): Profile {
  return registry.resolve(config).profile;
}
