#!/bin/busybox sh
# /init of the kmod test guest (test/kmod/run-guest.sh). Every line the host
# looks at starts with SCAPK_; the last is SCAPK_RESULT.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
ip link set lo up
echo
echo "SCAPK_INFO kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
fail() {
	echo "SCAPK_RESULT FAIL $*"
	dmesg | sed 's/^/SCAPK_DMESG /'
	poweroff -f
}
insmod /scap.ko buffer_bytes=4194304 || fail insmod
echo "SCAPK_INFO insmod=ok tainted=$(cat /proc/sys/kernel/tainted) devices=$(ls /dev | grep -c '^scap')"

# The trigger, captured by the module.
/scap-consumer /out/kmod.scap 128 -- /trigger /tmp/scap-kmod-opened > /out/report.json 2> /out/consumer.err
rc=$?
sed 's/^/SCAPK_INFO /' /out/consumer.err
[ $rc -eq 0 ] || fail "consumer rc=$rc"
echo "SCAPK_REPORT $(cat /out/report.json)"

# The same through Node: openCapture({ source: 'kmod' }) (binding engine kmod).
if [ -x /usr/bin/node ]; then
	node /app/guest-node.mjs /out/node.scap /trigger /tmp/scap-kmod-opened-node > /out/node.log 2>&1
	nrc=$?
	cat /out/node.log
	[ $nrc -eq 0 ] || fail "node rc=$nrc"
fi

# Unload while a consumer holds a device: refused; after it exits: allowed.
/scap-consumer /out/hold.scap 80 -- /bin/sleep 1 2> /out/hold.err &
holder=$!
sleep 0.5
if rmmod scap 2>/dev/null; then fail "rmmod succeeded while a device was open"; fi
echo "SCAPK_INFO rmmod_while_open=refused"
# A consumer killed without closing anything: the kernel releases its devices.
kill -9 $holder
wait $holder
rmmod scap || fail "rmmod after the consumer died"
echo "SCAPK_INFO rmmod=ok"

echo SCAPK_SCAP_BEGIN
gzip -c /out/kmod.scap | base64
echo SCAPK_SCAP_END
if [ -f /out/node.scap ]; then
	echo SCAPK_NODE_SCAP_BEGIN
	gzip -c /out/node.scap | base64
	echo SCAPK_NODE_SCAP_END
fi
dmesg | sed 's/^/SCAPK_DMESG /'
echo "SCAPK_RESULT PASS"
poweroff -f
