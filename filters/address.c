/*
 * address.c - street addresses in free text (en GB/IE/US, it, de, fr, es,
 * nl, pt PT/BR): a house number next to a street-type word ("12 Acacia
 * Avenue", "12 rue de la Paix", "Via Roma 12", "Hauptstraße 5a", "Calle
 * Mayor 3, 2º B", "Kerkstraat 12"), with the flat/floor parts, PO boxes, and
 * the postcode and city that follow on the same line. A scanner over words
 * anchored on digit runs: a regex over every locale's grammar is both slow
 * and unreadable. Redacted by default ("[address]").
 */
#include <string.h>

#include "filters.h"

/* ---- characters and words -------------------------------------------- */

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_ascii_letter(unsigned char c) { return (unsigned)((c | 0x20) - 'a') < 26u; }
static int is_space(unsigned char c) { return c == ' ' || c == '\t'; }

/* A letter byte: ASCII letters and the bytes of UTF-8 letters (lead bytes
 * C3..DF, E1..EF and continuations); C2 (º ª ° NBSP £) and E2 (dashes,
 * quotes, €) sequences are symbols. */
static int letter_at(const char *t, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)t;
    unsigned char c = p[i];
    if (c < 0x80) return is_ascii_letter(c);
    if (c >= 0xC3 && c != 0xE2) return 1;
    if (c >= 0xC0) return 0;
    /* a continuation byte: find its lead */
    size_t j = i;
    while (j > 0 && (p[j] & 0xC0) == 0x80) j--;
    (void)len;
    return p[j] >= 0xC3 && p[j] != 0xE2;
}

static int is_upper_at(const char *t, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)t;
    if (p[i] >= 'A' && p[i] <= 'Z') return 1;
    return p[i] == 0xC3 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9E && p[i + 1] != 0x97;
}

typedef struct word {
    size_t s, e;     /* the word's bytes (letters, inner - ' ’) */
    int cap;         /* starts upper case */
    char lc[24];     /* lower case (ASCII and Latin-1 UTF-8), "" if too long */
} word;

static void word_lower(const char *t, word *w)
{
    size_t n = w->e - w->s, k = 0;
    if (n >= sizeof w->lc) { w->lc[0] = '\0'; return; }
    for (size_t i = w->s; i < w->e; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        else if (i > w->s && (unsigned char)t[i - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97) c += 0x20;
        w->lc[k++] = (char)c;
    }
    w->lc[k] = '\0';
}

/* "d'Orsay", "dell'Orso", "l’Opéra": an elided article before a capital
 * makes a capitalised word. */
static void elided_cap(const char *t, size_t len, word *w)
{
    if (w->cap) return;
    for (size_t i = w->s + 1; i < w->e && i < w->s + 5; i++) {
        size_t j = 0;
        if (t[i] == '\'') j = i + 1;
        else if ((unsigned char)t[i] == 0xE2 && i + 2 < w->e && (unsigned char)t[i + 2] == 0x99) j = i + 3;
        if (j) {
            w->cap = j < w->e && is_upper_at(t, len, j);
            return;
        }
    }
}

static int joiner_at(const char *t, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)t;
    if (p[i] == '-' || p[i] == '\'') return 1;
    return p[i] == 0xE2 && i + 2 < len && p[i + 1] == 0x80 && p[i + 2] == 0x99;   /* ’ */
}

static size_t joiner_len(const char *t, size_t i) { return (unsigned char)t[i] == 0xE2 ? 3 : 1; }

/* The word starting at i (a letter), or 0 if none. */
static int word_at(const char *t, size_t len, size_t i, word *w)
{
    if (i >= len || !letter_at(t, len, i)) return 0;
    size_t e = i;
    for (;;) {
        while (e < len && letter_at(t, len, e)) e++;
        if (e < len && joiner_at(t, len, e)) {
            size_t j = e + joiner_len(t, e);
            if (j < len && letter_at(t, len, j)) { e = j; continue; }
        }
        break;
    }
    w->s = i;
    w->e = e;
    w->cap = is_upper_at(t, len, i);
    word_lower(t, w);
    elided_cap(t, len, w);
    return 1;
}

/* The word ending right at e (exclusive), or 0. */
static int word_ending(const char *t, size_t len, size_t e, word *w)
{
    if (e == 0 || !letter_at(t, len, e - 1)) return 0;
    size_t s = e;
    for (;;) {
        while (s > 0 && letter_at(t, len, s - 1)) s--;
        if (s >= 2 && joiner_at(t, len, s - 1) && letter_at(t, len, s - 2)) { s -= 1; continue; }
        if (s >= 4 && (unsigned char)t[s - 1] == 0x99 && joiner_at(t, len, s - 3) && letter_at(t, len, s - 4)) {
            s -= 3;
            continue;
        }
        break;
    }
    while (s < e && !letter_at(t, len, s)) s++;
    if (s > 0 && is_digit((unsigned char)t[s - 1])) return 0;   /* "3rd", "2nd" */
    w->s = s;
    w->e = e;
    w->cap = is_upper_at(t, len, s);
    word_lower(t, w);
    elided_cap(t, len, w);
    return 1;
}

