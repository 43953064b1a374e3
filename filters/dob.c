/*
 * dob.c - date-of-birth detector: a date (numeric d/m/y, y-m-d, m/d/y in
 * region US, or with a month name or abbreviation in EN/DE/FR/IT/ES/NL/PT,
 * "22-nov-1972", "3rd of May 1985", "3. Mai 1985", "3 de maio de 1985",
 * two- or four-digit years) that follows a birth keyword in those
 * languages within ~40 bytes ("born", "DOB", "geboren", "né le", "nato
 * il", "fecha de nacimiento", "geboortedatum", "data de nascimento", ...).
 * The span is the date alone; the norm is YYYY-MM-DD of a real date.
 */
#include <string.h>

#include "filters.h"


static const struct { const char *name; uint8_t m; } months[] = {
    {"january", 1}, {"jan", 1}, {"januar", 1}, {"janvier", 1}, {"gennaio", 1}, {"enero", 1}, {"januari", 1},
    {"j\xc3\xa4n", 1},
    {"february", 2}, {"feb", 2}, {"februar", 2}, {"f\xc3\xa9vrier", 2}, {"fevrier", 2}, {"febbraio", 2},
    {"febrero", 2}, {"februari", 2}, {"f\xc3\xa9v", 2}, {"fev", 2},
    {"march", 3}, {"mar", 3}, {"m\xc3\xa4rz", 3}, {"maerz", 3}, {"m\xc3\xa4r", 3}, {"mars", 3}, {"marzo", 3},
    {"maart", 3}, {"mrt", 3},
    {"april", 4}, {"apr", 4}, {"avril", 4}, {"avr", 4}, {"aprile", 4}, {"abril", 4}, {"abr", 4},
    {"may", 5}, {"mai", 5}, {"maggio", 5}, {"mayo", 5}, {"mei", 5}, {"mag", 5},
    {"june", 6}, {"jun", 6}, {"juni", 6}, {"juin", 6}, {"giugno", 6}, {"junio", 6}, {"giu", 6},
    {"july", 7}, {"jul", 7}, {"juli", 7}, {"juillet", 7}, {"luglio", 7}, {"julio", 7}, {"lug", 7},
    {"august", 8}, {"aug", 8}, {"ao\xc3\xbbt", 8}, {"aout", 8}, {"agosto", 8}, {"augustus", 8}, {"ago", 8},
    {"september", 9}, {"sep", 9}, {"sept", 9}, {"septembre", 9}, {"settembre", 9}, {"septiembre", 9},
    {"setiembre", 9}, {"set", 9},
    {"october", 10}, {"oct", 10}, {"oktober", 10}, {"okt", 10}, {"octobre", 10}, {"ottobre", 10},
    {"octubre", 10}, {"ott", 10},
    {"november", 11}, {"nov", 11}, {"novembre", 11}, {"noviembre", 11},
    {"december", 12}, {"dec", 12}, {"dezember", 12}, {"dez", 12}, {"d\xc3\xa9" "cembre", 12},
    {"decembre", 12}, {"dicembre", 12}, {"diciembre", 12}, {"dic", 12},
    /* Portuguese, and the Italian and Spanish abbreviations not above */
    {"janeiro", 1}, {"gen", 1}, {"ene", 1}, {"fevereiro", 2}, {"mar\xc3\xa7o", 3}, {"marco", 3}, {"maio", 5},
    {"junho", 6}, {"julho", 7}, {"setembro", 9}, {"outubro", 10}, {"novembro", 11}, {"dezembro", 12},
};

static int month_of(const char *w, size_t n)
{
    char buf[16];
    if (n >= sizeof buf) return 0;
    for (size_t i = 0; i < n; i++) buf[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] | 0x20) : w[i];
    buf[n] = '\0';
    for (size_t i = 0; i < sizeof months / sizeof months[0]; i++)
        if (!strcmp(buf, months[i].name)) return months[i].m;
    return 0;
}

