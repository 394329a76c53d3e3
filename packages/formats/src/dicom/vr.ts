// The VR a standard tag has in dcmjs' data dictionary: what de-identification (deidentify.ts) and stamping (stamp.ts)
// use for an element the data set does not type itself.
import { dcmjs } from "./dcmjs-lazy.js";

export function vrOf(tag: string): string | undefined {
  return dcmjs().data.DicomMetaDictionary.dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`]?.vr;
}
