/*
 * spoken.c - joins ASR word items into detector-friendly text with a byte →
 * word map (see spoken.h for what is understood). Passes over the words:
 * classify every word in the active languages (split at inner hyphens when
 * all parts are numbers), turn ambiguous number words back into words where
 * no sure number stands beside them, mark spoken e-mail addresses, then emit
 * text: digit runs without spaces, e-mails without spaces, other words as
 * written. The words of each language are spoken_lang.c's tables.
 */
#include <stdlib.h>

#include "filters.h"
#include "spoken.h"
#include "spoken_lang.h"

typedef struct stok {
    int32_t word;          /* index into the caller's words */
    const char *w;         /* the trimmed word (or part) as written */
    size_t wn;
    const char *core;      /* without leading/trailing punctuation */
    size_t cn;
    const char *tail;      /* trailing punctuation */
    size_t tn;
    uint8_t kind;
    uint8_t val;           /* digit, teen/ordinal value, tens digit, multiplier, separator char */
    uint8_t soft;          /* tail is only ',' / '-': a run goes on */
    uint8_t brk;           /* tail holds other punctuation: a run ends here */
    uint8_t alnum;         /* core is ASCII letters/digits only */
    uint8_t email;         /* 1 first token of a spoken e-mail, 2 inside, 3 last */
    uint8_t lang;          /* L_* languages the word is a number (or e-mail word) in */
    uint8_t amb;           /* a number only in a run of unambiguous number words */
    char pho;              /* a spelling-alphabet word in a spelled run: its letter, else 0 */
} stok;

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
static int lead_punct(unsigned char c) { return c == '"' || c == '\'' || c == '(' || c == '[' || c == '{'; }
static int tail_punct(unsigned char c)
{
    return c == ',' || c == '.' || c == ';' || c == ':' || c == '!' || c == '?' || c == '"' || c == '\'' ||
           c == ')' || c == ']' || c == '}' || c == '-';
}

/* Classify core[0..n): kind, value and language, for the languages in mask
 * (all is L_ALL with `all` set: FA words then need a run). */
static void classify(stok *t, unsigned mask, int all)
{
    const char *p = t->core;
    size_t n = t->cn;
    t->kind = K_WORD;
    t->val = 0;
    t->lang = 0;
    t->amb = 0;
    t->alnum = n > 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum((unsigned char)p[i])) t->alnum = 0;
    if (n == 0) return;
    size_t d = p[0] == '+' ? 1 : 0, i = d;
    while (i < n && is_digit((unsigned char)p[i])) i++;
    if (i == n && i > d) {
        t->kind = K_NUM;
        t->val = (uint8_t)d;     /* 1: written with a leading '+' */
        return;
    }
    cvi_spoken_number_word(p, n, mask, all, &t->kind, &t->val, &t->lang, &t->amb);
}

static int numeric_kind(int k)
{
    return k == K_NUM || k == K_ZERO || k == K_OH || k == K_DIGIT || k == K_TEEN || k == K_TENS || k == K_ORD;
}

static int push_tok(cv_spoken *s, size_t *nt, const stok *t)
{
    if (cvi_grow(&s->scratch, &s->scratch_cap, *nt + 1, sizeof(stok))) return CV_ENOMEM;
    ((stok *)s->scratch)[(*nt)++] = *t;
    return 0;
}

static void set_tail(stok *t)
{
    size_t a = 0, b = t->cn;
    while (a < b && lead_punct((unsigned char)t->core[a])) a++;
    while (b > a && tail_punct((unsigned char)t->core[b - 1])) b--;
    t->tail = t->core + b;
    t->tn = t->cn - b;
    t->core += a;
    t->cn = b - a;
    int soft = t->tn > 0, brk = 0;
    for (size_t i = 0; i < t->tn; i++)
        if (t->tail[i] != ',' && t->tail[i] != '-') soft = 0, brk = 1;
    t->soft = (uint8_t)soft;
    t->brk = (uint8_t)brk;
}

