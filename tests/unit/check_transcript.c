/*
 * check_transcript.c - word-timed transcripts: the three flavours parse to
 * the right words, times and channels; spoken identifiers get the same
 * tokens as the chat pipeline gives the written values; time spans are the
 * words' times plus padding, clamped and merged per channel; the fail-safe
 * digit runs; the redacted transcript re-parses and holds no identifier (word
 * items and full-text fields); bad input is CV_EINPUT with no output.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "pipeline/transcript_redact.h"

static cv_ctx *ctx;
static cv_key *key;
static cv_policy *pol;
static cvi_engine *eng;
static cvi_worker *wk;

static const char *POLICY =
    "version: 1\n"
    "tenant: acme\n"
    "region: GB\n"
    "entities:\n"
    "  phone: token\n"
    "  email: token\n"
    "  card: redact\n"
    "  dob: redact\n"
    "inputs:\n"
    "  - match: \"*.jsonl\"\n"
    "    format: jsonl\n"
    "    fields:\n"
    "      text: scan\n"
    "      \"*\": drop\n";

static void setup(void)
{
    ctx = cv_ctx_create();
    ck_assert_ptr_nonnull(ctx);
    key = calloc(1, sizeof *key);
    key->k = sodium_malloc(CV_KEY_BYTES);
    for (int i = 0; i < CV_KEY_BYTES; i++) key->k[i] = (unsigned char)i;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "t.yaml", POLICY, strlen(POLICY), &pol), 0);
    ck_assert_int_eq(cvi_engine_create(ctx, pol, key, &eng), 0);
    wk = cvi_worker_create(eng);
    ck_assert_ptr_nonnull(wk);
}

static void teardown(void)
{
    cvi_worker_free(wk);
    cvi_engine_free(eng);
    cv_policy_free(pol);
    cv_key_free(key);
    cv_ctx_free(ctx);
}

/* What the chat pipeline writes for the single identifier in `text`. */
static char *chat_render(const char *text)
{
    const cv_span *s;
    size_t n;
    ck_assert_int_eq(cvi_engine_find(wk, text, strlen(text), &s, &n, NULL), 0);
    ck_assert_uint_eq(n, 1);
    cv_buf b = { 0 };
    ck_assert_int_eq(cvi_engine_render(wk, text, &s[0], &b), 0);
    char *r = strdup(cvi_buf_cstr(&b));
    cvi_buf_free(&b);
    return r;
}

