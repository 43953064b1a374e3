/*
 * dataset.h - operations on a finished dataset (OUT/): subject access
 * (find), erasure (forget) and key rotation (rekey), internal helpers.
 */
#ifndef CV_DATASET_H
#define CV_DATASET_H

#include "base.h"

/* Every regular file under dir (recursively, sorted, dot files skipped),
 * as paths relative to dir; free each and the array. */
int cvi_list_files(cv_ctx *ctx, const char *dir, char ***rels, size_t *n);

#define CVI_LOCK_FILE ".callveil-lock"
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

/* 1 if an interrupted run left its vault stage in OUT. */
int cvi_dataset_interrupted(const char *outdir);

#endif