/* Pass 1: one token per word, or one per part of a hyphenated number. */
static int tokenise(cv_spoken *s, const cv_spoken_word *words, size_t n, size_t *ntok)
{
    unsigned mask = s->langs ? s->langs : L_ALL;
    int all = !s->langs;
    size_t nt = 0;
    for (size_t wi = 0; wi < n; wi++) {
        const char *p = words[wi].p;
        size_t len = words[wi].n;
        while (len && is_ws((unsigned char)p[0])) p++, len--;
        while (len && is_ws((unsigned char)p[len - 1])) len--;
        if (!len) continue;
        stok t;
        memset(&t, 0, sizeof t);
        t.word = (int32_t)wi;
        t.w = t.core = p;
        t.wn = t.cn = len;
        if (words[wi].punct) {
            t.kind = K_PUNCT;
            t.tail = p;
            t.tn = len;
            int soft = 1;
            for (size_t i = 0; i < len; i++)
                if (p[i] != ',' && p[i] != '-') soft = 0;
            t.soft = (uint8_t)soft;
            t.brk = (uint8_t)!soft;
            if (push_tok(s, &nt, &t)) return CV_ENOMEM;
            continue;
        }
        set_tail(&t);
        classify(&t, mask, all);
        /* "twenty-one", "four-one-one-one", "07700-900123": split when every part is a number */
        const char *h = t.cn ? memchr(t.core, '-', t.cn) : NULL;
        if (t.kind == K_WORD && h) {
            stok parts[16];
            size_t np = 0, a = 0;
            int ok = 1;
            while (ok && a <= t.cn) {
                const char *e = memchr(t.core + a, '-', t.cn - a);
                size_t b = e ? (size_t)(e - t.core) : t.cn;
                if (np == 16 || b == a) {
                    ok = 0;
                    break;
                }
                stok *q = &parts[np++];
                *q = t;
                q->core = q->w = t.core + a;
                q->cn = q->wn = b - a;
                q->tail = t.core + b;
                q->tn = e ? 1 : 0;
                q->soft = (uint8_t)(e != NULL);
                q->brk = 0;
                classify(q, mask, all);
                if (!numeric_kind(q->kind) || (q->kind == K_NUM && q->val)) ok = 0;
                a = b + 1;
            }
            if (ok && np > 1) {
                parts[np - 1].tail = t.tail;
                parts[np - 1].tn = t.tn;
                parts[np - 1].soft = t.soft;
                parts[np - 1].brk = t.brk;
                parts[np - 1].wn = (size_t)(t.w + t.wn - parts[np - 1].w);
                parts[0].w = t.w;
                parts[0].wn = (size_t)(parts[0].core + parts[0].cn - t.w);
                for (size_t k = 0; k < np; k++)
                    if (push_tok(s, &nt, &parts[k])) return CV_ENOMEM;
                continue;
            }
        }
        if (push_tok(s, &nt, &t)) return CV_ENOMEM;
    }
    *ntok = nt;
    return 0;
}

static int numberish(const stok *t)
{
    return numeric_kind(t->kind) || t->kind == K_MULT || t->kind == K_HUNDRED || t->kind == K_THOUSAND ||
           t->kind == K_PLUS;
}

/* A number word that needs no support: a run holding one is a number. */
static int sure_number(const stok *t)
{
    return numberish(t) && !t->amb && t->kind != K_OH && t->kind != K_PLUS;
}

/* "y" (es), "e" (pt), "et" (fr) between tens and a unit: "treinta y uno". */
static int connector(const stok *t, unsigned lang)
{
    if (t->tn || t->cn == 0 || t->cn > 2) return 0;
    char c0 = (char)(t->core[0] | 0x20);
    if (t->cn == 1) return (c0 == 'y' && (lang & L_ES)) || (c0 == 'e' && (lang & L_PT));
    return c0 == 'e' && (t->core[1] | 0x20) == 't' && (lang & L_FR);
}

/* Pass 1b: an ambiguous number word ("due", "um", "een", "un") stays a word
 * unless the unbroken run of number words around it holds a sure one; a
 * "plus" that is an ordinary word too ("mas", "mais") needs a number of its
 * own language after it. */
