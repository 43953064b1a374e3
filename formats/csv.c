/*
 * csv.c - generic CSV with a header row (format "csv"), plus the RFC 4180
 * machinery Asterisk Master.csv shares (csv_rows.h): a memchr-driven
 * quote-aware splitter, libcsv (strict) for the fields of one row, and
 * minimal quoting on output.
 */
#include <stdlib.h>

#include <csv.h>

#include "csv_rows.h"

/* ---- splitting ----------------------------------------------------------- */

static size_t count_lf(const char *p, size_t n)
{
    size_t k = 0;
    const char *end = p + n;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) break;
        k++;
        p = e + 1;
    }
    return k;
}

int cvi_csv_split(const char *buf, size_t len, int eof, size_t max_len,
                  size_t *rec_len, size_t *nlines, const char **reason)
{
    if (max_len == 0) max_len = SIZE_MAX;
    size_t lim = len < max_len ? len : max_len;
    size_t i = 0, nl = 0;
    /* epos caches the first '\n' at or after i (lim if none); it is only
     * searched again once a quoted section has run past it, so every byte is
     * scanned a bounded number of times whatever the quoting. */
    size_t epos = 0;
    int have_e = 0, inq = 0;

    while (i < lim) {
        if (!have_e || epos < i) {
            const char *e = memchr(buf + i, '\n', lim - i);
            epos = e ? (size_t)(e - buf) : lim;
            have_e = 1;
        }
        const char *q = memchr(buf + i, '"', epos - i);
        if (!q) {
            if (epos < lim) {
                *rec_len = epos + 1;
                *nlines = nl + 1;
                return CV_SPLIT_RECORD;
            }
            i = lim;
            break;
        }
        i = (size_t)(q - buf) + 1;
        const char *c = memchr(buf + i, '"', lim - i);
        size_t cpos = c ? (size_t)(c - buf) : lim;
        if (cpos > epos) nl += count_lf(buf + i, cpos - i);
        if (!c) {
            inq = 1;
            i = lim;
            break;
        }
        i = cpos + 1;
    }

    if (lim == max_len && len >= max_len) {
        *rec_len = max_len;
        *nlines = nl;
        *reason = "record exceeds the maximum record size";
        return CV_SPLIT_BAD;
    }
    if (!eof || len == 0) {
        *rec_len = 0;
        *nlines = 0;
        return CV_SPLIT_MORE;
    }
    if (inq) {
        /* Resume at the next line: the rest is most likely ordinary rows. */
        const char *e = memchr(buf, '\n', len);
        *rec_len = e ? (size_t)(e - buf) + 1 : len;
        *nlines = e ? 1 : 0;
        *reason = "unterminated quoted field";
        return CV_SPLIT_BAD;
    }
    *rec_len = len;
    *nlines = nl;
    return CV_SPLIT_RECORD;
}

/* ---- parsing one row ----------------------------------------------------- */

typedef struct row_ctx {
    const char *rec;
    size_t len;            /* content bytes, terminator excluded */
    size_t pos;            /* raw offset of the next field's first byte */
    const cv_str *names;
    size_t max_fields;
    const char *too_many;
    cv_record *r;
    size_t nfields;
    int rows;              /* rows libcsv has ended so far */
    int nomem;
    const char *reason;    /* first problem seen, NULL if none */
    size_t offset;
} row_ctx;

/* libcsv trims spaces and tabs around unquoted fields unless told that no
 * byte is a space; trimming would change values, so nothing is a space. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* The width in the row of a field of n value bytes: strict mode without
 * trimming makes it exact, a quoted field being its value plus the two
 * quotes plus one per doubled quote. */
static size_t raw_width(const char *field, size_t n, int quoted)
{
    size_t raw = n;
    if (quoted) {
        raw += 2;
        const char *p = field, *end = field + n;
        while (p < end) {
            const char *q = memchr(p, '"', (size_t)(end - p));
            if (!q) break;
            raw++;
            p = q + 1;
        }
    }
    return raw;
}

