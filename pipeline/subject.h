/*
 * subject.h - what find (find.c), forget (forget.c) and rekey (rekey.c)
 * share, internal (subject.c): reading a dataset's data files record by
 * record, writing their replacements to temporary names for a journaled
 * commit (dataset.h), the subject's token and where it occurs, and a table
 * of tokens. The dataset's manifest is read by cvi_dataset_load
 * (dataset.h) and appended to by cvi_manifest_stage_history (manifest.h).
 */
#ifndef CV_SUBJECT_H
#define CV_SUBJECT_H

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "common/base.h"
#include "common/files.h"
#include "common/strmap.h"
#include "dataset.h"
#include "pseudonym.h"
#include "vault.h"
#include "../formats/formats.h"

/* A character of a token's base32 alphabet. */
static inline int cvi_is_b32(char c) { return c && strchr("0123456789abcdefghjkmnpqrstvwxyz", c) != NULL; }

/* ---- reading a dataset file record by record ------------------------------ */

typedef int (*cvi_rec_fn)(void *ud, const char *rec, size_t n, uint64_t line, int header);

/* A data file of the dataset: a .zst of a format callveil writes, not the
 * vault. */
int cvi_is_data_file(const char *rel);

/* Each record of OUT/rel (at path) to fn: the first record of a header
 * format is the header (header = 1, not parsed); a span that is no record
 * stops the pass (a dataset file is written by callveil: it has none). */
int cvi_each_record(cv_ctx *ctx, const char *path, const char *rel, cvi_rec_fn fn, void *ud);

/* ---- writing a replacement file --------------------------------------------- */

typedef struct cvi_newfile {
    char *rel, *path, *tmp;
    uint64_t removed, replaced, bytes;
    unsigned char hash[32];
} cvi_newfile;

typedef struct cvi_rewriter {
    cv_ctx *ctx;
    cvi_staged st;            /* the replacement, written beside the file */
    cv_sink *sink;
    crypto_generichash_state h;
    cv_buf out;
} cvi_rewriter;

/* Write what w->out holds once it reaches 1 MiB (force: now). */
int cvi_rw_flush(cvi_rewriter *w, int force);

/* Free v[0..n) (unlink_tmp: the temporary files still staged too). */
void cvi_newfiles_free(cvi_newfile *v, size_t n, int unlink_tmp);

/* Second pass over a data file that needs changing: fn (whose context holds
 * the rewriter at *wp) writes the new records to a temporary file beside it.
 * n takes ownership of path. */
int cvi_stage(cv_ctx *ctx, const char *rel, char *path, int level, cvi_rec_fn fn, void *ud, cvi_rewriter **wp,
              cvi_newfile *n);

/* Hand the staged data files to the commit (it removes them if it never
 * runs). */
int cvi_newfiles_commit(cvi_commit *cm, cvi_newfile *nf, size_t n);

/* The time now, UTC, as "YYYY-MM-DDTHH:MM:SSZ". */
void cvi_now_utc(char out[32]);

/* ---- the dataset's recordings and whole files ----------------------------------- */

/* The recording whose transcript (or, with audio_too, whose audio) is rel. */
const cvi_recpair *cvi_recording_of(const cvi_recpair *v, size_t n, const char *rel, int audio_too);

/* Output names, each once, in order: for forget those it deletes whole (a
 * recording's audio before its transcript), for find those that are the
 * subject's whole. v has room for every name added. */
typedef struct cvi_delset {
    const char **v;
    size_t n;
} cvi_delset;

int cvi_del_has(const cvi_delset *d, const char *rel);
void cvi_del_add(cvi_delset *d, const char *rel);

/* ---- the subject's token ---------------------------------------------------------- */

/* The rendered token of (type, value) and its 16 characters. */
int cvi_subject_token(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
                      char rendered[CVI_TOKEN_TEXT_MAX + 32], char tok[CV_TOKEN_CHARS + 1]);

/* In a record, the first whole rendering of tok ("phone:<token>"): right
 * after a ':' and not followed by another base32 character; or NULL. */
const char *cvi_find_tok(const char *p, size_t n, const char *tok);

/* Does the output name rel hold the token? Identifiers in input names are
 * tokenised with '-' for the ':' ("call_phone-<token>.wav"). */
int cvi_name_has_tok(const char *rel, const char *tok);

/* ---- a table of 16-character tokens (rekey: old to new; forget: the vault's) ---- */

typedef struct cvi_tokmap {
    char (*old)[CV_TOKEN_CHARS + 1];
    char (*neu)[CV_TOKEN_CHARS + 1];
    size_t n, cap;
    cvi_idxmap idx;           /* old token -> index */
    char domains[32][33];     /* the token domains met in the vault */
    size_t ndomains;
} cvi_tokmap;

/* The index of old token t, or -1. */
int cvi_map_find(const cvi_tokmap *m, const char *t);
/* Add old -> neu unless old is there: 0 or CV_ENOMEM. */
int cvi_map_add(cvi_tokmap *m, const char *old, const char *neu);
void cvi_map_free(cvi_tokmap *m);

#endif
