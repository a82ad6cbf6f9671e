/* SPDX-License-Identifier: MIT */
/*
 * libuv glue: I/O loops on their own threads, cheap cross-thread posts into a loop, and
 * SO_REUSEPORT listening sockets (libuv 1.44 has no reuseport flag).
 *
 * A post is an intrusive node (struct net_post) embedded in the caller's object: posting never
 * allocates. Producers push onto a lock-free stack; only a push onto an empty stack sends a
 * uv_async wake-up, and the loop drains the whole stack per wake-up (in posting order), then
 * calls the batch hook once (the HTTP server flushes its connections there).
 *
 * Thread contract: per function. "loop thread" = the thread running the loop.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/defs.h"

struct diag;
struct net_loop;
struct net_post;

typedef void net_post_fn(struct net_post *item);
typedef void net_loop_fn(struct net_loop *l, void *arg);

/* Embed in the object to post; fn runs on the loop thread with the node. */
struct net_post {
    struct net_post *next; /* private */
    net_post_fn *fn;
};

/* ------------------------------------------------------------------ inboxes */

struct net_inbox;
typedef void net_inbox_fn(struct net_inbox *q, void *arg);

/* A multi-producer, single-consumer queue of posts into a libuv loop, woken through an
 * eventfd (net_inbox.c explains why not uv_async). Embed it; fields are private. */
struct net_inbox {
    _Atomic(struct net_post *) head;
    atomic_int posters;
    int efd;
    uv_poll_t poll;
    bool closed;
    net_inbox_fn *on_batch_start;
    net_inbox_fn *on_batch_end;
    void *arg;
};

/*
 * Watch q on loop: each drained batch runs on_batch_start(q, arg) (may be NULL), every post's
 * fn in posting order, then on_batch_end(q, arg) (may be NULL). RC_OK or RC_IO. Loop thread
 * (or before the loop's thread starts).
 */
WARN_UNUSED int net_inbox_init(struct net_inbox *q, uv_loop_t *loop, net_inbox_fn *on_batch_start,
                               net_inbox_fn *on_batch_end, void *arg, struct diag *d);

/* Post item. Any thread. True when item will run on the consumer's loop; false when the inbox
 * is closed (the caller then disposes of item itself). */
WARN_UNUSED bool net_inbox_post(struct net_inbox *q, struct net_post *item);

/* Stop accepting posts, run what was already posted (one last batch), close the eventfd's
 * handle. Loop thread. Idempotent. */
void net_inbox_close(struct net_inbox *q);

/* Close an inbox whose loop never ran a post (nothing was posted): no batch runs. Loop thread. */
void net_inbox_abandon(struct net_inbox *q);

/*
 * Batch this thread's wake-ups: posts made on this thread (the one running loop) wake their
 * inbox once per loop iteration, before the loop blocks, instead of at each post. Uninstall
 * before the loop ends (it closes two handles). Loop thread.
 */
void net_batch_install(uv_loop_t *loop);
void net_batch_uninstall(void);
/* Write this thread's noted wake-ups now (no-op without a batch). */
void net_batch_flush(void);
/* Write them now if the oldest was noted max_age_ns or more ago (one monotonic clock read). */
void net_batch_flush_older(int64_t max_age_ns);

/* ------------------------------------------------------------------ loops */

/* Return an owned loop (not started); free with net_loop_free(). Any thread. */
struct net_loop *net_loop_new(void);

/* The libuv loop: use it on the loop thread only (or before start). */
uv_loop_t *net_loop_uv(struct net_loop *l);

/* Call on_batch_end(l, arg) on the loop thread after each drained batch of posts. Before
 * start only. */
void net_loop_set_batch_hook(struct net_loop *l, net_loop_fn *on_batch_end, void *arg);

/*
 * Start the loop's thread: it calls on_start(l, arg) on the loop thread, then runs the loop
 * until no handle is left (after net_loop_close_posts() and the owner closing its handles).
 * RC_OK or RC_IO (d says why). Owner thread.
 */
WARN_UNUSED int net_loop_start(struct net_loop *l, net_loop_fn *on_start, void *arg,
                               struct diag *d);

/*
 * Post item to the loop. Any thread. Returns true when item will run on the loop thread;
 * false when the loop no longer accepts posts (closed): the caller then disposes of item itself.
 */
WARN_UNUSED bool net_loop_post(struct net_loop *l, struct net_post *item);

/* Stop accepting posts: runs what was already posted, then closes the wake-up handle so the
 * loop can end. Loop thread. */
void net_loop_close_posts(struct net_loop *l);

/* True when called on l's loop thread. Any thread. */
bool net_loop_is_current(const struct net_loop *l);

/* Wait for the loop's thread to end (after its loop ran out of handles). Owner thread. */
void net_loop_join(struct net_loop *l);

/* Free a joined (or never started) loop. NULL is a no-op. Owner thread. */
void net_loop_free(struct net_loop *l);

/*
 * Create count listening TCP sockets on host:port with SO_REUSEPORT (port 0: the first picks
 * a free port, the others bind to it). *out_port gets the bound port; out_fds[0..count-1] get
 * the non-blocking sockets, already listening (uv_tcp_open + uv_listen them on their loops). RC_OK
 * or RC_IO (d says why; no fd is left open). Any thread.
 */
WARN_UNUSED int net_listen_reuseport(const char *host, int port, size_t count, int *out_fds,
                                     int *out_port, struct diag *d);

/* Format the peer address of tcp as text ("127.0.0.1", "::1") into out (>= 48 bytes);
 * returns the length (0 when unknown). Loop thread. */
size_t net_peer_ip(const uv_tcp_t *tcp, char *out, size_t cap);
