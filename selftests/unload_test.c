// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod after the last close always succeeds: the kthreads of a finished
 * or abandoned LAB/BENCH run must not keep the module in once the file
 * that ran it is closed. Each case opens the device, runs, closes, and
 * unloads at once with delete_module(O_NONBLOCK) (EBUSY/EAGAIN would be a
 * thread's module reference still held), then loads /locklab.ko again.
 *
 * Needs the module as a file in the guest (scripts/vm.sh puts it at
 * /locklab.ko) and a modular build: skipped otherwise (the debug kernel
 * has locklab built in). LOCKLAB_UNLOAD_ROUNDS sets the rounds of each case
 * (default 20; the secondary kernels of make check run fewer).
 */
#include <sys/syscall.h>
#include <sys/time.h>

#include "locklab_test.h"
#include "kselftest_harness.h"

#define KO		"/locklab.ko"
#define KO_ARGS		"/ko_args"
#define ROUNDS_DEFAULT	20

static bool unload_missing(void)
{
	return access(KO, R_OK) || access("/sys/module/locklab/initstate", R_OK);
}

static int reload(void)
{
	char args[256] = "";
	FILE *f = fopen(KO_ARGS, "r");
	int fd, r;

	if (f) {
		if (!fgets(args, sizeof(args), f))
			args[0] = 0;
		args[strcspn(args, "\n")] = 0;
		fclose(f);
	}
	fd = open(KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	r = syscall(SYS_finit_module, fd, args, 0) ? errno : 0;
	close(fd);
	return r;
}

/* Unload at once; 0 or the errno. On failure, wait it out so later cases run. */
static int unload_now(void)
{
	int r = syscall(SYS_delete_module, "locklab", O_NONBLOCK) ? errno : 0;
	double end = ll_now() + 10;

	if (r)
		while (syscall(SYS_delete_module, "locklab", O_NONBLOCK) &&
		       ll_now() < end)
			usleep(1000);
	return r;
}

static int run_lab_completed(int dev)
{
	struct locklab_lab l = { .size = sizeof(l),
				 .experiment = LOCKLAB_LAB_CMPXCHG, .rounds = 4 };

	return ioctl(dev, LOCKLAB_IOC_LAB, &l) ? errno : 0;
}

/* Many threads stopping together: many of them on their way out at once. */
static int run_bench_completed(int dev)
{
	struct locklab_bench b = { .size = sizeof(b),
				   .kind = LOCKLAB_KIND_MUTEX,
				   .variant = LOCKLAB_MUTEX_QUEUE_FAIR,
				   .threads = 64, .duration_ms = 1 };

	return ioctl(dev, LOCKLAB_IOC_BENCH, &b) ? errno : 0;
}

/* Interrupted after 20 ms: the threads are abandoned, told to stop. */
static int run_lab_interrupted(int dev)
{
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	struct locklab_lab l = { .size = sizeof(l),
				 .experiment = LOCKLAB_LAB_FALSE_SHARING,
				 .rounds = LOCKLAB_LAB_MAX_ROUNDS };
	int r;

	setitimer(ITIMER_REAL, &it, NULL);
	r = ioctl(dev, LOCKLAB_IOC_LAB, &l) ? errno : 0;
	return r == EINTR ? 0 : r ? r : -1;
}

static void on_alarm(int sig)
{
}

static void unload_rounds(struct __test_metadata *_metadata,
			  int (*run)(int dev))
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int rounds = ll_env_ull("LOCKLAB_UNLOAD_ROUNDS", ROUNDS_DEFAULT);
	int i, dev, busy = 0, bad_runs = 0, first = 0;

	if (unload_missing())
		SKIP(return, "no " KO " or locklab built in");
	sigaction(SIGALRM, &sa, NULL);
	for (i = 0; i < rounds; i++) {
		int r;

		dev = open(LL_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, dev);
		if (run(dev))
			bad_runs++;
		close(dev);
		r = unload_now();
		if (r && !busy++)
			first = r;
		ASSERT_EQ(0, reload());
	}
	if (busy)
		TH_LOG("%d/%d unloads refused right after the last close (first: %s)",
		       busy, rounds, strerror(first));
	EXPECT_EQ(0, busy);
	EXPECT_EQ(0, bad_runs);
}

TEST(rmmod_right_after_a_completed_lab_run)
{
	unload_rounds(_metadata, run_lab_completed);
}

TEST(rmmod_right_after_a_completed_bench_of_64_threads)
{
	unload_rounds(_metadata, run_bench_completed);
}

TEST(rmmod_right_after_an_interrupted_lab_run)
{
	unload_rounds(_metadata, run_lab_interrupted);
}

TEST_HARNESS_MAIN
