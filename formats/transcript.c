/*
 * transcript.c - word-timed transcripts (see transcript.h): the JSON
 * document is read with the JSON Lines parser into one cv_record, its word
 * items are located by path, spoken identifiers are found on the joined
 * words (filters/spoken.c + the engine's detectors), and the redaction is
 * written back into the record's nodes, which the JSON writer serialises in
 * the same shape. Workload: one call at a time, up to tens of MB of JSON.
 */
#include <math.h>
#include <stdlib.h>

#include "transcript.h"

/* Times beyond this (about 115 days) are not a call. */
#define MAX_SECONDS 1e7

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

void cvi_transcript_init(cv_transcript *t)
{
    memset(t, 0, sizeof *t);
    cvi_record_init(&t->rec);
}

void cvi_transcript_free(cv_transcript *t)
{
    if (!t) return;
    cvi_record_free(&t->rec);
    free(t->words);
    free(t->full);
    free(t->role);
    memset(t, 0, sizeof *t);
}

void cvi_transcript_result_free(cv_transcript_result *r)
{
    if (!r) return;
    free(r->spans);
    memset(r, 0, sizeof *r);
}

/* ---- parsing -------------------------------------------------------------- */

/* Direct member `key` of the object whose BEGIN node is obj, or -1. */
static int32_t member(const cv_record *r, int32_t obj, const char *key)
{
    if (obj < 0 || r->nodes[obj].kind != CV_NODE_OBJ_BEGIN) return -1;
    int32_t end = r->nodes[obj].end;
    for (int32_t i = obj + 1; i < end;) {
        const cv_node *nd = &r->nodes[i];
        if (cv_str_eqz(nd->key, key)) return i;
        if ((nd->kind == CV_NODE_OBJ_BEGIN || nd->kind == CV_NODE_ARR_BEGIN) && nd->end > i)
            i = nd->end + 1;
        else
            i++;
    }
    return -1;
}

static int is_kind(const cv_record *r, int32_t i, int kind) { return i >= 0 && r->nodes[i].kind == kind; }

/* A time: a JSON number or a string of a non-negative decimal number
 * ("12.345", "1e2"). Returns 0, or CV_EINPUT with *why. */
static int parse_time(const cv_record *r, int32_t i, double *out, const char **why)
{
    if (i < 0) {
        *why = "word item without a start or end time";
        return CV_EINPUT;
    }
    const cv_node *nd = &r->nodes[i];
    if (nd->kind != CV_NODE_NUMBER && nd->kind != CV_NODE_STRING) {
        *why = "time is not a number";
        return CV_EINPUT;
    }
    const char *p = nd->value.p;
    size_t n = nd->value.n, k = 0, d = 0;
    char buf[40];
    if (n == 0 || n >= sizeof buf) goto bad;
    if (p[0] == '-') {
        *why = "negative time";
        return CV_EINPUT;
    }
    while (k < n && p[k] >= '0' && p[k] <= '9') k++, d++;
    if (k < n && p[k] == '.') {
        k++;
        while (k < n && p[k] >= '0' && p[k] <= '9') k++, d++;
    }
    if (!d) goto bad;
    if (k < n && (p[k] == 'e' || p[k] == 'E')) {
        k++;
        if (k < n && (p[k] == '+' || p[k] == '-')) k++;
        size_t e = k;
        while (k < n && p[k] >= '0' && p[k] <= '9') k++;
        if (k == e) goto bad;
    }
    if (k != n) goto bad;
    memcpy(buf, p, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v) || v > MAX_SECONDS) {
        *why = "time out of range";
        return CV_EINPUT;
    }
    *out = v;
    return 0;
bad:
    *why = "time is not a number";
    return CV_EINPUT;
}

typedef struct pstate {
    cv_transcript *t;
    const char *why;
    /* inside segments[]: the segment's times, for its words without their own */
    int in_seg, seg_ok;
    double seg_start, seg_end;
} pstate;

