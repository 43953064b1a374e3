/*
 * check_privacy.c - the privacy controls on real datasets written by cv_run:
 * the sealed vault (seal → reveal, no plaintext, one entry per token, all or
 * nothing on a wrong key / tampered or moved entry / unknown token, resume),
 * subject access (cv_find) and erasure (cv_forget: drop and replace modes,
 * other records byte-identical, manifest history, second run a no-op,
 * all-or-nothing on a failure mid-way), retention (boundaries, leap days,
 * offsets, counts, rejects, field classes), keyed per-subject date shifting,
 * country-code columns, and key rotation (cv_rekey).
 * Every test works in its own directory under /tmp, removed at teardown.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "pipeline/pseudonym.h"
#include "pipeline/policy.h"
#include "pipeline/dataset.h"
#include "pipeline/vault.h"
#include "tests/test_files.h"

static cv_ctx *ctx;
static cv_key *key;
static char dir[64];
static char *paths[256];
static int npaths;

/* Subjects of the fixtures, as written and normalised. */
#define A_WRITTEN "07700 900123"
#define A_E164 "+447700900123"
#define B_E164 "+12125550100"
#define C_E164 "+447700900456"
#define D_E164 "+33612345678"

static cv_key *make_key(unsigned char mul)
{
    cv_key *k = calloc(1, sizeof *k);
    k->k = sodium_malloc(CV_KEY_BYTES);
    for (int i = 0; i < CV_KEY_BYTES; i++) k->k[i] = (unsigned char)(i * mul);
    return k;
}

static void setup(void)
{
    ctx = cv_ctx_create();
    ck_assert_ptr_nonnull(ctx);
    key = make_key(1);
    strcpy(dir, "/tmp/cvprivXXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    while (npaths) free(paths[--npaths]);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx %s; rm -rf %s", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    cv_key_free(key);
    cv_ctx_free(ctx);
}

/* dir/rel, kept until teardown */
static char *P(const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, rel);
    ck_assert_int_lt(npaths, 256);
    paths[npaths++] = p;
    return p;
}

static void writez(const char *path, const char *s) { writefile(path, s, strlen(s), 0644); }

/* The whole file; it must exist. */
static char *readall(const char *path, size_t *n)
{
    char *p = readfile(path, n);
    ck_assert_msg(p != NULL, "cannot open %s", path);
    return p;
}

static void writezst(const char *path, const char *text)
{
    size_t n = strlen(text), cap = ZSTD_compressBound(n);
    void *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, text, n, 3);
    ck_assert(!ZSTD_isError(zn));
    writefile(path, z, zn, 0644);
    free(z);
}

static int has_bytes(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0) return 1;
    return 0;
}

static int count_sub(const char *hay, const char *needle)
{
    int c = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) c++;
    return c;
}

static int count_lines(const char *s)
{
    int c = 0;
    for (; *s; s++) c += *s == '\n';
    return c;
}

static cv_policy *pol_load(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static cv_policy *pol_load(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(n, (int)sizeof text);
    cv_policy *p = NULL;
    int rc = cv_policy_load_mem(ctx, "test.yaml", text, (size_t)n, &p);
    ck_assert_msg(rc == 0, "policy: %s", cv_ctx_error(ctx));
    return p;
}

static int do_run(const cv_policy *p, const cv_key *k, const char *in, const char *out, const char *as_of,
                  int resume, cv_totals *t)
{
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.threads = 2;
    o.as_of = as_of;
    o.resume = resume;
    const char *inputs[] = { in };
    cv_totals local;
    return cv_run(ctx, p, k, inputs, 1, out, &o, t ? t : &local);
}

static void run_ok(const cv_policy *p, const cv_key *k, const char *in, const char *out, const char *as_of,
                   cv_totals *t)
{
    int rc = do_run(p, k, in, out, as_of, 0, t);
    ck_assert_msg(rc == 0, "run: %s", cv_ctx_error(ctx));
}

/* The token text ("phone:…", the 16 characters after the last ':'). */
static void tok(const cv_policy *p, const cv_key *k, const char *type, const char *value, char out[128])
{
    ck_assert_int_eq(cv_token(ctx, p, k, type, value, strlen(value), out, 128), 0);
}

/* An unlinked temp file as an output fd. */
static int memfd(void)
{
    char path[] = "/tmp/cvprivoutXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    return fd;
}

static char *fd_text(int fd, size_t *n)
{
    off_t end = lseek(fd, 0, SEEK_END);
    char *p = malloc((size_t)end + 1);
    ck_assert_int_eq(pread(fd, p, (size_t)end, 0), end);
    p[end] = '\0';
    if (n) *n = (size_t)end;
    return p;
}

/* cv_reveal into a buffer; *rc gets its result. */
static char *reveal(const cv_policy *p, const char *vault, const char *sec, const char *const *toks, size_t n,
                    int *rc, size_t *outn)
{
    int fd = memfd();
    *rc = cv_reveal(ctx, p, key, -1, vault, sec, toks, n, fd);
    char *o = fd_text(fd, outn);
    close(fd);
    return o;
}

/* ---- the vault ----------------------------------------------------------- */

static const char VAULT_POLICY[] =
    "version: 1\nregion: GB\nvault: {public_key: %s}\n%s"
    "inputs:\n"
    "  - match: \"*.csv\"\n    format: csv\n"
    "    fields: {id: keep, caller: {token: phone}, email: {token: email}, note: scan, \"*\": drop}\n"
    "  - match: \"*.jsonl\"\n    format: jsonl\n"
    "    fields: {id: keep, who: {token: phone}, text: scan, \"*\": drop}\n";

static const char CALLS_CSV[] =
    "id,caller,email,note\n"
    "1,07700 900123,Jane.Doe@Example.COM,call me back\n"
    "2,+1 (212) 555-0100,bob@example.org,my other number is 07700 900456\n"
    "3,+44 7700 900123,jane.doe@example.com,again\n"
    "4,+1 212 555 0100,BOB@example.org,ok\n";

START_TEST(test_vault_round_trip)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    cv_policy *p = pol_load(VAULT_POLICY, P("ctrl.pub"), "");
    mkdir(P("in"), 0755);
    writez(P("in/calls.csv"), CALLS_CSV);
    run_ok(p, key, P("in"), P("out"), NULL, NULL);
    char ta[128], tb[128], tc[128], tj[128], tbob[128];
    tok(p, key, "phone", A_E164, ta);
    tok(p, key, "phone", B_E164, tb);
    tok(p, key, "phone", C_E164, tc);
    tok(p, key, "email", "jane.doe@example.com", tj);
    tok(p, key, "email", "bob@example.org", tbob);

    /* one entry per distinct token, each exactly once; no plaintext */
    size_t vn;
    char *v = zstd_file(P("out/vault.zst"), &vn);
    ck_assert_int_eq(count_lines(v), 5);
    const char *all[] = { ta, tb, tc, tj, tbob };
    for (int i = 0; i < 5; i++) {
        char needle[160];
        snprintf(needle, sizeof needle, "{\"token\":\"%s\",\"sealed\":\"", all[i]);
        ck_assert_int_eq(count_sub(v, needle), 1);
    }
    /* every line is exactly {"token":"<a token above>","sealed":"<base64>"}:
     * nothing but the token and the ciphertext (whose random base64 may
     * spell "bob" or "555" by chance, so it is not searched for words) */
    for (const char *line = v, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        const char *sealed = strstr(line, "\",\"sealed\":\"");
        ck_assert_msg(sealed && sealed < nl && !strncmp(line, "{\"token\":\"", 10), "vault line shape");
        int known = 0;
        for (int i = 0; i < 5; i++)
            known |= (size_t)(sealed - line - 10) == strlen(all[i]) && !memcmp(line + 10, all[i], strlen(all[i]));
        ck_assert_msg(known, "vault line with another token");
        const char *b = sealed + 12, *e = nl - 2;
        ck_assert(e > b && !strncmp(e, "\"}", 2));
        ck_assert_uint_eq(strspn(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
                          (size_t)(e - b));
    }
    const char *plain[] = { "447700900123", "7700 900123", "2125550100", "447700900456", "jane.doe", "Jane.Doe",
                            "bob@", "BOB@", "example" };
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        ck_assert_msg(!has_bytes(v, vn, plain[i]), "plaintext in the vault");
    size_t rn;
    char *raw = readall(P("out/vault.zst"), &rn);
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        ck_assert(!has_bytes(raw, rn, plain[i]));
    free(raw);

    /* reveal: the normalised values, in the order asked, bracketed form too */
    char bracket[140];
    snprintf(bracket, sizeof bracket, "[%s]", tc);
    const char *ask[] = { tj, ta, bracket, tb, tbob };
    int rc;
    char *o = reveal(p, P("out/vault.zst"), P("ctrl.sec"), ask, 5, &rc, NULL);
    ck_assert_msg(rc == 0, "reveal: %s", cv_ctx_error(ctx));
    char want[2048];
    snprintf(want, sizeof want, "%s\tjane.doe@example.com\n%s\t" A_E164 "\n%s\t" C_E164 "\n%s\t" B_E164
                                "\n%s\tbob@example.org\n", tj, ta, tc, tb, tbob);
    ck_assert_str_eq(o, want);
    free(o);
    free(v);
    cv_policy_free(p);
}
END_TEST

/* Rewrite the vault's lines through fn, recompressed. */
static void edit_vault(const char *path, void (*fn)(char **lines, int n))
{
    char *v = zstd_file(path, NULL);
    char *lines[64];
    int n = 0;
    for (char *s = v, *nl; (nl = strchr(s, '\n')); s = nl + 1) {
        *nl = '\0';
        ck_assert_int_lt(n, 64);
        lines[n++] = strdup(s);
    }
    fn(lines, n);
    cv_buf b = { 0 };
    for (int i = 0; i < n; i++) {
        cvi_buf_puts(&b, lines[i]);
        cvi_buf_putc(&b, '\n');
        free(lines[i]);
    }
    writezst(path, cvi_buf_cstr(&b));
    cvi_buf_free(&b);
    free(v);
}

static char *sealed_of(char *line) { return strstr(line, "\"sealed\":\"") + 10; }

static void flip_first(char **lines, int n)
{
    ck_assert_int_ge(n, 1);
    char *s = sealed_of(lines[0]);
    s[20] = s[20] == 'A' ? 'B' : 'A';
}

static void swap_first_two(char **lines, int n)
{
    ck_assert_int_ge(n, 2);
    char *a = sealed_of(lines[0]), *b = sealed_of(lines[1]);
    char *ta = strndup(lines[0], (size_t)(a - lines[0])), *tb = strndup(lines[1], (size_t)(b - lines[1]));
    char *na = malloc(strlen(ta) + strlen(b) + 1), *nb = malloc(strlen(tb) + strlen(a) + 1);
    sprintf(na, "%s%s", ta, b);
    sprintf(nb, "%s%s", tb, a);
    free(lines[0]);
    free(lines[1]);
    lines[0] = na;
    lines[1] = nb;
    free(ta);
    free(tb);
}

/* The token of the vault's line i. */
static void vault_token(const char *path, int i, char out[128])
{
    char *v = zstd_file(path, NULL), *s = v;
    for (int k = 0; k < i; k++) s = strchr(s, '\n') + 1;
    s += strlen("{\"token\":\"");
    size_t n = strcspn(s, "\"");
    memcpy(out, s, n);
    out[n] = '\0';
    free(v);
}

START_TEST(test_reveal_fails_closed)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    ck_assert_int_eq(cv_controller_keygen(ctx, P("other")), 0);
    cv_policy *p = pol_load(VAULT_POLICY, P("ctrl.pub"), "");
    mkdir(P("in"), 0755);
    writez(P("in/calls.csv"), CALLS_CSV);
    run_ok(p, key, P("in"), P("out"), NULL, NULL);
    char ta[128], tb[128], unknown[128];
    tok(p, key, "phone", A_E164, ta);
    tok(p, key, "phone", B_E164, tb);
    tok(p, key, "phone", "+447700900999", unknown);
    const char *vault = P("out/vault.zst");
    const char *both[] = { ta, tb };
    int rc;
    size_t n;
    char *o;

    /* the operator's (or anyone else's) key: nothing */
    o = reveal(p, vault, P("other.sec"), both, 2, &rc, &n);
    ck_assert_int_eq(rc, CV_ECRYPTO);
    ck_assert_uint_eq(n, 0);
    free(o);
    /* a token not in the vault, with good ones: nothing */
    const char *mixed[] = { ta, unknown, tb };
    o = reveal(p, vault, P("ctrl.sec"), mixed, 3, &rc, &n);
    ck_assert_int_eq(rc, CV_EINPUT);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "not in the vault"));
    free(o);
    /* not a token at all */
    const char *junk[] = { "phone:123" };
    o = reveal(p, vault, P("ctrl.sec"), junk, 1, &rc, &n);
    ck_assert_int_eq(rc, CV_EUSAGE);
    ck_assert_uint_eq(n, 0);
    free(o);
    /* a secret key others can read is refused */
    ck_assert_int_eq(chmod(P("ctrl.sec"), 0644), 0);
    o = reveal(p, vault, P("ctrl.sec"), both, 2, &rc, &n);
    ck_assert_int_eq(rc, CV_EKEY);
    ck_assert_uint_eq(n, 0);
    free(o);
    ck_assert_int_eq(chmod(P("ctrl.sec"), 0600), 0);

    /* entries moved to another token: neither opens */
    char t0[128], t1[128], t2[128];
    vault_token(vault, 0, t0);
    vault_token(vault, 1, t1);
    vault_token(vault, 2, t2);
    const char *two[] = { t0 }, *three[] = { t2 };
    o = reveal(p, vault, P("ctrl.sec"), two, 1, &rc, &n);   /* still fine before */
    ck_assert_int_eq(rc, 0);
    free(o);
    edit_vault(vault, swap_first_two);
    o = reveal(p, vault, P("ctrl.sec"), two, 1, &rc, &n);
    ck_assert_int_eq(rc, CV_ECRYPTO);
    ck_assert_uint_eq(n, 0);
    free(o);
    const char *second[] = { t1 };
    o = reveal(p, vault, P("ctrl.sec"), second, 1, &rc, &n);
    ck_assert_int_eq(rc, CV_ECRYPTO);
    free(o);
    edit_vault(vault, swap_first_two);   /* back */
    o = reveal(p, vault, P("ctrl.sec"), second, 1, &rc, &n);
    ck_assert_int_eq(rc, 0);
    free(o);

    /* one base64 character of a sealed blob flipped: that entry fails, with
     * an untouched one asked alongside nothing is written */
    edit_vault(vault, flip_first);
    const char *t0t2[] = { t2, t0 };
    o = reveal(p, vault, P("ctrl.sec"), t0t2, 2, &rc, &n);
    ck_assert_int_eq(rc, CV_ECRYPTO);
    ck_assert_uint_eq(n, 0);
    free(o);
    o = reveal(p, vault, P("ctrl.sec"), three, 1, &rc, &n);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_gt(n, 0);
    free(o);

    /* a vault that is not a vault */
    writezst(vault, "{\"token\":\"phone:x\"}\n");
    o = reveal(p, vault, P("ctrl.sec"), three, 1, &rc, &n);
    ck_assert_int_eq(rc, CV_EINPUT);
    ck_assert_uint_eq(n, 0);
    free(o);
    cv_policy_free(p);
}
END_TEST

