/*
 * transcript_redact.c - a parsed call transcript (formats/transcript.c)
 * through the detection engine: spoken identifiers found with the chat
 * pipeline's engine (spoken forms joined by filters/spoken.c), the redacted
 * transcript written back in its own JSON shape, and the time spans the
 * audio filters silence. The glue between the transcript format and the
 * engine, as engine.c is for records.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "transcript_redact.h"
#include "../filters/spoken.h"

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* ---- redaction ------------------------------------------------------------ */

/* Per word: its replacement in rbuf (state 0 untouched, 1 emptied, 2 replaced). */
typedef struct wrepl {
    uint8_t state;
    size_t off, len;
} wrepl;

typedef struct rctx {
    cvi_worker *w;
    cv_transcript *t;
    const cv_transcript_opts *o;
    cv_transcript_result *res;
    cvi_counts *counts;
    wrepl *rp;
    cv_buf rbuf;
    cv_buf tmp;
    cv_spoken sp;
    cv_spoken_word *sw;
    size_t swcap;
    size_t *idx;           /* sequence: local → global word index */
    size_t idxcap;
    size_t nspans, spancap;
} rctx;

static int push_span(rctx *c, double s, double e, int ch)
{
    if (cvi_grow((void **)&c->res->spans, &c->spancap, c->nspans + 1, sizeof(cv_tspan))) return CV_ENOMEM;
    c->res->spans[c->nspans++] = (cv_tspan){ s, e, ch };
    return 0;
}

/* Words first..last (global) of a match: the first gets bytes r[0..n), the
 * others are emptied. A word already given a replacement by an earlier match
 * keeps it (and the new rendering is appended to the first word). With
 * silence, the words' time is an audio span; a match the policy keeps is
 * claimed (the digit-run fail-safe leaves it alone) but stays audible. */
static int claim(rctx *c, size_t first, size_t last, const char *r, size_t n, int ch, int silence)
{
    cv_transcript *t = c->t;
    double s = -1, e = -1;
    for (size_t k = first; k <= last; k++) {
        const cv_tword *w = &t->words[k];
        if (w->start >= 0 && (s < 0 || w->start < s)) s = w->start;
        if (w->end >= 0 && w->end > e) e = w->end;
    }
    wrepl *f = &c->rp[first];
    if (f->state == 2) {
        /* append: copy the old bytes and the new rendering to the end of rbuf */
        size_t off = c->rbuf.n;
        if (cvi_buf_reserve(&c->rbuf, f->len + 1 + n)) return CV_ENOMEM;
        memmove(c->rbuf.p + off, c->rbuf.p + f->off, f->len);
        c->rbuf.n += f->len;
        if (cvi_buf_putc(&c->rbuf, ' ') || cvi_buf_append(&c->rbuf, r, n)) return CV_ENOMEM;
        f->off = off;
        f->len = c->rbuf.n - off;
    } else {
        f->off = c->rbuf.n;
        f->len = n;
        f->state = 2;
        if (cvi_buf_append(&c->rbuf, r, n)) return CV_ENOMEM;
    }
    for (size_t k = first + 1; k <= last; k++)
        if (c->rp[k].state == 0) c->rp[k].state = 1;
    return s >= 0 && silence ? push_span(c, s, e, ch) : 0;
}

