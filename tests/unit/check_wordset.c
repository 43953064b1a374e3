/*
 * check_wordset.c - the multi-pattern word matcher (filters/wordset.c):
 * exact spans for case and Unicode case variants, word boundaries, phrases
 * across whitespace runs, leftmost-longest overlaps, punctuation inside
 * entries, the capitalised flag, invalid UTF-8, rebuilds, 100,000 entries;
 * sets of up to 50,000 random entries against a brute-force reference.
 * The cases run twice: as cvi_wordset_build lays a set out (a flat array
 * for a few entries that begin with a word), and always as a trie; and
 * test_flat_vs_trie compares the two on random sets and texts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"

typedef struct found {
    char s[4096];
    size_t n;
} found;

/* "start-end:id" for each match, space-separated */
static int note(void *arg, const cv_word_match *m)
{
    found *f = arg;
    size_t k = strlen(f->s);
    snprintf(f->s + k, sizeof f->s - k, "%s%u-%u:%u", k ? " " : "", m->start, m->end, m->id);
    f->n++;
    return 0;
}

/* The layout the cases build (CV_WS_AUTO or CV_WS_TRIE): the tcase's. */
static int layout = CV_WS_AUTO;
static void use_trie(void) { layout = CV_WS_TRIE; }
static int build(cv_wordset_builder *b, cv_wordset **s) { return cvi_wordset_build_layout(b, s, layout); }

/* Entries: NULL-terminated; a leading '^' adds CV_WS_CAPITALISED. */
static cv_wordset *make(const char *const *words)
{
    cv_wordset_builder *b = cvi_wordset_builder_create();
    ck_assert_ptr_nonnull(b);
    for (int i = 0; words[i]; i++) {
        const char *w = words[i];
        unsigned fl = 0;
        if (w[0] == '^') {
            fl = CV_WS_CAPITALISED;
            w++;
        }
        ck_assert_int_eq(cvi_wordset_builder_add(b, w, strlen(w), fl), i);
    }
    cv_wordset *s = NULL;
    ck_assert_int_eq(build(b, &s), 0);
    cvi_wordset_builder_free(b);
    return s;
}

static found scan_n(const cv_wordset *s, const char *text, size_t n)
{
    found f = { "", 0 };
    ck_assert_int_eq(cvi_wordset_scan(s, text, n, note, &f), 0);
    return f;
}

static found scan(const cv_wordset *s, const char *text) { return scan_n(s, text, strlen(text)); }

#define EXPECT(set, text, want) do { found f_ = scan(set, text); ck_assert_str_eq(f_.s, want); } while (0)

START_TEST(test_case_variants)
{
    cv_wordset *s = make((const char *[]){ "Jane Doe", "smith", NULL });
    EXPECT(s, "JANE DOE, jane doe and Jane doe; SMITH Smith sMiTh", "0-8:0 10-18:0 23-31:0 33-38:1 39-44:1 45-50:1");
    EXPECT(s, "Jane", "");
    EXPECT(s, "", "");
    cvi_wordset_free(s);
}
END_TEST

START_TEST(test_unicode_case)
{
    cv_wordset *s = make((const char *[]){ "Élodie", "Straße", "Øyvind Łukasz", "Σοφία", "Иван", "İpek", NULL });
    /* É/é (2 bytes each), ß = SS = ẞ, Ø/ø Ł/ł (Latin Extended-A), Greek tonos, Cyrillic */
    EXPECT(s, "ÉLODIE élodie Élodie", "0-7:0 8-15:0 16-23:0");
    EXPECT(s, "STRASSE strasse STRAẞE straße", "0-7:1 8-15:1 16-24:1 25-32:1");
    EXPECT(s, "øyvind ŁUKASZ", "0-15:2");
    EXPECT(s, "ΣΟΦΊΑ σοφία", "0-10:3 11-21:3");
    EXPECT(s, "ИВАН иван", "0-8:4 9-17:4");
    EXPECT(s, "ipek IPEK", "0-4:5 5-9:5");
    /* accent-sensitive: no match without the accents */
    EXPECT(s, "Elodie Strase Oyvind Lukasz", "");
    /* ß is not s */
    EXPECT(s, "Strase", "");
    cvi_wordset_free(s);

    /* every letter pair of Latin-1 Supplement and Latin Extended-A */
    const char *up = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ";
    const char *lo = "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįĳĵķĺļľŀłńņňŋōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷÿźżž";
    const char *gr_up = "ΆΈΉΊΌΎΏΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΪΫ", *gr_lo = "άέήίόύώαβγδεζηθικλμνξοπρστυφχψωϊϋ";
    const char *cy_up = "ЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ";
    const char *cy_lo = "ѐёђѓєѕіїјљњћќѝўџабвгдежзийклмнопрстуфхцчшщъыьэюя";
    s = make((const char *[]){ up, gr_up, cy_up, NULL });
    char want[64];
    snprintf(want, sizeof want, "0-%zu:0", strlen(lo));
    EXPECT(s, lo, want);
    snprintf(want, sizeof want, "0-%zu:1", strlen(gr_lo));
    EXPECT(s, gr_lo, want);
    snprintf(want, sizeof want, "0-%zu:2", strlen(cy_lo));
    EXPECT(s, cy_lo, want);
    cvi_wordset_free(s);
}
END_TEST

