/**
 * Moves whole folder trees between the local disk and a bucket with the plain SDK (not through
 * the code under test), so end-to-end tests can seed inputs and compare outputs byte for byte.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sdk } from "./s3rver.js";

type S3Client = import("@aws-sdk/client-s3").S3Client;

export async function uploadTree(client: S3Client, bucket: string, prefix: string, dir: string): Promise<number> {
  const files: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(d, name)).isDirectory()) walk(join(d, name), r);
      else files.push(r);
    }
  };
  walk(dir, "");
  await Promise.all(files.map((f) => client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: prefix ? `${prefix}/${f}` : f, Body: readFileSync(join(dir, f)) }))));
  return files.length;
}

/** Downloads every object under `prefix` into `dir` (keys relative to the prefix). */
export async function downloadTree(client: S3Client, bucket: string, prefix: string, dir: string): Promise<number> {
  const p = prefix ? `${prefix}/` : "";
  let token: string | undefined;
  let n = 0;
  do {
    const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: p, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      const target = join(dir, ...o.Key!.slice(p.length).split("/"));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, await res.Body!.transformToByteArray());
      n++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return n;
}
