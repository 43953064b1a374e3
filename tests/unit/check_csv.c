/*
 * check_csv.c - generic CSV: the quote-aware splitter (embedded newlines,
 * unterminated quotes, over-long rows), header handling, field values and
 * flags, every reject reason with its offset, and minimal-quoting output.
 */
#include <check.h>
#include <stdlib.h>

#include "formats/formats.h"

static const cv_format_type *F;
static void *ST;
static cv_record R;
static cv_buf OUT;

static void setup(void)
{
    F = cvi_format_find("csv");
    ck_assert_ptr_nonnull(F);
    ST = calloc(1, F->state_size);
    cvi_record_init(&R);
    cvi_buf_init(&OUT);
}

static void teardown(void)
{
    F->state_free(ST);
    free(ST);
    cvi_record_free(&R);
    cvi_buf_free(&OUT);
}

static void header(const char *h)
{
    cv_diag d = { 0 };
    ck_assert_int_eq(F->parse_header(ST, h, strlen(h), &d), 0);
}

static int parse(const char *s, cv_diag *d)
{
    cvi_record_reset(&R);
    d->reason = NULL;
    d->offset = (size_t)-1;
    return F->parse(ST, s, strlen(s), &R, d);
}

static const char *write_rec(void)
{
    cv_buf_clear(&OUT);
    ck_assert_int_eq(F->write(ST, &R, &OUT), 0);
    return cvi_buf_cstr(&OUT);
}

