/*
 * engine.h - applies a policy to records (internal).
 *
 * cvi_engine is immutable once created and shared by all worker threads:
 * the policy, the tenant subkey, the compiled detectors and per-input-rule
 * path tables. cvi_worker is one thread's scratch (PCRE2 match data,
 * buffers) and its counters.
 */
#ifndef CV_ENGINE_H
#define CV_ENGINE_H

#include "policy.h"
#include "pseudonym.h"
#include "common/record.h"

typedef struct cvi_counts {
    uint64_t detections[CV_ENT_MAX];      /* identifiers found in free text, per entity (then custom ones) */
    uint64_t by_detector[CV_DET_MAX];     /* the same, per detector (the scheme of a national id) */
    uint64_t allowed[CV_ENT_MAX];         /* found or given in a field, but on the allow list: kept */
    uint64_t tokenised;                    /* field values replaced by tokens */
    uint64_t fields_dropped;
    uint64_t unparseable;                  /* values a generalise action could not read (emptied) */
    uint64_t expired;                      /* records dropped by retention (also in `dropped`) */
    uint64_t fields_expired;               /* fields removed by a retention class */
    uint64_t dates_shifted;                /* timestamps moved by a per-subject offset */
    uint64_t k_suppressed;                 /* records suppressed by risk enforce_k (also in `dropped`) */
    uint64_t erased;                       /* records of erased subjects: dropped by the erasure register
                                            * (the run adds them to `dropped`), or removed by forget */
    uint64_t audio_ms_in, audio_ms_redacted;   /* recordings: milliseconds decoded / masked */
    uint64_t audio_spans, dtmf_tones, dtmf_spans;
} cvi_counts;

void cvi_counts_add(cvi_counts *into, const cvi_counts *c);


typedef struct cvi_engine cvi_engine;
typedef struct cvi_worker cvi_worker;

/* Borrowed: p and k must outlive the engine. */
int cvi_engine_create(cv_ctx *ctx, const cv_policy *p, const cv_key *k, cvi_engine **out);
void cvi_engine_free(cvi_engine *e);
const cv_policy *cvi_engine_policy(const cvi_engine *e);

/* The McAdams coefficient of a recording's channel (cvi_voice_alpha with
 * the engine's tenant key). */
double cvi_worker_voice_alpha(const cvi_worker *w, const unsigned char rec[32], int channel);
/* Its pitch factor (cvi_voice_beta with the engine's tenant key). */
double cvi_worker_voice_beta(const cvi_worker *w, const unsigned char rec[32], int channel);

/* Workers collect every (token, normalised value) they make for the vault
 * (set before workers run). */
void cvi_engine_collect_vault(cvi_engine *e, int on);
struct cvi_vault_set;
/* The worker's collected pairs since the last drain (the caller empties the
 * set); *rc gets CV_ENOMEM if some could not be kept (then fail the run). */
struct cvi_vault_set *cvi_worker_vault(cvi_worker *w, int *rc);

cvi_worker *cvi_worker_create(const cvi_engine *e);     /* NULL on ENOMEM */
void cvi_worker_free(cvi_worker *w);
/* Explain mode (scan --explain): each decision of the following records is
 * appended to out as one JSON line naming file (a display name, never
 * content); NULL turns it off. Borrowed until the next call. */
void cvi_worker_explain(cvi_worker *w, cv_buf *out, const char *file);

/* Apply input rule `rule` (one of the policy's inputs) to r in place.
 * Adds to c. Returns 0 (write r), CVI_APPLY_DROPPED (retention: counted in
 * c->expired, not written), CV_EINPUT (reject the record: *reason, static)
 * or CV_ENOMEM. */
#define CVI_APPLY_DROPPED 1
int cvi_engine_apply(cvi_worker *w, const cv_input_rule *rule, cv_record *r, cvi_counts *c, const char **reason);

