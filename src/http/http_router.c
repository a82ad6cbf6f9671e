/* SPDX-License-Identifier: MIT */
/*
 * The route table (spec/10-http.md §1.1-1.2) as a segment trie. Each node has literal edges,
 * one ":name" edge, one middle-"*" edge, the routes that end at it and the routes whose trailing
 * "*" starts after it. Matching is a depth-first walk in specificity order (literal > :name >
 * middle * > trailing *), so the first route accepted for the method is the most specific one.
 * All memory is in the router's arena. Thread contract: build on one thread, then match from
 * any number of threads (matching only reads).
 */
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/rc.h"
#include "base/str.h"
#include "base/vec.h"
#include "http/http.h"
#include "http/http_internal.h"

#define PATTERN_MAX_BYTES 500
#define SEGMENTS_INLINE   64

struct route {
    struct str method;
    struct str pattern;
    void *target;
    struct str param_names[HTTP_ROUTE_PARAMS_MAX]; /* in order of the :name segments */
    size_t param_count;
    bool trailing; /* ends with "*" */
};

struct node;

struct route_vec {
    struct route *items;
    size_t count;
    size_t cap;
};

struct lit_edge {
    struct str seg;
    struct node *child;
};

struct node {
    VEC(struct lit_edge) lits;
    struct node *param;
    struct node *wild;
    struct route_vec here; /* patterns ending at this node */
    struct route_vec tail; /* patterns "<this node>/ *" */
};

struct http_router {
    struct arena *arena;
    struct node *root;
};

struct http_router *http_router_new(void)
{
    struct arena *a = arena_new(16384);
    struct http_router *r = arena_calloc(a, 1, sizeof(*r));
    r->arena = a;
    r->root = arena_calloc(a, 1, sizeof(*r->root));
    return r;
}

void http_router_free(struct http_router *r)
{
    if (r == NULL) {
        return;
    }
    arena_free(r->arena);
}

/* ------------------------------------------------------------------ patterns */

static bool is_name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

enum seg_kind {
    SEG_LITERAL,
    SEG_PARAM,
    SEG_WILD,     /* middle "*" */
    SEG_TRAILING, /* last "*" */
};

/* Check the whole-path rules shared by patterns: leading '/', length, no "..", "//", '?', '#'. */
static int check_path_rules(struct str p, struct diag *d)
{
    if (p.len == 0 || p.ptr[0] != '/') {
        return diag_set(d, RC_INVAL, "route path must start with '/'");
    }
    if (p.len > PATTERN_MAX_BYTES) {
        return diag_set(d, RC_INVAL, "route path is %zu bytes, limit %d", p.len, PATTERN_MAX_BYTES);
    }
    if (str_find(p, STR("..")) >= 0) {
        return diag_set(d, RC_INVAL, "route path must not contain '..'");
    }
    if (str_find(p, STR("//")) >= 0) {
        return diag_set(d, RC_INVAL, "route path must not contain '//'");
    }
    if (str_find_char(p, '?') >= 0 || str_find_char(p, '#') >= 0) {
        return diag_set(d, RC_INVAL, "route path must not contain '?' or '#'");
    }
    for (size_t i = 0; i < p.len; i++) {
        unsigned char c = (unsigned char)p.ptr[i];
        if (c <= 0x20 || c == 0x7f) {
            return diag_set(d, RC_INVAL, "route path must not contain spaces or control bytes");
        }
    }
    return RC_OK;
}

/* Classify one pattern segment; last says whether it is the final segment. */
static int classify(struct str seg, bool last, enum seg_kind *out_kind, struct diag *d)
{
    *out_kind = SEG_LITERAL;
    if (seg.len > 0 && seg.ptr[0] == ':') {
        if (seg.len < 2 || !is_name_start(seg.ptr[1])) {
            return diag_set(d, RC_INVAL, "bad parameter name '%.*s'", STR_FMT(seg));
        }
        for (size_t i = 2; i < seg.len; i++) {
            if (!is_name_char(seg.ptr[i])) {
                return diag_set(d, RC_INVAL, "bad parameter name '%.*s'", STR_FMT(seg));
            }
        }
        *out_kind = SEG_PARAM;
        return RC_OK;
    }
    if (str_eq(seg, STR("*"))) {
        *out_kind = last ? SEG_TRAILING : SEG_WILD;
        return RC_OK;
    }
    if (str_find_char(seg, '*') >= 0) {
        return diag_set(d, RC_INVAL, "'*' must be a whole segment in '%.*s'", STR_FMT(seg));
    }
    return RC_OK;
}

