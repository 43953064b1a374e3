/*
 * policy.c - load and validate the YAML policy (DESIGN §5) into the
 * immutable cv_policy of policy.h. libyaml's document API keeps every
 * node's line; validation reports every problem with its line and keeps
 * going, so `check-policy` can list them all. Unknown keys, and keys of
 * features not built yet, are refused: a policy fails closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sodium.h>
#include <yaml.h>

#include "common/files.h"
#include "policy.h"
#include "../filters/phonenumber.h"
#include "../formats/formats.h"
#include "../formats/transcript.h"

/* pipeline/default_policy.yaml, compiled in by cmake/embed.cmake. */
extern const char cvi_default_policy[];
extern const size_t cvi_default_policy_len;

#define POLICY_MAX ((size_t)1 << 20)
#define MATCH_MAX 1024      /* cvi_glob_match never matches longer patterns */
#define BANDS_MAX 32
#define MSG_MAX 512

static const uint32_t default_bands[] = CVI_DURATION_BANDS_DEFAULT;

/* Keys of features that are not built yet: a policy relying on one of them
 * must not run as if it did not. */
static const char *const unsupported_keys[] = { "as_of" };

typedef struct loader {
    cv_diag_fn fn;
    void *ud;
    int problems;
    int first_line;
    char first[MSG_MAX];
    int oom;
    yaml_document_t *doc;
    cv_policy *p;
    const char *dir;        /* directory of the policy file for relative key paths; NULL: keep */
    size_t dirlen;
    cv_ctx *ctx;            /* warnings go to its log when there is no diag callback */
    const char *name;
} loader;

