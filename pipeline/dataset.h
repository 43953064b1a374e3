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

#endif
