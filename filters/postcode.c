/*
 * postcode.c - the postcode entity and its detectors.
 *
 * UK: an outward code (area letters, district
 * digits, an optional district letter: A9, A99, AA9, AA99, A9A, AA9A) and an
 * inward code (a digit and two letters, never C I K M O V), one optional
 * space between, case-insensitive ("SW1A 1AA", "m1 1ae"). The letters each
 * position allows are Royal Mail's. Normalised to upper case without the
 * space ("SW1A1AA"). A postcode narrows a customer to about 15 addresses:
 * the default policy masks the inward code and keeps the district (the
 * outward code, "SW1A ***"), the level official statistics publish.
 *
 * Every other locale (the `postcode_intl` scanner, below): IE Eircodes, US
 * ZIP and ZIP+4, DE/FR/IT/ES five digits, NL "1234 AB", PT "1234-567", BR
 * CEP "12345-678". Four and five digits are amounts, years and order
 * numbers far more often than postcodes, so those need context; the mask
 * tells the country form from the value alone (postcode_mask).
 */
#include <string.h>

#include "filters.h"


static char upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_letter(char c) { return c >= 'A' && c <= 'Z'; }

/* Letters allowed: first position, second position, the district letter
 * after one area letter (A9A), after two (AA9A), the inward letters. */
static int in(const char *set, char c) { return is_letter(c) && strchr(set, c) != NULL; }
#define FIRST "ABCDEFGHIJKLMNOPRSTUWYZ"
#define SECOND "ABCDEFGHKLMNOPQRSTUVWXY"
#define THIRD_A9A "ABCDEFGHJKPSTUW"
#define FOURTH_AA9A "ABEHMNPRVWXY"
#define INWARD "ABDEFGHJLNPQRSTUWXYZ"

static int postcode_shape(const char *p, size_t n)
{
    if (n < 5 || n > 7) return 0;
    /* the inward code: the last three */
    const char *w = p + n - 3;
    if (!is_digit(w[0]) || !in(INWARD, w[1]) || !in(INWARD, w[2])) return 0;
    size_t o = n - 3;         /* the outward code: 2 to 4 */
    if (!in(FIRST, p[0])) return 0;
    switch (o) {
    case 2: return is_digit(p[1]);                                                      /* A9 */
    case 3:
        return (is_digit(p[1]) && is_digit(p[2])) ||                                    /* A99 */
               (in(SECOND, p[1]) && is_digit(p[2])) ||                                  /* AA9 */
               (is_digit(p[1]) && in(THIRD_A9A, p[2]));                                 /* A9A */
    case 4:
        return in(SECOND, p[1]) && is_digit(p[2]) && (is_digit(p[3]) || in(FOURTH_AA9A, p[3]));   /* AA99, AA9A */
    default: return 0;
    }
}

/* Compact upper-case form of s[0..n) (one inner space allowed) if it is a postcode. */
static int postcode_compact(const char *s, size_t n, char *out, size_t *out_len)
{
    size_t k = 0, spaces = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            if (++spaces > 1 || k == 0) return 0;
            continue;
        }
        if (k == 7) return 0;
        out[k++] = upper(s[i]);
    }
    out[k] = '\0';
    /* a space may only stand before the inward code */
    if (spaces && (n < 4 || s[n - 4] != ' ')) return 0;
    if (!postcode_shape(out, k)) return 0;
    *out_len = k;
    return 1;
}

/* ---- the other locales' forms ------------------------------------------ */

/* The value forms outside the UK; the mask tells them apart by shape alone. */
enum pc_form { PC_NONE = 0, PC_EIR, PC_ZIP4, PC_CEP, PC_PT, PC_NL, PC_5 };

/* Eircode routing keys: the 139 An Post publishes (D6W the one with a letter). */
static const char eir_keys[] =
    "A41A42A45A63A67A75A81A82A83A84A85A86A91A92A94A96A98C15D01D02D03D04D05D06D6WD07D08D09D10D11D12D13D14D15"
    "D16D17D18D20D22D24E21E25E32E34E41E45E53E91F12F23F26F28F31F35F42F45F52F56F91F92F93F94H12H14H16H18H23"
    "H53H54H62H65H71H91K32K34K36K45K56K67K78N37N39N41N91P12P14P17P24P25P31P32P36P43P47P51P56P61P67P72P75"
    "P81P85R14R21R32R35R42R45R51R56R93R95T12T23T34T45T56V14V15V23V31V35V42V92V93V94V95W12W23W34W91X35X42"
    "X91Y14Y21Y25Y34Y35";