/* Record the parameter name of a ":name" segment; RC_INVAL when repeated or too many. */
static int note_param(struct str *names, size_t *count, struct str name, struct diag *d)
{
    for (size_t i = 0; i < *count; i++) {
        if (str_eq(names[i], name)) {
            return diag_set(d, RC_INVAL, "parameter ':%.*s' appears twice", STR_FMT(name));
        }
    }
    if (*count == HTTP_ROUTE_PARAMS_MAX) {
        return diag_set(d, RC_INVAL, "more than %d parameters", HTTP_ROUTE_PARAMS_MAX);
    }
    names[(*count)++] = name;
    return RC_OK;
}

/* Validate every segment of pattern p (after the whole-path rules). */
static int check_segments(struct str p, struct diag *d)
{
    struct str rest = str_sub(p, 1, p.len);
    struct str names[HTTP_ROUTE_PARAMS_MAX];
    size_t name_count = 0;
    bool more = true;
    while (more) {
        struct str seg;
        more = str_split_char(rest, '/', &seg, &rest);
        enum seg_kind kind;
        int rc = classify(seg, !more, &kind, d);
        if (rc == RC_OK && kind == SEG_PARAM) {
            rc = note_param(names, &name_count, str_sub(seg, 1, seg.len), d);
        }
        if (rc != RC_OK) {
            return rc;
        }
    }
    return RC_OK;
}

int http_router_check_pattern(struct str pattern, struct diag *d)
{
    int rc = check_path_rules(pattern, d);
    if (rc != RC_OK) {
        return rc;
    }
    return check_segments(pattern, d);
}

static struct node *lit_child(struct http_router *r, struct node *n, struct str seg)
{
    for (size_t i = 0; i < n->lits.count; i++) {
        if (str_eq(n->lits.items[i].seg, seg)) {
            return n->lits.items[i].child;
        }
    }
    struct lit_edge e = { .seg = arena_strdup(r->arena, seg),
                          .child = arena_calloc(r->arena, 1, sizeof(struct node)) };
    VEC_PUSH_ARENA(r->arena, &n->lits, e);
    return e.child;
}

static struct node *edge_child(struct http_router *r, struct node **slot)
{
    if (*slot == NULL) {
        *slot = arena_calloc(r->arena, 1, sizeof(struct node));
    }
    return *slot;
}

/* Walk (creating) the trie nodes of a checked pattern; fills the route's parameter names. */
static struct node *route_node(struct http_router *r, struct route *rt)
{
    struct node *n = r->root;
    struct str rest = str_sub(rt->pattern, 1, rt->pattern.len);
    bool more = true;
    while (more) {
        struct str seg;
        more = str_split_char(rest, '/', &seg, &rest);
        enum seg_kind kind;
        int rc = classify(seg, !more, &kind, NULL);
        ASSERT(rc == RC_OK);
        if (kind == SEG_LITERAL) {
            n = lit_child(r, n, seg);
        } else if (kind == SEG_PARAM) {
            rt->param_names[rt->param_count++] = str_sub(seg, 1, seg.len);
            n = edge_child(r, &n->param);
        } else if (kind == SEG_WILD) {
            n = edge_child(r, &n->wild);
        } else {
            rt->trailing = true;
        }
    }
    return n;
}

int http_router_add(struct http_router *r, struct str method, struct str pattern, void *target,
                    struct diag *d)
{
    int rc = http_router_check_pattern(pattern, d);
    if (rc != RC_OK) {
        return rc;
    }
    if (method.len == 0) {
        return diag_set(d, RC_INVAL, "empty method");
    }
    struct route rt;
    memset(&rt, 0, sizeof(rt));
    rt.method = arena_strdup(r->arena, method);
    rt.pattern = arena_strdup(r->arena, pattern);
    rt.target = target;
    struct node *n = route_node(r, &rt);
    struct route_vec *list = rt.trailing ? &n->tail : &n->here;
    for (size_t i = 0; i < list->count; i++) {
        if (str_eq(list->items[i].method, rt.method)) {
            return diag_set(d, RC_CONFLICT, "route %.*s %.*s conflicts with %.*s %.*s",
                            STR_FMT(method), STR_FMT(pattern), STR_FMT(list->items[i].method),
                            STR_FMT(list->items[i].pattern));
        }
    }
    VEC_PUSH_ARENA(r->arena, list, rt);
    return RC_OK;
}

