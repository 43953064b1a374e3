/*
 * vault.c - sealed vault entries, the vault file, controller keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "common/ctx.h"
#include "pseudonym.h"
#include "vault.h"
#include "common/files.h"
#include "common/strmap.h"
#include "dataset.h"
#include "policy.h"
#include "../formats/formats.h"

/* ---- the per-worker set -------------------------------------------------- */

static cv_str vent_key(const void *arg, size_t i)
{
    const char *t = ((const cvi_vault_set *)arg)->v[i].token;
    return cv_str_make(t, strlen(t));
}

/* Is token t[0..tn) in the set? */
static int vset_has(const cvi_vault_set *s, const char *t, size_t tn)
{
    return cvi_idxmap_find(&s->idx, cv_str_make(t, tn), vent_key, s) != CVI_IDX_NONE;
}

static int vset_put(cvi_vault_set *s, const char *t, size_t tn, const char *value, size_t n)
{
    if (tn >= CVI_TOKEN_TEXT_MAX) return CV_EINPUT;
    if (vset_has(s, t, tn)) return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        cvi_vent *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv) return CV_ENOMEM;
        s->v = nv;
        s->cap = cap;
    }
    cvi_vent *e = &s->v[s->n];
    memcpy(e->token, t, tn);
    e->token[tn] = '\0';
    e->value = NULL;
    e->value_len = n;
    if (value) {
        if (!(e->value = malloc(n + 1))) return CV_ENOMEM;
        memcpy(e->value, value, n);
        e->value[n] = '\0';
    }
    if (cvi_idxmap_add(&s->idx, s->n, vent_key, s)) {
        if (e->value) sodium_memzero(e->value, n);
        free(e->value);
        return CV_ENOMEM;
    }
    s->n++;
    return 0;
}

int cvi_vset_add(cvi_vault_set *s, const char *domain, const char tok[17], const char *value, size_t n)
{
    char t[CVI_TOKEN_TEXT_MAX];
    int w = snprintf(t, sizeof t, "%s:%s", domain, tok);
    if (w < 0 || (size_t)w >= sizeof t) return CV_EINPUT;
    return vset_put(s, t, (size_t)w, value, n);
}

void cvi_vset_clear(cvi_vault_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].value) sodium_memzero(s->v[i].value, s->v[i].value_len);
        free(s->v[i].value);
    }
    s->n = 0;
    cvi_idxmap_clear(&s->idx);
}

void cvi_vset_free(cvi_vault_set *s)
{
    if (!s) return;
    cvi_vset_clear(s);
    free(s->v);
    cvi_idxmap_free(&s->idx);
    memset(s, 0, sizeof *s);
}

/* ---- entries --------------------------------------------------------------- */

int cvi_vault_seal_line(const unsigned char pk[32], const char *token, size_t tn, const char *value, size_t vn,
                        cv_buf *out)
{
    size_t pn = tn + 1 + vn, sn = pn + crypto_box_SEALBYTES;
    unsigned char *plain = sodium_malloc(pn ? pn : 1), *sealed = malloc(sn);
    char *b64 = malloc(sodium_base64_ENCODED_LEN(sn, sodium_base64_VARIANT_ORIGINAL));
    int rc = 0;
    if (!plain || !sealed || !b64) {
        rc = CV_ENOMEM;
        goto out;
    }
    memcpy(plain, token, tn);
    plain[tn] = 0;
    memcpy(plain + tn + 1, value, vn);
    if (crypto_box_seal(sealed, plain, pn, pk) != 0) {
        rc = CV_ECRYPTO;
        goto out;
    }
    sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(sn, sodium_base64_VARIANT_ORIGINAL), sealed, sn,
                      sodium_base64_VARIANT_ORIGINAL);
    rc = cvi_buf_puts(out, "{\"token\":") | cvi_json_string(out, token, tn) | cvi_buf_puts(out, ",\"sealed\":\"") |
         cvi_buf_puts(out, b64) | cvi_buf_puts(out, "\"}\n");
    if (rc) rc = CV_ENOMEM;
