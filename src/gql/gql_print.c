/* SPDX-License-Identifier: MIT */
/*
 * Printing for messages: value literals as graphql-js's print() writes them, and the
 * "Did you mean" suggestions of graphql-js (suggestionList: Damerau-Levenshtein distance within
 * 40% of the input's length, case-insensitive equality counting as 1; naturalCompare order).
 * Thread contract: any thread (pure functions over an arena).
 */
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "gql/gql_internal.h"

/* Messages and printed values are bounded by their buffer's maximum: a value too long for it
 * is truncated, which only shortens a message. */
static void put_char(struct buf *b, char c)
{
    IGNORE_RC(buf_try_append_char(b, c));
}

static void put_cstr(struct buf *b, const char *s)
{
    IGNORE_RC(buf_try_append_cstr(b, s));
}

static void put_slice(struct buf *b, struct str s)
{
    IGNORE_RC(buf_try_append_str(b, s));
}

static void print_string(struct buf *b, struct str s)
{
    static const char hex[] = "0123456789ABCDEF";
    put_char(b, '"');
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        const char *esc = NULL;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            break;
        }
        if (esc != NULL) {
            put_cstr(b, esc);
        } else if (c < 0x20 || c == 0x7F) {
            char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
            put_cstr(b, u);
        } else if (c == 0xC2 && i + 1 < s.len && (unsigned char)s.ptr[i + 1] >= 0x80 &&
                   (unsigned char)s.ptr[i + 1] <= 0x9F) {
            unsigned char d = (unsigned char)s.ptr[++i];
            char u[7] = { '\\', 'u', '0', '0', hex[d >> 4], hex[d & 15], 0 };
            put_cstr(b, u);
        } else {
            put_char(b, (char)c);
        }
    }
    put_char(b, '"');
}

static void print_value(struct buf *b, const struct gql_node *v, size_t depth)
{
    /* Messages are bounded by the buffer's maximum; overflow just truncates the text. */
    if (depth > 64) {
        return;
    }
    switch (v->kind) {
    case GQL_VARIABLE:
        put_char(b, '$');
        put_slice(b, v->name);
        break;
    case GQL_STRING:
        if (v->flag) {
            put_cstr(b, "\"\"\"");
            put_slice(b, v->text);
            put_cstr(b, "\"\"\"");
        } else {
            print_string(b, v->text);
        }
        break;
    case GQL_LIST:
        put_char(b, '[');
        for (size_t i = 0; i < v->children.count; i++) {
            put_cstr(b, i ? ", " : "");
            print_value(b, v->children.items[i], depth + 1);
        }
        put_char(b, ']');
        break;
    case GQL_OBJECT:
        put_char(b, '{');
        for (size_t i = 0; i < v->children.count; i++) {
            const struct gql_node *f = v->children.items[i];
            put_cstr(b, i ? ", " : "");
            put_slice(b, f->name);
            put_cstr(b, ": ");
            print_value(b, f->value, depth + 1);
        }
        put_char(b, '}');
        break;
    case GQL_NULL:
        put_cstr(b, "null");
        break;
    default:
        put_slice(b, v->text);
        break;
    }
}

struct str gql_print_value(struct arena *a, const struct gql_node *v)
{
    struct buf b;
    buf_init(&b, (size_t)64 * 1024);
    print_value(&b, v, 0);
    struct str out = arena_strdup(a, buf_str(&b));
    buf_fini(&b);
    return out;
}

/* ------------------------------------------------------------------ suggestions */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read the run of digits at s[*i] as a number. */
static unsigned long long read_run(struct str s, size_t *i)
{
    unsigned long long v = 0;
    while (*i < s.len && is_digit(s.ptr[*i])) {
        v = v * 10 + (unsigned)(s.ptr[(*i)++] - '0');
    }
    return v;
}