static char *slurp(const char *rel, size_t *len)
{
    const char *src = getenv("CV_SRC");
    ck_assert_ptr_nonnull(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", src, rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* Redact with options o; returns rc, output NUL-terminated in *out
 * (malloc'ed, "" on error). */
static int redact_o(const char *json, size_t len, const cv_transcript_opts *o, char **out, cv_transcript_result *res,
                    cvi_counts *c)
{
    cv_buf b = { 0 };
    cv_diag d = { 0 };
    memset(c, 0, sizeof *c);
    int rc = cvi_transcript_redact(wk, json, len, o, &b, res, c, &d);
    if (rc) {
        ck_assert_uint_eq(b.n, 0);
        ck_assert_ptr_nonnull(d.reason);
        ck_assert_ptr_null(res->spans);
    }
    *out = strdup(b.n ? cvi_buf_cstr(&b) : "");
    cvi_buf_free(&b);
    return rc;
}

static int redact(const char *json, size_t len, unsigned pad, unsigned runs, char **out, cv_transcript_result *res,
                  cvi_counts *c)
{
    cv_transcript_opts o = { .pad_ms = pad, .digit_run_min = runs };
    return redact_o(json, len, &o, out, res, c);
}

static int near(double a, double b) { return a - b < 1e-9 && b - a < 1e-9; }

static const char *AWS_SMALL =
    "{\"jobName\":\"j\",\"results\":{\"transcripts\":[{\"transcript\":\"Hi, call me.\"}],\"items\":["
    "{\"type\":\"pronunciation\",\"alternatives\":[{\"confidence\":\"0.9\",\"content\":\"Hi\"}],"
    "\"start_time\":\"0.10\",\"end_time\":\"0.35\",\"channel_label\":\"ch_1\"},"
    "{\"type\":\"punctuation\",\"alternatives\":[{\"confidence\":\"0.0\",\"content\":\",\"}]},"
    "{\"type\":\"pronunciation\",\"alternatives\":[{\"confidence\":\"0.9\",\"content\":\"call\"}],"
    "\"start_time\":\"0.5\",\"end_time\":\"0.75\",\"speaker_label\":\"spk_0\"},"
    "{\"type\":\"pronunciation\",\"alternatives\":[{\"confidence\":\"0.9\",\"content\":\"me\"}],"
    "\"start_time\":\"1\",\"end_time\":\"1.25\"},"
    "{\"type\":\"punctuation\",\"alternatives\":[{\"confidence\":\"0.0\",\"content\":\".\"}]}]},"
    "\"status\":\"COMPLETED\"}";

START_TEST(test_aws_parse)
{
    cv_transcript t;
    cvi_transcript_init(&t);
    cv_diag d = { 0 };
    /* pretty-printed over lines, with a BOM */
    const char *pretty = "\xEF\xBB\xBF{\n  \"results\": {\n    \"items\": [\n      {\"type\": \"pronunciation\",\n"
                         "       \"alternatives\": [{\"content\": \"yes\"}],\n       \"start_time\": \"2.5\",\n"
                         "       \"end_time\": \"2.75\"}\n    ]\n  }\n}\n\n";
    ck_assert_int_eq(cvi_transcript_parse(&t, pretty, strlen(pretty), &d), 0);
    ck_assert_int_eq(t.flavour, CV_TRANSCRIPT_AWS);
    ck_assert_uint_eq(t.nwords, 1);
    ck_assert(cv_str_eqz(t.words[0].text, "yes"));
    ck_assert(near(t.words[0].start, 2.5) && near(t.words[0].end, 2.75));

    ck_assert_int_eq(cvi_transcript_parse(&t, AWS_SMALL, strlen(AWS_SMALL), &d), 0);
    ck_assert_uint_eq(t.nwords, 5);
    ck_assert(cv_str_eqz(t.words[0].text, "Hi"));
    ck_assert(near(t.words[0].start, 0.10) && near(t.words[0].end, 0.35));
    ck_assert_int_eq(t.words[0].channel, 1);
    ck_assert_int_eq(t.words[0].punct, 0);
    ck_assert(cv_str_eqz(t.words[1].text, ","));
    ck_assert_int_eq(t.words[1].punct, 1);
    ck_assert(t.words[1].start < 0);
    ck_assert(near(t.words[3].start, 1.0) && near(t.words[3].end, 1.25));
    ck_assert_int_eq(t.words[3].channel, -1);
    ck_assert_uint_eq(t.nfull, 1);
    cvi_transcript_free(&t);
}
END_TEST

/* The sample call: spoken phone, card and e-mail; tokens equal the chat pipeline's. */
START_TEST(test_sample_call_aws)
{
    size_t len;
    char *json = slurp("samples/calls/customer_call.json", &len);
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(json, len, 200, 0, &out, &res, &c), 0);
    ck_assert_int_eq(res.flavour, CV_TRANSCRIPT_AWS);

    char *phone = chat_render("call me on 07700 900123 please");
    char *email = chat_render("write to John.Smith@example.com today");
    /* known answer (check_engine.c): phone +447700900123, key 0..31, tenant acme */
    ck_assert_str_eq(phone, "[phone:899v1wcpp79y1wf2]");
    ck_assert_ptr_nonnull(strstr(email, "[email:"));

    /* word item: the first word of each match holds the rendering */
    char item[200];
    snprintf(item, sizeof item, "\"content\":\"%s\"", phone);
    ck_assert_ptr_nonnull(strstr(out, item));
    snprintf(item, sizeof item, "\"content\":\"%s\"", email);
    ck_assert_ptr_nonnull(strstr(out, item));
    ck_assert_ptr_nonnull(strstr(out, "\"content\":\"[card]\""));
    /* the full text is rebuilt from the redacted words */
    char full[600];
    snprintf(full, sizeof full, "\"transcript\":\"Hi, my number is %s. My card is [card]. Email %s.\"", phone, email);
    ck_assert_msg(strstr(out, full) != NULL, "full text not rebuilt");
    /* nothing of the identifiers is left */
    ck_assert_ptr_null(strstr(out, "seven"));
    ck_assert_ptr_null(strstr(out, "\"one\""));
    ck_assert_ptr_null(strstr(out, "four"));
    ck_assert_ptr_null(strstr(out, "john"));
    ck_assert_ptr_null(strstr(out, "example"));
    ck_assert_ptr_null(strstr(out, "hundred"));
    /* counts */
    ck_assert_uint_eq(res.identifiers, 3);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    ck_assert_uint_eq(c.detections[CV_ENT_CARD], 1);
    ck_assert_uint_eq(c.detections[CV_ENT_EMAIL], 1);
    ck_assert_uint_eq(res.words, 41);   /* 48 items, 7 of them punctuation */

    /* spans: first word start - 0.2 .. last word end + 0.2 (times from the input) */
    cv_transcript t;
    cvi_transcript_init(&t);
    cv_diag d = { 0 };
    ck_assert_int_eq(cvi_transcript_parse(&t, json, len, &d), 0);
    /* words: 0 Hi 1 , 2 my 3 number 4 is 5 oh ... 14 three 15 . 16 My 17 card 18 is 19 four ... */
    ck_assert(cv_str_eqz(t.words[5].text, "oh") && cv_str_eqz(t.words[14].text, "three"));
    ck_assert(cv_str_eqz(t.words[19].text, "four") && cv_str_eqz(t.words[37].text, "one"));
    ck_assert(cv_str_eqz(t.words[40].text, "john") && cv_str_eqz(t.words[46].text, "com"));
    ck_assert_uint_eq(res.nspans, 3);
    ck_assert(near(res.spans[0].start, t.words[5].start - 0.2) && near(res.spans[0].end, t.words[14].end + 0.2));
    ck_assert(near(res.spans[1].start, t.words[19].start - 0.2) && near(res.spans[1].end, t.words[37].end + 0.2));
    ck_assert(near(res.spans[2].start, t.words[40].start - 0.2) && near(res.spans[2].end, t.words[46].end + 0.2));
    ck_assert_int_eq(res.spans[0].channel, -1);

    /* the output re-parses; the matched words' other items are empty, times kept */
    ck_assert_int_eq(cvi_transcript_parse(&t, out, strlen(out), &d), 0);
    ck_assert_uint_eq(t.nwords, 48);
    ck_assert_uint_eq(t.words[5].text.n, strlen(phone));
    ck_assert(memcmp(t.words[5].text.p, phone, strlen(phone)) == 0);
    ck_assert_uint_eq(t.words[6].text.n, 0);
    ck_assert(t.words[6].start > t.words[5].start && t.words[6].end > t.words[6].start);
    ck_assert(cv_str_eqz(t.words[15].text, "."));   /* the full stop after the number stays */
    ck_assert(cv_str_eqz(t.words[19].text, "[card]"));
    ck_assert_uint_eq(t.words[22].text.n, 0);       /* the comma between the card's groups */
    cvi_transcript_free(&t);
    cvi_transcript_result_free(&res);
    free(out);
    free(phone);
    free(email);
    free(json);
}
END_TEST

START_TEST(test_whisper_fixture)
{
    size_t len;
    char *json = slurp("tests/fixtures/customer_call.whisper.json", &len);
    cv_transcript t;
    cvi_transcript_init(&t);
    cv_diag d = { 0 };
    ck_assert_int_eq(cvi_transcript_parse(&t, json, len, &d), 0);
    ck_assert_int_eq(t.flavour, CV_TRANSCRIPT_WORDS);
    ck_assert_uint_eq(t.nwords, 15);
    ck_assert(cv_str_eqz(t.words[4].text, " 07700"));
    ck_assert(near(t.words[4].start, 1.302));
    ck_assert_int_eq(t.words[4].channel, -1);
    ck_assert_uint_eq(t.nfull, 4);     /* top-level text + 3 segments */

    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(json, len, 100, 0, &out, &res, &c), 0);
    char *phone = chat_render("call me on 07700 900123 please");
    char *email = chat_render("write to john.smith@example.com today");
    char exp[300];
    snprintf(exp, sizeof exp, "\"word\":\" %s\"", phone);      /* leading space kept */
    ck_assert_ptr_nonnull(strstr(out, exp));
    snprintf(exp, sizeof exp, "\"text\":\" Hi, my number is %s My card is [card] Email %s\"", phone, email);
    ck_assert_msg(strstr(out, exp) != NULL, "top-level text");
    ck_assert_ptr_null(strstr(out, "0770"));
    ck_assert_ptr_null(strstr(out, "900123"));
    ck_assert_ptr_null(strstr(out, "1111"));
    ck_assert_ptr_null(strstr(out, "john"));
    ck_assert_ptr_null(strstr(out, "\"tokens\""));     /* token ids encode the text: dropped */
    ck_assert_ptr_nonnull(strstr(out, "\"language\":\"en\""));
    ck_assert_uint_eq(res.identifiers, 3);
    ck_assert_uint_eq(res.nspans, 3);
    ck_assert(near(res.spans[0].start, 1.302 - 0.1));
    ck_assert(near(res.spans[0].end, t.words[5].end + 0.1));
    cvi_transcript_free(&t);
    cvi_transcript_result_free(&res);
    free(out);
    free(phone);
    free(email);
    free(json);
}
END_TEST

START_TEST(test_deepgram_fixture)
{
    size_t len;
    char *json = slurp("tests/fixtures/customer_call.deepgram.json", &len);
    cv_transcript t;
    cvi_transcript_init(&t);
    cv_diag d = { 0 };
    ck_assert_int_eq(cvi_transcript_parse(&t, json, len, &d), 0);
    ck_assert_int_eq(t.flavour, CV_TRANSCRIPT_DEEPGRAM);
    ck_assert_uint_eq(t.nwords, 82);             /* 41 words + their copies under utterances */
    ck_assert(cv_str_eqz(t.words[0].text, "Hi,"));   /* punctuated_word */
    ck_assert_int_eq(t.words[0].channel, -1);     /* one Deepgram channel: the mix, no channel of the audio */
    ck_assert_int_eq(t.words[0].primary, 1);
    ck_assert_int_eq(t.words[41].primary, 0);

    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(json, len, 200, 0, &out, &res, &c), 0);
    char *phone = chat_render("call me on 07700 900123 please");
    char exp[300];
    snprintf(exp, sizeof exp, "\"word\":\"%s\"", phone);
    ck_assert_ptr_nonnull(strstr(out, exp));
    snprintf(exp, sizeof exp, "\"punctuated_word\":\"%s\"", phone);
    ck_assert_ptr_nonnull(strstr(out, exp));
    /* both transcripts (alternative and utterance) rebuilt */
    snprintf(exp, sizeof exp, "\"transcript\":\"Hi, my number is %s My card is [card]", phone);
    const char *first = strstr(out, exp);
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_nonnull(strstr(first + 1, exp));
    ck_assert_ptr_null(strstr(out, "seven"));
    ck_assert_ptr_null(strstr(out, "four"));
    ck_assert_ptr_null(strstr(out, "\"one"));
    ck_assert_ptr_null(strstr(out, "smith"));
    ck_assert_uint_eq(res.identifiers, 3);       /* copies are not counted again */
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    ck_assert_uint_eq(res.nspans, 3);
    ck_assert_int_eq(res.spans[0].channel, -1);
    cvi_transcript_free(&t);
    cvi_transcript_result_free(&res);
    free(out);
    free(phone);
    free(json);
}
END_TEST