/* the characters of an Eircode's unique identifier */
#define EIR_UID "0123456789ACDEFHKNPRTVWXY"

static int eir_key(const char *p)
{
    char k[3] = { upper(p[0]), upper(p[1]), upper(p[2]) };
    for (size_t i = 0; i + 3 <= sizeof eir_keys - 1; i += 3)
        if (eir_keys[i] == k[0] && eir_keys[i + 1] == k[1] && eir_keys[i + 2] == k[2]) return 1;
    return 0;
}

static int eir_uid(const char *p)
{
    for (int i = 0; i < 4; i++)
        if (!p[i] || !strchr(EIR_UID, upper(p[i]))) return 0;
    return 1;
}

static int all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i])) return 0;
    return 1;
}

static unsigned num(const char *p, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (unsigned)(p[i] - '0');
    return v;
}

/* Valid five-digit ranges per country; 0 for "any of them". */
enum { CC_ANY = 0, CC_DE, CC_FR, CC_IT, CC_ES, CC_US };
static int five_valid(const char *p, int cc)
{
    unsigned v = num(p, 5), lead = v / 1000;
    /* DE: Leitregionen 01-99 but 00, 05, 43, 62 unused */
    int de = v >= 1001 && v <= 99998 && lead != 0 && lead != 5 && lead != 43 && lead != 62;
    /* FR: departments 01-95 (20 Corsica), overseas 971-976, 980 Monaco, 986-988 */
    unsigned d3 = v / 100;
    int fr = (lead >= 1 && lead <= 95) || (d3 >= 971 && d3 <= 976) || d3 == 980 ||
             (d3 >= 986 && d3 <= 988);
    int it = v >= 10 && v <= 98168;
    int es = lead >= 1 && lead <= 52 && v % 1000 != 0;   /* province prefixes 01-52 */
    int us = v >= 501 && v <= 99950;
    switch (cc) {
    case CC_DE: return de;
    case CC_FR: return fr;
    case CC_IT: return it;
    case CC_ES: return es;
    case CC_US: return us;
    default: return de || fr || it || es || us;
    }
}

static int nl_letters(char a, char b)
{
    a = upper(a), b = upper(b);
    if (!is_letter(a) || !is_letter(b)) return 0;
    return !(a == 'S' && (b == 'A' || b == 'D' || b == 'S'));   /* SA, SD, SS are never issued */
}

/* The form of a trimmed value s[0..n) outside the UK, with its normal form
 * (upper case, spaces dropped, the hyphen kept). */
static enum pc_form intl_form(const char *s, size_t n, char *out, size_t *out_len)
{
    enum pc_form f = PC_NONE;
    if ((n == 7 || (n == 8 && s[3] == ' ')) && is_letter(upper(s[0])) && eir_key(s) && eir_uid(s + n - 4)) f = PC_EIR;
    else if (n == 5 && all_digits(s, 5) && five_valid(s, CC_ANY)) f = PC_5;
    else if (n == 10 && all_digits(s, 5) && s[5] == '-' && all_digits(s + 6, 4)) f = PC_ZIP4;
    else if (n == 9 && all_digits(s, 5) && s[5] == '-' && all_digits(s + 6, 3)) f = PC_CEP;
    else if (n == 8 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 3) && s[0] != '0') f = PC_PT;
    else if ((n == 6 || (n == 7 && s[4] == ' ')) && all_digits(s, 4) && s[0] != '0' && nl_letters(s[n - 2], s[n - 1]))
        f = PC_NL;
    if (f == PC_NONE) return f;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ') out[k++] = upper(s[i]);
    out[k] = '\0';
    *out_len = k;
    return f;
}

static int norm_postcode(const char *in_, size_t len, char *norm, size_t *norm_len)
{
    while (len > 0 && in_[0] == ' ') in_++, len--;
    while (len > 0 && in_[len - 1] == ' ') len--;
    if (len > 10) return 0;
    if (len <= 8 && postcode_compact(in_, len, norm, norm_len)) return 1;
    return intl_form(in_, len, norm, norm_len) != PC_NONE;
}

