// filled by the mrc work; exported from the package index
export {};
