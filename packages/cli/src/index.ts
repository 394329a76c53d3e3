export { run, main, VERSION } from "./main.js";
export type { CliIO } from "./main.js";
export { extractSelectionFlags } from "./selection-args.js";
export { renderPlan, renderSummary, renderValidation } from "./render.js";
