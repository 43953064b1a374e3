/*
 * bench_words.c - the word matcher (filters/wordset.c): build time and
 * memory for 100,000 entries, matching speed over synthetic chat text
 * against plain scans of the same text in the same run (memchr for lines,
 * a byte loop counting word starts), and the per-record build cost of the
 * small sets the engine makes (a record's 1-3 names). Run on demand, see
 * tests/bench/README.md; never a test.
 *
 * usage: bench_words [TEXT_MB] [ENTRIES] [WORDS_FILE]   (default 32 MB, 100000,
 *        synthetic name-like entries; WORDS_FILE: one entry a line instead,
 *        e.g. /usr/share/dict/words)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filters/filters.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);   /* CPU time: steadier than wall time on a shared machine */
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static const char *const SYL[] = { "ka", "ri", "mo", "an", "el", "to", "sa", "ne", "li", "da", "vi", "ro", "be",
                                   "ja", "mi", "la", "no", "ha", "ze", "lu", "ta", "ko", "er", "is", "on", "ay" };
static const char *const VOCAB[] = {
    "the", "and", "to", "you", "I", "a", "of", "for", "is", "it", "my", "your", "on", "can", "have", "please",
    "order", "account", "thanks", "thank", "help", "call", "number", "today", "delivery", "refund", "card",
    "payment", "address", "email", "phone", "問題", "señor", "Straße", "café", "hello", "hi", "we", "will",
    "check", "that", "this", "with", "not", "was", "be", "are", "customer", "service", "agent", "moment",
    "sorry", "yes", "no", "okay", "O'Neill's", "well-known", "day", "week", "last", "next", "time", "again",
};

/* A name-like entry: 2-4 syllables, capitalised; every 10th two words. */
static size_t make_entry(char *o)
{
    size_t k = 0;
    int words = rnd(10) == 0 ? 2 : 1;
    for (int w = 0; w < words; w++) {
        if (w) o[k++] = ' ';
        int n = 2 + (int)rnd(3);
        for (int s = 0; s < n; s++) {
            const char *y = SYL[rnd(26)];
            o[k] = y[0];
            o[k + 1] = y[1];
            if (s == 0) o[k] = (char)(o[k] - 32);
            k += 2;
        }
    }
    return k;
}

