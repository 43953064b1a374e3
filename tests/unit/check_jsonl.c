/*
 * check_jsonl.c - the JSON Lines format: splitting, the node sequence and
 * paths the parser produces, every reject reason with its offset, compact
 * writing with dropped nodes, and round trips that keep shape and order.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "formats/formats.h"

static const cv_format_type *F;
static cv_record R;
static cv_buf OUT;
static char ST[16];   /* jsonl keeps no state; parse still gets a pointer */

static void setup(void)
{
    F = cvi_format_find("jsonl");
    ck_assert_ptr_nonnull(F);
    cvi_record_init(&R);
    cvi_buf_init(&OUT);
}

static void teardown(void)
{
    cvi_record_free(&R);
    cvi_buf_free(&OUT);
}

static int parse_n(const char *s, size_t n, cv_diag *d)
{
    cvi_record_reset(&R);
    d->reason = NULL;
    d->offset = (size_t)-1;
    return F->parse(ST, s, n, &R, d);
}

static int parse(const char *s, cv_diag *d) { return parse_n(s, strlen(s), d); }

static const char *write_rec(void)
{
    cv_buf_clear(&OUT);
    ck_assert_int_eq(F->write(ST, &R, &OUT), 0);
    return cvi_buf_cstr(&OUT);
}

/* Parse line (no newline) and expect it back byte for byte, plus '\n'. */
static void roundtrip(const char *line)
{
    cv_diag d;
    ck_assert_int_eq(parse(line, &d), 0);
    const char *w = write_rec();
    ck_assert_uint_eq(OUT.n, strlen(line) + 1);
    ck_assert_mem_eq(w, line, strlen(line));
    ck_assert_int_eq(w[OUT.n - 1], '\n');
}

static void expect_reject(const char *s, size_t n, const char *reason, size_t offset)
{
    cv_diag d;
    ck_assert_int_eq(parse_n(s, n, &d), CV_EINPUT);
    ck_assert_str_eq(d.reason, reason);
    ck_assert_uint_eq(d.offset, offset);
}

static void expect_node(size_t i, int kind, unsigned depth, const char *key, const char *path, const char *value)
{
    ck_assert_uint_lt(i, R.n);
    const cv_node *nd = &R.nodes[i];
    ck_assert_int_eq(nd->kind, kind);
    ck_assert_uint_eq(nd->depth, depth);
    ck_assert_int_eq(nd->col, -1);
    ck_assert_msg(cv_str_eqz(nd->key, key), "node %zu key", i);
    ck_assert_msg(cv_str_eqz(nd->path, path), "node %zu path", i);
    ck_assert_msg(cv_str_eqz(nd->value, value), "node %zu value", i);
}

START_TEST(test_split)
{
    const char *reason = NULL;
    size_t rl, nl;
    const char *buf = "{\"a\":1}\r\n{\"b\":2}\n{\"c\"";
    size_t len = strlen(buf);
    ck_assert_int_eq(F->split(ST, buf, len, 0, 1024, &rl, &nl, &reason), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 9);     /* CRLF belongs to the record */
    ck_assert_uint_eq(nl, 1);
    ck_assert_int_eq(F->split(ST, buf + 9, len - 9, 0, 1024, &rl, &nl, &reason), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 8);
    /* the unterminated last line: more, or a record at eof */
    ck_assert_int_eq(F->split(ST, buf + 17, len - 17, 0, 1024, &rl, &nl, &reason), CV_SPLIT_MORE);
    ck_assert_int_eq(F->split(ST, buf + 17, len - 17, 1, 1024, &rl, &nl, &reason), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 4);
    ck_assert_uint_eq(nl, 0);
    /* nothing at all at eof */
    ck_assert_int_eq(F->split(ST, buf, 0, 1, 1024, &rl, &nl, &reason), CV_SPLIT_MORE);
    /* blank lines are records too (parse says CV_EEMPTY) */
    ck_assert_int_eq(F->split(ST, "\n\n", 2, 0, 1024, &rl, &nl, &reason), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 1);
}
END_TEST

START_TEST(test_split_overlong)
{
    const char *reason = NULL;
    size_t rl = 0, nl = 7;
    char buf[64];
    memset(buf, 'x', sizeof buf);
    buf[40] = '\n';
    /* 16 bytes buffered, no line end within them */
    ck_assert_int_eq(F->split(ST, buf, sizeof buf, 0, 16, &rl, &nl, &reason), CV_SPLIT_BAD);
    ck_assert_uint_eq(rl, 16);
    ck_assert_uint_eq(nl, 0);
    ck_assert_str_eq(reason, "record exceeds the maximum record size");
    /* fewer than max_len bytes and no eof: wait */
    ck_assert_int_eq(F->split(ST, buf, 15, 0, 16, &rl, &nl, &reason), CV_SPLIT_MORE);
    /* a line of exactly max_len bytes, terminator included, fits */
    ck_assert_int_eq(F->split(ST, buf + 25, sizeof buf - 25, 0, 16, &rl, &nl, &reason), CV_SPLIT_RECORD);
    ck_assert_uint_eq(rl, 16);
    /* at eof, too long still means too long */
    ck_assert_int_eq(F->split(ST, buf + 41, sizeof buf - 41, 1, 16, &rl, &nl, &reason), CV_SPLIT_BAD);
    ck_assert_uint_eq(rl, 16);
}
END_TEST

START_TEST(test_roundtrips)
{
    roundtrip("{\"a\":1,\"b\":\"x\"}");
    roundtrip("{}");
    roundtrip("{\"\":1}");
    roundtrip("{\"id\":7,\"customer\":{\"name\":\"Jane Doe\",\"phone\":\"+441632960123\"},\"z\":0}");
    roundtrip("{\"messages\":[{\"from\":\"agent\",\"text\":\"hello\"},{\"from\":\"cust\",\"text\":\"hi\","
              "\"attachments\":[{\"name\":\"a.png\",\"size\":10}]}],\"n\":2}");
    roundtrip("{\"a\":[[1,2],[],[[3]],[{}]],\"o\":{},\"e\":[]}");
    roundtrip("{\"t\":\"caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80\"}");
    roundtrip("{\"t\":\"q\\\"b\\\\n\\nt\\tc\\r\\b\\f\\u0001\\u001f\\u0000x\"}");
    roundtrip("{\"big\":12345678901234567890,\"tiny\":1e-7,\"neg\":-0.50,\"exp\":6.02E+23,\"zero\":0}");
    roundtrip("{\"b\":true,\"c\":false,\"d\":null,\"arr\":[true,null,\"s\",1.5]}");
    roundtrip("{\"k\\\"ey\":\"v\",\"\xc3\xa9\":{\"x\\ny\":[1]}}");
    roundtrip("{\"dup\":1,\"o\":{\"dup\":2},\"a\":[{\"dup\":3},{\"dup\":4}]}");   /* one name in different objects */
}
END_TEST

