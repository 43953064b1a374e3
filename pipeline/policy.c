/*
 * policy.c - load and validate the YAML policy (DESIGN §5) into the
 * immutable cv_policy of policy.h. libyaml's document API keeps every
 * node's line; validation reports every problem with its line and keeps
 * going, so `check-policy` can list them all. Unknown keys, and keys of
 * features not built yet, are refused: a policy fails closed.
 *
 * This file holds the document (reading, the event prescan, loading), the
 * top-level keys, inputs and their fields; each other section is parsed by
 * the file of its owner through the helpers of policy_yaml.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <yaml.h>

#include "policy_yaml.h"
#include "../filters/phonenumber.h"
#include "../formats/formats.h"

/* pipeline/default_policy.yaml, compiled in by cmake/embed.cmake. */
extern const char cvi_default_policy[];
extern const size_t cvi_default_policy_len;

#define POLICY_MAX ((size_t)1 << 20)
#define MATCH_MAX 1024      /* cvi_glob_match never matches longer patterns */

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
static void check_dup_fields(cvi_loader *L, const cv_input_rule *in)
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
            cvi_problem(L, s[i].line, "duplicate field '%s%s'", shownpath, s[i].path_len > 40 ? "..." : "");
        }
    }
    free(s);
}

/* keep_country_code's column when country_column names none: the field's
 * last key and "_country" ("customer.phone" -> "phone_country", "src" ->
 * "src_country"), written beside it. NULL after reporting (out of memory). */
static char *auto_cc_column(cvi_loader *L, const char *path, size_t n)
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

static void load_fields(cvi_loader *L, const yaml_node_t *m, cv_input_rule *in)
{
    if (!m || m->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(m), "'fields' must be a mapping");
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
        yaml_node_t *k = cvi_node_at(L, pr->key);
        if (!cvi_key_ok(L, k)) continue;
        if (!cvi_clean_text(k) || cvi_utf8_valid_prefix(cvi_sval(k), cvi_slen(k)) != cvi_slen(k)) {
            cvi_problem(L, cvi_line_of(k), "invalid field path (empty, or with control characters)");
            continue;
        }
        cv_action a;
        int rc = cvi_parse_field_action(L, cvi_node_at(L, pr->value), &a);
        if (cvi_scalar_is(k, "*")) {
            if (def_line) {
                cvi_problem(L, cvi_line_of(k), "duplicate field '*' (first at line %d)", def_line);
                rc = -1;
            }
            def_line = cvi_line_of(k);
            if (rc == 0 && a.kind == CV_ACT_KEEP)
                cvi_warn(L, cvi_line_of(k), "'\"*\": keep' copies every field no rule names, personal data included; "
                                    "'scan' or 'drop' is safer");
            if (rc == 0 && (a.opts & CV_AOPT_CC_AUTO) && !(a.cc_column = auto_cc_column(L, "phone", 5))) rc = -1;
            if (rc == 0) {
                cvi_action_free(&in->def);
                in->def = a;
                continue;
            }
        } else if (rc == 0) {
            if (a.kind == CV_ACT_KEEP && personal_name(cvi_sval(k), cvi_slen(k))) {
                cvi_shown sh = cvi_show(k);
                cvi_warn(L, cvi_line_of(k), "'keep' on '%s': its name says it holds personal data", sh.s);
            }
            if ((a.opts & CV_AOPT_CC_AUTO) && !(a.cc_column = auto_cc_column(L, cvi_sval(k), cvi_slen(k)))) {
                cvi_action_free(&a);
                continue;
            }
            cv_field_rule *r = &in->fields[in->nfields];
            r->path = cvi_dup_n(L, cvi_sval(k), cvi_slen(k));
            if (r->path) {
                r->path_len = cvi_slen(k);
                r->act = a;
                r->line = cvi_line_of(k);
                in->nfields++;
                continue;
            }
        }
        cvi_action_free(&a);
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

/* `region: GB` or `region: [GB, IE, US]`: the countries of national phone
 * numbers, in the order they are tried (cv_detect_opts); any ISO 3166
 * alpha-2 code libphonenumber knows, each once. */
static void load_regions(cvi_loader *L, const yaml_node_t *v, cv_detect_opts *o)
{
    static const char *const what = "'region' must be a country code (ISO 3166 alpha-2, e.g. GB) or a list of "
                                    "them (e.g. [GB, IE, US]), each once, at most 16";
    const yaml_node_t *one = v;
    size_t n = 1;
    if (v && v->type == YAML_SEQUENCE_NODE) {
        n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (n == 0 || n > CV_REGIONS_MAX) {
            cvi_problem(L, cvi_line_of(v), "%s", what);
            return;
        }
    }
    cv_detect_opts r;
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < n; i++) {
        if (v && v->type == YAML_SEQUENCE_NODE) one = cvi_node_at(L, v->data.sequence.items.start[i]);
        char c[3] = { 0 };
        if (cvi_is_scalar(one) && cvi_slen(one) == 2) {
            c[0] = (char)(cvi_sval(one)[0] & ~0x20);
            c[1] = (char)(cvi_sval(one)[1] & ~0x20);
        }
        int dup = i > 0 && memcmp(r.region, c, 3) == 0;
        for (size_t k = 0; k + 1 < i; k++) dup |= memcmp(r.more[k], c, 3) == 0;
        if (c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || dup || !cvi_pn_region_ok(c)) {
            cvi_shown sh = cvi_show(one);
            cvi_problem(L, cvi_line_of(one), "%s; '%s' is not one", what, sh.s);
            return;
        }
        if (i == 0) memcpy(r.region, c, 3);
        else memcpy(r.more[r.nmore++], c, 3);
    }
    *o = r;
}

