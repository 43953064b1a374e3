/*
 * check_dataset.c - the dataset owner: one writer at a time, a vault that no
 * failed, concurrent or resumed run can destroy, resume that redoes what a
 * changed policy, key or edited output makes stale, and no temporaries left
 * by a killed command.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "pipeline/dataset.h"
#include "pipeline/policy.h"
#include "pipeline/pseudonym.h"
#include "pipeline/vault.h"
#include "tests/test_files.h"

static cv_ctx *ctx;
static cv_key *key;
static char dir[64];
static char paths[32][256];
static int npaths;

static void setup(void)
{
    ctx = cv_ctx_create();
    key = calloc(1, sizeof *key);
    key->k = sodium_malloc(CV_KEY_BYTES);
    for (int i = 0; i < CV_KEY_BYTES; i++) key->k[i] = (unsigned char)(3 * i + 1);
    strcpy(dir, "/tmp/cvdsXXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    npaths = 0;
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    cv_key_free(key);
    cv_ctx_free(ctx);
}

static const char *P(const char *rel)
{
    ck_assert_int_lt(npaths, 32);
    snprintf(paths[npaths], sizeof paths[0], "%s/%s", dir, rel);
    return paths[npaths++];
}

static void writez(const char *path, const char *s) { writefile(path, s, strlen(s), 0644); }

static cv_policy *policy(const char *phone_rule, int vault)
{
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "version: 1\nregion: GB\n%s%s%s"
                     "inputs:\n  - match: \"*.jsonl\"\n    format: jsonl\n"
                     "    fields: {id: keep, who: %s, text: scan, \"*\": drop}\n",
                     vault ? "vault: {public_key: " : "", vault ? P("ctrl.pub") : "", vault ? "}\n" : "",
                     phone_rule);
    cv_policy *p = NULL;
    ck_assert_msg(cv_policy_load_mem(ctx, "t.yaml", text, (size_t)n, &p) == 0, "%s", cv_ctx_error(ctx));
    return p;
}

static int run(const cv_policy *p, const char *in, const char *out, int resume)
{
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.threads = 2;
    o.as_of = "2026-01-01";
    o.resume = resume;
    const char *inputs[] = { in };
    cv_totals t;
    return cv_run(ctx, p, key, inputs, 1, out, &o, &t);
}

static int count_entry(void *ud, const char *t, size_t tn, const unsigned char *s, size_t sn)
{
    (void)t, (void)tn, (void)s, (void)sn;
    ++*(int *)ud;
    return 0;
}

/* Entries in a vault file; -1 if it does not read. */
static int vault_entries(const char *path)
{
    int n = 0;
    return cvi_vault_read(ctx, path, count_entry, &n) == 0 ? n : -1;
}

static void make_input(void)
{
    mkdir(P("in"), 0755);
    writez(P("in/a.jsonl"), "{\"id\":1,\"who\":\"07700 900123\",\"text\":\"mail bob@example.com\"}\n"
                            "{\"id\":2,\"who\":\"+1 212 555 0100\",\"text\":\"hi\"}\n");
    writez(P("in/b.jsonl"), "{\"id\":3,\"who\":\"+33 6 12 34 56 78\",\"text\":\"ok\"}\n");
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A run into an existing dataset that fails (a mistyped input) leaves the
 * vault and the manifest as they were; so does a resume after the vault was
 * rewritten smaller than the journal remembers. */
START_TEST(test_vault_never_destroyed)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    cv_policy *p = policy("{token: phone}", 1);
    make_input();
    ck_assert_int_eq(run(p, P("in"), P("out"), 0), 0);
    ck_assert_int_eq(vault_entries(P("out/vault.zst")), 4);
    size_t vn, mn;
    char *v = readfile(P("out/vault.zst"), &vn);
    char *m = readfile(P("out/manifest.json"), &mn);

    ck_assert_int_ne(run(p, P("no-such-input"), P("out"), 0), 0);
    size_t vn2, mn2;
    char *v2 = readfile(P("out/vault.zst"), &vn2);
    char *m2 = readfile(P("out/manifest.json"), &mn2);
    ck_assert_uint_eq(vn2, vn);
    ck_assert_mem_eq(v2, v, vn);
    ck_assert_uint_eq(mn2, mn);
    ck_assert_mem_eq(m2, m, mn);
    free(v2);
    free(m2);
    ck_assert(!exists(P("out/" CVI_VAULT_STAGE)));

    /* the vault rewritten with one entry (as forget does), then a resume: the
     * journal's sizes belong to the old vault and must not cut this one */
    cv_buf one = { 0 };
    ck_assert_int_eq(cvi_vault_seal_line(key->k, "phone:0000000000000000", 22, "x", 1, &one), 0);
    ck_assert_int_eq(cvi_vault_write_atomic(ctx, P("out/vault.zst"), one.p, one.n), 0);
    cvi_buf_free(&one);
    ck_assert_int_eq(run(p, P("in"), P("out"), 1), 0);
    ck_assert_int_eq(vault_entries(P("out/vault.zst")), 1);    /* read whole, nothing cut or zero-filled */
    free(v);
    free(m);
    cv_policy_free(p);
}
END_TEST

