/*
 * recording_name.c - the parties named in call-recording file names, as PBX
 * and dialler software writes them into CDRs (userfield, recordingfile),
 * chat exports and the names of the files themselves:
 *   FreePBX, Issabel  in-2177-07700900123-20240101-120000-1700000000.123.wav
 *                     (out, exten, external, internal, q, g, rg, force,
 *                     ondemand, conf; "OUT2177-20240101-..." in older ones)
 *   Vicidial          20240101-120000_07700900123_6666-all.wav
 *   3CX               [Jane Smith]_101-07700900123_20240101120000(12).wav
 *   channel names     PJSIP-2177-00000020, SIP_ag1142-0000001a
 * The date and time (YYYYMMDD then HHMMSS) anchor the name; the fields
 * around them are read by their shape: 2 to 6 digits or a letters-and-
 * digits id are an agent's, 7 or more digits a phone number (masked ones
 * "0821XXXX8663" too), a 3CX [display name] a person. The type word,
 * the date, time and uniqueid stay, so analysts still see the call's kind
 * and time; queue, group and conference numbers are not people's and stay.
 * A name counts only with a type word, a uniqueid or audio file extension
 * after the time, or Vicidial's fields: "order 4411-20240101-120000" alone
 * is not one. Tokens are the agent, phone and person entities' own, so the
 * file name joins its CDR's channel, src and dst.
 */
#include <string.h>
#include <strings.h>

#include "filters.h"

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }
/* Field separators: '-' and '_', and the space a sanitised file name
 * (engine_record.c) has in place of '_' and of a letter's '-'. */
static int is_sep(unsigned char c) { return c == '-' || c == '_' || c == ' '; }

static int is_hex_run(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)p[i]) && !(((unsigned char)p[i] | 0x20) >= 'a' && ((unsigned char)p[i] | 0x20) <= 'f'))
            return 0;
    return 1;
}

static unsigned num(const char *p, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (unsigned)(p[i] - '0');
    return v;
}

/* YYYYMMDD, 1990 to 2099, a month and a day that can be one. */
static int is_date(const char *p)
{
    unsigned y = num(p, 4), m = num(p + 4, 2), d = num(p + 6, 2);
    return y >= 1990 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* HHMMSS (a leap second allowed). */
static int is_time(const char *p)
{
    for (int i = 0; i < 6; i++)
        if (!is_digit((unsigned char)p[i])) return 0;
    return num(p, 2) < 24 && num(p + 2, 2) < 60 && num(p + 4, 2) <= 60;
}

/* The words a PBX writes before the parties, and whether the first party
 * after it is a queue, ring group or conference (a number, no person). */
typedef struct kind {
    const char *w;
    int first_is_group;
} kind;
static const kind kinds[] = {
    { "in", 0 }, { "out", 0 }, { "exten", 0 }, { "external", 0 }, { "internal", 0 }, { "force", 0 },
    { "ondemand", 0 }, { "q", 1 }, { "g", 1 }, { "rg", 1 }, { "conf", 1 }, { NULL, 0 }
};

static const kind *kind_of(const char *p, size_t n)
{
    for (size_t k = 0; kinds[k].w; k++)
        if (strlen(kinds[k].w) == n && strncasecmp(p, kinds[k].w, n) == 0) return &kinds[k];
    return NULL;
}

/* Caller-id stand-ins and Vicidial's own words: no one's id. */
static int placeholder(const char *p, size_t n)
{
    static const char *const w[] = { "anonymous", "unknown", "restricted", "private", "withheld", "s",
                                     "all", "in", "out", "vdad", "vdcl", "closer", "mix", NULL };
    for (size_t k = 0; w[k]; k++)
        if (strlen(w[k]) == n && strncasecmp(p, w[k], n) == 0) return 1;
    return 0;
}

/* An audio file's extension right at p ('.' first), as a whole word. */
static int audio_ext_at(const char *text, size_t len, size_t p)
{
    static const char *const ext[] = { "wav", "wav49", "gsm", "mp3", "ogg", "opus", "flac", "m4a", "sln", "g729",
                                       "ulaw", "alaw", "webm", NULL };
    if (p >= len || text[p] != '.') return 0;
    size_t b = p + 1, e = b;
    while (e < len && e - b < 6 && is_alnum((unsigned char)text[e])) e++;
    if (e < len && is_alnum((unsigned char)text[e])) return 0;
    for (size_t k = 0; ext[k]; k++)
        if (strlen(ext[k]) == e - b && strncasecmp(text + b, ext[k], e - b) == 0) return 1;
    return 0;
}

/* A party found: bytes [b, e) and its entity. */
typedef struct party {
    size_t b, e;
    int entity;
} party;
#define PARTIES_MAX 8

typedef struct name_parse {
    party v[PARTIES_MAX];
    int n;
    int qualified;   /* a type word, uniqueid, audio extension or Vicidial's fields */
} name_parse;

static void add(name_parse *np, size_t b, size_t e, int entity)
{
    if (np->n < PARTIES_MAX) np->v[np->n++] = (party){ b, e, entity };
}

/* What a field [b, e) of only letters, digits and a leading '+' holds:
 * the entity, or -1 for none. */
static int field_entity(const char *text, size_t b, size_t e)
{
    size_t nd = 0, nx = 0, nl = 0;
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '+') {
            if (i != b) return -1;
        } else if (is_digit(c)) {
            nd++;
        } else if ((c | 0x20) == 'x') {
            nx++;
        } else {
            nl++;
        }
    }
    if (nl == 0 && nx == 0) return nd >= 7 ? CV_ENT_PHONE : nd >= 2 && nd <= 6 && text[b] != '+' ? CV_ENT_AGENT : -1;
    if (nl == 0 && nd >= 4 && e - b >= 7) return CV_ENT_PHONE;   /* masked: "0821XXXX8663" */
    if (nd == 0 || text[b] == '+' || e - b > 16) return -1;
    return CV_ENT_AGENT;   /* "ag1142" */
}

