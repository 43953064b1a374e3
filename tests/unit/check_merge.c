/*
 * check_merge.c - file-level shards of cv_run and cv_merge: the shard
 * function against its documented formula (recomputed here with libsodium)
 * and its spread; a merge of the shards equals the un-sharded run's
 * manifest and outputs; a merge stopped at every step of its commit (the
 * test crash point) leaves, once the next command has recovered, either
 * nothing or the whole merged dataset, never half of it; one-off keys and
 * bad shard numbers are refused.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "pipeline/include/callveil.h"
#include "pipeline/dataset.h"
#include "tests/test_files.h"

static cv_ctx *ctx;
static cv_key *key;
static cv_policy *pol;
static char dir[64];

static const char policy_yaml[] =
    "version: 1\n"
    "tenant: acme\n"
    "region: [GB]\n"
    "inputs:\n"
    "  - match: \"*.jsonl\"\n"
    "    format: jsonl\n"
    "    fields: {id: keep, phone: {token: phone}, text: scan, \"*\": drop}\n";

static const char *P(const char *rel)
{
    static char buf[8][512];
    static int at;
    char *b = buf[at++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", dir, rel);
    return b;
}

static void setup(void)
{
    ck_assert_int_ge(sodium_init(), 0);
    ctx = cv_ctx_create();
    snprintf(dir, sizeof dir, "/tmp/cv-merge.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    writefile(P("key"), hex, sizeof hex - 1, 0600);
    ck_assert_int_eq(cv_key_load_file(ctx, P("key"), &key), 0);
    ck_assert_int_eq(cv_policy_load_mem(ctx, "p.yaml", policy_yaml, sizeof policy_yaml - 1, &pol), 0);
    ck_assert_int_eq(mkdir(P("in"), 0700), 0);
    ck_assert_int_eq(mkdir(P("in/sub"), 0700), 0);
    for (int f = 0; f < 12; f++) {
        char name[64], line[256], body[4096] = "";
        snprintf(name, sizeof name, f % 2 ? "in/sub/c%02d.jsonl" : "in/c%02d.jsonl", f);
        for (int r = 0; r < 5; r++) {
            snprintf(line, sizeof line, "{\"id\":\"%d-%d\",\"phone\":\"+4477009001%02d\",\"text\":\"call +4477009002%02d\","
                                        "\"x\":1}\n", f, r, (f * 5 + r) % 17, r);
            strcat(body, line);
        }
        writefile(P(name), body, strlen(body), 0644);
    }
}

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) { unlink(path); return; }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        rm_tree(p);
    }
    closedir(d);
    rmdir(path);
}

static void teardown(void)
{
    rm_tree(dir);
    cv_policy_free(pol);
    cv_key_free(key);
    cv_ctx_free(ctx);
}

/* manifest.json without its "created" time (NULL if there is none). */
static char *manifest_sans_time(const char *out)
{
    char path[600];
    snprintf(path, sizeof path, "%s/manifest.json", out);
    char *m = readfile(path, NULL);
    if (!m) return NULL;
    char *c = strstr(m, "\"created\": \"");
    ck_assert_ptr_nonnull(c);
    char *e = strchr(c + 12, '"');
    memmove(c, e + 1, strlen(e + 1) + 1);
    return m;
}

/* Under out: visible files (no dot files) into *files, our temporaries
 * and intent into *tmps. */
static void walk(const char *out, int *files, int *tmps)
{
    DIR *d = opendir(out);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[1024];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", out, e->d_name);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) walk(p, files, tmps);
        else if (e->d_name[0] != '.') (*files)++;
        else *tmps += strstr(e->d_name, ".cvtmp.") != NULL || !strcmp(e->d_name, CVI_INTENT_FILE);
    }
    closedir(d);
}

static int count_files(const char *out)
{
    int f = 0, t = 0;
    walk(out, &f, &t);
    return f;
}

static int has_tmp(const char *out)
{
    int f = 0, t = 0;
    walk(out, &f, &t);
    return t;
}