/*
 * The mask keeps the level official statistics publish, told from the
 * value's shape (the mask sees nothing else):
 *   UK "SW1A 1AA"    → "SW1A ***"      the district (outward code)
 *   IE "D02 X285"    → "D02 ****"      the routing key
 *   ZIP+4 "12345-6789" → "123**-****"  ZIP3
 *   BR "01310-100"   → "013**-***"     the CEP sector (3 digits)
 *   PT "1100-148"    → "11**-***"      2 digits (the area)
 *   NL "1012 AB"     → "10** **"       2 digits (the region)
 *   five digits      → "75***"         2 digits: a bare five-digit code may be
 *     DE, FR, IT, ES or US, and two is the coarsest level any of them publishes
 *     (DE Leitregion, FR département, ES province, IT province area; a US
 *     ZIP3 would tell more than the others allow)
 * Anything else: "[postcode]".
 */
static int postcode_mask(const char *v, size_t n, cv_buf *out)
{
    char norm[16];
    size_t nl;
    while (n > 0 && v[0] == ' ') v++, n--;
    while (n > 0 && v[n - 1] == ' ') n--;
    if (n <= 8 && postcode_compact(v, n, norm, &nl)) {
        if (cvi_buf_append(out, norm, nl - 3) || cvi_buf_puts(out, " ***")) return CV_ENOMEM;
        return 0;
    }
    static const char *const tail[] = {
        [PC_EIR] = " ****", [PC_ZIP4] = "**-****", [PC_CEP] = "**-***", [PC_PT] = "**-***",
        [PC_NL] = "** **", [PC_5] = "***",
    };
    static const unsigned char keep[] = { [PC_EIR] = 3, [PC_ZIP4] = 3, [PC_CEP] = 3, [PC_PT] = 2, [PC_NL] = 2, [PC_5] = 2 };
    enum pc_form f = n <= 10 ? intl_form(v, n, norm, &nl) : PC_NONE;
    if (f == PC_NONE) return cvi_buf_puts(out, "[postcode]") ? CV_ENOMEM : 0;
    if (cvi_buf_append(out, norm, keep[f]) || cvi_buf_puts(out, tail[f])) return CV_ENOMEM;
    return 0;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    /* the match ends at its window's edge: the lookahead saw no further */
    if (*end < len) {
        char c = upper(text[*end]);
        if (is_digit(c) || is_letter(c)) return 0;
    }
    return postcode_compact(text + *start, *end - *start, norm, norm_len);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit > 2 ? f->first_digit - 2 : 0; }

/* A postcode's two or three digits are in one cluster (at most a space
 * apart), its first with a letter before it and its last with one after:
 * outside the cluster, or between its digits. */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    if (f->cl_gaps[i] & CV_GAP_LETTER) return 1;
    size_t s = f->cl_start[i], e = f->cl_end[i];
    return s > 0 && is_letter(upper(text[s - 1])) && e < len && is_letter(upper(text[e]));
}

const cv_detector_type cvi_detector_postcode = {
    .name = "postcode",
    .entity = CV_ENT_POSTCODE,
    .priority = 3,
    .pattern = "(?i)(?<![A-Za-z0-9])[A-Z][A-Z]?[0-9][A-Z0-9]? ?[0-9][A-Z]{2}(?![A-Za-z0-9])",
    .compile_flags = 0,
    .needs = CV_NEED_LETTER_DIGIT,   /* every postcode has a letter right before its first digit */
    .min_digits = 2,
    .search_from = search_from,
    .runs_any = CV_RUN(1) | CV_RUN(2) | CV_RUN(3),   /* "SW1A 1AA", "B33 8TH", "M601AA" */
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 2,
    .validate = validate,
    .win_before = 2,
    .win_after = 2,
};

/* ---- the scanner for the other locales -------------------------------- */

