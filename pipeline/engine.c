/*
 * engine.c - applies a policy to one record at a time (DESIGN §2, §5).
 *
 * Pass 1 walks the nodes in order, resolves each node's action (exact path
 * rule, else the nearest ancestor's rule, else the input's "*" rule) and
 * applies every action except `scan`: tokens, masks, generalisation, drops.
 * Names tokenised from structured fields (agent.name, the CDR clid name) are
 * remembered. Pass 2 runs the detectors over the `scan` values and also
 * replaces the remembered names wherever they appear in that record's free
 * text, with the same token. Containers whose children were all dropped are
 * dropped too, unless the policy names them. Pass 3 scans the member names
 * (JSON keys) that are written as `scan` scans free text, and keeps them
 * unique in their object; rules still match the paths as read.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>

#include <sodium.h>

#include "../formats/formats.h"
#include "common/strmap.h"
#include "common/ctx.h"
#include "dataset.h"
#include "engine.h"
#include "engine_impl.h"
#include "vault.h"
#include "../filters/phonenumber.h"

void cvi_counts_add(cvi_counts *into, const cvi_counts *c)
{
    for (int i = 0; i < CV_ENT_MAX; i++) into->detections[i] += c->detections[i];
    for (int i = 0; i < CV_ENT_MAX; i++) into->allowed[i] += c->allowed[i];
    for (int i = 0; i < CV_DET_MAX; i++) into->by_detector[i] += c->by_detector[i];
    into->tokenised += c->tokenised;
    into->fields_dropped += c->fields_dropped;
    into->unparseable += c->unparseable;
    into->expired += c->expired;
    into->fields_expired += c->fields_expired;
    into->dates_shifted += c->dates_shifted;
    into->k_suppressed += c->k_suppressed;
    into->erased += c->erased;
    into->audio_ms_in += c->audio_ms_in;
    into->audio_ms_redacted += c->audio_ms_redacted;
    into->audio_spans += c->audio_spans;
    into->dtmf_tones += c->dtmf_tones;
    into->dtmf_spans += c->dtmf_spans;
}

/* Rules whose path is "**.KEY" apply to a member named KEY at any depth. */
#define LEAF_PREFIX "**."

/* The keys of a rule table: a field's path, or for "**.KEY" rules its KEY. */
static cv_str field_path(const void *arg, size_t i)
{
    const cv_field_rule *fr = &((const cv_input_rule *)arg)->fields[i];
    return cv_str_make(fr->path, fr->path_len);
}

static cv_str field_leaf(const void *arg, size_t i)
{
    const cv_field_rule *fr = &((const cv_input_rule *)arg)->fields[i];
    return cv_str_make(fr->path + (sizeof LEAF_PREFIX - 1), fr->path_len - (sizeof LEAF_PREFIX - 1));
}

static const cv_field_rule *lookup_in(const cv_input_rule *rule, const ruletab *t, cv_str key, int leaf)
{
    size_t f = cvi_idxmap_find(&t->map, key, leaf ? field_leaf : field_path, rule);
    return f == CVI_IDX_NONE ? NULL : &rule->fields[f];
}

/* The node's own rule: its exact path, else a "**.KEY" rule for its last key. */
const cv_field_rule *cvi_eng_lookup(const cvi_engine *e, const cv_input_rule *rule, cv_str path)
{
    size_t ri = (size_t)(rule - e->pol->inputs);
    const cv_field_rule *fr = NULL;
    /* every node of every record comes here, and most paths have no exact
     * rule (the default policy has one, "agent.id"): the signature rules
     * out most before they are hashed */
    unsigned sg = path.n ? key_sig(path.p, path.n) : 0;
    if (!path.n || (e->tabs[ri].sig[sg >> 6] >> (sg & 63) & 1)) fr = lookup_in(rule, &e->tabs[ri], path, 0);
    if (fr || !e->leaf[ri].map.n) return fr;
    size_t end = path.n;
    while (end >= 2 && path.p[end - 2] == '[' && path.p[end - 1] == ']') end -= 2;
    size_t start = end;
    while (start > 0 && path.p[start - 1] != '.') start--;
    if (end == start) return NULL;
    sg = key_sig(path.p + start, end - start);
    if (!(e->leaf[ri].sig[sg >> 6] >> (sg & 63) & 1)) return NULL;
    return lookup_in(rule, &e->leaf[ri], cv_str_make(path.p + start, end - start), 1);
}