/* Append one vault line, sealed with the controller's public key (what
 * anyone holding it can do), as a new zstd frame. */
static void append_sealed(const char *vault, const char *pub, const char *token, const char *value)
{
    unsigned char pk[32];
    ck_assert_int_eq(cvi_controller_load(ctx, pub, NULL, pk, NULL), 0);
    cv_buf line = { 0 };
    ck_assert_int_eq(cvi_vault_seal_line(pk, token, strlen(token), value, strlen(value), &line), 0);
    size_t cap = ZSTD_compressBound(line.n), on = 0;
    char *z = malloc(cap), *old = readall(vault, &on);
    size_t zn = ZSTD_compress(z, cap, line.p, line.n, 3);
    ck_assert(!ZSTD_isError(zn));
    char *all = malloc(on + zn);
    memcpy(all, old, on);
    memcpy(all + on, z, zn);
    writefile(vault, all, on + zn, 0644);
    free(all), free(old), free(z);
    cvi_buf_free(&line);
}

/* Entries sealed with the public key: reveal recomputes each token from its
 * value with the master key, so a forged one fails (non-zero, the token
 * named, never the value), whether it is alone, beside the true entry or
 * for a token no run made; identical duplicates are one; another master
 * key (the vault away from its manifest) reads every entry as forged. */
