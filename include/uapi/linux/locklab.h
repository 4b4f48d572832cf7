/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * locklab: the ioctl ABI of /dev/locklab.
 *
 * This header is the whole user-visible contract of the module. It holds
 * nothing but the ioctl numbers, the structures they take and the constants
 * those structures use.
 */
#ifndef _UAPI_LINUX_LOCKLAB_H
#define _UAPI_LINUX_LOCKLAB_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Older linux/types.h (before Linux 5.x) lack the signed one. */
#ifndef __aligned_s64
#define __aligned_s64 __s64 __attribute__((aligned(8)))
#endif

/**
 * DOC: General ioctl format
 *
 * Every ioctl takes a pointer to a structure that starts with two __u32
 * fields: @size, the number of bytes of the structure as the caller knows
 * it, and @flags. The ioctl number does not encode the size, so a structure
 * may grow at its end without a new number: the kernel accepts a caller's
 * structure that is shorter than its own (the missing tail reads as zero)
 * and one that is longer (the extra tail must be zero). Output fields are
 * written back for the first @size bytes only.
 *
 * The size is checked before anything else is read: @size above 4096 is
 * E2BIG at once (no structure here comes near a page, and the kernel does
 * not scan gigabytes of user memory for a zero tail). A command made on an
 * fd that does not take it (an object command on /dev/locklab, a channel
 * command on an Arc fd, ...) is EINVAL before any field is read.
 *
 * The errors every ioctl can return, and what they mean:
 *
 *  - EFAULT: the argument, or a pointer field in it, is not readable or
 *    writable user memory. The argument is checked before the command
 *    takes effect: EFAULT means nothing happened (unless the caller
 *    changed its own memory during the call).
 *  - EINVAL: @size is smaller than the first version of the structure; an
 *    unknown bit is set in @flags; a reserved field is not zero; a kind,
 *    variant or parameter is out of range; the fd is of the wrong kind for
 *    the command.
 *  - E2BIG: @size is larger than the kernel's structure and the extra
 *    bytes are not all zero (the caller asks for something this kernel
 *    does not know), or @size is above 4096.
 *  - ENOTTY: unknown ioctl number.
 *  - ENOMEM: an allocation failed.
 *  - ENOSPC: a limit was reached: the max_objects objects one open of
 *    /dev/locklab may own, or a memory budget (LOCKLAB_IOC_LIMITS): every
 *    byte an object makes the kernel allocate (the object, hold records,
 *    channel rings, queued messages with their headers) is charged to the
 *    open that created the object and to the opener's user.
 *  - EMFILE: no free file descriptor for a new object fd.
 *
 * Errors of the commands that wait (LOCKLAB_IOC_OP, LOCKLAB_IOC_CHAN,
 * LOCKLAB_IOC_BENCH), beside each command's own: EINTR when a signal ended
 * the wait, ETIMEDOUT when the caller's timeout expired. Every such wait
 * ends on a signal, the kernel-native baselines' included; a wait on a
 * spin lock is not a sleep and lasts at most the other CPUs' critical
 * sections (each at most the max_hold_ns module parameter).
 */

#define LOCKLAB_TYPE		0xE7

#define LOCKLAB_ABI_MAJOR	1
#define LOCKLAB_ABI_MINOR	4

/**
 * enum locklab_kind - families of primitives
 * @LOCKLAB_KIND_SPIN: spin locks (book chapter 4 and queue locks)
 * @LOCKLAB_KIND_MUTEX: sleeping mutexes (book chapter 9)
 * @LOCKLAB_KIND_RWLOCK: reader-writer locks (book chapter 9)
 * @LOCKLAB_KIND_SEMAPHORE: counting semaphores (book chapter 10)
 * @LOCKLAB_KIND_CHANNEL: message channels (book chapter 5)
 * @LOCKLAB_KIND_CONDVAR: condition variables (book chapter 9), bound to a
 *	locklab mutex object at creation
 * @LOCKLAB_KIND_ARC: reference-counted allocations with strong and weak
 *	handles (book chapter 6); each handle is an fd
 * @LOCKLAB_KIND_RCU: read-copy-update (book chapter 10); benchmark only
 * @LOCKLAB_KIND_SEQLOCK: sequence locks (book chapter 10): objects whose
 *	writers and readers run checked sections over an in-kernel payload
 *	(LOCKLAB_OP_SEQ_WRITE, LOCKLAB_OP_SEQ_READ), and the benchmark
 */
enum locklab_kind {
	LOCKLAB_KIND_SPIN = 1,
	LOCKLAB_KIND_MUTEX = 2,
	LOCKLAB_KIND_RWLOCK = 3,
	LOCKLAB_KIND_SEMAPHORE = 4,
	LOCKLAB_KIND_CHANNEL = 5,
	LOCKLAB_KIND_CONDVAR = 6,
	LOCKLAB_KIND_ARC = 7,
	LOCKLAB_KIND_RCU = 8,
	LOCKLAB_KIND_SEQLOCK = 9,
	LOCKLAB_KIND_MAX,
};

/*
 * Variants are numbered per kind. Two numbers mean the same thing in every
 * kind: the kernel's own primitive of that family (the baseline every
 * benchmark reports against) and a deliberately broken variant that exists
 * to prove the checkers fire.
 */
#define LOCKLAB_VARIANT_KERNEL	0x40
#define LOCKLAB_VARIANT_BROKEN	0x7f

/**
 * enum locklab_spin_variant - variants of %LOCKLAB_KIND_SPIN
 * @LOCKLAB_SPIN_TAS: test-and-set: spin on an atomic swap (book ch. 4)
 * @LOCKLAB_SPIN_TTAS: test-and-test-and-set: spin on a plain load
 * @LOCKLAB_SPIN_TICKET: ticket lock, FIFO
 * @LOCKLAB_SPIN_MCS: MCS queue lock, FIFO, each waiter spins on its own node
 * @LOCKLAB_SPIN_CLH: CLH queue lock, FIFO, each waiter spins on its
 *	predecessor's node
 * @LOCKLAB_SPIN_MCS_PENDING: MCS behind a pending bit (qspinlock's shape):
 *	the first waiter spins on the lock word, later ones queue, FIFO
 * @LOCKLAB_SPIN_KERNEL: the kernel's spinlock_t (qspinlock on SMP)
 * @LOCKLAB_SPIN_BROKEN: takes no lock at all
 */
enum locklab_spin_variant {
	LOCKLAB_SPIN_TAS = 1,
	LOCKLAB_SPIN_TTAS = 2,
	LOCKLAB_SPIN_TICKET = 3,
	LOCKLAB_SPIN_MCS = 4,
	LOCKLAB_SPIN_CLH = 5,
	LOCKLAB_SPIN_MCS_PENDING = 6,
	LOCKLAB_SPIN_KERNEL = LOCKLAB_VARIANT_KERNEL,
	LOCKLAB_SPIN_BROKEN = LOCKLAB_VARIANT_BROKEN,
};

