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
# (then a program whose syscalls pass unreadable pointers)
/scap-consumer /out/kmod.scap 128 -- /bin/sh -c '/trigger /tmp/scap-kmod-opened && /extras' > /out/report.json 2> /out/consumer.err
rc=$?
sed 's/^/SCAPK_INFO /' /out/consumer.err
[ $rc -eq 0 ] || fail "consumer rc=$rc"
echo "SCAPK_REPORT $(cat /out/report.json)"

# A syscall storm against a consumer that reads nothing until it is over:
# the rings fill, drops are counted, nothing else breaks.
/scap-consumer --lazy - 80 -- /syscall-load getppid 1 > /out/storm.json 2> /out/storm.err
src=$?
sed 's/^/SCAPK_STORM /' /out/storm.err
[ $src -eq 0 ] || fail "storm consumer rc=$src"
echo "SCAPK_STORM_LOAD $(cat /out/storm.json)"

# The tgids filter: only the trigger's process (forked first, released once
# the filter is set), none of its children.
/scap-consumer --tgid-child /out/tgid.scap 128 -- /trigger /tmp/scap-kmod-opened-tgid > /out/tgid.json 2> /out/tgid.err
trc=$?
sed 's/^/SCAPK_TGID /' /out/tgid.err
[ $trc -eq 0 ] || fail "tgid consumer rc=$trc"
echo "SCAPK_TGID_REPORT $(cat /out/tgid.json)"

# sched_switch: every context switch in the guest while the trigger runs.
/scap-consumer --sched-switch /out/sched.scap 80 -- /trigger /tmp/scap-kmod-opened-sched > /out/sched.json 2> /out/sched.err
ssrc=$?
sed 's/^/SCAPK_SCHED /' /out/sched.err
[ $ssrc -eq 0 ] || fail "sched_switch consumer rc=$ssrc"
echo "SCAPK_SCHED_REPORT $(cat /out/sched.json)"

# poll(): a timeout without events, a wake-up by events, a burst.
/poll-test > /out/poll.json 2> /out/poll.err
prc=$?
sed 's/^/SCAPK_POLL_ERR /' /out/poll.err
[ $prc -eq 0 ] || fail "poll-test rc=$prc"
echo "SCAPK_POLL $(cat /out/poll.json)"

# The same through Node: openCapture({ source: 'kmod' }) (binding engine kmod).
if [ -x /usr/bin/node ]; then
	# scap_bench=1 on the kernel command line (SCAP_TS_KMOD_BENCH=1) adds the benchmark.
	node /app/guest-node.mjs /trigger /syscall-load ${scap_bench:+bench} > /out/node.log 2>&1
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
for f in node bpf tgid sched nodetgid; do
	[ -f /out/$f.scap ] || continue
	echo SCAPK_${f}_SCAP_BEGIN
	gzip -c /out/$f.scap | base64
	echo SCAPK_${f}_SCAP_END
done
dmesg | sed 's/^/SCAPK_DMESG /'
echo "SCAPK_RESULT PASS"
poweroff -f
