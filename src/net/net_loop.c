/* SPDX-License-Identifier: MIT */
/*
 * An I/O loop on its own thread with a lock-free multi-producer post queue (struct net_inbox,
 * net_inbox.c). The loop's thread batches its own wake-ups of other inboxes per iteration
 * (net_batch_install). Thread contract: see net.h.
 */
#include <string.h>

#include "base/diag.h"
#include "base/mem.h"
#include "base/rc.h"
#include "net/net.h"

struct net_loop {
    uv_loop_t uv;
    struct net_inbox inbox;
    uv_thread_t thread;
    bool started;
    net_loop_fn *on_start;
    void *start_arg;
    net_loop_fn *on_batch_end;
    void *batch_arg;
};

static _Thread_local const struct net_loop *current_loop;

static void run_batch_hook(struct net_inbox *q, void *arg)
{
    struct net_loop *l = arg;
    if (l->on_batch_end != NULL) {
        l->on_batch_end(l, l->batch_arg);
    }
}

struct net_loop *net_loop_new(void)
{
    struct net_loop *l = mem_calloc(1, sizeof(*l));
    ASSERT(uv_loop_init(&l->uv) == 0);
    struct diag d;
    int rc = net_inbox_init(&l->inbox, &l->uv, NULL, run_batch_hook, l, &d);
    ASSERT(rc == RC_OK); /* only when the process is out of file descriptors */
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
    net_batch_install(&l->uv);
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
    return net_inbox_post(&l->inbox, item);
}

void net_loop_close_posts(struct net_loop *l)
{
    net_batch_uninstall();
    net_inbox_close(&l->inbox);
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
    net_inbox_abandon(&l->inbox); /* never started (no-op once closed) */
    uv_run(&l->uv, UV_RUN_NOWAIT);
    ASSERT(uv_loop_close(&l->uv) == 0);
    mem_free(l);
}
