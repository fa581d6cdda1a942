#!/bin/bash
# make's last step: boot the patched kernel and show the series at work.
# test_progs runs, verbosely, the subtests in which a BPF LSM program with
# a verification scheme of its own reports verdicts through the LSM kfunc
# and a second one receives them on bpf_prog_load_post_integrity (and
# refuses one), and upstream's test of the signature verdict that
# security_bpf_prog_load() sees. Every line printed is an assertion checked
# against what the kernel delivered inside the VM.
. "$(dirname "$0")/common.sh"
tests=lsm_post_integrity/verdict_reaches_hook,lsm_post_integrity/hook_denies,lsm_post_integrity/bad_verdict,signed_loader/lsm_signature_verdict
"$TOP/scripts/vm-run.sh" demo "cd $VM_OUT/selftests && ./test_progs -v -t $tests" && rc=0 || rc=$?
echo "---- inside the VM: $(grep -m1 'vm-init: lsm=' "$OUT/vm-demo/console.log" | sed 's/.*vm-init: //')"
grep -E '^#|:PASS:|:FAIL:|Summary' "$OUT/vm-demo/output" | sed -E 's/ [0-9]+ nsec$//'
exit $rc
