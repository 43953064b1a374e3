/*
 * glob.c - the glob matcher behind a policy input's `match` (DESIGN §5).
 * The pattern is compiled to a small token list and run as an NFA over the
 * path with a bit set of live states, so any pattern costs at most
 * O(path x pattern) - no backtracking, whatever the fuzzer invents.
 */
#include <stdint.h>
#include <string.h>

#include "policy.h"

/* Longer patterns never match; the policy loader refuses them up front. */
#define GLOB_MAX 1024
#define GLOB_WORDS ((GLOB_MAX + 2 + 63) / 64)

enum {
    T_LIT,     /* one byte */
    T_ANY,     /* '?': one byte, not '/' */
    T_CLASS,   /* "[...]": one byte, not '/' */
    T_STAR,    /* '*': any run without '/' */
    T_DSTAR,   /* '**' inside a segment: any run */
    T_DIRS     /* '**' as a whole segment followed by '/': "" or any run ending in '/';
                  compiled as T_DIRS T_DSTAR T_LIT('/'), T_DIRS consuming nothing and
                  holding an epsilon edge over all three */
};

typedef struct tok {
    uint8_t type;
    uint8_t c;        /* T_LIT byte */
    uint16_t a, b;    /* T_CLASS: pattern[a..b) is the class body */
} tok;

/* Does byte c belong to the class body s[0..n) ("!x", "a-z", "]abc")? */
static int class_has(const char *s, size_t n, unsigned char c)
{
    size_t i = 0;
    int neg = 0, hit = 0;
    if (i < n && (s[i] == '!' || s[i] == '^')) { neg = 1; i++; }
    for (; i < n; i++) {
        unsigned char lo = (unsigned char)s[i];
        if (i + 2 < n && s[i + 1] == '-') {
            unsigned char hi = (unsigned char)s[i + 2];
            if (c >= lo && c <= hi) hit = 1;
            i += 2;
        } else if (c == lo) {
            hit = 1;
        }
    }
    return hit != neg;
}

/* Compile pat[0..n) into t; returns the token count. */
static size_t compile(const char *pat, size_t n, tok *t)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        char ch = pat[i];
        if (ch == '*') {
            size_t j = i;
            while (j < n && pat[j] == '*') j++;
            if (j - i == 1) {
                t[k++] = (tok){ T_STAR, 0, 0, 0 };
            } else if ((i == 0 || pat[i - 1] == '/') && j < n && pat[j] == '/') {
                t[k++] = (tok){ T_DIRS, 0, 0, 0 };
                t[k++] = (tok){ T_DSTAR, 0, 0, 0 };
                t[k++] = (tok){ T_LIT, '/', 0, 0 };
                j++;
            } else {
                t[k++] = (tok){ T_DSTAR, 0, 0, 0 };
            }
            i = j;
        } else if (ch == '?') {
            t[k++] = (tok){ T_ANY, 0, 0, 0 };
            i++;
        } else if (ch == '[') {
            /* A ']' right after '[' or "[!" is a member, not the end. */
            size_t j = i + 1;
            if (j < n && (pat[j] == '!' || pat[j] == '^')) j++;
            if (j < n && pat[j] == ']') j++;
            while (j < n && pat[j] != ']') j++;
            if (j < n) {
                t[k++] = (tok){ T_CLASS, 0, (uint16_t)(i + 1), (uint16_t)j };
                i = j + 1;
            } else {   /* unterminated: a literal '[' */
                t[k++] = (tok){ T_LIT, '[', 0, 0 };
                i++;
            }
        } else if (ch == '\\' && i + 1 < n) {
            t[k++] = (tok){ T_LIT, (uint8_t)pat[i + 1], 0, 0 };
            i += 2;
        } else {
            t[k++] = (tok){ T_LIT, (uint8_t)ch, 0, 0 };
            i++;
        }
    }
    return k;
}

static inline void set_bit(uint64_t *s, size_t i) { s[i >> 6] |= (uint64_t)1 << (i & 63); }
static inline int has_bit(const uint64_t *s, size_t i) { return (int)((s[i >> 6] >> (i & 63)) & 1); }

/* Follow epsilon edges; they only point forward, so one ascending pass does. */
static void closure(const tok *t, size_t nt, uint64_t *s)
{
    for (size_t i = 0; i < nt; i++) {
        if (!has_bit(s, i)) continue;
        if (t[i].type == T_STAR || t[i].type == T_DSTAR) set_bit(s, i + 1);
        else if (t[i].type == T_DIRS) { set_bit(s, i + 1); set_bit(s, i + 3); }
    }
}

int cvi_glob_match(const char *pattern, const char *path)
{
    size_t plen = strlen(pattern);
    if (plen > GLOB_MAX) return 0;
    if (!memchr(pattern, '/', plen)) {
        const char *slash = strrchr(path, '/');
        if (slash) path = slash + 1;
    }

    tok t[GLOB_MAX + 1];
    size_t nt = compile(pattern, plen, t);
    size_t words = (nt + 1 + 63) / 64;
    uint64_t a[GLOB_WORDS], b[GLOB_WORDS];
    uint64_t *cur = a, *nxt = b;
    memset(cur, 0, words * sizeof *cur);
    set_bit(cur, 0);
    closure(t, nt, cur);

    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        unsigned char c = *p;
        int live = 0;
        memset(nxt, 0, words * sizeof *nxt);
        for (size_t w = 0; w < words; w++) {
            uint64_t bits = cur[w];
            while (bits) {
                size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                if (i >= nt) continue;   /* the accepting state consumes nothing */
                const tok *x = &t[i];
                switch (x->type) {
                case T_LIT:
                    if (c == x->c) { set_bit(nxt, i + 1); live = 1; }
                    break;
                case T_ANY:
                    if (c != '/') { set_bit(nxt, i + 1); live = 1; }
                    break;
                case T_CLASS:
                    if (c != '/' && class_has(pattern + x->a, (size_t)(x->b - x->a), c)) {
                        set_bit(nxt, i + 1);
                        live = 1;
                    }
                    break;
                case T_STAR:
                    if (c != '/') { set_bit(nxt, i); live = 1; }
                    break;
                case T_DSTAR:
                    set_bit(nxt, i);
                    live = 1;
                    break;
                case T_DIRS:   /* consumes nothing: its closure did the work */
                    break;
                }
            }
        }
        if (!live) return 0;
        closure(t, nt, nxt);
        uint64_t *tmp = cur;
        cur = nxt;
        nxt = tmp;
    }
    return has_bit(cur, nt);
}
