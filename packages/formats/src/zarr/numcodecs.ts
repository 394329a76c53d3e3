/**
 * The numcodecs (JS) codecs by their Zarr v2 `id`, loaded on first use (each is a WASM build).
 * One place for the writer (encode) and the reader (decode).
 */
export interface NumcodecsCodec {
  encode(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  decode(data: Uint8Array, out?: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

interface NumcodecsModule {
  default: { fromConfig(config: Record<string, unknown>): NumcodecsCodec };
}

const LOADERS: Record<string, () => Promise<unknown>> = {
  blosc: () => import("numcodecs/blosc"),
  zstd: () => import("numcodecs/zstd"),
  lz4: () => import("numcodecs/lz4"),
  gzip: () => import("numcodecs/gzip"),
  zlib: () => import("numcodecs/zlib"),
};

export const NUMCODECS_IDS: readonly string[] = Object.keys(LOADERS);

/** The codec for a numcodecs config (`{id: "blosc", cname: ...}`), or undefined for an unknown id. */
export async function loadNumcodec(config: { readonly id: unknown }): Promise<NumcodecsCodec | undefined> {
  const load = typeof config.id === "string" ? LOADERS[config.id] : undefined;
  if (!load) return undefined;
  const mod = (await load()) as NumcodecsModule;
  return mod.default.fromConfig({ ...config });
}
