/*
 * filters.h - detectors (find personal identifiers in text), their
 * normalisers (make equal identifiers equal before hashing, DESIGN §6),
 * validators, and the pure value transforms (mask, generalise).
 *
 * An entity (cv_entity_type) and its detectors (cv_detector_type) are static
 * const descriptors in their own file, listed once in filters/registry.def. The detection engine (detect.c) compiles every
 * enabled detector's PCRE2 pattern once (JIT), and runs them over a text
 * value with per-thread match data, only where a cheap prefilter says they
 * can match, then validates candidates and resolves overlaps.
 * Nothing here knows about policies, keys or records.
 */
#ifndef CV_FILTERS_H
#define CV_FILTERS_H

#include <stddef.h>
#include <stdint.h>

#include "../pipeline/common/base.h"

/* Entity ids, in registry.def's order. An entity's name (cvi_entity_name)
 * is also its token domain. */
typedef enum cv_entity {
#define CV_ENTITY(ID, name) CV_ENT_##ID,
#define CV_DETECTOR(name)
#include "registry.def"
#undef CV_ENTITY
#undef CV_DETECTOR
    CV_ENT__COUNT
} cv_entity;

/* Detector ids, in registry.def's order: index into cvi_detectors[], and
 * the order of the manifest's per-detector counts. */
typedef enum cv_detector_id {
#define CV_ENTITY(ID, name)
#define CV_DETECTOR(name) CV_DET_##name,
#include "registry.def"
#undef CV_ENTITY
#undef CV_DETECTOR
    CV_DET__COUNT
} cv_detector_id;
#define CV_DET_NONE 0xFFFF   /* a span no detector made (names from fields) */

const char *cvi_entity_name(int entity);          /* "phone", ... ; NULL if out of range */
int cvi_entity_from_name(const char *name, size_t n);  /* id, or -1 */

/* Detectors and entities a policy adds (custom.c) get ids after the
 * built-in ones: entity CV_ENT__COUNT + k, detector CV_DET__COUNT + k. */
#define CV_CUSTOM_MAX 32
#define CV_ENT_MAX (CV_ENT__COUNT + CV_CUSTOM_MAX)
#define CV_DET_MAX (CV_DET__COUNT + CV_CUSTOM_MAX)

/* Options shared by detectors and normalisers.
 * region: the first listed country (ISO 3166 alpha-2, e.g. "GB"; "" none),
 * the one for everything that reads a single country (the day/month order
 * of dates); more[0..nmore): the other listed countries, in order. A
 * national phone number is read with the first of region, more[0], ... in
 * which it is valid (else the first in which it is possible with its trunk
 * prefix written, or in the NANP shape: phone.c). */
#define CV_REGIONS_MAX 16
typedef struct cv_detect_opts {
    char region[3];
    uint8_t nmore;
    char more[CV_REGIONS_MAX - 1][3];
    /* Set by detect.c while a detector runs (callers leave it NULL): that
     * detector's per-thread scratch (cv_detector_type.scratch_size bytes,
     * zeroed when its cv_detect_ws is made, wiped when it is freed). */
    void *scratch;
    /* The policy's `trunks:`: Asterisk peer names that are trunks, not
     * agents (lower case; borrowed from the policy). */
    const char *const *trunks;
    size_t ntrunks;
    /* Nonzero: no cue gate (cv_detector_type.cues), no cluster_wanted and
     * no detector's own whole-text gate (person-spelled's), every detector
     * runs over windows around every cluster; for the tests that show
     * those gates change no span. */
    uint8_t no_gates;
} cv_detect_opts;

/* Normalised values are short: an E.164 number, a lower-cased e-mail (<= 254),
 * an IBAN (<= 34), ... CV_NORM_MAX bounds them all (longer inputs fail). */
#define CV_NORM_MAX 320

/* What happens to an entity's identifiers when the policy does not say. */
typedef enum cv_default_action {
    CV_DEFAULT_REDACT = 0,   /* the fail-closed default: "[entity]" */
    CV_DEFAULT_TOKEN,        /* keyed-hash pseudonym */
    CV_DEFAULT_MASK          /* the entity's mask (or the generic one) */
} cv_default_action;