START_TEST(test_spans_merge)
{
    cv_tspan v[] = {
        { 0.1, 0.5, -1 },  /* start - pad < 0: clamped */
        { 5.0, 6.0, 0 },
        { 6.3, 7.0, 0 },   /* within 2 × pad of the previous: merged */
        { 6.3, 7.0, 1 },   /* same times, other channel: separate */
        { 9.0, 9.5, 0 },
    };
    size_t n = cvi_time_spans_merge(v, 5, 0.2);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(v[0].channel, -1);
    ck_assert(near(v[0].start, 0.0) && near(v[0].end, 0.7));
    ck_assert_int_eq(v[1].channel, 0);
    ck_assert(near(v[1].start, 4.8) && near(v[1].end, 7.2));
    ck_assert(near(v[2].start, 8.8) && near(v[2].end, 9.7));
    ck_assert_int_eq(v[3].channel, 1);
    ck_assert(near(v[3].start, 6.1) && near(v[3].end, 7.2));
    ck_assert_uint_eq(cvi_time_spans_merge(v, 0, 0.2), 0);
}
END_TEST

/* Word objects of a generic list: "w" → {"word":"w","start":s,"end":s+0.25}, 0.5 s apart. */
static char *words_json(const char *prefix, const char *text, const char *suffix, double t0)
{
    cv_buf b = { 0 };
    cvi_buf_puts(&b, prefix);
    double t = t0;
    int first = 1;
    char tmp[256];
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, ' ');
        int n = e ? (int)(e - p) : (int)strlen(p);
        snprintf(tmp, sizeof tmp, "%s{\"word\":\"%.*s\",\"start\":%.2f,\"end\":%.2f}", first ? "" : ",", n, p, t,
                 t + 0.25);
        cvi_buf_puts(&b, tmp);
        first = 0;
        t += 0.5;
        p += n;
        if (*p) p++;
    }
    cvi_buf_puts(&b, suffix);
    char *r = strdup(cvi_buf_cstr(&b));
    cvi_buf_free(&b);
    return r;
}

START_TEST(test_channels)
{
    /* Deepgram, two channels: the agent repeats the number on channel 1 */
    char *ch0 = words_json("{\"results\":{\"channels\":[{\"alternatives\":[{\"transcript\":\"x\",\"words\":[",
                           "my number is oh seven seven double oh nine hundred one two three", "]}]},", 1.0);
    char *doc = words_json(ch0, "thanks", "]}]}]}}", 20.0);
    /* rewrite the second channel's prefix: built above as a fresh "channels" entry */
    char *p = strstr(doc, "]}]},{\"word\"");
    ck_assert_ptr_nonnull(p);
    char *fixed = malloc(strlen(doc) + 64);
    memcpy(fixed, doc, (size_t)(p - doc));
    sprintf(fixed + (p - doc), "]}]},{\"alternatives\":[{\"words\":[%s", p + 5);
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(fixed, strlen(fixed), 200, 0, &out, &res, &c), 0);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert_int_eq(res.spans[0].channel, 0);
    ck_assert(near(res.spans[0].start, 2.5 - 0.2) && near(res.spans[0].end, 7.25 + 0.2));
    ck_assert_ptr_nonnull(strstr(out, "\"word\":\"thanks\""));
    cvi_transcript_result_free(&res);
    free(out);

    /* AWS channel identification: the digits on ch_1, interleaved with ch_0 words */
    const char *aws =
        "{\"results\":{\"transcripts\":[{\"transcript\":\"x\"}],"
        "\"channel_labels\":{\"channels\":[{\"channel_label\":\"ch_0\",\"items\":["
        "{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"ok\"}],\"start_time\":\"1.0\",\"end_time\":\"1.2\"}]},"
        "{\"channel_label\":\"ch_1\",\"items\":["
        "{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"07700\"}],\"start_time\":\"0.5\",\"end_time\":\"0.9\"},"
        "{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"900123\"}],\"start_time\":\"1.3\",\"end_time\":\"1.9\"}"
        "]}],\"number_of_channels\":2},"
        "\"items\":["
        "{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"07700\"}],\"start_time\":\"0.5\",\"end_time\":\"0.9\",\"channel_label\":\"ch_1\"},"
        "{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"ok\"}],\"start_time\":\"1.0\",\"end_time\":\"1.2\",\"channel_label\":\"ch_0\"},"
        "{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"900123\"}],\"start_time\":\"1.3\",\"end_time\":\"1.9\",\"channel_label\":\"ch_1\"}"
        "]}}";
    ck_assert_int_eq(redact(aws, strlen(aws), 200, 0, &out, &res, &c), 0);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert_int_eq(res.spans[0].channel, 1);
    ck_assert(near(res.spans[0].start, 0.3) && near(res.spans[0].end, 2.1));
    ck_assert_uint_eq(res.identifiers, 1);
    ck_assert_ptr_null(strstr(out, "0770"));
    ck_assert_ptr_null(strstr(out, "900123"));
    char *phone = chat_render("call me on 07700 900123 please");
    char exp[200];
    snprintf(exp, sizeof exp, "\"transcript\":\"%s ok\"", phone);
    ck_assert_msg(strstr(out, exp) != NULL, "AWS full text from results.items");
    free(phone);
    cvi_transcript_result_free(&res);
    free(out);
    free(fixed);
    free(doc);
    free(ch0);
}
END_TEST

