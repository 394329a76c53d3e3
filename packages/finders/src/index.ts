/**
 * The finders the reference tool knows, each registered under its YAML key.
 */
import { finderRegistry, type FinderRegistry } from "@ingestkit/core";
import { destinationFilter } from "./destination-filter.js";
import { literal } from "./literal.js";
import { destinationGlob, sourceGlob } from "./source-glob.js";
import { sourceMultiGlob } from "./source-multi-glob.js";
import { tomogramHeader } from "./tomogram-header.js";

export { destinationFilter, valuesAt } from "./destination-filter.js";
export { literal } from "./literal.js";
export { destinationGlob, sourceGlob } from "./source-glob.js";
export { sourceMultiGlob } from "./source-multi-glob.js";
export { tomogramHeader } from "./tomogram-header.js";

/** Every built-in finder, keyed by YAML key. */
export const builtinFinders: FinderRegistry = finderRegistry([sourceGlob, sourceMultiGlob, destinationGlob, literal, destinationFilter, tomogramHeader]);

/** The finders a source of most entity types may use (the reference's DefaultImporterFactory). */
export const DEFAULT_FINDERS = ["source_glob", "source_multi_glob", "destination_glob", "literal", "destination_filter"] as const;
