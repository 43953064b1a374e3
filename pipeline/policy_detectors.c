/*
 * policy_detectors.c - what the policy adds to detection: custom detectors
 * and the entities they declare (`detectors:`), token domains (`domains:`),
 * values never replaced (`allow:`), carriers' trunks (`trunks:`), and the
 * lookups of these names the other sections use.
 */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common/files.h"
#include "policy_yaml.h"

/* ---- types: entity names, clid, custom domains ------------------------- */

int cvi_custom_type_ok(const char *v, size_t n)
{
    if (n < 1 || n > 32 || v[0] < 'a' || v[0] > 'z') return 0;
    for (size_t i = 1; i < n; i++) {
        char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

/* ---- detectors, domains, allow (what the policy adds to detection) ------ */

const char *cvi_policy_entity_name(const cv_policy *p, int e)
{
    if (e >= 0 && e < CV_ENT__COUNT) return cvi_entity_name(e);
    if (p && e >= CV_ENT__COUNT && (size_t)(e - CV_ENT__COUNT) < p->ncustom_entity)
        return p->custom_entity[e - CV_ENT__COUNT];
    return NULL;
}

int cvi_policy_entities(const cv_policy *p) { return CV_ENT__COUNT + (p ? (int)p->ncustom_entity : 0); }

/* A built-in or custom entity by name, or -1. */
int cvi_entity_id(const cvi_loader *L, const char *v, size_t n)
{
    int e = cvi_entity_from_name(v, n);
    if (e >= 0) return e;
    for (size_t k = 0; k < L->p->ncustom_entity; k++)
        if (strlen(L->p->custom_entity[k]) == n && memcmp(L->p->custom_entity[k], v, n) == 0)
            return CV_ENT__COUNT + (int)k;
    return -1;
}

int cvi_domain_declared(const cvi_loader *L, const char *v, size_t n)
{
    for (size_t k = 0; k < L->p->ndomains; k++)
        if (strlen(L->p->domains[k]) == n && memcmp(L->p->domains[k], v, n) == 0) return 1;
    return 0;
}

/* Edit distance of a[0..an) and b, capped at 3 (enough to name a typo). */
static size_t distance(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an > 40 || bn > 40) return 99;
    size_t row[41];
    for (size_t j = 0; j <= bn; j++) row[j] = j;
    for (size_t i = 1; i <= an; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= bn; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[bn];
}

/* The known type (entity, custom entity, declared domain, clid) nearest to
 * v within an edit distance of 2, or NULL. */
const char *cvi_nearest_name(const cvi_loader *L, const char *v, size_t n)
{
    const char *best = NULL;
    size_t bd = 3;
    for (int e = 0; e < CV_ENT__COUNT; e++) {
        size_t d = distance(v, n, cvi_entity_name(e));
        if (d < bd) { bd = d; best = cvi_entity_name(e); }
    }
    for (size_t k = 0; k < L->p->ncustom_entity; k++) {
        size_t d = distance(v, n, L->p->custom_entity[k]);
        if (d < bd) { bd = d; best = L->p->custom_entity[k]; }
    }
    for (size_t k = 0; k < L->p->ndomains; k++) {
        size_t d = distance(v, n, L->p->domains[k]);
        if (d < bd) { bd = d; best = L->p->domains[k]; }
    }
    if (distance(v, n, "clid") < bd) best = "clid";
    return best;
}

void cvi_load_domains(cvi_loader *L, const yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        cvi_problem(L, cvi_line_of(v), "'domains' must be a list of token domain names");
        return;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    L->p->domains = calloc(n ? n : 1, sizeof *L->p->domains);
    if (!L->p->domains) { L->oom = 1; return; }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        const yaml_node_t *d = cvi_node_at(L, *it);
        if (!cvi_is_scalar(d) || !cvi_custom_type_ok(cvi_sval(d), cvi_slen(d)) || cvi_entity_from_name(cvi_sval(d), cvi_slen(d)) >= 0) {
            cvi_shown sh = cvi_show(d);
            cvi_problem(L, cvi_line_of(d), "invalid domain '%s' (expected [a-z][a-z0-9_]{0,31}, not an entity name)", sh.s);
            continue;
        }
        if (cvi_domain_declared(L, cvi_sval(d), cvi_slen(d))) {
            cvi_shown sh = cvi_show(d);
            cvi_problem(L, cvi_line_of(d), "domain '%s' listed twice", sh.s);
            continue;
        }
        char *z = cvi_dup_n(L, cvi_sval(d), cvi_slen(d));
        if (z) L->p->domains[L->p->ndomains++] = z;
    }
}

/* A word list from a sequence of scalars or a file (one entry per line). */
static cv_wordset *load_words(cvi_loader *L, const yaml_node_t *list, const yaml_node_t *file, const char *what)
{
    cv_wordset_builder *b = cvi_wordset_builder_create();
    cv_wordset *set = NULL;
    cv_buf text = { 0 };
    if (!b) { L->oom = 1; return NULL; }
    int bad = 0;
    if (list) {
        if (list->type != YAML_SEQUENCE_NODE) {
            cvi_problem(L, cvi_line_of(list), "'%s' must be a list of words or phrases", what);
            bad = 1;
        } else {
            for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
                const yaml_node_t *w = cvi_node_at(L, *it);
                int rc = cvi_is_scalar(w) && cvi_clean_text(w) ? cvi_wordset_builder_add(b, cvi_sval(w), cvi_slen(w), 0) : CV_EINPUT;
                if (rc == CV_ENOMEM) { L->oom = 1; bad = 1; break; }
                if (rc < 0) {
                    cvi_problem(L, cvi_line_of(w), "'%s' entries must be non-empty words or phrases", what);
                    bad = 1;
                }
            }
        }
    } else {
        char *path = cvi_path_text_ok(file) ? cvi_rel_path(L, cvi_sval(file), cvi_slen(file)) : NULL;
        if (!path) {
            cvi_problem(L, cvi_line_of(file), "'%s_file' must be a file path", what);
            bad = 1;
        } else if (cvi_read_file(path, &text, (size_t)64 << 20) != 0) {
            cvi_problem(L, cvi_line_of(file), "'%s_file': cannot read the file (or it is over 64 MiB)", what);
            bad = 1;
        } else {
            const char *q = text.p, *end = text.p + text.n;
            int lineno = 0;
            while (q < end && !bad) {
                const char *nl = memchr(q, '\n', (size_t)(end - q));
                size_t ln = nl ? (size_t)(nl - q) : (size_t)(end - q);
                lineno++;
                if (ln && q[ln - 1] == '\r') ln--;
                if (cvi_utf8_valid_prefix(q, ln) != ln) {
                    cvi_problem(L, cvi_line_of(file), "'%s_file': line %d is not UTF-8", what, lineno);
                    bad = 1;
                } else if (ln && q[0] != '#') {
                    int rc = cvi_wordset_builder_add(b, q, ln, 0);
                    if (rc == CV_ENOMEM) { L->oom = 1; bad = 1; }
                }
                q += (nl ? ln + 1 + (q[ln] == '\r') : ln);
                if (!nl) break;
            }
        }
        free(path);
    }
    if (!bad && cvi_wordset_builder_count(b) == 0) {
        cvi_problem(L, cvi_line_of(list ? list : file), "'%s' holds no words", what);
        bad = 1;
    }
    if (!bad && cvi_wordset_build(b, &set) != 0) { L->oom = 1; set = NULL; }
    cvi_wordset_builder_free(b);
    cvi_buf_free(&text);
    if (set) L->p->wordsets[L->p->nwordsets++] = set;
    return set;
}

