/* SPDX-License-Identifier: MIT */
/* Unit tests for net/: cross-thread posts (order, batching, closed loops) and listeners. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/mem.h"
#include "harness.h"
#include "net/net.h"

#define PRODUCERS    4
#define PER_PRODUCER 20000

struct item {
    struct net_post post;
    int producer;
    int seq;
};

static int last_seq[PRODUCERS];
static atomic_int received;
static atomic_int batches;
static atomic_bool order_ok = true;
static atomic_bool on_loop_thread = true;
static struct net_loop *the_loop;

static void on_item(struct net_post *p)
{
    struct item *it = CONTAINER_OF(p, struct item, post);
    if (!net_loop_is_current(the_loop)) {
        atomic_store(&on_loop_thread, false);
    }
    /* per-producer order is kept */
    if (it->seq != last_seq[it->producer] + 1) {
        atomic_store(&order_ok, false);
    }
    last_seq[it->producer] = it->seq;
    mem_free(it);
    atomic_fetch_add(&received, 1);
}

static void on_batch(struct net_loop *l, void *arg)
{
    (void)l;
    (void)arg;
    atomic_fetch_add(&batches, 1);
}

static int producer_ids[PRODUCERS];

static void *producer(void *arg)
{
    int id = *(const int *)arg;
    for (int i = 1; i <= PER_PRODUCER; i++) {
        struct item *it = mem_alloc(sizeof(*it));
        it->post.fn = on_item;
        it->producer = id;
        it->seq = i;
        ASSERT_TRUE(net_loop_post(the_loop, &it->post));
    }
    return NULL;
}

static void on_close_post(struct net_post *p)
{
    net_loop_close_posts(the_loop);
    mem_free(p);
}

TEST(net_posts_from_many_threads_in_order_and_batched)
{
    the_loop = net_loop_new();
    net_loop_set_batch_hook(the_loop, on_batch, NULL);
    struct diag d;
    ASSERT_OK(net_loop_start(the_loop, NULL, NULL, &d));
    ASSERT_FALSE(net_loop_is_current(the_loop));
    pthread_t t[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        producer_ids[i] = i;
        ASSERT_EQ_INT(pthread_create(&t[i], NULL, producer, &producer_ids[i]), 0);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(t[i], NULL);
    }
    /* the close post runs after everything posted before it */
    struct net_post *close_item = mem_alloc(sizeof(*close_item));
    close_item->fn = on_close_post;
    ASSERT_TRUE(net_loop_post(the_loop, close_item));
    net_loop_join(the_loop);
    ASSERT_EQ_INT(atomic_load(&received), PRODUCERS * PER_PRODUCER);
    ASSERT_TRUE(atomic_load(&order_ok));
    ASSERT_TRUE(atomic_load(&on_loop_thread));
    /* wake-ups are coalesced: far fewer batches than items */
    ASSERT_TRUE(atomic_load(&batches) < PRODUCERS * PER_PRODUCER);
    /* a closed loop refuses posts: the caller keeps the item */
    struct net_post late = { .fn = on_item };
    ASSERT_FALSE(net_loop_post(the_loop, &late));
    net_loop_free(the_loop);
}

/* ---- batched wake-ups between two loops: A posts into B from inside A's callbacks */

#define BURST 1000

static struct net_loop *loop_a;
static struct net_loop *loop_b;
static atomic_int b_received;
static atomic_int b_batches;
static struct item burst_items[BURST];

static void on_b_item(struct net_post *p)
{
    (void)p;
    atomic_fetch_add(&b_received, 1);
}

static void on_b_batch(struct net_loop *l, void *arg)
{
    (void)l;
    (void)arg;
    atomic_fetch_add(&b_batches, 1);
}

static void wait_b(int n)
{
    for (int i = 0; i < 100000 && atomic_load(&b_received) < n; i++) {
        usleep(100);
    }
}

static void on_a_burst(struct net_post *p)
{
    /* Posted from A's loop thread: B is woken once, when A's iteration ends. */
    for (int i = 0; i < BURST; i++) {
        burst_items[i].post.fn = on_b_item;
        ASSERT_TRUE(net_loop_post(loop_b, &burst_items[i].post));
    }
    mem_free(p);
}

static struct net_post flush_probe = { .fn = on_b_item };
static atomic_int flushed_early = -1;
static atomic_int flushed_late = -1;