static int count(void *arg, const cv_word_match *m)
{
    (void)m;
    ++*(size_t *)arg;
    return 0;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 32;
    size_t nent = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
    if (!mb || !nent) {
        fprintf(stderr, "usage: bench_words [TEXT_MB] [ENTRIES]\n");
        return 1;
    }
    /* entries, kept to plant some of them in the text */
    char *ents = malloc(nent * 32);
    size_t *elen = malloc(nent * sizeof *elen);
    const char *from = argc > 3 ? argv[3] : NULL;
    if (from) {
        FILE *f = fopen(from, "r");
        if (!f) {
            perror(from);
            return 1;
        }
        char line[256];
        size_t k = 0;
        while (k < nent && fgets(line, sizeof line, f)) {
            size_t l = strcspn(line, "\r\n");
            if (l == 0 || l > 31) continue;
            memcpy(ents + k * 32, line, l);
            elen[k++] = l;
        }
        fclose(f);
        nent = k;
    } else {
        for (size_t i = 0; i < nent; i++) elen[i] = make_entry(ents + i * 32);
    }

    cv_wordset_builder *b = cvi_wordset_builder_create();
    cv_wordset *s = NULL;
    double best_build = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        cvi_wordset_builder_clear(b);
        double t0 = now();
        for (size_t i = 0; i < nent; i++)
            if (cvi_wordset_builder_add(b, ents + i * 32, elen[i], 0) < 0) return 1;
        cvi_wordset_free(s);
        s = NULL;
        if (cvi_wordset_build(b, &s)) return 1;
        double t = now() - t0;
        if (t < best_build) best_build = t;
    }

    /* text: chat words, an entry (name) every ~40 words, a line every ~25 */
    size_t cap = mb * 1000000, n = 0;
    char *text = malloc(cap + 64);
    size_t planted = 0;
    while (n < cap) {
        const char *w;
        size_t l;
        if (rnd(40) == 0) {
            size_t e = rnd((uint32_t)nent);
            w = ents + e * 32;
            l = elen[e];
            planted++;
        } else {
            w = VOCAB[rnd(sizeof VOCAB / sizeof *VOCAB)];
            l = strlen(w);
        }
        memcpy(text + n, w, l);
        n += l;
        int r = (int)rnd(25);
        text[n++] = r == 0 ? '\n' : r == 1 ? ',' : ' ';
    }

    double best_scan = 1e9, best_memchr = 1e9, best_loop = 1e9;
    size_t matches = 0, lines = 0, starts = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        matches = 0;
        if (cvi_wordset_scan(s, text, n, count, &matches)) return 1;
        double t = now() - t0;
        if (t < best_scan) best_scan = t;

        t0 = now();
        lines = 0;
        for (const char *p = text, *e = text + n; (p = memchr(p, '\n', (size_t)(e - p))); p++) lines++;
        t = now() - t0;
        if (t < best_memchr) best_memchr = t;

        /* the cheapest tokeniser: count ASCII word starts, byte by byte */
        t0 = now();
        starts = 0;
        int in = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)text[i];
            int w = (unsigned)((c | 0x20) - 'a') < 26u || (unsigned)(c - '0') < 10u || c >= 0x80;
            starts += w && !in;
            in = w;
        }
        t = now() - t0;
        if (t < best_loop) best_loop = t;
    }

    /* the engine's case: a set per record of 1 and 3 names (full + parts) */
    const char *names[] = { "Priya Shah", "Jane Doe", "Jean-Luc O'Brien" };
    double per_rec[2];
    cv_wordset *small = NULL;
    for (int v = 0; v < 2; v++) {
        int nn = v ? 3 : 1, reps = 200000;
        double t0 = now();
        for (int r = 0; r < reps; r++) {
            cvi_wordset_builder_clear(b);
            for (int k = 0; k < nn; k++) {
                const char *nm = names[k];
                cvi_wordset_builder_add(b, nm, strlen(nm), 0);
                const char *sp = strchr(nm, ' ');
                cvi_wordset_builder_add(b, nm, (size_t)(sp - nm), CV_WS_CAPITALISED);
                cvi_wordset_builder_add(b, sp + 1, strlen(sp + 1), CV_WS_CAPITALISED);
            }
            if (cvi_wordset_build(b, &small)) return 1;
        }
        per_rec[v] = (now() - t0) / reps;
    }

    /* and scanning with such a small set (the engine's usual case) */
    double best_small = 1e9;
    size_t small_matches = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        small_matches = 0;
        if (cvi_wordset_scan(small, text, n, count, &small_matches)) return 1;
        double t = now() - t0;
        if (t < best_small) best_small = t;
    }

    double tmb = (double)n / 1e6;
    printf("word matcher benchmark: %zu entries (%s), %.1f MB of chat text, one thread\n", nent,
           from ? from : "name-like, 10% two-word", tmb);
    printf("build %zu entries        %8.1f ms  (best of 3)\n", nent, best_build * 1e3);
    printf("memory                   %8.1f MB  (%.1f bytes per entry)\n", (double)cvi_wordset_bytes(s) / 1e6,
           (double)cvi_wordset_bytes(s) / (double)nent);
    printf("%-24s %8.1f MB/s  %zu matches (%zu planted)\n", "wordset scan", tmb / best_scan, matches, planted);
    printf("%-24s %8.1f MB/s  %zu lines\n", "baseline memchr lines", tmb / best_memchr, lines);
    printf("%-24s %8.1f MB/s  %zu word starts\n", "baseline byte loop", tmb / best_loop, starts);
    printf("scan / memchr            %8.3f\n", best_memchr / best_scan);
    printf("scan / byte loop         %8.3f\n", best_loop / best_scan);
    printf("%-24s %8.1f MB/s  %zu matches\n", "scan, 3-name set", tmb / best_small, small_matches);
    printf("per-record set, 1 name   %8.0f ns  (build: 3 entries)\n", per_rec[0] * 1e9);
    printf("per-record set, 3 names  %8.0f ns  (build: 9 entries)\n", per_rec[1] * 1e9);
    cvi_wordset_free(small);
    cvi_wordset_free(s);
    cvi_wordset_builder_free(b);
    free(text);
    free(ents);
    free(elen);
    return 0;
}
