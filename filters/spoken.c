/*
 * spoken.c - joins ASR word items into detector-friendly text with a byte →
 * word map (see spoken.h for what is understood). Passes over the words:
 * classify every word in the active languages (split at inner hyphens when
 * all parts are numbers), turn ambiguous number words back into words where
 * no sure number stands beside them, mark spoken e-mail addresses, then emit
 * text: digit runs without spaces, e-mails without spaces, other words as
 * written.
 */
#include <stdlib.h>

#include "filters.h"
#include "spoken.h"

enum {
    K_WORD = 0, K_PUNCT, K_NUM, K_ZERO, K_OH, K_DIGIT, K_TEEN, K_TENS, K_HUNDRED, K_THOUSAND,
    K_MULT, K_PLUS, K_AND, K_ORD, K_AT, K_DOT, K_SEP
};

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

/* Languages, as bits of a word's mask. */
enum { L_EN = 1, L_IT = 2, L_DE = 4, L_FR = 8, L_ES = 16, L_NL = 32, L_PT = 64, L_ALL = 127 };
/* FA: an ordinary word in another language ("due", "elf", "um"): with no
 * language given, a number only in a run with an unambiguous number word.
 * FS: an ordinary word in its own language too (articles "un", "een", "uno"):
 * the same rule whatever the language. */
enum { FA = 1, FS = 2 };

