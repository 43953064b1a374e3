/*
 * record.h - cv_record, the record model (DESIGN §4).
 *
 * A record is an ordered list of nodes as the reader met them. Flat formats
 * (CSV) produce one CV_NODE_STRING per column; JSON produces the full event
 * sequence (object/array begin and end nodes, scalars), so a writer can emit
 * the record in the same shape and field order it came in. The engine edits
 * nodes in place: it marks them dropped (CV_NF_DROP) or replaces their value.
 * Node bytes live in the record's arena (stable addresses until reset) or
 * are borrowed from a buffer that outlives the record (e.g. CSV column names
 * held by the format state).
 */
#ifndef CV_RECORD_H
#define CV_RECORD_H

#include "base.h"

typedef enum cv_node_kind {
    CV_NODE_OBJ_BEGIN = 1,
    CV_NODE_OBJ_END,
    CV_NODE_ARR_BEGIN,
    CV_NODE_ARR_END,
    CV_NODE_STRING,
    CV_NODE_NUMBER,   /* value holds the number exactly as written in the input */
    CV_NODE_BOOL,     /* value "true" / "false" */
    CV_NODE_NULL      /* value "null" (CSV: never produced) */
} cv_node_kind;

enum {
    CV_NF_DROP = 1u << 0,     /* writer skips this node (and, for BEGIN nodes, its subtree) */
    CV_NF_QUOTED = 1u << 1,   /* CSV: the field was quoted in the input */
    CV_NF_CHANGED = 1u << 2,  /* value replaced by the engine */
    CV_NF_RENAMED = 1u << 3   /* JSON: key replaced by the engine (path keeps the name as read) */
};

typedef struct cv_node {
    uint8_t kind;        /* cv_node_kind */
    uint8_t flags;       /* CV_NF_* */
    uint16_t depth;      /* 0 for top-level members / CSV columns */
    int32_t end;         /* BEGIN nodes: index of the matching END node; else -1 */
    int32_t col;         /* CSV: column index; JSON: -1 */
    cv_str key;          /* member name (JSON, empty inside arrays), column name (CSV) */
    cv_str path;         /* policy path: "a.b", "messages[].text", "tags[]", CSV column name */
    cv_str value;        /* scalars: the decoded UTF-8 value; BEGIN/END: empty */
} cv_node;

typedef struct cv_arena_block cv_arena_block;

typedef struct cv_record {
    cv_node *nodes;
    size_t n, cap;
    cv_arena_block *arena;   /* chunk list; memory reused across cvi_record_reset */
    uint64_t line;           /* 1-based line of the record's first byte in its input */
    uint64_t offset;         /* byte offset of the record's first byte in its input */
    /* The input bytes a reader borrowed its strings from, or NULL: for
     * JSON Lines, every node string that lies inside them is a slice of a
     * string or number as written with no escape in it, so the writer
     * copies it as is (the engine's new values live in the arena). */
    const char *src;
    size_t src_n;
} cv_record;

void cvi_record_init(cv_record *r);
void cvi_record_free(cv_record *r);           /* NULL ok */
void cvi_record_reset(cv_record *r);          /* empties nodes and arena, keeps capacity */

/* Room for one more node (the capacity doubled): 0, or -1 on ENOMEM. */
int cvi_record_grow(cv_record *r);

/* Append a node; returns its index or -1 on ENOMEM. The strings are borrowed:
 * copy them with cvi_record_strdup first if their buffer will not outlive r.
 * Inline: readers push every node of every record. */
static inline int cvi_record_push(cv_record *r, cv_node_kind kind, uint16_t depth, cv_str key, cv_str path,
                                  cv_str value)
{
    if (r->n == r->cap && cvi_record_grow(r) != 0) return -1;
    cv_node *nd = &r->nodes[r->n];
    nd->kind = (uint8_t)kind;
    nd->flags = 0;
    nd->depth = depth;
    nd->end = -1;
    nd->col = -1;
    nd->key = key;
    nd->path = path;
    nd->value = value;
    return (int)r->n++;
}

/* Arena allocation, valid until cvi_record_reset/free. NULL on ENOMEM. */
char *cvi_record_alloc(cv_record *r, size_t n);
cv_str cvi_record_strdup(cv_record *r, const char *p, size_t n);   /* .p NULL on ENOMEM (n > 0) */

#endif
