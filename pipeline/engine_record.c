/*
 * engine_record.c - one record through the policy (DESIGN §5): its rule's
 * regions, retention (drop or expire by age), the three passes of
 * cvi_engine_apply (actions on scalars, free text, member names), date
 * shifting by subject, country-code columns; and header and file names.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../formats/formats.h"
#include "common/ctx.h"
#include "engine_impl.h"
#include "../filters/phonenumber.h"

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
    if (cvi_time_parse(r->nodes[i].value.p, r->nodes[i].value.n, &t) != 0) {
        *reason = "retention: the record's timestamp cannot be read";
        return CV_EINPUT;
    }
    if (ret->max_age.n &&
        t < cvi_age_cutoff(e->as_of_y, e->as_of_m, e->as_of_d, ret->max_age.n, (char)ret->max_age.unit)) {
        c->expired++;
        return CVI_APPLY_DROPPED;
    }
    for (size_t k = 0; k < ret->nclasses; k++) {
        const cv_field_class *fc = &ret->classes[k];
        if (t >= cvi_age_cutoff(e->as_of_y, e->as_of_m, e->as_of_d, fc->max_age.n, (char)fc->max_age.unit)) continue;
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
int cvi_eng_subject_shift(cvi_worker *w, const cv_input_rule *rule, const cv_record *r, const cv_action *a, int *days)
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
    const char *domain = sa->kind == CV_ACT_TOKEN && !(sa->opts & CV_AOPT_CLID) ? cvi_eng_action_domain(sa) : "subject";
    char norm[CV_NORM_MAX + 1], tok[CV_TOKEN_CHARS + 1];
    size_t nl = 0;
    int ok = entity >= 0 ? cvi_normalise(entity, &w->opts, nd->value.p, nd->value.n, norm, &nl)
                         : cvi_normalise_generic(nd->value.p, nd->value.n, norm, &nl);
    if (ok < 0) return -1;
    w->no_vault++;
    cvi_eng_make_token(w, entity, domain, norm, nl, tok);
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
    if (cvi_phone_e164(&w->opts, v, n, e164, sizeof e164, &el) != 1) return 0;
    int cc = cvi_phone_cc_len(e164, el);
    if (cc <= 0) return 0;
    int rc = cvi_buf_append(out, e164, (size_t)cc + 1);
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
    if (ac) rc |= cvi_buf_putc(out, ' ') | cvi_buf_append(out, nat, ac);
    return rc;
}

/* Insert a string member/column after node `after` (a scalar). JSON: a
 * sibling member; CSV: the value after that column (header: see runner). */