/* The first field of each path (of each KEY, leaf) wins, as rules are read in order. */
static int build_tab(const cv_input_rule *rule, ruletab *t, int leaf)
{
    cvi_idxkey_fn key = leaf ? field_leaf : field_path;
    for (size_t f = 0; f < rule->nfields; f++) {
        const cv_field_rule *fr = &rule->fields[f];
        int is_leaf = fr->path_len > sizeof LEAF_PREFIX - 1 &&
                      strncmp(fr->path, LEAF_PREFIX, sizeof LEAF_PREFIX - 1) == 0;
        if (leaf != is_leaf) continue;
        cv_str k = key(rule, f);
        if (cvi_idxmap_find(&t->map, k, key, rule) != CVI_IDX_NONE) continue;
        if (cvi_idxmap_add(&t->map, f, key, rule)) return CV_ENOMEM;
        unsigned sg = key_sig(k.p, k.n);
        t->sig[sg >> 6] |= 1ull << (sg & 63);
    }
    return 0;
}

void cvi_engine_free(cvi_engine *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->pol->ninputs; i++) {
        if (e->tabs) cvi_idxmap_free(&e->tabs[i].map);
        if (e->leaf) cvi_idxmap_free(&e->leaf[i].map);
    }
    free(e->tabs);
    free(e->leaf);
    cvi_detector_set_free(e->det);
    cvi_tenant_key_free(&e->kt);
    if (e->dom) sodium_free(e->dom);
    if (e->mdom) sodium_free(e->mdom);
    if (e->ker) sodium_free(e->ker);
    free(e);
}

int cvi_engine_create(cv_ctx *ctx, const cv_policy *p, const cv_key *k, cvi_engine **out)
{
    int rc;
    const char *why = NULL;
    cvi_engine *e = calloc(1, sizeof *e);
    if (!e) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    e->pol = p;
    rc = cvi_tenant_key_derive(k, p->tenant, p->epoch, &e->kt);
    if (rc) {
        cvi_error(ctx, rc, "cannot derive the tenant key: %s", cv_strerror(rc));
        goto fail;
    }
    int nent = cvi_policy_entities(p);
    e->dom = sodium_malloc((size_t)nent * sizeof *e->dom);
    if (!e->dom) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < nent; i++) {
        const char *dn = cvi_policy_entity_name(p, i);
        cvi_token_domain_init(&e->kt, dn, strlen(dn), &e->dom[i]);
    }
    sodium_mprotect_readonly(e->dom);
    /* K_e = BLAKE2b-256(key = K, "callveil/v1/erasure/" || tenant): no epoch */
    if (!(e->ker = sodium_malloc(32))) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto fail;
    }
    {
        crypto_generichash_state st;
        crypto_generichash_init(&st, k->k, CV_KEY_BYTES, 32);
        crypto_generichash_update(&st, (const unsigned char *)"callveil/v1/erasure/", 20);
        crypto_generichash_update(&st, (const unsigned char *)p->tenant, strlen(p->tenant));
        crypto_generichash_final(&st, e->ker, 32);
        sodium_memzero(&st, sizeof st);
    }
    sodium_mprotect_readonly(e->ker);
    uint8_t enabled[CV_ENT__COUNT];
    for (int i = 0; i < CV_ENT__COUNT; i++) enabled[i] = 1;
    size_t bad = 0;
    rc = cvi_detector_set_create_ex(&p->dopts, enabled, p->custom, p->ncustom, &e->det, &why, &bad);
    if (rc && why && rc == CV_EUSAGE) {
        cvi_error(ctx, CV_EPOLICY, "%s:%d: detector '%s': %s", p->name, p->custom_line[bad], p->custom[bad].name, why);
        rc = CV_EPOLICY;
        goto fail;
    }
    if (rc) {
        cvi_error(ctx, rc, "cannot compile the detectors: %s", why ? why : cv_strerror(rc));
        goto fail;
    }
    e->tabs = calloc(p->ninputs ? p->ninputs : 1, sizeof *e->tabs);
    e->leaf = calloc(p->ninputs ? p->ninputs : 1, sizeof *e->leaf);
    if (!e->tabs || !e->leaf) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < p->ninputs; i++)
        if ((rc = build_tab(&p->inputs[i], &e->tabs[i], 0)) || (rc = build_tab(&p->inputs[i], &e->leaf[i], 1))) {
            cvi_error(ctx, rc, "out of memory");
            goto fail;
        }
    *out = e;
    return 0;
fail:
    cvi_engine_free(e);
    return rc;
}

const cv_policy *cvi_engine_policy(const cvi_engine *e) { return e->pol; }

double cvi_worker_voice_alpha(const cvi_worker *w, const unsigned char rec[32], int channel)
{
    return cvi_voice_alpha(&w->e->kt, rec, channel);
}

double cvi_worker_voice_beta(const cvi_worker *w, const unsigned char rec[32], int channel)
{
    return cvi_voice_beta(&w->e->kt, rec, channel);
}

