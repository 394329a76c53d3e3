import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Unit tests run against the TypeScript sources; end-to-end tests run the built CLI.
    // the subpath first: an alias also matches "<name>/..." imports
    alias: {
      "@ingestkit/formats/python": fileURLToPath(new URL("./packages/formats/src/python/index.ts", import.meta.url)),
      "@ingestkit/core": pkg("core"),
      "@ingestkit/finders": pkg("finders"),
      "@ingestkit/importers": pkg("importers"),
      "@ingestkit/formats": pkg("formats"),
      "@ingestkit/cli": pkg("cli"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
