// The `tomograms:` section tests and benchmarks use: every metadata key the schema requires, and a
// source_glob for `{run_name}/<glob>`. Shared so that a schema change is fixed in one place.
export function tomogramsSection(listGlob = "{run_name}/*.mrc", voxelSpacing = 13.48) {
  return `
tomograms:
  - metadata:
      voxel_spacing: ${voxelSpacing}
      fiducial_alignment_status: NON_FIDUCIAL
      reconstruction_method: WBP
      reconstruction_software: IMOD
      processing: raw
      tomogram_version: 1
      offset: { x: 0, y: 0, z: 0 }
      is_visualization_default: true
      dates: { deposition_date: '2023-04-01', last_modified_date: '2023-06-01', release_date: '2023-06-01' }
      authors: [ { name: A B, primary_author_status: true } ]
    sources: [ { source_glob: { list_glob: '${listGlob}' } } ]
`;
}