static void resolve_ambiguous(stok *t, size_t nt)
{
    for (size_t i = 0; i < nt; i++) {
        /* "oh" for 0 is English: "tre o quattro" is "3 or 4" */
        if (t[i].kind == K_OH && (t[i].lang & ~L_EN) == 0) {
            int en = 0;
            if (i > 0 && !t[i - 1].brk && (t[i - 1].kind == K_NUM || (numberish(&t[i - 1]) && (t[i - 1].lang & L_EN))))
                en = 1;
            if (i + 1 < nt && !t[i].brk && (t[i + 1].kind == K_NUM || (numberish(&t[i + 1]) && (t[i + 1].lang & L_EN))))
                en = 1;
            if (!en && ((i > 0 && numberish(&t[i - 1])) || (i + 1 < nt && numberish(&t[i + 1])))) {
                t[i].kind = K_WORD;
                continue;
            }
        }
        if (!t[i].amb || t[i].kind == K_WORD) continue;
        int ok = 0;
        if (t[i].kind == K_PLUS) {
            ok = i + 1 < nt && !t[i].tn && numberish(&t[i + 1]) && (t[i + 1].lang & t[i].lang);
        } else {
            for (size_t k = i; k > 0 && !ok; k--) {
                const stok *q = &t[k - 1];
                if (q->brk) break;
                if (sure_number(q)) ok = 1;
                else if (!numberish(q) && !connector(q, L_ALL) && !(q->kind == K_PUNCT && q->soft)) break;
            }
            for (size_t k = i; k + 1 < nt && !ok && !t[k].brk; k++) {
                const stok *q = &t[k + 1];
                if (sure_number(q)) ok = 1;
                else if (!numberish(q) && !connector(q, L_ALL) && !(q->kind == K_PUNCT && q->soft)) break;
            }
        }
        if (!ok) {
            t[i].kind = K_WORD;
            t[i].val = 0;
        }
    }
}

static int email_part(const stok *t) { return (t->kind == K_WORD || t->kind == K_NUM) && t->alnum && !t->soft; }

/* Pass 2: mark LOCAL (SEP LOCAL)* at DOMAIN (dot|dash DOMAIN)+ with one dot at least. */
static void mark_emails(stok *t, size_t nt)
{
    for (size_t a = 1; a + 3 < nt; a++) {
        if (t[a].kind != K_AT || t[a].tn || t[a - 1].tn || t[a].email) continue;
        if (!email_part(&t[a - 1]) || t[a - 1].email) continue;
        size_t k = a - 1;
        while (k >= 2 && (t[k - 1].kind == K_DOT || t[k - 1].kind == K_SEP) && !t[k - 1].tn &&
               email_part(&t[k - 2]) && !t[k - 2].tn && !t[k - 2].email)
            k -= 2;
        size_t m = a + 1;
        if (!email_part(&t[m])) continue;
        int dots = 0;
        while (m + 2 < nt && !t[m].tn && (t[m + 1].kind == K_DOT || (t[m + 1].kind == K_SEP && t[m + 1].val == '-')) &&
               !t[m + 1].tn && email_part(&t[m + 2]) && (t[m + 2].kind == K_WORD || t[m + 2].kind == K_NUM)) {
            dots += t[m + 1].kind == K_DOT;
            m += 2;
        }
        /* the address must end on a dotted label (the TLD): back off a trailing "dash X" */
        while (m > a + 1 && t[m - 1].kind != K_DOT) m -= 2;
        if (!dots || m <= a + 1) continue;
        /* "at" and the dots spoken in one language: "meet at home point blank" is no address */
        unsigned lang = t[a].lang;
        for (size_t i = k; i < m; i++)
            if (t[i].kind == K_DOT) lang &= t[i].lang;
        if (!lang) continue;
        t[k].email = 1;
        for (size_t i = k + 1; i < m; i++) t[i].email = 2;
        t[m].email = 3;
        a = m;
    }
}

/* The letter a word stands for in the active languages' spelling alphabets, or 0. */
static char pho_letter(const stok *t, unsigned mask)
{
    if (t->kind != K_WORD || t->cn < 3) return 0;
    return cvi_spoken_spelled_letter(t->core, t->cn, mask);
}

static int letter_tok(const stok *t);

/* Pass 2b: a run of three or more spelled tokens (single letters or
 * spelling-alphabet words, a repeat word or a comma between them) holding
 * a spelling-alphabet word: those words are written as their letters, so
 * the detectors see "S M I T H" for "sierra mike india tango hotel". */
static void mark_phonetic(stok *t, size_t nt, unsigned mask)
{
    for (size_t a = 0; a < nt;) {
        size_t b = a, letters = 0, words = 0;
        while (b < nt) {
            char c = pho_letter(&t[b], mask);
            if (c || letter_tok(&t[b])) {
                letters++;
                words += c != 0;
                b++;
                if (t[b - 1].brk) break;
            } else if (b > a && (t[b].kind == K_MULT || (t[b].kind == K_PUNCT && t[b].soft)) && b + 1 < nt) {
                b++;
            } else {
                break;
            }
        }
        if (letters >= 3 && words)
            for (size_t k = a; k < b; k++) t[k].pho = pho_letter(&t[k], mask);
        a = b > a ? b : a + 1;
    }
}

