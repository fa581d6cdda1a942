#!/bin/sh
# PID 1 of the test VM (root is the host's / over 9p, read-only; the
# host's $OUT is at /run/out, read-only, wherever it lives on the host).
# Writes the number of CPUs it brought up to /tmp/out/cpus, runs
# /tmp/out/cmd from the host's result share, writes its exit code to
# /tmp/out/rc, then reboots (qemu runs with -no-reboot, so it exits).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mkdir -p /tmp/out /run/out
mount -t 9p -o trans=virtio,version=9p2000.L out /tmp/out
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose tests /run/out
nproc > /tmp/out/cpus
echo "vm-init: lsm=$(cat /sys/kernel/security/lsm 2>/dev/null || echo '?') kernel=$(uname -r) cpus=$(cat /tmp/out/cpus)"
sh /tmp/out/cmd
echo $? > /tmp/out/rc
sync
echo "vm-init: done, rc=$(cat /tmp/out/rc)"
exec busybox reboot -f
