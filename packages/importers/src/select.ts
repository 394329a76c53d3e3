/** Picks the profile a config is written for: its own `entities:` graph, else `cryoet`. */
import type { LoadedConfig, Profile } from "@ingestkit/core";
import { createCryoetProfile } from "./cryoet/profile.js";
import { createGenericProfile, isGenericConfig } from "./generic/profile.js";

let cryoet: Profile | undefined;

export function profileForConfig(config: LoadedConfig): Profile {
  if (isGenericConfig(config)) return createGenericProfile(config);
  cryoet ??= createCryoetProfile();
  return cryoet;
}