static int insert_after(cv_record *r, int32_t after, const char *key, const char *val, size_t vn)
{
    cv_node src = r->nodes[after];
    cv_str k = cvi_record_strdup(r, key, strlen(key)), v = cvi_record_strdup(r, val, vn);
    if (!k.p || (vn && !v.p)) return CV_ENOMEM;
    /* path: the sibling's path with its last component replaced */
    size_t pl = src.path.n, kl = src.key.n;
    cv_str path = k;
    if (src.col < 0 && pl >= kl && kl) {
        char *pp = cvi_record_alloc(r, pl - kl + k.n);
        if (!pp) return CV_ENOMEM;
        memcpy(pp, src.path.p, pl - kl);
        memcpy(pp + pl - kl, k.p, k.n);
        path.p = pp;
        path.n = pl - kl + k.n;
    }
    if (cvi_record_push(r, CV_NODE_STRING, src.depth, k, path, v) < 0) return CV_ENOMEM;
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
static void record_regions_in(cvi_worker *w, const cv_input_rule *rule, const cv_record *r)
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

static void record_regions(cvi_worker *w, const cv_input_rule *rule, const cv_record *r)
{
    record_regions_in(w, rule, r);
    cvi_eng_set_opts(w, &w->opts);
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
    cvi_eng_settle(w, rc == 0);
    return rc;
}

/* Rules already looked up in this record, by the address of the path: the
 * readers share one path string among nodes of the same path (the members
 * of an array's objects), and a record's strings do not change while its
 * nodes are judged. Direct-mapped; a miss costs one lookup. */
#define LMEMO 16
typedef struct lmemo {
    const char *p;
    size_t n;
    const cv_field_rule *fr;
} lmemo;

static const cv_field_rule *lookup_memo(lmemo *m, const cvi_engine *e, const cv_input_rule *rule, cv_str path)
{
    lmemo *x = &m[((uintptr_t)path.p >> 3 ^ path.n) & (LMEMO - 1)];
    if (x->p == path.p && x->n == path.n && x->p) return x->fr;
    x->p = path.p;
    x->n = path.n;
    x->fr = cvi_eng_lookup(e, rule, path);
    return x->fr;
}


/* The queued text values, in record order. A name found in one may become
 * part of a name found in a later one ("then Connor sent the photos" ...
 * "my name is Sarah Connor"): the values are then read again from their
 * original text, that one name known, so that both get its token and the
 * counts and explanations are those of the second reading only. */
static int scan_values(cvi_worker *w, cv_record *r, cvi_counts *c, size_t *learned_at)
{
    int rc;
    w->nfield_names = w->nnames;
    w->absorbed = 0;
    int again = w->nscan > 1;
    cvi_counts c0;
    size_t x0 = w->xout ? w->xout->n : 0;
    if (again) {
        if (w->nscan > w->capscan_orig) {
            cv_str *nv = realloc(w->scan_orig, w->nscan * sizeof *nv);
            if (!nv) return CV_ENOMEM;
            w->scan_orig = nv;
            w->capscan_orig = w->nscan;
        }
        for (size_t k = 0; k < w->nscan; k++) w->scan_orig[k] = r->nodes[w->scan[k]].value;
        c0 = *c;
    }
    for (int pass = 0; pass < 2; pass++) {
        *learned_at = 0;
        for (size_t k = 0; k < w->nscan; k++) {
            w->cur_fr = w->scan_fr[k];
            if ((rc = cvi_eng_scan_node(w, r, w->scan[k], c))) return rc;
            if (w->learned) *learned_at = k;
        }
        if (!again || !w->absorbed || pass) return 0;
        /* the one-word names found that are words of a longer found name go */
        size_t m = w->nfield_names;
        for (size_t j = w->nfield_names; j < w->nnames; j++) {
            int part = 0;
            for (size_t i = w->nfield_names; i < w->nnames && !part; i++)
                part = i != j && cvi_eng_name_part_of(&w->names[j], &w->names[i]);
            if (!part) w->names[m++] = w->names[j];
        }
        w->nnames = m;
        for (size_t k = 0; k < w->nscan; k++) r->nodes[w->scan[k]].value = w->scan_orig[k];
        *c = c0;
        if (w->xout) w->xout->n = x0;
        w->names_gen++;
        w->nwords = 0;
        if (w->nnames && (rc = cvi_eng_build_name_words(w))) return rc;
    }
    return 0;
}

static int apply_record(cvi_worker *w, const cv_input_rule *rule, cv_record *r, cvi_counts *c, const char **reason)
{
    const cvi_engine *e = w->e;
    int sp = 0, rc;
    lmemo memo[LMEMO] = { { 0 } };
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
        if (a->shift_days && a->subject) (void)cvi_eng_subject_shift(w, rule, r, a, &days);
    }
    for (int32_t i = 0; i < (int32_t)r->n; i++) {
        cv_node *nd = &r->nodes[i];
        switch (nd->kind) {
        case CV_NODE_OBJ_BEGIN:
        case CV_NODE_ARR_BEGIN: {
            const cv_field_rule *fr = lookup_memo(memo, e, rule, nd->path);
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
            const cv_field_rule *fr = lookup_memo(memo, e, rule, nd->path);
            const cv_action *a = fr ? &fr->act : (sp && w->stack[sp - 1].inh ? w->stack[sp - 1].inh : &rule->def);
            w->cur_fr = fr;
            w->xrec = r;
            if ((rc = cvi_eng_apply_scalar(w, a, r, i, c))) {
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
    if ((rc = scan_values(w, r, c, &learned_at))) return rc;
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
    if (cvi_utf8_valid_prefix(name, len) != len) {
        /* not text: keep nothing of it */
        return cvi_buf_puts(out, "invalid-name");
    }
    /* Detect on a copy where '_', and '-' between a letter and a number,
     * read as a space: in file names they separate words
     * ("call_+447700900123", "call-07700900123"); offsets stay the same. */
    cv_buf *t = &w->tmp;
    cv_buf_clear(t);
    if (cvi_buf_append(t, name, len)) return CV_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t->p[i];
        int letter_before = i > 0 && (((unsigned char)name[i - 1] | 0x20) >= 'a' && ((unsigned char)name[i - 1] | 0x20) <= 'z');
        int number_after = i + 1 < len && ((name[i + 1] >= '0' && name[i + 1] <= '9') || name[i + 1] == '+');
        if (c == '_' || (c == '-' && letter_before && number_after)) t->p[i] = ' ';
    }
    int rc = cvi_detect_with(w->e->det, w->ws, &w->e->pol->dopts, t->p, len, &w->spans);
    if (rc) return rc;
    size_t at = 0;
    for (size_t i = 0; i < w->spans.n; i++) {
        const cv_span *s = &w->spans.v[i];
        const char *en = cvi_policy_entity_name(w->e->pol, s->entity);
        rc |= cvi_buf_append(out, name + at, s->start - at);
        if (w->e->pol->entities[s->entity].kind == CV_ACT_KEEP) {
            rc |= cvi_buf_append(out, name + s->start, s->end - s->start);
        } else {
            char tok[CV_TOKEN_CHARS + 1];
            cvi_eng_entity_token(w, s->entity, s->norm, s->norm_len, tok);
            rc |= cvi_buf_printf(out, "%s-%s", en, tok);
        }
        at = s->end;
    }
    rc |= cvi_buf_append(out, name + at, len - at);
    return rc ? CV_ENOMEM : 0;
}
