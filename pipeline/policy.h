/*
 * policy.h - the loaded policy (DESIGN §5), internal model.
 *
 * The YAML is parsed with libyaml's document API (so every node keeps its
 * line) into this immutable structure; validation collects every problem.
 * Lookup of a field's action by path is done by the engine.
 */
#ifndef CV_POLICY_H
#define CV_POLICY_H

#include "common/base.h"
#include "../filters/filters.h"

typedef enum cv_action_kind {
    CV_ACT_DROP = 0,      /* remove the field */
    CV_ACT_KEEP,          /* pass unchanged */
    CV_ACT_SCAN,          /* run the detectors; found identifiers get the `entities` action */
    CV_ACT_TOKEN,         /* replace with a keyed pseudonym of domain `domain` */
    CV_ACT_REDACT,        /* replace with "[redacted]" (fields) / "[type]" (free text) */
    CV_ACT_MASK,          /* keep format, star out all but the last 4 digits */
    CV_ACT_GENERALISE     /* time → hour/day/...; duration → band */
} cv_action_kind;

enum {
    CV_AOPT_KEEP_CC = 1u << 0,       /* token: "phone:+44:…" */
    CV_AOPT_KEEP_DOMAIN = 1u << 1,   /* token: "email:…@example.com" */
    CV_AOPT_CLID = 1u << 2,          /* token: value is a caller id `"Name" <number>` */
    CV_AOPT_AREA_CODE = 1u << 3,     /* cc_column: "+1 212" (NANP, GB) rather than "+1" */
    CV_AOPT_BANDS_LOWER = 1u << 4,   /* generalise duration: the band's lower bound as a number ("30") */
    CV_AOPT_CC_AUTO = 1u << 5        /* keep_country_code: cc_column named after the field (load_fields) */
};

/* Retention (DESIGN §5): records older than max_age (relative to --as-of)
 * are dropped; a field class older than its own max_age loses those fields. */
typedef struct cv_age {
    uint32_t n;            /* 0: no limit */
    uint8_t unit;          /* 'd' days, 'w' weeks, 'm' months, 'y' years */
} cv_age;

typedef struct cv_field_class {
    char *name;
    cv_age max_age;
    char **paths;
    size_t npaths;
} cv_field_class;

typedef struct cv_retention {
    char *field;           /* path of the record's timestamp; NULL: no retention */
    cv_age max_age;        /* the whole record */
    cv_field_class *classes;
    size_t nclasses;
    int line;
} cv_retention;

typedef struct cv_action {
    uint8_t kind;          /* cv_action_kind */
    uint8_t gen;           /* cv_gen_unit, for CV_ACT_GENERALISE; 0 with shift_days: shift only */
    uint16_t opts;         /* CV_AOPT_* */
    int entity;            /* token/mask/redact: entity id, or -1 for a custom domain */
    char *domain;          /* token: domain string ("phone", "person", "account", ...) */
    uint32_t *bands;       /* generalise duration: ascending bounds (seconds) */
    size_t nbands;
    char *cc_column;       /* token phone: also write the country calling code in this new column */
    uint32_t shift_days;   /* timestamps: shift by a keyed per-subject offset within ±N days (0: none) */
    char *subject;         /* ... the subject: path of the field whose value identifies them */
} cv_action;

typedef struct cv_field_rule {
    char *path;            /* "customer.phone", "messages[].text", CSV column name */
    size_t path_len;
    cv_action act;
    int line;
} cv_field_rule;

/* Call recordings (DESIGN §7): `format: audio` inputs. */
typedef struct cv_audio_policy {
    uint8_t beep;          /* spoken identifiers: 0 silence (default), 1 a 1 kHz beep */
    uint8_t dtmf;          /* 1 (default): find keypad tones in the audio and mute them */
    uint8_t voice;         /* 1 (default): anonymise voices (McAdams, filters/voice.h); 0: keep */
    uint16_t pad_ms;       /* padding before and after each spoken identifier (default 200) */
    uint32_t digit_run;    /* fail-safe: redact every spoken run of >= N digits (0: off) */
    char *codec;           /* output encoder; NULL: the input's */
    int transcript_required;   /* 1: a recording without its transcript is rejected (default 0: DTMF only) */
    /* channels: the speaker on each channel ("agent", "customer"). With it, a
     * spoken identifier is redacted on the channel of the speaker who said it
     * (the transcript's channel, or its speaker label matched to these names);
     * without it, on every channel (fail closed: voices leak across channels). */
    char **channels;
    size_t nchannels;
} cv_audio_policy;

