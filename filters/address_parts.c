/*
 * address_parts.c - the parts of an address around its street line (the
 * address detector, address.c): flat, floor and door parts ("Flat 3", "2º
 * B"), the postcode and city after it on the same line, and PO boxes
 * ("PO Box 123", "Postfach 12 34", "Caixa Postal 123").
 */
#include <string.h>

#include "address.h"

/* ---- the parts around a street line ------------------------------------ */

static const lexw unit_words[] = {
    W("flat"), W("apt"), W("apartment"), W("unit"), W("suite"), W("ste"), W("floor"), W("fl"), W("piso"),
    W("planta"), W("puerta"), W("pta"), W("esc"), W("escalera"), W("étage"), W("etage"), W("appartement"),
    W("appt"), W("bât"), W("bâtiment"), W("bat"), W("interno"), W("int"), W("scala"), W("piano"), W("bus"),
    W("bte"), W("boîte"), W("wohnung"), W("whg"), W("stiege"), W("top"), W("stock"), W("og"), W("andar"), W("apto"),
    W("apartamento"), W("bloco"), W("lote"), W("sala"), W("dto"), W("dta"), W("esq"), W("dcha"), W("dcho"),
    W("izq"), W("izda"), W("izqda"), W("hs"), W("huis"), W("portal"), W("bajo"), W("ático"), W("atico"), W("room"),
    W("rm"), W("block"), W("blk"), W("building"), W("bldg"), W("casa"), W("edificio"), W("edifício"), W("pal"),
    W("palazzina"), W("lotto"), W("app"), W("tor"), W("bloque"), W("ap"), W("cj"), W("conj"),
    W("conjunto"), W("loja"), W("lj"), W("nave"), W("parcela"), W("porte"), W("escalier"), W("galpão"),
    W("galpao"), W("lot"), W("quadra"), W("qd"), W("bl"), W("hoog"), { NULL, 0 },
};

/* A floor's position, spelled ("third floor", "terzo piano", "dritter
 * Stock", "segundo andar", "primero derecha"), before a floor or side word. */
static const lexw floor_ordinals[] = {
    W("ground"), W("first"), W("second"), W("third"), W("fourth"), W("fifth"), W("top"), W("basement"),
    W("primo"), W("secondo"), W("terzo"), W("quarto"), W("quinto"), W("ultimo"), W("primero"), W("segundo"),
    W("tercero"), W("tercer"), W("cuarto"), W("primer"), W("premier"), W("deuxième"), W("deuxieme"),
    W("troisième"), W("troisieme"), W("quatrième"), W("quatrieme"), W("dernier"), W("erster"), W("zweiter"),
    W("dritter"), W("vierter"), W("ersten"), W("zweiten"), W("dritten"), W("vierten"), W("primeiro"),
    W("terceiro"), W("eerste"), W("tweede"), W("derde"), W("vierde"), { NULL, 0 },
};
static const lexw floor_words[] = {
    W("floor"), W("piano"), W("stock"), W("etage"), W("étage"), W("andar"), W("piso"), W("planta"), W("verdieping"),
    W("derecha"), W("izquierda"), W("dcha"), W("izda"), W("direito"), W("esquerdo"), W("esq"), W("dto"),
    W("flat"), W("obergeschoss"), W("og"), { NULL, 0 },
};

/* A floor or a place in the building with no number ("ático", "bajo",
 * "Dachgeschoss", "rez-de-chaussée", "sobreloja", "fundos", "cave",
 * "entreplanta"): taken after a street line only. */
static const lexw floor_alone[] = {
    W("ático"), W("atico"), W("bajo"), W("entreplanta"), W("entresuelo"), W("sobreloja"), W("fundos"), W("cave"),
    W("dachgeschoss"), W("erdgeschoss"), W("souterrain"), W("rez-de-chaussée"), W("rez-de-chaussee"), W("r/c"),
    W("rés-do-chão"), W("res-do-chao"), W("basement"), W("penthouse"), W("mezzanine"), W("pral"), W("principal"),
    W("entlo"), { NULL, 0 },
};

