/**
 * `s3://bucket/prefix` locations: parsing and the canonical form used as a Storage `location`
 * (no trailing slash, so the basename of `s3://bucket` is the bucket name).
 */
import { IngestError } from "../errors.js";
import { safeKey } from "./paths.js";

export interface S3Location {
  bucket: string;
  /** Key prefix of the root without leading/trailing slashes; "" for the bucket root. */
  prefix: string;
}

export function isS3Url(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

// DNS-compatible names plus the legacy forms still found in old buckets (upper case, underscores)
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

export function parseS3Url(location: string): S3Location {
  if (!isS3Url(location)) throw new IngestError("USAGE", `not an s3:// location: ${location}`);
  const rest = location.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (!BUCKET.test(bucket)) throw new IngestError("USAGE", `bad S3 bucket name in ${location}`);
  const prefix = safeKey(slash < 0 ? "" : rest.slice(slash + 1).replace(/^\/+/, ""), "S3 prefix");
  return { bucket, prefix };
}

export function formatS3Url({ bucket, prefix }: S3Location): string {
  return prefix ? `s3://${bucket}/${prefix}` : `s3://${bucket}`;
}
