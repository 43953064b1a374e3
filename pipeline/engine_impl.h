/*
 * engine_impl.h - the engine's private model, shared by its files:
 * engine.c (create, workers, value transforms, records) and engine_text.c
 * (free text: detectors, the record's names, rendering; member names).
 * Nothing outside the engine includes it.
 */
#ifndef CV_ENGINE_IMPL_H
#define CV_ENGINE_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common/strmap.h"
#include "dataset.h"
#include "engine.h"
#include "vault.h"

/* One input rule's exact-path lookup table (open addressing, power of two). */
typedef struct ruletab {
    cvi_idxmap map;         /* the input rule's fields by path (leaf: by KEY of "**.KEY") */
    uint64_t sig[4];        /* set of (length, first byte) of the keys, to skip most misses unhashed */
} ruletab;

static inline unsigned key_sig(const char *p, size_t n) { return (unsigned)(n * 31 + (unsigned char)p[0]) & 255; }

struct cvi_engine {
    const cv_policy *pol;
    cvi_tenant_key kt;
    cv_detector_set *det;
    ruletab *tabs;          /* exact paths, one per policy input */
    ruletab *leaf;          /* "**.KEY" rules by KEY, one per policy input */
    crypto_generichash_state *dom;   /* per entity: key + domain absorbed (sodium_malloc, read-only) */
    int vault;              /* workers collect (token, value) pairs for the vault */
    int as_of_y, as_of_m, as_of_d;   /* retention reference date; y == 0: none */
    unsigned char *ker;     /* the erasure key K_e (sodium_malloc, read-only) */
    crypto_generichash_state *mdom;  /* per entity: K_e + domain absorbed, once a register is set */
    const cvi_register *reg;         /* non-NULL: a non-empty erasure register to check tokens against */
};

typedef struct name_ent {
    cv_str orig;            /* the name as written in its field */
    char tok[CV_TOKEN_CHARS + 1];
    char norm[CV_NORM_MAX + 1];
    size_t norm_len;
} name_ent;

typedef struct frame {
    int32_t begin;
    const cv_action *inh;   /* action inherited by descendants, or NULL */
    uint8_t live;           /* a descendant survives */
    uint8_t named;          /* the policy names this container (keep it even if empty) */
} frame;

#define MAX_DEPTH 300

/* A small direct-mapped cache of recent tokens per worker: agent names,
 * queue numbers and repeat callers recur across records, and a lookup is
 * far cheaper than a BLAKE2b. Keyed by entity and normalised value. */
#define TCACHE_SLOTS 512
#define TCACHE_NORM 48
typedef struct tcache_ent {
    int16_t entity;          /* -1: empty */
    uint8_t len;
    uint8_t erased;          /* its mark is in the erasure register */
    char norm[TCACHE_NORM];
    char tok[CV_TOKEN_CHARS + 1];
} tcache_ent;

/* Member names recur in every record ("id", "messages", "text"): a small
 * two-way cache per worker of names the detectors found nothing in (a pure
 * function of the bytes, the engine's detectors and the region list, which
 * an input may set: entries keep its signature, so output never depends on
 * the cache) spares most of them the prefilter. */
#define CLEAN_SETS 256      /* two ways each, indexed by the top 8 bits of a hash */
#define CLEAN_MAX 40
typedef struct clean_ent {
    uint64_t head, tail;     /* name_words(): with len, all of a name of up to 16 bytes */
    uint64_t names_gen;      /* == the worker's: the record's names are not in it either */
    uint64_t opts_sig;       /* the regions it was found clean under (an input's region: may differ) */
    uint32_t starts;         /* word_starts() of the name (engine_text.c) */
    uint8_t len;             /* 0: empty */
    char name[CLEAN_MAX];
} clean_ent;