static int add_word(pstate *ps, int32_t text_node, int32_t alt_node, int32_t start_node, int32_t end_node, int punct,
                    int channel, int primary, int32_t group, int32_t list)
{
    cv_transcript *t = ps->t;
    cv_record *r = &t->rec;
    if (!is_kind(r, text_node, CV_NODE_STRING)) {
        ps->why = "word item without text";
        return CV_EINPUT;
    }
    if (alt_node >= 0 && !is_kind(r, alt_node, CV_NODE_STRING)) {
        ps->why = "word item without text";
        return CV_EINPUT;
    }
    if (cvi_grow((void **)&t->words, &t->cap, t->nwords + 1, sizeof *t->words)) return CV_ENOMEM;
    cv_tword *w = &t->words[t->nwords];
    memset(w, 0, sizeof *w);
    w->text = r->nodes[text_node].value;
    w->start = w->end = -1;
    w->channel = channel;
    w->speaker = cv_str_make("", 0);
    w->punct = (uint8_t)punct;
    w->primary = (uint8_t)primary;
    w->node[0] = text_node;
    w->node[1] = alt_node;
    w->group = group;
    w->list = list;
    if (ps->in_seg && (start_node < 0 || end_node < 0)) {
        /* a word without its own times: its segment's whole (fail closed) */
        if (!ps->seg_ok) {
            ps->why = "segments[].words[]: a word without start and end times, in a segment without valid ones";
            return CV_EINPUT;
        }
        w->start = ps->seg_start;
        w->end = ps->seg_end;
        w->seg = 1;
        t->timing = CV_TIMING_SEGMENT;
    } else if (!punct || start_node >= 0 || end_node >= 0) {
        int rc = parse_time(r, start_node, &w->start, &ps->why);
        if (!rc) rc = parse_time(r, end_node, &w->end, &ps->why);
        if (rc) return rc;
        if (w->end < w->start) {
            ps->why = "word ends before it starts";
            return CV_EINPUT;
        }
        t->role[start_node] = t->role[end_node] = CV_TROLE_KEEP;
    }
    t->role[text_node] = CV_TROLE_WORD;
    if (alt_node >= 0) t->role[alt_node] = CV_TROLE_WORD;
    t->nwords++;
    return 0;
}

/* 1 to 6 decimal digits → their value; -1 otherwise. */
static int small_uint(const char *p, size_t n)
{
    if (n == 0 || n > 6) return -1;
    int c = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k] < '0' || p[k] > '9') return -1;
        c = c * 10 + (p[k] - '0');
    }
    return c;
}

/* "ch_3" → 3; -1 if not of that form. */
static int channel_of(const cv_record *r, int32_t i)
{
    if (!is_kind(r, i, CV_NODE_STRING)) return -1;
    cv_str v = r->nodes[i].value;
    if (v.n < 4 || memcmp(v.p, "ch_", 3) != 0) return -1;
    return small_uint(v.p + 3, v.n - 3);
}

static int int_of(const cv_record *r, int32_t i)
{
    if (!is_kind(r, i, CV_NODE_NUMBER)) return -1;
    return small_uint(r->nodes[i].value.p, r->nodes[i].value.n);
}

/* A speaker label: a string ("spk_0", "agent") or a number (Deepgram's
 * diarised speaker 0, 1, ...) as written; empty if none. */
static cv_str label_of(const cv_record *r, int32_t i)
{
    if (is_kind(r, i, CV_NODE_STRING) || is_kind(r, i, CV_NODE_NUMBER)) return r->nodes[i].value;
    return cv_str_make("", 0);
}

