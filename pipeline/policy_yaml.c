/*
 * policy_yaml.c - the YAML node helpers of the policy loader (policy_yaml.h):
 * problems and warnings with their line, scalars, lists of paths, tables of
 * keys. Every section parser reads its nodes through these.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_yaml.h"

/* Keys of features that are not built yet: a policy relying on one of them
 * must not run as if it did not. */
static const char *const unsupported_keys[] = { "as_of" };

void cvi_problem(cvi_loader *L, int line, const char *fmt, ...)
{
    char msg[CVI_POLICY_MSG_MAX];
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

void cvi_warn(cvi_loader *L, int line, const char *fmt, ...)
{
    char msg[CVI_POLICY_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (L->fn) {
        char w[CVI_POLICY_MSG_MAX + 16];
        snprintf(w, sizeof w, "warning: %s", msg);
        L->fn(L->ud, line, w);
    } else if (L->ctx) {
        cvi_log(L->ctx, CV_LOG_WARN, "%s:%d: %s", L->name ? L->name : "policy", line, msg);
    }
}

char *cvi_dup_n(cvi_loader *L, const char *s, size_t n)
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

int cvi_scalar_is(const yaml_node_t *n, const char *z)
{
    size_t k = strlen(z);
    return cvi_is_scalar(n) && cvi_slen(n) == k && memcmp(cvi_sval(n), z, k) == 0;
}

cvi_shown cvi_show(const yaml_node_t *n)
{
    cvi_shown o;
    size_t k = 0, len = cvi_is_scalar(n) ? cvi_slen(n) : 0;
    const unsigned char *v = cvi_is_scalar(n) ? (const unsigned char *)cvi_sval(n) : NULL;
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
int cvi_clean_text(const yaml_node_t *n)
{
    if (!cvi_is_scalar(n) || cvi_slen(n) == 0) return 0;
    const unsigned char *v = (const unsigned char *)cvi_sval(n);
    for (size_t i = 0; i < cvi_slen(n); i++)
        if (v[i] < 0x20 || v[i] == 0x7f) return 0;
    return 1;
}

/* YAML 1.1 semantics: a quoted "1" is a string, so integers must be plain. */
int cvi_parse_uint(const yaml_node_t *n, uint64_t max, uint64_t *out)
{
    if (!cvi_is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return -1;
    size_t len = cvi_slen(n);
    const char *v = cvi_sval(n);
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
int cvi_parse_bool(const yaml_node_t *n)
{
    if (!cvi_is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return -1;
    if (cvi_scalar_is(n, "true") || cvi_scalar_is(n, "True") || cvi_scalar_is(n, "TRUE")) return 1;
    if (cvi_scalar_is(n, "false") || cvi_scalar_is(n, "False") || cvi_scalar_is(n, "FALSE")) return 0;
    return -1;
}

/* Mapping keys must be scalars; report and skip otherwise. */
int cvi_key_ok(cvi_loader *L, const yaml_node_t *k)
{
    if (cvi_is_scalar(k)) return 1;
    cvi_problem(L, cvi_line_of(k), "mapping keys must be plain strings");
    return 0;
}

int cvi_index_of(const yaml_node_t *k, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cvi_scalar_is(k, names[i])) return (int)i;
    return -1;
}

/* An unknown key: unsupported feature, or plain unknown. */
int cvi_key_unsupported(const yaml_node_t *k)
{
    return cvi_index_of(k, unsupported_keys, sizeof unsupported_keys / sizeof *unsupported_keys) >= 0;
}

void cvi_bad_key(cvi_loader *L, const yaml_node_t *k)
{
    cvi_shown s = cvi_show(k);
    if (cvi_key_unsupported(k))
        cvi_problem(L, cvi_line_of(k), "'%s' is not supported by this version of callveil", s.s);
    else
        cvi_problem(L, cvi_line_of(k), "unknown key '%s'", s.s);
}

/* Returns 1 if this key was seen before in its mapping (and reports it). */
int cvi_seen_before(cvi_loader *L, const yaml_node_t *k, uint32_t *seen, int id)
{
    if (*seen & (1u << id)) {
        cvi_shown s = cvi_show(k);
        cvi_problem(L, cvi_line_of(k), "duplicate key '%s'", s.s);
        return 1;
    }
    *seen |= 1u << id;
    return 0;
}

int cvi_path_text_ok(const yaml_node_t *v)
{
    return cvi_clean_text(v) && cvi_utf8_valid_prefix(cvi_sval(v), cvi_slen(v)) == cvi_slen(v) && strlen(cvi_sval(v)) == cvi_slen(v);
}

/* A key of a nested mapping (`where`): its index in names, or -1 after
 * reporting it (not a plain string, unknown with the expected names, or a
 * duplicate). */
int cvi_sub_key(cvi_loader *L, const yaml_node_t *k, const char *const *names, size_t n, uint32_t *seen,
                   const char *where)
{
    if (!cvi_key_ok(L, k)) return -1;
    int id = cvi_index_of(k, names, n);
    if (id < 0) {
        char list[200];
        size_t at = 0;
        list[0] = '\0';
        for (size_t i = 0; i < n && at < sizeof list; i++) {
            int w = snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", names[i]);
            if (w < 0) break;
            at += (size_t)w;
        }
        cvi_shown s = cvi_show(k);
        cvi_problem(L, cvi_line_of(k), "unknown key '%s' in %s (expected %s)", s.s, where, list);
        return -1;
    }
    return cvi_seen_before(L, k, seen, id) ? -1 : id;
}

/* A list of 1..max field paths (or names) into *out (malloc'ed); problems
 * reported with `what` ("'fields' of a retention class", "'quasi'"), `items`
 * ("field paths") and `item`. */
void cvi_load_paths(cvi_loader *L, const yaml_node_t *v, size_t max, const char *what, const char *items,
                       const char *item, char ***out, size_t *n)
{
    size_t k = v && v->type == YAML_SEQUENCE_NODE ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start) : 0;
    if (k == 0 || k > max) {
        cvi_problem(L, cvi_line_of(v), "%s must be a list of 1 to %zu %s", what, max, items);
        return;
    }
    if (!(*out = calloc(k, sizeof **out))) {
        L->oom = 1;
        return;
    }
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *it = cvi_node_at(L, v->data.sequence.items.start[i]);
        if (!cvi_path_text_ok(it)) cvi_problem(L, cvi_line_of(it), "invalid %s", item);
        else (*out)[(*n)++] = cvi_dup_n(L, cvi_sval(it), cvi_slen(it));
    }
}

/* A file path from the policy: relative paths are relative to the policy's directory. */
char *cvi_rel_path(cvi_loader *L, const char *v, size_t vn)
{
    if (v[0] == '/' || !L->dir) return cvi_dup_n(L, v, vn);
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