START_TEST(test_normalising_write)
{
    cv_diag d;
    ck_assert_int_eq(parse("  { \"a\" : [ 1 , 2 ] ,\t\"b\" : { } }  \r\n", &d), 0);
    ck_assert_str_eq(write_rec(), "{\"a\":[1,2],\"b\":{}}\n");
    /* escapes are decoded on input and written minimally */
    ck_assert_int_eq(parse("{\"t\":\"\\u00e9\\/\\ud83d\\ude00\\u007f\"}", &d), 0);
    ck_assert_uint_eq(R.n, 1);
    ck_assert(cv_str_eqz(R.nodes[0].value, "\xc3\xa9/\xf0\x9f\x98\x80\x7f"));
    ck_assert_str_eq(write_rec(), "{\"t\":\"\xc3\xa9/\xf0\x9f\x98\x80\x7f\"}\n");
    /* an escaped backslash before "udc00" is not an escape */
    ck_assert_int_eq(parse("{\"t\":\"\\\\udc00\\uDBFF\\uDFFF\"}", &d), 0);
    ck_assert(cv_str_eqz(R.nodes[0].value, "\\udc00\xf4\x8f\xbf\xbf"));
}
END_TEST

/* issue 8 item 15: a leading UTF-8 BOM must not lose the first record */
START_TEST(test_leading_bom)
{
    cv_diag d;
    ck_assert_int_eq(parse("\xef\xbb\xbf{\"a\":\"x\"}\n", &d), 0);
    ck_assert_uint_eq(R.n, 1);
    ck_assert_str_eq(write_rec(), "{\"a\":\"x\"}\n");
}
END_TEST

START_TEST(test_nodes_and_paths)
{
    cv_diag d;
    const char *s = "{\"id\":1,\"customer\":{\"phone\":\"x\",\"tags\":[\"a\",\"b\"]},"
                    "\"messages\":[{\"text\":\"hi\",\"attachments\":[{\"name\":\"n\"}]}],"
                    "\"a\":[[2]],\"ok\":true,\"nil\":null}\n";
    ck_assert_int_eq(parse(s, &d), 0);
    size_t i = 0;
    expect_node(i++, CV_NODE_NUMBER, 0, "id", "id", "1");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 0, "customer", "customer", "");
    expect_node(i++, CV_NODE_STRING, 1, "phone", "customer.phone", "x");
    expect_node(i++, CV_NODE_ARR_BEGIN, 1, "tags", "customer.tags", "");
    expect_node(i++, CV_NODE_STRING, 2, "", "customer.tags[]", "a");
    expect_node(i++, CV_NODE_STRING, 2, "", "customer.tags[]", "b");
    expect_node(i++, CV_NODE_ARR_END, 1, "tags", "customer.tags", "");
    expect_node(i++, CV_NODE_OBJ_END, 0, "customer", "customer", "");
    expect_node(i++, CV_NODE_ARR_BEGIN, 0, "messages", "messages", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 1, "", "messages[]", "");
    expect_node(i++, CV_NODE_STRING, 2, "text", "messages[].text", "hi");
    expect_node(i++, CV_NODE_ARR_BEGIN, 2, "attachments", "messages[].attachments", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 3, "", "messages[].attachments[]", "");
    expect_node(i++, CV_NODE_STRING, 4, "name", "messages[].attachments[].name", "n");
    expect_node(i++, CV_NODE_OBJ_END, 3, "", "messages[].attachments[]", "");
    expect_node(i++, CV_NODE_ARR_END, 2, "attachments", "messages[].attachments", "");
    expect_node(i++, CV_NODE_OBJ_END, 1, "", "messages[]", "");
    expect_node(i++, CV_NODE_ARR_END, 0, "messages", "messages", "");
    expect_node(i++, CV_NODE_ARR_BEGIN, 0, "a", "a", "");
    expect_node(i++, CV_NODE_ARR_BEGIN, 1, "", "a[]", "");
    expect_node(i++, CV_NODE_NUMBER, 2, "", "a[][]", "2");
    expect_node(i++, CV_NODE_ARR_END, 1, "", "a[]", "");
    expect_node(i++, CV_NODE_ARR_END, 0, "a", "a", "");
    expect_node(i++, CV_NODE_BOOL, 0, "ok", "ok", "true");
    expect_node(i++, CV_NODE_NULL, 0, "nil", "nil", "null");
    ck_assert_uint_eq(R.n, i);
    /* BEGIN nodes point at their END; everything else has end = -1 */
    ck_assert_int_eq(R.nodes[1].end, 7);
    ck_assert_int_eq(R.nodes[3].end, 6);
    ck_assert_int_eq(R.nodes[8].end, 17);
    ck_assert_int_eq(R.nodes[9].end, 16);
    ck_assert_int_eq(R.nodes[11].end, 15);
    ck_assert_int_eq(R.nodes[12].end, 14);
    ck_assert_int_eq(R.nodes[18].end, 22);
    ck_assert_int_eq(R.nodes[19].end, 21);
    ck_assert_int_eq(R.nodes[0].end, -1);
    ck_assert_int_eq(R.nodes[7].end, -1);
    ck_assert_int_eq(R.nodes[0].flags, 0);
}
END_TEST

