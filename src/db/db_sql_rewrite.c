/* SPDX-License-Identifier: MIT */
/*
 * The token rewrite of script SQL (db_sql_rewrite in db_sql.h): SQLite's lexical rules for
 * strings, quoted identifiers, comments and parameters, so nothing inside a literal or a
 * comment is ever touched. Table names of the namespace become "<prefix><name>"; $N becomes
 * ?N. A convenience for script authors, not the security boundary: the driver's guard
 * (SQLite's authorizer) refuses whatever the rewritten statement reaches outside the namespace.
 * Thread contract: pure, any thread.
 */
#include <stdarg.h>
#include <string.h>

#include <strings.h>

#include "base/mem.h"
#include "db/db_sql.h"

enum tok_kind {
    TK_BLANK, /* whitespace and comments */
    TK_STRING,
    TK_IDENT,  /* bare identifier or keyword */
    TK_QIDENT, /* "x", `x`, [x] */
    TK_PARAM,
    TK_NUMBER,
    TK_PUNCT,
};

struct tok {
    enum tok_kind kind;
    struct str text;
};

static bool ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
    return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of a quoted run starting at p[0] == open, closed by close (doubled close escapes,
 * except for [..]); 0 when unterminated. */
static size_t quoted_len(const char *p, const char *end, char close, bool doubling)
{
    for (const char *q = p + 1; q < end; q++) {
        if (*q != close) {
            continue;
        }
        if (doubling && q + 1 < end && q[1] == close) {
            q++;
            continue;
        }
        return (size_t)(q + 1 - p);
    }
    return 0;
}

static size_t blank_len(const char *p, const char *end)
{
    const char *q = p;
    while (q < end) {
        if (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\f' || *q == '\v') {
            q++;
        } else if (q + 1 < end && q[0] == '-' && q[1] == '-') {
            while (q < end && *q != '\n') {
                q++;
            }
        } else if (q + 1 < end && q[0] == '/' && q[1] == '*') {
            const char *e = q + 2;
            while (e + 1 < end && !(e[0] == '*' && e[1] == '/')) {
                e++;
            }
            if (e + 1 >= end) {
                return SIZE_MAX; /* unterminated comment */
            }
            q = e + 2;
        } else {
            break;
        }
    }
    return (size_t)(q - p);
}

/* Length of the run at p + n of identifier characters (and dots when dots). */
static size_t run_len(const char *p, const char *end, size_t n, bool dots)
{
    while (p + n < end && (ident_char((unsigned char)p[n]) || (dots && p[n] == '.'))) {
        n++;
    }
    return n;
}

/* Length and kind of the non-blank token at p (0: unterminated literal or quote). */
static size_t token_len(const char *p, const char *end, enum tok_kind *kind)
{
    unsigned char c = (unsigned char)*p;
    size_t n = 1;
    *kind = TK_PUNCT;
    if ((c == 'x' || c == 'X') && p + 1 < end && p[1] == '\'') {
        *kind = TK_STRING;
        n = quoted_len(p + 1, end, '\'', true);
        return n ? n + 1 : 0;
    }
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
        *kind = c == '\'' ? TK_STRING : TK_QIDENT;
        return c == '[' ? quoted_len(p, end, ']', false) : quoted_len(p, end, (char)c, true);
    }
    if (ident_start(c)) {
        *kind = TK_IDENT;
        return run_len(p, end, n, false);
    }
    if (is_digit((char)c) || (c == '.' && p + 1 < end && is_digit(p[1]))) {
        *kind = TK_NUMBER;
        return run_len(p, end, n, true);
    }
    if (c == '?' || c == '$' || c == ':' || c == '@') {
        n = run_len(p, end, n, false);
        *kind = n > 1 || c == '?' ? TK_PARAM : TK_PUNCT;
    }
    return n;
}

/* Read the token at p; false for an unterminated literal, quote or comment. */
static bool next_token(const char *p, const char *end, struct tok *t)
{
    size_t n = blank_len(p, end);
    if (n == SIZE_MAX) {
        return false;
    }
    if (n > 0) {
        *t = (struct tok){ .kind = TK_BLANK, .text = str_make(p, n) };
        return true;
    }
    n = token_len(p, end, &t->kind);
    if (n == 0) {
        return false;
    }
    t->text = str_make(p, n);
    return true;
}