START_TEST(test_reveal_forged)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    cv_policy *p = pol_load(VAULT_POLICY, P("ctrl.pub"), "");
    mkdir(P("in"), 0755);
    writez(P("in/calls.csv"), CALLS_CSV);
    run_ok(p, key, P("in"), P("out"), NULL, NULL);
    char ta[128], tb[128];
    tok(p, key, "phone", A_E164, ta);
    tok(p, key, "phone", B_E164, tb);
    const char *vault = P("out/vault.zst");
    size_t v0n;
    char *v0 = readall(vault, &v0n);
    const char *asks_a[] = { ta }, *asks_b[] = { tb };
    int rc;
    size_t n;
    char *o;

    /* a made-up token with a value of the forger's choosing */
    const char *fake = "phone:0123456789abcdef";
    append_sealed(vault, P("ctrl.pub"), fake, "+447700900999");
    const char *asks_fake[] = { fake };
    o = reveal(p, vault, P("ctrl.sec"), asks_fake, 1, &rc, &n);
    ck_assert_int_eq(rc, CV_ECRYPTO);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "forged"));
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), fake));
    ck_assert_ptr_null(strstr(cv_ctx_error(ctx), "900999"));
    free(o);
    /* the true entries still reveal */
    o = reveal(p, vault, P("ctrl.sec"), asks_b, 1, &rc, &n);
    ck_assert_msg(rc == 0, "reveal: %s", cv_ctx_error(ctx));
    free(o);

    /* a second entry for a real token, with another value: an error, nothing printed */
    append_sealed(vault, P("ctrl.pub"), ta, "+447700900999");
    const char *ab[] = { tb, ta };
    o = reveal(p, vault, P("ctrl.sec"), ab, 2, &rc, &n);
    ck_assert_int_eq(rc, CV_EINPUT);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), ta));
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "different values"));
    ck_assert_ptr_null(strstr(cv_ctx_error(ctx), "900999"));
    free(o);

    /* the forged entry alone (the true one gone): forged */
    writezst(vault, "");
    append_sealed(vault, P("ctrl.pub"), ta, "+447700900999");
    o = reveal(p, vault, P("ctrl.sec"), asks_a, 1, &rc, &n);
    ck_assert_int_eq(rc, CV_ECRYPTO);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "forged"));
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), ta));
    ck_assert_ptr_null(strstr(cv_ctx_error(ctx), "900999"));
    free(o);

    /* identical duplicates (a vault appended to itself, as shards are): one line each */
    writefile(vault, v0, v0n, 0644);
    char *twice = malloc(2 * v0n);
    memcpy(twice, v0, v0n);
    memcpy(twice + v0n, v0, v0n);
    writefile(vault, twice, 2 * v0n, 0644);
    free(twice);
    const char *aa[] = { ta, tb };
    o = reveal(p, vault, P("ctrl.sec"), aa, 2, &rc, &n);
    ck_assert_msg(rc == 0, "reveal: %s", cv_ctx_error(ctx));
    char want[512];
    snprintf(want, sizeof want, "%s\t" A_E164 "\n%s\t" B_E164 "\n", ta, tb);
    ck_assert_str_eq(o, want);
    free(o);

    /* another master key: beside the manifest, refused as another dataset's;
     * copied away from it, every entry reads as forged */
    cv_key *other = make_key(3);
    int fd = memfd();
    ck_assert_int_eq(cv_reveal(ctx, p, other, -1, vault, P("ctrl.sec"), asks_a, 1, fd), CV_EKEY);
    ck_assert_int_eq(lseek(fd, 0, SEEK_END), 0);
    writefile(P("vault-copy.zst"), v0, v0n, 0644);
    ck_assert_int_eq(cv_reveal(ctx, p, other, -1, P("vault-copy.zst"), P("ctrl.sec"), asks_a, 1, fd), CV_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "forged"));
    /* ... and so does another epoch than the tokens' */
    ck_assert_int_eq(cv_reveal(ctx, p, key, 5, P("vault-copy.zst"), P("ctrl.sec"), asks_a, 1, fd), CV_ECRYPTO);
    ck_assert_int_eq(cv_reveal(ctx, p, key, 0, P("vault-copy.zst"), P("ctrl.sec"), asks_a, 1, fd), 0);
    close(fd);
    cv_key_free(other);
    free(v0);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_controller_keygen)
{
    struct stat st;
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    ck_assert_int_eq(stat(P("ctrl.pub"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(stat(P("ctrl.sec"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    size_t pn, sn;
    char *pub = readall(P("ctrl.pub"), &pn), *sec = readall(P("ctrl.sec"), &sn);
    ck_assert_uint_eq(pn, 65);
    ck_assert_uint_eq(sn, 65);
    ck_assert_int_eq(pub[64], '\n');
    ck_assert_str_ne(pub, sec);
    /* never overwrites: neither with both present, nor with only the secret */
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), CV_EKEY);
    char *pub2 = readall(P("ctrl.pub"), NULL), *sec2 = readall(P("ctrl.sec"), NULL);
    ck_assert_str_eq(pub, pub2);
    ck_assert_str_eq(sec, sec2);
    free(pub2);
    free(sec2);
    unlink(P("ctrl.pub"));
    ck_assert_int_lt(cv_controller_keygen(ctx, P("ctrl")), 0);
    sec2 = readall(P("ctrl.sec"), NULL);
    ck_assert_str_eq(sec, sec2);
    ck_assert_int_ne(stat(P("ctrl.pub"), &st), 0);
    free(sec2);
    free(pub);
    free(sec);
}
END_TEST

/* The tokens of the vault's lines, sorted, joined by '\n'. */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static char *vault_tokens(const char *path, int *n)
{
    char *v = zstd_file(path, NULL);
    char *t[256];
    *n = 0;
    for (char *s = v; *s; s = strchr(s, '\n') + 1) {
        ck_assert(strncmp(s, "{\"token\":\"", 10) == 0);
        ck_assert_int_lt(*n, 256);
        t[(*n)++] = strndup(s + 10, strcspn(s + 10, "\""));
    }
    qsort(t, (size_t)*n, sizeof *t, cmp_str);
    cv_buf b = { 0 };
    for (int i = 0; i < *n; i++) {
        cvi_buf_puts(&b, t[i]);
        cvi_buf_putc(&b, '\n');
        free(t[i]);
    }
    free(v);
    return (char *)cvi_buf_cstr(&b);
}

START_TEST(test_vault_resume)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    cv_policy *p = pol_load(VAULT_POLICY, P("ctrl.pub"), "");
    mkdir(P("in"), 0755);
    writez(P("in/a.csv"), CALLS_CSV);
    writez(P("in/b.jsonl"), "{\"id\":1,\"who\":\"07700 900123\",\"text\":\"or +33 6 12 34 56 78\"}\n"
                            "{\"id\":2,\"who\":\"+1 212 555 0100\",\"text\":\"hi\"}\n");
    run_ok(p, key, P("in"), P("full"), NULL, NULL);
    int nfull;
    char *want = vault_tokens(P("full/vault.zst"), &nfull);
    ck_assert_int_eq(nfull, 6);    /* A, B, C, D, two e-mails */

    /* (1) the journal lists a.csv only: b.jsonl is new */
    rename(P("in/b.jsonl"), P("b.jsonl"));
    run_ok(p, key, P("in"), P("out"), NULL, NULL);
    rename(P("b.jsonl"), P("in/b.jsonl"));
    ck_assert_int_eq(do_run(p, key, P("in"), P("out"), NULL, 1, NULL), 0);
    int n;
    char *got = vault_tokens(P("out/vault.zst"), &n);
    ck_assert_str_eq(got, want);
    free(got);

    /* (2) interrupted in b.jsonl after its vault frame: its output and
     * journal line gone, its frame (and more) in the run's vault stage;
     * vault.zst as the last committed run left it */
    size_t jn, vn;
    char *j = readall(P("full/.callveil-journal"), &jn);
    ck_assert_int_eq(count_lines(j), 3);    /* the fingerprint, a.csv, b.jsonl */
    char *third = strchr(strchr(j, '\n') + 1, '\n') + 1;
    writefile(P("full/.callveil-journal"), j, (size_t)(third - j), 0644);
    unlink(P("full/b.jsonl.zst"));
    char *v = readall(P("full/vault.zst"), &vn);
    writefile(P("full/.vault.zst.staged"), v, vn, 0644);
    int fd = open(P("full/.vault.zst.staged"), O_WRONLY | O_APPEND);
    ck_assert_int_eq(write(fd, v, vn), (ssize_t)vn);     /* a duplicated frame */
    ck_assert_int_eq(write(fd, "\x28\xb5\x2f", 3), 3);   /* and a torn one */
    close(fd);
    ck_assert_int_eq(do_run(p, key, P("in"), P("full"), NULL, 1, NULL), 0);
    got = vault_tokens(P("full/vault.zst"), &n);
    ck_assert_str_eq(got, want);
    struct stat st;
    ck_assert_int_eq(stat(P("full/b.jsonl.zst"), &st), 0);
    ck_assert_int_ne(stat(P("full/.vault.zst.staged"), &st), 0);    /* committed */
    free(got);
    free(j);
    free(v);
    free(want);
    cv_policy_free(p);
}
END_TEST

/* A subject whose token is first made for a date offset (the timestamp comes
 * before it in the record) still gets its vault entry. */
START_TEST(test_vault_shift_subject)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    cv_policy *p = pol_load("version: 1\nregion: GB\nvault: {public_key: %s}\n"
                            "inputs:\n  - match: \"*.jsonl\"\n    format: jsonl\n"
                            "    fields: {t: {shift_days: 10, subject: who}, who: {token: phone}, \"*\": drop}\n",
                            P("ctrl.pub"));
    mkdir(P("in"), 0755);
    writez(P("in/a.jsonl"), "{\"t\":\"2024-03-01T10:00:00Z\",\"who\":\"+1 212 555 0100\"}\n"
                            "{\"t\":\"2024-03-02T10:00:00Z\",\"who\":\"+1 212 555 0100\"}\n"
                            "{\"who\":\"07700 900123\",\"t\":\"2024-03-02T10:00:00Z\"}\n");
    run_ok(p, key, P("in"), P("out"), NULL, NULL);
    char ta[128], tb[128];
    tok(p, key, "phone", A_E164, ta);
    tok(p, key, "phone", B_E164, tb);
    int n;
    char *got = vault_tokens(P("out/vault.zst"), &n);
    char want[300];
    snprintf(want, sizeof want, "%s\n%s\n", strcmp(ta, tb) < 0 ? ta : tb, strcmp(ta, tb) < 0 ? tb : ta);
    ck_assert_str_eq(got, want);
    const char *ask[] = { tb };
    int rc;
    char *o = reveal(p, P("out/vault.zst"), P("ctrl.sec"), ask, 1, &rc, NULL);
    ck_assert_int_eq(rc, 0);
    snprintf(want, sizeof want, "%s\t" B_E164 "\n", tb);
    ck_assert_str_eq(o, want);
    free(o);
    free(got);
    /* rekeyed, the shifted dates keep their offsets: the data says so */
    char *d0 = zstd_file(P("out/a.jsonl.zst"), NULL);
    cv_rekey_result r;
    rc = cv_rekey(ctx, p, key, P("ctrl.sec"), 0, 1, P("out"), &r);
    ck_assert_msg(rc == 0, "rekey: %s", cv_ctx_error(ctx));
    ck_assert_uint_eq(r.tokens_replaced, 3);
    ck_assert_uint_eq(r.dates_shifted_kept, 3);
    char *d1 = zstd_file(P("out/a.jsonl.zst"), NULL);
    /* the tokens changed, the (shifted) dates are as they were */
    ck_assert_uint_eq(strlen(d0), strlen(d1));
    ck_assert_str_ne(d0, d1);
    int dates = 0;
    for (const char *a = d0, *b = d1; (a = strstr(a, "\"t\":\"")) && (b = strstr(b, "\"t\":\"")); a++, b++, dates++)
        ck_assert_int_eq(memcmp(a, b, 25), 0);
    ck_assert_int_eq(dates, 3);
    char *m = readall(P("out/manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"files_changed\": 1, \"dates_shifted_kept\": 3}"));
    free(m);
    free(d0), free(d1);
    cv_policy_free(p);
}
END_TEST

/* ---- find and forget ------------------------------------------------------- */

static const char FORGET_CSV[] =
    "id,caller,note\n"
    "1,07700 900123,first call\n"
    "2,+1 212 555 0100,\"multi\nline, about 07700 900456\"\n"
    "3,+44 7700 900123,second call\n"
    "4,07700 900456,no mention\n";
static const char FORGET_JSONL[] =
    "{\"id\":10,\"who\":\"+33 6 12 34 56 78\",\"text\":\"nothing\"}\n"
    "{\"id\":11,\"who\":\"+1 212 555 0100\",\"text\":\"friend of 07700900123\"}\n"
    "{\"id\":12,\"who\":\"+1 212 555 0100\",\"text\":\"alone\"}\n";

static const char FORGET_POLICY[] =
    "version: 1\nregion: GB\nvault: {public_key: %s}\n%s"
    "inputs:\n"
    "  - match: \"*.csv\"\n    format: csv\n"
    "    fields: {id: keep, caller: {token: phone}, note: scan, \"*\": drop}\n"
    "  - match: \"*.jsonl\"\n    format: jsonl\n"
    "    fields: {id: keep, who: {token: phone, keep_country_code: true}, text: scan, \"*\": drop}\n";

static cv_policy *forget_fixture(const char *extra)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    cv_policy *p = pol_load(FORGET_POLICY, P("ctrl.pub"), extra);
    mkdir(P("in"), 0755);
    writez(P("in/calls.csv"), FORGET_CSV);
    writez(P("in/chats.jsonl"), FORGET_JSONL);
    run_ok(p, key, P("in"), P("out"), NULL, NULL);
    return p;
}

/* Lines of text not containing needle, in order. */
static char *lines_without(const char *text, const char *needle)
{
    cv_buf b = { 0 };
    cvi_buf_puts(&b, "");
    for (const char *s = text, *nl; (nl = strchr(s, '\n')); s = nl + 1) {
        char *line = strndup(s, (size_t)(nl - s + 1));
        if (!strstr(line, needle)) cvi_buf_puts(&b, line);
        free(line);
    }
    return (char *)cvi_buf_cstr(&b);
}

START_TEST(test_find)
{
    cv_policy *p = forget_fixture("");
    int fd = memfd();
    uint64_t hits = 0;
    ck_assert_int_eq(cv_find(ctx, p, key, "phone", A_WRITTEN, P("out"), fd, &hits), 0);
    char *o = fd_text(fd, NULL);
    /* CSV lines count the header and the quoted newline of record 2 */
    ck_assert_str_eq(o, "calls.csv.zst\t2\ncalls.csv.zst\t5\nchats.jsonl.zst\t2\n");
    ck_assert_uint_eq(hits, 3);
    free(o);
    close(fd);
    fd = memfd();
    ck_assert_int_eq(cv_find(ctx, p, key, "phone", "+12125550100", P("out"), fd, &hits), 0);
    o = fd_text(fd, NULL);
    ck_assert_str_eq(o, "calls.csv.zst\t3\nchats.jsonl.zst\t2\nchats.jsonl.zst\t3\n");
    ck_assert_uint_eq(hits, 3);
    free(o);
    close(fd);
    fd = memfd();
    ck_assert_int_eq(cv_find(ctx, p, key, "phone", "+447700900999", P("out"), fd, &hits), 0);
    o = fd_text(fd, NULL);
    ck_assert_str_eq(o, "");
    ck_assert_uint_eq(hits, 0);
    free(o);
    close(fd);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_forget_drop)
{
    cv_policy *p = forget_fixture("");
    char ta[128], tb[128], tc[128], td[128];
    tok(p, key, "phone", A_E164, ta);
    tok(p, key, "phone", B_E164, tb);
    tok(p, key, "phone", C_E164, tc);
    tok(p, key, "phone", D_E164, td);
    const char *bare = ta + strlen("phone:");
    char *csv0 = zstd_file(P("out/calls.csv.zst"), NULL), *js0 = zstd_file(P("out/chats.jsonl.zst"), NULL);
    ck_assert_int_eq(count_sub(csv0, bare), 2);
    ck_assert_int_eq(count_sub(js0, bare), 1);
    char *csv_want = lines_without(csv0, bare), *js_want = lines_without(js0, bare);
    char *m0 = readall(P("out/manifest.json"), NULL);

    cv_forget_result r;
    int rc = cv_forget(ctx, p, key, "phone", A_WRITTEN, P("out"), &r);
    ck_assert_msg(rc == 0, "forget: %s", cv_ctx_error(ctx));
    ck_assert_uint_eq(r.files, 2);
    ck_assert_uint_eq(r.files_changed, 2);
    ck_assert_uint_eq(r.records_removed, 3);
    ck_assert_uint_eq(r.tokens_replaced, 0);
    ck_assert_uint_eq(r.vault_entries_removed, 1);
    char *csv1 = zstd_file(P("out/calls.csv.zst"), NULL), *js1 = zstd_file(P("out/chats.jsonl.zst"), NULL);
    ck_assert_str_eq(csv1, csv_want);      /* header and every other record byte-identical */
    ck_assert_str_eq(js1, js_want);
    ck_assert_int_eq(count_lines(csv1), 4);   /* header, record 2 (two lines), record 4 */
    ck_assert_int_eq(count_lines(js1), 2);

    /* the vault: A gone, the others still open */
    char *v = zstd_file(P("out/vault.zst"), NULL);
    ck_assert_ptr_null(strstr(v, bare));
    ck_assert_int_eq(count_lines(v), 3);
    const char *ask[] = { tb, tc, td }, *gone[] = { ta };
    size_t n;
    char *o = reveal(p, P("out/vault.zst"), P("ctrl.sec"), ask, 3, &rc, &n);
    ck_assert_int_eq(rc, 0);
    char want[2048];
    snprintf(want, sizeof want, "%s\t" B_E164 "\n%s\t" C_E164 "\n%s\t" D_E164 "\n", tb, tc, td);
    ck_assert_str_eq(o, want);
    free(o);
    o = reveal(p, P("out/vault.zst"), P("ctrl.sec"), gone, 1, &rc, &n);
    ck_assert_int_eq(rc, CV_EINPUT);
    free(o);

    /* the manifest: what it was, plus one history entry without the value */
    char *m1 = readall(P("out/manifest.json"), NULL);
    ck_assert(strncmp(m0, m1, strlen(m0) - 3) == 0);
    char entry[256];
    snprintf(entry, sizeof entry, "\"history\": [\n    {\"op\": \"forget\", \"token\": \"%s\", \"at\": \"", ta);
    ck_assert_ptr_nonnull(strstr(m1, entry));
    ck_assert_ptr_nonnull(strstr(m1, "\"mode\": \"drop\", \"records_removed\": 3, \"tokens_replaced\": 0, "
                                     "\"vault_entries_removed\": 1, \"recordings_removed\": 0, \"files_deleted\": 0, "
                                     "\"files\": [{\"output\": \"calls.csv.zst\", "
                                     "\"records_removed\": 2, "));
    ck_assert_ptr_nonnull(strstr(m1, "{\"output\": \"chats.jsonl.zst\", \"records_removed\": 1, "));
    ck_assert_ptr_null(strstr(m1, "447700900123"));
    ck_assert_ptr_null(strstr(m1, "7700 900123"));
    ck_assert_int_eq(count_sub(m1, "\"op\": \"forget\""), 1);

    /* a second run: a no-op, byte for byte */
    size_t a1, b1, v1, mm1;
    char *za = readall(P("out/calls.csv.zst"), &a1), *zb = readall(P("out/chats.jsonl.zst"), &b1);
    char *zv = readall(P("out/vault.zst"), &v1);
    free(m1);
    m1 = readall(P("out/manifest.json"), &mm1);
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_E164, P("out"), &r), 0);
    ck_assert_uint_eq(r.files, 2);
    ck_assert_uint_eq(r.files_changed, 0);
    ck_assert_uint_eq(r.records_removed, 0);
    ck_assert_uint_eq(r.vault_entries_removed, 0);
    size_t a2, b2, v2, mm2;
    char *za2 = readall(P("out/calls.csv.zst"), &a2), *zb2 = readall(P("out/chats.jsonl.zst"), &b2);
    char *zv2 = readall(P("out/vault.zst"), &v2), *m2 = readall(P("out/manifest.json"), &mm2);
    ck_assert(a1 == a2 && memcmp(za, za2, a1) == 0);
    ck_assert(b1 == b2 && memcmp(zb, zb2, b1) == 0);
    ck_assert(v1 == v2 && memcmp(zv, zv2, v1) == 0);
    ck_assert(mm1 == mm2 && memcmp(m1, m2, mm1) == 0);
    /* the others' records are all still there */
    int fd = memfd();
    uint64_t hits;
    ck_assert_int_eq(cv_find(ctx, p, key, "phone", B_E164, P("out"), fd, &hits), 0);
    ck_assert_uint_eq(hits, 2);     /* record 11 mentioned A: gone with A */
    close(fd);
    free(za), free(zb), free(zv), free(za2), free(zb2), free(zv2), free(m2);
    free(csv0), free(js0), free(csv1), free(js1), free(csv_want), free(js_want), free(m0), free(m1), free(v);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_forget_replace)
{
    cv_policy *p = forget_fixture("erasure: replace\n");
    char ta[128], tb[128], tc[128], td[128];
    tok(p, key, "phone", A_E164, ta);
    tok(p, key, "phone", B_E164, tb);
    tok(p, key, "phone", C_E164, tc);
    tok(p, key, "phone", D_E164, td);
    const char *bare_b = tb + 6, *bare_c = tc + 6, *bare_d = td + 6;
    cv_forget_result r;
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, P("out"), &r), 0);
    ck_assert_uint_eq(r.records_removed, 0);
    ck_assert_uint_eq(r.tokens_replaced, 3);
    ck_assert_uint_eq(r.files_changed, 2);
    ck_assert_uint_eq(r.vault_entries_removed, 1);
    char *csv = zstd_file(P("out/calls.csv.zst"), NULL), *js = zstd_file(P("out/chats.jsonl.zst"), NULL);
    char want[2048];
    snprintf(want, sizeof want,
             "id,caller,note\n"
             "1,[erased],first call\n"
             "2,phone:%s,\"multi\nline, about [phone:%s]\"\n"
             "3,[erased],second call\n"
             "4,phone:%s,no mention\n", bare_b, bare_c, bare_c);
    ck_assert_str_eq(csv, want);
    snprintf(want, sizeof want,
             /* keep_country_code: the token in the field form, the code beside it */
             "{\"id\":10,\"who\":\"phone:%s\",\"who_country\":\"+33\",\"text\":\"nothing\"}\n"
             "{\"id\":11,\"who\":\"phone:%s\",\"who_country\":\"+1\",\"text\":\"friend of [erased]\"}\n"
             "{\"id\":12,\"who\":\"phone:%s\",\"who_country\":\"+1\",\"text\":\"alone\"}\n",
             bare_d, bare_b, bare_b);
    ck_assert_str_eq(js, want);
    char *m = readall(P("out/manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"mode\": \"replace\", \"records_removed\": 0, \"tokens_replaced\": 3"));
    free(m);
    /* nothing left to replace */
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, P("out"), &r), 0);
    ck_assert_uint_eq(r.tokens_replaced, 0);
    ck_assert_uint_eq(r.files_changed, 0);
    free(csv);
    free(js);
    cv_policy_free(p);
}
END_TEST

