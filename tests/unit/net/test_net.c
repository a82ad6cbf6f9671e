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