static int is_alnum_byte(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80; }
static int lower_at(const char *t, size_t i) { unsigned char c = (unsigned char)t[i]; return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Keywords that name a postcode, with the country they imply for five
 * digits (CC_ANY: several). Lower case; matched as whole words ending just
 * before the code, across ':', '.', '#', '-', '(' and one "is"-like word. */
static const struct { const char *kw; int cc; } pc_keywords[] = {
    { "plz", CC_DE }, { "postleitzahl", CC_DE },
    { "cap", CC_IT }, { "c.a.p.", CC_IT }, { "c.a.p", CC_IT }, { "codice postale", CC_IT }, { "codice avviamento postale", CC_IT },
    { "code postal", CC_FR }, { "cp", CC_ANY }, { "c.p.", CC_ANY }, { "c.p", CC_ANY },   /* ES and FR */
    /* five digits after "código postal" are Spanish (PT and BR codes have a hyphen) */
    { "código postal", CC_ES }, { "codigo postal", CC_ES }, { "cód. postal", CC_ES }, { "cod. postal", CC_ES },
    { "cód postal", CC_ES }, { "cod postal", CC_ES },
    { "zip", CC_US }, { "zip code", CC_US }, { "zipcode", CC_US }, { "zip+4", CC_US },
    { "postcode", CC_ANY }, { "post code", CC_ANY }, { "postal code", CC_ANY }, { "postalcode", CC_ANY },
    { "cep", CC_ANY }, { "eircode", CC_ANY },
};
/* filler words allowed between the keyword and the code */
static const char *const pc_fillers[] = { "is", "ist", "lautet", "è", "e", "é", "es", "est", "era", "was", "=", NULL };

/* Does the word ending at e (exclusive) equal w (lower case)? */
static int word_is(const char *t, size_t e, const char *w)
{
    size_t n = strlen(w);
    if (e < n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower_at(t, e - n + i) != (unsigned char)w[i]) return 0;
    return e == n || !is_alnum_byte((unsigned char)t[e - n - 1]);
}

static size_t skip_back_sep(const char *t, size_t i)
{
    while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == ':' || t[i - 1] == '#' || t[i - 1] == '(' || t[i - 1] == '-' ||
                     t[i - 1] == '\t'))
        i--;
    return i;
}

/* The country a postcode keyword before `start` names (CC_*), or -1 for none. */
static int keyword_cc(const char *t, size_t start)
{
    size_t e = skip_back_sep(t, start);
    /* every keyword and filler ends in one of these letters (or a '.', '=', 'è', 'é') */
    if (e == 0 || !strchr("zpletsa4.=\xa8\xa9", t[e - 1] | ((t[e - 1] >= 'A' && t[e - 1] <= 'Z') ? 0x20 : 0))) return -1;
    for (int round = 0; round < 2; round++) {
        for (size_t k = 0; k < sizeof pc_keywords / sizeof pc_keywords[0]; k++)
            if (word_is(t, e, pc_keywords[k].kw)) return pc_keywords[k].cc;
        if (round) break;
        int filler = 0;
        for (size_t k = 0; pc_fillers[k] && !filler; k++)
            if (word_is(t, e, pc_fillers[k])) { e = skip_back_sep(t, e - strlen(pc_fillers[k])); filler = 1; }
        if (!filler) break;
    }
    return -1;
}

/* A US state's two-letter code right before start ("Springfield, IL 62704"). */
static int us_state_before(const char *t, size_t start)
{
    static const char states[] = "ALAKAZARCACOCTDEDCFLGAHIIDILINIAKSKYLAMEMDMAMIMNMSMOMTNENVNHNJNMNYNCNDOHOKORPARISCSDTNTXUTVTVAWAWVWIWYPRGUVI";
    if (start < 4 || t[start - 1] != ' ') return 0;
    size_t e = start - 1;
    if (t[e - 1] == ',') e--;   /* "IL, 62704" */
    if (e < 3 || !is_letter(t[e - 1]) || !is_letter(t[e - 2]) || is_alnum_byte((unsigned char)t[e - 3])) return 0;
    for (size_t i = 0; i + 2 <= sizeof states - 1; i += 2)
        if (states[i] == t[e - 2] && states[i + 1] == t[e - 1]) return 1;
    return 0;
}

/* Capitalised words after a number that are no city: units, currencies,
 * months, days, counted things (lower case; UTF-8 as written). */
