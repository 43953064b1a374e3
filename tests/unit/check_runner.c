/*
 * check_runner.c - the streaming runner through cv_filter: output identical
 * at any -j and batch count, input order kept, every record accounted for
 * (records_in = written + dropped + rejected), rejects located by line and
 * byte offset, over-long records skipped, zstd output equal to plain output
 * once decompressed, empty input.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "pipeline/pseudonym.h"
#include "tests/test_files.h"

static cv_ctx *ctx;
static cv_key *key;
static cv_policy *pol;

static void setup(void)
{
    ctx = cv_ctx_create();
    key = calloc(1, sizeof *key);
    key->k = sodium_malloc(CV_KEY_BYTES);
    for (int i = 0; i < CV_KEY_BYTES; i++) key->k[i] = (unsigned char)(i * 7);
    ck_assert_int_eq(cv_policy_load(ctx, NULL, &pol), 0);
}

static void teardown(void)
{
    cv_policy_free(pol);
    cv_key_free(key);
    cv_ctx_free(ctx);
}

static int memfile(const void *p, size_t n)
{
    char path[] = "/tmp/cvrunXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static char *slurp(int fd, size_t *n)
{
    off_t end = lseek(fd, 0, SEEK_END);
    char *p = malloc((size_t)end + 1);
    ck_assert_int_eq(pread(fd, p, (size_t)end, 0), end);
    p[end] = '\0';
    *n = (size_t)end;
    return p;
}

static char *run_filter(const char *fmt, const char *in, size_t inlen, int threads, size_t batch, int zlevel,
                        size_t max_record, cv_totals *t, size_t *outlen)
{
    int ifd = memfile(in, inlen), ofd = memfile("", 0);
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.threads = threads;
    o.batch_bytes = batch;
    o.zstd_level = zlevel;
    o.max_record = max_record;
    int rc = cv_filter(ctx, pol, key, fmt, NULL, ifd, ofd, &o, t);
    ck_assert_msg(rc == 0, "filter: %s", cv_ctx_error(ctx));
    char *out = slurp(ofd, outlen);
    close(ifd);
    close(ofd);
    return out;
}

/* 3000 chat lines; every 97th is broken JSON, every 101st invalid UTF-8. */
static char *make_input(size_t *n, unsigned *bad)
{
    cv_buf b = { 0 };
    *bad = 0;
    for (int i = 0; i < 3000; i++) {
        if (i % 97 == 50) {
            cvi_buf_printf(&b, "{\"id\":%d,\"text\":\"unterminated\n", i);
            (*bad)++;
        } else if (i % 101 == 7) {
            cvi_buf_printf(&b, "{\"id\":%d,\"text\":\"bad \xff byte\"}\n", i);
            (*bad)++;
        } else {
            cvi_buf_printf(&b, "{\"id\":%d,\"text\":\"call 07700 900%03d about order %d\",\"n\":%d.5}\n", i, i % 1000,
                          100000 + i, i);
        }
        if (i % 500 == 0) cvi_buf_puts(&b, "\n");   /* blank lines are not records */
    }
    *n = b.n;
    return b.p;
}

START_TEST(test_deterministic_across_threads)
{
    size_t n, n1, n2, n3;
    unsigned bad;
    char *in = make_input(&n, &bad);
    cv_totals t1, t2, t3;
    char *a = run_filter("jsonl", in, n, 1, 0, 0, 0, &t1, &n1);
    char *b = run_filter("jsonl", in, n, 4, 4096, 0, 0, &t2, &n2);
    char *c = run_filter("jsonl", in, n, 3, 777, 0, 0, &t3, &n3);
    ck_assert_uint_eq(n1, n2);
    ck_assert_uint_eq(n1, n3);
    ck_assert(memcmp(a, b, n1) == 0);
    ck_assert(memcmp(a, c, n1) == 0);
    ck_assert_uint_eq(t1.records_in, 3000);
    ck_assert_uint_eq(t1.rejected, bad);
    ck_assert_uint_eq(t1.written + t1.dropped + t1.rejected, t1.records_in);
    ck_assert_uint_eq(t2.rejected, bad);
    /* order kept: ids ascend */
    int last = -1, lines = 0;
    for (char *p = a; (p = strstr(p, "{\"id\":")); p++) {
        int id = atoi(p + 6);
        ck_assert_int_gt(id, last);
        last = id;
        lines++;
    }
    ck_assert_uint_eq((unsigned)lines, t1.written);
    /* identifiers never reach the output; order numbers do */
    ck_assert_ptr_null(strstr(a, "07700 900"));
    ck_assert_ptr_nonnull(strstr(a, "order 100001"));
    free(a);
    free(b);
    free(c);
    free(in);
}
END_TEST