/* ---- pass 3: emit --------------------------------------------------------- */

typedef struct emitter {
    cv_spoken *s;
    int nomem;
    int glue;              /* the next digit run joins the text before it (no space) */
} emitter;

static void put(emitter *e, char c, int32_t word)
{
    cv_spoken *s = e->s;
    if (e->nomem) return;
    if (cvi_grow((void **)&s->map, &s->map_cap, s->text.n + 1, sizeof(int32_t)) || cvi_buf_putc(&s->text, c)) {
        e->nomem = 1;
        return;
    }
    s->map[s->text.n - 1] = word;
}

static void put_bytes(emitter *e, const char *p, size_t n, int32_t word)
{
    for (size_t i = 0; i < n; i++) put(e, p[i], word);
}

static void space(emitter *e)
{
    if (e->s->text.n && e->s->text.p[e->s->text.n - 1] != ' ') put(e, ' ', -1);
}

static int single_digit(const stok *t)
{
    return t->kind == K_ZERO || t->kind == K_OH || t->kind == K_DIGIT || (t->kind == K_NUM && !t->val && t->cn == 1);
}

static int digit_value(const stok *t) { return t->kind == K_DIGIT ? t->val : t->kind == K_NUM ? t->core[0] - '0' : 0; }

/* May token i start a digit run? */
static int starts_run(const stok *t, size_t nt, size_t i)
{
    int next = i + 1 < nt && !t[i].brk && !t[i].soft;
    switch (t[i].kind) {
    case K_NUM:
    case K_ZERO:
    case K_DIGIT:
    case K_TEEN:
    case K_TENS:
        return 1;
    case K_OH:
        return next && (t[i + 1].kind == K_NUM || t[i + 1].kind == K_ZERO || t[i + 1].kind == K_OH ||
                        t[i + 1].kind == K_DIGIT || t[i + 1].kind == K_TEEN || t[i + 1].kind == K_TENS ||
                        t[i + 1].kind == K_MULT);
    case K_MULT:
        return next && single_digit(&t[i + 1]);
    case K_PLUS:
        return next && ((t[i + 1].kind == K_NUM && !t[i + 1].val) || t[i + 1].kind == K_ZERO ||
                        t[i + 1].kind == K_DIGIT || t[i + 1].kind == K_MULT);
    default:
        return 0;
    }
}

/* Two digits for the group at t[i] (TEEN, TENS [DIGIT], DIGIT → "0d"); returns tokens used, 0 if none. */
static size_t two_digits(emitter *e, const stok *t, size_t nt, size_t i, int *nd)
{
    if (i >= nt) return 0;
    if (t[i].kind == K_TEEN && t[i].val == 10 && (t[i].lang & L_FR) && i + 1 < nt && !t[i].brk &&
        t[i + 1].kind == K_DIGIT && t[i + 1].val >= 7 && (t[i + 1].lang & L_FR)) {
        put(e, '1', t[i].word);       /* "dix sept" */
        put(e, (char)('0' + t[i + 1].val), t[i + 1].word);
        *nd += 2;
        return 2;
    }
    if (t[i].kind == K_TENS && (t[i].val == 6 || t[i].val == 8) && (t[i].lang & L_FR) && i + 1 < nt &&
        !t[i].brk && t[i + 1].kind == K_TEEN && t[i + 1].val < 20 && (t[i + 1].lang & L_FR)) {
        /* "soixante douze" = 72, "quatre-vingt dix sept" = 97 */
        int v = t[i].val * 10 + t[i + 1].val;
        size_t used = 2;
        if (t[i + 1].val == 10 && i + 2 < nt && !t[i + 1].brk && t[i + 2].kind == K_DIGIT && t[i + 2].val >= 7 &&
            (t[i + 2].lang & L_FR))
            v += t[i + 2].val, used = 3;
        put(e, (char)('0' + v / 10), t[i].word);
        put(e, (char)('0' + v % 10), t[i + used - 1].word);
        *nd += 2;
        return used;
    }
    if (t[i].kind == K_TENS && i + 2 < nt && !t[i].brk && !t[i + 1].brk && connector(&t[i + 1], t[i].lang) &&
        t[i + 2].kind == K_DIGIT) {
        put(e, (char)('0' + t[i].val), t[i].word);     /* "treinta y uno", "vinte e três" */
        put(e, (char)('0' + t[i + 2].val), t[i + 2].word);
        *nd += 2;
        return 3;
    }
    if (t[i].kind == K_TEEN) {
        put(e, (char)('0' + t[i].val / 10), t[i].word);
        put(e, (char)('0' + t[i].val % 10), t[i].word);
        *nd += 2;
        return 1;
    }
    if (t[i].kind == K_TENS) {
        put(e, (char)('0' + t[i].val), t[i].word);
        *nd += 2;
        if (i + 1 < nt && !t[i].brk && t[i + 1].kind == K_DIGIT) {
            put(e, (char)('0' + t[i + 1].val), t[i + 1].word);
            return 2;
        }
        put(e, '0', t[i].word);
        return 1;
    }
    if (t[i].kind == K_DIGIT) {
        put(e, '0', t[i].word);
        put(e, (char)('0' + t[i].val), t[i].word);
        *nd += 2;
        return 1;
    }
    return 0;
}