static const struct lex { const char *w; uint8_t kind, val, lang, flag; } lexicon[] = {
    /* English */
    {"zero", K_ZERO, 0, L_EN | L_IT | L_PT, 0}, {"nought", K_ZERO, 0, L_EN, 0}, {"oh", K_OH, 0, L_EN, 0},
    {"o", K_OH, 0, L_EN, 0},
    {"one", K_DIGIT, 1, L_EN, 0}, {"two", K_DIGIT, 2, L_EN, 0}, {"three", K_DIGIT, 3, L_EN, 0},
    {"four", K_DIGIT, 4, L_EN, 0}, {"five", K_DIGIT, 5, L_EN, 0}, {"six", K_DIGIT, 6, L_EN | L_FR, 0},
    {"seven", K_DIGIT, 7, L_EN, 0}, {"eight", K_DIGIT, 8, L_EN, 0}, {"nine", K_DIGIT, 9, L_EN, 0},
    {"ten", K_TEEN, 10, L_EN, 0}, {"eleven", K_TEEN, 11, L_EN, 0}, {"twelve", K_TEEN, 12, L_EN, 0},
    {"thirteen", K_TEEN, 13, L_EN, 0}, {"fourteen", K_TEEN, 14, L_EN, 0}, {"fifteen", K_TEEN, 15, L_EN, 0},
    {"sixteen", K_TEEN, 16, L_EN, 0}, {"seventeen", K_TEEN, 17, L_EN, 0}, {"eighteen", K_TEEN, 18, L_EN, 0},
    {"nineteen", K_TEEN, 19, L_EN, 0},
    {"twenty", K_TENS, 2, L_EN, 0}, {"thirty", K_TENS, 3, L_EN, 0}, {"forty", K_TENS, 4, L_EN, 0},
    {"fourty", K_TENS, 4, L_EN, 0}, {"fifty", K_TENS, 5, L_EN, 0}, {"sixty", K_TENS, 6, L_EN, 0},
    {"seventy", K_TENS, 7, L_EN, 0}, {"eighty", K_TENS, 8, L_EN, 0}, {"ninety", K_TENS, 9, L_EN, 0},
    {"first", K_ORD, 1, L_EN, 0}, {"second", K_ORD, 2, L_EN, 0}, {"third", K_ORD, 3, L_EN, 0},
    {"fourth", K_ORD, 4, L_EN, 0}, {"fifth", K_ORD, 5, L_EN, 0}, {"sixth", K_ORD, 6, L_EN, 0},
    {"seventh", K_ORD, 7, L_EN, 0}, {"eighth", K_ORD, 8, L_EN, 0}, {"ninth", K_ORD, 9, L_EN, 0},
    {"tenth", K_ORD, 10, L_EN, 0}, {"eleventh", K_ORD, 11, L_EN, 0}, {"twelfth", K_ORD, 12, L_EN, 0},
    {"thirteenth", K_ORD, 13, L_EN, 0}, {"fourteenth", K_ORD, 14, L_EN, 0}, {"fifteenth", K_ORD, 15, L_EN, 0},
    {"sixteenth", K_ORD, 16, L_EN, 0}, {"seventeenth", K_ORD, 17, L_EN, 0},
    {"eighteenth", K_ORD, 18, L_EN, 0}, {"nineteenth", K_ORD, 19, L_EN, 0},
    {"twentieth", K_ORD, 20, L_EN, 0}, {"thirtieth", K_ORD, 30, L_EN, 0},
    {"hundred", K_HUNDRED, 0, L_EN, 0}, {"thousand", K_THOUSAND, 0, L_EN, 0},
    {"double", K_MULT, 2, L_EN | L_FR, 0}, {"triple", K_MULT, 3, L_EN | L_FR | L_ES, 0},
    {"plus", K_PLUS, 0, L_EN | L_DE | L_FR | L_NL, 0}, {"and", K_AND, 0, L_EN, 0},
    {"at", K_AT, 0, L_EN | L_DE | L_NL, 0}, {"dot", K_DOT, '.', L_EN, 0},
    {"underscore", K_SEP, '_', L_EN, 0}, {"dash", K_SEP, '-', L_EN, 0}, {"hyphen", K_SEP, '-', L_EN, 0},
    /* Italian */
    {"uno", K_DIGIT, 1, L_IT | L_ES, FS}, {"due", K_DIGIT, 2, L_IT, FA}, {"tre", K_DIGIT, 3, L_IT, FA},
    {"quattro", K_DIGIT, 4, L_IT, 0}, {"cinque", K_DIGIT, 5, L_IT, 0}, {"sei", K_DIGIT, 6, L_IT, FA},
    {"sette", K_DIGIT, 7, L_IT, 0}, {"otto", K_DIGIT, 8, L_IT, FA}, {"nove", K_DIGIT, 9, L_IT | L_PT, 0},
    {"dieci", K_TEEN, 10, L_IT, 0}, {"undici", K_TEEN, 11, L_IT, 0}, {"dodici", K_TEEN, 12, L_IT, 0},
    {"tredici", K_TEEN, 13, L_IT, 0}, {"quattordici", K_TEEN, 14, L_IT, 0}, {"quindici", K_TEEN, 15, L_IT, 0},
    {"sedici", K_TEEN, 16, L_IT, 0}, {"diciassette", K_TEEN, 17, L_IT, 0}, {"diciotto", K_TEEN, 18, L_IT, 0},
    {"diciannove", K_TEEN, 19, L_IT, 0},
    {"venti", K_TENS, 2, L_IT, 0}, {"trenta", K_TENS, 3, L_IT, 0}, {"quaranta", K_TENS, 4, L_IT, 0},
    {"cinquanta", K_TENS, 5, L_IT, 0}, {"sessanta", K_TENS, 6, L_IT, 0}, {"settanta", K_TENS, 7, L_IT, 0},
    {"ottanta", K_TENS, 8, L_IT, 0}, {"novanta", K_TENS, 9, L_IT, 0},
    {"cento", K_HUNDRED, 0, L_IT | L_PT, 0}, {"mille", K_THOUSAND, 0, L_IT | L_FR, 0},
    {"doppio", K_MULT, 2, L_IT, 0}, {"doppia", K_MULT, 2, L_IT, 0}, {"triplo", K_MULT, 3, L_IT | L_PT, 0},
    {"più", K_PLUS, 0, L_IT, 0}, {"piu", K_PLUS, 0, L_IT, 0},
    {"chiocciola", K_AT, 0, L_IT, 0}, {"punto", K_DOT, '.', L_IT | L_ES, 0},
    {"trattino", K_SEP, '-', L_IT, 0},
    /* German */
    {"null", K_ZERO, 0, L_DE, FA}, {"eins", K_DIGIT, 1, L_DE, 0}, {"zwei", K_DIGIT, 2, L_DE, 0},
    {"zwo", K_DIGIT, 2, L_DE, 0}, {"drei", K_DIGIT, 3, L_DE, 0}, {"vier", K_DIGIT, 4, L_DE | L_NL, 0},
    {"fünf", K_DIGIT, 5, L_DE, 0}, {"fuenf", K_DIGIT, 5, L_DE, 0}, {"sechs", K_DIGIT, 6, L_DE, 0},
    {"sieben", K_DIGIT, 7, L_DE, 0}, {"acht", K_DIGIT, 8, L_DE | L_NL, 0}, {"neun", K_DIGIT, 9, L_DE, 0},
    {"zehn", K_TEEN, 10, L_DE, 0}, {"elf", K_TEEN, 11, L_DE | L_NL, FA}, {"zwölf", K_TEEN, 12, L_DE, 0},
    {"zwoelf", K_TEEN, 12, L_DE, 0}, {"dreizehn", K_TEEN, 13, L_DE, 0}, {"vierzehn", K_TEEN, 14, L_DE, 0},
    {"fünfzehn", K_TEEN, 15, L_DE, 0}, {"sechzehn", K_TEEN, 16, L_DE, 0}, {"siebzehn", K_TEEN, 17, L_DE, 0},
    {"achtzehn", K_TEEN, 18, L_DE, 0}, {"neunzehn", K_TEEN, 19, L_DE, 0},
    {"zwanzig", K_TENS, 2, L_DE, 0}, {"dreißig", K_TENS, 3, L_DE, 0}, {"dreissig", K_TENS, 3, L_DE, 0},
    {"vierzig", K_TENS, 4, L_DE, 0}, {"fünfzig", K_TENS, 5, L_DE, 0}, {"sechzig", K_TENS, 6, L_DE, 0},
    {"siebzig", K_TENS, 7, L_DE, 0}, {"achtzig", K_TENS, 8, L_DE, 0}, {"neunzig", K_TENS, 9, L_DE, 0},
    {"hundert", K_HUNDRED, 0, L_DE, 0}, {"tausend", K_THOUSAND, 0, L_DE, 0},
    {"doppel", K_MULT, 2, L_DE, 0}, {"punkt", K_DOT, '.', L_DE, 0}, {"unterstrich", K_SEP, '_', L_DE, 0},
    {"bindestrich", K_SEP, '-', L_DE, 0},
    /* French */
    {"zéro", K_ZERO, 0, L_FR, 0}, {"un", K_DIGIT, 1, L_FR, FS}, {"une", K_DIGIT, 1, L_FR, FS},
    {"deux", K_DIGIT, 2, L_FR, 0}, {"trois", K_DIGIT, 3, L_FR, 0}, {"quatre", K_DIGIT, 4, L_FR, 0},
    {"cinq", K_DIGIT, 5, L_FR, 0}, {"sept", K_DIGIT, 7, L_FR, FA}, {"huit", K_DIGIT, 8, L_FR, 0},
    {"neuf", K_DIGIT, 9, L_FR, 0},
    {"dix", K_TEEN, 10, L_FR, 0}, {"onze", K_TEEN, 11, L_FR | L_PT, FA}, {"douze", K_TEEN, 12, L_FR, 0},
    {"treize", K_TEEN, 13, L_FR, 0}, {"quatorze", K_TEEN, 14, L_FR | L_PT, 0}, {"quinze", K_TEEN, 15, L_FR | L_PT, 0},
    {"seize", K_TEEN, 16, L_FR, FA},
    {"vingt", K_TENS, 2, L_FR, 0}, {"trente", K_TENS, 3, L_FR, 0}, {"quarante", K_TENS, 4, L_FR, 0},
    {"cinquante", K_TENS, 5, L_FR, 0}, {"soixante", K_TENS, 6, L_FR, 0},
    {"cent", K_HUNDRED, 0, L_FR, FA}, {"cents", K_HUNDRED, 0, L_FR, FA},
    {"arobase", K_AT, 0, L_FR, 0}, {"arrobase", K_AT, 0, L_FR, 0}, {"point", K_DOT, '.', L_FR, 0},
    {"tiret", K_SEP, '-', L_FR, 0},
    /* Spanish */
    {"cero", K_ZERO, 0, L_ES, 0}, {"una", K_DIGIT, 1, L_ES, FS}, {"dos", K_DIGIT, 2, L_ES, FA},
    {"tres", K_DIGIT, 3, L_ES | L_PT, 0}, {"cuatro", K_DIGIT, 4, L_ES, 0}, {"cinco", K_DIGIT, 5, L_ES | L_PT, 0},
    {"seis", K_DIGIT, 6, L_ES | L_PT, 0}, {"siete", K_DIGIT, 7, L_ES, 0}, {"ocho", K_DIGIT, 8, L_ES, 0},
    {"nueve", K_DIGIT, 9, L_ES, 0},
    {"diez", K_TEEN, 10, L_ES, 0}, {"once", K_TEEN, 11, L_ES, FA}, {"doce", K_TEEN, 12, L_ES, 0},
    {"trece", K_TEEN, 13, L_ES, 0}, {"catorce", K_TEEN, 14, L_ES, 0}, {"quince", K_TEEN, 15, L_ES, 0},
    {"dieciséis", K_TEEN, 16, L_ES, 0}, {"dieciseis", K_TEEN, 16, L_ES, 0}, {"diecisiete", K_TEEN, 17, L_ES, 0},
    {"dieciocho", K_TEEN, 18, L_ES, 0}, {"diecinueve", K_TEEN, 19, L_ES, 0},
    {"veinte", K_TENS, 2, L_ES, 0}, {"treinta", K_TENS, 3, L_ES, 0}, {"cuarenta", K_TENS, 4, L_ES, 0},
    {"cincuenta", K_TENS, 5, L_ES, 0}, {"sesenta", K_TENS, 6, L_ES, 0}, {"setenta", K_TENS, 7, L_ES | L_PT, 0},
    {"ochenta", K_TENS, 8, L_ES, 0}, {"noventa", K_TENS, 9, L_ES | L_PT, 0},
    {"cien", K_HUNDRED, 0, L_ES, 0}, {"ciento", K_HUNDRED, 0, L_ES, 0}, {"mil", K_THOUSAND, 0, L_ES | L_PT, 0},
    {"doble", K_MULT, 2, L_ES, 0}, {"más", K_PLUS, 0, L_ES, 0}, {"mas", K_PLUS, 0, L_ES, FA},
    {"arroba", K_AT, 0, L_ES | L_PT, 0}, {"guion", K_SEP, '-', L_ES, 0}, {"guión", K_SEP, '-', L_ES, 0},
    /* Dutch */
    {"nul", K_ZERO, 0, L_NL, FA}, {"een", K_DIGIT, 1, L_NL, FA | FS}, {"één", K_DIGIT, 1, L_NL, 0},
    {"twee", K_DIGIT, 2, L_NL, 0}, {"drie", K_DIGIT, 3, L_NL, 0}, {"vijf", K_DIGIT, 5, L_NL, 0},
    {"zes", K_DIGIT, 6, L_NL, 0}, {"zeven", K_DIGIT, 7, L_NL, 0}, {"negen", K_DIGIT, 9, L_NL, 0},
    {"tien", K_TEEN, 10, L_NL, 0}, {"twaalf", K_TEEN, 12, L_NL, 0}, {"dertien", K_TEEN, 13, L_NL, 0},
    {"veertien", K_TEEN, 14, L_NL, 0}, {"vijftien", K_TEEN, 15, L_NL, 0}, {"zestien", K_TEEN, 16, L_NL, 0},
    {"zeventien", K_TEEN, 17, L_NL, 0}, {"achttien", K_TEEN, 18, L_NL, 0}, {"negentien", K_TEEN, 19, L_NL, 0},
    {"twintig", K_TENS, 2, L_NL, 0}, {"dertig", K_TENS, 3, L_NL, 0}, {"veertig", K_TENS, 4, L_NL, 0},
    {"vijftig", K_TENS, 5, L_NL, 0}, {"zestig", K_TENS, 6, L_NL, 0}, {"zeventig", K_TENS, 7, L_NL, 0},
    {"tachtig", K_TENS, 8, L_NL, 0}, {"negentig", K_TENS, 9, L_NL, 0},
    {"honderd", K_HUNDRED, 0, L_NL, 0}, {"duizend", K_THOUSAND, 0, L_NL, 0},
    {"dubbel", K_MULT, 2, L_NL, 0}, {"apenstaartje", K_AT, 0, L_NL, 0}, {"punt", K_DOT, '.', L_NL, 0},
    {"streepje", K_SEP, '-', L_NL, 0},
    /* Portuguese */
    {"um", K_DIGIT, 1, L_PT, FA | FS}, {"uma", K_DIGIT, 1, L_PT, FS}, {"dois", K_DIGIT, 2, L_PT, 0},
    {"duas", K_DIGIT, 2, L_PT, 0}, {"três", K_DIGIT, 3, L_PT, 0}, {"quatro", K_DIGIT, 4, L_PT, 0},
    {"sete", K_DIGIT, 7, L_PT, 0}, {"oito", K_DIGIT, 8, L_PT, 0},
    {"dez", K_TEEN, 10, L_PT, 0}, {"doze", K_TEEN, 12, L_PT, 0}, {"treze", K_TEEN, 13, L_PT, 0},
    {"catorze", K_TEEN, 14, L_PT, 0}, {"dezesseis", K_TEEN, 16, L_PT, 0}, {"dezasseis", K_TEEN, 16, L_PT, 0},
    {"dezessete", K_TEEN, 17, L_PT, 0}, {"dezassete", K_TEEN, 17, L_PT, 0}, {"dezoito", K_TEEN, 18, L_PT, 0},
    {"dezenove", K_TEEN, 19, L_PT, 0}, {"dezanove", K_TEEN, 19, L_PT, 0},
    {"vinte", K_TENS, 2, L_PT, 0}, {"trinta", K_TENS, 3, L_PT, 0}, {"quarenta", K_TENS, 4, L_PT, 0},
    {"cinquenta", K_TENS, 5, L_PT, 0}, {"sessenta", K_TENS, 6, L_PT, 0}, {"oitenta", K_TENS, 8, L_PT, 0},
    {"cem", K_HUNDRED, 0, L_PT, 0}, {"duplo", K_MULT, 2, L_PT, 0}, {"dupla", K_MULT, 2, L_PT, 0},
    {"tripla", K_MULT, 3, L_PT, 0}, {"mais", K_PLUS, 0, L_PT, FA}, {"ponto", K_DOT, '.', L_PT, 0},
    {"hífen", K_SEP, '-', L_PT, 0}, {"hifen", K_SEP, '-', L_PT, 0}, {"traço", K_SEP, '-', L_PT, 0},
};