static int has_tmp_files(const char *d)
{
    DIR *dh = opendir(d);
    ck_assert_ptr_nonnull(dh);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dh)))
        if (strstr(e->d_name, "cvtmp")) n++;
    closedir(dh);
    return n;
}

START_TEST(test_forget_interrupted)
{
    cv_policy *p = forget_fixture("");
    /* a third data file, after the two good ones, that cannot be read */
    const unsigned char z[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x10, 0x99, 0x00, 0x01, 0x02, 0x03 };
    writefile(P("out/zz.jsonl.zst"), z, sizeof z, 0644);
    const char *files[] = { "out/calls.csv.zst", "out/chats.jsonl.zst", "out/zz.jsonl.zst", "out/vault.zst",
                            "out/manifest.json" };
    char *before[5];
    size_t bn[5];
    for (int i = 0; i < 5; i++) before[i] = readall(P(files[i]), &bn[i]);
    cv_forget_result r;
    int rc = cv_forget(ctx, p, key, "phone", A_WRITTEN, P("out"), &r);
    ck_assert_int_eq(rc, CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "zz.jsonl.zst"));
    for (int i = 0; i < 5; i++) {
        size_t n;
        char *after = readall(P(files[i]), &n);
        ck_assert_msg(n == bn[i] && memcmp(before[i], after, n) == 0, "%s changed", files[i]);
        free(after);
        free(before[i]);
    }
    ck_assert_int_eq(has_tmp_files(P("out")), 0);
    /* an unwritable directory: the temp files cannot be made, nothing changes */
    unlink(P("out/zz.jsonl.zst"));
    for (int i = 0; i < 2; i++) before[i] = readall(P(files[i]), &bn[i]);
    if (geteuid() != 0) {
        ck_assert_int_eq(chmod(P("out"), 0555), 0);
        ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, P("out"), &r), CV_EIO);
        ck_assert_int_eq(chmod(P("out"), 0755), 0);
    }
    /* no manifest (not a callveil dataset, or a partial copy): nothing changes */
    ck_assert_int_eq(rename(P("out/manifest.json"), P("manifest.away")), 0);
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, P("out"), &r), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "no manifest.json"));
    cv_rekey_result kr;
    ck_assert_int_eq(cv_rekey(ctx, p, key, P("ctrl.sec"), 0, 1, P("out"), &kr), CV_EINPUT);
    for (int i = 0; i < 2; i++) {
        size_t n;
        char *after = readall(P(files[i]), &n);
        ck_assert_msg(n == bn[i] && memcmp(before[i], after, n) == 0, "%s changed", files[i]);
        free(after);
    }
    /* a manifest that is not one: find, forget and rekey all refuse, nothing changes */
    writefile(P("out/manifest.json"), "{\"files\": 3}", 12, 0644);
    int devnull = open("/dev/null", O_WRONLY);
    ck_assert_int_ge(devnull, 0);
    uint64_t hits = 0;
    ck_assert_int_eq(cv_find(ctx, p, key, "phone", A_WRITTEN, P("out"), devnull, &hits), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "not a callveil manifest"));
    close(devnull);
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, P("out"), &r), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "not a callveil manifest"));
    ck_assert_int_eq(cv_rekey(ctx, p, key, P("ctrl.sec"), 0, 1, P("out"), &kr), CV_EINPUT);
    for (int i = 0; i < 2; i++) {
        size_t n;
        char *after = readall(P(files[i]), &n);
        ck_assert_msg(n == bn[i] && memcmp(before[i], after, n) == 0, "%s changed", files[i]);
        free(after);
    }
    ck_assert_int_eq(rename(P("manifest.away"), P("out/manifest.json")), 0);
    /* and then it completes */
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, P("out"), &r), 0);
    ck_assert_uint_eq(r.records_removed, 3);
    ck_assert_int_eq(has_tmp_files(P("out")), 0);
    for (int i = 0; i < 2; i++) free(before[i]);
    cv_policy_free(p);
}
END_TEST

/* ---- a forget or rekey killed while it commits ------------------------------ */

