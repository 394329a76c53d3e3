/**
 * Depth-first traversal of the entity graph, as the reference's `do_import`:
 * for each type in tree order that is iterated: pre-import, find items under the parent,
 * drop excluded/filtered names, then per item `prepare` + `importItem`, the children, and
 * finally `importMetadata`. A failure is recorded with the entity path and the walk goes on
 * with the next item; the failed item's subtree is not visited.
 */
import PQueue from "p-queue";
import { IngestError, wrapError } from "../errors.js";
import type { FinderContext, FoundItem } from "../finder.js";
import type { EntityEntry, EntityType, SourceSpec } from "../graph.js";
import { compilePythonRegex, pyStr, type PyRegex } from "../python/index.js";
import { expandTemplate } from "../template.js";
import { globStorage } from "../storage/glob.js";
import { basenameKey, safeKey } from "../storage/paths.js";
import { ItemContext, type PlanNode, type RunContext } from "./context.js";
import type { EntityStatus } from "./events.js";
import { EntityItem } from "./item.js";

const FILTER_KEYS = new Set(["parent_filters", "exclude"]);

export async function walkGraph(run: RunContext): Promise<void> {
  await run.profile.hooks.prepare?.(run);
  try {
    await walkTypes(run, run.profile.roots, undefined, run.plan);
  } finally {
    await run.profile.hooks.finish?.(run);
  }
  // Items of concurrent types finish in any order: report failures in plan (tree) order so the
  // summary is the same whatever the concurrency.
  const ordered: typeof run.summary.failures = [];
  const visit = (ns: PlanNode[]) => {
    for (const n of ns) {
      const f = failureOf.get(n);
      if (f) ordered.push(...f);
      visit(n.children);
    }
  };
  visit(run.plan);
  if (ordered.length === run.summary.failures.length) run.summary.failures.splice(0, ordered.length, ...ordered);
}

/** How many items of a `concurrent` type (runs, for cryoet) are processed at once. */
function concurrencyOf(run: RunContext): number {
  const c = Number(run.settings.concurrency ?? 1);
  return Number.isInteger(c) && c > 1 ? c : 1;
}

async function walkTypes(run: RunContext, types: readonly EntityType[], parent: EntityItem | undefined, plan: PlanNode[]): Promise<void> {
  for (const type of types) {
    if (!run.selection.toIterate.has(type.key)) continue;
    let items: EntityItem[];
    try {
      if (run.selection.toImport.has(type.key) && type.importer.preImport && parent) {
        await type.importer.preImport(new ItemContext(run, parent, planNodeFor(parent)));
      }
      items = await findItems(run, type, parent);
    } catch (err) {
      const entityPath = `${parent ? parent.entityPath + " / " : ""}${type.plural.replace(/_/g, " ")}`;
      const e = wrapError(err, "IMPORTER_FAILED", { entityPath });
      const node: PlanNode = {
        type: type.key,
        name: "*",
        entityPath,
        sources: [],
        writes: [],
        status: "failed",
        steps: [],
        error: { code: e.code, message: e.message },
        children: [],
      };
      plan.push(node);
      recordFailure(run, entityPath, "find", e, node);
      run.emit({ event: "entity", type: type.key, name: "*", entityPath, status: "failed", written: 0, upToDate: 0, step: "find", code: e.code, message: e.message });
      continue;
    }
    run.emit({ event: "found", type: type.key, plural: type.plural, parentPath: parent?.entityPath ?? "", count: items.length, concurrent: !!type.concurrent });
    const concurrency = type.concurrent ? concurrencyOf(run) * Math.max(1, Math.floor(type.inFlightPerWorker ?? 1)) : 1;
    if (concurrency === 1) {
      for (const item of items) await walkItem(run, item, plan);
    } else {
      // Plan nodes are placed in found order first; each item's own order (item, children,
      // metadata) is kept inside its task.
      const queue = new PQueue({ concurrency });
      const slots = items.map((item) => ({ item, node: newNode(run, item) }));
      plan.push(...slots.map((s) => s.node));
      await Promise.all(slots.map(({ item, node }) => queue.add(() => walkItem(run, item, plan, node))));
    }
  }
}

function newNode(run: RunContext, item: EntityItem): PlanNode {
  return {
    type: item.type.key,
    name: item.name,
    entityPath: item.entityPath,
    sources: sourcesOf(run, item),
    writes: [],
    status: item.allowImport ? "planned" : "reference",
    steps: [],
    children: [],
  };
}