/*
 * An entity: everything about one kind of identifier that does not depend on
 * where it was found. One static const descriptor per entity, in the file of
 * its detector(s), listed once in registry.def.
 *
 * normalise: the form tokens are made of, from a value given as a field or
 *   found in text: writes norm (cap CV_NORM_MAX + 1, NUL-terminated) and
 *   *norm_len; returns 1 if the value is a well-formed identifier of this
 *   entity, 0 if not (refusing inputs too long for its form). NULL: the
 *   generic normalisation (cvi_normalise_generic), any non-empty value.
 * mask: the masked rendering, appended to out (0 or CV_ENOMEM); NULL:
 *   cvi_mask_default.
 * spelled: nonzero if the letters and digits p[0..n), joined from a spoken
 *   transcript ("S W one A one A A"), have this entity's shape; the
 *   detectors judge the rest. NULL: never spelled letter by letter.
 */
typedef struct cv_entity_type {
    const char *name;
    cv_default_action default_action;
    int (*normalise)(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len);
    int (*mask)(const char *v, size_t n, cv_buf *out);
    int (*spelled)(const char *p, size_t n);
} cv_entity_type;

/* The entities, indexed by id (filter_registry.c). cvi_entity: NULL out of
 * range. cvi_mask_default: every letter and digit starred except the last 4
 * digits of values of 8 or more digits (4 digits do not identify those). */
extern const cv_entity_type *const cvi_entities[CV_ENT__COUNT];
const cv_entity_type *cvi_entity(int entity);
int cvi_mask_default(const char *v, size_t n, cv_buf *out);

/* One detected identifier in a text value: bytes [start, end) of the text,
 * and its normalised form (NUL-terminated) used for the token. */
typedef struct cv_span {
    uint32_t start, end;
    uint16_t entity;                 /* cv_entity */
    uint16_t norm_len;
    uint16_t detector;               /* cv_detector_id that found it, or CV_DET_NONE */
    char norm[CV_NORM_MAX + 1];
} cv_span;

typedef struct cv_span_list {
    cv_span *v;
    size_t n, cap;
} cv_span_list;

void cvi_span_list_free(cv_span_list *l);

/* Digit clusters: runs of digits joined across gaps of up to CV_CLUSTER_GAP
 * other bytes. Digit-anchored detectors search only near them. */
#define CV_MAX_CLUSTERS 32
#define CV_CLUSTER_GAP 6

/* Prefilter facts computed once per text value; detectors declare which they need. */
typedef struct cv_text_facts {
    uint32_t digits;         /* number of ASCII digits */
    uint32_t first_digit;    /* offset of the first digit (len if none) */
    uint8_t has_at;          /* '@' present */
    uint8_t has_colon;       /* ':' present */
    uint8_t has_slash;       /* '/' present */
    uint8_t ipv6_shape;      /* "::" or three or more ':' (an IPv6 address needs one or the other) */
    uint8_t has_spoken_at;   /* " at " present, case-insensitive (spoken e-mail) */
    uint32_t letter_digit;   /* digits right after an ASCII letter ("SW1", "A9") */
    uint32_t nclusters;      /* > CV_MAX_CLUSTERS: too many, search the whole text */
    uint32_t cl_start[CV_MAX_CLUSTERS], cl_end[CV_MAX_CLUSTERS];   /* [start, end) of each cluster */
    /* Per cluster: its digits (255 = 255 or more), the lengths of its runs of
     * consecutive digits (bit k: a run of k, bit 31: 31 or more) and which
     * bytes stand between them (CV_GAP_*). */
    uint32_t runs;           /* the clusters' cl_runs together, and bit 0 (all bits: too many clusters) */
    uint8_t cl_digits[CV_MAX_CLUSTERS];
    uint8_t cl_gaps[CV_MAX_CLUSTERS];
    uint32_t cl_runs[CV_MAX_CLUSTERS];
} cv_text_facts;

/* cv_detector_type.needs: '@', a spoken " at ", '/', a digit right after
 * an ASCII letter, an IPv6 shape (cv_text_facts.has_at ... ipv6_shape). */
enum { CV_NEED_AT = 1, CV_NEED_SPOKEN_AT = 2, CV_NEED_SLASH = 4, CV_NEED_LETTER_DIGIT = 8, CV_NEED_IPV6 = 16 };
#define CV_NEED__BITS 5

