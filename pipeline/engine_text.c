/*
 * engine_text.c - the engine over free text (DESIGN §5): the detectors and
 * the record's own names (structured name fields, and names the person
 * detector learns) over each `scan` value, the allow list, explanations,
 * rendering each found identifier by its entity's action; and member names
 * (JSON keys) scanned like text and kept unique in their object.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../formats/formats.h"
#include "common/ctx.h"
#include "engine_impl.h"

/* ---- free text ---------------------------------------------------------- */

/* A name found in text: the index into w->names rides in norm (a record
 * may hold more names than norm_len counts). */
static int push_name_span(cv_span_list *out, size_t start, size_t end, uint32_t idx)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 8;
        cv_span *nv = realloc(out->v, cap * sizeof *nv);
        if (!nv) return CV_ENOMEM;
        out->v = nv;
        out->cap = cap;
    }
    cv_span *s = &out->v[out->n++];
    s->start = (uint32_t)start;
    s->end = (uint32_t)end;
    s->entity = CV_ENT_PERSON;
    s->detector = CV_DET_NONE;
    s->norm_len = 0;
    memcpy(s->norm, &idx, sizeof idx);
    return 0;
}

static int cmp_span(const void *a, const void *b)
{
    const cv_span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int is_sep(char c) { return c == ' ' || c == '\t' || c == ',' || c == '.'; }

/*
 * A necessary condition for a name set to match in a short text, kept with
 * each clean value: bit c - 'a' for an ASCII letter c (either case) and bit
 * 26 for a digit, at each word start of p[0..n) (no ASCII letter or digit
 * before it), and always bit 31; all bits if p holds a byte of 0x80 or
 * more (other letters fold to ASCII ones: "İ", "ſ"). An entry of the set
 * (filters/wordset.h) that begins with an ASCII letter or digit matches
 * only at a word start with that character, case-insensitively; entries
 * beginning with anything else set bit 31 in the set's mask.
 */
static uint32_t start_bit(unsigned char c)
{
    if ((unsigned)((c | 0x20) - 'a') < 26u) return 1u << ((c | 0x20) - 'a');
    return (unsigned)(c - '0') < 10u ? 1u << 26 : 0;
}

static uint32_t word_starts(const char *p, size_t n)
{
    uint32_t m = 1u << 31, prev = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x80) return ~0u;
        uint32_t b = start_bit(c);
        if (!prev) m |= b;
        prev = b;
    }
    return m;
}

static int add_word(cvi_worker *w, const char *p, size_t n, size_t name, unsigned flags)
{
    int id = cvi_wordset_builder_add(w->wsb, p, n, flags);
    if (id == CV_EINPUT) return 0;      /* blank: nothing to find */
    if (id < 0) return id;
    uint32_t b = n ? start_bit((unsigned char)p[0]) : 0;
    w->name_starts |= b ? b : ~0u;      /* the builder trims blanks: any first byte but these is "anything" */
    if (cvi_grow((void **)&w->word_name, &w->capwords, (size_t)id + 1, sizeof *w->word_name)) return CV_ENOMEM;
    w->word_name[id] = (int32_t)name;
    return 0;
}

/*
 * The record's names as one word set (filters/wordset.h), matched in free
 * text in one pass whatever their number (issue 8 item 14): each full name
 * (case-insensitive, any whitespace between its words), then its parts of
 * two or more bytes, except lower-case particles ("de", "van", "von"), only
 * when capitalised or written as in the field ("Jane", "JANE"; not "jane":
 * short names like "Will" or "May" are too often plain words). The longest
 * match wins; between equal keys, the first full name, then the first part.
 */
int cvi_eng_build_name_words(cvi_worker *w)
{
    w->nwords = 0;
    w->name_starts = 0;
    cvi_wordset_builder_clear(w->wsb);
    int rc;
    for (size_t k = 0; k < w->nnames; k++)
        if ((rc = add_word(w, w->names[k].orig.p, w->names[k].orig.n, k, 0))) return rc;
    for (size_t k = 0; k < w->nnames; k++) {
        const char *p = w->names[k].orig.p;
        size_t len = w->names[k].orig.n, a = 0;
        while (a < len) {
            while (a < len && is_sep(p[a])) a++;
            size_t b = a;
            while (b < len && !is_sep(p[b])) b++;
            int particle = p[a] >= 'a' && p[a] <= 'z' && b - a < 4;
            if (b - a >= 2 && b - a < len && !particle && (rc = add_word(w, p + a, b - a, k, CV_WS_CAPITALISED)))
                return rc;
            a = b;
        }
    }
    if ((rc = cvi_wordset_build(w->wsb, &w->nameset))) return rc;
    w->nwords = cvi_wordset_builder_count(w->wsb);
    return 0;
}