/* An AWS item (results.items[] or a channel's items[]). */
static int aws_item(pstate *ps, int32_t obj, int channel, int32_t list)
{
    cv_record *r = &ps->t->rec;
    int32_t type = member(r, obj, "type");
    int punct = is_kind(r, type, CV_NODE_STRING) && cv_str_eqz(r->nodes[type].value, "punctuation");
    if (type >= 0) ps->t->role[type] = CV_TROLE_KEEP;
    int32_t cl = member(r, obj, "channel_label");
    if (cl >= 0) {
        int c = channel_of(r, cl);
        if (c >= 0) channel = c;
    }
    int32_t st = member(r, obj, "start_time"), et = member(r, obj, "end_time");
    int32_t alts = member(r, obj, "alternatives");
    cv_str speaker = label_of(r, member(r, obj, "speaker_label"));
    if (!is_kind(r, alts, CV_NODE_ARR_BEGIN) || !is_kind(r, alts + 1, CV_NODE_OBJ_BEGIN)) {
        ps->why = "transcript item without alternatives[0].content";
        return CV_EINPUT;
    }
    int first = 1;
    for (int32_t a = alts + 1; a < r->nodes[alts].end; a = r->nodes[a].end + 1) {
        if (!is_kind(r, a, CV_NODE_OBJ_BEGIN)) {
            ps->why = "transcript item without alternatives[0].content";
            return CV_EINPUT;
        }
        int rc = add_word(ps, member(r, a, "content"), -1, st, et, punct, channel, first, -1, list);
        if (rc) return rc;
        ps->t->words[ps->t->nwords - 1].speaker = speaker;
        if (!first) {   /* further hypotheses: copies, in no full text */
            ps->t->words[ps->t->nwords - 1].primary = 0;
            ps->t->words[ps->t->nwords - 1].list = -1;
        }
        first = 0;
    }
    return 0;
}

/* A generic / Whisper / Deepgram word object; its speaker is its own
 * "speaker" or else the enclosing segment's or utterance's (spk, -1 none). */
static int word_obj(pstate *ps, int32_t obj, int channel, int primary, int32_t group, int32_t list, int32_t spk)
{
    cv_record *r = &ps->t->rec;
    int32_t wd = member(r, obj, "word"), pw = member(r, obj, "punctuated_word");
    int32_t text = pw >= 0 ? pw : wd, alt = pw >= 0 ? wd : -1;
    if (channel < 0) channel = int_of(r, member(r, obj, "channel"));    /* a generic word's own channel */
    int rc = add_word(ps, text, alt, member(r, obj, "start"), member(r, obj, "end"), 0, channel, primary, group, list);
    if (rc) return rc;
    cv_str own = label_of(r, member(r, obj, "speaker"));
    ps->t->words[ps->t->nwords - 1].speaker = own.n ? own : label_of(r, spk);
    return 0;
}

/* A segment's start and end (segments[] of the generic / Whisper flavour):
 * kept as written; ps->seg_ok says whether they are valid times. */
static void segment_times(pstate *ps, int32_t seg)
{
    cv_record *r = &ps->t->rec;
    int32_t st = member(r, seg, "start"), et = member(r, seg, "end");
    const char *why;
    ps->seg_ok = !parse_time(r, st, &ps->seg_start, &why) && !parse_time(r, et, &ps->seg_end, &why) &&
                 ps->seg_end >= ps->seg_start;
    if (st >= 0) ps->t->role[st] = CV_TROLE_KEEP;
    if (et >= 0) ps->t->role[et] = CV_TROLE_KEEP;
}

/* A segment without word items (Whisper without word_timestamps): the words
 * of its text, split at whitespace (each keeps the whitespace before it, so
 * the text rebuilds as written), all timed with the segment's start and end.
 * They have no node of their own: the text is rebuilt from them. */
static int segment_text_words(pstate *ps, int32_t seg, int32_t text, int32_t group, int32_t spk)
{
    cv_transcript *t = ps->t;
    cv_record *r = &t->rec;
    if (!is_kind(r, text, CV_NODE_STRING)) return 0;
    cv_str v = r->nodes[text].value;
    int channel = int_of(r, member(r, seg, "channel"));
    for (size_t k = 0, from = 0; k < v.n;) {
        while (k < v.n && is_space(v.p[k])) k++;
        if (k >= v.n) break;
        size_t e = k;
        while (e < v.n && !is_space(v.p[e])) e++;
        if (!ps->seg_ok) {
            ps->why = "segments[]: a segment without word timings has no valid start and end times";
            return CV_EINPUT;
        }
        if (cvi_grow((void **)&t->words, &t->cap, t->nwords + 1, sizeof *t->words)) return CV_ENOMEM;
        cv_tword *w = &t->words[t->nwords++];
        memset(w, 0, sizeof *w);
        w->text = cv_str_make(v.p + from, e - from);
        w->start = ps->seg_start;
        w->end = ps->seg_end;
        w->channel = channel;
        w->speaker = label_of(r, spk);
        w->primary = 1;
        w->seg = 1;
        w->node[0] = w->node[1] = -1;
        w->group = group;
        w->list = 1;
        t->timing = CV_TIMING_SEGMENT;
        from = k = e;
    }
    return 0;
}