enum { CV_GAP_SPACE = 1, CV_GAP_DOT = 2, CV_GAP_DASH = 4, CV_GAP_SLASH = 8, CV_GAP_LETTER = 16, CV_GAP_OTHER = 32 };
#define CV_RUN(k) (1u << ((k) < 31 ? (k) : 31))

/*
 * A detector. `pattern` is a PCRE2 (UTF mode) pattern whose whole match is
 * the candidate (or `scan`, below, finds candidates itself). `validate` (may be NULL) judges a candidate in its context:
 * it receives the full text and the match [*start, *end), may narrow the
 * span, and writes the normalised value into norm (cap CV_NORM_MAX + 1,
 * NUL-terminated, length to *norm_len). Returns 1 accept, 0 reject.
 * `wanted` returns nonzero if the prefilter facts allow a match at all
 * (`min_digits`, below, says the same declaratively, and more cheaply).
 * `search_from` (may be NULL) returns the offset from which matching may
 * start (e.g. a few bytes before the first digit).
 */
/* A scanner's candidate sink (detect.c). cvi_emit records the candidate
 * [start, end) with its normal form (norm_len <= CV_NORM_MAX); 0 or
 * CV_ENOMEM. The candidates of all detectors then resolve as usual. */
typedef struct cv_emit cv_emit;
int cvi_emit(cv_emit *em, size_t start, size_t end, const char *norm, size_t norm_len);

typedef struct cv_detector_type {
    const char *name;
    int entity;
    int priority;                      /* higher wins an overlap of equal length */
    const char *pattern;               /* NULL for a scanner */
    uint32_t compile_flags;            /* extra PCRE2 compile flags (PCRE2_UTF always set; no UCP: ASCII classes are faster) */
    int (*wanted)(const cv_text_facts *f);
    size_t (*search_from)(const cv_text_facts *f);
    /* Every match holds at least this many digits: texts with fewer are
     * skipped before `wanted` (which may then be NULL) is asked. */
    uint16_t min_digits;
    /* The facts every match needs (CV_NEED_*), the common `wanted` tests
     * said declaratively: a set tests them for all its detectors at once. */
    uint8_t needs;
    /* Nonzero: every match holds a run of consecutive digits of one of
     * these lengths (CV_RUN bits); texts and clusters without one are
     * skipped (cv_text_facts.runs, cl_runs). */
    uint32_t runs_any;
    int (*validate)(const cv_detect_opts *o, const char *text, size_t len,
                    size_t *start, size_t *end, char *norm, size_t *norm_len);
    /* Digit-anchored detectors (every match holds a digit, starts at most
     * win_before bytes before a digit cluster and ends at most win_after
     * bytes after one) set win_after > 0: they are matched only in those
     * windows, not over the whole text. validate still sees the whole text. */
    uint16_t win_before, win_after;
    /* Such a detector may also judge each cluster from its facts (digits,
     * run lengths, gaps; the text is there for a byte or two around it):
     * nonzero if a match can hold cluster i's digits. Windows are searched
     * only around the clusters it accepts. NULL: every cluster. */
    int (*cluster_wanted)(const char *text, size_t len, const cv_text_facts *f, uint32_t i);
    /* Clusters with fewer digits than this are not searched either (the
     * common first test of cluster_wanted, said declaratively: no call). */
    uint8_t cluster_digits;
    /* A scanner instead of a pattern (word lists, gazetteers, grammars a
     * regex states badly): finds its own candidates in text[0..len) and
     * emits them; nonzero (CV_E*) fails the text closed. Must be
     * thread-safe (no state but its const data). wanted still applies. */
    int (*scan)(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em);
    /* Bytes of per-thread scratch (o->scratch in validate and scan), e.g. a
     * memo of recent verdicts that cost a library call; 0: none. A memo of
     * identifiers is personal data: it is wiped with its cv_detect_ws. */
    size_t scratch_size;
    /* Cue words, or NULL: puts up to cap of them in v and returns how many
     * there are (more than cap: the gate is off). Every match needs one of
     * them in the text, starting at a word start (no ASCII letter right
     * before it), equal to it ASCII case-insensitively (other bytes exact).
     * A text holding none is skipped before the detector runs; one pass
     * finds the cues of every detector (detect.c). Give the detector's own
     * keyword list (cvi_cue_list), so the gate cannot drift from the check. */
    size_t (*cues)(const char **v, size_t cap);
} cv_detector_type;