static int found_name(void *arg, const cv_word_match *m)
{
    cvi_worker *w = arg;
    return push_name_span(&w->names_found, m->start, m->end, (uint32_t)w->word_name[m->id]);
}

/* Names from this record's structured fields, found in text[0..n). */
static int find_names(cvi_worker *w, const char *text, size_t n)
{
    w->names_found.n = 0;
    return cvi_wordset_scan(w->nameset, text, n, found_name, w);
}

static int digits_at(const char *p, size_t n, size_t at, size_t k)
{
    if (at + k > n) return 0;
    for (size_t i = at; i < at + k; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return 1;
}

/* A value that is nothing but an ISO 8601 date or date-time
 * ("2024-03-04", "2024-03-04T09:14:16.5Z", "2024-03-04 09:14:16+01:00"):
 * no detector can find anything in it (a date of birth needs words around
 * it), so scanning it is skipped. Timestamps are a large share of values. */
static int iso_timestamp(const char *p, size_t n)
{
    /* the dashes first: they turn away ordinary text at once */
    if (n < 10 || p[4] != '-' || p[7] != '-' || !digits_at(p, n, 0, 4) || !digits_at(p, n, 5, 2) ||
        !digits_at(p, n, 8, 2))
        return 0;
    size_t i = 10;
    if (i == n) return 1;
    if ((p[i] != 'T' && p[i] != ' ') || !digits_at(p, n, i + 1, 2) || i + 3 >= n || p[i + 3] != ':' ||
        !digits_at(p, n, i + 4, 2))
        return 0;
    i += 6;
    if (i < n && p[i] == ':') {
        if (!digits_at(p, n, i + 1, 2)) return 0;
        i += 3;
        if (i < n && (p[i] == '.' || p[i] == ',')) {
            i++;
            size_t k = i;
            while (i < n && p[i] >= '0' && p[i] <= '9') i++;
            if (i == k) return 0;
        }
    }
    if (i == n) return 1;
    if (p[i] == 'Z') return i + 1 == n;
    if (p[i] != '+' && p[i] != '-') return 0;
    size_t rest = n - i - 1;
    if (rest == 2) return digits_at(p, n, i + 1, 2);
    if (rest == 4) return digits_at(p, n, i + 1, 4);
    return rest == 5 && digits_at(p, n, i + 1, 2) && p[i + 3] == ':' && digits_at(p, n, i + 4, 2);
}

/* Detectors plus the record's names over text: fills w->spans. */
/* Is v[0..n), found or given as `entity` (normalised norm, or -1: a custom
 * domain), on the policy's allow list? An exact entry matches the value as
 * written or, once the entity's normaliser reads both, its normal form
 * ("020 7946 0000" allows "+44 20 7946 0000"). */
int cvi_eng_allowed(cvi_worker *w, int entity, const char *v, size_t n, const char *norm, size_t nl)
{
    const cv_policy *p = w->e->pol;
    for (size_t i = 0; i < p->nallow; i++) {
        const cv_allow *a = &p->allow[i];
        switch (a->kind) {
        case CV_ALLOW_EXACT: {
            if (a->len == n && memcmp(a->text, v, n) == 0) return 1;
            char an[CV_NORM_MAX + 1];
            size_t anl;
            if (norm && entity >= 0 && cvi_normalise(entity, &w->opts, a->text, a->len, an, &anl) == 1 &&
                anl == nl && memcmp(an, norm, nl) == 0)
                return 1;
            break;
        }
        case CV_ALLOW_ICASE:
            if (a->len == n && strncasecmp(a->text, v, n) == 0) return 1;
            break;
        case CV_ALLOW_REGEX:
            if (!w->allow_md && !(w->allow_md = pcre2_match_data_create(4, NULL))) return 0;   /* fail closed */
            if (pcre2_match((const pcre2_code *)a->re, (PCRE2_SPTR)v, n, 0, 0, w->allow_md, NULL) >= 0) return 1;
            break;
        }
    }
    return 0;
}

void cvi_worker_explain(cvi_worker *w, cv_buf *out, const char *file)
{
    w->xout = out;
    w->xfile = file;
}

/* The name of the detector that found span s. */
static const char *detector_name(const cvi_engine *e, const cv_span *s)
{
    if (s->detector < CV_DET__COUNT) return cvi_detectors[s->detector]->name;
    if (s->detector < CV_DET_MAX && (size_t)(s->detector - CV_DET__COUNT) < e->pol->ncustom)
        return e->pol->custom[s->detector - CV_DET__COUNT].name;
    return "name_field";   /* a name the record gives in a field, recurring in its text */
}

static const char *const act_names[] = { "drop", "keep", "scan", "token", "redact", "mask", "generalise" };

/* One decision as a JSON line: where (file, record line, the field rule
 * that sent the value there, byte offsets), what (entity, detector, the
 * checks it needs) and what decided (allow list, the policy's entities
 * line, the entity's default, a field rule). Never the value. */
void cvi_eng_explain(cvi_worker *w, const cv_span *s, int entity, const char *domain, int kind, const char *by,
                    int by_line)
{
    cv_buf *o = w->xout;
    const cv_policy *p = w->e->pol;
    const cv_field_rule *fr = w->cur_fr;
    int rc = cvi_buf_puts(o, "{\"file\": ");
    const char *file = w->xfile ? w->xfile : "-";
    rc |= cvi_json_string(o, file, strlen(file));
    rc |= cvi_buf_printf(o, ", \"line\": %" PRIu64 ", \"field_rule\": ", w->xrec ? (uint64_t)w->xrec->line : 0);
    if (fr) {
        rc |= cvi_json_string(o, fr->path, strlen(fr->path));
        rc |= cvi_buf_printf(o, ", \"rule_line\": %d", fr->line);
    } else {
        rc |= cvi_buf_puts(o, "\"*\"");
    }
    if (s) rc |= cvi_buf_printf(o, ", \"start\": %u, \"end\": %u", s->start, s->end);
    const char *en = entity >= 0 ? cvi_policy_entity_name(p, entity) : NULL;
    rc |= cvi_buf_puts(o, ", \"entity\": ");
    const char *what = en ? en : domain ? domain : "value";
    rc |= cvi_json_string(o, what, strlen(what));
    if (s) {
        rc |= cvi_buf_puts(o, ", \"detector\": ");
        const char *dn = detector_name(w->e, s);
        rc |= cvi_json_string(o, dn, strlen(dn));
        int validated = 0, context = 0;
        if (s->detector < CV_DET__COUNT) {
            validated = cvi_detectors[s->detector]->validate != NULL || cvi_detectors[s->detector]->scan != NULL;
        } else if (s->detector < CV_DET_MAX && (size_t)(s->detector - CV_DET__COUNT) < p->ncustom) {
            const cv_custom_detector *cd = &p->custom[s->detector - CV_DET__COUNT];
            validated = cd->check != CV_CHECK_NONE;
            context = cd->context != NULL;
        }
        rc |= cvi_buf_printf(o, ", \"validated\": %s, \"context_needed\": %s", validated ? "true" : "false",
                            context ? "true" : "false");
    }
    rc |= cvi_buf_printf(o, ", \"action\": \"%s\", \"decided_by\": \"%s\"",
                        kind >= 0 && kind < 7 ? act_names[kind] : "keep", by);
    if (by_line > 0) rc |= cvi_buf_printf(o, ", \"policy_line\": %d", by_line);
    rc |= cvi_buf_puts(o, "}\n");
    (void)rc;   /* a failed append leaves a short buffer; the scan's counts still hold */
}

/* The span's action was decided by the policy's entities line, or the
 * entity's default. */
static void explain_span(cvi_worker *w, const cv_span *s)
{
    const cv_policy *p = w->e->pol;
    int line = s->entity < CV_ENT_MAX ? p->entity_line[s->entity] : 0;
    cvi_eng_explain(w, s, s->entity, NULL, p->entities[s->entity].kind, line ? "entities" : "default", line);
}

/* Take the allowed spans out of w->spans (their text stays as written),
 * remembering how many per entity for the next take_allowed. */
static void drop_allowed(cvi_worker *w, const char *text)
{
    size_t k = 0;
    for (size_t i = 0; i < w->spans.n; i++) {
        const cv_span *s = &w->spans.v[i];
        /* names from fields carry an index, not a normal form */
        int named = s->detector == CV_DET_NONE;
        if (cvi_eng_allowed(w, s->entity, text + s->start, s->end - s->start, named ? NULL : s->norm, s->norm_len)) {
            w->allowed[s->entity]++;
            w->any_allowed = 1;
            if (w->xout) cvi_eng_explain(w, s, s->entity, NULL, CV_ACT_KEEP, "allow", 0);
            continue;
        }
        if (k != i) w->spans.v[k] = *s;
        k++;
    }
    w->spans.n = k;
}

static void take_allowed(cvi_worker *w, cvi_counts *c)
{
    if (!w->any_allowed) return;
    w->any_allowed = 0;
    for (int e = 0; e < CV_ENT_MAX; e++) {
        if (c) c->allowed[e] += w->allowed[e];
        w->allowed[e] = 0;
    }
}

static int find_spans_all(cvi_worker *w, const char *text, size_t n);

static int find_spans(cvi_worker *w, const char *text, size_t n)
{
    int rc = find_spans_all(w, text, n);
    if (!rc && w->e->pol->nallow && w->spans.n) drop_allowed(w, text);
    return rc;
}

/* Does a name of the record (w->names_found) cover [s, e)? */
static int name_covers(const cvi_worker *w, uint32_t s, uint32_t e)
{
    for (size_t i = 0; i < w->names_found.n; i++)
        if (w->names_found.v[i].start <= s && e <= w->names_found.v[i].end) return 1;
    return 0;
}

/* Names the person detector found in text join the record's names, so
 * that each recurs, alone or in part, wherever it appears in the record
 * ("Hi, I'm Sarah Connor" ... "Sarah" ... "Connor"), with one token. A
 * detected name that is a known name or part of one keeps that name's
 * token (w->names_found, already found in this text, covers it). */
static int learn_names(cvi_worker *w, const char *text, size_t n)
{
    int rc;
    w->learned = 0;
    for (size_t i = 0; i < w->spans.n; i++) {
        const cv_span *sp = &w->spans.v[i];
        if (sp->entity != CV_ENT_PERSON || sp->detector == CV_DET_NONE || name_covers(w, sp->start, sp->end)) continue;
        size_t k = 0;
        while (k < w->nnames && !(w->names[k].norm_len == sp->norm_len && memcmp(w->names[k].norm, sp->norm, sp->norm_len) == 0))
            k++;
        if (k < w->nnames) continue;
        name_ent *ne;
        if (cvi_eng_remember_name(w, text + sp->start, sp->end - sp->start, &ne)) return CV_ENOMEM;
        if (!ne) continue;
        memcpy(ne->norm, sp->norm, sp->norm_len + 1);
        ne->norm_len = sp->norm_len;
        if (memchr(ne->norm, ' ', ne->norm_len))
            for (size_t j = w->nfield_names; j + 1 < w->nnames; j++)
                if (cvi_eng_name_part_of(&w->names[j], ne)) w->absorbed = 1;
        cvi_eng_entity_token(w, CV_ENT_PERSON, ne->norm, ne->norm_len, ne->tok);
        w->learned = 1;
    }
    if (!w->learned) return 0;
    if ((rc = cvi_eng_build_name_words(w))) return rc;
    return find_names(w, text, n);
}

static int detect_cached(cvi_worker *w, const char *text, size_t n, uint32_t *starts);

/* Is a one-word name one of the words of name b ("connor", "sarah connor")? */
int cvi_eng_name_part_of(const name_ent *a, const name_ent *b)
{
    if (!a->norm_len || memchr(a->norm, ' ', a->norm_len) || a->norm_len >= b->norm_len) return 0;
    for (size_t i = 0; i + a->norm_len <= b->norm_len; i++) {
        if ((i == 0 || b->norm[i - 1] == ' ') && memcmp(b->norm + i, a->norm, a->norm_len) == 0 &&
            (i + a->norm_len == b->norm_len || b->norm[i + a->norm_len] == ' '))
            return 1;
        while (i < b->norm_len && b->norm[i] != ' ') i++;
    }
    return 0;
}

static int find_spans_all(cvi_worker *w, const char *text, size_t n)
{
    uint32_t starts;
    int rc = detect_cached(w, text, n, &starts);
    if (rc) return rc;
    w->names_found.n = 0;
    if (w->nwords && (starts & w->name_starts) && (rc = find_names(w, text, n))) return rc;
    if ((rc = learn_names(w, text, n))) return rc;
    if (!w->names_found.n) return 0;
    /* a record's name that covers a detector's person span takes its
     * place (the field's token, for joins) */
    size_t k = 0;
    for (size_t i = 0; i < w->spans.n; i++) {
        const cv_span *d = &w->spans.v[i];
        if (d->entity == CV_ENT_PERSON && name_covers(w, d->start, d->end)) continue;
        if (k != i) w->spans.v[k] = *d;
        k++;
    }
    w->spans.n = k;
    /* both lists are sorted and free of overlaps: one merge pass */
    size_t nd = w->spans.n, j = 0;
    for (size_t i = 0; i < w->names_found.n; i++) {
        cv_span s = w->names_found.v[i];
        while (j < nd && w->spans.v[j].end <= s.start) j++;
        if (j < nd && w->spans.v[j].start < s.end) continue;
        if (w->spans.n == w->spans.cap) {
            size_t cap = w->spans.cap ? 2 * w->spans.cap : 8;
            cv_span *nv = realloc(w->spans.v, cap * sizeof *nv);
            if (!nv) return CV_ENOMEM;
            w->spans.v = nv;
            w->spans.cap = cap;
        }
        w->spans.v[w->spans.n++] = s;
    }
    if (w->names_found.n) qsort(w->spans.v, w->spans.n, sizeof *w->spans.v, cmp_span);
    return 0;
}

/* Append the policy's rendering of one found identifier (text + s). */
static int render_span(cvi_worker *w, const char *text, const cv_span *s, cv_buf *t)
{
    const cv_action *a = &w->e->pol->entities[s->entity];
    const char *name = cvi_policy_entity_name(w->e->pol, s->entity);
    switch (a->kind) {
    case CV_ACT_TOKEN:
        if (s->entity == CV_ENT_PERSON && s->detector == CV_DET_NONE) {
            /* a name from the record's fields: its token was made there */
            uint32_t idx;
            memcpy(&idx, s->norm, sizeof idx);
            const name_ent *ne = &w->names[idx];
            return cvi_render_token(t, "person", ne->tok, ne->norm, ne->norm_len, w->bare ? 0 : CVI_R_TEXT);
        } else {
            char tok[CV_TOKEN_CHARS + 1];
            cvi_eng_entity_token(w, s->entity, s->norm, s->norm_len, tok);
            /* a whole value: the field form, as {token: phone} writes it
             * (no "+44:" inside: that stays for running text) */
            unsigned rf = w->bare ? cvi_eng_render_flags(a) & ~(unsigned)CVI_R_KEEP_CC : CVI_R_TEXT | cvi_eng_render_flags(a);
            return cvi_render_token(t, name, tok, s->norm, s->norm_len, rf);
        }
    case CV_ACT_MASK:
        return cvi_eng_mask_value(s->entity, text + s->start, s->end - s->start, t);
    case CV_ACT_KEEP:
        return cvi_buf_append(t, text + s->start, s->end - s->start);
    default: /* redact, and anything unexpected: fail closed */
        return cvi_buf_printf(t, "[%s]", name);
    }
}

static void count_span(cvi_counts *c, const cv_span *s)
{
    c->detections[s->entity]++;
    if (s->detector < CV_DET_MAX) c->by_detector[s->detector]++;
}

int cvi_engine_find(cvi_worker *w, const char *text, size_t n, const cv_span **spans, size_t *nspans,
                    cvi_counts *c)
{
    /* free text outside a record: the last record's names (borrowed from
     * its memory) and regions do not apply */
    w->nnames = 0;
    cvi_eng_set_opts(w, &w->e->pol->dopts);
    w->nwords = 0;
    int rc = find_spans(w, text, n);
    if (rc) return rc;
    take_allowed(w, c);
    for (size_t i = 0; c && i < w->spans.n; i++) count_span(c, &w->spans.v[i]);
    *spans = w->spans.v;
    *nspans = w->spans.n;
    return 0;
}

int cvi_engine_render(cvi_worker *w, const char *text, const cv_span *s, cv_buf *out)
{
    return render_span(w, text, s, out) ? CV_ENOMEM : 0;
}

int cvi_engine_keeps(const cvi_worker *w, const cv_span *s)
{
    return w->e->pol->entities[s->entity].kind == CV_ACT_KEEP;
}

/* text[0..n) with every identifier found (detectors and the record's names)
 * replaced by its rendering, appended to t. Returns how many were found
 * (counted in c), or a negative CV_E*. */
static int render_text(cvi_worker *w, const char *text, size_t n, cv_buf *t, cvi_counts *c)
{
    w->learned = 0;
    if (iso_timestamp(text, n)) return 0;
    int rc = find_spans(w, text, n);
    if (rc) return rc;
    take_allowed(w, c);
    if (w->spans.n == 0) return 0;
    /* A value that is exactly one identifier is written as a tokenised
     * field is ("phone:…", not "[phone:…]"), so analysts join scanned and
     * tokenised fields by plain equality. */
    w->bare = w->field_form && w->spans.n == 1 && w->spans.v[0].start == 0 && w->spans.v[0].end == n;
    size_t at = 0;
    for (size_t i = 0; i < w->spans.n; i++) {
        const cv_span *s = &w->spans.v[i];
        rc |= cvi_buf_append(t, text + at, s->start - at);
        count_span(c, s);
        if (w->xout) explain_span(w, s);
        rc |= render_span(w, text, s, t);
        at = s->end;
    }
    rc |= cvi_buf_append(t, text + at, n - at);
    w->bare = 0;
    return rc ? CV_ENOMEM : (int)w->spans.n;
}

int cvi_eng_scan_node(cvi_worker *w, cv_record *r, int32_t idx, cvi_counts *c)
{
    cv_node *nd = &r->nodes[idx];
    cv_buf *t = &w->tmp;
    cv_buf_clear(t);
    w->field_form = 1;
    int found = render_text(w, nd->value.p, nd->value.n, t, c);
    w->field_form = 0;
    if (found <= 0) return found;
    return cvi_eng_set_value(r, nd, t->p, t->n);
}

/* ---- member names --------------------------------------------------------- */

/*
 * A replaced name that equals a name already taken in its object (a name
 * written unchanged, or an earlier replaced one) gets the first free "#2",
 * "#3", ... suffix, in input order: names stay unique, and the same input
 * always gives the same names. w->taken holds the names taken so far;
 * *name (the replacement, in r's arena) becomes the name to write.
 */
static int unique_name(cvi_worker *w, cv_record *arena, cv_str *name)
{
    cv_str base = *name;
    const uint64_t *nk = cvi_strmap_get(&w->next_k, base);
    uint32_t k = nk ? (uint32_t)*nk : 1;
    cv_buf *t = &w->tmp2;
    for (;;) {
        cv_str cand = base;
        if (k > 1) {
            cv_buf_clear(t);
            if (cvi_buf_append(t, base.p, base.n) || cvi_buf_printf(t, "#%u", (unsigned)k)) return CV_ENOMEM;
            cand = cv_str_make(t->p, t->n);
        }
        if (!cvi_strmap_get(&w->taken, cand)) {
            if (k > 1 && !(cand = cvi_record_strdup(arena, t->p, t->n)).p) return CV_ENOMEM;
            *name = cand;
            break;
        }
        if (k == UINT32_MAX) return CV_EINTERNAL;
        k++;
    }
    if (cvi_strmap_put(&w->taken, *name, 0) || cvi_strmap_put(&w->next_k, base, k + 1)) return CV_ENOMEM;
    return 0;
}

/* Two words that, with the length, determine a name of up to 16 bytes:
 * its first and last 8 bytes (overlapping), or for a shorter one its first
 * and last 4 or 2 bytes in one word. Fixed-size loads only: no loop, no call. */
static inline void name_words(cv_str k, uint64_t *head, uint64_t *tail)
{
    const char *p = k.p;
    size_t n = k.n;
    uint64_t x = 0, y = 0;
    if (n >= 8) {
        memcpy(&x, p, 8);
        memcpy(&y, p + n - 8, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        x = a | (uint64_t)b << 32;
    } else if (n >= 2) {
        uint16_t a, b;
        memcpy(&a, p, 2);
        memcpy(&b, p + n - 2, 2);
        x = a | (uint64_t)b << 16;
    } else if (n == 1) {
        x = (unsigned char)p[0];
    }
    *head = x;
    *tail = y;
}

/* The cache entry holding name, or NULL with *victim the one to replace
 * (NULL when the name is too long to cache). */
static inline __attribute__((always_inline)) clean_ent *clean_find(cvi_worker *w, cv_str name, uint64_t head, uint64_t tail, clean_ent **victim)
{
    *victim = NULL;
    if (name.n == 0 || name.n > CLEAN_MAX) return NULL;
    if (!w->clean && !(w->clean = calloc(2 * CLEAN_SETS, sizeof *w->clean))) return NULL;
    uint64_t h = (head * 0x9e3779b97f4a7c15ull) ^ (tail * 0xc2b2ae3d27d4eb4full) ^ name.n;
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdull;
    size_t set = (size_t)(h >> 56);
    clean_ent *e = &w->clean[2 * set];
    for (int i = 0; i < 2; i++)
        if (e[i].len == name.n && e[i].head == head && e[i].tail == tail && e[i].opts_sig == w->opts_sig &&
            (name.n <= 16 || memcmp(e[i].name + 8, name.p + 8, name.n - 16) == 0)) {
            w->clean_lru[set] = (uint8_t)!i;
            return &e[i];
        }
    *victim = &e[w->clean_lru[set]];
    w->clean_lru[set] ^= 1;
    return NULL;
}

static int scan_name_slow(cvi_worker *w, cv_record *arena, cv_str name, cv_str *out, cvi_counts *c,
                          clean_ent *ce, clean_ent *victim, uint64_t head, uint64_t tail);

static void clean_fill(cvi_worker *w, clean_ent *ce, cv_str v, uint64_t head, uint64_t tail, uint64_t names_gen)
{
    ce->len = (uint8_t)v.n;
    ce->head = head;
    ce->tail = tail;
    ce->opts_sig = w->opts_sig;
    ce->names_gen = names_gen;
    ce->starts = word_starts(v.p, v.n);
    memcpy(ce->name, v.p, v.n);
}

/* The detectors' spans of text (w->spans). Short values recur as member
 * names do ("webchat", "agent", "billing", a tag): one the detectors found
 * nothing in is remembered as clean (names_gen 0: this record's names are
 * still looked for), and skips them next time. */
static int detect_cached(cvi_worker *w, const char *text, size_t n, uint32_t *starts)
{
    *starts = ~0u;
    clean_ent *victim = NULL, *ce = NULL;
    uint64_t head = 0, tail = 0;
    cv_str v = cv_str_make(text, n);
    if (n <= CLEAN_MAX) {
        name_words(v, &head, &tail);
        ce = clean_find(w, v, head, tail, &victim);
    }
    if (ce) {
        w->spans.n = 0;
        *starts = ce->starts;
        return 0;
    }
    int rc = cvi_detect_with(w->e->det, w->ws, &w->opts, text, n, &w->spans);
    if (rc == 0 && w->spans.n == 0 && victim) clean_fill(w, victim, v, head, tail, 0);
    return rc;
}

/* A name with its identifiers replaced, in r's arena (*out), or 0 when the
 * name is written as it is. 1, 0, or a negative CV_E*. The common case (a
 * cached clean name, already checked against this record's names) inline. */
static inline __attribute__((always_inline)) int scan_name(cvi_worker *w, cv_record *arena, cv_str name,
                                                          cv_str *out, cvi_counts *c)
{
    clean_ent *victim;
    uint64_t head, tail;
    name_words(name, &head, &tail);
    clean_ent *ce = clean_find(w, name, head, tail, &victim);
    /* clean, and none of this record's names can begin at its word starts */
    if (ce && (!w->nwords || ce->names_gen == w->names_gen || !(ce->starts & w->name_starts))) return 0;
    return scan_name_slow(w, arena, name, out, c, ce, victim, head, tail);
}

static int scan_name_slow(cvi_worker *w, cv_record *arena, cv_str name, cv_str *out, cvi_counts *c,
                          clean_ent *ce, clean_ent *victim, uint64_t head, uint64_t tail)
{
    if (ce) {
        /* no detector finds anything in it: only this record's names could
         * (a name recurs in a record: "messages[].text") */
        int rc = find_names(w, name.p, name.n);
        if (rc) return rc;
        if (w->names_found.n == 0) {
            ce->names_gen = w->names_gen;
            return 0;
        }
    }
    cv_buf *t = &w->tmp;
    cv_buf_clear(t);
    uint64_t allowed = 0;
    for (int e = 0; e < CV_ENT_MAX; e++) allowed += c->allowed[e];
    int found = render_text(w, name.p, name.n, t, c);
    /* a name holding an allowed identifier is not clean: each occurrence
     * is counted, or the counts would depend on what the worker saw before */
    for (int e = 0; e < CV_ENT_MAX; e++) allowed -= c->allowed[e];
    if (found == 0 && allowed == 0 && !ce) ce = victim;
    if (found == 0 && allowed == 0 && ce) clean_fill(w, ce, name, head, tail, w->names_gen);
    if (found <= 0) return found;
    if (cv_str_eq(name, cv_str_make(t->p, t->n))) return 0;   /* every entity found is kept */
    *out = cvi_record_strdup(arena, t->p, t->n);
    return out->p || t->n == 0 ? 1 : CV_ENOMEM;
}

static int cmp_renamed(const void *a, const void *b)
{
    const struct renamed *x = a, *y = b;
    if (x->parent != y->parent) return x->parent < y->parent ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static void set_key(cv_record *r, int32_t i, cv_str k)
{
    cv_node *nd = &r->nodes[i];
    nd->key = k;
    nd->flags |= CV_NF_RENAMED;
    if ((nd->kind == CV_NODE_OBJ_BEGIN || nd->kind == CV_NODE_ARR_BEGIN) && nd->end > i) r->nodes[nd->end].key = k;
}

/* The replaced names of one object (ren[0..n), same parent, in node order)
 * made unique among the object's written members. */
static int unique_members(cvi_worker *w, cv_record *r, const struct renamed *ren, size_t n)
{
    int32_t p = ren[0].parent;
    int32_t from = p < 0 ? 0 : p + 1, to = p < 0 ? (int32_t)r->n : r->nodes[p].end;
    unsigned depth = p < 0 ? 0 : r->nodes[p].depth + 1u;
    if (cvi_strmap_clear(&w->taken) || cvi_strmap_clear(&w->next_k)) return CV_ENOMEM;
    for (int32_t j = from; j < to; j++) {
        const cv_node *nd = &r->nodes[j];
        int begin = nd->kind == CV_NODE_OBJ_BEGIN || nd->kind == CV_NODE_ARR_BEGIN;
        if (nd->depth == depth && !(nd->flags & CV_NF_DROP) && !(nd->flags & CV_NF_RENAMED) &&
            nd->kind != CV_NODE_OBJ_END && nd->kind != CV_NODE_ARR_END && cvi_strmap_put(&w->taken, nd->key, 0))
            return CV_ENOMEM;
        if (begin && nd->end > j) j = nd->end;
    }
    for (size_t k = 0; k < n; k++) {
        cv_str name = r->nodes[ren[k].node].key;
        int rc = unique_name(w, r, &name);
        if (rc) return rc;
        set_key(r, ren[k].node, name);
    }
    return 0;
}

/* Pass 3: every written member name (JSON keys; CSV column names are the
 * header's, see cvi_engine_header_names) is scanned as free text. Paths are
 * left as read, so rules match the names the policy's author saw; they
 * never leave the engine (no message, count or manifest entry names one). */
int cvi_eng_scan_member_names(cvi_worker *w, cv_record *r, cvi_counts *c)
{
    int32_t parent[MAX_DEPTH + 1];
    w->nren = 0;
    for (int32_t i = 0; i < (int32_t)r->n; i++) {
        cv_node *nd = &r->nodes[i];
        int begin = nd->kind == CV_NODE_OBJ_BEGIN || nd->kind == CV_NODE_ARR_BEGIN;
        if (nd->kind == CV_NODE_OBJ_END || nd->kind == CV_NODE_ARR_END) continue;
        if (nd->flags & CV_NF_DROP) {
            if (begin && nd->end > i) i = nd->end;
            continue;
        }
        if (nd->depth >= MAX_DEPTH) return CV_EINTERNAL;
        if (begin) parent[nd->depth + 1] = i;
        if (nd->key.n == 0 || nd->col >= 0) continue;    /* array elements; CSV columns */
        /* explain mode: a name's decisions name the member's own rule */
        if (w->xout) w->cur_fr = cvi_eng_lookup(w->e, w->rule, nd->path);
        cv_str k;
        int rc = scan_name(w, r, nd->key, &k, c);
        if (rc < 0) return rc;
        if (rc == 0) continue;
        if (w->nren == w->capren) {
            size_t cap = w->capren ? 2 * w->capren : 8;
            struct renamed *nv = realloc(w->ren, cap * sizeof *nv);
            if (!nv) return CV_ENOMEM;
            w->ren = nv;
            w->capren = cap;
        }
        w->ren[w->nren].node = i;
        w->ren[w->nren++].parent = nd->depth ? parent[nd->depth] : -1;
        set_key(r, i, k);
    }
    if (w->nren == 0) return 0;
    if (w->nren > 1) qsort(w->ren, w->nren, sizeof *w->ren, cmp_renamed);
    for (size_t a = 0, b; a < w->nren; a = b) {
        for (b = a + 1; b < w->nren && w->ren[b].parent == w->ren[a].parent; b++) {}
        int rc = unique_members(w, r, w->ren + a, b - a);
        if (rc) return rc;
    }
    return 0;
}

int cvi_engine_header_names(cvi_worker *w, const cv_str *names, size_t n, const uint8_t *kept,
                            const cv_str *added, cv_record *store, cv_str *out, cvi_counts *c)
{
    /* no record's names apply to a header */
    w->nnames = 0;
    w->nwords = 0;
    w->names_gen++;
    uint8_t *renamed = n ? (uint8_t *)cvi_record_alloc(store, n) : NULL;
    if (n && !renamed) return CV_ENOMEM;
    int any = 0, rc;
    for (size_t i = 0; i < n; i++) {
        out[i] = names[i];
        renamed[i] = 0;
        if (kept && !kept[i]) continue;
        if ((rc = scan_name(w, store, names[i], &out[i], c)) < 0) return rc;
        renamed[i] = (uint8_t)rc;
        any |= rc;
    }
    if (!any) return 0;
    if (cvi_strmap_clear(&w->taken) || cvi_strmap_clear(&w->next_k)) return CV_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (kept && !kept[i]) continue;
        if (!renamed[i] && cvi_strmap_put(&w->taken, names[i], 0)) return CV_ENOMEM;
        if (added && added[i].n && cvi_strmap_put(&w->taken, added[i], 0)) return CV_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        if (renamed[i] && (rc = unique_name(w, store, &out[i]))) return rc;
    return 0;
}

/* A value scanned before the person detector found a name later in the
 * record: that name's recurrences in it, now (its other identifiers were
 * replaced already; names match whole words, and no token holds one). */
int cvi_eng_rescan_names(cvi_worker *w, cv_record *r, int32_t idx, cvi_counts *c)
{
    cv_node *nd = &r->nodes[idx];
    const char *text = nd->value.p;
    size_t n = nd->value.n;
    int rc = find_names(w, text, n);
    if (rc || w->names_found.n == 0) return rc;
    cv_buf *t = &w->tmp;
    cv_buf_clear(t);
    size_t at = 0;
    for (size_t i = 0; i < w->names_found.n; i++) {
        const cv_span *s = &w->names_found.v[i];
        rc |= cvi_buf_append(t, text + at, s->start - at);
        count_span(c, s);
        if (w->xout) explain_span(w, s);   /* offsets: in the value as rewritten so far */
        rc |= render_span(w, text, s, t);
        at = s->end;
    }
    rc |= cvi_buf_append(t, text + at, n - at);
    if (rc) return CV_ENOMEM;
    return cvi_eng_set_value(r, nd, t->p, t->n);
}

