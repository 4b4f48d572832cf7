/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab channels, private to the flavours: counted allocations and the
 * heap message that the mpsc and oneshot channels queue.
 *
 * Every allocation of channel memory goes through lab_chan_alloc() /
 * lab_chan_valloc() (or is charged with lab_budget_charge() and reported
 * with lab_chan_count_alloc() when the kernel allocates it for us, as
 * kfifo_alloc() does), so that it is charged to the channel's budget and
 * the module-wide counter lab_chan_live_allocs() shows leaks.
 */
#ifndef _LOCKLAB_CHANNEL_CHAN_H
#define _LOCKLAB_CHANNEL_CHAN_H

#include <linux/list.h>
#include <linux/types.h>

#include <locklab/channel.h>

/**
 * struct lab_chan_msg - one queued message
 * @node: in the mpsc queue
 * @len: bytes in @data
 * @data: the payload
 */
struct lab_chan_msg {
	struct list_head node;
	size_t len;
	u8 data[];
};

void *lab_chan_alloc(struct lab_budget *b, size_t size);
void lab_chan_free(struct lab_budget *b, const void *p, size_t size);
void *lab_chan_valloc(struct lab_budget *b, size_t size);
void lab_chan_vfree(struct lab_budget *b, const void *p, size_t size);
void lab_chan_count_alloc(long delta);

struct lab_chan_msg *lab_chan_msg_new(struct lab_chan *ch, const void *buf,
				      size_t len);
void lab_chan_msg_free(struct lab_chan *ch, struct lab_chan_msg *m);
size_t lab_chan_msg_bytes(const struct lab_chan_msg *m);

/* The lab_wait() part of send/receive flags. */
static inline unsigned int lab_chan_wait_flags(unsigned int flags)
{
	return flags & LAB_CHAN_WAIT_FLAGS;
}

#endif /* _LOCKLAB_CHANNEL_CHAN_H */