/* One-word compounds: it "ventitré", es "veintitrés", de "dreiundzwanzig",
 * nl "drieëntwintig" (tens + unit, or unit + "und"/"en" + tens). */
typedef struct nw { const char *w; uint8_t v; } nw;
static const nw it_tens[] = { {"venti", 2}, {"trenta", 3}, {"quaranta", 4}, {"cinquanta", 5}, {"sessanta", 6},
                              {"settanta", 7}, {"ottanta", 8}, {"novanta", 9}, {NULL, 0} };
static const nw it_units[] = { {"uno", 1}, {"due", 2}, {"tre", 3}, {"tré", 3}, {"quattro", 4}, {"cinque", 5},
                               {"sei", 6}, {"sette", 7}, {"otto", 8}, {"nove", 9}, {NULL, 0} };
static const nw es_units[] = { {"uno", 1}, {"ún", 1}, {"dós", 2}, {"dos", 2}, {"trés", 3}, {"tres", 3},
                               {"cuatro", 4}, {"cinco", 5}, {"séis", 6}, {"seis", 6}, {"siete", 7},
                               {"ocho", 8}, {"nueve", 9}, {NULL, 0} };
static const nw de_units[] = { {"ein", 1}, {"zwei", 2}, {"drei", 3}, {"vier", 4}, {"fünf", 5}, {"fuenf", 5},
                               {"sechs", 6}, {"sieben", 7}, {"acht", 8}, {"neun", 9}, {NULL, 0} };
