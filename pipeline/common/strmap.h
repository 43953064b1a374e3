/*
 * strmap.h - the library's one string hash table: borrowed byte-string keys
 * (cv_str; the bytes must outlive their use in the map), a 64-bit value per
 * key, open addressing with linear probing in a power-of-two table kept at
 * most half full. cvi_hash_bytes is the hash every table here uses.
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

#endif
