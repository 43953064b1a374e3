/*
 * policy_actions.c - what the policy does to a value: the entities' actions
 * (their built-in defaults and `entities:`) and a field's action in
 * `fields:` (keep, drop, scan, token, mask, redact, generalise and their
 * options).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_yaml.h"

#define BANDS_MAX 32

static const uint32_t default_bands[] = CVI_DURATION_BANDS_DEFAULT;

static void entity_list(char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int e = 0; e < CV_ENT__COUNT; e++) {
        const char *nm = cvi_entity_name(e);
        if (!nm) continue;
        int w = snprintf(buf + k, cap - k, "%s%s", k ? ", " : "", nm);
        if (w < 0 || (size_t)w >= cap - k) break;
        k += (size_t)w;
    }
}

void cvi_action_free(cv_action *a)
{
    free(a->domain);
    free(a->bands);
    free(a->cc_column);
    free(a->subject);
    a->domain = NULL;
    a->bands = NULL;
    a->cc_column = NULL;
    a->subject = NULL;
    a->nbands = 0;
}

/* Fill a->entity / a->domain / CV_AOPT_CLID from a TYPE scalar. 0 or -1 (reported). */
static int parse_type(cvi_loader *L, const yaml_node_t *v, const char *action, int allow_clid, cv_action *a)
{
    if (!cvi_is_scalar(v) || cvi_slen(v) == 0) {
        cvi_problem(L, cvi_line_of(v), "'%s' needs a type, e.g. {%s: phone}", action, action);
        return -1;
    }
    int e = cvi_entity_id(L, cvi_sval(v), cvi_slen(v));
    if (e >= 0) {
        a->entity = e;
    } else if (allow_clid && cvi_scalar_is(v, "clid")) {
        a->entity = CV_ENT_PHONE;
        a->opts |= CV_AOPT_CLID;
    } else if (cvi_custom_type_ok(cvi_sval(v), cvi_slen(v)) && cvi_domain_declared(L, cvi_sval(v), cvi_slen(v))) {
        a->entity = -1;
    } else if (cvi_custom_type_ok(cvi_sval(v), cvi_slen(v))) {
        /* a typo ("phnoe") must not become a new token domain */
        cvi_shown s = cvi_show(v);
        const char *near = cvi_nearest_name(L, cvi_sval(v), cvi_slen(v));
        cvi_problem(L, cvi_line_of(v), "unknown type '%s' for %s%s%s%s: declare it in 'domains:' or use an entity", s.s,
                action, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        return -1;
    } else {
        cvi_shown s = cvi_show(v);
        cvi_problem(L, cvi_line_of(v), "invalid type '%s' for %s (expected an entity name or a custom type "
                "matching [a-z][a-z0-9_]{0,31})", s.s, action);
        return -1;
    }
    a->domain = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
    return a->domain ? 0 : -1;
}

/* ---- entities ---------------------------------------------------------- */

static void default_entity(cvi_loader *L, int e, cv_action *a)
{
    memset(a, 0, sizeof *a);
    switch (cvi_entity(e)->default_action) {
    case CV_DEFAULT_TOKEN: a->kind = CV_ACT_TOKEN; break;
    case CV_DEFAULT_MASK: a->kind = CV_ACT_MASK; break;
    default: a->kind = CV_ACT_REDACT; break;   /* never kept unless said */
    }
    a->entity = e;
    const char *nm = cvi_entity_name(e);
    if (nm) a->domain = cvi_dup_n(L, nm, strlen(nm));
}

void cvi_default_entities(cvi_loader *L)
{
    for (int e = 0; e < CV_ENT__COUNT; e++) default_entity(L, e, &L->p->entities[e]);
}

static int entity_action_kind(cvi_loader *L, const yaml_node_t *v, uint8_t *kind)
{
    static const char *const names[] = { "token", "redact", "mask", "keep" };
    static const uint8_t kinds[] = { CV_ACT_TOKEN, CV_ACT_REDACT, CV_ACT_MASK, CV_ACT_KEEP };
    int i = cvi_is_scalar(v) ? cvi_index_of(v, names, 4) : -1;
    if (i >= 0) {
        *kind = kinds[i];
        return 0;
    }
    cvi_shown s = cvi_show(v);
    if (cvi_scalar_is(v, "drop") || cvi_scalar_is(v, "scan") || cvi_scalar_is(v, "generalise"))
        cvi_problem(L, cvi_line_of(v), "'%s' is not valid for an entity (expected token, redact, mask or keep)", s.s);
    else
        cvi_problem(L, cvi_line_of(v), "unknown entity action '%s' (expected token, redact, mask or keep)", s.s);
    return -1;
}

static int parse_entity_action(cvi_loader *L, int e, const yaml_node_t *v, cv_action *a)
{
    static const char *const keys[] = { "action", "keep_country_code", "keep_domain" };
    memset(a, 0, sizeof *a);
    a->entity = e;
    if (cvi_is_scalar(v)) {
        if (entity_action_kind(L, v, &a->kind) < 0) return -1;
    } else if (v && v->type == YAML_MAPPING_NODE) {
        const yaml_node_t *nodes[3] = { NULL, NULL, NULL };
        uint32_t seen = 0;
        int bad = 0;
        for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
            yaml_node_t *k = cvi_node_at(L, pr->key);
            if (!cvi_key_ok(L, k)) { bad = 1; continue; }
            int id = cvi_index_of(k, keys, 3);
            if (id < 0) { cvi_bad_key(L, k); bad = 1; continue; }
            if (cvi_seen_before(L, k, &seen, id)) { bad = 1; continue; }
            nodes[id] = cvi_node_at(L, pr->value);
        }
        if (!nodes[0]) {
            cvi_problem(L, cvi_line_of(v), "missing 'action'");
            return -1;
        }
        if (entity_action_kind(L, nodes[0], &a->kind) < 0) bad = 1;
        for (int i = 1; i < 3; i++) {
            if (!nodes[i]) continue;
            int b = cvi_parse_bool(nodes[i]);
            if (b < 0) {
                cvi_problem(L, cvi_line_of(nodes[i]), "'%s' must be true or false", keys[i]);
                bad = 1;
                continue;
            }
            int want = i == 1 ? CV_ENT_PHONE : CV_ENT_EMAIL;
            if (e != want) {
                cvi_problem(L, cvi_line_of(nodes[i]), "'%s' applies only to %s", keys[i], cvi_entity_name(want));
                bad = 1;
            } else if (b && !bad && a->kind != CV_ACT_TOKEN) {
                cvi_problem(L, cvi_line_of(nodes[i]), "'%s' needs action token", keys[i]);
                bad = 1;
            } else if (b) {
                a->opts |= i == 1 ? CV_AOPT_KEEP_CC : CV_AOPT_KEEP_DOMAIN;
            }
        }
        if (bad) return -1;
    } else {
        cvi_problem(L, cvi_line_of(v), "an entity action must be a name or a mapping");
        return -1;
    }
    if (a->kind != CV_ACT_KEEP) {
        const char *nm = cvi_policy_entity_name(L->p, e);
        if (nm && !(a->domain = cvi_dup_n(L, nm, strlen(nm)))) return -1;
    }
    return 0;
}