START_TEST(test_word_boundaries)
{
    cv_wordset *s = make((const char *[]){ "Sam", "Ann Lee", NULL });
    /* never inside a word (letters, digits, non-ASCII letters) */
    EXPECT(s, "Samantha Sams xSam Sam1 9Sam Samé éSam Annie Leeds Ann Leeds", "");
    /* punctuation, underscore, symbols and non-ASCII punctuation are boundaries */
    EXPECT(s, "Sam's (Sam) Sam-Ali Sam_x «Sam» Sam’s Sam🙂", "0-3:0 7-10:0 12-15:0 20-23:0 28-31:0 34-37:0 42-45:0");
    cvi_wordset_free(s);
}
END_TEST

START_TEST(test_phrases_whitespace)
{
    cv_wordset *s = make((const char *[]){ "  Jane   Doe\t", "Mary Ann Smith", NULL });
    /* any whitespace run (spaces, tabs, newlines, NBSP, U+2009) between the words */
    EXPECT(s, "Jane Doe|Jane     Doe|Jane\n\t Doe|Jane\xc2\xa0" "Doe|Jane\xe2\x80\x89" "Doe",
           "0-8:0 9-21:0 22-32:0 33-42:0 43-53:0");
    EXPECT(s, "JaneDoe Jane-Doe Jane . Doe Jane Doey", "");
    EXPECT(s, "Mary\r\nAnn  Smith.", "0-16:1");
    EXPECT(s, "Mary Ann Smit", "");
    cvi_wordset_free(s);
}
END_TEST

START_TEST(test_leftmost_longest)
{
    cv_wordset *s = make((const char *[]){ "New York", "York", "New York City", "b c d", "a b", "City", NULL });
    EXPECT(s, "New York City and York, New York", "0-13:2 18-22:1 24-32:0");
    /* leftmost wins over longer: "a b" then "c d" is no entry */
    EXPECT(s, "a b c d", "0-3:4");
    EXPECT(s, "x b c d", "2-7:3");
    /* a longer phrase that fails part way falls back to the shorter entry */
    EXPECT(s, "New York Cit", "0-8:0");
    EXPECT(s, "New York-City", "0-8:0 9-13:5");
    cvi_wordset_free(s);
}
END_TEST

START_TEST(test_punctuation_inside)
{
    cv_wordset *s = make((const char *[]){ "O'Brien", "Jean-Luc", "Brien", "Smith, J.", "C++", NULL });
    EXPECT(s, "o'brien O'BRIEN O' Brien OBrien", "0-7:0 8-15:0 19-24:2");
    EXPECT(s, "Jean-Luc jean-luc Jean Luc Jean–Luc", "0-8:1 9-17:1");
    /* "Smith, J." ends with punctuation: no boundary needed after it */
    EXPECT(s, "smith, j.x SMITH,  J.", "0-9:3 11-21:3");
    EXPECT(s, "I like C++ and c++11", "7-10:4 15-18:4");
    cvi_wordset_free(s);
}
END_TEST

START_TEST(test_capitalised_flag)
{
    /* names that are also words; a duplicate key without the flag */
    cv_wordset *s = make((const char *[]){ "^Will", "^May", "^élodie", "^Hope", "hope", NULL });
    EXPECT(s, "Will will WILL may May", "0-4:0 10-14:0 19-22:1");
    /* written as in the entry, or with an upper-case first letter */
    EXPECT(s, "élodie Élodie", "0-7:2 8-15:2");
    /* the lowest id the text satisfies */
    EXPECT(s, "Hope hope", "0-4:3 5-9:4");
    cvi_wordset_free(s);
}
END_TEST

