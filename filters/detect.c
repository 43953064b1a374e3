/*
 * detect.c - the detection engine: compiles the enabled detectors' PCRE2
 * patterns once (JIT), has a text's prefilter facts and cues found
 * (detect_prefilter.c), runs only the detectors those allow, validates candidates
 * and resolves overlaps into a sorted, non-overlapping span list.
 * A policy's regex detectors have no facts of their own; each is skipped on
 * a text that lacks a byte every match needs (PCRE2's first code unit or
 * start bitmap, its required code unit) or is shorter than its shortest
 * match, tested on one pass that notes which bytes the text holds.
 */
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"   /* the set's layout; pcre2.h (8-bit) */

/* A candidate's sort key; the span itself stays in ws->cand. */
typedef struct pick {
    uint32_t start, end;
    int prio;
    uint32_t idx;
} pick;

struct cv_detect_ws {
    const cv_detector_set *set;
    pcre2_match_data **md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    cv_span *cand;
    size_t ncand, capcand;
    pick *picks, *chosen;
    size_t cappick;
    char *fold;              /* a text with look-alikes folded (fold.c) */
    uint32_t *map;           /* fold[j] came from text[map[j]] */
    size_t capfold;
    void **scratch;          /* per detector: its scratch_size bytes, or NULL */
    cv_detect_opts opts;     /* the options of the running call, with that detector's scratch */
};

void cvi_span_list_free(cv_span_list *l)
{
    if (!l) return;
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

int cvi_detector_set_create(const cv_detect_opts *o, const uint8_t enabled[CV_ENT__COUNT],
                           cv_detector_set **out, const char **err)
{
    return cvi_detector_set_create_ex(o, enabled, NULL, 0, out, err, NULL);
}

/* Compile one pattern with JIT (the interpreter gives the same results
 * where JIT is unavailable). Returns NULL with *why on failure. */
static pcre2_code *compile(const char *pattern, uint32_t flags, int *jit, const char **why)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | flags, &ec, &eo, NULL);
    if (!c) {
        *why = "detector pattern does not compile";
        return NULL;
    }
    /* Without JIT (unsupported CPU, or SELinux denying exec memory) the
     * interpreter gives the same results, only slower. */
    *jit = pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0;
    return c;
}

/* A pattern that can match the empty string would find an "identifier"
 * everywhere (or loop): refused. */
static int matches_empty(pcre2_code *c)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
    if (!md) return -1;
    int rc = pcre2_match(c, (PCRE2_SPTR) "", 0, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    uint32_t minlen = 1;
    pcre2_pattern_info(c, PCRE2_INFO_MINLENGTH, &minlen);
    return rc >= 0 || minlen == 0;
}

/* 1 if pattern may match some part caselessly: a "(?" option setting that
 * names i, such as (?i) or (?i:. Errs towards 1: "(?" then a run of
 * letters, '^' and '-' holding an 'i' anywhere, escaped or not. Custom
 * patterns are compiled without PCRE2_CASELESS. */
static int may_be_caseless(const char *pattern)
{
    for (const char *q = strstr(pattern, "(?"); q; q = strstr(q + 1, "(?")) {
        for (const char *r = q + 2; *r == '^' || *r == '-' || ((unsigned)(*r | 0x20) - 'a' < 26u); r++)
            if (*r == 'i') return 1;
    }
    return 0;
}

/* Code unit u, and its other ASCII case where a caseless match may give it
 * (PCRE2 sets no first or required code unit for a caseless character
 * that has other cases beyond those). */
static void need_unit(uint8_t *v, uint16_t *n, uint32_t u, int caseless)
{
    v[(*n)++] = (uint8_t)u;
    if (caseless && (unsigned)((u | 0x20) - 'a') < 26u) v[(*n)++] = (uint8_t)(u ^ 0x20);
}

/* A custom regex's needs from what PCRE2 found when it compiled it; NULL
 * if it found nothing to test, or on ENOMEM (both only lose the skip). */
