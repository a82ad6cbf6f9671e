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

#include <stdbool.h>
#include <stddef.h>

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
