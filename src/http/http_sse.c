/* SPDX-License-Identifier: MIT */
/*
 * Server-sent events on top of streaming responses (http_server.c): the stream registry (a
 * router of patterns), per-loop connection lists, Last-Event-ID replay rings and broadcast.
 *
 * Data flow: http_sse_broadcast() formats the event once into one refcounted chunk, records it
 * in the stream's replay ring under the stream's mutex (which also numbers messages), then
 * posts one delivery per I/O loop. Each loop walks its own list of the stream's connections
 * and queues the same chunk on those whose criteria match: no lock and no copy per connection.
 * A connection is attached on its loop by a post that runs after its response head: it gets
 * "retry" and ": connected", the replay, and from then on every message numbered after the
 * replay (so a message is never sent twice). A connection is freed by whichever of its attach
 * post and its stream's close callback runs last.
 * Thread contract: see http.h.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clk.h"
#include "base/diag.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "net/net.h"

#define SSE_DEFAULT_HEARTBEAT_MS    15000
#define SSE_DEFAULT_MAX_CONNECTIONS 1000
#define SSE_DEFAULT_HUB_CONNECTIONS 10000
#define SSE_EVENT_NAME_MAX          64
#define SSE_ID_MAX                  256
#define SSE_FORMAT_OVERHEAD         ((size_t)64 * 1024)

static const struct log_ctx sse_log = { .mod = "http" };

struct ring_item {
    uint64_t seq;
    char *id;
    size_t id_len;
    struct http_chunk *ch;
    struct http_filter *f; /* NULL: every connection */
};

struct sse_conn {
    struct net_post post; /* the attach */
    struct http_sse_stream *ss;
    struct http_stream *st;
    struct http_criteria *crit;
    char *last_id; /* Last-Event-ID, or NULL */
    size_t last_id_len;
    uint64_t min_seq; /* messages numbered up to this one were replayed or predate it */
    size_t io;
    atomic_int refs; /* the attach path and the close path */
    bool linked;
    bool closed;
    bool member;   /* in ss->members (under ss->mu) */
    bool accepted; /* http_sse_connect returned RC_OK: report the end */
    void *conn_arg;
    size_t member_index; /* under ss->mu */
    struct sse_conn *prev;
    struct sse_conn *next;
};

struct http_sse_stream {
    struct http_sse_hub *hub;
    char *pattern;
    size_t pattern_len;
    struct http_sse_config cfg; /* under mu once connections may exist */
    struct sse_conn **loops;    /* per I/O loop: list head, loop thread only */
    atomic_size_t conns;
    atomic_size_t max_conns;
    atomic_uint_least64_t delivered;
    atomic_uint_least64_t slow;
    pthread_mutex_t mu; /* cfg, seq, ring and members */
    uint64_t seq;
    struct ring_item *ring;
    size_t ring_start;
    size_t ring_count;
    struct sse_conn **members; /* attached connections of every loop (for Delivery.local) */
    size_t member_count;
    size_t member_cap;
};

struct http_sse_hub {
    struct http_server *srv;
    size_t io_count;
    pthread_mutex_t mu; /* router, streams, count, cap */
    struct http_router *router;
    struct http_sse_stream **streams;
    size_t count;
    size_t cap;
    atomic_size_t conns;
    size_t max_conns;
    struct http_chunk *heartbeat;
    struct http_chunk *hello;
};

struct delivery {
    struct net_post post;
    struct http_sse_stream *ss;
    struct http_chunk *ch;
    struct http_filter *f;
    uint64_t seq;
    size_t io;
};

/* End every connection of a stream on one loop (http_sse_close_all). */
struct close_all {
    struct net_post post;
    struct http_sse_stream *ss;
    size_t io;
};

/* ------------------------------------------------------------------ formatting */