/* The name a bare or quoted identifier token spells, unescaped into buf (cap bytes); false
 * when it does not fit. */
static bool tok_name(const struct tok *t, char *buf, size_t cap, struct str *out)
{
    if (t->kind == TK_IDENT) {
        *out = t->text;
        return true;
    }
    char close = t->text.ptr[0] == '[' ? ']' : t->text.ptr[0];
    size_t n = 0;
    for (size_t i = 1; i + 1 < t->text.len; i++) {
        if (n == cap) {
            return false;
        }
        buf[n++] = t->text.ptr[i];
        if (t->text.ptr[i] == close && close != ']') {
            i++; /* doubled quote */
        }
    }
    *out = str_make(buf, n);
    return true;
}

static bool kw(const struct tok *t, const char *word)
{
    return t->kind == TK_IDENT && t->text.len == strlen(word) &&
           strncasecmp(t->text.ptr, word, t->text.len) == 0;
}

static bool kw_in(const struct tok *t, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (kw(t, words[i])) {
            return true;
        }
    }
    return false;
}

/* Statements a script may never run (spec §3.2 "refused"); the guard refuses them too. */
static const char *const refused_first[] = { "ATTACH",    "DETACH",  "PRAGMA",  "VACUUM",
                                             "BEGIN",     "COMMIT",  "END",     "ROLLBACK",
                                             "SAVEPOINT", "RELEASE", "ANALYZE", "REINDEX" };

/* Names a table may not have: the rewrite would change them where they mean a keyword or a
 * function (spec §3.1, DB_NAME_CLASH). */
static const char *const clash_names[] = {
    "select",     "from",        "where",      "group",      "order",      "by",
    "having",     "limit",       "offset",     "insert",     "into",       "values",
    "update",     "set",         "delete",     "create",     "drop",       "alter",
    "table",      "index",       "view",       "join",       "on",         "as",
    "and",        "or",          "not",        "null",       "is",         "in",
    "like",       "case",        "when",       "then",       "else",       "end",
    "union",      "all",         "distinct",   "with",       "returning",  "default",
    "primary",    "key",         "unique",     "check",      "references", "foreign",
    "constraint", "exists",      "between",    "true",       "false",      "count",
    "sum",        "avg",         "min",        "max",        "total",      "abs",
    "coalesce",   "ifnull",      "nullif",     "length",     "lower",      "upper",
    "substr",     "trim",        "replace",    "round",      "random",     "date",
    "time",       "datetime",    "julianday",  "strftime",   "json",       "json_extract",
    "json_each",  "json_object", "json_array", "printf",     "format",     "instr",
    "hex",        "quote",       "typeof",     "unicode",    "char",       "group_concat",
    "iif",        "glob",        "cast",       "row_number", "rank",       "now",
};

static bool name_clashes(struct str name)
{
    for (size_t i = 0; i < ARRAY_LEN(clash_names); i++) {
        if (str_eq_nocase(name, str_from_cstr(clash_names[i]))) {
            return true;
        }
    }
    return false;
}

static bool name_well_formed(struct str name)
{
    if (name.len == 0 || name.len > DB_SQL_NAME_MAX_BYTES || is_digit(name.ptr[0])) {
        return false;
    }
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_')) {
            return false;
        }
    }
    return true;
}

/* The rewrite's state across tokens. */
struct rw {
    struct str prefix;
    const struct str *names;
    size_t n;
    struct str created; /* a name this statement creates (counts as a table from then on) */
    int ddl;            /* 1: after CREATE/DROP/ALTER, 2: the next identifier is a table name */
    bool creating;      /* the DDL is a CREATE */
    bool object_table;  /* ... of a TABLE */
    bool rename;        /* after RENAME (TO names a table, COLUMN does not) */
    bool add_column;    /* after ALTER ... ADD: the next identifier is a column */
    bool create_table;  /* inside CREATE TABLE (column positions at depth 1) */
    bool col_pos;       /* the next identifier is in a column-definition position */
    int depth;
    bool dollar;
    bool qmark;
    bool first;
    struct buf *out;
    struct diag *d;
    struct db_sql_error *err;
};

static int fail(struct rw *w, const char *code, int rc, const char *fmt, ...) PRINTF_FMT(4, 5);