/* Does a digit run of cluster i begin right after two letters, or after two
 * letters and one byte of seps ("CE 12 34 56 A", "NO 02 1503", "AL47-2121")?
 * For cluster_wanted of detectors whose pattern needs such letters before
 * the digits. A letter here is an ASCII one or any byte of a multi-byte
 * character: caseless classes also match Unicode twins (the Kelvin sign). */
int cvi_run_after_letters(const char *text, const cv_text_facts *f, uint32_t i, const char *seps);

/* The strings of a NULL-terminated list as cues (cv_detector_type.cues). */
size_t cvi_cue_list(const char *const *list, const char **v, size_t cap);

/* The detectors: a NULL-terminated const list (registry.def). */
extern const cv_detector_type *const cvi_detectors[];

/* Helpers shared by detectors (validators.c). cvi_keyword_before: one of
 * the lower-case keywords kw (NULL-terminated) ends within `window` bytes
 * before text[start], case-insensitively. cvi_word_before: the word right
 * before text[start] is one of kw. cvi_iban_length: the registered IBAN
 * length of a two-letter country code, 0 if none. */
int cvi_keyword_before(const char *text, size_t start, size_t window, const char *const *kw);
int cvi_word_before(const char *text, size_t start, const char *const *kw);
int cvi_iban_length(const char *cc);
/* For scanners: calls fn for each maximal run of ASCII digits text[d..e),
 * found through the prefilter's digit clusters (the whole text when there
 * are too many); stops at and returns fn's first nonzero result. runs
 * (CV_RUN bits, 0: any): the run lengths fn can accept; clusters without
 * one are skipped. */
typedef int (*cvi_digit_run_fn)(const cv_detect_opts *o, const char *text, size_t len, size_t d, size_t e,
                                cv_emit *em);
int cvi_each_digit_run(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, uint32_t runs,
                       cvi_digit_run_fn fn, cv_emit *em);
/* An Asterisk peer name (lower case) that is a trunk, gateway or carrier
 * (by its name, or listed in the policy's `trunks:`), not an agent. */
int cvi_agent_is_trunk(const cv_detect_opts *o, const char *norm);
/* The word starting at text[s] is a street type written before the
 * street's name ("rue", "via", "boulevard", "calle", "Rua"): address.c's
 * list, for the person detector (a name after it is the street's). */
int cvi_address_type_first(const char *text, size_t len, size_t s);

/*
 * A detector a policy defines (`detectors:`): a PCRE2 pattern or a word
 * list, an optional context (one of the words in `context` within
 * `context_window` words before the match), a check on the value and the
 * normal form its token is made of. Borrowed by the set it is given to
 * (strings and word sets must outlive it).
 */
typedef enum cv_custom_check {
    CV_CHECK_NONE = 0,
    CV_CHECK_LUHN,        /* the digits pass Luhn (cards, many customer numbers) */
    CV_CHECK_MOD97,       /* letters and digits pass ISO 7064 MOD 97-10 as an IBAN does */
    CV_CHECK_MOD11        /* sum of digit x weight (n, n-1, ..., 1) = 0 mod 11 (NHS number, ISBN-10) */
} cv_custom_check;

typedef enum cv_custom_norm {
    CV_CNORM_NONE = 0,    /* as written, surrounding whitespace trimmed */
    CV_CNORM_DIGITS,      /* the digits only */
    CV_CNORM_UPPER,       /* ASCII upper case, whitespace runs as one space */
    CV_CNORM_LOWER        /* ASCII lower case, whitespace runs as one space */
} cv_custom_norm;

typedef struct cv_wordset cv_wordset;
typedef struct cv_custom_detector {
    const char *name;
    int entity;                   /* a built-in id or CV_ENT__COUNT + k */
    const char *regex;            /* PCRE2 pattern (UTF), or NULL for words */
    const cv_wordset *words;      /* the words, or NULL for regex */
    const cv_wordset *context;    /* NULL: no context needed */
    uint32_t context_window;      /* words before the match that may hold one */
    cv_custom_check check;
    cv_custom_norm norm;
} cv_custom_detector;

/* The custom detector's verdict on the candidate text[st..en): context and
 * check, and its normal form into norm. 1 accept, 0 reject (custom.c). */