static void load_input(cvi_loader *L, const yaml_node_t *m, cv_input_rule *in)
{
    static const char *const keys[IK__COUNT] = { "match", "format", "fields", "retention", "transcript", "audio", "risk",
                                                 "region", "region_field", "output" };
    in->line = cvi_line_of(m);
    cvi_audio_defaults(&in->audio);
    in->def.kind = CV_ACT_DROP;
    in->def.entity = -1;
    if (!m || m->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(m), "each entry of 'inputs' must be a mapping");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = cvi_node_at(L, pr->key);
        yaml_node_t *v = cvi_node_at(L, pr->value);
        if (!cvi_key_ok(L, k)) continue;
        int id = cvi_index_of(k, keys, IK__COUNT);
        if (id < 0) {
            cvi_bad_key(L, k);
            continue;
        }
        if (cvi_seen_before(L, k, &seen, id)) continue;
        switch (id) {
        case IK_MATCH:
            if (!cvi_clean_text(v)) {
                cvi_problem(L, cvi_line_of(v), "'match' must be a non-empty glob without control characters");
            } else if (cvi_slen(v) > MATCH_MAX) {
                cvi_problem(L, cvi_line_of(v), "'match' is longer than %d bytes", MATCH_MAX);
            } else {
                in->match = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
            }
            break;
        case IK_FORMAT:
            if (cvi_scalar_is(v, "auto") || cvi_scalar_is(v, "audio") ||
                (cvi_clean_text(v) && strlen(cvi_sval(v)) == cvi_slen(v) && cvi_format_find(cvi_sval(v)))) {
                in->format = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
            } else {
                char list[256];
                cvi_shown s = cvi_show(v);
                format_list(list, sizeof list);
                cvi_problem(L, cvi_line_of(v), "unknown format '%s' (expected %s)", s.s, list);
            }
            break;
        case IK_FIELDS:
            load_fields(L, v, in);
            break;
        case IK_RETENTION:
            cvi_load_retention(L, v, &in->ret);
            break;
        case IK_TRANSCRIPT:
            if (!cvi_path_text_ok(v) || cvi_slen(v) > MATCH_MAX)
                cvi_problem(L, cvi_line_of(v), "'transcript' must be a path pattern like \"{dir}/{stem}.json\"");
            else
                in->transcript = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
            break;
        case IK_AUDIO:
            cvi_load_audio(L, v, &in->audio);
            break;
        case IK_RISK:
            cvi_load_risk(L, v, &in->risk);
            break;
        case IK_REGION:
            load_regions(L, v, &in->dopts);
            in->has_region = 1;
            break;
        case IK_OUTPUT:
            /* asterisk-cdr: "csv" writes a header row with cdr_csv's column
             * names; "asterisk-cdr" (the default) Master.csv's own form */
            if (cvi_scalar_is(v, "csv")) {
                in->output_csv = 1;
            } else if (!cvi_scalar_is(v, "asterisk-cdr")) {
                cvi_shown s = cvi_show(v);
                cvi_problem(L, cvi_line_of(v), "unknown output '%s' (expected csv or asterisk-cdr)", s.s);
            }
            break;
        case IK_REGION_FIELD:
            if (!cvi_path_text_ok(v) || cvi_slen(v) > MATCH_MAX)
                cvi_problem(L, cvi_line_of(v), "'region_field' must be the path of a field (e.g. customer.country)");
            else
                in->region_field = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
            break;
        }
    }
    if (!(seen & (1u << IK_MATCH))) cvi_problem(L, in->line, "missing 'match'");
    int audio = in->format && strcmp(in->format, "audio") == 0;
    if (!(seen & (1u << IK_FIELDS)) && !audio) cvi_problem(L, in->line, "missing 'fields'");
    if (audio && (seen & (1u << IK_RISK))) cvi_problem(L, in->line, "'risk' applies to record inputs, not audio");
    if (!audio && (seen & (1u << IK_TRANSCRIPT | 1u << IK_AUDIO)))
        cvi_problem(L, in->line, "'transcript' and 'audio' apply only to inputs with format: audio");
    if (!in->format && !(seen & (1u << IK_FORMAT))) in->format = cvi_dup_n(L, "auto", 4);
    if ((seen & (1u << IK_OUTPUT)) && (!in->format || strcmp(in->format, "asterisk-cdr") != 0))
        cvi_problem(L, in->line, "'output' applies only to inputs with format: asterisk-cdr");
}