struct cvi_worker {
    const cvi_engine *e;
    cv_detect_ws *ws;
    uint64_t allowed[CV_ENT_MAX];   /* spans of the last texts kept by the allow list, not yet counted */
    int any_allowed;                /* some allowed[] is nonzero (take_allowed runs per text: skip the sweep) */
    cv_buf *xout;                   /* explain mode: decisions go here (NULL: off) */
    int field_form;                 /* render_text for a field's value (not free text in a name) */
    int bare;                       /* the span is the whole value: its token in the field form */
    const char *xfile;
    const cv_record *xrec;          /* the record being explained */
    const cv_field_rule *cur_fr;    /* the field rule of the node being handled (NULL: inherited or "*") */
    const cv_field_rule **scan_fr;  /* per queued scan node: its field rule */
    pcre2_match_data *allow_md;     /* for allow-list patterns (NULL until one runs) */
    cv_span_list spans;
    cv_span_list names_found;
    cv_buf tmp;
    name_ent *names;
    size_t nnames, capnames;
    int32_t *scan;          /* node indexes to scan in pass 2 */
    size_t nscan, capscan;
    /* the record's names as one compiled word set, rebuilt per record in
     * place: entry id -> index into names */
    cv_wordset_builder *wsb;
    cv_wordset *nameset;
    int32_t *word_name;
    size_t nwords, capwords;
    uint32_t name_starts;    /* what the name set's entries may begin with (word_starts() bits, engine_text.c) */
    tcache_ent *tcache;      /* TCACHE_SLOTS entries */
    frame stack[MAX_DEPTH];
    cvi_vault_set vs;        /* tokens made since the last drain (engine with a vault) */
    cv_buf tmp2;
    const cv_input_rule *rule;   /* the record's rule, while applying */
    cv_detect_opts opts;     /* the record's regions (its rule's, its region_field first), else the policy's */
    struct { int32_t node; uint32_t span; int days; } shift[8];   /* date offsets met in this record */
    size_t nshift;
    struct { int32_t node; const cv_action *a; cv_str orig; } add[16];   /* country-code columns to add */
    size_t nadd;
    struct renamed { int32_t node, parent; } *ren;   /* member names replaced in this record */
    size_t nren, capren;
    cvi_strmap taken, next_k;   /* while making replaced names unique: the member names taken
                                 * in one object, the next "#k" suffix of a replaced name */
    clean_ent *clean;        /* 2 * CLEAN_SETS entries, allocated at first use */
    uint8_t clean_lru[CLEAN_SETS];   /* the way to replace next */
    uint64_t names_gen;      /* counts records, for clean_ent.names_gen */
    uint64_t opts_sig;       /* cvi_eng_opts_sig(&opts): clean_ent.opts_sig */
    const char *why;         /* reason for a CV_EINPUT from a nested step */
    int no_vault;            /* tokens made now are not data (journal ids, `callveil token`) */
    int learned;             /* the person detector added names to `names` in this text */
    size_t nfield_names;     /* names[0, nfield_names) came from fields; the rest the detector found */
    int absorbed;            /* a found name became part of one found later ("Connor" ... "Sarah Connor") */
    cv_str *scan_orig;       /* the scanned values as read (for the record's second pass) */
    size_t capscan_orig;
    int vault_rc;            /* CV_ENOMEM seen while collecting */
    /* with an erasure register: whether an erased token was made since the
     * last settle, and the vault entries noted since, kept only if not */
    int erased_hit;
    struct pending { const char *domain; char tok[CV_TOKEN_CHARS + 1]; size_t off, len; } *pend;
    size_t npend, cappend;
    cv_buf pnorm;            /* their normalised values (wiped) */
    int capture;             /* cvi_erasure_mark: keep the marks made */
    struct { const char *domain; unsigned char m[CVI_MARK_BYTES]; } cap[4];
    size_t ncap;
};


/* Shared between engine.c and engine_text.c. */
int cvi_eng_set_value(cv_record *r, cv_node *nd, const char *p, size_t n);
unsigned cvi_eng_render_flags(const cv_action *a);
int cvi_eng_remember_name(cvi_worker *w, const char *v, size_t n, name_ent **out);
int cvi_eng_mask_value(int entity, const char *v, size_t n, cv_buf *out);
const cv_field_rule *cvi_eng_lookup(const cvi_engine *e, const cv_input_rule *rule, cv_str path);
void cvi_eng_entity_token(cvi_worker *w, int entity, const char *norm, size_t nl, char tok[CV_TOKEN_CHARS + 1]);
int cvi_eng_scan_node(cvi_worker *w, cv_record *r, int32_t idx, cvi_counts *c);
/* A signature of the detection options' region list (the clean cache is
 * valid for one list only); set with w->opts, by cvi_eng_set_opts. */
void cvi_eng_set_opts(cvi_worker *w, const cv_detect_opts *o);
int cvi_eng_scan_member_names(cvi_worker *w, cv_record *r, cvi_counts *c);
int cvi_eng_rescan_names(cvi_worker *w, cv_record *r, int32_t idx, cvi_counts *c);
int cvi_eng_build_name_words(cvi_worker *w);
int cvi_eng_name_part_of(const name_ent *a, const name_ent *b);
int cvi_eng_allowed(cvi_worker *w, int entity, const char *v, size_t n, const char *norm, size_t nl);
void cvi_eng_explain(cvi_worker *w, const cv_span *s, int entity, const char *domain, int kind, const char *by, int by_line);
int cvi_eng_subject_shift(cvi_worker *w, const cv_input_rule *rule, const cv_record *r, const cv_action *a, int *days);
int cvi_eng_apply_scalar(cvi_worker *w, const cv_action *a, cv_record *r, int32_t idx, cvi_counts *c);
void cvi_eng_settle(cvi_worker *w, int keep);
void cvi_eng_make_token(cvi_worker *w, int entity, const char *domain, const char *norm, size_t nl, char tok[CV_TOKEN_CHARS + 1]);
const char *cvi_eng_action_domain(const cv_action *a);

#endif