static int days_in(int y, int m)
{
    static const uint8_t dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

static int real_date(int y, int m, int d) { return y >= 1880 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= days_in(y, m); }

typedef struct dtok { int num; int ndig; const char *w; size_t wn; } dtok;

/* A two-digit year of a birth date: 00-24 is 2000-2024, the rest 19xx. */
static int year_of(const dtok *t) { return t->ndig == 4 ? t->num : t->num < 25 ? 2000 + t->num : 1900 + t->num; }

/* A date in any supported written form → y, m, d. */
static int parse_date(const cv_detect_opts *o, const char *s, size_t n, int *y, int *m, int *d)
{
    dtok t[4];
    int nt = 0, nums = 0, words = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= '0' && c <= '9') {
            if (nt == 4) return 0;
            int v = 0, k = 0;
            while (i < n && s[i] >= '0' && s[i] <= '9' && k < 5) { v = v * 10 + (s[i] - '0'); i++; k++; }
            if (k > 4) return 0;
            t[nt].num = v; t[nt].ndig = k; t[nt].w = NULL; t[nt].wn = 0; nt++; nums++;
            /* ordinal suffix glued to the day: 12th, 1st, 1er */
            size_t j = i;
            while (j < n && (((unsigned char)s[j] | 0x20) >= 'a' && ((unsigned char)s[j] | 0x20) <= 'z')) j++;
            if (j > i && j - i <= 2) i = j;
        } else if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80) {
            size_t b = i;
            while (i < n && ((((unsigned char)s[i] | 0x20) >= 'a' && ((unsigned char)s[i] | 0x20) <= 'z') ||
                             (unsigned char)s[i] >= 0x80)) i++;
            size_t wn = i - b;
            if (wn == 2 && (((s[b] | 0x20) == 'o' && (s[b + 1] | 0x20) == 'f') ||
                            ((s[b] | 0x20) == 'd' && (s[b + 1] | 0x20) == 'e')))
                continue;   /* "of", "de" */
            if (nt == 4) return 0;
            t[nt].num = 0; t[nt].ndig = 0; t[nt].w = s + b; t[nt].wn = wn; nt++; words++;
        } else {
            i++;
        }
    }
    if (nt != 3) return 0;
    int yy, mm, dd;
    if (words == 0) {
        if (t[0].ndig == 4) {
            yy = t[0].num; mm = t[1].num; dd = t[2].num;
            if (t[2].ndig > 2) return 0;
        } else {
            if (t[2].ndig != 2 && t[2].ndig != 4) return 0;
            if (t[0].ndig > 2 || t[1].ndig > 2) return 0;
            yy = year_of(&t[2]);
            int us = o && !strcmp(o->region, "US");
            mm = us ? t[0].num : t[1].num;
            dd = us ? t[1].num : t[0].num;
            if (!real_date(yy, mm, dd)) { int x = mm; mm = dd; dd = x; }
        }
    } else if (words == 1 && t[1].w && t[0].ndig && t[0].ndig <= 2 && (t[2].ndig == 4 || t[2].ndig == 2)) {
        dd = t[0].num; mm = month_of(t[1].w, t[1].wn); yy = year_of(&t[2]);
    } else if (words == 1 && t[0].w && t[1].ndig && t[1].ndig <= 2 && (t[2].ndig == 4 || t[2].ndig == 2)) {
        mm = month_of(t[0].w, t[0].wn); dd = t[1].num; yy = year_of(&t[2]);
    } else {
        return 0;
    }
    if (!real_date(yy, mm, dd)) return 0;
    *y = yy; *m = mm; *d = dd;
    return 1;
}

static int write_iso(int y, int m, int d, char *norm, size_t *norm_len)
{
    norm[0] = (char)('0' + y / 1000); norm[1] = (char)('0' + y / 100 % 10);
    norm[2] = (char)('0' + y / 10 % 10); norm[3] = (char)('0' + y % 10); norm[4] = '-';
    norm[5] = (char)('0' + m / 10); norm[6] = (char)('0' + m % 10); norm[7] = '-';
    norm[8] = (char)('0' + d / 10); norm[9] = (char)('0' + d % 10); norm[10] = '\0';
    *norm_len = 10;
    return 1;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)len;
    int y, m, d;
    /* the pattern has already seen the birth keyword */
    if (!parse_date(o, text + *start, *end - *start, &y, &m, &d)) return 0;
    return write_iso(y, m, d, norm, norm_len);
}

