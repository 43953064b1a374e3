/*
 * strset.h - borrowed strings, each with a value, by open addressing: the
 * journal's ids, the output names taken and the transcripts paired with
 * recordings were linear scans per file (a resume of 40,000 files spent
 * 12 s in strcmp).
 */
#ifndef CV_STRSET_H
#define CV_STRSET_H

#include "base.h"

typedef struct cvi_strset {
    const char **key;       /* NULL: empty slot */
    size_t *val;
    size_t nslot, n;        /* nslot: 0 or a power of two */
} cvi_strset;

/* The value stored for k, or NULL. */
const size_t *cvi_strset_get(const cvi_strset *s, const char *k);
/* Add k (borrowed: it must outlive the set) with value v, or give a key
 * already there value v. 0 or CV_ENOMEM. */
int cvi_strset_put(cvi_strset *s, const char *k, size_t v);
void cvi_strset_free(cvi_strset *s);

#endif
