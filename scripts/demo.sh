#!/bin/bash
# make's last step: boot the patched kernel and show the series at work, in
# plain words, each line from what the kernel did in the VM: the errno of a
# call, IPE's audit record of its decision (scripts/vm-tool.c, demo).
. "$(dirname "$0")/common.sh"
"$TOP/scripts/vm-run.sh" demo "cd $VM_OUT/selftests && ./vm-tool demo" && rc=0 || rc=$?
echo "---- inside the VM: $(grep -m1 'vm-init: lsm=' "$OUT/vm-demo/console.log" | sed 's/.*vm-init: //')"
cat "$OUT/vm-demo/output"
exit $rc
