/*
 * policy_yaml.h - private to the policy loader (policy*.c): the loader's
 * state, the YAML node helpers every section parser shares (scalars,
 * sequences, mappings, tables of keys; every problem with its line), and
 * the entry of each section's parser, one file per owner:
 *
 *   policy.c            the document, the top-level keys, inputs, fields
 *   policy_yaml.c       the helpers below
 *   policy_actions.c    entity and field actions (entities:, fields: values)
 *   policy_retention.c  retention: (top level and per input)
 *   policy_audio.c      an input's audio:
 *   policy_risk.c       an input's risk:
 *   policy_vault.c      vault: and erasure:
 *   policy_detectors.c  detectors:, domains:, allow:, trunks:, custom entities
 */
#ifndef CV_POLICY_YAML_H
#define CV_POLICY_YAML_H

#include <yaml.h>

#include "policy.h"

#define CVI_POLICY_MSG_MAX 512

typedef struct cvi_loader {
    cv_diag_fn fn;
    void *ud;
    int problems;
    int first_line;
    char first[CVI_POLICY_MSG_MAX];
    int oom;
    yaml_document_t *doc;
    cv_policy *p;
    const char *dir;        /* directory of the policy file for relative key paths; NULL: keep */
    size_t dirlen;
    cv_ctx *ctx;            /* warnings go to its log when there is no diag callback */
    const char *name;
} cvi_loader;

/* ---- messages (policy_yaml.c) ------------------------------------------ */

/* A problem at a line (0: none): counted, the first kept, passed to the diag callback. */
void cvi_problem(cvi_loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A warning: the policy loads, but probably does not say what its author
 * meant. check-policy prints it; a run logs it. */
void cvi_warn(cvi_loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A printable, bounded rendering of a policy scalar for messages: keys and
 * short values only, never more than 40 bytes, non-ASCII shown as '?'. */
typedef struct cvi_shown {
    char s[48];
} cvi_shown;
cvi_shown cvi_show(const yaml_node_t *n);

/* ---- nodes ------------------------------------------------------------- */

static inline int cvi_line_of(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }
static inline yaml_node_t *cvi_node_at(cvi_loader *L, int idx) { return yaml_document_get_node(L->doc, idx); }
static inline int cvi_is_scalar(const yaml_node_t *n) { return n && n->type == YAML_SCALAR_NODE; }
static inline const char *cvi_sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static inline size_t cvi_slen(const yaml_node_t *n) { return n->data.scalar.length; }

/* The scalar n is exactly z. */
int cvi_scalar_is(const yaml_node_t *n, const char *z);
/* Non-empty, no NUL or other control characters. */
int cvi_clean_text(const yaml_node_t *n);
/* cvi_clean_text, valid UTF-8, no NUL: a field path or a file name. */
int cvi_path_text_ok(const yaml_node_t *v);
/* A plain (unquoted) decimal integer <= max into *out: 0, or -1. */
int cvi_parse_uint(const yaml_node_t *n, uint64_t max, uint64_t *out);
/* A plain boolean: 1 true, 0 false, -1 not a boolean. */
int cvi_parse_bool(const yaml_node_t *n);
/* n bytes of s, malloc'ed; NULL (and L->oom) when out of memory. */
char *cvi_dup_n(cvi_loader *L, const char *s, size_t n);
/* A file path from the policy: relative paths are relative to the policy's directory. */
char *cvi_rel_path(cvi_loader *L, const char *v, size_t vn);
/* A list of 1..max field paths (or names) into *out (malloc'ed); problems
 * reported with `what` ("'fields' of a retention class", "'quasi'"), `items`
 * ("field paths") and `item`. */
void cvi_load_paths(cvi_loader *L, const yaml_node_t *v, size_t max, const char *what, const char *items,
                    const char *item, char ***out, size_t *n);

/* ---- keys -------------------------------------------------------------- */

/* Mapping keys must be scalars; 1, or 0 after reporting. */
int cvi_key_ok(cvi_loader *L, const yaml_node_t *k);
/* The index of the scalar k in names[0..n), or -1. */
int cvi_index_of(const yaml_node_t *k, const char *const *names, size_t n);
/* k names a feature this version does not support (refused, not ignored). */
int cvi_key_unsupported(const yaml_node_t *k);
/* An unknown key reported: unsupported feature, or plain unknown. */
void cvi_bad_key(cvi_loader *L, const yaml_node_t *k);
/* 1 if this key was seen before in its mapping (and reports it); marks it seen. */
int cvi_seen_before(cvi_loader *L, const yaml_node_t *k, uint32_t *seen, int id);
/* A key of a nested mapping (`where`): its index in names, or -1 after
 * reporting it (not a plain string, unknown with the expected names, or a
 * duplicate). */
int cvi_sub_key(cvi_loader *L, const yaml_node_t *k, const char *const *names, size_t n, uint32_t *seen,
                const char *where);

/* ---- sections ---------------------------------------------------------- */

/* policy_actions.c: the built-in defaults of every entity; `entities:`; a
 * field's action into a (zeroed there): 0, or -1 after reporting. */
void cvi_default_entities(cvi_loader *L);
void cvi_load_entities(cvi_loader *L, const yaml_node_t *m);
int cvi_parse_field_action(cvi_loader *L, const yaml_node_t *v, cv_action *a);
void cvi_action_free(cv_action *a);

/* policy_retention.c: `retention:` (top level or an input's) into r. */
void cvi_load_retention(cvi_loader *L, const yaml_node_t *m, cv_retention *r);
void cvi_retention_free(cv_retention *r);

/* policy_audio.c: an input's audio settings before its `audio:` (the
 * defaults), the block itself, and what it holds. */
void cvi_audio_defaults(cv_audio_policy *a);
void cvi_load_audio(cvi_loader *L, const yaml_node_t *m, cv_audio_policy *a);
void cvi_audio_free(cv_audio_policy *a);

/* policy_risk.c: an input's `risk:`. */
void cvi_load_risk(cvi_loader *L, const yaml_node_t *m, cv_risk_policy *r);
void cvi_risk_free(cv_risk_policy *r);

/* policy_vault.c: `vault:` and `erasure:`. */
void cvi_load_vault(cvi_loader *L, const yaml_node_t *v);
void cvi_load_erasure(cvi_loader *L, const yaml_node_t *v);

/* policy_detectors.c: the declarations (`detectors:`, `domains:`), loaded
 * before the rest so entities and fields may name them; `allow:`,
 * `trunks:`; the lookups the other sections use; and freeing it all. */
void cvi_load_detectors(cvi_loader *L, const yaml_node_t *v);
void cvi_load_domains(cvi_loader *L, const yaml_node_t *v);
void cvi_load_allow(cvi_loader *L, const yaml_node_t *v);
void cvi_load_trunks(cvi_loader *L, const yaml_node_t *v);
/* [a-z][a-z0-9_]{0,31}: a custom entity, detector or domain name. */
int cvi_custom_type_ok(const char *v, size_t n);
/* A built-in or custom entity by name, or -1. */
int cvi_entity_id(const cvi_loader *L, const char *v, size_t n);
/* v is declared in `domains:`. */
int cvi_domain_declared(const cvi_loader *L, const char *v, size_t n);
/* The known type (entity, custom entity, declared domain, clid) nearest to
 * v within an edit distance of 2, or NULL. */
const char *cvi_nearest_name(const cvi_loader *L, const char *v, size_t n);
void cvi_detectors_free(cv_policy *p);

#endif
