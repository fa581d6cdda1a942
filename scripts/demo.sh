#!/bin/bash
# make's last step: boot the patched kernel and show the series at work:
# the signed-loader verdicts a BPF LSM program observes, as asserted by
# test_progs inside the VM.
. "$(dirname "$0")/common.sh"
"$TOP/scripts/vm-run.sh" demo "cd $OUT/selftests && ./test_progs -v -t signed_loader/lsm_signature_verdict" && rc=0 || rc=$?
echo "---- inside the VM ($(grep -m1 'vm-init: lsm=' "$OUT/vm-demo/console.log" | sed 's/.*vm-init: //'))"
grep -E 'verdict|keyring|observed load|signed loader load|Summary' "$OUT/vm-demo/output" || cat "$OUT/vm-demo/output"
exit $rc
