/** JSON Schema (draft 2019-09) of dicom profile configs: the `dicom:` section and optional per-type source lists. */
const tag = { type: "string", pattern: "^\\(?[0-9A-Fa-f]{4},?[0-9A-Fa-f]{4}\\)?$" };
const sources = {
  type: "array",
  items: {
    type: "object",
    properties: { metadata: { type: "object" }, sources: { type: "array", items: { type: "object" } } },
    additionalProperties: false,
  },
};

export function dicomSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2019-09/schema",
    title: "ingestkit dicom profile config",
    type: "object",
    required: ["dicom"],
    additionalProperties: false,
    properties: {
      version: {},
      batches: sources,
      subjects: sources,
      studies: sources,
      series: sources,
      instances: sources,
      dicom: {
        type: "object",
        additionalProperties: false,
        properties: {
          mode: { enum: ["deidentify", "copy"] },
          scan: {
            type: "object",
            additionalProperties: false,
            properties: { list_glob: { type: "string" }, match_regex: { type: "string" } },
          },
          deidentify: {
            type: "object",
            additionalProperties: false,
            properties: {
              profile: { enum: ["basic"] },
              secret_env: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
              options: {
                type: "object",
                additionalProperties: false,
                properties: {
                  retain_uids: { type: "boolean" },
                  retain_longitudinal: { enum: ["off", "full", "modified"] },
                  date_shift_range_days: { type: "integer", minimum: 1 },
                  retain_device_identity: { type: "boolean" },
                  retain_institution_identity: { type: "boolean" },
                  retain_patient_characteristics: { type: "boolean" },
                  clean_descriptors: { type: "boolean" },
                  retain_safe_private: { type: "boolean" },
                },
              },
              private_allow_list: { type: "array", items: tag },
              patient_id_map: {
                type: "object",
                additionalProperties: false,
                required: ["file"],
                properties: { file: { type: "string" }, require_mapping: { type: "boolean" } },
              },
              rules: {
                type: "object",
                propertyNames: tag,
                additionalProperties: { type: "string", pattern: "^(keep|remove|empty|hash|dateshift|replace:.*)$" },
              },
            },
          },
          output: {
            type: "object",
            additionalProperties: false,
            properties: {
              instance_path: { type: "string", minLength: 1 },
              series_metadata_path: { type: "string", minLength: 1 },
              timestamp_format: { type: "string" },
              strip_whitespace: { type: "boolean" },
            },
          },
          lookup: {
            type: "object",
            additionalProperties: false,
            required: ["file", "key", "column"],
            properties: { file: { type: "string" }, key: { type: "string" }, column: { type: "string" }, table: { type: "string", minLength: 1 } },
          },
          stamp: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["value"],
              oneOf: [{ required: ["tag"] }, { required: ["private_group", "private_creator"] }],
              properties: {
                tag,
                private_group: { type: "string", pattern: "^[0-9A-Fa-f]{3}[13579BbDdFf]$" },
                private_creator: { type: "string", minLength: 1, maxLength: 64, pattern: "^[^\\\\]*$" },
                private_element: { type: "string", pattern: "^[0-9A-Fa-f]{2}$" },
                vr: { type: "string", pattern: "^[A-Z]{2}$" },
                value: { type: "string" },
              },
            },
          },
          image_table: { type: "boolean" },
          export: {
            type: "object",
            additionalProperties: false,
            properties: {
              labels_key: { type: "string", minLength: 1 },
              image_key: { enum: ["pixel_hash", "sop_instance_uid", "output_key"] },
              reject_column: { type: "string", minLength: 1 },
              include_unlabelled: { type: "boolean" },
              image_path: { type: "string", minLength: 1 },
            },
          },
          mappings: {
            type: "object",
            additionalProperties: false,
            required: ["dir"],
            properties: { dir: { type: "string" }, format: { enum: ["json", "csv"] } },
          },
          tracking: {
            type: "object",
            additionalProperties: false,
            required: ["db"],
            properties: { db: { type: "string" } },
          },
          notify: {
            type: "array",
            items: { type: "object", additionalProperties: false, required: ["webhook"], properties: { webhook: { type: "string", pattern: "^https?://" } } },
          },
        },
      },
    },
  };
}