static const nw de_tens[] = { {"zwanzig", 2}, {"dreißig", 3}, {"dreissig", 3}, {"vierzig", 4}, {"fünfzig", 5},
                              {"fuenfzig", 5}, {"sechzig", 6}, {"siebzig", 7}, {"achtzig", 8}, {"neunzig", 9},
                              {NULL, 0} };
static const nw nl_units[] = { {"een", 1}, {"één", 1}, {"twee", 2}, {"drie", 3}, {"vier", 4}, {"vijf", 5},
                               {"zes", 6}, {"zeven", 7}, {"acht", 8}, {"negen", 9}, {NULL, 0} };
static const nw nl_tens[] = { {"twintig", 2}, {"dertig", 3}, {"veertig", 4}, {"vijftig", 5}, {"zestig", 6},
                              {"zeventig", 7}, {"tachtig", 8}, {"negentig", 9}, {NULL, 0} };
static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
static int lead_punct(unsigned char c) { return c == '"' || c == '\'' || c == '(' || c == '[' || c == '{'; }
static int tail_punct(unsigned char c)
{
    return c == ',' || c == '.' || c == ';' || c == ':' || c == '!' || c == '?' || c == '"' || c == '\'' ||
           c == ')' || c == ']' || c == '}' || c == '-';
}