static int group_start(const stok *t) { return t->kind == K_TEEN || t->kind == K_TENS || t->kind == K_DIGIT; }

static void ordinal(emitter *e, int value, int32_t word)
{
    char b[8];
    int n = 0;
    if (value >= 10) b[n++] = (char)('0' + value / 10);
    b[n++] = (char)('0' + value % 10);
    int u = value % 10, teen = value % 100 >= 11 && value % 100 <= 13;
    const char *suf = teen ? "th" : u == 1 ? "st" : u == 2 ? "nd" : u == 3 ? "rd" : "th";
    b[n++] = suf[0];
    b[n++] = suf[1];
    put_bytes(e, b, (size_t)n, word);
}

/* Emit the digit run starting at token i; returns the index after it. */
static size_t emit_run(emitter *e, stok *t, size_t nt, size_t i)
{
    cv_spoken *s = e->s;
    if (!e->glue) space(e);
    e->glue = 0;
    size_t start = s->text.n;
    int nd = 0, emitted = 0, ordinal_end = 0;
    size_t j = i;
    if (t[j].kind == K_PLUS) {
        put(e, '+', t[j].word);
        j++;
    }
    while (j < nt && !ordinal_end) {
        if (j > i && t[j - 1].brk) break;
        const stok *c = &t[j];
        size_t used = 1;
        switch (c->kind) {
        case K_PUNCT:
            if (emitted && c->soft && j + 1 < nt && starts_run(t, nt, j + 1) && t[j + 1].kind != K_PLUS) {
                j++;
                continue;
            }
            goto done;
        case K_NUM:
            if (c->val && j > i) goto done;
            put_bytes(e, c->core, c->cn, c->word);
            nd += (int)(c->cn - c->val);
            break;
        case K_ZERO:
        case K_OH:
            put(e, '0', c->word);
            nd++;
            break;
        case K_DIGIT:
            put(e, (char)('0' + c->val), c->word);
            nd++;
            break;
        case K_TEEN:
            used = two_digits(e, t, nt, j, &nd);
            break;
        case K_TENS:
            if (j + 1 < nt && !c->brk && t[j + 1].kind == K_ORD && t[j + 1].val < 10) {
                ordinal(e, c->val * 10 + t[j + 1].val, c->word);
                if (!e->nomem) s->map[s->text.n - 1] = s->map[s->text.n - 2] = s->map[s->text.n - 3] = t[j + 1].word;
                used = 2;
                nd += 2;
                ordinal_end = 1;
                break;
            }
            used = two_digits(e, t, nt, j, &nd);
            break;
        case K_MULT:
            if (j + 1 >= nt || c->brk || !single_digit(&t[j + 1])) goto done;
            put(e, (char)('0' + digit_value(&t[j + 1])), c->word);
            for (int k = 1; k < c->val; k++) put(e, (char)('0' + digit_value(&t[j + 1])), t[j + 1].word);
            nd += c->val;
            used = 2;
            break;
        case K_HUNDRED:
            if (!emitted) goto done;
            if (j + 2 < nt && !c->brk && t[j + 1].kind == K_AND && !t[j + 1].brk && group_start(&t[j + 2])) {
                used = 2 + two_digits(e, t, nt, j + 2, &nd);
            } else if (j + 1 < nt && !c->brk && (t[j + 1].kind == K_TEEN || t[j + 1].kind == K_TENS)) {
                used = 1 + two_digits(e, t, nt, j + 1, &nd);
            } else {
                put(e, '0', c->word);
                put(e, '0', c->word);
                nd += 2;
            }
            break;
        case K_THOUSAND:
            if (!emitted) goto done;
            if (j + 2 < nt && !c->brk && t[j + 1].kind == K_AND && !t[j + 1].brk && group_start(&t[j + 2])) {
                put(e, '0', c->word);
                nd++;
                used = 2 + two_digits(e, t, nt, j + 2, &nd);
            } else if (j + 2 < nt && !c->brk && t[j + 1].kind == K_DIGIT && !t[j + 1].brk &&
                       t[j + 2].kind == K_HUNDRED) {
                used = 1;    /* the hundreds group that follows writes the three digits */
            } else if (j + 1 < nt && !c->brk && (t[j + 1].kind == K_TEEN || t[j + 1].kind == K_TENS)) {
                put(e, '0', c->word);
                nd++;
            } else if (j + 1 < nt && !c->brk && t[j + 1].kind == K_DIGIT) {
                put(e, '0', c->word);
                put(e, '0', c->word);
                nd += 2;
            } else {
                put_bytes(e, "000", 3, c->word);
                nd += 3;
            }
            break;
        default:
            goto done;
        }
        emitted = 1;
        j += used;
    }
done:
    if (s->text.n > start && !e->nomem) {
        if (cvi_grow((void **)&s->runs, &s->runs_cap, s->nruns + 1, sizeof *s->runs)) {
            e->nomem = 1;
        } else {
            s->runs[s->nruns++] = (cv_spoken_run){ (uint32_t)start, (uint32_t)s->text.n, (uint32_t)nd };
        }
    }
    /* a run that ends on punctuation: write it after the digits */
    if (j > i && t[j - 1].tn && t[j - 1].kind != K_PUNCT) put_bytes(e, t[j - 1].tail, t[j - 1].tn, t[j - 1].word);
    if (j == i) {   /* cannot happen (starts_run said yes); guard against a loop */
        put_bytes(e, t[i].w, t[i].wn, t[i].word);
        j = i + 1;
    }
    return j;
}

