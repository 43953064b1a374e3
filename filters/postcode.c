/*
 * postcode.c - UK postcode detector: an outward code (area letters, district
 * digits, an optional district letter: A9, A99, AA9, AA99, A9A, AA9A) and an
 * inward code (a digit and two letters, never C I K M O V), one optional
 * space between, case-insensitive ("SW1A 1AA", "m1 1ae"). The letters each
 * position allows are Royal Mail's. Normalised to upper case without the
 * space ("SW1A1AA"). A postcode narrows a customer to about 15 addresses:
 * the default policy masks the inward code and keeps the district (the
 * outward code, "SW1A ***"), the level official statistics publish.
 */
#include <string.h>

#include "filters.h"


static char upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_letter(char c) { return c >= 'A' && c <= 'Z'; }

/* Letters allowed: first position, second position, the district letter
 * after one area letter (A9A), after two (AA9A), the inward letters. */
static int in(const char *set, char c) { return is_letter(c) && strchr(set, c) != NULL; }
#define FIRST "ABCDEFGHIJKLMNOPRSTUWYZ"
#define SECOND "ABCDEFGHKLMNOPQRSTUVWXY"
#define THIRD_A9A "ABCDEFGHJKPSTUW"
#define FOURTH_AA9A "ABEHMNPRVWXY"
#define INWARD "ABDEFGHJLNPQRSTUWXYZ"

static int postcode_shape(const char *p, size_t n)
{
    if (n < 5 || n > 7) return 0;
    /* the inward code: the last three */
    const char *w = p + n - 3;
    if (!is_digit(w[0]) || !in(INWARD, w[1]) || !in(INWARD, w[2])) return 0;
    size_t o = n - 3;         /* the outward code: 2 to 4 */
    if (!in(FIRST, p[0])) return 0;
    switch (o) {
    case 2: return is_digit(p[1]);                                                      /* A9 */
    case 3:
        return (is_digit(p[1]) && is_digit(p[2])) ||                                    /* A99 */
               (in(SECOND, p[1]) && is_digit(p[2])) ||                                  /* AA9 */
               (is_digit(p[1]) && in(THIRD_A9A, p[2]));                                 /* A9A */
    case 4:
        return in(SECOND, p[1]) && is_digit(p[2]) && (is_digit(p[3]) || in(FOURTH_AA9A, p[3]));   /* AA99, AA9A */
    default: return 0;
    }
}

/* Compact upper-case form of s[0..n) (one inner space allowed) if it is a postcode. */
static int postcode_compact(const char *s, size_t n, char *out, size_t *out_len)
{
    size_t k = 0, spaces = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            if (++spaces > 1 || k == 0) return 0;
            continue;
        }
        if (k == 7) return 0;
        out[k++] = upper(s[i]);
    }
    out[k] = '\0';
    /* a space may only stand before the inward code */
    if (spaces && (n < 4 || s[n - 4] != ' ')) return 0;
    if (!postcode_shape(out, k)) return 0;
    *out_len = k;
    return 1;
}

static int norm_postcode(const char *in_, size_t len, char *norm, size_t *norm_len)
{
    while (len > 0 && in_[0] == ' ') in_++, len--;
    while (len > 0 && in_[len - 1] == ' ') len--;
    if (len > 8) return 0;
    return postcode_compact(in_, len, norm, norm_len);
}

/* "SW1A ***": the outward code of a postcode as written, the rest starred. */
static int postcode_mask(const char *v, size_t n, cv_buf *out)
{
    char norm[8];
    size_t nl;
    if (!norm_postcode(v, n, norm, &nl)) return cv_buf_puts(out, "[postcode]") ? CV_ENOMEM : 0;
    if (cv_buf_append(out, norm, nl - 3) || cv_buf_puts(out, " ***")) return CV_ENOMEM;
    return 0;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    /* the match ends at its window's edge: the lookahead saw no further */
    if (*end < len) {
        char c = upper(text[*end]);
        if (is_digit(c) || is_letter(c)) return 0;
    }
    return postcode_compact(text + *start, *end - *start, norm, norm_len);
}

/* every postcode has a letter right before its first digit */
static int wanted(const cv_text_facts *f) { return f->digits >= 2 && f->letter_digit > 0; }
static size_t search_from(const cv_text_facts *f) { return f->first_digit > 2 ? f->first_digit - 2 : 0; }

const cv_detector_type cvi_detector_postcode = {
    .name = "postcode",
    .entity = CV_ENT_POSTCODE,
    .priority = 3,
    .pattern = "(?i)(?<![A-Za-z0-9])[A-Z][A-Z]?[0-9][A-Z0-9]? ?[0-9][A-Z]{2}(?![A-Za-z0-9])",
    .compile_flags = 0,
    .wanted = wanted,
    .search_from = search_from,
    .validate = validate,
    .win_before = 2,
    .win_after = 2,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return norm_postcode(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_postcode = {
    .name = "postcode",
    .default_action = CV_DEFAULT_MASK,
    .normalise = normalise,
    .mask = postcode_mask,
    .spelled = postcode_shape,
};
