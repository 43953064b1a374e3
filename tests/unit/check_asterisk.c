/*
 * check_asterisk.c - Asterisk Master.csv: column naming (18 standard, the
 * newer three, fieldNN beyond), byte-identical round trips in cdr_csv style,
 * caller ids with quotes, dropped columns keeping their place, lenient
 * reading, the reject reasons, and the headed CSV output (`output: csv`).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"

static const cv_format_type *F;
static void *ST;
static cv_record R;
static cv_buf OUT;

#define ROW_ANSWERED \
    "\"\",\"+441632960123\",\"1001\",\"from-internal\",\"\"\"Jane Doe\"\" <+441632960123>\"," \
    "\"PJSIP/trunk-00000012\",\"PJSIP/1001-00000013\",\"Dial\",\"PJSIP/1001,30,tT\"," \
    "\"2024-03-05 14:02:11\",\"2024-03-05 14:02:15\",\"2024-03-05 14:07:40\",329,325," \
    "\"ANSWERED\",\"DOCUMENTATION\",\"1709647331.18\",\"\""
#define ROW_UNANSWERED \
    "\"acct42\",\"07700900123\",\"1002\",\"from-internal\",\"\"\"Bob O'Neil\"\" <07700900123>\"," \
    "\"PJSIP/trunk-0000001a\",\"PJSIP/1002-0000001b\",\"Dial\",\"PJSIP/1002,20\"," \
    "\"2024-03-05 15:00:00\",,\"2024-03-05 15:00:20\",20,0,\"NO ANSWER\",\"DOCUMENTATION\"," \
    "\"1709650800.26\",\"vip\""

static void setup(void)
{
    F = cvi_format_find("asterisk-cdr");
    ck_assert_ptr_nonnull(F);
    ST = calloc(1, F->state_size ? F->state_size : 1);
    cvi_record_init(&R);
    cvi_buf_init(&OUT);
}

static void teardown(void)
{
    free(ST);
    cvi_record_free(&R);
    cvi_buf_free(&OUT);
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

static void roundtrip(const char *line)
{
    cv_diag d;
    ck_assert_int_eq(parse(line, &d), 0);
    ck_assert_str_eq(write_rec(), line);
}

static void expect_field(size_t col, const char *name, const char *value)
{
    ck_assert_uint_lt(col, R.n);
    const cv_node *nd = &R.nodes[col];
    ck_assert_int_eq(nd->kind, CV_NODE_STRING);
    ck_assert_int_eq(nd->col, (int)col);
    ck_assert_msg(cv_str_eqz(nd->key, name), "column %zu name", col);
    ck_assert_msg(cv_str_eqz(nd->path, name), "column %zu path", col);
    ck_assert_msg(cv_str_eqz(nd->value, value), "column %zu value", col);
}

START_TEST(test_columns)
{
    static const char *const std[18] = { "accountcode", "src", "dst", "dcontext", "clid", "channel",
                                         "dstchannel", "lastapp", "lastdata", "start", "answer", "end",
                                         "duration", "billsec", "disposition", "amaflags", "uniqueid",
                                         "userfield" };
    const cv_str *names;
    ck_assert_uint_eq(F->columns(ST, &names), 18);
    for (size_t i = 0; i < 18; i++) ck_assert_msg(cv_str_eqz(names[i], std[i]), "column %zu", i);
    ck_assert_int_eq(F->has_header, 0);
    ck_assert_ptr_null(F->write_header);
}
END_TEST

START_TEST(test_fields)
{
    cv_diag d;
    ck_assert_int_eq(parse(ROW_ANSWERED "\n", &d), 0);
    ck_assert_uint_eq(R.n, 18);
    expect_field(0, "accountcode", "");
    expect_field(1, "src", "+441632960123");
    expect_field(4, "clid", "\"Jane Doe\" <+441632960123>");
    expect_field(8, "lastdata", "PJSIP/1001,30,tT");
    expect_field(9, "start", "2024-03-05 14:02:11");
    expect_field(12, "duration", "329");
    expect_field(13, "billsec", "325");
    expect_field(14, "disposition", "ANSWERED");
    expect_field(16, "uniqueid", "1709647331.18");
    expect_field(17, "userfield", "");
    ck_assert_int_eq(R.nodes[4].flags, CV_NF_QUOTED);
    ck_assert_int_eq(R.nodes[12].flags, 0);
    ck_assert_int_eq(parse(ROW_UNANSWERED "\r\n", &d), 0);
    expect_field(10, "answer", "");
    ck_assert_int_eq(R.nodes[10].flags, 0);
    expect_field(4, "clid", "\"Bob O'Neil\" <07700900123>");
}
END_TEST

START_TEST(test_roundtrips)
{
    roundtrip(ROW_ANSWERED "\n");
    roundtrip(ROW_UNANSWERED "\n");
    /* newcdrcolumns: peeraccount, linkedid (strings) and sequence (int) */
    roundtrip(ROW_ANSWERED ",\"\",\"1709647331.18\",42\n");
    cv_diag d;
    ck_assert_int_eq(parse(ROW_ANSWERED ",\"peer\",\"1709647331.18\",42,\"x,y\",123,\"\"\n", &d), 0);
    ck_assert_uint_eq(R.n, 24);
    expect_field(18, "peeraccount", "peer");
    expect_field(19, "linkedid", "1709647331.18");
    expect_field(20, "sequence", "42");
    expect_field(21, "field22", "x,y");
    expect_field(22, "field23", "123");
    expect_field(23, "field24", "");
    ck_assert_str_eq(write_rec(), ROW_ANSWERED ",\"peer\",\"1709647331.18\",42,\"x,y\",123,\"\"\n");
    /* a quoted field with a line feed inside (lastdata can hold anything) */
    roundtrip("\"\",\"1\",\"2\",\"c\",\"\",\"ch\",\"\",\"Set\",\"a\nb\",\"2024-01-01 00:00:00\",,,0,0,"
              "\"FAILED\",\"DOCUMENTATION\",\"1.1\",\"\"\n");
}
END_TEST

