// SPDX-License-Identifier: GPL-2.0
/*
 * One variant of the benchmark's light skeletons, compiled once against
 * 7.2.13's libbpf (VARIANT a: the loader checks its blob itself) and once
 * against the series' (VARIANT b: it calls bpf_loader_verify_metadata()),
 * each with its own skel_internal.h. load_<VARIANT>(size) opens, loads and
 * destroys the skeleton of one blob size, and times only its __load() with
 * load_timer() (bench.c); 0 or -errno.
 */
#include <errno.h>
#include <linux/keyctl.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(x) #x
#define STR(x) STR2(x)
#define SKEL(size) CAT(CAT(CAT(bench_, VARIANT), _), size)

#include STR(CAT(CAT(bench_, VARIANT), _4k.lskel.h))
#include STR(CAT(CAT(bench_, VARIANT), _64k.lskel.h))
#include STR(CAT(CAT(bench_, VARIANT), _1m.lskel.h))

void load_timer(int start);

#define LOAD(size) do {						\
	struct SKEL(size) *s = CAT(SKEL(size), __open)();	\
	if (!s)							\
		return -ENOMEM;					\
	s->keyring_id = KEY_SPEC_SESSION_KEYRING;		\
	load_timer(1);						\
	err = CAT(SKEL(size), __load)(s);			\
	load_timer(0);						\
	CAT(SKEL(size), __destroy)(s);				\
} while (0)

int CAT(load_, VARIANT)(int size)
{
	int err;

	switch (size) {
	case 0: LOAD(4k); break;
	case 1: LOAD(64k); break;
	default: LOAD(1m); break;
	}
	return err;
}