/* A fresh copy of directory a at b. */
static void copy_dir(const char *a, const char *b)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s && cp -a %s %s", b, a, b);
    ck_assert_int_eq(system(cmd), 0);
}

static int exists(const char *d, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", d, name);
    return access(path, F_OK) == 0;
}

static char *zstd_in(const char *d, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", d, name);
    return zstd_file(path, NULL);
}

/* A log callback keeping the warnings, joined. */
static void keep_log(void *ud, int level, const char *msg)
{
    if (level != CV_LOG_WARN) return;
    char *b = ud;
    size_t n = strlen(b);
    snprintf(b + n, 1024 - n, "%s\n", msg);
}

/* The forget fixture's dataset d with respect to subject A: 0 as the run
 * left it, 1 erased (the data as a forget writes it, A's vault entry gone,
 * one forget in the history with its true count), -1 anything between. */
static int forget_state(const char *d, const char *bare, const char *csv_erased, const char *js_erased)
{
    char *csv = zstd_in(d, "calls.csv.zst"), *js = zstd_in(d, "chats.jsonl.zst"), *v = zstd_in(d, "vault.zst");
    char mpath[256];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", d);
    char *m = readall(mpath, NULL);
    int in_data = count_sub(csv, bare) + count_sub(js, bare), in_vault = count_sub(v, bare);
    int forgets = count_sub(m, "\"op\": \"forget\"");
    int st = -1;
    if (in_data == 3 && in_vault == 1 && forgets == 0 && count_lines(v) == 4) st = 0;
    if (in_data == 0 && in_vault == 0 && forgets == 1 && count_lines(v) == 3 && !strcmp(csv, csv_erased) &&
        !strcmp(js, js_erased) && strstr(m, "\"mode\": \"drop\", \"records_removed\": 3, "))
        st = 1;
    free(csv), free(js), free(v), free(m);
    return st;
}

/* A forget stopped at every step of its commit (the test crash point: as if
 * killed there, nothing undone), then the next command on the dataset
 * (find, reveal or forget itself): the outputs, the vault and the history
 * are all as before (killed before the intent was durable) or all erased
 * (after), never half; once the forget is run again the history holds one
 * forget with the true count, and no temporary or intent is left. */
START_TEST(test_forget_crash_recovery)
{
    cv_policy *p = forget_fixture("");
    char ta[128];
    tok(p, key, "phone", A_E164, ta);
    const char *bare = ta + strlen("phone:");
    const char *out = P("out"), *ref = P("ref"), *work = P("work");
    copy_dir(out, ref);
    cv_forget_result r;
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, ref, &r), 0);
    char *csv_erased = zstd_in(ref, "calls.csv.zst"), *js_erased = zstd_in(ref, "chats.jsonl.zst");
    ck_assert_int_eq(forget_state(ref, bare, csv_erased, js_erased), 1);
    ck_assert_int_eq(forget_state(out, bare, csv_erased, js_erased), 0);
    char vault[256];
    snprintf(vault, sizeof vault, "%s/vault.zst", work);
    int k;
    for (k = 1;; k++) {
        copy_dir(out, work);
        cvi_dataset_crash_point(ctx, k);
        int rc = cv_forget(ctx, p, key, "phone", A_WRITTEN, work, &r);
        cvi_dataset_crash_point(ctx, 0);
        if (rc == 0) break;                                    /* past the last step */
        ck_assert_msg(rc == CV_EINTERNAL && strstr(cv_ctx_error(ctx), "crash point"), "step %d: %s", k,
                      cv_ctx_error(ctx));
        int durable = k >= 3;
        ck_assert_int_eq(exists(work, CVI_INTENT_FILE), k >= 2);
        /* the next command finishes (or undoes) it */
        int fd = memfd();
        const char *ask[] = { ta };
        if (k % 3 == 1) {
            uint64_t hits = 99;
            ck_assert_int_eq(cv_find(ctx, p, key, "phone", A_WRITTEN, work, fd, &hits), 0);
            ck_assert_uint_eq(hits, durable ? 0 : 3);
        } else if (k % 3 == 0) {
            rc = cv_reveal(ctx, p, key, -1, vault, P("ctrl.sec"), ask, 1, fd);
            ck_assert_int_eq(rc, durable ? CV_EINPUT : 0);
        }
        close(fd);
        if (k % 3 != 2) {
            ck_assert_msg(forget_state(work, bare, csv_erased, js_erased) == durable, "step %d: half a forget", k);
            ck_assert_int_eq(exists(work, CVI_INTENT_FILE), 0);
            /* an intent was there: the reader took the lock, finished and cleaned */
            if (k >= 2) ck_assert_int_eq(has_tmp_files(work), 0);
        }
        /* run again: what is left to do is done, and said truthfully */
        rc = cv_forget(ctx, p, key, "phone", A_WRITTEN, work, &r);
        ck_assert_msg(rc == 0, "step %d: forget again: %s", k, cv_ctx_error(ctx));
        ck_assert_uint_eq(r.records_removed, durable ? 0 : 3);
        ck_assert_msg(forget_state(work, bare, csv_erased, js_erased) == 1, "step %d: not erased", k);
        ck_assert_int_eq(has_tmp_files(work), 0);
        ck_assert_int_eq(exists(work, CVI_INTENT_FILE), 0);
    }
    /* staged, intent torn, intent durable, 6 steps (2 data files, vault,
     * resume journal, erasure register, manifest), directories synced: 10
     * crash points */
    ck_assert_int_eq(k, 11);
    ck_assert_int_eq(forget_state(work, bare, csv_erased, js_erased), 1);
    ck_assert_int_eq(has_tmp_files(work), 0);

    /* run (and run --resume) finish an interrupted forget too, before they
     * write: said in a warning */
    copy_dir(out, work);
    cvi_dataset_crash_point(ctx, 5);
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, work, &r), CV_EINTERNAL);
    cvi_dataset_crash_point(ctx, 0);
    char logged[1024] = "";
    cv_ctx_set_log(ctx, keep_log, logged);
    cv_totals t;
    ck_assert_int_eq(do_run(p, key, P("in"), work, NULL, 1, &t), 0);
    cv_ctx_set_log(ctx, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(logged, "finished an interrupted forget"));
    ck_assert_int_eq(exists(work, CVI_INTENT_FILE), 0);
    ck_assert_int_eq(has_tmp_files(work), 0);

    /* an intent that is complete but not ours (a name outside OUT): refused, nothing touched */
    copy_dir(out, work);
    char ipath[256];
    snprintf(ipath, sizeof ipath, "%s/" CVI_INTENT_FILE, work);
    const char body[] = "callveil-intent 1\nop forget\ndelete ../x\n";
    unsigned char h[32];
    char hx[65], text[512];
    crypto_generichash(h, sizeof h, (const unsigned char *)body, sizeof body - 1, NULL, 0);
    sodium_bin2hex(hx, sizeof hx, h, sizeof h);
    int tn = snprintf(text, sizeof text, "%send %s\n", body, hx);
    writefile(ipath, text, (size_t)tn, 0644);
    ck_assert_int_eq(cv_forget(ctx, p, key, "phone", A_WRITTEN, work, &r), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "not a callveil intent"));
    ck_assert_int_eq(forget_state(work, bare, csv_erased, js_erased), 0);
    free(csv_erased), free(js_erased);
    cv_policy_free(p);
}
END_TEST

/* A rekey stopped at every step: after the next command the dataset is
 * wholly at the old epoch or wholly at the new one (data, vault, manifest
 * agree: find under that epoch finds the subject's three records, reveal
 * opens their token), and rekeying again completes it. */
START_TEST(test_rekey_crash_recovery)
{
    cv_policy *p = forget_fixture("");
    cv_policy *p1 = pol_load(FORGET_POLICY, P("ctrl.pub"), "epoch: 1\n");
    char t0[128], t1[128];
    tok(p, key, "phone", A_E164, t0);
    tok(p1, key, "phone", A_E164, t1);
    const char *out = P("out"), *work = P("work");
    char vault[256];
    snprintf(vault, sizeof vault, "%s/vault.zst", work);
    cv_rekey_result r;
    int k;
    for (k = 1;; k++) {
        copy_dir(out, work);
        cvi_dataset_crash_point(ctx, k);
        int rc = cv_rekey(ctx, p, key, P("ctrl.sec"), 0, 1, work, &r);
        cvi_dataset_crash_point(ctx, 0);
        if (rc == 0) break;
        ck_assert_msg(rc == CV_EINTERNAL, "step %d: %s", k, cv_ctx_error(ctx));
        int durable = k >= 3;
        const cv_policy *now = durable ? p1 : p, *other = durable ? p : p1;
        const char *tk = durable ? t1 : t0, *gone = durable ? t0 : t1;
        int fd = memfd();
        uint64_t hits = 0;
        ck_assert_int_eq(cv_find(ctx, other, key, "phone", A_E164, work, fd, &hits), CV_EKEY);
        ck_assert_int_eq(cv_find(ctx, now, key, "phone", A_E164, work, fd, &hits), 0);
        ck_assert_uint_eq(hits, 3);
        const char *ask[] = { tk };
        ck_assert_int_eq(cv_reveal(ctx, now, key, -1, vault, P("ctrl.sec"), ask, 1, fd), 0);
        close(fd);
        char *csv = zstd_in(work, "calls.csv.zst"), *js = zstd_in(work, "chats.jsonl.zst");
        ck_assert_ptr_null(strstr(csv, gone + 6));
        ck_assert_ptr_null(strstr(js, gone + 6));
        free(csv), free(js);
        if (!durable) {
            ck_assert_int_eq(cv_rekey(ctx, p, key, P("ctrl.sec"), 0, 1, work, &r), 0);
            ck_assert_uint_eq(r.tokens_replaced, 9);
        }
        char mpath[256];
        snprintf(mpath, sizeof mpath, "%s/manifest.json", work);
        char *m = readall(mpath, NULL);
        ck_assert_int_eq(count_sub(m, "\"op\": \"rekey\""), 1);
        ck_assert_ptr_nonnull(strstr(m, "\"tokens_replaced\": 9, \"vault_entries\": 4, \"files_changed\": 2"));
        free(m);
        ck_assert_int_eq(has_tmp_files(work), 0);
        ck_assert_int_eq(exists(work, CVI_INTENT_FILE), 0);
    }
    /* staged, torn, durable, 5 steps (2 data files, vault, the resume
     * journal deleted, manifest), directories synced */
    ck_assert_int_eq(k, 10);
    ck_assert_int_eq(exists(work, ".callveil-journal"), 0);
    cv_policy_free(p1);
    cv_policy_free(p);
}
END_TEST

/* ---- the subject's other identifiers ------------------------------------------ */

static const char LINKED_POLICY[] =
    "version: 1\nregion: GB\nvault: {public_key: %s}\n"
    "inputs:\n"
    "  - match: \"*.csv\"\n    format: csv\n"
    "    fields: {id: keep, caller: {token: phone}, email: {token: email}, name: {token: person}, note: scan,"
    " \"*\": drop}\n";