START_TEST(test_values_outlive_input)
{
    /* Strings yajl had to decode (escapes) and nested paths live in the
     * record; strings without escapes are borrowed from the input line
     * (zero-copy), so the line must outlive the record (formats.h). */
    cv_diag d;
    char *s = strdup("{\"k\":{\"in\":\"v\\n\",\"n\":3,\"plain\":\"abc\"}}");
    ck_assert_int_eq(parse(s, &d), 0);
    ck_assert_uint_eq(R.n, 5);
    ck_assert(cv_str_eqz(R.nodes[3].value, "abc"));
    ck_assert(R.nodes[3].value.p >= s && R.nodes[3].value.p < s + strlen(s));      /* borrowed */
    ck_assert(R.nodes[1].value.p < s || R.nodes[1].value.p >= s + strlen(s));      /* decoded: copied */
    memset(s, '#', strlen(s));
    ck_assert(cv_str_eqz(R.nodes[1].path, "k.in"));
    ck_assert(cv_str_eqz(R.nodes[1].value, "v\n"));
    ck_assert(cv_str_eqz(R.nodes[3].path, "k.plain"));
    free(s);
}
END_TEST

/* The writer copies strings borrowed from the input as they are (no escape
 * can be in them) and escapes every other: decoded ones, and values and
 * names the engine set in the record's arena, whatever they hold. */
START_TEST(test_write_borrowed_and_set)
{
    cv_diag d;
    ck_assert_int_eq(parse("{\"a\":\"x\\\"y\",\"b\":\"plain\",\"c\":12,\"d\":\"keep\"}", &d), 0);
    ck_assert_uint_eq(R.n, 4);
    R.nodes[1].value = cvi_record_strdup(&R, "q\"u\\\n\x01", 6);
    R.nodes[1].flags |= CV_NF_CHANGED;
    R.nodes[3].key = cvi_record_strdup(&R, "k\"", 2);
    R.nodes[3].flags |= CV_NF_RENAMED;
    ck_assert_str_eq(write_rec(), "{\"a\":\"x\\\"y\",\"b\":\"q\\\"u\\\\\\n\\u0001\",\"c\":12,\"k\\\"\":\"keep\"}\n");
    /* a record another reader filled (no borrowed input): escaped too */
    cvi_record_reset(&R);
    ck_assert_ptr_null(R.src);
}
END_TEST