/* ------------------------------------------------------------------ matching */

struct str http_percent_decode(struct arena *a, struct str s)
{
    if (str_find_char(s, '%') < 0) {
        return s;
    }
    char *out = arena_alloc(a, s.len + 1);
    size_t n = str_percent_decode(s, false, out);
    out[n] = '\0';
    return str_make(out, n);
}

struct walk {
    struct str method;
    struct str raw_path;
    const struct str *segs;    /* decoded segments */
    const size_t *seg_offsets; /* offset of each raw segment in raw_path */
    size_t seg_count;
    struct str captures[HTTP_ROUTE_PARAMS_MAX];
    size_t capture_count;
    int mode; /* WALK_* */
    struct http_match *out;
    /* for 405: methods seen on path-matching routes */
    struct str seen[32];
    size_t seen_count;
    bool seen_overflow;
};

enum {
    WALK_MATCH,      /* accept the method (exact, or "*") */
    WALK_MATCH_HEAD, /* HEAD with GET fallback */
    WALK_FIND_HEAD,  /* only: does an explicit HEAD route match the path? */
    WALK_COLLECT,    /* collect every method of every matching route */
};

static void note_method(struct walk *w, struct str m)
{
    for (size_t i = 0; i < w->seen_count; i++) {
        if (str_eq(w->seen[i], m)) {
            return;
        }
    }
    if (w->seen_count < ARRAY_LEN(w->seen)) {
        w->seen[w->seen_count++] = m;
    } else {
        w->seen_overflow = true;
    }
}

/* Pick the route of list accepted in the walk's mode, exact method first. */
static const struct route *pick(struct walk *w, const struct route *list, size_t count,
                                bool *out_via_get)
{
    const struct route *any = NULL;
    const struct route *get = NULL;
    *out_via_get = false;
    for (size_t i = 0; i < count; i++) {
        const struct route *rt = &list[i];
        if (w->mode == WALK_COLLECT) {
            note_method(w, rt->method);
            continue;
        }
        if (w->mode == WALK_FIND_HEAD) {
            if (str_eq(rt->method, STR("HEAD"))) {
                return rt;
            }
            continue;
        }
        if (str_eq(rt->method, w->method)) {
            return rt;
        }
        if (str_eq(rt->method, STR("*"))) {
            any = rt;
        } else if (w->mode == WALK_MATCH_HEAD && str_eq(rt->method, STR("GET"))) {
            get = rt;
        }
    }
    if (get != NULL) {
        *out_via_get = true;
        return get;
    }
    return any;
}

static void fill_match(struct walk *w, const struct route *rt, bool via_get,
                       struct str trailing_value)
{
    struct http_match *m = w->out;
    m->kind = HTTP_MATCH_FOUND;
    m->target = rt->target;
    m->pattern = rt->pattern;
    m->method = rt->method;
    m->head_via_get = via_get;
    m->param_count = 0;
    for (size_t i = 0; i < rt->param_count; i++) {
        m->params[m->param_count].name = rt->param_names[i];
        m->params[m->param_count].value = w->captures[i];
        m->param_count++;
    }
    if (rt->trailing && m->param_count < HTTP_ROUTE_PARAMS_MAX) {
        m->params[m->param_count].name = STR("*");
        m->params[m->param_count].value = trailing_value;
        m->param_count++;
    }
}

/* Depth-first walk from node n at segment i; true when the walk is done (a route was found). */
static bool walk_node(struct walk *w, const struct node *n, size_t i)
{
    bool via_get;
    const struct route *rt;
    if (i == w->seg_count) {
        rt = pick(w, n->here.items, n->here.count, &via_get);
        if (rt != NULL) {
            fill_match(w, rt, via_get, STR_NULL);
            return true;
        }
        return false;
    }
    struct str seg = w->segs[i];
    for (size_t k = 0; k < n->lits.count; k++) {
        if (str_eq(n->lits.items[k].seg, seg)) {
            if (walk_node(w, n->lits.items[k].child, i + 1)) {
                return true;
            }
            break;
        }
    }
    if (seg.len > 0 && n->param != NULL && w->capture_count < HTTP_ROUTE_PARAMS_MAX) {
        w->captures[w->capture_count++] = seg;
        if (walk_node(w, n->param, i + 1)) {
            return true;
        }
        w->capture_count--;
    }
    if (seg.len > 0 && n->wild != NULL && walk_node(w, n->wild, i + 1)) {
        return true;
    }
    if (n->tail.count > 0) {
        rt = pick(w, n->tail.items, n->tail.count, &via_get);
        if (rt != NULL) {
            struct str raw = str_sub(w->raw_path, w->seg_offsets[i], w->raw_path.len);
            fill_match(w, rt, via_get, raw);
            return true;
        }
    }
    return false;
}

