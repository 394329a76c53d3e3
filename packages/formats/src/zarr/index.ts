// filled by the zarr work; exported from the package index
export {};