/* A diarised AWS item: content, times and an optional speaker label. */
static void aws_word(cv_buf *b, const char *w, double t, const char *spk)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp,
             "%s{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"%s\"}],\"start_time\":\"%.2f\","
             "\"end_time\":\"%.2f\"%s%s%s}",
             b->n && b->p[b->n - 1] != '[' ? "," : "", w, t, t + 0.4, spk ? ",\"speaker_label\":\"" : "",
             spk ? spk : "", spk ? "\"" : "");
    cvi_buf_puts(b, tmp);
}

/* Redact json (length n) with o: one span, on channel ch; from start to end
 * unless start < 0. */
static void one_span(const char *json, size_t n, const cv_transcript_opts *o, int ch, double start, double end)
{
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact_o(json, n, o, &out, &res, &c), 0);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert_int_eq(res.spans[0].channel, ch);
    if (start >= 0) ck_assert(near(res.spans[0].start, start) && near(res.spans[0].end, end));
    ck_assert_ptr_null(strstr(out, "900123"));
    cvi_transcript_result_free(&res);
    free(out);
}

START_TEST(test_speakers)
{
    static const char *const names[] = { "spk_0", "spk_1" };
    cv_transcript_opts mapped = { .pad_ms = 100, .speakers = names, .nspeakers = 2 };
    cv_transcript_opts unmapped = { .pad_ms = 100 };
    char *out;
    cv_transcript_result res;
    cvi_counts c;

    /* AWS diarisation on the items: the customer (spk_1) says the number */
    cv_buf b = { 0 };
    cvi_buf_puts(&b, "{\"results\":{\"transcripts\":[{\"transcript\":\"x\"}],\"items\":[");
    aws_word(&b, "number", 0.5, "spk_0");
    aws_word(&b, "please", 1.0, "spk_0");
    aws_word(&b, "07700", 2.0, "spk_1");
    aws_word(&b, "900123", 2.5, "spk_1");
    aws_word(&b, "thanks", 4.0, "spk_0");
    cvi_buf_puts(&b, "]}}");
    one_span(b.p, b.n, &mapped, 1, 1.9, 3.0);
    /* without names, a speaker label says nothing about channels */
    one_span(b.p, b.n, &unmapped, -1, 1.9, 3.0);
    /* a label the policy does not name: every channel */
    static const char *const other[] = { "agent", "customer" };
    cv_transcript_opts named = { .pad_ms = 100, .speakers = other, .nspeakers = 2 };
    one_span(b.p, b.n, &named, -1, 1.9, 3.0);

    /* AWS diarisation in results.speaker_labels.segments: the items carry no
     * label; a word takes the segment it starts in, one in no segment none */
    cv_buf_clear(&b);
    cvi_buf_puts(&b, "{\"results\":{\"transcripts\":[{\"transcript\":\"x\"}],\"speaker_labels\":{\"speakers\":2,"
                    "\"segments\":[{\"start_time\":\"1.9\",\"end_time\":\"3.0\",\"speaker_label\":\"spk_1\",\"items\":[]},"
                    "{\"start_time\":\"0.4\",\"end_time\":\"1.5\",\"speaker_label\":\"spk_0\",\"items\":[]}]},"
                    "\"items\":[");
    aws_word(&b, "my", 0.5, NULL);
    aws_word(&b, "07700", 2.0, NULL);
    aws_word(&b, "900123", 2.5, NULL);
    aws_word(&b, "and", 5.0, NULL);
    aws_word(&b, "07700", 6.0, NULL);
    aws_word(&b, "900456", 6.5, NULL);
    cvi_buf_puts(&b, "]}}");
    cv_transcript t;
    cvi_transcript_init(&t);
    cv_diag d = { 0 };
    ck_assert_int_eq(cvi_transcript_parse(&t, b.p, b.n, &d), 0);
    ck_assert_uint_eq(t.nwords, 6);
    ck_assert(cv_str_eqz(t.words[0].speaker, "spk_0"));
    ck_assert(cv_str_eqz(t.words[1].speaker, "spk_1"));
    ck_assert(cv_str_eqz(t.words[2].speaker, "spk_1"));
    ck_assert_uint_eq(t.words[3].speaker.n, 0);
    cvi_transcript_free(&t);
    ck_assert_int_eq(redact_o(b.p, b.n, &mapped, &out, &res, &c), 0);
    ck_assert_uint_eq(res.nspans, 2);       /* sorted by channel: the unlabelled number first */
    ck_assert_int_eq(res.spans[0].channel, -1);
    ck_assert(near(res.spans[0].start, 5.9) && near(res.spans[0].end, 7.0));
    ck_assert_int_eq(res.spans[1].channel, 1);
    ck_assert(near(res.spans[1].start, 1.9) && near(res.spans[1].end, 3.0));
    cvi_transcript_result_free(&res);
    free(out);

    /* generic words with "speaker", and Whisper segments with a segment speaker */
    static const char *const roles[] = { "agent", "customer" };
    cv_transcript_opts by_role = { .pad_ms = 0, .speakers = roles, .nspeakers = 2 };
    const char *gen = "{\"words\":[{\"word\":\"call\",\"start\":0.1,\"end\":0.4,\"speaker\":\"agent\"},"
                      "{\"word\":\"07700\",\"start\":1,\"end\":1.4,\"speaker\":\"customer\"},"
                      "{\"word\":\"900123\",\"start\":1.5,\"end\":2,\"speaker\":\"customer\"}]}";
    one_span(gen, strlen(gen), &by_role, 1, 1.0, 2.0);
    const char *whisper = "{\"text\":\"x\",\"segments\":[{\"text\":\"x\",\"speaker\":\"agent\",\"words\":["
                          "{\"word\":\" 07700\",\"start\":1,\"end\":1.4},{\"word\":\" 900123\",\"start\":1.5,\"end\":2,"
                          "\"speaker\":\"agent\"}]}]}";
    one_span(whisper, strlen(whisper), &by_role, 0, -1, -1);

    /* a transcript channel wins over a speaker label */
    const char *both = "{\"words\":[{\"word\":\"07700\",\"start\":1,\"end\":1.4,\"speaker\":\"agent\",\"channel\":1},"
                       "{\"word\":\"900123\",\"start\":1.5,\"end\":2,\"speaker\":\"agent\",\"channel\":1}]}";
    one_span(both, strlen(both), &by_role, 1, 1.0, 2.0);
    cvi_buf_free(&b);
}
END_TEST

START_TEST(test_spelled_nino)
{
    /* a NINO spelled out over word items: found, its words redacted as the
     * chat pipeline renders it, one span from "C" to "A" */
    char *doc = words_json("{\"words\":[", "my national insurance number is C E one two three four five six A thanks",
                           "]}", 0.0);
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(doc, strlen(doc), 0, 0, &out, &res, &c), 0);
    ck_assert_uint_eq(res.identifiers, 1);
    ck_assert_uint_eq(c.detections[CV_ENT_NINO], 1);
    ck_assert_uint_eq(res.nspans, 1);
    /* words 5 ("C", at 2.5 s) to 13 ("A", ending at 6.5 + 0.25 s) */
    ck_assert(near(res.spans[0].start, 2.5) && near(res.spans[0].end, 6.75));
    char *nino = chat_render("national insurance CE123456A");
    char exp[200];
    snprintf(exp, sizeof exp, "{\"word\":\"%s\"", nino);
    ck_assert_msg(strstr(out, exp) != NULL, "%s in %s", exp, out);
    ck_assert_ptr_null(strstr(out, "\"word\":\"six\""));
    ck_assert_ptr_nonnull(strstr(out, "\"word\":\"thanks\""));
    free(nino);
    cvi_transcript_result_free(&res);
    free(out);
    free(doc);
}
END_TEST