/* Find and claim the identifiers of one sequence of primary words. */
static int redact_sequence(rctx *c, const size_t *seq, size_t n)
{
    cv_transcript *t = c->t;
    if (cvi_grow((void **)&c->sw, &c->swcap, n ? n : 1, sizeof *c->sw)) return CV_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const cv_tword *w = &t->words[seq[k]];
        c->sw[k] = (cv_spoken_word){ w->text.p, w->text.n, w->punct };
    }
    int rc = cvi_spoken_build(&c->sp, c->sw, n);
    if (rc) return rc;
    const cv_span *spans;
    size_t ns;
    if ((rc = cvi_engine_find(c->w, c->sp.text.p ? c->sp.text.p : "", c->sp.text.n, &spans, &ns, c->counts)))
        return rc;
    int ch = n ? t->words[seq[0]].channel : -1;
    for (size_t i = 0; i < ns; i++) {
        size_t a, b;
        if (!cvi_spoken_words_of(&c->sp, spans[i].start, spans[i].end, &a, &b)) continue;
        cv_buf_clear(&c->tmp);
        if ((rc = cvi_engine_render(c->w, c->sp.text.p, &spans[i], &c->tmp))) return rc;
        if ((rc = claim(c, seq[a], seq[b], c->tmp.p, c->tmp.n, ch, !cvi_engine_keeps(c->w, &spans[i])))) return rc;
        c->res->identifiers++;
    }
    if (c->o && c->o->digit_run_min) {
        for (size_t i = 0; i < c->sp.nruns; i++) {
            const cv_spoken_run *run = &c->sp.runs[i];
            size_t a, b;
            if (run->ndigits < c->o->digit_run_min || !cvi_spoken_words_of(&c->sp, run->start, run->end, &a, &b))
                continue;
            size_t fa = SIZE_MAX;
            for (size_t k = a; k <= b && fa == SIZE_MAX; k++)
                if (c->rp[seq[k]].state == 0) fa = k;
            if (fa == SIZE_MAX) continue;    /* a detector took all of it */
            /* the words no detector took: the first unclaimed one says "[digits]" */
            if ((rc = claim(c, seq[fa], seq[fa], "[digits]", 8, ch, 1))) return rc;
            for (size_t k = fa + 1; k <= b; k++)
                if (c->rp[seq[k]].state == 0) c->rp[seq[k]].state = 1;
            double s = -1, e = -1;
            for (size_t k = a; k <= b; k++) {
                const cv_tword *w = &t->words[seq[k]];
                if (w->start >= 0 && (s < 0 || w->start < s)) s = w->start;
                if (w->end > e) e = w->end;
            }
            if (s >= 0 && (rc = push_span(c, s, e, ch))) return rc;
            c->res->digit_runs++;
        }
    }
    return 0;
}

/* Sequence order: channel, then document order. */
typedef struct seqent {
    int channel;
    size_t k;
} seqent;

