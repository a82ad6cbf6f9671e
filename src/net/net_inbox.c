/* SPDX-License-Identifier: MIT */
/*
 * A multi-producer, single-consumer post queue into a libuv loop (struct net_inbox), and the
 * batching of wake-ups per loop iteration (net_batch_*).
 *
 * Producers push on a Treiber stack (one CAS); the consumer takes the whole stack with one
 * exchange and runs it in posting order. Only the push that found the stack empty wakes the
 * consumer, through an eventfd watched by a uv_poll_t. libuv 1.44's uv_async_send is not used:
 * its receiver busy-waits (uv__async_spin: up to 997 pause loops, then sched_yield) whenever it
 * runs between the sender's two atomic steps, which on one core happens on most wake-ups.
 *
 * Batching: a thread that runs a loop with net_batch_install() does not write the eventfd at
 * once when it posts from inside a loop callback; it notes the inbox and writes once, before its
 * loop blocks again (uv_prepare) or right after it handled its ready I/O (uv_check). A burst of
 * requests read in one iteration becomes one wake-up of the executor, and a batch of responses
 * one wake-up of the I/O loop. A noted inbox keeps a poster reference until the write, so
 * net_inbox_close() waits for it. A thread whose callbacks may run long (a JS executor) calls
 * net_batch_flush_older() between them, so a noted wake-up waits at most that age plus one
 * callback.
 *
 * Closing swaps in a CLOSED marker; a producer that sees it keeps its item.
 * Thread contract: see net.h.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/clk.h"
#include "base/diag.h"
#include "base/mem.h"
#include "base/rc.h"
#include "net/net.h"

/* The address of this object marks a closed inbox. */
static struct net_post closed_marker;

#define CLOSED (&closed_marker)

/* Wake-ups noted by this thread, written at the end of its loop iteration. */
#define BATCH_MAX 32

struct net_batch {
    uv_prepare_t prepare;
    uv_check_t check;
    int open_handles;      /* freed when both handles closed (libuv runs close callbacks LIFO) */
    int64_t first_note_ns; /* when noted[0] was noted */
    size_t n;
    struct net_inbox *noted[BATCH_MAX];
};

static _Thread_local struct net_batch *tl_batch;

static void wake(struct net_inbox *q)
{
    uint64_t one = 1;
    for (;;) {
        ssize_t n = write(q->efd, &one, sizeof(one));
        if (n == (ssize_t)sizeof(one) || (n < 0 && errno == EAGAIN)) {
            return; /* EAGAIN: the counter is saturated, the consumer is awake anyway */
        }
        ASSERT(n < 0 && errno == EINTR);
    }
}

static void run_list(struct net_post *list)
{
    /* The stack is newest first: reverse into posting order. */
    struct net_post *fifo = NULL;
    while (list != NULL) {
        struct net_post *next = list->next;
        list->next = fifo;
        fifo = list;
        list = next;
    }
    while (fifo != NULL) {
        struct net_post *next = fifo->next;
        fifo->next = NULL;
        fifo->fn(fifo);
        fifo = next;
    }
}

static void drain(struct net_inbox *q)
{
    struct net_post *list = atomic_exchange(&q->head, NULL);
    if (list == CLOSED) {
        atomic_store(&q->head, CLOSED); /* closed meanwhile: cannot happen (consumer closes) */
        return;
    }
    if (list == NULL) {
        return;
    }
    if (q->on_batch_start != NULL) {
        q->on_batch_start(q, q->arg);
    }
    run_list(list);
    if (q->on_batch_end != NULL) {
        q->on_batch_end(q, q->arg);
    }
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    struct net_inbox *q = h->data;
    uint64_t count;
    ssize_t n = read(q->efd, &count, sizeof(count)); /* reset; EAGAIN: spurious wake-up */
    (void)n;
    drain(q);
}

int net_inbox_init(struct net_inbox *q, uv_loop_t *loop, net_inbox_fn *on_batch_start,
                   net_inbox_fn *on_batch_end, void *arg, struct diag *d)
{
    atomic_init(&q->head, NULL);
    atomic_init(&q->posters, 0);
    q->on_batch_start = on_batch_start;
    q->on_batch_end = on_batch_end;
    q->arg = arg;
    q->closed = false;
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0) {
        return diag_set(d, RC_IO, "eventfd: %s", uv_strerror(uv_translate_sys_error(errno)));
    }
    int e = uv_poll_init(loop, &q->poll, q->efd);
    if (e != 0) {
        (void)close(q->efd);
        q->efd = -1;
        return diag_set(d, RC_IO, "uv_poll_init: %s", uv_strerror(e));
    }
    q->poll.data = q;
    e = uv_poll_start(&q->poll, UV_READABLE, on_readable);
    ASSERT(e == 0);
    return RC_OK;
}