START_TEST(test_card_luhn_and_failsafe)
{
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    char *doc = words_json("{\"words\":[",
                           "card four one one one one one one one one one one one one one one one done", "]}", 0.0);
    ck_assert_int_eq(redact(doc, strlen(doc), 0, 0, &out, &res, &c), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"word\":\"[card]\""));
    ck_assert_uint_eq(c.detections[CV_ENT_CARD], 1);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert(near(res.spans[0].start, 0.5) && near(res.spans[0].end, 8.25));
    cvi_transcript_result_free(&res);
    free(out);
    free(doc);

    /* Luhn fails: no card; the fail-safe takes the run only when asked to */
    doc = words_json("{\"words\":[",
                     "card four one one one one one one one one one one one one one one two done", "]}", 0.0);
    ck_assert_int_eq(redact(doc, strlen(doc), 0, 0, &out, &res, &c), 0);
    ck_assert_ptr_null(strstr(out, "[card]"));
    ck_assert_uint_eq(res.nspans, 0);
    ck_assert_uint_eq(res.identifiers, 0);
    ck_assert_ptr_nonnull(strstr(out, "\"word\":\"two\""));
    free(out);
    cvi_transcript_result_free(&res);
    ck_assert_int_eq(redact(doc, strlen(doc), 200, 17, &out, &res, &c), 0);
    ck_assert_uint_eq(res.nspans, 0);      /* 16 digits < 17 */
    free(out);
    cvi_transcript_result_free(&res);
    ck_assert_int_eq(redact(doc, strlen(doc), 200, 6, &out, &res, &c), 0);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert_uint_eq(res.digit_runs, 1);
    ck_assert(near(res.spans[0].start, 0.3) && near(res.spans[0].end, 8.45));
    ck_assert_ptr_nonnull(strstr(out, "\"word\":\"[digits]\""));
    ck_assert_ptr_null(strstr(out, "\"word\":\"two\""));
    ck_assert_ptr_null(strstr(out, "\"word\":\"one\""));
    ck_assert_ptr_nonnull(strstr(out, "\"word\":\"done\""));
    free(out);
    cvi_transcript_result_free(&res);
    free(doc);

    /* a date of birth spoken with an ordinal, beside its keyword */
    doc = words_json("{\"words\":[", "I was born on the fifth of May nineteen eighty five. Thanks", "]}", 0.0);
    ck_assert_int_eq(redact(doc, strlen(doc), 0, 0, &out, &res, &c), 0);
    ck_assert_ptr_nonnull(strstr(out, "{\"word\":\"[dob]\",\"start\":2.50,"));
    ck_assert_ptr_null(strstr(out, "fifth"));
    ck_assert_ptr_null(strstr(out, "eighty"));
    ck_assert_ptr_nonnull(strstr(out, "\"word\":\"Thanks\""));
    ck_assert_uint_eq(c.detections[CV_ENT_DOB], 1);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert(near(res.spans[0].start, 2.5) && near(res.spans[0].end, 5.25));
    free(out);
    cvi_transcript_result_free(&res);
    free(doc);

    /* spoken e-mail in a plain word list */
    doc = words_json("{\"words\":[", "mail jane underscore doe at mail dot co dot uk", "]}", 0.0);
    ck_assert_int_eq(redact(doc, strlen(doc), 0, 0, &out, &res, &c), 0);
    char *email = chat_render("mail jane_doe@mail.co.uk now");
    char exp[200];
    snprintf(exp, sizeof exp, "\"word\":\"%s\"", email);
    ck_assert_ptr_nonnull(strstr(out, exp));
    ck_assert_ptr_null(strstr(out, "jane"));
    ck_assert_uint_eq(c.detections[CV_ENT_EMAIL], 1);
    free(email);
    free(out);
    cvi_transcript_result_free(&res);
    free(doc);
}
END_TEST

/* Digit runs found (fail-safe at 6) in doc. */
static unsigned lang_runs(char *doc)
{
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(doc, strlen(doc), 0, 6, &out, &res, &c), 0);
    unsigned n = (unsigned)res.digit_runs;
    if (n) ck_assert_ptr_null(strstr(out, "\"word\":\"due\""));
    else ck_assert_ptr_nonnull(strstr(out, "\"word\":\"due\""));
    free(out);
    cvi_transcript_result_free(&res);
    free(doc);
    return n;
}

START_TEST(test_language)
{
    /* words that are numbers in Italian only and ordinary words elsewhere:
     * numbers when the transcript says it is Italian, words otherwise */
    const char *it = "chiami il tre tre due due sei sei grazie";
    ck_assert_uint_eq(lang_runs(words_json("{\"language\":\"italian\",\"words\":[", it, "]}", 0.0)), 1);
    ck_assert_uint_eq(lang_runs(words_json("{\"language\":\"it\",\"words\":[", it, "]}", 0.0)), 1);
    ck_assert_uint_eq(lang_runs(words_json("{\"language\":\"english\",\"words\":[", it, "]}", 0.0)), 0);
    ck_assert_uint_eq(lang_runs(words_json("{\"words\":[", it, "]}", 0.0)), 0);
    ck_assert_uint_eq(lang_runs(words_json("{\"results\":{\"channels\":[{\"detected_language\":\"it\","
                                           "\"alternatives\":[{\"transcript\":\"x\",\"words\":[",
                                           it, "]}]}]}}", 0.0)),
                      1);
    ck_assert_uint_eq(lang_runs(words_json("{\"results\":{\"channels\":[{\"detected_language\":\"de\","
                                           "\"alternatives\":[{\"transcript\":\"x\",\"words\":[",
                                           it, "]}]}]}}", 0.0)),
                      0);
    /* AWS: results.language_code */
    cv_buf b = { 0 };
    cvi_buf_puts(&b, "{\"results\":{\"language_code\":\"it-IT\",\"items\":[");
    const char *w[] = { "chiami", "il", "tre", "tre", "due", "due", "sei", "sei", "grazie" };
    char tmp[256];
    for (int i = 0; i < 9; i++) {
        snprintf(tmp, sizeof tmp,
                 "%s{\"type\":\"pronunciation\",\"alternatives\":[{\"confidence\":\"0.9\",\"content\":\"%s\"}],"
                 "\"start_time\":\"%d.0\",\"end_time\":\"%d.5\"}",
                 i ? "," : "", w[i], i, i);
        cvi_buf_puts(&b, tmp);
    }
    cvi_buf_puts(&b, "]},\"status\":\"COMPLETED\"}");
    char *doc = strdup(cvi_buf_cstr(&b));
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(doc, strlen(doc), 0, 6, &out, &res, &c), 0);
    ck_assert_uint_eq(res.digit_runs, 1);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert(near(res.spans[0].start, 2.0) && near(res.spans[0].end, 7.5));
    ck_assert_ptr_null(strstr(out, "\"content\":\"due\""));
    ck_assert_ptr_nonnull(strstr(out, "\"content\":\"grazie\""));
    free(out);
    cvi_transcript_result_free(&res);
    /* the same items with no language: words */
    memcpy(strstr(doc, "it-IT"), "xx-XX", 5);
    ck_assert_int_eq(redact(doc, strlen(doc), 0, 6, &out, &res, &c), 0);
    ck_assert_uint_eq(res.digit_runs, 0);
    ck_assert_ptr_nonnull(strstr(out, "\"content\":\"due\""));
    free(out);
    cvi_transcript_result_free(&res);
    free(doc);
    cvi_buf_free(&b);
}
END_TEST