enum { DK_NAME, DK_ENTITY, DK_REGEX, DK_WORDS, DK_WORDS_FILE, DK_CONTEXT, DK_CONTEXT_WINDOW, DK_VALIDATE,
       DK_NORMALISE, DK__COUNT };

static void load_detector(cvi_loader *L, const yaml_node_t *m)
{
    static const char *const keys[DK__COUNT] = { "name", "entity", "regex", "words", "words_file", "context",
                                                 "context_window", "validate", "normalise" };
    cv_policy *p = L->p;
    if (!m || m->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(m), "a detector must be a mapping with name, entity and regex, words or words_file");
        return;
    }
    if (p->ncustom == CV_CUSTOM_MAX) {
        cvi_problem(L, cvi_line_of(m), "more than %d detectors", CV_CUSTOM_MAX);
        return;
    }
    const yaml_node_t *v[DK__COUNT] = { 0 };
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        int id = cvi_sub_key(L, cvi_node_at(L, pr->key), keys, DK__COUNT, &seen, "detector");
        if (id >= 0) v[id] = cvi_node_at(L, pr->value);
    }
    int nsrc = !!v[DK_REGEX] + !!v[DK_WORDS] + !!v[DK_WORDS_FILE];
    int line = cvi_line_of(m);
    if (!v[DK_NAME] || !cvi_is_scalar(v[DK_NAME]) || !cvi_custom_type_ok(cvi_sval(v[DK_NAME]), cvi_slen(v[DK_NAME]))) {
        cvi_problem(L, line, "a detector needs a 'name' matching [a-z][a-z0-9_]{0,31}");
        return;
    }
    for (size_t k = 0; k < p->ncustom; k++)
        if (strlen(p->custom[k].name) == cvi_slen(v[DK_NAME]) && !memcmp(p->custom[k].name, cvi_sval(v[DK_NAME]), cvi_slen(v[DK_NAME]))) {
            cvi_problem(L, cvi_line_of(v[DK_NAME]), "detector name '%s' used twice", p->custom[k].name);
            return;
        }
    if (nsrc != 1) {
        cvi_problem(L, line, "a detector needs exactly one of 'regex', 'words' or 'words_file'");
        return;
    }
    if (!v[DK_ENTITY] || !cvi_is_scalar(v[DK_ENTITY]) || !cvi_custom_type_ok(cvi_sval(v[DK_ENTITY]), cvi_slen(v[DK_ENTITY]))) {
        cvi_problem(L, line, "a detector needs an 'entity': a built-in one or a new name matching [a-z][a-z0-9_]{0,31}");
        return;
    }
    cv_custom_detector d;
    memset(&d, 0, sizeof d);
    int e = cvi_entity_id(L, cvi_sval(v[DK_ENTITY]), cvi_slen(v[DK_ENTITY]));
    if (e < 0) {
        if (cvi_domain_declared(L, cvi_sval(v[DK_ENTITY]), cvi_slen(v[DK_ENTITY]))) {
            cvi_problem(L, cvi_line_of(v[DK_ENTITY]), "'%.*s' is a domain; a detector's entity is declared by the detector",
                    (int)cvi_slen(v[DK_ENTITY]), cvi_sval(v[DK_ENTITY]));
            return;
        }
        char *z = cvi_dup_n(L, cvi_sval(v[DK_ENTITY]), cvi_slen(v[DK_ENTITY]));
        if (!z) return;
        e = CV_ENT__COUNT + (int)p->ncustom_entity;
        p->custom_entity[p->ncustom_entity++] = z;
        /* a new entity's identifiers are tokenised unless `entities:` says otherwise */
        memset(&p->entities[e], 0, sizeof p->entities[e]);
        p->entities[e].kind = CV_ACT_TOKEN;
        p->entities[e].entity = e;
        p->entities[e].domain = cvi_dup_n(L, z, strlen(z));
    }
    d.entity = e;
    d.norm = v[DK_REGEX] ? CV_CNORM_NONE : CV_CNORM_LOWER;
    if (v[DK_REGEX]) {
        if (!cvi_is_scalar(v[DK_REGEX]) || cvi_slen(v[DK_REGEX]) == 0 || cvi_slen(v[DK_REGEX]) > 4096) {
            cvi_problem(L, cvi_line_of(v[DK_REGEX]), "'regex' must be a PCRE2 pattern of 1-4096 bytes");
            return;
        }
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)cvi_sval(v[DK_REGEX]), cvi_slen(v[DK_REGEX]), PCRE2_UTF, &ec, &eo, NULL);
        if (!c) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(ec, msg, sizeof msg);
            cvi_problem(L, cvi_line_of(v[DK_REGEX]), "'regex' does not compile at offset %zu: %s", (size_t)eo, (char *)msg);
            return;
        }
        uint32_t minlen = 0;
        pcre2_pattern_info(c, PCRE2_INFO_MINLENGTH, &minlen);
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
        int empty = minlen == 0 || (md && pcre2_match(c, (PCRE2_SPTR) "", 0, 0, 0, md, NULL) >= 0);
        pcre2_match_data_free(md);
        pcre2_code_free(c);
        if (empty) {
            cvi_problem(L, cvi_line_of(v[DK_REGEX]), "'regex' can match the empty string");
            return;
        }
        d.regex = cvi_dup_n(L, cvi_sval(v[DK_REGEX]), cvi_slen(v[DK_REGEX]));
        if (!d.regex) return;
    } else {
        d.words = load_words(L, v[DK_WORDS], v[DK_WORDS_FILE], "words");
        if (!d.words) return;
    }
    if (v[DK_CONTEXT]) {
        d.context = load_words(L, v[DK_CONTEXT], NULL, "context");
        if (!d.context) { free((char *)d.regex); return; }
        d.context_window = 5;
    }
    if (v[DK_CONTEXT_WINDOW]) {
        uint64_t x;
        if (!d.context || cvi_parse_uint(v[DK_CONTEXT_WINDOW], 100, &x) < 0 || x == 0)
            cvi_problem(L, cvi_line_of(v[DK_CONTEXT_WINDOW]), "'context_window' must be 1-100 words, with 'context'");
        else
            d.context_window = (uint32_t)x;
    }
    if (v[DK_VALIDATE]) {
        static const char *const checks[] = { "none", "luhn", "mod97", "mod11" };
        int i = cvi_is_scalar(v[DK_VALIDATE]) ? cvi_index_of(v[DK_VALIDATE], checks, 4) : -1;
        if (i < 0) cvi_problem(L, cvi_line_of(v[DK_VALIDATE]), "'validate' must be none, luhn, mod97 or mod11");
        else d.check = (cv_custom_check)i;
    }
    if (v[DK_NORMALISE]) {
        static const char *const norms[] = { "none", "digits", "upper", "lower" };
        int i = cvi_is_scalar(v[DK_NORMALISE]) ? cvi_index_of(v[DK_NORMALISE], norms, 4) : -1;
        if (i < 0) cvi_problem(L, cvi_line_of(v[DK_NORMALISE]), "'normalise' must be none, digits, upper or lower");
        else d.norm = (cv_custom_norm)i;
    }
    d.name = cvi_dup_n(L, cvi_sval(v[DK_NAME]), cvi_slen(v[DK_NAME]));
    if (!d.name) { free((char *)d.regex); return; }
    p->custom_line[p->ncustom] = line;
    p->custom[p->ncustom++] = d;
}