static const char LINKED_CSV[] =
    "id,caller,email,name,note\n"
    "1,07700 900123,jane@example.com,Jane Doe,copy to shared@example.com\n"
    "2,+44 7700 900123,jane@example.com,Jane Doe,again\n"
    "3,+1 212 555 0100,bob@example.org,Bob Roe,hello\n"
    "4,07700 900456,shared@example.com,Carol Poe,the shared box\n";

/* reveal of one token: its result */
static int reveal_rc(const cv_policy *p, const char *d, const char *t)
{
    char vault[256];
    snprintf(vault, sizeof vault, "%s/vault.zst", d);
    const char *ask[] = { t };
    int rc;
    free(reveal(p, vault, P("ctrl.sec"), ask, 1, &rc, NULL));
    return rc;
}

/* forget by one identifier takes the vault entries of the subject's other
 * tokens that only their deleted records held (e-mail, name), keeps those
 * that a kept record still holds (a shared mailbox); forget by several
 * identifiers at once erases the union in one commit and one history
 * entry. */
START_TEST(test_forget_linked_tokens)
{
    ck_assert_int_eq(cv_controller_keygen(ctx, P("ctrl")), 0);
    cv_policy *p = pol_load(LINKED_POLICY, P("ctrl.pub"));
    mkdir(P("in"), 0755);
    writez(P("in/calls.csv"), LINKED_CSV);
    run_ok(p, key, P("in"), P("out"), NULL, NULL);
    char ta[128], tb[128], tc[128], tja[128], tbob[128], tsh[128], pj[128], pb[128], pc[128];
    tok(p, key, "phone", A_E164, ta);
    tok(p, key, "phone", B_E164, tb);
    tok(p, key, "phone", C_E164, tc);
    tok(p, key, "email", "jane@example.com", tja);
    tok(p, key, "email", "bob@example.org", tbob);
    tok(p, key, "email", "shared@example.com", tsh);
    tok(p, key, "person", "Jane Doe", pj);
    tok(p, key, "person", "Bob Roe", pb);
    tok(p, key, "person", "Carol Poe", pc);
    char *v = zstd_file(P("out/vault.zst"), NULL);
    ck_assert_int_eq(count_lines(v), 9);
    free(v);
    const char *one = P("one"), *multi = P("multi");
    copy_dir(P("out"), one);
    copy_dir(P("out"), multi);

    /* by the phone number alone */
    cv_forget_result r;
    int rc = cv_forget(ctx, p, key, "phone", A_WRITTEN, one, &r);
    ck_assert_msg(rc == 0, "forget: %s", cv_ctx_error(ctx));
    ck_assert_uint_eq(r.records_removed, 2);
    ck_assert_uint_eq(r.vault_entries_removed, 3);     /* the number, and Jane's e-mail and name */
    ck_assert_uint_eq(r.linked_entries_removed, 2);
    ck_assert_int_eq(reveal_rc(p, one, ta), CV_EINPUT);
    ck_assert_int_eq(reveal_rc(p, one, tja), CV_EINPUT);
    ck_assert_int_eq(reveal_rc(p, one, pj), CV_EINPUT);
    const char *kept1[] = { tb, tc, tbob, tsh, pb, pc };
    for (int i = 0; i < 6; i++) ck_assert_msg(reveal_rc(p, one, kept1[i]) == 0, "%s: %s", kept1[i], cv_ctx_error(ctx));
    char mp[256];
    snprintf(mp, sizeof mp, "%s/manifest.json", one);
    char *m = readall(mp, NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"linked_vault_entries_removed\": 2, \"register_added\": 1}"));
    free(m);

    /* by Jane's number and Bob's e-mail at once */
    cv_subject_id ids[] = { { "phone", A_WRITTEN }, { "email", "Bob@Example.org" } };
    rc = cv_forget_ids(ctx, p, key, ids, 2, multi, &r);
    ck_assert_msg(rc == 0, "forget: %s", cv_ctx_error(ctx));
    ck_assert_uint_eq(r.records_removed, 3);
    ck_assert_uint_eq(r.files_changed, 1);
    ck_assert_uint_eq(r.vault_entries_removed, 6);
    ck_assert_uint_eq(r.linked_entries_removed, 4);    /* Jane's e-mail and name, Bob's number and name */
    char csv[256];
    snprintf(csv, sizeof csv, "%s/calls.csv.zst", multi);
    char *data = zstd_file(csv, NULL), want[512];
    snprintf(want, sizeof want, "id,caller,email,name,note\n4,%s,%s,%s,the shared box\n", tc, tsh, pc);
    ck_assert_str_eq(data, want);
    free(data);
    const char *gone[] = { ta, tb, tja, tbob, pj, pb }, *kept[] = { tc, tsh, pc };
    for (int i = 0; i < 6; i++) ck_assert_int_eq(reveal_rc(p, multi, gone[i]), CV_EINPUT);
    for (int i = 0; i < 3; i++) ck_assert_msg(reveal_rc(p, multi, kept[i]) == 0, "%s: %s", kept[i], cv_ctx_error(ctx));
    snprintf(mp, sizeof mp, "%s/manifest.json", multi);
    m = readall(mp, NULL);
    ck_assert_int_eq(count_sub(m, "\"op\": \"forget\""), 1);
    char entry[512];
    snprintf(entry, sizeof entry, "{\"op\": \"forget\", \"tokens\": [\"%s\", \"%s\"], \"at\": \"", ta, tbob);
    ck_assert_ptr_nonnull(strstr(m, entry));
    ck_assert_ptr_nonnull(strstr(m, "\"records_removed\": 3, \"tokens_replaced\": 0, \"vault_entries_removed\": 6"));
    ck_assert_ptr_null(strstr(m, "example.org"));
    ck_assert_ptr_null(strstr(m, "900123"));
    free(m);
    /* again: nothing left of either */
    ck_assert_int_eq(cv_forget_ids(ctx, p, key, ids, 2, multi, &r), 0);
    ck_assert_uint_eq(r.records_removed, 0);
    ck_assert_uint_eq(r.vault_entries_removed, 0);
    cv_policy_free(p);
}
END_TEST

/* ---- retention --------------------------------------------------------------- */

static int64_t utc(int y, int m, int d, int hh, int mi, int ss)
{
    struct tm t = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = hh, .tm_min = mi, .tm_sec = ss };
    return (int64_t)timegm(&t);
}

static int64_t parse(const char *s)
{
    int64_t t = 0;
    ck_assert_msg(cvi_time_parse(s, strlen(s), &t) == 0, "cannot parse %s", s);
    return t;
}

START_TEST(test_age_cutoff)
{
    int y, m, d;
    ck_assert_int_eq(cvi_date_parse("2031-03-01", 10, &y, &m, &d), 0);
    ck_assert(y == 2031 && m == 3 && d == 1);
    ck_assert_int_eq(cvi_date_parse("2031-02-30", 10, &y, &m, &d), CV_EINPUT);
    ck_assert_int_eq(cvi_date_parse("2031-3-1", 8, &y, &m, &d), CV_EINPUT);
    /* exactly 84 months */
    int64_t c = cvi_age_cutoff(2031, 3, 1, 84, 'm');
    ck_assert_int_eq(c, utc(2024, 3, 1, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2031, 3, 1, 7, 'y'), c);
    ck_assert(parse("2024-03-01 00:00:00") >= c);            /* kept */
    ck_assert(parse("2024-02-29 23:59:59") < c);             /* dropped */
    ck_assert(parse("2024-03-01T00:30:00+01:00") < c);       /* 2024-02-29T23:30Z */
    ck_assert_int_eq(parse("2024-03-01T00:30:00+01:00"), utc(2024, 2, 29, 23, 30, 0));
    ck_assert_int_eq(parse("2024-02-29T23:30:00-01:00"), utc(2024, 3, 1, 0, 30, 0));
    ck_assert_int_eq(parse("2024-03-01T05:30:00+0530"), utc(2024, 3, 1, 0, 0, 0));
    ck_assert_int_eq(parse("2024-03-01T00:00:00.999Z"), utc(2024, 3, 1, 0, 0, 0));
    ck_assert_int_eq(parse("2024-03-01"), c);
    int64_t t;
    ck_assert_int_eq(cvi_time_parse("yesterday", 9, &t), CV_EINPUT);
    ck_assert_int_eq(cvi_time_parse("2024-13-01", 10, &t), CV_EINPUT);
    /* leap days: calendar months and years clamp to the month's end */
    ck_assert_int_eq(cvi_age_cutoff(2024, 2, 29, 1, 'y'), utc(2023, 2, 28, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2024, 2, 29, 12, 'm'), utc(2023, 2, 28, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2024, 2, 29, 4, 'y'), utc(2020, 2, 29, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2024, 3, 31, 1, 'm'), utc(2024, 2, 29, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2023, 3, 31, 1, 'm'), utc(2023, 2, 28, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2024, 1, 15, 1, 'm'), utc(2023, 12, 15, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2024, 3, 1, 1, 'd'), utc(2024, 2, 29, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2024, 3, 1, 1, 'w'), utc(2024, 2, 23, 0, 0, 0));
    ck_assert_int_eq(cvi_age_cutoff(2024, 3, 1, 366, 'd'), utc(2023, 3, 1, 0, 0, 0));
}
END_TEST