static void on_field(void *field, size_t n, void *ud)
{
    row_ctx *c = ud;
    if (c->reason || c->nomem) return;
    size_t start = c->pos;
    if (c->rows > 0) {
        /* A bare CR ended the row early: one record must be one row. */
        c->reason = "malformed CSV";
        c->offset = start > 0 ? start - 1 : 0;
        return;
    }
    int quoted = start < c->len && c->rec[start] == '"';
    c->pos = start + raw_width(field, n, quoted) + 1;
    if (c->nfields >= c->max_fields) {
        c->reason = c->too_many;
        c->offset = start;
        return;
    }
    cv_str name = c->names ? c->names[c->nfields] : cv_str_make("", 0);
    cv_str v = cvi_record_strdup(c->r, field, n);
    if (!v.p) {
        c->nomem = 1;
        return;
    }
    int idx = cvi_record_push(c->r, CV_NODE_STRING, 0, name, name, v);
    if (idx < 0) {
        c->nomem = 1;
        return;
    }
    c->r->nodes[idx].col = (int32_t)c->nfields;
    if (quoted) c->r->nodes[idx].flags |= CV_NF_QUOTED;
    c->nfields++;
}

static void on_row(int term, void *ud)
{
    (void)term;
    row_ctx *c = ud;
    c->rows++;
}

int cvi_csv_parse_row(const char *rec, size_t len, const cv_str *names, size_t max_fields,
                      const char *too_many, cv_record *r, cv_diag *diag, size_t *content_len)
{
    size_t clen = len;
    if (clen > 0 && rec[clen - 1] == '\n') clen--;
    if (clen > 0 && rec[clen - 1] == '\r') clen--;
    if (content_len) *content_len = clen;
    if (clen == 0) return CV_EEMPTY;

    size_t ok = cvi_utf8_valid_prefix(rec, len);
    if (ok < len) {
        diag->reason = "invalid UTF-8";
        diag->offset = ok;
        return CV_EINPUT;
    }

    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) return CV_ENOMEM;
    csv_set_space_func(&p, no_space);
    /* libcsv grows its field buffer by blk_size at a time, which is
     * quadratic for a long field; no field is longer than the row. */
    csv_set_blk_size(&p, clen < 128 ? 128 : clen + 1);

    row_ctx c = { 0 };
    c.rec = rec;
    c.len = clen;
    c.names = names;
    c.max_fields = max_fields;
    c.too_many = too_many;
    c.r = r;
    int rc = 0;

    size_t used = csv_parse(&p, rec, clen, on_field, on_row, &c);
    if (used != clen) {
        if (csv_error(&p) == CSV_EPARSE) {
            diag->reason = "malformed CSV";
            diag->offset = used;
            rc = CV_EINPUT;
        } else {
            rc = CV_ENOMEM;
        }
        goto out;
    }
    if (csv_fini(&p, on_field, on_row, &c) != 0) {
        diag->reason = "malformed CSV";   /* an unterminated quoted field */
        diag->offset = clen;
        rc = CV_EINPUT;
        goto out;
    }
    if (c.nomem) {
        rc = CV_ENOMEM;
        goto out;
    }
    if (c.reason) {
        diag->reason = c.reason;
        diag->offset = c.offset;
        rc = CV_EINPUT;
        goto out;
    }
out:
    csv_free(&p);
    return rc;
}

/* ---- output -------------------------------------------------------------- */

int cvi_csv_needs_quotes(cv_str v)
{
    if (v.n == 0) return 0;
    if (v.p[0] == ' ' || v.p[v.n - 1] == ' ') return 1;
    for (size_t i = 0; i < v.n; i++) {
        char ch = v.p[i];
        if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r') return 1;
    }
    return 0;
}

