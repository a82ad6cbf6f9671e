/* SPDX-License-Identifier: MIT */
/*
 * The WHATWG URL Standard's basic URL parser, host parser, serialiser, API getters and setters,
 * and the application/x-www-form-urlencoded parser and serialiser. The parser is the standard's
 * state machine, state for state, walking UTF-8 bytes: only ASCII bytes steer it, and every
 * percent-encode set contains all non-ASCII bytes, so byte-wise encoding equals the standard's
 * code-point-wise encoding. Chapters: record, percent-encoding, hosts, parser, API, params.
 * Thread contract: any thread.
 */
#include "base/url.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <idn2.h>

#include "base/mem.h"
#include "base/rc.h"
#include "base/url_host.h"
#include "base/utf8.h"

/* ================================================================ the URL record */

struct url {
    struct buf scheme;   /* ASCII lower case, without ':' */
    struct buf username; /* percent-encoded */
    struct buf password;
    struct buf host;     /* serialised host (IPv6 in brackets); meaningful when has_host */
    struct buf path;     /* opaque path, or "/seg1/seg2" (each segment prefixed by '/') */
    struct buf query;    /* without '?'; meaningful when has_query */
    struct buf fragment; /* without '#'; meaningful when has_fragment */
    struct buf href;     /* the serialisation, rebuilt after each change */
    struct buf scratch;  /* the parser's working buffer (kept for reuse, never part of u) */
    int port;            /* -1: null */
    bool has_host;
    bool opaque_path;
    bool has_query;
    bool has_fragment;
    size_t max_input_bytes;
};

/* Each component is at most 3 bytes per input byte (percent-encoding) plus a base's part. */
static size_t part_max(size_t max_input)
{
    return max_input * 6 + 64;
}

static void url_init_bufs(struct url *u, size_t max_input)
{
    size_t m = part_max(max_input);
    buf_init(&u->scheme, m);
    buf_init(&u->username, m);
    buf_init(&u->password, m);
    buf_init(&u->host, m);
    buf_init(&u->path, m);
    buf_init(&u->query, m);
    buf_init(&u->fragment, m);
    buf_init(&u->href, m * 8);
    buf_init(&u->scratch, m);
    u->port = -1;
    u->has_host = false;
    u->opaque_path = false;
    u->has_query = false;
    u->has_fragment = false;
    u->max_input_bytes = max_input;
}

static void url_fini_bufs(struct url *u)
{
    buf_fini(&u->scheme);
    buf_fini(&u->username);
    buf_fini(&u->password);
    buf_fini(&u->host);
    buf_fini(&u->path);
    buf_fini(&u->query);
    buf_fini(&u->fragment);
    buf_fini(&u->href);
    buf_fini(&u->scratch);
}

/*
 * A few freed records per thread, kept with their buffers' memory, so that a parse rarely
 * allocates: malloc and free were a sixth of a parse's instructions. Only records of the
 * default limit whose buffers stay small are kept; the rest are freed at thread exit.
 */
#define URL_CACHE_COUNT     4
#define URL_CACHE_MAX_BYTES ((size_t)4096)

struct url_cache {
    struct url *items[URL_CACHE_COUNT];
    size_t count;
};

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_key;

static void cache_destroy(void *arg)
{
    struct url_cache *c = arg;
    for (size_t i = 0; i < c->count; i++) {
        url_fini_bufs(c->items[i]);
        mem_free(c->items[i]);
    }
    mem_free(c);
}

static void cache_key_init(void)
{
    int rc = pthread_key_create(&cache_key, cache_destroy);
    ASSERT(rc == 0);
}

static struct url_cache *cache_get(void)
{
    pthread_once(&cache_once, cache_key_init);
    struct url_cache *c = pthread_getspecific(cache_key);
    if (c == NULL) {
        c = mem_calloc(1, sizeof(*c));
        int rc = pthread_setspecific(cache_key, c);
        ASSERT(rc == 0);
    }
    return c;
}

static size_t bufs_cap(const struct url *u)
{
    return u->scheme.cap + u->username.cap + u->password.cap + u->host.cap + u->path.cap +
           u->query.cap + u->fragment.cap + u->href.cap + u->scratch.cap;
}

/* An empty record with the limits of max_input: from the cache, or new. */
static struct url *url_new(size_t max_input)
{
    struct url_cache *c = max_input == URL_DEFAULT_MAX_INPUT_BYTES ? cache_get() : NULL;
    if (c != NULL && c->count > 0) {
        struct url *u = c->items[--c->count];
        buf_reset(&u->scheme);
        buf_reset(&u->username);
        buf_reset(&u->password);
        buf_reset(&u->host);
        buf_reset(&u->path);
        buf_reset(&u->query);
        buf_reset(&u->fragment);
        buf_reset(&u->href);
        u->port = -1;
        u->has_host = false;
        u->opaque_path = false;
        u->has_query = false;
        u->has_fragment = false;
        return u;
    }
    struct url *u = mem_calloc(1, sizeof(*u));
    url_init_bufs(u, max_input);
    return u;
}

void url_free(struct url *u)
{
    if (u == NULL) {
        return;
    }
    if (u->max_input_bytes == URL_DEFAULT_MAX_INPUT_BYTES && bufs_cap(u) <= URL_CACHE_MAX_BYTES) {
        struct url_cache *c = cache_get();
        if (c->count < URL_CACHE_COUNT) {
            c->items[c->count++] = u;
            return;
        }
    }
    url_fini_bufs(u);
    mem_free(u);
}

/* Move w's record into u and free w with u's old buffers (they may be reused). */
static void url_take(struct url *u, struct url *w)
{
    struct url old = *u;
    *u = *w;
    *w = old;
    url_free(w);
}

/* Replace dst's contents with src's (same limits); sticky error in *rc. */
static void buf_copy(struct buf *dst, const struct buf *src, int *rc)
{
    buf_reset(dst);
    if (buf_try_append_str(dst, buf_str(src)) != RC_OK) {
        *rc = RC_LIMIT;
    }
}

struct url *url_dup(const struct url *u)
{
    struct url *c = url_new(u->max_input_bytes);
    int rc = RC_OK;
    buf_copy(&c->scheme, &u->scheme, &rc);
    buf_copy(&c->username, &u->username, &rc);
    buf_copy(&c->password, &u->password, &rc);
    buf_copy(&c->host, &u->host, &rc);
    buf_copy(&c->path, &u->path, &rc);
    buf_copy(&c->query, &u->query, &rc);
    buf_copy(&c->fragment, &u->fragment, &rc);
    buf_copy(&c->href, &u->href, &rc);
    /* Same limits as u, so copies always fit. */
    ASSERT(rc == RC_OK);
    c->port = u->port;
    c->has_host = u->has_host;
    c->opaque_path = u->opaque_path;
    c->has_query = u->has_query;
    c->has_fragment = u->has_fragment;
    return c;
}

struct special_scheme {
    const char *name;
    size_t len;
    int port;
};

static const struct special_scheme special_schemes[] = {
    { .name = "ftp", .len = 3, .port = 21 },  { .name = "file", .len = 4, .port = -1 },
    { .name = "http", .len = 4, .port = 80 }, { .name = "https", .len = 5, .port = 443 },
    { .name = "ws", .len = 2, .port = 80 },   { .name = "wss", .len = 3, .port = 443 },
};

/* The special scheme named s, or NULL (s is lower case). */
static const struct special_scheme *find_special(struct str s)
{
    for (size_t i = 0; i < ARRAY_LEN(special_schemes); i++) {
        if (special_schemes[i].len == s.len && memcmp(special_schemes[i].name, s.ptr, s.len) == 0) {
            return &special_schemes[i];
        }
    }
    return NULL;
}

bool url_is_special(const struct url *u)
{
    return find_special(buf_str(&u->scheme)) != NULL;
}

static int default_port(struct str scheme)
{
    const struct special_scheme *s = find_special(scheme);
    return s ? s->port : -1;
}

static bool is_file(const struct url *u)
{
    return u->scheme.len == 4 && memcmp(u->scheme.ptr, "file", 4) == 0;
}

static bool has_credentials(const struct url *u)
{
    return u->username.len > 0 || u->password.len > 0;
}

static bool cannot_have_credentials_or_port(const struct url *u)
{
    return !u->has_host || u->host.len == 0 || is_file(u);
}