static need *need_of(const pcre2_code *c, const char *pattern)
{
    uint32_t type = 0, unit = 0;
    size_t minlen = 0;
    const uint8_t *map = NULL;
    int caseless = may_be_caseless(pattern);
    need *nd = calloc(1, sizeof *nd);
    if (!nd) return NULL;
    if (pcre2_pattern_info(c, PCRE2_INFO_MINLENGTH, &minlen) == 0) nd->min_len = (uint32_t)minlen;
    if (pcre2_pattern_info(c, PCRE2_INFO_FIRSTCODETYPE, &type) == 0 && type == 1) {
        if (pcre2_pattern_info(c, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0 && unit < 256)
            need_unit(nd->first, &nd->nfirst, unit, caseless);
    } else if (type == 0 && pcre2_pattern_info(c, PCRE2_INFO_FIRSTBITMAP, &map) == 0 && map) {
        /* the study's set of first code units, with their other cases */
        uint16_t k = 0;
        for (unsigned b = 0; b < 256; b++)
            if (map[b >> 3] >> (b & 7) & 1) nd->first[k++] = (uint8_t)b;
        if (k < 256) nd->nfirst = k;   /* 256 or none: no test (nfirst cannot hold 256) */
    }
    if (pcre2_pattern_info(c, PCRE2_INFO_LASTCODETYPE, &type) == 0 && type == 1 &&
        pcre2_pattern_info(c, PCRE2_INFO_LASTCODEUNIT, &unit) == 0 && unit < 256)
        need_unit(nd->last, &nd->nlast, unit, caseless);
    if (!nd->min_len && !nd->nfirst && !nd->nlast) {
        free(nd);
        return NULL;
    }
    return nd;
}

/* Number the bytes the set's needs test (cv_detector_set.need_bit) and
 * give each need its bit masks. */
static void need_bits(cv_detector_set *s)
{
    unsigned next = 0;
    for (size_t i = 0; i < s->n; i++) {
        need *nd = s->d[i].need;
        if (!nd) continue;
        for (unsigned k = 0; k < nd->nfirst + nd->nlast; k++) {
            unsigned b = k < nd->nfirst ? nd->first[k] : nd->last[k - nd->nfirst];
            if (!s->need_bit[b]) s->need_bit[b] = 1ull << (next++ & 63);
            if (k < nd->nfirst) nd->firstb |= s->need_bit[b];
            else nd->lastb |= s->need_bit[b];
        }
    }
}

int cvi_detector_set_create_ex(const cv_detect_opts *o, const uint8_t enabled[CV_ENT__COUNT],
                              const cv_custom_detector *custom, size_t ncustom, cv_detector_set **out,
                              const char **err, size_t *bad)
{
    static const char *const e_nomem = "out of memory";
    static const char *const e_pattern = "detector pattern does not compile";
    const char *why = NULL;
    int rc = 0;
    size_t total = 0;
    *out = NULL;
    while (cvi_detectors[total]) total++;
    cv_detector_set *s = calloc(1, sizeof *s);
    if (!s) { why = e_nomem; rc = CV_ENOMEM; goto out; }
    if (o) s->opts = *o;
    if (ncustom > CV_CUSTOM_MAX) { why = "too many custom detectors"; rc = CV_EUSAGE; goto out; }
    s->d = calloc(total + ncustom + 1, sizeof *s->d);
    s->ctypes = calloc(ncustom + 1, sizeof *s->ctypes);
    if (!s->d || !s->ctypes) { why = e_nomem; rc = CV_ENOMEM; goto out; }
    for (size_t i = 0; i < total; i++) {
        const cv_detector_type *t = cvi_detectors[i];
        if (t->entity < 0 || t->entity >= CV_ENT__COUNT || (enabled && !enabled[t->entity])) continue;
        if (!t->pattern) {
            if (!t->scan) { why = e_pattern; rc = CV_EINTERNAL; goto out; }
            s->d[s->n].id = (uint16_t)i;
            s->d[s->n++].t = t;
            continue;
        }
        int jit = 0;
        pcre2_code *c = compile(t->pattern, t->compile_flags, &jit, &why);
        if (!c) { rc = CV_EINTERNAL; goto out; }
        s->d[s->n].t = t;
        s->d[s->n].id = (uint16_t)i;
        s->d[s->n].code = c;
        s->d[s->n].jit = jit;
        s->n++;
    }
    /* A policy's detectors: after the built-ins, and ahead of them in an
     * overlap of equal length (the user said what this text is). */
    for (size_t k = 0; k < ncustom; k++) {
        const cv_custom_detector *cd = &custom[k];
        cv_detector_type *t = &s->ctypes[k];
        t->name = cd->name;
        t->entity = cd->entity;
        t->priority = 20;
        t->pattern = cd->regex;
        if (cd->entity < 0 || cd->entity >= CV_ENT_MAX || (!cd->regex && !cd->words)) {
            why = "custom detector without a pattern or words";
            rc = CV_EUSAGE;
            if (bad) *bad = k;
            goto out;
        }
        compiled *d = &s->d[s->n];
        d->t = t;
        d->id = (uint16_t)(CV_DET__COUNT + k);
        d->cust = cd;
        if (cd->regex) {
            d->code = compile(cd->regex, 0, &d->jit, &why);
            if (!d->code) {
                rc = CV_EUSAGE;
                if (bad) *bad = k;
                goto out;
            }
            s->n++;   /* from here on freed with the set */
            int e = matches_empty(d->code);
            if (e) {
                why = e < 0 ? e_nomem : "pattern can match the empty string";
                rc = e < 0 ? CV_ENOMEM : CV_EUSAGE;
                if (bad) *bad = k;
                goto out;
            }
            d->need = need_of(d->code, cd->regex);
        } else {
            s->n++;
        }
    }
    /* Per detector: its priority by id, its gates beside it, and the
     * short list of those a text without digits can match. */
    s->nprio = CV_DET__COUNT + ncustom;
    s->prio = calloc(s->nprio, sizeof *s->prio);
    s->plain = calloc(s->n ? s->n : 1, sizeof *s->plain);
    s->all = calloc(s->n ? s->n : 1, sizeof *s->all);
    if (!s->prio || !s->plain || !s->all) { why = e_nomem; rc = CV_ENOMEM; goto out; }
    for (size_t i = 0; i < s->n; i++) {
        const cv_detector_type *t = s->d[i].t;
        if (s->d[i].id < s->nprio) s->prio[s->d[i].id] = t->priority;
        s->d[i].min_digits = t->min_digits;
        s->d[i].runs_mask = t->runs_any ? t->runs_any : ~0u;
        s->all[i] = (uint16_t)i;
        if (!t->min_digits && !t->runs_any && !t->win_after) s->plain[s->nplain++] = (uint16_t)i;
    }
    s->masked = s->n <= 64;
    for (size_t i = 0; i < s->n && s->masked; i++) {
        const compiled *c = &s->d[i];
        uint64_t bit = 1ull << i;
        for (unsigned k = 0; k < 32; k++)
            if (c->runs_mask >> k & 1) s->by_run[k] |= bit;
        /* more than GATE_DIGITS: gated at GATE_DIGITS (a weaker gate, the
         * same spans: min_digits only spares work) */
        unsigned md = c->min_digits < GATE_DIGITS ? c->min_digits : GATE_DIGITS;
        for (unsigned d = md; d <= GATE_DIGITS; d++) s->by_digits[d] |= bit;
        for (unsigned k = 0; k < CV_NEED__BITS; k++)
            if (c->t->needs >> k & 1) s->by_need[k] |= bit;
    }
    for (size_t k = 0; k < s->nplain && s->masked; k++) s->plain_mask |= 1ull << s->plain[k];
    need_bits(s);
    if (cvi_cues_build(s)) { why = e_nomem; rc = CV_ENOMEM; goto out; }
    *out = s;
    s = NULL;
out:
    cvi_detector_set_free(s);
    if (err) *err = why;
    return rc;
}

void cvi_detector_set_free(cv_detector_set *s)
{
    if (!s) return;
    for (size_t i = 0; s->d && i < s->n; i++) {
        pcre2_code_free(s->d[i].code);   /* NULL for scanners: ok */
        free(s->d[i].need);
    }
    free(s->d);
    free(s->cues.v);
    free(s->cues.text);
    free(s->ctypes);
    free(s->prio);
    free(s->plain);
    free(s->all);
    free(s);
}

cv_detect_ws *cvi_detect_ws_create(const cv_detector_set *s)
{
    cv_detect_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return NULL;
    ws->set = s;
    ws->md = calloc(s->n ? s->n : 1, sizeof *ws->md);
    ws->scratch = calloc(s->n ? s->n : 1, sizeof *ws->scratch);
    if (!ws->scratch) goto fail;
    for (size_t i = 0; i < s->n; i++)
        if (s->d[i].t->scratch_size && !(ws->scratch[i] = calloc(1, s->d[i].t->scratch_size))) goto fail;
    ws->mctx = pcre2_match_context_create(NULL);
    ws->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!ws->md || !ws->mctx || !ws->jstack) goto fail;
    pcre2_jit_stack_assign(ws->mctx, NULL, ws->jstack);
    for (size_t i = 0; i < s->n; i++) {
        if (!s->d[i].code) continue;   /* a scanner */
        ws->md[i] = pcre2_match_data_create_from_pattern(s->d[i].code, NULL);
        if (!ws->md[i]) goto fail;
    }
    return ws;
fail:
    cvi_detect_ws_free(ws);
    return NULL;
}