static int in_list(const char *w, const char *const *list)
{
    for (size_t k = 0; list[k]; k++)
        if (list[k][0] == w[0] && strcmp(list[k], w) == 0) return 1;
    return 0;
}

/* ---- the lexicon --------------------------------------------------------- */

/* Street-type words. PRE: stands before the street's name ("rue de la
 * Paix", "Via Roma"); POST: after it ("Acacia Avenue", "Berliner Straße").
 * WEAK: also an everyday word ("via email", "way to go", "place an order",
 * "corso di formazione"): its name needs a capitalised word. DOT: an
 * abbreviation that may take a dot. */
enum { PRE = 1, POST = 2, WEAK = 4, DOT = 8 };
typedef struct street_type {
    const char *w;
    int f;
} street_type;

static const street_type types[] = {
    /* en */
    { "street", POST }, { "st", POST | WEAK | DOT }, { "road", POST }, { "rd", POST | DOT }, { "avenue", POST | PRE },
    { "ave", POST | DOT }, { "lane", POST }, { "ln", POST | DOT }, { "close", POST | WEAK }, { "drive", POST | WEAK },
    { "dr", POST | WEAK | DOT }, { "court", POST | WEAK }, { "ct", POST | WEAK | DOT }, { "crescent", POST },
    { "cres", POST | DOT }, { "place", POST | PRE | WEAK }, { "pl", POST | WEAK | DOT }, { "terrace", POST },
    { "tce", POST | DOT }, { "way", POST | WEAK }, { "boulevard", POST | PRE }, { "blvd", POST | DOT },
    { "square", POST | PRE | WEAK }, { "sq", POST | WEAK | DOT }, { "gardens", POST | WEAK }, { "grove", POST | WEAK },
    { "mews", POST }, { "row", POST | WEAK }, { "parade", POST | WEAK }, { "highway", POST | WEAK },
    { "hwy", POST | DOT }, { "parkway", POST }, { "pkwy", POST | DOT }, { "circle", POST | WEAK }, { "alley", POST | WEAK },
    /* de */
    { "straße", POST }, { "strasse", POST }, { "str", POST | DOT }, { "weg", POST | WEAK }, { "platz", POST | PRE | WEAK },
    { "allee", POST | PRE }, { "gasse", POST }, { "ring", POST | WEAK }, { "damm", POST | WEAK }, { "chaussee", POST },
    { "ufer", POST | WEAK },
    /* fr */
    { "rue", PRE }, { "av", PRE | WEAK | DOT }, { "bd", PRE | DOT }, { "bld", PRE | DOT }, { "chemin", PRE },
    { "impasse", PRE }, { "allée", PRE }, { "quai", PRE }, { "cours", PRE | WEAK }, { "route", PRE | WEAK },
    { "faubourg", PRE }, { "passage", PRE | WEAK }, { "rte", PRE | DOT },
    /* it */
    { "via", PRE | WEAK }, { "viale", PRE }, { "piazza", PRE }, { "piazzale", PRE }, { "corso", PRE | WEAK },
    { "largo", PRE | WEAK }, { "vicolo", PRE }, { "lungomare", PRE }, { "strada", PRE | WEAK }, { "contrada", PRE | WEAK },
    /* es */
    { "calle", PRE }, { "avenida", PRE }, { "avda", PRE | DOT }, { "plaza", PRE | POST }, { "paseo", PRE },
    { "carretera", PRE }, { "ctra", PRE | DOT }, { "camino", PRE | WEAK }, { "ronda", PRE | WEAK }, { "rambla", PRE },
    { "travesía", PRE }, { "glorieta", PRE }, { "callejón", PRE }, { "pasaje", PRE | WEAK },
    /* pt */
    { "rua", PRE }, { "travessa", PRE }, { "praça", PRE }, { "praca", PRE }, { "estrada", PRE | WEAK },
    { "alameda", PRE }, { "calçada", PRE }, { "beco", PRE }, { "tv", PRE | DOT | WEAK },
    /* nl */
    { "straat", POST }, { "laan", PRE | POST | WEAK }, { "plein", POST | WEAK }, { "gracht", POST }, { "kade", POST | WEAK },
    { "singel", POST | WEAK }, { "dijk", POST | WEAK },
    { NULL, 0 },
};