/* The date retention is judged against ("YYYY-MM-DD"); set before workers
 * run. Without it, retention rules never expire anything. 0 or CV_EUSAGE. */
int cvi_engine_set_as_of(cvi_engine *e, const char *date);

/* Is a flat column (CSV) written at all under rule? *added (may be NULL)
 * gets the name of a column the engine adds after it, or NULL. */
int cvi_engine_column_kept(const cvi_engine *e, const cv_input_rule *rule, cv_str name, const char **added);

/* The names to write in a header (CSV) for columns names[0..n): the name
 * itself, or for a kept column (kept[i], kept NULL: all) whose name holds an
 * identifier, the name with each one replaced as `scan` replaces it in free
 * text ("[phone:…]"), made unique among the kept names and the added ones
 * (added may be NULL) with a "#2", "#3", ... suffix. Rules still match the
 * names as read. out[i] borrows names[i] or bytes of store's arena.
 * Detections are added to c. 0 or CV_ENOMEM. */
int cvi_engine_header_names(cvi_worker *w, const cv_str *names, size_t n, const uint8_t *kept,
                            const cv_str *added, cv_record *store, cv_str *out, cvi_counts *c);

/* Replace identifiers in a file-name component with filesystem-safe token
 * renderings ("call_+447700900123.wav" → "call_phone-k3m9x2p7q1w8e5r4.wav").
 * Appends to out. */
int cvi_engine_sanitise_name(cvi_worker *w, const char *name, size_t len, cv_buf *out);

/* Free text outside records (transcripts): run the detectors as the `scan`
 * action does. *spans (valid until the next call on w) are the identifiers
 * found, byte offsets into text, sorted and non-overlapping; detections are
 * added to c (may be NULL). Returns 0 or CV_ENOMEM. */
int cvi_engine_find(cvi_worker *w, const char *text, size_t n, const cv_span **spans, size_t *nspans,
                    cvi_counts *c);
/* Append the policy's rendering of span s of text (token "[phone:…]", mask,
 * "[card]", or the text itself under `keep`) to out: exactly what the `scan`
 * action writes in its place. */
int cvi_engine_render(cvi_worker *w, const char *text, const cv_span *s, cv_buf *out);
/* 1 when the policy's action for span s's entity is `keep` (its rendering
 * is the text itself), else 0: a recording's audio follows the same
 * decision, silencing what the transcript does not keep. */
int cvi_engine_keeps(const cvi_worker *w, const cv_span *s);

/* ---- the erasure register (dataset.h) ----
 * With a non-empty register set (before workers run a stream; borrowed),
 * every token made for the data is checked against it: its erasure mark
 * (epoch-independent, dataset.h) is looked up, computed once per value
 * (the token cache keeps the answer). A record that makes an erased token
 * is dropped (CVI_APPLY_DROPPED, counted in c->erased), and the vault
 * entries its tokens would have added are not kept. Without a register
 * nothing is computed. */
struct cvi_register;
int cvi_engine_set_register(cvi_engine *e, const struct cvi_register *r);
/* The erasure id of the engine's key and tenant (the register's check):
 * 16 hex characters of a keyed hash; reveals nothing. */
void cvi_engine_erasure_id(const cvi_engine *e, char out[17]);
/* For what the calling thread does with worker w outside records (file
 * names, recordings): 1 if a token made since the last settle is erased
 * (then the vault entries noted since are dropped), else 0 (they are kept).
 * Always 0 without a register. */
int cvi_worker_settle(cvi_worker *w);

/* forget: the erasure mark of a subject's identifier, as a run recognises
 * it (a caller id's: its number's), and the erasure id (check) of p's
 * tenant and k. domain gets the token domain. 0 or CV_E*. */
int cvi_erasure_mark(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
                     unsigned char mark[16], char domain[33], char check[17]);

/* The token of a value of a named type, rendered as in a field. */
int cvi_engine_token(cvi_worker *w, const char *type, const char *value, size_t len, cv_buf *out);

#endif