void cvi_detect_ws_free(cv_detect_ws *ws)
{
    if (!ws) return;
    if (ws->md && ws->set)
        for (size_t i = 0; i < ws->set->n; i++) pcre2_match_data_free(ws->md[i]);
    if (ws->scratch && ws->set)
        for (size_t i = 0; i < ws->set->n; i++)
            if (ws->scratch[i]) {
                explicit_bzero(ws->scratch[i], ws->set->d[i].t->scratch_size);
                free(ws->scratch[i]);
            }
    free(ws->scratch);
    free(ws->md);
    pcre2_match_context_free(ws->mctx);
    pcre2_jit_stack_free(ws->jstack);
    free(ws->cand);
    free(ws->picks);
    free(ws->chosen);
    free(ws->fold);
    free(ws->map);
    free(ws);
}

static size_t utf8_next(const char *text, size_t len, size_t i)
{
    i++;
    while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80) i++;
    return i;
}

static int grow_cand(cv_detect_ws *ws)
{
    if (ws->ncand < ws->capcand) return 0;
    size_t cap = ws->capcand ? ws->capcand * 2 : 16;
    cv_span *v = realloc(ws->cand, cap * sizeof *v);
    if (!v) return CV_ENOMEM;
    ws->cand = v;
    ws->capcand = cap;
    return 0;
}