/* Number of segments of a non-opaque path. */
static size_t path_segments(const struct url *u)
{
    size_t n = 0;
    for (size_t i = 0; i < u->path.len; i++) {
        n += u->path.ptr[i] == '/';
    }
    return n;
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A Windows drive letter: an ASCII alpha followed by ':' or '|' (normalized: only ':'). */
static bool is_drive(struct str s, bool normalized)
{
    return s.len == 2 && is_alpha(s.ptr[0]) &&
           (s.ptr[1] == ':' || (!normalized && s.ptr[1] == '|'));
}

/* s starts with a Windows drive letter followed by the end or one of / \ ? #. */
static bool starts_with_drive(struct str s)
{
    if (s.len < 2 || !is_drive(str_make(s.ptr, 2), false)) {
        return false;
    }
    return s.len == 2 || s.ptr[2] == '/' || s.ptr[2] == '\\' || s.ptr[2] == '?' || s.ptr[2] == '#';
}

/* Shorten the path (the standard's "shorten a url's path"). */
static void shorten_path(struct url *u)
{
    DEBUG_ASSERT(!u->opaque_path);
    if (is_file(u) && path_segments(u) == 1 &&
        is_drive(str_make(u->path.ptr + 1, u->path.len - 1), true)) {
        return;
    }
    size_t i = u->path.len;
    while (i > 0 && u->path.ptr[i - 1] != '/') {
        i--;
    }
    if (i > 0) {
        u->path.len = i - 1;
        u->path.ptr[u->path.len] = '\0';
    }
}

/* Sticky appends for the serialiser: after the first failure they do nothing. */
static void app(int *rc, struct buf *out, struct str s)
{
    if (*rc == RC_OK && s.len > 0) {
        *rc = buf_try_append_str(out, s);
    }
}

/* Write ":port" (0..65535) into p; returns its length. */
static size_t port_text(int port, char p[8])
{
    char digits[8];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + port % 10);
        port /= 10;
    } while (port > 0);
    p[0] = ':';
    for (size_t i = 0; i < n; i++) {
        p[1 + i] = digits[n - 1 - i];
    }
    return n + 1;
}

static void app_port(int *rc, struct buf *out, int port)
{
    if (*rc == RC_OK && port >= 0) {
        char p[8];
        *rc = buf_try_append(out, p, port_text(port, p));
    }
}

static void serialize_authority(const struct url *u, int *rc, struct buf *out)
{
    app(rc, out, STR("//"));
    if (has_credentials(u)) {
        app(rc, out, buf_str(&u->username));
        if (u->password.len > 0) {
            app(rc, out, STR(":"));
            app(rc, out, buf_str(&u->password));
        }
        app(rc, out, STR("@"));
    }
    app(rc, out, buf_str(&u->host));
    app_port(rc, out, u->port);
}

/* Append the serialisation of u to out (the URL serializer). */
static int serialize(const struct url *u, bool with_fragment, struct buf *out)
{
    int rc = RC_OK;
    app(&rc, out, buf_str(&u->scheme));
    app(&rc, out, STR(":"));
    if (u->has_host) {
        serialize_authority(u, &rc, out);
    } else if (!u->opaque_path && path_segments(u) > 1 && u->path.ptr[1] == '/') {
        app(&rc, out, STR("/."));
    }
    app(&rc, out, buf_str(&u->path));
    if (u->has_query) {
        app(&rc, out, STR("?"));
        app(&rc, out, buf_str(&u->query));
    }
    if (with_fragment && u->has_fragment) {
        app(&rc, out, STR("#"));
        app(&rc, out, buf_str(&u->fragment));
    }
    return rc;
}

/* The offsets follow serialize() step by step. */
void url_get_offsets(const struct url *u, struct url_offsets *out)
{
    size_t i = u->scheme.len;
    out->scheme_end = i;
    i++; /* ':' */
    if (u->has_host) {
        i += 2; /* "//" */
    }
    out->username_start = i;
    if (u->has_host && has_credentials(u)) {
        i += u->username.len;
        out->username_end = i;
        if (u->password.len > 0) {
            i++; /* ':' */
        }
        out->password_start = i;
        i += u->password.len;
        out->password_end = i;
        i++; /* '@' */
    } else {
        out->username_end = out->password_start = out->password_end = i;
    }
    out->host_start = i;
    if (u->has_host) {
        i += u->host.len;
    }
    out->host_end = i;
    if (u->has_host && u->port >= 0) {
        i++; /* ':' */
        for (int port = u->port;; port /= 10) {
            i++;
            if (port < 10) {
                break;
            }
        }
    }
    out->port_end = i;
    if (!u->has_host && !u->opaque_path && path_segments(u) > 1 && u->path.ptr[1] == '/') {
        i += 2; /* "/." */
    }
    out->path_start = i;
    i += u->path.len;
    out->query_start = i;
    if (u->has_query) {
        i += 1 + u->query.len;
    }
    out->fragment_start = i;
}

static int refresh_href(struct url *u)
{
    buf_reset(&u->href);
    return serialize(u, true, &u->href);
}

struct str url_href(const struct url *u)
{
    return buf_str(&u->href);
}

/* ================================================================ percent-encoding */

/* Bit c of the pair is set when ASCII byte c is in the set (generated from the standard's
 * lists; bytes >= 0x80 are in every set). */
static const uint64_t set_bits[][2] = {
    [URL_SET_C0_CONTROL] = { 0x00000000ffffffffu, 0x8000000000000000u },
    [URL_SET_FRAGMENT] = { 0x50000005ffffffffu, 0x8000000100000000u },
    [URL_SET_QUERY] = { 0x5000000dffffffffu, 0x8000000000000000u },
    [URL_SET_SPECIAL_QUERY] = { 0x5000008dffffffffu, 0x8000000000000000u },
    [URL_SET_PATH] = { 0xd000000dffffffffu, 0xa800000100000000u },
    [URL_SET_USERINFO] = { 0xfc00800dffffffffu, 0xb800000178000001u },
    [URL_SET_COMPONENT] = { 0xfc00987dffffffffu, 0xb800000178000001u },
    [URL_SET_FORM] = { 0xfc009bffffffffffu, 0xf800000178000001u },
};

static bool in_set(unsigned char c, enum url_encode_set set)
{
    if (c >= 0x80) {
        return true;
    }
    return (set_bits[set][c >> 6] >> (c & 63)) & 1;
}

static const char hex_upper[] = "0123456789ABCDEF";