/* An ordinal floor or door: "2º", "2ª", "3°", "3e", "3ème", "1er", "1st". */
static size_t ordinal_at(const char *t, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)t;
    size_t j = i;
    while (j < len && is_digit(p[j]) && j - i < 3) j++;
    if (j == i) return 0;
    if (j + 1 < len && p[j] == 0xC2 && (p[j + 1] == 0xBA || p[j + 1] == 0xAA || p[j + 1] == 0xB0)) return j + 2;
    /* "2.º", "3.ª": the Portuguese way */
    if (j + 2 < len && p[j] == '.' && p[j + 1] == 0xC2 && (p[j + 2] == 0xBA || p[j + 2] == 0xAA)) return j + 3;
    if (j + 1 < len && p[j] == '.' && p[j + 1] == 0xC2) return 0;
    static const char *const suf[] = { "ème", "eme", "er", "re", "e", "st", "nd", "rd", "th", "o", "a", NULL };
    for (size_t k = 0; suf[k]; k++) {
        size_t m = strlen(suf[k]);
        if (j + m <= len && strncmp(t + j, suf[k], m) == 0 && !(j + m < len && letter_at(t, len, j + m))) return j + m;
    }
    return 0;
}

/* A short value after a unit word: "3", "4B", "B", "II", "3-2". */
static size_t unit_value(const char *t, size_t len, size_t i)
{
    size_t j = i;
    if (j < len && t[j] == '.') j++;
    j = skip_spaces(t, len, j);
    if (j < len && (t[j] == '#' || t[j] == ':')) j = skip_spaces(t, len, j + 1);
    size_t s = j;
    while (j < len && j - s < 6 && (is_digit((unsigned char)t[j]) || is_ascii_letter((unsigned char)t[j]) || t[j] == '-'))
        j++;
    if (j == s || (j < len && letter_at(t, len, j))) return 0;
    /* a bare word is no value ("floor plan"): a digit, or one or two letters */
    int dig = 0;
    for (size_t k = s; k < j; k++) dig |= is_digit((unsigned char)t[k]);
    if (!dig && j - s > 2) return 0;
    if (j < len && t[j] == '.' && j + 1 < len && is_digit((unsigned char)t[j + 1])) return 0;
    size_t o = ordinal_at(t, len, s);
    return o > j ? o : j;
}

/* A flat part that needs no street line beside it: "Flat 4C", "Apt 5",
 * "Apartment 302", "Suite 1350", "appartement 12", "apto 41" (a word that
 * says a home and its value; "unit", "floor", "interno", "piso" are other
 * things as often). Returns its end, or 0. */
static const lexw home_words[] = {
    W("flat"), W("apt"), W("apartment"), W("suite"), W("appartement"), W("appt"), W("apto"), W("apartamento"),
    W("wohnung"), W("whg"), { NULL, 0 },
};

size_t cvi_address_flat(const char *t, size_t len, size_t s)
{
    word w;
    if (!word_at(t, len, s, &w) || !in_lex(w.lc, w.n, home_words)) return 0;
    size_t e = unit_value(t, len, w.e);
    if (!e) return 0;
    /* its value holds a digit: "Flat 4C", not "flat out", "apt to"; only
     * digits, it ends a phrase: "Flat 3,", not "the flat 3 times" */
    int dig = 0, alpha = 0;
    for (size_t k = w.e; k < e; k++) {
        dig |= is_digit((unsigned char)t[k]);
        alpha |= is_ascii_letter((unsigned char)t[k]);
    }
    if (!dig) return 0;
    if (!alpha) {
        size_t p = skip_spaces(t, len, e);
        if (p > e && p < len && (letter_at(t, len, p) || is_digit((unsigned char)t[p])) && !(t[p] >= 'A' && t[p] <= 'Z'))
            return 0;
    }
    return e;
}

/* A flat/floor/door part starting at i: "Flat 3", "Apt 4B", "2º B", "3e
 * étage", "piso 2", "interno 4", "bus 3", "1º Dto". Returns its end or 0. */