/**
 * enum locklab_mutex_variant - variants of %LOCKLAB_KIND_MUTEX
 * @LOCKLAB_MUTEX_2STATE: 0/1 lock word; every unlock wakes a waiter
 * @LOCKLAB_MUTEX_3STATE: 0/1/2 lock word; unlock wakes only when contended
 * @LOCKLAB_MUTEX_SPIN: 3-state, waiters spin briefly before sleeping
 * @LOCKLAB_MUTEX_QUEUE: queue-based lock: waiters queue in the lock word
 *	and are woken one by one, in arrival order (book ch. 10)
 * @LOCKLAB_MUTEX_PARKING: one-byte parking-lot lock: waiters park in a
 *	global hash table (book ch. 10)
 * @LOCKLAB_MUTEX_QUEUE_FAIR: the queue lock, eventually fair: a waiter
 *	queued 0.5 ms or more is handed the lock at the next unlock
 * @LOCKLAB_MUTEX_PARKING_FAIR: the parking-lot lock, eventually fair as
 *	Rust's parking_lot: a task parked 0.5 ms or more is handed the lock
 * @LOCKLAB_MUTEX_KERNEL: the kernel's struct mutex
 * @LOCKLAB_MUTEX_BROKEN: takes no lock at all
 */
enum locklab_mutex_variant {
	LOCKLAB_MUTEX_2STATE = 1,
	LOCKLAB_MUTEX_3STATE = 2,
	LOCKLAB_MUTEX_SPIN = 3,
	LOCKLAB_MUTEX_QUEUE = 4,
	LOCKLAB_MUTEX_PARKING = 5,
	LOCKLAB_MUTEX_QUEUE_FAIR = 6,
	LOCKLAB_MUTEX_PARKING_FAIR = 7,
	LOCKLAB_MUTEX_KERNEL = LOCKLAB_VARIANT_KERNEL,
	LOCKLAB_MUTEX_BROKEN = LOCKLAB_VARIANT_BROKEN,
};

/**
 * enum locklab_rwlock_variant - variants of %LOCKLAB_KIND_RWLOCK
 * @LOCKLAB_RWLOCK_V1: reader count, all-ones = write-locked; writers wait
 *	on the state word
 * @LOCKLAB_RWLOCK_V2: v1 plus a writer wake counter: writers sleep on it
 *	instead of spinning through reader changes
 * @LOCKLAB_RWLOCK_V3: 2 x readers + a writer-waiting bit: a waiting writer
 *	blocks new readers (no writer starvation); upgradable read locks
 * @LOCKLAB_RWLOCK_KERNEL: the kernel's struct rw_semaphore
 * @LOCKLAB_RWLOCK_BROKEN: takes no lock at all
 */
enum locklab_rwlock_variant {
	LOCKLAB_RWLOCK_V1 = 1,
	LOCKLAB_RWLOCK_V2 = 2,
	LOCKLAB_RWLOCK_V3 = 3,
	LOCKLAB_RWLOCK_KERNEL = LOCKLAB_VARIANT_KERNEL,
	LOCKLAB_RWLOCK_BROKEN = LOCKLAB_VARIANT_BROKEN,
};

/**
 * enum locklab_semaphore_variant - variants of %LOCKLAB_KIND_SEMAPHORE
 * @LOCKLAB_SEMAPHORE_ATOMIC: count in one atomic, waiters in lab_wait()
 * @LOCKLAB_SEMAPHORE_KERNEL: the kernel's struct semaphore
 *
 * Benchmarks and torture runs use a semaphore of count 1 as a lock.
 */
enum locklab_semaphore_variant {
	LOCKLAB_SEMAPHORE_ATOMIC = 1,
	LOCKLAB_SEMAPHORE_KERNEL = LOCKLAB_VARIANT_KERNEL,
};

/**
 * enum locklab_channel_variant - variants of %LOCKLAB_KIND_CHANNEL
 * @LOCKLAB_CHANNEL_MPSC: a message queue under a mutex, receivers wait on a
 *	condition variable; send never waits (book ch. 5)
 * @LOCKLAB_CHANNEL_ONESHOT: one message, one atomic state machine; a
 *	second send is EBUSY
 * @LOCKLAB_CHANNEL_BOUNDED: a ring of slots with per-slot sequence numbers
 *	(Vyukov's bounded MPMC queue); send waits while full
 * @LOCKLAB_CHANNEL_RENDEZVOUS: capacity 0: send returns once a receiver
 *	has taken the message
 * @LOCKLAB_CHANNEL_KERNEL: the kernel's record kfifo under a spinlock, with
 *	wait queues
 */
enum locklab_channel_variant {
	LOCKLAB_CHANNEL_MPSC = 1,
	LOCKLAB_CHANNEL_ONESHOT = 2,
	LOCKLAB_CHANNEL_BOUNDED = 3,
	LOCKLAB_CHANNEL_RENDEZVOUS = 4,
	LOCKLAB_CHANNEL_KERNEL = LOCKLAB_VARIANT_KERNEL,
};

/**
 * struct locklab_version - ABI handshake (LOCKLAB_IOC_VERSION)
 * @size: sizeof(struct locklab_version)
 * @flags: must be 0
 * @abi_major: out: LOCKLAB_ABI_MAJOR of the running module; a different
 *	major means the structures here do not match
 * @abi_minor: out: LOCKLAB_ABI_MINOR; grows when something is added
 * @kinds: out: bit (1 << kind) is set for every kind this module supports
 * @nr_cpus: out: online CPUs when the call was made
 * @__reserved: must be 0
 * @backend: out: NUL-terminated name of the atomics backend the algorithms
 *	run on ("x86-64", "arm64-lse", "arm64-llsc", "generic")
 */
struct locklab_version {
	__u32 size;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__aligned_u64 kinds;
	__u32 nr_cpus;
	__u32 __reserved;
	char backend[16];
};

#define LOCKLAB_IOC_VERSION	_IO(LOCKLAB_TYPE, 0x00)

/* Properties of a variant, in struct locklab_list.props. */
#define LOCKLAB_PROP_FIFO	(1U << 0)	/* hands over in arrival order */
#define LOCKLAB_PROP_SLEEPS	(1U << 1)	/* waiters sleep */
#define LOCKLAB_PROP_KERNEL	(1U << 2)	/* the kernel's own primitive */
#define LOCKLAB_PROP_BROKEN	(1U << 3)	/* wrong on purpose */

/**
 * struct locklab_list - enumerate kinds and variants (LOCKLAB_IOC_LIST)
 * @size: sizeof(struct locklab_list)
 * @flags: must be 0
 * @index: in: 0 for the first entry; ENOENT past the last
 * @kind: out: enum locklab_kind
 * @variant: out: variant number within @kind
 * @props: out: LOCKLAB_PROP_* bits
 * @name: out: NUL-terminated short name, as the CLI spells it
 * @kind_name: out: NUL-terminated name of @kind
 *
 * Errors beside the general ones: ENOENT, @index is past the last entry.
 */