int url_percent_encode(struct str s, enum url_encode_set set, struct buf *out)
{
    int rc = RC_OK;
    size_t i = 0;
    while (i < s.len && rc == RC_OK) {
        size_t run = i;
        while (run < s.len && !in_set((unsigned char)s.ptr[run], set)) {
            run++;
        }
        if (run > i) {
            rc = buf_try_append(out, s.ptr + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = (unsigned char)s.ptr[i++];
        if (set == URL_SET_FORM && c == ' ') {
            rc = buf_try_append_char(out, '+');
        } else {
            char e[3] = { '%', hex_upper[c >> 4], hex_upper[c & 15] };
            rc = buf_try_append(out, e, 3);
        }
    }
    return rc;
}

int url_percent_decode(struct str s, struct buf *out)
{
    /* The decoded bytes are at most as many as s's. */
    if (buf_try_reserve(out, s.len) == RC_OK) {
        if (s.len > 0) {
            out->len += str_percent_decode(s, false, out->ptr + out->len);
        }
        return RC_OK;
    }
    /* Near the buffer's limit: the decoded bytes may still fit. */
    char *tmp = mem_alloc(s.len);
    int rc = buf_try_append(out, tmp, str_percent_decode(s, false, tmp));
    mem_free(tmp);
    return rc;
}

int url_utf8_lossy(struct str s, struct buf *out)
{
    int rc = RC_OK;
    size_t i = 0;
    while (i < s.len && rc == RC_OK) {
        size_t run = i;
        while (run < s.len && (unsigned char)s.ptr[run] < 0x80) {
            run++;
        }
        if (run > i) {
            rc = buf_try_append(out, s.ptr + i, run - i);
            i = run;
            continue;
        }
        uint32_t cp = 0;
        int n = utf8_decode(s.ptr + i, s.len - i, &cp);
        if (n > 0) {
            rc = buf_try_append(out, s.ptr + i, (size_t)n);
            i += (size_t)n;
        } else {
            rc = buf_try_append(out, "\xEF\xBF\xBD", 3);
            i += utf8_bad_len(s.ptr + i, s.len - i);
        }
    }
    return rc;
}

/* ================================================================ the basic URL parser */

enum state {
    ST_NONE,
    ST_SCHEME_START,
    ST_SCHEME,
    ST_NO_SCHEME,
    ST_SPECIAL_RELATIVE_OR_AUTHORITY,
    ST_PATH_OR_AUTHORITY,
    ST_RELATIVE,
    ST_RELATIVE_SLASH,
    ST_SPECIAL_AUTHORITY_SLASHES,
    ST_SPECIAL_AUTHORITY_IGNORE_SLASHES,
    ST_AUTHORITY,
    ST_HOST,
    ST_HOSTNAME,
    ST_PORT,
    ST_FILE,
    ST_FILE_SLASH,
    ST_FILE_HOST,
    ST_PATH_START,
    ST_PATH,
    ST_OPAQUE_PATH,
    ST_QUERY,
    ST_FRAGMENT,
};

/* A state's result besides RC_OK (go on) and RC_INVAL (failure): stop, keeping the URL. */
#define DONE 1

struct parser {
    const char *in;
    ptrdiff_t n;
    ptrdiff_t p;
    struct url *u;
    const struct url *base;
    enum state state;
    enum state override;
    struct buf b;
    int rc;       /* sticky RC_LIMIT from appends */
    bool special; /* cache of url_is_special(u), refreshed by set_scheme() */
    bool at_seen;
    bool in_brackets;
    bool password_seen;
};

static void put(struct parser *ps, struct buf *b, const void *p, size_t n)
{
    if (ps->rc == RC_OK && buf_try_append(b, p, n) != RC_OK) {
        ps->rc = RC_LIMIT;
    }
}

static void put_char(struct parser *ps, struct buf *b, int c)
{
    char ch = (char)c;
    put(ps, b, &ch, 1);
}

static void put_enc(struct parser *ps, struct buf *b, int c, enum url_encode_set set)
{
    char ch = (char)c;
    if (!in_set((unsigned char)c, set)) {
        put(ps, b, &ch, 1);
        return;
    }
    if (ps->rc == RC_OK && url_percent_encode(str_make(&ch, 1), set, b) != RC_OK) {
        ps->rc = RC_LIMIT;
    }
}

static bool query_stop(const struct parser *ps, int c)
{
    return ps->override == ST_NONE && c == '#';
}

static bool fragment_stop(const struct parser *ps, int c)
{
    return false;
}

static bool path_stop(const struct parser *ps, int c)
{
    return c == '/' || (ps->special && c == '\\') ||
           (ps->override == ST_NONE && (c == '?' || c == '#'));
}

typedef bool url_stop_fn(const struct parser *ps, int c);

/* The index of the first input byte at or after from for which stop() holds (or the end). */
static ptrdiff_t run_end(const struct parser *ps, ptrdiff_t from, url_stop_fn *stop)
{
    ptrdiff_t end = from;
    while (end < ps->n && !stop(ps, (unsigned char)ps->in[end])) {
        end++;
    }
    return end;
}

/* Copy the input bytes from the pointer up to the first byte at or after from for which stop()
 * holds into b as they are; leave the pointer on the last byte copied. */
static void copy_run(struct parser *ps, struct buf *b, ptrdiff_t from, url_stop_fn *stop)
{
    ptrdiff_t end = run_end(ps, from, stop);
    put(ps, b, ps->in + ps->p, (size_t)(end - ps->p));
    ps->p = end - 1;
}

/* Percent-encode the input bytes from the pointer up to (not including) the first byte for
 * which stop() holds, into b; leave the pointer on the last byte encoded. */
static void put_run(struct parser *ps, struct buf *b, enum url_encode_set set, url_stop_fn *stop)
{
    ptrdiff_t end = run_end(ps, ps->p, stop);
    if (ps->rc == RC_OK &&
        url_percent_encode(str_make(ps->in + ps->p, (size_t)(end - ps->p)), set, b) != RC_OK) {
        ps->rc = RC_LIMIT;
    }
    ps->p = end - 1;
}

static void set_empty(struct parser *ps, struct buf *b, bool *has)
{
    buf_reset(b);
    *has = true;
    (void)ps;
}

/* At '?' or '#': start an empty query or fragment and go to its state. False for any other c. */
static bool start_query_or_fragment(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (c == '?') {
        set_empty(ps, &u->query, &u->has_query);
        ps->state = ST_QUERY;
    } else if (c == '#') {
        set_empty(ps, &u->fragment, &u->has_fragment);
        ps->state = ST_FRAGMENT;
    } else {
        return false;
    }
    return true;
}

/* The remaining input after the pointer starts with s. */
static bool remaining_starts(const struct parser *ps, const char *s)
{
    size_t k = strlen(s);
    return ps->p + 1 + (ptrdiff_t)k <= ps->n && memcmp(ps->in + ps->p + 1, s, k) == 0;
}

static bool special(const struct parser *ps)
{
    return ps->special;
}

/* Set u's scheme to src's contents and refresh the cached specialness. */
static void set_scheme(struct parser *ps, const struct buf *src)
{
    buf_copy(&ps->u->scheme, src, &ps->rc);
    ps->special = url_is_special(ps->u);
}

/* Copy the authority parts (username, password, host, port) of src into u. */
static void copy_authority(struct parser *ps, const struct url *src)
{
    struct url *u = ps->u;
    buf_copy(&u->username, &src->username, &ps->rc);
    buf_copy(&u->password, &src->password, &ps->rc);
    buf_copy(&u->host, &src->host, &ps->rc);
    u->has_host = src->has_host;
    u->port = src->port;
}

static void copy_path_query(struct parser *ps, const struct url *src)
{
    struct url *u = ps->u;
    buf_copy(&u->path, &src->path, &ps->rc);
    u->opaque_path = src->opaque_path;
    buf_copy(&u->query, &src->query, &ps->rc);
    u->has_query = src->has_query;
}

static int st_scheme_start(struct parser *ps, int c)
{
    if (is_alpha(c)) {
        put_char(ps, &ps->b, str_lower_char((char)c));
        ps->state = ST_SCHEME;
        return RC_OK;
    }
    if (ps->override == ST_NONE) {
        ps->state = ST_NO_SCHEME;
        ps->p--;
        return RC_OK;
    }
    return RC_INVAL;
}

static int st_scheme(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.') {
        put_char(ps, &ps->b, str_lower_char((char)c));
        return RC_OK;
    }
    if (c != ':') {
        if (ps->override != ST_NONE) {
            return RC_INVAL;
        }
        buf_reset(&ps->b);
        ps->state = ST_NO_SCHEME;
        ps->p = -1;
        return RC_OK;
    }
    struct str nb = buf_str(&ps->b);
    if (ps->override != ST_NONE) {
        bool was_special = url_is_special(u);
        if (was_special != (find_special(nb) != NULL)) {
            return DONE;
        }
        if ((has_credentials(u) || u->port >= 0) && str_eq_cstr(nb, "file")) {
            return DONE;
        }
        if (is_file(u) && u->has_host && u->host.len == 0) {
            return DONE;
        }
    }
    set_scheme(ps, &ps->b);
    if (ps->override != ST_NONE) {
        if (u->port == default_port(buf_str(&u->scheme))) {
            u->port = -1;
        }
        return DONE;
    }
    buf_reset(&ps->b);
    if (is_file(u)) {
        ps->state = ST_FILE;
    } else if (url_is_special(u) && ps->base != NULL &&
               str_eq(buf_str(&ps->base->scheme), buf_str(&u->scheme))) {
        ps->state = ST_SPECIAL_RELATIVE_OR_AUTHORITY;
    } else if (url_is_special(u)) {
        ps->state = ST_SPECIAL_AUTHORITY_SLASHES;
    } else if (remaining_starts(ps, "/")) {
        ps->state = ST_PATH_OR_AUTHORITY;
        ps->p++;
    } else {
        buf_reset(&u->path);
        u->opaque_path = true;
        ps->state = ST_OPAQUE_PATH;
    }
    return RC_OK;
}

static int st_no_scheme(struct parser *ps, int c)
{
    const struct url *base = ps->base;
    struct url *u = ps->u;
    if (base == NULL || (base->opaque_path && c != '#')) {
        return RC_INVAL;
    }
    if (base->opaque_path && c == '#') {
        set_scheme(ps, &base->scheme);
        copy_path_query(ps, base);
        set_empty(ps, &u->fragment, &u->has_fragment);
        ps->state = ST_FRAGMENT;
    } else if (!is_file(base)) {
        ps->state = ST_RELATIVE;
        ps->p--;
    } else {
        ps->state = ST_FILE;
        ps->p--;
    }
    return RC_OK;
}

static int st_relative(struct parser *ps, int c)
{
    struct url *u = ps->u;
    set_scheme(ps, &ps->base->scheme);
    if (c == '/' || (special(ps) && c == '\\')) {
        ps->state = ST_RELATIVE_SLASH;
        return RC_OK;
    }
    copy_authority(ps, ps->base);
    copy_path_query(ps, ps->base);
    if (!start_query_or_fragment(ps, c) && c != -1) {
        u->has_query = false;
        buf_reset(&u->query);
        shorten_path(u);
        ps->state = ST_PATH;
        ps->p--;
    }
    return RC_OK;
}

static int st_relative_slash(struct parser *ps, int c)
{
    if (special(ps) && (c == '/' || c == '\\')) {
        ps->state = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
    } else if (c == '/') {
        ps->state = ST_AUTHORITY;
    } else {
        copy_authority(ps, ps->base);
        ps->state = ST_PATH;
        ps->p--;
    }
    return RC_OK;
}

static int st_slashes(struct parser *ps, int c)
{
    switch (ps->state) {
    case ST_SPECIAL_RELATIVE_OR_AUTHORITY:
        if (c == '/' && remaining_starts(ps, "/")) {
            ps->state = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
            ps->p++;
        } else {
            ps->state = ST_RELATIVE;
            ps->p--;
        }
        break;
    case ST_PATH_OR_AUTHORITY:
        if (c == '/') {
            ps->state = ST_AUTHORITY;
        } else {
            ps->state = ST_PATH;
            ps->p--;
        }
        break;
    case ST_SPECIAL_AUTHORITY_SLASHES:
        ps->state = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
        if (c == '/' && remaining_starts(ps, "/")) {
            ps->p++;
        } else {
            ps->p--;
        }
        break;
    default: /* ST_SPECIAL_AUTHORITY_IGNORE_SLASHES */
        if (c != '/' && c != '\\') {
            ps->state = ST_AUTHORITY;
            ps->p--;
        }
        break;
    }
    return RC_OK;
}

static bool auth_stop(const struct parser *ps, int c)
{
    return c == '@' || c == '/' || c == '?' || c == '#' || (ps->special && c == '\\');
}

static bool host_stop(const struct parser *ps, int c)
{
    return c == ':' || c == '[' || c == ']' || c == '/' || c == '?' || c == '#' ||
           (ps->special && c == '\\');
}

/* The authority state at '@': the buffer so far is userinfo. */
static void take_userinfo(struct parser *ps)
{
    struct url *u = ps->u;
    if (ps->at_seen) {
        struct buf t;
        buf_init(&t, ps->b.max + 3);
        int rc = buf_try_append_cstr(&t, "%40");
        rc = rc ? rc : buf_try_append_str(&t, buf_str(&ps->b));
        buf_copy(&ps->b, &t, &ps->rc);
        buf_fini(&t);
        if (rc != RC_OK) {
            ps->rc = RC_LIMIT;
        }
    }
    ps->at_seen = true;
    for (size_t i = 0; i < ps->b.len; i++) {
        int cp = (unsigned char)ps->b.ptr[i];
        if (cp == ':' && !ps->password_seen) {
            ps->password_seen = true;
            continue;
        }
        put_enc(ps, ps->password_seen ? &u->password : &u->username, cp, URL_SET_USERINFO);
    }
    buf_reset(&ps->b);
}

static int st_authority(struct parser *ps, int c)
{
    if (c == '@') {
        take_userinfo(ps);
    } else if (c == -1 || c == '/' || c == '?' || c == '#' || (special(ps) && c == '\\')) {
        if (ps->at_seen && ps->b.len == 0) {
            return RC_INVAL;
        }
        ps->p -= (ptrdiff_t)ps->b.len + 1;
        buf_reset(&ps->b);
        ps->state = ST_HOST;
    } else {
        /* Copy the run up to the next byte this state acts on. */
        copy_run(ps, &ps->b, ps->p, auth_stop);
    }
    return RC_OK;
}

/* Parse the buffer as u's host. A setter's state-override parse keeps the old host when the new
 * one fails, so it goes through a temporary; a fresh parse writes in place. */
static int take_host(struct parser *ps)
{
    struct url *u = ps->u;
    int rc = RC_OK;
    if (ps->override == ST_NONE) {
        buf_reset(&u->host);
        rc = url_host_parse(buf_str(&ps->b), special(ps), &u->host);
    } else {
        struct buf h;
        buf_init(&h, u->host.max);
        rc = url_host_parse(buf_str(&ps->b), special(ps), &h);
        if (rc == RC_OK) {
            buf_copy(&u->host, &h, &ps->rc);
        }
        buf_fini(&h);
    }
    if (rc == RC_OK) {
        u->has_host = true;
        buf_reset(&ps->b);
    }
    return rc == RC_LIMIT ? (ps->rc = RC_LIMIT) : rc;
}

/* The host state at the end of the host. */
static int host_end(struct parser *ps)
{
    struct url *u = ps->u;
    ps->p--;
    if (special(ps) && ps->b.len == 0) {
        return RC_INVAL;
    }
    if (ps->override != ST_NONE && ps->b.len == 0 && (has_credentials(u) || u->port >= 0)) {
        return RC_INVAL;
    }
    if (ps->b.len == 0) {
        buf_reset(&u->host);
        u->has_host = true;
    } else {
        int rc = take_host(ps);
        if (rc != RC_OK) {
            return rc;
        }
    }
    ps->state = ST_PATH_START;
    return ps->override != ST_NONE ? DONE : RC_OK;
}

static int st_host(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (ps->override != ST_NONE && is_file(u)) {
        ps->p--;
        ps->state = ST_FILE_HOST;
        return RC_OK;
    }
    if (c == ':' && !ps->in_brackets) {
        if (ps->b.len == 0 || ps->override == ST_HOSTNAME) {
            return RC_INVAL;
        }
        int rc = take_host(ps);
        if (rc != RC_OK) {
            return rc;
        }
        ps->state = ST_PORT;
        return RC_OK;
    }
    if (c == -1 || c == '/' || c == '?' || c == '#' || (special(ps) && c == '\\')) {
        return host_end(ps);
    }
    if (c == '[' || c == ']') {
        ps->in_brackets = c == '[';
        put_char(ps, &ps->b, c);
        return RC_OK;
    }
    /* The current byte is always taken (it may be ':' inside brackets). */
    copy_run(ps, &ps->b, ps->p + 1, host_stop);
    return RC_OK;
}

/* Set the port from the buffer's digits; RC_INVAL over 65535. */
static int take_port(struct parser *ps)
{
    long port = 0;
    for (size_t i = 0; i < ps->b.len; i++) {
        port = port * 10 + (ps->b.ptr[i] - '0');
        if (port > 65535) {
            return RC_INVAL;
        }
    }
    ps->u->port = port == default_port(buf_str(&ps->u->scheme)) ? -1 : (int)port;
    buf_reset(&ps->b);
    return RC_OK;
}

static int st_port(struct parser *ps, int c)
{
    if (is_digit(c)) {
        put_char(ps, &ps->b, c);
        return RC_OK;
    }
    if (c == -1 || c == '/' || c == '?' || c == '#' || (special(ps) && c == '\\') ||
        ps->override != ST_NONE) {
        if (ps->b.len > 0 && take_port(ps) != RC_OK) {
            return RC_INVAL;
        }
        if (ps->override != ST_NONE) {
            return DONE;
        }
        ps->state = ST_PATH_START;
        ps->p--;
        return RC_OK;
    }
    return RC_INVAL;
}

static struct str rest(const struct parser *ps)
{
    return str_make(ps->in + ps->p, (size_t)(ps->n - ps->p));
}

static int st_file(struct parser *ps, int c)
{
    struct url *u = ps->u;
    const struct url *base = ps->base;
    buf_reset(&u->scheme);
    put(ps, &u->scheme, "file", 4);
    ps->special = true;
    buf_reset(&u->host);
    u->has_host = true;
    if (c == '/' || c == '\\') {
        ps->state = ST_FILE_SLASH;
        return RC_OK;
    }
    if (base == NULL || !is_file(base)) {
        ps->state = ST_PATH;
        ps->p--;
        return RC_OK;
    }
    buf_copy(&u->host, &base->host, &ps->rc);
    u->has_host = base->has_host;
    copy_path_query(ps, base);
    if (!start_query_or_fragment(ps, c) && c != -1) {
        u->has_query = false;
        buf_reset(&u->query);
        if (!starts_with_drive(rest(ps))) {
            shorten_path(u);
        } else {
            buf_reset(&u->path);
        }
        ps->state = ST_PATH;
        ps->p--;
    }
    return RC_OK;
}

static int st_file_slash(struct parser *ps, int c)
{
    struct url *u = ps->u;
    const struct url *base = ps->base;
    if (c == '/' || c == '\\') {
        ps->state = ST_FILE_HOST;
        return RC_OK;
    }
    if (base != NULL && is_file(base)) {
        buf_copy(&u->host, &base->host, &ps->rc);
        u->has_host = base->has_host;
        if (!starts_with_drive(rest(ps)) && path_segments(base) >= 1) {
            struct str first = str_make(base->path.ptr + 1, base->path.len - 1);
            ptrdiff_t slash = str_find_char(first, '/');
            if (slash >= 0) {
                first.len = (size_t)slash;
            }
            if (is_drive(first, true)) {
                put_char(ps, &u->path, '/');
                put(ps, &u->path, first.ptr, first.len);
            }
        }
    }
    ps->state = ST_PATH;
    ps->p--;
    return RC_OK;
}

static int st_file_host(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (!(c == -1 || c == '/' || c == '\\' || c == '?' || c == '#')) {
        put_char(ps, &ps->b, c);
        return RC_OK;
    }
    ps->p--;
    if (ps->override == ST_NONE && is_drive(buf_str(&ps->b), false)) {
        ps->state = ST_PATH;
        return RC_OK;
    }
    if (ps->b.len == 0) {
        buf_reset(&u->host);
        u->has_host = true;
    } else {
        int rc = take_host(ps);
        if (rc != RC_OK) {
            return rc;
        }
        if (str_eq_cstr(buf_str(&u->host), "localhost")) {
            buf_reset(&u->host);
        }
    }
    if (ps->override != ST_NONE) {
        return DONE;
    }
    ps->state = ST_PATH_START;
    return RC_OK;
}

static int st_path_start(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (special(ps)) {
        ps->state = ST_PATH;
        if (c != '/' && c != '\\') {
            ps->p--;
        }
    } else if (ps->override == ST_NONE && (c == '?' || c == '#')) {
        start_query_or_fragment(ps, c);
    } else if (c != -1) {
        ps->state = ST_PATH;
        if (c != '/') {
            ps->p--;
        }
    } else if (ps->override != ST_NONE && !u->has_host) {
        put_char(ps, &u->path, '/');
    }
    return RC_OK;
}

static bool is_dot(struct str s)
{
    return str_eq_cstr(s, ".") || str_eq_nocase(s, STR("%2e"));
}

static bool is_dotdot(struct str s)
{
    return str_eq_cstr(s, "..") || str_eq_nocase(s, STR(".%2e")) || str_eq_nocase(s, STR("%2e.")) ||
           str_eq_nocase(s, STR("%2e%2e"));
}

static int st_path(struct parser *ps, int c)
{
    struct url *u = ps->u;
    bool slash = c == '/' || (special(ps) && c == '\\');
    if (!(c == -1 || slash || (ps->override == ST_NONE && (c == '?' || c == '#')))) {
        put_run(ps, &ps->b, URL_SET_PATH, path_stop);
        return RC_OK;
    }
    struct str seg = buf_str(&ps->b);
    if (is_dotdot(seg)) {
        shorten_path(u);
        if (!slash) {
            put_char(ps, &u->path, '/');
        }
    } else if (is_dot(seg) && !slash) {
        put_char(ps, &u->path, '/');
    } else if (!is_dot(seg)) {
        if (is_file(u) && u->path.len == 0 && is_drive(seg, false)) {
            ps->b.ptr[1] = ':';
        }
        put_char(ps, &u->path, '/');
        put(ps, &u->path, ps->b.ptr, ps->b.len);
    }
    buf_reset(&ps->b);
    start_query_or_fragment(ps, c);
    return RC_OK;
}

static int st_opaque_path(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (!start_query_or_fragment(ps, c) && c != -1) {
        put_enc(ps, &u->path, c, URL_SET_C0_CONTROL);
    }
    return RC_OK;
}

static int st_query(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if ((ps->override == ST_NONE && c == '#') || c == -1) {
        if (c == '#') {
            set_empty(ps, &u->fragment, &u->has_fragment);
            ps->state = ST_FRAGMENT;
        }
    } else {
        put_run(ps, &u->query, special(ps) ? URL_SET_SPECIAL_QUERY : URL_SET_QUERY, query_stop);
    }
    return RC_OK;
}

static int st_fragment(struct parser *ps, int c)
{
    if (c != -1) {
        put_run(ps, &ps->u->fragment, URL_SET_FRAGMENT, fragment_stop);
    }
    return RC_OK;
}

static int step(struct parser *ps, int c)
{
    switch (ps->state) {
    case ST_SCHEME_START:
        return st_scheme_start(ps, c);
    case ST_SCHEME:
        return st_scheme(ps, c);
    case ST_NO_SCHEME:
        return st_no_scheme(ps, c);
    case ST_SPECIAL_RELATIVE_OR_AUTHORITY:
    case ST_PATH_OR_AUTHORITY:
    case ST_SPECIAL_AUTHORITY_SLASHES:
    case ST_SPECIAL_AUTHORITY_IGNORE_SLASHES:
        return st_slashes(ps, c);
    case ST_RELATIVE:
        return st_relative(ps, c);
    case ST_RELATIVE_SLASH:
        return st_relative_slash(ps, c);
    case ST_AUTHORITY:
        return st_authority(ps, c);
    case ST_HOST:
    case ST_HOSTNAME:
        return st_host(ps, c);
    case ST_PORT:
        return st_port(ps, c);
    case ST_FILE:
        return st_file(ps, c);
    case ST_FILE_SLASH:
        return st_file_slash(ps, c);
    case ST_FILE_HOST:
        return st_file_host(ps, c);
    case ST_PATH_START:
        return st_path_start(ps, c);
    case ST_PATH:
        return st_path(ps, c);
    case ST_OPAQUE_PATH:
        return st_opaque_path(ps, c);
    case ST_QUERY:
        return st_query(ps, c);
    case ST_FRAGMENT:
        return st_fragment(ps, c);
    case ST_NONE:
        break;
    }
    UNREACHABLE();
}

/*
 * Clean the input as the parser's first steps do: ill-formed UTF-8 becomes U+FFFD, tabs and
 * newlines go, and (without a state override) leading and trailing C0 controls and spaces.
 */
static int clean_input(struct str in, bool trim, struct buf *out, struct str *res)
{
    if (trim) {
        while (in.len > 0 && (unsigned char)in.ptr[0] <= 0x20) {
            in.ptr++;
            in.len--;
        }
        while (in.len > 0 && (unsigned char)in.ptr[in.len - 1] <= 0x20) {
            in.len--;
        }
    }
    /* The common case: nothing to remove or replace, the input is used as it is. */
    bool ascii = true;
    bool tabs = false;
    for (size_t k = 0; k < in.len; k++) {
        unsigned char c = (unsigned char)in.ptr[k];
        ascii = ascii && c < 0x80;
        tabs = tabs || c == '\t' || c == '\n' || c == '\r';
    }
    if (!tabs && (ascii || utf8_is_valid(in.ptr, in.len))) {
        *res = in;
        return RC_OK;
    }
    int rc = RC_OK;
    size_t i = 0;
    while (i < in.len && rc == RC_OK) {
        size_t j = i;
        while (j < in.len && in.ptr[j] != '\t' && in.ptr[j] != '\n' && in.ptr[j] != '\r') {
            j++;
        }
        rc = url_utf8_lossy(str_make(in.ptr + i, j - i), out);
        i = j + 1;
    }
    *res = buf_str(out);
    return rc;
}

/* Run the state machine over input on u (fresh, or the setter's URL with an override). */
static int run_parser(struct str input, const struct url *base, struct url *u, enum state start,
                      enum state override)
{
    struct parser ps = {
        .u = u, .base = base, .state = start, .override = override, .special = url_is_special(u)
    };
    struct buf clean;
    buf_init(&clean, part_max(u->max_input_bytes));
    /* The working buffer is the record's (its memory is reused with the record). */
    ps.b = u->scratch;
    buf_reset(&ps.b);
    struct str cleaned;
    int rc = clean_input(input, override == ST_NONE, &clean, &cleaned);
    if (rc != RC_OK) {
        goto out;
    }
    ps.in = cleaned.ptr ? cleaned.ptr : "";
    ps.n = (ptrdiff_t)cleaned.len;
    for (;;) {
        int c = ps.p < ps.n ? (unsigned char)ps.in[ps.p] : -1;
        rc = step(&ps, c);
        if (ps.rc != RC_OK) {
            rc = ps.rc;
        }
        if (rc != RC_OK || ps.p >= ps.n) {
            break;
        }
        ps.p++;
    }
    if (rc == DONE) {
        rc = RC_OK;
    }
out:
    u->scratch = ps.b;
    buf_fini(&clean);
    return rc;
}

/* ================================================================ the canonical fast path */

/*
 * Most URLs a server handles are already in their serialised form ("https://host/p?q"). For
 * those the parser's output is its input: url_parse_canonical() recognises them in one pass
 * and finds the component offsets without building anything. It accepts only forms whose
 * parse it can be sure of (see url.h) and declines everything else, which then goes through
 * the state machine; the unit tests and fuzz_url check that both agree on every input it
 * accepts.
 */

/* What each ASCII byte may be in a canonical component (bytes >= 0x80 never are): printable
 * (0x21..0x7E) and outside the component's percent-encode set, and not a byte that ends the
 * component or that the parser changes. Generated from set_bits. */
enum {
    F_PATH = 1,     /* path set; not / \\ | */
    F_QUERY = 2,    /* query set; not # */
    F_SQUERY = 4,   /* special-query set; not # */
    F_FRAG = 8,     /* fragment set */
    F_USER = 16,    /* userinfo set (so not : @ /) */
    F_HOST = 32,    /* a-z 0-9 _ - */
    F_OPAQUE = 64,  /* C0-control set; not ? # */
    F_SCHEME = 128, /* a-z 0-9 + - . */
    F_AUTH = 256    /* printable; not / ? # \\ */
};

static const uint16_t canon_bits[256] = {
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x15f, 0x140, 0x008, 0x15f, 0x15f, 0x15f,
    0x15b, 0x15f, 0x15f, 0x15f, 0x1df, 0x15f, 0x1ff, 0x1df, 0x04e, 0x1ff, 0x1ff, 0x1ff, 0x1ff,
    0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x14f, 0x14f, 0x140, 0x14f, 0x140, 0x00e, 0x14f,
    0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f,
    0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f, 0x15f,
    0x14f, 0x04e, 0x14f, 0x14f, 0x17f, 0x146, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff,
    0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff,
    0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x14e, 0x14e, 0x14e, 0x15f, 0x000,
};

/* The index of the first byte at or after i that is not of class f (or the end). */
static inline size_t run_of(struct str s, size_t i, unsigned f)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    /* Four bytes a step while all four are in the class. */
    while (i + 4 <= s.len && (canon_bits[p[i]] & canon_bits[p[i + 1]] & canon_bits[p[i + 2]] &
                              canon_bits[p[i + 3]] & f)) {
        i += 4;
    }
    while (i < s.len && (canon_bits[p[i]] & f)) {
        i++;
    }
    return i;
}

