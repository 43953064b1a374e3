/*
 * email.c - e-mail detectors and normaliser: written addresses
 * (Jane.Doe+tag@Example.co.uk) and spoken / obfuscated ones ("john dot smith
 * at gmail dot com", "john [at] gmail [dot] com"), which normalise to the
 * same address so they get the same token, and addresses spelled with a
 * space between characters ("j o h n @ g m a i l . c o m"). Local parts and
 * domains may hold non-ASCII letters (RFC 6531). Spoken and spelled forms
 * need a known TLD.
 */
#include <string.h>

#include "filters.h"


static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c; }
static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static const char *const known_tlds[] = {
    "com", "net", "org", "io", "co", "uk", "ie", "de", "fr", "es", "it", "nl", "eu", "us", "info", "biz",
    "me", "ca", "au", "be", "ch", "at", "pl", "pt", "se", "dk", "no", "fi", "edu", "gov", "tv", "app",
    "dev", "ai", "gr", "cz", "hu", "ro", "nz", "in", "jp", "br", "mx", "za", "lu", "email", "online", NULL
};

/* Words that, alone before "at", are prose ("reach me at ..."), not a mailbox. */
static const char *const local_stopwords[] = {
    "me", "us", "you", "him", "her", "them", "it", "is", "was", "be", "are", "or", "and", "the", "a", "an",
    "we", "i", "email", "mail", "e-mail", "address", "contact", "reach", "write", "here", "there", "home",
    "work", "send", "him", "look", "find", "available", "call", "back", "meet", "online", NULL
};

static const char *const file_exts[] = { "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", NULL };

static int word_in(const char *w, size_t n, const char *const *list)
{
    for (size_t k = 0; list[k]; k++)
        if (strlen(list[k]) == n) {
            size_t i = 0;
            while (i < n && lower(w[i]) == list[k][i]) i++;
            if (i == n) return 1;
        }
    return 0;
}

/* Local part and domain shape: no leading, trailing or double dots; domain
 * labels alphanumeric with inner hyphens; at least two labels. */
static int address_ok(const char *a, size_t n)
{
    const char *at = memchr(a, '@', n);
    if (!at) return 0;
    size_t ll = (size_t)(at - a), dl = n - ll - 1;
    if (ll == 0 || ll > 64 || dl < 3 || n > 254) return 0;
    if (a[0] == '.' || a[ll - 1] == '.') return 0;
    for (size_t i = 0; i < ll; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c == '.' && a[i + 1] == '.') return 0;
        if (!(is_alpha(c) || is_digit(c) || c >= 0x80 || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'))
            return 0;
    }
    const char *d = at + 1;
    size_t lab = 0, labels = 0, last = 0;
    for (size_t i = 0; i <= dl; i++) {
        unsigned char c = i < dl ? (unsigned char)d[i] : '.';
        if (c == '.') {
            if (lab == 0 || lab > 63 || d[i - 1] == '-' || d[i - lab] == '-') return 0;
            labels++;
            last = i - lab;
            lab = 0;
        } else if (is_alpha(c) || is_digit(c) || c == '-' || c >= 0x80) {
            lab++;
        } else {
            return 0;
        }
    }
    if (labels < 2) return 0;
    for (size_t i = last; i < dl; i++)
        if (!is_alpha((unsigned char)d[i])) return 0;
    return dl - last >= 2;
}

static int copy_lower(const char *s, size_t n, char *norm, size_t *norm_len)
{
    if (n > CV_NORM_MAX) return 0;
    for (size_t i = 0; i < n; i++) norm[i] = lower(s[i]);
    norm[n] = '\0';
    *norm_len = n;
    return 1;
}

/* The length of the UTF-8 character ending at text[b) if it is a letter an
 * internationalised address may hold (RFC 6531: "hans.müller@..."): a code
 * point from U+00C0 on, without the signs × ÷, general punctuation
 * (U+2000-U+2BFF: quotes, dashes, arrows) and CJK punctuation; else 0. */
static size_t utf8_letter_before(const char *text, size_t b)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = b, n = 0;
    while (i > 0 && n < 4 && (p[i - 1] & 0xC0) == 0x80) { i--; n++; }
    if (i == 0 || p[i - 1] < 0xC0) return 0;
    i--;
    n++;
    uint32_t cp;
    if ((p[i] & 0xE0) == 0xC0 && n == 2) cp = (uint32_t)(p[i] & 0x1F) << 6 | (p[i + 1] & 0x3F);
    else if ((p[i] & 0xF0) == 0xE0 && n == 3) cp = (uint32_t)(p[i] & 0x0F) << 12 | (uint32_t)(p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F);
    else if ((p[i] & 0xF8) == 0xF0 && n == 4) cp = 0x10000;   /* beyond the BMP: letters of other scripts */
    else return 0;
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F))
        return 0;
    return n;
}

