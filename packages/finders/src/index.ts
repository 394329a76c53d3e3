/**
 * The finders every profile may use, each registered under its YAML key, and the option helpers
 * for a profile's own finders (cryoet's `tomogram_header` and annotation shapes live in its folder).
 */
import { finderRegistry, type FinderRegistry } from "@ingestkit/core";
import { destinationFilter } from "./destination-filter.js";
import { literal } from "./literal.js";
import { destinationGlob, sourceGlob } from "./source-glob.js";
import { sourceMultiGlob } from "./source-multi-glob.js";

export { destinationFilter, valuesAt } from "./destination-filter.js";
export { literal } from "./literal.js";
export { destinationGlob, sourceGlob } from "./source-glob.js";
export { sourceMultiGlob } from "./source-multi-glob.js";
export { asObject, isObject, optionalString, requireString } from "./options.js";

/** Every built-in finder, keyed by YAML key. */
export const builtinFinders: FinderRegistry = finderRegistry([sourceGlob, sourceMultiGlob, destinationGlob, literal, destinationFilter]);

/** The finders a source of most entity types may use (the reference's DefaultImporterFactory). */
export const DEFAULT_FINDERS = ["source_glob", "source_multi_glob", "destination_glob", "literal", "destination_filter"] as const;