static int cmp_seq(const void *a, const void *b)
{
    const seqent *x = a, *y = b;
    if (x->channel != y->channel) return x->channel < y->channel ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* A word's final text. */
static cv_str final_text(const rctx *c, size_t k)
{
    const wrepl *p = &c->rp[k];
    if (p->state == 1) return cv_str_make("", 0);
    if (p->state == 2) return cv_str_make(c->rbuf.p + p->off, p->len);
    return c->t->words[k].text;
}

static int set_node(cv_record *r, int32_t i, const char *p, size_t n)
{
    cv_str v = n ? cvi_record_strdup(r, p, n) : cv_str_make("", 0);
    if (n && !v.p) return CV_ENOMEM;
    r->nodes[i].value = v;
    r->nodes[i].flags |= CV_NF_CHANGED;
    return 0;
}

/* Free text outside the word list: words split at whitespace, spoken forms
 * understood, identifiers replaced in place. Not counted. */
static int scan_string(rctx *c, int32_t i)
{
    cv_record *r = &c->t->rec;
    cv_str v = r->nodes[i].value;
    size_t n = 0;
    for (size_t k = 0; k < v.n;) {
        while (k < v.n && is_space(v.p[k])) k++;
        if (k >= v.n) break;
        size_t e = k;
        while (e < v.n && !is_space(v.p[e])) e++;
        if (cvi_grow((void **)&c->sw, &c->swcap, n + 1, sizeof *c->sw)) return CV_ENOMEM;
        c->sw[n++] = (cv_spoken_word){ v.p + k, e - k, 0 };
        k = e;
    }
    if (n == 0) return 0;
    int rc = cvi_spoken_build(&c->sp, c->sw, n);
    if (rc) return rc;
    const cv_span *spans;
    size_t ns;
    if ((rc = cvi_engine_find(c->w, c->sp.text.p, c->sp.text.n, &spans, &ns, NULL))) return rc;
    unsigned min = c->o ? c->o->digit_run_min : 0;
    size_t nruns = 0;
    for (size_t k = 0; min && k < c->sp.nruns; k++) nruns += c->sp.runs[k].ndigits >= min;
    if (ns == 0 && nruns == 0) return 0;

    /* replacements in word order: byte ranges of v and their text (in tmp) */
    cv_buf *out = &c->tmp;
    cv_buf_clear(out);
    size_t at = 0, si = 0, ri = 0;
    while (si < ns || ri < c->sp.nruns) {
        size_t a, b, bs, be;
        int is_run = si >= ns || (ri < c->sp.nruns && c->sp.runs[ri].start < spans[si].start);
        if (is_run) {
            const cv_spoken_run *run = &c->sp.runs[ri++];
            int covered = 0;
            for (size_t k = 0; k < ns; k++)
                if (spans[k].start < run->end && run->start < spans[k].end) covered = 1;
            if (!min || run->ndigits < min || covered) continue;
            if (!cvi_spoken_words_of(&c->sp, run->start, run->end, &a, &b)) continue;
        } else {
            if (!cvi_spoken_words_of(&c->sp, spans[si].start, spans[si].end, &a, &b)) {
                si++;
                continue;
            }
        }
        bs = (size_t)(c->sw[a].p - v.p);
        be = (size_t)(c->sw[b].p + c->sw[b].n - v.p);
        if (bs < at) {
            bs = at;    /* shares a word with the previous replacement: write after it */
            if (cvi_buf_putc(out, ' ')) return CV_ENOMEM;
        } else if (cvi_buf_append(out, v.p + at, bs - at)) {
            return CV_ENOMEM;
        }
        if (is_run) {
            if (cvi_buf_puts(out, "[digits]")) return CV_ENOMEM;
        } else {
            if ((rc = cvi_engine_render(c->w, c->sp.text.p, &spans[si], out))) return rc;
            si++;
        }
        if (be > at) at = be;
    }
    if (cvi_buf_append(out, v.p + at, v.n - at)) return CV_ENOMEM;
    return set_node(r, i, out->p, out->n);
}

/* Copies of words take the redaction of the primary words they overlap. */
static int redact_copies(rctx *c)
{
    cv_transcript *t = c->t;
    size_t *claimed = NULL, nc = 0, cap = 0;
    int rc = 0;
    for (size_t k = 0; k < t->nwords; k++)
        if (t->words[k].primary && c->rp[k].state && t->words[k].start >= 0) {
            if (cvi_grow((void **)&claimed, &cap, nc + 1, sizeof *claimed)) {
                free(claimed);
                return CV_ENOMEM;
            }
            claimed[nc++] = k;
        }
    for (size_t k = 0; k < t->nwords && nc; k++) {
        const cv_tword *s = &t->words[k];
        if (s->primary || s->start < 0) continue;
        for (size_t j = 0; j < nc; j++) {
            const cv_tword *p = &t->words[claimed[j]];
            if (p->channel != s->channel && p->channel >= 0 && s->channel >= 0) continue;
            int over = (p->start < s->end && s->start < p->end) || (p->start == s->start && p->end == s->end);
            if (!over) continue;
            const wrepl *pr = &c->rp[claimed[j]];
            if (pr->state == 2 && c->rp[k].state != 2) {
                c->rp[k] = *pr;
                break;
            }
            if (c->rp[k].state == 0) c->rp[k].state = 1;
        }
    }
    free(claimed);
    return rc;
}

/* Rebuild a full-text field from its words' final text. */
static int rebuild_full(rctx *c, const struct cv_tfull *f)
{
    cv_transcript *t = c->t;
    cv_buf *out = &c->tmp;
    cv_buf_clear(out);
    for (size_t k = 0; k < t->nwords; k++) {
        const cv_tword *w = &t->words[k];
        if (f->group >= 0 ? w->group != f->group : f->list >= 0 ? w->list != f->list : !w->primary) continue;
        cv_str s = final_text(c, k);
        if (s.n == 0) continue;
        if (w->node[0] < 0 && c->rp[k].state == 2) {
            /* a word of a segment's text: the whitespace written before it */
            size_t lead = 0;
            while (lead < w->text.n && is_space(w->text.p[lead])) lead++;
            if (cvi_buf_append(out, w->text.p, lead)) return CV_ENOMEM;
            if (!lead && out->n && cvi_buf_putc(out, ' ')) return CV_ENOMEM;
        } else if (!w->punct && !is_space(s.p[0]) && out->n && cvi_buf_putc(out, ' ')) {
            return CV_ENOMEM;
        }
        if (cvi_buf_append(out, s.p, s.n)) return CV_ENOMEM;
    }
    return set_node(&t->rec, f->node, out->p, out->n);
}

/* The transcript's language, as its recogniser wrote it (AWS
 * results.language_code, Whisper's top-level language, Deepgram
 * results.channels[].detected_language, the first channel's): numbers are
 * then joined in that language only (cvi_spoken_set_lang); without one, or
 * with one we do not serve, in all of them. */
static void set_language(cv_spoken *sp, const cv_record *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const cv_node *nd = &r->nodes[i];
        if (nd->kind != CV_NODE_STRING) continue;
        if (cv_str_eqz(nd->path, "results.language_code") || (nd->depth == 0 && cv_str_eqz(nd->key, "language")) ||
            cv_str_eqz(nd->path, "results.channels[].detected_language")) {
            cvi_spoken_set_lang(sp, nd->value.p, nd->value.n);
            return;
        }
    }
}

