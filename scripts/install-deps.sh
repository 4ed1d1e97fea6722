#!/usr/bin/env bash
# Installs the system packages Caravan builds against when they are missing.
# Today that is liblz4's headers and pkg-config file (Debian: liblz4-dev), pkg-config itself, and
# the lz4 command (the tests check that it reads Caravan's snapshot frames).
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v lz4 >/dev/null 2>&1 || missing+=(lz4)
if ! pkg-config --exists liblz4 2>/dev/null || [ ! -f /usr/include/lz4frame.h ]; then
  missing+=(liblz4-dev)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