/* The segment's words[] holds at least one item. */
static int has_word_items(const cv_record *r, int32_t seg)
{
    int32_t a = member(r, seg, "words");
    return is_kind(r, a, CV_NODE_ARR_BEGIN) && r->nodes[a].end > a + 1;
}

static int add_full(cv_transcript *t, int32_t node, int32_t group, int32_t list)
{
    if (!is_kind(&t->rec, node, CV_NODE_STRING)) return 0;
    if (cvi_grow((void **)&t->full, &t->fullcap, t->nfull + 1, sizeof *t->full)) return CV_ENOMEM;
    t->full[t->nfull++] = (struct cv_tfull){ node, group, list };
    t->role[node] = CV_TROLE_FULL;
    return 0;
}

static int path_is(const cv_node *nd, const char *p) { return cv_str_eqz(nd->path, p); }

/* The node is inside Whisper's token list of a segment, which is dropped
 * (see below): nothing in it is a word of the transcript. */
static int in_tokens(const cv_node *nd)
{
    static const char pre[] = "segments[].tokens[";
    return nd->path.n >= sizeof pre - 1 && memcmp(nd->path.p, pre, sizeof pre - 1) == 0;
}

/* Which flavour: by the paths present. */
static int flavour_of(const cv_record *r, int *whisper_top_words)
{
    int aws = 0, dg = 0, words = 0, seg_words = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cv_node *nd = &r->nodes[i];
        if (nd->kind != CV_NODE_ARR_BEGIN) continue;
        if (path_is(nd, "results.items") || path_is(nd, "results.channel_labels.channels")) aws = 1;
        else if (path_is(nd, "results.channels")) dg = 1;
        else if (path_is(nd, "words")) words = 1;
        else if (path_is(nd, "segments[].words")) seg_words = 1;
        else if (path_is(nd, "segments")) seg_words = 1;    /* segment-timed, or word items inside */
    }
    *whisper_top_words = words;
    if (aws) return CV_TRANSCRIPT_AWS;
    if (dg) return CV_TRANSCRIPT_DEEPGRAM;
    if (words || seg_words) return CV_TRANSCRIPT_WORDS;
    return 0;
}

/* AWS diarisation written apart from the items (results.speaker_labels.
 * segments[]: start_time, end_time, speaker_label): a word without its own
 * label takes the one of the last segment starting at or before it, if the
 * word starts within it. Unreadable segments are ignored: they only make
 * redaction less channel-specific. */
typedef struct sseg {
    double start, end;
    cv_str speaker;
} sseg;

static int cmp_sseg(const void *a, const void *b)
{
    const sseg *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int aws_segment_speakers(cv_transcript *t)
{
    cv_record *r = &t->rec;
    sseg *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->nodes[i].kind != CV_NODE_OBJ_BEGIN || !path_is(&r->nodes[i], "results.speaker_labels.segments[]"))
            continue;
        sseg g;
        const char *why;
        g.speaker = label_of(r, member(r, (int32_t)i, "speaker_label"));
        if (!g.speaker.n || parse_time(r, member(r, (int32_t)i, "start_time"), &g.start, &why) ||
            parse_time(r, member(r, (int32_t)i, "end_time"), &g.end, &why) || g.end < g.start)
            continue;
        if (cvi_grow((void **)&v, &cap, n + 1, sizeof *v)) {
            free(v);
            return CV_ENOMEM;
        }
        v[n++] = g;
    }
    if (n) qsort(v, n, sizeof *v, cmp_sseg);
    for (size_t k = 0; k < t->nwords && n; k++) {
        cv_tword *w = &t->words[k];
        if (w->speaker.n || w->start < 0) continue;
        size_t lo = 0, hi = n;     /* first segment starting after the word */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (v[mid].start <= w->start) lo = mid + 1;
            else hi = mid;
        }
        if (lo && w->start <= v[lo - 1].end) w->speaker = v[lo - 1].speaker;
    }
    free(v);
    return 0;
}

