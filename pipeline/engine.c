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

static const cv_field_rule *lookup_in(const cv_input_rule *rule, const ruletab *t, cv_str key, size_t skip)
{
    if (!t->slot) return NULL;
    uint32_t i = cvi_hash_bytes(key.p, key.n) & t->mask;
    for (;;) {
        int32_t s = t->slot[i];
        if (!s) return NULL;
        const cv_field_rule *fr = &rule->fields[s - 1];
        if (fr->path_len - skip == key.n && memcmp(fr->path + skip, key.p, key.n) == 0) return fr;
        i = (i + 1) & t->mask;
    }
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
    if (fr || !e->leaf[ri].slot) return fr;
    size_t end = path.n;
    while (end >= 2 && path.p[end - 2] == '[' && path.p[end - 1] == ']') end -= 2;
    size_t start = end;
    while (start > 0 && path.p[start - 1] != '.') start--;
    if (end == start) return NULL;
    sg = key_sig(path.p + start, end - start);
    if (!(e->leaf[ri].sig[sg >> 6] >> (sg & 63) & 1)) return NULL;
    return lookup_in(rule, &e->leaf[ri], cv_str_make(path.p + start, end - start), sizeof LEAF_PREFIX - 1);
}

static int build_tab(const cv_input_rule *rule, ruletab *t, int leaf)
{
    const size_t skip = leaf ? sizeof LEAF_PREFIX - 1 : 0;
    size_t count = 0;
    for (size_t f = 0; f < rule->nfields; f++) {
        const cv_field_rule *fr = &rule->fields[f];
        int is_leaf = fr->path_len > sizeof LEAF_PREFIX - 1 && strncmp(fr->path, LEAF_PREFIX, sizeof LEAF_PREFIX - 1) == 0;
        count += leaf ? is_leaf : !is_leaf;
    }
    if (count == 0) return 0;
    uint32_t size = 8;
    while (size < 2 * count) size *= 2;
    t->slot = calloc(size, sizeof *t->slot);
    if (!t->slot) return CV_ENOMEM;
    t->mask = size - 1;
    for (size_t f = 0; f < rule->nfields; f++) {
        const cv_field_rule *fr = &rule->fields[f];
        int is_leaf = fr->path_len > sizeof LEAF_PREFIX - 1 && strncmp(fr->path, LEAF_PREFIX, sizeof LEAF_PREFIX - 1) == 0;
        if (leaf != is_leaf) continue;
        unsigned sg = key_sig(fr->path + skip, fr->path_len - skip);
        t->sig[sg >> 6] |= 1ull << (sg & 63);
        uint32_t i = cvi_hash_bytes(fr->path + skip, fr->path_len - skip) & t->mask;
        while (t->slot[i]) i = (i + 1) & t->mask;
        t->slot[i] = (int32_t)f + 1;
    }
    return 0;
}

void cvi_engine_free(cvi_engine *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->pol->ninputs; i++) {
        if (e->tabs) free(e->tabs[i].slot);
        if (e->leaf) free(e->leaf[i].slot);
    }
    free(e->tabs);
    free(e->leaf);
    cv_detector_set_free(e->det);
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
    rc = cv_detector_set_create_ex(&p->dopts, enabled, p->custom, p->ncustom, &e->det, &why, &bad);
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
    return cv_date_parse(date, strlen(date), &e->as_of_y, &e->as_of_m, &e->as_of_d) ? CV_EUSAGE : 0;
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
        if (cv_grow((void **)&w->pend, &w->cappend, w->npend + 1, sizeof *w->pend) ||
            cv_buf_append(&w->pnorm, norm, nl)) {
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
static void settle(cvi_worker *w, int keep)
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
    settle(w, !hit);
    return hit;
}