struct locklab_list {
	__u32 size;
	__u32 flags;
	__u32 index;
	__u32 kind;
	__u32 variant;
	__u32 props;
	char name[24];
	char kind_name[16];
};

#define LOCKLAB_IOC_LIST	_IO(LOCKLAB_TYPE, 0x01)

/* struct locklab_bench.flags */
#define LOCKLAB_BENCH_BIND	(1U << 0)	/* pin thread i to CPU i % online */
#define LOCKLAB_BENCH_TIMES	(1U << 1)	/* time every wait (lock kinds) */
/*
 * %LOCKLAB_KIND_RCU only (EINVAL for other kinds): callback throughput.
 * The updater does not wait for grace periods: it hands every copy it
 * replaces to the variant's call_rcu (lab_call_rcu(), call_srcu(),
 * call_rcu()) as fast as it can, with at most 16384 copies out at once
 * (beyond, it waits a grace period and frees the callbacks' copies), and
 * waits for every callback at the end (lab_rcu_barrier(), srcu_barrier(),
 * rcu_barrier()), within @elapsed_ns. @reads: callbacks that ran;
 * @lost_updates: callbacks queued that did not run (0). Readers run as
 * without the flag (@acquisitions, @violations).
 */
#define LOCKLAB_BENCH_CALLBACKS	(1U << 2)

/**
 * struct locklab_bench - run the in-kernel torture/benchmark (LOCKLAB_IOC_BENCH)
 * @size: sizeof(struct locklab_bench)
 * @flags: LOCKLAB_BENCH_* bits
 * @kind: in: enum locklab_kind
 * @variant: in: variant within @kind
 * @threads: in: kernel threads to run, 1..64
 * @duration_ms: in: run time, 1..the bench_max_ms module parameter
 * @hold_ns: in: busy time inside each critical section, at most 1000000
 * @gap_ns: in: busy time between critical sections, at most 1000000; for
 *	%LOCKLAB_KIND_RCU the updater's sleep after each update instead
 *	(rounded up to microseconds, a timer sleep: its shortest lasts what a
 *	timer wake-up takes, tens of microseconds under QEMU TCG; 0: the
 *	updater never sleeps but in its
 *	grace periods), so that every variant's readers see about the same
 *	stream of updates (added in ABI 1.4: EINVAL before)
 * @per_thread: in: user pointer to __u64[@threads] that receives each
 *	thread's acquisitions, or 0
 * @acquisitions: out: critical sections completed by all threads
 * @thread_min: out: fewest acquisitions of one thread
 * @thread_max: out: most acquisitions of one thread
 * @violations: out: entries that found another thread inside the section
 * @lost_updates: out: increments of the section's plain counter that were
 *	lost to a concurrent section (0 when the lock excludes)
 * @elapsed_ns: out: wall time from start to the last thread's stop
 * @read_pct: in: %LOCKLAB_KIND_RWLOCK only: percent of acquisitions that
 *	are shared (read) holds, 0..100; must be 0 for other kinds
 * @__reserved: must be 0
 * @reads: out: shared acquisitions among @acquisitions; for
 *	%LOCKLAB_KIND_RCU, grace periods the updater waited for (the mean
 *	synchronize latency is at most @elapsed_ns / @reads: the updater's
 *	whole cycle, of which the wait is nearly all), with
 *	%LOCKLAB_BENCH_CALLBACKS callbacks that ran; for
 *	%LOCKLAB_KIND_SEQLOCK, write sections of the writer
 * @max_readers: out: most threads seen holding shared at once
 * @wait_max_ns: out, with LOCKLAB_BENCH_TIMES: the longest wait of one
 *	acquisition (each thread reads the clock around every lock, which
 *	costs throughput: compare rates of runs without the flag)
 * @wait_p99_ns: out, with LOCKLAB_BENCH_TIMES: 99% of acquisitions waited
 *	at most this long (the upper bound of a log2 histogram bucket)
 * @read_retries: out, %LOCKLAB_KIND_SEQLOCK: copies the readers threw away
 *	because a writer got in (retries per read: @read_retries /
 *	@acquisitions); 0 for other kinds. Added in ABI 1.2: a caller whose
 *	@size ends before it (LOCKLAB_BENCH_SIZE_VER1) gets everything else.
 *
 * Returns 0 when the run completed, whatever it measured: a lock that fails
 * to exclude is reported through @violations and @lost_updates. One run
 * goes at a time, module-wide: a second caller waits for the first (and
 * for the threads of an earlier run that was interrupted to finish).
 * EINTR when a signal ended the wait or the run: the call returns at once
 * and the threads stop by themselves (they own their state and hold the
 * module until they are gone). ETIMEDOUT when the threads did not finish
 * in time. EINVAL for a kind or variant without a benchmark.
 * EOPNOTSUPP for %LOCKLAB_RCU_SRCU on a kernel built without SRCU (the
 * variant is then not listed either).
 */
struct locklab_bench {
	__u32 size;
	__u32 flags;
	__u32 kind;
	__u32 variant;
	__u32 threads;
	__u32 duration_ms;
	__u32 hold_ns;
	__u32 gap_ns;
	__aligned_u64 per_thread;
	__aligned_u64 acquisitions;
	__aligned_u64 thread_min;
	__aligned_u64 thread_max;
	__aligned_u64 violations;
	__aligned_u64 lost_updates;
	__aligned_u64 elapsed_ns;
	__u32 read_pct;
	__u32 __reserved;
	__aligned_u64 reads;
	__aligned_u64 max_readers;
	__aligned_u64 wait_max_ns;
	__aligned_u64 wait_p99_ns;
	__aligned_u64 read_retries;
};

#define LOCKLAB_IOC_BENCH	_IO(LOCKLAB_TYPE, 0x02)

/*
 * Sizes struct locklab_bench had: the first (up to @elapsed_ns), before
 * @read_retries (ABI 1.1), and now. The kernel takes any of them.
 */
#define LOCKLAB_BENCH_SIZE_VER0		88
#define LOCKLAB_BENCH_SIZE_VER1		128
#define LOCKLAB_BENCH_SIZE_VER2		136

#define LOCKLAB_BENCH_MAX_THREADS	64
#define LOCKLAB_BENCH_MAX_BUSY_NS	1000000

/**
 * enum locklab_condvar_variant - variants of %LOCKLAB_KIND_CONDVAR
 * @LOCKLAB_CONDVAR_COUNTER: every notify bumps a counter and wakes
 * @LOCKLAB_CONDVAR_WAITCOUNT: notify does nothing when nobody waits
 * @LOCKLAB_CONDVAR_REQUEUE: notify_all wakes one waiter and moves the
 *	others onto the mutex
 */