/* Suffixes of compound street names ("Hauptstraße", "Bahnhofstr.",
 * "Kerkstraat", "Theodor-Heuss-Ring"): capitalised words only. */
static const char *const suffixes[] = { "straße", "strasse", "str", "weg", "platz", "allee", "gasse", "ring", "damm",
                                        "ufer", "straat", "laan", "plein", "gracht", "kade", "singel", "dijk",
                                        "steeg", "markt", NULL };
/* Capitalised words with such a suffix that are no street. */
static const char *const not_compound[] = {
    "during", "bring", "spring", "string", "offering", "hearing", "wiring", "herring", "boring", "sharing", "caring",
    "earring", "keyring", "recurring", "referring", "monitoring", "ordering", "entering", "delivering", "covering",
    "registering", "gathering", "answering", "considering", "offspring", "catering", "engineering", "scoring",
    "touring", "tiring", "daring", "staring", "storing", "restoring", "featuring", "ensuring", "measuring",
    "arbeitsplatz", "parkplatz", "stellplatz", "sitzplatz", "spielplatz", "tabellenplatz", "studienplatz",
    "ausbildungsplatz", "kitaplatz", "campingplatz", "rückweg", "heimweg", "umweg", "ausweg", "fußweg", "fussweg",
    "hinweg", "rechtsweg", "lösungsweg", "zahlungsweg", "versandweg", "postweg", "dienstweg", "lieferweg",
    "supermarkt", "arbeitsmarkt", "markt", "flohmarkt", "weihnachtsmarkt", "onlinemarkt", "aktienmarkt",
    "boekenmarkt", NULL,
};

/* Lower-case words that never stand in a street's name ("5 minutes down
 * the road", "12 items on the way", "via email 3 times"). */
static const char *const not_name[] = {
    "the", "a", "an", "on", "in", "at", "to", "down", "up", "off", "from", "by", "for", "with", "along", "across",
    "into", "onto", "over", "under", "this", "that", "my", "your", "our", "their", "his", "her", "its", "and", "or",
    "is", "are", "was", "were", "be", "been", "it", "i", "we", "you", "they", "he", "she", "me", "us", "them",
    "minutes", "mins", "min", "hours", "days", "weeks", "months", "years", "miles", "times", "people", "items",
    "orders", "cars", "more", "other", "new", "same", "next", "last", "first", "own", "long", "one", "two",
    "email", "e-mail", "mail", "sms", "phone", "telephone", "telefono", "teléfono", "telefone", "chat", "whatsapp",
    "internet", "web", "app", "post", "posta", "correo", "courrier", "fax", "skype", "teams", "zoom", "online",
    "di", "del", "della", "de", "da", "do", "des", "du", "la", "le", "les", "el", "los", "las", "of", "van",
    "email.", "formazione", "aggiornamento", "inglese", "lingua", "laurea", "studi", "ore", "giorni", "minuti",
    "euro", "eur", "km", "kg", "m", "metri", "metros", "mètres", "meter", "meters", "uhr", "tage", "jahre",
    "minuten", "stunden", "mal", "minutos", "horas", "dias", "días", "semanas", "jours", "heures", "semaines",
    "order", "orders", "ticket", "tickets", "code", "number", "numero", "número", "nummer", "numéro",
    "not", "no", "also", "just", "only", "still", "again", "then", "there", "here", "now", "today", "tomorrow",
    "yesterday", "please", "thanks", "ok", "all", "any", "some", "each", "every", "per", "than", "as", "if", "so",
    NULL,
};

/* Connectors inside a street's name ("rue de la Paix", "Laan van
 * Meerdervoort", "Avenida da Liberdade"): lower case, never alone. */
static const char *const connectors[] = {
    "de", "del", "della", "delle", "dei", "degli", "dello", "di", "da", "do", "dos", "das", "du", "des", "la", "le",
    "les", "l", "d", "el", "los", "las", "van", "der", "den", "het", "von", "vom", "zum", "zur", "am", "an", "im",
    "auf", "of", "the", "y", "e", "et", "und", "sur", "sous", "en", "al", "alla", "alle", "sul", "san", "santa",
    "santo", "são", "sant", "st", "saint", "sainte", "ste", "s", "ter", "te", "op", "aan", "in", NULL,
};