/* A dotted-decimal IPv4 address as the IPv4 serialiser writes it: four parts of 0..255 without
 * leading zeros. */
static bool canonical_ipv4(struct str h)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && (i >= h.len || h.ptr[i++] != '.')) {
            return false;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < h.len && is_digit(h.ptr[i]) && i - start < 3) {
            v = v * 10 + (unsigned)(h.ptr[i++] - '0');
        }
        if (i == start || v > 255 || (h.ptr[start] == '0' && i - start > 1)) {
            return false;
        }
    }
    return i == h.len;
}

/* A host that domain to ASCII returns unchanged: labels of [a-z0-9_-] (an "xn--" one only when
 * url_host_plain_ace says so; none empty but a final one after a trailing dot), or a canonical
 * IPv4 address when the last label starts with a digit (the only way it can "end in a number"). */
static bool canonical_domain(struct str h)
{
    size_t i = 0;
    size_t last = 0;
    for (;;) {
        size_t end = run_of(h, i, F_HOST);
        if (end == i) {
            /* An empty label: only the final one after a trailing dot. */
            if (end < h.len || i == 0) {
                return false;
            }
            break;
        }
        if (end - i >= 4 && memcmp(h.ptr + i, "xn--", 4) == 0 &&
            !url_host_plain_ace(str_make(h.ptr + i, end - i))) {
            return false;
        }
        last = i;
        if (end == h.len) {
            break;
        }
        if (h.ptr[end] != '.') {
            return false;
        }
        i = end + 1;
    }
    return !is_digit(h.ptr[last]) || canonical_ipv4(h);
}