enum locklab_condvar_variant {
	LOCKLAB_CONDVAR_COUNTER = 1,
	LOCKLAB_CONDVAR_WAITCOUNT = 2,
	LOCKLAB_CONDVAR_REQUEUE = 3,
};

/**
 * enum locklab_arc_variant - variants of %LOCKLAB_KIND_ARC
 * @LOCKLAB_ARC_ARC: the book's Arc/Weak: strong and weak handles
 * @LOCKLAB_ARC_KERNEL: an object counted by the kernel's refcount_t
 *	(strong handles only)
 */
enum locklab_arc_variant {
	LOCKLAB_ARC_ARC = 1,
	LOCKLAB_ARC_KERNEL = LOCKLAB_VARIANT_KERNEL,
};

/**
 * enum locklab_rcu_variant - variants of %LOCKLAB_KIND_RCU (benchmark only:
 *	LOCKLAB_IOC_CREATE refuses the kind)
 * @LOCKLAB_RCU_LAB: locklab RCU: counted read sections, shared grace
 *	periods that sleep until the last old reader leaves (book chapter 10)
 * @LOCKLAB_RCU_SRCU: the kernel's SRCU (srcu_read_lock(),
 *	synchronize_srcu(), call_srcu() on an srcu_struct of the run): the
 *	fair baseline, counted read sections that may sleep as ours; listed
 *	only when the kernel has SRCU. Not marked %LOCKLAB_PROP_KERNEL: the
 *	kind's baseline is %LOCKLAB_RCU_KERNEL
 * @LOCKLAB_RCU_KERNEL: the kernel's RCU (rcu_read_lock(), synchronize_rcu())
 */
enum locklab_rcu_variant {
	LOCKLAB_RCU_LAB = 1,
	LOCKLAB_RCU_SRCU = 2,
	LOCKLAB_RCU_KERNEL = LOCKLAB_VARIANT_KERNEL,
};

/**
 * enum locklab_seqlock_variant - variants of %LOCKLAB_KIND_SEQLOCK
 * @LOCKLAB_SEQLOCK_LAB: locklab seqlock: sequence counter and a writer
 *	spin lock (book chapter 10)
 * @LOCKLAB_SEQLOCK_KERNEL: the kernel's seqlock_t
 * @LOCKLAB_SEQLOCK_BROKEN: readers accept their first copy without looking
 *	at the sequence (torn copies get through: the checks must see them)
 */
enum locklab_seqlock_variant {
	LOCKLAB_SEQLOCK_LAB = 1,
	LOCKLAB_SEQLOCK_KERNEL = LOCKLAB_VARIANT_KERNEL,
	LOCKLAB_SEQLOCK_BROKEN = LOCKLAB_VARIANT_BROKEN,
};

/* A seqlock object's payload, in 64-bit words (struct locklab_create). */
#define LOCKLAB_SEQ_DEFAULT_WORDS	8
#define LOCKLAB_SEQ_MAX_WORDS		256

/* struct locklab_create.flags */
#define LOCKLAB_CREATE_CLOEXEC	(1U << 0)	/* O_CLOEXEC on the new fd */

/**
 * struct locklab_create - make one object (LOCKLAB_IOC_CREATE on /dev/locklab)
 * @size: sizeof(struct locklab_create)
 * @flags: LOCKLAB_CREATE_* bits
 * @kind: in: enum locklab_kind
 * @variant: in: variant within @kind
 * @sem_count: in, %LOCKLAB_KIND_SEMAPHORE: initial permits
 * @sem_max: in, %LOCKLAB_KIND_SEMAPHORE: most permits, 1..INT_MAX
 * @mutex_fd: in, %LOCKLAB_KIND_CONDVAR: fd of the locklab mutex every
 *	waiter of this condvar holds: a 2STATE, 3STATE or SPIN one (the
 *	condvar requeues onto its word; other variants: -EINVAL)
 * @arc_size: in, %LOCKLAB_KIND_ARC: bytes of data the object carries,
 *	0..4096; the new fd is its first strong handle
 * @chan_capacity: in, %LOCKLAB_KIND_CHANNEL: messages (bounded, kernel),
 *	bytes (mpsc), 0 or 1 (oneshot), 0 (rendezvous); 0: the default
 * @chan_msg_max: in, %LOCKLAB_KIND_CHANNEL: largest message, at most
 *	32768 bytes; 0: 256
 * @seq_words: in, %LOCKLAB_KIND_SEQLOCK: 64-bit words of the payload the
 *	writers write and the readers copy, 1..LOCKLAB_SEQ_MAX_WORDS; 0:
 *	LOCKLAB_SEQ_DEFAULT_WORDS
 * @params: the kind-specific parameters as raw words; a word the kind
 *	does not use must be 0
 * @fd: out: the new object's file descriptor
 * @__reserved: must be 0
 *
 * The object lives as long as its file: threads share it, fork() and
 * SCM_RIGHTS pass it on, and the last close destroys it (releasing what it
 * held). Each open of /dev/locklab may own at most the max_objects module
 * parameter of objects at once (ENOSPC beyond), and what the objects
 * allocate is charged to the budgets of LOCKLAB_IOC_LIMITS.
 *
 * Errors beside the general ones: EINVAL for an unknown kind or variant,
 * a parameter out of range, a kind that has no objects (%LOCKLAB_KIND_RCU),
 * or a condvar's @mutex_fd that is not a 2STATE,
 * 3STATE or SPIN mutex object made through the same open of /dev/locklab;
 * EBADF when @mutex_fd is not an open fd.
 */
struct locklab_create {
	__u32 size;
	__u32 flags;
	__u32 kind;
	__u32 variant;
	union {
		struct {
			__u32 sem_count;
			__u32 sem_max;
		};
		struct {
			__s32 mutex_fd;
		};
		struct {
			__u32 arc_size;
		};
		struct {
			__u32 chan_capacity;
			__u32 chan_msg_max;
		};
		struct {
			__u32 seq_words;
		};
		__u32 params[4];
	};
	__s32 fd;
	__u32 __reserved;
};

#define LOCKLAB_IOC_CREATE	_IO(LOCKLAB_TYPE, 0x03)

