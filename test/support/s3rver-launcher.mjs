// Child-process launcher for s3rver (run with `node --openssl-legacy-provider`, which s3rver's
// DES continuation tokens need). Prints `PORT <n>` once listening; exits when stdin closes, so
// it never outlives the test process that started it.
import { createRequire } from "node:module";
import S3rver from "s3rver";

// s3rver 3.7.1 bug: with a Delimiter, its directory walk never descends below the first level
// under the prefix, so a common prefix holding only deeper objects (a/b/c with nothing directly
// in a/) is never reported. Compute the delimiter roll-up from a flat listing instead; only
// objects count toward MaxKeys and continuation tokens (as in s3rver itself).
const require = createRequire(import.meta.url);
const FilesystemStore = require(require.resolve("s3rver/lib/stores/filesystem.js"));
const listObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function (bucket, options) {
  const { delimiter = "", prefix = "", maxKeys = Infinity } = options;
  if (!delimiter) return listObjects.call(this, bucket, options);
  const flat = await listObjects.call(this, bucket, { ...options, delimiter: "", maxKeys: Infinity });
  const objects = [];
  const commonPrefixes = new Set();
  let isTruncated = false;
  for (const o of flat.objects) {
    const idx = o.key.slice(prefix.length).indexOf(delimiter);
    if (idx !== -1) {
      commonPrefixes.add(o.key.slice(0, prefix.length + idx + delimiter.length));
    } else if (objects.length < maxKeys) {
      objects.push(o);
    } else {
      isTruncated = true;
      break;
    }
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
};

const directory = process.argv[2];
if (!directory) {
  console.error("usage: s3rver-launcher.mjs DIRECTORY");
  process.exit(2);
}
const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory });
const { port } = await server.run();
process.stdout.write(`PORT ${port}\n`);
const stop = async () => {
  await server.close().catch(() => undefined);
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