START_TEST(test_dropped)
{
    cv_diag d;
    const char *s = "{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"s\"},\"c\":[{\"t\":\"u\"},{\"t\":\"v\"}],\"d\":null}";
    /* node indexes: 0 a, 1 b{, 2 x[, 3 1, 4 2, 5 ], 6 y, 7 }, 8 c[, 9 {, 10 t, 11 }, 12 {, 13 t, 14 }, 15 ], 16 d */
    ck_assert_int_eq(parse(s, &d), 0);
    ck_assert_uint_eq(R.n, 17);
    R.nodes[0].flags |= CV_NF_DROP;                       /* first member */
    ck_assert_str_eq(write_rec(), "{\"b\":{\"x\":[1,2],\"y\":\"s\"},\"c\":[{\"t\":\"u\"},{\"t\":\"v\"}],\"d\":null}\n");
    R.nodes[0].flags = 0;
    R.nodes[16].flags |= CV_NF_DROP;                      /* last member */
    ck_assert_str_eq(write_rec(), "{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"s\"},\"c\":[{\"t\":\"u\"},{\"t\":\"v\"}]}\n");
    R.nodes[16].flags = 0;
    R.nodes[1].flags |= CV_NF_DROP;                       /* a middle subtree */
    ck_assert_str_eq(write_rec(), "{\"a\":1,\"c\":[{\"t\":\"u\"},{\"t\":\"v\"}],\"d\":null}\n");
    R.nodes[1].flags = 0;
    R.nodes[2].flags |= CV_NF_DROP;                       /* first member of a nested object */
    R.nodes[12].flags |= CV_NF_DROP;                      /* the last array element */
    ck_assert_str_eq(write_rec(), "{\"a\":1,\"b\":{\"y\":\"s\"},\"c\":[{\"t\":\"u\"}],\"d\":null}\n");
    R.nodes[2].flags = R.nodes[12].flags = 0;
    R.nodes[3].flags |= CV_NF_DROP;                       /* every child: containers stay */
    R.nodes[4].flags |= CV_NF_DROP;
    R.nodes[10].flags |= CV_NF_DROP;
    ck_assert_str_eq(write_rec(), "{\"a\":1,\"b\":{\"x\":[],\"y\":\"s\"},\"c\":[{},{\"t\":\"v\"}],\"d\":null}\n");
    for (size_t i = 0; i < R.n; i++) R.nodes[i].flags = 0;
    R.nodes[0].flags = R.nodes[1].flags = R.nodes[8].flags = R.nodes[16].flags = CV_NF_DROP;
    ck_assert_str_eq(write_rec(), "{}\n");
    /* a replaced value is written escaped */
    for (size_t i = 0; i < R.n; i++) R.nodes[i].flags = 0;
    R.nodes[6].value = CV_STR_LIT("[phone:\"k3\"]\n");
    R.nodes[6].flags = CV_NF_CHANGED;
    ck_assert_str_eq(write_rec(),
                     "{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"[phone:\\\"k3\\\"]\\n\"},\"c\":[{\"t\":\"u\"},{\"t\":\"v\"}],\"d\":null}\n");
}
END_TEST

START_TEST(test_write_rejects_bad_end)
{
    cv_diag d;
    ck_assert_int_eq(parse("{\"b\":{\"x\":1}}", &d), 0);
    R.nodes[0].flags = CV_NF_DROP;
    R.nodes[0].end = 0;   /* corrupted by a caller: must not loop or overrun */
    cv_buf_clear(&OUT);
    ck_assert_int_eq(F->write(ST, &R, &OUT), CV_EINTERNAL);
    R.nodes[0].end = 99;
    ck_assert_int_eq(F->write(ST, &R, &OUT), CV_EINTERNAL);
}
END_TEST

START_TEST(test_rejects)
{
    expect_reject("{\"a\":\"\xff\"}", 10, "invalid UTF-8", 6);
    expect_reject("{\"a\":\"\xc3\xa9\xed\xa0\x80\"}", 13, "invalid UTF-8", 8);   /* a surrogate */
    /* \u escapes of surrogates must pair high-low, else the decoded value is
     * not UTF-8 (found by fuzz_jsonl): the offset is the escape's backslash */
    static const char lone[] = "invalid \\u escape (unpaired UTF-16 surrogate)";
    expect_reject("{\"a\":\"\\udc00\"}", 14, lone, 6);                      /* low alone */
    expect_reject("{\"a\":\"x\\ud800\"}", 15, lone, 7);                     /* high alone */
    expect_reject("{\"a\":\"\\ud800x\"}", 15, lone, 6);                     /* high, then a char */
    expect_reject("{\"a\":\"\\ud800\\u0041\"}", 20, lone, 6);              /* high, then no low */
    expect_reject("{\"a\":\"\\ud83d\\ude00\\ude00\"}", 26, lone, 18);     /* pair, then low */
    expect_reject("{\"\\udfff\":1}", 12, lone, 2);                            /* in a key */
    expect_reject("{\"a\":\"\\\\\\udc00\"}", 16, lone, 8);                /* after an escaped \ */
    /* yajl reports syntax errors just past the offending token */
    expect_reject("{\"a\":1,}", 8, "invalid JSON", 8);
    expect_reject("{\"a\" 1}", 7, "invalid JSON", 6);
    expect_reject("{\"a\":1", 6, "invalid JSON", 6);                 /* premature end */
    expect_reject("{\"a\":1} x", 9, "invalid JSON", 9);              /* trailing garbage */
    expect_reject("{\"a\":1}{\"b\":2}", 14, "invalid JSON", 8);      /* two values */
    expect_reject("{\"a\":1 /* c */}", 15, "invalid JSON", 7);       /* no comments */
    expect_reject("{\"a\":\"x\ty\"}", 11, "invalid JSON", 7);        /* raw control character */
    expect_reject("{'a':1}", 7, "invalid JSON", 2);
    expect_reject("{\"a\":tru}", 9, "invalid JSON", 8);
    expect_reject("{\"a\":01}", 8, "invalid JSON", 6);
    expect_reject("[1,2]", 5, "record is not a JSON object", 0);
    expect_reject("  \"str\"\n", 8, "record is not a JSON object", 2);
    expect_reject("42", 2, "record is not a JSON object", 0);
    expect_reject("\ttrue", 5, "record is not a JSON object", 1);
    expect_reject("null\r\n", 6, "record is not a JSON object", 0);
}
END_TEST

static char *nested(int k)
{
    char *s = malloc((size_t)(2 * k + 8));
    size_t n = 0;
    memcpy(s, "{\"a\":", 5);
    n = 5;
    for (int i = 0; i < k; i++) s[n++] = '[';
    for (int i = 0; i < k; i++) s[n++] = ']';
    s[n++] = '}';
    s[n] = '\0';
    return s;
}

/* Two members of one name in one object: readers disagree on which one
 * counts (first, last, both), so the record is rejected at the second
 * name's opening quote (issue 8, item 15). */
START_TEST(test_duplicate_names)
{
    const char *dup = "duplicate member name in an object";
    const char *a = "{\"text\":\"hi\",\"text\":\"call 07700900123\"}";
    expect_reject(a, strlen(a), dup, 13);
    expect_reject("{\"a\":{\"b\":1,\"b\":2}}", 19, dup, 12);                /* nested object */
    expect_reject("{\"a\":[{\"b\":1,\"c\":{},\"b\":2}]}", 27, dup, 20);      /* in an array element */
    expect_reject("{\"a\":1,\"b\":{\"a\":1},\"a\":2}", 25, dup, 19);     /* after a nested one */
    expect_reject("{\"a\":{},\"a\":[]}", 15, dup, 8);                       /* containers too */
    /* names compare decoded: an escape is the same name */
    expect_reject("{\"a\\\"x\":1,\"a\\u0022x\":2}", 23, dup, 10);
    expect_reject("{\"x\\\\\":1,\"x\\u005c\":2}", 21, dup, 9);        /* escaped backslash before the quote */
    expect_reject("{\"\":1,\"\":2}", 11, dup, 6);                            /* the empty name */
    /* large objects use a hash index: still found, at the right offset */
    cv_buf b = { 0 };
    for (int n = 15; n <= 300; n += 15) {
        for (int at = 0; at < n; at += 7) {
            cv_buf_clear(&b);
            ck_assert_int_eq(cvi_buf_putc(&b, '{'), 0);
            for (int i = 0; i < n; i++) ck_assert_int_eq(cvi_buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i), 0);
            ck_assert_int_eq(cvi_buf_puts(&b, ","), 0);
            size_t off = b.n;
            ck_assert_int_eq(cvi_buf_printf(&b, "\"k%d\":0}", at), 0);
            expect_reject(b.p, b.n, dup, off);
            /* without the duplicate the record parses */
            cv_diag d;
            b.p[off - 1] = '}';
            ck_assert_int_eq(parse_n(b.p, off, &d), 0);
        }
    }
    cvi_buf_free(&b);
}
END_TEST

START_TEST(test_depth_limit)
{
    cv_diag d;
    char *ok = nested(255);      /* 256 open containers with the top-level object */
    ck_assert_int_eq(parse(ok, &d), 0);
    ck_assert_uint_eq(R.n, 510);
    ck_assert_uint_eq(R.nodes[254].depth, 254);
    write_rec();
    ck_assert_uint_eq(OUT.n, strlen(ok) + 1);
    ck_assert_mem_eq(OUT.p, ok, strlen(ok));
    free(ok);
    char *bad = nested(256);
    expect_reject(bad, strlen(bad), "nesting too deep", 5 + 255);
    free(bad);
    char *worse = nested(100000);
    expect_reject(worse, strlen(worse), "nesting too deep", 5 + 255);
    free(worse);
}
END_TEST

START_TEST(test_blank_and_crlf)
{
    cv_diag d;
    ck_assert_int_eq(parse_n("", 0, &d), CV_EEMPTY);
    ck_assert_int_eq(parse("\n", &d), CV_EEMPTY);
    ck_assert_int_eq(parse("\r\n", &d), CV_EEMPTY);
    ck_assert_int_eq(parse("  \t \r\n", &d), CV_EEMPTY);
    ck_assert_int_eq(parse("{\"a\":\"b\"}\r\n", &d), 0);
    ck_assert_uint_eq(R.n, 1);
    ck_assert_str_eq(write_rec(), "{\"a\":\"b\"}\n");
}
END_TEST