async function walkItem(run: RunContext, item: EntityItem, plan: PlanNode[], placed?: PlanNode): Promise<void> {
  const type = item.type;
  const node = placed ?? newNode(run, item);
  if (!placed) plan.push(node);
  nodes.set(item, node);
  const keep = run.selection.keeps(type.key, item.name);
  if (!keep.keep) {
    node.status = "skipped";
    if (keep.why) node.note = keep.why;
    run.summary.skipped++;
    entityEnded(run, node, "skipped");
    return;
  }
  run.emit({ event: "entity-start", type: type.key, name: item.name, entityPath: item.entityPath });
  const ctx = new ItemContext(run, item, node);
  const importing = run.selection.toImport.has(type.key) && item.allowImport;
  const metadata = run.selection.metadataImport.has(type.key) && type.hasMetadata && item.allowImport;
  let step = "prepare";
  try {
    await type.importer.prepare?.(ctx);
    if (importing && type.importer.importItem) {
      step = "item";
      await type.importer.importItem(ctx);
      node.steps.push("item");
    }
  } catch (err) {
    fail(run, node, item, step, err);
    entityEnded(run, node, "failed", step);
    return;
  }
  await walkTypes(run, type.children, item, node.children);
  if (metadata && type.importer.importMetadata) {
    try {
      await type.importer.importMetadata(ctx);
      node.steps.push("metadata");
    } catch (err) {
      fail(run, node, item, "metadata", err);
      entityEnded(run, node, "failed", "metadata");
      return;
    }
  }
  if (node.steps.length > 0) {
    node.status = run.dryRun ? "planned" : "imported";
    run.summary.imported++;
  } else if (!item.allowImport && (importing || run.selection.toImport.has(type.key))) {
    run.summary.skipped++;
  }
  entityEnded(run, node, endStatus(run, item, node));
}

/** The status an entity event reports for an item that did not fail. */
function endStatus(run: RunContext, item: EntityItem, node: PlanNode): EntityStatus {
  if (node.steps.length > 0) {
    if (run.dryRun) return "planned";
    return node.writes.length > 0 && node.writes.every((w) => w.upToDate) ? "up-to-date" : "imported";
  }
  return item.allowImport ? "iterated" : "reference";
}

function entityEnded(run: RunContext, node: PlanNode, status: EntityStatus, step?: string): void {
  const upToDate = node.writes.filter((w) => w.upToDate).length;
  run.emit({
    event: "entity",
    type: node.type,
    name: node.name,
    entityPath: node.entityPath,
    status,
    written: node.writes.length - upToDate,
    upToDate,
    ...(status === "failed" && node.error ? { step: step ?? "item", code: node.error.code, message: node.error.message } : {}),
  });
}

const nodes = new WeakMap<EntityItem, PlanNode>();
function planNodeFor(item: EntityItem): PlanNode {
  return nodes.get(item) ?? { type: item.type.key, name: item.name, entityPath: item.entityPath, sources: [], writes: [], status: "planned", steps: [], children: [] };
}

function fail(run: RunContext, node: PlanNode, item: EntityItem, step: string, err: unknown): void {
  const e = wrapError(err, "IMPORTER_FAILED", { entityPath: item.entityPath });
  node.status = "failed";
  node.error = { code: e.code, message: e.message };
  recordFailure(run, item.entityPath, step, e, node);
}

const failureOf = new WeakMap<PlanNode, RunContext["summary"]["failures"]>();

function recordFailure(run: RunContext, entityPath: string, step: string, e: IngestError, node: PlanNode): void {
  run.summary.failed++;
  const where = e.file ? e.where.replace(` ${entityPath}`, "") : undefined;
  const failure = { entityPath, step, code: e.code, message: e.message, ...(where ? { where } : {}) };
  run.summary.failures.push(failure);
  const list = failureOf.get(node) ?? [];
  list.push(failure);
  failureOf.set(node, list);
  run.log.error(
    `${entityPath}: ${step === "find" ? "finding items failed" : step === "metadata" ? "metadata failed" : "import failed"}: ${e.message}${where ? ` (${where})` : ""} [${e.code}]`,
  );
}

