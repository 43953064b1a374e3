/*
 * asterisk_cdr.c - Asterisk Master.csv (format "asterisk-cdr"), as
 * cdr/cdr_csv.c writes it: no header, 18 fixed columns, optionally
 * peeraccount/linkedid/sequence and further columns. Read leniently with
 * the shared CSV machinery; write back in cdr_csv's quoting style, keeping
 * every column in place (a dropped column becomes an empty field).
 */
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
    int rc = cvi_csv_parse_row(rec, len, ast_names, AST_MAX_COLS, "too many fields", r, diag, &clen);
    if (rc) return rc;
    if (r->n < AST_STD_COLS) {
        diag->reason = "expected at least 18 fields";
        diag->offset = clen;
        return CV_EINPUT;
    }
    return 0;
}

static int ast_write(const void *state, const cv_record *r, cv_buf *out)
{
    (void)state;
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
        if (k++ > 0 && cv_buf_putc(out, ',')) return CV_ENOMEM;
        if (nd->flags & CV_NF_DROP) {
            if (kind == AST_INT || kind == AST_DATE) continue;
            rc = cv_buf_append(out, "\"\"", 2);
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
    return cv_buf_putc(out, '\n');
}

static const char *const ast_exts[] = { NULL };

const cv_format_type cvi_format_asterisk_cdr = {
    .name = "asterisk-cdr",
    .extensions = ast_exts,
    .has_header = 0,
    .state_size = 1,          /* stateless; non-zero so callers can allocate uniformly */
    .split = ast_split,
    .parse_header = NULL,
    .columns = ast_columns,
    .parse = ast_parse,
    .write_header = NULL,
    .write = ast_write,
    .state_free = NULL,
};