void cvi_engine_collect_vault(cvi_engine *e, int on) { e->vault = on; }

int cvi_engine_set_as_of(cvi_engine *e, const char *date)
{
    return cvi_date_parse(date, strlen(date), &e->as_of_y, &e->as_of_m, &e->as_of_d) ? CV_EUSAGE : 0;
}

cvi_vault_set *cvi_worker_vault(cvi_worker *w, int *rc)
{
    *rc = w->vault_rc;
    w->vault_rc = 0;
    return &w->vs;
}

/* A token was made for a value of the data: remember it for the vault. */
static void vault_note(cvi_worker *w, const char *domain, const char *tok, const char *norm, size_t nl)
{
    if (!w->e->vault || w->no_vault) return;
    if (w->e->reg) {
        /* kept once the record (or file) is known to be no erased subject's */
        if (cvi_grow((void **)&w->pend, &w->cappend, w->npend + 1, sizeof *w->pend) ||
            cvi_buf_append(&w->pnorm, norm, nl)) {
            w->vault_rc = CV_ENOMEM;
            return;
        }
        struct pending *q = &w->pend[w->npend++];
        q->domain = domain;
        memcpy(q->tok, tok, CV_TOKEN_CHARS + 1);
        q->off = w->pnorm.n - nl;
        q->len = nl;
        return;
    }
    if (cvi_vset_add(&w->vs, domain, tok, norm, nl) == CV_ENOMEM) w->vault_rc = CV_ENOMEM;
}

/* ---- the erasure register -------------------------------------------------- */

int cvi_engine_set_register(cvi_engine *e, const cvi_register *r)
{
    if (!cvi_register_count(r)) {
        e->reg = NULL;
        return 0;
    }
    if (!e->mdom) {
        int nent = cvi_policy_entities(e->pol);
        if (!(e->mdom = sodium_malloc((size_t)nent * sizeof *e->mdom))) return CV_ENOMEM;
        for (int i = 0; i < nent; i++) {
            const char *dn = cvi_policy_entity_name(e->pol, i);
            crypto_generichash_init(&e->mdom[i], e->ker, 32, CVI_MARK_BYTES);
            crypto_generichash_update(&e->mdom[i], (const unsigned char *)dn, strlen(dn) + 1);
        }
        sodium_mprotect_readonly(e->mdom);
    }
    e->reg = r;
    return 0;
}

void cvi_engine_erasure_id(const cvi_engine *e, char out[17])
{
    unsigned char h[8];
    crypto_generichash(h, sizeof h, (const unsigned char *)"callveil/v1/erasure/check", 25, e->ker, 32);
    sodium_bin2hex(out, 17, h, sizeof h);
}

/* The erasure mark of a normalised value in domain (entity: its own name). */
static void mark_of(const cvi_engine *e, int entity, const char *domain, const char *norm, size_t nl,
                    unsigned char m[CVI_MARK_BYTES])
{
    crypto_generichash_state st;
    if (entity >= 0 && entity < cvi_policy_entities(e->pol) && e->mdom &&
        strcmp(domain, cvi_policy_entity_name(e->pol, entity)) == 0) {
        st = e->mdom[entity];
    } else {
        crypto_generichash_init(&st, e->ker, 32, CVI_MARK_BYTES);
        crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    }
    crypto_generichash_update(&st, (const unsigned char *)norm, nl);
    crypto_generichash_final(&st, m, CVI_MARK_BYTES);
    sodium_memzero(&st, sizeof st);
}

/* A token of the data was made: is it an erased subject's? (Only with a
 * register; tokens that are not data - journal ids, date-shift subjects -
 * are not checked: they are written nowhere.) */
static int erased_check(cvi_worker *w, int entity, const char *domain, const char *norm, size_t nl)
{
    if (w->capture && w->ncap < sizeof w->cap / sizeof *w->cap) {
        mark_of(w->e, entity, domain, norm, nl, w->cap[w->ncap].m);
        w->cap[w->ncap++].domain = domain;
    }
    if (!w->e->reg || w->no_vault) return 0;
    unsigned char m[CVI_MARK_BYTES];
    mark_of(w->e, entity, domain, norm, nl, m);
    int hit = cvi_register_has(w->e->reg, m);
    w->erased_hit |= hit;
    return hit;
}

/* Keep or drop the vault entries noted since the last settle. */
void cvi_eng_settle(cvi_worker *w, int keep)
{
    if (keep) {
        for (size_t i = 0; i < w->npend; i++)
            if (cvi_vset_add(&w->vs, w->pend[i].domain, w->pend[i].tok, w->pnorm.p + w->pend[i].off,
                             w->pend[i].len) == CV_ENOMEM)
                w->vault_rc = CV_ENOMEM;
    } else if (w->npend) {
        /* tokens cached meanwhile were noted only here: forget them, so
         * that a later record that makes them notes them again */
        for (size_t i = 0; i < TCACHE_SLOTS; i++) w->tcache[i].entity = -1;
    }
    if (w->pnorm.p) sodium_memzero(w->pnorm.p, w->pnorm.n);
    w->pnorm.n = 0;
    w->npend = 0;
    w->erased_hit = 0;
}