/* How the walk back ended. */
enum { BACK_EDGE, BACK_KIND, BACK_WORD };

/* The fields before the date at d, nearest first: up to four, each after a
 * separator, ending at a type word (BACK_KIND, as a 3CX [name] does), some
 * other word (BACK_WORD: "backup-0042-20240101-...": no recording's), or
 * anything else (BACK_EDGE). */
static int walk_back(const char *text, size_t d, name_parse *np)
{
    size_t i = d;
    int found = 0, last_added = 0;   /* the field found last is a party */
    while (found < 4 && i > 1 && is_sep((unsigned char)text[i - 1])) {
        size_t fe = i - 1, fs = fe;
        if (text[fe - 1] == ']') {
            /* 3CX: "[display name]_", maybe after "/101/" (its folder) */
            size_t cb = fe - 1, ob = cb;
            while (ob > 0 && cb - ob < 80 && text[ob - 1] != '[' && text[ob - 1] != ']' && text[ob - 1] != '/') ob--;
            if (ob == 0 || text[ob - 1] != '[') return BACK_EDGE;
            size_t nb = ob, ne = cb;
            while (nb < ne && text[nb] == ' ') nb++;
            while (ne > nb && text[ne - 1] == ' ') ne--;
            if (ne > nb) {
                int ent = field_entity(text, nb, ne);
                add(np, nb, ne, ent == CV_ENT_PHONE ? CV_ENT_PHONE : CV_ENT_PERSON);
            }
            size_t s = ob - 1;   /* the '[' */
            if (s > 0 && text[s - 1] == '/') {
                size_t fe2 = s - 1, fs2 = fe2;
                while (fs2 > 0 && fe2 - fs2 < 7 && is_digit((unsigned char)text[fs2 - 1])) fs2--;
                if (fe2 - fs2 >= 2 && fe2 - fs2 <= 6 && fs2 > 0 && text[fs2 - 1] == '/') add(np, fs2, fe2, CV_ENT_AGENT);
            }
            return BACK_KIND;
        }
        while (fs > 0 && fe - fs <= 24 && (is_alnum((unsigned char)text[fs - 1]) || text[fs - 1] == '+')) fs--;
        if (fs == fe || fe - fs > 24) return BACK_EDGE;
        if (fe - fs == 8 && is_hex_run(text + fs, 8)) {
            /* a channel's sequence ("pjsip-alice7-0000001f-2024..."): no one's */
            last_added = 0;
            found++;
            i = fs;
            continue;
        }
        size_t letters = 0;
        while (fs + letters < fe && is_alpha((unsigned char)text[fs + letters])) letters++;
        const kind *k = letters ? kind_of(text + fs, letters) : NULL;
        if (letters == fe - fs) {
            /* a word: the type ends the walk; a stand-in is skipped */
            if (k) {
                if (k->first_is_group && last_added) np->n--;   /* the queue's number */
                return BACK_KIND;
            }
            if (!placeholder(text + fs, fe - fs)) return BACK_WORD;
            last_added = 0;
        } else if (k && letters < fe - fs) {
            /* Issabel's "OUT2177", "g600": the type glued to the party */
            int all_digits = 1;
            for (size_t j = fs + letters; j < fe; j++) all_digits &= is_digit((unsigned char)text[j]);
            if (all_digits) {
                if (!k->first_is_group) {
                    int ent = field_entity(text, fs + letters, fe);
                    if (ent >= 0) add(np, fs + letters, fe, ent);
                }
                return BACK_KIND;
            }
            int ent = field_entity(text, fs, fe);
            last_added = ent >= 0;
            if (ent >= 0) add(np, fs, fe, ent);
        } else {
            int ent = field_entity(text, fs, fe);
            last_added = ent >= 0;
            if (ent >= 0) add(np, fs, fe, ent);
        }
        found++;
        i = fs;
    }
    return BACK_EDGE;
}