START_TEST(test_zstd_frames_equal_plain)
{
    size_t n, np, nz1, nz2;
    unsigned bad;
    char *in = make_input(&n, &bad);
    cv_totals t;
    char *plain = run_filter("jsonl", in, n, 2, 8192, 0, 0, &t, &np);
    char *z1 = run_filter("jsonl", in, n, 1, 8192, 3, 0, &t, &nz1);
    char *z2 = run_filter("jsonl", in, n, 4, 8192, 3, 0, &t, &nz2);
    ck_assert_uint_eq(nz1, nz2);
    ck_assert(memcmp(z1, z2, nz1) == 0);
    /* several frames, decompressed in one stream */
    ZSTD_DCtx *d = ZSTD_createDCtx();
    char *dec = malloc(np + 1);
    ZSTD_inBuffer ib = { z1, nz1, 0 };
    ZSTD_outBuffer ob = { dec, np + 1, 0 };
    while (ib.pos < ib.size) {
        size_t r = ZSTD_decompressStream(d, &ob, &ib);
        ck_assert(!ZSTD_isError(r));
    }
    ck_assert_uint_eq(ob.pos, np);
    ck_assert(memcmp(dec, plain, np) == 0);
    ZSTD_freeDCtx(d);
    free(dec);
    free(plain);
    free(z1);
    free(z2);
    free(in);
}
END_TEST

START_TEST(test_reject_locations)
{
    const char *in = "{\"a\":\"ok\"}\n"          /* line 1, offset 0 */
                     "{\"a\": tru}\n"            /* line 2, offset 11 */
                     "[1,2]\n"                   /* line 3, offset 23 */
                     "{\"a\":\"x\xc3\x28\"}\n"   /* line 4, offset 29: bad byte at +7 */
                     "{\"a\":\"fine\"}";         /* line 5, no final newline */
    int ifd = memfile(in, strlen(in)), ofd = memfile("", 0);
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.zstd_level = 0;
    cv_totals t;
    ck_assert_int_eq(cv_filter(ctx, pol, key, "jsonl", NULL, ifd, ofd, &o, &t), 0);
    ck_assert_uint_eq(t.records_in, 5);
    ck_assert_uint_eq(t.written, 2);
    ck_assert_uint_eq(t.rejected, 3);
    size_t n;
    char *out = slurp(ofd, &n);
    ck_assert_str_eq(out, "{\"a\":\"ok\"}\n{\"a\":\"fine\"}\n");
    free(out);
    close(ifd);
    close(ofd);
}
END_TEST

static char logged[8192];
static void capture(void *ud, int level, const char *msg)
{
    (void)ud;
    (void)level;
    strncat(logged, msg, sizeof logged - strlen(logged) - 2);
    strcat(logged, "\n");
}

START_TEST(test_reject_messages_have_no_content)
{
    logged[0] = '\0';
    cv_ctx_set_log(ctx, capture, NULL);
    const char *in = "{\"a\":\"ok\"}\n{\"secret\": \"07700 900123\" oops}\n{\"a\":\"\xff-SECRET\"}\n";
    cv_totals t;
    size_t n;
    char *out = run_filter("jsonl", in, strlen(in), 1, 0, 0, 0, &t, &n);
    ck_assert_uint_eq(t.rejected, 2);
    ck_assert_ptr_nonnull(strstr(logged, "line 2, byte "));
    ck_assert_ptr_nonnull(strstr(logged, "line 3, byte 49: record rejected: invalid UTF-8"));
    ck_assert_ptr_null(strstr(logged, "secret"));
    ck_assert_ptr_null(strstr(logged, "07700"));
    ck_assert_ptr_null(strstr(logged, "SECRET"));
    free(out);
}
END_TEST

START_TEST(test_overlong_records)
{
    cv_buf b = { 0 };
    cvi_buf_puts(&b, "{\"a\":\"first\"}\n{\"a\":\"");
    for (int i = 0; i < 300000; i++) cvi_buf_putc(&b, 'x');
    cvi_buf_puts(&b, "\"}\n{\"a\":\"after\"}\n");
    cv_totals t;
    size_t n;
    char *out = run_filter("jsonl", b.p, b.n, 2, 0, 0, 65536, &t, &n);
    ck_assert_str_eq(out, "{\"a\":\"first\"}\n{\"a\":\"after\"}\n");
    ck_assert_uint_eq(t.records_in, 3);
    ck_assert_uint_eq(t.rejected, 1);
    free(out);
    cvi_buf_free(&b);
}
END_TEST