/* ---- letters spelled out among digits -------------------------------------- */

static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* One spelled letter: a single ASCII letter, bare or with a '.' ("Q."). */
static int letter_tok(const stok *t)
{
    return (t->kind == K_WORD || t->kind == K_OH) && t->cn == 1 && is_alpha((unsigned char)t->core[0]) &&
           (t->tn == 0 || (t->tn == 1 && (t->tail[0] == '.' || t->tail[0] == ',' || t->tail[0] == '-')));
}

/* The joined letters and digits p[0..n) have the shape of an identifier a
 * detector knows that begins with a letter (its entity's `spelled`). */
static int spelled_shape(const char *p, size_t n)
{
    for (int e = 0; e < CV_ENT__COUNT; e++)
        if (cvi_entities[e]->spelled && cvi_entities[e]->spelled(p, n)) return 1;
    return 0;
}

/*
 * From the spelled letter at t[i]: letters and digit runs joined without
 * spaces ("A B one two three four five six C" → "AB123456C") as long as the
 * joined text keeps the shape of a NINO or IBAN at some point; cut after the
 * last point where it has. Returns the index after the tokens used, or i
 * with nothing emitted (the words are then emitted as usual): a letter
 * before a phone number ("plan B oh seven seven ...") is never glued to it.
 */