/* Vicidial's fields after the time at t: "_PHONE_USER", "_USER", ... up to
 * three, each after '_' (or the space of a sanitised name). They make a
 * name only with a phone number among them or the file's own ending after
 * them ("-all.wav", ".wav"); a word is a user only as the last field. */
static void walk_forward(const char *text, size_t len, size_t t, name_parse *np)
{
    size_t i = t;
    int found = 0, before = np->n, phone = 0;
    while (found < 3 && i < len && (text[i] == '_' || text[i] == ' ')) {
        size_t fs = i + 1, fe = fs;
        while (fe < len && fe - fs <= 24 && (is_alnum((unsigned char)text[fe]) || (fe == fs && text[fe] == '+'))) fe++;
        if (fe == fs || fe - fs > 24) break;
        int ent = field_entity(text, fs, fe);
        if (ent < 0) {
            int word = 1;
            for (size_t j = fs; j < fe; j++) word &= is_alpha((unsigned char)text[j]);
            int last = fe == len || text[fe] == '-' || text[fe] == '.';
            if (!word || !last || placeholder(text + fs, fe - fs)) break;
            ent = CV_ENT_AGENT;   /* a login name: "jsmith" */
        }
        phone |= ent == CV_ENT_PHONE;
        add(np, fs, fe, ent);
        found++;
        i = fe;
    }
    if (np->n == before) return;
    /* Vicidial's "-all", "-in", "-out" before the extension */
    size_t x = i;
    if (x < len && text[x] == '-') {
        size_t w = x + 1;
        while (w < len && w - x <= 4 && is_alpha((unsigned char)text[w])) w++;
        if (placeholder(text + x + 1, w - x - 1)) x = w;
    }
    if (phone || audio_ext_at(text, len, x))
        np->qualified = 1;
    else
        np->n = before;
}

/* A recording name whose date is the digit run [d, e), the parties in np. */
static int parse_name(const char *text, size_t len, size_t d, size_t e, name_parse *np)
{
    np->n = 0;
    np->qualified = 0;
    if (d > 0 && !is_sep((unsigned char)text[d - 1]) && text[d - 1] != '/' && text[d - 1] != '=') return 0;
    size_t t;
    if (e - d == 8) {
        /* FreePBX, Vicidial: YYYYMMDD-HHMMSS */
        if (e + 7 > len || !is_sep((unsigned char)text[e]) || !is_date(text + d) || !is_time(text + e + 1)) return 0;
        t = e + 7;
        if (t < len && is_digit((unsigned char)text[t])) return 0;
    } else if (e - d == 14) {
        /* 3CX: YYYYMMDDhhmmss(N).wav */
        if (!is_date(text + d) || !is_time(text + d + 8)) return 0;
        t = e;
        if (t < len && text[t] == '(') {
            t++;
            while (t < len && t - e <= 6 && is_digit((unsigned char)text[t])) t++;
            if (t >= len || text[t] != ')') return 0;
            t++;
        }
        if (!audio_ext_at(text, len, t)) return 0;
    } else {
        return 0;
    }
    int back = walk_back(text, d, np);
    if (back == BACK_KIND || (e - d == 14 && back != BACK_WORD)) np->qualified = 1;
    if (e - d == 8) {
        /* FreePBX's uniqueid (-EPOCH.SEQ), after parties no other word
         * names as something else */
        size_t u = t + 1, ue = u;
        while (ue < len && is_digit((unsigned char)text[ue])) ue++;
        if (back != BACK_WORD && t < len && is_sep((unsigned char)text[t]) && ue - u >= 9 && ue - u <= 11 &&
            ue + 1 < len && text[ue] == '.' && is_digit((unsigned char)text[ue + 1]))
            np->qualified = 1;
        if (audio_ext_at(text, len, t)) np->qualified = 1;
        walk_forward(text, len, t, np);
    }
    return np->qualified && np->n > 0;
}