/* Match detector di over text[off..wend) (the subject ends at wend: windows
 * end on a byte that cannot continue a match, so end-of-subject assertions
 * there judge as the real text would; lookbehinds see the text before off). */
static int run_window(const cv_detector_set *s, cv_detect_ws *ws, size_t di, const char *text, size_t len,
                      size_t off, size_t wend)
{
    const compiled *c = &s->d[di];
    const cv_detector_type *t = c->t;
    pcre2_match_data *md = ws->md[di];
    while (off > 0 && ((unsigned char)text[off] & 0xC0) == 0x80) off--;
    while (wend < len && ((unsigned char)text[wend] & 0xC0) == 0x80) wend++;
    while (off <= wend) {
        int rc = c->jit ? pcre2_jit_match(c->code, (PCRE2_SPTR)text, wend, off, 0, md, ws->mctx)
                        : pcre2_match(c->code, (PCRE2_SPTR)text, wend, off, PCRE2_NO_UTF_CHECK, md, ws->mctx);
        if (rc == PCRE2_ERROR_NOMATCH) return 0;
        /* Any other failure (match or stack limit) would silently leave
         * identifiers in place: fail closed and let the caller reject. */
        if (rc < 0) return CV_EINTERNAL;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t ms = ov[0], me = ov[1];
        if (me <= ms) {
            if (ms >= wend) return 0;
            off = utf8_next(text, wend, ms);
            continue;
        }
        if (grow_cand(ws)) return CV_ENOMEM;
        cv_span *sp = &ws->cand[ws->ncand];
        /* validate may narrow the span, and may also move its start back:
         * detectors anchored on '@', a spoken "at" or check digits take in
         * what precedes the anchor there, which keeps their scans cheap. */
        size_t st = ms, en = me, nl = 0;
        int ok;
        if (c->cust) {
            ok = cvi_custom_accept(c->cust, text, len, st, en, sp->norm, &nl);
        } else if (t->validate) {
            ok = t->validate(&ws->opts, text, len, &st, &en, sp->norm, &nl);
        } else {
            nl = me - ms > CV_NORM_MAX ? CV_NORM_MAX : me - ms;
            memcpy(sp->norm, text + ms, nl);
            sp->norm[nl] = '\0';
            ok = 1;
        }
        if (ok && en > st && en <= len && nl <= CV_NORM_MAX) {
            sp->start = (uint32_t)st;
            sp->end = (uint32_t)en;
            sp->entity = (uint16_t)t->entity;
            sp->detector = c->id;
            sp->norm_len = (uint16_t)nl;
            ws->ncand++;
            off = en > ms ? en : utf8_next(text, wend, ms);
        } else {
            /* A valid identifier may start inside a rejected candidate. */
            off = utf8_next(text, wend, ms);
        }
    }
    return 0;
}

