/*
 * strmap.c - see strmap.h.
 */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

uint32_t cvi_hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = (h ^ x) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t x = 0;
        memcpy(&x, p, n);
        h = (h ^ x) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 29;
    }
    return (uint32_t)h;
}

#define SMALL 16
#define LARGE 1024   /* a table above this many slots is not kept across clears */

int cvi_strmap_clear(cvi_strmap *m)
{
    if (m->mask >= LARGE) {
        free(m->slot);
        m->slot = NULL;
    }
    if (!m->slot) {
        if (!(m->slot = calloc(SMALL, sizeof *m->slot))) {
            m->mask = 0;
            return CV_ENOMEM;
        }
        m->mask = SMALL - 1;
    } else {
        memset(m->slot, 0, ((size_t)m->mask + 1) * sizeof *m->slot);
    }
    m->n = 0;
    return 0;
}

void cvi_strmap_free(cvi_strmap *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static struct cvi_strslot *find(const cvi_strmap *m, cv_str k)
{
    uint32_t i = cvi_hash_bytes(k.p, k.n) & m->mask;
    while (m->slot[i].used && !cv_str_eq(m->slot[i].k, k)) i = (i + 1) & m->mask;
    return &m->slot[i];
}

uint64_t *cvi_strmap_get(const cvi_strmap *m, cv_str k)
{
    if (!m->slot) return NULL;
    struct cvi_strslot *s = find(m, k);
    return s->used ? &s->v : NULL;
}

int cvi_strmap_put(cvi_strmap *m, cv_str k, uint64_t v)
{
    if (!m->slot && cvi_strmap_clear(m)) return CV_ENOMEM;
    if (2 * (m->n + 1) > (size_t)m->mask + 1) {
        size_t size = 2 * ((size_t)m->mask + 1);
        if (size > UINT32_MAX) return CV_ENOMEM;
        cvi_strmap g = { calloc(size, sizeof *g.slot), (uint32_t)(size - 1), m->n };
        if (!g.slot) return CV_ENOMEM;
        for (size_t i = 0; i <= m->mask; i++)
            if (m->slot[i].used) *find(&g, m->slot[i].k) = m->slot[i];
        free(m->slot);
        *m = g;
    }
    struct cvi_strslot *s = find(m, k);
    if (!s->used) m->n++;
    *s = (struct cvi_strslot){ k, v, 1 };
    return 0;
}

/* ---- cvi_idxmap ------------------------------------------------------------ */

/* The slot of key k: its entry's or, where the probe ends, the empty one. */
static uint32_t *idx_probe(const cvi_idxmap *m, cv_str k, cvi_idxkey_fn key, const void *arg)
{
    uint32_t i = cvi_hash_bytes(k.p, k.n) & m->mask;
    while (m->slot[i] && !cv_str_eq(key(arg, m->slot[i] - 1), k)) i = (i + 1) & m->mask;
    return &m->slot[i];
}

/* The empty slot where k (not in the map) goes. */
static uint32_t *idx_empty(const cvi_idxmap *m, cv_str k)
{
    uint32_t i = cvi_hash_bytes(k.p, k.n) & m->mask;
    while (m->slot[i]) i = (i + 1) & m->mask;
    return &m->slot[i];
}

size_t cvi_idxmap_find(const cvi_idxmap *m, cv_str k, cvi_idxkey_fn key, const void *arg)
{
    if (!m->slot) return CVI_IDX_NONE;
    uint32_t s = *idx_probe(m, k, key, arg);
    return s ? (size_t)s - 1 : CVI_IDX_NONE;
}

int cvi_idxmap_add(cvi_idxmap *m, size_t i, cvi_idxkey_fn key, const void *arg)
{
    if (i >= UINT32_MAX) return CV_ENOMEM;
    if (!m->slot || 2 * (m->n + 1) > (size_t)m->mask + 1) {
        size_t size = m->slot ? 2 * ((size_t)m->mask + 1) : SMALL;
        if (size > UINT32_MAX) return CV_ENOMEM;
        cvi_idxmap g = { calloc(size, sizeof *g.slot), (uint32_t)(size - 1), m->n };
        if (!g.slot) return CV_ENOMEM;
        if (m->slot)
            for (size_t j = 0; j <= m->mask; j++)
                if (m->slot[j]) *idx_empty(&g, key(arg, m->slot[j] - 1)) = m->slot[j];
        free(m->slot);
        *m = g;
    }
    *idx_empty(m, key(arg, i)) = (uint32_t)(i + 1);
    m->n++;
    return 0;
}

void cvi_idxmap_clear(cvi_idxmap *m)
{
    if (m->slot) memset(m->slot, 0, ((size_t)m->mask + 1) * sizeof *m->slot);
    m->n = 0;
}

void cvi_idxmap_free(cvi_idxmap *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}