static int fail(struct rw *w, const char *code, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    w->err->code = code;
    rc = diag_vset(w->d, rc, fmt, ap);
    va_end(ap);
    return rc;
}

static bool is_table(const struct rw *w, struct str name)
{
    if (w->created.len && str_eq_nocase(name, w->created)) {
        return true;
    }
    for (size_t i = 0; i < w->n; i++) {
        if (str_eq_nocase(name, w->names[i])) {
            return true;
        }
    }
    return false;
}

static int emit(struct rw *w, struct str s)
{
    int rc = buf_try_append_str(w->out, s);
    if (rc != RC_OK) {
        w->err->code = "DB_ERROR";
        return diag_set(w->d, RC_LIMIT, "statement is over %zu bytes once rewritten",
                        DB_SQL_MAX_BYTES);
    }
    return RC_OK;
}

static int emit_prefixed(struct rw *w, struct str name)
{
    int rc = emit(w, STR("\""));
    rc = rc == RC_OK ? emit(w, w->prefix) : rc;
    for (size_t i = 0; rc == RC_OK && i < name.len; i++) {
        rc = emit(w, name.ptr[i] == '"' ? STR("\"\"") : str_make(&name.ptr[i], 1));
    }
    return rc == RC_OK ? emit(w, STR("\"")) : rc;
}

static int on_param(struct rw *w, const struct tok *t)
{
    char c = t->text.ptr[0];
    bool numbered = t->text.len > 1;
    for (size_t i = 1; i < t->text.len; i++) {
        numbered = numbered && is_digit(t->text.ptr[i]);
    }
    if (c == '?' && (t->text.len == 1 || numbered)) {
        w->qmark = true;
        return emit(w, t->text);
    }
    if (c == '$' && numbered) {
        w->dollar = true;
        int rc = emit(w, STR("?"));
        return rc == RC_OK ? emit(w, str_sub(t->text, 1, t->text.len - 1)) : rc;
    }
    return fail(w, "DB_BIND", RC_INVAL,
                "named parameter %.*s: use positional parameters ($1, $2, ... or ?)",
                STR_FMT(t->text));
}

/* Keywords that move the DDL state; true when t was one. */
static bool on_keyword(struct rw *w, const struct tok *t)
{
    static const char *const ddl_mods[] = { "TEMP", "TEMPORARY", "UNIQUE", "VIRTUAL" };
    static const char *const ddl_objects[] = { "TABLE", "VIEW", "INDEX", "TRIGGER" };
    static const char *const if_words[] = { "IF", "NOT", "EXISTS" };
    if (w->ddl == 2) {
        return kw_in(t, if_words, ARRAY_LEN(if_words));
    }
    if (kw(t, "CREATE") || kw(t, "DROP") || kw(t, "ALTER")) {
        w->ddl = 1;
        w->creating = kw(t, "CREATE");
        w->create_table = false;
        return true;
    }
    if (w->ddl == 1 && kw_in(t, ddl_mods, ARRAY_LEN(ddl_mods))) {
        return true;
    }
    if (w->ddl == 1 && kw_in(t, ddl_objects, ARRAY_LEN(ddl_objects))) {
        w->ddl = 2;
        w->object_table = kw(t, "TABLE");
        return true;
    }
    if (kw(t, "RENAME")) {
        w->rename = true;
        return true;
    }
    if (w->rename && kw(t, "TO")) {
        w->ddl = 2;
        w->creating = false;
        w->rename = false;
        return true;
    }
    w->rename = false;
    if (kw(t, "ADD")) {
        w->add_column = true;
        return true;
    }
    return w->add_column && kw(t, "COLUMN");
}

