/*
 * custom.c - detectors a policy defines (`detectors:`): the verdict on a
 * candidate a pattern or a word list found (context words within N words
 * before it, a checksum) and the normal form its token is made of. The
 * matching itself runs in detect.c with the built-ins, in the same
 * prefilter, overlap and fold discipline.
 */
#include <string.h>

#include "filters.h"

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
/* A byte of a word: an ASCII letter or digit, or any byte of a non-ASCII
 * character (the word lists' own, finer rule decides the matches). */
static int word_byte(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80; }

static int found(void *arg, const cv_word_match *m)
{
    (void)m;
    *(int *)arg = 1;
    return 1;   /* one is enough */
}

/* One of the context words within `window` words before text[st]. */
static int context_ok(const cv_custom_detector *c, const char *text, size_t st)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = st;
    for (uint32_t w = 0; w < c->context_window && i > 0; w++) {
        while (i > 0 && !word_byte(p[i - 1])) i--;
        while (i > 0 && word_byte(p[i - 1])) i--;
    }
    int hit = 0;
    int rc = cvi_wordset_scan(c->context, text + i, st - i, found, &hit);
    return rc >= 0 && hit;
}

static int check_ok(cv_custom_check k, const char *v, size_t n)
{
    char d[CV_NORM_MAX + 1];
    size_t nd = 0;
    switch (k) {
    case CV_CHECK_NONE: return 1;
    case CV_CHECK_LUHN:
    case CV_CHECK_MOD11:
        for (size_t i = 0; i < n; i++)
            if (is_digit((unsigned char)v[i])) {
                if (nd == CV_NORM_MAX) return 0;
                d[nd++] = v[i];
            }
        if (nd < 2) return 0;
        if (k == CV_CHECK_LUHN) return cvi_luhn_valid(d, nd);
        {
            unsigned sum = 0;
            for (size_t i = 0; i < nd; i++) sum += (unsigned)(d[i] - '0') * (unsigned)(nd - i);
            return sum % 11 == 0;
        }
    case CV_CHECK_MOD97:
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)v[i];
            if (is_space(c) || c == '-' || c == '.') continue;
            if (nd == CV_NORM_MAX) return 0;
            d[nd++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        }
        return nd >= 5 && cvi_iban_valid(d, nd);
    }
    return 0;
}

static int normal_form(cv_custom_norm k, const char *v, size_t n, char *norm, size_t *norm_len)
{
    while (n > 0 && is_space((unsigned char)v[0])) { v++; n--; }
    while (n > 0 && is_space((unsigned char)v[n - 1])) n--;
    size_t o = 0;
    int pending = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (k == CV_CNORM_DIGITS) {
            if (!is_digit(c)) continue;
        } else if (k != CV_CNORM_NONE && is_space(c)) {
            pending = 1;
            continue;
        }
        if (o + pending + 1 > CV_NORM_MAX) return 0;
        if (pending) { norm[o++] = ' '; pending = 0; }
        if (k == CV_CNORM_UPPER && c >= 'a' && c <= 'z') c = (unsigned char)(c - 32);
        if (k == CV_CNORM_LOWER && c >= 'A' && c <= 'Z') c = (unsigned char)(c | 0x20);
        norm[o++] = (char)c;
    }
    if (o == 0) return 0;
    norm[o] = '\0';
    *norm_len = o;
    return 1;
}

int cvi_custom_accept(const cv_custom_detector *c, const char *text, size_t len, size_t st, size_t en, char *norm,
                      size_t *norm_len)
{
    (void)len;
    if (c->context && !context_ok(c, text, st)) return 0;
    if (!check_ok(c->check, text + st, en - st)) return 0;
    return normal_form(c->norm, text + st, en - st, norm, norm_len);
}

int cvi_custom_normalise(const cv_custom_detector *c, const char *v, size_t n, char *norm, size_t *norm_len)
{
    return normal_form(c->norm, v, n, norm, norm_len);
}

typedef struct words_ctx {
    const cv_custom_detector *c;
    const char *text;
    size_t len;
    cv_emit *em;
} words_ctx;

static int on_word(void *arg, const cv_word_match *m)
{
    words_ctx *x = arg;
    char norm[CV_NORM_MAX + 1];
    size_t nl;
    if (!cvi_custom_accept(x->c, x->text, x->len, m->start, m->end, norm, &nl)) return 0;
    return cvi_emit(x->em, m->start, m->end, norm, nl);
}

int cvi_custom_scan_words(const cv_custom_detector *c, const char *text, size_t len, cv_emit *em)
{
    words_ctx x = { c, text, len, em };
    int rc = cvi_wordset_scan(c->words, text, len, on_word, &x);
    return rc > 0 ? 0 : rc;   /* cvi_wordset_scan returns the callback's value */
}