START_TEST(test_lenient_read)
{
    /* everything unquoted, ints quoted: read, then written in cdr_csv style */
    cv_diag d;
    const char *in = "acc,100,200,ctx,Jane <100>,SIP/a,SIP/b,Dial,SIP/b,2024-01-01 10:00:00,"
                     "2024-01-01 10:00:01,2024-01-01 10:00:09,\"9\",\"8\",ANSWERED,BILLING,1.2,u\n";
    ck_assert_int_eq(parse(in, &d), 0);
    ck_assert_str_eq(write_rec(),
                     "\"acc\",\"100\",\"200\",\"ctx\",\"Jane <100>\",\"SIP/a\",\"SIP/b\",\"Dial\",\"SIP/b\","
                     "\"2024-01-01 10:00:00\",\"2024-01-01 10:00:01\",\"2024-01-01 10:00:09\",9,8,"
                     "\"ANSWERED\",\"BILLING\",\"1.2\",\"u\"\n");
}
END_TEST

START_TEST(test_dropped_keep_positions)
{
    cv_diag d;
    ck_assert_int_eq(parse(ROW_ANSWERED ",\"peer\",\"1709647331.18\",42,\"x\"\n", &d), 0);
    R.nodes[1].flags |= CV_NF_DROP;    /* src: a string column */
    R.nodes[4].flags |= CV_NF_DROP;    /* clid */
    R.nodes[9].flags |= CV_NF_DROP;    /* start: a date */
    R.nodes[12].flags |= CV_NF_DROP;   /* duration: an int */
    R.nodes[17].flags |= CV_NF_DROP;   /* the last standard column */
    R.nodes[20].flags |= CV_NF_DROP;   /* sequence: an int */
    R.nodes[21].flags |= CV_NF_DROP;   /* field22: unknown */
    ck_assert_str_eq(write_rec(),
                     "\"\",\"\",\"1001\",\"from-internal\",\"\",\"PJSIP/trunk-00000012\",\"PJSIP/1001-00000013\","
                     "\"Dial\",\"PJSIP/1001,30,tT\",,\"2024-03-05 14:02:15\",\"2024-03-05 14:07:40\",,325,"
                     "\"ANSWERED\",\"DOCUMENTATION\",\"1709647331.18\",\"\",\"peer\",\"1709647331.18\",,\"\"\n");
    /* replaced values: a token in src, a generalised start and a duration band */
    for (size_t i = 0; i < R.n; i++) R.nodes[i].flags = 0;
    R.nodes[1].value = CV_STR_LIT("phone:k3m9x2p7q1w8e5r4");
    R.nodes[9].value = CV_STR_LIT("2024-03-05 14:00:00");
    R.nodes[12].value = CV_STR_LIT("300-599");
    R.nodes[13].value = CV_STR_LIT("1,2");    /* would break the row unquoted */
    write_rec();
    ck_assert_ptr_nonnull(strstr(OUT.p, ",\"phone:k3m9x2p7q1w8e5r4\",\"1001\","));
    ck_assert_ptr_nonnull(strstr(OUT.p, "\"2024-03-05 14:00:00\",\"2024-03-05 14:02:15\""));
    ck_assert_ptr_nonnull(strstr(OUT.p, ",300-599,\"1,2\",\"ANSWERED\","));
    /* and the output still parses into the same number of columns */
    cv_buf copy;
    cvi_buf_init(&copy);
    cvi_buf_append(&copy, OUT.p, OUT.n);
    ck_assert_int_eq(parse(cvi_buf_cstr(&copy), &d), 0);
    ck_assert_uint_eq(R.n, 22);
    expect_field(13, "billsec", "1,2");
    cvi_buf_free(&copy);
}
END_TEST

