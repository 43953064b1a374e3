/*
 * asterisk_cdr.c - Asterisk Master.csv (format "asterisk-cdr"), as
 * cdr/cdr_csv.c writes it: no header, 18 fixed columns, optionally
 * peeraccount/linkedid/sequence and further columns. Read leniently with
 * the shared CSV machinery; write back in cdr_csv's quoting style, keeping
 * every column in place (a dropped column becomes an empty field). With
 * `output: csv`, written instead as a headed CSV of the 18 standard columns
 * the policy keeps (cdr_csv's names) and the country-code columns it adds.
 */
#include <string.h>

#include "csv_rows.h"

#define AST_STD_COLS 18
#define AST_MAX_COLS 64

/* How cdr_csv writes a column: append_string (always quoted), append_int
 * (bare), append_date (quoted, or an empty unquoted field for a zero time). */
enum { AST_STR, AST_INT, AST_DATE, AST_EXTRA };

static const cv_str ast_names[AST_MAX_COLS] = {
    CV_STR_LIT("accountcode"), CV_STR_LIT("src"), CV_STR_LIT("dst"), CV_STR_LIT("dcontext"),
    CV_STR_LIT("clid"), CV_STR_LIT("channel"), CV_STR_LIT("dstchannel"), CV_STR_LIT("lastapp"),
    CV_STR_LIT("lastdata"), CV_STR_LIT("start"), CV_STR_LIT("answer"), CV_STR_LIT("end"),
    CV_STR_LIT("duration"), CV_STR_LIT("billsec"), CV_STR_LIT("disposition"), CV_STR_LIT("amaflags"),
    CV_STR_LIT("uniqueid"), CV_STR_LIT("userfield"), CV_STR_LIT("peeraccount"), CV_STR_LIT("linkedid"),
    CV_STR_LIT("sequence"), CV_STR_LIT("field22"), CV_STR_LIT("field23"), CV_STR_LIT("field24"),
    CV_STR_LIT("field25"), CV_STR_LIT("field26"), CV_STR_LIT("field27"), CV_STR_LIT("field28"),
    CV_STR_LIT("field29"), CV_STR_LIT("field30"), CV_STR_LIT("field31"), CV_STR_LIT("field32"),
    CV_STR_LIT("field33"), CV_STR_LIT("field34"), CV_STR_LIT("field35"), CV_STR_LIT("field36"),
    CV_STR_LIT("field37"), CV_STR_LIT("field38"), CV_STR_LIT("field39"), CV_STR_LIT("field40"),
    CV_STR_LIT("field41"), CV_STR_LIT("field42"), CV_STR_LIT("field43"), CV_STR_LIT("field44"),
    CV_STR_LIT("field45"), CV_STR_LIT("field46"), CV_STR_LIT("field47"), CV_STR_LIT("field48"),
    CV_STR_LIT("field49"), CV_STR_LIT("field50"), CV_STR_LIT("field51"), CV_STR_LIT("field52"),
    CV_STR_LIT("field53"), CV_STR_LIT("field54"), CV_STR_LIT("field55"), CV_STR_LIT("field56"),
    CV_STR_LIT("field57"), CV_STR_LIT("field58"), CV_STR_LIT("field59"), CV_STR_LIT("field60"),
    CV_STR_LIT("field61"), CV_STR_LIT("field62"), CV_STR_LIT("field63"), CV_STR_LIT("field64"),
};

/* Per-stream state: zero for Master.csv's own form. */
typedef struct ast_state {
    int headed;                     /* `output: csv` */
    uint8_t kept[AST_STD_COLS];     /* headed: the standard columns written */
    uint8_t added[AST_STD_COLS];    /* headed: a country-code column follows */
} ast_state;

/* Columns 18-20 follow cdr_csv's newcdrcolumns (peeraccount and linkedid
 * strings, sequence an int); anything later is unknown to us. */
static int ast_kind(int32_t col)
{
    switch (col) {
    case 9: case 10: case 11: return AST_DATE;
    case 12: case 13: case 20: return AST_INT;
    default: return col > 20 ? AST_EXTRA : AST_STR;
    }
}

static int all_digits(cv_str v)
{
    if (v.n == 0) return 0;
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] < '0' || v.p[i] > '9') return 0;
    return 1;
}

static int ast_split(void *state, const char *buf, size_t len, int eof, size_t max_len,
                     size_t *rec_len, size_t *nlines, const char **reason)
{
    (void)state;
    return cvi_csv_split(buf, len, eof, max_len, rec_len, nlines, reason);
}

static size_t ast_columns(const void *state, const cv_str **names)
{
    (void)state;
    *names = ast_names;
    return AST_STD_COLS;
}

