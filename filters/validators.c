/*
 * validators.c - checksums and small context tests shared by detectors:
 * Luhn (cards), ISO 13616 IBAN length table + mod-97, and the "keyword
 * shortly before" test that NINO, SSN, DOB and phone use.
 */
#include <string.h>

#include "filters.h"


int cvi_luhn_valid(const char *digits, size_t n)
{
    if (n < 2) return 0;
    unsigned sum = 0;
    int dbl = 0;
    for (size_t i = n; i-- > 0;) {
        unsigned d = (unsigned)(unsigned char)digits[i] - '0';
        if (d > 9) return 0;
        if (dbl) { d *= 2; if (d > 9) d -= 9; }
        sum += d;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

/* ISO 13616 registry: all SEPA countries and the other common ones. */
static const struct { char cc[3]; uint8_t len; } iban_lengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

/* Length of an IBAN for the upper-case country code cc[0..2), 0 if unknown. */
int cvi_iban_length(const char *cc)
{
    for (size_t i = 0; i < sizeof iban_lengths / sizeof iban_lengths[0]; i++)
        if (iban_lengths[i].cc[0] == cc[0] && iban_lengths[i].cc[1] == cc[1]) return iban_lengths[i].len;
    return 0;
}

int cvi_iban_valid(const char *iban, size_t n)
{
    if (n < 15 || n > 34) return 0;
    if (iban[0] < 'A' || iban[0] > 'Z' || iban[1] < 'A' || iban[1] > 'Z') return 0;
    if (iban[2] < '0' || iban[2] > '9' || iban[3] < '0' || iban[3] > '9') return 0;
    if ((size_t)cvi_iban_length(iban) != n) return 0;
    /* Rearranged (BBAN, country, check) mod 97 computed digit by digit. */
    unsigned rem = 0;
    for (size_t k = 0; k < n; k++) {
        char c = iban[(k + 4) % n];
        if (c >= '0' && c <= '9') {
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        } else if (c >= 'A' && c <= 'Z') {
            unsigned v = (unsigned)(c - 'A') + 10;
            rem = (rem * 100 + v) % 97;
        } else {
            return 0;
        }
    }
    return rem == 1;
}

static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Does one of the lower-case keywords kw[] (NULL-terminated) occur in the
 * `window` bytes before `start`, starting at a word boundary? ASCII
 * case-insensitive; non-ASCII keyword bytes compare exactly. */
static int letterish(unsigned char c) { return (unsigned)((c | 0x20) - 'a') < 26u || c >= 0x80; }

int cvi_run_after_letters(const char *text, const cv_text_facts *f, uint32_t i, const char *seps)
{
    const unsigned char *p = (const unsigned char *)text;
    for (size_t m = f->cl_start[i]; m < f->cl_end[i]; m++) {
        if ((unsigned)(p[m] - '0') >= 10u || (m > f->cl_start[i] && (unsigned)(p[m - 1] - '0') < 10u)) continue;
        size_t b = m;
        if (b > 0 && p[b - 1] && strchr(seps, p[b - 1])) b--;
        if (b >= 2 && letterish(p[b - 1]) && letterish(p[b - 2])) return 1;
    }
    return 0;
}

size_t cvi_cue_list(const char *const *list, const char **v, size_t cap)
{
    size_t n = 0;
    for (; list[n]; n++)
        if (n < cap) v[n] = list[n];
    return n;
}

int cvi_keyword_before(const char *text, size_t start, size_t window, const char *const *kw)
{
    size_t from = start > window ? start - window : 0;
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = from; i < start; i++) {
        if (i > 0 && is_alpha(p[i - 1])) continue;
        unsigned char c0 = p[i] | (is_alpha(p[i]) ? 0x20 : 0);
        for (size_t k = 0; kw[k]; k++) {
            const unsigned char *w = (const unsigned char *)kw[k];
            if (w[0] != c0) continue;
            size_t j = 1;
            while (w[j] && i + j < start) {
                unsigned char c = p[i + j];
                if (is_alpha(c)) c |= 0x20;
                if (c != w[j]) break;
                j++;
            }
            if (!w[j]) return 1;
        }
    }
    return 0;
}

/* Is the word right before `start` (skipping spaces and the usual "no.",
 * "n°", "#", ":", "code" decorations) one of kw[] (lower-case)? Used to tell an order or
 * ticket number from a phone number. */
int cvi_word_before(const char *text, size_t start, const char *const *kw)
{
    /* "n°", "nº"; "code" ("product code 212-8165-15": the word before it decides) */
    static const char *const fillers[] = { "no", "nr", "num", "number", "id", "ref", "n\xc2\xb0", "n\xc2\xba",
                                           "nummer", "numero", "número", "numéro", "code", NULL };
    const unsigned char *p = (const unsigned char *)text;
    size_t i = start;
    for (int round = 0; round < 3; round++) {
        while (i > 0 && (p[i - 1] == ' ' || p[i - 1] == ':' || p[i - 1] == '#' || p[i - 1] == '.' ||
                         p[i - 1] == '-' || p[i - 1] == '\t'))
            i--;
        size_t e = i;
        /* UTF-8 letters belong to the word ("opérateur", "número") */
        while (i > 0 && (is_alpha(p[i - 1]) || p[i - 1] >= 0x80)) i--;
        size_t n = e - i;
        if (n == 0 || n > 16) return 0;
        char w[17];
        for (size_t k = 0; k < n; k++) w[k] = (char)(is_alpha(p[i + k]) ? p[i + k] | 0x20 : p[i + k]);
        w[n] = '\0';
        for (size_t k = 0; kw[k]; k++)
            if (kw[k][0] == w[0] && strcmp(w, kw[k]) == 0) return 1;
        int filler = 0;
        for (size_t k = 0; fillers[k]; k++)
            if (fillers[k][0] == w[0] && strcmp(w, fillers[k]) == 0) filler = 1;
        if (!filler) return 0;
    }
    return 0;
}

int cvi_each_digit_run(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, uint32_t runs,
                       cvi_digit_run_fn fn, cv_emit *em)
{
    int whole = f->nclusters > CV_MAX_CLUSTERS;
    size_t nwin = whole ? 1 : f->nclusters, last = 0;
    for (size_t w = 0; w < nwin; w++) {
        if (!whole && runs && !(f->cl_runs[w] & runs)) continue;   /* no run fn takes */
        size_t i = whole ? 0 : f->cl_start[w], stop = whole ? len : f->cl_end[w];
        if (i < last) i = last;   /* a run may cross into the next window */
        while (i < stop) {
            if (text[i] < '0' || text[i] > '9') { i++; continue; }
            size_t d = i;
            while (i < len && text[i] >= '0' && text[i] <= '9') i++;
            int rc = fn(o, text, len, d, i, em);
            if (rc) return rc;
        }
        last = i;
    }
    return 0;
}
