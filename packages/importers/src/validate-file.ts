/** Validates one config file with the profile it is written for; never throws for bad input. */
import { IngestError, readConfig, validateConfig, type ValidationResult } from "@ingestkit/core";
import { profileForConfig } from "./select.js";

export async function validateConfigFile(file: string): Promise<ValidationResult> {
  try {
    const config = await readConfig(file);
    return validateConfig(config, profileForConfig(config));
  } catch (err) {
    if (!(err instanceof IngestError)) throw err;
    return {
      file,
      valid: false,
      diagnostics: [
        {
          severity: "error",
          code: err.code,
          message: err.message,
          file: err.file ?? file,
          ...(err.line !== undefined ? { line: err.line, col: err.col ?? 1 } : {}),
        },
      ],
    };
  }
}
