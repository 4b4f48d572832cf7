// SPDX-License-Identifier: GPL-2.0
/*
 * locklab channel selftest: channels behind fds (LOCKLAB_KIND_CHANNEL,
 * LOCKLAB_IOC_CHAN), for every flavour and the kfifo baseline.
 *
 *  - messages arrive exactly once, byte for byte, and each producer's in
 *    order, with 2 producers and 2 consumer threads;
 *  - endpoints: the creating fd holds both sides, NEW_SENDER and
 *    NEW_RECEIVER make fds of one side; when the last sender goes the
 *    receivers drain and then get EPIPE, when the last receiver goes sends
 *    get EPIPE; an fd without the side an op needs gets EBADF;
 *  - NONBLOCK (EAGAIN), timeouts (ETIMEDOUT), signals (EINTR), message
 *    sizes (EMSGSIZE keeps the message); rendezvous send waits for a
 *    receiver; one-shot refuses a second message; the per-open queued-byte
 *    limit; the ABI of the op.
 *
 * Skips (exit 4) when /dev/locklab does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "locklab_proc.h"

#define MS	1000000ULL

static void on_usr1(int sig)
{
}

FIXTURE(chan) {
	int dev;
	int fd;
};

FIXTURE_VARIANT(chan) {
	uint32_t variant;
	uint32_t capacity;
	bool rendezvous;
};

FIXTURE_VARIANT_ADD(chan, mpsc) {
	.variant = LOCKLAB_CHANNEL_MPSC,
};

FIXTURE_VARIANT_ADD(chan, bounded) {
	.variant = LOCKLAB_CHANNEL_BOUNDED,
	.capacity = 8,
};

FIXTURE_VARIANT_ADD(chan, rendezvous) {
	.variant = LOCKLAB_CHANNEL_RENDEZVOUS,
	.rendezvous = true,
};

FIXTURE_VARIANT_ADD(chan, kernel_kfifo) {
	.variant = LOCKLAB_CHANNEL_KERNEL,
	.capacity = 8,
};

FIXTURE_SETUP(chan)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	self->fd = -1;
	self->dev = open(LL_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_CHANNEL, variant->variant,
			       variant->capacity, 64, &self->fd));
	sigaction(SIGUSR1, &sa, NULL);
}

FIXTURE_TEARDOWN(chan)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

struct msg {
	uint32_t producer;
	uint32_t seq;
	char pad[24];
};

#define PER_PRODUCER	1000

struct consumer {
	int fd;
	uint32_t got;
	uint32_t last[2];	/* last seq seen from each producer */
	uint32_t out_of_order, bad, errors;
	uint8_t *seen;		/* [2][PER_PRODUCER] */
	pthread_t t;
};

static void *consume(void *p)
{
	struct consumer *c = p;
	struct msg m;
	uint32_t len;
	int ret;

	for (;;) {
		len = sizeof(m);
		ret = ll_recv(c->fd, &m, &len);
		if (ret == EPIPE)
			return NULL;
		if (ret) {
			c->errors++;
			return NULL;
		}
		if (len != sizeof(m) || m.producer > 1 || m.seq >= PER_PRODUCER) {
			c->bad++;
			continue;
		}
		/* Each producer's messages reach one consumer in order. */
		if (m.seq < c->last[m.producer])
			c->out_of_order++;
		c->last[m.producer] = m.seq;
		__atomic_fetch_add(&c->seen[m.producer * PER_PRODUCER + m.seq], 1,
				   __ATOMIC_RELAXED);
		c->got++;
	}
}

struct producer {
	int fd;
	uint32_t id;
	int errors;
	pthread_t t;
};

static void *produce(void *p)
{
	struct producer *pr = p;
	struct msg m = { .producer = pr->id };
	uint32_t i;

	for (i = 0; i < PER_PRODUCER; i++) {
		m.seq = i;
		if (ll_send(pr->fd, &m, sizeof(m)))
			pr->errors++;
	}
	close(pr->fd);		/* this producer's sender endpoint */
	return NULL;
}