static int on_name(struct rw *w, const struct tok *t)
{
    char buf[256];
    struct str name;
    if (!tok_name(t, buf, sizeof(buf), &name)) {
        return fail(w, "DB_NAME_CLASH", RC_INVAL, "identifier %.*s is too long", STR_FMT(t->text));
    }
    if (name.len >= 7 && strncasecmp(name.ptr, "sqlite_", 7) == 0) {
        return fail(w, "DB_NAMESPACE", RC_DENIED, "%.*s belongs to the database engine",
                    STR_FMT(name));
    }
    if (w->ddl == 2) {
        w->ddl = 0;
        if (!name_well_formed(name) || name_clashes(name)) {
            return fail(w, "DB_NAME_CLASH", RC_INVAL,
                        "table name %.*s is not allowed (letters, digits and _, at most 63 bytes, "
                        "not an SQL keyword or function name)",
                        STR_FMT(name));
        }
        w->create_table = w->creating && w->object_table;
        if (w->created.len == 0 && name.ptr != buf) {
            w->created = name;
        }
        return emit_prefixed(w, name);
    }
    if ((w->col_pos || w->add_column) && is_table(w, name)) {
        return fail(w, "DB_NAME_CLASH", RC_INVAL, "column %.*s is spelled like a table",
                    STR_FMT(name));
    }
    w->col_pos = false;
    w->add_column = false;
    if (is_table(w, name)) {
        return emit_prefixed(w, name);
    }
    return emit(w, t->text);
}

static int on_token(struct rw *w, const struct tok *t)
{
    if (t->kind == TK_BLANK) {
        return emit(w, t->text);
    }
    if (w->first) {
        w->first = false;
        w->err->ddl = kw(t, "CREATE") || kw(t, "DROP") || kw(t, "ALTER");
        if (kw_in(t, refused_first, ARRAY_LEN(refused_first))) {
            return fail(w, "DB_FORBIDDEN_STATEMENT", RC_DENIED, "%.*s is not allowed in scripts",
                        STR_FMT(t->text));
        }
    }
    if (t->kind == TK_PARAM) {
        return on_param(w, t);
    }
    if (t->kind == TK_PUNCT) {
        char c = t->text.ptr[0];
        w->depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        w->col_pos = w->create_table && w->depth == 1 && (c == '(' || c == ',');
        if (c == ';') {
            w->ddl = 0;
            w->create_table = false;
        }
        return emit(w, t->text);
    }
    if (t->kind == TK_IDENT && on_keyword(w, t)) {
        return emit(w, t->text);
    }
    if (t->kind == TK_IDENT || t->kind == TK_QIDENT) {
        return on_name(w, t);
    }
    w->col_pos = false;
    return emit(w, t->text);
}

int db_sql_rewrite(struct str sql, struct str prefix, const struct str *names, size_t n,
                   struct buf *out, struct diag *d, struct db_sql_error *err)
{
    struct rw w = {
        .prefix = prefix, .names = names, .n = n, .first = true, .out = out, .d = d, .err = err
    };
    const char *p = sql.ptr;
    const char *end = sql.ptr + sql.len;
    while (p < end) {
        struct tok t;
        if (!next_token(p, end, &t)) {
            int shown = end - p < 20 ? (int)(end - p) : 20;
            return fail(&w, "DB_SYNTAX", RC_INVAL,
                        "unterminated string, quote or comment near %.*s", shown, p);
        }
        int rc = on_token(&w, &t);
        if (rc != RC_OK) {
            return rc;
        }
        p += t.text.len;
    }
    if (w.dollar && w.qmark) {
        return fail(&w, "DB_BIND", RC_INVAL, "use either $1, $2, ... or ?, not both");
    }
    return RC_OK;
}

/* ------------------------------------------------------------------ IN (array) expansion */

/* The next non-blank token at or after p (kind TK_BLANK with an empty text at the end). */
static bool peek_token(const char *p, const char *end, struct tok *t)
{
    while (p < end) {
        if (!next_token(p, end, t)) {
            return false;
        }
        if (t->kind != TK_BLANK) {
            return true;
        }
        p += t->text.len;
    }
    *t = (struct tok){ .kind = TK_BLANK, .text = str_make(end, 0) };
    return true;
}

/* The 1-based parameter a TK_PARAM token names: $N or ?N, or for ? the next after *seq. */
static size_t param_number(struct str text, size_t *seq)
{
    size_t n = 0;
    for (size_t i = 1; i < text.len; i++) {
        if (!is_digit(text.ptr[i]) || n > DB_SQL_MAX_PARAMS) {
            return 0;
        }
        n = n * 10 + (size_t)(text.ptr[i] - '0');
    }
    if (text.len == 1) {
        n = *seq + 1;
    }
    if (n > *seq) {
        *seq = n;
    }
    return n;
}