static void load_inputs(cvi_loader *L, const yaml_node_t *s)
{
    if (!s || s->type != YAML_SEQUENCE_NODE) {
        cvi_problem(L, cvi_line_of(s), "'inputs' must be a list");
        return;
    }
    size_t n = (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
    if (n == 0) {
        cvi_problem(L, cvi_line_of(s), "'inputs' must not be empty");
        return;
    }
    cv_policy *p = L->p;
    p->inputs = calloc(n, sizeof *p->inputs);
    if (!p->inputs) {
        L->oom = 1;
        return;
    }
    for (size_t i = 0; i < n && !L->oom; i++) {
        load_input(L, cvi_node_at(L, s->data.sequence.items.start[i]), &p->inputs[i]);
        p->ninputs = i + 1;
    }
}

/* ---- top level --------------------------------------------------------- */

enum { TK_VERSION, TK_TENANT, TK_KEY, TK_REGION, TK_EPOCH, TK_ENTITIES, TK_INPUTS, TK_VAULT, TK_ERASURE,
       TK_RETENTION, TK_DETECTORS, TK_DOMAINS, TK_ALLOW, TK_TRUNKS, TK__COUNT };

static int tenant_ok(const yaml_node_t *v)
{
    if (!cvi_is_scalar(v) || cvi_slen(v) < 1 || cvi_slen(v) > 64) return 0;
    for (size_t i = 0; i < cvi_slen(v); i++) {
        char c = cvi_sval(v)[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}


static void load_key(cvi_loader *L, const yaml_node_t *v)
{
    cv_policy *p = L->p;
    if (!cvi_is_scalar(v) || cvi_slen(v) == 0 || memchr(cvi_sval(v), '\0', cvi_slen(v))) {
        cvi_problem(L, cvi_line_of(v), "'key' must be a non-empty path");
        return;
    }
    free(p->key_path);
    p->key_path = cvi_rel_path(L, cvi_sval(v), cvi_slen(v));
}

static void load_root(cvi_loader *L, const yaml_node_t *root)
{
    static const char *const keys[TK__COUNT] = { "version", "tenant", "key", "region", "epoch", "entities",
                                                 "inputs", "vault", "erasure", "retention", "detectors",
                                                 "domains", "allow", "trunks" };
    cv_policy *p = L->p;
    if (!root || (root->type == YAML_SCALAR_NODE && cvi_slen(root) == 0)) {
        cvi_problem(L, root ? cvi_line_of(root) : 1, "the policy is empty");
        return;
    }
    if (root->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(root), "the policy must be a mapping");
        return;
    }
    /* Declarations first (detectors, domains), whatever their place in the
     * file: entities and field rules may name what they declare. */
    uint32_t seen = 0, declared = 0;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = cvi_node_at(L, pr->key);
        int id = cvi_is_scalar(k) ? cvi_index_of(k, keys, TK__COUNT) : -1;
        if (id != TK_DETECTORS && id != TK_DOMAINS) continue;
        if (declared & (1u << id)) continue;   /* the main pass reports the duplicate */
        declared |= 1u << id;
        if (id == TK_DETECTORS) cvi_load_detectors(L, cvi_node_at(L, pr->value));
        else cvi_load_domains(L, cvi_node_at(L, pr->value));
    }
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *k = cvi_node_at(L, pr->key);
        yaml_node_t *v = cvi_node_at(L, pr->value);
        if (!cvi_key_ok(L, k)) continue;
        int id = cvi_index_of(k, keys, TK__COUNT);
        if (id < 0) {
            cvi_bad_key(L, k);
            continue;
        }
        if (cvi_seen_before(L, k, &seen, id)) continue;
        uint64_t x;
        switch (id) {
        case TK_DETECTORS:
        case TK_DOMAINS:
            break;   /* loaded above */
        case TK_ALLOW:
            cvi_load_allow(L, v);
            break;
        case TK_TRUNKS:
            cvi_load_trunks(L, v);
            break;
        case TK_VERSION:
            if (cvi_parse_uint(v, 1000, &x) < 0 || x != 1)
                cvi_problem(L, cvi_line_of(v), "'version' must be 1");
            else
                p->version = 1;
            break;
        case TK_TENANT:
            if (!tenant_ok(v)) {
                cvi_problem(L, cvi_line_of(v), "'tenant' must be 1-64 characters of A-Z a-z 0-9 . _ -");
            } else {
                free(p->tenant);
                p->tenant = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
            }
            break;
        case TK_KEY:
            load_key(L, v);
            break;
        case TK_REGION:
            load_regions(L, v, &p->dopts);
            break;
        case TK_EPOCH:
            if (cvi_parse_uint(v, UINT64_MAX, &x) < 0)
                cvi_problem(L, cvi_line_of(v), "'epoch' must be a non-negative integer");
            else
                p->epoch = x;
            break;
        case TK_ENTITIES:
            cvi_load_entities(L, v);
            break;
        case TK_INPUTS:
            load_inputs(L, v);
            break;
        case TK_VAULT:
            cvi_load_vault(L, v);
            break;
        case TK_ERASURE:
            cvi_load_erasure(L, v);
            break;
        case TK_RETENTION:
            cvi_load_retention(L, v, &p->ret);
            break;
        }
    }
    if (!(seen & (1u << TK_VERSION))) cvi_problem(L, cvi_line_of(root), "missing 'version'");
    if (!(seen & (1u << TK_INPUTS))) cvi_problem(L, cvi_line_of(root), "missing 'inputs'");
}

