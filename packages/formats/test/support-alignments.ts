// The fixture files of the reference's test_alignments.py (test_infra/test_files/input_bucket/10001_input/alignments/),
// written out as facts; shared by the formats and importer tests.
export const XF = `    0.029     1.000    -1.000     0.029     55.43     25.56
    0.029     1.000    -1.000     0.029    -75.84     55.10
    0.029     1.000    -1.000     0.029    -93.80     77.79
`;
export const TLT = "-5\n0\n5\n";
export const XTILT = "0.23\n2.12\n1.97\n";
export const ALN = `# AreTomo Alignment / Priims bprmMn
# RawSize = 10 20 3
# NumPatches = 0

# AlphaOffset =     0.00
# BetaOffset =     0.00
# SEC     ROT         GMAG       TX          TY      SMEAN     SFIT    SCALE     BASE     TILT
    0    88.3389    1.00000     23.953    -56.171     1.00     1.00     1.00     0.00     -5.00
    1    88.3389    1.00000     57.299     74.242     1.00     1.00     1.00     0.00      0.00
    2    88.3389    1.00000     80.510     91.544     1.00     1.00     1.00     0.00      5.00
# Local Alignment
`;
