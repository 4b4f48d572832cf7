// SPDX-License-Identifier: GPL-2.0
/*
 * Print this x86_64 host's TSC rate in kHz, measured against
 * CLOCK_MONOTONIC_RAW: the median of three 100 ms windows.
 *
 * Under QEMU TCG a guest's rdtsc reads the host's TSC (QEMU's
 * cpu_get_ticks()), so this is also the guest's TSC rate. A guest kernel
 * without ACPI has no HPET or ACPI PM timer to calibrate its TSC against,
 * only the PIT, whose calibration fails when the host is busy (the kernel
 * then falls back to the jiffies clocksource); scripts/lib.sh's
 * tsc_kernel_args gives such a kernel this value as tsc_early_khz=.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t window_khz(void)
{
	struct timespec nap = { .tv_nsec = 100 * 1000 * 1000 };
	uint64_t t0, c0, t1, c1;

	t0 = now_ns();
	c0 = __rdtsc();
	nanosleep(&nap, NULL);
	t1 = now_ns();
	c1 = __rdtsc();
	return (c1 - c0) * 1000000ULL / (t1 - t0);
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	uint64_t khz[3];
	int i;

	for (i = 0; i < 3; i++)
		khz[i] = window_khz();
	qsort(khz, 3, sizeof(khz[0]), cmp);
	if (khz[1] < 100000)	/* under 100 MHz: not a TSC to trust */
		return 1;
	printf("%llu\n", (unsigned long long)khz[1]);
	return 0;
}