/* The audio spans follow the entity's action: a number the policy keeps is
 * no span (nor a fail-safe digit run), a masked card still is. */
/* A policy that keeps phones and masks cards. */
static const char *KEEP =
    "version: 1\ntenant: acme\nregion: GB\nentities:\n  phone: keep\n  card: mask\n"
    "inputs:\n  - match: \"*.jsonl\"\n    format: jsonl\n    fields:\n      text: scan\n";

/* A worker of policy yaml with the suite's key; free it, then *e, then *p. */
static cvi_worker *policy_worker(const char *yaml, cv_policy **p, cvi_engine **e)
{
    *p = NULL;
    *e = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "k.yaml", yaml, strlen(yaml), p), 0);
    ck_assert_int_eq(cvi_engine_create(ctx, *p, key, e), 0);
    cvi_worker *w = cvi_worker_create(*e);
    ck_assert_ptr_nonnull(w);
    return w;
}

START_TEST(test_spans_follow_action)
{
    cv_policy *p2;
    cvi_engine *e2;
    cvi_worker *w2 = policy_worker(KEEP, &p2, &e2), *saved = wk;
    char *doc = words_json("{\"words\":[",
                           "call oh seven seven double oh nine hundred one two three card four one one one one one "
                           "one one one one one one one one one one done",
                           "]}", 0.0);
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    for (int pass = 0; pass < 2; pass++) {
        wk = pass ? saved : w2;          /* keep/mask, then the suite's token/redact */
        ck_assert_int_eq(redact(doc, strlen(doc), 0, 6, &out, &res, &c), 0);
        ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
        ck_assert_uint_eq(c.detections[CV_ENT_CARD], 1);
        ck_assert_uint_eq(res.digit_runs, 0);
        /* the phone's words are 0.5 .. 5.25 s, the card's 6.0 .. 13.75 s */
        size_t k = 0;
        if (pass) {
            ck_assert_uint_eq(res.nspans, 2);
            ck_assert(near(res.spans[0].start, 0.5) && near(res.spans[0].end, 5.25));
            ck_assert_ptr_null(strstr(out, "07700900123"));
            k = 1;
        } else {
            ck_assert_uint_eq(res.nspans, 1);
            ck_assert_ptr_nonnull(strstr(out, "\"word\":\"07700900123\""));
            ck_assert_ptr_nonnull(strstr(out, "1111"));
            ck_assert_ptr_null(strstr(out, "4111"));
        }
        ck_assert_msg(near(res.spans[k].start, 6.0) && near(res.spans[k].end, 13.75), "card span %g .. %g",
                      res.spans[k].start, res.spans[k].end);
        free(out);
        cvi_transcript_result_free(&res);
    }
    wk = saved;
    free(doc);
    cvi_worker_free(w2);
    cvi_engine_free(e2);
    cv_policy_free(p2);
}
END_TEST

START_TEST(test_other_strings_scanned)
{
    /* a job name and an unknown member holding a number: scanned as free text */
    const char *aws = "{\"jobName\":\"call from 07700 900123\",\"note\":\"ring oh seven seven double oh nine hundred "
                      "one two three ok\",\"results\":{\"items\":[]}}";
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(aws, strlen(aws), 200, 0, &out, &res, &c), 0);
    char *phone = chat_render("call me on 07700 900123 please");
    char exp[200];
    snprintf(exp, sizeof exp, "{\"jobName\":\"call from %s\",\"note\":\"ring %s ok\"", phone, phone);
    ck_assert_msg(strncmp(out, exp, strlen(exp)) == 0, "got %s", out);
    ck_assert_uint_eq(res.nspans, 0);
    ck_assert_uint_eq(res.words, 0);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 0);    /* outside the word list: not counted */
    free(phone);
    free(out);
    cvi_transcript_result_free(&res);
}
END_TEST

/* ---- segment-timed transcripts (issue 10, 6) ------------------------------ */

static const char *SEGS =
    "{\"text\":\" Hello, thanks for calling. My number is 07700 900123. Bye now.\",\"segments\":["
    "{\"id\":0,\"seek\":0,\"start\":0.5,\"end\":2.25,\"text\":\" Hello, thanks for calling.\",\"tokens\":[1,2]},"
    "{\"id\":1,\"seek\":0,\"start\":2.75,\"end\":5.5,\"text\":\" My number is 07700 900123.\",\"tokens\":[3,4]},"
    "{\"id\":2,\"seek\":0,\"start\":6,\"end\":7,\"text\":\" Bye now.\",\"tokens\":[5]}],\"language\":\"en\"}";

/* Whisper segments without words: every word of a segment's text has the
 * segment's times; a match silences its whole segment (and only it), the
 * other segments' text is written back byte for byte. */