static void problem(loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int entity_id(const loader *L, const char *v, size_t n);
static int domain_declared(const loader *L, const char *v, size_t n);
static const char *nearest_name(const loader *L, const char *v, size_t n);

static void problem(loader *L, int line, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (L->problems == 0) {
        memcpy(L->first, msg, sizeof msg);
        L->first_line = line;
    }
    L->problems++;
    if (L->fn) L->fn(L->ud, line, msg);
}

/* A warning: the policy loads, but probably does not say what its author
 * meant. check-policy prints it; a run logs it. */
static void warn(loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void warn(loader *L, int line, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (L->fn) {
        char w[MSG_MAX + 16];
        snprintf(w, sizeof w, "warning: %s", msg);
        L->fn(L->ud, line, w);
    } else if (L->ctx) {
        cvi_log(L->ctx, CV_LOG_WARN, "%s:%d: %s", L->name ? L->name : "policy", line, msg);
    }
}

/* A field whose last path component says it holds personal data. */
static int personal_name(const char *path, size_t n)
{
    static const char *const words[] = { "phone", "email", "e-mail", "mail", "name", "address", "mobile",
                                         "msisdn", "iban", "ssn", "dob", "birth", "passport", NULL };
    size_t b = n;
    while (b > 0 && path[b - 1] != '.' && path[b - 1] != ']') b--;
    for (size_t k = 0; words[k]; k++) {
        size_t wl = strlen(words[k]);
        for (size_t i = b; i + wl <= n; i++)
            if (strncasecmp(path + i, words[k], wl) == 0) return 1;
    }
    return 0;
}

static char *dup_n(loader *L, const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) {
        L->oom = 1;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int line_of(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

static yaml_node_t *node_at(loader *L, int idx) { return yaml_document_get_node(L->doc, idx); }

static int is_scalar(const yaml_node_t *n) { return n && n->type == YAML_SCALAR_NODE; }

static const char *sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static size_t slen(const yaml_node_t *n) { return n->data.scalar.length; }

static int scalar_is(const yaml_node_t *n, const char *z)
{
    size_t k = strlen(z);
    return is_scalar(n) && slen(n) == k && memcmp(sval(n), z, k) == 0;
}

/* A printable, bounded rendering of a policy scalar for messages: keys and
 * short values only, never more than 40 bytes, non-ASCII shown as '?'. */
typedef struct shown {
    char s[48];
} shown;

static shown show(const yaml_node_t *n)
{
    shown o;
    size_t k = 0, len = is_scalar(n) ? slen(n) : 0;
    const unsigned char *v = is_scalar(n) ? (const unsigned char *)sval(n) : NULL;
    for (size_t i = 0; i < len && k < 40; i++)
        o.s[k++] = (v[i] >= 0x20 && v[i] < 0x7f) ? (char)v[i] : '?';
    if (len > 40) {
        memcpy(o.s + k, "...", 3);
        k += 3;
    }
    o.s[k] = '\0';
    return o;
}

/* Non-empty, no NUL or other control characters. */
static int clean_text(const yaml_node_t *n)
{
    if (!is_scalar(n) || slen(n) == 0) return 0;
    const unsigned char *v = (const unsigned char *)sval(n);
    for (size_t i = 0; i < slen(n); i++)
        if (v[i] < 0x20 || v[i] == 0x7f) return 0;
    return 1;
}

/* YAML 1.1 semantics: a quoted "1" is a string, so integers must be plain. */
static int parse_uint(const yaml_node_t *n, uint64_t max, uint64_t *out)
{
    if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return -1;
    size_t len = slen(n);
    const char *v = sval(n);
    if (len == 0 || len > 20) return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        uint64_t d = (uint64_t)(v[i] - '0');
        if (x > (max - d) / 10) return -1;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

/* 1 true, 0 false, -1 not a boolean. */
static int parse_bool(const yaml_node_t *n)
{
    if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return -1;
    if (scalar_is(n, "true") || scalar_is(n, "True") || scalar_is(n, "TRUE")) return 1;
    if (scalar_is(n, "false") || scalar_is(n, "False") || scalar_is(n, "FALSE")) return 0;
    return -1;
}

/* Mapping keys must be scalars; report and skip otherwise. */
static int key_ok(loader *L, const yaml_node_t *k)
{
    if (is_scalar(k)) return 1;
    problem(L, line_of(k), "mapping keys must be plain strings");
    return 0;
}

static int index_of(const yaml_node_t *k, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (scalar_is(k, names[i])) return (int)i;
    return -1;
}

/* An unknown key: unsupported feature, or plain unknown. */
static void bad_key(loader *L, const yaml_node_t *k)
{
    shown s = show(k);
    if (index_of(k, unsupported_keys, sizeof unsupported_keys / sizeof *unsupported_keys) >= 0)
        problem(L, line_of(k), "'%s' is not supported by this version of callveil", s.s);
    else
        problem(L, line_of(k), "unknown key '%s'", s.s);
}

/* Returns 1 if this key was seen before in its mapping (and reports it). */
static int seen_before(loader *L, const yaml_node_t *k, uint32_t *seen, int id)
{
    if (*seen & (1u << id)) {
        shown s = show(k);
        problem(L, line_of(k), "duplicate key '%s'", s.s);
        return 1;
    }
    *seen |= 1u << id;
    return 0;
}

static void entity_list(char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int e = 0; e < CV_ENT__COUNT; e++) {
        const char *nm = cv_entity_name(e);
        if (!nm) continue;
        int w = snprintf(buf + k, cap - k, "%s%s", k ? ", " : "", nm);
        if (w < 0 || (size_t)w >= cap - k) break;
        k += (size_t)w;
    }
}

static void action_free(cv_action *a)
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

static void retention_free(cv_retention *r)
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
static int parse_age(loader *L, const yaml_node_t *v, cv_age *a)
{
    static const char *const units[] = { "day", "days", "week", "weeks", "month", "months", "year", "years" };
    static const char codes[] = "ddwwmmyy";
    if (is_scalar(v)) {
        const char *t = sval(v);
        size_t n = slen(v), i = 0;
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
    shown s = show(v);
    problem(L, line_of(v), "'%s' is not an age (expected e.g. 84 months, 1 month, 1 year, 30 days, 2 weeks)", s.s);
    return -1;
}

static int path_text_ok(const yaml_node_t *v)
{
    return clean_text(v) && cv_utf8_valid_prefix(sval(v), slen(v)) == slen(v) && strlen(sval(v)) == slen(v);
}

/* A key of a nested mapping (`where`): its index in names, or -1 after
 * reporting it (not a plain string, unknown with the expected names, or a
 * duplicate). */
static int sub_key(loader *L, const yaml_node_t *k, const char *const *names, size_t n, uint32_t *seen,
                   const char *where)
{
    if (!key_ok(L, k)) return -1;
    int id = index_of(k, names, n);
    if (id < 0) {
        char list[200];
        size_t at = 0;
        list[0] = '\0';
        for (size_t i = 0; i < n && at < sizeof list; i++) {
            int w = snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", names[i]);
            if (w < 0) break;
            at += (size_t)w;
        }
        shown s = show(k);
        problem(L, line_of(k), "unknown key '%s' in %s (expected %s)", s.s, where, list);
        return -1;
    }
    return seen_before(L, k, seen, id) ? -1 : id;
}

/* A list of 1..max field paths (or names) into *out (malloc'ed); problems
 * reported with `what` ("'fields' of a retention class", "'quasi'"), `items`
 * ("field paths") and `item`. */
static void load_paths(loader *L, const yaml_node_t *v, size_t max, const char *what, const char *items,
                       const char *item, char ***out, size_t *n)
{
    size_t k = v && v->type == YAML_SEQUENCE_NODE ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start) : 0;
    if (k == 0 || k > max) {
        problem(L, line_of(v), "%s must be a list of 1 to %zu %s", what, max, items);
        return;
    }
    if (!(*out = calloc(k, sizeof **out))) {
        L->oom = 1;
        return;
    }
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *it = node_at(L, v->data.sequence.items.start[i]);
        if (!path_text_ok(it)) problem(L, line_of(it), "invalid %s", item);
        else (*out)[(*n)++] = dup_n(L, sval(it), slen(it));
    }
}

static void load_classes(loader *L, const yaml_node_t *m, cv_retention *r)
{
    if (!m || m->type != YAML_MAPPING_NODE) {
        problem(L, line_of(m), "'classes' must be a mapping of class name to {max_age, fields}");
        return;
    }
    size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    if (!n) return;
    if (!(r->classes = calloc(n, sizeof *r->classes))) { L->oom = 1; return; }
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = node_at(L, pr->key), *v = node_at(L, pr->value);
        if (!key_ok(L, k)) continue;
        cv_field_class *c = &r->classes[r->nclasses++];
        c->name = dup_n(L, sval(k), slen(k));
        if (!v || v->type != YAML_MAPPING_NODE) {
            problem(L, line_of(v), "a retention class must be a mapping {max_age, fields}");
            continue;
        }
        static const char *const ckeys[] = { "max_age", "fields" };
        uint32_t cseen = 0;
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top && !L->oom; q++) {
            yaml_node_t *cv = node_at(L, q->value);
            int id = sub_key(L, node_at(L, q->key), ckeys, 2, &cseen, "a retention class");
            if (id == 0) parse_age(L, cv, &c->max_age);
            else if (id == 1)
                load_paths(L, cv, 1024, "'fields' of a retention class", "field paths", "field path in a retention class", &c->paths,
                           &c->npaths);
        }
        int have_age = cseen & 1u, have_fields = cseen & 2u;
        if (!have_age) problem(L, line_of(v), "retention class without 'max_age'");
        if (!have_fields) problem(L, line_of(v), "retention class without 'fields'");
    }
}

/* retention: {field: PATH, max_age: AGE, classes: {NAME: {max_age, fields: [...]}}} */
static void load_retention(loader *L, const yaml_node_t *m, cv_retention *r)
{
    r->line = line_of(m);
    if (!m || m->type != YAML_MAPPING_NODE) {
        problem(L, line_of(m), "'retention' must be a mapping {field, max_age, classes}");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = node_at(L, pr->key), *v = node_at(L, pr->value);
        static const char *const keys[] = { "field", "max_age", "classes" };
        int id = sub_key(L, k, keys, 3, &seen, "retention");
        if (id < 0) continue;
        if (id == 0) {
            if (!path_text_ok(v)) problem(L, line_of(v), "'field' must name the record's timestamp field");
            else r->field = dup_n(L, sval(v), slen(v));
        } else if (id == 1) {
            parse_age(L, v, &r->max_age);
        } else {
            load_classes(L, v, r);
        }
    }
    if (!(seen & 1u)) problem(L, r->line, "retention needs 'field': the record's timestamp field");
    if (!(seen & 6u)) problem(L, r->line, "retention needs 'max_age' or 'classes'");
}

/* ---- types: entity names, clid, custom domains ------------------------- */

static int custom_type_ok(const char *v, size_t n)
{
    if (n < 1 || n > 32 || v[0] < 'a' || v[0] > 'z') return 0;
    for (size_t i = 1; i < n; i++) {
        char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

/* Fill a->entity / a->domain / CV_AOPT_CLID from a TYPE scalar. 0 or -1 (reported). */
static int parse_type(loader *L, const yaml_node_t *v, const char *action, int allow_clid, cv_action *a)
{
    if (!is_scalar(v) || slen(v) == 0) {
        problem(L, line_of(v), "'%s' needs a type, e.g. {%s: phone}", action, action);
        return -1;
    }
    int e = entity_id(L, sval(v), slen(v));
    if (e >= 0) {
        a->entity = e;
    } else if (allow_clid && scalar_is(v, "clid")) {
        a->entity = CV_ENT_PHONE;
        a->opts |= CV_AOPT_CLID;
    } else if (custom_type_ok(sval(v), slen(v)) && domain_declared(L, sval(v), slen(v))) {
        a->entity = -1;
    } else if (custom_type_ok(sval(v), slen(v))) {
        /* a typo ("phnoe") must not become a new token domain */
        shown s = show(v);
        const char *near = nearest_name(L, sval(v), slen(v));
        problem(L, line_of(v), "unknown type '%s' for %s%s%s%s: declare it in 'domains:' or use an entity", s.s,
                action, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        return -1;
    } else {
        shown s = show(v);
        problem(L, line_of(v), "invalid type '%s' for %s (expected an entity name or a custom type "
                "matching [a-z][a-z0-9_]{0,31})", s.s, action);
        return -1;
    }
    a->domain = dup_n(L, sval(v), slen(v));
    return a->domain ? 0 : -1;
}

/* ---- entities ---------------------------------------------------------- */

static void default_entity(loader *L, int e, cv_action *a)
{
    memset(a, 0, sizeof *a);
    switch (cvi_entity(e)->default_action) {
    case CV_DEFAULT_TOKEN: a->kind = CV_ACT_TOKEN; break;
    case CV_DEFAULT_MASK: a->kind = CV_ACT_MASK; break;
    default: a->kind = CV_ACT_REDACT; break;   /* never kept unless said */
    }
    a->entity = e;
    const char *nm = cv_entity_name(e);
    if (nm) a->domain = dup_n(L, nm, strlen(nm));
}

static int entity_action_kind(loader *L, const yaml_node_t *v, uint8_t *kind)
{
    static const char *const names[] = { "token", "redact", "mask", "keep" };
    static const uint8_t kinds[] = { CV_ACT_TOKEN, CV_ACT_REDACT, CV_ACT_MASK, CV_ACT_KEEP };
    int i = is_scalar(v) ? index_of(v, names, 4) : -1;
    if (i >= 0) {
        *kind = kinds[i];
        return 0;
    }
    shown s = show(v);
    if (scalar_is(v, "drop") || scalar_is(v, "scan") || scalar_is(v, "generalise"))
        problem(L, line_of(v), "'%s' is not valid for an entity (expected token, redact, mask or keep)", s.s);
    else
        problem(L, line_of(v), "unknown entity action '%s' (expected token, redact, mask or keep)", s.s);
    return -1;
}

static int parse_entity_action(loader *L, int e, const yaml_node_t *v, cv_action *a)
{
    static const char *const keys[] = { "action", "keep_country_code", "keep_domain" };
    memset(a, 0, sizeof *a);
    a->entity = e;
    if (is_scalar(v)) {
        if (entity_action_kind(L, v, &a->kind) < 0) return -1;
    } else if (v && v->type == YAML_MAPPING_NODE) {
        const yaml_node_t *nodes[3] = { NULL, NULL, NULL };
        uint32_t seen = 0;
        int bad = 0;
        for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
            yaml_node_t *k = node_at(L, pr->key);
            if (!key_ok(L, k)) { bad = 1; continue; }
            int id = index_of(k, keys, 3);
            if (id < 0) { bad_key(L, k); bad = 1; continue; }
            if (seen_before(L, k, &seen, id)) { bad = 1; continue; }
            nodes[id] = node_at(L, pr->value);
        }
        if (!nodes[0]) {
            problem(L, line_of(v), "missing 'action'");
            return -1;
        }
        if (entity_action_kind(L, nodes[0], &a->kind) < 0) bad = 1;
        for (int i = 1; i < 3; i++) {
            if (!nodes[i]) continue;
            int b = parse_bool(nodes[i]);
            if (b < 0) {
                problem(L, line_of(nodes[i]), "'%s' must be true or false", keys[i]);
                bad = 1;
                continue;
            }
            int want = i == 1 ? CV_ENT_PHONE : CV_ENT_EMAIL;
            if (e != want) {
                problem(L, line_of(nodes[i]), "'%s' applies only to %s", keys[i], cv_entity_name(want));
                bad = 1;
            } else if (b && !bad && a->kind != CV_ACT_TOKEN) {
                problem(L, line_of(nodes[i]), "'%s' needs action token", keys[i]);
                bad = 1;
            } else if (b) {
                a->opts |= i == 1 ? CV_AOPT_KEEP_CC : CV_AOPT_KEEP_DOMAIN;
            }
        }
        if (bad) return -1;
    } else {
        problem(L, line_of(v), "an entity action must be a name or a mapping");
        return -1;
    }
    if (a->kind != CV_ACT_KEEP) {
        const char *nm = cvi_policy_entity_name(L->p, e);
        if (nm && !(a->domain = dup_n(L, nm, strlen(nm)))) return -1;
    }
    return 0;
}

static void load_entities(loader *L, const yaml_node_t *m)
{
    if (!m || m->type != YAML_MAPPING_NODE) {
        problem(L, line_of(m), "'entities' must be a mapping");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node_at(L, pr->key);
        if (!key_ok(L, k)) continue;
        int e = entity_id(L, sval(k), slen(k));
        if (e < 0) {
            char list[512];
            shown s = show(k);
            entity_list(list, sizeof list);
            const char *near = nearest_name(L, sval(k), slen(k));
            problem(L, line_of(k), "unknown entity '%s'%s%s%s (expected %s, or a custom detector's entity)", s.s,
                    near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", list);
            continue;
        }
        if (seen_before(L, k, &seen, e)) continue;
        cv_action a;
        if (parse_entity_action(L, e, node_at(L, pr->value), &a) == 0) {
            action_free(&L->p->entities[e]);
            L->p->entities[e] = a;
            L->p->entity_line[e] = line_of(k);
        } else {
            action_free(&a);
        }
    }
}

/* ---- field actions ----------------------------------------------------- */

static int parse_bands(loader *L, const yaml_node_t *v, cv_action *a)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        problem(L, line_of(v), "'bands' must be a list of positive integers");
        return -1;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0) {
        problem(L, line_of(v), "'bands' must not be empty");
        return -1;
    }
    if (n > BANDS_MAX) {
        problem(L, line_of(v), "'bands' holds at most %d values", BANDS_MAX);
        return -1;
    }
    uint32_t *b = malloc(n * sizeof *b);
    if (!b) {
        L->oom = 1;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = node_at(L, v->data.sequence.items.start[i]);
        uint64_t x;
        if (parse_uint(it, UINT32_MAX, &x) < 0 || x == 0) {
            problem(L, line_of(it), "'bands' must be a list of positive integers");
            free(b);
            return -1;
        }
        if (i > 0 && x <= b[i - 1]) {
            problem(L, line_of(it), "'bands' must be strictly ascending");
            free(b);
            return -1;
        }
        b[i] = (uint32_t)x;
    }
    a->bands = b;
    a->nbands = n;
    return 0;
}

static int parse_generalise(loader *L, const yaml_node_t *v, cv_action *a)
{
    static const char *const units[] = { "hour", "day", "week", "weekday_hour", "duration", "month", "quarter",
                                         "year" };
    static const uint8_t gens[] = { CV_GEN_HOUR, CV_GEN_DAY, CV_GEN_WEEK, CV_GEN_WEEKDAY_HOUR, CV_GEN_BANDS,
                                    CV_GEN_MONTH, CV_GEN_QUARTER, CV_GEN_YEAR };
    int i = is_scalar(v) ? index_of(v, units, 8) : -1;
    if (i < 0) {
        shown s = show(v);
        problem(L, line_of(v), "unknown generalise unit '%s' (expected hour, day, week, weekday_hour, month, quarter, "
                "year, duration)", s.s);
        return -1;
    }
    a->kind = CV_ACT_GENERALISE;
    a->gen = gens[i];
    return 0;
}

enum { FK_TOKEN, FK_GENERALISE, FK_MASK, FK_REDACT, FK_KEEP_CC, FK_KEEP_DOMAIN, FK_BANDS, FK_CC_COLUMN,
       FK_AREA_CODE, FK_SHIFT_DAYS, FK_SUBJECT, FK_BANDS_AS, FK_COUNTRY, FK__COUNT };

static int parse_field_map(loader *L, const yaml_node_t *m, cv_action *a)
{
    static const char *const keys[FK__COUNT] = { "token", "generalise", "mask", "redact",
                                                 "keep_country_code", "keep_domain", "bands", "country_column",
                                                 "area_code", "shift_days", "subject", "bands_as", "country" };
    const yaml_node_t *val[FK__COUNT] = { NULL };
    int act = -1, bad = 0;
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node_at(L, pr->key);
        if (!key_ok(L, k)) { bad = 1; continue; }
        int id = index_of(k, keys, FK__COUNT);
        if (id < 0) {
            shown s = show(k);
            if (index_of(k, unsupported_keys, sizeof unsupported_keys / sizeof *unsupported_keys) >= 0)
                bad_key(L, k);
            else
                problem(L, line_of(k), "unknown key '%s' (expected token, generalise, mask, redact, "
                        "keep_country_code, country, keep_domain, bands, bands_as, country_column, area_code, "
                        "shift_days or subject)", s.s);
            bad = 1;
            continue;
        }
        if (seen_before(L, k, &seen, id)) { bad = 1; continue; }
        if (id <= FK_REDACT) {
            if (act >= 0) {
                problem(L, line_of(k), "a field takes one action ('%s' and '%s')", keys[act], keys[id]);
                bad = 1;
                continue;
            }
            act = id;
        }
        val[id] = node_at(L, pr->value);
    }
    if (act < 0 && val[FK_SHIFT_DAYS] && !bad) {
        /* {shift_days: N, subject: PATH} alone: shift, keep the precision */
        a->kind = CV_ACT_GENERALISE;
        a->gen = 0;
    } else if (act < 0) {
        if (!bad) problem(L, line_of(m), "missing action (expected token, generalise, mask or redact)");
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
        int b = parse_bool(val[FK_KEEP_CC]);
        if (b < 0) {
            problem(L, line_of(val[FK_KEEP_CC]), "'keep_country_code' must be true or false");
            bad = 1;
        } else if (act != FK_TOKEN || (!bad && a->entity != CV_ENT_PHONE)) {
            problem(L, line_of(val[FK_KEEP_CC]), "'keep_country_code' applies only to {token: phone} or {token: clid}");
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
            problem(L, line_of(val[FK_COUNTRY]), "'country' goes with 'keep_country_code: true'");
            bad = 1;
        } else if (!scalar_is(val[FK_COUNTRY], "column") && !scalar_is(val[FK_COUNTRY], "combined")) {
            shown s = show(val[FK_COUNTRY]);
            problem(L, line_of(val[FK_COUNTRY]), "unknown country form '%s' (expected column or combined)", s.s);
            bad = 1;
        } else if (scalar_is(val[FK_COUNTRY], "column") && (a->opts & CV_AOPT_CLID)) {
            problem(L, line_of(val[FK_COUNTRY]), "a caller id keeps its country code in the token: 'country: combined'");
            bad = 1;
        }
    }
    if (!bad && (a->opts & CV_AOPT_KEEP_CC) && !(a->opts & CV_AOPT_CLID) &&
        !(val[FK_COUNTRY] && scalar_is(val[FK_COUNTRY], "combined"))) {
        a->opts &= (uint16_t)~CV_AOPT_KEEP_CC;
        if (!val[FK_CC_COLUMN]) a->opts |= CV_AOPT_CC_AUTO;
    }
    if (val[FK_KEEP_DOMAIN]) {
        int b = parse_bool(val[FK_KEEP_DOMAIN]);
        if (b < 0) {
            problem(L, line_of(val[FK_KEEP_DOMAIN]), "'keep_domain' must be true or false");
            bad = 1;
        } else if (act != FK_TOKEN || (!bad && a->entity != CV_ENT_EMAIL)) {
            problem(L, line_of(val[FK_KEEP_DOMAIN]), "'keep_domain' applies only to {token: email}");
            bad = 1;
        } else if (b) {
            a->opts |= CV_AOPT_KEEP_DOMAIN;
        }
    }
    if (val[FK_BANDS]) {
        if (act != FK_GENERALISE || (!bad && a->gen != CV_GEN_BANDS)) {
            problem(L, line_of(val[FK_BANDS]), "'bands' applies only to {generalise: duration}");
            bad = 1;
        } else if (!bad && parse_bands(L, val[FK_BANDS], a) < 0) {
            bad = 1;
        }
    }
    if (val[FK_BANDS_AS]) {
        if (act != FK_GENERALISE || (!bad && a->gen != CV_GEN_BANDS)) {
            problem(L, line_of(val[FK_BANDS_AS]), "'bands_as' applies only to {generalise: duration}");
            bad = 1;
        } else if (scalar_is(val[FK_BANDS_AS], "lower_bound")) {
            a->opts |= CV_AOPT_BANDS_LOWER;
        } else if (!scalar_is(val[FK_BANDS_AS], "range")) {
            shown s = show(val[FK_BANDS_AS]);
            problem(L, line_of(val[FK_BANDS_AS]), "unknown 'bands_as' value '%s' (expected range or lower_bound)", s.s);
            bad = 1;
        }
    }
    if (val[FK_CC_COLUMN]) {
        if (act != FK_TOKEN || (!bad && (a->entity != CV_ENT_PHONE || (a->opts & CV_AOPT_CLID)))) {
            problem(L, line_of(val[FK_CC_COLUMN]), "'country_column' applies only to {token: phone}");
            bad = 1;
        } else if (!path_text_ok(val[FK_CC_COLUMN]) || memchr(sval(val[FK_CC_COLUMN]), '.', slen(val[FK_CC_COLUMN]))) {
            problem(L, line_of(val[FK_CC_COLUMN]), "'country_column' must be a plain column name");
            bad = 1;
        } else if (!bad) {
            a->cc_column = dup_n(L, sval(val[FK_CC_COLUMN]), slen(val[FK_CC_COLUMN]));
        }
    }
    if (val[FK_AREA_CODE]) {
        int b = parse_bool(val[FK_AREA_CODE]);
        if (b < 0 || !val[FK_CC_COLUMN]) {
            problem(L, line_of(val[FK_AREA_CODE]), "'area_code' (true or false) goes with 'country_column'");
            bad = 1;
        } else if (b) {
            a->opts |= CV_AOPT_AREA_CODE;
        }
    }
    if (val[FK_SHIFT_DAYS] || val[FK_SUBJECT]) {
        uint64_t x = 0;
        if (!val[FK_SHIFT_DAYS] || !val[FK_SUBJECT]) {
            problem(L, line_of(m), "'shift_days' and 'subject' go together");
            bad = 1;
        } else if (parse_uint(val[FK_SHIFT_DAYS], 3650, &x) < 0 || x == 0) {
            problem(L, line_of(val[FK_SHIFT_DAYS]), "'shift_days' must be a whole number of days from 1 to 3650");
            bad = 1;
        } else if (act >= 0 && act != FK_GENERALISE) {
            problem(L, line_of(val[FK_SHIFT_DAYS]), "'shift_days' applies to timestamps: alone or with 'generalise'");
            bad = 1;
        } else if (!bad && a->gen == CV_GEN_BANDS) {
            problem(L, line_of(val[FK_SHIFT_DAYS]), "'shift_days' applies to timestamps, not durations");
            bad = 1;
        } else if (!path_text_ok(val[FK_SUBJECT])) {
            problem(L, line_of(val[FK_SUBJECT]), "'subject' must name the field that identifies the subject");
            bad = 1;
        } else if (!bad) {
            a->shift_days = (uint32_t)x;
            a->subject = dup_n(L, sval(val[FK_SUBJECT]), slen(val[FK_SUBJECT]));
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
static int parse_field_action(loader *L, const yaml_node_t *v, cv_action *a)
{
    static const char *const names[] = { "keep", "drop", "scan", "redact", "mask" };
    static const uint8_t kinds[] = { CV_ACT_KEEP, CV_ACT_DROP, CV_ACT_SCAN, CV_ACT_REDACT, CV_ACT_MASK };
    memset(a, 0, sizeof *a);
    a->entity = -1;
    if (is_scalar(v)) {
        int i = index_of(v, names, 5);
        if (i >= 0) {
            a->kind = kinds[i];
            return 0;
        }
        if (scalar_is(v, "token")) {
            problem(L, line_of(v), "token needs a type, e.g. {token: phone}");
        } else if (scalar_is(v, "generalise")) {
            problem(L, line_of(v), "generalise needs a unit, e.g. {generalise: hour}");
        } else {
            shown s = show(v);
            problem(L, line_of(v), "unknown action '%s' (expected keep, drop, scan, token, redact, mask, generalise)", s.s);
        }
        return -1;
    }
    if (v && v->type == YAML_MAPPING_NODE) return parse_field_map(L, v, a);
    problem(L, line_of(v), "a field action must be a name or a mapping");
    return -1;
}

/* ---- inputs ------------------------------------------------------------ */

static int path_cmp(const void *x, const void *y)
{
    const cv_field_rule *a = x, *b = y;
    size_t n = a->path_len < b->path_len ? a->path_len : b->path_len;
    int c = memcmp(a->path, b->path, n);
    if (c) return c;
    if (a->path_len != b->path_len) return a->path_len < b->path_len ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

/* Duplicate paths, each reported at its later line. Works on a sorted copy:
 * the rules keep the order they were written in. */
static void check_dup_fields(loader *L, const cv_input_rule *in)
{
    if (in->nfields < 2) return;
    cv_field_rule *s = malloc(in->nfields * sizeof *s);
    if (!s) {
        L->oom = 1;
        return;
    }
    memcpy(s, in->fields, in->nfields * sizeof *s);
    qsort(s, in->nfields, sizeof *s, path_cmp);
    for (size_t i = 1; i < in->nfields; i++) {
        size_t j = i - 1;
        if (s[i].path_len == s[j].path_len && memcmp(s[i].path, s[j].path, s[i].path_len) == 0) {
            char shownpath[48];
            size_t k = 0;
            for (size_t b = 0; b < s[i].path_len && k < 40; b++) {
                unsigned char c = (unsigned char)s[i].path[b];
                shownpath[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
            }
            shownpath[k] = '\0';
            problem(L, s[i].line, "duplicate field '%s%s'", shownpath, s[i].path_len > 40 ? "..." : "");
        }
    }
    free(s);
}

/* keep_country_code's column when country_column names none: the field's
 * last key and "_country" ("customer.phone" -> "phone_country", "src" ->
 * "src_country"), written beside it. NULL after reporting (out of memory). */
static char *auto_cc_column(loader *L, const char *path, size_t n)
{
    while (n >= 2 && path[n - 2] == '[' && path[n - 1] == ']') n -= 2;
    size_t b = n;
    while (b > 0 && path[b - 1] != '.' && path[b - 1] != ']') b--;
    const char *key = path + b;
    size_t kl = n - b;
    if (kl == 0 || memchr(key, '*', kl)) { key = "phone"; kl = 5; }
    char *c = malloc(kl + sizeof "_country");
    if (!c) {
        L->oom = 1;
        return NULL;
    }
    memcpy(c, key, kl);
    memcpy(c + kl, "_country", sizeof "_country");
    return c;
}

static void load_fields(loader *L, const yaml_node_t *m, cv_input_rule *in)
{
    if (!m || m->type != YAML_MAPPING_NODE) {
        problem(L, line_of(m), "'fields' must be a mapping");
        return;
    }
    size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    if (n == 0) return;
    in->fields = calloc(n, sizeof *in->fields);
    if (!in->fields) {
        L->oom = 1;
        return;
    }
    int def_line = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = node_at(L, pr->key);
        if (!key_ok(L, k)) continue;
        if (!clean_text(k) || cv_utf8_valid_prefix(sval(k), slen(k)) != slen(k)) {
            problem(L, line_of(k), "invalid field path (empty, or with control characters)");
            continue;
        }
        cv_action a;
        int rc = parse_field_action(L, node_at(L, pr->value), &a);
        if (scalar_is(k, "*")) {
            if (def_line) {
                problem(L, line_of(k), "duplicate field '*' (first at line %d)", def_line);
                rc = -1;
            }
            def_line = line_of(k);
            if (rc == 0 && a.kind == CV_ACT_KEEP)
                warn(L, line_of(k), "'\"*\": keep' copies every field no rule names, personal data included; "
                                    "'scan' or 'drop' is safer");
            if (rc == 0 && (a.opts & CV_AOPT_CC_AUTO) && !(a.cc_column = auto_cc_column(L, "phone", 5))) rc = -1;
            if (rc == 0) {
                action_free(&in->def);
                in->def = a;
                continue;
            }
        } else if (rc == 0) {
            if (a.kind == CV_ACT_KEEP && personal_name(sval(k), slen(k))) {
                shown sh = show(k);
                warn(L, line_of(k), "'keep' on '%s': its name says it holds personal data", sh.s);
            }
            if ((a.opts & CV_AOPT_CC_AUTO) && !(a.cc_column = auto_cc_column(L, sval(k), slen(k)))) {
                action_free(&a);
                continue;
            }
            cv_field_rule *r = &in->fields[in->nfields];
            r->path = dup_n(L, sval(k), slen(k));
            if (r->path) {
                r->path_len = slen(k);
                r->act = a;
                r->line = line_of(k);
                in->nfields++;
                continue;
            }
        }
        action_free(&a);
    }
    check_dup_fields(L, in);
}

static void format_list(char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; cvi_formats[i]; i++) {
        int w = snprintf(buf + k, cap - k, "%s, ", cvi_formats[i]->name);
        if (w < 0 || (size_t)w >= cap - k) return;
        k += (size_t)w;
    }
    snprintf(buf + k, cap - k, "audio, auto");
}

enum { IK_MATCH, IK_FORMAT, IK_FIELDS, IK_RETENTION, IK_TRANSCRIPT, IK_AUDIO, IK_RISK, IK_REGION, IK_REGION_FIELD,
       IK_OUTPUT, IK__COUNT };

/* risk: {quasi: [COL...], subject: COL, points: N, enforce_k: K} */
static void load_risk(loader *L, const yaml_node_t *m, cv_risk_policy *r)
{
    static const char *const keys[] = { "quasi", "subject", "points", "enforce_k" };
    r->line = line_of(m);
    r->points = 4;
    if (!m || m->type != YAML_MAPPING_NODE) {
        problem(L, line_of(m), "'risk' must be a mapping {quasi, subject, points, enforce_k}");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *v = node_at(L, pr->value);
        uint64_t x;
        switch (sub_key(L, node_at(L, pr->key), keys, 4, &seen, "risk")) {
        case 0:
            load_paths(L, v, 32, "'quasi'", "field paths", "quasi-identifier name", &r->quasi, &r->nquasi);
            break;
        case 1:
            if (!path_text_ok(v)) problem(L, line_of(v), "'subject' must name the subject's column");
            else r->subject = dup_n(L, sval(v), slen(v));
            break;
        case 2:
            if (parse_uint(v, 16, &x) < 0 || x == 0) problem(L, line_of(v), "'points' must be 1 to 16");
            else r->points = (uint32_t)x;
            break;
        case 3:
            if (parse_uint(v, 1000000, &x) < 0 || x < 2) problem(L, line_of(v), "'enforce_k' must be 2 or more");
            else r->enforce_k = (uint32_t)x;
            break;
        default:
            break;
        }
    }
    if (!(seen & 1u)) problem(L, r->line, "'risk' needs 'quasi': the quasi-identifier columns");
}

/* audio: {spoken: silence|beep, pad_ms: N, dtmf: mute|off, metadata: strip, digit_run: N,
 *         codec: NAME, transcript: optional|required, channels: [SPEAKER, ...], voice: anonymise|keep} */
static void load_audio(loader *L, const yaml_node_t *m, cv_audio_policy *a)
{
    static const char *const keys[] = { "spoken", "pad_ms", "dtmf", "metadata", "digit_run", "codec", "transcript",
                                        "channels", "voice" };
    if (!m || m->type != YAML_MAPPING_NODE) {
        problem(L, line_of(m),
                "'audio' must be a mapping {spoken, pad_ms, dtmf, metadata, digit_run, codec, transcript, channels, "
                "voice}");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *v = node_at(L, pr->value);
        uint64_t x;
        switch (sub_key(L, node_at(L, pr->key), keys, 9, &seen, "audio")) {
        case 0:
            if (scalar_is(v, "silence")) a->beep = 0;
            else if (scalar_is(v, "beep")) a->beep = 1;
            else problem(L, line_of(v), "'spoken' must be silence or beep");
            break;
        case 1:
            if (parse_uint(v, 5000, &x) < 0) problem(L, line_of(v), "'pad_ms' must be 0 to 5000");
            else a->pad_ms = (uint16_t)x;
            break;
        case 2:
            if (scalar_is(v, "mute")) a->dtmf = 1;
            else if (scalar_is(v, "off")) a->dtmf = 0;
            else problem(L, line_of(v), "'dtmf' must be mute or off");
            break;
        case 3:
            if (!scalar_is(v, "strip"))
                problem(L, line_of(v), "'metadata' must be strip (container and stream metadata are always removed)");
            break;
        case 4:
            if (parse_uint(v, 64, &x) < 0 || x == 1) problem(L, line_of(v), "'digit_run' must be 0 (off) or 2 to 64");
            else a->digit_run = (uint32_t)x;
            break;
        case 5:
            if (!clean_text(v) || slen(v) > 32) problem(L, line_of(v), "'codec' must name an ffmpeg encoder");
            else a->codec = dup_n(L, sval(v), slen(v));
            break;
        case 6:
            if (scalar_is(v, "optional")) a->transcript_required = 0;
            else if (scalar_is(v, "required")) a->transcript_required = 1;
            else problem(L, line_of(v), "'transcript' (in audio) must be optional or required");
            break;
        case 7:
            load_paths(L, v, 64, "'channels'", "speaker names (one per channel, in channel order)", "speaker name",
                       &a->channels, &a->nchannels);
            for (size_t i = 0; i < a->nchannels; i++)
                for (size_t j = 0; j < i; j++)
                    if (strcmp(a->channels[i], a->channels[j]) == 0)
                        problem(L, line_of(v), "'channels' names one speaker twice (entries %zu and %zu)", j + 1,
                                i + 1);
            break;
        case 8:
            if (scalar_is(v, "anonymise") || scalar_is(v, "anonymize")) a->voice = 1;
            else if (scalar_is(v, "keep")) a->voice = 0;
            else problem(L, line_of(v), "'voice' must be anonymise or keep");
            break;
        default:
            break;
        }
    }
}

/* `region: GB` or `region: [GB, IE, US]`: the countries of national phone
 * numbers, in the order they are tried (cv_detect_opts); any ISO 3166
 * alpha-2 code libphonenumber knows, each once. */
static void load_regions(loader *L, const yaml_node_t *v, cv_detect_opts *o)
{
    static const char *const what = "'region' must be a country code (ISO 3166 alpha-2, e.g. GB) or a list of "
                                    "them (e.g. [GB, IE, US]), each once, at most 16";
    const yaml_node_t *one = v;
    size_t n = 1;
    if (v && v->type == YAML_SEQUENCE_NODE) {
        n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (n == 0 || n > CV_REGIONS_MAX) {
            problem(L, line_of(v), "%s", what);
            return;
        }
    }
    cv_detect_opts r;
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < n; i++) {
        if (v && v->type == YAML_SEQUENCE_NODE) one = node_at(L, v->data.sequence.items.start[i]);
        char c[3] = { 0 };
        if (is_scalar(one) && slen(one) == 2) {
            c[0] = (char)(sval(one)[0] & ~0x20);
            c[1] = (char)(sval(one)[1] & ~0x20);
        }
        int dup = i > 0 && memcmp(r.region, c, 3) == 0;
        for (size_t k = 0; k + 1 < i; k++) dup |= memcmp(r.more[k], c, 3) == 0;
        if (c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || dup || !cvi_pn_region_ok(c)) {
            shown sh = show(one);
            problem(L, line_of(one), "%s; '%s' is not one", what, sh.s);
            return;
        }
        if (i == 0) memcpy(r.region, c, 3);
        else memcpy(r.more[r.nmore++], c, 3);
    }
    *o = r;
}

static void load_input(loader *L, const yaml_node_t *m, cv_input_rule *in)
{
    static const char *const keys[IK__COUNT] = { "match", "format", "fields", "retention", "transcript", "audio", "risk",
                                                 "region", "region_field", "output" };
    in->line = line_of(m);
    in->audio.dtmf = 1;
    in->audio.voice = 1;       /* a voice identifies its speaker: anonymised unless the policy keeps it */
    in->audio.pad_ms = CV_TRANSCRIPT_PAD_MS;
    in->def.kind = CV_ACT_DROP;
    in->def.entity = -1;
    if (!m || m->type != YAML_MAPPING_NODE) {
        problem(L, line_of(m), "each entry of 'inputs' must be a mapping");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = node_at(L, pr->key);
        yaml_node_t *v = node_at(L, pr->value);
        if (!key_ok(L, k)) continue;
        int id = index_of(k, keys, IK__COUNT);
        if (id < 0) {
            bad_key(L, k);
            continue;
        }
        if (seen_before(L, k, &seen, id)) continue;
        switch (id) {
        case IK_MATCH:
            if (!clean_text(v)) {
                problem(L, line_of(v), "'match' must be a non-empty glob without control characters");
            } else if (slen(v) > MATCH_MAX) {
                problem(L, line_of(v), "'match' is longer than %d bytes", MATCH_MAX);
            } else {
                in->match = dup_n(L, sval(v), slen(v));
            }
            break;
        case IK_FORMAT:
            if (scalar_is(v, "auto") || scalar_is(v, "audio") ||
                (clean_text(v) && strlen(sval(v)) == slen(v) && cv_format_find(sval(v)))) {
                in->format = dup_n(L, sval(v), slen(v));
            } else {
                char list[256];
                shown s = show(v);
                format_list(list, sizeof list);
                problem(L, line_of(v), "unknown format '%s' (expected %s)", s.s, list);
            }
            break;
        case IK_FIELDS:
            load_fields(L, v, in);
            break;
        case IK_RETENTION:
            load_retention(L, v, &in->ret);
            break;
        case IK_TRANSCRIPT:
            if (!path_text_ok(v) || slen(v) > MATCH_MAX)
                problem(L, line_of(v), "'transcript' must be a path pattern like \"{dir}/{stem}.json\"");
            else
                in->transcript = dup_n(L, sval(v), slen(v));
            break;
        case IK_AUDIO:
            load_audio(L, v, &in->audio);
            break;
        case IK_RISK:
            load_risk(L, v, &in->risk);
            break;
        case IK_REGION:
            load_regions(L, v, &in->dopts);
            in->has_region = 1;
            break;
        case IK_OUTPUT:
            /* asterisk-cdr: "csv" writes a header row with cdr_csv's column
             * names; "asterisk-cdr" (the default) Master.csv's own form */
            if (scalar_is(v, "csv")) {
                in->output_csv = 1;
            } else if (!scalar_is(v, "asterisk-cdr")) {
                shown s = show(v);
                problem(L, line_of(v), "unknown output '%s' (expected csv or asterisk-cdr)", s.s);
            }
            break;
        case IK_REGION_FIELD:
            if (!path_text_ok(v) || slen(v) > MATCH_MAX)
                problem(L, line_of(v), "'region_field' must be the path of a field (e.g. customer.country)");
            else
                in->region_field = dup_n(L, sval(v), slen(v));
            break;
        }
    }
    if (!(seen & (1u << IK_MATCH))) problem(L, in->line, "missing 'match'");
    int audio = in->format && strcmp(in->format, "audio") == 0;
    if (!(seen & (1u << IK_FIELDS)) && !audio) problem(L, in->line, "missing 'fields'");
    if (audio && (seen & (1u << IK_RISK))) problem(L, in->line, "'risk' applies to record inputs, not audio");
    if (!audio && (seen & (1u << IK_TRANSCRIPT | 1u << IK_AUDIO)))
        problem(L, in->line, "'transcript' and 'audio' apply only to inputs with format: audio");
    if (!in->format && !(seen & (1u << IK_FORMAT))) in->format = dup_n(L, "auto", 4);
    if ((seen & (1u << IK_OUTPUT)) && (!in->format || strcmp(in->format, "asterisk-cdr") != 0))
        problem(L, in->line, "'output' applies only to inputs with format: asterisk-cdr");
}

static void load_inputs(loader *L, const yaml_node_t *s)
{
    if (!s || s->type != YAML_SEQUENCE_NODE) {
        problem(L, line_of(s), "'inputs' must be a list");
        return;
    }
    size_t n = (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
    if (n == 0) {
        problem(L, line_of(s), "'inputs' must not be empty");
        return;
    }
    cv_policy *p = L->p;
    p->inputs = calloc(n, sizeof *p->inputs);
    if (!p->inputs) {
        L->oom = 1;
        return;
    }
    for (size_t i = 0; i < n && !L->oom; i++) {
        load_input(L, node_at(L, s->data.sequence.items.start[i]), &p->inputs[i]);
        p->ninputs = i + 1;
    }
}

/* ---- top level --------------------------------------------------------- */

enum { TK_VERSION, TK_TENANT, TK_KEY, TK_REGION, TK_EPOCH, TK_ENTITIES, TK_INPUTS, TK_VAULT, TK_ERASURE,
       TK_RETENTION, TK_DETECTORS, TK_DOMAINS, TK_ALLOW, TK_TRUNKS, TK__COUNT };

static int tenant_ok(const yaml_node_t *v)
{
    if (!is_scalar(v) || slen(v) < 1 || slen(v) > 64) return 0;
    for (size_t i = 0; i < slen(v); i++) {
        char c = sval(v)[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* A file path from the policy: relative paths are relative to the policy's directory. */
static char *rel_path(loader *L, const char *v, size_t vn)
{
    if (v[0] == '/' || !L->dir) return dup_n(L, v, vn);
    size_t n = L->dirlen + 1 + vn;
    char *out = malloc(n + 1);
    if (!out) {
        L->oom = 1;
        return NULL;
    }
    memcpy(out, L->dir, L->dirlen);
    out[L->dirlen] = '/';
    memcpy(out + L->dirlen + 1, v, vn);
    out[n] = '\0';
    return out;
}

static void load_key(loader *L, const yaml_node_t *v)
{
    cv_policy *p = L->p;
    if (!is_scalar(v) || slen(v) == 0 || memchr(sval(v), '\0', slen(v))) {
        problem(L, line_of(v), "'key' must be a non-empty path");
        return;
    }
    free(p->key_path);
    p->key_path = rel_path(L, sval(v), slen(v));
}

/* ---- detectors, domains, allow (what the policy adds to detection) ------ */

const char *cvi_policy_entity_name(const cv_policy *p, int e)
{
    if (e >= 0 && e < CV_ENT__COUNT) return cv_entity_name(e);
    if (p && e >= CV_ENT__COUNT && (size_t)(e - CV_ENT__COUNT) < p->ncustom_entity)
        return p->custom_entity[e - CV_ENT__COUNT];
    return NULL;
}

int cvi_policy_entities(const cv_policy *p) { return CV_ENT__COUNT + (p ? (int)p->ncustom_entity : 0); }

/* A built-in or custom entity by name, or -1. */
static int entity_id(const loader *L, const char *v, size_t n)
{
    int e = cv_entity_from_name(v, n);
    if (e >= 0) return e;
    for (size_t k = 0; k < L->p->ncustom_entity; k++)
        if (strlen(L->p->custom_entity[k]) == n && memcmp(L->p->custom_entity[k], v, n) == 0)
            return CV_ENT__COUNT + (int)k;
    return -1;
}

static int domain_declared(const loader *L, const char *v, size_t n)
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
static const char *nearest_name(const loader *L, const char *v, size_t n)
{
    const char *best = NULL;
    size_t bd = 3;
    for (int e = 0; e < CV_ENT__COUNT; e++) {
        size_t d = distance(v, n, cv_entity_name(e));
        if (d < bd) { bd = d; best = cv_entity_name(e); }
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

static void load_domains(loader *L, const yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        problem(L, line_of(v), "'domains' must be a list of token domain names");
        return;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    L->p->domains = calloc(n ? n : 1, sizeof *L->p->domains);
    if (!L->p->domains) { L->oom = 1; return; }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        const yaml_node_t *d = node_at(L, *it);
        if (!is_scalar(d) || !custom_type_ok(sval(d), slen(d)) || cv_entity_from_name(sval(d), slen(d)) >= 0) {
            shown sh = show(d);
            problem(L, line_of(d), "invalid domain '%s' (expected [a-z][a-z0-9_]{0,31}, not an entity name)", sh.s);
            continue;
        }
        if (domain_declared(L, sval(d), slen(d))) {
            shown sh = show(d);
            problem(L, line_of(d), "domain '%s' listed twice", sh.s);
            continue;
        }
        char *z = dup_n(L, sval(d), slen(d));
        if (z) L->p->domains[L->p->ndomains++] = z;
    }
}

/* A word list from a sequence of scalars or a file (one entry per line). */
static cv_wordset *load_words(loader *L, const yaml_node_t *list, const yaml_node_t *file, const char *what)
{
    cv_wordset_builder *b = cv_wordset_builder_create();
    cv_wordset *set = NULL;
    cv_buf text = { 0 };
    if (!b) { L->oom = 1; return NULL; }
    int bad = 0;
    if (list) {
        if (list->type != YAML_SEQUENCE_NODE) {
            problem(L, line_of(list), "'%s' must be a list of words or phrases", what);
            bad = 1;
        } else {
            for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
                const yaml_node_t *w = node_at(L, *it);
                int rc = is_scalar(w) && clean_text(w) ? cv_wordset_builder_add(b, sval(w), slen(w), 0) : CV_EINPUT;
                if (rc == CV_ENOMEM) { L->oom = 1; bad = 1; break; }
                if (rc < 0) {
                    problem(L, line_of(w), "'%s' entries must be non-empty words or phrases", what);
                    bad = 1;
                }
            }
        }
    } else {
        char *path = path_text_ok(file) ? rel_path(L, sval(file), slen(file)) : NULL;
        if (!path) {
            problem(L, line_of(file), "'%s_file' must be a file path", what);
            bad = 1;
        } else if (cvi_read_file(path, &text, (size_t)64 << 20) != 0) {
            problem(L, line_of(file), "'%s_file': cannot read the file (or it is over 64 MiB)", what);
            bad = 1;
        } else {
            const char *q = text.p, *end = text.p + text.n;
            int lineno = 0;
            while (q < end && !bad) {
                const char *nl = memchr(q, '\n', (size_t)(end - q));
                size_t ln = nl ? (size_t)(nl - q) : (size_t)(end - q);
                lineno++;
                if (ln && q[ln - 1] == '\r') ln--;
                if (cv_utf8_valid_prefix(q, ln) != ln) {
                    problem(L, line_of(file), "'%s_file': line %d is not UTF-8", what, lineno);
                    bad = 1;
                } else if (ln && q[0] != '#') {
                    int rc = cv_wordset_builder_add(b, q, ln, 0);
                    if (rc == CV_ENOMEM) { L->oom = 1; bad = 1; }
                }
                q += (nl ? ln + 1 + (q[ln] == '\r') : ln);
                if (!nl) break;
            }
        }
        free(path);
    }
    if (!bad && cv_wordset_builder_count(b) == 0) {
        problem(L, line_of(list ? list : file), "'%s' holds no words", what);
        bad = 1;
    }
    if (!bad && cv_wordset_build(b, &set) != 0) { L->oom = 1; set = NULL; }
    cv_wordset_builder_free(b);
    cv_buf_free(&text);
    if (set) L->p->wordsets[L->p->nwordsets++] = set;
    return set;
}

enum { DK_NAME, DK_ENTITY, DK_REGEX, DK_WORDS, DK_WORDS_FILE, DK_CONTEXT, DK_CONTEXT_WINDOW, DK_VALIDATE,
       DK_NORMALISE, DK__COUNT };

static void load_detector(loader *L, const yaml_node_t *m)
{
    static const char *const keys[DK__COUNT] = { "name", "entity", "regex", "words", "words_file", "context",
                                                 "context_window", "validate", "normalise" };
    cv_policy *p = L->p;
    if (!m || m->type != YAML_MAPPING_NODE) {
        problem(L, line_of(m), "a detector must be a mapping with name, entity and regex, words or words_file");
        return;
    }
    if (p->ncustom == CV_CUSTOM_MAX) {
        problem(L, line_of(m), "more than %d detectors", CV_CUSTOM_MAX);
        return;
    }
    const yaml_node_t *v[DK__COUNT] = { 0 };
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        int id = sub_key(L, node_at(L, pr->key), keys, DK__COUNT, &seen, "detector");
        if (id >= 0) v[id] = node_at(L, pr->value);
    }
    int nsrc = !!v[DK_REGEX] + !!v[DK_WORDS] + !!v[DK_WORDS_FILE];
    int line = line_of(m);
    if (!v[DK_NAME] || !is_scalar(v[DK_NAME]) || !custom_type_ok(sval(v[DK_NAME]), slen(v[DK_NAME]))) {
        problem(L, line, "a detector needs a 'name' matching [a-z][a-z0-9_]{0,31}");
        return;
    }
    for (size_t k = 0; k < p->ncustom; k++)
        if (strlen(p->custom[k].name) == slen(v[DK_NAME]) && !memcmp(p->custom[k].name, sval(v[DK_NAME]), slen(v[DK_NAME]))) {
            problem(L, line_of(v[DK_NAME]), "detector name '%s' used twice", p->custom[k].name);
            return;
        }
    if (nsrc != 1) {
        problem(L, line, "a detector needs exactly one of 'regex', 'words' or 'words_file'");
        return;
    }
    if (!v[DK_ENTITY] || !is_scalar(v[DK_ENTITY]) || !custom_type_ok(sval(v[DK_ENTITY]), slen(v[DK_ENTITY]))) {
        problem(L, line, "a detector needs an 'entity': a built-in one or a new name matching [a-z][a-z0-9_]{0,31}");
        return;
    }
    cv_custom_detector d;
    memset(&d, 0, sizeof d);
    int e = entity_id(L, sval(v[DK_ENTITY]), slen(v[DK_ENTITY]));
    if (e < 0) {
        if (domain_declared(L, sval(v[DK_ENTITY]), slen(v[DK_ENTITY]))) {
            problem(L, line_of(v[DK_ENTITY]), "'%.*s' is a domain; a detector's entity is declared by the detector",
                    (int)slen(v[DK_ENTITY]), sval(v[DK_ENTITY]));
            return;
        }
        char *z = dup_n(L, sval(v[DK_ENTITY]), slen(v[DK_ENTITY]));
        if (!z) return;
        e = CV_ENT__COUNT + (int)p->ncustom_entity;
        p->custom_entity[p->ncustom_entity++] = z;
        /* a new entity's identifiers are tokenised unless `entities:` says otherwise */
        memset(&p->entities[e], 0, sizeof p->entities[e]);
        p->entities[e].kind = CV_ACT_TOKEN;
        p->entities[e].entity = e;
        p->entities[e].domain = dup_n(L, z, strlen(z));
    }
    d.entity = e;
    d.norm = v[DK_REGEX] ? CV_CNORM_NONE : CV_CNORM_LOWER;
    if (v[DK_REGEX]) {
        if (!is_scalar(v[DK_REGEX]) || slen(v[DK_REGEX]) == 0 || slen(v[DK_REGEX]) > 4096) {
            problem(L, line_of(v[DK_REGEX]), "'regex' must be a PCRE2 pattern of 1-4096 bytes");
            return;
        }
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)sval(v[DK_REGEX]), slen(v[DK_REGEX]), PCRE2_UTF, &ec, &eo, NULL);
        if (!c) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(ec, msg, sizeof msg);
            problem(L, line_of(v[DK_REGEX]), "'regex' does not compile at offset %zu: %s", (size_t)eo, (char *)msg);
            return;
        }
        uint32_t minlen = 0;
        pcre2_pattern_info(c, PCRE2_INFO_MINLENGTH, &minlen);
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
        int empty = minlen == 0 || (md && pcre2_match(c, (PCRE2_SPTR) "", 0, 0, 0, md, NULL) >= 0);
        pcre2_match_data_free(md);
        pcre2_code_free(c);
        if (empty) {
            problem(L, line_of(v[DK_REGEX]), "'regex' can match the empty string");
            return;
        }
        d.regex = dup_n(L, sval(v[DK_REGEX]), slen(v[DK_REGEX]));
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
        if (!d.context || parse_uint(v[DK_CONTEXT_WINDOW], 100, &x) < 0 || x == 0)
            problem(L, line_of(v[DK_CONTEXT_WINDOW]), "'context_window' must be 1-100 words, with 'context'");
        else
            d.context_window = (uint32_t)x;
    }
    if (v[DK_VALIDATE]) {
        static const char *const checks[] = { "none", "luhn", "mod97", "mod11" };
        int i = is_scalar(v[DK_VALIDATE]) ? index_of(v[DK_VALIDATE], checks, 4) : -1;
        if (i < 0) problem(L, line_of(v[DK_VALIDATE]), "'validate' must be none, luhn, mod97 or mod11");
        else d.check = (cv_custom_check)i;
    }
    if (v[DK_NORMALISE]) {
        static const char *const norms[] = { "none", "digits", "upper", "lower" };
        int i = is_scalar(v[DK_NORMALISE]) ? index_of(v[DK_NORMALISE], norms, 4) : -1;
        if (i < 0) problem(L, line_of(v[DK_NORMALISE]), "'normalise' must be none, digits, upper or lower");
        else d.norm = (cv_custom_norm)i;
    }
    d.name = dup_n(L, sval(v[DK_NAME]), slen(v[DK_NAME]));
    if (!d.name) { free((char *)d.regex); return; }
    p->custom_line[p->ncustom] = line;
    p->custom[p->ncustom++] = d;
}

static void load_detectors(loader *L, const yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        problem(L, line_of(v), "'detectors' must be a list");
        return;
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top && !L->oom; it++)
        load_detector(L, node_at(L, *it));
}

/* trunks: Asterisk peer names that are carriers' trunks, kept readable in
 * channels and dial strings (the agent detector knows trunk, gw, provider,
 * ... in a name; these are the rest). */
static void load_trunks(loader *L, const yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        problem(L, line_of(v), "'trunks' must be a list of Asterisk peer names");
        return;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    L->p->trunks = calloc(n ? n : 1, sizeof *L->p->trunks);
    if (!L->p->trunks) { L->oom = 1; return; }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        const yaml_node_t *t = node_at(L, *it);
        if (!is_scalar(t) || slen(t) == 0 || slen(t) > 64 || !clean_text(t)) {
            problem(L, line_of(t), "a trunk is a peer name of 1-64 characters");
            continue;
        }
        char *z = dup_n(L, sval(t), slen(t));
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
static void load_allow(loader *L, const yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        problem(L, line_of(v), "'allow' must be a list of values, {icase: VALUE} or {regex: PATTERN}");
        return;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    L->p->allow = calloc(n ? n : 1, sizeof *L->p->allow);
    if (!L->p->allow) { L->oom = 1; return; }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        const yaml_node_t *x = node_at(L, *it), *val = x;
        cv_allow a = { .kind = CV_ALLOW_EXACT, .line = line_of(x) };
        if (x && x->type == YAML_MAPPING_NODE && x->data.mapping.pairs.top - x->data.mapping.pairs.start == 1) {
            const yaml_node_t *k = node_at(L, x->data.mapping.pairs.start->key);
            val = node_at(L, x->data.mapping.pairs.start->value);
            if (scalar_is(k, "icase")) a.kind = CV_ALLOW_ICASE;
            else if (scalar_is(k, "regex")) a.kind = CV_ALLOW_REGEX;
            else if (!scalar_is(k, "exact")) val = NULL;
        }
        if (!is_scalar(val) || slen(val) == 0 || slen(val) > CV_NORM_MAX) {
            problem(L, a.line, "an allow entry is a value (1-%d bytes), {icase: VALUE} or {regex: PATTERN}", CV_NORM_MAX);
            continue;
        }
        if (a.kind == CV_ALLOW_REGEX) {
            int ec;
            PCRE2_SIZE eo;
            a.re = pcre2_compile((PCRE2_SPTR)sval(val), slen(val), PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec,
                                 &eo, NULL);
            if (!a.re) {
                PCRE2_UCHAR msg[160];
                pcre2_get_error_message(ec, msg, sizeof msg);
                problem(L, a.line, "allow 'regex' does not compile at offset %zu: %s", (size_t)eo, (char *)msg);
                continue;
            }
        }
        a.text = dup_n(L, sval(val), slen(val));
        a.len = slen(val);
        if (!a.text) { pcre2_code_free((pcre2_code *)a.re); return; }
        L->p->allow[L->p->nallow++] = a;
    }
}

static void load_root(loader *L, const yaml_node_t *root)
{
    static const char *const keys[TK__COUNT] = { "version", "tenant", "key", "region", "epoch", "entities",
                                                 "inputs", "vault", "erasure", "retention", "detectors",
                                                 "domains", "allow", "trunks" };
    cv_policy *p = L->p;
    if (!root || (root->type == YAML_SCALAR_NODE && slen(root) == 0)) {
        problem(L, root ? line_of(root) : 1, "the policy is empty");
        return;
    }
    if (root->type != YAML_MAPPING_NODE) {
        problem(L, line_of(root), "the policy must be a mapping");
        return;
    }
    /* Declarations first (detectors, domains), whatever their place in the
     * file: entities and field rules may name what they declare. */
    uint32_t seen = 0, declared = 0;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = node_at(L, pr->key);
        int id = is_scalar(k) ? index_of(k, keys, TK__COUNT) : -1;
        if (id != TK_DETECTORS && id != TK_DOMAINS) continue;
        if (declared & (1u << id)) continue;   /* the main pass reports the duplicate */
        declared |= 1u << id;
        if (id == TK_DETECTORS) load_detectors(L, node_at(L, pr->value));
        else load_domains(L, node_at(L, pr->value));
    }
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = node_at(L, pr->key);
        yaml_node_t *v = node_at(L, pr->value);
        if (!key_ok(L, k)) continue;
        int id = index_of(k, keys, TK__COUNT);
        if (id < 0) {
            bad_key(L, k);
            continue;
        }
        if (seen_before(L, k, &seen, id)) continue;
        uint64_t x;
        switch (id) {
        case TK_DETECTORS:
        case TK_DOMAINS:
            break;   /* loaded above */
        case TK_ALLOW:
            load_allow(L, v);
            break;
        case TK_TRUNKS:
            load_trunks(L, v);
            break;
        case TK_VERSION:
            if (parse_uint(v, 1000, &x) < 0 || x != 1)
                problem(L, line_of(v), "'version' must be 1");
            else
                p->version = 1;
            break;
        case TK_TENANT:
            if (!tenant_ok(v)) {
                problem(L, line_of(v), "'tenant' must be 1-64 characters of A-Z a-z 0-9 . _ -");
            } else {
                free(p->tenant);
                p->tenant = dup_n(L, sval(v), slen(v));
            }
            break;
        case TK_KEY:
            load_key(L, v);
            break;
        case TK_REGION:
            load_regions(L, v, &p->dopts);
            break;
        case TK_EPOCH:
            if (parse_uint(v, UINT64_MAX, &x) < 0)
                problem(L, line_of(v), "'epoch' must be a non-negative integer");
            else
                p->epoch = x;
            break;
        case TK_ENTITIES:
            load_entities(L, v);
            break;
        case TK_INPUTS:
            load_inputs(L, v);
            break;
        case TK_VAULT: {
            static const char *const vkeys[] = { "public_key" };
            const yaml_node_t *pk = NULL;
            uint32_t vseen = 0;
            if (v && v->type == YAML_MAPPING_NODE)
                for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++)
                    if (sub_key(L, node_at(L, q->key), vkeys, 1, &vseen, "vault") == 0) pk = node_at(L, q->value);
            if (!pk) problem(L, line_of(v), "'vault' needs {public_key: FILE} (made by `callveil keygen --controller`)");
            else if (!path_text_ok(pk)) problem(L, line_of(pk), "'public_key' must be a file path");
            else p->vault_pub = rel_path(L, sval(pk), slen(pk));
            break;
        }
        case TK_ERASURE:
            if (scalar_is(v, "drop")) p->erasure_replace = 0;
            else if (scalar_is(v, "replace")) p->erasure_replace = 1;
            else problem(L, line_of(v), "'erasure' must be drop (remove the subject's records) or replace "
                                        "(their tokens become [erased])");
            break;
        case TK_RETENTION:
            load_retention(L, v, &p->ret);
            break;
        }
    }
    if (!(seen & (1u << TK_VERSION))) problem(L, line_of(root), "missing 'version'");
    if (!(seen & (1u << TK_INPUTS))) problem(L, line_of(root), "missing 'inputs'");
}