struct cv_emit {
    cv_detect_ws *ws;
    int entity;
    uint16_t detector;
    size_t len;
};

int cvi_emit(cv_emit *em, size_t start, size_t end, const char *norm, size_t norm_len)
{
    if (end <= start || end > em->len || norm_len > CV_NORM_MAX) return 0;   /* not a span: ignored */
    if (memchr(norm, '\0', norm_len)) return 0;   /* a normal form is a C string: a scanner's bug, not a span */
    cv_detect_ws *ws = em->ws;
    if (grow_cand(ws)) return CV_ENOMEM;
    cv_span *sp = &ws->cand[ws->ncand++];
    sp->start = (uint32_t)start;
    sp->end = (uint32_t)end;
    sp->entity = (uint16_t)em->entity;
    sp->detector = em->detector;
    sp->norm_len = (uint16_t)norm_len;
    memcpy(sp->norm, norm, norm_len);
    sp->norm[norm_len] = '\0';
    return 0;
}

/* Does detector t search around digit cluster i: its run lengths, then
 * (gates on) its digit count and cluster_wanted. */
static inline int cluster_searched(const cv_detector_set *s, const cv_detector_type *t, const char *text, size_t len,
                                   const cv_text_facts *f, uint32_t i)
{
    if (t->runs_any && !(f->cl_runs[i] & t->runs_any)) return 0;
    if (s->opts.no_gates) return 1;
    return f->cl_digits[i] >= t->cluster_digits && (!t->cluster_wanted || t->cluster_wanted(text, len, f, i));
}

static int run_detector(const cv_detector_set *s, cv_detect_ws *ws, size_t di, const cv_text_facts *f,
                        const char *text, size_t len)
{
    const cv_detector_type *t = s->d[di].t;
    ws->opts.scratch = ws->scratch[di];
    if (!t->pattern) {
        cv_emit em = { ws, t->entity, s->d[di].id, len };
        if (s->d[di].cust) return cvi_custom_scan_words(s->d[di].cust, text, len, &em);
        return t->scan(&ws->opts, text, len, f, &em);
    }
    if (!t->win_after || f->nclusters == 0 || f->nclusters > CV_MAX_CLUSTERS) {
        size_t off = t->search_from ? t->search_from(f) : 0;
        return off > len ? 0 : run_window(s, ws, di, text, len, off, len);
    }
    /* windows around digit clusters (those the detector wants), merged
     * where they overlap */
    size_t i = 0;
    while (i < f->nclusters) {
        if (!cluster_searched(s, t, text, len, f, (uint32_t)i)) {
            i++;
            continue;
        }
        size_t ws0 = f->cl_start[i] > t->win_before ? f->cl_start[i] - t->win_before : 0;
        size_t we0 = f->cl_end[i] + t->win_after;
        i++;
        while (i < f->nclusters) {
            size_t nb = f->cl_start[i] > t->win_before ? f->cl_start[i] - t->win_before : 0;
            if (nb > we0) break;
            if (cluster_searched(s, t, text, len, f, (uint32_t)i)) we0 = f->cl_end[i] + t->win_after;
            i++;
        }
        if (we0 > len) we0 = len;
        int rc = run_window(s, ws, di, text, len, ws0, we0);
        if (rc) return rc;
    }
    return 0;
}