static int norm_dob(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    int y, m, d;
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) { in++; len--; }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t')) len--;
    if (len > 40 || !parse_date(o, in, len, &y, &m, &d)) return 0;
    return write_iso(y, m, d, norm, norm_len);
}

/* keyword (up to ~20 bytes) + window (40) + a month name before the first digit */
static size_t search_from(const cv_text_facts *f) { return f->first_digit >= 80 ? f->first_digit - 80 : 0; }

/* A month name: starts like one (so the scan skips most words at once),
 * then validate looks the whole word up. */
#define MWORD "(?:jan|j\\x{e4}n|feb|f\\x{e9}v|fev|mar|m\\x{e4}r|maa|mrt|apr|avr|abr|ma[iy]|mag|mei|jun|jui|giu|" \
              "jul|lug|aug|ago|ao[u\\x{fb}]|sep|set|oct|okt|ott|outu|nov|dec|d\\x{e9}c|dez|dic|gen|ene)" \
              "[A-Za-z\\x{c0}-\\x{ff}]{0,7}"
/* The gate's cues: a word that begins each birth keyword of the pattern,
 * or stands at a word start inside it ("date of birth", "data di nascita",
 * "fecha de nacimiento"). Keep them in step with the pattern: the test
 * suite runs every recall case with and without the gate. */
static const char *const birth_cues[] = { "born", "dob", "d.o.b", "birth", "geb", "n\xc3\xa9", "naissance",
                                          "nato il", "nata il", "nasc", "naci", "f.", NULL };
static size_t cues(const char **v, size_t cap) { return cvi_cue_list(birth_cues, v, cap); }

const cv_detector_type cvi_detector_dob = {
    .name = "dob",
    .entity = CV_ENT_DOB,
    .priority = 3,
    /* The birth keyword starts the match and \K drops it, so the span is
     * the date alone and the scan only stops at keyword letters. */
    .pattern = "(?i)(?<![A-Za-z])(?:born|dob|d\\.o\\.b\\.?|date of birth|birth ?date|birthday|geboren|"
               "geboortedatum|geburtsdatum|n\\x{e9}e? le|date de naissance|nat[oa] il|data di nascita|"
               "fecha de nacimiento|nacid[oa]|f\\. ?nac\\.?|data de nascimento|nascid[oa]|nasceu|"
               "geb\\.|geboren op|n\\x{e9}e? en|birth|n\\x{e9}s? le)(?![A-Za-z])[^\\n]{0,40}?\\K"
               "(?<![A-Za-z0-9])(?:"
               "[0-9]{1,2}([/.\\-])[0-9]{1,2}\\1(?:[0-9]{4}|[0-9]{2})"
               "|[0-9]{4}([/.\\-])[0-9]{1,2}\\2[0-9]{1,2}"
               "|[0-9]{1,2}(?:st|nd|rd|th|er|º|ª)?\\.? +(?:of +|de +)?" MWORD "\\.?,? +(?:de +)?(?:[0-9]{4}|'?[0-9]{2})"
               "|[0-9]{1,2}([/.\\-])" MWORD "\\3(?:[0-9]{4}|[0-9]{2})"
               "|" MWORD "\\.? +[0-9]{1,2}(?:st|nd|rd|th)?,? +(?:[0-9]{4}|'?[0-9]{2})"
               ")(?![A-Za-z0-9]|[/.\\-][0-9])",
    .compile_flags = 0,
    .min_digits = 3,   /* "3 May 85" */
    .search_from = search_from,
    .validate = validate,
    .win_before = 80,
    .win_after = 16,
    .cues = cues,
};

const cv_entity_type cvi_entity_dob = {
    .name = "dob",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = norm_dob,
};