void cvi_load_entities(cvi_loader *L, const yaml_node_t *m)
{
    if (!m || m->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(m), "'entities' must be a mapping");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = cvi_node_at(L, pr->key);
        if (!cvi_key_ok(L, k)) continue;
        int e = cvi_entity_id(L, cvi_sval(k), cvi_slen(k));
        if (e < 0) {
            char list[512];
            cvi_shown s = cvi_show(k);
            entity_list(list, sizeof list);
            const char *near = cvi_nearest_name(L, cvi_sval(k), cvi_slen(k));
            cvi_problem(L, cvi_line_of(k), "unknown entity '%s'%s%s%s (expected %s, or a custom detector's entity)", s.s,
                    near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", list);
            continue;
        }
        if (cvi_seen_before(L, k, &seen, e)) continue;
        cv_action a;
        if (parse_entity_action(L, e, cvi_node_at(L, pr->value), &a) == 0) {
            cvi_action_free(&L->p->entities[e]);
            L->p->entities[e] = a;
            L->p->entity_line[e] = cvi_line_of(k);
        } else {
            cvi_action_free(&a);
        }
    }
}

/* ---- field actions ----------------------------------------------------- */

static int parse_bands(cvi_loader *L, const yaml_node_t *v, cv_action *a)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        cvi_problem(L, cvi_line_of(v), "'bands' must be a list of positive integers");
        return -1;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0) {
        cvi_problem(L, cvi_line_of(v), "'bands' must not be empty");
        return -1;
    }
    if (n > BANDS_MAX) {
        cvi_problem(L, cvi_line_of(v), "'bands' holds at most %d values", BANDS_MAX);
        return -1;
    }
    uint32_t *b = malloc(n * sizeof *b);
    if (!b) {
        L->oom = 1;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = cvi_node_at(L, v->data.sequence.items.start[i]);
        uint64_t x;
        if (cvi_parse_uint(it, UINT32_MAX, &x) < 0 || x == 0) {
            cvi_problem(L, cvi_line_of(it), "'bands' must be a list of positive integers");
            free(b);
            return -1;
        }
        if (i > 0 && x <= b[i - 1]) {
            cvi_problem(L, cvi_line_of(it), "'bands' must be strictly ascending");
            free(b);
            return -1;
        }
        b[i] = (uint32_t)x;
    }
    a->bands = b;
    a->nbands = n;
    return 0;
}