/* Value of p[0..n) in list l, 0 if absent. */
static int nw_val(const nw *l, const char *p, size_t n)
{
    for (; l->w; l++)
        if (strlen(l->w) == n && memcmp(l->w, p, n) == 0) return l->v;
    return 0;
}

/* Compound two-digit number in low[0..n) for the languages in mask: value and
 * its language, or 0. */
static int compound(const char *low, size_t n, unsigned mask, uint8_t *lang)
{
    if (mask & L_IT)
        for (const nw *s = it_tens; s->w; s++) {
            size_t sl = strlen(s->w);
            for (size_t cut = 0; cut <= 1; cut++) {   /* "ventuno", "ventotto": the stem's vowel elided */
                size_t l = sl - cut;
                if (n <= l || memcmp(low, s->w, l) != 0) continue;
                int u = nw_val(it_units, low + l, n - l);
                if (u && (cut == (low[l] == 'u' || low[l] == 'o'))) {
                    *lang = L_IT;
                    return s->v * 10 + u;
                }
            }
        }
    if ((mask & L_ES) && n > 6 && memcmp(low, "veinti", 6) == 0) {
        int u = nw_val(es_units, low + 6, n - 6);
        if (u) {
            *lang = L_ES;
            return 20 + u;
        }
    }
    static const struct { const nw *units, *tens; const char *join[2]; uint8_t lang; } ut[] = {
        { de_units, de_tens, { "und", NULL }, L_DE },
        { nl_units, nl_tens, { "en", "\xC3\xABn" }, L_NL },
    };
    for (size_t k = 0; k < sizeof ut / sizeof ut[0]; k++) {
        if (!(mask & ut[k].lang)) continue;
        for (const nw *u = ut[k].units; u->w; u++) {
            size_t ul = strlen(u->w);
            if (n <= ul || memcmp(low, u->w, ul) != 0) continue;
            for (int j = 0; j < 2 && ut[k].join[j]; j++) {
                size_t jl = strlen(ut[k].join[j]);
                if (n <= ul + jl || memcmp(low + ul, ut[k].join[j], jl) != 0) continue;
                int tv = nw_val(ut[k].tens, low + ul + jl, n - ul - jl);
                if (tv) {
                    *lang = ut[k].lang;
                    return tv * 10 + u->v;
                }
            }
        }
    }
    return 0;
}

