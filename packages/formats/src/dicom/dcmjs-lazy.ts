// dcmjs, loaded on first use. Importing it costs ~100 ms of module loading (docs/performance.md, DICOM start-up),
// which commands that never decode a data set no longer pay: `validate`, `report`, every non-DICOM run, and the main
// thread of a run whose worker threads do the de-identifying. `require` gives the same module object an ESM import
// of this CommonJS package would (one instance either way).
import { createRequire } from "node:module";
import type dcmjsModule from "dcmjs";

type Dcmjs = typeof dcmjsModule;

const require = createRequire(import.meta.url);
let loaded: Dcmjs | undefined;

export function dcmjs(): Dcmjs {
  if (!loaded) {
    loaded = require("dcmjs") as Dcmjs;
    // dcmjs logs "Invalid vr type ..." for implicit-VR files through this child logger; only setLevel on it silences it.
    loaded.log.getLogger("validation.dcmjs").setLevel("silent");
  }
  return loaded;
}
