/* SPDX-License-Identifier: MIT */
/*
 * An I/O loop on its own thread with a lock-free multi-producer post queue. Producers push on a
 * Treiber stack (one CAS); the consumer takes the whole stack with one exchange, reverses it
 * into posting order and runs it. A wake-up (uv_async_send) is sent only by the push that
 * found the stack empty. Closing swaps in a CLOSED marker; a producer that sees it keeps its
 * item. The posters counter makes sure no producer is inside uv_async_send when the handle
 * closes. Thread contract: see net.h.
 */
#include <stdatomic.h>
#include <string.h>

#include "base/diag.h"
#include "base/mem.h"
#include "base/rc.h"
#include "net/net.h"

struct net_loop {
    uv_loop_t uv;
    uv_async_t wake;
    uv_thread_t thread;
    bool started;
    bool posts_closed;
    _Atomic(struct net_post *) head;
    atomic_int posters;
    net_loop_fn *on_start;
    void *start_arg;
    net_loop_fn *on_batch_end;
    void *batch_arg;
};

/* The address of this object marks a closed queue. */
static struct net_post closed_marker;

#define CLOSED (&closed_marker)

static _Thread_local const struct net_loop *current_loop;

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

static void on_wake(uv_async_t *h)
{
    struct net_loop *l = h->data;
    struct net_post *list = atomic_exchange(&l->head, NULL);
    if (list == CLOSED) {
        /* Closed meanwhile (cannot happen: close runs on this thread); put it back. */
        atomic_store(&l->head, CLOSED);
        return;
    }
    run_list(list);
    if (l->on_batch_end != NULL) {
        l->on_batch_end(l, l->batch_arg);
    }
}

struct net_loop *net_loop_new(void)
{
    struct net_loop *l = mem_calloc(1, sizeof(*l));
    ASSERT(uv_loop_init(&l->uv) == 0);
    ASSERT(uv_async_init(&l->uv, &l->wake, on_wake) == 0);
    l->wake.data = l;
    atomic_init(&l->head, NULL);
    atomic_init(&l->posters, 0);
    return l;
}

uv_loop_t *net_loop_uv(struct net_loop *l)
{
    return &l->uv;
}

void net_loop_set_batch_hook(struct net_loop *l, net_loop_fn *on_batch_end, void *arg)
{
    l->on_batch_end = on_batch_end;
    l->batch_arg = arg;
}

static void thread_main(void *arg)
{
    struct net_loop *l = arg;
    current_loop = l;
    if (l->on_start != NULL) {
        l->on_start(l, l->start_arg);
    }
    uv_run(&l->uv, UV_RUN_DEFAULT);
    current_loop = NULL;
}

int net_loop_start(struct net_loop *l, net_loop_fn *on_start, void *arg, struct diag *d)
{
    l->on_start = on_start;
    l->start_arg = arg;
    int e = uv_thread_create(&l->thread, thread_main, l);
    if (e != 0) {
        return diag_set(d, RC_IO, "cannot start an I/O thread: %s", uv_strerror(e));
    }
    l->started = true;
    return RC_OK;
}

bool net_loop_post(struct net_loop *l, struct net_post *item)
{
    atomic_fetch_add(&l->posters, 1);
    struct net_post *old = atomic_load(&l->head);
    for (;;) {
        if (old == CLOSED) {
            atomic_fetch_sub(&l->posters, 1);
            return false;
        }
        item->next = old;
        if (atomic_compare_exchange_weak(&l->head, &old, item)) {
            break;
        }
    }
    if (old == NULL) {
        uv_async_send(&l->wake);
    }
    atomic_fetch_sub(&l->posters, 1);
    return true;
}

void net_loop_close_posts(struct net_loop *l)
{
    if (l->posts_closed) {
        return;
    }
    l->posts_closed = true;
    struct net_post *list = atomic_exchange(&l->head, CLOSED);
    /* A producer that pushed before the marker may still be about to wake us: wait for it. */
    while (atomic_load(&l->posters) > 0) {
        uv_sleep(0);
    }
    if (list != NULL && list != CLOSED) {
        run_list(list);
        if (l->on_batch_end != NULL) {
            l->on_batch_end(l, l->batch_arg);
        }
    }
    uv_close((uv_handle_t *)&l->wake, NULL);
}

bool net_loop_is_current(const struct net_loop *l)
{
    return current_loop == l;
}

void net_loop_join(struct net_loop *l)
{
    if (l->started) {
        uv_thread_join(&l->thread);
        l->started = false;
    }
}

void net_loop_free(struct net_loop *l)
{
    if (l == NULL) {
        return;
    }
    ASSERT(!l->started);
    if (!l->posts_closed) {
        /* Never started: close the wake-up handle here. */
        atomic_store(&l->head, CLOSED);
        l->posts_closed = true;
        uv_close((uv_handle_t *)&l->wake, NULL);
    }
    uv_run(&l->uv, UV_RUN_NOWAIT);
    ASSERT(uv_loop_close(&l->uv) == 0);
    mem_free(l);
}