static size_t unit_part(const char *t, size_t len, size_t i)
{
    word w;
    size_t o = ordinal_at(t, len, i);
    if (o) {
        /* "2º B", "2º Dcha", "3e étage", "2ª planta", "1º Esq." */
        size_t p = skip_spaces(t, len, o);
        if (p > o && word_at(t, len, p, &w) && (in_lex(w.lc, w.n, unit_words) || (w.e - w.s == 1 && w.cap)))
            return w.e + (w.e < len && t[w.e] == '.');
        if (p > o && p < len && is_ascii_letter((unsigned char)t[p]) && !(p + 1 < len && letter_at(t, len, p + 1)))
            return p + 1;
        return o;
    }
    /* "3. Stock", "2. OG", "4. Etage": a German ordinal and its floor word;
     * "3-hoog", "2 hoog": a Dutch floor */
    if (i < len && is_digit((unsigned char)t[i])) {
        size_t j = i;
        while (j < len && is_digit((unsigned char)t[j]) && j - i < 2) j++;
        if (j >= len) return 0;
        if (t[j] == '.') {
            size_t r = skip_spaces(t, len, j + 1);
            return r > j + 1 && word_at(t, len, r, &w) && in_lex(w.lc, w.n, floor_words) ? w.e : 0;
        }
        size_t r = t[j] == '-' ? j + 1 : t[j] == ' ' ? skip_spaces(t, len, j) : j;
        return r > j && word_at(t, len, r, &w) && w.n == 4 && !memcmp(w.lc, "hoog", 4) ? w.e : 0;
    }
    /* "#3R", "# 12": a US unit */
    if (i + 1 < len && t[i] == '#') {
        size_t j = skip_spaces(t, len, i + 1), k = j;
        while (k < len && k - j < 5 && (is_digit((unsigned char)t[k]) || is_ascii_letter((unsigned char)t[k]))) k++;
        int dig = 0;
        for (size_t x = j; x < k; x++) dig |= is_digit((unsigned char)t[x]);
        return dig && !(k < len && letter_at(t, len, k)) ? k : 0;
    }
    if (!word_at(t, len, i, &w)) return 0;
    if (in_lex(w.lc, w.n, floor_alone)) return w.e + (w.e < len && t[w.e] == '.');
    if (in_lex(w.lc, w.n, floor_ordinals)) {
        word f;
        size_t q = skip_spaces(t, len, w.e);
        if (q > w.e && word_at(t, len, q, &f) && in_lex(f.lc, f.n, floor_words)) {
            /* "segundo andar", "primero derecha", "top floor flat" */
            size_t r = skip_spaces(t, len, f.e);
            word g;
            if (r > f.e && word_at(t, len, r, &g) && (in_lex(g.lc, g.n, floor_words) || in_lex(g.lc, g.n, home_words)))
                return g.e;
            return f.e + (f.e < len && t[f.e] == '.');
        }
        return 0;
    }
    /* suffixes that stand alone: NL "hs" (ground floor), "bg", "huis"; FR "bis", "ter" */
    static const lexw bare[] = { W("hs"), W("huis"), W("bg"), W("bis"), W("ter"), W("boven"), { NULL, 0 } };
    if (in_lex(w.lc, w.n, bare)) return w.e;
    if (!in_lex(w.lc, w.n, unit_words)) return 0;
    return unit_value(t, len, w.e);
}

/* A loose postcode shape for the line's tail (postcode.c validates codes
 * found alone): 4-5 digits, with -3/-4 digits, NL "1234 AB", UK and IE
 * alphanumerics. Returns its end or 0. */