static int parse_generalise(cvi_loader *L, const yaml_node_t *v, cv_action *a)
{
    static const char *const units[] = { "hour", "day", "week", "weekday_hour", "duration", "month", "quarter",
                                         "year" };
    static const uint8_t gens[] = { CV_GEN_HOUR, CV_GEN_DAY, CV_GEN_WEEK, CV_GEN_WEEKDAY_HOUR, CV_GEN_BANDS,
                                    CV_GEN_MONTH, CV_GEN_QUARTER, CV_GEN_YEAR };
    int i = cvi_is_scalar(v) ? cvi_index_of(v, units, 8) : -1;
    if (i < 0) {
        cvi_shown s = cvi_show(v);
        cvi_problem(L, cvi_line_of(v), "unknown generalise unit '%s' (expected hour, day, week, weekday_hour, month, quarter, "
                "year, duration)", s.s);
        return -1;
    }
    a->kind = CV_ACT_GENERALISE;
    a->gen = gens[i];
    return 0;
}

enum { FK_TOKEN, FK_GENERALISE, FK_MASK, FK_REDACT, FK_KEEP_CC, FK_KEEP_DOMAIN, FK_BANDS, FK_CC_COLUMN,
       FK_AREA_CODE, FK_SHIFT_DAYS, FK_SUBJECT, FK_BANDS_AS, FK_COUNTRY, FK__COUNT };