/**
 * enum locklab_op_code - what LOCKLAB_IOC_OP does on an object fd
 * @LOCKLAB_OP_HOLD: take the lock, run the critical section, release it,
 *	all in this call (every lock kind; the only way to hold a spin lock)
 * @LOCKLAB_OP_LOCK: take the exclusive lock and keep it (sleeping locks)
 * @LOCKLAB_OP_UNLOCK: release the exclusive lock the caller holds
 * @LOCKLAB_OP_READ_HOLD: rwlock: read lock, section, read unlock
 * @LOCKLAB_OP_READ_LOCK: rwlock: take a shared hold and keep it
 * @LOCKLAB_OP_READ_UNLOCK: rwlock: release the caller's shared hold
 * @LOCKLAB_OP_DOWNGRADE: rwlock: exclusive hold -> shared hold
 * @LOCKLAB_OP_UPGRADABLE_LOCK: rwlock v3: take the upgradable hold
 * @LOCKLAB_OP_UPGRADE: rwlock v3: upgradable hold -> exclusive hold
 * @LOCKLAB_OP_UPGRADABLE_UNLOCK: rwlock v3: release the upgradable hold
 * @LOCKLAB_OP_UP: semaphore: return a permit
 * @LOCKLAB_OP_WAIT: condvar: release the mutex, sleep until notified,
 *	retake the mutex (the caller must hold the condvar's mutex)
 * @LOCKLAB_OP_NOTIFY_ONE: condvar: wake one waiter
 * @LOCKLAB_OP_NOTIFY_ALL: condvar: wake all waiters
 * @LOCKLAB_OP_SEQ_WRITE: seqlock: one write section (see below)
 * @LOCKLAB_OP_SEQ_READ: seqlock: one consistent read (see below)
 *
 * For a semaphore, LOCK and HOLD take a permit (down) and UNLOCK returns
 * one (as UP does; permits are not owned). The maximum bounds the count:
 * an UP while a HOLD's permit is out can put one more permit in
 * circulation than the maximum, and the checked section then counts the
 * extra holder as a violation (that HOLD's own permit is dropped when it
 * finds the semaphore full, never EOVERFLOW).
 */
enum locklab_op_code {
	LOCKLAB_OP_HOLD = 1,
	LOCKLAB_OP_LOCK = 2,
	LOCKLAB_OP_UNLOCK = 3,
	LOCKLAB_OP_READ_HOLD = 4,
	LOCKLAB_OP_READ_LOCK = 5,
	LOCKLAB_OP_READ_UNLOCK = 6,
	LOCKLAB_OP_DOWNGRADE = 7,
	LOCKLAB_OP_UPGRADABLE_LOCK = 8,
	LOCKLAB_OP_UPGRADE = 9,
	LOCKLAB_OP_UPGRADABLE_UNLOCK = 10,
	LOCKLAB_OP_UP = 11,
	LOCKLAB_OP_WAIT = 12,
	LOCKLAB_OP_NOTIFY_ONE = 13,
	LOCKLAB_OP_NOTIFY_ALL = 14,
	LOCKLAB_OP_SEQ_WRITE = 15,
	LOCKLAB_OP_SEQ_READ = 16,
};

/* struct locklab_op.flags */
#define LOCKLAB_OP_NONBLOCK	(1U << 0)	/* do not wait: EBUSY if taken */
#define LOCKLAB_OP_TIMEOUT	(1U << 1)	/* give up after timeout_ns */
#define LOCKLAB_OP_SECTION	(1U << 2)	/* run the section once taken */

/* Locks one thread may hold across calls at once (beyond: ENOLCK). */
#define LOCKLAB_MAX_HOLDS	64

/**
 * struct locklab_op - one operation on a lock-like object (LOCKLAB_IOC_OP)
 * @size: sizeof(struct locklab_op)
 * @flags: LOCKLAB_OP_* flags
 * @op: enum locklab_op_code
 * @hold_ns: busy time inside the checked section (HOLD ops, or with
 *	LOCKLAB_OP_SECTION), at most the max_hold_ns module parameter
 * @timeout_ns: with LOCKLAB_OP_TIMEOUT: longest wait
 * @wait_ns: out: time spent waiting before the operation succeeded
 * @retries: out, SEQ_READ: copies thrown away because a writer got in
 *	(0 when the first copy was consistent); 0 for other ops
 * @value: out, SEQ_WRITE: the number of the write section (1 for the
 *	object's first); SEQ_READ: the number of the write section whose
 *	payload the accepted copy holds (0: none yet); 0 for other ops
 *
 * Waits are interruptible: a signal ends them with EINTR, a timeout with
 * ETIMEDOUT, and nothing is held then (except by WAIT, below).
 * LOCKLAB_OP_NONBLOCK never sleeps.
 *
 * Holds across calls. LOCK, READ_LOCK and UPGRADABLE_LOCK on locklab's own
 * sleeping locks return with the lock held by the calling thread (not by
 * its process). The hold ends when that thread releases it (UNLOCK,
 * READ_UNLOCK, UPGRADABLE_UNLOCK), or, on the thread's behalf, when the
 * thread exits (also by being killed, or with its process), when the
 * thread closes a descriptor of the object, or when the object's last
 * descriptor is closed. A hold released on a holder's behalf is an owner
 * death: the first thread to take the lock after it (and only that one)
 * gets EOWNERDEAD with the lock, as with a robust mutex. Another thread
 * closing a descriptor does not end a live thread's hold.
 *
 * Condition variables (WAIT) follow pthread_cond_wait(): the caller holds
 * the condvar's mutex; WAIT releases it, sleeps until notified (or a
 * signal, or the timeout), and takes the mutex again before it returns,
 * whatever it returns: 0, EINTR, ETIMEDOUT, or EOWNERDEAD when the mutex's
 * previous holder died. Retaking the mutex waits without a timeout and
 * only a fatal signal ends it (the thread then never returns). Only EPERM
 * (the caller did not hold the mutex), EINVAL and EBADF (the mutex
 * object's last descriptor was closed meanwhile: the mutex is not held)
 * return without it.
 *
 * Errors beside the general ones and EINTR/ETIMEDOUT:
 *
 *  - EINVAL: the op does not apply to this kind or variant, or a flag does
 *    not apply to the op (LOCKLAB_OP_TIMEOUT on a spin lock, NONBLOCK on a
 *    condvar), or @hold_ns is above max_hold_ns;
 *  - EBUSY: LOCKLAB_OP_NONBLOCK and the lock is taken (UPGRADE: other
 *    readers still hold it, and the upgradable hold stays; SEQ_READ: a
 *    writer got in during the one attempt);
 *  - EPERM: release (or DOWNGRADE, UPGRADE, WAIT) of something the calling
 *    thread does not hold in that mode;
 *  - EDEADLK: the calling thread already holds this lock;
 *  - ENOLCK: LOCK, READ_LOCK or UPGRADABLE_LOCK while the calling thread
 *    holds LOCKLAB_MAX_HOLDS locks across calls already (lockdep's
 *    MAX_LOCK_DEPTH is of the same order);
 *  - EOVERFLOW: semaphore UP beyond its maximum;
 *  - EOWNERDEAD: the lock was taken, and its previous holder died holding
 *    it (see above): the caller now holds the lock;
 *  - EOPNOTSUPP: a kernel-native or spin variant cannot be held across
 *    calls (the kernel's own locks and every spin lock are taken and
 *    released inside one call: HOLD ops only); LOCK and UNLOCK on a
 *    seqlock (its write section is one SEQ_WRITE call: there is no
 *    write_lock to unlock); NONBLOCK SEQ_WRITE on the kernel's seqlock_t.
 *
 * Seqlocks (%LOCKLAB_KIND_SEQLOCK). The object carries a payload of
 * @seq_words 64-bit words (struct locklab_create). SEQ_WRITE takes the
 * writer lock (spinning, as a spin lock's HOLD does: TIMEOUT is EINVAL;
 * NONBLOCK: EBUSY if another writer is inside, EOPNOTSUPP on the kernel's
 * seqlock_t, which has no trylock), writes the next section number in a
 * per-word pattern across the payload with @hold_ns of busy time between
 * its two halves, and releases. SEQ_READ copies the payload inside a read
 * section (with @hold_ns between the two halves of the copy), retrying
 * until a copy is consistent, and checks in the kernel that the accepted
 * copy is not torn (every word from the same section): a torn accepted
 * copy counts in LOCKLAB_IOC_STATS @violations (only the broken variant
 * has any). The retries end on a signal (EINTR) or the caller's timeout
 * (ETIMEDOUT); NONBLOCK makes one attempt (EBUSY if it had to be thrown
 * away). A wait for a writer to leave is a spin of at most one write
 * section. LOCKLAB_OP_SECTION is EINVAL on both. @acquisitions counts
 * write sections and accepted copies, @contended the copies that needed
 * a retry and the writes that found the writer lock taken, @counter the
 * write sections.
 *
 * The kernel's struct mutex, semaphore and rw_semaphore have no wait that
 * both takes a timeout and ends on any signal, and rw_semaphore has no
 * interruptible write lock: for those waits the baselines poll their
 * trylock between interruptible sleeps of at most a millisecond (so they
 * are not FIFO then).
 */
