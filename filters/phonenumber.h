/*
 * phonenumber.h - the C interface to Google's libphonenumber (C++), used by
 * phone.c to judge and normalise the candidates its PCRE2 pass found, for
 * every ITU region. Thread-safe (libphonenumber's PhoneNumberUtil is);
 * nothing here allocates for the caller or keeps what it was given.
 * Library-internal (cvi_), like filters.h's helpers.
 */
#ifndef CV_PHONENUMBER_H
#define CV_PHONENUMBER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Verdicts: not a phone number; possible (a length the country's plan
 * allows: acceptance follows this, so fictional and unassigned ranges are
 * still found); valid (in an assigned range: this chooses the region). */
enum { CVI_PN_ERROR = -1, CVI_PN_NO = 0, CVI_PN_POSSIBLE = 1, CVI_PN_VALID = 2 };
/* CVI_PN_ERROR: libphonenumber failed (out of memory); e164 is not set. */

/* Room for "+" and 17 digits and the NUL. */
#define CVI_PN_E164_MAX 20

/* International: d[0..n) (ASCII digits) written after "+" or an
 * international prefix, calling code first. A national trunk 0 written
 * after the code ("+44 (0)20 ...", "+44 020 ...") is dropped where the
 * country's numbers never start with it, kept where they do (Italy).
 * Writes the E.164 form into e164 and returns CVI_PN_POSSIBLE or
 * CVI_PN_NO (validity is not asked: it chooses nothing here). */
int cvi_pn_intl(const char *d, size_t n, char e164[CVI_PN_E164_MAX], size_t *len);

/* What an international number's reading needs of calling code cc
 * (1-999): 1 if it is assigned, with *trunk0 = 1 if its country's trunk
 * prefix is "0" (dropped when written after the code) and bit L of *lengths
 * set if a national significant number of L digits is possible (1-17);
 * else 0. cvi_pn_intl is these three facts applied. */
int cvi_pn_cc_facts(int cc, int *trunk0, unsigned *lengths);

/* What a national reading in `region` needs: 1 if libphonenumber knows the
 * region, with its calling code, its trunk prefix (digits, NUL-terminated,
 * "" if none) and whether it is a NANP member; else 0. */
int cvi_pn_region_facts(const char *region, int *cc, char ndd[4], int *nanp);

/* 1 if `region` writes the national significant number nsn[0..n) with its
 * trunk prefix in national format (so without it the digits are no number
 * of that region), 0 if not; CVI_PN_ERROR. */
int cvi_pn_trunk_required(const char *region, const char *nsn, size_t n);

/* National: d[0..n) (ASCII digits, the trunk prefix included if written)
 * read as a number of `region` (ISO 3166 alpha-2). *trunk is set to 1 if
 * the region's trunk prefix was written. A number the country writes with
 * its trunk prefix ("07700 900123") is CVI_PN_NO without it. Returns a
 * verdict, with the E.164 form in e164 unless CVI_PN_NO; validity is asked
 * only if `validity` (it is the costly part: CVI_PN_POSSIBLE otherwise). */
int cvi_pn_national(const char *region, const char *d, size_t n, int validity, int *trunk,
                    char e164[CVI_PN_E164_MAX], size_t *len);

/* The digit group lengths of a number's national format in `region`
 * ("06 12 34 56 78" → 2 2 2 2 2), from its E.164 form: into g (cap
 * entries); returns their count, 0 if there is no format. */
int cvi_pn_groups(const char *region, const char *e164, size_t n, unsigned char *g, int cap);

/* 1 if libphonenumber knows the region (upper-case alpha-2), else 0. */
int cvi_pn_region_ok(const char *region);

/* 1 if the region is a member of the North American Numbering Plan. */
int cvi_pn_nanp(const char *region);

/* Length of the calling code of an E.164 string ("+44..." → 2), 0 if it
 * starts with no assigned code. */
int cvi_pn_cc_len(const char *e164, size_t n);

#ifdef __cplusplus
}
#endif

#endif