/* Emit the parties of entity `want` in the name dated [d, e). */
static int emit_parties(const cv_detect_opts *o, const char *text, size_t len, size_t d, size_t e, int want,
                        cv_emit *em)
{
    name_parse np;
    if (!parse_name(text, len, d, e, &np)) return 0;
    for (int k = 0; k < np.n; k++) {
        const party *p = &np.v[k];
        if (p->entity != want) continue;
        char norm[CV_NORM_MAX + 1];
        size_t nl = 0;
        const cv_entity_type *et = cvi_entity(want);
        if (!et->normalise(o, text + p->b, p->e - p->b, norm, &nl)) {
            /* a national number no region reads, a masked one: its
             * characters, lower-cased, still make one token per value */
            if (want != CV_ENT_PHONE || p->e - p->b > CV_NORM_MAX) continue;
            nl = p->e - p->b;
            for (size_t j = 0; j < nl; j++) {
                unsigned char c = (unsigned char)text[p->b + j];
                norm[j] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
            }
            norm[nl] = '\0';
        }
        if (want == CV_ENT_AGENT && cvi_agent_is_trunk(o, norm)) continue;
        int rc = cvi_emit(em, p->b, p->e, norm, nl);
        if (rc) return rc;
    }
    return 0;
}

static int try_agent(const cv_detect_opts *o, const char *text, size_t len, size_t d, size_t e, cv_emit *em)
{
    return emit_parties(o, text, len, d, e, CV_ENT_AGENT, em);
}

static int try_phone(const cv_detect_opts *o, const char *text, size_t len, size_t d, size_t e, cv_emit *em)
{
    return emit_parties(o, text, len, d, e, CV_ENT_PHONE, em);
}

static int try_person(const cv_detect_opts *o, const char *text, size_t len, size_t d, size_t e, cv_emit *em)
{
    return emit_parties(o, text, len, d, e, CV_ENT_PERSON, em);
}

/* The date's run: 8 digits, or 14 with the time (3CX). */
#define NAME_RUNS (CV_RUN(8) | CV_RUN(14))

static int scan_agent(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    return cvi_each_digit_run(o, text, len, f, NAME_RUNS, try_agent, em);
}

static int scan_phone(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    return cvi_each_digit_run(o, text, len, f, NAME_RUNS, try_phone, em);
}

static int scan_person(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    return cvi_each_digit_run(o, text, len, f, NAME_RUNS, try_person, em);
}

const cv_detector_type cvi_detector_recname_agent = {
    .name = "recname_agent",
    .entity = CV_ENT_AGENT,
    .priority = 4,
    .min_digits = 14,   /* the date and time */
    .runs_any = NAME_RUNS,
    .scan = scan_agent,
};

const cv_detector_type cvi_detector_recname_phone = {
    .name = "recname_phone",
    .entity = CV_ENT_PHONE,
    .priority = 4,
    .min_digits = 18,   /* the date, the time and a masked number's 4 */
    .runs_any = NAME_RUNS,
    .scan = scan_phone,
};

const cv_detector_type cvi_detector_recname_person = {
    .name = "recname_person",
    .entity = CV_ENT_PERSON,
    .priority = 4,
    .min_digits = 14,
    .runs_any = CV_RUN(14),   /* 3CX's names only */
    .scan = scan_person,
};

/* ---- channel names written into file names ------------------------------ */

/* "PJSIP-2177-00000020", "SIP_ag1142-0000001a" (a channel name whose '/'
 * a dialplan replaced to make a file name): the peer is the agent's, as in
 * agent_channel. The match starts at the technology; validate narrows it. */
static const char *const file_techs[] = { "pjsip", "sip", "iax2", "skinny", "sccp", "mgcp", "unistim", "webrtc",
                                          "h323", "ooh323", NULL };

static size_t channel_cues(const char **v, size_t cap) { return cvi_cue_list(file_techs, v, cap); }

static int validate_channel_file(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                                 char *norm, size_t *norm_len)
{
    (void)len;
    size_t b = *start, e = *end - 9;   /* before "-XXXXXXXX" */
    while (b < e && is_alnum((unsigned char)text[b])) b++;
    b++;   /* the separator */
    if (b >= e) return 0;
    /* a dialled number is the phone's; "SIP-2024..." a date is no peer */
    size_t nd = 0;
    for (size_t i = b; i < e; i++) nd += is_digit((unsigned char)text[i]);
    if (nd >= 7 && nd == e - b) return 0;
    const cv_entity_type *et = cvi_entity(CV_ENT_AGENT);
    if (!et->normalise(o, text + b, e - b, norm, norm_len) || cvi_agent_is_trunk(o, norm)) return 0;
    *start = b;
    *end = e;
    return 1;
}

const cv_detector_type cvi_detector_agent_channel_file = {
    .name = "agent_channel_file",
    .entity = CV_ENT_AGENT,
    .priority = 4,
    .pattern = "(?<![A-Za-z0-9])(?i:pjsip|sip|iax2|skinny|sccp|mgcp|unistim|webrtc|h323|ooh323)[-_ ]"
               "[A-Za-z0-9.+*#]{1,40}?-[0-9a-fA-F]{8}(?![0-9A-Za-z])",
    .min_digits = 1,
    .validate = validate_channel_file,
    .cues = channel_cues,
};