void cvi_load_detectors(cvi_loader *L, const yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        cvi_problem(L, cvi_line_of(v), "'detectors' must be a list");
        return;
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top && !L->oom; it++)
        load_detector(L, cvi_node_at(L, *it));
}

/* trunks: Asterisk peer names that are carriers' trunks, kept readable in
 * channels and dial strings (the agent detector knows trunk, gw, provider,
 * ... in a name; these are the rest). */
void cvi_load_trunks(cvi_loader *L, const yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        cvi_problem(L, cvi_line_of(v), "'trunks' must be a list of Asterisk peer names");
        return;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    L->p->trunks = calloc(n ? n : 1, sizeof *L->p->trunks);
    if (!L->p->trunks) { L->oom = 1; return; }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        const yaml_node_t *t = cvi_node_at(L, *it);
        if (!cvi_is_scalar(t) || cvi_slen(t) == 0 || cvi_slen(t) > 64 || !cvi_clean_text(t)) {
            cvi_problem(L, cvi_line_of(t), "a trunk is a peer name of 1-64 characters");
            continue;
        }
        char *z = cvi_dup_n(L, cvi_sval(t), cvi_slen(t));
        if (!z) return;
        for (char *c = z; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c | 0x20);
        L->p->trunks[L->p->ntrunks++] = z;
    }
    L->p->dopts.trunks = (const char *const *)L->p->trunks;
    L->p->dopts.ntrunks = L->p->ntrunks;
}

