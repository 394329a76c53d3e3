// filled by the dicom work; exported from the package index
export {};