/* A port as the serialiser writes it: 0..65535 without leading zeros, not the default. */
static bool canonical_port(struct str p, int default_port)
{
    if (p.len == 0 || p.len > 5 || (p.ptr[0] == '0' && p.len > 1)) {
        return false;
    }
    int v = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (!is_digit(p.ptr[i])) {
            return false;
        }
        v = v * 10 + (p.ptr[i] - '0');
    }
    return v <= 65535 && v != default_port;
}

/* Userinfo at i in the authority ending at end, when there is an '@': canonical means a
 * non-empty username and, after a ':', a non-empty password. Sets the offsets and returns
 * where the host starts (i when there is no userinfo), or 0 when not canonical. */
static size_t canonical_userinfo(struct str s, size_t i, size_t end, struct url_offsets *o)
{
    o->username_start = o->username_end = o->password_start = o->password_end = i;
    const char *at = memchr(s.ptr + i, '@', end - i);
    if (at == NULL) {
        return i;
    }
    size_t at_i = (size_t)(at - s.ptr);
    size_t user_end = run_of(s, i, F_USER);
    size_t pass_end = user_end;
    if (user_end < at_i && s.ptr[user_end] == ':') {
        pass_end = run_of(s, user_end + 1, F_USER);
        if (pass_end == user_end + 1) {
            return 0;
        }
    }
    if (user_end == i || pass_end != at_i) {
        return 0;
    }
    o->username_end = user_end;
    o->password_start = user_end < at_i ? user_end + 1 : user_end;
    o->password_end = at_i;
    return at_i + 1;
}

