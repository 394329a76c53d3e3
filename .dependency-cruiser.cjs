// Import rules checked by `npm test` (scripts/check-imports.mjs): no cycles, runtime or type-only,
// and each package and profile imports only what it is allowed to (docs/architecture.md).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "A module must not reach itself through its imports (type-only imports count too).",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-cross-profile-imports",
      severity: "error",
      comment: "A profile's folder imports no other profile's folder; shared code goes to core, finders or formats.",
      from: { path: "^packages/importers/src/([^/]+)/" },
      to: { path: "^packages/importers/src/([^/]+)/", pathNot: "^packages/importers/src/$1/" },
    },
    {
      name: "formats-imports-nothing-of-ours",
      severity: "error",
      comment: "formats is usable on its own.",
      from: { path: "^packages/formats/" },
      to: { path: "^packages/(core|finders|importers|cli)/" },
    },
    {
      name: "core-knows-no-profile",
      severity: "error",
      comment: "core is the engine; finders, profiles and the CLI build on it, never the reverse. core may use formats (its Python floats and JSON).",
      from: { path: "^packages/core/src/" },
      to: { path: "^packages/(finders|importers|cli)/" },
    },
    {
      name: "finders-know-no-profile",
      severity: "error",
      from: { path: "^packages/finders/src/" },
      to: { path: "^packages/(importers|cli)/" },
    },
    {
      name: "importers-know-no-cli",
      severity: "error",
      from: { path: "^packages/importers/src/" },
      to: { path: "^packages/cli/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.deps.json" },
    combinedDependencies: false,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "types", "default"] },
    exclude: { path: "(^|/)(dist|node_modules)/" },
  },
};