START_TEST(test_reparse_invariant)
{
    /* what write produces parses back to the same nodes */
    cv_diag d;
    const char *s = "{\"m\":[{\"t\":\"a\\u0000\\\"\",\"n\":[1e5,[],{}]}],\"x\":{\"y\":{\"z\":false}}}";
    ck_assert_int_eq(parse(s, &d), 0);
    cv_record first;
    cvi_record_init(&first);
    size_t n = R.n;
    cv_node *copy = malloc(n * sizeof *copy);
    memcpy(copy, R.nodes, n * sizeof *copy);
    cv_buf w;
    cvi_buf_init(&w);
    ck_assert_int_eq(F->write(ST, &R, &w), 0);
    cv_record again;
    cvi_record_init(&again);
    ck_assert_int_eq(F->parse(ST, w.p, w.n, &again, &d), 0);
    ck_assert_uint_eq(again.n, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(again.nodes[i].kind, copy[i].kind);
        ck_assert_int_eq(again.nodes[i].depth, copy[i].depth);
        ck_assert_int_eq(again.nodes[i].end, copy[i].end);
        ck_assert(cv_str_eq(again.nodes[i].key, copy[i].key));
        ck_assert(cv_str_eq(again.nodes[i].path, copy[i].path));
        ck_assert(cv_str_eq(again.nodes[i].value, copy[i].value));
    }
    free(copy);
    cvi_buf_free(&w);
    cvi_record_free(&again);
    cvi_record_free(&first);
}
END_TEST

START_TEST(test_registry)
{
    ck_assert_ptr_eq(cvi_format_find("jsonl"), F);
    ck_assert_ptr_null(cvi_format_find("yaml"));
    ck_assert_ptr_null(cvi_format_find(NULL));
    ck_assert_ptr_eq(cvi_format_for_path("chats/2024-01.jsonl"), F);
    ck_assert_ptr_eq(cvi_format_for_path("a.ndjson.zst"), F);
    ck_assert_ptr_eq(cvi_format_for_path("/x/y.JSON"), F);
    ck_assert_ptr_null(cvi_format_for_path("notes.txt"));
    ck_assert_ptr_null(cvi_format_for_path("x.zst"));
    ck_assert_ptr_null(cvi_format_for_path(".jsonl.zst"));
    int found = 0;
    for (size_t i = 0; cvi_formats[i]; i++) found += cvi_formats[i] == F;
    ck_assert_int_eq(found, 1);
}
END_TEST

/* ---- the scanner's edge cases (issue 13: it replaced yajl; the offsets
 * are those yajl gave, fuzz_jsonl checks they agree) ---------------------- */

static const char invalid[] = "invalid JSON";

static void rej(const char *s, const char *reason, size_t offset) { expect_reject(s, strlen(s), reason, offset); }

static void expect_value(const char *line, int kind, const char *value)
{
    cv_diag d;
    ck_assert_msg(parse(line, &d) == 0, "%s", line);
    ck_assert_uint_eq(R.n, 1);
    expect_node(0, kind, 0, "a", "a", value);
}

START_TEST(test_numbers)
{
    /* the grammar's every form, kept as written */
    static const char *const good[] = { "0", "-0", "7", "-7", "120", "0.5", "-0.0", "10.25", "1e5", "1E5", "1e+5",
                                        "1E-5", "0e0", "-12.5e10", "6.02E+23", "123456789012345678901234567890" };
    char line[64];
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        snprintf(line, sizeof line, "{\"a\":%s}", good[k]);
        expect_value(line, CV_NODE_NUMBER, good[k]);
        snprintf(line, sizeof line, "{\"a\":[%s]}", good[k]);
        cv_diag d;
        ck_assert_int_eq(parse(line, &d), 0);
        expect_node(1, CV_NODE_NUMBER, 1, "", "a[]", good[k]);
    }
    /* a digit missing: reported at the byte where it should be */
    rej("{\"a\":-}", invalid, 6);
    rej("{\"a\":-a}", invalid, 6);
    rej("{\"a\":1.}", invalid, 7);
    rej("{\"a\":1.e5}", invalid, 7);
    rej("{\"a\":1e}", invalid, 7);
    rej("{\"a\":1e+}", invalid, 8);
    rej("{\"a\":1E-x}", invalid, 8);
    rej("{\"a\":[1,-]}", invalid, 9);
    /* no '+', no bare '.', no hex, no names: the byte cannot start a value */
    rej("{\"a\":+1}", invalid, 6);
    rej("{\"a\":.5}", invalid, 6);
    rej("{\"a\":Infinity}", invalid, 6);
    rej("{\"a\":NaN}", invalid, 6);
    rej("{\"a\":0x10}", invalid, 7);            /* "0", then 'x' */
    /* leading zeros: "0" is a number, the next digit one too, unexpected
     * after a member's value (reported at its start) or an element (past it) */
    rej("{\"a\":01}", invalid, 6);
    rej("{\"a\":-01}", invalid, 7);
    rej("{\"a\":00.5}", invalid, 6);
    rej("{\"a\":[01]}", invalid, 8);
    rej("{\"a\":1 2}", invalid, 7);
    /* the record ends inside a number, or just after one */
    rej("{\"a\":-", invalid, 6);
    rej("{\"a\":1.", invalid, 7);
    rej("{\"a\":1e", invalid, 7);
    rej("{\"a\":1e5", invalid, 8);
    rej("{\"a\":[1", invalid, 7);
}
END_TEST

START_TEST(test_literals)
{
    expect_value("{\"a\":true}", CV_NODE_BOOL, "true");
    expect_value("{\"a\":false}", CV_NODE_BOOL, "false");
    expect_value("{\"a\":null}", CV_NODE_NULL, "null");
    rej("{\"a\":True}", invalid, 6);
    rej("{\"a\":nul}", invalid, 8);
    rej("{\"a\":fals}", invalid, 9);
    rej("{\"a\":trueish}", invalid, 10);        /* "true", then 'i': no token, past it */
    rej("{\"a\":[truex]}", invalid, 11);
    rej("{\"a\":tr", invalid, 7);
}
END_TEST