int gql_natural_compare(struct str a, struct str b)
{
    size_t i = 0;
    size_t j = 0;
    while (i < a.len && j < b.len) {
        char ca = a.ptr[i];
        char cb = b.ptr[j];
        if (is_digit(ca) && is_digit(cb)) {
            unsigned long long na = read_run(a, &i);
            unsigned long long nb = read_run(b, &j);
            if (na != nb) {
                return na < nb ? -1 : 1;
            }
            continue;
        }
        if (ca != cb) {
            return (unsigned char)ca < (unsigned char)cb ? -1 : 1;
        }
        i++;
        j++;
    }
    return (a.len - i > 0) - (b.len - j > 0);
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* One row of the optimal-string-alignment distance; returns the row's smallest cell. */
static size_t distance_row(struct str a, struct str b, size_t i, size_t rows[3][130])
{
    size_t *up = rows[(i - 1) % 3];
    size_t *row = rows[i % 3];
    size_t smallest = row[0] = i;
    for (size_t j = 1; j <= b.len; j++) {
        char ai = str_lower_char(a.ptr[i - 1]);
        char bj = str_lower_char(b.ptr[j - 1]);
        size_t cell = min3(up[j] + 1, row[j - 1] + 1, up[j - 1] + (ai == bj ? 0 : 1));
        bool transposed = i > 1 && j > 1 && ai == str_lower_char(b.ptr[j - 2]) &&
                          str_lower_char(a.ptr[i - 2]) == bj;
        if (transposed && rows[(i - 2) % 3][j - 2] + 1 < cell) {
            cell = rows[(i - 2) % 3][j - 2] + 1;
        }
        smallest = cell < smallest ? cell : smallest;
        row[j] = cell;
    }
    return smallest;
}

/* graphql-js LexicalDistance.measure; returns SIZE_MAX when above threshold. */
static size_t lexical_distance(struct str input, struct str option, size_t threshold)
{
    if (str_eq(input, option)) {
        return 0;
    }
    if (str_eq_nocase(input, option)) {
        return 1;
    }
    if (input.len > 128 || option.len > 128) {
        return SIZE_MAX;
    }
    struct str a = option.len >= input.len ? option : input;
    struct str b = option.len >= input.len ? input : option;
    if (a.len - b.len > threshold) {
        return SIZE_MAX;
    }
    size_t rows[3][130];
    for (size_t j = 0; j <= b.len; j++) {
        rows[0][j] = j;
    }
    for (size_t i = 1; i <= a.len; i++) {
        if (distance_row(a, b, i, rows) > threshold) {
            return SIZE_MAX;
        }
    }
    size_t d = rows[a.len % 3][b.len];
    return d <= threshold ? d : SIZE_MAX;
}

size_t gql_suggestion_list(struct arena *a, struct str input, const struct str *options,
                           size_t count, struct str *out)
{
    size_t threshold = (input.len * 4) / 10 + 1;
    size_t *dist = arena_alloc(a, (count + 1) * sizeof(*dist));
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        size_t d = lexical_distance(input, options[i], threshold);
        if (d == SIZE_MAX) {
            continue;
        }
        /* Insertion sort: the lists are short (a type's fields). */
        size_t k = n;
        while (k > 0 && (dist[k - 1] > d ||
                         (dist[k - 1] == d && gql_natural_compare(out[k - 1], options[i]) > 0))) {
            out[k] = out[k - 1];
            dist[k] = dist[k - 1];
            k--;
        }
        out[k] = options[i];
        dist[k] = d;
        n++;
    }
    return n;
}

static void did_you_mean_list(struct buf *out, const char *sub, const struct str *s, size_t n)
{
    if (n == 0) {
        return;
    }
    IGNORE_RC(buf_try_printf(out, " Did you mean%s%s ", sub ? " " : "", sub ? sub : ""));
    if (n > 5) {
        n = 5;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            IGNORE_RC(buf_try_append_cstr(out, n == 2 ? " or " : (i == n - 1 ? ", or " : ", ")));
        }
        IGNORE_RC(buf_try_printf(out, "\"%.*s\"", STR_FMT(s[i])));
    }
    IGNORE_RC(buf_try_append_char(out, '?'));
}

void gql_did_you_mean(struct buf *out, const char *sub, struct str input, const struct str *options,
                      size_t count)
{
    struct arena *a = arena_new(0);
    struct str *sorted = arena_alloc(a, (count + 1) * sizeof(*sorted));
    size_t n = input.ptr != NULL ? gql_suggestion_list(a, input, options, count, sorted) : 0;
    if (input.ptr == NULL) {
        memcpy(sorted, options, count * sizeof(*sorted));
        n = count;
    }
    did_you_mean_list(out, sub, sorted, n);
    arena_free(a);
}

/* ------------------------------------------------------------------ default values */

static bool is_int_text(struct str s)
{
    size_t i = (s.len > 0 && s.ptr[0] == '-') ? 1 : 0;
    if (i >= s.len || (s.ptr[i] == '0' && s.len > i + 1)) {
        return false;
    }
    for (; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') {
            return false;
        }
    }
    return true;
}

