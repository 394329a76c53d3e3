#!/usr/bin/env bash
# Debian packages the test suite and the benchmarks use as independent checkers and peers (`npm test`, `npm run
# bench:*`; `npm run demo` needs none of them). Prints one line per group saying which packages are already present
# and which it installs. Installs only what is missing; needs root and apt-get (as on CI and the dev machines).
set -euo pipefail
# "what the group is for|its packages"
PACKAGE_GROUPS=(
  "MRC and OME-Zarr readers, checking our volumes|python3-mrcfile python3-zarr python3-numcodecs python3-numpy"
  "PNG reader, checking our key images|python3-pil"
  "rotation conventions and mask rescaling|python3-scipy python3-skimage"
  "EMDB-SFF mesh fixtures|python3-h5py"
  "the portal's config check, bench:validate's peer|python3-yaml python3-jsonschema"
  "DICOM checker (dcmdump, dcmodify)|dcmtk"
  "S3 peer (aws s3), bench:s3|awscli"
  "benchmark timing (/usr/bin/time), bench:volume|time"
)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
can_install=0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then can_install=1; fi

echo "[setup] Debian packages for the tests and benchmarks (scripts/system-deps.sh):"
missing=()
for group in "${PACKAGE_GROUPS[@]}"; do
  label=${group%%|*}
  read -r -a pkgs <<<"${group#*|}"
  present=() absent=()
  for p in "${pkgs[@]}"; do
    if installed "$p"; then present+=("$p"); else absent+=("$p"); fi
  done
  missing+=("${absent[@]}")
  line="${present[*]:+present: ${present[*]}}"
  if [ ${#absent[@]} -gt 0 ]; then
    [ $can_install = 1 ] && verb="installing" || verb="MISSING"
    line="${line:+$line; }${verb}: ${absent[*]}"
  fi
  echo "[setup]   ${label}: ${line}"
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ $can_install = 0 ]; then
  echo "[setup] missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "[setup] apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
