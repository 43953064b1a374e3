/*
 * listing.h - the inputs of a run (listing.c), internal.
 */
#ifndef CV_LISTING_H
#define CV_LISTING_H

#include <sys/types.h>

#include "engine.h"

typedef struct cvi_item {
    char *path;     /* to open */
    char *rel;      /* relative to its input argument */
    const cv_input_rule *rule;   /* the policy input it matches (NULL: none) */
    char *transcript;            /* a recording's transcript, if it has one */
    int paired;                  /* a transcript processed with its recording */
    int walked;                  /* found in a directory, not named on the command line */
    const char *skip;            /* not a regular file: why it is skipped (static), else NULL */
} cvi_item;

typedef struct cvi_items {
    cvi_item *v;
    size_t n, cap;
} cvi_items;

void cvi_items_free(cvi_items *it);
/* The inputs (files, and directories walked in sorted order so runs are
 * reproducible, dot files and the directory skip_real skipped) added to
 * it. 0 or a CV_E* code (reported). */
int cvi_collect(cv_ctx *ctx, const char *const *inputs, size_t n, const char *skip_real, cvi_items *it);

/* The shard (0..count-1) of a listed path under the tenant key kt. */
uint32_t cvi_shard_with(const cvi_tenant_key *kt, const char *rel, uint32_t count);
/* What every shard of one run lists alike: a keyed hash (so it says
 * nothing of the names) of every listed path, in order (hex). */
void cvi_listing_id(const cvi_tenant_key *kt, const cvi_items *it, char out[33]);

#endif