/* Canonical order of the Allow header (OPTIONS always comes last). */
static const char *const method_order[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE" };

static bool seen_method(const struct walk *w, struct str m)
{
    for (size_t i = 0; i < w->seen_count; i++) {
        if (str_eq(w->seen[i], m)) {
            return true;
        }
    }
    return false;
}

static bool is_ordered_method(struct str m)
{
    for (size_t k = 0; k < ARRAY_LEN(method_order); k++) {
        if (str_eq(m, str_from_cstr(method_order[k]))) {
            return true;
        }
    }
    return str_eq(m, STR("OPTIONS"));
}

/* Append ", m" (or m first); a list past the buffer's bound is cut, never overflowed. */
static void allow_append(struct buf *b, struct str m)
{
    if (b->len > 0 && buf_try_append_str(b, STR(", ")) != RC_OK) {
        return;
    }
    if (buf_try_append_str(b, m) != RC_OK) {
        return;
    }
}

static struct str build_allow(const struct walk *w, struct arena *a)
{
    struct buf b;
    buf_init(&b, 4096);
    for (size_t k = 0; k < ARRAY_LEN(method_order); k++) {
        struct str m = str_from_cstr(method_order[k]);
        bool head_from_get = k == 1 && seen_method(w, STR("GET"));
        if (seen_method(w, m) || head_from_get) {
            allow_append(&b, m);
        }
    }
    for (size_t i = 0; i < w->seen_count; i++) {
        if (!is_ordered_method(w->seen[i])) {
            allow_append(&b, w->seen[i]);
        }
    }
    allow_append(&b, STR("OPTIONS"));
    struct str out = arena_strdup(a, buf_str(&b));
    buf_fini(&b);
    return out;
}

void http_router_match(const struct http_router *r, struct str method, struct str raw_path,
                       struct arena *a, struct http_match *out_match)
{
    out_match->kind = HTTP_MATCH_NOT_FOUND;
    out_match->target = NULL;
    out_match->pattern = STR_NULL;
    out_match->method = STR_NULL;
    out_match->head_via_get = false;
    out_match->param_count = 0;
    out_match->allow = STR_NULL;
    if (raw_path.len == 0 || raw_path.ptr[0] != '/') {
        return;
    }
    /* Split at '/' first, then decode each segment, so "%2F" never splits. */
    size_t count = 1;
    for (size_t i = 1; i < raw_path.len; i++) {
        count += raw_path.ptr[i] == '/';
    }
    struct str segs_inline[SEGMENTS_INLINE];
    size_t offs_inline[SEGMENTS_INLINE];
    struct str *segs = segs_inline;
    size_t *offs = offs_inline;
    if (count > SEGMENTS_INLINE) {
        segs = arena_alloc(a, count * sizeof(*segs));
        offs = arena_alloc(a, count * sizeof(*offs));
    }
    size_t start = 1;
    size_t k = 0;
    for (size_t i = 1; i <= raw_path.len; i++) {
        if (i == raw_path.len || raw_path.ptr[i] == '/') {
            offs[k] = start;
            segs[k] = http_percent_decode(a, str_sub(raw_path, start, i - start));
            k++;
            start = i + 1;
        }
    }
    struct walk w = { .method = method,
                      .raw_path = raw_path,
                      .segs = segs,
                      .seg_offsets = offs,
                      .seg_count = count,
                      .out = out_match };
    bool is_head = str_eq(method, STR("HEAD"));
    w.mode = WALK_MATCH;
    if (is_head) {
        w.mode = WALK_FIND_HEAD;
        bool explicit_head = walk_node(&w, r->root, 0);
        w.capture_count = 0;
        w.mode = explicit_head ? WALK_MATCH : WALK_MATCH_HEAD;
    }
    if (walk_node(&w, r->root, 0)) {
        return;
    }
    out_match->kind = HTTP_MATCH_NOT_FOUND;
    out_match->param_count = 0;
    w.capture_count = 0;
    w.mode = WALK_COLLECT;
    (void)walk_node(&w, r->root, 0);
    if (w.seen_count > 0) {
        out_match->kind = HTTP_MATCH_NO_METHOD;
        out_match->allow = build_allow(&w, a);
    }
}