static const char *const not_city[] = {
    "euro", "euros", "eur", "usd", "gbp", "chf", "dollar", "dollars", "pounds", "pfund", "franken", "reais", "real",
    "km", "kg", "kwh", "mb", "gb", "tb", "kb", "mbit", "gbit", "mbps", "sms", "min", "mins", "gbps", "ms", "ghz",
    "punkte", "points", "punti", "puntos", "pontos", "punten", "stück", "stk", "pcs", "units", "unidades", "pezzi",
    "minuten", "minutes", "minuti", "minutos", "sekunden", "seconds", "stunden", "hours", "ore", "horas", "uhr",
    "tage", "days", "giorni", "días", "dias", "dagen", "jahre", "jahren", "years", "anni", "años", "anos", "jaar",
    "mal", "kunden", "customers", "clienti", "clientes", "klanten", "items", "artikel", "articoli", "artículos",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "januar", "februar", "märz", "juni", "juli", "oktober", "dezember", "janvier", "février", "mars",
    "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre", "gennaio",
    "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "dicembre",
    "enero", "febrero", "abril", "mayo", "junio", "julio", "septiembre", "octubre", "noviembre", "diciembre",
    "janeiro", "fevereiro", "março", "maio", "junho", "julho", "setembro", "outubro", "dezembro", "januari",
    "februari", "maart", "mei", "augustus",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "montag", "dienstag",
    "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
    "samedi", "dimanche", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica", "lunes",
    "martes", "miércoles", "jueves", "viernes", "sábado", "domingo", "the", "and", "or", "i", "we", "you", "it",
    "is", "was", "thanks", "thank", "ok", "please", "bitte", "danke", "merci", "grazie", "gracias", "obrigado",
    "obrigada", "bedankt", "ref", "nr", "no", "order", "ticket", "invoice", "rechnung", "bestellung", "commande",
    "ordine", "pedido", "bestelling", "fattura", "factura", "factuur", "fatura", "facture", "euro.", NULL,
};

/* A city word starts at t[i]: an upper-case letter (ASCII or Latin-1 range
 * of UTF-8) then at least one more letter, and not a unit, month, day or
 * counted noun. */
static int city_word_at(const char *t, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)t;
    if (i >= len) return 0;
    int cap = (p[i] >= 'A' && p[i] <= 'Z') || (p[i] == 0xC3 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9E);
    if (!cap) return 0;
    size_t e = i;
    while (e < len && (((p[e] | 0x20) >= 'a' && (p[e] | 0x20) <= 'z') || p[e] >= 0x80 || p[e] == '-' || p[e] == '\'')) e++;
    if (e - i < 2 || e - i > 40) return 0;
    if (e < len && is_digit(t[e])) return 0;
    char w[48];
    size_t n = 0;
    for (size_t k = i; k < e && n < sizeof w - 1; k++) w[n++] = (char)lower_at(t, k);
    w[n] = '\0';
    for (size_t k = 0; not_city[k]; k++)
        if (strcmp(w, not_city[k]) == 0) return 0;
    return 1;
}

/* The code starts a place: at the start of a line or after a comma, a
 * bracket or a "in"-like word ("wohne in 10115 Berlin"). */
static int place_start(const char *t, size_t start)
{
    static const char *const ins[] = { "in", "à", "a", "em", "en", "te", "nach", "to", "at", "from", "aus", "da",
                                       "di", "per", "para", "pour", "naar", "uit", "near", "bei", "à", NULL };
    size_t i = start;
    while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t')) i--;
    if (i == 0 || t[i - 1] == '\n' || t[i - 1] == '\r' || t[i - 1] == ',' || t[i - 1] == ';' || t[i - 1] == '(' ||
        t[i - 1] == '|' || t[i - 1] == '"')
        return 1;
    for (size_t k = 0; ins[k]; k++)
        if (word_is(t, i, ins[k])) return 1;
    return 0;
}

/* A house or box number ends within a few bytes before e ("12", "5a",
 * "12 bus 3", "3, 2º B"): the street line the code follows. */
static int number_before(const char *t, size_t e)
{
    for (size_t i = e, n = 0; i > 0 && n < 12; i--, n++) {
        if (is_digit(t[i - 1])) return 1;
        if (t[i - 1] == '\n') return 0;
    }
    return 0;
}

/* Context that makes a four- or five-digit code a postcode: a keyword or
 * a US state before it, a street line before it on the same line, or a
 * city name after it where a place may start. Returns the country implied
 * (CC_*), or -1 for no context. */