/* The match starts at '@'; the local part is the run of address characters
 * before it (so ".john@x.com" and "a..b@x.com" are judged whole, and refused). */
static int validate_written(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                            char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    const unsigned char *p = (const unsigned char *)text;
    size_t b = *start;
    while (b > 0 && *start - b <= 64) {
        if (is_alpha(p[b - 1]) || is_digit(p[b - 1]) || p[b - 1] == '.' || p[b - 1] == '_' || p[b - 1] == '%' ||
            p[b - 1] == '+' || p[b - 1] == '-') {
            b--;
            continue;
        }
        size_t l = utf8_letter_before(text, b);
        if (!l) break;
        b -= l;
    }
    if (b == *start || *start - b > 64) return 0;
    const char *a = text + b;
    size_t n = *end - b;
    if (!address_ok(a, n)) return 0;
    const char *dot = a + n;
    while (dot > a && dot[-1] != '.') dot--;
    if (word_in(dot, (size_t)(a + n - dot), file_exts)) return 0;   /* "logo@2x.png" */
    *start = b;
    return copy_lower(a, n, norm, norm_len);
}

/* Spoken tokens. */
enum { T_WORD, T_AT, T_DOT, T_USC, T_DASH };

static int token_kind(const char *w, size_t n)
{
    static const char *const at[] = { "at", NULL }, *const dot[] = { "dot", NULL },
                             *const usc[] = { "underscore", NULL }, *const dash[] = { "dash", "hyphen", NULL };
    if (word_in(w, n, at)) return T_AT;
    if (word_in(w, n, dot)) return T_DOT;
    if (word_in(w, n, usc)) return T_USC;
    if (word_in(w, n, dash)) return T_DASH;
    return T_WORD;
}

static int word_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* Read a spoken address from s[0..n). Writes it to out (cap CV_NORM_MAX + 1)
 * and *used = bytes up to the end of the last domain label kept (the
 * rightmost label that is a known TLD). Returns 1 if it is one. */