function sourcesOf(run: RunContext, item: EntityItem): string[] {
  const f = item.found;
  const loc = (k: string) => (f.storage === "output" ? run.outputLocation(k) : run.inputLocation(k));
  if (f.paths) return f.paths.map(loc);
  if (f.path !== null) return [loc(f.path)];
  if (typeof f.value === "string") return [f.value];
  return [];
}

/** Runs every source of every config entry (or the type's defaults) under one parent. */
export async function findItems(run: RunContext, type: EntityType, parent: EntityItem | undefined): Promise<EntityItem[]> {
  const configured = run.config.entries(type);
  let items = await findFromEntries(run, type, parent, configured, false);
  if (items.length === 0 && type.defaultEntries?.length) {
    items = await findFromEntries(run, type, parent, type.defaultEntries as EntityEntry[], true);
  }
  return items;
}

async function findFromEntries(run: RunContext, type: EntityType, parent: EntityItem | undefined, entries: EntityEntry[], isDefault: boolean): Promise<EntityItem[]> {
  const lineage = parent ? parent.lineage() : [];
  const items: EntityItem[] = [];
  const baseVars = finderVars(run, lineage);
  for (const entry of entries) {
    for (let j = 0; j < entry.sources.length; j++) {
      const source = entry.sources[j]!;
      const yamlBase: Array<string | number> = isDefault ? [] : [type.plural, entry.index, "sources", j];
      const posOf = (...rest: Array<string | number>) => (isDefault ? { file: `(default ${type.plural} source)` } : run.config.position([...yamlBase, ...rest]));
      const filters = compiledFilters(source, posOf);
      if (!shouldSearch(filters, lineage)) continue;
      const finderKeys = Object.keys(source).filter((k) => !FILTER_KEYS.has(k));
      if (finderKeys.length !== 1) {
        throw new IngestError("CONFIG_FINDER", `a source must have exactly one finder key, found ${finderKeys.length ? finderKeys.join(", ") : "none"}`, posOf());
      }
      const finderKey = finderKeys[0]!;
      const def = run.profile.finders.get(finderKey);
      if (!def) throw new IngestError("CONFIG_FINDER", `unknown finder '${finderKey}' (known: ${[...run.profile.finders.keys()].join(", ")})`, posOf(finderKey));
      if (type.finders && !type.finders.includes(finderKey)) {
        throw new IngestError("CONFIG_FINDER", `finder '${finderKey}' cannot be used for ${type.plural} (allowed: ${type.finders.join(", ")})`, posOf(finderKey));
      }
      const entityPath = `${parent ? parent.entityPath + " / " : ""}${type.plural.replace(/_/g, " ")}`;
      const fctx: FinderContext = {
        run,
        type,
        vars: baseVars,
        origin: (option) => ({ ...posOf(finderKey, ...option.split(".")), field: `${type.plural}[${entry.index}].sources[${j}].${finderKey}.${option}`, entityPath }),
        expand: (template, option) => expandTemplate(template, baseVars, fctx.origin(option)),
        glob: (pattern, base) => resolveGlob(run, pattern, base),
      };
      let found: FoundItem[];
      try {
        found = await def.find(source[finderKey], fctx);
      } catch (err) {
        throw wrapError(err, "CONFIG_FINDER", { ...posOf(finderKey), entityPath });
      }
      found = found.filter((f) => !filters.exclude.some((r) => r.match(pyStr(f.name))));
      if (type.grouping === "group") found = groupFound(found);
      for (const f of found) {
        const item = new EntityItem({ type, name: pyStr(f.name), found: f, entry, parent, pathLocation: locationOf(run, f) });
        profileVars(run, item);
        const t = type.importer.transformFound ? await type.importer.transformFound(f, new ItemContext(run, item, planNodeFor(item))) : f;
        if (t === null) continue;
        if (t === f) items.push(item);
        else {
          const again = new EntityItem({ type, name: pyStr(t.name), found: t, entry, parent, pathLocation: locationOf(run, t) });
          profileVars(run, again);
          items.push(again);
        }
      }
    }
  }
  return items;
}

function profileVars(run: RunContext, item: EntityItem): void {
  const extra = run.profile.hooks.itemVars?.(item, run);
  if (extra) Object.assign(item.extraVars, extra);
}

