/** s3:// locations and openStorage's choice of storage. */
import { describe, expect, it } from "vitest";
import { formatS3Url, isS3Url, LocalStorage, openStorage, parseS3Url, S3Storage, basenameKey } from "@ingestkit/core";

describe("s3:// locations", () => {
  it("parses bucket and prefix and normalises slashes", () => {
    expect(parseS3Url("s3://bucket")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Url("s3://bucket/")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Url("s3://bucket/a/b/")).toEqual({ bucket: "bucket", prefix: "a/b" });
    expect(parseS3Url("S3://bucket//a///b")).toEqual({ bucket: "bucket", prefix: "a/b" });
    expect(formatS3Url({ bucket: "b", prefix: "" })).toBe("s3://b");
    expect(formatS3Url({ bucket: "b", prefix: "x/y" })).toBe("s3://b/x/y");
    expect(isS3Url("/data/s3://x")).toBe(false);
  });

  it("rejects bad buckets and prefixes that climb out", () => {
    expect(() => parseS3Url("s3://")).toThrow(/bucket/);
    expect(() => parseS3Url("s3://a b/x")).toThrow(/bucket/);
    expect(() => parseS3Url("s3://bucket/../x")).toThrow(/'\.\.'/);
  });

  it("openStorage: LocalStorage for paths, S3Storage for s3://; the bucket is the basename of its location", () => {
    expect(openStorage("/tmp/x")).toBeInstanceOf(LocalStorage);
    const s = openStorage("s3://cryoetportal-rawdatasets-dev/", { s3Endpoint: "http://127.0.0.1:1" });
    expect(s).toBeInstanceOf(S3Storage);
    expect(s.location).toBe("s3://cryoetportal-rawdatasets-dev");
    expect(basenameKey(s.location)).toBe("cryoetportal-rawdatasets-dev");
    expect((s as S3Storage).urlOf("a/b")).toBe("s3://cryoetportal-rawdatasets-dev/a/b");
    expect(() => (s as S3Storage).objectKey("../x")).toThrow(/'\.\.'/);
  });
});