static size_t emit_spelled(emitter *e, stok *t, size_t nt, size_t i)
{
    cv_spoken *s = e->s;
    size_t n0 = s->text.n, r0 = s->nruns;
    space(e);
    size_t start = s->text.n, j = i;
    size_t best_j = i, best_n = 0, best_r = 0;
    while (j < nt && !e->nomem && s->text.n - start <= 34) {
        if (j > i && t[j - 1].brk && !letter_tok(&t[j - 1])) break;
        if (j > i && t[j].kind == K_PUNCT && t[j].soft && j + 1 < nt &&
            (letter_tok(&t[j + 1]) || (starts_run(t, nt, j + 1) && t[j + 1].kind != K_PLUS))) {
            j++;    /* "C, E, 12, 34": commas between the parts */
            continue;
        }
        /* "o" among digits is a zero; first or before a letter, the letter */
        int oh_digit = t[j].kind == K_OH && j > i && starts_run(t, nt, j);
        if (letter_tok(&t[j]) && !oh_digit) {
            put(e, (char)(t[j].core[0] & ~0x20), t[j].word);
            j++;
        } else if (j > i && starts_run(t, nt, j) && t[j].kind != K_PLUS) {
            size_t at = s->text.n;
            e->glue = 1;
            j = emit_run(e, t, nt, j);
            /* a run's own punctuation ends the identifier (it was written after the digits) */
            while (s->text.n > at && !is_alnum((unsigned char)s->text.p[s->text.n - 1])) s->text.n--;
        } else {
            break;
        }
        if (!e->nomem && spelled_shape(s->text.p + start, s->text.n - start)) {
            best_j = j;
            best_n = s->text.n;
            best_r = s->nruns;
        }
    }
    if (best_j == i || e->nomem) {
        s->text.n = n0;
        s->nruns = r0;
        return i;
    }
    s->text.n = best_n;
    s->nruns = best_r;
    for (size_t k = 0; k < s->nruns; k++)      /* a run cut short by the rollback */
        if (s->runs[k].end > best_n) s->runs[k].end = (uint32_t)best_n;
    if (t[best_j - 1].tn) put_bytes(e, t[best_j - 1].tail, t[best_j - 1].tn, t[best_j - 1].word);
    return best_j;
}

int cvi_spoken_build(cv_spoken *s, const cv_spoken_word *words, size_t n)
{
    cv_buf_clear(&s->text);
    s->nruns = 0;
    size_t nt = 0;
    int rc = tokenise(s, words, n, &nt);
    if (rc) return rc;
    stok *t = s->scratch;
    resolve_ambiguous(t, nt);
    mark_emails(t, nt);
    mark_phonetic(t, nt, s->langs ? s->langs : L_ALL);
    emitter e = { s, 0, 0 };
    size_t i = 0, j;
    while (i < nt && !e.nomem) {
        if (s->text.n > UINT32_MAX - 4096) return CV_EINPUT;
        stok *c = &t[i];
        if (c->kind == K_PUNCT) {
            put_bytes(&e, c->w, c->wn, c->word);
            i++;
        } else if (c->email == 1) {
            space(&e);
            for (;;) {
                c = &t[i];
                if (c->kind == K_AT)
                    put(&e, '@', c->word);
                else if (c->kind == K_DOT || c->kind == K_SEP)
                    put(&e, (char)c->val, c->word);
                else
                    put_bytes(&e, c->core, c->cn, c->word);
                i++;
                if (c->email == 3) break;
            }
            put_bytes(&e, c->tail, c->tn, c->word);
        } else if (letter_tok(c) && (j = emit_spelled(&e, t, nt, i)) > i) {
            i = j;
        } else if (starts_run(t, nt, i)) {
            i = emit_run(&e, t, nt, i);
        } else if (c->pho) {
            space(&e);
            put(&e, c->pho, c->word);
            put_bytes(&e, c->tail, c->tn, c->word);
            i++;
        } else if (c->kind == K_ORD) {
            space(&e);
            ordinal(&e, c->val, c->word);
            put_bytes(&e, c->tail, c->tn, c->word);
            i++;
        } else {
            space(&e);
            put_bytes(&e, c->w, c->wn, c->word);
            i++;
        }
    }
    return e.nomem ? CV_ENOMEM : 0;
}

int cvi_spoken_words_of(const cv_spoken *s, size_t start, size_t end, size_t *first, size_t *last)
{
    if (end > s->text.n) end = s->text.n;
    size_t a = start, b = end;
    while (a < b && s->map[a] < 0) a++;
    while (b > a && s->map[b - 1] < 0) b--;
    if (a >= b) return 0;
    size_t lo = (size_t)s->map[a], hi = lo;
    for (size_t i = a; i < b; i++) {
        if (s->map[i] < 0) continue;
        if ((size_t)s->map[i] < lo) lo = (size_t)s->map[i];
        if ((size_t)s->map[i] > hi) hi = (size_t)s->map[i];
    }
    *first = lo;
    *last = hi;
    return 1;
}

void cvi_spoken_init(cv_spoken *s) { memset(s, 0, sizeof *s); }

void cvi_spoken_free(cv_spoken *s)
{
    if (!s) return;
    cvi_buf_free(&s->text);
    free(s->map);
    free(s->runs);
    free(s->scratch);
    memset(s, 0, sizeof *s);
}