size_t cvi_address_tail_code(const char *t, size_t len, size_t i)
{
    /* "D-20099", "A-1010", "CH-8001", "L-1750", "F-75008": the country's letters first */
    if (i + 3 < len && t[i] >= 'A' && t[i] <= 'Z') {
        size_t k = i + 1;
        if (t[k] >= 'A' && t[k] <= 'Z') k++;
        if (k + 1 < len && t[k] == '-' && is_digit((unsigned char)t[k + 1])) {
            size_t j = k + 1;
            while (j < len && is_digit((unsigned char)t[j])) j++;
            if ((j - k - 1 == 4 || j - k - 1 == 5) && !(j < len && (letter_at(t, len, j) || is_digit((unsigned char)t[j]))))
                return j;
            return 0;
        }
    }
    size_t j = i;
    while (j < len && is_digit((unsigned char)t[j])) j++;
    size_t n = j - i;
    if (n == 4 || n == 5) {
        if (j + 1 < len && t[j] == '-' && is_digit((unsigned char)t[j + 1])) {
            size_t k = j + 1;
            while (k < len && is_digit((unsigned char)t[k])) k++;
            if (k - j - 1 == 3 || k - j - 1 == 4) j = k;
            else return 0;
        } else if (n == 4 && j + 2 < len && t[j] == ' ' && (t[j + 1] >= 'A' && t[j + 1] <= 'Z') &&
                   (t[j + 2] >= 'A' && t[j + 2] <= 'Z') && !(j + 3 < len && letter_at(t, len, j + 3))) {
            j += 3;
        }
        if (j < len && (letter_at(t, len, j) || is_digit((unsigned char)t[j]))) return 0;
        return j;
    }
    if (n) return 0;
    /* UK / IE: letters then a digit, then the inward part */
    j = i;
    while (j < len && j - i < 2 && t[j] >= 'A' && t[j] <= 'Z') j++;
    if (j == i || j >= len || !is_digit((unsigned char)t[j])) return 0;
    while (j < len && j - i < 4 && (is_digit((unsigned char)t[j]) || (t[j] >= 'A' && t[j] <= 'Z'))) j++;
    if (j < len && t[j] == ' ') {
        size_t k = j + 1;
        while (k < len && k - j - 1 < 4 && (is_digit((unsigned char)t[k]) || (t[k] >= 'A' && t[k] <= 'Z'))) k++;
        if (k - j - 1 >= 3 && !(k < len && letter_at(t, len, k))) return k;
    }
    if (j < len && letter_at(t, len, j)) return 0;
    return 0;
}

/* A city: one to three capitalised words ("Paris", "São Paulo", "New
 * York"), or with the connectors of a place name ("Castelnuovo del Garda"). */
static size_t city_at(const char *t, size_t len, size_t i)
{
    word w;
    /* words that start a sentence, not a place ("New York", "Los Angeles" are places) */
    static const lexw not_city[] = {
    W("the"), W("and"), W("or"), W("but"), W("thanks"), W("thank"), W("please"), W("i"), W("we"), W("you"), W("it"),
    W("is"), W("my"), W("our"), W("your"), W("ok"), W("also"), W("then"), W("danke"), W("bitte"), W("merci"),
    W("grazie"), W("gracias"), W("obrigado"), W("obrigada"), W("bedankt"), W("ich"), W("je"), W("io"), W("yo"),
    W("eu"), W("ik"), W("can"), W("could"), W("call"), { NULL, 0 },
};
    if (!word_at(t, len, i, &w) || !w.cap || in_lex(w.lc, w.n, cvi_address_units) || in_lex(w.lc, w.n, not_city)) return 0;
    size_t e = w.e;
    for (int k = 0; k < 3; k++) {
        size_t p = skip_spaces(t, len, e);
        /* "Co. Dublin", "St. Albans": a short capitalised abbreviation and its place */
        if (p == e && e + 2 < len && t[e] == '.' && t[e + 1] == ' ' && e - w.s <= 3 && w.cap &&
            is_upper_at(t, len, e + 2) && word_at(t, len, e + 2, &w)) {
            e = w.e;
            continue;
        }
        if (p == e || !word_at(t, len, p, &w)) break;
        /* "London SW1A 1AA", "Roma RM": a code or a province, not the city */
        if (w.e < len && is_digit((unsigned char)t[w.e])) break;
        if (w.e - w.s <= 3 && is_upper_at(t, len, w.s + 1)) break;
        if (w.cap && !in_lex(w.lc, w.n, not_city)) { e = w.e; continue; }
        if (cvi_address_is_connector(&w)) {
            size_t q = skip_spaces(t, len, w.e);
            word x;
            if (q > w.e && word_at(t, len, q, &x) && x.cap) { e = x.e; k++; continue; }
        }
        break;
    }
    return e;
}

/* One to three words of letters, then a postcode shape: its end, or 0. */
static size_t town_then_code(const char *t, size_t len, size_t i)
{
    size_t p = i;
    for (int k = 0; k < 3; k++) {
        word w;
        if (!word_at(t, len, p, &w) || w.e - w.s > 24) return 0;
        p = skip_spaces(t, len, w.e);
        if (p == w.e || p >= len) return 0;
        if (is_digit((unsigned char)t[p])) {
            size_t c = cvi_address_tail_code(t, len, p);
            /* five digits or a code with its dash: four alone are too often a year or an amount */
            return c > p && (c - p >= 5) ? c : 0;
        }
    }
    return 0;
}