cvi_worker *cvi_worker_create(const cvi_engine *e)
{
    cvi_worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->e = e;
    w->opts = e->pol->dopts;
    w->ws = cv_detect_ws_create(e->det);
    w->tcache = malloc(TCACHE_SLOTS * sizeof *w->tcache);
    w->wsb = cv_wordset_builder_create();
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
    cv_detect_ws_free(w->ws);
    pcre2_match_data_free(w->allow_md);
    free(w->scan_fr);
    cv_span_list_free(&w->spans);
    cv_span_list_free(&w->names_found);
    cv_buf_free(&w->tmp);
    free(w->names);
    free(w->scan);
    cv_wordset_builder_free(w->wsb);
    cv_wordset_free(w->nameset);
    free(w->word_name);
    cvi_vset_free(&w->vs);
    cv_buf_free(&w->tmp2);
    free(w->ren);
    cvi_strmap_free(&w->taken);
    cvi_strmap_free(&w->next_k);
    free(w->clean);
    free(w->pend);
    if (w->pnorm.p) sodium_memzero(w->pnorm.p, w->pnorm.cap);
    cv_buf_free(&w->pnorm);
    if (w->tcache) sodium_memzero(w->tcache, TCACHE_SLOTS * sizeof *w->tcache);
    free(w->tcache);
    free(w);
}

/* ---- value transforms --------------------------------------------------- */