/* The host from i in the authority ending at end: a domain, or a bracketed IPv6 address. Sets
 * *host_end and *colon (the port's ':', or NULL); false when not canonical. */
static bool canonical_host(struct str s, size_t i, size_t end, size_t *host_end, const char **colon)
{
    if (s.ptr[i] != '[') {
        *colon = memchr(s.ptr + i, ':', end - i);
        *host_end = *colon ? (size_t)(*colon - s.ptr) : end;
        return canonical_domain(str_make(s.ptr + i, *host_end - i));
    }
    /* An IPv6 address: up to ']', then the port's ':' or the end. */
    const char *close = memchr(s.ptr + i, ']', end - i);
    *host_end = close ? (size_t)(close - s.ptr) + 1 : i;
    *colon = *host_end < end && s.ptr[*host_end] == ':' ? s.ptr + *host_end : NULL;
    return (*host_end == end || *colon) &&
           url_host_canonical_ipv6(str_make(s.ptr + i, *host_end - i));
}

/* The authority of a special URL from i (after "//") up to end (its '/'): canonical userinfo,
 * host and port. */
static bool canonical_authority(struct str s, size_t i, size_t end, int default_port,
                                struct url_offsets *o)
{
    i = canonical_userinfo(s, i, end, o);
    size_t host_end = 0;
    const char *colon = NULL;
    if (i == 0 || !canonical_host(s, i, end, &host_end, &colon)) {
        return false;
    }
    o->host_start = i;
    o->host_end = host_end;
    o->port_end = end;
    return colon == NULL ||
           canonical_port(str_make(s.ptr + host_end + 1, end - host_end - 1), default_port);
}

