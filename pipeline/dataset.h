/*
 * dataset.h - operations on a finished dataset (OUT/): subject access
 * (find), erasure (forget) and key rotation (rekey), internal helpers.
 */
#ifndef CV_DATASET_H
#define CV_DATASET_H

#include "common/base.h"

/* Every regular file under dir (recursively, sorted, dot files skipped),
 * as paths relative to dir; free each and the array. */
int cvi_list_files(cv_ctx *ctx, const char *dir, char ***rels, size_t *n);

#define CVI_LOCK_FILE ".callveil-lock"
/* The resume journal (run --resume): one line per finished input file. */
#define CVI_JOURNAL_FILE ".callveil-journal"
/* The vault a run appends to until it commits: renamed over vault.zst
 * just before the manifest is written. Its presence means a run was
 * interrupted (`run --resume` finishes it). */
#define CVI_VAULT_STAGE ".vault.zst.staged"

/* Take OUT's writer lock (flock, not waiting): a second command that would
 * write to OUT fails with CV_EIO and a message saying so, changing nothing.
 * *fd is released with cvi_dataset_unlock (NULL-safe: -1 ok). */
int cvi_dataset_lock(cv_ctx *ctx, const char *outdir, int *fd);
void cvi_dataset_unlock(int fd);

/* A name of ours for a file not yet committed: ".NAME.cvtmp.PID" or the
 * vault stage. */
int cvi_is_tmp_name(const char *name);

/* Under the lock, every temporary in OUT (recursively) is a killed
 * command's leftover: remove them (the vault stage too unless keep_stage).
 * *removed: how many. */
int cvi_dataset_clean(cv_ctx *ctx, const char *outdir, int keep_stage, uint64_t *removed);

/* If OUT holds a manifest.json, it must name this key, tenant and epoch
 * (the last rekey's epoch counts): CV_EKEY (or CV_EINPUT, a manifest that
 * is not one) otherwise. 0 without a manifest. */
int cvi_dataset_check_keys(cv_ctx *ctx, const char *outdir, const cv_policy *p, const cv_key *k, uint64_t epoch);

/* Before a run (not --resume) writes to OUT, under the lock: if OUT holds a
 * manifest.json of another key (or a one-off key), tenant, epoch or policy,
 * CV_EKEY, nothing changed; with overwrite, that dataset is removed whole
 * (the outputs and transcripts its manifest names, vault, journal, then the
 * manifest) and a warning says so. 0 without a manifest or for the same
 * dataset (a rerun replaces its files one by one, as before). */
int cvi_dataset_claim(cv_ctx *ctx, const char *outdir, const cv_policy *p, const cv_key *k, int overwrite);

/* ---- a change to a finished dataset: journaled, in two phases ----------
 * forget and rekey replace data files, the vault and the manifest together.
 * Phase 1 stages every new file (written in full under a temporary name
 * beside the one it replaces, fsynced). cvi_commit_run then writes the
 * intent, OUT/.callveil-intent (the op, its history entry, which staged
 * file replaces which file and which files go, in order, the manifest last;
 * a last line holds its BLAKE2b), fsyncs it and the directory, and only
 * then renames and deletes, fsyncs the directories and removes the intent.
 * The next command on OUT (cvi_dataset_lock: run, resume, forget, rekey;
 * cvi_dataset_settle: find, reveal) finishes what an interrupted one left:
 * a complete intent is rolled forward (a staged file already renamed and a
 * file already gone are steps done), a torn one rolled back (no step was
 * taken: the staged files are removed as temporaries). So the outputs, the
 * vault and the manifest history change together or not at all. */
#define CVI_INTENT_FILE ".callveil-intent"

typedef struct cvi_commit cvi_commit;

int cvi_commit_create(cv_ctx *ctx, const char *outdir, const char *op, cvi_commit **out);
/* The history entry the staged manifest appends (one line of JSON; no
 * personal data): recorded in the intent. */
int cvi_commit_history(cvi_commit *c, const char *entry);
/* OUT/rel is to be replaced by staged, a fsynced file under the temporary
 * name beside it (a cvi_staged file, released once this returns 0): the
 * commit takes it over (removed if the commit never runs). */
int cvi_commit_replace(cvi_commit *c, const char *rel, const char *staged);
/* Stage p[0..n) as OUT/rel's replacement (mode less the umask). */
int cvi_commit_stage(cvi_commit *c, const char *rel, const void *p, size_t n, unsigned mode);
/* OUT/rel is to be deleted. */
int cvi_commit_delete(cvi_commit *c, const char *rel);
/* Phase 2, in the order the steps were added. On a failure before the
 * intent is durable nothing changed (the staged files are removed by
 * cvi_commit_free); after it, the intent and the staged files stay for the
 * next command to finish. Under the dataset lock. */