int cvi_worker_settle(cvi_worker *w)
{
    if (!w->e->reg) return 0;
    int hit = w->erased_hit;
    cvi_eng_settle(w, !hit);
    return hit;
}

void cvi_eng_set_opts(cvi_worker *w, const cv_detect_opts *o)
{
    if (&w->opts != o) w->opts = *o;
    uint64_t h = 1469598103934665603ull;
    int nr = o->region[0] ? 1 + (o->nmore < CV_REGIONS_MAX - 1 ? o->nmore : CV_REGIONS_MAX - 1) : 0;
    for (int k = 0; k < nr; k++) {
        const char *r = k == 0 ? o->region : o->more[k - 1];
        h = (h ^ (unsigned char)r[0]) * 1099511628211ull;
        h = (h ^ (unsigned char)r[1]) * 1099511628211ull;
    }
    w->opts_sig = h ^ (uint64_t)nr;
}

cvi_worker *cvi_worker_create(const cvi_engine *e)
{
    cvi_worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->e = e;
    cvi_eng_set_opts(w, &e->pol->dopts);
    w->ws = cvi_detect_ws_create(e->det);
    w->tcache = malloc(TCACHE_SLOTS * sizeof *w->tcache);
    w->wsb = cvi_wordset_builder_create();
    if (!w->ws || !w->tcache || !w->wsb) {
        cvi_worker_free(w);
        return NULL;
    }
    for (size_t i = 0; i < TCACHE_SLOTS; i++) w->tcache[i].entity = -1;
    return w;
}

void cvi_worker_free(cvi_worker *w)
{
    if (!w) return;
    cvi_detect_ws_free(w->ws);
    pcre2_match_data_free(w->allow_md);
    free(w->scan_fr);
    cvi_span_list_free(&w->spans);
    cvi_span_list_free(&w->names_found);
    cvi_buf_free(&w->tmp);
    free(w->names);
    free(w->scan);
    free(w->scan_orig);
    cvi_wordset_builder_free(w->wsb);
    cvi_wordset_free(w->nameset);
    free(w->word_name);
    cvi_vset_free(&w->vs);
    cvi_buf_free(&w->tmp2);
    free(w->ren);
    cvi_strmap_free(&w->taken);
    cvi_strmap_free(&w->next_k);
    free(w->clean);
    free(w->pend);
    if (w->pnorm.p) sodium_memzero(w->pnorm.p, w->pnorm.cap);
    cvi_buf_free(&w->pnorm);
    if (w->tcache) sodium_memzero(w->tcache, TCACHE_SLOTS * sizeof *w->tcache);
    free(w->tcache);
    free(w);
}

/* ---- value transforms --------------------------------------------------- */

int cvi_eng_set_value(cv_record *r, cv_node *nd, const char *p, size_t n)
{
    cv_str s = cvi_record_strdup(r, p, n);
    if (n && !s.p) return CV_ENOMEM;
    nd->value = s;
    nd->kind = CV_NODE_STRING;
    nd->flags |= CV_NF_CHANGED;
    return 0;
}

/* An entity's own mask (a postcode keeps its district), else the default. */
int cvi_eng_mask_value(int entity, const char *v, size_t n, cv_buf *out)
{
    const cv_entity_type *t = cvi_entity(entity);
    return t && t->mask ? t->mask(v, n, out) : cvi_mask_default(v, n, out);
}

const char *cvi_eng_action_domain(const cv_action *a)
{
    if (a->domain) return a->domain;
    const char *n = a->entity >= 0 && a->entity < CV_ENT__COUNT ? cvi_entity_name(a->entity) : NULL;
    return n ? n : "value";
}

unsigned cvi_eng_render_flags(const cv_action *a)
{
    unsigned f = 0;
    if (a->opts & CV_AOPT_KEEP_CC) f |= CVI_R_KEEP_CC;
    if (a->opts & CV_AOPT_KEEP_DOMAIN) f |= CVI_R_KEEP_DOMAIN;
    return f;
}

/* The token of a normalised value in `domain` (the entity's own name: the
 * precomputed state; any other domain: the full computation). */