static void run_shards(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        cv_run_opts o;
        cv_run_opts_init(&o);
        o.as_of = "2026-12-01";
        o.shard_index = i;
        o.shard_count = n;
        o.threads = 1;
        char out[32];
        snprintf(out, sizeof out, "s%u", i);
        const char *in[] = { P("in") };
        cv_totals t;
        ck_assert_msg(cv_run(ctx, pol, key, in, 1, P(out), &o, &t) == 0, "%s", cv_ctx_error(ctx));
    }
}

/* The documented formula: K_t = BLAKE2b-256(K, "callveil/v1/tenant/acme/0"),
 * shard = LE64(BLAKE2b-256(K_t, "callveil/v1/shard" 0x00 path)[0..8)) mod N. */
static uint32_t shard_by_hand(const char *path, uint32_t n)
{
    unsigned char k[32], kt[32], h[32];
    size_t got;
    ck_assert_int_eq(sodium_hex2bin(k, 32, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 64,
                                    NULL, &got, NULL), 0);
    static const char ten[] = "callveil/v1/tenant/acme/0", dom[] = "callveil/v1/shard";
    crypto_generichash(kt, 32, (const unsigned char *)ten, sizeof ten - 1, k, 32);
    crypto_generichash_state st;
    crypto_generichash_init(&st, kt, 32, 32);
    crypto_generichash_update(&st, (const unsigned char *)dom, sizeof dom);
    crypto_generichash_update(&st, (const unsigned char *)path, strlen(path));
    crypto_generichash_final(&st, h, 32);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | h[i];
    return (uint32_t)(v % n);
}

START_TEST(test_shard_of)
{
    uint32_t count[5] = { 0 };
    for (int i = 0; i < 5000; i++) {
        char name[64];
        snprintf(name, sizeof name, "chats/2024-%02d/day%04d.jsonl", i % 12 + 1, i);
        uint32_t s = 99, z = 99;
        ck_assert_int_eq(cv_shard_of(ctx, pol, key, name, 5, &s), 0);
        ck_assert_uint_eq(s, shard_by_hand(name, 5));
        count[s]++;
        /* the compressed input writes the same output: the same shard */
        strcat(name, ".zst");
        ck_assert_int_eq(cv_shard_of(ctx, pol, key, name, 5, &z), 0);
        ck_assert_uint_eq(z, s);
    }
    for (int i = 0; i < 5; i++) ck_assert_msg(count[i] > 900 && count[i] < 1100, "shard %d: %u of 5000", i, count[i]);
    uint32_t s;
    ck_assert_int_eq(cv_shard_of(ctx, pol, key, "a", 0, &s), CV_EUSAGE);
    ck_assert_int_eq(cv_shard_of(ctx, pol, key, "a", CV_SHARD_MAX + 1, &s), CV_EUSAGE);
    ck_assert_int_eq(cv_shard_of(ctx, pol, key, "a", 1, &s), 0);
    ck_assert_uint_eq(s, 0);
}
END_TEST

START_TEST(test_refused)
{
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.shard_count = 3;
    o.shard_index = 3;
    const char *in[] = { P("in") };
    cv_totals t;
    ck_assert_int_eq(cv_run(ctx, pol, key, in, 1, P("x"), &o, &t), CV_EUSAGE);
    o.shard_index = 1;
    cv_key *eph = NULL;
    ck_assert_int_eq(cv_key_ephemeral(ctx, &eph), 0);
    ck_assert_int_eq(cv_run(ctx, pol, eph, in, 1, P("x"), &o, &t), CV_EKEY);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "one-off key"));
    run_shards(2);
    char s0[600], s1[600];
    snprintf(s0, sizeof s0, "%s", P("s0"));
    snprintf(s1, sizeof s1, "%s", P("s1"));
    const char *sh[] = { s0, s1 };
    ck_assert_int_eq(cv_merge(ctx, pol, eph, sh, 2, P("m"), 0, &t), CV_EKEY);
    cv_key_free(eph);
    ck_assert_int_eq(access(P("x/manifest.json"), F_OK), -1);
    ck_assert_int_eq(access(P("m/manifest.json"), F_OK), -1);
}
END_TEST

