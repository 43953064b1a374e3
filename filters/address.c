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

#include "address.h"
#include "filters.h"

/* ---- characters and words -------------------------------------------- */

/* ---- the lexicon --------------------------------------------------------- */

/* Street-type words. PRE: stands before the street's name ("rue de la
 * Paix", "Via Roma"); POST: after it ("Acacia Avenue", "Berliner Straße").
 * WEAK: also an everyday word ("via email", "way to go", "place an order",
 * "corso di formazione"): its name needs a capitalised word. DOT: an
 * abbreviation that may take a dot; NEEDDOT: only with its dot ("R."). */
enum { PRE = 1, POST = 2, WEAK = 4, DOT = 8, NEEDDOT = 16 };
typedef struct street_type {
    const char *w;
    unsigned char n;
    int f;
} street_type;
#define T(s, f) { s, sizeof s - 1, f }

/* The street types, one array per length in bytes (type_of looks only at
 * the words of a word's length; a word in the wrong array is never found,
 * and check_address would say so). */
static const street_type types1[] = {
    T("r", PRE | WEAK | DOT | NEEDDOT),   /* pt "R. do Ouro" */
    { NULL, 0, 0 },
};
static const street_type types2[] = {
    T("st", POST | WEAK | DOT), T("rd", POST | DOT), T("ln", POST | DOT), T("dr", POST | WEAK | DOT),
    T("ct", POST | WEAK | DOT), T("pl", POST | WEAK | DOT), T("sq", POST | WEAK | DOT), T("av", PRE | WEAK | DOT),
    T("bd", PRE | DOT), T("tv", PRE | DOT | WEAK), T("cl", PRE | DOT | NEEDDOT),
    { NULL, 0, 0 },
};
static const street_type types3[] = {
    T("ave", POST | DOT), T("tce", POST | DOT), T("way", POST | WEAK), T("row", POST | WEAK), T("hwy", POST | DOT),
    T("str", POST | DOT), T("weg", POST | WEAK), T("rue", PRE), T("bld", PRE | DOT), T("rte", PRE | DOT),
    T("via", PRE | WEAK), T("rua", PRE), T("pza", PRE | DOT), T("loc", PRE | DOT | NEEDDOT),
    T("urb", PRE | DOT | NEEDDOT),
    { NULL, 0, 0 },
};
static const street_type types4[] = {
    T("road", POST), T("lane", POST), T("cres", POST | DOT), T("blvd", POST | DOT), T("mews", POST),
    T("pkwy", POST | DOT), T("ring", POST | WEAK), T("damm", POST | WEAK), T("ufer", POST | WEAK), T("quai", PRE),
    T("avda", PRE | DOT), T("ctra", PRE | DOT), T("beco", PRE), T("laan", PRE | POST | WEAK),
    T("kade", POST | WEAK), T("dijk", POST | WEAK), T("fraz", PRE | DOT | NEEDDOT), T("vico", PRE | WEAK),
    { NULL, 0, 0 },
};
static const street_type types5[] = {
    T("close", POST | WEAK), T("drive", POST | WEAK), T("court", POST | WEAK), T("place", POST | PRE | WEAK),
    T("grove", POST | WEAK), T("alley", POST | WEAK), T("platz", POST | PRE | WEAK), T("allee", POST | PRE),
    T("gasse", POST), T("cours", PRE | WEAK), T("route", PRE | WEAK), T("viale", PRE), T("corso", PRE | WEAK),
    T("largo", PRE | WEAK), T("calle", PRE), T("plaza", PRE | POST), T("paseo", PRE), T("ronda", PRE | WEAK),
    T("praca", PRE), T("plein", POST | WEAK), T("borgo", PRE | WEAK),
    { NULL, 0, 0 },
};
static const street_type types6[] = {
    T("street", POST), T("avenue", POST | PRE), T("square", POST | PRE | WEAK), T("parade", POST | WEAK),
    T("circle", POST | WEAK), T("chemin", PRE), T("allée", PRE), T("piazza", PRE), T("vicolo", PRE),
    T("strada", PRE | WEAK), T("camino", PRE | WEAK), T("rambla", PRE), T("pasaje", PRE | WEAK), T("praça", PRE),
    T("straat", POST), T("gracht", POST), T("singel", POST | WEAK), T("carrer", PRE), T("plaça", PRE),
    T("salita", PRE | WEAK), T("hameau", PRE | WEAK),
    { NULL, 0, 0 },
};
static const street_type types7[] = {
    T("terrace", POST), T("gardens", POST | WEAK), T("highway", POST | WEAK), T("parkway", POST), T("straße", POST),
    T("strasse", POST), T("impasse", PRE), T("passage", PRE | WEAK), T("avenida", PRE), T("estrada", PRE | WEAK),
    T("alameda", PRE), T("passeig", PRE),
    { NULL, 0, 0 },
};
static const street_type types8[] = {
    T("crescent", POST), T("chaussee", POST), T("faubourg", PRE), T("piazzale", PRE), T("contrada", PRE | WEAK),
    T("glorieta", PRE), T("travessa", PRE), T("calçada", PRE), T("avinguda", PRE), T("frazione", PRE),
    T("lungarno", PRE), T("sestiere", PRE), T("traversa", PRE | WEAK),
    { NULL, 0, 0 },
};
static const street_type types9[] = {
    T("boulevard", POST | PRE), T("lungomare", PRE), T("carretera", PRE), T("travesía", PRE), T("callejón", PRE),
    T("località", PRE), T("polígono", PRE),
    { NULL, 0, 0 },
};
#define TYPE_MAX 9
static const street_type *const types_by_len[TYPE_MAX + 1] = {
    NULL, types1, types2, types3, types4, types5, types6, types7, types8, types9,
};