void cvi_eng_entity_token(cvi_worker *w, int entity, const char *norm, size_t nl, char tok[CV_TOKEN_CHARS + 1])
{
    const char *dn = cvi_policy_entity_name(w->e->pol, entity);
    if (nl > TCACHE_NORM) {
        cvi_token_from(&w->e->dom[entity], norm, nl, tok);
        erased_check(w, entity, dn, norm, nl);
        vault_note(w, dn, tok, norm, nl);
        return;
    }
    uint32_t h = cvi_hash_bytes(norm, nl) ^ (uint32_t)entity * 0x9e3779b9u;
    tcache_ent *c = &w->tcache[(h ^ (h >> 15)) & (TCACHE_SLOTS - 1)];
    if (!w->capture && c->entity == entity && c->len == nl && memcmp(c->norm, norm, nl) == 0) {
        memcpy(tok, c->tok, CV_TOKEN_CHARS + 1);
        if (c->erased && !w->no_vault) w->erased_hit = 1;
        return;
    }
    cvi_token_from(&w->e->dom[entity], norm, nl, tok);
    int erased = erased_check(w, entity, dn, norm, nl);
    /* a token made while not collecting (a date-shift subject) is not
     * cached: a later hit would skip the vault for a value of the data */
    if (w->no_vault) return;
    vault_note(w, dn, tok, norm, nl);
    c->entity = (int16_t)entity;
    c->len = (uint8_t)nl;
    c->erased = (uint8_t)erased;
    memcpy(c->norm, norm, nl);
    memcpy(c->tok, tok, CV_TOKEN_CHARS + 1);
}

void cvi_eng_make_token(cvi_worker *w, int entity, const char *domain, const char *norm, size_t nl,
                       char tok[CV_TOKEN_CHARS + 1])
{
    if (entity >= 0 && strcmp(domain, cvi_policy_entity_name(w->e->pol, entity)) == 0) cvi_eng_entity_token(w, entity, norm, nl, tok);
    else {
        cvi_token(&w->e->kt, domain, strlen(domain), norm, nl, tok);
        erased_check(w, entity, domain, norm, nl);
        vault_note(w, domain, tok, norm, nl);
    }
}

/* Normalise value as `entity` (or generically) and append its rendered token. */
/* A value given in a field as a policy's own entity: the normal form of
 * its (first) detector, so it gets the token the text finds. */
static int custom_normalise(const cv_policy *p, int entity, const char *v, size_t n, char *norm, size_t *nl)
{
    for (size_t k = 0; k < p->ncustom; k++)
        if (p->custom[k].entity == entity)
            return cvi_custom_normalise(&p->custom[k], v, n, norm, nl) ? 1 : cvi_normalise_generic(v, n, norm, nl) ? -1 : 0;
    return cvi_normalise_generic(v, n, norm, nl) ? -1 : 0;
}

/* 2 to 6 digits (spaces around them aside): shorter than any phone number
 * of any region, the length of a PBX extension. */
static int extension_shape(const char *v, size_t n)
{
    while (n && v[0] == ' ') { v++; n--; }
    while (n && v[n - 1] == ' ') n--;
    if (n < 2 || n > 6) return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9') return 0;
    return 1;
}

static int token_into(cvi_worker *w, int entity, const char *domain, const char *v, size_t n, unsigned flags,
                      cv_buf *out, name_ent *keep)
{
    char norm[CV_NORM_MAX + 1];
    size_t nl = 0;
    int ok = entity >= CV_ENT__COUNT ? custom_normalise(w->e->pol, entity, v, n, norm, &nl)
           : entity >= 0               ? cvi_normalise(entity, &w->opts, v, n, norm, &nl)
                                       : cvi_normalise_generic(v, n, norm, &nl);
    if (entity == CV_ENT_PHONE && ok != 1 && strcmp(domain, "phone") == 0 && extension_shape(v, n)) {
        /* A phone field holding an internal extension (a CDR's src or dst
         * on an internal call, a clid's number) is an agent's: the agent
         * token, the one the channel naming the same peer gets
         * ("201" and "PJSIP/201-00000020"), so an agent has one pseudonym. */
        return token_into(w, CV_ENT_AGENT, "agent", v, n, flags & ~(unsigned)(CVI_R_KEEP_CC | CVI_R_KEEP_DOMAIN), out,
                          keep);
    }
    if (ok < 0) {
        /* Too long to be an identifier of this type: hash it whole (unkeyed:
         * the keyed token below is what hides it). */
        unsigned char h[32];
        crypto_generichash(h, sizeof h, (const unsigned char *)v, n, NULL, 0);
        sodium_bin2hex(norm, sizeof norm, h, sizeof h);
        nl = 64;
    }
    if (ok == 0 && entity >= 0) flags &= ~(unsigned)(CVI_R_KEEP_CC | CVI_R_KEEP_DOMAIN);
    char tok[CV_TOKEN_CHARS + 1];
    cvi_eng_make_token(w, entity, domain, norm, nl, tok);
    if (keep) {
        memcpy(keep->tok, tok, sizeof tok);
        memcpy(keep->norm, norm, nl + 1);
        keep->norm_len = nl;
    }
    return cvi_render_token(out, domain, tok, norm, nl, flags);
}