START_TEST(test_rejects)
{
    cv_diag d;
    ck_assert_int_eq(parse("\"a\",\"b\",3\n", &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "expected at least 18 fields");
    ck_assert_uint_eq(d.offset, 9);
    /* 17 fields: the userfield column is missing */
    const char *r17 = "\"\",\"1\",\"2\",\"c\",\"\",\"ch\",\"\",\"Dial\",\"x\",\"2024-01-01 00:00:00\",,,0,0,"
                      "\"FAILED\",\"DOCUMENTATION\",\"1.1\"\r\n";
    ck_assert_int_eq(parse(r17, &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "expected at least 18 fields");
    ck_assert_uint_eq(d.offset, strlen(r17) - 2);
    /* 64 fields are fine, 65 are not */
    char row[256];
    size_t n = 0;
    for (int i = 0; i < 64; i++) {
        row[n++] = (char)('a' + i % 26);
        row[n++] = ',';
    }
    row[n - 1] = '\n';
    row[n] = '\0';
    ck_assert_int_eq(parse(row, &d), 0);
    ck_assert_uint_eq(R.n, 64);
    expect_field(63, "field64", "l");
    row[n - 1] = ',';
    memcpy(row + n, "zz\n", 4);
    ck_assert_int_eq(parse(row, &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "too many fields");
    ck_assert_uint_eq(d.offset, 128);
    ck_assert_int_eq(parse(ROW_ANSWERED ",\"x\"y\n", &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "malformed CSV");
    ck_assert_uint_eq(d.offset, strlen(ROW_ANSWERED) + 4);
    ck_assert_int_eq(parse("\"\xff\"\n", &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, "invalid UTF-8");
    ck_assert_uint_eq(d.offset, 1);
    ck_assert_int_eq(parse("\n", &d), CV_EEMPTY);
    ck_assert_int_eq(parse("", &d), CV_EEMPTY);
}
END_TEST

/* `output: csv`: a header of the kept columns' cdr_csv names, an added
 * country-code column right after its anchor, plain CSV quoting, a dropped
 * value an empty field, columns past the 18 not written; the header row
 * is refused when read back as Master.csv. */
START_TEST(test_headed_output)
{
    ck_assert_ptr_nonnull(F->headed_output);
    uint8_t kept[18];
    cv_str added[18];
    memset(kept, 0, sizeof kept);
    memset(added, 0, sizeof added);
    kept[1] = kept[2] = kept[9] = kept[12] = kept[14] = kept[17] = 1;
    added[1] = (cv_str){ "src_country", 11 };
    added[3] = (cv_str){ "never", 5 };              /* its column is not kept: no column */
    ck_assert_int_eq(F->headed_output(ST, kept, added, &OUT), 0);
    ck_assert_str_eq(cvi_buf_cstr(&OUT), "src,src_country,dst,start,duration,disposition,userfield\n");

    cv_diag d;
    ck_assert_int_eq(parse(ROW_ANSWERED ",\"peer\",\"linked\",7\n", &d), 0);
    ck_assert_uint_eq(R.n, 21);
    /* as the engine leaves it: a code inserted after src, disposition dropped */
    ck_assert_int_eq(cvi_record_push(&R, CV_NODE_STRING, 0, CV_STR_LIT("src_country"), CV_STR_LIT("src_country"),
                                    CV_STR_LIT("+44")), 21);
    cv_node cc = R.nodes[R.n - 1];
    cc.col = INT32_MAX;
    memmove(&R.nodes[3], &R.nodes[2], (R.n - 3) * sizeof *R.nodes);
    R.nodes[2] = cc;
    R.nodes[15].flags |= CV_NF_DROP;               /* disposition */
    ck_assert_str_eq(write_rec(), "+441632960123,+44,1001,2024-03-05 14:02:11,329,,\n");

    /* a value with a comma or quote is quoted; an unanswered call's answer
     * is empty; a record without the code gets an empty one */
    kept[4] = 1;
    cv_buf_clear(&OUT);
    ck_assert_int_eq(F->headed_output(ST, kept, added, &OUT), 0);
    ck_assert_str_eq(cvi_buf_cstr(&OUT), "src,src_country,dst,clid,start,duration,disposition,userfield\n");
    ck_assert_int_eq(parse(ROW_UNANSWERED "\n", &d), 0);
    ck_assert_str_eq(write_rec(),
                     "07700900123,,1002,\"\"\"Bob O'Neil\"\" <07700900123>\",2024-03-05 15:00:00,20,NO ANSWER,vip\n");

    /* the header read back as Master.csv: rejected at byte 0, named */
    ck_assert_int_eq(parse("src,src_country,dst\n", &d), CV_EINPUT);   /* too few fields */
    ck_assert_int_eq(parse("accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,answer,"
                           "end,duration,billsec,disposition,amaflags,uniqueid,userfield\n", &d), CV_EINPUT);
    ck_assert_uint_eq(d.offset, 0);
    ck_assert_ptr_nonnull(strstr(d.reason, "header row"));
    /* a real row whose account code is the word stays a row (quoted) */
    char row[512];
    snprintf(row, sizeof row, "\"accountcode\"%s\n", ROW_UNANSWERED + 8);   /* past "acct42" */
    ck_assert_int_eq(parse(row, &d), 0);
    expect_field(0, "accountcode", "accountcode");
}
END_TEST

START_TEST(test_split)
{
    size_t rl, nl;
    const char *why = NULL;
    const char *buf = ROW_ANSWERED "\n" ROW_UNANSWERED "\n";
    size_t len = strlen(buf), one = strlen(ROW_ANSWERED) + 1;
    ck_assert_int_eq(F->split(ST, buf, len, 0, 1 << 20, &rl, &nl, &why), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, one);
    ck_assert_uint_eq(nl, 1);
    ck_assert_int_eq(F->split(ST, buf + one, len - one, 0, 1 << 20, &rl, &nl, &why), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, len - one);
    ck_assert_int_eq(F->split(ST, buf, len, 0, 64, &rl, &nl, &why), CV_SPLIT_BAD);
    ck_assert_uint_eq(rl, 64);
    ck_assert_str_eq(why, "record exceeds the maximum record size");
}
END_TEST

static Suite *asterisk_suite(void)
{
    Suite *s = suite_create("asterisk");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_columns);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_roundtrips);
    tcase_add_test(tc, test_lenient_read);
    tcase_add_test(tc, test_dropped_keep_positions);
    tcase_add_test(tc, test_rejects);
    tcase_add_test(tc, test_split);
    tcase_add_test(tc, test_headed_output);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(asterisk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
