/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the locklab selftests. The ioctl wrappers (ll_create(),
 * ll_op(), ...; each returns 0 or a positive errno, so tests compare with
 * EXPECT_EQ(EBUSY, ...)) are tools/include/locklab_user.h, shared with the
 * CLI; here what only tests need: flags between threads, a signal that
 * interrupts, fd passing, and the /dev/locklab fixture.
 */
#ifndef _LOCKLAB_SELFTEST_H
#define _LOCKLAB_SELFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/locklab.h>

#include "locklab_user.h"

#define MS	1000000ULL

/* Flags between test threads: RELEASE on set, ACQUIRE on get. */
static inline void set_flag(bool *flag)
{
	__atomic_store_n(flag, true, __ATOMIC_RELEASE);
}

static inline bool get_flag(bool *flag)
{
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

/* Wait up to @secs for @flag. */
static inline bool wait_flag(bool *flag, double secs)
{
	double end = ll_now() + secs;

	while (!get_flag(flag) && ll_now() < end)
		usleep(1000);
	return get_flag(flag);
}

static inline void ll_on_usr1(int sig)
{
}

/* SIGUSR1 interrupts blocking ioctls (no SA_RESTART). */
static inline void install_usr1(void)
{
	struct sigaction sa = { .sa_handler = ll_on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
}

/* Pass @fd over the AF_UNIX socket @sock (SCM_RIGHTS); 0 or -1. */
static inline int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* The fd passed by send_fd(), or -1. */
static inline int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

#define LL_MISSING	LL_DEV " missing: locklab.ko not loaded"

/* Open /dev/locklab into *@dev; true when it does not exist (skip then). */
static inline bool ll_dev_missing(int *dev)
{
	*dev = open(LL_DEV, O_RDWR | O_CLOEXEC);
	return *dev < 0 && errno == ENOENT;
}

#endif /* _LOCKLAB_SELFTEST_H */