START_TEST(test_escapes)
{
    expect_value("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", CV_NODE_STRING, "\"\\/\b\f\n\r\t");
    expect_value("{\"a\":\"\\u0041\\u00e9\\u20AC\\uD834\\uDD1E\"}", CV_NODE_STRING,
                 "A\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e");
    cv_diag d;
    ck_assert_int_eq(parse("{\"a\":\"x\\u0000y\"}", &d), 0);
    ck_assert_uint_eq(R.nodes[0].value.n, 3);
    ck_assert_mem_eq(R.nodes[0].value.p, "x\0y", 3);
    /* a bad escape is reported at the byte after the backslash, a bad hex
     * digit where it is, a record that ends inside an escape at its end */
    rej("{\"a\":\"\\x\"}", invalid, 7);
    rej("{\"a\":\"\\'\"}", invalid, 7);
    rej("{\"a\":\"\\U0041\"}", invalid, 7);
    rej("{\"a\":\"\\u12G4\"}", invalid, 10);
    rej("{\"a\":\"\\u12\"}", invalid, 10);
    rej("{\"a\":\"\\u-123\"}", invalid, 8);
    rej("{\"a\\q\":1}", invalid, 4);            /* in a name */
    rej("{\"a\":\"\\", invalid, 7);
    rej("{\"a\":\"\\u00", invalid, 10);
    rej("{\"a\":\"abc", invalid, 9);
    /* surrogates: a pair is one code point, anything else is rejected
     * (test_rejects) even after an earlier syntax error */
    rej("{\"a\":x,\"b\":\"\\udc00\"}", "invalid \\u escape (unpaired UTF-16 surrogate)", 12);
}
END_TEST

START_TEST(test_utf8)
{
    static const char bad[] = "invalid UTF-8";
    expect_value("{\"a\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}",
                 CV_NODE_STRING, "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
    rej("{\"a\":\"\xc0\x80\"}", bad, 6);                /* overlong NUL */
    rej("{\"a\":\"\xc1\xbf\"}", bad, 6);                /* overlong two-byte */
    rej("{\"a\":\"\xe0\x80\x80\"}", bad, 6);            /* overlong three-byte */
    rej("{\"a\":\"\xf0\x80\x80\x80\"}", bad, 6);        /* overlong four-byte */
    rej("{\"a\":\"x\xed\xbf\xbf\"}", bad, 7);           /* a low surrogate, encoded */
    rej("{\"a\":\"\xf4\x90\x80\x80\"}", bad, 6);        /* above U+10FFFF */
    rej("{\"a\":\"\xf5\x80\x80\x80\"}", bad, 6);
    rej("{\"a\":\"\xe2\x82\"}", bad, 6);                /* truncated: the quote is no continuation */
    rej("{\"a\":\"\xe2\x82", bad, 6);                   /* truncated by the record's end */
    rej("{\"a\":\"\x80\"}", bad, 6);                    /* a lone continuation byte */
    rej("{\"\xff\":1}", bad, 2);                        /* in a name */
    rej("{\"a\":\xff}", bad, 5);                        /* outside a string */
    rej("{\"a\":x,\"b\":\"\xff\"}", bad, 12);           /* named first, even after a syntax error */
    /* in a long string the 16-byte scan meets it in any lane */
    char line[96];
    for (size_t at = 0; at < 40; at++) {
        memset(line, 0, sizeof line);
        memcpy(line, "{\"a\":\"", 6);
        memset(line + 6, 'x', 40);
        memcpy(line + 46, "\"}", 2);
        line[6 + at] = (char)0xc0;
        rej(line, bad, 6 + at);
        line[6 + at] = '\x01';                          /* a raw control character */
        rej(line, invalid, 6 + at);
        line[6 + at] = '"';                             /* the string ends early */
        cv_diag d;
        if (at < 39) ck_assert_int_eq(parse(line, &d), CV_EINPUT);
        line[6 + at] = '\x7f';                          /* DEL needs no escape */
        ck_assert_int_eq(parse(line, &d), 0);
        ck_assert_uint_eq(R.nodes[0].value.n, 40);
        ck_assert_int_eq(R.nodes[0].value.p[at], 0x7f);
    }
    /* valid UTF-8 outside a string is still no JSON: past its first byte */
    rej("{\"a\":\xc3\xa9}", invalid, 6);
}
END_TEST

START_TEST(test_control_chars)
{
    rej("{\"a\":\"\x01\"}", invalid, 6);
    rej("{\"a\":\"ab\x1f\"}", invalid, 8);
    rej("{\"a\":\"\n\"}", invalid, 6);
    rej("{\"a\tb\":1}", invalid, 3);                   /* in a name */
    expect_reject("{\"a\":\"x\0\"}", 10, invalid, 7);   /* NUL */
    expect_reject("{\"a\":\0}", 7, invalid, 6);         /* NUL outside a string: past it */
}
END_TEST

static char *nested_objects(int k)
{
    /* {"a":{"a":...{"a":1}...}} with k objects inside the top-level one */
    char *s = malloc((size_t)(6 * k + 16));
    size_t n = 0;
    s[n++] = '{';
    for (int i = 0; i < k; i++) {
        memcpy(s + n, "\"a\":{", 5);
        n += 5;
    }
    memcpy(s + n, "\"a\":1", 5);
    n += 5;
    for (int i = 0; i <= k; i++) s[n++] = '}';
    s[n] = '\0';
    return s;
}

START_TEST(test_depth_objects)
{
    cv_diag d;
    char *ok = nested_objects(255);
    ck_assert_int_eq(parse(ok, &d), 0);
    ck_assert_uint_eq(R.n, 255 * 2 + 1);
    ck_assert_uint_eq(R.nodes[255].depth, 255);
    ck_assert_int_eq(R.nodes[255].kind, CV_NODE_NUMBER);
    ck_assert_uint_eq(R.nodes[255].path.n, 255 * 2 + 1);     /* a.a.(...).a */
    ck_assert_int_eq(R.nodes[0].end, 510);
    write_rec();
    ck_assert_mem_eq(OUT.p, ok, strlen(ok));
    free(ok);
    char *bad = nested_objects(256);
    rej(bad, "nesting too deep", 1 + 255 * 5 + 4);           /* the 256th inner '{' */
    /* the limit is found before a syntax error after it */
    bad[strlen(bad) - 1] = ',';
    rej(bad, "nesting too deep", 1 + 255 * 5 + 4);
    free(bad);
    /* mixed: arrays of objects of arrays */
    cv_buf b = { 0 };
    ck_assert_int_eq(cvi_buf_puts(&b, "{\"a\":"), 0);
    for (int i = 0; i < 127; i++) ck_assert_int_eq(cvi_buf_puts(&b, "[{\"b\":"), 0);
    ck_assert_int_eq(cvi_buf_puts(&b, "[0]"), 0);
    for (int i = 0; i < 127; i++) ck_assert_int_eq(cvi_buf_puts(&b, "}]"), 0);
    ck_assert_int_eq(cvi_buf_puts(&b, "}"), 0);
    ck_assert_int_eq(parse_n(b.p, b.n, &d), 0);                 /* 1 + 254 + 1 = 256 open */
    ck_assert_uint_eq(R.n, 2 * 255 + 1);
    cv_buf_clear(&b);
    ck_assert_int_eq(cvi_buf_puts(&b, "{\"a\":"), 0);
    for (int i = 0; i < 128; i++) ck_assert_int_eq(cvi_buf_puts(&b, "[{\"b\":"), 0);
    ck_assert_int_eq(cvi_buf_puts(&b, "[0]"), 0);
    for (int i = 0; i < 128; i++) ck_assert_int_eq(cvi_buf_puts(&b, "}]"), 0);
    ck_assert_int_eq(cvi_buf_puts(&b, "}"), 0);
    expect_reject(b.p, b.n, "nesting too deep", 5 + 127 * 6 + 1);   /* the 128th '{': the 257th open */
    cvi_buf_free(&b);
}
END_TEST

START_TEST(test_trailing)
{
    cv_diag d;
    ck_assert_int_eq(parse("{\"a\":1} \t \r\n", &d), 0);
    ck_assert_uint_eq(R.n, 1);
    rej("{},", invalid, 3);
    rej("{}]", invalid, 3);
    rej("{}}", invalid, 3);
    rej("{} {}", invalid, 4);
    rej("{} true", invalid, 7);
    rej("{} tru", invalid, 6);
    rej("{} 12", invalid, 5);
    rej("{} \"abc\"", invalid, 8);
    rej("{} \"abc", invalid, 7);     /* yajl accepted this one */
    rej("{} /", invalid, 3);
    rej("{}\x01", invalid, 3);
    rej("{}\"\\q\"", invalid, 4);
}
END_TEST

START_TEST(test_empty_names)
{
    cv_diag d;
    ck_assert_int_eq(parse("{\"\":1,\"o\":{\"\":{\"\":true}},\"l\":[{\"\":[null]}]}", &d), 0);
    size_t i = 0;
    expect_node(i++, CV_NODE_NUMBER, 0, "", "", "1");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 0, "o", "o", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 1, "", "o.", "");
    expect_node(i++, CV_NODE_BOOL, 2, "", "o..", "true");
    expect_node(i++, CV_NODE_OBJ_END, 1, "", "o.", "");
    expect_node(i++, CV_NODE_OBJ_END, 0, "o", "o", "");
    expect_node(i++, CV_NODE_ARR_BEGIN, 0, "l", "l", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 1, "", "l[]", "");
    expect_node(i++, CV_NODE_ARR_BEGIN, 2, "", "l[].", "");
    expect_node(i++, CV_NODE_NULL, 3, "", "l[].[]", "null");
    expect_node(i++, CV_NODE_ARR_END, 2, "", "l[].", "");
    expect_node(i++, CV_NODE_OBJ_END, 1, "", "l[]", "");
    expect_node(i++, CV_NODE_ARR_END, 0, "l", "l", "");
    ck_assert_uint_eq(R.n, i);
    rej("{\"\":1,\"\\u0061\":2,\"\":3}", "duplicate member name in an object", 17);
}
END_TEST