START_TEST(test_merge_equals_run_and_crash)
{
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.as_of = "2026-12-01";
    const char *in[] = { P("in") };
    cv_totals t, tm;
    ck_assert_int_eq(cv_run(ctx, pol, key, in, 1, P("whole"), &o, &t), 0);
    run_shards(3);
    char s0[600], s1[600], s2[600];     /* P()'s buffers are reused */
    snprintf(s0, sizeof s0, "%s", P("s0"));
    snprintf(s1, sizeof s1, "%s", P("s1"));
    snprintf(s2, sizeof s2, "%s", P("s2"));
    const char *sh[] = { s1, s2, s0 };
    ck_assert_msg(cv_merge(ctx, pol, key, sh, 3, P("ref"), 0, &tm) == 0, "%s", cv_ctx_error(ctx));
    char *want = manifest_sans_time(P("whole")), *got = manifest_sans_time(P("ref"));
    ck_assert_str_eq(got, want);
    free(got);
    ck_assert_uint_eq(tm.files, t.files);
    ck_assert_uint_eq(tm.records_in, t.records_in);
    ck_assert_uint_eq(tm.written, t.written);
    ck_assert_uint_eq(tm.detections, t.detections);
    ck_assert_uint_eq(tm.records_in, 60);
    for (int f = 0; f < 12; f++) {
        char rel[64];
        snprintf(rel, sizeof rel, f % 2 ? "sub/c%02d.jsonl.zst" : "c%02d.jsonl.zst", f);
        char pa[600], pb[600];
        snprintf(pa, sizeof pa, "%s/%s", P("whole"), rel);
        snprintf(pb, sizeof pb, "%s/%s", P("ref"), rel);
        size_t na = 0, nb = 0;
        char *a = readfile(pa, &na), *b = readfile(pb, &nb);
        ck_assert_msg(a && b && na == nb && !memcmp(a, b, na), "%s differs", rel);
        free(a), free(b);
    }
    int files = count_files(P("ref"));
    ck_assert_int_eq(files, 13);      /* 12 outputs and the manifest */

    /* stopped at every step of its commit */
    int k;
    for (k = 1;; k++) {
        rm_tree(P("m"));
        cvi_dataset_crash_point(ctx, k);
        int rc = cv_merge(ctx, pol, key, sh, 3, P("m"), 0, &tm);
        cvi_dataset_crash_point(ctx, 0);
        if (rc == 0) break;
        ck_assert_msg(rc == CV_EINTERNAL && strstr(cv_ctx_error(ctx), "crash point"), "step %d: %s", k,
                      cv_ctx_error(ctx));
        int durable = k >= 3;
        /* the next command on OUT finishes or undoes it: all or nothing */
        ck_assert_int_eq(cvi_dataset_settle(ctx, P("m")), 0);
        int fd = -1;
        ck_assert_int_eq(cvi_dataset_lock(ctx, P("m"), &fd), 0);
        ck_assert_int_eq(cvi_dataset_clean(ctx, P("m"), 0, NULL), 0);
        cvi_dataset_unlock(fd);
        ck_assert_int_eq(has_tmp(P("m")), 0);
        ck_assert_msg(count_files(P("m")) == (durable ? files : 0), "step %d: %d files: half a merge", k,
                      count_files(P("m")));
        rc = cv_merge(ctx, pol, key, sh, 3, P("m"), 0, &tm);
        if (durable) {
            /* finished by the recovery: a merged dataset, refused as one */
            ck_assert_int_eq(rc, CV_EKEY);
            ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "already holds a dataset"));
        } else {
            ck_assert_msg(rc == 0, "step %d: merge again: %s", k, cv_ctx_error(ctx));
        }
        got = manifest_sans_time(P("m"));
        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got, want);
        free(got);
    }
    /* staged, intent torn, intent durable, 12 outputs + journal + manifest
     * renamed, directories synced */
    ck_assert_int_eq(k, 3 + 14 + 2);
    free(want);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("merge");
    TCase *tc = tcase_create("merge");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_shard_of);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_merge_equals_run_and_crash);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
