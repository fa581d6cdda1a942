# Entry points; the work is in scripts/. Run as root on Debian 12 (bookworm).
# Everything built or fetched goes to $(CACHE) (default ~/.cache/bpf-post-integrity).
S := scripts
# The recipes source scripts/common.sh, which is bash.
SHELL := /bin/bash

.PHONY: all check deps base apply kernel bisect selftests demo vm-test bench export clean distclean

all: deps base apply kernel selftests demo

check:
	@$(S)/check.sh

deps:
	@$(S)/deps.sh
base: deps
	@$(S)/fetch-base.sh
apply: base
	@$(S)/apply.sh
kernel: apply
	@$(S)/build-kernel.sh
bisect: apply
	@$(S)/build-bisect.sh
selftests: kernel
	@$(S)/build-selftests.sh
demo: selftests
	@$(S)/demo.sh
# What the kernel's metadata check costs a signed light skeleton (not a test).
bench: selftests
	@$(S)/bench.sh
vm-test: selftests
	@. $(S)/common.sh && { $(S)/vm-run.sh selftests "cd $$VM_OUT/selftests && ./test_progs -v" && rc=0 || rc=$$?; \
	 cat $$OUT/vm-selftests/output; exit $$rc; }

# After committing in the work tree: refresh patches/ and the kernel-path copies.
export:
	@$(S)/export.sh

# Remove build products (keeps the base, downloads, toolchain and ccache).
clean:
	@. $(S)/common.sh && rm -rf "$$OUT" && git -C "$$WORK" clean -q -fdx -e .git 2>/dev/null || true
# Remove everything under the cache directory.
distclean:
	@. $(S)/common.sh && rm -rf "$$CACHE"