static int parse_field_map(cvi_loader *L, const yaml_node_t *m, cv_action *a)
{
    static const char *const keys[FK__COUNT] = { "token", "generalise", "mask", "redact",
                                                 "keep_country_code", "keep_domain", "bands", "country_column",
                                                 "area_code", "shift_days", "subject", "bands_as", "country" };
    const yaml_node_t *val[FK__COUNT] = { NULL };
    int act = -1, bad = 0;
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = cvi_node_at(L, pr->key);
        if (!cvi_key_ok(L, k)) { bad = 1; continue; }
        int id = cvi_index_of(k, keys, FK__COUNT);
        if (id < 0) {
            cvi_shown s = cvi_show(k);
            if (cvi_key_unsupported(k))
                cvi_bad_key(L, k);
            else
                cvi_problem(L, cvi_line_of(k), "unknown key '%s' (expected token, generalise, mask, redact, "
                        "keep_country_code, country, keep_domain, bands, bands_as, country_column, area_code, "
                        "shift_days or subject)", s.s);
            bad = 1;
            continue;
        }
        if (cvi_seen_before(L, k, &seen, id)) { bad = 1; continue; }
        if (id <= FK_REDACT) {
            if (act >= 0) {
                cvi_problem(L, cvi_line_of(k), "a field takes one action ('%s' and '%s')", keys[act], keys[id]);
                bad = 1;
                continue;
            }
            act = id;
        }
        val[id] = cvi_node_at(L, pr->value);
    }
    if (act < 0 && val[FK_SHIFT_DAYS] && !bad) {
        /* {shift_days: N, subject: PATH} alone: shift, keep the precision */
        a->kind = CV_ACT_GENERALISE;
        a->gen = 0;
    } else if (act < 0) {
        if (!bad) cvi_problem(L, cvi_line_of(m), "missing action (expected token, generalise, mask or redact)");
        return -1;
    }
    switch (act) {
    case -1:
        break;
    case FK_TOKEN:
        a->kind = CV_ACT_TOKEN;
        if (parse_type(L, val[act], "token", 1, a) < 0) bad = 1;
        break;
    case FK_MASK:
        a->kind = CV_ACT_MASK;
        if (parse_type(L, val[act], "mask", 0, a) < 0) bad = 1;
        break;
    case FK_REDACT:
        a->kind = CV_ACT_REDACT;
        if (parse_type(L, val[act], "redact", 0, a) < 0) bad = 1;
        break;
    default:
        if (parse_generalise(L, val[act], a) < 0) bad = 1;
        break;
    }
    if (val[FK_KEEP_CC]) {
        int b = cvi_parse_bool(val[FK_KEEP_CC]);
        if (b < 0) {
            cvi_problem(L, cvi_line_of(val[FK_KEEP_CC]), "'keep_country_code' must be true or false");
            bad = 1;
        } else if (act != FK_TOKEN || (!bad && a->entity != CV_ENT_PHONE)) {
            cvi_problem(L, cvi_line_of(val[FK_KEEP_CC]), "'keep_country_code' applies only to {token: phone} or {token: clid}");
            bad = 1;
        } else if (b) {
            /* the country code in its own column (named after the field
             * unless country_column names it), the token in the field form
             * every other field has, so tokens join by plain equality;
             * `country: combined` asks for "phone:+44:…" instead. A caller
             * id ("Name" <number>) has no column of its own: combined. */
            a->opts |= CV_AOPT_KEEP_CC;
        }
    }
    if (val[FK_COUNTRY]) {
        if (!val[FK_KEEP_CC] || !(a->opts & CV_AOPT_KEEP_CC)) {
            cvi_problem(L, cvi_line_of(val[FK_COUNTRY]), "'country' goes with 'keep_country_code: true'");
            bad = 1;
        } else if (!cvi_scalar_is(val[FK_COUNTRY], "column") && !cvi_scalar_is(val[FK_COUNTRY], "combined")) {
            cvi_shown s = cvi_show(val[FK_COUNTRY]);
            cvi_problem(L, cvi_line_of(val[FK_COUNTRY]), "unknown country form '%s' (expected column or combined)", s.s);
            bad = 1;
        } else if (cvi_scalar_is(val[FK_COUNTRY], "column") && (a->opts & CV_AOPT_CLID)) {
            cvi_problem(L, cvi_line_of(val[FK_COUNTRY]), "a caller id keeps its country code in the token: 'country: combined'");
            bad = 1;
        }
    }
    if (!bad && (a->opts & CV_AOPT_KEEP_CC) && !(a->opts & CV_AOPT_CLID) &&
        !(val[FK_COUNTRY] && cvi_scalar_is(val[FK_COUNTRY], "combined"))) {
        a->opts &= (uint16_t)~CV_AOPT_KEEP_CC;
        if (!val[FK_CC_COLUMN]) a->opts |= CV_AOPT_CC_AUTO;
    }
    if (val[FK_KEEP_DOMAIN]) {
        int b = cvi_parse_bool(val[FK_KEEP_DOMAIN]);
        if (b < 0) {
            cvi_problem(L, cvi_line_of(val[FK_KEEP_DOMAIN]), "'keep_domain' must be true or false");
            bad = 1;
        } else if (act != FK_TOKEN || (!bad && a->entity != CV_ENT_EMAIL)) {
            cvi_problem(L, cvi_line_of(val[FK_KEEP_DOMAIN]), "'keep_domain' applies only to {token: email}");
            bad = 1;
        } else if (b) {
            a->opts |= CV_AOPT_KEEP_DOMAIN;
        }
    }
    if (val[FK_BANDS]) {
        if (act != FK_GENERALISE || (!bad && a->gen != CV_GEN_BANDS)) {
            cvi_problem(L, cvi_line_of(val[FK_BANDS]), "'bands' applies only to {generalise: duration}");
            bad = 1;
        } else if (!bad && parse_bands(L, val[FK_BANDS], a) < 0) {
            bad = 1;
        }
    }
    if (val[FK_BANDS_AS]) {
        if (act != FK_GENERALISE || (!bad && a->gen != CV_GEN_BANDS)) {
            cvi_problem(L, cvi_line_of(val[FK_BANDS_AS]), "'bands_as' applies only to {generalise: duration}");
            bad = 1;
        } else if (cvi_scalar_is(val[FK_BANDS_AS], "lower_bound")) {
            a->opts |= CV_AOPT_BANDS_LOWER;
        } else if (!cvi_scalar_is(val[FK_BANDS_AS], "range")) {
            cvi_shown s = cvi_show(val[FK_BANDS_AS]);
            cvi_problem(L, cvi_line_of(val[FK_BANDS_AS]), "unknown 'bands_as' value '%s' (expected range or lower_bound)", s.s);
            bad = 1;
        }
    }
    if (val[FK_CC_COLUMN]) {
        if (act != FK_TOKEN || (!bad && (a->entity != CV_ENT_PHONE || (a->opts & CV_AOPT_CLID)))) {
            cvi_problem(L, cvi_line_of(val[FK_CC_COLUMN]), "'country_column' applies only to {token: phone}");
            bad = 1;
        } else if (!cvi_path_text_ok(val[FK_CC_COLUMN]) || memchr(cvi_sval(val[FK_CC_COLUMN]), '.', cvi_slen(val[FK_CC_COLUMN]))) {
            cvi_problem(L, cvi_line_of(val[FK_CC_COLUMN]), "'country_column' must be a plain column name");
            bad = 1;
        } else if (!bad) {
            a->cc_column = cvi_dup_n(L, cvi_sval(val[FK_CC_COLUMN]), cvi_slen(val[FK_CC_COLUMN]));
        }
    }
    if (val[FK_AREA_CODE]) {
        int b = cvi_parse_bool(val[FK_AREA_CODE]);
        if (b < 0 || !val[FK_CC_COLUMN]) {
            cvi_problem(L, cvi_line_of(val[FK_AREA_CODE]), "'area_code' (true or false) goes with 'country_column'");
            bad = 1;
        } else if (b) {
            a->opts |= CV_AOPT_AREA_CODE;
        }
    }
    if (val[FK_SHIFT_DAYS] || val[FK_SUBJECT]) {
        uint64_t x = 0;
        if (!val[FK_SHIFT_DAYS] || !val[FK_SUBJECT]) {
            cvi_problem(L, cvi_line_of(m), "'shift_days' and 'subject' go together");
            bad = 1;
        } else if (cvi_parse_uint(val[FK_SHIFT_DAYS], 3650, &x) < 0 || x == 0) {
            cvi_problem(L, cvi_line_of(val[FK_SHIFT_DAYS]), "'shift_days' must be a whole number of days from 1 to 3650");
            bad = 1;
        } else if (act >= 0 && act != FK_GENERALISE) {
            cvi_problem(L, cvi_line_of(val[FK_SHIFT_DAYS]), "'shift_days' applies to timestamps: alone or with 'generalise'");
            bad = 1;
        } else if (!bad && a->gen == CV_GEN_BANDS) {
            cvi_problem(L, cvi_line_of(val[FK_SHIFT_DAYS]), "'shift_days' applies to timestamps, not durations");
            bad = 1;
        } else if (!cvi_path_text_ok(val[FK_SUBJECT])) {
            cvi_problem(L, cvi_line_of(val[FK_SUBJECT]), "'subject' must name the field that identifies the subject");
            bad = 1;
        } else if (!bad) {
            a->shift_days = (uint32_t)x;
            a->subject = cvi_dup_n(L, cvi_sval(val[FK_SUBJECT]), cvi_slen(val[FK_SUBJECT]));
        }
    }
    if (!bad && a->kind == CV_ACT_GENERALISE && a->gen == CV_GEN_BANDS && !a->bands) {
        size_t n = sizeof default_bands / sizeof *default_bands;
        a->bands = malloc(sizeof default_bands);
        if (!a->bands) {
            L->oom = 1;
            return -1;
        }
        memcpy(a->bands, default_bands, sizeof default_bands);
        a->nbands = n;
    }
    return bad ? -1 : 0;
}