/* Event pass before loading: reports syntax errors, and refuses anchors and
 * aliases (a policy never needs them, and libyaml's anchor lookup is linear,
 * so thousands of them would make loading quadratic; aliases would let a
 * small file expand into a huge policy). Returns 0 if the text may be loaded. */
static int prescan(cvi_loader *L, const char *text, size_t len)
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
            else cvi_problem(L, (int)ps.problem_mark.line + 1, "YAML syntax error: %s",
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
            if (++docs == 2) cvi_problem(L, (int)ev.start_mark.line + 1, "a policy is a single YAML document");
            break;
        default: break;
        }
        int line = (int)ev.start_mark.line + 1;
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (is_alias || anchor) {
            cvi_problem(L, line, "anchors and aliases are not supported");
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
static int parse_policy(cvi_loader *L, const char *name, const char *text, size_t len, cv_policy **out)
{
    int rc = 0;
    int have_doc = 0;
    yaml_parser_t ps;
    yaml_document_t doc;
    cv_policy *p = NULL;

    if (len > POLICY_MAX) {
        cvi_problem(L, 0, "the policy is larger than 1 MiB");
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
        else cvi_problem(L, (int)ps.problem_mark.line + 1, "YAML syntax error: %s",
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
    p->name = cvi_dup_n(L, name, strlen(name));
    p->tenant = cvi_dup_n(L, "default", 7);
    memcpy(p->dopts.region, "GB", 3);
    cvi_default_entities(L);
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

static int report(cv_ctx *ctx, const char *name, const cvi_loader *L, int rc)
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

static void set_dir(cvi_loader *L, const char *path)
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
    cvi_loader L;
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
    cvi_loader L;
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
    cvi_loader L;
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
            cvi_action_free(&in->fields[j].act);
        }
        free(in->fields);
        cvi_action_free(&in->def);
        free(in->match);
        free(in->format);
        cvi_retention_free(&in->ret);
        free(in->transcript);
        free(in->region_field);
        cvi_audio_free(&in->audio);
        cvi_risk_free(&in->risk);
    }
    cvi_retention_free(&p->ret);
    free(p->vault_pub);
    free(p->inputs);
    for (int e = 0; e < CV_ENT_MAX; e++) cvi_action_free(&p->entities[e]);
    cvi_detectors_free(p);
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