/* Event pass before loading: reports syntax errors, and refuses anchors and
 * aliases (a policy never needs them, and libyaml's anchor lookup is linear,
 * so thousands of them would make loading quadratic; aliases would let a
 * small file expand into a huge policy). Returns 0 if the text may be loaded. */
static int prescan(loader *L, const char *text, size_t len)
{
    yaml_parser_t ps;
    yaml_event_t ev;
    int rc = 0, docs = 0;
    if (!yaml_parser_initialize(&ps)) {
        L->oom = 1;
        return -1;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    for (;;) {
        if (!yaml_parser_parse(&ps, &ev)) {
            if (ps.error == YAML_MEMORY_ERROR) L->oom = 1;
            else problem(L, (int)ps.problem_mark.line + 1, "YAML syntax error: %s",
                         ps.problem ? ps.problem : "unknown problem");
            rc = -1;
            break;
        }
        const yaml_char_t *anchor = NULL;
        int is_alias = 0;
        switch (ev.type) {
        case YAML_ALIAS_EVENT: is_alias = 1; break;
        case YAML_SCALAR_EVENT: anchor = ev.data.scalar.anchor; break;
        case YAML_SEQUENCE_START_EVENT: anchor = ev.data.sequence_start.anchor; break;
        case YAML_MAPPING_START_EVENT: anchor = ev.data.mapping_start.anchor; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs == 2) problem(L, (int)ev.start_mark.line + 1, "a policy is a single YAML document");
            break;
        default: break;
        }
        int line = (int)ev.start_mark.line + 1;
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (is_alias || anchor) {
            problem(L, line, "anchors and aliases are not supported");
            rc = -1;
            break;
        }
        if (type == YAML_STREAM_END_EVENT) break;
    }
    yaml_parser_delete(&ps);
    return rc;
}