static void print_default(struct arena *a, struct buf *b, const struct gql_node *v,
                          const struct gql_type_ref *t, size_t depth);

/* The value of input field f in object literal v, or f's default, or NULL. */
static const struct gql_node *field_or_default(const struct gql_node *v,
                                               const struct gql_input_value *f)
{
    for (size_t k = 0; k < v->children.count; k++) {
        if (str_eq(v->children.items[k]->name, f->name)) {
            return v->children.items[k]->value;
        }
    }
    return f->default_value;
}

static void print_default_object(struct arena *a, struct buf *b, const struct gql_node *v,
                                 const struct gql_type *nt, size_t depth)
{
    size_t n = 0;
    put_char(b, '{');
    for (size_t i = 0; i < nt->input_field_count; i++) {
        const struct gql_input_value *f = &nt->input_fields[i];
        const struct gql_node *fv = field_or_default(v, f);
        if (fv != NULL) {
            IGNORE_RC(buf_try_printf(b, "%s%.*s: ", n++ ? ", " : "", STR_FMT(f->name)));
            print_default(a, b, fv, f->type, depth + 1);
        }
    }
    put_char(b, '}');
}

static void print_default_list(struct arena *a, struct buf *b, const struct gql_node *v,
                               const struct gql_type_ref *item, size_t depth)
{
    if (v->kind != GQL_LIST) {
        print_default(a, b, v, item, depth + 1);
        return;
    }
    put_char(b, '[');
    for (size_t i = 0; i < v->children.count; i++) {
        put_cstr(b, i ? ", " : "");
        print_default(a, b, v->children.items[i], item, depth + 1);
    }
    put_char(b, ']');
}

static void print_default_leaf(struct arena *a, struct buf *b, const struct gql_node *v,
                               const struct gql_type *nt, size_t depth)
{
    bool number = v->kind == GQL_INT || v->kind == GQL_FLOAT;
    if ((nt->scalar == GQL_SCALAR_FLOAT || nt->scalar == GQL_SCALAR_INT) && number) {
        char num[32];
        double d = strtod(arena_cstr(a, v->text), NULL);
        IGNORE_RC(buf_try_append(b, num, json_format_number(d, num)));
    } else if (nt->scalar == GQL_SCALAR_ID && (v->kind == GQL_STRING || v->kind == GQL_INT) &&
               is_int_text(v->text)) {
        put_slice(b, v->text);
    } else if (v->kind == GQL_STRING && v->flag) {
        print_string(b, v->text);
    } else {
        print_value(b, v, depth);
    }
}

static void print_default(struct arena *a, struct buf *b, const struct gql_node *v,
                          const struct gql_type_ref *t, size_t depth)
{
    if (depth > 64) {
        return;
    }
    if (t->kind == GQL_REF_NON_NULL) {
        t = t->of;
    }
    if (v->kind == GQL_NULL || v->kind == GQL_VARIABLE) {
        print_value(b, v, depth);
    } else if (t->kind == GQL_REF_LIST) {
        print_default_list(a, b, v, t->of, depth);
    } else if (t->named->kind == GQL_TYPE_INPUT_OBJECT && v->kind == GQL_OBJECT) {
        print_default_object(a, b, v, t->named, depth);
    } else {
        print_default_leaf(a, b, v, t->named, depth);
    }
}

struct str gql_print_default(struct arena *a, const struct gql_node *v,
                             const struct gql_type_ref *type)
{
    struct buf b;
    buf_init(&b, (size_t)64 * 1024);
    print_default(a, &b, v, type, 0);
    struct str out = arena_strdup(a, buf_str(&b));
    buf_fini(&b);
    return out;
}

static void print_ast_type(struct buf *b, const struct gql_node *t, size_t depth)
{
    if (depth > 64) {
        return;
    }
    if (t->kind == GQL_NAMED_TYPE) {
        put_slice(b, t->name);
    } else if (t->kind == GQL_LIST_TYPE) {
        put_char(b, '[');
        print_ast_type(b, t->type, depth + 1);
        put_char(b, ']');
    } else {
        print_ast_type(b, t->type, depth + 1);
        put_char(b, '!');
    }
}

struct str gql_print_ast_type(struct arena *a, const struct gql_node *t)
{
    struct buf b;
    buf_init(&b, 4096);
    print_ast_type(&b, t, 0);
    struct str out = arena_strdup(a, buf_str(&b));
    buf_fini(&b);
    return out;
}