/* Suffixes of compound street names ("Hauptstraße", "Bahnhofstr.",
 * "Kerkstraat", "Theodor-Heuss-Ring"): capitalised words only. */
static const lexw suffixes[] = {
    W("straße"), W("strasse"), W("str"), W("weg"), W("platz"), W("allee"), W("gasse"), W("ring"), W("damm"),
    W("ufer"), W("straat"), W("laan"), W("plein"), W("gracht"), W("kade"), W("singel"), W("dijk"), W("steeg"),
    W("markt"), { NULL, 0 },
};
/* Capitalised words with such a suffix that are no street. */
static const lexw not_compound[] = {
    W("during"), W("bring"), W("spring"), W("string"), W("offering"), W("hearing"), W("wiring"), W("herring"),
    W("boring"), W("sharing"), W("caring"), W("earring"), W("keyring"), W("recurring"), W("referring"),
    W("monitoring"), W("ordering"), W("entering"), W("delivering"), W("covering"), W("registering"), W("gathering"),
    W("answering"), W("considering"), W("offspring"), W("catering"), W("engineering"), W("scoring"), W("touring"),
    W("tiring"), W("daring"), W("staring"), W("storing"), W("restoring"), W("featuring"), W("ensuring"),
    W("measuring"), W("arbeitsplatz"), W("parkplatz"), W("stellplatz"), W("sitzplatz"), W("spielplatz"),
    W("tabellenplatz"), W("studienplatz"), W("ausbildungsplatz"), W("kitaplatz"), W("campingplatz"), W("rückweg"),
    W("heimweg"), W("umweg"), W("ausweg"), W("fußweg"), W("fussweg"), W("hinweg"), W("rechtsweg"), W("lösungsweg"),
    W("zahlungsweg"), W("versandweg"), W("postweg"), W("dienstweg"), W("lieferweg"), W("supermarkt"),
    W("arbeitsmarkt"), W("markt"), W("flohmarkt"), W("weihnachtsmarkt"), W("onlinemarkt"), W("aktienmarkt"),
    W("boekenmarkt"), { NULL, 0 },
};

/* Lower-case words that never stand in a street's name ("5 minutes down
 * the road", "12 items on the way", "via email 3 times"). */
static const lexw not_name[] = {
    W("the"), W("a"), W("an"), W("on"), W("in"), W("at"), W("to"), W("down"), W("up"), W("off"), W("from"), W("by"),
    W("for"), W("with"), W("along"), W("across"), W("into"), W("onto"), W("over"), W("under"), W("this"), W("that"),
    W("my"), W("your"), W("our"), W("their"), W("his"), W("her"), W("its"), W("and"), W("or"), W("is"), W("are"),
    W("was"), W("were"), W("be"), W("been"), W("it"), W("i"), W("we"), W("you"), W("they"), W("he"), W("she"),
    W("me"), W("us"), W("them"), W("minutes"), W("mins"), W("min"), W("hours"), W("days"), W("weeks"), W("months"),
    W("years"), W("miles"), W("times"), W("people"), W("items"), W("orders"), W("cars"), W("more"), W("other"),
    W("new"), W("same"), W("next"), W("last"), W("first"), W("own"), W("long"), W("one"), W("two"), W("email"),
    W("e-mail"), W("mail"), W("sms"), W("phone"), W("telephone"), W("telefono"), W("teléfono"), W("telefone"),
    W("chat"), W("whatsapp"), W("internet"), W("web"), W("app"), W("post"), W("posta"), W("correo"), W("courrier"),
    W("fax"), W("skype"), W("teams"), W("zoom"), W("online"), W("di"), W("del"), W("della"), W("de"), W("da"),
    W("do"), W("des"), W("du"), W("la"), W("le"), W("les"), W("el"), W("los"), W("las"), W("of"), W("van"),
    W("formazione"), W("aggiornamento"), W("inglese"), W("lingua"), W("laurea"), W("studi"), W("ore"), W("giorni"),
    W("minuti"), W("euro"), W("eur"), W("km"), W("kg"), W("m"), W("metri"), W("metros"), W("mètres"), W("meter"),
    W("meters"), W("uhr"), W("tage"), W("jahre"), W("minuten"), W("stunden"), W("mal"), W("minutos"), W("horas"),
    W("dias"), W("días"), W("semanas"), W("jours"), W("heures"), W("semaines"), W("order"), W("orders"),
    W("ticket"), W("tickets"), W("code"), W("number"), W("numero"), W("número"), W("nummer"), W("numéro"), W("not"),
    W("no"), W("also"), W("just"), W("only"), W("still"), W("again"), W("then"), W("there"), W("here"), W("now"),
    W("today"), W("tomorrow"), W("yesterday"), W("please"), W("thanks"), W("ok"), W("all"), W("any"), W("some"),
    W("each"), W("every"), W("per"), W("than"), W("as"), W("if"), W("so"), { NULL, 0 },
};

