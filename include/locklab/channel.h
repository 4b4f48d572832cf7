/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab channels: the channels of the book's chapter 5, and what users of
 * channels expect from them, behind one ops table.
 *
 * Flavours (enum locklab_channel_variant):
 *
 *   mpsc        channel/mpsc.c: the book's first channel, a list of messages
 *               under a lab_mutex with a lab_condvar for "item ready".
 *               Send never waits for room (the queue grows up to a memory
 *               cap, then -ENOSPC); receive blocks.
 *   oneshot     channel/oneshot.c: one message, one atomic state machine
 *               (the book's single-atomic version) with runtime checks that
 *               return errnos where the book panics; blocking receive.
 *   bounded     channel/bounded.c: a ring of slots with per-slot sequence
 *               numbers (Vyukov's bounded MPMC queue, as crossbeam's array
 *               flavour); send blocks when full, receive when empty.
 *   rendezvous  channel/bounded.c with capacity 0: send returns only once a
 *               receiver has taken the message.
 *   kfifo       bench/native_chan.c: the kernel's record kfifo under a
 *               spinlock with two wait queues, the baseline.
 *
 * Messages are byte buffers of at most @msg_max bytes (set at creation).
 * Send copies from a kernel buffer, receive copies into one and returns the
 * message length; the device copies from and to user memory around them.
 *
 * Endpoints. A channel starts with one sender and one receiver endpoint,
 * both owned by its creator. lab_chan_sender_get()/lab_chan_receiver_get()
 * add endpoints (a device maps each fd to one), the _put() functions drop
 * them. Dropping the last sender disconnects the sending side: receivers
 * drain what is queued, then get -EPIPE. Dropping the last receiver
 * disconnects the receiving side: senders get -EPIPE and keep their
 * message (nothing was copied out of their buffer). lab_chan_close_send()
 * and lab_chan_close_recv() disconnect a side while endpoints remain. The
 * channel is freed when both sides have no endpoint left, with any message
 * still in it. Every send and receive must be made through an endpoint the
 * caller holds: that is what keeps the channel alive during the call.
 *
 * Errors every flavour returns:
 *   -EAGAIN     LAB_CHAN_NONBLOCK and the operation would wait
 *   -EPIPE      the other side is disconnected (receive: and nothing is left)
 *   -EMSGSIZE   send: @len > msg_max; receive: the next message is longer
 *               than @len (it stays queued)
 *   -EINTR      a signal ended the wait (LAB_WAIT_INTERRUPTIBLE/KILLABLE)
 *   -ETIMEDOUT  the deadline passed
 *   -ENOSPC     mpsc: the queue is at its memory cap; any flavour: the
 *               channel's budget is spent
 *   -EBUSY      oneshot: a message was already sent
 *   -EINVAL     unknown flags
 * An operation that fails changed nothing: no message was queued or taken.
 *
 * Memory accounting. Every allocation of channel memory (channel objects,
 * rings, messages, kfifo buffers) is counted in one module-wide counter,
 * lab_chan_live_allocs(): the KUnit suite checks it returns to its earlier
 * value after each case. A channel made with lab_chan_create_charged()
 * also charges all of it, message headers included, to a budget
 * (include/locklab/budget.h): send fails with -ENOSPC when the budget is
 * spent, and the creator of a channel that a user drives cannot be made
 * to hold memory nobody is charged for.
 */
#ifndef _LOCKLAB_CHANNEL_H
#define _LOCKLAB_CHANNEL_H

#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/types.h>

#include <locklab/budget.h>
#include <locklab/ops.h>
#include <locklab/wait.h>

/* Flags of send and receive, besides lab_wait()'s. */
#define LAB_CHAN_NONBLOCK	0x100	/* never wait: -EAGAIN instead */
#define LAB_CHAN_WAIT_FLAGS	(LAB_WAIT_INTERRUPTIBLE | LAB_WAIT_KILLABLE)
#define LAB_CHAN_OP_FLAGS	(LAB_CHAN_NONBLOCK | LAB_CHAN_WAIT_FLAGS)

/* Largest message any flavour carries, and the default when 0 is asked. */
#define LAB_CHAN_MSG_MAX	32768
#define LAB_CHAN_MSG_DEFAULT	256

struct lab_chan_ops;

/**
 * struct lab_chan - what every flavour's channel starts with
 * @ops: the flavour
 * @senders: sender endpoints; 0 once the last is dropped (never revived)
 * @receivers: receiver endpoints; likewise
 * @sides: sides (sending, receiving) that still have endpoints; the
 *	channel is freed when it drops to 0
 * @msg_max: largest message, in bytes
 * @budget: what the channel's memory is charged to (NULL: nothing)
 */
struct lab_chan {
	const struct lab_chan_ops *ops;
	atomic_t senders;
	atomic_t receivers;
	atomic_t sides;
	size_t msg_max;
	struct lab_budget *budget;
};

/**
 * struct lab_chan_ops - a channel flavour, driven uniformly
 * @create: a new channel with @capacity (flavour's unit; 0: its default)
 *	and messages of at most @msg_max bytes, its memory charged to
 *	@budget (may be NULL). Returns the channel or an ERR_PTR(); call
 *	through lab_chan_create(), which sets up the endpoints.
 * @destroy: free the channel and any message in it; called once, when the
 *	last endpoint is gone
 * @send: queue (or hand over) @len bytes from @buf; 0 or -errno
 * @recv: take the next message into @buf (room for @len bytes); its
 *	length or -errno
 * @close_send: disconnect the sending side and wake every receiver;
 *	idempotent
 * @close_recv: disconnect the receiving side and wake every sender;
 *	idempotent
 * @oneshot: the channel carries a single message in its whole life
 *
 * @send and @recv take LAB_CHAN_OP_FLAGS and an absolute @deadline
 * (lab_deadline(), or LAB_WAIT_FOREVER). They may sleep unless
 * LAB_CHAN_NONBLOCK is set, and even then may take a sleeping lock
 * briefly: process context only.
 */
struct lab_chan_ops {
	LAB_OPS_HEAD;
	struct lab_chan *(*create)(size_t capacity, size_t msg_max,
				   struct lab_budget *budget);
	void (*destroy)(struct lab_chan *ch);
	int (*send)(struct lab_chan *ch, const void *buf, size_t len,
		    unsigned int flags, ktime_t deadline);
	ssize_t (*recv)(struct lab_chan *ch, void *buf, size_t len,
			unsigned int flags, ktime_t deadline);
	void (*close_send)(struct lab_chan *ch);
	void (*close_recv)(struct lab_chan *ch);
	bool oneshot;
};

/* The flavours (channel/) and the kernel baseline (bench/native_chan.c). */
extern const struct lab_chan_ops lab_mpsc_chan_ops;
extern const struct lab_chan_ops lab_oneshot_chan_ops;
extern const struct lab_chan_ops lab_bounded_chan_ops;
extern const struct lab_chan_ops lab_rendezvous_chan_ops;
extern const struct lab_chan_ops lab_kernel_kfifo_chan_ops;

const struct lab_chan_ops *lab_chan_ops_find(u32 variant);

struct lab_chan *lab_chan_create(const struct lab_chan_ops *ops,
				 size_t capacity, size_t msg_max,
				 unsigned int flags);
struct lab_chan *lab_chan_create_charged(const struct lab_chan_ops *ops,
					 size_t capacity, size_t msg_max,
					 unsigned int flags,
					 struct lab_budget *budget);
void lab_chan_destroy(struct lab_chan *ch);

int __must_check lab_chan_sender_get(struct lab_chan *ch);
void lab_chan_sender_put(struct lab_chan *ch);
int __must_check lab_chan_receiver_get(struct lab_chan *ch);
void lab_chan_receiver_put(struct lab_chan *ch);
void lab_chan_close_send(struct lab_chan *ch);
void lab_chan_close_recv(struct lab_chan *ch);

int lab_chan_send(struct lab_chan *ch, const void *buf, size_t len,
		  unsigned int flags, ktime_t deadline);
ssize_t lab_chan_recv(struct lab_chan *ch, void *buf, size_t len,
		      unsigned int flags, ktime_t deadline);

/** lab_chan_try_send() - lab_chan_send() that never waits (-EAGAIN) */
static inline int lab_chan_try_send(struct lab_chan *ch, const void *buf,
				    size_t len)
{
	return lab_chan_send(ch, buf, len, LAB_CHAN_NONBLOCK, LAB_WAIT_FOREVER);
}

/** lab_chan_try_recv() - lab_chan_recv() that never waits (-EAGAIN) */
static inline ssize_t lab_chan_try_recv(struct lab_chan *ch, void *buf,
					size_t len)
{
	return lab_chan_recv(ch, buf, len, LAB_CHAN_NONBLOCK, LAB_WAIT_FOREVER);
}

/** lab_chan_send_timeout() - lab_chan_send() for at most @timeout_ns */
static inline int lab_chan_send_timeout(struct lab_chan *ch, const void *buf,
					size_t len, s64 timeout_ns)
{
	return lab_chan_send(ch, buf, len, 0, lab_deadline(timeout_ns));
}

/** lab_chan_recv_timeout() - lab_chan_recv() for at most @timeout_ns */
static inline ssize_t lab_chan_recv_timeout(struct lab_chan *ch, void *buf,
					    size_t len, s64 timeout_ns)
{
	return lab_chan_recv(ch, buf, len, 0, lab_deadline(timeout_ns));
}

long lab_chan_live_allocs(void);

#endif /* _LOCKLAB_CHANNEL_H */