static bool dot_segment(struct str g)
{
    return g.len > 0 && g.len <= 6 && (g.ptr[0] == '.' || g.ptr[0] == '%') &&
           (is_dot(g) || is_dotdot(g));
}

/* A path of segments from s[i] == '/' (bytes of class F_PATH); returns its end, where a query,
 * a fragment or the input's end must follow. *dots: it has a dot segment. */
static size_t canonical_path(struct str s, size_t i, bool *dots)
{
    for (;;) {
        size_t seg = i + 1;
        i = run_of(s, seg, F_PATH);
        *dots = *dots || dot_segment(str_make(s.ptr + seg, i - seg));
        if (i == s.len || s.ptr[i] != '/') {
            return i;
        }
    }
}

/* A special URL after its scheme's ':' at i: "//", the authority, the path. Returns the path's
 * end, or 0 when not canonical (dot segments set *dots, except for file: not canonical). */
static size_t canonical_special(struct str s, size_t i, const struct special_scheme *sp,
                                struct url_offsets *o, bool *dots)
{
    if (s.len - i < 3 || s.ptr[i] != '/' || s.ptr[i + 1] != '/') {
        return 0;
    }
    i += 2;
    /* The authority ends at the path's '/' (an empty path gets one from the parser, and
     * anything not printable ASCII would be rejected below anyway). */
    size_t end = run_of(s, i, F_AUTH);
    if (end == s.len || s.ptr[end] != '/') {
        return 0;
    }
    bool file = sp->port < 0;
    if (!file && !canonical_authority(s, i, end, sp->port, o)) {
        return 0;
    }
    if (file) {
        if (end != i) {
            return 0; /* file: only the empty host ("file:///p") */
        }
        o->username_start = o->username_end = o->password_start = o->password_end = i;
        o->host_start = o->host_end = o->port_end = i;
    }
    o->path_start = end;
    i = canonical_path(s, end, dots);
    return *dots && file ? 0 : i;
}

/* The one pass of url_parse_canonical and url_parse_fast; *dots: canonical but for dot
 * segments in a special URL's path (never for file, whose drive letters change shortening). */
static bool scan_canonical(struct str s, struct url_offsets *o, bool *dots)
{
    *dots = false;
    if (s.len == 0 || s.ptr[0] < 'a' || s.ptr[0] > 'z') {
        return false;
    }
    size_t i = run_of(s, 1, F_SCHEME);
    if (i + 1 >= s.len || s.ptr[i] != ':') {
        return false;
    }
    const struct special_scheme *sp = find_special(str_make(s.ptr, i));
    o->scheme_end = i++;
    if (sp == NULL) {
        /* An opaque path: no '/' after the scheme (that would be a path or an authority). */
        if (s.ptr[i] == '/') {
            return false;
        }
        o->username_start = o->username_end = o->password_start = o->password_end = i;
        o->host_start = o->host_end = o->port_end = o->path_start = i;
        i = run_of(s, i, F_OPAQUE);
    } else {
        i = canonical_special(s, i, sp, o, dots);
        if (i == 0) {
            return false;
        }
    }
    o->query_start = i;
    if (i < s.len && s.ptr[i] == '?') {
        i = run_of(s, i + 1, sp ? F_SQUERY : F_QUERY);
    }
    o->fragment_start = i;
    if (i < s.len && s.ptr[i] == '#') {
        i = run_of(s, i + 1, F_FRAG);
    }
    return i == s.len;
}

bool url_parse_canonical(struct str input, struct url_offsets *out)
{
    bool dots = false;
    return scan_canonical(input, out, &dots) && !dots;
}

/* Write into out the href of s (scanned, with dot segments in its path): the path state's
 * steps for "." and ".." (and %2e spellings) over the segments, the rest copied; o follows. */
static int remove_dots(struct str s, struct url_offsets *o, struct buf *out)
{
    buf_reset(out);
    int rc = buf_try_append(out, s.ptr, o->path_start);
    size_t root = out->len;
    size_t i = o->path_start;
    while (i < o->query_start && rc == RC_OK) {
        size_t seg = i + 1;
        const char *slash = memchr(s.ptr + seg, '/', o->query_start - seg);
        i = slash ? (size_t)(slash - s.ptr) : o->query_start;
        struct str g = str_make(s.ptr + seg, i - seg);
        bool last = i == o->query_start;
        if (dot_segment(g) && is_dotdot(g)) {
            /* Shorten the path: drop its last "/segment". */
            size_t k = out->len;
            while (k > root && out->ptr[k - 1] != '/') {
                k--;
            }
            out->len = k > root ? k - 1 : root;
        }
        if (!dot_segment(g) || last) {
            rc = buf_try_append_char(out, '/');
            rc = rc ? rc : buf_try_append(out, g.ptr, dot_segment(g) ? 0 : g.len);
        }
    }
    size_t path_end = out->len;
    rc = rc ? rc : buf_try_append(out, s.ptr + o->query_start, s.len - o->query_start);
    o->fragment_start = o->fragment_start - o->query_start + path_end;
    o->query_start = path_end;
    return rc;
}

bool url_parse_fast(struct str input, struct buf *scratch, struct str *out_href,
                    struct url_offsets *out)
{
    bool dots = false;
    if (!scan_canonical(input, out, &dots)) {
        return false;
    }
    if (!dots) {
        *out_href = input;
        return true;
    }
    if (remove_dots(input, out, scratch) != RC_OK) {
        return false;
    }
    *out_href = buf_str(scratch);
    return true;
}

/* Fill the fresh record u from s, a canonical href with offsets o. */
static int take_canonical(struct url *u, struct str s, const struct url_offsets *o)
{
    int rc = RC_OK;
    app(&rc, &u->scheme, str_make(s.ptr, o->scheme_end));
    u->has_host = s.ptr[o->scheme_end + 1] == '/';
    u->opaque_path = !u->has_host;
    app(&rc, &u->username, str_sub(s, o->username_start, o->username_end - o->username_start));
    app(&rc, &u->password, str_sub(s, o->password_start, o->password_end - o->password_start));
    app(&rc, &u->host, str_sub(s, o->host_start, o->host_end - o->host_start));
    if (o->port_end > o->host_end) {
        u->port = 0;
        for (size_t i = o->host_end + 1; i < o->port_end; i++) {
            u->port = u->port * 10 + (s.ptr[i] - '0');
        }
    }
    app(&rc, &u->path, str_sub(s, o->path_start, o->query_start - o->path_start));
    u->has_query = o->fragment_start > o->query_start;
    if (u->has_query) {
        app(&rc, &u->query, str_sub(s, o->query_start + 1, o->fragment_start - o->query_start - 1));
    }
    u->has_fragment = o->fragment_start < s.len;
    if (u->has_fragment) {
        app(&rc, &u->fragment, str_sub(s, o->fragment_start + 1, s.len - o->fragment_start - 1));
    }
    app(&rc, &u->href, s);
    return rc;
}

static int parse(struct str input, const struct url *base, size_t max_input_bytes, bool fast,
                 struct url **out_url, struct diag *d)
{
    struct url *u = NULL;
    size_t max = max_input_bytes ? max_input_bytes : URL_DEFAULT_MAX_INPUT_BYTES;
    int rc = RC_OK;
    *out_url = NULL;
    if (input.len > max) {
        rc = diag_set(d, RC_LIMIT, "url is %zu bytes, limit %zu", input.len, max);
        goto out;
    }
    u = url_new(max);
    struct url_offsets o;
    struct str href;
    if (fast && url_parse_fast(input, &u->scratch, &href, &o)) {
        rc = take_canonical(u, href, &o);
    } else {
        rc = run_parser(input, base, u, ST_SCHEME_START, ST_NONE);
        rc = rc ? rc : refresh_href(u);
    }
    if (rc == RC_LIMIT) {
        rc = diag_set(d, RC_LIMIT, "url components over limit (input %zu bytes)", input.len);
    } else if (rc != RC_OK) {
        rc = diag_set(d, RC_INVAL, "invalid url");
    }
    if (rc != RC_OK) {
        goto out;
    }
    *out_url = u;
    u = NULL;
out:
    url_free(u);
    return rc;
}