static void on_a_flush_older(struct net_post *p)
{
    ASSERT_TRUE(net_loop_post(loop_b, &flush_probe));
    /* Noted just now: not older than an hour, so nothing is written and idle B cannot see it. */
    net_batch_flush_older((int64_t)3600 * 1000000000);
    usleep(20000);
    atomic_store(&flushed_early, atomic_load(&b_received));
    net_batch_flush_older(0); /* written now, before this callback returns */
    wait_b(BURST + 1);
    atomic_store(&flushed_late, atomic_load(&b_received));
    mem_free(p);
}

static void on_a_close(struct net_post *p)
{
    net_loop_close_posts(loop_a);
    mem_free(p);
}

static void on_b_close(struct net_post *p)
{
    net_loop_close_posts(loop_b);
    mem_free(p);
}

static void post_new(struct net_loop *l, net_post_fn *fn)
{
    struct net_post *p = mem_alloc(sizeof(*p));
    p->fn = fn;
    ASSERT_TRUE(net_loop_post(l, p));
}

TEST(net_posts_from_a_loop_thread_wake_once_per_iteration)
{
    loop_a = net_loop_new();
    loop_b = net_loop_new();
    net_loop_set_batch_hook(loop_b, on_b_batch, NULL);
    struct diag d;
    ASSERT_OK(net_loop_start(loop_a, NULL, NULL, &d));
    ASSERT_OK(net_loop_start(loop_b, NULL, NULL, &d));
    post_new(loop_a, on_a_burst);
    wait_b(BURST);
    ASSERT_EQ_INT(atomic_load(&b_received), BURST);
    ASSERT_EQ_INT(atomic_load(&b_batches), 1); /* one wake-up for the whole burst */

    post_new(loop_a, on_a_flush_older);
    wait_b(BURST + 1);
    for (int i = 0; i < 100000 && atomic_load(&flushed_late) < 0; i++) {
        usleep(100);
    }
    ASSERT_EQ_INT(atomic_load(&flushed_early), BURST);
    ASSERT_EQ_INT(atomic_load(&flushed_late), BURST + 1);

    post_new(loop_a, on_a_close);
    post_new(loop_b, on_b_close);
    net_loop_join(loop_a);
    net_loop_join(loop_b);
    net_loop_free(loop_a);
    net_loop_free(loop_b);
}

TEST(net_loop_never_started_frees_cleanly)
{
    struct net_loop *l = net_loop_new();
    net_loop_free(l);
    net_loop_free(NULL);
}

TEST(net_listen_reuseport_picks_one_port)
{
    int fds[3] = { -1, -1, -1 };
    int port = 0;
    struct diag d;
    ASSERT_OK(net_listen_reuseport("127.0.0.1", 0, 3, fds, &port, &d));
    ASSERT_TRUE(port > 0);
    for (int i = 0; i < 3; i++) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof(ss));
        socklen_t len = sizeof(ss);
        ASSERT_EQ_INT(getsockname(fds[i], (struct sockaddr *)&ss, &len), 0);
        ASSERT_EQ_INT(ntohs(((struct sockaddr_in *)&ss)->sin_port), port);
        close(fds[i]);
    }
    ASSERT_RC(net_listen_reuseport("no.such.host.invalid", 0, 1, fds, &port, &d), RC_IO);
    ASSERT_OK(net_listen_reuseport("::1", 0, 1, fds, &port, &d));
    close(fds[0]);
}

TEST(net_listen_reuseport_refuses_a_port_another_listener_holds)
{
    int fds[2] = { -1, -1 };
    int port = 0;
    struct diag d;
    ASSERT_OK(net_listen_reuseport("127.0.0.1", 0, 2, fds, &port, &d));
    /* A second server (a second Kiln) on the same port must not join it through SO_REUSEPORT. */
    int other[1] = { -1 };
    int other_port = 0;
    ASSERT_RC(net_listen_reuseport("127.0.0.1", port, 1, other, &other_port, &d), RC_IO);
    ASSERT_TRUE(strstr(d.msg, "in use") != NULL);
    ASSERT_EQ_INT(other[0], -1);
    close(fds[0]);
    close(fds[1]);
    /* Free again: the same port binds. */
    ASSERT_OK(net_listen_reuseport("127.0.0.1", port, 1, other, &other_port, &d));
    ASSERT_EQ_INT(other_port, port);
    close(other[0]);
}