static int cmp_pick(const void *a, const void *b)
{
    const pick *x = a, *y = b;
    uint32_t lx = x->end - x->start, ly = y->end - y->start;
    if (lx != ly) return lx > ly ? -1 : 1;
    if (x->prio != y->prio) return x->prio > y->prio ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/* The priority of the detector that found a span (a custom detector's is
 * its own, whatever entity it reports). */
static int priority_of(const cv_detector_set *s, const cv_span *sp)
{
    return sp->detector < s->nprio ? s->prio[sp->detector] : 0;
}

static int out_reserve(cv_span_list *out, size_t n)
{
    if (n <= out->cap) return 0;
    size_t cap = out->cap ? out->cap : 8;
    while (cap < n) cap *= 2;
    cv_span *v = realloc(out->v, cap * sizeof *v);
    if (!v) return CV_ENOMEM;
    out->v = v;
    out->cap = cap;
    return 0;
}

static size_t span_len(const cv_span *sp) { return offsetof(cv_span, norm) + sp->norm_len + 1; }

static int resolve(const cv_detector_set *s, cv_detect_ws *ws, cv_span_list *out)
{
    size_t n = ws->ncand;
    if (n == 1) {
        if (out_reserve(out, 1)) return CV_ENOMEM;
        memcpy(&out->v[0], &ws->cand[0], span_len(&ws->cand[0]));
        out->n = 1;
        return 0;
    }
    if (n > ws->cappick) {
        pick *a = realloc(ws->picks, n * sizeof *a);
        if (!a) return CV_ENOMEM;
        ws->picks = a;
        pick *b = realloc(ws->chosen, n * sizeof *b);
        if (!b) return CV_ENOMEM;
        ws->chosen = b;
        ws->cappick = n;
    }
    for (size_t i = 0; i < n; i++) {
        ws->picks[i].start = ws->cand[i].start;
        ws->picks[i].end = ws->cand[i].end;
        ws->picks[i].prio = priority_of(s, &ws->cand[i]);
        ws->picks[i].idx = (uint32_t)i;
    }
    qsort(ws->picks, n, sizeof *ws->picks, cmp_pick);
    /* Greedy: best first; chosen[] stays sorted by start, so one binary
     * search finds the only two neighbours that could overlap. */
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        const pick *p = &ws->picks[i];
        size_t lo = 0, hi = nc;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (ws->chosen[mid].start < p->start) lo = mid + 1; else hi = mid;
        }
        if (lo < nc && ws->chosen[lo].start < p->end) continue;
        if (lo > 0 && ws->chosen[lo - 1].end > p->start) continue;
        memmove(&ws->chosen[lo + 1], &ws->chosen[lo], (nc - lo) * sizeof *ws->chosen);
        ws->chosen[lo] = *p;
        nc++;
    }
    if (out_reserve(out, nc)) return CV_ENOMEM;
    for (size_t i = 0; i < nc; i++) {
        const cv_span *sp = &ws->cand[ws->chosen[i].idx];
        memcpy(&out->v[i], sp, span_len(sp));
    }
    out->n = nc;
    return 0;
}

/* 0 if no match of a regex with these needs can be in text[0..len) (the
 * whole subject: custom regexes run over all of it); *seen: the need_bit
 * bits of the text's bytes, ORed at the first call for a text (*have_seen). */
static int need_met(const cv_detector_set *s, const need *nd, uint64_t *seen, int *have_seen, const char *text,
                    size_t len)
{
    if (len < nd->min_len) return 0;
    if (!*have_seen) {
        uint64_t m = 0;
        for (size_t j = 0; j < len; j++) m |= s->need_bit[(unsigned char)text[j]];
        *seen = m;
        *have_seen = 1;
    }
    if (nd->nfirst && !(*seen & nd->firstb)) return 0;
    return !nd->nlast || (*seen & nd->lastb);
}

/* The CV_NEED_* facts text f has. */
static inline unsigned facts_have(const cv_text_facts *f)
{
    return (f->has_at ? CV_NEED_AT : 0u) | (f->has_spoken_at ? CV_NEED_SPOKEN_AT : 0u) |
           (f->has_slash ? CV_NEED_SLASH : 0u) | (f->letter_digit ? CV_NEED_LETTER_DIGIT : 0u) |
           (f->ipv6_shape ? CV_NEED_IPV6 : 0u);
}

