/*
 * strmap.h - the library's hash tables, both open addressing with linear
 * probing in a power-of-two table kept at most half full, both hashed by
 * cvi_hash_bytes:
 *  - cvi_strmap: borrowed byte-string keys (cv_str; the bytes must outlive
 *    their use in the map), a 64-bit value per key;
 *  - cvi_idxmap: an index over the caller's own array (realloc-grown at
 *    will): it stores entry indices only, and asks the caller for the key
 *    bytes of entry i when it compares or rehashes.
 * (engine.c's rule table and risk_impl.h's tables keyed by BLAKE2b outputs
 * are fixed-width on purpose and not built on these.)
 */
#ifndef CV_STRMAP_H
#define CV_STRMAP_H

#include <stdint.h>

#include "base.h"

/* A fast non-cryptographic hash of p[0..n), 8 bytes a step (multiply-xorshift). */
uint32_t cvi_hash_bytes(const char *p, size_t n);

typedef struct cvi_strmap {
    struct cvi_strslot { cv_str k; uint64_t v; uint8_t used; } *slot;
    uint32_t mask;            /* slots - 1; 0 with slot NULL: empty, nothing allocated */
    size_t n;
} cvi_strmap;

/* Empty the map, keeping its table unless it grew large (so a map cleared
 * per record costs one memset). 0 or CV_ENOMEM. A zeroed map is valid. */
int cvi_strmap_clear(cvi_strmap *m);
void cvi_strmap_free(cvi_strmap *m);

/* The value of key k, or NULL if absent (pointer valid until the next put). */
uint64_t *cvi_strmap_get(const cvi_strmap *m, cv_str k);

/* Add k with value v, or set k's value to v. 0 or CV_ENOMEM. */
int cvi_strmap_put(cvi_strmap *m, cv_str k, uint64_t v);

/* ---- an index over the caller's array -------------------------------------- */

/* The key bytes of the caller's entry i (arg: the caller's, passed at each
 * call, so its array may move between calls). */
typedef cv_str (*cvi_idxkey_fn)(const void *arg, size_t i);

#define CVI_IDX_NONE ((size_t)-1)

typedef struct cvi_idxmap {
    uint32_t *slot;           /* entry index + 1; 0: an empty slot */
    uint32_t mask;            /* slots - 1; 0 with slot NULL: empty, nothing allocated */
    size_t n;                 /* entries recorded */
} cvi_idxmap;

/* The index of the entry whose key equals k, or CVI_IDX_NONE. A zeroed map
 * is valid (and empty). */
size_t cvi_idxmap_find(const cvi_idxmap *m, cv_str k, cvi_idxkey_fn key, const void *arg);
/* Record entry i, whose key key(arg, i) already returns and is not in the
 * map yet (cvi_idxmap_find first): the table grows (rehashing through key)
 * to stay at most half full. 0, or CV_ENOMEM with the map unchanged. */
int cvi_idxmap_add(cvi_idxmap *m, size_t i, cvi_idxkey_fn key, const void *arg);
/* Forget every entry, keeping the table. */
void cvi_idxmap_clear(cvi_idxmap *m);
void cvi_idxmap_free(cvi_idxmap *m);

#endif