START_TEST(test_duplicates_decoded)
{
    const char *dup = "duplicate member name in an object";
    rej("{\"a\":1,\"\\u0061\":2}", dup, 7);
    rej("{\"\\u0061\":1,\"a\":2}", dup, 12);
    rej("{\"/\":1,\"\\/\":2}", dup, 7);
    rej("{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}", dup, 10);
    rej("{\"\\t\":1,\"\\u0009\":2}", dup, 8);
    /* near misses are different names */
    cv_diag d;
    ck_assert_int_eq(parse("{\"a\":1,\"\\u0062\":2,\"A\":3,\"a \":4,\"\\u0061\\u0000\":5}", &d), 0);
    ck_assert_uint_eq(R.n, 5);
    expect_node(1, CV_NODE_NUMBER, 0, "b", "b", "2");
    ck_assert_uint_eq(R.nodes[4].key.n, 2);
}
END_TEST

START_TEST(test_arrays_of_objects)
{
    cv_diag d;
    ck_assert_int_eq(parse("{\"m\":[{\"t\":\"x\",\"r\":[{\"k\":1},{\"k\":2}]},{\"t\":\"y\",\"r\":[]},[{\"z\":[[]]}]]}",
                           &d), 0);
    size_t i = 0;
    expect_node(i++, CV_NODE_ARR_BEGIN, 0, "m", "m", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 1, "", "m[]", "");
    expect_node(i++, CV_NODE_STRING, 2, "t", "m[].t", "x");
    expect_node(i++, CV_NODE_ARR_BEGIN, 2, "r", "m[].r", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 3, "", "m[].r[]", "");
    expect_node(i++, CV_NODE_NUMBER, 4, "k", "m[].r[].k", "1");
    expect_node(i++, CV_NODE_OBJ_END, 3, "", "m[].r[]", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 3, "", "m[].r[]", "");
    expect_node(i++, CV_NODE_NUMBER, 4, "k", "m[].r[].k", "2");
    expect_node(i++, CV_NODE_OBJ_END, 3, "", "m[].r[]", "");
    expect_node(i++, CV_NODE_ARR_END, 2, "r", "m[].r", "");
    expect_node(i++, CV_NODE_OBJ_END, 1, "", "m[]", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 1, "", "m[]", "");
    expect_node(i++, CV_NODE_STRING, 2, "t", "m[].t", "y");
    expect_node(i++, CV_NODE_ARR_BEGIN, 2, "r", "m[].r", "");
    expect_node(i++, CV_NODE_ARR_END, 2, "r", "m[].r", "");
    expect_node(i++, CV_NODE_OBJ_END, 1, "", "m[]", "");
    expect_node(i++, CV_NODE_ARR_BEGIN, 1, "", "m[]", "");
    expect_node(i++, CV_NODE_OBJ_BEGIN, 2, "", "m[][]", "");
    expect_node(i++, CV_NODE_ARR_BEGIN, 3, "z", "m[][].z", "");
    expect_node(i++, CV_NODE_ARR_BEGIN, 4, "", "m[][].z[]", "");
    expect_node(i++, CV_NODE_ARR_END, 4, "", "m[][].z[]", "");
    expect_node(i++, CV_NODE_ARR_END, 3, "z", "m[][].z", "");
    expect_node(i++, CV_NODE_OBJ_END, 2, "", "m[][]", "");
    expect_node(i++, CV_NODE_ARR_END, 1, "", "m[]", "");
    expect_node(i++, CV_NODE_ARR_END, 0, "m", "m", "");
    ck_assert_uint_eq(R.n, i);
    static const int32_t ends[][2] = { { 0, 25 }, { 1, 11 }, { 3, 10 }, { 4, 6 }, { 7, 9 }, { 12, 16 },
                                       { 14, 15 }, { 17, 24 }, { 18, 23 }, { 19, 22 }, { 20, 21 } };
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) ck_assert_int_eq(R.nodes[ends[k][0]].end, ends[k][1]);
    /* one name in sibling objects of an array is no duplicate */
    ck_assert_int_eq(parse("{\"a\":[{\"k\":1},{\"k\":2}],\"k\":3}", &d), 0);
    rej("{\"a\":[{\"k\":1,\"k\":2}]}", "duplicate member name in an object", 13);
    /* separators out of place */
    rej("{\"a\":[1,]}", invalid, 9);
    rej("{\"a\":[,1]}", invalid, 7);
    rej("{\"a\":[1}", invalid, 8);
    rej("{\"a\":{]}", invalid, 7);
    rej("{\"a\":[1:2]}", invalid, 8);
    rej("{\"a\":[{}{}]}", invalid, 9);
    rej("{\"a\":1,,\"b\":2}", invalid, 8);
    rej("{\"a\"::1}", invalid, 6);
    rej("{\"a\":1 \"b\":2}", invalid, 9);        /* after a value, a string: two bytes in */
    rej("{\"a\":{} {}}", invalid, 8);            /* ...anything else at its start */
    rej("{\"a\" 1}", invalid, 6);                /* no colon: past the token */
    rej("{1:2}", invalid, 2);
    rej("{\"a\"}", invalid, 5);
}
END_TEST