static bool event_name_ok(struct str e)
{
    if (e.len == 0 || e.len > SSE_EVENT_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < e.len; i++) {
        char ch = e.ptr[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool id_ok(struct str id)
{
    if (id.len > SSE_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < id.len; i++) {
        if (id.ptr[i] == '\r' || id.ptr[i] == '\n' || id.ptr[i] == '\0') {
            return false;
        }
    }
    return true;
}

static int check_message(const struct http_sse_message *m, struct diag *d)
{
    if (m->event.len > 0 && !event_name_ok(m->event)) {
        return diag_set(d, RC_INVAL, "invalid event name (^[A-Za-z0-9_.-]{1,64}$)");
    }
    if (!id_ok(m->id)) {
        return diag_set(d, RC_INVAL, "invalid event id (line break, NUL or over %d bytes)",
                        SSE_ID_MAX);
    }
    return RC_OK;
}

static int append_field(struct buf *out, struct str name, struct str value)
{
    int rc = buf_try_append_str(out, name);
    if (rc == RC_OK) {
        rc = buf_try_append_str(out, value);
    }
    if (rc == RC_OK) {
        rc = buf_try_append_char(out, '\n');
    }
    return rc;
}

int http_sse_format(struct buf *out, const struct http_sse_message *m, struct diag *d)
{
    int rc = check_message(m, d);
    if (rc != RC_OK) {
        return rc;
    }
    if (m->id.len > 0) {
        rc = append_field(out, STR("id: "), m->id);
    }
    if (rc == RC_OK && m->event.len > 0) {
        rc = append_field(out, STR("event: "), m->event);
    }
    struct str rest = m->data;
    size_t start = 0;
    for (size_t i = 0; rc == RC_OK && i <= rest.len; i++) {
        if (i < rest.len && rest.ptr[i] != '\r' && rest.ptr[i] != '\n') {
            continue;
        }
        rc = append_field(out, STR("data: "), str_sub(rest, start, i - start));
        if (i + 1 < rest.len && rest.ptr[i] == '\r' && rest.ptr[i + 1] == '\n') {
            i++;
        }
        start = i + 1;
    }
    if (rc == RC_OK) {
        rc = buf_try_append_char(out, '\n');
    }
    if (rc != RC_OK) {
        return diag_set(d, rc, "event does not fit in %zu bytes", out->max);
    }
    return RC_OK;
}

/* ------------------------------------------------------------------ hub and streams */

struct http_sse_hub *http_sse_hub_new(struct http_server *s, size_t max_connections)
{
    struct http_sse_hub *h = mem_calloc(1, sizeof(*h));
    h->srv = s;
    h->io_count = http_server_io_count(s);
    pthread_mutex_init(&h->mu, NULL);
    h->router = http_router_new();
    atomic_init(&h->conns, 0);
    h->max_conns = max_connections > 0 ? max_connections : SSE_DEFAULT_HUB_CONNECTIONS;
    h->heartbeat = http_chunk_new(STR(":\n\n"));
    h->hello = http_chunk_new(STR("retry: 3000\n: connected\n\n"));
    return h;
}

static void ring_item_clear(struct ring_item *it)
{
    mem_free(it->id);
    http_chunk_unref(it->ch);
    http_filter_unref(it->f);
    memset(it, 0, sizeof(*it));
}

void http_sse_hub_free(struct http_sse_hub *h)
{
    if (h == NULL) {
        return;
    }
    for (size_t i = 0; i < h->count; i++) {
        struct http_sse_stream *ss = h->streams[i];
        for (size_t k = 0; k < ss->ring_count; k++) {
            ring_item_clear(&ss->ring[(ss->ring_start + k) % ss->cfg.replay]);
        }
        pthread_mutex_destroy(&ss->mu);
        mem_free(ss->members);
        mem_free(ss->ring);
        mem_free(ss->loops);
        mem_free(ss->pattern);
        mem_free(ss);
    }
    mem_free(h->streams);
    http_router_free(h->router);
    pthread_mutex_destroy(&h->mu);
    http_chunk_unref(h->heartbeat);
    http_chunk_unref(h->hello);
    mem_free(h);
}

/* cfg with its defaults applied, or RC_INVAL. */
static int sse_config(const struct http_sse_config *cfg, struct http_sse_config *out,
                      struct diag *d)
{
    struct http_sse_config c = { 0 };
    if (cfg != NULL) {
        c = *cfg;
    }
    if (c.replay > HTTP_SSE_MAX_REPLAY) {
        return diag_set(d, RC_INVAL, "replay %zu is over %d", c.replay, HTTP_SSE_MAX_REPLAY);
    }
    c.heartbeat_ms = c.heartbeat_ms == 0 ? SSE_DEFAULT_HEARTBEAT_MS : c.heartbeat_ms;
    c.max_connections = c.max_connections > 0 ? c.max_connections : SSE_DEFAULT_MAX_CONNECTIONS;
    *out = c;
    return RC_OK;
}

int http_sse_register(struct http_sse_hub *h, struct str pattern, const struct http_sse_config *cfg,
                      struct http_sse_stream **out_ss, struct diag *d)
{
    *out_ss = NULL;
    struct http_sse_config c = { 0 };
    int rc = sse_config(cfg, &c, d);
    if (rc != RC_OK) {
        return rc;
    }
    struct http_sse_stream *ss = mem_calloc(1, sizeof(*ss));
    pthread_mutex_lock(&h->mu);
    rc = http_router_add(h->router, STR("GET"), pattern, ss, d);
    if (rc != RC_OK) {
        pthread_mutex_unlock(&h->mu);
        mem_free(ss);
        return rc;
    }
    ss->hub = h;
    ss->pattern = mem_strndup(pattern);
    ss->pattern_len = pattern.len;
    ss->cfg = c;
    ss->loops = mem_calloc(h->io_count, sizeof(struct sse_conn *));
    atomic_init(&ss->conns, 0);
    atomic_init(&ss->max_conns, c.max_connections);
    atomic_init(&ss->delivered, 0);
    atomic_init(&ss->slow, 0);
    pthread_mutex_init(&ss->mu, NULL);
    if (c.replay > 0) {
        ss->ring = mem_calloc(c.replay, sizeof(*ss->ring));
    }
    if (h->count == h->cap) {
        h->cap = h->cap == 0 ? 4 : h->cap * 2;
        h->streams = mem_realloc(h->streams, h->cap * sizeof(struct http_sse_stream *));
    }
    h->streams[h->count++] = ss;
    pthread_mutex_unlock(&h->mu);
    *out_ss = ss;
    return RC_OK;
}

int http_sse_configure(struct http_sse_stream *ss, const struct http_sse_config *cfg,
                       struct diag *d)
{
    struct http_sse_config c = { 0 };
    int rc = sse_config(cfg, &c, d);
    if (rc != RC_OK) {
        return rc;
    }
    pthread_mutex_lock(&ss->mu);
    if (c.replay != ss->cfg.replay) {
        for (size_t k = 0; k < ss->ring_count; k++) {
            ring_item_clear(&ss->ring[(ss->ring_start + k) % ss->cfg.replay]);
        }
        mem_free(ss->ring);
        ss->ring = c.replay > 0 ? mem_calloc(c.replay, sizeof(*ss->ring)) : NULL;
        ss->ring_start = 0;
        ss->ring_count = 0;
    }
    ss->cfg = c;
    atomic_store(&ss->max_conns, c.max_connections);
    pthread_mutex_unlock(&ss->mu);
    return RC_OK;
}

struct http_sse_stream *http_sse_find(struct http_sse_hub *h, struct str pattern)
{
    struct http_sse_stream *found = NULL;
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->count && found == NULL; i++) {
        struct http_sse_stream *ss = h->streams[i];
        if (str_eq(str_make(ss->pattern, ss->pattern_len), pattern)) {
            found = ss;
        }
    }
    pthread_mutex_unlock(&h->mu);
    return found;
}

struct http_sse_stream *http_sse_match(struct http_sse_hub *h, struct str raw_path, struct arena *a,
                                       struct http_match *out_match)
{
    pthread_mutex_lock(&h->mu);
    http_router_match(h->router, STR("GET"), raw_path, a, out_match);
    pthread_mutex_unlock(&h->mu);
    return out_match->kind == HTTP_MATCH_FOUND ? out_match->target : NULL;
}

struct str http_sse_pattern(const struct http_sse_stream *ss)
{
    return str_make(ss->pattern, ss->pattern_len);
}

uint64_t http_sse_slow_consumers(const struct http_sse_stream *ss)
{
    return atomic_load(&((struct http_sse_stream *)ss)->slow);
}

size_t http_sse_connection_count(const struct http_sse_stream *ss)
{
    return atomic_load(&((struct http_sse_stream *)ss)->conns);
}

uint64_t http_sse_delivered(const struct http_sse_stream *ss)
{
    return atomic_load(&((struct http_sse_stream *)ss)->delivered);
}

/* ------------------------------------------------------------------ connections */

static void sse_conn_unref(struct sse_conn *sc)
{
    if (atomic_fetch_sub(&sc->refs, 1) != 1) {
        return;
    }
    struct http_sse_stream *ss = sc->ss;
    if (sc->accepted) {
        pthread_mutex_lock(&ss->mu);
        http_sse_disconnect_fn *fn = ss->cfg.on_disconnect;
        void *arg = ss->cfg.arg;
        pthread_mutex_unlock(&ss->mu);
        if (fn != NULL) {
            fn(ss, sc->conn_arg, arg);
        }
    }
    atomic_fetch_sub(&ss->conns, 1);
    atomic_fetch_sub(&ss->hub->conns, 1);
    http_stream_release(sc->st);
    http_criteria_free(sc->crit);
    mem_free(sc->last_id);
    mem_free(sc);
}

/* The stream is over (loop thread, or the stopping thread after the loop ended). */
/* Drop sc from ss->members. sc->member is written on sc's loop thread only (attach, close),
 * so it is read here without the lock: a connection closed during its own replay (under
 * ss->mu) is not a member yet and takes no lock. */
static void member_remove(struct sse_conn *sc)
{
    struct http_sse_stream *ss = sc->ss;
    if (!sc->member) {
        return;
    }
    pthread_mutex_lock(&ss->mu);
    if (sc->member) {
        struct sse_conn *last = ss->members[--ss->member_count];
        ss->members[sc->member_index] = last;
        last->member_index = sc->member_index;
        sc->member = false;
    }
    pthread_mutex_unlock(&ss->mu);
}

/* Add sc to ss->members. Under ss->mu. */
static void member_add(struct sse_conn *sc)
{
    struct http_sse_stream *ss = sc->ss;
    if (ss->member_count == ss->member_cap) {
        ss->member_cap = ss->member_cap == 0 ? 16 : ss->member_cap * 2;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
        ss->members = mem_realloc(ss->members, ss->member_cap * sizeof(*ss->members));
    }
    sc->member_index = ss->member_count;
    ss->members[ss->member_count++] = sc;
    sc->member = true;
}

/* Queue ch on sc; a slow consumer is counted and logged. True when queued. Loop thread. */
static bool conn_push(struct sse_conn *sc, struct http_chunk *ch)
{
    struct http_sse_stream *ss = sc->ss; /* a slow consumer's close frees sc */
    int rc = http_stream_push(sc->st, ch);
    if (rc == RC_LIMIT) {
        atomic_fetch_add(&ss->slow, 1);
        log_warn(&sse_log, "event stream client disconnected code=SLOW_CONSUMER stream=%.*s",
                 (int)ss->pattern_len, ss->pattern);
    }
    return rc == RC_OK;
}

static void on_sse_close(struct http_stream *st, void *arg)
{
    (void)st;
    struct sse_conn *sc = arg;
    sc->closed = true;
    member_remove(sc);
    if (sc->linked) {
        struct sse_conn **head = &sc->ss->loops[sc->io];
        if (sc->prev != NULL) {
            sc->prev->next = sc->next;
        } else {
            *head = sc->next;
        }
        if (sc->next != NULL) {
            sc->next->prev = sc->prev;
        }
        sc->linked = false;
    }
    sse_conn_unref(sc);
}

/* Queue the replay of the kept messages after sc->last_id. Under ss->mu. */
static void replay(struct sse_conn *sc)
{
    struct http_sse_stream *ss = sc->ss;
    size_t n = ss->ring_count;
    size_t from = n;
    for (size_t k = n; k > 0; k--) {
        const struct ring_item *it = &ss->ring[(ss->ring_start + k - 1) % ss->cfg.replay];
        if (it->id_len == sc->last_id_len && memcmp(it->id, sc->last_id, it->id_len) == 0) {
            from = k;
            break;
        }
    }
    for (size_t k = from; k < n && !sc->closed; k++) {
        const struct ring_item *it = &ss->ring[(ss->ring_start + k) % ss->cfg.replay];
        if ((it->f == NULL || http_filter_match(it->f, sc->crit)) && conn_push(sc, it->ch)) {
            atomic_fetch_add(&ss->delivered, 1);
        }
    }
}

static void attach(struct sse_conn *sc)
{
    struct http_sse_stream *ss = sc->ss;
    if (!sc->closed && http_stream_push(sc->st, ss->hub->hello) == RC_OK) {
        pthread_mutex_lock(&ss->mu);
        if (sc->last_id != NULL && ss->ring_count > 0) {
            replay(sc);
        }
        sc->min_seq = ss->seq;
        if (!sc->closed) {
            member_add(sc);
        }
        pthread_mutex_unlock(&ss->mu);
    }
    if (!sc->closed) {
        struct sse_conn **head = &ss->loops[sc->io];
        sc->next = *head;
        sc->prev = NULL;
        if (*head != NULL) {
            (*head)->prev = sc;
        }
        *head = sc;
        sc->linked = true;
    }
    sse_conn_unref(sc);
}

static void on_attach_post(struct net_post *item)
{
    attach(CONTAINER_OF(item, struct sse_conn, post));
}

int http_sse_connect(struct http_sse_stream *ss, struct http_exchange *ex, struct http_criteria *c,
                     void *conn_arg, struct diag *d)
{
    struct http_sse_hub *h = ss->hub;
    size_t n = atomic_fetch_add(&ss->conns, 1) + 1;
    size_t total = atomic_fetch_add(&h->conns, 1) + 1;
    size_t max = atomic_load(&ss->max_conns);
    if (n > max || total > h->max_conns) {
        atomic_fetch_sub(&ss->conns, 1);
        atomic_fetch_sub(&h->conns, 1);
        http_criteria_free(c);
        bool path_full = n > max;
        struct str msg = path_full ? STR("this event stream has reached its connection limit")
                                   : STR("the server has reached its event stream limit");
        http_exchange_respond_error(ex, 503, "TOO_MANY_CONNECTIONS", msg, STR_NULL, NULL, 0);
        return diag_set(d, RC_LIMIT, "%s", path_full ? "stream full" : "instance full");
    }
    struct sse_conn *sc = mem_calloc(1, sizeof(*sc));
    sc->ss = ss;
    sc->crit = c;
    sc->io = http_exchange_io_index(ex);
    atomic_init(&sc->refs, 2);
    struct str last;
    if (http_request_header(http_exchange_request(ex), STR("last-event-id"), &last) &&
        last.len <= SSE_ID_MAX) {
        sc->last_id = mem_alloc(last.len + 1);
        memcpy(sc->last_id, last.ptr, last.len);
        sc->last_id_len = last.len;
    }
    const struct http_header hs[] = {
        { STR("Content-Type"), STR("text/event-stream") },
        { STR("Cache-Control"), STR("no-cache") },
        { STR("X-Accel-Buffering"), STR("no") },
    };
    pthread_mutex_lock(&ss->mu);
    struct http_stream_config scfg = {
        .max_queue_chunks = ss->cfg.max_queue_chunks,
        .max_queue_bytes = ss->cfg.max_queue_bytes,
        .heartbeat_ms = ss->cfg.heartbeat_ms > 0 ? ss->cfg.heartbeat_ms : 0,
        .heartbeat = ss->cfg.heartbeat_ms > 0 ? h->heartbeat : NULL,
        .on_close = on_sse_close,
        .arg = sc,
    };
    pthread_mutex_unlock(&ss->mu);
    int rc = http_exchange_stream_begin(ex, 200, hs, sizeof(hs) / sizeof(hs[0]), &scfg, &sc->st, d);
    if (rc != RC_OK) {
        /* Never reached with these headers; the close path will not run. */
        atomic_store(&sc->refs, 1);
        sse_conn_unref(sc);
        return rc;
    }
    sc->accepted = true;
    sc->conn_arg = conn_arg;
    sc->post.fn = on_attach_post;
    if (!http_server_post(h->srv, sc->io, &sc->post)) {
        sse_conn_unref(sc); /* stopping: the close path frees it */
    }
    return RC_OK;
}

/* ------------------------------------------------------------------ broadcast */

static void on_delivery(struct net_post *item)
{
    struct delivery *dv = CONTAINER_OF(item, struct delivery, post);
    struct http_sse_stream *ss = dv->ss;
    uint64_t delivered = 0;
    struct sse_conn *sc = ss->loops[dv->io];
    while (sc != NULL) {
        struct sse_conn *next = sc->next; /* a push may close and unlink sc */
        if (sc->min_seq < dv->seq && (dv->f == NULL || http_filter_match(dv->f, sc->crit)) &&
            conn_push(sc, dv->ch)) {
            delivered++;
        }
        sc = next;
    }
    atomic_fetch_add(&ss->delivered, delivered);
    http_chunk_unref(dv->ch);
    http_filter_unref(dv->f);
    mem_free(dv);
}

/* Keep the message in the ring (dropping the oldest when full). Under ss->mu. */
static void ring_put(struct http_sse_stream *ss, uint64_t seq, struct str id, struct http_chunk *ch,
                     struct http_filter *f)
{
    if (ss->ring_count == ss->cfg.replay) {
        ring_item_clear(&ss->ring[ss->ring_start]);
        ss->ring_start = (ss->ring_start + 1) % ss->cfg.replay;
        ss->ring_count--;
    }
    struct ring_item *it = &ss->ring[(ss->ring_start + ss->ring_count) % ss->cfg.replay];
    it->seq = seq;
    it->id = mem_alloc(id.len + 1);
    memcpy(it->id, id.ptr, id.len);
    it->id_len = id.len;
    it->ch = http_chunk_ref(ch);
    it->f = f != NULL ? http_filter_ref(f) : NULL;
    ss->ring_count++;
}

/* Attached connections whose criteria match f. Under ss->mu. */
static size_t count_matching(const struct http_sse_stream *ss, const struct http_filter *f)
{
    if (f == NULL) {
        return ss->member_count;
    }
    size_t n = 0;
    for (size_t i = 0; i < ss->member_count; i++) {
        n += http_filter_match(f, ss->members[i]->crit) ? 1 : 0;
    }
    return n;
}

int http_sse_broadcast(struct http_sse_stream *ss, const struct http_sse_message *m,
                       struct http_filter *f, size_t *out_local, struct diag *d)
{
    if (out_local != NULL) {
        *out_local = 0;
    }
    if (m->data.len > HTTP_SSE_MAX_MESSAGE_BYTES) {
        return diag_set(d, RC_LIMIT, "message is %zu bytes, limit %zu", m->data.len,
                        HTTP_SSE_MAX_MESSAGE_BYTES);
    }
    int rc = check_message(m, d);
    if (rc != RC_OK) {
        return rc;
    }
    struct buf out;
    buf_init(&out, HTTP_SSE_MAX_MESSAGE_BYTES + SSE_FORMAT_OVERHEAD);
    struct http_sse_message msg = *m;
    char auto_id[48];
    pthread_mutex_lock(&ss->mu);
    uint64_t seq = ++ss->seq;
    if (ss->cfg.replay > 0 && msg.id.len == 0) {
        /* "<epoch ms>-<seq>": unique per stream and instance run. */
        struct buf idb;
        buf_init(&idb, sizeof(auto_id));
        if (buf_try_printf(&idb, "%lld-%llu", (long long)clk_realtime_ms(),
                           (unsigned long long)seq) == RC_OK) {
            memcpy(auto_id, idb.ptr, idb.len);
            msg.id = str_make(auto_id, idb.len);
        }
        buf_fini(&idb);
    }
    rc = http_sse_format(&out, &msg, d);
    struct http_chunk *ch = NULL;
    if (rc == RC_OK) {
        ch = http_chunk_new(buf_str(&out));
        if (ss->cfg.replay > 0) {
            ring_put(ss, seq, msg.id, ch, f);
        }
        if (out_local != NULL) {
            *out_local = count_matching(ss, f);
        }
    }
    pthread_mutex_unlock(&ss->mu);
    buf_fini(&out);
    if (rc != RC_OK) {
        return rc;
    }
    struct http_sse_hub *h = ss->hub;
    for (size_t i = 0; i < h->io_count; i++) {
        struct delivery *dv = mem_calloc(1, sizeof(*dv));
        dv->ss = ss;
        dv->ch = http_chunk_ref(ch);
        dv->f = f != NULL ? http_filter_ref(f) : NULL;
        dv->seq = seq;
        dv->io = i;
        dv->post.fn = on_delivery;
        if (!http_server_post(h->srv, i, &dv->post)) {
            http_chunk_unref(dv->ch);
            http_filter_unref(dv->f);
            mem_free(dv);
        }
    }
    http_chunk_unref(ch);
    return RC_OK;
}

/* ------------------------------------------------------------------ closing */

static void on_close_all(struct net_post *item)
{
    struct close_all *op = CONTAINER_OF(item, struct close_all, post);
    struct sse_conn *sc = op->ss->loops[op->io];
    while (sc != NULL) {
        struct sse_conn *next = sc->next; /* ending may close and free sc */
        http_stream_end(sc->st);
        sc = next;
    }
    mem_free(op);
}

void http_sse_close_all(struct http_sse_stream *ss)
{
    struct http_sse_hub *h = ss->hub;
    for (size_t i = 0; i < h->io_count; i++) {
        struct close_all *op = mem_calloc(1, sizeof(*op));
        op->ss = ss;
        op->io = i;
        op->post.fn = on_close_all;
        if (!http_server_post(h->srv, i, &op->post)) {
            mem_free(op);
        }
    }
}