int url_parse(struct str input, const struct url *base, size_t max_input_bytes,
              struct url **out_url, struct diag *d)
{
    return parse(input, base, max_input_bytes, true, out_url, d);
}

int url_parse_full(struct str input, const struct url *base, size_t max_input_bytes,
                   struct url **out_url, struct diag *d)
{
    return parse(input, base, max_input_bytes, false, out_url, d);
}

bool url_can_parse(struct str input, const struct url *base)
{
    struct url *u = NULL;
    int rc = url_parse(input, base, 0, &u, NULL);
    url_free(u);
    return rc == RC_OK;
}

/* ================================================================ the URL API */

static int append_origin(const struct url *u, struct buf *out)
{
    struct str scheme = buf_str(&u->scheme);
    if (str_eq_cstr(scheme, "blob")) {
        struct url *inner = NULL;
        int rc = RC_OK;
        if (url_parse(buf_str(&u->path), NULL, u->max_input_bytes, &inner, NULL) == RC_OK &&
            inner != NULL &&
            (str_eq_cstr(buf_str(&inner->scheme), "http") ||
             str_eq_cstr(buf_str(&inner->scheme), "https"))) {
            rc = append_origin(inner, out);
        } else {
            rc = buf_try_append_cstr(out, "null");
        }
        url_free(inner);
        return rc;
    }
    if (!url_is_special(u) || is_file(u)) {
        return buf_try_append_cstr(out, "null");
    }
    int rc = buf_try_append_str(out, scheme);
    rc = rc ? rc : buf_try_append_cstr(out, "://");
    rc = rc ? rc : buf_try_append_str(out, buf_str(&u->host));
    if (u->port >= 0) {
        rc = rc ? rc : buf_try_printf(out, ":%d", u->port);
    }
    return rc;
}

int url_get(const struct url *u, enum url_part part, struct buf *out)
{
    int rc = RC_OK;
    switch (part) {
    case URL_HREF:
        return buf_try_append_str(out, buf_str(&u->href));
    case URL_ORIGIN:
        return append_origin(u, out);
    case URL_PROTOCOL:
        rc = buf_try_append_str(out, buf_str(&u->scheme));
        return rc ? rc : buf_try_append_char(out, ':');
    case URL_USERNAME:
        return buf_try_append_str(out, buf_str(&u->username));
    case URL_PASSWORD:
        return buf_try_append_str(out, buf_str(&u->password));
    case URL_HOST:
    case URL_HOSTNAME:
        if (!u->has_host) {
            return RC_OK;
        }
        rc = buf_try_append_str(out, buf_str(&u->host));
        if (part == URL_HOST && u->port >= 0) {
            rc = rc ? rc : buf_try_printf(out, ":%d", u->port);
        }
        return rc;
    case URL_PORT:
        return u->port >= 0 ? buf_try_printf(out, "%d", u->port) : RC_OK;
    case URL_PATHNAME:
        return buf_try_append_str(out, buf_str(&u->path));
    case URL_SEARCH:
        if (!u->has_query || u->query.len == 0) {
            return RC_OK;
        }
        rc = buf_try_append_char(out, '?');
        return rc ? rc : buf_try_append_str(out, buf_str(&u->query));
    case URL_HASH:
        if (!u->has_fragment || u->fragment.len == 0) {
            return RC_OK;
        }
        rc = buf_try_append_char(out, '#');
        return rc ? rc : buf_try_append_str(out, buf_str(&u->fragment));
    }
    return RC_INVAL;
}

/* The standard's "potentially strip trailing spaces from an opaque path". */
static void strip_opaque_spaces(struct url *u)
{
    if (!u->opaque_path || u->has_fragment || u->has_query) {
        return;
    }
    while (u->path.len > 0 && u->path.ptr[u->path.len - 1] == ' ') {
        u->path.len--;
    }
    if (u->path.ptr != NULL) {
        u->path.ptr[u->path.len] = '\0';
    }
}

/* Run a state-override parse on a copy of u and keep the copy unless the limit was hit. */
static int set_with_state(struct url *u, struct str value, enum state st)
{
    struct url *w = url_dup(u);
    int rc = run_parser(value, NULL, w, st, st);
    if (rc == RC_LIMIT) {
        goto out;
    }
    /* Failure after partial changes keeps them, as the standard's in-place parse does. */
    rc = refresh_href(w);
    if (rc != RC_OK) {
        goto out;
    }
    url_take(u, w);
    w = NULL;
out:
    url_free(w);
    return rc;
}

static int set_search_or_hash(struct url *u, struct str value, bool search)
{
    struct buf *b = search ? &u->query : &u->fragment;
    bool *has = search ? &u->has_query : &u->has_fragment;
    if (value.len == 0) {
        buf_reset(b);
        *has = false;
        strip_opaque_spaces(u);
        return refresh_href(u);
    }
    if (value.ptr[0] == (search ? '?' : '#')) {
        value = str_sub(value, 1, value.len);
    }
    struct url *w = url_dup(u);
    buf_reset(search ? &w->query : &w->fragment);
    *(search ? &w->has_query : &w->has_fragment) = true;
    enum state st = search ? ST_QUERY : ST_FRAGMENT;
    int rc = run_parser(value, NULL, w, st, st);
    rc = rc ? rc : refresh_href(w);
    if (rc == RC_OK) {
        url_take(u, w);
        w = NULL;
    }
    url_free(w);
    return rc;
}

static int set_userinfo(struct url *u, struct str value, bool user)
{
    if (cannot_have_credentials_or_port(u)) {
        return RC_OK;
    }
    struct buf *b = user ? &u->username : &u->password;
    struct buf t;
    buf_init(&t, b->max);
    int rc = url_percent_encode(value, URL_SET_USERINFO, &t);
    if (rc == RC_OK) {
        buf_reset(b);
        rc = buf_try_append_str(b, buf_str(&t));
    }
    buf_fini(&t);
    return rc ? rc : refresh_href(u);
}

static int set_href(struct url *u, struct str value)
{
    struct url *n = NULL;
    int rc = url_parse(value, NULL, u->max_input_bytes, &n, NULL);
    if (rc == RC_OK && ALWAYS(n != NULL)) {
        url_take(u, n);
    }
    return rc;
}

static int set_protocol(struct url *u, struct str value)
{
    struct buf t;
    buf_init(&t, value.len + 1);
    int rc = buf_try_append_str(&t, value);
    rc = rc ? rc : buf_try_append_char(&t, ':');
    rc = rc ? rc : set_with_state(u, buf_str(&t), ST_SCHEME_START);
    buf_fini(&t);
    return rc == RC_LIMIT ? rc : RC_OK;
}

int url_set(struct url *u, enum url_part part, struct str value)
{
    if (value.len > u->max_input_bytes) {
        return RC_LIMIT;
    }
    switch (part) {
    case URL_HREF:
        return set_href(u, value);
    case URL_ORIGIN:
        return RC_INVAL;
    case URL_PROTOCOL:
        return set_protocol(u, value);
    case URL_USERNAME:
    case URL_PASSWORD:
        return set_userinfo(u, value, part == URL_USERNAME);
    case URL_HOST:
    case URL_HOSTNAME:
        if (u->opaque_path) {
            return RC_OK;
        }
        return set_with_state(u, value, part == URL_HOST ? ST_HOST : ST_HOSTNAME) == RC_LIMIT
                   ? RC_LIMIT
                   : RC_OK;
    case URL_PORT:
        if (cannot_have_credentials_or_port(u)) {
            return RC_OK;
        }
        if (value.len == 0) {
            u->port = -1;
            return refresh_href(u);
        }
        return set_with_state(u, value, ST_PORT) == RC_LIMIT ? RC_LIMIT : RC_OK;
    case URL_PATHNAME: {
        if (u->opaque_path) {
            return RC_OK;
        }
        buf_reset(&u->path);
        int rc = set_with_state(u, value, ST_PATH_START);
        return rc == RC_LIMIT ? rc : refresh_href(u);
    }
    case URL_SEARCH:
        return set_search_or_hash(u, value, true);
    case URL_HASH:
        return set_search_or_hash(u, value, false);
    }
    return RC_INVAL;
}