int cvi_custom_accept(const cv_custom_detector *c, const char *text, size_t len, size_t st, size_t en, char *norm,
                      size_t *norm_len);
/* The custom detector's normal form of a value given as a field: 1, or 0
 * if nothing of it is left (custom.c). */
int cvi_custom_normalise(const cv_custom_detector *c, const char *v, size_t n, char *norm, size_t *norm_len);
/* Run a word-list custom detector over text, emitting what it accepts. */
int cvi_custom_scan_words(const cv_custom_detector *c, const char *text, size_t len, cv_emit *em);
/* address.c: a street-type word ("Road", "rue", "Hauptstraße", ...) in the
 * `window` bytes before text[start], on the same line (postcode context). */
int cvi_street_before(const char *text, size_t start, size_t window);

/* Compiled detector set: immutable after creation, shared by all threads. */
typedef struct cv_detector_set cv_detector_set;
/* Per-thread scratch (PCRE2 match data). */
typedef struct cv_detect_ws cv_detect_ws;

/* enabled[entity] != 0 selects detectors. Returns 0 or CV_E*; on failure
 * *err (if non-NULL) points at a static reason. */
int cvi_detector_set_create(const cv_detect_opts *o, const uint8_t enabled[CV_ENT__COUNT],
                           cv_detector_set **out, const char **err);
/* The same with a policy's custom detectors (ncustom <= CV_CUSTOM_MAX; the
 * k-th gets detector id CV_DET__COUNT + k). A pattern that does not compile
 * or can match the empty string fails with *err naming the reason; *bad
 * (if non-NULL) is then the index of the custom detector at fault. */
int cvi_detector_set_create_ex(const cv_detect_opts *o, const uint8_t enabled[CV_ENT__COUNT],
                              const cv_custom_detector *custom, size_t ncustom, cv_detector_set **out,
                              const char **err, size_t *bad);
void cvi_detector_set_free(cv_detector_set *s);                 /* NULL ok */
cv_detect_ws *cvi_detect_ws_create(const cv_detector_set *s);   /* NULL on ENOMEM */
void cvi_detect_ws_free(cv_detect_ws *ws);                      /* NULL ok */

/* Unicode look-alikes (fold.c). cvi_fold_at: if p[0..n) starts a character
 * that folds (full-width ASCII, a Unicode space or dash, a zero-width
 * character), its length in bytes, with its ASCII form in *ascii (0: drop
 * it); else 0. cvi_fold_text: folds text[0..len) into out (cap len) and
 * returns the folded length k; map[j] (cap len + 1) is the offset in text of
 * the character out[j] came from, map[k] = len. */
size_t cvi_fold_at(const unsigned char *p, size_t n, char *ascii);
size_t cvi_fold_text(const char *text, size_t len, char *out, uint32_t *map);

/* Find identifiers in text[0..len) (valid UTF-8). Clears `out`, then fills it
 * with non-overlapping spans sorted by start. Overlaps resolve to the longer
 * span, then the higher priority. Returns 0 or CV_ENOMEM. */
int cvi_detect(const cv_detector_set *s, cv_detect_ws *ws, const char *text, size_t len,
              cv_span_list *out);
/* cvi_detect with the options o (its regions; NULL: the set's) instead of
 * the set's: an input rule or a record with its own country. */
int cvi_detect_with(const cv_detector_set *s, cv_detect_ws *ws, const cv_detect_opts *o, const char *text,
                   size_t len, cv_span_list *out);

/* Normalise a value given as a structured field (not found by a detector):
 * applies the entity's normalisation (phone → E.164 using o's regions, e-mail
 * lower-case, IBAN upper-case without spaces, card digits only, IP canonical,
 * person: case-folded, whitespace collapsed). Returns 1 if the value is a
 * well-formed identifier of that type, 0 if not (then `norm` holds a generic
 * normalisation: trimmed, whitespace collapsed, ASCII lower-cased), -1 if
 * the value is too long for CV_NORM_MAX. */
int cvi_normalise(int entity, const cv_detect_opts *o, const char *in, size_t len,
                 char norm[CV_NORM_MAX + 1], size_t *norm_len);
/* The generic normalisation alone (for custom token domains). */
int cvi_normalise_generic(const char *in, size_t len, char norm[CV_NORM_MAX + 1], size_t *norm_len);
/* An entity's `normalise` that is the generic normalisation (names,
 * addresses): 1 ok, 0 empty or too long. */
