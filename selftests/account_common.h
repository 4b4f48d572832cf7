/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the account_*_test programs (budgets, memory cgroups and the
 * module parameters behind them): the "acct" fixture, which skips without
 * the module or its parameters and restores every parameter the tests
 * change around each test, and mpsc channel fillers. Include after
 * kselftest_harness.h and locklab_proc.h, once per program.
 */
#ifndef _LOCKLAB_ACCOUNT_COMMON_H
#define _LOCKLAB_ACCOUNT_COMMON_H

#define KIB	1024UL
#define MIB	(1024UL * 1024)

/* --- Module parameters: saved before any test, restored after each ------- */

static const char *const params[] = {
	"max_open_bytes", "max_user_bytes", "chan_mpsc_max_bytes",
	"max_objects", "max_hold_ns", "bench_max_ms",
};

static struct ll_params saved;

static void __attribute__((constructor)) save_params(void)
{
	ll_params_save(&saved, params, ARRAY_SIZE(params));
}

/* --- Channel helpers ------------------------------------------------------ */

static char payload[64] = "locklab accounting payload, sixty-four bytes long, padded.....";

static inline int send_nb(int fd, uint32_t len)
{
	return ll_chan(fd, LOCKLAB_CHAN_SEND, LOCKLAB_OP_NONBLOCK, payload, &len,
		       0, NULL);
}

static inline int recv_nb(int fd, uint32_t room, uint32_t *len)
{
	static char buf[256];

	*len = room;
	return ll_chan(fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK, buf, len, 0,
		       NULL);
}

/* Send @len-byte messages until one fails (at most @max); returns the count. */
static inline unsigned long fill(int fd, uint32_t len, unsigned long max, int *err)
{
	unsigned long n = 0;

	*err = 0;
	while (n < max && !(*err = send_nb(fd, len)))
		n++;
	return n;
}

/*
 * Slab: of /proc/meminfo in bytes, or -1. With @refresh, the per-CPU
 * counters are folded first (vm/stat_refresh, which waits for every
 * CPU); without, they lag by a few pages per CPU.
 */
static inline long long ll_slab_bytes(bool refresh)
{
	char line[256];
	long long kb = -1;
	FILE *f;
	int fd;

	fd = refresh ? open("/proc/sys/vm/stat_refresh", O_WRONLY) : -1;
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			kb = -1;	/* best effort: counters lag a little */
		close(fd);
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static inline uint64_t open_bytes(int dev)
{
	struct locklab_limits l;

	return ll_limits(dev, &l) ? ~0ULL : l.open_bytes;
}

/* --- Fixture --------------------------------------------------------------- */

FIXTURE(acct) {
	int dev;
};

FIXTURE_SETUP(acct)
{
	self->dev = open(LL_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->dev);
	if (!saved.have[0])
		SKIP(return, "no /sys/module/locklab/parameters");
	ll_params_restore(&saved);
}

FIXTURE_TEARDOWN(acct)
{
	if (self->dev >= 0)
		close(self->dev);
	ll_params_restore(&saved);
}

#endif /* _LOCKLAB_ACCOUNT_COMMON_H */
