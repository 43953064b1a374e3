/*
 * person.c - the person entity: names given in structured fields (and, by
 * the engine, the same names where they recur in the record's free text).
 * Normalised case-folded with whitespace collapsed (cv_normalise_generic);
 * tokenised unless the policy says otherwise.
 */
#include "filters.h"

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return cv_normalise_generic(in, len, norm, norm_len) == 0 && *norm_len > 0;
}

const cv_entity_type cvi_entity_person = {
    .name = "person",
    .default_action = CV_DEFAULT_TOKEN,
    .normalise = normalise,
};