static int spoken_parse(const char *s, size_t n, char *out, size_t *out_len, size_t *used)
{
    char dom[256];
    uint32_t dom_end[256];
    size_t ol = 0, dn = 0, i = 0, ntok = 0;
    int seen_at = 0, prev = -1;
    while (i < n) {
        while (i < n && is_space((unsigned char)s[i])) i++;
        if (i >= n) break;
        size_t ws, we, te;
        unsigned char c = (unsigned char)s[i];
        if (c == '[' || c == '(' || c == '{') {
            size_t j = i + 1;
            while (j < n && is_space((unsigned char)s[j])) j++;
            ws = j;
            while (j < n && is_alpha((unsigned char)s[j])) j++;
            we = j;
            while (j < n && is_space((unsigned char)s[j])) j++;
            if (j >= n || (s[j] != ']' && s[j] != ')' && s[j] != '}')) return 0;
            te = j + 1;
            if (token_kind(s + ws, we - ws) == T_WORD) return 0;
        } else if (word_char(c)) {
            ws = i;
            while (i < n && word_char((unsigned char)s[i])) i++;
            we = te = i;
        } else {
            break;
        }
        int k = ntok == 0 ? T_WORD : token_kind(s + ws, we - ws);
        ntok++;
        i = te;
        if (k == T_AT) {
            if (seen_at || prev != T_WORD) return 0;
            seen_at = 1;
            if (ol + 1 > CV_NORM_MAX) return 0;
            out[ol++] = '@';
        } else if (k == T_WORD) {
            if (prev == T_WORD) break;   /* two words in a row: the address ended */
            for (size_t j = ws; j < we; j++) {
                if (!seen_at) {
                    if (ol + 1 > CV_NORM_MAX) return 0;
                    out[ol++] = lower(s[j]);
                } else {
                    if (dn + 1 >= sizeof dom) return 0;
                    dom[dn] = lower(s[j]);
                    dom_end[dn++] = (uint32_t)(j + 1);
                }
            }
        } else {
            if (prev != T_WORD) return 0;
            char ch = k == T_DOT ? '.' : k == T_USC ? '_' : '-';
            if (!seen_at) {
                if (ol + 1 > CV_NORM_MAX) return 0;
                out[ol++] = ch;
            } else {
                if (k != T_DOT || dn + 1 >= sizeof dom) return 0;
                dom[dn] = '.';
                dom_end[dn++] = (uint32_t)te;
            }
        }
        prev = k;
    }
    if (!seen_at || dn == 0) return 0;
    size_t local_len = ol - 1;
    if (word_in(out, local_len, local_stopwords)) return 0;
    /* Keep the domain up to its rightmost label that is a known TLD. */
    size_t keep = 0;
    for (size_t j = 0; j < dn; j++) {
        if (dom[j] == '.') continue;
        size_t e = j;
        while (e < dn && dom[e] != '.') e++;
        if (j > 0 && word_in(dom + j, e - j, known_tlds)) keep = e;
        j = e;
    }
    if (!keep || ol + keep > CV_NORM_MAX) return 0;
    memcpy(out + ol, dom, keep);
    ol += keep;
    out[ol] = '\0';
    if (!address_ok(out, ol)) return 0;
    *out_len = ol;
    *used = dom_end[keep - 1];
    return 1;
}

static int connector_word(const char *w, size_t n)
{
    int k = token_kind(w, n);
    return k == T_DOT || k == T_USC || k == T_DASH;
}

/* The match starts at the "at" token; walk back over the local part
 * ("john", "john dot smith", "john [dot] smith") to where the address
 * starts. Returns that offset, or `at` if there is no local part. */
static size_t local_start(const char *text, size_t at)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = at, start = at;
    for (int round = 0; round < 9; round++) {
        size_t e = i;
        while (e > 0 && is_space(p[e - 1])) e--;
        size_t b = e;
        while (b > 0 && word_char(p[b - 1]) && e - b <= 64) b--;
        if (b == e || (b > 0 && word_char(p[b - 1]))) return start;
        start = b;
        /* a connector before this word? */
        size_t c = b;
        while (c > 0 && is_space(p[c - 1])) c--;
        if (c > 0 && (p[c - 1] == ']' || p[c - 1] == ')' || p[c - 1] == '}')) {
            size_t k = c - 1;
            while (k > 0 && is_space(p[k - 1])) k--;
            size_t we = k;
            while (k > 0 && is_alpha(p[k - 1])) k--;
            size_t ws = k;
            while (k > 0 && is_space(p[k - 1])) k--;
            if (k == 0 || (p[k - 1] != '[' && p[k - 1] != '(' && p[k - 1] != '{')) return start;
            int kind = token_kind(text + ws, we - ws);
            if (kind != T_DOT && kind != T_USC) return start;
            i = k - 1;
            continue;
        }
        if (c == b) return start;   /* a connector word needs spaces around it */
        size_t ws = c;
        while (ws > 0 && is_alpha(p[ws - 1])) ws--;
        if (ws == c || !connector_word(text + ws, c - ws) || ws == 0 || !is_space(p[ws - 1])) return start;
        i = ws;
    }
    return start;
}

static int validate_spoken(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                           char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    size_t used, b = local_start(text, *start);
    if (b == *start) return 0;
    if (!spoken_parse(text + b, *end - b, norm, norm_len, &used)) return 0;
    *start = b;
    *end = b + used;
    return 1;
}

/* Spelled out with a space between characters ("j o h n @ g m a i l .
 * c o m"): the match starts at "@ "; the local part is the single
 * characters before it, each followed by one space. Joined, it must be a
 * valid address with a known TLD. */