int cvi_normalise_words(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len);

/* Phone helpers: E.164 from any written form (returns 1 ok, 0 not a phone),
 * and the calling-code length of an E.164 string ("+44..." → 2). */
int cvi_phone_e164(const cv_detect_opts *o, const char *in, size_t len, char *out, size_t cap, size_t *out_len);
int cvi_phone_cc_len(const char *e164, size_t len);

/* Validators. */
int cvi_luhn_valid(const char *digits, size_t n);        /* digits only */
int cvi_iban_valid(const char *iban, size_t n);          /* upper-case, no spaces */

/* Transforms (pure). Output is appended to out. */
/* mask: keep the format, replace every letter/digit except the last `keep`
 * digits with '*' (cards: keep = 4 → "**** **** **** 4242"). */
int cvi_mask(const char *in, size_t len, unsigned keep, cv_buf *out);

typedef enum cv_gen_unit {
    CV_GEN_HOUR = 1, CV_GEN_DAY, CV_GEN_WEEK, CV_GEN_WEEKDAY_HOUR, CV_GEN_BANDS,
    CV_GEN_MONTH, CV_GEN_QUARTER, CV_GEN_YEAR
} cv_gen_unit;
/* How a duration band is written: "30-59" (and "1800+"), or its lower bound 30. */
typedef enum cv_bands_as { CV_BANDS_RANGE = 0, CV_BANDS_LOWER_BOUND = 1 } cv_bands_as;
/* generalise a timestamp, keeping its written style: "2024-03-05T14:23:11.5+01:00"
 * → hour "2024-03-05T14:00:00+01:00", day "2024-03-05T00:00:00+01:00"; a bare
 * date stays a date. Accepts ISO 8601 / RFC 3339, "YYYY-MM-DD HH:MM:SS" and
 * epoch times (10 digits: seconds, 13: milliseconds), which are UTC and come
 * out as "2024-03-05T14:00:00Z". Month "2024-03", quarter "2024-Q1", year
 * "2024" (of the date as written, in its own offset).
 * Returns 0, or CV_EINPUT if the value is not a timestamp (out unchanged). */
int cvi_generalise_time(const char *in, size_t len, cv_gen_unit unit, cv_buf *out);
/* The duration bands (seconds) when a policy or `risk --generalise` names none. */
#define CVI_DURATION_BANDS_DEFAULT { 30, 60, 120, 300, 600, 1800 }

/* generalise a duration (seconds, decimal seconds, or [H:]MM:SS) into bands:
 * bounds ascending, e.g. {30,60,120} → "0-29", "30-59", "60-119", "120+".
 * Returns 0 or CV_EINPUT. */
int cvi_generalise_duration(const char *in, size_t len, const uint32_t *bounds, size_t nbounds, cv_buf *out);
/* The same, written as `as` says: CV_BANDS_LOWER_BOUND gives "0", "30", ...,
 * "120" (a number, so numeric columns stay numeric). */
int cvi_generalise_duration_as(const char *in, size_t len, const uint32_t *bounds, size_t nbounds, cv_bands_as as,
                              cv_buf *out);

/* A timestamp (the forms cvi_generalise_time reads) as seconds since the
 * epoch, UTC: a written offset is applied, a time without one is UTC.
 * 0 or CV_EINPUT. */
int cvi_time_parse(const char *in, size_t len, int64_t *utc);
/* Move a timestamp's date by `days`, keeping its time, fraction and offset
 * as written (an epoch time stays one, in its unit). 0, CV_EINPUT or CV_ENOMEM. */
int cvi_shift_time(const char *in, size_t len, int days, cv_buf *out);
/* "YYYY-MM-DD" → y, m, d. 0 or CV_EINPUT. */
int cvi_date_parse(const char *in, size_t len, int *y, int *m, int *d);
/* 00:00 UTC of the date `n` units before y-m-d (unit 'd', 'w', 'm', 'y'),
 * in seconds since the epoch. Months and years are calendar ones, clamped
 * to the month's last day. */
int64_t cvi_age_cutoff(int y, int m, int d, uint32_t n, char unit);

/* Multi-pattern word and phrase matcher (wordset.c). */
#include "wordset.h"

#endif