START_TEST(test_retention_run)
{
    cv_policy *p = pol_load(
        "version: 1\nregion: GB\n"
        "retention: {field: at, max_age: 84 months}\n"
        "inputs:\n"
        "  - match: \"*.csv\"\n    format: csv\n    fields: {id: keep, at: keep, email: {token: email}, \"*\": drop}\n"
        "    retention:\n      field: at\n      max_age: 84 months\n"
        "      classes: {contact: {max_age: 1 month, fields: [email]}}\n"
        "  - match: \"*.jsonl\"\n    format: jsonl\n"
        "    fields: {id: keep, at: keep, contact.email: {token: email}, \"*\": drop}\n"
        "    retention:\n      field: at\n      classes: {contact: {max_age: 1 month, fields: [contact.email]}}\n");
    mkdir(P("in"), 0755);
    writez(P("in/r.csv"), "id,at,email\n"
                          "1,2024-03-01 00:00:00,a@example.com\n"          /* kept, e-mail expired */
                          "2,2024-02-29 23:59:59,b@example.com\n"          /* dropped */
                          "3,2024-03-01T00:30:00+01:00,c@example.com\n"    /* dropped: 02-29 23:30Z */
                          "4,2031-02-15T10:00:00Z,d@example.com\n"         /* kept whole */
                          "5,,e@example.com\n"                             /* rejected */
                          "6,last tuesday,f@example.com\n"                 /* rejected */
                          "7,2031-01-31T23:59:59Z,g@example.com\n"         /* kept, e-mail expired */
                          "8,2031-02-01,h@example.com\n");                 /* kept whole */
    writez(P("in/r.jsonl"), "{\"id\":1,\"at\":\"2031-01-31T23:59:59Z\",\"contact\":{\"email\":\"x@example.com\"}}\n"
                            "{\"id\":2,\"at\":\"2031-02-01T00:00:00Z\",\"contact\":{\"email\":\"y@example.com\"}}\n"
                            "{\"id\":3,\"contact\":{\"email\":\"z@example.com\"}}\n"
                            "{\"id\":4,\"at\":\"2001-01-01T00:00:00Z\"}\n");
    cv_totals t;
    run_ok(p, key, P("in"), P("out"), "2031-03-01", &t);
    ck_assert_uint_eq(t.records_in, 12);
    ck_assert_uint_eq(t.written, 7);
    ck_assert_uint_eq(t.dropped, 2);
    ck_assert_uint_eq(t.rejected, 3);
    ck_assert_uint_eq(t.records_in, t.written + t.dropped + t.rejected);
    char td[128], th[128], ty[128];
    tok(p, key, "email", "d@example.com", td);
    tok(p, key, "email", "h@example.com", th);
    tok(p, key, "email", "y@example.com", ty);
    char want[2048];
    snprintf(want, sizeof want,
             "id,at,email\n"
             "1,2024-03-01 00:00:00,\n"
             "4,2031-02-15T10:00:00Z,%s\n"
             "7,2031-01-31T23:59:59Z,\n"
             "8,2031-02-01,%s\n", td, th);
    char *csv = zstd_file(P("out/r.csv.zst"), NULL);
    ck_assert_str_eq(csv, want);
    snprintf(want, sizeof want,
             "{\"id\":1,\"at\":\"2031-01-31T23:59:59Z\"}\n"     /* its only member gone, so is contact */
             "{\"id\":2,\"at\":\"2031-02-01T00:00:00Z\",\"contact\":{\"email\":\"%s\"}}\n"
             "{\"id\":4,\"at\":\"2001-01-01T00:00:00Z\"}\n", ty);
    char *js = zstd_file(P("out/r.jsonl.zst"), NULL);
    ck_assert_str_eq(js, want);
    char *m = readall(P("out/manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"as_of\": \"2031-03-01\""));
    ck_assert_ptr_nonnull(strstr(m, "\"records_in\": 12, \"written\": 7, \"dropped\": 2, \"rejected\": 3"));
    ck_assert_ptr_nonnull(strstr(m, "\"dropped_by_retention\": 2, \"fields_expired\": 3"));
    ck_assert_ptr_nonnull(strstr(m, "{\"line\": 6, \"offset\": 163, \"reason\": \"retention: the record has no timestamp\"}"));
    ck_assert_int_eq(count_sub(m, "\"reason\": \"retention: the record's timestamp cannot be read\""), 1);
    ck_assert_int_eq(count_sub(m, "\"reason\": \"retention: the record has no timestamp\""), 2);
    ck_assert_ptr_null(strstr(m, "last tuesday"));
    free(m);
    free(csv);
    free(js);

    /* without --as-of: judged against today, so 84 months back from now */
    run_ok(p, key, P("in"), P("out2"), NULL, &t);
    ck_assert_uint_eq(t.rejected, 3);
    ck_assert_int_eq(do_run(p, key, P("in"), P("out3"), "2031-02-30", 0, &t), CV_EUSAGE);
    cv_policy_free(p);
}
END_TEST

/* ---- date shifting ---------------------------------------------------------------- */

#define NSUBJ 50

static const char SHIFT_POLICY[] =
    "version: 1\nregion: GB\nepoch: %d\n"
    "inputs:\n"
    "  - match: \"*.jsonl\"\n    format: jsonl\n"
    "    fields: {id: keep, t: {shift_days: 30, subject: who}, day: {generalise: day, shift_days: 30, subject: who},"
    " who: {token: phone}, \"*\": drop}\n"
    "  - match: \"*.csv\"\n    format: csv\n"
    "    fields: {id: keep, who: {token: phone}, t: {shift_days: 30, subject: who}, \"*\": drop}\n";

/* Subject i's records: in a.jsonl the timestamp comes before the subject,
 * in b.csv after it. */
static void shift_inputs(void)
{
    mkdir(P("in"), 0755);
    cv_buf a = { 0 }, b = { 0 };
    cvi_buf_puts(&b, "id,who,t\n");
    for (int i = 0; i < NSUBJ; i++) {
        cvi_buf_printf(&a, "{\"id\":\"%d-1\",\"t\":\"2024-03-%02dT10:15:00+01:00\",\"day\":\"2024-03-%02dT23:30:00Z\","
                          "\"who\":\"07700 900%03d\"}\n", i, 1 + i % 28, 1 + i % 28, i);
        cvi_buf_printf(&a, "{\"id\":\"%d-2\",\"t\":\"2024-05-%02dT08:00:05.25Z\",\"who\":\"+44 7700 900%03d\"}\n", i,
                      1 + i % 31, i);
        cvi_buf_printf(&b, "%d-3,+447700900%03d,2023-12-31 23:59:59\n", i, i);
    }
    cvi_buf_printf(&a, "{\"id\":\"nobody\",\"t\":\"2024-03-01T10:00:00Z\"}\n");
    writez(P("in/a.jsonl"), cvi_buf_cstr(&a));
    writez(P("in/b.csv"), cvi_buf_cstr(&b));
    cvi_buf_free(&a);
    cvi_buf_free(&b);
}

/* The value of "KEY":"…" in a JSON line (no escapes in these fixtures). */
static void jget(const char *line, const char *k, char out[64])
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":\"", k);
    const char *s = strstr(line, pat);
    ck_assert_msg(s != NULL, "no %s", k);
    s += strlen(pat);
    size_t n = strcspn(s, "\"");
    ck_assert_uint_lt(n, 64);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Run and return each subject's offset in days (checking it is the same for
 * all three of their records, and that times and offsets stay as written). */
static void shift_offsets(const cv_key *k, int epoch, const char *out, int off[NSUBJ], cv_totals *t)
{
    cv_policy *p = pol_load(SHIFT_POLICY, epoch);
    run_ok(p, k, P("in"), P(out), NULL, t);
    char rel[128];
    snprintf(rel, sizeof rel, "%s/a.jsonl.zst", out);
    char *a = zstd_file(P(rel), NULL);
    snprintf(rel, sizeof rel, "%s/b.csv.zst", out);
    char *b = zstd_file(P(rel), NULL);
    for (int i = 0; i < NSUBJ; i++) off[i] = 0;
    char *line = a;
    for (int i = 0; i < NSUBJ; i++) {
        char v[64], orig[64];
        /* record 1: time of day and offset kept, date moved */
        char *nl = strchr(line, '\n');
        *nl = '\0';
        jget(line, "t", v);
        ck_assert_str_eq(v + 10, "T10:15:00+01:00");
        snprintf(orig, sizeof orig, "2024-03-%02dT10:15:00+01:00", 1 + i % 28);
        int64_t d1 = parse(v) - parse(orig);
        ck_assert_int_eq(d1 % 86400, 0);
        off[i] = (int)(d1 / 86400);
        ck_assert(off[i] != 0 && off[i] >= -30 && off[i] <= 30);
        /* shifted, then generalised to the day */
        jget(line, "day", v);
        snprintf(orig, sizeof orig, "2024-03-%02dT23:30:00Z", 1 + i % 28);
        int64_t want = parse(orig) + (int64_t)off[i] * 86400;
        ck_assert_int_eq(parse(v), want - want % 86400);
        ck_assert_str_eq(v + 10, "T00:00:00Z");
        /* record 2: the same subject written differently, the same offset */
        line = nl + 1;
        nl = strchr(line, '\n');
        *nl = '\0';
        jget(line, "t", v);
        ck_assert_str_eq(v + 10, "T08:00:05.25Z");
        snprintf(orig, sizeof orig, "2024-05-%02dT08:00:05.25Z", 1 + i % 31);
        ck_assert_int_eq(parse(v) - parse(orig), (int64_t)off[i] * 86400);
        line = nl + 1;
    }
    /* no subject: the timestamp is emptied, counted */
    ck_assert_str_eq(line, "{\"id\":\"nobody\",\"t\":\"\"}\n");
    ck_assert_uint_eq(t->written, 3 * NSUBJ + 1);
    /* b.csv: the subject before the timestamp, the same offsets */
    line = strchr(b, '\n') + 1;
    for (int i = 0; i < NSUBJ; i++) {
        char *nl = strchr(line, '\n');
        *nl = '\0';
        char id[16];
        snprintf(id, sizeof id, "%d-3,", i);
        ck_assert(strncmp(line, id, strlen(id)) == 0);
        const char *v = strrchr(line, ',') + 1;
        ck_assert_msg(parse(v) - parse("2023-12-31 23:59:59") == (int64_t)off[i] * 86400,
                      "subject %d: csv offset %lld days, jsonl %d", i,
                      (long long)((parse(v) - parse("2023-12-31 23:59:59")) / 86400), off[i]);
        ck_assert_str_eq(v + 10, " 23:59:59");
        line = nl + 1;
    }
    char mpath[128];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", out);
    char *m = readall(P(mpath), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"values_unparseable\": 1,"));
    char ds[64];
    snprintf(ds, sizeof ds, "\"dates_shifted\": %d,", 4 * NSUBJ);
    ck_assert_ptr_nonnull(strstr(m, ds));
    free(m);
    free(a);
    free(b);
    cv_policy_free(p);
}

START_TEST(test_date_shift)
{
    shift_inputs();
    int o1[NSUBJ], o2[NSUBJ], o3[NSUBJ], o4[NSUBJ];
    cv_totals t;
    shift_offsets(key, 0, "o1", o1, &t);
    /* deterministic */
    shift_offsets(key, 0, "o2", o2, &t);
    ck_assert(memcmp(o1, o2, sizeof o1) == 0);
    /* subjects differ: not one offset for all (50 subjects, 60 values) */
    int distinct = 0;
    for (int i = 0; i < NSUBJ; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= o1[j] == o1[i];
        distinct += !seen;
    }
    ck_assert_int_ge(distinct, 20);
    /* another key, another epoch: other offsets */
    cv_key *k2 = make_key(3);
    shift_offsets(k2, 0, "o3", o3, &t);
    shift_offsets(key, 1, "o4", o4, &t);
    int diff3 = 0, diff4 = 0;
    for (int i = 0; i < NSUBJ; i++) {
        diff3 += o3[i] != o1[i];
        diff4 += o4[i] != o1[i];
    }
    ck_assert_int_ge(diff3, NSUBJ / 2);
    ck_assert_int_ge(diff4, NSUBJ / 2);
    cv_key_free(k2);
}
END_TEST

