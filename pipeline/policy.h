/*
 * policy.h - the loaded policy (DESIGN §5), internal model.
 *
 * The YAML is parsed with libyaml's document API (so every node keeps its
 * line) into this immutable structure; validation collects every problem.
 * Lookup of a field's action by path is done by the engine.
 */
#ifndef CV_POLICY_H
#define CV_POLICY_H

#include "base.h"
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
    CV_AOPT_CLID = 1u << 2           /* token: value is a caller id `"Name" <number>` */
};

typedef struct cv_action {
    uint8_t kind;          /* cv_action_kind */
    uint8_t gen;           /* cv_gen_unit, for CV_ACT_GENERALISE */
    uint16_t opts;         /* CV_AOPT_* */
    int entity;            /* token/mask/redact: entity id, or -1 for a custom domain */
    char *domain;          /* token: domain string ("phone", "person", "account", ...) */
    uint32_t *bands;       /* generalise duration: ascending bounds (seconds) */
    size_t nbands;
} cv_action;

typedef struct cv_field_rule {
    char *path;            /* "customer.phone", "messages[].text", CSV column name */
    size_t path_len;
    cv_action act;
    int line;
} cv_field_rule;

typedef struct cv_input_rule {
    char *match;           /* glob; see cvi_glob_match */
    char *format;          /* format name, or "auto" */
    cv_field_rule *fields;
    size_t nfields;
    cv_action def;         /* the "*" rule; drop when absent (fail closed) */
    int line;
} cv_input_rule;

struct cv_policy {
    int version;
    char *name;                      /* file name or "<default>" */
    char *tenant;                    /* default "default" */
    char *key_path;                  /* NULL if none */
    uint64_t epoch;                  /* default 0 */
    cv_detect_opts dopts;            /* region */
    cv_action entities[CV_ENT__COUNT];   /* action for identifiers in free text */
    cv_input_rule *inputs;
    size_t ninputs;
    uint8_t hash[32];                /* BLAKE2b-256 of the policy text */
};

/* Glob match (DESIGN §5 `match`): '*' and '?' do not cross '/', '**' does,
 * "[...]" classes. A pattern without '/' is matched against the base name. */
int cvi_glob_match(const char *pattern, const char *path);

/* The first input rule matching relpath (and, if fmt is non-NULL, whose format
 * is fmt or "auto"), or NULL. */
const cv_input_rule *cvi_policy_input_for(const cv_policy *p, const char *relpath, const char *fmt);

#endif
