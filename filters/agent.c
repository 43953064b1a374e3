/*
 * agent.c - contact-centre agents: the peer or extension of an Asterisk
 * endpoint in channel names, dial strings and queue member interfaces
 * ("PJSIP/2177-00000020", "SIP/ag1142-00000026", "Local/1001@from-internal-
 * 0000001a;1", "SIP/1001,30,tT", "Agent/1001"), voicemail boxes
 * ("1001@default"), and ids after an agent or extension word in free text
 * ("agent 1048", "ext. 2177", "Durchwahl 214"). Only the peer becomes the
 * token: the technology, context and channel sequence suffix stay, so
 * analysts still see how calls were routed. Trunks (peers named trunk, gw,
 * provider, ...) are not people and stay readable. Normalised lower-case,
 * so "SIP/AG1142" in a CDR and {"agent_id": "ag1142"} in a chat join.
 */
#include <string.h>
#include <strings.h>

#include "filters.h"

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_hex(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

/* Lower-cased copy of p[0..n) into norm; 0 if it does not fit. */
static int lower_copy(const char *p, size_t n, char *norm, size_t *norm_len)
{
    if (n == 0 || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        norm[i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    }
    norm[n] = '\0';
    *norm_len = n;
    return 1;
}

/* Peer names that say trunk, gateway or carrier: not a person. */
static int trunk_name(const char *norm)
{
    static const char *const words[] = { "trunk", "gw", "gateway", "provider", "carrier", "sbc", "pstn",
                                         "itsp", "upstream", "outbound", "inbound", "voip", "telco", NULL };
    for (size_t k = 0; words[k]; k++)
        if (strstr(norm, words[k])) return 1;
    return 0;
}

/* A dialled number (7 or more digits, maybe a leading '+') is the phone
 * detector's, not an agent. */
static int number_like(const char *p, size_t n)
{
    size_t i = p[0] == '+', d = 0;
    for (; i < n; i++) {
        if (!is_digit((unsigned char)p[i])) return 0;
        d++;
    }
    return d >= 7;
}

/* A channel technology's name ends right before text[slash], as a word. */
static int tech_before(const char *text, size_t slash)
{
    static const char *const techs[] = { "PJSIP", "SIP", "IAX2", "Local", "Agent", "Skinny", "SCCP", "MGCP",
                                         "UNISTIM", "WebRTC", "H323", "OOH323", "Motif", "Console", NULL };
    size_t i = slash;
    while (i > 0 && slash - i < 8 && (is_alpha((unsigned char)text[i - 1]) || is_digit((unsigned char)text[i - 1]))) i--;
    if (i == slash || (i > 0 && (is_alpha((unsigned char)text[i - 1]) || is_digit((unsigned char)text[i - 1]))))
        return 0;
    for (size_t k = 0; techs[k]; k++)
        if (strlen(techs[k]) == slash - i && strncasecmp(text + i, techs[k], slash - i) == 0) return 1;
    return 0;
}

/* A peer the policy names in `trunks:`, a carrier's and not a person. */
static int listed_trunk(const cv_detect_opts *o, const char *norm)
{
    for (size_t i = 0; o && i < o->ntrunks; i++)
        if (strcmp(o->trunks[i], norm) == 0) return 1;
    return 0;
}

int cvi_agent_is_trunk(const cv_detect_opts *o, const char *norm) { return trunk_name(norm) || listed_trunk(o, norm); }

/* The match is "/peer[@context][-suffix]" right after a technology name.
 * The span becomes the peer alone. */
static int validate_channel(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                            char *norm, size_t *norm_len)
{
    (void)len;
    if (!tech_before(text, *start)) return 0;
    size_t b = *start + 1, e = *end;
    const char *at = memchr(text + b, '@', e - b);
    if (at) {
        e = (size_t)(at - text);
    } else if (e - b > 9 && text[e - 9] == '-') {
        /* the channel's unique suffix: '-' and 8 hex digits (SIP, PJSIP, ...) */
        int hex = 1;
        for (size_t i = e - 8; i < e && hex; i++) hex = is_hex((unsigned char)text[i]);
        if (hex) e -= 9;
    } else if (*start >= 4 && strncasecmp(text + *start - 4, "iax2", 4) == 0) {
        /* IAX2/peer-<call number> */
        size_t i = e;
        while (i > b && is_digit((unsigned char)text[i - 1])) i--;
        if (i < e && i > b + 1 && text[i - 1] == '-' && e - i <= 5) e = i - 1;
    }
    /* a Local channel's dialled extension may carry a dial prefix */
    if (e <= b || number_like(text + b, e - b)) return 0;
    if (!lower_copy(text + b, e - b, norm, norm_len) || cvi_agent_is_trunk(o, norm)) return 0;
    *start = b;
    *end = e;
    return 1;
}

/* Words after which an id is an agent's: agent, extension and operator in
 * the languages served. cvi_word_before skips "no", "id", "#", ":". */
static const char *const agent_words[] = {
    "agent", "agente", "ext", "extn", "extension", "operator", "operatore", "operador",
    "opérateur", "durchwahl", "nebenstelle", "interno", "poste", "ramal", "toestel", "tst",
    "mitarbeiter", "medewerker", "atendente", "advisor", "adviser", "rep", NULL
};

/* "my extension is 2177", "il mio interno è 2177": an agent word, then
 * a copula, right before b. */
static int after_copula(const char *text, size_t b)
{
    static const char *const copulas[] = { "is", "was", "ist", "est", "es", "è", "é", "era", "war", NULL };
    const unsigned char *p = (const unsigned char *)text;
    size_t i = b;
    while (i > 0 && (p[i - 1] == ' ' || p[i - 1] == ':')) i--;
    size_t e = i;
    while (i > 0 && (is_alpha(p[i - 1]) || p[i - 1] >= 0x80)) i--;
    if (e == i || e - i > 4) return 0;
    int hit = 0;
    for (size_t k = 0; copulas[k] && !hit; k++) {
        size_t n = strlen(copulas[k]);
        hit = n == e - i && strncasecmp(text + i, copulas[k], n) == 0;
    }
    return hit && cvi_word_before(text, i, agent_words);
}

/* The match is a 3-6 digit id, maybe after 1-3 letters ("ag1142"); it is an
 * agent's after an agent word, or as a voicemail box ("1001@default"). */
static int validate_ext(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                        char *norm, size_t *norm_len)
{
    (void)o;
    size_t b = *start, e = *end;
    int mailbox = e < len && text[e] == '@' && e + 1 < len && is_alpha((unsigned char)text[e + 1]);
    if (mailbox) {
        /* "u1001@default": VoiceMail's u/b/s option letters are not the box */
        while (b < e && !is_digit((unsigned char)text[b])) b++;
        /* an e-mail address is the e-mail detector's */
        for (size_t i = e + 1; i < len && (is_alpha((unsigned char)text[i]) || is_digit((unsigned char)text[i]) ||
                                           text[i] == '-' || text[i] == '_' || text[i] == '.');
             i++)
            if (text[i] == '.' && i + 1 < len && is_alpha((unsigned char)text[i + 1])) return 0;
    } else if (!cvi_word_before(text, b, agent_words) && !after_copula(text, b)) {
        return 0;
    }
    if (!lower_copy(text + b, e - b, norm, norm_len)) return 0;
    *start = b;
    return 1;
}

/* The digit runs try_id takes: 3 to 6 digits. */
#define ID_RUNS (CV_RUN(3) | CV_RUN(4) | CV_RUN(5) | CV_RUN(6))

/* One candidate id: the digit run text[d..e) with up to 3 letters glued
 * before it ("ag1142"). */
static int try_id(const cv_detect_opts *o, const char *text, size_t len, size_t d, size_t e, cv_emit *em)
{
    if (e - d < 3 || e - d > 6) return 0;
    size_t b = d;
    while (b > 0 && d - b < 3 && is_alpha((unsigned char)text[b - 1])) b--;
    unsigned char before = b > 0 ? (unsigned char)text[b - 1] : ' ';
    if (is_alpha(before) || is_digit(before) || before == '@' || before == '.' || before == '/' ||
        before == '+' || before == '-')
        return 0;
    if (e < len) {
        unsigned char c = (unsigned char)text[e];
        if (is_alpha(c)) return 0;
        if ((c == '.' || c == ',' || c == ':' || c == '/' || c == '-') && e + 1 < len &&
            is_digit((unsigned char)text[e + 1]))
            return 0;
    }
    size_t st = b, en = e, nl;
    char norm[CV_NORM_MAX + 1];
    if (!validate_ext(o, text, len, &st, &en, norm, &nl)) return 0;
    return cvi_emit(em, st, en, norm, nl);
}

/* An agent word, or the '@' of a voicemail box (after a digit: a word
 * start of the gate's). */
static size_t ext_cues(const char **v, size_t cap)
{
    size_t n = cvi_cue_list(agent_words, v, cap);
    if (n < cap) v[n] = "@";
    return n + 1;
}

/* Every digit run: no regex, as most numbers in a text are not agents'
 * and the word before decides. */
static int scan_ext(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    return cvi_each_digit_run(o, text, len, f, ID_RUNS, try_id, em);
}


const cv_detector_type cvi_detector_agent_channel = {
    .name = "agent_channel",
    .entity = CV_ENT_AGENT,
    .priority = 4,
    /* Starts at the '/', so the scan looks for one byte; validate wants a
     * technology name before it. A peer ends at the dial string's ',',
     * '&', '/', ';', '|', ')' or a space. */
    .pattern = "/[A-Za-z0-9_.+*#-]+(?:@[A-Za-z0-9_.-]+)?",
    .compile_flags = 0,
    .needs = CV_NEED_SLASH,
    .min_digits = 1,
    .validate = validate_channel,
};

const cv_detector_type cvi_detector_agent_ext = {
    .name = "agent_ext",
    .entity = CV_ENT_AGENT,
    .priority = 4,
    /* texts without a run try_id takes are skipped before the scan */
    .min_digits = 3,
    .runs_any = ID_RUNS,
    .scan = scan_ext,
    .cues = ext_cues,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) { in++; len--; }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t')) len--;
    return lower_copy(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_agent = {
    .name = "agent",
    .default_action = CV_DEFAULT_TOKEN,
    .normalise = normalise,
};