START_TEST(test_shift_time)
{
    cv_buf b = { 0 };
    ck_assert_int_eq(cvi_shift_time("2024-02-28T23:00:00+05:30", 25, 1, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "2024-02-29T23:00:00+05:30");
    cv_buf_clear(&b);
    ck_assert_int_eq(cvi_shift_time("2024-03-01 10:00:00", 19, -366, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "2023-03-01 10:00:00");
    cv_buf_clear(&b);
    ck_assert_int_eq(cvi_shift_time("2023-12-31", 10, 1, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "2024-01-01");
    cv_buf_clear(&b);
    ck_assert_int_eq(cvi_shift_time("not a time", 10, 1, &b), CV_EINPUT);
    ck_assert_uint_eq(b.n, 0);
    cvi_buf_free(&b);
}
END_TEST

/* ---- country-code columns ------------------------------------------------------------ */

START_TEST(test_country_column)
{
    cv_policy *p = pol_load(
        "version: 1\nregion: GB\n"
        "inputs:\n"
        "  - match: \"Master.csv\"\n    format: asterisk-cdr\n"
        "    fields: {src: {token: phone, country_column: src_cc}, dst: {token: phone}, duration: keep, \"*\": drop}\n"
        "  - match: \"*.csv\"\n    format: csv\n"
        "    fields: {id: keep, caller: {token: phone, country_column: caller_cc}, agent: {token: phone, "
        "country_column: agent_area, area_code: true}, \"*\": drop}\n"
        "  - match: \"*.jsonl\"\n    format: jsonl\n"
        "    fields: {id: keep, customer.phone: {token: phone, country_column: cc}, \"*\": drop}\n");
    mkdir(P("in"), 0755);
    writez(P("in/c.csv"), "id,caller,agent,secret\n"
                          "1,07700 900123,020 7946 0018,x\n"
                          "2,+1 212 555 0100,+1 (212) 555-0199,y\n"
                          "3,not a number,,z\n");
    writez(P("in/Master.csv"),
           "\"\",\"07700900123\",\"+12125550100\",\"default\",\"\",\"SIP/a\",\"SIP/b\",\"Dial\",\"\","
           "\"2024-03-01 10:00:00\",\"2024-03-01 10:00:05\",\"2024-03-01 10:01:00\",60,55,\"ANSWERED\","
           "\"DOCUMENTATION\",\"1.1\",\"\"\n");
    writez(P("in/j.jsonl"), "{\"id\":1,\"customer\":{\"phone\":\"+33 6 12 34 56 78\",\"name\":\"x\"},\"z\":1}\n");
    run_ok(p, key, P("in"), P("out"), NULL, NULL);
    char ta[128], tb[128], tl[128], tb2[128], tx[128], td[128];
    tok(p, key, "phone", A_E164, ta);
    tok(p, key, "phone", B_E164, tb);
    tok(p, key, "phone", "+442079460018", tl);
    tok(p, key, "phone", "+12125550199", tb2);
    tok(p, key, "phone", "not a number", tx);
    tok(p, key, "phone", D_E164, td);
    char want[2048];
    snprintf(want, sizeof want,
             "id,caller,caller_cc,agent,agent_area\n"
             "1,%s,+44,%s,+44 20\n"
             "2,%s,+1,%s,+1 212\n"
             "3,%s,,,\n", ta, tl, tb, tb2, tx);
    char *csv = zstd_file(P("out/c.csv.zst"), NULL);
    ck_assert_str_eq(csv, want);
    snprintf(want, sizeof want,
             /* dropped columns stay, empty (dates unquoted); the code goes after the last one */
             "\"\",\"%s\",\"%s\",\"\",\"\",\"\",\"\",\"\",\"\",,,,60,,\"\",\"\",\"\",\"\",\"+44\"\n", ta, tb);
    char *cdr = zstd_file(P("out/Master.csv.zst"), NULL);
    ck_assert_str_eq(cdr, want);
    snprintf(want, sizeof want, "{\"id\":1,\"customer\":{\"phone\":\"%s\",\"cc\":\"+33\"}}\n", td);
    char *js = zstd_file(P("out/j.jsonl.zst"), NULL);
    ck_assert_str_eq(js, want);
    free(csv);
    free(cdr);
    free(js);
    cv_policy_free(p);
}
END_TEST

/* ---- rekey ----------------------------------------------------------------------------- */

static char drop_needle[32];

static void drop_line_of(char **lines, int n)
{
    /* empty the line of the vault entry holding drop_needle */
    for (int i = 0; i < n; i++)
        if (strstr(lines[i], drop_needle)) {
            lines[i][0] = '\0';
            return;
        }
    ck_abort_msg("entry not found");
}

static void drop_empty(const char *path)
{
    /* edit_vault writes "\n" for an emptied line: rewrite without it */
    char *v = zstd_file(path, NULL);
    cv_buf b = { 0 };
    for (char *s = v, *nl; (nl = strchr(s, '\n')); s = nl + 1)
        if (nl > s) cvi_buf_append(&b, s, (size_t)(nl - s + 1));
    writezst(path, cvi_buf_cstr(&b));
    cvi_buf_free(&b);
    free(v);
}

START_TEST(test_rekey)
{
    cv_policy *p = forget_fixture("");
    cv_policy *p1 = pol_load(FORGET_POLICY, P("ctrl.pub"), "epoch: 1\n");
    const char *vals[] = { A_E164, B_E164, C_E164, D_E164 };
    char old[4][128], neu[4][128];
    for (int i = 0; i < 4; i++) {
        tok(p, key, "phone", vals[i], old[i]);
        tok(p1, key, "phone", vals[i], neu[i]);
    }
    char *csv0 = zstd_file(P("out/calls.csv.zst"), NULL), *js0 = zstd_file(P("out/chats.jsonl.zst"), NULL);

    /* the wrong master key: the entries do not belong; nothing changes */
    const char *files[] = { "out/calls.csv.zst", "out/chats.jsonl.zst", "out/vault.zst", "out/manifest.json" };
    char *before[4];
    size_t bn[4];
    for (int i = 0; i < 4; i++) before[i] = readall(P(files[i]), &bn[i]);
    cv_key *k2 = make_key(3);
    cv_rekey_result r;
    ck_assert_int_eq(cv_rekey(ctx, p, k2, P("ctrl.sec"), 0, 1, P("out"), &r), CV_EKEY);
    cv_key_free(k2);
    ck_assert_int_eq(cv_rekey(ctx, p, key, P("ctrl.sec"), 1, 1, P("out"), &r), CV_EUSAGE);
    ck_assert_int_eq(cv_controller_keygen(ctx, P("other")), 0);
    ck_assert_int_eq(cv_rekey(ctx, p, key, P("other.sec"), 0, 1, P("out"), &r), CV_ECRYPTO);
    for (int i = 0; i < 4; i++) {
        size_t n;
        char *after = readall(P(files[i]), &n);
        ck_assert_msg(n == bn[i] && memcmp(before[i], after, n) == 0, "%s changed", files[i]);
        free(after);
    }

    /* rotate */
    int rc = cv_rekey(ctx, p, key, P("ctrl.sec"), 0, 1, P("out"), &r);
    ck_assert_msg(rc == 0, "rekey: %s", cv_ctx_error(ctx));
    ck_assert_uint_eq(r.vault_entries, 4);
    ck_assert_uint_eq(r.files_changed, 2);
    ck_assert_uint_eq(r.tokens_replaced, 9);
    /* the data is what epoch 1 gives: the old text with each token swapped */
    char *csv1 = zstd_file(P("out/calls.csv.zst"), NULL), *js1 = zstd_file(P("out/chats.jsonl.zst"), NULL);
    for (int i = 0; i < 4; i++) {
        ck_assert_ptr_null(strstr(csv1, old[i] + 6));
        ck_assert_ptr_null(strstr(js1, old[i] + 6));
        for (char *s; (s = strstr(csv0, old[i] + 6));) memcpy(s, neu[i] + 6, 16);
        for (char *s; (s = strstr(js0, old[i] + 6));) memcpy(s, neu[i] + 6, 16);
    }
    ck_assert_str_eq(csv1, csv0);
    ck_assert_str_eq(js1, js0);
    /* a fresh run under epoch 1 writes the same data */
    run_ok(p1, key, P("in"), P("fresh"), NULL, NULL);
    char *csvf = zstd_file(P("fresh/calls.csv.zst"), NULL), *jsf = zstd_file(P("fresh/chats.jsonl.zst"), NULL);
    ck_assert_str_eq(csv1, csvf);
    ck_assert_str_eq(js1, jsf);
    /* the vault reveals under the new tokens only */
    const char *ask[] = { neu[0], neu[1], neu[2], neu[3] }, *gone[] = { old[0] };
    size_t n;
    char *o = reveal(p1, P("out/vault.zst"), P("ctrl.sec"), ask, 4, &rc, &n);
    ck_assert_int_eq(rc, 0);
    char want[2048];
    snprintf(want, sizeof want, "%s\t%s\n%s\t%s\n%s\t%s\n%s\t%s\n", neu[0], vals[0], neu[1], vals[1], neu[2],
             vals[2], neu[3], vals[3]);
    ck_assert_str_eq(o, want);
    free(o);
    o = reveal(p1, P("out/vault.zst"), P("ctrl.sec"), gone, 1, &rc, &n);
    ck_assert_int_eq(rc, CV_EINPUT);
    free(o);
    char *m = readall(P("out/manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"op\": \"rekey\""));
    ck_assert_ptr_nonnull(strstr(m, "\"from_epoch\": 0, \"to_epoch\": 1, \"tokens_replaced\": 9, "
                                    "\"vault_entries\": 4, \"files_changed\": 2, \"dates_shifted_kept\": 0}"));
    ck_assert_uint_eq(r.dates_shifted_kept, 0);
    free(m);
    /* forget under the new epoch finds the subject */
    cv_forget_result fr;
    ck_assert_int_eq(cv_forget(ctx, p1, key, "phone", A_WRITTEN, P("out"), &fr), 0);
    ck_assert_uint_eq(fr.records_removed, 3);

    /* a data token that is not in the vault: fails, changes nothing */
    memcpy(drop_needle, neu[1] + 6, 16);
    edit_vault(P("out/vault.zst"), drop_line_of);
    drop_empty(P("out/vault.zst"));
    for (int i = 0; i < 4; i++) {
        free(before[i]);
        before[i] = readall(P(files[i]), &bn[i]);
    }
    ck_assert_int_eq(cv_rekey(ctx, p1, key, P("ctrl.sec"), 1, 2, P("out"), &r), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "not in the vault"));
    for (int i = 0; i < 4; i++) {
        size_t an;
        char *after = readall(P(files[i]), &an);
        ck_assert_msg(an == bn[i] && memcmp(before[i], after, an) == 0, "%s changed", files[i]);
        free(after);
        free(before[i]);
    }
    ck_assert_int_eq(has_tmp_files(P("out")), 0);
    free(csv0), free(js0), free(csv1), free(js1), free(csvf), free(jsf);
    cv_policy_free(p);
    cv_policy_free(p1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("privacy");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_vault_round_trip);
    tcase_add_test(tc, test_reveal_fails_closed);
    tcase_add_test(tc, test_reveal_forged);
    tcase_add_test(tc, test_controller_keygen);
    tcase_add_test(tc, test_vault_resume);
    tcase_add_test(tc, test_vault_shift_subject);
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_forget_drop);
    tcase_add_test(tc, test_forget_replace);
    tcase_add_test(tc, test_forget_interrupted);
    tcase_add_test(tc, test_forget_crash_recovery);
    tcase_add_test(tc, test_forget_linked_tokens);
    tcase_add_test(tc, test_rekey_crash_recovery);
    tcase_add_test(tc, test_age_cutoff);
    tcase_add_test(tc, test_retention_run);
    tcase_add_test(tc, test_date_shift);
    tcase_add_test(tc, test_shift_time);
    tcase_add_test(tc, test_country_column);
    tcase_add_test(tc, test_rekey);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