int cvi_eng_set_value(cv_record *r, cv_node *nd, const char *p, size_t n)
{
    cv_str s = cv_record_strdup(r, p, n);
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

static const char *action_domain(const cv_action *a)
{
    if (a->domain) return a->domain;
    const char *n = a->entity >= 0 && a->entity < CV_ENT__COUNT ? cv_entity_name(a->entity) : NULL;
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

static void make_token(cvi_worker *w, int entity, const char *domain, const char *norm, size_t nl,
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
            return cvi_custom_normalise(&p->custom[k], v, n, norm, nl) ? 1 : cv_normalise_generic(v, n, norm, nl) ? -1 : 0;
    return cv_normalise_generic(v, n, norm, nl) ? -1 : 0;
}

static int token_into(cvi_worker *w, int entity, const char *domain, const char *v, size_t n, unsigned flags,
                      cv_buf *out, name_ent *keep)
{
    char norm[CV_NORM_MAX + 1];
    size_t nl = 0;
    int ok = entity >= CV_ENT__COUNT ? custom_normalise(w->e->pol, entity, v, n, norm, &nl)
           : entity >= 0               ? cv_normalise(entity, &w->opts, v, n, norm, &nl)
                                       : cv_normalise_generic(v, n, norm, &nl);
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
    make_token(w, entity, domain, norm, nl, tok);
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
            if (quoted) rc |= cv_buf_putc(out, '"');
            rc |= token_person(w, a, name, nn, out);
            if (quoted) rc |= cv_buf_putc(out, '"');
            rc |= cv_buf_putc(out, ' ');
        } else if (quoted) {
            rc |= cv_buf_puts(out, "\"\" ");
        }
        rc |= cv_buf_putc(out, '<');
        if (numn) rc |= token_into(w, CV_ENT_PHONE, "phone", num, numn, pf, out, NULL);
        rc |= cv_buf_putc(out, '>');
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

static int subject_shift(cvi_worker *w, const cv_input_rule *rule, const cv_record *r, const cv_action *a,
                         int *days);

/* Apply a non-scan action to a scalar node. */
static int apply_scalar(cvi_worker *w, const cv_action *a, cv_record *r, int32_t idx, cvi_counts *c)
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
        int ok = ent >= 0 && cv_normalise(ent, &w->opts, v, n, norm, &nl) == 1;
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
        else rc = token_into(w, a->entity, action_domain(a), v, n, cvi_eng_render_flags(a), t, NULL);
        c->tokenised++;
        break;
    case CV_ACT_REDACT:
        rc = a->domain || a->entity >= 0 ? cv_buf_printf(t, "[%s]", action_domain(a)) : cv_buf_puts(t, "[redacted]");
        break;
    case CV_ACT_MASK:
        rc = cvi_eng_mask_value(a->entity, v, n, t);
        break;
    case CV_ACT_GENERALISE:
        if (a->shift_days) {
            int days = 0;
            cv_buf *t2 = &w->tmp2;
            cv_buf_clear(t2);
            if (subject_shift(w, w->rule, r, a, &days) != 0) {
                rc = CV_EINPUT;     /* no subject: the time cannot be shifted, keep nothing */
            } else if ((rc = cv_shift_time(v, n, days, a->gen ? t2 : t)) == 0) {
                c->dates_shifted++;
                if (a->gen) rc = cv_generalise_time(t2->p, t2->n, (cv_gen_unit)a->gen, t);
            }
        } else {
            rc = a->gen == CV_GEN_BANDS
                     ? cv_generalise_duration_as(v, n, a->bands, a->nbands,
                                                 a->opts & CV_AOPT_BANDS_LOWER ? CV_BANDS_LOWER_BOUND : CV_BANDS_RANGE, t)
                     : cv_generalise_time(v, n, (cv_gen_unit)a->gen, t);
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

/* ---- the record --------------------------------------------------------- */

/* ---- retention, date shifting, country-code columns --------------------- */

static int32_t find_scalar(const cv_record *r, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < r->n; i++) {
        const cv_node *nd = &r->nodes[i];
        if (nd->kind >= CV_NODE_STRING && nd->path.n == n && memcmp(nd->path.p, path, n) == 0) return (int32_t)i;
    }
    return -1;
}

/* Remove a field's value: JSON members go, CSV columns stay (empty) so the
 * row keeps its shape. */
static void expire_node(cv_record *r, cv_node *nd)
{
    nd->value.n = 0;
    nd->kind = CV_NODE_STRING;
    nd->flags |= CV_NF_CHANGED;
    if (nd->col < 0) nd->flags |= CV_NF_DROP;
    (void)r;
}

static int retention(cvi_worker *w, const cv_retention *ret, cv_record *r, cvi_counts *c, const char **reason)
{
    const cvi_engine *e = w->e;
    if (!e->as_of_y) return 0;
    int32_t i = find_scalar(r, ret->field);
    int64_t t;
    if (i < 0 || r->nodes[i].value.n == 0) {
        *reason = "retention: the record has no timestamp";
        return CV_EINPUT;
    }
    if (cv_time_parse(r->nodes[i].value.p, r->nodes[i].value.n, &t) != 0) {
        *reason = "retention: the record's timestamp cannot be read";
        return CV_EINPUT;
    }
    if (ret->max_age.n &&
        t < cv_age_cutoff(e->as_of_y, e->as_of_m, e->as_of_d, ret->max_age.n, (char)ret->max_age.unit)) {
        c->expired++;
        return CVI_APPLY_DROPPED;
    }
    for (size_t k = 0; k < ret->nclasses; k++) {
        const cv_field_class *fc = &ret->classes[k];
        if (t >= cv_age_cutoff(e->as_of_y, e->as_of_m, e->as_of_d, fc->max_age.n, (char)fc->max_age.unit)) continue;
        for (size_t p = 0; p < fc->npaths; p++) {
            size_t pn = strlen(fc->paths[p]);
            for (size_t j = 0; j < r->n; j++) {
                cv_node *nd = &r->nodes[j];
                if (nd->kind < CV_NODE_STRING || nd->path.n != pn || memcmp(nd->path.p, fc->paths[p], pn) != 0 ||
                    (nd->flags & CV_NF_DROP))
                    continue;
                if (nd->value.n) c->fields_expired++;
                expire_node(r, nd);
            }
        }
    }
    return 0;
}

/* The subject's date offset: a keyed function of the subject's token,
 * uniform over [-N, -1] ∪ [1, N] days (never 0). 0 ok, -1 no subject. */
static int subject_shift(cvi_worker *w, const cv_input_rule *rule, const cv_record *r, const cv_action *a, int *days)
{
    int32_t i = find_scalar(r, a->subject);
    if (i < 0 || r->nodes[i].value.n == 0) return -1;
    const cv_node *nd = &r->nodes[i];
    for (size_t k = 0; k < w->nshift; k++)
        if (w->shift[k].node == i && w->shift[k].span == a->shift_days) {
            *days = w->shift[k].days;
            return 0;
        }
    if (nd->flags & CV_NF_CHANGED) return -1;     /* no longer the value as written: fail closed */
    /* the subject's token as the policy writes it (its field's token type, or generic) */
    const cv_field_rule *fr = cvi_eng_lookup(w->e, rule, nd->path);
    const cv_action *sa = fr ? &fr->act : &rule->def;
    int entity = sa->kind == CV_ACT_TOKEN && !(sa->opts & CV_AOPT_CLID) ? sa->entity : -1;
    const char *domain = sa->kind == CV_ACT_TOKEN && !(sa->opts & CV_AOPT_CLID) ? action_domain(sa) : "subject";
    char norm[CV_NORM_MAX + 1], tok[CV_TOKEN_CHARS + 1];
    size_t nl = 0;
    int ok = entity >= 0 ? cv_normalise(entity, &w->opts, nd->value.p, nd->value.n, norm, &nl)
                         : cv_normalise_generic(nd->value.p, nd->value.n, norm, &nl);
    if (ok < 0) return -1;
    w->no_vault++;
    make_token(w, entity, domain, norm, nl, tok);
    w->no_vault--;
    unsigned char h[8];
    crypto_generichash_state st;
    crypto_generichash_init(&st, w->e->kt.k, 32, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)"callveil/v1/shift", 18);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    crypto_generichash_update(&st, (const unsigned char *)tok, CV_TOKEN_CHARS);
    crypto_generichash_final(&st, h, sizeof h);
    uint64_t x = 0;
    for (int b = 0; b < 8; b++) x = x << 8 | h[b];
    uint64_t span = 2ull * a->shift_days;
    int64_t off = (int64_t)(x % span);           /* bias < 2^-50: negligible */
    *days = off < (int64_t)a->shift_days ? (int)(off - (int64_t)a->shift_days) : (int)(off - a->shift_days + 1);
    if (w->nshift < sizeof w->shift / sizeof *w->shift) {
        w->shift[w->nshift].node = i;
        w->shift[w->nshift].span = a->shift_days;
        w->shift[w->nshift++].days = *days;
    }
    return 0;
}

/* "+44" or, with area_code, "+44 20" / "+1 212": from a phone value. */
static int country_code(const cvi_worker *w, const cv_action *a, const char *v, size_t n, cv_buf *out)
{
    char e164[32];
    size_t el = 0;
    if (cv_phone_e164(&w->opts, v, n, e164, sizeof e164, &el) != 1) return 0;
    int cc = cv_phone_cc_len(e164, el);
    if (cc <= 0) return 0;
    int rc = cv_buf_append(out, e164, (size_t)cc + 1);
    if (!(a->opts & CV_AOPT_AREA_CODE)) return rc;
    const char *nat = e164 + 1 + cc;
    size_t nn = el - 1 - (size_t)cc, ac = 0;
    if (cc == 1 && e164[1] == '1' && nn == 10) {
        ac = 3;                                   /* NANP: NPA */
    } else if (cc == 2 && memcmp(e164 + 1, "44", 2) == 0 && nn >= 9) {
        if (nat[0] == '2') ac = 2;                /* 20 London, 23 Southampton, 29 Cardiff ... */
        else if (nat[0] == '7' || nat[0] == '3' || nat[0] == '8') ac = 1;   /* mobile / non-geographic: the range only */
        else if (nat[0] == '1' && (nat[1] == '1' || nat[2] == '1')) ac = 3;  /* 11x, 1x1 */
        else if (nat[0] == '1') ac = 4;
    }
    if (ac) rc |= cv_buf_putc(out, ' ') | cv_buf_append(out, nat, ac);
    return rc;
}

/* Insert a string member/column after node `after` (a scalar). JSON: a
 * sibling member; CSV: the value after that column (header: see runner). */
static int insert_after(cv_record *r, int32_t after, const char *key, const char *val, size_t vn)
{
    cv_node src = r->nodes[after];
    cv_str k = cv_record_strdup(r, key, strlen(key)), v = cv_record_strdup(r, val, vn);
    if (!k.p || (vn && !v.p)) return CV_ENOMEM;
    /* path: the sibling's path with its last component replaced */
    size_t pl = src.path.n, kl = src.key.n;
    cv_str path = k;
    if (src.col < 0 && pl >= kl && kl) {
        char *pp = cv_record_alloc(r, pl - kl + k.n);
        if (!pp) return CV_ENOMEM;
        memcpy(pp, src.path.p, pl - kl);
        memcpy(pp + pl - kl, k.p, k.n);
        path.p = pp;
        path.n = pl - kl + k.n;
    }
    if (cv_record_push(r, CV_NODE_STRING, src.depth, k, path, v) < 0) return CV_ENOMEM;
    cv_node added = r->nodes[r->n - 1];
    added.col = src.col < 0 ? -1 : INT32_MAX;    /* CSV: an added column */
    added.end = -1;
    added.flags = CV_NF_CHANGED;
    memmove(&r->nodes[after + 2], &r->nodes[after + 1], (r->n - 1 - (size_t)after - 1) * sizeof *r->nodes);
    r->nodes[after + 1] = added;
    for (size_t i = 0; i < r->n; i++)
        if (r->nodes[i].end > after) r->nodes[i].end++;
    return 0;
}

/* The record's regions: its rule's (else the policy's), with the country
 * named by its region_field first when that is one libphonenumber knows
 * ("ie", "IE"); a missing or unknown value leaves the list as it is (every
 * listed country is still read). Read before pass 1 changes any value. */
static void record_regions(cvi_worker *w, const cv_input_rule *rule, const cv_record *r)
{
    w->opts = rule->has_region ? rule->dopts : w->e->pol->dopts;
    w->opts.trunks = w->e->pol->dopts.trunks;   /* policy-wide, whatever the rule's regions */
    w->opts.ntrunks = w->e->pol->dopts.ntrunks;
    if (!rule->region_field) return;
    int32_t i = find_scalar(r, rule->region_field);
    if (i < 0 || r->nodes[i].value.n != 2) return;
    const char *v = r->nodes[i].value.p;
    char c[3] = { (char)(v[0] & ~0x20), (char)(v[1] & ~0x20), 0 };
    if (c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || !cvi_pn_region_ok(c)) return;
    cv_detect_opts o = w->opts;
    cv_detect_opts n;
    memset(&n, 0, sizeof n);
    memcpy(n.region, c, 3);
    int nr = o.region[0] ? 1 + o.nmore : 0;
    for (int k = 0; k < nr && n.nmore < CV_REGIONS_MAX - 1; k++) {
        const char *x = k == 0 ? o.region : o.more[k - 1];
        if (memcmp(x, c, 3) != 0) memcpy(n.more[n.nmore++], x, 3);
    }
    w->opts = n;
}
static int apply_record(cvi_worker *w, const cv_input_rule *rule, cv_record *r, cvi_counts *c, const char **reason);

int cvi_engine_apply(cvi_worker *w, const cv_input_rule *rule, cv_record *r, cvi_counts *c, const char **reason)
{
    if (!w->e->reg) return apply_record(w, rule, r, c, reason);
    w->erased_hit = 0;
    int rc = apply_record(w, rule, r, c, reason);
    /* a record that carries an erased subject's token is not written; a
     * rejected one is not either: neither keeps its vault entries */
    if (rc == 0 && w->erased_hit) {
        c->erased++;
        rc = CVI_APPLY_DROPPED;
    }
    settle(w, rc == 0);
    return rc;
}

static int apply_record(cvi_worker *w, const cv_input_rule *rule, cv_record *r, cvi_counts *c, const char **reason)
{
    const cvi_engine *e = w->e;
    int sp = 0, rc;
    w->nnames = 0;
    w->names_gen++;
    w->nscan = 0;
    w->nshift = 0;
    w->nadd = 0;
    w->why = NULL;
    w->rule = rule;
    record_regions(w, rule, r);
    const cv_retention *ret = rule->ret.field ? &rule->ret : e->pol->ret.field ? &e->pol->ret : NULL;
    if (ret && (rc = retention(w, ret, r, c, reason))) return rc;
    /* date offsets first, from the subjects' values as written: pass 1 may
     * replace a subject (by its token) before a timestamp that needs it */
    for (size_t k = 0; k <= rule->nfields; k++) {
        const cv_action *a = k < rule->nfields ? &rule->fields[k].act : &rule->def;
        int days;
        if (a->shift_days && a->subject) (void)subject_shift(w, rule, r, a, &days);
    }
    for (int32_t i = 0; i < (int32_t)r->n; i++) {
        cv_node *nd = &r->nodes[i];
        switch (nd->kind) {
        case CV_NODE_OBJ_BEGIN:
        case CV_NODE_ARR_BEGIN: {
            const cv_field_rule *fr = cvi_eng_lookup(e, rule, nd->path);
            const cv_action *a = fr ? &fr->act : (sp ? w->stack[sp - 1].inh : NULL);
            if (a && a->kind == CV_ACT_DROP) {
                nd->flags |= CV_NF_DROP;
                c->fields_dropped++;
                if (nd->end > i) i = nd->end;
                break;
            }
            /* keep is a promise about one scalar; an object or array placed
             * at a kept path is not vetted, so its members get the default
             * rule (scanned, or dropped) instead (issue 8, item 15) */
            if (a && a->kind == CV_ACT_KEEP) a = NULL;
            if (sp == MAX_DEPTH) return CV_EINPUT;
            frame *f = &w->stack[sp++];
            f->begin = i;
            f->inh = a;
            f->live = 0;
            f->named = fr != NULL;
            break;
        }
        case CV_NODE_OBJ_END:
        case CV_NODE_ARR_END: {
            if (sp == 0) return CV_EINTERNAL;
            frame *f = &w->stack[--sp];
            if (!f->live && !f->named) {
                r->nodes[f->begin].flags |= CV_NF_DROP;
                nd->flags |= CV_NF_DROP;
            } else if (sp) {
                w->stack[sp - 1].live = 1;
            }
            break;
        }
        default: {
            if (nd->flags & CV_NF_DROP) break;     /* expired by retention */
            const cv_field_rule *fr = cvi_eng_lookup(e, rule, nd->path);
            const cv_action *a = fr ? &fr->act : (sp && w->stack[sp - 1].inh ? w->stack[sp - 1].inh : &rule->def);
            w->cur_fr = fr;
            w->xrec = r;
            if ((rc = apply_scalar(w, a, r, i, c))) {
                if (rc == CV_EINPUT && w->why && reason) *reason = w->why;
                return rc;
            }
            if (!(nd->flags & CV_NF_DROP) && sp) w->stack[sp - 1].live = 1;
        }
        }
    }
    w->nwords = 0;
    if (w->nnames && (rc = cvi_eng_build_name_words(w))) return rc;
    size_t learned_at = 0;
    for (size_t k = 0; k < w->nscan; k++) {
        w->cur_fr = w->scan_fr[k];
        if ((rc = cvi_eng_scan_node(w, r, w->scan[k], c))) return rc;
        if (w->learned) learned_at = k;
    }
    /* names the detector found in a later value recur in the earlier ones */
    for (size_t k = 0; k < learned_at; k++) {
        w->cur_fr = w->scan_fr[k];
        if ((rc = cvi_eng_rescan_names(w, r, w->scan[k], c))) return rc;
    }
    /* added columns last (indexes shift): in reverse order of their anchors */
    for (size_t k = w->nadd; k-- > 0;) {
        cv_buf *t = &w->tmp;
        cv_buf_clear(t);
        const cv_action *a = w->add[k].a;
        /* the anchor's value was replaced by its token: the code comes from the original, kept aside */
        if (country_code(w, a, w->add[k].orig.p, w->add[k].orig.n, t)) return CV_ENOMEM;
        if ((rc = insert_after(r, w->add[k].node, a->cc_column, t->p, t->n))) return rc;
    }
    /* names last: insert_after derives paths from the keys as read */
    return cvi_eng_scan_member_names(w, r, c);
}

int cvi_engine_column_kept(const cvi_engine *e, const cv_input_rule *rule, cv_str name, const char **added)
{
    const cv_field_rule *fr = cvi_eng_lookup(e, rule, name);
    const cv_action *a = fr ? &fr->act : &rule->def;
    if (added) *added = a->kind == CV_ACT_TOKEN ? a->cc_column : NULL;
    return a->kind != CV_ACT_DROP;
}

int cvi_engine_sanitise_name(cvi_worker *w, const char *name, size_t len, cv_buf *out)
{
    if (cv_utf8_valid_prefix(name, len) != len) {
        /* not text: keep nothing of it */
        return cv_buf_puts(out, "invalid-name");
    }
    /* Detect on a copy where '_', and '-' between a letter and a number,
     * read as a space: in file names they separate words
     * ("call_+447700900123", "call-07700900123"); offsets stay the same. */
    cv_buf *t = &w->tmp;
    cv_buf_clear(t);
    if (cv_buf_append(t, name, len)) return CV_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t->p[i];
        int letter_before = i > 0 && (((unsigned char)name[i - 1] | 0x20) >= 'a' && ((unsigned char)name[i - 1] | 0x20) <= 'z');
        int number_after = i + 1 < len && ((name[i + 1] >= '0' && name[i + 1] <= '9') || name[i + 1] == '+');
        if (c == '_' || (c == '-' && letter_before && number_after)) t->p[i] = ' ';
    }
    int rc = cv_detect_with(w->e->det, w->ws, &w->e->pol->dopts, t->p, len, &w->spans);
    if (rc) return rc;
    size_t at = 0;
    for (size_t i = 0; i < w->spans.n; i++) {
        const cv_span *s = &w->spans.v[i];
        const char *en = cvi_policy_entity_name(w->e->pol, s->entity);
        rc |= cv_buf_append(out, name + at, s->start - at);
        if (w->e->pol->entities[s->entity].kind == CV_ACT_KEEP) {
            rc |= cv_buf_append(out, name + s->start, s->end - s->start);
        } else {
            char tok[CV_TOKEN_CHARS + 1];
            cvi_eng_entity_token(w, s->entity, s->norm, s->norm_len, tok);
            rc |= cv_buf_printf(out, "%s-%s", en, tok);
        }
        at = s->end;
    }
    rc |= cv_buf_append(out, name + at, len - at);
    return rc ? CV_ENOMEM : 0;
}