START_TEST(test_segment_timed)
{
    cv_transcript t;
    cvi_transcript_init(&t);
    cv_diag d = { 0 };
    ck_assert_int_eq(cvi_transcript_parse(&t, SEGS, strlen(SEGS), &d), 0);
    ck_assert_int_eq(t.flavour, CV_TRANSCRIPT_WORDS);
    ck_assert_int_eq(t.timing, CV_TIMING_SEGMENT);
    ck_assert_uint_eq(t.nwords, 4 + 5 + 2);
    ck_assert(cv_str_eqz(t.words[0].text, " Hello,"));     /* with the whitespace before it */
    ck_assert(cv_str_eqz(t.words[7].text, " 07700"));
    for (size_t k = 0; k < t.nwords; k++) {
        double s = k < 4 ? 0.5 : k < 9 ? 2.75 : 6, e = k < 4 ? 2.25 : k < 9 ? 5.5 : 7;
        ck_assert_msg(near(t.words[k].start, s) && near(t.words[k].end, e), "word %zu", k);
        ck_assert(t.words[k].seg && t.words[k].primary);
        ck_assert_int_eq(t.words[k].node[0], -1);
    }
    cvi_transcript_free(&t);

    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(SEGS, strlen(SEGS), 150, 0, &out, &res, &c), 0);
    ck_assert_int_eq(res.timing, CV_TIMING_SEGMENT);
    ck_assert_uint_eq(res.words, 11);
    ck_assert_uint_eq(res.identifiers, 1);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert(near(res.spans[0].start, 2.75 - 0.15));
    ck_assert(near(res.spans[0].end, 5.5 + 0.15));
    ck_assert_int_eq(res.spans[0].channel, -1);
    char *phone = chat_render("call me on 07700 900123 please");
    char exp[300];
    snprintf(exp, sizeof exp, "\"text\":\" My number is %s\"", phone);
    ck_assert_msg(strstr(out, exp) != NULL, "segment text: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "\"text\":\" Hello, thanks for calling.\""));
    ck_assert_ptr_nonnull(strstr(out, "\"text\":\" Bye now.\""));
    snprintf(exp, sizeof exp, "\"text\":\" Hello, thanks for calling. My number is %s Bye now.\"", phone);
    ck_assert_msg(strstr(out, exp) != NULL, "top-level text: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "\"start\":2.75,\"end\":5.5"));
    ck_assert_ptr_null(strstr(out, "0770"));
    ck_assert_ptr_null(strstr(out, "900123"));
    ck_assert_ptr_null(strstr(out, "\"tokens\""));
    /* the output is segment-timed again, with the same segments */
    cvi_transcript_init(&t);
    ck_assert_int_eq(cvi_transcript_parse(&t, out, strlen(out), &d), 0);
    ck_assert_int_eq(t.timing, CV_TIMING_SEGMENT);
    ck_assert_uint_eq(t.nwords, 4 + 4 + 2);
    cvi_transcript_free(&t);
    cvi_transcript_result_free(&res);
    free(out);

    /* word objects inside a segment's token list are not words (the list
     * goes whole): the segment's text gives them, and the output is
     * segment-timed like the input */
    static const char *tok =
        "{\"segments\":[{\"start\":1,\"end\":2,\"text\":\" call 07700 900123\","
        "\"tokens\":[7,{\"word\":\" call\",\"start\":1,\"end\":1.5}]}]}";
    cvi_transcript_init(&t);
    ck_assert_int_eq(cvi_transcript_parse(&t, tok, strlen(tok), &d), 0);
    ck_assert_int_eq(t.timing, CV_TIMING_SEGMENT);
    ck_assert_uint_eq(t.nwords, 3);
    cvi_transcript_free(&t);
    ck_assert_int_eq(redact(tok, strlen(tok), 0, 0, &out, &res, &c), 0);
    ck_assert_int_eq(res.timing, CV_TIMING_SEGMENT);
    ck_assert_uint_eq(res.identifiers, 1);
    ck_assert_ptr_null(strstr(out, "\"tokens\""));
    ck_assert_ptr_null(strstr(out, "900123"));
    cvi_transcript_init(&t);
    ck_assert_int_eq(cvi_transcript_parse(&t, out, strlen(out), &d), 0);
    ck_assert_int_eq(t.timing, CV_TIMING_SEGMENT);
    cvi_transcript_free(&t);
    cvi_transcript_result_free(&res);
    free(out);

    /* a number spoken across two segments: both segments, one span */
    static const char *split =
        "{\"segments\":[{\"start\":1,\"end\":2,\"text\":\" ring oh seven seven oh oh\"},"
        "{\"start\":2.5,\"end\":4,\"text\":\" nine hundred one two three thanks\"},"
        "{\"start\":9,\"end\":10,\"text\":\" goodbye\"}]}";
    ck_assert_int_eq(redact(split, strlen(split), 0, 0, &out, &res, &c), 0);
    ck_assert_uint_eq(res.identifiers, 1);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert(near(res.spans[0].start, 1) && near(res.spans[0].end, 4));
    snprintf(exp, sizeof exp, "\"text\":\" ring %s\"", phone);
    ck_assert_msg(strstr(out, exp) != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\"text\":\" thanks\""));
    ck_assert_ptr_nonnull(strstr(out, "\"text\":\" goodbye\""));
    ck_assert_ptr_null(strstr(out, "seven"));
    ck_assert_ptr_null(strstr(out, "hundred"));
    cvi_transcript_result_free(&res);
    free(out);

    /* a policy that keeps phones: the number stays in the text and no
     * segment is silenced */
    cv_policy *p2;
    cvi_engine *e2;
    cvi_worker *w2 = policy_worker(KEEP, &p2, &e2), *saved = wk;
    wk = w2;
    ck_assert_int_eq(redact(SEGS, strlen(SEGS), 150, 0, &out, &res, &c), 0);
    wk = saved;
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    ck_assert_uint_eq(res.nspans, 0);
    ck_assert_ptr_nonnull(strstr(out, "07700"));
    cvi_transcript_result_free(&res);
    free(out);
    cvi_worker_free(w2);
    cvi_engine_free(e2);
    cv_policy_free(p2);
    free(phone);
}
END_TEST

/* Word items without times take their segment's; timed words beside them
 * keep their own; with neither, the transcript is rejected with a reason
 * that says where (fail closed). */
START_TEST(test_segment_untimed_words)
{
    static const char *mixed =
        "{\"segments\":[{\"start\":10,\"end\":14,\"text\":\" call 07700 900123\",\"words\":["
        "{\"word\":\" call\",\"start\":10,\"end\":10.5},{\"word\":\" 07700\"},{\"word\":\" 900123\",\"end\":13}]},"
        "{\"start\":20,\"end\":21,\"text\":\" fine\",\"words\":[{\"word\":\" fine\",\"start\":20.1,\"end\":20.4}]}]}";
    cv_transcript t;
    cvi_transcript_init(&t);
    cv_diag d = { 0 };
    ck_assert_int_eq(cvi_transcript_parse(&t, mixed, strlen(mixed), &d), 0);
    ck_assert_int_eq(t.timing, CV_TIMING_SEGMENT);
    ck_assert_uint_eq(t.nwords, 4);
    ck_assert(near(t.words[0].start, 10) && near(t.words[0].end, 10.5) && !t.words[0].seg);
    ck_assert(near(t.words[1].start, 10) && near(t.words[1].end, 14) && t.words[1].seg);
    ck_assert(near(t.words[2].start, 10) && near(t.words[2].end, 14) && t.words[2].seg);
    ck_assert(near(t.words[3].start, 20.1) && !t.words[3].seg);
    ck_assert_int_ge(t.words[1].node[0], 0);    /* written back into its own item */
    cvi_transcript_free(&t);
    char *out;
    cv_transcript_result res;
    cvi_counts c;
    ck_assert_int_eq(redact(mixed, strlen(mixed), 0, 0, &out, &res, &c), 0);
    ck_assert_int_eq(res.timing, CV_TIMING_SEGMENT);
    ck_assert_uint_eq(res.nspans, 1);
    ck_assert(near(res.spans[0].start, 10) && near(res.spans[0].end, 14));
    ck_assert_ptr_null(strstr(out, "0770"));
    ck_assert_ptr_nonnull(strstr(out, "\"word\":\" fine\""));
    cvi_transcript_result_free(&res);
    free(out);

    /* word-timed transcripts say so */
    static const char *timed = "{\"words\":[{\"word\":\"07700900123\",\"start\":1,\"end\":2}]}";
    ck_assert_int_eq(redact(timed, strlen(timed), 0, 0, &out, &res, &c), 0);
    ck_assert_int_eq(res.timing, CV_TIMING_WORD);
    ck_assert_uint_eq(res.nspans, 1);
    cvi_transcript_result_free(&res);
    free(out);

    /* fail closed, with the place named */
    static const struct { const char *json, *where; } bad[] = {
        { "{\"segments\":[{\"text\":\" 07700 900123\"}]}", "segments[]:" },
        { "{\"segments\":[{\"start\":1,\"end\":0.5,\"text\":\" 07700 900123\"}]}", "segments[]:" },
        { "{\"segments\":[{\"text\":\" x\",\"words\":[{\"word\":\" x\"}]}]}", "segments[].words[]:" },
        { "{\"segments\":[{\"start\":1,\"text\":\" x\",\"words\":[{\"word\":\" x\",\"start\":1}]}]}", "segments[].words[]:" },
        { "{\"words\":[{\"word\":\"07700900123\",\"start\":1}]}", "without a start or end time" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cv_buf b = { 0 };
        cv_diag dd = { 0 };
        memset(&c, 0, sizeof c);
        ck_assert_int_eq(cvi_transcript_redact(wk, bad[i].json, strlen(bad[i].json), NULL, &b, &res, &c, &dd), CV_EINPUT);
        ck_assert_uint_eq(b.n, 0);
        ck_assert_ptr_null(res.spans);
        ck_assert_ptr_nonnull(dd.reason);
        ck_assert_msg(strstr(dd.reason, bad[i].where) != NULL, "case %zu: %s", i, dd.reason);
        ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 0);
        cvi_buf_free(&b);
    }
}
END_TEST

