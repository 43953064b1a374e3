/*
 * person_names.h - the person detector's gazetteer (person_names.c, made by
 * make_names.py from public name data; sources and licences in its header).
 * Keys are sorted, lower-case a-z only, NUL-terminated in one blob; names
 * of the two-letter bucket b = (c0 - 'a') * 26 + (c1 - 'a') are the indexes
 * [cvi_person_bucket[b], cvi_person_bucket[b + 1]).
 */
#ifndef CV_PERSON_NAMES_H
#define CV_PERSON_NAMES_H

#include <stdint.h>

enum {
    CVI_PN_GIVEN_MASK = 3,     /* given-name weight: 0 none, 1 >= 20 SSA births, 2 >= 500, 3 >= 20,000;
                                * an international given name no common word >= 2, else >= 1 */
    CVI_PN_NAME = 1 << 2,      /* a first or last name (humannames, or an international given name) */
    CVI_PN_SURNAME = 1 << 3,   /* in humannames, not an SSA given name */
    CVI_PN_COMMON_SHIFT = 4,   /* bits 4..10: also a common word in en, de, fr, es, it, nl, pt */
    CVI_PN_COMMON_EN = 1 << 4,
    CVI_PN_COMMON_ANY = 0x7F << 4,
    CVI_PN_INTL = 1 << 11,      /* the weight is the international dictionary's, not the SSA's */
    CVI_PN_PLACE = 1 << 12      /* also a country, a region or a large town ("Florence", "Jordan") */
};

extern const uint32_t cvi_person_nnames;
extern const char cvi_person_blob[];
extern const uint32_t cvi_person_off[];
extern const uint16_t cvi_person_flags[];
extern const uint32_t cvi_person_bucket[26 * 26 + 1];
/* Bit (FNV-1a 32 of the key) >> 14 is set for every given name of weight >= 2. */
#define CVI_PERSON_GIVEN_BITS 18
extern const uint64_t cvi_person_given_bloom[(1u << CVI_PERSON_GIVEN_BITS) / 64];

/* For tests (person.c): 0 if every word of the context lexicon is found by
 * its generated lookup, else -1. */
int cvi_person_selftest(void);

#endif