static void expect_reject(const char *s, const char *reason, size_t offset)
{
    cv_diag d;
    ck_assert_int_eq(parse(s, &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, reason);
    ck_assert_uint_eq(d.offset, offset);
}

static int split(const char *buf, size_t len, int eof, size_t max, size_t *rl, size_t *nl, const char **why)
{
    *rl = *nl = 12345;
    *why = NULL;
    return F->split(ST, buf, len, eof, max, rl, nl, why);
}

START_TEST(test_split_rows)
{
    size_t rl, nl;
    const char *why;
    const char *b = "a,b\r\n\"x\ny\",\"q\"\"\n\"\nlast,row";
    size_t len = strlen(b);
    ck_assert_int_eq(split(b, len, 0, 1000, &rl, &nl, &why), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 5);
    ck_assert_uint_eq(nl, 1);
    /* quoted newlines stay in the record and are counted */
    ck_assert_int_eq(split(b + 5, len - 5, 0, 1000, &rl, &nl, &why), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 13);
    ck_assert_uint_eq(nl, 3);
    ck_assert_int_eq(split(b + 18, len - 18, 0, 1000, &rl, &nl, &why), CV_SPLIT_MORE);
    ck_assert_int_eq(split(b + 18, len - 18, 1, 1000, &rl, &nl, &why), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 8);
    ck_assert_uint_eq(nl, 0);
    /* an open quote without eof: the row may continue in the next block */
    ck_assert_int_eq(split("\"open\nstill", 11, 0, 1000, &rl, &nl, &why), CV_SPLIT_MORE);
    ck_assert_int_eq(split("", 0, 1, 1000, &rl, &nl, &why), CV_SPLIT_MORE);
    /* an embedded newline across several quoted fields on one row */
    const char *m = "\"1\",\"a\nb\",\"c\",\"d\ne\nf\"\nnext\n";
    ck_assert_int_eq(split(m, strlen(m), 0, 1000, &rl, &nl, &why), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 22);
    ck_assert_uint_eq(nl, 4);
}
END_TEST

START_TEST(test_split_unterminated)
{
    size_t rl, nl;
    const char *why;
    const char *b = "1,\"broken\n2,ok\n3,fine\n";
    size_t len = strlen(b);
    ck_assert_int_eq(split(b, len, 0, 1000, &rl, &nl, &why), CV_SPLIT_MORE);
    ck_assert_int_eq(split(b, len, 1, 1000, &rl, &nl, &why), CV_SPLIT_BAD);
    ck_assert_str_eq(why, "unterminated quoted field");
    ck_assert_uint_eq(rl, 10);
    ck_assert_uint_eq(nl, 1);
    /* the runner resumes at the next line, which is found normally */
    ck_assert_int_eq(split(b + rl, len - rl, 1, 1000, &rl, &nl, &why), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 5);
    /* no line end at all: everything is rejected */
    ck_assert_int_eq(split("x,\"y", 4, 1, 1000, &rl, &nl, &why), CV_SPLIT_BAD);
    ck_assert_uint_eq(rl, 4);
    ck_assert_uint_eq(nl, 0);
}
END_TEST

START_TEST(test_split_overlong)
{
    size_t rl, nl;
    const char *why;
    char b[100];
    memset(b, 'x', sizeof b);
    b[60] = '\n';
    ck_assert_int_eq(split(b, sizeof b, 0, 32, &rl, &nl, &why), CV_SPLIT_BAD);
    ck_assert_str_eq(why, "record exceeds the maximum record size");
    ck_assert_uint_eq(rl, 32);
    ck_assert_uint_eq(nl, 0);
    /* a quoted field that runs past the limit, with newlines inside */
    const char *q = "\"a\nb\nc\nddddddddddddddddddddddddddddddddddddddd\"\n";
    ck_assert_int_eq(split(q, strlen(q), 1, 16, &rl, &nl, &why), CV_SPLIT_BAD);
    ck_assert_uint_eq(rl, 16);
    ck_assert_uint_eq(nl, 3);
    /* exactly max_len bytes, terminator included, is fine */
    ck_assert_int_eq(split(b + 29, sizeof b - 29, 0, 32, &rl, &nl, &why), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 32);
}
END_TEST

START_TEST(test_header)
{
    header("id,\"full name\",\"a,b\",phone\r\n");
    const cv_str *names;
    ck_assert_uint_eq(F->columns(ST, &names), 4);
    ck_assert(cv_str_eqz(names[0], "id"));
    ck_assert(cv_str_eqz(names[1], "full name"));
    ck_assert(cv_str_eqz(names[2], "a,b"));
    ck_assert(cv_str_eqz(names[3], "phone"));
    uint8_t kept[4] = { 1, 1, 1, 1 };
    ck_assert_int_eq(F->write_header(ST, NULL, kept, NULL, &OUT), 0);
    ck_assert_str_eq(cvi_buf_cstr(&OUT), "id,full name,\"a,b\",phone\n");
    cv_buf_clear(&OUT);
    kept[0] = kept[2] = 0;
    ck_assert_int_eq(F->write_header(ST, NULL, kept, NULL, &OUT), 0);
    ck_assert_str_eq(cvi_buf_cstr(&OUT), "full name,phone\n");
    /* a second header replaces the first */
    header("x\n");
    ck_assert_uint_eq(F->columns(ST, &names), 1);
    ck_assert(cv_str_eqz(names[0], "x"));
}
END_TEST

/* issue 8 item 15: a leading UTF-8 BOM must not rename the first column */
START_TEST(test_header_bom)
{
    header("\xef\xbb\xbfid,phone\n");
    const cv_str *names;
    ck_assert_uint_eq(F->columns(ST, &names), 2);
    ck_assert(cv_str_eqz(names[0], "id"));
    uint8_t kept[2] = { 1, 1 };
    ck_assert_int_eq(F->write_header(ST, NULL, kept, NULL, &OUT), 0);
    ck_assert_str_eq(cvi_buf_cstr(&OUT), "id,phone\n");
}
END_TEST

START_TEST(test_header_rejects)
{
    cv_diag d = { 0 };
    ck_assert_int_eq(F->parse_header(ST, "\r\n", 2, &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "empty header");
    ck_assert_uint_eq(d.offset, 0);
    ck_assert_int_eq(F->parse_header(ST, "a,\"b\n", 5, &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "malformed CSV");
    ck_assert_uint_eq(d.offset, 4);
    ck_assert_int_eq(F->parse_header(ST, "a,\xc3(\n", 5, &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "invalid UTF-8");
    ck_assert_uint_eq(d.offset, 2);
    const cv_str *names;
    ck_assert_uint_eq(F->columns(ST, &names), 0);
    /* rows without a header are refused, not crashed on */
    ck_assert_int_eq(parse("1,2\n", &d), CV_EINPUT);
}
END_TEST

/* Two columns of one name would share the first one's rule: the header is
 * refused, at the second name's first byte (issue 8, item 15). */
static void expect_dup_header(const char *h, size_t n, size_t offset)
{
    cv_diag d = { 0 };
    ck_assert_int_eq(F->parse_header(ST, h, n, &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "duplicate column name in the header");
    ck_assert_uint_eq(d.offset, offset);
    const cv_str *names;
    ck_assert_uint_eq(F->columns(ST, &names), 0);
}

START_TEST(test_header_duplicates)
{
    cv_diag d = { 0 };
    expect_dup_header("note,note\n", 10, 5);
    expect_dup_header("id,\"no\"\"te\",x,\"no\"\"te\"\r\n", 24, 14);   /* quoted, with "" */
    expect_dup_header("note,\"note\"\n", 12, 5);                        /* quoting does not matter */
    expect_dup_header("\xef\xbb\xbf" "a,b,a\n", 9, 7);                     /* offsets count the BOM */
    expect_dup_header(",x,\n", 4, 3);                                     /* two empty names */
    /* a wide header (sorted, not compared pairwise): the first repeat in header order */
    cv_buf b = { 0 };
    for (int i = 0; i < 40; i++) ck_assert_int_eq(cvi_buf_printf(&b, "c%d,", i), 0);
    size_t off = b.n;
    ck_assert_int_eq(cvi_buf_puts(&b, "c7,c3\n"), 0);
    expect_dup_header(b.p, b.n, off);
    cvi_buf_free(&b);
    /* names that differ only in case or spaces are different columns */
    ck_assert_int_eq(F->parse_header(ST, "a,A,a \n", 7, &d), 0);
    const cv_str *names;
    ck_assert_uint_eq(F->columns(ST, &names), 3);
    ck_assert_int_eq(parse("1,2,3\n", &d), 0);
}
END_TEST

START_TEST(test_fields)
{
    header("id,name,note,phone\n");
    const cv_str *names;
    F->columns(ST, &names);
    cv_diag d;
    ck_assert_int_eq(parse("7,\"Doe, Jane\",\"said \"\"hi\"\"\nbye\", +44 1632 960123 \r\n", &d), 0);
    ck_assert_uint_eq(R.n, 4);
    const char *want[4] = { "7", "Doe, Jane", "said \"hi\"\nbye", " +44 1632 960123 " };
    for (size_t i = 0; i < 4; i++) {
        const cv_node *nd = &R.nodes[i];
        ck_assert_int_eq(nd->kind, CV_NODE_STRING);
        ck_assert_int_eq(nd->col, (int)i);
        ck_assert_uint_eq(nd->depth, 0);
        ck_assert_ptr_eq(nd->key.p, names[i].p);     /* borrowed from the state */
        ck_assert_ptr_eq(nd->path.p, names[i].p);
        ck_assert_uint_eq(nd->key.n, names[i].n);
        ck_assert_msg(cv_str_eqz(nd->value, want[i]), "field %zu", i);
        ck_assert_int_eq(nd->flags, (i == 1 || i == 2) ? CV_NF_QUOTED : 0);
    }
    ck_assert_str_eq(write_rec(), "7,\"Doe, Jane\",\"said \"\"hi\"\"\nbye\",\" +44 1632 960123 \"\n");
    /* empty fields, quoted and not, and a needlessly quoted one */
    ck_assert_int_eq(parse("\"\",,\"plain\",", &d), 0);
    ck_assert_uint_eq(R.n, 4);
    for (size_t i = 0; i < 4; i++) ck_assert_uint_eq(R.nodes[i].value.n, i == 2 ? 5 : 0);
    ck_assert_int_eq(R.nodes[0].flags, CV_NF_QUOTED);
    ck_assert_int_eq(R.nodes[1].flags, 0);
    ck_assert_int_eq(R.nodes[2].flags, CV_NF_QUOTED);
    ck_assert_int_eq(R.nodes[3].flags, 0);
    ck_assert_str_eq(write_rec(), ",,plain,\n");
}
END_TEST

START_TEST(test_roundtrip_and_drop)
{
    header("a,b,c\n");
    cv_diag d;
    const char *rows[] = {
        "1,two,3\n",
        "\"x,y\",\"q\"\"q\",\"line1\r\nline2\"\n",
        ",,\n",
        "\xc3\xa9t\xc3\xa9,\xe2\x82\xac,\" lead\"\n",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ck_assert_int_eq(parse(rows[i], &d), 0);
        ck_assert_str_eq(write_rec(), rows[i]);
    }
    ck_assert_int_eq(parse("1,\"b,b\",3\n", &d), 0);
    R.nodes[0].flags |= CV_NF_DROP;
    ck_assert_str_eq(write_rec(), "\"b,b\",3\n");
    R.nodes[0].flags = 0;
    R.nodes[1].flags |= CV_NF_DROP;
    ck_assert_str_eq(write_rec(), "1,3\n");
    R.nodes[2].flags |= CV_NF_DROP;
    ck_assert_str_eq(write_rec(), "1\n");
    R.nodes[0].flags |= CV_NF_DROP;
    ck_assert_str_eq(write_rec(), "\n");
    /* one empty field must not become a blank line, which readers skip */
    R.nodes[0].flags = 0;
    R.nodes[0].value = CV_STR_LIT("");
    ck_assert_str_eq(write_rec(), "\"\"\n");
    R.nodes[0].value = CV_STR_LIT("1");
    /* a replaced value is quoted as it needs */
    for (size_t i = 0; i < R.n; i++) R.nodes[i].flags = 0;
    R.nodes[2].value = CV_STR_LIT("[phone:\"k\"]");
    ck_assert_str_eq(write_rec(), "1,\"b,b\",\"[phone:\"\"k\"\"]\"\n");
}
END_TEST

START_TEST(test_rejects)
{
    header("a,b,c\n");
    cv_diag d;
    expect_reject("1,2\n", "row has the wrong number of fields", 3);
    expect_reject("1,2,3,4,5\r\n", "row has the wrong number of fields", 6);
    expect_reject("1,\"2,3\",\"4\",5\n", "row has the wrong number of fields", 12);
    expect_reject("1,b\"c,3\n", "malformed CSV", 3);
    expect_reject("1,\"b\"c,3\n", "malformed CSV", 5);
    expect_reject("1,\"b\" ,3\n", "malformed CSV", 5);
    expect_reject("1,\"open,3\n", "malformed CSV", 9);
    expect_reject("1,2\r3,4\n", "malformed CSV", 3);        /* a bare CR is not inside a row */
    expect_reject("1,\xe2\x82,3\n", "invalid UTF-8", 2);
    expect_reject("1,2,\xc0\xaf\n", "invalid UTF-8", 4);     /* overlong '/' */
    ck_assert_int_eq(parse("", &d), CV_EEMPTY);
    ck_assert_int_eq(parse("\n", &d), CV_EEMPTY);
    ck_assert_int_eq(parse("\r\n", &d), CV_EEMPTY);
}
END_TEST

START_TEST(test_registry)
{
    ck_assert_ptr_eq(cvi_format_for_path("exports/contacts.csv"), F);
    ck_assert_ptr_eq(cvi_format_for_path("contacts.CSV.zst"), F);
    ck_assert_ptr_eq(cvi_format_for_path("cdr/master.csv"), F);     /* only the exact name is Asterisk's */
    const cv_format_type *ast = cvi_format_find("asterisk-cdr");
    ck_assert_ptr_nonnull(ast);
    ck_assert_ptr_eq(cvi_format_for_path("/var/log/asterisk/cdr-csv/Master.csv"), ast);
    ck_assert_ptr_eq(cvi_format_for_path("Master.csv.zst"), ast);
    ck_assert_ptr_eq(cvi_format_for_path("Master.csv"), ast);
    ck_assert_ptr_eq(cvi_format_for_path("OldMaster.csv"), F);
    ck_assert_int_eq(F->has_header, 1);
    ck_assert_int_eq(ast->has_header, 0);
}
END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_split_rows);
    tcase_add_test(tc, test_split_unterminated);
    tcase_add_test(tc, test_split_overlong);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_header_bom);
    tcase_add_test(tc, test_header_rejects);
    tcase_add_test(tc, test_header_duplicates);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_roundtrip_and_drop);
    tcase_add_test(tc, test_rejects);
    tcase_add_test(tc, test_registry);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(csv_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