struct locklab_op {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 hold_ns;
	__aligned_u64 timeout_ns;
	__aligned_u64 wait_ns;
	__aligned_u64 retries;
	__aligned_u64 value;
};

#define LOCKLAB_IOC_OP		_IO(LOCKLAB_TYPE, 0x10)

/**
 * struct locklab_stats - counters of one object (LOCKLAB_IOC_STATS)
 * @size: sizeof(struct locklab_stats)
 * @flags: LOCKLAB_STATS_RESET to zero the counters after reading
 * @kind: out: enum locklab_kind of the object
 * @variant: out: its variant
 * @acquisitions: out: successful lock-like operations (holds, locks, downs)
 * @contended: out: acquisitions that had to wait
 * @waits: out: condvar waits
 * @wakeups: out: notifies and unlocks that may have woken a waiter
 * @timeouts: out: operations that ended with ETIMEDOUT
 * @interrupted: out: operations that ended with EINTR
 * @violations: out: checked sections entered while another was inside
 * @owner_deaths: out: holds released because their holder died
 * @counter: out: the checked section's plain counter
 * @id: out: the object's number in the debugfs view
 *	(/sys/kernel/debug/locklab/objects), unique while the module is loaded
 * @wait_total_ns: out: time contended acquisitions waited, in all
 * @wait_max_ns: out: the longest of those waits
 * @hold_total_ns: out: time the lock was held (HOLD sections, and kept
 *	holds from their LOCK to their release), in all
 * @hold_max_ns: out: the longest hold
 *
 * The debugfs view adds log2 histograms of both times. RESET zeroes the
 * times too.
 */
struct locklab_stats {
	__u32 size;
	__u32 flags;
	__u32 kind;
	__u32 variant;
	__aligned_u64 acquisitions;
	__aligned_u64 contended;
	__aligned_u64 waits;
	__aligned_u64 wakeups;
	__aligned_u64 timeouts;
	__aligned_u64 interrupted;
	__aligned_u64 violations;
	__aligned_u64 owner_deaths;
	__aligned_u64 counter;
	__aligned_u64 id;
	__aligned_u64 wait_total_ns;
	__aligned_u64 wait_max_ns;
	__aligned_u64 hold_total_ns;
	__aligned_u64 hold_max_ns;
};

#define LOCKLAB_STATS_RESET	(1U << 0)

/**
 * enum locklab_arc_op_code - what LOCKLAB_IOC_ARC does on a handle fd
 * @LOCKLAB_ARC_CLONE: strong handle -> a new strong handle (new fd)
 * @LOCKLAB_ARC_DOWNGRADE: strong handle -> a new weak handle (new fd)
 * @LOCKLAB_ARC_UPGRADE: weak handle -> a new strong handle (new fd), or
 *	ENOENT once the last strong handle is gone
 * @LOCKLAB_ARC_GET_MUT: strong handle: 0 if it is the only handle, strong
 *	or weak (exclusive access), EBUSY otherwise
 * @LOCKLAB_ARC_COUNTS: only report the counts
 *
 * Closing a handle's fd drops it (put). Every op reports the counts seen
 * after it. On the kernel variant only CLONE and COUNTS apply
 * (EOPNOTSUPP otherwise); on a weak handle only UPGRADE and COUNTS, on a
 * strong one all but UPGRADE (EINVAL otherwise). UPGRADE: ENOENT once the
 * data is gone. GET_MUT: EBUSY while other handles exist.
 */
enum locklab_arc_op_code {
	LOCKLAB_ARC_CLONE = 1,
	LOCKLAB_ARC_DOWNGRADE = 2,
	LOCKLAB_ARC_UPGRADE = 3,
	LOCKLAB_ARC_GET_MUT = 4,
	LOCKLAB_ARC_COUNTS = 5,
};

/**
 * struct locklab_arc_op - one operation on an Arc handle (LOCKLAB_IOC_ARC)
 * @size: sizeof(struct locklab_arc_op)
 * @flags: LOCKLAB_CREATE_CLOEXEC for the new fd, if any
 * @op: enum locklab_arc_op_code
 * @fd: out: the new handle's fd (CLONE, DOWNGRADE, UPGRADE), else -1
 * @strong: out: strong handles after the op (0: the data is gone)
 * @weak: out: weak handles after the op
 */
struct locklab_arc_op {
	__u32 size;
	__u32 flags;
	__u32 op;
	__s32 fd;
	__aligned_s64 strong;
	__aligned_s64 weak;
};

#define LOCKLAB_IOC_ARC		_IO(LOCKLAB_TYPE, 0x12)