/* Connectors inside a street's name ("rue de la Paix", "Laan van
 * Meerdervoort", "Avenida da Liberdade"): lower case, never alone. */
static const lexw connectors[] = {
    W("de"), W("del"), W("della"), W("delle"), W("dei"), W("degli"), W("dello"), W("di"), W("da"), W("do"),
    W("dos"), W("das"), W("du"), W("des"), W("la"), W("le"), W("les"), W("l"), W("d"), W("el"), W("los"), W("las"),
    W("van"), W("der"), W("den"), W("het"), W("von"), W("vom"), W("zum"), W("zur"), W("am"), W("an"), W("im"),
    W("auf"), W("of"), W("the"), W("y"), W("e"), W("et"), W("und"), W("sur"), W("sous"), W("en"), W("al"),
    W("alla"), W("alle"), W("sul"), W("san"), W("santa"), W("santo"), W("são"), W("sant"), W("st"), W("saint"),
    W("sainte"), W("ste"), W("s"), W("ter"), W("te"), W("op"), W("aan"), W("in"), { NULL, 0 },
};

static const street_type *type_of(const word *w)
{
    if (!w->n || w->n > TYPE_MAX || !types_by_len[w->n]) return NULL;
    for (const street_type *ty = types_by_len[w->n]; ty->w; ty++)
        if (ty->w[0] == w->lc[0] && memcmp(ty->w, w->lc, w->n) == 0) return ty;
    return NULL;
}

/* type_of for the word w of text t: "R" is a type only as "R." */
static const street_type *type_at(const char *t, size_t len, const word *w)
{
    const street_type *ty = type_of(w);
    if (ty && (ty->f & NEEDDOT) && !(w->e < len && t[w->e] == '.')) return NULL;
    return ty;
}

int cvi_address_type_first(const char *text, size_t len, size_t s)
{
    word w;
    if (!word_at(text, len, s, &w)) return 0;
    const street_type *ty = type_at(text, len, &w);
    return ty && (ty->f & PRE);
}

