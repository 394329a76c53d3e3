/**
 * Importers turn a found item into standardized output. The engine calls, per item:
 * `prepare` (ids, extra variables), `importItem` (when the type is imported), the children,
 * then `importMetadata` (when its metadata is imported). Every hook is optional.
 */
import type { ItemContext } from "./engine/context.js";
import type { FoundItem } from "./finder.js";

export interface Importer {
  /** Once per parent before finding, when the type is imported (e.g. clean half-written folders). */
  preImport?(ctx: ItemContext): Promise<void>;
  /** Normalises or drops a found item (e.g. voxel spacing names formatted to 3 decimals). */
  transformFound?(found: FoundItem, ctx: ItemContext): Promise<FoundItem | null> | FoundItem | null;
  /** Before importItem and before children: assign ids, set variables for children. */
  prepare?(ctx: ItemContext): Promise<void>;
  importItem?(ctx: ItemContext): Promise<void>;
  importMetadata?(ctx: ItemContext): Promise<void>;
  /** Short description for plans (e.g. "copy", "metadata only"). */
  describe?: string;
}