/**
 * enum locklab_chan_op_code - what LOCKLAB_IOC_CHAN does on a channel fd
 * @LOCKLAB_CHAN_SEND: send @len bytes from @buf (this fd's sender)
 * @LOCKLAB_CHAN_RECV: receive into @buf, room @len; @len is set to the
 *	message length (this fd's receiver)
 * @LOCKLAB_CHAN_NEW_SENDER: a new fd holding a new sender endpoint
 * @LOCKLAB_CHAN_NEW_RECEIVER: a new fd holding a new receiver endpoint
 * @LOCKLAB_CHAN_CLOSE_SEND: drop this fd's sender endpoint
 * @LOCKLAB_CHAN_CLOSE_RECV: drop this fd's receiver endpoint
 *
 * The fd LOCKLAB_IOC_CREATE returns holds one sender and one receiver
 * endpoint; closing an fd drops the endpoints it holds. When the last
 * sender endpoint is gone, receivers get what is queued, then EPIPE; when
 * the last receiver endpoint is gone, sends fail with EPIPE (the caller
 * still has its message). Errors beside the general ones:
 *
 *  - EBADF: this fd holds no endpoint of the side the op needs (never
 *    had one, or CLOSE_SEND/CLOSE_RECV dropped it);
 *  - EAGAIN: LOCKLAB_OP_NONBLOCK and the op would wait;
 *  - EPIPE: the other side is gone (receive: and nothing is left);
 *  - EMSGSIZE: send: @len > the channel's largest message; receive: the
 *    next message is longer than @len (it stays queued);
 *  - EBUSY: one-shot channel: a message was already sent;
 *  - ENOSPC: send: a budget of LOCKLAB_IOC_LIMITS (charged to the open
 *    that created the channel and its user; a zero-length message still
 *    costs its header), or the mpsc channel's own cap, is reached.
 *    Receive: the bounce buffer of @len (at most the largest message)
 *    does not fit those budgets, and the receive cannot take a queued
 *    message at once: past the budgets a receive may only take what is
 *    queued, never wait (so a full budget can always be drained), and
 *    only one receive per user at a time;
 *  - EFAULT on receive: the message was taken but could not be copied.
 */
enum locklab_chan_op_code {
	LOCKLAB_CHAN_SEND = 1,
	LOCKLAB_CHAN_RECV = 2,
	LOCKLAB_CHAN_NEW_SENDER = 3,
	LOCKLAB_CHAN_NEW_RECEIVER = 4,
	LOCKLAB_CHAN_CLOSE_SEND = 5,
	LOCKLAB_CHAN_CLOSE_RECV = 6,
};

/* struct locklab_chan_op.flags, besides LOCKLAB_OP_NONBLOCK and _TIMEOUT */
#define LOCKLAB_CHAN_CLOEXEC	(1U << 3)	/* O_CLOEXEC on a new fd */

/**
 * struct locklab_chan_op - one operation on a channel fd (LOCKLAB_IOC_CHAN)
 * @size: sizeof(struct locklab_chan_op)
 * @flags: LOCKLAB_OP_NONBLOCK, LOCKLAB_OP_TIMEOUT, LOCKLAB_CHAN_CLOEXEC
 * @op: enum locklab_chan_op_code
 * @len: SEND: bytes at @buf; RECV: room at @buf in, message length out
 * @buf: user pointer to the message
 * @timeout_ns: with LOCKLAB_OP_TIMEOUT: longest wait
 * @fd: out: the new fd (NEW_SENDER, NEW_RECEIVER), else -1
 * @__reserved: must be 0
 */
struct locklab_chan_op {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 len;
	__aligned_u64 buf;
	__aligned_u64 timeout_ns;
	__s32 fd;
	__u32 __reserved;
};

#define LOCKLAB_IOC_CHAN	_IO(LOCKLAB_TYPE, 0x13)

#define LOCKLAB_IOC_STATS	_IO(LOCKLAB_TYPE, 0x11)

/**
 * struct locklab_limits - budgets of this open (LOCKLAB_IOC_LIMITS)
 * @size: sizeof(struct locklab_limits)
 * @flags: must be 0
 * @objects: out: objects this open of /dev/locklab owns now
 * @max_objects: out: the max_objects module parameter
 * @open_bytes: out: bytes charged to this open: its objects and what they
 *	allocate (hold records, channel state, rings, queued messages)
 * @max_open_bytes: out: the max_open_bytes module parameter
 * @user_bytes: out: bytes charged to the user who opened this file, over
 *	all of that user's opens
 * @max_user_bytes: out: the max_user_bytes module parameter
 *
 * A charge that would pass either limit fails with ENOSPC. Charges are
 * what the allocations cost (slab bucket and allocator bookkeeping), not
 * only the bytes asked for. Only on /dev/locklab itself.
 */
struct locklab_limits {
	__u32 size;
	__u32 flags;
	__u32 objects;
	__u32 max_objects;
	__aligned_u64 open_bytes;
	__aligned_u64 max_open_bytes;
	__aligned_u64 user_bytes;
	__aligned_u64 max_user_bytes;
};

#define LOCKLAB_IOC_LIMITS	_IO(LOCKLAB_TYPE, 0x04)

/**
 * DOC: Experiments (LOCKLAB_IOC_LAB)
 *
 * The book's chapter 7 as runs in the kernel: kernel threads, pinned to
 * different CPUs, repeat one small program and count what they saw.
 *
 * Litmus tests (two threads, every round on fresh variables x and y that
 * start at 0, both threads released together each round). @results[i]
 * counts the rounds that ended in outcome i, where i is built from two
 * bits, r0 (bit 0) and r1 (bit 1):
 *
 *  - %LOCKLAB_LAB_SB, store buffering: T0: x = 1; r0 = y. T1: y = 1;
 *    r1 = x. The outcome 0 (r0 = 0, r1 = 0) needs a store to be passed by
 *    the later load of its own thread.
 *  - %LOCKLAB_LAB_MP, message passing: T0: x = 1 (the data); y = 1 (the
 *    flag). T1: r0 = y; r1 = x. The outcome 1 (flag seen, data not) needs
 *    the two stores or the two loads reordered.
 *  - %LOCKLAB_LAB_LB, load buffering: T0: r0 = x; y = 1. T1: r1 = y;
 *    x = 1. The outcome 3 (both loads see the other thread's store) needs
 *    a load to be passed by the later store of its own thread.
 *  - %LOCKLAB_LAB_2P2W, two writes each: T0: x = 1; y = 2. T1: y = 1;
 *    x = 2. r0 is x == 2 and r1 is y == 2 after the round: the outcome 0
 *    (x = 1, y = 1: both first stores came last) needs a thread's two
 *    stores to reach memory in the other order.
 *
 * @variant chooses how each thread orders its two accesses (enum
 * locklab_lab_ordering); %LOCKLAB_LAB_RWMB applies to MP and 2+2W only.
 * On return @forbidden has bit i set for each outcome i that the Linux
 * kernel memory model (tools/memory-model) forbids under that ordering,
 * and @arch_forbidden for each one the CPU architecture the kernel runs
 * on forbids (x86-64: TSO; arm64: the Armv8 model; other architectures:
 * the kernel model's answer). A count in a @forbidden outcome is a failure
 * of the CPU, of the emulator or of locklab; the run still returns 0.
 *
 * %LOCKLAB_LAB_CLOBBER: @threads threads each take a hand-written
 * xchg spin lock @rounds times and increment a plain counter under it,
 * first with the lock's asm carrying the "memory" clobber, then without
 * it (deliberately broken: the compiler may keep the counter in a
 * register across the lock). @results: [0] increments made, [1] the
 * counter with the clobber, [2] the counter without it, [3] and [4] the
 * nanoseconds of each half. x86-64 and arm64 only.
 *
 * Cache effects, two configurations timed in one run, interleaved in four
 * slices each (@rounds operations per thread per configuration):
 *
 *  - %LOCKLAB_LAB_FALSE_SHARING: two threads increment a counter each;
 *    [0] ns with both counters in one cache line, [1] ns with them 128
 *    bytes apart.
 *  - %LOCKLAB_LAB_CMPXCHG: two threads on one shared word; [0] ns of
 *    compare-and-exchanges that always fail, [1] ns of ones that always
 *    succeed (storing the value they found), [2] ns of plain loads.
 *  - %LOCKLAB_LAB_TTAS: @threads threads take one spin lock @rounds times
 *    each; [0] ns spinning on the swap (TAS), [1] ns spinning on a load
 *    first (TTAS), [2] and [3] the swaps each issued in all, [4] the
 *    critical sections counted under the lock in both (2 x @threads x
 *    @rounds: fewer would be a lost update).
 *  - %LOCKLAB_LAB_HANDOFF (ABI 1.3): two threads, four configurations: [0] ns of
 *    @rounds round trips of a ball passed between them (a RELEASE store
 *    read by an ACQUIRE load), waiting with the CPU's relax instruction
 *    (pause, yield), [1] the same waiting without it, [2] ns of @rounds
 *    sections each under the kernel's spinlock_t, [3] under locklab's
 *    ticket lock, [4] and [5] the sections of [2] and [3] that followed
 *    one of the other thread (hand-overs), [6] the sections counted in
 *    [2] and [3] together (4 x @rounds: fewer would be a lost update).
 */