static int pc_context(const char *t, size_t len, size_t start, size_t end)
{
    int cc = keyword_cc(t, start);
    if (cc >= 0) return cc;
    if (us_state_before(t, start)) return CC_US;
    size_t i = end;
    if (i < len && t[i] == ',') i++;
    if (i < len && t[i] == ' ' && place_start(t, start) && city_word_at(t, len, i + 1)) return CC_ANY;
    /* a street line ends in a comma or a dash before its code ("Kerkstraat 12, 1017 GC") */
    size_t k = start;
    while (k > 0 && t[k - 1] == ' ') k--;
    if (k > 0 && (t[k - 1] == ',' || t[k - 1] == '-') && number_before(t, k - 1) && cvi_street_before(t, k - 1, 80))
        return CC_ANY;
    return -1;
}

/* The byte before a code: a word boundary, not a decimal or a date or a
 * currency (digits joined by . , / : - are one number). */
static int pc_left_ok(const char *t, size_t a)
{
    if (a == 0) return 1;
    unsigned char c = (unsigned char)t[a - 1];
    if (is_alnum_byte(c) && !(c == 0xBA || c == 0xB0)) {
        /* "º"/"°" end in 0xBA/0xB0: no postcode follows them anyway */
        return 0;
    }
    if (strchr(".,/:-+#$%_", (char)c)) {
        if (c == '-' && a >= 2 && t[a - 2] == ' ') return 1;   /* "CP - 28013" */
        if (c == '.' || c == ',' || c == '/' || c == ':' || c == '-') return !(a >= 2 && is_digit(t[a - 2]));
        return 0;
    }
    return 1;
}

/* The byte after a code: no letter or digit, no "." "," "/" ":" "-" joining
 * another number, no currency or per cent. */
static int pc_right_ok(const char *t, size_t len, size_t e)
{
    if (e >= len) return 1;
    unsigned char c = (unsigned char)t[e];
    if (is_alnum_byte(c)) return 0;
    if (strchr(".,/:-", (char)c) && e + 1 < len && is_digit(t[e + 1])) return 0;
    if (c == '%' || c == '$') return 0;
    if (c == ' ' && e + 1 < len && ((unsigned char)t[e + 1] == 0xE2 || t[e + 1] == '%' || t[e + 1] == '$')) return 0;   /* " €" */
    return 1;
}

static int emit_code(cv_emit *em, const char *t, size_t a, size_t e)
{
    char norm[16];
    size_t nl;
    if (intl_form(t + a, e - a, norm, &nl) == PC_NONE) return 0;
    return cvi_emit(em, a, e, norm, nl);
}

/* An Eircode whose routing key's digits are t[a..b): "D02 X285", "a65f4e2".
 * A unique identifier of digits only needs context too. */
static int try_eircode(const char *t, size_t len, size_t a, size_t b, cv_emit *em)
{
    size_t s;
    if (b - a == 2 && a >= 1 && is_letter(upper(t[a - 1]))) s = a - 1;          /* A65 */
    else if (b - a == 1 && t[a] == '6' && a >= 1 && upper(t[a - 1]) == 'D' && b < len && upper(t[b]) == 'W') s = a - 1;   /* D6W */
    else return 0;
    if (s > 0 && is_alnum_byte((unsigned char)t[s - 1])) return 0;
    if (s + 3 > len) return 0;
    size_t u = s + 3;
    if (u < len && t[u] == ' ') u++;
    /* the identifier first: it rejects timestamps ("T22:01") before the key list is searched */
    if (u + 4 > len || !eir_uid(t + u) || !pc_right_ok(t, len, u + 4) || !eir_key(t + s)) return 0;
    int letter = 0;
    for (size_t i = u; i < u + 4; i++) letter |= is_letter(upper(t[i]));
    if (!letter && pc_context(t, len, s, u + 4) < 0) return 0;
    return emit_code(em, t, s, u + 4);
}

/* The end of the numeric code starting with digit run t[a..b), 0 if none;
 * *five: a bare five-digit code (its country's ranges apply). */