int cvi_eng_remember_name(cvi_worker *w, const char *v, size_t n, name_ent **out)
{
    *out = NULL;
    /* trim and skip names that are empty or too short to match safely */
    while (n && (v[0] == ' ' || v[0] == '\t' || v[0] == '"')) { v++; n--; }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '"')) n--;
    if (n < 2) return 0;
    if (w->nnames == w->capnames) {
        size_t cap = w->capnames ? 2 * w->capnames : 4;
        name_ent *nv = realloc(w->names, cap * sizeof *nv);
        if (!nv) return CV_ENOMEM;
        w->names = nv;
        w->capnames = cap;
    }
    name_ent *ne = &w->names[w->nnames++];
    ne->orig = cv_str_make(v, n);
    *out = ne;
    return 0;
}

/* A person's name from a structured field: tokenise and remember it. */
static int token_person(cvi_worker *w, const cv_action *a, const char *v, size_t n, cv_buf *out)
{
    name_ent *ne;
    if (cvi_eng_remember_name(w, v, n, &ne)) return CV_ENOMEM;
    return token_into(w, CV_ENT_PERSON, "person", v, n, cvi_eng_render_flags(a), out, ne);
}

/*
 * Asterisk caller id: `"Jane Doe" <+441632960123>`, `Jane Doe <07700900123>`,
 * a bare number or a bare name. The name becomes a person token (and is
 * remembered for free text), the number a phone token; the shape is kept.
 */
static int token_clid(cvi_worker *w, const cv_action *a, const char *v, size_t n, cv_buf *out)
{
    const char *lt = memchr(v, '<', n);
    size_t end = n;
    while (end && v[end - 1] == ' ') end--;
    int rc = 0;
    unsigned pf = a->opts & CV_AOPT_KEEP_CC ? CVI_R_KEEP_CC : 0;
    if (lt && end && v[end - 1] == '>') {
        const char *name = v;
        size_t nn = (size_t)(lt - v);
        while (nn && name[nn - 1] == ' ') nn--;
        int quoted = nn >= 2 && name[0] == '"' && name[nn - 1] == '"';
        if (quoted) { name++; nn -= 2; }
        const char *num = lt + 1;
        size_t numn = (size_t)(v + end - 1 - num);
        if (nn) {
            if (quoted) rc |= cvi_buf_putc(out, '"');
            rc |= token_person(w, a, name, nn, out);
            if (quoted) rc |= cvi_buf_putc(out, '"');
            rc |= cvi_buf_putc(out, ' ');
        } else if (quoted) {
            rc |= cvi_buf_puts(out, "\"\" ");
        }
        rc |= cvi_buf_putc(out, '<');
        if (numn) rc |= token_into(w, CV_ENT_PHONE, "phone", num, numn, pf, out, NULL);
        rc |= cvi_buf_putc(out, '>');
        return rc ? CV_ENOMEM : 0;
    }
    /* No angle brackets: a number if it has digits and no letters, else a name. */
    int digits = 0, letters = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c >= '0' && c <= '9') digits++;
        else if ((c | 32) >= 'a' && (c | 32) <= 'z') letters++;
        else if (c >= 0x80) letters++;
    }
    if (digits && !letters) return token_into(w, CV_ENT_PHONE, "phone", v, n, pf, out, NULL);
    return token_person(w, a, v, n, out);
}