/* A second writer is refused while the first holds OUT: nothing changed. */
START_TEST(test_one_writer)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    cv_policy *p = policy("{token: phone}", 1);
    make_input();
    ck_assert_int_eq(run(p, P("in"), P("out"), 0), 0);
    size_t vn;
    char *v = readfile(P("out/vault.zst"), &vn);
    int fd;
    ck_assert_int_eq(cvi_dataset_lock(ctx, P("out"), &fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* another process: flock locks belong to open file descriptions */
        int rc = run(p, P("in"), P("out"), 0);
        _exit(rc == CV_EIO && strstr(cv_ctx_error(ctx), "in use by another callveil command") ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cvi_dataset_unlock(fd);
    size_t vn2;
    char *v2 = readfile(P("out/vault.zst"), &vn2);
    ck_assert_uint_eq(vn2, vn);
    ck_assert_mem_eq(v2, v, vn);
    ck_assert_int_eq(run(p, P("in"), P("out"), 0), 0);    /* free again */
    free(v);
    free(v2);
    cv_policy_free(p);
}
END_TEST

/* --resume after the policy changed redoes every output: a number kept in
 * clear under the old policy is tokenised under the new one. */
START_TEST(test_resume_policy_change)
{
    cv_policy *lax = policy("keep", 0), *strict = policy("{token: phone}", 0);
    make_input();
    ck_assert_int_eq(run(lax, P("in"), P("out"), 0), 0);
    size_t n;
    char *a = zstd_file(P("out/a.jsonl.zst"), &n);
    ck_assert_ptr_nonnull(strstr(a, "07700 900123"));
    free(a);
    ck_assert_int_eq(run(strict, P("in"), P("out"), 1), 0);
    a = zstd_file(P("out/a.jsonl.zst"), &n);
    ck_assert_ptr_null(strstr(a, "07700 900123"));
    ck_assert_ptr_nonnull(strstr(a, "\"who\":\"phone:"));
    free(a);
    size_t mn;
    char *m = readfile(P("out/manifest.json"), &mn);
    ck_assert_ptr_null(strstr(m, "\"status\": \"done (resumed)\""));
    free(m);
    /* the same policy again: both resumed */
    ck_assert_int_eq(run(strict, P("in"), P("out"), 1), 0);
    m = readfile(P("out/manifest.json"), &mn);
    ck_assert_ptr_nonnull(strstr(strstr(m, "\"status\": \"done (resumed)\"") + 1, "\"status\": \"done (resumed)\""));
    free(m);
    cv_policy_free(lax);
    cv_policy_free(strict);
}
END_TEST

/* An output changed since it was journalled (same size, other bytes) is
 * done again on resume; a killed command's temporaries are removed. */
START_TEST(test_resume_checks_outputs)
{
    cv_policy *p = policy("{token: phone}", 0);
    make_input();
    ck_assert_int_eq(run(p, P("in"), P("out"), 0), 0);
    size_t n, n2;
    char *good = readfile(P("out/a.jsonl.zst"), &n);
    char *bad = malloc(n);
    memcpy(bad, good, n);
    bad[n / 2] ^= 0x55;
    writefile(P("out/a.jsonl.zst"), bad, n, 0644);
    mkdir(P("out/sub"), 0755);
    writez(P("out/.a.jsonl.zst.cvtmp.99999"), "{\"who\":\"07700 900123\"}\n");
    writez(P("out/sub/.x.jsonl.zst.cvtmp.1"), "{\"who\":\"07700 900123\"}\n");
    writez(P("out/.keep-me"), "not ours");
    ck_assert_int_eq(run(p, P("in"), P("out"), 1), 0);
    char *again = readfile(P("out/a.jsonl.zst"), &n2);
    ck_assert_uint_eq(n2, n);
    ck_assert_mem_eq(again, good, n);
    ck_assert(!exists(P("out/.a.jsonl.zst.cvtmp.99999")));
    ck_assert(!exists(P("out/sub/.x.jsonl.zst.cvtmp.1")));
    ck_assert(exists(P("out/.keep-me")));
    free(good);
    free(bad);
    free(again);
    cv_policy_free(p);
}
END_TEST

/* find and forget with another key, tenant or epoch than the dataset's
 * refuse (they would report "nothing of this subject" and erase nothing);
 * forget refuses a dataset an interrupted run left; nothing changes. */
START_TEST(test_forget_wrong_keys)
{
    cv_policy *p = policy("{token: phone}", 0);
    make_input();
    ck_assert_int_eq(run(p, P("in"), P("out"), 0), 0);
    size_t an, mn;
    char *a = readfile(P("out/a.jsonl.zst"), &an);
    char *m = readfile(P("out/manifest.json"), &mn);
    cv_forget_result res;
    uint64_t hits = 0;

    cv_key *other = calloc(1, sizeof *other);
    other->k = sodium_malloc(CV_KEY_BYTES);
    memset(other->k, 7, CV_KEY_BYTES);
    ck_assert_int_eq(cv_forget(ctx, p, other, "phone", "07700 900123", P("out"), &res), CV_EKEY);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "another key"));
    ck_assert_int_eq(cv_find(ctx, p, other, "phone", "07700 900123", P("out"), -1, &hits), CV_EKEY);
    cv_key_free(other);

    char text[512];
    int n = snprintf(text, sizeof text, "version: 1\nregion: GB\ntenant: %s\nepoch: %d\ninputs:\n"
                     "  - match: \"*.jsonl\"\n    format: jsonl\n    fields: {\"*\": drop}\n", "acme", 0);
    cv_policy *tp = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "t.yaml", text, (size_t)n, &tp), 0);
    ck_assert_int_eq(cv_forget(ctx, tp, key, "phone", "07700 900123", P("out"), &res), CV_EKEY);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "tenant"));
    cv_policy_free(tp);
    n = snprintf(text, sizeof text, "version: 1\nregion: GB\nepoch: 5\ninputs:\n"
                 "  - match: \"*.jsonl\"\n    format: jsonl\n    fields: {\"*\": drop}\n");
    cv_policy *ep = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "t.yaml", text, (size_t)n, &ep), 0);
    ck_assert_int_eq(cv_forget(ctx, ep, key, "phone", "07700 900123", P("out"), &res), CV_EKEY);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "epoch 0, not 5"));
    cv_policy_free(ep);

    writez(P("out/" CVI_VAULT_STAGE), "");
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", "07700 900123", P("out"), &res), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "interrupted run"));
    unlink(P("out/" CVI_VAULT_STAGE));

    size_t an2, mn2;
    char *a2 = readfile(P("out/a.jsonl.zst"), &an2);
    char *m2 = readfile(P("out/manifest.json"), &mn2);
    ck_assert_uint_eq(an2, an);
    ck_assert_mem_eq(a2, a, an);
    ck_assert_uint_eq(mn2, mn);
    ck_assert_mem_eq(m2, m, mn);
    /* the right key still erases */
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", "07700 900123", P("out"), &res), 0);
    ck_assert_uint_eq(res.records_removed, 1);
    free(a), free(m), free(a2), free(m2);
    cv_policy_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_vault_never_destroyed);
    tcase_add_test(tc, test_one_writer);
    tcase_add_test(tc, test_resume_policy_change);
    tcase_add_test(tc, test_resume_checks_outputs);
    tcase_add_test(tc, test_forget_wrong_keys);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
