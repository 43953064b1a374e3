/*
 * filter_registry.c - the const list of free-text detectors (in the order
 * detect.c runs them) and the entity names, which double as token domains.
 * Adding a detector = one file + one line here + its tests.
 */
#include <string.h>

#include "filters.h"

extern const cv_detector_type cvi_detector_email;
extern const cv_detector_type cvi_detector_email_spoken;
extern const cv_detector_type cvi_detector_iban;
extern const cv_detector_type cvi_detector_card;
extern const cv_detector_type cvi_detector_ssn;
extern const cv_detector_type cvi_detector_nino;
extern const cv_detector_type cvi_detector_ipv4;
extern const cv_detector_type cvi_detector_ipv6;
extern const cv_detector_type cvi_detector_dob;
extern const cv_detector_type cvi_detector_phone;
extern const cv_detector_type cvi_detector_postcode;

const cv_detector_type *const cvi_detectors[] = {
    &cvi_detector_email,
    &cvi_detector_email_spoken,
    &cvi_detector_iban,
    &cvi_detector_card,
    &cvi_detector_ssn,
    &cvi_detector_nino,
    &cvi_detector_ipv4,
    &cvi_detector_ipv6,
    &cvi_detector_dob,
    &cvi_detector_phone,
    &cvi_detector_postcode,
    NULL
};

static const char *const entity_names[CV_ENT__COUNT] = {
    [CV_ENT_PHONE] = "phone",
    [CV_ENT_EMAIL] = "email",
    [CV_ENT_CARD] = "card",
    [CV_ENT_IBAN] = "iban",
    [CV_ENT_IP] = "ip",
    [CV_ENT_NINO] = "nino",
    [CV_ENT_SSN] = "ssn",
    [CV_ENT_DOB] = "dob",
    [CV_ENT_POSTCODE] = "postcode",
    [CV_ENT_PERSON] = "person",
};

const char *cv_entity_name(int entity)
{
    if (entity < 0 || entity >= CV_ENT__COUNT) return NULL;
    return entity_names[entity];
}

int cv_entity_from_name(const char *name, size_t n)
{
    if (!name) return -1;
    for (int i = 0; i < CV_ENT__COUNT; i++) {
        const char *z = entity_names[i];
        if (strlen(z) == n && memcmp(z, name, n) == 0) return i;
    }
    return -1;
}