int cvi_commit_run(cvi_commit *c);
void cvi_commit_free(cvi_commit *c);     /* NULL ok */

/* Finish or undo an interrupted commit of OUT (see above), under the lock;
 * 0 if there was none. A complete intent that is not ours: CV_EINPUT,
 * nothing done. cvi_dataset_lock calls it. */
int cvi_dataset_recover(cv_ctx *ctx, const char *outdir);
/* For commands that only read OUT (find, reveal): if an interrupted commit
 * is pending, take the lock, recover and clean, release it. */
int cvi_dataset_settle(cv_ctx *ctx, const char *outdir);

/* ---- the erasure register -----------------------------------------------
 * OUT/erasure-register: one line per identifier `forget` erased, so that a
 * later `run` (or `run --resume`) into OUT drops every record that would
 * carry it again. It holds no value and no token: an erasure mark, the
 * first 16 bytes of BLAKE2b(key = K_e, msg = domain || 0x00 || normalised
 * value) with K_e = BLAKE2b-256(key = K, msg = "callveil/v1/erasure/" ||
 * tenant), which does not depend on the epoch (a rekey leaves the register
 * as it is, and a run at any epoch recognises the subject). Text:
 *
 *   callveil-erasure-register 1 <check>      (check: cvi_engine_erasure_id)
 *   <domain> <32 hex>                        (one per mark, in the order added)
 *   end <BLAKE2b-256 hex of the lines before>
 *
 * Written only by forget's commit (staged with the data, the vault and the
 * manifest); a register that does not read, or was made with another key or
 * tenant, is refused (the run could not keep those subjects out). */
#define CVI_REGISTER_FILE "erasure-register"
#define CVI_MARK_BYTES 16

typedef struct cvi_register cvi_register;

/* Load OUT's register into *out (an empty one without the file). check: the
 * erasure id of the key and tenant in use; another's is CV_EKEY. */
int cvi_register_load(cv_ctx *ctx, const char *outdir, const char *check, cvi_register **out);
void cvi_register_free(cvi_register *r);     /* NULL ok */
size_t cvi_register_count(const cvi_register *r);     /* NULL: 0 */
/* 1 if mark is in r (r may be NULL). Thread-safe (read-only). */
int cvi_register_has(const cvi_register *r, const unsigned char mark[CVI_MARK_BYTES]);
/* Add a mark of `domain` unless present: 1 added, 0 present, CV_ENOMEM. */
int cvi_register_add(cvi_register *r, const char *domain, const unsigned char mark[CVI_MARK_BYTES]);
/* Stage the register as OUT/erasure-register in commit c. */
int cvi_register_stage(const cvi_register *r, cvi_commit *c);

/* Tests only: the next commit on ctx stops after step `step` as if the
 * process were killed there (nothing undone, nothing removed), returning
 * CV_EINTERNAL. Steps: 1 everything staged, no intent; 2 half the intent
 * written; 3 the intent durable; 3+i the i-th rename or deletion done;
 * then the directories fsynced (intent not yet removed). 0: off. */
void cvi_dataset_crash_point(cv_ctx *ctx, int step);

/* 1 if an interrupted run left its vault stage in OUT. */
int cvi_dataset_interrupted(const char *outdir);

/* ---- what find, forget and rekey read from OUT/manifest.json --------------- */

/* A call recording of the dataset: its redacted transcript's output name
 * and the recording's. */
typedef struct cvi_recpair {
    char *transcript, *audio;
} cvi_recpair;

/* What forget, rekey and find take from a dataset's manifest, read once. */
typedef struct cvi_dataset_info {
    int zstd_level;           /* options.zstd_level (1..19), else 3 */
    uint64_t dates_shifted;   /* totals.dates_shifted */
    cvi_recpair *rec;         /* the call recordings */
    size_t nrec;
} cvi_dataset_info;

/* Read OUT/manifest.json into *d, after checking it names this key, tenant
 * and epoch (as cvi_dataset_check_keys). Without one, required (forget and
 * rekey: they change a dataset and record it there) is an error; otherwise
 * (find) the dataset has no recordings. An unreadable manifest, or an
 * interrupted run in OUT, is always an error. */
int cvi_dataset_load(cv_ctx *ctx, const char *outdir, int required, const cv_policy *p, const cv_key *k,
                     uint64_t epoch, cvi_dataset_info *d);
void cvi_dataset_info_free(cvi_dataset_info *d);

#endif