static const char *const keep_keys[] = { "type", "start_time", "end_time", "channel_label", "speaker_label",
                                         "language", "status", NULL };

int cvi_transcript_parse(cv_transcript *t, const char *json, size_t len, cv_diag *diag)
{
    cv_record *r = &t->rec;
    cvi_record_reset(r);
    t->nwords = t->nfull = 0;
    t->flavour = 0;
    t->timing = CV_TIMING_WORD;
    size_t skip = 0;
    if (len >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0) skip = 3;
    const cv_format_type *jf = cvi_format_find("jsonl");
    if (!jf) return CV_EINTERNAL;
    char st[8] = { 0 };
    cv_diag d = { 0 };
    int rc = jf->parse(st, json + skip, len - skip, r, &d);
    if (rc == CV_EEMPTY) {
        diag->reason = "empty transcript";
        diag->offset = 0;
        return CV_EINPUT;
    }
    if (rc) {
        diag->reason = d.reason;
        diag->offset = d.offset + skip;
        return rc;
    }
    if (cvi_grow((void **)&t->role, &t->rolecap, r->n ? r->n : 1, 1)) return CV_ENOMEM;
    memset(t->role, CV_TROLE_SCAN, r->n);
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; keep_keys[k]; k++)
            if (r->nodes[i].kind == CV_NODE_STRING && cv_str_eqz(r->nodes[i].key, keep_keys[k])) t->role[i] = CV_TROLE_KEEP;

    int top_words = 0;
    t->flavour = flavour_of(r, &top_words);
    diag->offset = 0;
    if (!t->flavour) {
        diag->reason = "unrecognised transcript shape";
        return CV_EINPUT;
    }

    pstate ps = { t, NULL, 0, 0, 0, 0 };
    size_t nrecognised = 0;
    int channel = -1, dg_channel = -1, dg_alt = -1, aws_channel_items = 0;
    int32_t ngroups = 0, dg_group = -1, utt_group = -1, utt_channel = -1, seg_group = -1;
    int32_t utt_speaker = -1, seg_speaker = -1;
    rc = 0;
    for (int32_t i = 0; i < (int32_t)r->n && !rc; i++) {
        const cv_node *nd = &r->nodes[i];
        if (nd->kind != CV_NODE_OBJ_BEGIN) continue;
        switch (t->flavour) {
        case CV_TRANSCRIPT_AWS:
            if (path_is(nd, "results.items[]")) {
                rc = aws_item(&ps, i, -1, 0);
            } else if (path_is(nd, "results.channel_labels.channels[]")) {
                int c = channel_of(r, member(r, i, "channel_label"));
                channel = c >= 0 ? c : channel + 1;
            } else if (path_is(nd, "results.channel_labels.channels[].items[]")) {
                rc = aws_item(&ps, i, channel, 1);
                aws_channel_items = 1;
            }
            break;
        case CV_TRANSCRIPT_DEEPGRAM:
            if (path_is(nd, "results.channels[]")) {
                dg_channel++;
                dg_alt = -1;
            } else if (path_is(nd, "results.channels[].alternatives[]")) {
                dg_alt++;
                dg_group = ngroups++;
                rc = add_full(t, member(r, i, "transcript"), dg_group, -1);
            } else if (path_is(nd, "results.channels[].alternatives[].words[]")) {
                rc = word_obj(&ps, i, dg_channel, dg_alt == 0, dg_group, 0, -1);
            } else if (path_is(nd, "results.utterances[]")) {
                utt_group = ngroups++;
                utt_channel = int_of(r, member(r, i, "channel"));
                utt_speaker = member(r, i, "speaker");
                rc = add_full(t, member(r, i, "transcript"), utt_group, -1);
            } else if (path_is(nd, "results.utterances[].words[]")) {
                rc = word_obj(&ps, i, utt_channel, 0, utt_group, 1, utt_speaker);
            }
            break;
        default:
            if (path_is(nd, "words[]")) {
                rc = word_obj(&ps, i, -1, 1, -1, 0, -1);
            } else if (path_is(nd, "segments[]")) {
                seg_group = ngroups++;
                seg_speaker = member(r, i, "speaker");
                int32_t text = member(r, i, "text");
                segment_times(&ps, i);
                rc = add_full(t, text, seg_group, -1);
                if (!rc && !top_words && !has_word_items(r, i))
                    rc = segment_text_words(&ps, i, text, seg_group, seg_speaker);
            } else if (path_is(nd, "segments[].words[]")) {
                ps.in_seg = 1;
                rc = word_obj(&ps, i, -1, !top_words, seg_group, 1, seg_speaker);
                ps.in_seg = 0;
            }
            break;
        }
        if (rc || t->nwords > nrecognised) {
            nrecognised = t->nwords;
            continue;
        }
        /* a word object anywhere else (an unknown list of words; not in a
         * token list, which goes whole): a copy,
         * redacted by time overlap, so no spoken digit survives one by one */
        int32_t wd = member(r, i, "word"), ws = member(r, i, "start");
        if (!in_tokens(nd) && is_kind(r, wd, CV_NODE_STRING) && ws >= 0 && member(r, i, "end") >= 0) {
            rc = word_obj(&ps, i, -1, 0, -1, -1, -1);
            nrecognised = t->nwords;
        }
    }
    /* A single Deepgram channel is the mix (or a mono file): its words are on
     * no particular channel of the recording. */
    if (!rc && t->flavour == CV_TRANSCRIPT_DEEPGRAM && dg_channel <= 0)
        for (size_t k = 0; k < t->nwords; k++)
            if (t->words[k].channel == 0) t->words[k].channel = -1;
    /* Whisper's token ids encode the text: they cannot be redacted, so they go */
    for (size_t i = 0; i < r->n && !rc; i++)
        if (r->nodes[i].kind == CV_NODE_ARR_BEGIN && path_is(&r->nodes[i], "segments[].tokens"))
            r->nodes[i].flags |= CV_NF_DROP;
    if (!rc && t->flavour == CV_TRANSCRIPT_AWS) {
        /* channel-identified jobs: the per-channel lists are the ones to read;
         * results.items then takes their redaction by time */
        int32_t full_list = 0, have0 = 0;
        for (size_t k = 0; k < t->nwords; k++) have0 |= t->words[k].list == 0;
        if (aws_channel_items)
            for (size_t k = 0; k < t->nwords; k++)
                t->words[k].primary = t->words[k].list == 1 && t->words[k].primary;
        if (!have0) full_list = 1;
        for (size_t i = 0; i < r->n && !rc; i++)
            if (r->nodes[i].kind == CV_NODE_STRING && path_is(&r->nodes[i], "results.transcripts[].transcript"))
                rc = add_full(t, (int32_t)i, -1, full_list);
        if (!rc) rc = aws_segment_speakers(t);
    }
    if (!rc && t->flavour == CV_TRANSCRIPT_WORDS) {
        /* Whisper's top-level text: all the words */
        for (size_t i = 0; i < r->n && !rc; i++)
            if (r->nodes[i].kind == CV_NODE_STRING && r->nodes[i].depth == 0 && cv_str_eqz(r->nodes[i].key, "text"))
                rc = add_full(t, (int32_t)i, -1, top_words ? 0 : 1);
        if (!rc && t->nwords == 0) {
            diag->reason = "transcript has no word timings";
            return CV_EINPUT;
        }
    }
    if (rc == CV_EINPUT) diag->reason = ps.why;
    return rc;
}
