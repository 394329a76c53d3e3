#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run setup`).
import { main } from "../dist/main.js";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