static int ends_with(const char *s, size_t n, const char *suf)
{
    size_t m = strlen(suf);
    return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* A compound street name: capitalised, at least three letters before the suffix. */
static int is_compound(const word *w)
{
    if (!w->cap || w->n < 6) return 0;
    size_t n = w->n;
    /* every suffix ends in one of these */
    if (!strchr("egrzmtnlk", w->lc[n - 1])) return 0;
    for (size_t k = 0; suffixes[k].w; k++) {
        size_t m = suffixes[k].n;
        if (n >= m + 3 && memcmp(w->lc + n - m, suffixes[k].w, m) == 0) {
            if (in_lex(w->lc, n, not_compound)) return 0;
            /* "-ring" after a vowel is an English gerund ("offering", "during") */
            if (m == 4 && !memcmp(suffixes[k].w, "ring", 4) && strchr("aeiouy", w->lc[n - 5])) return 0;
            return 1;
        }
    }
    return 0;
}

int cvi_address_is_connector(const word *w) { return !w->cap && w->lc[0] && in_lex(w->lc, w->n, connectors); }

/* Can w stand in a street name next to a type of flags f? Capitalised
 * words always (but not a type's everyday objects, "Via Email"); lower-case
 * ones only with a strong type, and not everyday words. */
static int name_word_ok(const word *w, int f)
{
    if (!w->lc[0]) return 0;
    if (!cvi_address_is_connector(w) && in_lex(w->lc, w->n, not_name)) return 0;   /* "Via Email", "down the road" */
    return w->cap || !(f & WEAK);
}

/* ---- house numbers ------------------------------------------------------ */

/* A house number starting at digit run [a,b): 1-5 digits (not 0, five only
 * without a leading 0), an optional letter ("5a", "221B"), range or slash
 * ("12-14", "12/3") or "bis"/"ter". Returns its end, or 0. */
static size_t house_number(const char *t, size_t len, size_t a, size_t b)
{
    size_t n = b - a;
    if (n > 5 || t[a] == '0') return 0;
    if (a > 0) {
        unsigned char c = (unsigned char)t[a - 1];
        /* glued to a word or an id ("SKU-4411", "A-031", "#12", "+44") */
        if (is_ascii_letter(c) || c >= 0x80 || c == '#' || c == '$' || c == '+' || c == '_' || c == '-' || c == '/')
            return 0;
        if ((c == '.' || c == ',' || c == ':') && a >= 2 && is_digit((unsigned char)t[a - 2])) return 0;
        /* a later group of a grouped number ("5123 4567", "CE 12 34 56 A") */
        if (c == ' ' && a >= 2 && is_digit((unsigned char)t[a - 2])) return 0;
    }
    /* the first group of three or more ("4111 1111 1111 1111"); "Via Roma
     * 12 34100 Trieste" and "Kerkstraat 12 1017 GC" have two */
    if (b + 1 < len && t[b] == ' ' && is_digit((unsigned char)t[b + 1])) {
        size_t j = b + 1;
        while (j < len && is_digit((unsigned char)t[j])) j++;
        if (j + 1 < len && t[j] == ' ' && is_digit((unsigned char)t[j + 1])) return 0;
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
        if (c == ':' && e + 1 < len && !is_space((unsigned char)t[e + 1])) return 0;   /* "2001:db8::1" */
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
const lexw cvi_address_units[] = {
    W("minutes"), W("mins"), W("min"), W("minute"), W("hours"), W("hour"), W("hrs"), W("days"), W("day"),
    W("weeks"), W("months"), W("years"), W("times"), W("km"), W("kg"), W("m"), W("mi"), W("miles"), W("euro"),
    W("euros"), W("eur"), W("usd"), W("gbp"), W("pounds"), W("dollars"), W("percent"), W("pm"), W("am"), W("uhr"),
    W("minuten"), W("stunden"), W("tage"), W("jahre"), W("mal"), W("stück"), W("minuti"), W("ore"), W("giorni"),
    W("anni"), W("volte"), W("minutos"), W("horas"), W("días"), W("dias"), W("años"), W("anos"), W("veces"),
    W("vezes"), W("jours"), W("heures"), W("ans"), W("fois"), W("minuten"), W("uur"), W("dagen"), W("jaar"),
    W("keer"), W("items"), W("orders"), W("gb"), W("mb"), W("mbps"), W("sms"), W("x"), { NULL, 0 },
};

static int unit_after(const char *t, size_t len, size_t e)
{
    word w;
    size_t i = skip_spaces(t, len, e);
    if (i == e && i < len && !is_ascii_letter((unsigned char)t[i])) return 0;
    return word_at(t, len, i, &w) && in_lex(w.lc, w.n, cvi_address_units);
}

/* ---- street lines ------------------------------------------------------- */

/* Number first: "12 rue de la Paix", "12 Acacia Avenue", "221B Baker
 * Street". ne: the number's end. Returns the street's end, or 0. */
/* Words before a house number that announce an address ("I live at 12 orchard close"). */
static const lexw cues[] = {
    W("at"), W("to"), W("address"), W("is"), W("it's"), W("live"), W("moved"), W("deliver"), W("send"), W("ship"),
    W("from"), W("into"), W("adres"), W("address:"), { NULL, 0 },
};

/* A weak type in lower case ends the street when an address was announced
 * or nothing but punctuation follows it. */
static int weak_lower_ok(const char *t, size_t len, size_t a, size_t e)
{
    if (e >= len || t[e] == ',' || t[e] == '.' || t[e] == '!' || t[e] == '?' || t[e] == ';' || t[e] == '\n') return 1;
    size_t i = skip_spaces_back(t, a);
    if (i > 0 && t[i - 1] == ':') return 1;
    word w;
    return word_ending(t, len, i, &w) && in_lex(w.lc, w.n, cues);
}

/* An English ordinal in a street's name ("West 57th Street"): its end or 0. */
static size_t ordinal_name(const char *t, size_t len, size_t p)
{
    size_t j = p;
    while (j < len && is_digit((unsigned char)t[j]) && j - p < 3) j++;
    if (j == p || j + 2 > len) return 0;
    char a = (char)(t[j] | 0x20), b = (char)(t[j + 1] | 0x20);
    if (!((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') || (a == 't' && b == 'h'))) return 0;
    return j + 2 < len && letter_at(t, len, j + 2) ? 0 : j + 2;
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
    const street_type *ty = type_at(t, len, &w);
    if (ty && (ty->f & PRE)) {
        /* type then name: the name runs while its words may stand in one */
        size_t end = 0, j = w.e + ((ty->f & DOT) && w.e < len && t[w.e] == '.');
        int caps = 0, words = 0;
        for (int k = 0; k < 6; k++) {
            size_t p = skip_spaces(t, len, j);
            if (p == j && k > 0) break;
            word n;
            if (!word_at(t, len, p, &n)) break;
            if (cvi_address_is_connector(&n)) { j = n.e; continue; }
            if (!name_word_ok(&n, ty->f)) break;
            if (caps && !n.cap) break;   /* "rue de la Paix merci": a capitalised name ends at lower case */
            caps += n.cap;
            words++;
            end = j = n.e;
        }
        if (words && (caps || !(ty->f & WEAK))) return end;
        if (!(ty->f & POST)) return 0;
    }
    /* name then type: 1-4 name words, then a POST type. First look for the
     * type alone (cheap), then judge the name. */
    {
        size_t q = w.e;
        int found = 0;
        for (int k = 1; k < 5 && !found; k++) {
            size_t p = skip_spaces(t, len, q), o;
            word x;
            if (p > q && (o = ordinal_name(t, len, p)) > 0) { q = o; continue; }
            if (p == q || !word_at(t, len, p, &x)) break;
            const street_type *xt = type_at(t, len, &x);
            found = xt && (xt->f & POST);
            q = x.e + (x.e < len && t[x.e] == '.');
        }
        if (!found) return 0;
    }
    int caps = 0;
    size_t j = w.s;
    word n = w;
    for (int k = 0; k < 5; k++) {
        if (k > 0) {
            size_t p = skip_spaces(t, len, j), o;
            if (p > j && (o = ordinal_name(t, len, p)) > 0) { caps++; j = o; continue; }
            if (p == j || !word_at(t, len, p, &n)) return 0;
        }
        const street_type *nt = type_at(t, len, &n);
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
        if (!name_word_ok(&n, POST) || cvi_address_is_connector(&n)) {
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
    static const lexw markers[] = { W("n"), W("no"), W("nr"), W("num"), W("número"), W("numero"), W("nummer"),
                                    W("huisnummer"), { NULL, 0 } };
    return in_lex(w.lc, w.n, markers) ? w.s : i;
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
    if (cvi_address_is_connector(&w)) return (size_t)-1;
    const street_type *ty = type_at(t, len, &w);
    if (dot && !(ty && (ty->f & DOT))) ty = NULL;
    /* "Berliner Straße 12", "Hamburger Allee 5": a POST type right before the number */
    if (ty && (ty->f & POST)) {
        size_t st = (size_t)-1, j = w.s;
        for (int k = 0; k < 3; k++) {
            word n;
            size_t p = skip_spaces_back(t, j);
            if (p == j || !word_ending(t, len, p, &n) || !n.cap || !name_word_ok(&n, ty->f) || type_at(t, len, &n)) break;
            st = j = n.s;
        }
        if (st != (size_t)-1) return st;
        if (!(ty->f & PRE)) return (size_t)-1;
    }
    /* "Via Roma 12": walk back over the name to a PRE type; first look for
     * the type alone (cheap), then judge the name. */
    {
        size_t q = w.s;
        int found = 0;
        for (int k = 1; k < 7 && !found; k++) {
            if (calle_slash(t, len, q) != (size_t)-1) { found = 1; break; }
            size_t p = skip_spaces_back(t, q);
            if (p == q) break;
            if (calle_slash(t, len, p) != (size_t)-1) { found = 1; break; }
            int d = p > 0 && t[p - 1] == '.';
            word x;
            if (!word_ending(t, len, p - d, &x)) break;
            const street_type *xt = type_at(t, len, &x);
            found = xt && (xt->f & PRE);
            q = x.s;
        }
        if (!found) return (size_t)-1;
    }
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
            const street_type *nt = type_at(t, len, &n);
            if (d && !(nt && (nt->f & DOT))) nt = NULL;
            if (nt && (nt->f & PRE) && words && (caps || !(nt->f & WEAK))) return n.s;
            if (d && !(n.e - n.s == 1 && n.cap)) return (size_t)-1;   /* an initial: "Via G. Verdi 3" */
        }
        if (cvi_address_is_connector(&n)) { j = n.s; continue; }
        if (!name_word_ok(&n, 0)) return (size_t)-1;
        caps += n.cap;
        words++;
        j = n.s;
    }
    return (size_t)-1;
}

/* ---- the scanner -------------------------------------------------------- */

static int emit_address(cv_emit *em, const char *t, size_t s, size_t e)
{
    char norm[CV_NORM_MAX + 1];
    size_t nl;
    while (e > s && (t[e - 1] == ' ' || t[e - 1] == ',')) e--;
    /* the whole span is replaced; only its normal form (the token's input)
     * is cut to what a norm holds */
    size_t n = e - s > CV_NORM_MAX / 2 ? CV_NORM_MAX / 2 : e - s;
    if (cvi_normalise_generic(t + s, n, norm, &nl) || nl == 0) return 0;
    return cvi_emit(em, s, e, norm, nl);
}

/* "Park Lane 2024 collection": a year after a name that ends in its type
 * (English order, where the number comes first), then a sentence goes on.
 * "Av. Atlântica 1926 por favor" keeps its number: there it comes last. */
static int year_then_words(const char *t, size_t len, size_t a, size_t ne)
{
    if (ne - a != 4 || !((t[a] == '1' && t[a + 1] == '9') || (t[a] == '2' && t[a + 1] == '0'))) return 0;
    size_t p = skip_spaces(t, len, ne);
    if (!(p > ne && p < len && (unsigned)(t[p] - 'a') < 26u)) return 0;
    word w;
    size_t q = skip_spaces_back(t, a);
    if (!word_ending(t, len, q, &w)) return 0;
    const street_type *ty = type_at(t, len, &w);
    return ty && (ty->f & POST) && !(ty->f & PRE) && !is_compound(&w);
}

/* German streets named by a preposition and its article, no type word:
 * "Am Markt 3", "An der Alster 7", "Auf dem Berg 2", "Im Winkel 8b",
 * "Unter den Linden 77", "Zur Mühle 4". The line starts there (text, line,
 * comma or colon before it) and ends after the number (end, comma, line,
 * or a postcode and its town): "Im Jahr 2020 umgezogen", "Am Ende 3
 * Stunden" are none. Returns the start, or -1. */
static int word_before_word(const char *t, size_t len, const word *x, word *y)
{
    size_t p = skip_spaces_back(t, x->s);
    return p != x->s && word_ending(t, len, p, y);
}

static size_t prep_street(const char *t, size_t len, size_t a, size_t ne)
{
    static const lexw one[] = { W("am"), W("im"), W("zum"), W("zur"), W("beim"), { NULL, 0 } };
    static const lexw two[] = { W("an"), W("auf"), W("in"), W("unter"), W("hinter"), W("vor"), W("über"),
                                W("uber"), W("zwischen"), { NULL, 0 } };
    static const lexw art[] = { W("der"), W("dem"), W("den"), W("die"), { NULL, 0 } };
    /* after the number: the line's end, or a postcode */
    size_t q = skip_spaces(t, len, ne);
    if (!(q >= len || t[ne] == ',' || t[ne] == '\n' || t[ne] == '\r' ||
          (q > ne && is_digit((unsigned char)t[q]) && cvi_address_tail_code(t, len, q) > q)))
        return (size_t)-1;
    word w1, w2, w3, w4;
    size_t p = skip_spaces_back(t, a), st = (size_t)-1;
    if (p == a || !word_ending(t, len, p, &w1) || !w1.cap || !word_before_word(t, len, &w1, &w2)) return (size_t)-1;
    if (w2.cap && in_lex(w2.lc, w2.n, one)) {
        st = w2.s;                                              /* "Am Markt 3" */
    } else if (in_lex(w2.lc, w2.n, art)) {
        if (word_before_word(t, len, &w2, &w3) && w3.cap && in_lex(w3.lc, w3.n, two)) st = w3.s;   /* "An der Alster 7" */
    } else if (w2.cap && !in_lex(w2.lc, w2.n, two) && word_before_word(t, len, &w2, &w3)) {
        if (w3.cap && in_lex(w3.lc, w3.n, one)) st = w3.s;     /* "Am Alten Markt 3" */
        else if (in_lex(w3.lc, w3.n, art) && word_before_word(t, len, &w3, &w4) && w4.cap && in_lex(w4.lc, w4.n, two))
            st = w4.s;                                          /* "An den Drei Linden 2" */
    }
    if (st == (size_t)-1) return st;
    /* the line starts at the preposition */
    size_t b = skip_spaces_back(t, st);
    if (!(b == 0 || t[b - 1] == ',' || t[b - 1] == ':' || t[b - 1] == '\n' || t[b - 1] == '\r')) return (size_t)-1;
    return st;
}

/* A postcode shape at p, then a capitalised town or the line's end (a
 * four-digit code only with its town): the code's end, or 0. */
static size_t code_then_town(const char *t, size_t len, size_t p)
{
    size_t c = cvi_address_tail_code(t, len, p);
    if (!c) return 0;
    size_t q = skip_spaces(t, len, c);
    int town = q > c && q < len && is_upper_at(t, len, q);
    int end = c >= len || t[c] == '\n' || t[c] == '\r';
    int digits4 = c - p == 4;
    if (town || (end && !digits4)) return c;
    return 0;
}

/* Up to three capitalised words after the number at ne ("5 The Green",
 * "221 Deansgate"): where they end, or ne. */
static size_t coded_name_end(const char *t, size_t len, size_t ne)
{
    size_t e = ne;
    for (int k = 0; k < 3; k++) {
        size_t p = skip_spaces(t, len, e);
        word w;
        if (p == e || !word_at(t, len, p, &w) || !w.cap) break;
        e = w.e;
    }
    return e;
}

/* A street line without a type word, known by the postcode that follows
 * it on its line: "Dam 1, 1012 JS Amsterdam", "Weteringschans 6, 1017 SG
 * Amsterdam", "Brink 12\n7411 BR Deventer" (name, number), "221
 * Deansgate, Manchester M3 4EN", "5 The Green, Marlow SL7 1XX" (number,
 * name, town). Returns the start, or -1. */
static const lexw id_words[] = {
    W("order"), W("ticket"), W("case"), W("invoice"), W("ref"), W("reference"), W("account"), W("customer"),
    W("policy"), W("claim"), W("room"), W("table"), W("page"), W("item"), W("line"), W("step"), W("option"),
    W("version"), W("model"), W("seite"), W("bestellung"), W("auftrag"), W("rechnung"), W("kunde"), W("pedido"),
    W("ordine"), W("fattura"), W("pratica"), W("commande"), W("facture"), W("dossier"), W("factura"),
    W("bestelling"), W("factuur"), W("encomenda"), W("fatura"), W("processo"), W("nota"), W("note"), { NULL, 0 },
};

static size_t coded_line(const char *t, size_t len, size_t a, size_t ne)
{
    /* name, number, code: the code first (most numbers have none after them) */
    size_t i = skip_spaces_back(t, a);
    size_t q0 = ne < len && (t[ne] == ',' || t[ne] == '\n') ? skip_spaces(t, len, ne + 1) : skip_spaces(t, len, ne);
    if (ne < len && t[ne] == '\r' && ne + 1 < len && t[ne + 1] == '\n') q0 = skip_spaces(t, len, ne + 2);
    int code_after = q0 > ne && q0 < len && (is_digit((unsigned char)t[q0]) || (t[q0] >= 'A' && t[q0] <= 'Z')) &&
                     code_then_town(t, len, q0);
    if (i < a && code_after) {
        word w;
        size_t st = (size_t)-1, j = i;
        for (int k = 0; k < 3; k++) {
            size_t p = skip_spaces_back(t, j);
            if ((k && p == j) || !word_ending(t, len, p, &w) || !w.cap) break;
            if (in_lex(w.lc, w.n, id_words) || in_lex(w.lc, w.n, not_name)) return (size_t)-1;   /* "Order 12, 10115 Berlin" */
            st = j = w.s;
        }
        if (st != (size_t)-1) {
            size_t b = skip_spaces_back(t, st);
            if (b == 0 || t[b - 1] == ',' || t[b - 1] == ':' || t[b - 1] == '\n' || t[b - 1] == '\r') return st;
        }
    }
    /* number, name, comma, town, code */
    size_t p0 = skip_spaces(t, len, ne);
    if (p0 == ne || p0 >= len || !is_upper_at(t, len, p0)) return (size_t)-1;
    size_t e = coded_name_end(t, len, ne);
    if (e == ne || e >= len || t[e] != ',') return (size_t)-1;
    size_t b = skip_spaces_back(t, a);
    if (!(b == 0 || t[b - 1] == ',' || t[b - 1] == ':' || t[b - 1] == '\n' || t[b - 1] == '\r' || b < a))
        return (size_t)-1;
    size_t p = skip_spaces(t, len, e + 1);
    for (int k = 0; k < 4 && p < len; k++) {
        if (code_then_town(t, len, p) || (cvi_address_tail_code(t, len, p) > p && !is_digit((unsigned char)t[p])))
            return a;
        word w;
        if (!word_at(t, len, p, &w) || !w.cap) break;
        p = skip_spaces(t, len, w.e);
        if (p < len && t[p] == ',') p = skip_spaces(t, len, p + 1);
    }
    return (size_t)-1;
}

/* One digit run t[a..b): a house number in a street line, or a PO box. *done
 * gets the end of what was emitted, so later runs inside it are skipped. */
static int try_run(const char *t, size_t len, size_t a, size_t b, cv_emit *em, size_t *done)
{
    size_t s, e;
    /* a later group of a longer number ("4111 1111", "12.345", "12/03"): nothing starts here */
    if (a >= 2 && is_digit((unsigned char)t[a - 2]) && strchr(" .,-/:", t[a - 1])) return 0;
    if (b - a > 6) return 0;
    size_t pb = skip_spaces_back(t, a);
    int word_before = pb > 0 && (letter_at(t, len, pb - 1) || t[pb - 1] == '.' || t[pb - 1] == ':' || t[pb - 1] == '#');
    if (word_before && (e = cvi_address_po_box(t, len, a, &s)) > 0) {
        e = cvi_address_tail(t, len, e);
        *done = e;
        return emit_address(em, t, s, e);
    }
    /* "Flat 4C not Flat 4B", "Apt 5, Ashgrove House": a home's own number */
    if (word_before) {
        word hw;
        size_t q = pb > 0 && (t[pb - 1] == '.' || t[pb - 1] == ':' || t[pb - 1] == '#') ? pb - 1 : pb;
        q = skip_spaces_back(t, q);
        /* the home words end in t, e, o or g: most words before numbers do not */
        unsigned char lc = q > 0 ? (unsigned char)(t[q - 1] | 0x20) : 0;
        if ((lc == 't' || lc == 'e' || lc == 'o' || lc == 'g') && word_ending(t, len, q, &hw) && hw.e - hw.s <= 11 &&
            (e = cvi_address_flat(t, len, hw.s)) > a) {
            *done = e;
            return emit_address(em, t, hw.s, e);
        }
    }
    size_t ne = house_number(t, len, a, b);
    if (!ne) return 0;
    if ((e = street_after(t, len, a, ne)) > 0) {
        s = cvi_address_head(t, len, a);
        e = cvi_address_tail(t, len, e);
    } else if ((s = street_before(t, len, a)) != (size_t)-1 && !unit_after(t, len, ne) && !year_then_words(t, len, a, ne)) {
        s = cvi_address_head(t, len, s);
        e = cvi_address_tail(t, len, ne);
    } else if ((s = prep_street(t, len, a, ne)) != (size_t)-1 || (s = coded_line(t, len, a, ne)) != (size_t)-1) {
        s = cvi_address_head(t, len, s);
        e = cvi_address_tail(t, len, ne);
        if (s == a) e = cvi_address_tail(t, len, coded_name_end(t, len, ne));
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

/* Two letter bytes in a row in t[from..to): a word. Every street line has
 * one within a few bytes of its digit cluster; timestamps, phone numbers,
 * amounts and ids mostly do not, and are skipped by this cheap test. */
static int letter_pair(const char *t, size_t from, size_t to)
{
    const unsigned char *p = (const unsigned char *)t;
    int prev = 0;
    for (size_t i = from; i < to; i++) {
        int l = (unsigned)((p[i] | 0x20) - 'a') < 26u || p[i] >= 0x80 || p[i] == '.';   /* "C.P.", "B.P." */
        if (l && prev) return 1;
        prev = l;
    }
    return 0;
}

#define NEAR 8   /* bytes around a digit cluster where the street's words must start */

static int scan(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    (void)o;
    size_t done = 0;
    if (f->nclusters > CV_MAX_CLUSTERS) return scan_region(text, len, 0, len, em, &done);
    /* one digit cluster from end to end: a timestamp, a phone number, an amount */
    if (f->nclusters == 1 && f->cl_start[0] <= 1 && !letter_at(text, len, 0) && f->cl_end[0] + 1 >= len) return 0;
    for (uint32_t c = 0; c < f->nclusters; c++) {
        size_t cs = f->cl_start[c], ce = f->cl_end[c];
        /* the margins only: words inside a cluster are at most CV_CLUSTER_GAP long */
        if (!letter_pair(text, cs > NEAR ? cs - NEAR : 0, cs) && !letter_pair(text, ce, ce + NEAR < len ? ce + NEAR : len))
            continue;
        int rc = scan_region(text, len, cs, ce, em, &done);
        if (rc) return rc;
    }
    return 0;
}


int cvi_street_before(const char *text, size_t start, size_t window)
{
    size_t from = start > window ? start - window : 0, i = start;
    size_t len = start;
    while (i > from) {
        unsigned char c = (unsigned char)text[i - 1];
        if (c == '\n' || c == '\r' || c == '!' || c == '?') return 0;
        word w;
        if (letter_at(text, len, i - 1) && word_ending(text, len, i, &w)) {
            const street_type *ty = type_at(text, len, &w);
            if (is_compound(&w) || (ty && (!(ty->f & WEAK) || w.cap))) return 1;
            if (cvi_address_po_keyword(text, w.e) != (size_t)-1) return 1;
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
    .min_digits = 1,   /* every street line here holds a house number or a box number */
    .scan = scan,
};

const cv_entity_type cvi_entity_address = {
    .name = "address",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = cvi_normalise_words,
};