static const street_type *type_of(const word *w)
{
    if (!w->lc[0]) return NULL;
    for (size_t k = 0; types[k].w; k++)
        if (types[k].w[0] == w->lc[0] && strcmp(types[k].w, w->lc) == 0) return &types[k];
    return NULL;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
    size_t m = strlen(suf);
    return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* A compound street name: capitalised, at least three letters before the suffix. */
static int is_compound(const word *w)
{
    if (!w->cap || !w->lc[0]) return 0;
    size_t n = strlen(w->lc);
    for (size_t k = 0; suffixes[k]; k++) {
        size_t m = strlen(suffixes[k]);
        if (n >= m + 3 && ends_with(w->lc, n, suffixes[k])) {
            if (in_list(w->lc, not_compound)) return 0;
            /* "-ring" after a vowel is an English gerund ("offering", "during") */
            if (strcmp(suffixes[k], "ring") == 0 && strchr("aeiouy", w->lc[n - 5]) && w->lc[n - 5] != 'r') return 0;
            return 1;
        }
    }
    return 0;
}

static int is_connector(const word *w) { return !w->cap && w->lc[0] && in_list(w->lc, connectors); }

/* Can w stand in a street name next to a type of flags f? Capitalised
 * words always (but not a type's everyday objects, "Via Email"); lower-case
 * ones only with a strong type, and not everyday words. */
static int name_word_ok(const word *w, int f)
{
    if (!w->lc[0]) return 0;
    if (in_list(w->lc, not_name) && !is_connector(w)) return 0;
    if (w->cap) return !(f & WEAK) || !in_list(w->lc, not_name);
    return !(f & WEAK);
}

/* ---- house numbers ------------------------------------------------------ */

/* A house number starting at digit run [a,b): 1-5 digits (not 0, five only
 * without a leading 0), an optional letter ("5a", "221B"), range or slash
 * ("12-14", "12/3") or "bis"/"ter". Returns its end, or 0. */
static size_t house_number(const char *t, size_t len, size_t a, size_t b)
{
    size_t n = b - a;
    if (n > 5 || (n == 5 && t[a] == '0') || (n == 1 && t[a] == '0')) return 0;
    if (a > 0) {
        unsigned char c = (unsigned char)t[a - 1];
        if (is_ascii_letter(c) || c >= 0x80 || c == '#' || c == '$' || c == '+' || c == '_') return 0;
        if ((c == '.' || c == ',' || c == '/' || c == ':' || c == '-') && a >= 2 && is_digit((unsigned char)t[a - 2])) return 0;
    }
    size_t e = b;
    if (e < len && is_ascii_letter((unsigned char)t[e]) && !(e + 1 < len && letter_at(t, len, e + 1))) e++;
    else if (e + 1 < len && (t[e] == '-' || t[e] == '/') && is_digit((unsigned char)t[e + 1])) {
        size_t j = e + 1;
        while (j < len && j - e <= 4 && is_digit((unsigned char)t[j])) j++;
        if (j - e - 1 > 4) return 0;
        e = j;
        if (e < len && is_ascii_letter((unsigned char)t[e]) && !(e + 1 < len && letter_at(t, len, e + 1))) e++;
    } else if (e + 1 < len && (t[e] == '-' || t[e] == '/') && is_ascii_letter((unsigned char)t[e + 1]) &&
               !(e + 2 < len && letter_at(t, len, e + 2))) {
        e += 2;   /* "5/A", "12-B" */
    }
    if (e < len) {
        unsigned char c = (unsigned char)t[e];
        if (is_digit(c) || letter_at(t, len, e)) return 0;
        if ((c == '.' || c == ',' || c == ':' || c == '/' || c == '-') && e + 1 < len && is_digit((unsigned char)t[e + 1]))
            return 0;
        if (c == '%' || c == 0xE2 || c == 0xC2) {
            /* "12%", "12€", "12£"; "2º" is handled by the floor parts */
            if (!(c == 0xC2 && e + 1 < len && ((unsigned char)t[e + 1] == 0xBA || (unsigned char)t[e + 1] == 0xAA ||
                                              (unsigned char)t[e + 1] == 0xB0)))
                return 0;
        }
    }
    return e;
}

/* Words that, after a number, make it a quantity, not a house number. */
static const char *const units[] = {
    "minutes", "mins", "min", "minute", "hours", "hour", "hrs", "days", "day", "weeks", "months", "years", "times",
    "km", "kg", "m", "mi", "miles", "euro", "euros", "eur", "usd", "gbp", "pounds", "dollars", "percent", "pm", "am",
    "uhr", "minuten", "stunden", "tage", "jahre", "mal", "stück", "minuti", "ore", "giorni", "anni", "volte",
    "minutos", "horas", "días", "dias", "años", "anos", "veces", "vezes", "jours", "heures", "ans", "fois",
    "minuten", "uur", "dagen", "jaar", "keer", "items", "orders", "gb", "mb", "mbps", "sms", "x", NULL,
};

static size_t skip_spaces(const char *t, size_t len, size_t i)
{
    while (i < len && is_space((unsigned char)t[i])) i++;
    return i;
}

static size_t skip_spaces_back(const char *t, size_t i)
{
    while (i > 0 && is_space((unsigned char)t[i - 1])) i--;
    return i;
}

static int unit_after(const char *t, size_t len, size_t e)
{
    word w;
    size_t i = skip_spaces(t, len, e);
    if (i == e && i < len && !is_ascii_letter((unsigned char)t[i])) return 0;
    return word_at(t, len, i, &w) && in_list(w.lc, units);
}

/* ---- street lines ------------------------------------------------------- */

/* Number first: "12 rue de la Paix", "12 Acacia Avenue", "221B Baker
 * Street". ne: the number's end. Returns the street's end, or 0. */
/* Words before a house number that announce an address ("I live at 12 orchard close"). */
static const char *const cues[] = { "at", "to", "address", "is", "it's", "live", "moved", "deliver", "send", "ship",
                                    "from", "into", "adres", "address:", NULL };

/* A weak type in lower case ends the street when an address was announced
 * or nothing but punctuation follows it. */
static int weak_lower_ok(const char *t, size_t len, size_t a, size_t e)
{
    if (e >= len || t[e] == ',' || t[e] == '.' || t[e] == '!' || t[e] == '?' || t[e] == ';' || t[e] == '\n') return 1;
    size_t i = skip_spaces_back(t, a);
    if (i > 0 && t[i - 1] == ':') return 1;
    word w;
    return word_ending(t, len, i, &w) && in_list(w.lc, cues);
}

static size_t street_after(const char *t, size_t len, size_t a, size_t ne)
{
    size_t i = ne;
    if (i < len && t[i] == ',') i++;
    if (i >= len || !is_space((unsigned char)t[i])) return 0;
    i = skip_spaces(t, len, i);
    word w;
    if (!word_at(t, len, i, &w)) return 0;
    if (strcmp(w.lc, "bis") == 0 || strcmp(w.lc, "ter") == 0) {
        i = skip_spaces(t, len, w.e);
        if (!word_at(t, len, i, &w)) return 0;
    }
    if (is_compound(&w)) return w.e + (w.e < len && t[w.e] == '.' && ends_with(w.lc, strlen(w.lc), "str"));
    const street_type *ty = type_of(&w);
    if (ty && (ty->f & PRE)) {
        /* type then name: the name runs while its words may stand in one */
        size_t end = 0, j = w.e + ((ty->f & DOT) && w.e < len && t[w.e] == '.');
        int caps = 0, words = 0;
        for (int k = 0; k < 6; k++) {
            size_t p = skip_spaces(t, len, j);
            if (p == j && k > 0) break;
            word n;
            if (!word_at(t, len, p, &n)) break;
            if (is_connector(&n)) { j = n.e; continue; }
            if (!name_word_ok(&n, ty->f)) break;
            caps += n.cap;
            words++;
            end = j = n.e;
        }
        if (words && (caps || !(ty->f & WEAK))) return end;
        if (!(ty->f & POST)) return 0;
    }
    /* name then type: 1-4 name words, then a POST type */
    int caps = 0;
    size_t j = w.s;
    word n = w;
    for (int k = 0; k < 5; k++) {
        if (k > 0) {
            size_t p = skip_spaces(t, len, j);
            if (p == j || !word_at(t, len, p, &n)) return 0;
        }
        const street_type *nt = type_of(&n);
        if (k > 0 && nt && (nt->f & POST) &&
            (caps == k || !(nt->f & WEAK) || (caps == 0 && weak_lower_ok(t, len, a, n.e)))) {
            size_t e = n.e + ((nt->f & DOT) && n.e < len && t[n.e] == '.');
            /* a US direction: "1600 Pennsylvania Avenue NW" */
            size_t p = skip_spaces(t, len, e);
            word d;
            if (p > e && word_at(t, len, p, &d) && d.e - d.s <= 2 &&
                (!strcmp(d.lc, "nw") || !strcmp(d.lc, "ne") || !strcmp(d.lc, "sw") || !strcmp(d.lc, "se")) &&
                d.cap && is_upper_at(t, len, d.s + 1))
                e = d.e;
            return e;
        }
        if (!name_word_ok(&n, POST) || is_connector(&n)) {
            if (strcmp(n.lc, "st") != 0 && strcmp(n.lc, "saint") != 0) return 0;   /* "St John's Road" */
        }
        caps += n.cap;
        j = n.e + (n.e < len && t[n.e] == '.' && (strcmp(n.lc, "st") == 0));
    }
    return 0;
}

/* "nº", "n.", "no.", "nr.", "n°", "n.º", "num.", "número", "nummer" before a
 * house number: returns the start of the marker, or i if none. */
static size_t number_marker_back(const char *t, size_t len, size_t i)
{
    size_t j = skip_spaces_back(t, i);
    const unsigned char *p = (const unsigned char *)t;
    if (j >= 2 && p[j - 2] == 0xC2 && (p[j - 1] == 0xBA || p[j - 1] == 0xB0)) j -= 2;   /* º ° */
    if (j > 0 && t[j - 1] == '.') j--;
    word w;
    if (!word_ending(t, len, j, &w)) return i;
    if (!strcmp(w.lc, "n") || !strcmp(w.lc, "no") || !strcmp(w.lc, "nr") || !strcmp(w.lc, "num") ||
        !strcmp(w.lc, "número") || !strcmp(w.lc, "numero") || !strcmp(w.lc, "nummer") || !strcmp(w.lc, "huisnummer"))
        return w.s;
    return i;
}

/* "C/" (calle) ends at p: returns its start, or (size_t)-1. */
static size_t calle_slash(const char *t, size_t len, size_t p)
{
    if (p >= 2 && t[p - 1] == '/' && (t[p - 2] | 0x20) == 'c' && (p < 3 || !letter_at(t, len, p - 3))) return p - 2;
    return (size_t)-1;
}

/* Number last: "Via Roma 12", "Calle Mayor, 3", "Hauptstraße 5a",
 * "Berliner Straße 12", "Rua Augusta, nº 100". a: the number's start.
 * Returns the street's start, or (size_t)-1. */
static size_t street_before(const char *t, size_t len, size_t a)
{
    size_t i = number_marker_back(t, len, a);
    i = skip_spaces_back(t, i);
    if (i == a) return (size_t)-1;   /* glued to a word */
    if (i > 0 && t[i - 1] == ',') i = skip_spaces_back(t, i - 1);
    int dot = i > 0 && t[i - 1] == '.';
    word w;
    if (!word_ending(t, len, i - dot, &w)) return (size_t)-1;
    if (is_compound(&w)) {
        if (dot && !ends_with(w.lc, strlen(w.lc), "str")) return (size_t)-1;
        return w.s;
    }
    /* the word right before the number is never a connector ("piazza pulita di 12") */
    if (is_connector(&w)) return (size_t)-1;
    const street_type *ty = type_of(&w);
    if (dot && !(ty && (ty->f & DOT))) ty = NULL;
    /* "Berliner Straße 12", "Hamburger Allee 5": a POST type right before the number */
    if (ty && (ty->f & POST)) {
        size_t st = (size_t)-1, j = w.s;
        for (int k = 0; k < 3; k++) {
            word n;
            size_t p = skip_spaces_back(t, j);
            if (p == j || !word_ending(t, len, p, &n) || !n.cap || !name_word_ok(&n, ty->f) || type_of(&n)) break;
            st = j = n.s;
        }
        if (st != (size_t)-1) return st;
        if (!(ty->f & PRE)) return (size_t)-1;
    }
    /* "Via Roma 12": walk back over the name to a PRE type */
    size_t j = w.e + dot;
    int caps = 0, words = 0;
    word n = w;
    for (int k = 0; k < 7; k++) {
        if (k > 0) {
            size_t c = calle_slash(t, len, j);
            if (c != (size_t)-1) return words ? c : (size_t)-1;   /* "C/Mayor 3" */
            size_t p = skip_spaces_back(t, j);
            if (p == j) return (size_t)-1;
            int d = p > 0 && t[p - 1] == '.';
            if (!word_ending(t, len, p - d, &n)) {
                c = calle_slash(t, len, p);   /* "C/ Mayor 3" */
                return c != (size_t)-1 && words ? c : (size_t)-1;
            }
            const street_type *nt = type_of(&n);
            if (d && !(nt && (nt->f & DOT))) nt = NULL;
            if (nt && (nt->f & PRE) && words && (caps || !(nt->f & WEAK))) return n.s;
            if (d) return (size_t)-1;
        }
        if (is_connector(&n)) { j = n.s; continue; }
        if (!name_word_ok(&n, 0)) return (size_t)-1;
        caps += n.cap;
        words++;
        j = n.s;
    }
    return (size_t)-1;
}

/* ---- the parts around a street line ------------------------------------ */

static const char *const unit_words[] = {
    "flat", "apt", "apartment", "unit", "suite", "ste", "floor", "fl", "piso", "planta", "puerta", "pta", "esc",
    "escalera", "étage", "etage", "appartement", "appt", "bât", "bâtiment", "bat", "interno", "int", "scala", "piano",
    "bus", "bte", "boîte", "wohnung", "whg", "stiege", "top", "stock", "og", "andar", "apto", "apartamento", "bloco",
    "lote", "sala", "dto", "dta", "esq", "dcha", "dcho", "izq", "izda", "izqda", "hs", "huis", "portal", "bajo",
    "ático", "atico", "room", "rm", "block", "blk", "building", "bldg", "casa", "edificio", "edifício", "pal",
    "palazzina", "lotto", "app", "tor", "bloque", NULL,
};

/* An ordinal floor or door: "2º", "2ª", "3°", "3e", "3ème", "1er", "1st". */
static size_t ordinal_at(const char *t, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)t;
    size_t j = i;
    while (j < len && is_digit(p[j]) && j - i < 3) j++;
    if (j == i) return 0;
    if (j + 1 < len && p[j] == 0xC2 && (p[j + 1] == 0xBA || p[j + 1] == 0xAA || p[j + 1] == 0xB0)) return j + 2;
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

/* A flat/floor/door part starting at i: "Flat 3", "Apt 4B", "2º B", "3e
 * étage", "piso 2", "interno 4", "bus 3", "1º Dto". Returns its end or 0. */
static size_t unit_part(const char *t, size_t len, size_t i)
{
    word w;
    size_t o = ordinal_at(t, len, i);
    if (o) {
        /* "2º B", "2º Dcha", "3e étage", "2ª planta", "1º Esq." */
        size_t p = skip_spaces(t, len, o);
        if (p > o && word_at(t, len, p, &w) && (in_list(w.lc, unit_words) || (w.e - w.s == 1 && w.cap)))
            return w.e + (w.e < len && t[w.e] == '.');
        if (p > o && p < len && is_ascii_letter((unsigned char)t[p]) && !(p + 1 < len && letter_at(t, len, p + 1)))
            return p + 1;
        return o;
    }
    if (!word_at(t, len, i, &w) || !in_list(w.lc, unit_words)) return 0;
    size_t v = unit_value(t, len, w.e);
    return v;
}

/* A loose postcode shape for the line's tail (postcode.c validates codes
 * found alone): 4-5 digits, with -3/-4 digits, NL "1234 AB", UK and IE
 * alphanumerics. Returns its end or 0. */
static size_t tail_code(const char *t, size_t len, size_t i)
{
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
    if (!word_at(t, len, i, &w) || !w.cap || in_list(w.lc, not_name) || in_list(w.lc, units)) return 0;
    size_t e = w.e;
    for (int k = 0; k < 3; k++) {
        size_t p = skip_spaces(t, len, e);
        if (p == e || !word_at(t, len, p, &w)) break;
        /* "London SW1A 1AA", "Roma RM": a code or a province, not the city */
        if (w.e < len && is_digit((unsigned char)t[w.e])) break;
        if (w.e - w.s <= 3 && is_upper_at(t, len, w.s + 1)) break;
        if (w.cap && !in_list(w.lc, not_name)) { e = w.e; continue; }
        if (is_connector(&w)) {
            size_t q = skip_spaces(t, len, w.e);
            word x;
            if (q > w.e && word_at(t, len, q, &x) && x.cap) { e = x.e; k++; continue; }
        }
        break;
    }
    return e;
}

/* After a street line, on the same line: flat/floor parts, a postcode, a
 * city, a state or province code ("Roma RM", "Springfield, IL 62704",
 * "São Paulo - SP", "Dublin 2"). Returns the new end. */
static size_t tail(const char *t, size_t len, size_t e)
{
    int had_code = 0, had_city = 0;
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
        if (!had_code && (n = tail_code(t, len, p)) > p) { e = n; had_code = 1; continue; }
        /* "Dublin 2", "Dublin 24": a district after the city */
        if (had_city && !had_code && is_digit((unsigned char)t[p])) {
            size_t k = p;
            while (k < len && is_digit((unsigned char)t[k]) && k - p < 2) k++;
            if (!(k < len && (is_digit((unsigned char)t[k]) || letter_at(t, len, k)))) { e = k; had_code = 1; continue; }
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
        if (!had_city && (comma || had_code) && (n = city_at(t, len, p)) > p) { e = n; had_city = 1; continue; }
        break;
    }
    return e;
}

/* Before a street line: a flat part and its comma ("Flat 3, 12 Acacia
 * Avenue", "Apt 4B 221 Baker St"). Returns the new start. */
static size_t head(const char *t, size_t len, size_t s)
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
    if (k > 0 && t[k - 1] == '.') k--;
    word w;
    if (k == j && !(j < i && !is_digit((unsigned char)t[j]))) return s;
    if (!word_ending(t, len, k, &w) || !in_list(w.lc, unit_words)) {
        /* the number may be glued to its word: "Flat3" is rare; give up */
        return s;
    }
    if (unit_part(t, len, w.s) < i) return s;
    return w.s;
}

