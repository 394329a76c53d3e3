/** Picks the profile a config is written for: its own `entities:` graph, a `dicom:` section, else `cryoet`. */
import type { LoadedConfig, Profile } from "@ingestkit/core";
import { createCryoetProfile } from "./cryoet/profile.js";
import { createGenericProfile, isGenericConfig } from "./generic/profile.js";
import { createDicomProfile, isDicomConfig } from "./dicom/profile.js";

let cryoet: Profile | undefined;
let dicom: Profile | undefined;

export function profileForConfig(config: LoadedConfig): Profile {
  if (isGenericConfig(config)) return createGenericProfile(config);
  if (isDicomConfig(config)) return (dicom ??= createDicomProfile());
  cryoet ??= createCryoetProfile();
  return cryoet;
}