out:
    sodium_free(plain);
    free(sealed);
    free(b64);
    return rc;
}

int cvi_vault_open_entry(const unsigned char pk[32], const unsigned char *sk, const char *token, size_t tn,
                         const unsigned char *sealed, size_t sn, cv_buf *out)
{
    if (sn < crypto_box_SEALBYTES + tn + 1) return CV_ECRYPTO;
    size_t pn = sn - crypto_box_SEALBYTES;
    unsigned char *plain = sodium_malloc(pn);
    if (!plain) return CV_ENOMEM;
    int rc = 0;
    if (crypto_box_seal_open(plain, sealed, sn, pk, sk) != 0 || memcmp(plain, token, tn) != 0 || plain[tn] != 0)
        rc = CV_ECRYPTO;
    else if (cvi_buf_append(out, plain + tn + 1, pn - tn - 1) || !cvi_buf_cstr(out))
        rc = CV_ENOMEM;
    sodium_free(plain);
    return rc;
}

/* ---- reading ---------------------------------------------------------------- */

/* Parse one vault line: {"token":"…","sealed":"…"} exactly as written. */
static int parse_line(const char *l, size_t n, const char **tok, size_t *tn, const char **b64, size_t *bn)
{
    static const char a[] = "{\"token\":\"", b[] = "\",\"sealed\":\"", c[] = "\"}";
    if (n < sizeof a - 1 + sizeof b - 1 + sizeof c - 1 || memcmp(l, a, sizeof a - 1) != 0 ||
        memcmp(l + n - 2, c, 2) != 0)
        return -1;
    const char *t = l + sizeof a - 1, *end = l + n - 2;
    const char *q = memchr(t, '"', (size_t)(end - t));
    if (!q || (size_t)(end - q) < sizeof b - 1 || memcmp(q, b, sizeof b - 1) != 0) return -1;
    *tok = t;
    *tn = (size_t)(q - t);
    *b64 = q + sizeof b - 1;
    *bn = (size_t)(end - *b64);
    if (*tn == 0 || *tn >= CVI_TOKEN_TEXT_MAX || memchr(*tok, '\\', *tn) || *bn == 0) return -1;
    return 0;
}

int cvi_vault_read(cv_ctx *ctx, const char *path, cvi_vault_fn fn, void *ud)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cvi_error(ctx, errno == ENOENT ? CV_EINPUT : CV_EIO, "vault %s: %s", path, cvi_strerror(errno));
    cv_source *src = NULL;
    cv_buf line = { 0 };
    unsigned char *bin = NULL;
    size_t bincap = 0;
    char buf[1 << 16];
    uint64_t lineno = 0;
    int rc = cvi_source_open_fd(fd, 1, &src);
    if (rc) goto out;
    for (int done = 0; !done && !rc;) {
        const char *reason = NULL;
        long got = cvi_source_read(src, buf, sizeof buf, &reason);
        if (got < 0) {
            rc = cvi_error(ctx, (int)got, "vault %s: %s", path, reason ? reason : "read error");
            break;
        }
        if (got == 0) {
            if (line.n) rc = cvi_error(ctx, CV_EINPUT, "vault %s: line %llu is cut short", path,
                                       (unsigned long long)lineno + 1);
            break;
        }
        const char *p = buf, *end = buf + got;
        while (p < end && !rc) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (cvi_buf_append(&line, p, nl ? (size_t)(nl - p) : (size_t)(end - p))) { rc = CV_ENOMEM; break; }
            if (line.n > 4096) {
                rc = cvi_error(ctx, CV_EINPUT, "vault %s: line %llu is not a vault entry", path,
                               (unsigned long long)lineno + 1);
                break;
            }
            if (!nl) break;
            p = nl + 1;
            lineno++;
            const char *t, *b;
            size_t tn, bn, sn = 0;
            if (parse_line(line.p, line.n, &t, &tn, &b, &bn) != 0) {
                rc = cvi_error(ctx, CV_EINPUT, "vault %s: line %llu is not a vault entry", path,
                               (unsigned long long)lineno);
                break;
            }
            if (bn > bincap) {
                unsigned char *nb = realloc(bin, bn);
                if (!nb) { rc = CV_ENOMEM; break; }
                bin = nb;
                bincap = bn;
            }
            if (sodium_base642bin(bin, bincap, b, bn, NULL, &sn, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
                rc = cvi_error(ctx, CV_EINPUT, "vault %s: line %llu is not a vault entry", path,
                               (unsigned long long)lineno);
                break;
            }
            int frc = fn(ud, t, tn, bin, sn);
            line.n = 0;
            if (frc) { rc = frc; done = 1; }
        }
    }
