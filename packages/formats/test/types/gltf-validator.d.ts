// Minimal types for the part of gltf-validator 2.0.0-dev.3.10 the mesh tests use (the package ships no
// types and @types/gltf-validator does not exist). It is CommonJS: `import validator from "gltf-validator"`.
declare module "gltf-validator" {
  interface ValidationOptions {
    uri?: string;
    format?: "glb" | "gltf";
    externalResourceFunction?: (uri: string) => Promise<Uint8Array>;
    writeTimestamp?: boolean;
    maxIssues?: number;
    ignoredIssues?: string[];
    onlyIssues?: string[];
    severityOverrides?: Record<string, number>;
  }
  interface ValidationReport {
    uri?: string;
    mimeType?: string;
    validatorVersion?: string;
    issues: {
      numErrors: number;
      numWarnings: number;
      numInfos: number;
      numHints: number;
      messages: unknown[];
      truncated: boolean;
    };
    info?: Record<string, unknown>;
  }
  const validator: {
    version(): string;
    supportedExtensions(): string[];
    validateBytes(data: Uint8Array, options?: ValidationOptions): Promise<ValidationReport>;
    validateString(json: string, options?: ValidationOptions): Promise<ValidationReport>;
  };
  export = validator;
}