/* Apply a non-scan action to a scalar node. */
int cvi_eng_apply_scalar(cvi_worker *w, const cv_action *a, cv_record *r, int32_t idx, cvi_counts *c)
{
    cv_node *nd = &r->nodes[idx];
    if (a->kind == CV_ACT_DROP) {
        nd->flags |= CV_NF_DROP;
        c->fields_dropped++;
        return 0;
    }
    if (a->kind == CV_ACT_KEEP) return 0;
    if (a->kind == CV_ACT_TOKEN && a->cc_column) {
        if (w->nadd == sizeof w->add / sizeof *w->add) {
            w->why = "more country-code columns in one record than callveil supports (16)";
            return CV_EINPUT;
        }
        /* added even for an empty value: a CSV row must keep the header's columns */
        w->add[w->nadd].node = idx;
        w->add[w->nadd].a = a;
        w->add[w->nadd++].orig = nd->kind == CV_NODE_STRING || nd->kind == CV_NODE_NUMBER ? nd->value : CV_STR_LIT("");
    }
    if (nd->kind == CV_NODE_NULL || nd->kind == CV_NODE_BOOL || nd->value.n == 0) {
        /* nothing personal in null, true/false or an empty value: keep the shape */
        return 0;
    }
    if (a->kind == CV_ACT_SCAN) {
        if (w->nscan == w->capscan) {
            size_t cap = w->capscan ? 2 * w->capscan : 32;
            int32_t *nv = realloc(w->scan, cap * sizeof *nv);
            if (!nv) return CV_ENOMEM;
            w->scan = nv;
            const cv_field_rule **fv = realloc(w->scan_fr, cap * sizeof *fv);
            if (!fv) return CV_ENOMEM;
            w->scan_fr = fv;
            w->capscan = cap;
        }
        w->scan_fr[w->nscan] = w->cur_fr;
        w->scan[w->nscan++] = idx;
        return 0;
    }
    cv_buf *t = &w->tmp;
    cv_buf_clear(t);
    int rc = 0, number = 0;
    const char *v = nd->value.p;
    size_t n = nd->value.n;
    if (w->e->pol->nallow && (a->kind == CV_ACT_TOKEN || a->kind == CV_ACT_REDACT || a->kind == CV_ACT_MASK)) {
        /* the allow list wins over field rules too: the centre's own number stays */
        char norm[CV_NORM_MAX + 1];
        size_t nl = 0;
        int ent = a->entity;
        int ok = ent >= 0 && cvi_normalise(ent, &w->opts, v, n, norm, &nl) == 1;
        if (cvi_eng_allowed(w, ent, v, n, ok ? norm : NULL, nl)) {
            if (ent >= 0) c->allowed[ent]++;
            if (w->xout) cvi_eng_explain(w, NULL, ent, a->domain, CV_ACT_KEEP, "allow", 0);
            return 0;
        }
    }
    if (w->xout && (a->kind == CV_ACT_TOKEN || a->kind == CV_ACT_REDACT || a->kind == CV_ACT_MASK))
        cvi_eng_explain(w, NULL, a->entity, a->domain, a->kind, "field", w->cur_fr ? w->cur_fr->line : 0);
    switch (a->kind) {
    case CV_ACT_TOKEN:
        if (a->opts & CV_AOPT_CLID) rc = token_clid(w, a, v, n, t);
        else if (a->entity == CV_ENT_PERSON) rc = token_person(w, a, v, n, t);
        else rc = token_into(w, a->entity, cvi_eng_action_domain(a), v, n, cvi_eng_render_flags(a), t, NULL);
        c->tokenised++;
        break;
    case CV_ACT_REDACT:
        rc = a->domain || a->entity >= 0 ? cvi_buf_printf(t, "[%s]", cvi_eng_action_domain(a)) : cvi_buf_puts(t, "[redacted]");
        break;
    case CV_ACT_MASK:
        rc = cvi_eng_mask_value(a->entity, v, n, t);
        break;
    case CV_ACT_GENERALISE:
        if (a->shift_days) {
            int days = 0;
            cv_buf *t2 = &w->tmp2;
            cv_buf_clear(t2);
            if (cvi_eng_subject_shift(w, w->rule, r, a, &days) != 0) {
                rc = CV_EINPUT;     /* no subject: the time cannot be shifted, keep nothing */
            } else if ((rc = cvi_shift_time(v, n, days, a->gen ? t2 : t)) == 0) {
                c->dates_shifted++;
                if (a->gen) rc = cvi_generalise_time(t2->p, t2->n, (cv_gen_unit)a->gen, t);
            }
        } else {
            rc = a->gen == CV_GEN_BANDS
                     ? cvi_generalise_duration_as(v, n, a->bands, a->nbands,
                                                 a->opts & CV_AOPT_BANDS_LOWER ? CV_BANDS_LOWER_BOUND : CV_BANDS_RANGE, t)
                     : cvi_generalise_time(v, n, (cv_gen_unit)a->gen, t);
            /* a lower bound is a number: a JSON number stays one */
            if (rc == 0 && (a->opts & CV_AOPT_BANDS_LOWER)) number = 1;
        }
        if (rc == 0 && a->shift_days && !a->gen && nd->kind == CV_NODE_NUMBER) number = 1;   /* a shifted epoch */
        if (rc == CV_EINPUT) {
            /* Not a time or duration we can read: fail closed, keep nothing. */
            cv_buf_clear(t);
            c->unparseable++;
            rc = 0;
        }
        break;
    default:
        return CV_EINTERNAL;
    }
    if (rc) return rc;
    if (number) {
        rc = cvi_eng_set_value(r, nd, t->p, t->n);
        nd->kind = CV_NODE_NUMBER;
        return rc;
    }
    return cvi_eng_set_value(r, nd, t->p, t->n);
}