TEST_F(chan, every_message_once_and_in_producer_order)
{
	uint8_t seen[2 * PER_PRODUCER] = { 0 };
	struct consumer c[2];
	struct producer p[2];
	int i, rx;

	/* Two sender fds and one receiver fd; the creator keeps nothing. */
	for (i = 0; i < 2; i++) {
		p[i] = (struct producer){ .id = i };
		ASSERT_EQ(0, ll_chan(self->fd, LOCKLAB_CHAN_NEW_SENDER, 0, NULL, NULL,
				     0, &p[i].fd));
	}
	ASSERT_EQ(0, ll_chan(self->fd, LOCKLAB_CHAN_NEW_RECEIVER, 0, NULL, NULL, 0,
			     &rx));
	close(self->fd);
	self->fd = -1;
	for (i = 0; i < 2; i++) {
		c[i] = (struct consumer){ .fd = rx, .seen = seen };
		pthread_create(&c[i].t, NULL, consume, &c[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_create(&p[i].t, NULL, produce, &p[i]);
	for (i = 0; i < 2; i++)
		pthread_join(p[i].t, NULL);
	/* Both sender fds closed: consumers drain, then EPIPE. */
	for (i = 0; i < 2; i++)
		pthread_join(c[i].t, NULL);
	close(rx);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, p[i].errors);
		EXPECT_EQ(0, c[i].errors);
		EXPECT_EQ(0, c[i].bad);
		EXPECT_EQ(0, c[i].out_of_order);
	}
	EXPECT_EQ(2 * PER_PRODUCER, c[0].got + c[1].got);
	for (i = 0; i < 2 * PER_PRODUCER; i++)
		if (seen[i] != 1)
			break;
	EXPECT_EQ(2 * PER_PRODUCER, i);
}

struct bg_recv {
	int fd;
	uint32_t len;
	int ret;
	char buf[64];
	bool done;
	pthread_t t;
};

static void *bg_recv_main(void *p)
{
	struct bg_recv *b = p;

	b->len = sizeof(b->buf);
	b->ret = ll_chan(b->fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_TIMEOUT, b->buf,
			 &b->len, 10000 * MS, NULL);
	__atomic_store_n(&b->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static bool bg_done(struct bg_recv *b, double secs)
{
	double end = ll_now() + secs;

	while (!__atomic_load_n(&b->done, __ATOMIC_ACQUIRE) && ll_now() < end)
		usleep(1000);
	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE);
}

TEST_F(chan, blocked_receiver_wakes_on_send_and_on_close)
{
	struct bg_recv b = { .fd = self->fd };
	int tx;

	pthread_create(&b.t, NULL, bg_recv_main, &b);
	usleep(50000);
	EXPECT_FALSE(bg_done(&b, 0));
	ASSERT_EQ(0, ll_send(self->fd, "hello", 5));
	EXPECT_TRUE(bg_done(&b, 5));
	pthread_join(b.t, NULL);
	EXPECT_EQ(0, b.ret);
	EXPECT_EQ(5, b.len);
	EXPECT_EQ(0, memcmp(b.buf, "hello", 5));

	/* Close: a blocked receiver gets EPIPE once no sender is left. */
	ASSERT_EQ(0, ll_chan(self->fd, LOCKLAB_CHAN_NEW_SENDER, 0, NULL, NULL, 0,
			     &tx));
	b = (struct bg_recv){ .fd = self->fd };
	pthread_create(&b.t, NULL, bg_recv_main, &b);
	usleep(50000);
	EXPECT_EQ(0, ll_chan(self->fd, LOCKLAB_CHAN_CLOSE_SEND, 0, NULL, NULL, 0,
			     NULL));
	usleep(50000);
	EXPECT_FALSE(bg_done(&b, 0));	/* tx still holds a sender */
	close(tx);
	EXPECT_TRUE(bg_done(&b, 5));
	pthread_join(b.t, NULL);
	EXPECT_EQ(EPIPE, b.ret);
	EXPECT_EQ(EBADF, ll_send(self->fd, "x", 1));
	EXPECT_EQ(EBADF, ll_chan(self->fd, LOCKLAB_CHAN_CLOSE_SEND, 0, NULL, NULL,
				 0, NULL));
}

TEST_F(chan, sends_fail_with_epipe_once_no_receiver_is_left)
{
	char buf[8];
	uint32_t len = sizeof(buf);

	ASSERT_EQ(0, ll_chan(self->fd, LOCKLAB_CHAN_CLOSE_RECV, 0, NULL, NULL, 0,
			     NULL));
	EXPECT_EQ(EPIPE, ll_send(self->fd, "lost?", 5));
	EXPECT_EQ(EBADF, ll_recv(self->fd, buf, &len));
}

TEST_F(chan, nonblock_timeout_signal_and_sizes)
{
	struct bg_recv b = { .fd = self->fd };
	char buf[64];
	uint32_t len;
	double t0;

	len = sizeof(buf);
	EXPECT_EQ(EAGAIN, ll_chan(self->fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK,
				  buf, &len, 0, NULL));
	t0 = ll_now();
	EXPECT_EQ(ETIMEDOUT, ll_chan(self->fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_TIMEOUT,
				     buf, &len, 50 * MS, NULL));
	EXPECT_LE(0.05, ll_now() - t0);
	EXPECT_EQ(EMSGSIZE, ll_send(self->fd, buf, 65));

	pthread_create(&b.t, NULL, bg_recv_main, &b);
	usleep(50000);
	pthread_kill(b.t, SIGUSR1);
	EXPECT_TRUE(bg_done(&b, 5));
	pthread_join(b.t, NULL);
	EXPECT_EQ(EINTR, b.ret);

	if (variant->rendezvous) {
		/* Nobody receives: a send cannot complete. */
		EXPECT_EQ(EAGAIN, ll_chan(self->fd, LOCKLAB_CHAN_SEND,
					  LOCKLAB_OP_NONBLOCK, "x", &len, 0, NULL));
		return;
	}
	ASSERT_EQ(0, ll_send(self->fd, "0123456789", 10));
	len = 4;
	EXPECT_EQ(EMSGSIZE, ll_recv(self->fd, buf, &len));
	len = sizeof(buf);
	EXPECT_EQ(0, ll_recv(self->fd, buf, &len));
	EXPECT_EQ(10, len);
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

struct bg_send {
	int fd;
	int ret;
	bool done;
	pthread_t t;
};

static void *bg_send_main(void *p)
{
	struct bg_send *s = p;

	s->ret = ll_chan(s->fd, LOCKLAB_CHAN_SEND, LOCKLAB_OP_TIMEOUT, "meet",
			 (uint32_t[]){ 4 }, 10000 * MS, NULL);
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

TEST(rendezvous_send_returns_only_after_a_receive)
{
	struct bg_send s = { .fd = -1 };
	char buf[8];
	uint32_t len = sizeof(buf);
	double end;
	int dev;

	dev = open(LL_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ll_create(dev, LOCKLAB_KIND_CHANNEL,
			       LOCKLAB_CHANNEL_RENDEZVOUS, 0, 64, &s.fd));
	pthread_create(&s.t, NULL, bg_send_main, &s);
	usleep(100000);
	EXPECT_FALSE(__atomic_load_n(&s.done, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, ll_recv(s.fd, buf, &len));
	EXPECT_EQ(4, len);
	end = ll_now() + 5;
	while (!__atomic_load_n(&s.done, __ATOMIC_ACQUIRE) && ll_now() < end)
		usleep(1000);
	pthread_join(s.t, NULL);
	EXPECT_EQ(0, s.ret);
	close(s.fd);
	close(dev);
}

TEST_F(chan, chan_op_abi)
{
	struct {
		struct locklab_chan_op c;
		uint64_t tail;
	} big;
	int mutex;

	memset(&big, 0, sizeof(big));
	big.c.size = sizeof(big);
	big.c.op = LOCKLAB_CHAN_RECV;
	big.c.flags = LOCKLAB_OP_NONBLOCK;
	EXPECT_EQ(EAGAIN, ll_err(ioctl(self->fd, LOCKLAB_IOC_CHAN, &big)));
	big.tail = 1;
	EXPECT_EQ(E2BIG, ll_err(ioctl(self->fd, LOCKLAB_IOC_CHAN, &big)));
	big.tail = 0;
	big.c.size = 12;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_CHAN, &big)));
	EXPECT_EQ(EFAULT, ll_err(ioctl(self->fd, LOCKLAB_IOC_CHAN, NULL)));
	big.c.size = sizeof(big.c);
	big.c.flags = 0x40;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_CHAN, &big)));
	big.c.flags = 0;
	big.c.__reserved = 1;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_CHAN, &big)));
	EXPECT_EQ(EINVAL, ll_chan(self->fd, 77, 0, NULL, NULL, 0, NULL));
	/* A bad user buffer: EFAULT, and nothing was queued. */
	EXPECT_EQ(EFAULT, ll_chan(self->fd, LOCKLAB_CHAN_SEND, LOCKLAB_OP_NONBLOCK,
				  (void *)8, (uint32_t[]){ 4 }, 0, NULL));
	EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_HOLD));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE,
			       0, 0, &mutex));
	EXPECT_EQ(EINVAL, ll_chan(mutex, LOCKLAB_CHAN_SEND, 0, "x",
				  (uint32_t[]){ 1 }, 0, NULL));
	close(mutex);
	EXPECT_EQ(EINVAL, ll_chan(self->dev, LOCKLAB_CHAN_SEND, 0, "x",
				  (uint32_t[]){ 1 }, 0, NULL));
}