/* Names spelled in a call (person-spelled): letters, or spelling-alphabet
 * words of the transcript's language, are one person span over their words'
 * times; the same words in another language's transcript are no letters. */
START_TEST(test_spelled_name)
{
    static const struct { const char *lang, *text; int found; double s, e; } cases[] = {
        { "en", "my name is sierra mike india tango hotel thanks", 1, 1.5, 3.75 },
        { "en", "my surname is S M I double T H okay", 1, 1.5, 4.25 },
        { "en", "that's j o n e s yes", 1, 0.5, 2.75 },
        { "de", "mein Nachname ist Siegfried Cäsar Heinrich Martha Ida Dora Theodor danke", 1, 1.5, 4.75 },
        { "en", "press alpha bravo charlie on the menu", 0, 0, 0 },
        { "en", "I a m here now", 0, 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char pre[64];
        snprintf(pre, sizeof pre, "{\"language\":\"%s\",\"words\":[", cases[i].lang);
        char *doc = words_json(pre, cases[i].text, "]}", 0.0), *out;
        cv_transcript_result res;
        cvi_counts c;
        ck_assert_int_eq(redact(doc, strlen(doc), 0, 0, &out, &res, &c), 0);
        ck_assert_msg(c.detections[CV_ENT_PERSON] == (uint64_t)cases[i].found, "case %zu: %s", i, out);
        ck_assert_uint_eq(res.nspans, (size_t)cases[i].found);
        if (cases[i].found) {
            ck_assert_msg(near(res.spans[0].start, cases[i].s) && near(res.spans[0].end, cases[i].e),
                          "case %zu: %g .. %g", i, res.spans[0].start, res.spans[0].end);
            ck_assert_ptr_nonnull(strstr(out, "[person:"));
            ck_assert_ptr_null(strstr(out, "sierra"));
            ck_assert_ptr_null(strstr(out, "Theodor"));
            ck_assert_ptr_null(strstr(out, "\"word\":\"H\""));
        }
        cvi_transcript_result_free(&res);
        free(out);
        free(doc);
    }
}
END_TEST

START_TEST(test_bad_input)
{
    static const char *const bad[] = {
        "{\"results\":{\"items\":[",                                          /* malformed */
        "{\"hello\":\"world\"}",                                              /* unknown shape */
        "[1,2]",                                                              /* not an object */
        "",                                                                   /* empty */
        "{\"segments\":[{\"text\":\"07700 900123\"}]}",                   /* no word nor segment times */
        "{\"segments\":[{\"text\":\"07700 900123\",\"start\":0}]}",
        "{\"segments\":[{\"text\":\"07700 900123\",\"start\":3,\"end\":2}]}",
        "{\"segments\":[{\"text\":\"07700 900123\",\"start\":\"soon\",\"end\":2}]}",
        "{\"segments\":[{\"words\":[{\"word\":\"07700\"}],\"text\":\"07700\"}]}",
        "{\"segments\":[{\"start\":0,\"end\":1,\"text\":\"   \"}]}",        /* no words at all */
        "{\"words\":[{\"word\":\"a\",\"start\":2,\"end\":1}]}",               /* end < start */
        "{\"words\":[{\"word\":\"a\",\"start\":-1,\"end\":1}]}",              /* negative */
        "{\"words\":[{\"word\":\"a\",\"start\":\"soon\",\"end\":1}]}",        /* non-numeric */
        "{\"words\":[{\"word\":\"a\",\"start\":true,\"end\":1}]}",
        "{\"words\":[{\"word\":\"a\",\"end\":1}]}",                           /* missing */
        "{\"words\":[{\"start\":0,\"end\":1}]}",                              /* no text */
        "{\"words\":[{\"word\":\"a\",\"start\":1e300,\"end\":1e301}]}",       /* out of range */
        "{\"results\":{\"items\":[{\"type\":\"pronunciation\",\"start_time\":\"1\",\"end_time\":\"2\"}]}}",
        "{\"results\":{\"items\":[{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"x\"}],"
        "\"start_time\":\"0x10\",\"end_time\":\"20\"}]}}",
        "{\"results\":{\"items\":[{\"type\":\"pronunciation\",\"alternatives\":[{\"content\":\"x\"}],"
        "\"start_time\":\"1.5\",\"end_time\":\"1.25\"}]}}",
        "{\"words\":[{\"word\":\"\xff\",\"start\":0,\"end\":1}]}",            /* invalid UTF-8 */
        /* word objects only inside a token list, which is dropped: no words */
        "{\"text\":\"x\",\"segments\":[{\"start\":0,\"end\":1,\"tokens\":[1,{\"word\":\"07700\",\"start\":0,\"end\":1}]}]}",
        NULL
    };
    for (int i = 0; bad[i]; i++) {
        char *out;
        cv_transcript_result res;
        cvi_counts c;
        ck_assert_msg(redact(bad[i], strlen(bad[i]), 200, 0, &out, &res, &c) == CV_EINPUT, "case %d", i);
        ck_assert_str_eq(out, "");
        ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 0);
        free(out);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("transcript");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_aws_parse);
    tcase_add_test(tc, test_sample_call_aws);
    tcase_add_test(tc, test_whisper_fixture);
    tcase_add_test(tc, test_deepgram_fixture);
    tcase_add_test(tc, test_spans_merge);
    tcase_add_test(tc, test_channels);
    tcase_add_test(tc, test_speakers);
    tcase_add_test(tc, test_spelled_nino);
    tcase_add_test(tc, test_card_luhn_and_failsafe);
    tcase_add_test(tc, test_language);
    tcase_add_test(tc, test_spans_follow_action);
    tcase_add_test(tc, test_other_strings_scanned);
    tcase_add_test(tc, test_segment_timed);
    tcase_add_test(tc, test_segment_untimed_words);
    tcase_add_test(tc, test_spelled_name);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