/* A field's action into a (zeroed here). 0, or -1 after reporting. */
int cvi_parse_field_action(cvi_loader *L, const yaml_node_t *v, cv_action *a)
{
    static const char *const names[] = { "keep", "drop", "scan", "redact", "mask" };
    static const uint8_t kinds[] = { CV_ACT_KEEP, CV_ACT_DROP, CV_ACT_SCAN, CV_ACT_REDACT, CV_ACT_MASK };
    memset(a, 0, sizeof *a);
    a->entity = -1;
    if (cvi_is_scalar(v)) {
        int i = cvi_index_of(v, names, 5);
        if (i >= 0) {
            a->kind = kinds[i];
            return 0;
        }
        if (cvi_scalar_is(v, "token")) {
            cvi_problem(L, cvi_line_of(v), "token needs a type, e.g. {token: phone}");
        } else if (cvi_scalar_is(v, "generalise")) {
            cvi_problem(L, cvi_line_of(v), "generalise needs a unit, e.g. {generalise: hour}");
        } else {
            cvi_shown s = cvi_show(v);
            cvi_problem(L, cvi_line_of(v), "unknown action '%s' (expected keep, drop, scan, token, redact, mask, generalise)", s.s);
        }
        return -1;
    }
    if (v && v->type == YAML_MAPPING_NODE) return parse_field_map(L, v, a);
    cvi_problem(L, cvi_line_of(v), "a field action must be a name or a mapping");
    return -1;
}
