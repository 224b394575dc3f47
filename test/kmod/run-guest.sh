#!/usr/bin/env bash
# Builds the kernel module against Debian's linux-headers-amd64, an initramfs
# (busybox-static, scap.ko, the static consumer and trigger) and boots
# Debian's kernel of the same ABI under QEMU (TCG) to capture the trigger with
# the module. See ../shared/reference/kmod-qemu.md for the measured recipe.
#
# Usage: test/kmod/run-guest.sh WORKDIR
# Leaves in WORKDIR: vm.log (the serial console, \r stripped), kmod.scap.gz
# (the capture, from the guest's serial output), timings.txt.
# Exit status 0 when the guest ran to its result line; the caller checks the
# content. The kernel image is fetched once (apt-get download + dpkg -x) into
# ${SCAP_TS_KMOD_CACHE:-$HOME/.cache/scap-ts/kmod}.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mkdir -p "$1" && cd "$1" && pwd)"
CACHE="${SCAP_TS_KMOD_CACHE:-$HOME/.cache/scap-ts/kmod}"
t_start=$EPOCHREALTIME
stamp() { awk -v n="$1" -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%s %.2f\n", n, b - a }' >> "$WORK/timings.txt"; }
: > "$WORK/timings.txt"

# The headers package names the ABI; the image must be the same one.
KVER=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | sed -E 's/.*linux-headers-([^ ,]+).*/\1/')
KDIR=/usr/src/linux-headers-$KVER
[ -d "$KDIR" ] || { echo "run-guest: $KDIR missing (apt-get install linux-headers-amd64)" >&2; exit 2; }

VMLINUZ="$CACHE/$KVER/vmlinuz-$KVER"
if [ ! -f "$VMLINUZ" ]; then
	mkdir -p "$CACHE/debs" "$CACHE/$KVER"
	(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$KVER" >/dev/null)
	rm -rf "$CACHE/x"
	dpkg -x "$CACHE"/debs/linux-image-"$KVER"_*.deb "$CACHE/x"
	mv "$CACHE/x/boot/vmlinuz-$KVER" "$VMLINUZ.tmp" && mv "$VMLINUZ.tmp" "$VMLINUZ"
	rm -rf "$CACHE/x" "$CACHE"/debs/linux-image-"$KVER"_*.deb
fi
stamp image

# Module: built out of the source tree (Kbuild writes next to the sources).
SRC="$WORK/src/driver"
rm -rf "$WORK/src"
mkdir -p "$SRC"
cp -r "$ROOT/driver/kmod" "$ROOT/driver/include" "$ROOT/driver/bpf" "$SRC/"
rm -f "$SRC"/kmod/*.o "$SRC"/kmod/*.ko "$SRC"/kmod/*.mod* "$SRC"/kmod/Module.symvers "$SRC"/kmod/modules.order
make -s -C "$KDIR" M="$SRC/kmod" modules > "$WORK/kbuild.log" 2>&1 || { cat "$WORK/kbuild.log" >&2; exit 3; }
stamp module

# Initramfs.
IR="$WORK/initramfs"
rm -rf "$IR"
mkdir -p "$IR"/{bin,proc,sys,dev,tmp,out}
cp /bin/busybox "$IR/bin/busybox"
strip --strip-debug -o "$IR/scap.ko" "$SRC/kmod/scap.ko"
gcc -static -O2 -Wall -Werror -o "$IR/scap-consumer" "$ROOT/test/kmod/consumer.c"
gcc -static -O2 -Wall -Werror -o "$IR/trigger" "$ROOT/test/triggers/trigger.c"
gcc -static -O2 -Wall -Werror -o "$IR/extras" "$ROOT/test/kmod/extras.c"
gcc -static -O2 -Wall -Werror -o "$IR/poll-test" "$ROOT/test/kmod/poll.c"
gcc -static -O2 -Wall -Werror -o "$IR/syscall-load" "$ROOT/test/triggers/syscall-load.c"
mkdir -p "$WORK/host" && cp "$IR/trigger" "$WORK/host/trigger"   # the host runs the same binary (equivalence test)
cp "$ROOT/test/kmod/guest-init.sh" "$IR/init"
# Node, the built addon and JS: the binding's `kmod` engine runs in the guest
# too (skipped when the package is not built: npm run build).
if [ -f "$ROOT/build/Release/scap_ts.node" ] && [ -f "$ROOT/dist/index.js" ]; then
	NODE=$(command -v node)
	mkdir -p "$IR/app/build/Release" "$IR/app/node_modules" "$IR/usr/bin"
	cp "$NODE" "$IR/usr/bin/node"
	cp -r "$ROOT/dist" "$ROOT/package.json" "$IR/app/"
	cp -rL "$ROOT/node_modules/node-gyp-build" "$IR/app/node_modules/"
	cp "$ROOT/build/Release/scap_ts.node" "$IR/app/build/Release/"
	cp "$ROOT/test/kmod/guest-node.mjs" "$IR/app/"
	for lib in $(ldd "$NODE" "$ROOT/build/Release/scap_ts.node" | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
		mkdir -p "$IR$(dirname "$lib")"
		cp -L "$lib" "$IR$lib"
	done
fi
chmod +x "$IR/init"
(cd "$IR" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$WORK/initramfs.cpio.gz"
stamp initramfs

# Boot. QEMU's exit status means nothing (0 after a panic too): the caller
# looks for the guest's own result line.
timeout -k 5 "${SCAP_TS_KMOD_VM_TIMEOUT:-540}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 1024 \
	-nographic -monitor none -serial stdio -no-reboot \
	-kernel "$VMLINUZ" -initrd "$WORK/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4${SCAP_TS_KMOD_BENCH:+ scap_bench=1}" </dev/null 2>&1 | tr -d '\r' > "$WORK/vm.log" || true
stamp vm

# The capture travels as base64 of gzip between two marker lines.
sed -n '/^SCAPK_SCAP_BEGIN$/,/^SCAPK_SCAP_END$/p' "$WORK/vm.log" | grep -v '^SCAPK_SCAP_' | base64 -d > "$WORK/kmod.scap.gz" || true
for f in node bpf tgid sched nodetgid; do
	sed -n "/^SCAPK_${f}_SCAP_BEGIN\$/,/^SCAPK_${f}_SCAP_END\$/p" "$WORK/vm.log" | grep -v "^SCAPK_${f}_SCAP_" | base64 -d > "$WORK/$f.scap.gz" || true
done
grep -a '^SCAPK_RESULT' "$WORK/vm.log" || { echo "run-guest: no result line" >&2; tail -30 "$WORK/vm.log" >&2; exit 4; }