/* After a street line, on the same line: flat/floor parts, a postcode, a
 * city, a state or province code ("Roma RM", "Springfield, IL 62704",
 * "São Paulo - SP", "Dublin 2"). Returns the new end. */
size_t cvi_address_tail(const char *t, size_t len, size_t e)
{
    int had_code = 0, had_city = 0, district = 0;
    for (int round = 0; round < 8; round++) {
        size_t i = e;
        int comma = 0;
        if (i < len && t[i] == ',') i++, comma = 1;
        size_t p = skip_spaces(t, len, i);
        if (p + 1 < len && t[p] == '-' && t[p + 1] == ' ' && p > i) p = skip_spaces(t, len, p + 1), comma = 1;
        if (p == e) break;   /* nothing between: glued */
        if (p >= len) break;
        size_t n;
        if ((n = unit_part(t, len, p)) > p) { e = n; continue; }
        if (!had_code && (n = cvi_address_tail_code(t, len, p)) > p) { e = n; had_code = 1; continue; }
        /* "Dublin 2", "Dublin 24": a district after the city */
        if (had_city && !had_code && !district && is_digit((unsigned char)t[p])) {
            size_t k = p;
            while (k < len && is_digit((unsigned char)t[k]) && k - p < 2) k++;
            if (!(k < len && (is_digit((unsigned char)t[k]) || letter_at(t, len, k)))) { e = k; district = 1; continue; }
        }
        /* a state or province: two capitals ("IL", "RM", "SP") */
        if ((had_city || had_code) && p + 2 <= len && t[p] >= 'A' && t[p] <= 'Z' && t[p + 1] >= 'A' && t[p + 1] <= 'Z' &&
            !(p + 2 < len && letter_at(t, len, p + 2))) {
            e = p + 2;
            continue;
        }
        if (p < len && t[p] == '(' && p + 3 < len && t[p + 1] >= 'A' && t[p + 1] <= 'Z' && t[p + 2] >= 'A' &&
            t[p + 2] <= 'Z' && t[p + 3] == ')' && (had_city || had_code)) {
            e = p + 4;
            continue;
        }
        /* a city, or a district then its city ("Bela Vista, São Paulo") */
        if (had_city < 2 && (comma || had_code) && (n = city_at(t, len, p)) > p) { e = n; had_city++; continue; }
        /* typed in lower case: a town of one or two words (a state) and its
         * code ("roma 00178", "springfield il 62704", "seattle 98121") */
        if (!had_code && !had_city && (n = town_then_code(t, len, p)) > p) { e = n; had_code = had_city = 1; continue; }
        break;
    }
    return e;
}

/* Before a street line: a flat part and its comma ("Flat 3, 12 Acacia
 * Avenue", "Apt 4B 221 Baker St"). Returns the new start. */
size_t cvi_address_head(const char *t, size_t len, size_t s)
{
    size_t i = skip_spaces_back(t, s);
    if (i > 0 && t[i - 1] == ',') i = skip_spaces_back(t, i - 1);
    if (i == s) return s;
    /* the flat number, then its word */
    size_t j = i;
    while (j > 0 && (is_digit((unsigned char)t[j - 1]) || is_ascii_letter((unsigned char)t[j - 1]) || t[j - 1] == '-') &&
           i - j < 6)
        j--;
    if (j == i) return s;
    size_t k = skip_spaces_back(t, j);
    if (k == j) return s;   /* "Flat3" glued: rare, left to the street alone */
    if (k > 0 && t[k - 1] == '.') k--;
    word w;
    if (!word_ending(t, len, k, &w) || !in_lex(w.lc, w.n, unit_words)) return s;
    /* the unit word and its value must read as one part up to the comma */
    return unit_part(t, len, w.s) < i ? s : w.s;
}

/* ---- PO boxes ----------------------------------------------------------- */