int cvi_transcript_redact(cvi_worker *w, const char *json, size_t len, const cv_transcript_opts *o, cv_buf *out,
                         cv_transcript_result *res, cvi_counts *counts, cv_diag *diag)
{
    cv_transcript t;
    cvi_transcript_init(&t);
    rctx c;
    memset(&c, 0, sizeof c);
    memset(res, 0, sizeof *res);
    cvi_counts local;
    memset(&local, 0, sizeof local);
    size_t out0 = out->n;
    int rc = cvi_transcript_parse(&t, json, len, diag);
    if (rc) goto out;
    c.w = w;
    c.t = &t;
    c.o = o;
    c.res = res;
    c.counts = &local;
    cvi_spoken_init(&c.sp);
    set_language(&c.sp, &t.rec);
    res->flavour = t.flavour;
    res->timing = t.timing;
    c.rp = calloc(t.nwords ? t.nwords : 1, sizeof *c.rp);
    if (!c.rp) goto nomem;

    /* a word on no channel but with a speaker the policy puts on one */
    for (size_t k = 0; o && o->nspeakers && k < t.nwords; k++) {
        cv_tword *wd = &t.words[k];
        for (size_t j = 0; wd->channel < 0 && wd->speaker.n && j < o->nspeakers && j < 64; j++)
            if (cv_str_eqz(wd->speaker, o->speakers[j])) wd->channel = (int)j;
    }

    /* primary words, one sequence per channel, in document order */
    size_t np = 0;
    seqent *se = malloc((t.nwords ? t.nwords : 1) * sizeof *se);
    if (!se) goto nomem;
    for (size_t k = 0; k < t.nwords; k++)
        if (t.words[k].primary) {
            se[np++] = (seqent){ t.words[k].channel, k };
            res->words += !t.words[k].punct;
        }
    qsort(se, np, sizeof *se, cmp_seq);
    if (cvi_grow((void **)&c.idx, &c.idxcap, np ? np : 1, sizeof *c.idx)) {
        free(se);
        goto nomem;
    }
    for (size_t k = 0; k < np; k++) c.idx[k] = se[k].k;
    free(se);
    for (size_t a = 0; a < np;) {
        size_t b = a + 1;
        while (b < np && t.words[c.idx[b]].channel == t.words[c.idx[a]].channel) b++;
        if ((rc = redact_sequence(&c, c.idx + a, b - a))) goto out;
        a = b;
    }
    if ((rc = redact_copies(&c))) goto out;

    /* write the words back */
    for (size_t k = 0; k < t.nwords; k++) {
        if (c.rp[k].state == 0) continue;
        const cv_tword *wd = &t.words[k];
        cv_str s = final_text(&c, k);
        for (int j = 0; j < 2; j++) {
            int32_t nd = wd->node[j];
            if (nd < 0) continue;
            /* keep a leading space (Whisper writes " word") */
            cv_str orig = t.rec.nodes[nd].value;
            size_t lead = 0;
            while (s.n && lead < orig.n && is_space(orig.p[lead])) lead++;
            cv_buf_clear(&c.tmp);
            if (cvi_buf_append(&c.tmp, orig.p, lead) || cvi_buf_append(&c.tmp, s.p, s.n)) goto nomem;
            if ((rc = set_node(&t.rec, nd, c.tmp.p, c.tmp.n))) goto out;
        }
    }
    for (size_t k = 0; k < t.nfull; k++)
        if ((rc = rebuild_full(&c, &t.full[k]))) goto out;
    /* every other string: scanned as free text */
    for (size_t i = 0; i < t.rec.n; i++)
        if (t.rec.nodes[i].kind == CV_NODE_STRING && t.role[i] == CV_TROLE_SCAN && (rc = scan_string(&c, (int32_t)i)))
            goto out;

    res->nspans = cvi_time_spans_merge(res->spans, c.nspans, o ? o->pad_ms / 1000.0 : 0);
    {
        const cv_format_type *jf = cvi_format_find("jsonl");
        char st[8] = { 0 };
        if ((rc = jf->write(st, &t.rec, out))) goto out;
    }
    if (counts) cvi_counts_add(counts, &local);
    goto out;
nomem:
    rc = CV_ENOMEM;
out:
    if (rc) {
        out->n = out0;
        cvi_transcript_result_free(res);
    }
    cvi_spoken_free(&c.sp);
    cvi_buf_free(&c.rbuf);
    cvi_buf_free(&c.tmp);
    free(c.sw);
    free(c.idx);
    free(c.rp);
    cvi_transcript_free(&t);
    return rc;
}