/* The common path of load and check. On return *out holds the policy when
 * there was no problem (and out is non-NULL). Returns 0, CV_ENOMEM, or
 * CV_EPOLICY with the first problem in L->first. */
static int parse_policy(loader *L, const char *name, const char *text, size_t len, cv_policy **out)
{
    int rc = 0;
    int have_doc = 0;
    yaml_parser_t ps;
    yaml_document_t doc;
    cv_policy *p = NULL;

    if (len > POLICY_MAX) {
        problem(L, 0, "the policy is larger than 1 MiB");
        rc = CV_EPOLICY;
        goto out;
    }
    if (prescan(L, text, len) < 0) {
        rc = L->oom ? CV_ENOMEM : CV_EPOLICY;
        goto out;
    }
    if (!yaml_parser_initialize(&ps)) {
        rc = CV_ENOMEM;
        goto out;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    have_doc = yaml_parser_load(&ps, &doc);
    if (!have_doc) {
        if (ps.error == YAML_MEMORY_ERROR) L->oom = 1;
        else problem(L, (int)ps.problem_mark.line + 1, "YAML syntax error: %s",
                     ps.problem ? ps.problem : "unknown problem");
    }
    yaml_parser_delete(&ps);
    if (!have_doc) {
        rc = L->oom ? CV_ENOMEM : CV_EPOLICY;
        goto out;
    }
    L->doc = &doc;

    p = calloc(1, sizeof *p);
    if (!p) {
        L->oom = 1;
        goto done;
    }
    L->p = p;
    p->name = dup_n(L, name, strlen(name));
    p->tenant = dup_n(L, "default", 7);
    memcpy(p->dopts.region, "GB", 3);
    for (int e = 0; e < CV_ENT__COUNT; e++) default_entity(L, e, &p->entities[e]);
    crypto_generichash(p->hash, sizeof p->hash, (const unsigned char *)text, len, NULL, 0);
    if (!L->oom) load_root(L, yaml_document_get_root_node(&doc));

done:
    yaml_document_delete(&doc);
    L->doc = NULL;
    if (L->oom) rc = CV_ENOMEM;
    else if (L->problems) rc = CV_EPOLICY;
out:
    if (rc == 0 && L->problems) rc = CV_EPOLICY;
    if (rc == 0 && out) *out = p;
    else cv_policy_free(p);
    L->p = NULL;
    return rc;
}

static int report(cv_ctx *ctx, const char *name, const loader *L, int rc)
{
    if (rc == CV_ENOMEM) return cvi_error(ctx, rc, "%s: out of memory while loading the policy", name);
    if (L->first_line > 0) return cvi_error(ctx, rc, "%s:%d: %s", name, L->first_line, L->first);
    return cvi_error(ctx, rc, "%s: %s", name, L->first);
}

/* Read a policy file whole, at most POLICY_MAX + 1 bytes (enough to refuse it). */
static int read_file(cv_ctx *ctx, const char *path, char **text, size_t *len)
{
    int rc = 0;
    size_t cap = 0, n = 0;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char e[128];
        if (strerror_r(errno, e, sizeof e) != 0) snprintf(e, sizeof e, "error %d", errno);
        return cvi_error(ctx, CV_EIO, "%s: cannot open the policy: %s", path, e);
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 && (uint64_t)st.st_size <= POLICY_MAX)
        cap = (size_t)st.st_size + 1;
    else
        cap = 64 * 1024;
    for (;;) {
        if (n == cap) {
            if (cap > POLICY_MAX) break;     /* holds POLICY_MAX + 1 bytes: too large */
            size_t nc = cap * 2 > POLICY_MAX + 1 ? POLICY_MAX + 1 : cap * 2;
            char *nb = realloc(buf, nc);
            if (!nb) {
                rc = cvi_error(ctx, CV_ENOMEM, "%s: out of memory while reading the policy", path);
                goto out;
            }
            buf = nb;
            cap = nc;
        } else if (!buf) {
            buf = malloc(cap);
            if (!buf) {
                rc = cvi_error(ctx, CV_ENOMEM, "%s: out of memory while reading the policy", path);
                goto out;
            }
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            char e[128];
            if (strerror_r(errno, e, sizeof e) != 0) snprintf(e, sizeof e, "error %d", errno);
            rc = cvi_error(ctx, CV_EIO, "%s: cannot read the policy: %s", path, e);
            goto out;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
out:
    close(fd);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *text = buf;
    *len = n;
    return 0;
}

static void set_dir(loader *L, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash) {
        L->dir = path;
        L->dirlen = (size_t)(slash - path);
    }
}

int cv_policy_load_mem(cv_ctx *ctx, const char *name, const char *text, size_t len, cv_policy **out)
{
    if (!out || (!text && len)) return cvi_error(ctx, CV_EUSAGE, "cv_policy_load_mem: invalid argument");
    *out = NULL;
    if (!name) name = "<memory>";
    loader L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.name = name;
    int rc = parse_policy(&L, name, text ? text : "", len, out);
    return rc < 0 ? report(ctx, name, &L, rc) : 0;
}

int cv_policy_load(cv_ctx *ctx, const char *path, cv_policy **out)
{
    if (!out) return cvi_error(ctx, CV_EUSAGE, "cv_policy_load: invalid argument");
    *out = NULL;
    if (!path) return cv_policy_load_mem(ctx, "<default>", cvi_default_policy, cvi_default_policy_len, out);
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(ctx, path, &text, &len);
    if (rc < 0) return rc;
    loader L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.name = path;
    set_dir(&L, path);
    rc = parse_policy(&L, path, text, len, out);
    free(text);
    return rc < 0 ? report(ctx, path, &L, rc) : 0;
}

int cv_policy_check(cv_ctx *ctx, const char *path, cv_diag_fn fn, void *ud)
{
    char *text = NULL;
    size_t len = 0;
    const char *name = path ? path : "<default>";
    loader L;
    memset(&L, 0, sizeof L);
    L.fn = fn;
    L.ud = ud;
    if (path) {
        int rc = read_file(ctx, path, &text, &len);
        if (rc < 0) return rc;
        set_dir(&L, path);
    }
    int rc = parse_policy(&L, name, text ? text : cvi_default_policy, text ? len : cvi_default_policy_len, NULL);
    free(text);
    if (rc == CV_ENOMEM) return report(ctx, name, &L, rc);
    if (L.problems) report(ctx, name, &L, CV_EPOLICY);
    return L.problems;
}

const char *cv_policy_default_text(void) { return cvi_default_policy; }

const char *cv_policy_key_path(const cv_policy *p) { return p ? p->key_path : NULL; }

const char *cv_policy_tenant(const cv_policy *p) { return p ? p->tenant : NULL; }

void cv_policy_free(cv_policy *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->ninputs; i++) {
        cv_input_rule *in = &p->inputs[i];
        for (size_t j = 0; j < in->nfields; j++) {
            free(in->fields[j].path);
            action_free(&in->fields[j].act);
        }
        free(in->fields);
        action_free(&in->def);
        free(in->match);
        free(in->format);
        retention_free(&in->ret);
        free(in->transcript);
        free(in->region_field);
        free(in->audio.codec);
        for (size_t j = 0; j < in->audio.nchannels; j++) free(in->audio.channels[j]);
        free(in->audio.channels);
        for (size_t j = 0; j < in->risk.nquasi; j++) free(in->risk.quasi[j]);
        free(in->risk.quasi);
        free(in->risk.subject);
    }
    retention_free(&p->ret);
    free(p->vault_pub);
    free(p->inputs);
    for (int e = 0; e < CV_ENT_MAX; e++) action_free(&p->entities[e]);
    for (size_t i = 0; i < p->ncustom; i++) {
        free((char *)p->custom[i].name);
        free((char *)p->custom[i].regex);
    }
    for (size_t i = 0; i < p->ncustom_entity; i++) free(p->custom_entity[i]);
    for (size_t i = 0; i < p->ndomains; i++) free(p->domains[i]);
    free(p->domains);
    for (size_t i = 0; i < p->nwordsets; i++) cv_wordset_free(p->wordsets[i]);
    for (size_t i = 0; i < p->nallow; i++) {
        free(p->allow[i].text);
        pcre2_code_free((pcre2_code *)p->allow[i].re);
    }
    free(p->allow);
    for (size_t i = 0; i < p->ntrunks; i++) free(p->trunks[i]);
    free(p->trunks);
    free(p->name);
    free(p->tenant);
    free(p->key_path);
    free(p);
}

const cv_input_rule *cvi_policy_input_for(const cv_policy *p, const char *relpath, const char *fmt)
{
    if (!p || !relpath) return NULL;
    for (size_t i = 0; i < p->ninputs; i++) {
        const cv_input_rule *in = &p->inputs[i];
        if (!in->match || !cvi_glob_match(in->match, relpath)) continue;
        if (fmt && in->format && strcmp(in->format, fmt) != 0 && strcmp(in->format, "auto") != 0) continue;
        return in;
    }
    return NULL;
}