START_TEST(test_invalid_utf8)
{
    cv_wordset *s = make((const char *[]){ "Jane", "Doe", "Jan\xe9", NULL });
    /* invalid bytes are non-word characters: boundaries, never letters */
    EXPECT(s, "\xff\xfeJane\xc3(Doe\xe2\x82", "2-6:0 8-11:1");
    EXPECT(s, "\xc0\xaf" "Jane\xed\xa0\x80" "Doe\xf4\x90\x80\x80", "2-6:0 9-12:1");
    /* an invalid byte in an entry matches an invalid byte */
    EXPECT(s, "jan\xe9 JAN\xe8 jane", "0-4:2 5-9:2 10-14:0");
    /* truncated sequences at the very end, lone continuation bytes */
    EXPECT(s, "Jane\xc3", "0-4:0");
    EXPECT(s, "\x80\x80\x80", "");
    found f = scan_n(s, "Jane\0Doe", 8);
    ck_assert_str_eq(f.s, "0-4:0 5-8:1");
    cvi_wordset_free(s);

    /* empty and blank entries are refused without taking an id */
    cv_wordset_builder *b = cvi_wordset_builder_create();
    ck_assert_int_eq(cvi_wordset_builder_add(b, "", 0, 0), CV_EINPUT);
    ck_assert_int_eq(cvi_wordset_builder_add(b, " \t\xc2\xa0 ", 5, 0), CV_EINPUT);
    ck_assert_int_eq(cvi_wordset_builder_add(b, "x", 1, 0), 0);
    ck_assert_uint_eq(cvi_wordset_builder_count(b), 1);
    cvi_wordset_builder_free(b);
}
END_TEST

static int stop_at_second(void *arg, const cv_word_match *m)
{
    (void)m;
    return ++*(int *)arg == 2 ? 7 : 0;
}

START_TEST(test_rebuild_and_stop)
{
    cv_wordset_builder *b = cvi_wordset_builder_create();
    cv_wordset *s = NULL;
    ck_assert_int_eq(build(b, &s), 0);            /* no entries */
    ck_assert_uint_eq(cvi_wordset_entries(s), 0);
    EXPECT(s, "anything at all", "");
    ck_assert_int_eq(cvi_wordset_builder_add(b, "alpha", 5, 0), 0);
    ck_assert_int_eq(build(b, &s), 0);
    EXPECT(s, "alpha beta", "0-5:0");
    cvi_wordset_builder_clear(b);
    ck_assert_int_eq(cvi_wordset_builder_add(b, "beta", 4, 0), 0);
    ck_assert_int_eq(cvi_wordset_builder_add(b, "gamma", 5, 0), 1);
    ck_assert_int_eq(build(b, &s), 0);           /* in place */
    ck_assert_uint_eq(cvi_wordset_entries(s), 2);
    EXPECT(s, "alpha beta gamma", "6-10:0 11-16:1");
    int calls = 0;
    ck_assert_int_eq(cvi_wordset_scan(s, "beta gamma beta", 15, stop_at_second, &calls), 7);
    ck_assert_int_eq(calls, 2);
    cvi_wordset_free(s);
    cvi_wordset_builder_free(b);
}
END_TEST

/* Entry i of the big list: a 5-letter word, every 10th a phrase. */
static size_t big_word(unsigned i, char *o)
{
    size_t k = 0;
    o[k++] = (char)('A' + i % 7);
    for (int d = 0; d < 4; d++, i /= 26) o[k++] = (char)('a' + i % 26);
    return k;
}

typedef struct collect {
    cv_word_match *v;
    size_t n, cap;
} collect;

static int keep(void *arg, const cv_word_match *m)
{
    collect *c = arg;
    if (c->n == c->cap) return 1;
    c->v[c->n++] = *m;
    return 0;
}

START_TEST(test_100k_entries)
{
    enum { N = 100000, STEP = 97, NM = N / STEP + 1 };
    cv_wordset_builder *b = cvi_wordset_builder_create();
    char w[64];
    for (unsigned i = 0; i < N; i++) {
        size_t k = big_word(i, w);
        if (i % 10 == 0) {
            memcpy(w + k, " van der Berg", 13);
            k += 13;
        }
        ck_assert_int_eq(cvi_wordset_builder_add(b, w, k, 0), (int)i);
    }
    cv_wordset *s = NULL;
    ck_assert_int_eq(build(b, &s), 0);
    ck_assert_uint_eq(cvi_wordset_entries(s), N);
    ck_assert_uint_gt(cvi_wordset_bytes(s), (size_t)N * 5);

    /* every 97th entry, upper-cased (phrases with other whitespace), each
     * followed by near misses: a longer word, a phrase cut short */
    cv_buf t = { 0 };
    cv_word_match *want = calloc(NM, sizeof *want);
    size_t nwant = 0;
    for (unsigned i = 0; i < N; i += STEP) {
        size_t k = big_word(i, w);
        if (i % 10 == 0) {
            memcpy(w + k, " VAN  DER\nBERG", 14);
            k += 14;
        }
        for (size_t j = 0; j < k; j++)
            if (w[j] >= 'a' && w[j] <= 'z') w[j] = (char)(w[j] - 32);
        want[nwant++] = (cv_word_match){ (uint32_t)t.n, (uint32_t)(t.n + k), i };
        ck_assert_int_eq(cvi_buf_append(&t, w, k), 0);
        ck_assert_int_eq(cvi_buf_puts(&t, ", "), 0);
        ck_assert_int_eq(cvi_buf_append(&t, w, 5), 0);
        ck_assert_int_eq(cvi_buf_puts(&t, i % 10 == 0 ? " van der; " : "x; "), 0);
    }
    collect c = { calloc(NM + 1, sizeof(cv_word_match)), 0, NM + 1 };
    ck_assert_int_eq(cvi_wordset_scan(s, t.p, t.n, keep, &c), 0);
    ck_assert_uint_eq(c.n, nwant);
    for (size_t i = 0; i < nwant; i++) {
        ck_assert_uint_eq(c.v[i].start, want[i].start);
        ck_assert_uint_eq(c.v[i].end, want[i].end);
        ck_assert_uint_eq(c.v[i].id, want[i].id);
    }
    free(c.v);
    free(want);
    cvi_wordset_free(s);
    cvi_wordset_builder_free(b);
    cvi_buf_free(&t);
}
END_TEST