/* French hyphenated numbers in one word: "dix-sept", "vingt-et-un",
 * "soixante-douze", "quatre-vingts", "quatre-vingt-dix-neuf": value or -1. */
static int fr_compound(const char *low, size_t n)
{
    static const nw fr_units[] = { {"un", 1}, {"une", 1}, {"deux", 2}, {"trois", 3}, {"quatre", 4}, {"cinq", 5},
                                   {"six", 6}, {"sept", 7}, {"huit", 8}, {"neuf", 9}, {NULL, 0} };
    static const nw fr_teens[] = { {"dix", 10}, {"onze", 11}, {"douze", 12}, {"treize", 13}, {"quatorze", 14},
                                   {"quinze", 15}, {"seize", 16}, {NULL, 0} };
    static const nw fr_tens[] = { {"vingt", 20}, {"trente", 30}, {"quarante", 40}, {"cinquante", 50},
                                  {"soixante", 60}, {NULL, 0} };
    const char *part[6];
    size_t pl[6], np = 0, a = 0;
    while (a <= n) {
        const char *e = memchr(low + a, '-', n - a);
        size_t b = e ? (size_t)(e - low) : n;
        if (np == 6 || b == a) return -1;
        part[np] = low + a;
        pl[np++] = b - a;
        a = b + 1;
    }
    if (np < 2) return -1;
    size_t i = 0;
    int tens = 0, teen = 0, unit = 0;
    if (pl[0] == 6 && memcmp(part[0], "quatre", 6) == 0 && np > 1 &&
        ((pl[1] == 5 && memcmp(part[1], "vingt", 5) == 0) || (pl[1] == 6 && memcmp(part[1], "vingts", 6) == 0))) {
        tens = 80;
        i = 2;
        if (pl[1] == 6 && i < np) return -1;    /* "quatre-vingts" only alone */
    } else if ((tens = nw_val(fr_tens, part[0], pl[0])) != 0) {
        i = 1;
    }
    if (i < np && pl[i] == 2 && memcmp(part[i], "et", 2) == 0) {
        if (!tens || tens == 80 || i + 1 >= np) return -1;
        i++;
    }
    if (i < np && (teen = nw_val(fr_teens, part[i], pl[i])) != 0) {
        if (tens && tens != 60 && tens != 80) return -1;
        i++;
    }
    if (i < np && (unit = nw_val(fr_units, part[i], pl[i])) != 0) {
        if (teen && (teen != 10 || unit < 7)) return -1;
        if (!tens && !teen) return -1;
        i++;
    }
    if (i != np) return -1;
    return tens + teen + unit;
}