static int validate_spaced(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                           char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    const unsigned char *p = (const unsigned char *)text;
    size_t b = *start;
    while (b >= 2 && p[b - 1] == ' ' &&
           (is_alpha(p[b - 2]) || is_digit(p[b - 2]) || p[b - 2] == '.' || p[b - 2] == '_' || p[b - 2] == '-') &&
           (b == 2 || p[b - 3] == ' ' || !(is_alpha(p[b - 3]) || is_digit(p[b - 3]))) && *start - b < 128)
        b -= 2;
    if (*start - b < 4) return 0;   /* two characters at least */
    char joined[CV_NORM_MAX + 1];
    size_t k = 0;
    for (size_t i = b; i < *end; i++) {
        if (p[i] == ' ') continue;
        if (k == CV_NORM_MAX) return 0;
        joined[k++] = lower((char)p[i]);
    }
    joined[k] = '\0';
    if (!address_ok(joined, k)) return 0;
    const char *dot = strrchr(joined, '.');
    if (!dot || !word_in(dot + 1, k - (size_t)(dot + 1 - joined), known_tlds)) return 0;
    memcpy(norm, joined, k + 1);
    *norm_len = k;
    *start = b;
    return 1;
}

static int norm_email(const char *in, size_t len, char *norm, size_t *norm_len)
{
    while (len > 0 && is_space((unsigned char)in[0])) { in++; len--; }
    while (len > 0 && is_space((unsigned char)in[len - 1])) len--;
    if (memchr(in, '@', len)) {
        if (!address_ok(in, len)) return 0;
        return copy_lower(in, len, norm, norm_len);
    }
    size_t used;
    if (!spoken_parse(in, len, norm, norm_len, &used) || used != len) return 0;
    return 1;
}


const cv_detector_type cvi_detector_email = {
    .name = "email",
    .entity = CV_ENT_EMAIL,
    .priority = 9,
    /* Anchored on '@' (the JIT then scans like memchr); validate_written
     * walks back over the local part. */
    .pattern = "@(?:[A-Za-z0-9\\x{c0}-\\x{1fff}](?:[A-Za-z0-9\\x{c0}-\\x{1fff}\\-]{0,61}[A-Za-z0-9\\x{c0}-\\x{1fff}])?\\.){1,8}"
               "[A-Za-z]{2,24}"
               "(?![A-Za-z0-9\\-@]|\\.[A-Za-z0-9])",
    .compile_flags = 0,
    .needs = CV_NEED_AT,
    .search_from = NULL,
    .validate = validate_written,
};

const cv_detector_type cvi_detector_email_spaced = {
    .name = "email-spaced",
    .entity = CV_ENT_EMAIL,
    .priority = 9,
    /* Anchored on "@ "; validate_spaced takes in the characters before. */
    .pattern = "@ [A-Za-z0-9\\-](?: [A-Za-z0-9\\-])*(?: \\. [A-Za-z0-9\\-](?: [A-Za-z0-9\\-])*)+(?![A-Za-z0-9])",
    .compile_flags = 0,
    .needs = CV_NEED_AT,
    .search_from = NULL,
    .validate = validate_spaced,
};

#define SP_OPEN "\\s*[\\[({]\\s*"
#define SP_CLOSE "\\s*[\\])}]\\s*"
const cv_detector_type cvi_detector_email_spoken = {
    .name = "email-spoken",
    .entity = CV_ENT_EMAIL,
    .priority = 9,
    /* Anchored on the "at" token, so the scan stops only at a/A/[/(/{;
     * validate_spoken walks back over the local part. */
    .pattern = "(?i)(?:(?<=\\s)at\\s+|[\\[({]\\s*at\\s*[\\])}]\\s*)"
               "[a-z0-9\\-]{1,63}(?:(?:\\.|\\s+dot\\s+|" SP_OPEN "dot" SP_CLOSE ")[a-z0-9\\-]{1,63}){1,6}"
               "(?![a-z0-9])",
    .compile_flags = 0,
    .needs = CV_NEED_SPOKEN_AT,
    .search_from = NULL,
    .validate = validate_spoken,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return len <= 4 * CV_NORM_MAX && norm_email(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_email = {
    .name = "email",
    .default_action = CV_DEFAULT_TOKEN,
    .normalise = normalise,
};