typedef struct collect_check {
    uint32_t last_end;
    size_t len;
    uint32_t nids;
    int bad;
} collect_check;

static int check_order(void *arg, const cv_word_match *m)
{
    collect_check *c = arg;
    ck_assert_uint_ge(m->start, c->last_end);
    ck_assert_uint_lt(m->start, m->end);
    ck_assert_uint_le(m->end, c->len);
    ck_assert_uint_lt(m->id, c->nids);
    c->last_end = m->end;
    return 0;
}

/* ---- randomised: against a brute-force reference on a small ASCII alphabet */

static int r_word(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static char r_fold(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* Does entry e (trimmed) match text at i? The end offset, or -1. */
static long r_match_at(const char *t, size_t n, size_t i, const char *e, size_t m)
{
    if (r_word(e[0]) && i > 0 && r_word(t[i - 1])) return -1;
    size_t a = i, b = 0;
    while (b < m) {
        if (e[b] == ' ') {
            if (a >= n || t[a] != ' ') return -1;
            while (b < m && e[b] == ' ') b++;
            while (a < n && t[a] == ' ') a++;
            continue;
        }
        if (a >= n || r_fold(t[a]) != r_fold(e[b])) return -1;
        a++;
        b++;
    }
    if (r_word(e[m - 1]) && a < n && r_word(t[a])) return -1;
    return (long)a;
}

START_TEST(test_random_reference)
{
    static const char ALPHA[] = "aAbB -'";
    uint32_t seed = 12345;
    size_t total = 0;
#define RND(k) ((seed = seed * 1103515245u + 12345u) >> 16) % (k)
    for (int iter = 0; iter < 3000; iter++) {
        char ent[8][8], text[48];
        size_t elen[8];
        int ne = 1 + (int)RND(8);
        for (int k = 0; k < ne; k++) {
            do {
                elen[k] = 1 + RND(6);
                for (size_t j = 0; j < elen[k]; j++) ent[k][j] = ALPHA[RND(7)];
                /* trimmed, as the builder trims */
                while (elen[k] && ent[k][elen[k] - 1] == ' ') elen[k]--;
                size_t lead = 0;
                while (lead < elen[k] && ent[k][lead] == ' ') lead++;
                memmove(ent[k], ent[k] + lead, elen[k] - lead);
                elen[k] -= lead;
            } while (!elen[k]);
            ent[k][elen[k]] = '\0';
        }
        size_t n = RND(40);
        for (size_t j = 0; j < n; j++) text[j] = ALPHA[RND(7)];
        text[n] = '\0';

        char want[1024] = "";
        size_t wl = 0;
        for (size_t i = 0; i < n;) {
            long best = -1;
            int id = -1;
            for (int k = 0; k < ne; k++) {
                long e = r_match_at(text, n, i, ent[k], elen[k]);
                if (e > best) {
                    best = e;
                    id = k;
                }
            }
            if (best < 0) {
                i++;
                continue;
            }
            wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s%zu-%ld:%d", wl ? " " : "", i, best, id);
            i = (size_t)best;
        }
        const char *list[9];
        for (int k = 0; k < ne; k++) list[k] = ent[k];
        list[ne] = NULL;
        cv_wordset *s = make(list);
        found f = scan_n(s, text, n);
        if (strcmp(f.s, want) != 0) {
            for (int k = 0; k < ne; k++) fprintf(stderr, "entry %d: '%s'\n", k, ent[k]);
            fprintf(stderr, "text: '%s'\n", text);
        }
        ck_assert_str_eq(f.s, want);
        total += f.n;
        cvi_wordset_free(s);
    }
#undef RND
    ck_assert_uint_gt(total, 3000);     /* not a vacuous comparison */
}
END_TEST

/* The prefilter (first_start) is exact: a set whose entries all begin
 * with a letter uses it; the same set plus an entry that begins with
 * punctuation ("#q", never in the text) cannot, and scans every byte. Both
 * must report the same matches on texts of every length around the 16-byte
 * blocks, with non-ASCII letters, symbols and case pairs ("é"/"É", "ß",
 * "€") before, inside and after the names. */
START_TEST(test_prefilter_exact)
{
    static const char *const PIECE[] = { "ab", "Ab", "a", "b", " ", "  ", "-", "'", "é", "É", "ß", "€", "x", "aé", "Ba" };
    static const char *const ENTS[][5] = {
        { "ab", "^Ba", NULL }, { "aé", "b a", "^ab", NULL }, { "éa", "ab", NULL }, { "ba", "Ab-b", "x", NULL }, { "ßa", "^éb", "a", NULL },
    };
    uint32_t seed = 4242;
    size_t total = 0;
#define RND(k) ((seed = seed * 1103515245u + 12345u) >> 16) % (k)
    for (size_t e = 0; e < sizeof ENTS / sizeof ENTS[0]; e++) {
        const char *with[6];
        size_t ne = 0;
        for (; ENTS[e][ne]; ne++) with[ne] = ENTS[e][ne];
        with[ne] = "#q";
        with[ne + 1] = NULL;
        cv_wordset *fast = make(ENTS[e]), *slow = make(with);
        for (int iter = 0; iter < 3000; iter++) {
            char text[128];
            size_t n = 0, want = RND(70);
            while (n < want) {
                const char *pc = PIECE[RND(sizeof PIECE / sizeof PIECE[0])];
                size_t l = strlen(pc);
                memcpy(text + n, pc, l);
                n += l;
            }
            found a = scan_n(fast, text, n), b = scan_n(slow, text, n);
            if (strcmp(a.s, b.s) != 0) fprintf(stderr, "text: '%.*s'\n", (int)n, text);
            ck_assert_str_eq(a.s, b.s);
            total += a.n;
        }
        cvi_wordset_free(fast);
        cvi_wordset_free(slow);
    }
#undef RND
    ck_assert_uint_gt(total, 5000);     /* not a vacuous comparison */
}
END_TEST

/* Random bytes as entries and text: never a crash, matches in order, in
 * bounds and not overlapping (ASan and UBSan builds check the rest). */
START_TEST(test_random_bytes)
{
    static const unsigned char ALPHA[] = { 'a', 'A', ' ', '-', 0xC3, 0xA9, 0x89, 0x9F, 0xE2, 0x80, 0xFF, 0xF0, 0x00, '\n' };
    uint32_t seed = 777;
#define RND(k) ((seed = seed * 1103515245u + 12345u) >> 16) % (k)
    cv_wordset_builder *b = cvi_wordset_builder_create();
    cv_wordset *s = NULL;
    for (int iter = 0; iter < 2000; iter++) {
        cvi_wordset_builder_clear(b);
        int ne = 1 + (int)RND(10);
        for (int k = 0; k < ne; k++) {
            char e[12];
            size_t l = 1 + RND(10);
            for (size_t j = 0; j < l; j++) e[j] = (char)ALPHA[RND(sizeof ALPHA)];
            int rc = cvi_wordset_builder_add(b, e, l, RND(2) ? CV_WS_CAPITALISED : 0);
            ck_assert(rc >= 0 || rc == CV_EINPUT);
        }
        ck_assert_int_eq(build(b, &s), 0);
        char t[64];
        size_t n = RND(64);
        for (size_t j = 0; j < n; j++) t[j] = (char)ALPHA[RND(sizeof ALPHA)];
        collect_check c = { 0, n, (uint32_t)cvi_wordset_builder_count(b), 0 };
        ck_assert_int_eq(cvi_wordset_scan(s, t, n, check_order, &c), 0);
    }
#undef RND
    cvi_wordset_free(s);
    cvi_wordset_builder_free(b);
}
END_TEST

/* ---- randomised, large sets (the first-word filter): against a reference
 * over characters, with non-ASCII letters and punctuation next to words */

static const char *const L_SYM[] = { "a", "b", "c", "A", "B", "1", " ", "-", "\xC3\xA9", "\xC3\x89", "\xE2\x80\x99", "\n" };
enum { L_NSYM = 12, L_MAXE = 24 };
static int l_word(int c) { return c <= 5 || c == 8 || c == 9; }
static int l_space(int c) { return c == 6 || c == 11; }
static int l_fold(int c) { return c == 3 ? 0 : c == 4 ? 1 : c == 9 ? 8 : c; }

typedef struct l_ent {
    unsigned char c[L_MAXE];
    int n;
} l_ent;

/* Entry e at character i of t[0..n): the end character, or -1. */
static long l_match_at(const unsigned char *t, int n, int i, const l_ent *e)
{
    if (l_word(e->c[0]) && i > 0 && l_word(t[i - 1])) return -1;
    int a = i, b = 0;
    while (b < e->n) {
        if (l_space(e->c[b])) {
            if (a >= n || !l_space(t[a])) return -1;
            while (b < e->n && l_space(e->c[b])) b++;
            while (a < n && l_space(t[a])) a++;
            continue;
        }
        if (a >= n || l_fold(t[a]) != l_fold(e->c[b])) return -1;
        a++;
        b++;
    }
    if (l_word(e->c[e->n - 1]) && a < n && l_word(t[a])) return -1;
    return a;
}

static uint32_t l_seed;
#define LRND(k) (((l_seed = l_seed * 1103515245u + 12345u) >> 16) % (k))

/* A word of 1-6 characters, mostly ASCII letters. */
static int l_put_word(unsigned char *o)
{
    static const unsigned char W[] = { 0, 1, 2, 0, 1, 2, 3, 4, 5, 8, 9 };
    int k = 1 + (int)LRND(6);
    for (int j = 0; j < k; j++) o[j] = W[LRND(sizeof W)];
    return k;
}

static int l_put_sep(unsigned char *o)
{
    static const unsigned char S[] = { 6, 6, 6, 11, 7, 10 };
    int k = 1 + (int)LRND(2);
    for (int j = 0; j < k; j++) o[j] = S[LRND(sizeof S)];
    return k;
}

/* nent entries, a few beginning with punctuation if punct (then the scan
 * steps byte by byte; without, large sets stop only at the words that
 * pass the first-word filter, word_next), checked on ntext characters. */
static void l_run(int nent, int ntext, uint32_t seed, int punct)
{
    l_seed = seed;
    l_ent *e = calloc((size_t)nent, sizeof *e);
    int *by_first = malloc((size_t)nent * sizeof *by_first), nb[L_NSYM + 1] = { 0 };
    cv_wordset_builder *b = cvi_wordset_builder_create();
    char buf[4 * L_MAXE];
    for (int k = 0; k < nent; k++) {
        l_ent *x = &e[k];
        if (punct && LRND(20) == 0) x->c[x->n++] = 7;        /* a few begin with punctuation */
        int words = 1 + (int)LRND(3);
        for (int w = 0; w < words; w++) {
            if (w) x->n += l_put_sep(x->c + x->n);
            x->n += l_put_word(x->c + x->n);
        }
        size_t bl = 0;
        for (int j = 0; j < x->n; j++) {
            size_t sl = strlen(L_SYM[x->c[j]]);
            memcpy(buf + bl, L_SYM[x->c[j]], sl);
            bl += sl;
        }
        ck_assert_int_eq(cvi_wordset_builder_add(b, buf, bl, 0), k);
        nb[l_fold(x->c[0]) + 1]++;
    }
    /* entries by folded first character, in id order (ties: the lowest id) */
    for (int c = 0; c < L_NSYM; c++) nb[c + 1] += nb[c];
    int fill[L_NSYM];
    memcpy(fill, nb, sizeof fill);
    for (int k = 0; k < nent; k++) by_first[fill[l_fold(e[k].c[0])]++] = k;
    cv_wordset *s = NULL;
    ck_assert_int_eq(build(b, &s), 0);

    unsigned char *t = malloc((size_t)ntext + 2 * L_MAXE);
    uint32_t *off = malloc(((size_t)ntext + 2 * L_MAXE + 1) * sizeof *off);
    cv_buf tb = { 0 };
    int n = 0;
    while (n < ntext) {
        if (LRND(5) == 0) {
            /* an entry, in other case and other whitespace */
            const l_ent *x = &e[LRND(nent)];
            for (int j = 0; j < x->n; j++) {
                int c = x->c[j];
                if (LRND(2)) c = c == 0 ? 3 : c == 1 ? 4 : c == 8 ? 9 : c == 3 ? 0 : c == 4 ? 1 : c == 9 ? 8 : c;
                if (l_space(c)) c = LRND(2) ? 6 : 11;
                t[n++] = (unsigned char)c;
            }
        } else {
            n += l_put_word(t + n);
        }
        /* a separator, or (rarely) none: words run together */
        if (LRND(10)) n += l_put_sep(t + n);
    }
    for (int i = 0; i < n; i++) {
        off[i] = (uint32_t)tb.n;
        ck_assert_int_eq(cvi_buf_puts(&tb, L_SYM[t[i]]), 0);
    }
    off[n] = (uint32_t)tb.n;

    collect c = { calloc((size_t)n + 1, sizeof(cv_word_match)), 0, (size_t)n + 1 };
    ck_assert_int_eq(cvi_wordset_scan(s, tb.p, tb.n, keep, &c), 0);
    size_t got = 0;
    for (int i = 0; i < n;) {
        long best = -1;
        int id = -1, f = l_fold(t[i]);
        for (int q = nb[f]; q < nb[f + 1]; q++) {
            long end = l_match_at(t, n, i, &e[by_first[q]]);
            if (end > best) {
                best = end;
                id = by_first[q];
            }
        }
        if (best < 0) {
            i++;
            continue;
        }
        ck_assert_uint_lt(got, c.n);
        ck_assert_uint_eq(c.v[got].start, off[i]);
        ck_assert_uint_eq(c.v[got].end, off[best]);
        ck_assert_uint_eq(c.v[got].id, (uint32_t)id);
        got++;
        i = (int)best;
    }
    ck_assert_uint_eq(got, c.n);
    ck_assert_uint_gt(got, (size_t)ntext / 40);     /* planted entries were found */
    free(c.v);
    free(t);
    free(off);
    free(e);
    free(by_first);
    cvi_buf_free(&tb);
    cvi_wordset_free(s);
    cvi_wordset_builder_free(b);
}
#undef LRND

/* A long list whose keys share their first 8 bytes and more, with
 * duplicates (the builder's radix sort, then its ties): each key is found
 * with the id it was first added with. */
START_TEST(test_long_shared_prefixes)
{
    enum { N = 9000 };
    cv_wordset_builder *b = cvi_wordset_builder_create();
    char w[64];
    for (unsigned i = 0; i < N; i++) {
        unsigned v = i % 6000;   /* 3000 duplicates, added after their first */
        int k = snprintf(w, sizeof w, "Bartholomew-%s%u", v % 2 ? "Ann" : "Anne", v);
        ck_assert_int_eq(cvi_wordset_builder_add(b, w, (size_t)k, 0), (int)i);
    }
    cv_wordset *s = NULL;
    ck_assert_int_eq(build(b, &s), 0);
    for (unsigned v = 0; v < 6000; v += 7) {
        char text[96];
        int k = snprintf(text, sizeof text, "dear BARTHOLOMEW-%s%u, hi", v % 2 ? "ANN" : "ANNE", v);
        found f = scan_n(s, text, (size_t)k);
        char want[32];
        snprintf(want, sizeof want, "5-%d:%u", k - 4, v);
        ck_assert_str_eq(f.s, want);
    }
    cvi_wordset_free(s);
    cvi_wordset_builder_free(b);
}
END_TEST

START_TEST(test_random_large_sets)
{
    /* below, at and above the size where the first-word filter starts */
    static const int sizes[] = { 255, 256, 2000, 50000 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        for (uint32_t r = 0; r < 3; r++)
            for (int punct = 0; punct < 2; punct++)
                l_run(sizes[k], sizes[k] > 10000 ? 6000 : 20000, 1000u * (uint32_t)k + r, punct);
}
END_TEST

/* The flat layout against the trie on random sets of 1 to 17 entries
 * (the largest one too many to be flat) and texts of pieces that meet
 * the prefilter's edge cases: case pairs, letters that fold to ASCII ("ſ",
 * "İ", "ß"), a pair's second letter first in the next 16-byte block. */
START_TEST(test_flat_vs_trie)
{
    static const char *const PIECE[] = { "an", "An", "a", "n", "na", " ", "  ", "-", "'", "\xC3\xA9", "\xC5\xBF", "\xC4\xB0",
                                         "\xC3\x9F", "s", "S", "i", "1", "\n", "\xE2\x82\xAC", "x" };
    uint32_t seed = 99;
    size_t total = 0;
#define RND(k) ((seed = seed * 1103515245u + 12345u) >> 16) % (k)
    cv_wordset_builder *b = cvi_wordset_builder_create();
    cv_wordset *flat = NULL, *trie = NULL;
    for (int iter = 0; iter < 3000; iter++) {
        cvi_wordset_builder_clear(b);
        int ne = 1 + (int)RND(17);
        for (int k = 0; k < ne; k++) {
            char e[32];
            size_t l = 0, np = 1 + RND(3);
            for (size_t j = 0; j < np; j++) {
                const char *pc = PIECE[RND(sizeof PIECE / sizeof PIECE[0])];
                memcpy(e + l, pc, strlen(pc));
                l += strlen(pc);
            }
            int rc = cvi_wordset_builder_add(b, e, l, RND(2) ? CV_WS_CAPITALISED : 0);
            ck_assert(rc >= 0 || rc == CV_EINPUT);
        }
        ck_assert_int_eq(cvi_wordset_build_layout(b, &flat, CV_WS_AUTO), 0);
        ck_assert_int_eq(cvi_wordset_build_layout(b, &trie, CV_WS_TRIE), 0);
        for (int t = 0; t < 4; t++) {
            char text[160];
            size_t n = 0, want = RND(100);
            while (n < want) {
                const char *pc = PIECE[RND(sizeof PIECE / sizeof PIECE[0])];
                memcpy(text + n, pc, strlen(pc));
                n += strlen(pc);
            }
            found x = scan_n(flat, text, n), y = scan_n(trie, text, n);
            if (strcmp(x.s, y.s) != 0) fprintf(stderr, "text: '%.*s'\n", (int)n, text);
            ck_assert_str_eq(x.s, y.s);
            total += x.n;
        }
    }
#undef RND
    cvi_wordset_free(flat);
    cvi_wordset_free(trie);
    cvi_wordset_builder_free(b);
    ck_assert_uint_gt(total, 5000);
}
END_TEST

/* A set large enough for the first-word filter, of first words 1 to 40
 * letters long: each found, in any case, in the middle of a text (the
 * scan hashes a word of up to 15 bytes from one 16-byte load, a longer
 * one byte by byte, the builder its folded key) and at its end (a load
 * of the last bytes, zero-padded). */
START_TEST(test_filter_word_lengths)
{
    uint32_t seed = 5;
#define RND(k) ((seed = seed * 1103515245u + 12345u) >> 16) % (k)
    cv_wordset_builder *b = cvi_wordset_builder_create();
    char w[300][48];
    for (int i = 0; i < 300; i++) {
        size_t l = 1 + (size_t)i % 40;
        for (size_t j = 0; j < l; j++) w[i][j] = (char)('a' + RND(26));
        w[i][l] = '\0';
        ck_assert_int_eq(cvi_wordset_builder_add(b, w[i], l, 0), i);
    }
    cv_wordset *s = NULL;
    ck_assert_int_eq(build(b, &s), 0);
    for (int i = 0; i < 300; i++) {
        char text[128], want[64];
        size_t l = strlen(w[i]);
        for (size_t j = 0; j < l; j++) text[4 + j] = RND(2) ? (char)(w[i][j] - 32) : w[i][j];
        memcpy(text, "12, ", 4);     /* digits: never one of the entries */
        memcpy(text + 4 + l, " 3 45 678 9012 34567", 21);
        int id = 0;
        while (strcmp(w[id], w[i]) != 0) id++;     /* of equal entries, the first */
        snprintf(want, sizeof want, "4-%zu:%d", 4 + l, id);
        EXPECT(s, text, want);
        text[4 + l] = '\0';     /* at the end of the text */
        EXPECT(s, text, want);
    }
#undef RND
    cvi_wordset_free(s);
    cvi_wordset_builder_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wordset");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_case_variants);
    tcase_add_test(tc, test_long_shared_prefixes);
    tcase_add_test(tc, test_unicode_case);
    tcase_add_test(tc, test_word_boundaries);
    tcase_add_test(tc, test_phrases_whitespace);
    tcase_add_test(tc, test_leftmost_longest);
    tcase_add_test(tc, test_punctuation_inside);
    tcase_add_test(tc, test_capitalised_flag);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_rebuild_and_stop);
    tcase_add_test(tc, test_100k_entries);
    tcase_add_test(tc, test_random_reference);
    tcase_add_test(tc, test_random_bytes);
    tcase_add_test(tc, test_prefilter_exact);
    tcase_add_test(tc, test_random_large_sets);
    tcase_add_test(tc, test_flat_vs_trie);
    tcase_add_test(tc, test_filter_word_lengths);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    /* the cases again, every set a trie (the large ones are anyway) */
    TCase *tt = tcase_create("trie");
    tcase_add_checked_fixture(tt, use_trie, NULL);
    tcase_add_test(tt, test_case_variants);
    tcase_add_test(tt, test_long_shared_prefixes);
    tcase_add_test(tt, test_unicode_case);
    tcase_add_test(tt, test_word_boundaries);
    tcase_add_test(tt, test_phrases_whitespace);
    tcase_add_test(tt, test_leftmost_longest);
    tcase_add_test(tt, test_punctuation_inside);
    tcase_add_test(tt, test_capitalised_flag);
    tcase_add_test(tt, test_invalid_utf8);
    tcase_add_test(tt, test_rebuild_and_stop);
    tcase_add_test(tt, test_random_reference);
    tcase_add_test(tt, test_random_bytes);
    tcase_add_test(tt, test_prefilter_exact);
    tcase_set_timeout(tt, 60);
    suite_add_tcase(s, tt);
    return run_suite(s);
}