/* A re-identification risk report on this input's output (callveil risk,
 * run as part of `run`); enforce_k > 0 also suppresses classes below k. */
typedef struct cv_risk_policy {
    char **quasi;
    size_t nquasi;
    char *subject;         /* NULL: no unicity */
    uint32_t points;       /* unicity p = 1..points (default 4) */
    uint32_t enforce_k;    /* 0: report only */
    int line;
} cv_risk_policy;

typedef struct cv_input_rule {
    char *match;           /* glob; see cvi_glob_match */
    char *format;          /* format name, "audio", or "auto" */
    char *transcript;      /* audio: transcript path pattern ("{dir}/{stem}.json"); NULL: none */
    cv_audio_policy audio;
    cv_risk_policy risk;   /* nquasi == 0: none */
    cv_field_rule *fields;
    size_t nfields;
    cv_action def;         /* the "*" rule; drop when absent (fail closed) */
    cv_retention ret;      /* this input's retention (the policy's when not given) */
    cv_detect_opts dopts;  /* this input's regions, when has_region (else the policy's) */
    int has_region;
    char *region_field;    /* path of a field naming the record's country, read first; NULL: none */
    int output_csv;        /* asterisk-cdr: write a headed CSV (`output: csv`) rather than Master.csv's form */
    int line;
} cv_input_rule;

/* An allow-list entry (`allow:`): a value never replaced. */
typedef enum cv_allow_kind { CV_ALLOW_EXACT = 0, CV_ALLOW_ICASE, CV_ALLOW_REGEX } cv_allow_kind;
typedef struct cv_allow {
    uint8_t kind;          /* cv_allow_kind */
    char *text;            /* the value, or the pattern */
    size_t len;
    void *re;              /* CV_ALLOW_REGEX: the compiled pcre2_code (anchored at both ends) */
    int line;
} cv_allow;

struct cv_policy {
    int version;
    char *name;                      /* file name or "<default>" */
    char *tenant;                    /* default "default" */
    char *key_path;                  /* NULL if none */
    uint64_t epoch;                  /* default 0 */
    cv_detect_opts dopts;            /* region list */
    cv_action entities[CV_ENT_MAX];  /* action for identifiers in free text (built-in, then custom) */
    int entity_line[CV_ENT_MAX];     /* the `entities:` line that set it; 0: the entity's default */
    /* `detectors:` - a policy's own detectors, and the entities they add
     * (id CV_ENT__COUNT + k, named custom_entity[k]); `domains:` - token
     * domains fields may name; `allow:` - values never replaced. */
    cv_custom_detector custom[CV_CUSTOM_MAX];
    int custom_line[CV_CUSTOM_MAX];
    size_t ncustom;
    char *custom_entity[CV_CUSTOM_MAX];
    size_t ncustom_entity;
    char **domains;
    size_t ndomains;
    cv_wordset *wordsets[2 * CV_CUSTOM_MAX];   /* owned: words and context sets */
    size_t nwordsets;
    cv_allow *allow;
    size_t nallow;
    char **trunks;                   /* `trunks:` Asterisk peers that are carriers (lower case) */
    size_t ntrunks;
    cv_input_rule *inputs;
    size_t ninputs;
    cv_retention ret;                /* default retention of inputs without their own */
    char *vault_pub;                 /* controller public key file; NULL: no vault */
    int erasure_replace;             /* forget: replace the subject's tokens by [erased] (default: drop records) */
    uint8_t hash[32];                /* BLAKE2b-256 of the policy text */
};

/* The name of entity id e under policy p (built-in or custom); NULL if none. */
const char *cvi_policy_entity_name(const cv_policy *p, int e);
/* The entity count of p: built-in ones, then its custom ones. */
int cvi_policy_entities(const cv_policy *p);

/* Glob match (DESIGN §5 `match`): '*' and '?' do not cross '/', '**' does,
 * "[...]" classes. A pattern without '/' is matched against the base name. */
int cvi_glob_match(const char *pattern, const char *path);

/* The first input rule matching relpath (and, if fmt is non-NULL, whose format
 * is fmt or "auto"), or NULL. */
const cv_input_rule *cvi_policy_input_for(const cv_policy *p, const char *relpath, const char *fmt);

#endif