enum locklab_lab_experiment {
	LOCKLAB_LAB_SB = 1,
	LOCKLAB_LAB_MP = 2,
	LOCKLAB_LAB_LB = 3,
	LOCKLAB_LAB_2P2W = 4,
	LOCKLAB_LAB_CLOBBER = 16,
	LOCKLAB_LAB_FALSE_SHARING = 32,
	LOCKLAB_LAB_CMPXCHG = 33,
	LOCKLAB_LAB_TTAS = 34,
	LOCKLAB_LAB_HANDOFF = 35,
};

/**
 * enum locklab_lab_ordering - how a litmus thread orders its two accesses
 * @LOCKLAB_LAB_RELAXED: READ_ONCE() and WRITE_ONCE() only
 * @LOCKLAB_LAB_ACQREL: smp_store_release() and smp_load_acquire() (MP and
 *	2+2W: on the second store and the first load only)
 * @LOCKLAB_LAB_LAB_ACQREL: the same with locklab's own
 *	lab_atomic_set_release() and lab_atomic_read_acquire()
 * @LOCKLAB_LAB_LAB_MB: relaxed accesses with locklab's full fence, lab_mb()
 *	(the hand-written mfence or dmb ish), between them
 * @LOCKLAB_LAB_SMP_MB: relaxed accesses with smp_mb() between them
 * @LOCKLAB_LAB_RWMB: smp_wmb() between two stores, smp_rmb() between two
 *	loads (MP and 2+2W only)
 */
enum locklab_lab_ordering {
	LOCKLAB_LAB_RELAXED = 1,
	LOCKLAB_LAB_ACQREL = 2,
	LOCKLAB_LAB_LAB_ACQREL = 3,
	LOCKLAB_LAB_LAB_MB = 4,
	LOCKLAB_LAB_SMP_MB = 5,
	LOCKLAB_LAB_RWMB = 6,
};

#define LOCKLAB_LAB_MAX_ROUNDS		1000000000ULL
#define LOCKLAB_LAB_MAX_THREADS		8
#define LOCKLAB_LAB_RESULTS		8

/**
 * struct locklab_lab - run one experiment (LOCKLAB_IOC_LAB on /dev/locklab)
 * @size: sizeof(struct locklab_lab)
 * @flags: must be 0
 * @experiment: in: enum locklab_lab_experiment
 * @variant: in: litmus tests: enum locklab_lab_ordering; other
 *	experiments: 0
 * @rounds: in: rounds (litmus tests) or operations per thread, 1 ..
 *	LOCKLAB_LAB_MAX_ROUNDS, or 0 for the experiment's default; out: the
 *	number run
 * @threads: in: 0 for 2; litmus, FALSE_SHARING, CMPXCHG and HANDOFF take
 *	exactly 2, CLOBBER and TTAS 2 .. LOCKLAB_LAB_MAX_THREADS; never more
 *	than the online CPUs (each thread has a CPU of its own); out: the
 *	number run
 * @nr_results: out: how many entries of @results the experiment fills
 * @forbidden: out, litmus tests: outcomes the kernel memory model forbids
 * @arch_forbidden: out, litmus tests: outcomes this CPU architecture forbids
 * @elapsed_ns: out: wall time of the whole run
 * @results: out: counts or nanoseconds, per experiment (see above)
 * @__reserved: must be 0
 *
 * One run goes at a time, module-wide, shared with LOCKLAB_IOC_BENCH: a
 * second caller waits (interruptibly) for the first. A run lasts at most
 * the lab_max_ms module parameter.
 *
 * Errors beside the general ones:
 *
 *  - EINVAL: an unknown experiment; an ordering the experiment does not
 *    take (%LOCKLAB_LAB_RWMB on SB or LB; any non-zero @variant on the
 *    other experiments); @rounds above LOCKLAB_LAB_MAX_ROUNDS; a @threads
 *    count the experiment does not take, or more than the online CPUs;
 *    a non-zero @flags or @__reserved;
 *  - EOPNOTSUPP: %LOCKLAB_LAB_CLOBBER on an architecture without its
 *    hand-written lock (neither x86-64 nor arm64);
 *  - EINTR: a signal ended the wait for an earlier run, or this run: the
 *    call returns at once and the threads stop by themselves, as with
 *    LOCKLAB_IOC_BENCH;
 *  - ETIMEDOUT: the run did not finish within lab_max_ms.
 */
struct locklab_lab {
	__u32 size;
	__u32 flags;
	__u32 experiment;
	__u32 variant;
	__aligned_u64 rounds;
	__u32 threads;
	__u32 nr_results;
	__u32 forbidden;
	__u32 arch_forbidden;
	__aligned_u64 elapsed_ns;
	__aligned_u64 results[LOCKLAB_LAB_RESULTS];
	__aligned_u64 __reserved;
};

#define LOCKLAB_IOC_LAB		_IO(LOCKLAB_TYPE, 0x05)

#endif /* _UAPI_LINUX_LOCKLAB_H */
