#!/usr/bin/env bash
# Debian packages the test suite and benchmarks use as independent checkers and peers:
# mrcfile (mrcfile-validate), zarr/numcodecs/numpy (reading our OME-Zarr), Pillow (reading our PNGs), scipy
# and scikit-image (rotation conventions, mask rescaling), h5py (EMDB-SFF mesh fixtures), dcmtk (dcmdump,
# dcmodify), awscli (S3 peer), yaml/jsonschema (the portal's config check, bench peer).
# Installs only what is missing; needs root and apt-get (as on CI and the dev machines).
set -euo pipefail
PACKAGES=(python3-mrcfile python3-zarr python3-numcodecs python3-numpy python3-pil python3-scipy python3-skimage python3-h5py python3-yaml python3-jsonschema dcmtk awscli time)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
  echo "[setup] missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "[setup] installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
