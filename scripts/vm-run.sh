#!/bin/bash
# Boot the built kernel under qemu (TCG) and run a shell command inside:
#   [KTREE=$WORK_B] [VM_CPUS=2] scripts/vm-run.sh NAME 'command'
# The host's $OUT is at $VM_OUT in the guest (the test binaries are in
# $VM_OUT/selftests); /tmp in the guest is a tmpfs.
# The command's output is in $OUT/vm-NAME/output, the guest console in
# $OUT/vm-NAME/console.log, the number of CPUs the guest brought up in
# $OUT/vm-NAME/cpus. Exits with the command's exit status; with 125
# on a timeout, on no result, on a kernel splat in the console log, or
# when the guest brought up another number of CPUs than it was given
# (VM_CPUS, 1 by default: two VMs of two vCPUs each, under TCG on two
# cores, run each other's tests at half speed; without ACPI a lean
# kernel would find only one of two).
. "$(dirname "$0")/common.sh"
vm_fail() { echo "error: $*" >&2; exit 125; }
need qemu-system-x86_64 busybox
name=$1 cmd=$2 cpus=${VM_CPUS:-1}
# The root and the test binaries are read-only for the guest's whole
# boot: it keeps what it reads of them in its page cache (cache=loose).
# Without, every read and every page fault of a mapped file goes to the
# host through 9p: two boots of kernel B side by side (2026-12-01), the
# one with it ran signed_loader_verify's 38 subtests in 142 s; the other
# was in the sixth after 8 minutes.
# No LA57: while identify_cpu() rebuilds the boot CPU's feature bits (in
# start_kernel(), interrupts on), pgtable_l5_enabled() reads false, and
# KASAN then takes every 5-level direct-map address an interrupt handler
# touches for a wild access (kernel B: about one boot in ten).
cpu=max,la57=off
d=$OUT/vm-$name
rm -rf "$d" && mkdir -p "$d"
printf '%s\n' "exec >/tmp/out/output 2>&1" "$cmd" > "$d/cmd"
tree=${KTREE:-$WORK}	# KTREE=$WORK_B boots kernel B
kernel=$tree/arch/x86/boot/bzImage
[ -f "$kernel" ] || die "no kernel at $kernel (run scripts/build-kernel.sh)"

say "vm: booting $(cat "$tree/include/config/kernel.release") from $tree for '$name' (TCG, timeout ${VM_TIMEOUT:-900}s)"
start=$(date +%s)
timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp "$cpus" -m 2G \
	-nographic -no-reboot -kernel "$kernel" \
	-append "console=ttyS0 rootfstype=9p root=host0 rootflags=trans=virtio,version=9p2000.L,cache=loose ro init=$TOP/scripts/vm-init.sh panic=-1 oops=panic" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=host0 \
	-fsdev local,id=out,path="$d",security_model=none \
	-device virtio-9p-pci,fsdev=out,mount_tag=out \
	-fsdev local,id=tests,path="$OUT",security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=tests,mount_tag=tests \
	</dev/null >"$d/console.log" 2>&1 && qrc=0 || qrc=$?
say "vm: '$name' finished after $(( $(date +%s) - start ))s"

splat='Kernel panic|Oops|BUG:|WARNING:|KASAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|rcu_sched self-detected stall|rcu: INFO|UBSAN|general protection fault'
if grep -E -q "$splat" "$d/console.log"; then
	grep -E -B2 -A20 "$splat" "$d/console.log" | head -60 >&2
	vm_fail "vm: kernel report in the guest log ($d/console.log)"
fi
[ "$qrc" != 124 ] || { tail -30 "$d/console.log" >&2; vm_fail "vm: timed out after ${VM_TIMEOUT:-900}s"; }
[ -f "$d/rc" ] || { tail -30 "$d/console.log" >&2; vm_fail "vm: the guest never reported a result (qemu exit $qrc)"; }
got=$(cat "$d/cpus" 2>/dev/null) || true
[ "$got" = "$cpus" ] || vm_fail "vm: the guest brought up ${got:-?} of its $cpus CPUs"
exit "$(cat "$d/rc")"