out:
    if (rc == CV_ENOMEM) cvi_error(ctx, rc, "out of memory");
    cvi_source_free(src);
    close(fd);
    cvi_buf_free(&line);
    free(bin);
    return rc;
}

/* ---- the run's vault file ------------------------------------------------------ */

struct cvi_vault {
    cv_ctx *ctx;
    cvi_staged st;            /* path: vault.zst; tmp: the stage, what the run appends
                               * to until it commits; fd: open on the stage */
    unsigned char pk[32];
    cvi_vault_set known;      /* tokens in the file (values not kept) */
    cvi_vault_set pending;    /* taken since the last flush, with values */
    uint64_t size;
};

static int load_known(void *ud, const char *t, size_t tn, const unsigned char *s, size_t sn)
{
    (void)s;
    (void)sn;
    return vset_put(ud, t, tn, NULL, 0);
}

/* The length of the longest prefix of buf made of whole zstd frames. */
static size_t whole_frames(const unsigned char *buf, size_t n)
{
    size_t off = 0;
    while (off < n) {
        size_t fl = ZSTD_findFrameCompressedSize(buf + off, n - off);
        if (ZSTD_isError(fl) || fl == 0) break;
        off += fl;
    }
    return off;
}

int cvi_vault_open(cv_ctx *ctx, const char *path, const unsigned char pk[32], int resume, uint64_t keep,
                   cvi_vault **out)
{
    cvi_vault *v = calloc(1, sizeof *v);
    cv_buf old = { 0 };
    struct stat st;
    int rc = 0;
    *out = NULL;
    if (!v) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    const char *slash = strrchr(path, '/');
    char stage[PATH_MAX + 64];
    int sn = snprintf(stage, sizeof stage, "%.*s%s", slash ? (int)(slash - path) + 1 : 0, path, CVI_VAULT_STAGE);
    if (sn < 0 || (size_t)sn >= sizeof stage || cvi_staged_init_as(&v->st, path, stage) != 0) {
        free(v);
        return cvi_error(ctx, CV_EIO, "vault %s: %s", path, cvi_strerror(ENAMETOOLONG));
    }
    v->ctx = ctx;
    memcpy(v->pk, pk, 32);
    if (resume && stat(v->st.tmp, &st) == 0) {
        /* an interrupted run's stage: the frames of the files it journalled */
        if ((rc = cvi_read_file(v->st.tmp, &old, SIZE_MAX))) {
            rc = cvi_error(ctx, rc, "vault %s: %s", v->st.tmp, rc == CV_EIO ? cvi_strerror(errno) : cv_strerror(rc));
            goto fail;
        }
        if (whole_frames((const unsigned char *)old.p, old.n) < keep) {
            rc = cvi_error(ctx, CV_EINPUT, "vault %s: the interrupted run's vault holds less than its journal says; "
                                           "nothing was changed: run again without --resume", v->st.tmp);
            goto fail;
        }
        v->st.fd = open(v->st.tmp, O_RDWR | O_CLOEXEC);
        if (v->st.fd < 0 || (keep < old.n && ftruncate(v->st.fd, (off_t)keep) != 0)) {
            rc = cvi_error(ctx, CV_EIO, "vault %s: %s", v->st.tmp, cvi_strerror(errno));
            goto fail;
        }
        v->size = keep;
        if (keep && (rc = cvi_vault_read(ctx, v->st.tmp, load_known, &v->known))) goto fail;
    } else {
        if (stat(path, &st) == 0) {
            /* every entry must read before the vault is carried on */
            if ((rc = cvi_vault_read(ctx, path, load_known, &v->known))) {
                cvi_error(ctx, rc, "%s; nothing was changed (the vault is kept as it is)", cv_ctx_error(ctx));
                goto fail;
            }
            if ((rc = cvi_read_file(path, &old, SIZE_MAX))) {
                rc = cvi_error(ctx, rc, "vault %s: %s", path, rc == CV_EIO ? cvi_strerror(errno) : cv_strerror(rc));
                goto fail;
            }
        } else if (errno != ENOENT) {
            rc = cvi_error(ctx, CV_EIO, "vault %s: %s", path, cvi_strerror(errno));
            goto fail;
        }
        v->st.fd = open(v->st.tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (v->st.fd < 0 || cvi_write_all(v->st.fd, old.p, old.n) != 0 || fdatasync(v->st.fd) != 0) {
            rc = cvi_error(ctx, CV_EIO, "vault %s: %s", v->st.tmp, cvi_strerror(errno));
            goto fail;
        }
        v->size = old.n;
    }
    cvi_buf_free(&old);
    *out = v;
    return 0;
fail:
    cvi_buf_free(&old);
    cvi_vault_close(v);
    return rc;
}

void cvi_vault_discard(cvi_vault *v)
{
    if (v) cvi_staged_discard(&v->st);
}

int cvi_vault_commit(cvi_vault *v)
{
    if (cvi_staged_commit(&v->st, 1) != 0)
        return cvi_error(v->ctx, CV_EIO, "vault %s: %s", v->st.path, cvi_strerror(errno));
    return 0;
}

int cvi_vault_take(cvi_vault *v, cvi_vault_set *s)
{
    int rc = 0;
    for (size_t i = 0; i < s->n && !rc; i++) {
        const cvi_vent *e = &s->v[i];
        size_t tn = strlen(e->token);
        if (vset_has(&v->known, e->token, tn) || vset_has(&v->pending, e->token, tn)) continue;
        rc = vset_put(&v->pending, e->token, tn, e->value ? e->value : "", e->value_len);
    }
    cvi_vset_clear(s);
    return rc ? cvi_error(v->ctx, CV_ENOMEM, "out of memory") : 0;
}

static int cmp_vent(const void *a, const void *b)
{
    return strcmp(((const cvi_vent *)a)->token, ((const cvi_vent *)b)->token);
}

int cvi_vault_flush(cvi_vault *v, uint64_t *size)
{
    cvi_vault_set *p = &v->pending;
    int rc = 0;
    cv_buf lines = { 0 };
    void *z = NULL;
    if (p->n == 0) goto done;
    qsort(p->v, p->n, sizeof *p->v, cmp_vent);
    for (size_t i = 0; i < p->n && !rc; i++)
        rc = cvi_vault_seal_line(v->pk, p->v[i].token, strlen(p->v[i].token), p->v[i].value, p->v[i].value_len,
                                 &lines);
    if (rc) {
        rc = cvi_error(v->ctx, rc, "vault: cannot seal an entry (%s)", cv_strerror(rc));
        goto out;
    }
    size_t cap = ZSTD_compressBound(lines.n);
    if (!(z = malloc(cap))) { rc = cvi_error(v->ctx, CV_ENOMEM, "out of memory"); goto out; }
    size_t zn = ZSTD_compress(z, cap, lines.p, lines.n, 3);
    if (ZSTD_isError(zn)) { rc = cvi_error(v->ctx, CV_EINTERNAL, "vault: zstd: %s", ZSTD_getErrorName(zn)); goto out; }
    for (size_t off = 0; off < zn;) {
        ssize_t w = pwrite(v->st.fd, (char *)z + off, zn - off, (off_t)(v->size + off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) { rc = cvi_error(v->ctx, CV_EIO, "vault %s: %s", v->st.path, cvi_strerror(errno)); goto out; }
        off += (size_t)w;
    }
    if (fdatasync(v->st.fd) != 0) { rc = cvi_error(v->ctx, CV_EIO, "vault %s: %s", v->st.path, cvi_strerror(errno)); goto out; }
    v->size += zn;
    for (size_t i = 0; i < p->n && !rc; i++)
        if (vset_put(&v->known, p->v[i].token, strlen(p->v[i].token), NULL, 0))
            rc = cvi_error(v->ctx, CV_ENOMEM, "out of memory");
    cvi_vset_clear(p);
done:
    if (size) *size = v->size;
out:
    if (lines.p) sodium_memzero(lines.p, lines.n);
    cvi_buf_free(&lines);
    free(z);
    return rc;
}

uint64_t cvi_vault_count(const cvi_vault *v) { return v ? v->known.n : 0; }

void cvi_vault_close(cvi_vault *v)
{
    if (!v) return;
    if (v->st.fd >= 0) close(v->st.fd);
    cvi_vset_free(&v->known);
    cvi_vset_free(&v->pending);
    free(v);
}

int cvi_vault_write_atomic(cv_ctx *ctx, const char *path, const char *lines, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    void *z = malloc(cap ? cap : 1);
    if (!z) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    size_t zn = ZSTD_compress(z, cap, lines, n, 3);
    int rc = ZSTD_isError(zn) ? cvi_error(ctx, CV_EINTERNAL, "vault: zstd: %s", ZSTD_getErrorName(zn))
                              : cvi_write_atomic(ctx, path, z, zn, 0644);
    free(z);
    return rc;
}

int cvi_vault_stage(cv_ctx *ctx, cvi_commit *c, const char *lines, size_t n, uint64_t *size)
{
    size_t cap = ZSTD_compressBound(n);
    void *z = malloc(cap ? cap : 1);
    if (!z) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    size_t zn = ZSTD_compress(z, cap, lines, n, 3);
    int rc = ZSTD_isError(zn) ? cvi_error(ctx, CV_EINTERNAL, "vault: zstd: %s", ZSTD_getErrorName(zn))
                              : cvi_commit_stage(c, CVI_VAULT_FILE, z, zn, 0644);
    if (!rc && size) *size = zn;
    free(z);
    return rc;
}

/* ---- controller keys --------------------------------------------------------- */

int cv_controller_keygen(cv_ctx *ctx, const char *prefix)
{
    char pub[PATH_MAX], sec[PATH_MAX];
    if (!prefix || snprintf(pub, sizeof pub, "%s.pub", prefix) >= (int)sizeof pub ||
        snprintf(sec, sizeof sec, "%s.sec", prefix) >= (int)sizeof sec)
        return cvi_error(ctx, CV_EUSAGE, "controller key path too long");
    if (access(pub, F_OK) == 0) return cvi_error(ctx, CV_EKEY, "%s: File exists (refusing to overwrite a key)", pub);
    unsigned char pk[32], *sk = sodium_malloc(32);
    if (!sk) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    crypto_box_keypair(pk, sk);
    int rc = cvi_hexkey_write(ctx, sec, sk, 0600, "controller secret key");
    if (!rc && (rc = cvi_hexkey_write(ctx, pub, pk, 0644, "controller public key"))) unlink(sec);
    sodium_free(sk);
    return rc;
}

int cvi_controller_load(cv_ctx *ctx, const char *pub_path, const char *sec_path, unsigned char pk[32],
                        unsigned char **sk)
{
    if (sk) *sk = NULL;
    if (sec_path) {
        unsigned char *s = sodium_malloc(32);
        if (!s) return cvi_error(ctx, CV_ENOMEM, "out of memory");
        int rc = cvi_hexkey_read(ctx, sec_path, s, 1, "controller secret key",
                                 "a .sec file made by `callveil keygen --controller`");
        if (rc) {
            sodium_free(s);
            return rc;
        }
        crypto_scalarmult_base(pk, s);
        *sk = s;
        return 0;
    }
    return cvi_hexkey_read(ctx, pub_path, pk, 0, "controller public key",
                           "a .pub file made by `callveil keygen --controller`");
}

/* ---- reveal ---------------------------------------------------------------------- */

/* Anyone holding the controller's public key can seal an entry, so an entry
 * that opens proves nothing about its value. What only the pipeline (the
 * holder of the master key) can make is the token: the value is trusted
 * only if it gives back its token under the tenant key, as the engine made
 * it (the vault holds the normalised value the engine hashed, so it is
 * hashed as it stands, in the token's own domain). */

typedef struct want {
    const char *tok;        /* as asked, normalised: "phone:…" */
    size_t tn, dn;          /* token text and domain lengths */
    int found;
    cv_buf value;
} want;

typedef struct reveal_ctx {
    cv_ctx *ctx;
    want *w;
    size_t n;
    const unsigned char *pk, *sk;
    cvi_tenant_key kt;
    cv_buf val;             /* the entry being checked */
} reveal_ctx;

static int reveal_one(void *ud, const char *t, size_t tn, const unsigned char *s, size_t sn)
{
    reveal_ctx *r = ud;
    int opened = 0, verified = 0;
    for (size_t i = 0; i < r->n; i++) {
        want *w = &r->w[i];
        if (w->tn != tn || memcmp(w->tok, t, tn) != 0) continue;
        if (!opened) {
            cv_buf_clear(&r->val);
            int rc = cvi_vault_open_entry(r->pk, r->sk, t, tn, s, sn, &r->val);
            if (rc == CV_ENOMEM) return cvi_error(r->ctx, rc, "out of memory");
            if (rc)
                return cvi_error(r->ctx, CV_ECRYPTO, "%.*s: the vault entry does not open with this secret key "
                                                     "(wrong controller key, or the entry was tampered with); "
                                                     "nothing was revealed", (int)tn, t);
            opened = 1;
        }
        if (w->found) {
            /* vaults of shards concatenate: the same entry twice is one (the
             * first was checked); another value for the token is an error */
            if (w->value.n != r->val.n || sodium_memcmp(w->value.p, r->val.p, r->val.n) != 0)
                return cvi_error(r->ctx, CV_EINPUT, "%.*s: the vault holds entries with different values for this "
                                                    "token (one at least is forged); nothing was revealed", (int)tn, t);
            continue;
        }
        if (!verified) {
            char check[CV_TOKEN_CHARS + 1];
            cvi_token(&r->kt, t, w->dn, r->val.p, r->val.n, check);
            if (sodium_memcmp(check, t + w->dn + 1, CV_TOKEN_CHARS) != 0)
                return cvi_error(r->ctx, CV_ECRYPTO, "%.*s: forged or invalid vault entry (its sealed value does "
                                                     "not give this token under this key, tenant and epoch); "
                                                     "nothing was revealed", (int)tn, t);
            verified = 1;
        }
        cv_buf_clear(&w->value);
        if (cvi_buf_append(&w->value, r->val.p, r->val.n) || !cvi_buf_cstr(&w->value))
            return cvi_error(r->ctx, CV_ENOMEM, "out of memory");
        w->found = 1;
    }
    return 0;
}

/* "[phone:+44:k3m9…]" / "phone:k3m9…" → "phone:k3m9…" (in place: a view). */
static int token_text(const char *in, const char **out, size_t *n, size_t *dnp, char *buf, size_t cap)
{
    size_t len = strlen(in);
    if (len >= 2 && in[0] == '[' && in[len - 1] == ']') {
        in++;
        len -= 2;
    }
    const char *colon = memchr(in, ':', len);
    if (!colon || len < CV_TOKEN_CHARS + 2) return -1;
    size_t dn = (size_t)(colon - in);
    const char *tok = in + len - CV_TOKEN_CHARS;
    if (tok[-1] != ':' || dn == 0 || dn > 32) return -1;
    for (size_t i = 0; i < CV_TOKEN_CHARS; i++)
        if (!strchr("0123456789abcdefghjkmnpqrstvwxyz", tok[i]) || !tok[i]) return -1;
    if (dn + 1 + CV_TOKEN_CHARS >= cap) return -1;
    memcpy(buf, in, dn + 1);
    memcpy(buf + dn + 1, tok, CV_TOKEN_CHARS);
    buf[dn + 1 + CV_TOKEN_CHARS] = '\0';
    *out = buf;
    *n = dn + 1 + CV_TOKEN_CHARS;
    *dnp = dn;
    return 0;
}

/* The directory that holds the vault file (the dataset), malloc'ed. */
static char *vault_dir(const char *vault_path)
{
    const char *slash = strrchr(vault_path, '/');
    if (!slash) return strdup(".");
    size_t n = slash == vault_path ? 1 : (size_t)(slash - vault_path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, vault_path, n);
        d[n] = '\0';
    }
    return d;
}

int cv_reveal(cv_ctx *ctx, const cv_policy *p, const cv_key *k, int64_t epoch, const char *vault_path,
              const char *secret_key_path, const char *const *tokens, size_t n, int out_fd)
{
    if (!p || !k || !vault_path || !secret_key_path || !n) return cvi_error(ctx, CV_EUSAGE, "reveal: missing argument");
    if (cv_key_is_ephemeral(k))
        return cvi_error(ctx, CV_EKEY, "reveal needs the dataset's master key (--key): a one-off key made no token");
    uint64_t ep = epoch < 0 ? p->epoch : (uint64_t)epoch;
    unsigned char pk[32], *sk = NULL;
    int rc = 0;
    reveal_ctx r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    want *w = calloc(n, sizeof *w);
    char (*bufs)[CVI_TOKEN_TEXT_MAX] = calloc(n, sizeof *bufs);
    char *dir = vault_dir(vault_path);
    cv_buf out = { 0 };
    if (!w || !bufs || !dir) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < n; i++)
        if (token_text(tokens[i], &w[i].tok, &w[i].tn, &w[i].dn, bufs[i], sizeof bufs[i]) != 0) {
            rc = cvi_error(ctx, CV_EUSAGE, "'%.80s' is not a token (expected TYPE:16 characters, e.g. phone:k3m9x2p7q1w8e5r4)",
                           tokens[i]);
            goto out;
        }
    /* a vault in its dataset: an interrupted forget or rekey is finished
     * first (a half-erased subject is not revealed from the old vault), and
     * the dataset's key, tenant and epoch must be these (else every entry
     * would read as forged) */
    if ((rc = cvi_dataset_settle(ctx, dir)) || (rc = cvi_dataset_check_keys(ctx, dir, p, k, ep))) goto out;
    if ((rc = cvi_controller_load(ctx, NULL, secret_key_path, pk, &sk))) goto out;
    if (cvi_tenant_key_derive(k, p->tenant, ep, &r.kt)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    r.w = w;
    r.n = n;
    r.pk = pk;
    r.sk = sk;
    if ((rc = cvi_vault_read(ctx, vault_path, reveal_one, &r))) goto out;
    for (size_t i = 0; i < n; i++) {
        if (!w[i].found) {
            rc = cvi_error(ctx, CV_EINPUT, "%s: not in the vault", w[i].tok);
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (cvi_buf_append(&out, w[i].tok, w[i].tn) || cvi_buf_putc(&out, '\t') ||
            cvi_buf_append(&out, w[i].value.p, w[i].value.n) || cvi_buf_putc(&out, '\n')) {
            rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
            goto out;
        }
    }
    for (size_t off = 0; off < out.n;) {
        ssize_t wr = write(out_fd, out.p + off, out.n - off);
        if (wr < 0 && errno == EINTR) continue;
        if (wr < 0) { rc = cvi_error(ctx, CV_EIO, "write: %s", cvi_strerror(errno)); goto out; }
        off += (size_t)wr;
    }
out:
    for (size_t i = 0; w && i < n; i++) {
        if (w[i].value.p) sodium_memzero(w[i].value.p, w[i].value.cap);
        cvi_buf_free(&w[i].value);
    }
    if (r.val.p) sodium_memzero(r.val.p, r.val.cap);
    cvi_buf_free(&r.val);
    if (out.p) sodium_memzero(out.p, out.cap);
    cvi_buf_free(&out);
    cvi_tenant_key_free(&r.kt);
    free(w);
    free(bufs);
    free(dir);
    sodium_free(sk);
    return rc;
}