static const char *const po_boxes[] = { "po box", "p.o. box", "p. o. box", "p.o.box", "p o box", "pobox",
                                        "postfach", "bp", "b.p.", "b.p", "apartado de correos", "apartado", "apdo.",
                                        "apdo", "caixa postal", "cx. postal", "cx postal", "casella postale",
                                        "postbus", "postbox", "post office box", "boîte postale", NULL };
/* their last words: a cheap test before the phrases */
static const lexw po_last[] = {
    W("box"), W("pobox"), W("postfach"), W("bp"), W("p"), W("correos"), W("apartado"), W("apdo"), W("postal"),
    W("postale"), W("postbus"), W("postbox"), { NULL, 0 },
};

static int lc_at(const char *t, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* A PO box keyword ends at e: returns its start, or (size_t)-1. "box"
 * alone and "c.p." only with "po"/"casella" forms above them. */
size_t cvi_address_po_keyword(const char *t, size_t e)
{
    size_t d = e > 0 && t[e - 1] == '.';
    /* the last two letters of po_last (or "b.p."), a cheap test first */
    if (e < d + 2) return (size_t)-1;
    {
        char x = (char)(t[e - d - 2] | 0x20), y = (char)(t[e - d - 1] | 0x20);
        static const char ends[] = "oxchbposdoalleus";
        int hit = y == 'p' && (x == '.' || x == ' ');
        for (size_t k = 0; !hit && k + 2 <= sizeof ends - 1; k += 2) hit = ends[k] == x && ends[k + 1] == y;
        if (!hit) return (size_t)-1;
    }
    word lw;
    if (!word_ending(t, e - d, e - d, &lw) || !in_lex(lw.lc, lw.n, po_last)) return (size_t)-1;
    for (size_t k = 0; po_boxes[k]; k++) {
        const char *w = po_boxes[k];
        size_t n = strlen(w);
        if (e < n) continue;
        size_t s = e - n, m = 0;
        while (m < n && lc_at(t, s + m) == (unsigned char)w[m]) m++;
        if (m < n) continue;
        if (s > 0 && letter_at(t, e, s - 1)) continue;
        return s;
    }
    return (size_t)-1;
}

/* "PO Box 123", "Postfach 12 34", "BP 45", "Apartado 123", "Caixa Postal
 * 123", "Casella postale 12": a keyword, then digits (groups of up to four
 * separated by one space). Returns the box's end, with *s its start; 0 if none. */
size_t cvi_address_po_box(const char *t, size_t len, size_t a, size_t *s)
{
    size_t i = skip_spaces_back(t, a);
    if (i > 0 && (t[i - 1] == ':' || t[i - 1] == '#')) i = skip_spaces_back(t, i - 1);
    if (i == a && a > 0) return 0;
    size_t ks = cvi_address_po_keyword(t, i);
    if (ks == (size_t)-1) return 0;
    size_t j = a, digits = 0;
    for (;;) {
        size_t g = j;
        while (j < len && is_digit((unsigned char)t[j])) j++;
        if (j - g > 6) return 0;
        digits += j - g;
        if (j + 1 < len && t[j] == ' ' && is_digit((unsigned char)t[j + 1]) && digits < 6) {
            size_t k = j + 1;
            while (k < len && is_digit((unsigned char)t[k])) k++;
            if (k - j - 1 <= 4 && !(k < len && letter_at(t, len, k))) { j++; continue; }
        }
        break;
    }
    if (j < len && (letter_at(t, len, j) || is_digit((unsigned char)t[j]))) return 0;
    /* a box number after a word that is also something else is followed
     * by its town or the end, not by a sentence ("Apartado 4 del contrato",
     * "BP 2 sur le schéma"); after "PO Box", "Postfach" it may be ("mail to
     * PO Box 9021 not the street address") */
    int plain_word = (lc_at(t, ks) == 'b' && (lc_at(t, ks + 1) == 'p' || t[ks + 1] == '.')) ||
                     (lc_at(t, ks) == 'a' && i - ks < 10);   /* "bp", "b.p.", "apartado", "apdo" */
    if (plain_word && j + 1 < len && t[j] == ' ' && (unsigned)(t[j + 1] - 'a') < 26u) return 0;
    *s = ks;
    return j;
}