START_TEST(test_whitespace)
{
    cv_diag d;
    /* space, tab, CR and LF anywhere between tokens */
    ck_assert_int_eq(parse(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n} \t\r\n] \t\r\n, \t\r\n"
                           "\"b\"\n:\rnull\t} \t\r\n", &d), 0);
    ck_assert_str_eq(write_rec(), "{\"a\":[1,{}],\"b\":null}\n");
    ck_assert_int_eq(parse("{\"a\":1,\"b\":[]}\r\n", &d), 0);
    ck_assert_str_eq(write_rec(), "{\"a\":1,\"b\":[]}\n");
    /* blanks inside strings are kept as they are */
    ck_assert_int_eq(parse("{\" a \":\"  b  \"}", &d), 0);
    expect_node(0, CV_NODE_STRING, 0, " a ", " a ", "  b  ");
    /* form feed, vertical tab, NBSP and other blanks are not JSON whitespace */
    rej("{\"a\":\f1}", invalid, 6);
    rej("{\"a\":\v1}", invalid, 6);
    rej("\f{}", invalid, 1);
    rej("{}\v", invalid, 3);
    rej("{\"a\":\xc2\xa0" "1}", invalid, 6);
    rej("{\"a\":1\xe3\x80\x80}", invalid, 7);
}
END_TEST

START_TEST(test_json_string)
{
    /* cvi_json_string and the writer escape alike, in every lane of the
     * 16-byte loop and in the tail */
    for (size_t len = 0; len < 48; len++) {
        for (size_t at = 0; at < len; at++) {
            static const char specials[] = { '"', '\\', '\n', '\x01', '\x1f', '\b', '\x7f', (char)0xc3 };
            for (size_t k = 0; k < sizeof specials; k++) {
                char s[48];
                memset(s, 'a', len);
                s[at] = specials[k];
                cv_buf b = { 0 };
                ck_assert_int_eq(cvi_json_string(&b, s, len), 0);
                /* expected: the scalar rule */
                char want[48 * 6 + 3];
                size_t n = 0;
                want[n++] = '"';
                for (size_t i = 0; i < len; i++) {
                    unsigned char ch = (unsigned char)s[i];
                    if (ch == '"' || ch == '\\') {
                        want[n++] = '\\';
                        want[n++] = (char)ch;
                    } else if (ch == '\n') {
                        want[n++] = '\\';
                        want[n++] = 'n';
                    } else if (ch == '\b') {
                        want[n++] = '\\';
                        want[n++] = 'b';
                    } else if (ch < 0x20) {
                        n += (size_t)snprintf(want + n, sizeof want - n, "\\u%04x", ch);
                    } else {
                        want[n++] = (char)ch;
                    }
                }
                want[n++] = '"';
                ck_assert_uint_eq(b.n, n);
                ck_assert_mem_eq(b.p, want, n);
                cvi_buf_free(&b);
            }
        }
    }
}
END_TEST

static Suite *jsonl_suite(void)
{
    Suite *s = suite_create("jsonl");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_split);
    tcase_add_test(tc, test_split_overlong);
    tcase_add_test(tc, test_roundtrips);
    tcase_add_test(tc, test_leading_bom);
    tcase_add_test(tc, test_normalising_write);
    tcase_add_test(tc, test_nodes_and_paths);
    tcase_add_test(tc, test_values_outlive_input);
    tcase_add_test(tc, test_write_borrowed_and_set);
    tcase_add_test(tc, test_dropped);
    tcase_add_test(tc, test_write_rejects_bad_end);
    tcase_add_test(tc, test_rejects);
    tcase_add_test(tc, test_duplicate_names);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_blank_and_crlf);
    tcase_add_test(tc, test_reparse_invariant);
    tcase_add_test(tc, test_registry);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_literals);
    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_control_chars);
    tcase_add_test(tc, test_depth_objects);
    tcase_add_test(tc, test_trailing);
    tcase_add_test(tc, test_empty_names);
    tcase_add_test(tc, test_duplicates_decoded);
    tcase_add_test(tc, test_arrays_of_objects);
    tcase_add_test(tc, test_whitespace);
    tcase_add_test(tc, test_json_string);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jsonl_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
