/*
 * strset.c - a set of borrowed strings with a value each (strset.h).
 */
#include <stdlib.h>
#include <string.h>

#include "strset.h"

static uint64_t str_hash(const char *z)
{
    uint64_t h = 1469598103934665603u;      /* FNV-1a */
    for (; *z; z++) h = (h ^ (unsigned char)*z) * 1099511628211u;
    return h;
}

static size_t strset_slot(const cvi_strset *s, const char *k)
{
    size_t i = (size_t)str_hash(k) & (s->nslot - 1);
    while (s->key[i] && strcmp(s->key[i], k) != 0) i = (i + 1) & (s->nslot - 1);
    return i;
}

const size_t *cvi_strset_get(const cvi_strset *s, const char *k)
{
    if (!s->n) return NULL;
    size_t i = strset_slot(s, k);
    return s->key[i] ? &s->val[i] : NULL;
}

int cvi_strset_put(cvi_strset *s, const char *k, size_t v)
{
    if (2 * (s->n + 1) > s->nslot) {
        cvi_strset g = { NULL, NULL, s->nslot ? 2 * s->nslot : 64, 0 };
        g.key = calloc(g.nslot, sizeof *g.key);
        g.val = calloc(g.nslot, sizeof *g.val);
        if (!g.key || !g.val) {
            free(g.key);
            free(g.val);
            return CV_ENOMEM;
        }
        for (size_t i = 0; i < s->nslot; i++)
            if (s->key[i]) {
                size_t j = strset_slot(&g, s->key[i]);
                g.key[j] = s->key[i];
                g.val[j] = s->val[i];
                g.n++;
            }
        free(s->key);
        free(s->val);
        *s = g;
    }
    size_t i = strset_slot(s, k);
    if (!s->key[i]) s->n++;
    s->key[i] = k;
    s->val[i] = v;
    return 0;
}

void cvi_strset_free(cvi_strset *s)
{
    free(s->key);
    free(s->val);
    memset(s, 0, sizeof *s);
}