struct expand {
    struct buf *out;
    size_t *map; /* new position -> (param << 32) | element */
    size_t count;
    size_t cap;
    const size_t *lens;
    size_t n;
    size_t seq; /* the highest parameter number seen (for bare ?) */
    bool dollar;
    bool qmark;
    struct diag *d;
    struct db_sql_error *err;
    size_t scalar_pos[DB_SQL_MAX_PARAMS + 1]; /* param -> its new position (0: none yet) */
};

static int expand_emit_pos(struct expand *x, size_t param, size_t elem, size_t *out_pos)
{
    if (x->count == x->cap) {
        x->err->code = "DB_BIND";
        return diag_set(x->d, RC_LIMIT, "more than %zu values once arrays are expanded", x->cap);
    }
    x->map[x->count++] = (param << 32) | elem;
    *out_pos = x->count;
    return buf_try_printf(x->out, "?%zu", x->count);
}

/* One parameter token t; in_list: it stands alone between "IN (" and ")". */
static int expand_param(struct expand *x, const struct tok *t, bool in_list)
{
    x->dollar = x->dollar || t->text.ptr[0] == '$';
    x->qmark = x->qmark || t->text.ptr[0] == '?';
    size_t param = param_number(t->text, &x->seq);
    if (param == 0 || param > x->n) {
        x->err->code = "DB_BIND";
        return diag_set(x->d, RC_INVAL, "parameter %.*s has no value", STR_FMT(t->text));
    }
    size_t len = x->lens[param - 1];
    size_t pos = 0;
    int rc = RC_OK;
    if (in_list && len != SIZE_MAX) {
        for (size_t e = 0; rc == RC_OK && e < len; e++) {
            rc = e ? buf_try_append_str(x->out, STR(", ")) : RC_OK;
            rc = rc == RC_OK ? expand_emit_pos(x, param - 1, e + 1, &pos) : rc;
        }
        /* An empty list: IN (NULL) matches nothing. */
        return rc == RC_OK && len == 0 ? buf_try_append_str(x->out, STR("NULL")) : rc;
    }
    if (x->scalar_pos[param] != 0) {
        return buf_try_printf(x->out, "?%zu", x->scalar_pos[param]);
    }
    rc = expand_emit_pos(x, param - 1, 0, &pos);
    x->scalar_pos[param] = pos;
    return rc;
}

static int expand_finish(struct expand *x, int rc)
{
    if (rc == RC_OK && x->dollar && x->qmark) {
        x->err->code = "DB_BIND";
        rc = diag_set(x->d, RC_INVAL, "use either $1, $2, ... or ?, not both");
    }
    if (rc == RC_LIMIT && x->err->code == NULL) {
        x->err->code = "DB_ERROR";
        rc = diag_set(x->d, RC_LIMIT, "statement too long once arrays are expanded");
    }
    return rc;
}

int db_sql_expand_in(
    struct str sql, const size_t *lens, size_t n, struct buf *out,
    size_t *map, /* NOLINT(readability-non-const-parameter): written through struct expand */
    size_t map_cap, size_t *out_count, struct diag *d, struct db_sql_error *err)
{
    struct expand *x = mem_calloc(1, sizeof(*x));
    *x = (struct expand){
        .out = out, .map = map, .cap = map_cap, .lens = lens, .n = n, .d = d, .err = err
    };
    const char *p = sql.ptr;
    const char *end = sql.ptr + sql.len;
    struct tok prev1 = { .kind = TK_BLANK }; /* the last two non-blank tokens */
    struct tok prev2 = { .kind = TK_BLANK };
    int rc = RC_OK;
    while (rc == RC_OK && p < end) {
        struct tok t;
        struct tok next;
        if (!next_token(p, end, &t) || !peek_token(p + t.text.len, end, &next)) {
            err->code = "DB_SYNTAX";
            rc = diag_set(d, RC_INVAL, "unterminated string, quote or comment");
            break;
        }
        p += t.text.len;
        bool in_list =
            kw(&prev2, "IN") && str_eq(prev1.text, STR("(")) && str_eq(next.text, STR(")"));
        rc = t.kind == TK_PARAM ? expand_param(x, &t, in_list) : buf_try_append_str(out, t.text);
        if (t.kind != TK_BLANK) {
            prev2 = prev1;
            prev1 = t;
        }
    }
    rc = expand_finish(x, rc);
    *out_count = x->count;
    mem_free(x);
    return rc;
}