static int engine_token(cvi_worker *w, const char *type, const char *value, size_t len, cv_buf *out);

int cvi_engine_token(cvi_worker *w, const char *type, const char *value, size_t len, cv_buf *out)
{
    w->no_vault = 1;
    cvi_eng_set_opts(w, &w->e->pol->dopts);
    int rc = engine_token(w, type, value, len, out);
    w->no_vault = 0;
    return rc;
}

static int engine_token(cvi_worker *w, const char *type, const char *value, size_t len, cv_buf *out)
{
    const cv_policy *p = w->e->pol;
    int entity = cvi_entity_from_name(type, strlen(type));
    for (int e = CV_ENT__COUNT; entity < 0 && e < cvi_policy_entities(p); e++)
        if (strcmp(cvi_policy_entity_name(p, e), type) == 0) entity = e;
    if (strcmp(type, "clid") == 0) {
        cv_action a = { .kind = CV_ACT_TOKEN, .opts = CV_AOPT_CLID, .entity = CV_ENT_PHONE };
        return token_clid(w, &a, value, len, out);
    }
    /* exactly the field form: a country code kept for running text is not
     * in a field's token (it has its own column) */
    unsigned flags = entity >= 0 ? cvi_eng_render_flags(&p->entities[entity]) & ~(unsigned)CVI_R_KEEP_CC : 0;
    return token_into(w, entity, type, value, len, flags, out, NULL);
}

int cv_token(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value, size_t len,
             char *out, size_t cap)
{
    if (!p || !k || !type || !value || !out) return cvi_error(ctx, CV_EUSAGE, "cv_token: missing argument");
    if (cvi_entity_from_name(type, strlen(type)) < 0 && strcmp(type, "clid") != 0) {
        /* custom domains: same rule as the policy's {token: TYPE} */
        size_t n = strlen(type);
        int ok = n >= 1 && n <= 32 && type[0] >= 'a' && type[0] <= 'z';
        for (size_t i = 0; ok && i < n; i++)
            ok = (type[i] >= 'a' && type[i] <= 'z') || (type[i] >= '0' && type[i] <= '9') || type[i] == '_';
        if (!ok) return cvi_error(ctx, CV_EUSAGE, "unknown token type '%.32s'", type);
    }
    if (cvi_utf8_valid_prefix(value, len) != len) return cvi_error(ctx, CV_EINPUT, "the value is not valid UTF-8");
    cvi_engine *e = NULL;
    cvi_worker *w = NULL;
    cv_buf b = { 0 };
    int rc = cvi_engine_create(ctx, p, k, &e);
    if (rc) return rc;
    if (!(w = cvi_worker_create(e))) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = cvi_engine_token(w, type, value, len, &b))) {
        cvi_error(ctx, rc, "%s", cv_strerror(rc));
        goto out;
    }
    if (b.n + 1 > cap) {
        rc = cvi_error(ctx, CV_EUSAGE, "output buffer too small");
        goto out;
    }
    memcpy(out, b.p, b.n);
    out[b.n] = '\0';
out:
    sodium_memzero(b.p, b.cap);
    cvi_buf_free(&b);
    cvi_worker_free(w);
    cvi_engine_free(e);
    return rc;
}

int cvi_erasure_mark(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
                     unsigned char mark[16], char domain[33], char check[17])
{
    cvi_engine *e = NULL;
    cvi_worker *w = NULL;
    cv_buf b = { 0 };
    int rc = cvi_engine_create(ctx, p, k, &e);
    if (rc) return rc;
    if (!(w = cvi_worker_create(e))) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    w->capture = 1;
    if ((rc = cvi_engine_token(w, type, value, strlen(value), &b))) {
        cvi_error(ctx, rc, "%s", cv_strerror(rc));
        goto out;
    }
    /* the token the subject is known by: a caller id's number (as forget
     * takes it), else the one token made */
    size_t at = w->ncap;
    for (size_t i = 0; i < w->ncap; i++)
        if (strcmp(type, "clid") != 0 || strcmp(w->cap[i].domain, "phone") == 0) at = i;
    if (at == w->ncap || strlen(w->cap[at].domain) > 32) {
        rc = cvi_error(ctx, CV_EUSAGE, "no erasure mark for this identifier");
        goto out;
    }
    memcpy(mark, w->cap[at].m, CVI_MARK_BYTES);
    strcpy(domain, w->cap[at].domain);
    cvi_engine_erasure_id(e, check);
out:
    if (w) sodium_memzero(w->cap, sizeof w->cap);
    if (b.p) sodium_memzero(b.p, b.cap);
    cvi_buf_free(&b);
    cvi_worker_free(w);
    cvi_engine_free(e);
    return rc;
}