/* Note a wake-up of q for the end of this thread's loop iteration, taking over the caller's
 * poster reference. False when this thread batches nothing or its batch is full. */
static bool note_wake(struct net_inbox *q)
{
    struct net_batch *b = tl_batch;
    if (b == NULL || b->n == BATCH_MAX) {
        return false;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->noted[i] == q) {
            atomic_fetch_sub(&q->posters, 1); /* already noted: that reference stays */
            return true;
        }
    }
    if (b->n == 0) {
        b->first_note_ns = clk_mono_ns();
    }
    b->noted[b->n++] = q;
    return true;
}

bool net_inbox_post(struct net_inbox *q, struct net_post *item)
{
    atomic_fetch_add(&q->posters, 1);
    struct net_post *old = atomic_load(&q->head);
    for (;;) {
        if (old == CLOSED) {
            atomic_fetch_sub(&q->posters, 1);
            return false;
        }
        item->next = old;
        if (atomic_compare_exchange_weak(&q->head, &old, item)) {
            break;
        }
    }
    if (old == NULL) {
        if (note_wake(q)) {
            return true;
        }
        wake(q);
    }
    atomic_fetch_sub(&q->posters, 1);
    return true;
}

static void close_fd(uv_handle_t *h)
{
    struct net_inbox *q = h->data;
    (void)close(q->efd);
    q->efd = -1;
}

void net_inbox_close(struct net_inbox *q)
{
    if (q->closed) {
        return;
    }
    q->closed = true;
    /* Our own noted wake-ups first: the thread we wait for may be waiting for them. */
    net_batch_flush();
    struct net_post *list = atomic_exchange(&q->head, CLOSED);
    /* A producer that pushed before the marker may still be about to wake us (or hold a noted
     * wake-up until its loop iteration ends): wait for it. */
    while (atomic_load(&q->posters) > 0) {
        uv_sleep(0);
    }
    if (list != NULL && list != CLOSED) {
        if (q->on_batch_start != NULL) {
            q->on_batch_start(q, q->arg);
        }
        run_list(list);
        if (q->on_batch_end != NULL) {
            q->on_batch_end(q, q->arg);
        }
    }
    uv_poll_stop(&q->poll);
    uv_close((uv_handle_t *)&q->poll, close_fd);
}

void net_inbox_abandon(struct net_inbox *q)
{
    if (q->closed) {
        return;
    }
    q->closed = true;
    atomic_store(&q->head, CLOSED);
    uv_close((uv_handle_t *)&q->poll, close_fd);
}

/* ------------------------------------------------------------------ batching */

void net_batch_flush(void)
{
    struct net_batch *b = tl_batch;
    if (b == NULL) {
        return;
    }
    /* A wake-up may run code that posts again (not on this thread today): take the list. */
    while (b->n > 0) {
        struct net_inbox *q = b->noted[--b->n];
        wake(q);
        atomic_fetch_sub(&q->posters, 1);
    }
}

void net_batch_flush_older(int64_t max_age_ns)
{
    struct net_batch *b = tl_batch;
    if (b != NULL && b->n > 0 && clk_mono_ns() - b->first_note_ns >= max_age_ns) {
        net_batch_flush();
    }
}

static void on_prepare(uv_prepare_t *h)
{
    (void)h;
    net_batch_flush();
}

static void on_check(uv_check_t *h)
{
    (void)h;
    net_batch_flush();
}

void net_batch_install(uv_loop_t *loop)
{
    ASSERT(tl_batch == NULL);
    struct net_batch *b = mem_calloc(1, sizeof(*b));
    ASSERT(uv_prepare_init(loop, &b->prepare) == 0);
    ASSERT(uv_check_init(loop, &b->check) == 0);
    ASSERT(uv_prepare_start(&b->prepare, on_prepare) == 0);
    ASSERT(uv_check_start(&b->check, on_check) == 0);
    /* The batch must not keep the loop alive on its own. */
    uv_unref((uv_handle_t *)&b->prepare);
    uv_unref((uv_handle_t *)&b->check);
    tl_batch = b;
}

static void batch_closed(uv_handle_t *h)
{
    struct net_batch *b = h->data;
    if (--b->open_handles == 0) {
        mem_free(b);
    }
}

void net_batch_uninstall(void)
{
    struct net_batch *b = tl_batch;
    if (b == NULL) {
        return;
    }
    net_batch_flush();
    tl_batch = NULL;
    b->prepare.data = b;
    b->check.data = b;
    b->open_handles = 2;
    uv_close((uv_handle_t *)&b->prepare, batch_closed);
    uv_close((uv_handle_t *)&b->check, batch_closed);
}
