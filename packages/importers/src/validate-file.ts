/** Validates one config file with the profile it is written for; never throws for bad input. */
import { IngestError, readConfig, validateConfig, type ProfileRegistry, type ValidationResult } from "@ingestkit/core";
import { profileRegistry } from "./profiles.js";

export async function validateConfigFile(file: string, registry: ProfileRegistry = profileRegistry()): Promise<ValidationResult> {
  try {
    const config = await readConfig(file);
    return validateConfig(config, registry.resolve(config).profile);
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