static int ast_parse(const void *state, const char *rec, size_t len, cv_record *r, cv_diag *diag)
{
    (void)state;
    size_t clen;
    /* cdr_csv quotes every string, so an unquoted "accountcode," starts the
     * header of a CDR callveil wrote with `output: csv`: not a call */
    if (len >= 12 && memcmp(rec, "accountcode,", 12) == 0) {
        diag->reason = "a header row (a CDR written with output: csv is read as --format csv)";
        diag->offset = 0;
        return CV_EINPUT;
    }
    int rc = cvi_csv_parse_row(rec, len, ast_names, AST_MAX_COLS, "too many fields", r, diag, &clen);
    if (rc) return rc;
    if (r->n < AST_STD_COLS) {
        diag->reason = "expected at least 18 fields";
        diag->offset = clen;
        return CV_EINPUT;
    }
    return 0;
}

/* The headed CSV form: the kept standard columns in order (a value the
 * record lacks or that was dropped is an empty field, so every row has the
 * header's columns), each followed by the country-code column added after
 * it; columns past the 18 standard ones are not written. Plain CSV
 * quoting (only where needed): the header, not the quotes, types it. */
static int ast_write_headed(const ast_state *st, const cv_record *r, cv_buf *out)
{
    size_t k = 0;
    for (int32_t col = 0; col < AST_STD_COLS; col++) {
        if (!st->kept[col]) continue;
        const cv_node *nd = NULL, *cc = NULL;
        for (size_t i = 0; i < r->n; i++) {
            int32_t c = r->nodes[i].col >= 0 ? r->nodes[i].col : (int32_t)i;
            if (c != col) continue;
            nd = &r->nodes[i];
            /* the engine inserts a country-code node right after its anchor */
            if (i + 1 < r->n && r->nodes[i + 1].col == INT32_MAX) cc = &r->nodes[i + 1];
            break;
        }
        cv_str v = nd && !(nd->flags & CV_NF_DROP) ? nd->value : CV_STR_LIT("");
        if (k++ && cvi_buf_putc(out, ',')) return CV_ENOMEM;
        if (cvi_csv_put_field(out, v, cvi_csv_needs_quotes(v))) return CV_ENOMEM;
        if (st->added[col]) {
            cv_str cv = cc ? cc->value : CV_STR_LIT("");
            if (cvi_buf_putc(out, ',') || cvi_csv_put_field(out, cv, cvi_csv_needs_quotes(cv))) return CV_ENOMEM;
            k++;
        }
    }
    return cvi_buf_putc(out, '\n');
}

static int ast_headed_output(void *state, const uint8_t *kept, const cv_str *added, cv_buf *out)
{
    ast_state *st = state;
    size_t k = 0;
    st->headed = 1;
    for (int c = 0; c < AST_STD_COLS; c++) {
        st->kept[c] = kept[c] ? 1 : 0;
        st->added[c] = st->kept[c] && added && added[c].n ? 1 : 0;
        if (!st->kept[c]) continue;
        if (k++ && cvi_buf_putc(out, ',')) return CV_ENOMEM;
        if (cvi_buf_append(out, ast_names[c].p, ast_names[c].n)) return CV_ENOMEM;
        if (st->added[c] && (cvi_buf_putc(out, ',') || cvi_csv_put_field(out, added[c], cvi_csv_needs_quotes(added[c]))))
            return CV_ENOMEM;
    }
    return cvi_buf_putc(out, '\n');
}

static int ast_write(const void *state, const cv_record *r, cv_buf *out)
{
    const ast_state *st = state;
    if (st && st->headed) return ast_write_headed(st, r, out);
    /* cdr_csv columns are positional: columns the engine adds (country
     * codes, col INT32_MAX) go after all of them, in their order */
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < r->n; i++) {
        const cv_node *nd = &r->nodes[i];
        if ((nd->col == INT32_MAX) != pass) continue;
        int32_t col = nd->col >= 0 ? nd->col : (int32_t)i;
        int kind = ast_kind(col);
        int rc;
        if (k++ > 0 && cvi_buf_putc(out, ',')) return CV_ENOMEM;
        if (nd->flags & CV_NF_DROP) {
            if (kind == AST_INT || kind == AST_DATE) continue;
            rc = cvi_buf_append(out, "\"\"", 2);
        } else {
            int quote;
            switch (kind) {
            case AST_INT: quote = cvi_csv_needs_quotes(nd->value); break;
            case AST_DATE: quote = nd->value.n > 0; break;
            case AST_EXTRA: quote = !all_digits(nd->value); break;
            default: quote = 1; break;
            }
            rc = cvi_csv_put_field(out, nd->value, quote);
        }
        if (rc) return rc;
    }
    return cvi_buf_putc(out, '\n');
}

static const char *const ast_exts[] = { NULL };

const cv_format_type cvi_format_asterisk_cdr = {
    .name = "asterisk-cdr",
    .extensions = ast_exts,
    .has_header = 0,
    .state_size = sizeof(ast_state),
    .split = ast_split,
    .parse_header = NULL,
    .columns = ast_columns,
    .parse = ast_parse,
    .write_header = NULL,
    .write = ast_write,
    .headed_output = ast_headed_output,
    .state_free = NULL,
};
