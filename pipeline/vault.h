/*
 * vault.h - the sealed vault (DESIGN §6): controller-only re-identification.
 *
 * The controller makes a libsodium box key pair (`keygen --controller`) and
 * gives the operator only the public key. A run with `vault:` in its policy
 * writes OUT/vault.zst: one line per distinct token,
 *
 *   {"token":"phone:k3m9x2p7q1w8e5r4","sealed":"<base64>"}
 *
 * where sealed = crypto_box_seal(token || 0x00 || normalised value, pk).
 * Sealing the token with the value binds them: an entry moved to another
 * token does not reveal. Lines are sorted by token within each zstd frame
 * (one frame per input file, appended as files finish, so an interrupted
 * run can resume); the same token never appears twice within one run's
 * vault, but readers tolerate duplicates (vaults of shards concatenate).
 * Nothing in the file is plaintext personal data.
 */
#ifndef CV_VAULT_H
#define CV_VAULT_H

#include "common/base.h"
#include "common/strmap.h"

#define CVI_VAULT_FILE "vault.zst"
#define CVI_TOKEN_TEXT_MAX 64        /* "domain:" + 16 characters; domains are at most 32 bytes */

/* A set of (token, value) pairs met by one worker, deduplicated by token. */
typedef struct cvi_vent {
    char token[CVI_TOKEN_TEXT_MAX];  /* "phone:k3m9x2p7q1w8e5r4" */
    char *value;                     /* normalised value, malloc'ed */
    size_t value_len;
} cvi_vent;

typedef struct cvi_vault_set {
    cvi_vent *v;
    size_t n, cap;
    cvi_idxmap idx;      /* token -> index into v */
} cvi_vault_set;

/* Add unless present. 0 or CV_ENOMEM. */
int cvi_vset_add(cvi_vault_set *s, const char *domain, const char tok[17], const char *value, size_t n);
void cvi_vset_clear(cvi_vault_set *s);   /* frees values, keeps capacity */
void cvi_vset_free(cvi_vault_set *s);

/* The run's vault file. */
typedef struct cvi_vault cvi_vault;

/* Open the vault at path (OUT/vault.zst) for a run that adds entries sealed
 * to pk. vault.zst itself is never written in place: its entries are read
 * (a vault that does not read is refused, CV_EINPUT, nothing changed) and
 * copied to the stage beside it (CVI_VAULT_STAGE), and entries are appended
 * there; cvi_vault_commit renames the stage over vault.zst. resume: an
 * interrupted run's stage, if there is one, is taken up instead, cut to
 * keep bytes (its size after the last journalled file: frames of a file
 * that was not finished go, as that file is done again); a stage shorter
 * than keep is refused (CV_EINPUT).
 * The tokens already kept are loaded so that they are not sealed again. */
int cvi_vault_open(cv_ctx *ctx, const char *path, const unsigned char pk[32], int resume, uint64_t keep,
                   cvi_vault **out);
/* fsync the stage and rename it over vault.zst (then the directory). */
int cvi_vault_commit(cvi_vault *v);
/* Remove the stage: for a run that failed before any output was committed
 * (nothing written depends on its entries). */
void cvi_vault_discard(cvi_vault *v);
/* Take the entries of s not yet in the vault (s is cleared). */
int cvi_vault_take(cvi_vault *v, cvi_vault_set *s);
/* Seal and append the entries taken since the last flush to the stage as
 * one zstd frame, fsync; *size gets the stage's size after it. */
int cvi_vault_flush(cvi_vault *v, uint64_t *size);
uint64_t cvi_vault_count(const cvi_vault *v);    /* distinct tokens in the vault */
void cvi_vault_close(cvi_vault *v);

/* Read a vault: fn is called for every entry (token text, sealed bytes).
 * A line that is not a vault entry is CV_EINPUT (with its line number in
 * the context error). fn returns 0 to go on, nonzero to stop (returned). */
typedef int (*cvi_vault_fn)(void *ud, const char *token, size_t tn, const unsigned char *sealed, size_t sn);
int cvi_vault_read(cv_ctx *ctx, const char *path, cvi_vault_fn fn, void *ud);

/* Open a sealed entry with the controller's key pair: checks that the
 * sealed token equals `token`. The value (NUL-terminated) goes to out.
 * 0, or CV_ECRYPTO (wrong key, tampered entry). */
int cvi_vault_open_entry(const unsigned char pk[32], const unsigned char *sk, const char *token, size_t tn,
                         const unsigned char *sealed, size_t sn, cv_buf *out);
/* Seal token || 0 || value to pk and append the vault line to out. */
int cvi_vault_seal_line(const unsigned char pk[32], const char *token, size_t tn, const char *value, size_t vn,
                        cv_buf *out);

/* Write lines (whole, '\n'-terminated) as a new vault file at path,
 * atomically (temp file + rename). */
int cvi_vault_write_atomic(cv_ctx *ctx, const char *path, const char *lines, size_t n);

/* Stage lines as the new vault.zst of a dataset commit (dataset.h);
 * *size (NULL: not wanted) gets its size in bytes. */
struct cvi_commit;
int cvi_vault_stage(cv_ctx *ctx, struct cvi_commit *c, const char *lines, size_t n, uint64_t *size);

/* Controller key pair files. */
int cvi_controller_load(cv_ctx *ctx, const char *pub_path, const char *sec_path, unsigned char pk[32],
                        unsigned char **sk /* sodium_malloc'ed, or NULL if sec_path is NULL */);

#endif