/* allow: a list of values never replaced: "text" (exact, or equal once the
 * entity normalises both), {icase: "text"}, {regex: "pattern"} (the whole
 * value). */
void cvi_load_allow(cvi_loader *L, const yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        cvi_problem(L, cvi_line_of(v), "'allow' must be a list of values, {icase: VALUE} or {regex: PATTERN}");
        return;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    L->p->allow = calloc(n ? n : 1, sizeof *L->p->allow);
    if (!L->p->allow) { L->oom = 1; return; }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        const yaml_node_t *x = cvi_node_at(L, *it), *val = x;
        cv_allow a = { .kind = CV_ALLOW_EXACT, .line = cvi_line_of(x) };
        if (x && x->type == YAML_MAPPING_NODE && x->data.mapping.pairs.top - x->data.mapping.pairs.start == 1) {
            const yaml_node_t *k = cvi_node_at(L, x->data.mapping.pairs.start->key);
            val = cvi_node_at(L, x->data.mapping.pairs.start->value);
            if (cvi_scalar_is(k, "icase")) a.kind = CV_ALLOW_ICASE;
            else if (cvi_scalar_is(k, "regex")) a.kind = CV_ALLOW_REGEX;
            else if (!cvi_scalar_is(k, "exact")) val = NULL;
        }
        if (!cvi_is_scalar(val) || cvi_slen(val) == 0 || cvi_slen(val) > CV_NORM_MAX) {
            cvi_problem(L, a.line, "an allow entry is a value (1-%d bytes), {icase: VALUE} or {regex: PATTERN}", CV_NORM_MAX);
            continue;
        }
        if (a.kind == CV_ALLOW_REGEX) {
            int ec;
            PCRE2_SIZE eo;
            a.re = pcre2_compile((PCRE2_SPTR)cvi_sval(val), cvi_slen(val), PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec,
                                 &eo, NULL);
            if (!a.re) {
                PCRE2_UCHAR msg[160];
                pcre2_get_error_message(ec, msg, sizeof msg);
                cvi_problem(L, a.line, "allow 'regex' does not compile at offset %zu: %s", (size_t)eo, (char *)msg);
                continue;
            }
        }
        a.text = cvi_dup_n(L, cvi_sval(val), cvi_slen(val));
        a.len = cvi_slen(val);
        if (!a.text) { pcre2_code_free((pcre2_code *)a.re); return; }
        L->p->allow[L->p->nallow++] = a;
    }
}

void cvi_detectors_free(cv_policy *p)
{
    for (size_t i = 0; i < p->ncustom; i++) {
        free((char *)p->custom[i].name);
        free((char *)p->custom[i].regex);
    }
    for (size_t i = 0; i < p->ncustom_entity; i++) free(p->custom_entity[i]);
    for (size_t i = 0; i < p->ndomains; i++) free(p->domains[i]);
    free(p->domains);
    for (size_t i = 0; i < p->nwordsets; i++) cvi_wordset_free(p->wordsets[i]);
    for (size_t i = 0; i < p->nallow; i++) {
        free(p->allow[i].text);
        pcre2_code_free((pcre2_code *)p->allow[i].re);
    }
    free(p->allow);
    for (size_t i = 0; i < p->ntrunks; i++) free(p->trunks[i]);
    free(p->trunks);
}