TEST(oneshot_one_message_then_epipe)
{
	char buf[16];
	uint32_t len = sizeof(buf);
	int dev, fd;

	dev = open(LL_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ll_create(dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_ONESHOT,
			       0, 16, &fd));
	EXPECT_EQ(EAGAIN, ll_chan(fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK, buf,
				  &len, 0, NULL));
	EXPECT_EQ(0, ll_send(fd, "once", 4));
	EXPECT_EQ(EBUSY, ll_send(fd, "twice", 5));
	len = sizeof(buf);
	EXPECT_EQ(0, ll_recv(fd, buf, &len));
	EXPECT_EQ(4, len);
	len = sizeof(buf);
	EXPECT_EQ(EPIPE, ll_recv(fd, buf, &len));
	close(fd);
	/* An unread message is freed with the channel (rmmod checks). */
	ASSERT_EQ(0, ll_create(dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_ONESHOT,
			       0, 16, &fd));
	EXPECT_EQ(0, ll_send(fd, "dropped", 7));
	close(fd);
	close(dev);
}

struct hammer {
	int fd;
	bool stop;
};

static void *nonblock_hammer(void *p)
{
	struct hammer *h = p;
	char buf[64] = "hammer";
	uint32_t len;

	while (!get_flag(&h->stop)) {
		len = 8;
		ll_chan(h->fd, LOCKLAB_CHAN_SEND, LOCKLAB_OP_NONBLOCK, buf, &len,
			0, NULL);
		len = sizeof(buf);
		ll_chan(h->fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK, buf, &len,
			0, NULL);
	}
	return NULL;
}