/* Lower-case p[0..n) into low (ASCII and the Latin-1 capitals of UTF-8). */
static int lower(const char *p, size_t n, char *low, size_t cap)
{
    if (n >= cap) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        else if (i > 0 && (unsigned char)p[i - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97) c += 0x20;
        low[i] = (char)c;
    }
    return 1;
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
    char low[32];
    if (!lower(p, n, low, sizeof low)) return;
    for (size_t k = 0; k < sizeof lexicon / sizeof lexicon[0]; k++) {
        const struct lex *x = &lexicon[k];
        if (!(x->lang & mask) || strlen(x->w) != n || memcmp(x->w, low, n) != 0) continue;
        if (t->lang) {              /* the same word again in another language */
            t->lang |= x->lang & mask;
            continue;
        }
        t->kind = x->kind;
        t->val = x->val;
        t->lang = x->lang & mask;
        t->amb = (uint8_t)((x->flag & FS) || (all && (x->flag & FA)));
    }
    if (t->lang) return;
    uint8_t lang = 0;
    int v = compound(low, n, mask, &lang);
    if (!v && (mask & L_FR) && memchr(low, '-', n)) {
        int f = fr_compound(low, n);
        if (f > 0) v = f, lang = L_FR;
    }
    if (v) {
        t->kind = v % 10 == 0 && v >= 20 ? K_TENS : K_TEEN;   /* "quatre-vingts", "soixante-dix" = 70 is a teen */
        t->val = (uint8_t)(t->kind == K_TENS ? v / 10 : v);
        t->lang = lang;
    }
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

/* Spelling alphabets: ITU/NATO (en), the Italian telephone alphabet, DIN
 * 5009 (de: the traditional names and the 2022 city names), the French,
 * Spanish and Dutch telephone alphabets. Words of one letter only. */
static const struct pho { const char *w; char letter; uint8_t lang; } phonetic[] = {
    {"alfa", 'A', L_EN}, {"alpha", 'A', L_EN}, {"bravo", 'B', L_EN}, {"charlie", 'C', L_EN}, {"delta", 'D', L_EN},
    {"echo", 'E', L_EN}, {"foxtrot", 'F', L_EN}, {"golf", 'G', L_EN}, {"hotel", 'H', L_EN | L_IT},
    {"india", 'I', L_EN}, {"juliet", 'J', L_EN}, {"juliett", 'J', L_EN}, {"kilo", 'K', L_EN | L_ES},
    {"lima", 'L', L_EN}, {"mike", 'M', L_EN}, {"november", 'N', L_EN}, {"oscar", 'O', L_EN | L_FR},
    {"papa", 'P', L_EN}, {"quebec", 'Q', L_EN}, {"romeo", 'R', L_EN}, {"sierra", 'S', L_EN}, {"tango", 'T', L_EN},
    {"uniform", 'U', L_EN}, {"victor", 'V', L_EN | L_FR | L_NL}, {"whiskey", 'W', L_EN}, {"whisky", 'W', L_EN},
    {"x-ray", 'X', L_EN}, {"xray", 'X', L_EN}, {"yankee", 'Y', L_EN}, {"zulu", 'Z', L_EN},
    {"ancona", 'A', L_IT}, {"bologna", 'B', L_IT}, {"bari", 'B', L_IT}, {"como", 'C', L_IT},
    {"domodossola", 'D', L_IT}, {"empoli", 'E', L_IT}, {"firenze", 'F', L_IT}, {"genova", 'G', L_IT},
    {"imola", 'I', L_IT}, {"jolly", 'J', L_IT}, {"kappa", 'K', L_IT}, {"livorno", 'L', L_IT}, {"milano", 'M', L_IT},
    {"napoli", 'N', L_IT}, {"otranto", 'O', L_IT}, {"palermo", 'P', L_IT}, {"padova", 'P', L_IT},
    {"quarto", 'Q', L_IT}, {"roma", 'R', L_IT}, {"savona", 'S', L_IT}, {"torino", 'T', L_IT}, {"udine", 'U', L_IT},
    {"venezia", 'V', L_IT}, {"washington", 'W', L_IT | L_ES}, {"xeres", 'X', L_IT}, {"yacht", 'Y', L_IT},
    {"york", 'Y', L_IT}, {"zara", 'Z', L_IT},
    {"anton", 'A', L_DE | L_NL}, {"berta", 'B', L_DE}, {"cäsar", 'C', L_DE}, {"dora", 'D', L_DE}, {"emil", 'E', L_DE},
    {"friedrich", 'F', L_DE}, {"gustav", 'G', L_DE}, {"heinrich", 'H', L_DE}, {"ida", 'I', L_DE},
    {"julius", 'J', L_DE}, {"kaufmann", 'K', L_DE}, {"ludwig", 'L', L_DE}, {"martha", 'M', L_DE},
    {"nordpol", 'N', L_DE}, {"otto", 'O', L_DE | L_NL}, {"paula", 'P', L_DE}, {"quelle", 'Q', L_DE},
    {"richard", 'R', L_DE | L_NL}, {"samuel", 'S', L_DE}, {"siegfried", 'S', L_DE}, {"theodor", 'T', L_DE},
    {"ulrich", 'U', L_DE}, {"viktor", 'V', L_DE}, {"wilhelm", 'W', L_DE}, {"xanthippe", 'X', L_DE},
    {"ypsilon", 'Y', L_DE | L_NL}, {"zacharias", 'Z', L_DE}, {"zeppelin", 'Z', L_DE},
    {"aachen", 'A', L_DE}, {"berlin", 'B', L_DE}, {"chemnitz", 'C', L_DE}, {"düsseldorf", 'D', L_DE},
    {"essen", 'E', L_DE}, {"frankfurt", 'F', L_DE}, {"goslar", 'G', L_DE}, {"hamburg", 'H', L_DE},
    {"ingelheim", 'I', L_DE}, {"jena", 'J', L_DE}, {"köln", 'K', L_DE}, {"leipzig", 'L', L_DE},
    {"münchen", 'M', L_DE}, {"nürnberg", 'N', L_DE}, {"offenbach", 'O', L_DE}, {"potsdam", 'P', L_DE},
    {"quickborn", 'Q', L_DE}, {"rostock", 'R', L_DE}, {"salzwedel", 'S', L_DE}, {"tübingen", 'T', L_DE},
    {"unna", 'U', L_DE}, {"völklingen", 'V', L_DE}, {"wuppertal", 'W', L_DE}, {"xanten", 'X', L_DE},
    {"zwickau", 'Z', L_DE},
    {"anatole", 'A', L_FR}, {"berthe", 'B', L_FR}, {"célestin", 'C', L_FR}, {"désiré", 'D', L_FR},
    {"eugène", 'E', L_FR}, {"françois", 'F', L_FR}, {"gaston", 'G', L_FR}, {"henri", 'H', L_FR},
    {"irma", 'I', L_FR}, {"joseph", 'J', L_FR}, {"kléber", 'K', L_FR}, {"louis", 'L', L_FR}, {"marcel", 'M', L_FR},
    {"nicolas", 'N', L_FR}, {"pierre", 'P', L_FR}, {"quintal", 'Q', L_FR}, {"raoul", 'R', L_FR},
    {"suzanne", 'S', L_FR}, {"thérèse", 'T', L_FR}, {"ursule", 'U', L_FR}, {"william", 'W', L_FR},
    {"xavier", 'X', L_FR}, {"yvonne", 'Y', L_FR}, {"zoé", 'Z', L_FR},
    {"antonio", 'A', L_ES}, {"barcelona", 'B', L_ES}, {"carmen", 'C', L_ES}, {"dolores", 'D', L_ES},
    {"enrique", 'E', L_ES}, {"francia", 'F', L_ES}, {"gerona", 'G', L_ES}, {"historia", 'H', L_ES},
    {"inés", 'I', L_ES}, {"josé", 'J', L_ES}, {"lorenzo", 'L', L_ES}, {"madrid", 'M', L_ES},
    {"navarra", 'N', L_ES}, {"oviedo", 'O', L_ES}, {"parís", 'P', L_ES}, {"querido", 'Q', L_ES},
    {"ramón", 'R', L_ES}, {"sábado", 'S', L_ES}, {"tarragona", 'T', L_ES}, {"ulises", 'U', L_ES},
    {"valencia", 'V', L_ES}, {"xilófono", 'X', L_ES}, {"yegua", 'Y', L_ES}, {"zaragoza", 'Z', L_ES},
    {"bernard", 'B', L_NL}, {"cornelis", 'C', L_NL}, {"dirk", 'D', L_NL}, {"eduard", 'E', L_NL},
    {"ferdinand", 'F', L_NL}, {"gerard", 'G', L_NL}, {"hendrik", 'H', L_NL}, {"izaak", 'I', L_NL},
    {"johan", 'J', L_NL}, {"karel", 'K', L_NL}, {"lodewijk", 'L', L_NL}, {"maria", 'M', L_NL}, {"nico", 'N', L_NL},
    {"pieter", 'P', L_NL}, {"quotiënt", 'Q', L_NL}, {"simon", 'S', L_NL}, {"theodoor", 'T', L_NL},
    {"utrecht", 'U', L_NL}, {"willem", 'W', L_NL}, {"xantippe", 'X', L_NL}, {"zaandam", 'Z', L_NL},
};

/* The letter a word stands for in the active languages' spelling alphabets, or 0. */
static char pho_letter(const stok *t, unsigned mask)
{
    if (t->kind != K_WORD || t->cn < 3) return 0;
    char low[32];
    if (!lower(t->core, t->cn, low, sizeof low)) return 0;
    for (size_t k = 0; k < sizeof phonetic / sizeof phonetic[0]; k++)
        if ((phonetic[k].lang & mask) && strlen(phonetic[k].w) == t->cn && memcmp(phonetic[k].w, low, t->cn) == 0)
            return phonetic[k].letter;
    return 0;
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

/* Served languages by ISO 639-1 code or English name. */
static const struct { const char *code, *name; uint8_t lang; } langs[] = {
    {"en", "english", L_EN}, {"it", "italian", L_IT}, {"de", "german", L_DE}, {"fr", "french", L_FR},
    {"es", "spanish", L_ES}, {"nl", "dutch", L_NL}, {"pt", "portuguese", L_PT},
};

int cvi_spoken_set_lang(cv_spoken *s, const char *lang, size_t n)
{
    s->langs = 0;
    if (!lang) return 0;
    char low[16];
    size_t k = 0;
    while (k < n && k < sizeof low && lang[k] != '-' && lang[k] != '_') {
        low[k] = (char)((lang[k] >= 'A' && lang[k] <= 'Z') ? lang[k] | 0x20 : lang[k]);
        k++;
    }
    if (k == sizeof low || (k < n && lang[k] != '-' && lang[k] != '_')) return 0;
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
        if ((k == 2 && memcmp(low, langs[i].code, 2) == 0) ||
            (strlen(langs[i].name) == k && memcmp(low, langs[i].name, k) == 0)) {
            s->langs = langs[i].lang;
            return 1;
        }
    return 0;
}