/* ---- PO boxes ----------------------------------------------------------- */

static const char *const po_boxes[] = { "po box", "p.o. box", "p. o. box", "p.o.box", "p o box", "pobox", "box",
                                        "postfach", "bp", "b.p.", "b.p", "apartado de correos", "apartado", "apdo.",
                                        "apdo", "caixa postal", "cx. postal", "cx postal", "casella postale",
                                        "postbus", "postbox", "post office box", "boîte postale", "c.p.", NULL };

static int lc_at(const char *t, size_t i) { unsigned char c = (unsigned char)t[i]; return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* A PO box keyword ends at e: returns its start, or (size_t)-1. "box"
 * alone and "c.p." only with "po"/"casella" forms above them. */
static size_t po_keyword(const char *t, size_t e)
{
    for (size_t k = 0; po_boxes[k]; k++) {
        const char *w = po_boxes[k];
        if (!strcmp(w, "box") || !strcmp(w, "c.p.")) continue;
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
static size_t po_box(const char *t, size_t len, size_t a, size_t *s)
{
    size_t i = skip_spaces_back(t, a);
    if (i > 0 && (t[i - 1] == ':' || t[i - 1] == '#')) i = skip_spaces_back(t, i - 1);
    if (i == a && a > 0) return 0;
    size_t ks = po_keyword(t, i);
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
    *s = ks;
    return j;
}

/* ---- the scanner -------------------------------------------------------- */

static int emit_address(cv_emit *em, const char *t, size_t s, size_t e)
{
    char norm[CV_NORM_MAX + 1];
    size_t nl;
    if (e - s > CV_NORM_MAX) e = s + CV_NORM_MAX;
    while (e > s && (t[e - 1] == ' ' || t[e - 1] == ',')) e--;
    if (cv_normalise_generic(t + s, e - s, norm, &nl) || nl == 0) return 0;
    return cvi_emit(em, s, e, norm, nl);
}

/* One digit run t[a..b): a house number in a street line, or a PO box. *done
 * gets the end of what was emitted, so later runs inside it are skipped. */
static int try_run(const char *t, size_t len, size_t a, size_t b, cv_emit *em, size_t *done)
{
    size_t s, e;
    if ((e = po_box(t, len, a, &s)) > 0) {
        e = tail(t, len, e);
        *done = e;
        return emit_address(em, t, s, e);
    }
    size_t ne = house_number(t, len, a, b);
    if (!ne) return 0;
    if ((e = street_after(t, len, a, ne)) > 0) {
        s = head(t, len, a);
        e = tail(t, len, e);
    } else if (!unit_after(t, len, ne) && (s = street_before(t, len, a)) != (size_t)-1) {
        s = head(t, len, s);
        e = tail(t, len, ne);
    } else {
        return 0;
    }
    *done = e;
    return emit_address(em, t, s, e);
}

static int scan_region(const char *t, size_t len, size_t from, size_t to, cv_emit *em, size_t *done)
{
    size_t i = from;
    while (i < to) {
        if (!is_digit((unsigned char)t[i])) { i++; continue; }
        size_t a = i;
        while (i < len && is_digit((unsigned char)t[i])) i++;
        if (a < *done) continue;
        int rc = try_run(t, len, a, i, em, done);
        if (rc) return rc;
    }
    return 0;
}

static int scan(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    (void)o;
    size_t done = 0;
    if (f->nclusters > CV_MAX_CLUSTERS) return scan_region(text, len, 0, len, em, &done);
    for (uint32_t c = 0; c < f->nclusters; c++) {
        int rc = scan_region(text, len, f->cl_start[c], f->cl_end[c], em, &done);
        if (rc) return rc;
    }
    return 0;
}

/* every street line here holds a house number or a box number */
static int wanted(const cv_text_facts *f) { return f->digits > 0; }

int cvi_street_before(const char *text, size_t start, size_t window)
{
    size_t from = start > window ? start - window : 0, i = start;
    size_t len = start;
    while (i > from) {
        unsigned char c = (unsigned char)text[i - 1];
        if (c == '\n' || c == '\r' || c == '!' || c == '?') return 0;
        word w;
        if (letter_at(text, len, i - 1) && word_ending(text, len, i, &w)) {
            const street_type *ty = type_of(&w);
            if (is_compound(&w) || (ty && (!(ty->f & WEAK) || w.cap))) return 1;
            if (po_keyword(text, w.e) != (size_t)-1) return 1;
            i = w.s;
            continue;
        }
        i--;
    }
    return 0;
}

const cv_detector_type cvi_detector_address = {
    .name = "address",
    .entity = CV_ENT_ADDRESS,
    .priority = 4,
    .wanted = wanted,
    .scan = scan,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return cv_normalise_generic(in, len, norm, norm_len) == 0 && *norm_len > 0;
}

const cv_entity_type cvi_entity_address = {
    .name = "address",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = normalise,
};
