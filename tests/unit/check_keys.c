/*
 * check_keys.c - key files: generation format and mode, refusal to
 * overwrite, the permission check, malformed files, ephemeral keys.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "pipeline/pseudonym.h"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/cvkeysXXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
}

START_TEST(test_keygen_and_load)
{
    cv_ctx *ctx = cv_ctx_create();
    char path[128];
    snprintf(path, sizeof path, "%s/k", dir);
    ck_assert_int_eq(cv_key_generate_file(ctx, path), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, 65);
    char text[80] = { 0 };
    FILE *f = fopen(path, "r");
    ck_assert_uint_eq(fread(text, 1, sizeof text - 1, f), 65);
    fclose(f);
    ck_assert_int_eq(text[64], '\n');
    for (int i = 0; i < 64; i++) ck_assert(strchr("0123456789abcdef", text[i]) != NULL);

    cv_key *k = NULL;
    ck_assert_int_eq(cv_key_load_file(ctx, path, &k), 0);
    ck_assert_int_eq(cv_key_is_ephemeral(k), 0);
    unsigned char expect[32];
    ck_assert_int_eq(sodium_hex2bin(expect, 32, text, 64, NULL, NULL, NULL), 0);
    ck_assert_mem_eq(k->k, expect, 32);
    cv_key_free(k);

    /* never overwrites */
    ck_assert_int_eq(cv_key_generate_file(ctx, path), CV_EKEY);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "refusing to overwrite"));
    cv_ctx_free(ctx);
}
END_TEST

START_TEST(test_permissions_refused)
{
    cv_ctx *ctx = cv_ctx_create();
    char path[128];
    snprintf(path, sizeof path, "%s/k", dir);
    const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    cv_key *k = NULL;
    write_file(path, hex, 0644);
    ck_assert_int_eq(cv_key_load_file(ctx, path, &k), CV_EKEY);
    ck_assert_ptr_null(k);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "accessible by group or others"));
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "0644"));
    ck_assert_int_eq(chmod(path, 0620), 0);
    ck_assert_int_eq(cv_key_load_file(ctx, path, &k), CV_EKEY);
    ck_assert_int_eq(chmod(path, 0400), 0);
    ck_assert_int_eq(cv_key_load_file(ctx, path, &k), 0);
    for (int i = 0; i < 32; i++) ck_assert_uint_eq(k->k[i], (unsigned)i);
    cv_key_free(k);
    cv_ctx_free(ctx);
}
END_TEST

START_TEST(test_malformed_refused)
{
    cv_ctx *ctx = cv_ctx_create();
    char path[128];
    snprintf(path, sizeof path, "%s/k", dir);
    const char *bad[] = {
        "",
        "0001020304\n",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fzz\n",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        unlink(path);
        write_file(path, bad[i], 0600);
        cv_key *k = NULL;
        ck_assert_int_eq(cv_key_load_file(ctx, path, &k), CV_EKEY);
        ck_assert_ptr_null(k);
        /* the message never repeats the file's content */
        ck_assert_ptr_null(strstr(cv_ctx_error(ctx), "0001020304"));
    }
    cv_key *k = NULL;
    ck_assert_int_eq(cv_key_load_file(ctx, "/nonexistent/key", &k), CV_EKEY);
    cv_ctx_free(ctx);
}
END_TEST

START_TEST(test_ephemeral)
{
    cv_ctx *ctx = cv_ctx_create();
    cv_key *a = NULL, *b = NULL;
    ck_assert_int_eq(cv_key_ephemeral(ctx, &a), 0);
    ck_assert_int_eq(cv_key_ephemeral(ctx, &b), 0);
    ck_assert_int_eq(cv_key_is_ephemeral(a), 1);
    ck_assert(memcmp(a->k, b->k, 32) != 0);
    cv_key_free(a);
    cv_key_free(b);
    cv_key_free(NULL);
    cv_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keys");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_keygen_and_load);
    tcase_add_test(tc, test_permissions_refused);
    tcase_add_test(tc, test_malformed_refused);
    tcase_add_test(tc, test_ephemeral);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
