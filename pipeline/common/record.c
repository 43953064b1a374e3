/*
 * record.c - cv_record storage: a node vector plus a chunked arena whose
 * blocks are kept across resets, so a worker parsing millions of records
 * allocates only while its largest record grows.
 */
#include <stdlib.h>

#include "record.h"

struct cv_arena_block {
    cv_arena_block *next;
    size_t used, cap;
    char data[];
};

#define CV_ARENA_MIN 4096

void cvi_record_init(cv_record *r) { memset(r, 0, sizeof *r); }

void cvi_record_free(cv_record *r)
{
    if (!r) return;
    free(r->nodes);
    cv_arena_block *b = r->arena;
    while (b) {
        cv_arena_block *nx = b->next;
        free(b);
        b = nx;
    }
    memset(r, 0, sizeof *r);
}

void cvi_record_reset(cv_record *r)
{
    r->n = 0;
    r->line = r->offset = 0;
    r->src = NULL;
    r->src_n = 0;
    /* Keep only the largest block: the record mix is steady, so it fits next time. */
    cv_arena_block *keep = NULL;
    for (cv_arena_block *b = r->arena; b; b = b->next)
        if (!keep || b->cap > keep->cap) keep = b;
    cv_arena_block *b = r->arena;
    while (b) {
        cv_arena_block *nx = b->next;
        if (b != keep) free(b);
        b = nx;
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    r->arena = keep;
}

int cvi_record_grow(cv_record *r)
{
    size_t cap = r->cap ? r->cap * 2 : 32;
    if (cap > INT32_MAX) return -1;
    cv_node *v = realloc(r->nodes, cap * sizeof *v);
    if (!v) return -1;
    r->nodes = v;
    r->cap = cap;
    return 0;
}

char *cvi_record_alloc(cv_record *r, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    cv_arena_block *b = r->arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = b ? b->cap * 2 : CV_ARENA_MIN;
        if (cap < n) cap = n;
        cv_arena_block *nb = malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->cap = cap;
        nb->used = 0;
        nb->next = b;
        r->arena = b = nb;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

cv_str cvi_record_strdup(cv_record *r, const char *p, size_t n)
{
    cv_str s = { NULL, n };
    if (n == 0) { s.p = ""; return s; }
    char *d = cvi_record_alloc(r, n);
    if (!d) return s;
    memcpy(d, p, n);
    s.p = d;
    return s;
}