START_TEST(test_empty_input)
{
    cv_totals t;
    size_t n;
    char *out = run_filter("jsonl", "", 0, 2, 0, 0, 0, &t, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(t.records_in, 0);
    free(out);
    out = run_filter("jsonl", "\n\n", 2, 2, 0, 3, 0, &t, &n);
    ck_assert_uint_gt(n, 0);   /* a valid, empty zstd frame */
    ck_assert_uint_eq(ZSTD_getFrameContentSize(out, n), 0);
    ck_assert_uint_eq(t.records_in, 0);
    free(out);
}
END_TEST

START_TEST(test_csv_stream)
{
    const char *in = "id,body\n1,\"multi\nline 07700 900123\"\n2,\"unterminated\n3,plain\n";
    cv_totals t;
    size_t n;
    char *out = run_filter("csv", in, strlen(in), 1, 0, 0, 0, &t, &n);
    ck_assert_uint_eq(t.rejected, 1);
    ck_assert_uint_eq(t.written, 2);
    ck_assert_uint_eq(t.records_in, 3);
    ck_assert_ptr_null(strstr(out, "900123"));
    ck_assert_ptr_nonnull(strstr(out, "3,plain\n"));
    free(out);
}
END_TEST

/* Records far over the batch size make every worker drop its scratch for a
 * fresh one after each batch (memory back, issue 8 item 13): the output is
 * the same as with whole-size batches, and no token made before a worker
 * was replaced is missing from the vault. */
START_TEST(test_trimmed_workers_keep_vault)
{
    char dir[] = "/tmp/cvtrimXXXXXX", path[600], y[512];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/ctrl", dir);
    ck_assert_int_eq(cv_controller_keygen(ctx, path), 0);
    snprintf(y, sizeof y, "version: 1\nregion: GB\nvault: {public_key: %s/ctrl.pub}\ninputs:\n"
                          "  - match: \"*.jsonl\"\n    format: jsonl\n    fields: {id: keep, text: scan, \"*\": drop}\n", dir);
    cv_policy *vp = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "t.yaml", y, strlen(y), &vp), 0);
    snprintf(path, sizeof path, "%s/in", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/in/big.jsonl", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 300; i++) {
        fprintf(f, "{\"id\":%d,\"text\":\"call 07700 9%05d ", i, i);
        for (int k = 0; k < 60; k++) fputs("padding words ", f);   /* ~850 bytes: over 4 x 128 */
        fputs("\"}\n", f);
    }
    fclose(f);
    const char *in[] = { path };
    char out[2][64];
    for (int run = 0; run < 2; run++) {
        cv_run_opts o;
        cv_run_opts_init(&o);
        o.threads = 3;
        o.batch_bytes = run ? 128 : 0;
        snprintf(out[run], sizeof out[run], "%s/out%d", dir, run);
        cv_totals t;
        ck_assert_msg(cv_run(ctx, vp, key, in, 1, out[run], &o, &t) == 0, "run: %s", cv_ctx_error(ctx));
        ck_assert_uint_eq(t.written, 300);
    }
    size_t n[2], vn[2];
    char *data[2], *vault[2];
    for (int run = 0; run < 2; run++) {
        snprintf(path, sizeof path, "%s/big.jsonl.zst", out[run]);
        data[run] = zstd_file(path, &n[run]);
        snprintf(path, sizeof path, "%s/vault.zst", out[run]);
        vault[run] = zstd_file(path, &vn[run]);
    }
    ck_assert_uint_eq(n[0], n[1]);
    ck_assert_int_eq(memcmp(data[0], data[1], n[0]), 0);
    for (int run = 0; run < 2; run++) {
        size_t lines = 0;
        for (size_t i = 0; i < vn[run]; i++) lines += vault[run][i] == '\n';
        ck_assert_uint_eq(lines, 300);      /* one entry per distinct phone */
        free(data[run]);
        free(vault[run]);
    }
    cv_policy_free(vp);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
Suite *s = suite_create("runner");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_deterministic_across_threads);
    tcase_add_test(tc, test_zstd_frames_equal_plain);
    tcase_add_test(tc, test_reject_locations);
    tcase_add_test(tc, test_reject_messages_have_no_content);
    tcase_add_test(tc, test_overlong_records);
    tcase_add_test(tc, test_empty_input);
    tcase_add_test(tc, test_csv_stream);
    tcase_add_test(tc, test_trimmed_workers_keep_vault);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