function locationOf(run: RunContext, f: FoundItem): string | null {
  if (f.path === null) return null;
  return f.storage === "output" ? run.outputLocation(f.path) : run.inputLocation(f.path);
}

/** Template variables for finders below `lineage`: the ancestors' variables plus `{type}_output_path`. */
function finderVars(run: RunContext, lineage: EntityItem[]): Record<string, unknown> {
  const vars: Record<string, unknown> = { output_path: run.output.location };
  for (const it of lineage) {
    Object.assign(vars, it.globVars());
    if (it.type.outputDir !== undefined) {
      try {
        vars[`${it.type.key}_output_path`] = run.outputLocation(expandTemplate(it.type.outputDir, it.globVars(), { entityPath: it.entityPath }));
      } catch {
        // an output dir that needs an id not assigned yet: not available to children
      }
    }
  }
  return vars;
}

/** Grouped types (frames, alignments): every file of one source forms one item. */
function groupFound(found: FoundItem[]): FoundItem[] {
  const withPath = found.filter((f) => f.path !== null);
  if (withPath.length === 0) return found;
  const first = withPath[0]!;
  const paths = withPath.map((f) => f.path!);
  return [
    {
      name: paths.map(basenameKey).join(","),
      path: null,
      paths,
      ...(first.storage ? { storage: first.storage } : {}),
      ...(withPath.every((f) => f.allowImport === false) ? { allowImport: false } : {}),
    },
  ];
}

const filterCache = new WeakMap<SourceSpec, { include: Map<string, PyRegex[]>; excludeParents: Map<string, PyRegex[]>; exclude: PyRegex[] }>();

function compiledFilters(source: SourceSpec, posOf: (...rest: Array<string | number>) => object) {
  let c = filterCache.get(source);
  if (c) return c;
  const compile = (pattern: unknown, path: Array<string | number>): PyRegex => {
    if (typeof pattern !== "string") throw new IngestError("CONFIG_REGEX", `expected a regular expression string, got ${JSON.stringify(pattern)}`, posOf(...path));
    try {
      return compilePythonRegex(pattern);
    } catch (err) {
      throw new IngestError("CONFIG_REGEX", `${(err as Error).message}`, posOf(...path));
    }
  };
  const pf = source.parent_filters ?? {};
  const toMap = (m: Record<string, string[]> | undefined, kind: string) =>
    new Map(Object.entries(m ?? {}).map(([k, list]) => [k, (list ?? []).map((p, i) => compile(p, ["parent_filters", kind, k, i]))]));
  c = { include: toMap(pf.include, "include"), excludeParents: toMap(pf.exclude, "exclude"), exclude: (source.exclude ?? []).map((p, i) => compile(p, ["exclude", i])) };
  filterCache.set(source, c);
  return c;
}

/** `parent_filters`: skip the source when a parent matches an exclude (re.search) or no include. */
function shouldSearch(f: { include: Map<string, PyRegex[]>; excludeParents: Map<string, PyRegex[]> }, lineage: EntityItem[]): boolean {
  for (const it of lineage) {
    const ex = f.excludeParents.get(it.type.key);
    if (ex?.length && ex.some((r) => r.search(it.name))) return false;
    const inc = f.include.get(it.type.key);
    if (inc?.length && !inc.some((r) => r.search(it.name))) return false;
  }
  return true;
}

/** Maps an expanded glob to a storage: absolute locations must lie under the input or output root. */
async function resolveGlob(run: RunContext, pattern: string, base: "input" | "output") {
  const out = run.output.location.replace(/\/+$/, "");
  const inp = run.input.location.replace(/\/+$/, "");
  let storage: "input" | "output" = base;
  let rel = pattern;
  if (pattern === out || pattern.startsWith(out + "/")) {
    storage = "output";
    rel = pattern.slice(out.length + 1);
  } else if (pattern === inp || pattern.startsWith(inp + "/")) {
    storage = "input";
    rel = pattern.slice(inp.length + 1);
  } else if (pattern.startsWith("/") || /^[a-z][a-z0-9+.-]*:\/\//i.test(pattern)) {
    throw new IngestError("PATH_ESCAPE", `glob ${pattern} is outside the input root (${inp}) and the output root (${out})`);
  }
  rel = safeKey(rel, "glob");
  const keys = storage === "output" ? await run.output.glob(rel) : await globStorage(run.input, rel);
  return keys.map((key) => ({ storage, key }));
}
