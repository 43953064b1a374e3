/*
 * policy_retention.c - `retention:`, at the top level or an input's: the
 * record's timestamp field, its max_age, and classes of fields with their own.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_yaml.h"

void cvi_retention_free(cv_retention *r)
{
    free(r->field);
    for (size_t i = 0; i < r->nclasses; i++) {
        free(r->classes[i].name);
        for (size_t j = 0; j < r->classes[i].npaths; j++) free(r->classes[i].paths[j]);
        free(r->classes[i].paths);
    }
    free(r->classes);
    memset(r, 0, sizeof *r);
}

/* "84 months", "1 month", "1 year", "30 days", "2 weeks". 0 or -1 (reported). */
static int parse_age(cvi_loader *L, const yaml_node_t *v, cv_age *a)
{
    static const char *const units[] = { "day", "days", "week", "weeks", "month", "months", "year", "years" };
    static const char codes[] = "ddwwmmyy";
    if (cvi_is_scalar(v)) {
        const char *t = cvi_sval(v);
        size_t n = cvi_slen(v), i = 0;
        uint64_t x = 0;
        while (i < n && t[i] >= '0' && t[i] <= '9' && x <= 100000) x = x * 10 + (uint64_t)(t[i++] - '0');
        size_t digits = i;
        while (i < n && t[i] == ' ') i++;
        for (size_t u = 0; digits && x >= 1 && x <= 100000 && u < 8; u++)
            if (n - i == strlen(units[u]) && memcmp(t + i, units[u], n - i) == 0) {
                a->n = (uint32_t)x;
                a->unit = (uint8_t)codes[u];
                return 0;
            }
    }
    cvi_shown s = cvi_show(v);
    cvi_problem(L, cvi_line_of(v), "'%s' is not an age (expected e.g. 84 months, 1 month, 1 year, 30 days, 2 weeks)", s.s);
    return -1;
}

static void load_classes(cvi_loader *L, const yaml_node_t *m, cv_retention *r)
{
    if (!m || m->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(m), "'classes' must be a mapping of class name to {max_age, fields}");
        return;
    }
    size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    if (!n) return;
    if (!(r->classes = calloc(n, sizeof *r->classes))) { L->oom = 1; return; }
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = cvi_node_at(L, pr->key), *v = cvi_node_at(L, pr->value);
        if (!cvi_key_ok(L, k)) continue;
        cv_field_class *c = &r->classes[r->nclasses++];
        c->name = cvi_dup_n(L, cvi_sval(k), cvi_slen(k));
        if (!v || v->type != YAML_MAPPING_NODE) {
            cvi_problem(L, cvi_line_of(v), "a retention class must be a mapping {max_age, fields}");
            continue;
        }
        static const char *const ckeys[] = { "max_age", "fields" };
        uint32_t cseen = 0;
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top && !L->oom; q++) {
            yaml_node_t *cv = cvi_node_at(L, q->value);
            int id = cvi_sub_key(L, cvi_node_at(L, q->key), ckeys, 2, &cseen, "a retention class");
            if (id == 0) parse_age(L, cv, &c->max_age);
            else if (id == 1)
                cvi_load_paths(L, cv, 1024, "'fields' of a retention class", "field paths", "field path in a retention class", &c->paths,
                           &c->npaths);
        }
        int have_age = cseen & 1u, have_fields = cseen & 2u;
        if (!have_age) cvi_problem(L, cvi_line_of(v), "retention class without 'max_age'");
        if (!have_fields) cvi_problem(L, cvi_line_of(v), "retention class without 'fields'");
    }
}

/* retention: {field: PATH, max_age: AGE, classes: {NAME: {max_age, fields: [...]}}} */
void cvi_load_retention(cvi_loader *L, const yaml_node_t *m, cv_retention *r)
{
    r->line = cvi_line_of(m);
    if (!m || m->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(m), "'retention' must be a mapping {field, max_age, classes}");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = cvi_node_at(L, pr->key), *v = cvi_node_at(L, pr->value);
        static const char *const keys[] = { "field", "max_age", "classes" };
        int id = cvi_sub_key(L, k, keys, 3, &seen, "retention");
        if (id < 0) continue;
        if (id == 0) {
            if (!cvi_path_text_ok(v)) cvi_problem(L, cvi_line_of(v), "'field' must name the record's timestamp field");
            else r->field = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
        } else if (id == 1) {
            parse_age(L, v, &r->max_age);
        } else {
            load_classes(L, v, r);
        }
    }
    if (!(seen & 1u)) cvi_problem(L, r->line, "retention needs 'field': the record's timestamp field");
    if (!(seen & 6u)) cvi_problem(L, r->line, "retention needs 'max_age' or 'classes'");
}