static size_t code_end(const char *t, size_t len, size_t a, size_t b, int *five)
{
    size_t n = b - a, e = 0;
    *five = 0;
    if (n == 5) {
        if (b + 5 <= len && t[b] == '-' && all_digits(t + b + 1, 4) && pc_right_ok(t, len, b + 5)) e = b + 5;        /* ZIP+4 */
        else if (b + 4 <= len && t[b] == '-' && all_digits(t + b + 1, 3) && pc_right_ok(t, len, b + 4)) e = b + 4;   /* CEP */
        else if (pc_right_ok(t, len, b) && five_valid(t + a, CC_ANY)) { e = b; *five = 1; }
    } else if (n == 4 && t[a] != '0') {
        if (b + 4 <= len && t[b] == '-' && all_digits(t + b + 1, 3) && pc_right_ok(t, len, b + 4)) e = b + 4;         /* PT */
        else if (b + 3 <= len && t[b] == ' ' && nl_letters(t[b + 1], t[b + 2]) && pc_right_ok(t, len, b + 3)) e = b + 3;   /* NL */
        else if (b + 2 <= len && nl_letters(t[b], t[b + 1]) && pc_right_ok(t, len, b + 2)) e = b + 2;
        /* mixed case ("1234 Ab") is a word, not NL letters */
        if (e && t[b] != '-' && (t[e - 1] >= 'a') != (t[e - 2] >= 'a')) e = 0;
    }
    return e && pc_left_ok(t, a) ? e : 0;
}

/* A numeric code t[a..e) in its context. */
static int try_digits(const char *t, size_t len, size_t a, size_t e, int five, cv_emit *em)
{
    int cc = pc_context(t, len, a, e);
    if (cc < 0) return 0;
    if (five && !five_valid(t + a, cc)) return 0;
    return emit_code(em, t, a, e);
}

/* Two letter bytes in a row in t[from..to): a word. */
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

/* Context words start at most this far before a cluster, and a city right after it. */
#define CTX_BEFORE 28
#define CTX_AFTER 4

/* The digit runs of cluster t[from..to). Numeric codes (4 or 5 digits)
 * need a word near for context, looked for once per cluster and only when
 * such a run shows up; an Eircode carries its own letters. */
static int scan_region(const char *t, size_t len, size_t from, size_t to, cv_emit *em)
{
    size_t i = from;
    int words = -1;
    while (i < to) {
        if (!is_digit(t[i])) { i++; continue; }
        size_t a = i;
        while (i < len && is_digit(t[i])) i++;
        int rc = 0, five;
        size_t e;
        if ((i - a == 4 || i - a == 5) && (e = code_end(t, len, a, i, &five)) > 0) {
            if (words < 0)
                words = letter_pair(t, from > CTX_BEFORE ? from - CTX_BEFORE : 0, from) ||
                        letter_pair(t, to, to + CTX_AFTER < len ? to + CTX_AFTER : len) || letter_pair(t, from, to);
            if (words) rc = try_digits(t, len, a, e, five, em);
        } else if (i - a <= 2 && a > 0 && is_letter(upper(t[a - 1]))) {
            rc = try_eircode(t, len, a, i, em);
        }
        if (rc) return rc;
    }
    return 0;
}

static int scan_intl(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    (void)o;
    if (f->nclusters > CV_MAX_CLUSTERS) return scan_region(text, len, 0, len, em);
    /* a value that is one digit cluster from end to end (a timestamp, a
     * phone number, an amount) has no word for a code's context, and no
     * letter before an Eircode's digits */
    if (f->nclusters == 1 && f->cl_start[0] <= 1 && !is_letter(upper(text[0])) && f->cl_end[0] + 1 >= len) return 0;
    for (uint32_t c = 0; c < f->nclusters; c++) {
        /* a numeric code spans four bytes or more of its cluster ("3-5", "12" hold
         * none); an Eircode's routing key has its letter right before ("D02 XKPW") */
        size_t cs = f->cl_start[c];
        if (f->cl_end[c] - cs < 4 && !(cs > 0 && is_letter(upper(text[cs - 1])))) continue;
        int rc = scan_region(text, len, cs, f->cl_end[c], em);
        if (rc) return rc;
    }
    return 0;
}

/* Eircodes have a letter right before a digit; the other forms four digits or more */
static int wanted_intl(const cv_text_facts *f) { return f->digits >= 4 || (f->digits >= 2 && f->letter_digit > 0); }

const cv_detector_type cvi_detector_postcode_intl = {
    .name = "postcode_intl",
    .entity = CV_ENT_POSTCODE,
    .priority = 3,
    .wanted = wanted_intl,
    .scan = scan_intl,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return norm_postcode(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_postcode = {
    .name = "postcode",
    .default_action = CV_DEFAULT_MASK,
    .normalise = normalise,
    .mask = postcode_mask,
    .spelled = postcode_shape,
};