int cvi_csv_put_field(cv_buf *out, cv_str v, int quote)
{
    if (!quote) return cvi_buf_append(out, v.p, v.n);
    if (v.n > (SIZE_MAX - 2) / 2) return CV_ENOMEM;
    if (cvi_buf_reserve(out, 2 * v.n + 2)) return CV_ENOMEM;
    char *d = out->p + out->n;
    *d++ = '"';
    const char *s = v.p, *end = v.p + v.n;
    while (s < end) {
        const char *q = memchr(s, '"', (size_t)(end - s));
        size_t run = q ? (size_t)(q - s) + 1 : (size_t)(end - s);
        memcpy(d, s, run);
        d += run;
        s += run;
        if (q) *d++ = '"';
    }
    *d++ = '"';
    out->n = (size_t)(d - out->p);
    return 0;
}

/* ---- the generic CSV format --------------------------------------------- */

typedef struct csv_state {
    cv_str *names;
    size_t ncols;
    char *store;           /* the names' bytes */
} csv_state;

static void gcsv_state_free(void *state)
{
    csv_state *st = state;
    free(st->names);
    free(st->store);
    st->names = NULL;
    st->store = NULL;
    st->ncols = 0;
}

static int cmp_name(const void *a, const void *b)
{
    const cv_node *x = *(const cv_node *const *)a, *y = *(const cv_node *const *)b;
    size_t n = x->value.n < y->value.n ? x->value.n : y->value.n;
    int c = n ? memcmp(x->value.p, y->value.p, n) : 0;
    if (c) return c;
    if (x->value.n != y->value.n) return x->value.n < y->value.n ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

/* Two columns of one name would share one policy rule, and a reader of the
 * output could take either: the header is refused. Returns the column of
 * the first name (in header order) seen before, or -1; CV_ENOMEM as -2. */
static long duplicate_column(const cv_record *r)
{
    long dup = -1;
    if (r->n < 2) return -1;
    if (r->n <= 16) {
        for (size_t j = 1; j < r->n && dup < 0; j++)
            for (size_t i = 0; i < j; i++)
                if (cv_str_eq(r->nodes[i].value, r->nodes[j].value)) {
                    dup = (long)j;
                    break;
                }
        return dup;
    }
    const cv_node **v = malloc(r->n * sizeof *v);
    if (!v) return -2;
    for (size_t i = 0; i < r->n; i++) v[i] = &r->nodes[i];
    qsort(v, r->n, sizeof *v, cmp_name);
    for (size_t i = 1; i < r->n; i++)
        if (cv_str_eq(v[i - 1]->value, v[i]->value) && (dup < 0 || v[i]->col < dup)) dup = v[i]->col;
    free(v);
    return dup;
}

static int gcsv_parse_header(void *state, const char *rec, size_t len, cv_diag *diag)
{
    csv_state *st = state;
    gcsv_state_free(st);
    cv_record r;
    cvi_record_init(&r);
    size_t bom = 0;
    /* A leading UTF-8 BOM is not part of the first column's name (issue 8, item 15). */
    if (len >= 3 && memcmp(rec, "\xef\xbb\xbf", 3) == 0) {
        rec += 3;
        len -= 3;
        bom = 3;
    }
    int rc = cvi_csv_parse_row(rec, len, NULL, SIZE_MAX, "too many fields", &r, diag, NULL);
    if (rc == CV_EEMPTY) {
        diag->reason = "empty header";
        diag->offset = 0;
        rc = CV_EINPUT;
    }
    if (rc) goto out;
    long dup = duplicate_column(&r);
    if (dup == -2) {
        rc = CV_ENOMEM;
        goto out;
    }
    if (dup >= 0) {
        size_t at = bom;
        for (long i = 0; i < dup; i++) {
            const cv_node *nd = &r.nodes[i];
            at += raw_width(nd->value.p, nd->value.n, (nd->flags & CV_NF_QUOTED) != 0) + 1;
        }
        diag->reason = "duplicate column name in the header";
        diag->offset = at;
        rc = CV_EINPUT;
        goto out;
    }
    size_t total = 0;
    for (size_t i = 0; i < r.n; i++) total += r.nodes[i].value.n;
    st->names = malloc(r.n * sizeof *st->names);
    st->store = malloc(total ? total : 1);
    if (!st->names || !st->store) {
        gcsv_state_free(st);
        rc = CV_ENOMEM;
        goto out;
    }
    char *d = st->store;
    for (size_t i = 0; i < r.n; i++) {
        cv_str v = r.nodes[i].value;
        if (v.n) memcpy(d, v.p, v.n);
        st->names[i] = cv_str_make(d, v.n);
        d += v.n;
    }
    st->ncols = r.n;
out:
    cvi_record_free(&r);
    return rc;
}

static size_t gcsv_columns(const void *state, const cv_str **names)
{
    const csv_state *st = state;
    *names = st->names;
    return st->ncols;
}

static int gcsv_parse(const void *state, const char *rec, size_t len, cv_record *r, cv_diag *diag)
{
    const csv_state *st = state;
    size_t clen;
    if (st->ncols == 0) {
        diag->reason = "no header";
        diag->offset = 0;
        return CV_EINPUT;
    }
    int rc = cvi_csv_parse_row(rec, len, st->names, st->ncols, "row has the wrong number of fields",
                               r, diag, &clen);
    if (rc) return rc;
    if (r->n != st->ncols) {
        diag->reason = "row has the wrong number of fields";
        diag->offset = clen;
        return CV_EINPUT;
    }
    return 0;
}

/* Ends a written row. A row of one empty field would be a blank line, which
 * readers skip: write it as "" so the row survives. */
static int end_row(cv_buf *out, size_t nwritten, size_t row_start)
{
    if (nwritten == 1 && out->n == row_start && cvi_buf_append(out, "\"\"", 2)) return CV_ENOMEM;
    return cvi_buf_putc(out, '\n');
}

static int gcsv_write_header(const void *state, const cv_str *names, const uint8_t *kept, const cv_str *added,
                             cv_buf *out)
{
    const csv_state *st = state;
    size_t k = 0, start = out->n;
    if (!names) names = st->names;
    for (size_t i = 0; i < st->ncols; i++) {
        if (kept && !kept[i]) continue;
        if (k++ && cvi_buf_putc(out, ',')) return CV_ENOMEM;
        if (cvi_csv_put_field(out, names[i], cvi_csv_needs_quotes(names[i]))) return CV_ENOMEM;
        if (added && added[i].n) {
            k++;
            if (cvi_buf_putc(out, ',') || cvi_csv_put_field(out, added[i], cvi_csv_needs_quotes(added[i])))
                return CV_ENOMEM;
        }
    }
    return end_row(out, k, start);
}

static int gcsv_write(const void *state, const cv_record *r, cv_buf *out)
{
    (void)state;
    size_t k = 0, start = out->n;
    for (size_t i = 0; i < r->n; i++) {
        const cv_node *nd = &r->nodes[i];
        if (nd->flags & CV_NF_DROP) continue;
        if (k++ && cvi_buf_putc(out, ',')) return CV_ENOMEM;
        if (cvi_csv_put_field(out, nd->value, cvi_csv_needs_quotes(nd->value))) return CV_ENOMEM;
    }
    return end_row(out, k, start);
}

static int gcsv_split(void *state, const char *buf, size_t len, int eof, size_t max_len,
                     size_t *rec_len, size_t *nlines, const char **reason)
{
    (void)state;
    return cvi_csv_split(buf, len, eof, max_len, rec_len, nlines, reason);
}

static const char *const csv_exts[] = { ".csv", NULL };

const cv_format_type cvi_format_csv = {
    .name = "csv",
    .extensions = csv_exts,
    .has_header = 1,
    .state_size = sizeof(csv_state),
    .split = gcsv_split,
    .parse_header = gcsv_parse_header,
    .columns = gcsv_columns,
    .parse = gcsv_parse,
    .write_header = gcsv_write_header,
    .write = gcsv_write,
    .state_free = gcsv_state_free,
};
