#!/usr/bin/env bash
# Installs the Debian packages scap-ts builds and tests with. Idempotent: it
# installs only what is missing and is safe to re-run. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  cmake make g++ pkg-config   # the N-API addon (cmake-js)
  clang llvm bpftool          # the CO-RE eBPF probe
  libbpf-dev libelf-dev zlib1g-dev
  sysdig                      # Debian's sysdig 0.29: the compatibility oracle in tests
  strace                      # live tests compare captures with strace -f
  # the kernel module test (test/kmod): build against Debian's headers, boot
  # Debian's kernel (fetched by the test with apt-get download) under QEMU
  linux-headers-amd64 qemu-system-x86 busybox-static cpio
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends: sysdig recommends a DKMS kernel module build that is useless here.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