static int engine_token(cvi_worker *w, const char *type, const char *value, size_t len, cv_buf *out);

int cvi_engine_token(cvi_worker *w, const char *type, const char *value, size_t len, cv_buf *out)
{
    w->no_vault = 1;
    w->opts = w->e->pol->dopts;
    int rc = engine_token(w, type, value, len, out);
    w->no_vault = 0;
    return rc;
}

static int engine_token(cvi_worker *w, const char *type, const char *value, size_t len, cv_buf *out)
{
    const cv_policy *p = w->e->pol;
    int entity = cv_entity_from_name(type, strlen(type));
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
    if (cv_entity_from_name(type, strlen(type)) < 0 && strcmp(type, "clid") != 0) {
        /* custom domains: same rule as the policy's {token: TYPE} */
        size_t n = strlen(type);
        int ok = n >= 1 && n <= 32 && type[0] >= 'a' && type[0] <= 'z';
        for (size_t i = 0; ok && i < n; i++)
            ok = (type[i] >= 'a' && type[i] <= 'z') || (type[i] >= '0' && type[i] <= '9') || type[i] == '_';
        if (!ok) return cvi_error(ctx, CV_EUSAGE, "unknown token type '%.32s'", type);
    }
    if (cv_utf8_valid_prefix(value, len) != len) return cvi_error(ctx, CV_EINPUT, "the value is not valid UTF-8");
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
    cv_buf_free(&b);
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
    cv_buf_free(&b);
    cvi_worker_free(w);
    cvi_engine_free(e);
    return rc;
}
