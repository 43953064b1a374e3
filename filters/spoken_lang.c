/*
 * spoken_lang.c - the per-language word tables of the spoken-form joiner
 * (spoken.c): number words, repeats, "plus" and e-mail words of en, it, de,
 * fr, es, nl and pt, one-word compound numbers, the spelling alphabets and
 * the served language names, with the lookups over them (spoken_lang.h) and
 * cvi_spoken_set_lang (spoken.h).
 */
#include <string.h>

#include "spoken.h"
#include "spoken_lang.h"

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

/* Lexicon words first, then one-word compounds. */
int cvi_spoken_number_word(const char *p, size_t n, unsigned mask, int all, uint8_t *kind, uint8_t *val,
                           uint8_t *lang, uint8_t *amb)
{
    char low[32];
    if (!lower(p, n, low, sizeof low)) return 0;
    for (size_t k = 0; k < sizeof lexicon / sizeof lexicon[0]; k++) {
        const struct lex *x = &lexicon[k];
        if (!(x->lang & mask) || strlen(x->w) != n || memcmp(x->w, low, n) != 0) continue;
        if (*lang) {                /* the same word again in another language */
            *lang |= x->lang & mask;
            continue;
        }
        *kind = x->kind;
        *val = x->val;
        *lang = x->lang & mask;
        *amb = (uint8_t)((x->flag & FS) || (all && (x->flag & FA)));
    }
    if (*lang) return 1;
    uint8_t lg = 0;
    int v = compound(low, n, mask, &lg);
    if (!v && (mask & L_FR) && memchr(low, '-', n)) {
        int f = fr_compound(low, n);
        if (f > 0) v = f, lg = L_FR;
    }
    if (!v) return 0;
    *kind = v % 10 == 0 && v >= 20 ? K_TENS : K_TEEN;   /* "quatre-vingts", "soixante-dix" = 70 is a teen */
    *val = (uint8_t)(*kind == K_TENS ? v / 10 : v);
    *lang = lg;
    return 1;
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

char cvi_spoken_spelled_letter(const char *p, size_t n, unsigned mask)
{
    char low[32];
    if (!lower(p, n, low, sizeof low)) return 0;
    for (size_t k = 0; k < sizeof phonetic / sizeof phonetic[0]; k++)
        if ((phonetic[k].lang & mask) && strlen(phonetic[k].w) == n && memcmp(phonetic[k].w, low, n) == 0)
            return phonetic[k].letter;
    return 0;
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