static int detect_facts(const cv_detector_set *s, cv_detect_ws *ws, const cv_text_facts *f, const char *text,
                        size_t len, cv_span_list *out)
{
    unsigned have = facts_have(f);
    uint64_t seen = 0;
    int have_seen = 0;
    ws->ncand = 0;
    if (s->masked) {
        /* A text without digits: only the detectors that need none (digit-
         * anchored ones, win_after, and those declaring digits never
         * match); else those whose digit count and run lengths it meets. */
        uint64_t cand = s->plain_mask;
        if (f->digits) {
            uint64_t runs = 0;
            for (uint32_t r = f->runs; r; r &= r - 1) runs |= s->by_run[__builtin_ctz(r)];
            cand = runs & s->by_digits[f->digits < GATE_DIGITS ? f->digits : GATE_DIGITS];
        }
        for (unsigned miss = ~have & ((1u << CV_NEED__BITS) - 1); miss; miss &= miss - 1)
            cand &= ~s->by_need[__builtin_ctz(miss)];
        uint64_t gated = cand & s->cues.mask;
        if (gated) cand &= ~gated | cvi_cues_found(&s->cues, text, len, gated);
        for (; cand; cand &= cand - 1) {
            size_t i = (size_t)__builtin_ctzll(cand);   /* in index order, as the lists */
            const cv_detector_type *t = s->d[i].t;
            if (t->wanted && !t->wanted(f)) continue;
            if (s->d[i].need && !need_met(s, s->d[i].need, &seen, &have_seen, text, len)) continue;
            int rc = run_detector(s, ws, i, f, text, len);
            if (rc) return rc;
        }
        return ws->ncand ? resolve(s, ws, out) : 0;
    }
    size_t n = f->digits ? s->n : s->nplain;
    const uint16_t *idx = f->digits ? s->all : s->plain;
    uint64_t cues = 0;
    int have_cues = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        const compiled *c = &s->d[i];
        if (!(f->runs & c->runs_mask) || f->digits < c->min_digits) continue;
        const cv_detector_type *t = c->t;
        if (t->needs & ~have) continue;
        if (t->wanted && !t->wanted(f)) continue;
        if (i < 64 && (s->cues.mask >> i & 1)) {
            if (!have_cues) {
                cues = cvi_cues_found(&s->cues, text, len, s->cues.mask);
                have_cues = 1;
            }
            if (!(cues >> i & 1)) continue;
        }
        if (c->need && !need_met(s, c->need, &seen, &have_seen, text, len)) continue;
        int rc = run_detector(s, ws, i, f, text, len);
        if (rc) return rc;
    }
    if (ws->ncand == 0) return 0;
    return resolve(s, ws, out);
}

/* Detect over the folded text, then move spans back onto the original
 * bytes: a span covers every original character its folded bytes came from,
 * and the zero-width ones dropped between them. */
static int detect_folded(const cv_detector_set *s, cv_detect_ws *ws, const char *text, size_t len,
                         cv_span_list *out)
{
    if (len + 1 > ws->capfold) {
        char *b = realloc(ws->fold, len + 1);
        if (!b) return CV_ENOMEM;
        ws->fold = b;
        uint32_t *m = realloc(ws->map, (len + 1) * sizeof *m);
        if (!m) return CV_ENOMEM;
        ws->map = m;
        ws->capfold = len + 1;
    }
    size_t k = cvi_fold_text(text, len, ws->fold, ws->map);
    ws->fold[k] = '\0';
    if (k == 0) return 0;
    cv_text_facts f;
    cvi_text_facts(ws->fold, k, &f);   /* folded text holds no look-alike */
    int rc = detect_facts(s, ws, &f, ws->fold, k, out);
    if (rc) return rc;
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < out->n; i++) {
        cv_span *sp = &out->v[i];
        uint32_t last = ws->map[sp->end - 1];
        char a;
        size_t l = cvi_fold_at(p + last, len - last, &a);
        sp->start = ws->map[sp->start];
        sp->end = last + (uint32_t)(l ? l : 1);
    }
    return 0;
}

int cvi_detect(const cv_detector_set *s, cv_detect_ws *ws, const char *text, size_t len,
              cv_span_list *out)
{
    return cvi_detect_with(s, ws, NULL, text, len, out);
}

int cvi_detect_with(const cv_detector_set *s, cv_detect_ws *ws, const cv_detect_opts *o, const char *text,
                   size_t len, cv_span_list *out)
{
    out->n = 0;
    ws->opts = o ? *o : s->opts;
    if (len >= UINT32_MAX) return CV_EUSAGE;   /* spans hold 32-bit offsets */
    if (len == 0 || s->n == 0) return 0;
    cv_text_facts f;
    if (cvi_text_facts(text, len, &f)) return detect_folded(s, ws, text, len, out);
    return detect_facts(s, ws, &f, text, len, out);
}