/*
 * NONBLOCK never sleeps, whoever else is in the channel: a thread making
 * only NONBLOCK sends and receives while two others hammer the same
 * channel makes (almost) no voluntary context switch. Not on PREEMPT_RT,
 * where a contended spinlock_t sleeps by design.
 */
TEST_F_TIMEOUT(chan, nonblock_ops_never_sleep, 120)
{
	struct hammer h = { .fd = self->fd };
	double end = ll_now() + 5.0;
	struct rusage r0, r1;
	char buf[64] = "main";
	pthread_t t[2];
	uint32_t len;
	long sw;
	int i, n;

	if (ll_preempt_rt())
		SKIP(return, "PREEMPT_RT: spinlock_t sleeps when contended");
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, nonblock_hammer, &h));
	usleep(10000);
	getrusage(RUSAGE_THREAD, &r0);
	/* 20000 pairs, or 5 s of them (a debug kernel under TCG is slow). */
	for (n = 0; n < 20000 && (n & 255 || ll_now() < end); n++) {
		len = 8;
		ll_chan(self->fd, LOCKLAB_CHAN_SEND, LOCKLAB_OP_NONBLOCK, buf,
			&len, 0, NULL);
		len = sizeof(buf);
		ll_chan(self->fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK, buf,
			&len, 0, NULL);
	}
	getrusage(RUSAGE_THREAD, &r1);
	set_flag(&h.stop);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	sw = r1.ru_nvcsw - r0.ru_nvcsw;
	ll_note("%s: %ld voluntary context switches in %d NONBLOCK ops\n",
		variant->rendezvous ? "rendezvous" : "queue", sw, 2 * n);
	EXPECT_LE(256, n);
	EXPECT_GE(10, sw);
}

TEST_HARNESS_MAIN
