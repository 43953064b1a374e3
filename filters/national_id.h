/*
 * national_id.h - what the national identity number detectors share (entity
 * national_id, filters/national_id.c): the compact form every scheme
 * normalises to, each scheme's checksum over that form (the entity's
 * normaliser tries them all for values given as fields), and the context
 * tests. Included by filters/national_id.c and the scheme files only.
 */
#ifndef CV_NATIONAL_ID_H
#define CV_NATIONAL_ID_H

#include "filters.h"

/* The longest compact form (CNPJ: 14, codice fiscale: 16). */
#define CVI_NATID_MAX 16

/* The compact form of s[0..n): ASCII letters upper-cased and digits, the
 * separators ' ', '.', '-', '/' left out. Writes out (cap CVI_NATID_MAX + 1,
 * NUL-terminated); 1 ok, 0 for any other byte or more than CVI_NATID_MAX
 * letters and digits. */
int cvi_natid_compact(const char *s, size_t n, char *out, size_t *out_len);

/* Validate a candidate text[*start, *end) of one scheme: compact it, check
 * it with valid(), then the context: `needs` nonzero requires one of the
 * scheme's keywords (kw) within 40 bytes before; otherwise the candidate
 * is refused right after a word naming another kind of number ("order",
 * "ticket", "invoice", "tracking", ...). The norm is the compact form. */
int cvi_natid_validate(const char *text, size_t *start, size_t *end, char *norm, size_t *norm_len,
                       int (*valid)(const char *c, size_t n), int needs, const char *const *kw);

/* "order 1234567T", "ticket no. 12345678Z": the word before start (past
 * "no", "#", ":") names an order, ticket, invoice, ... number. */
int cvi_natid_other_number_before(const char *text, size_t start);

/* The digits of cluster i of f (text's), when it holds exactly n of them
 * (n <= 16): written to d, 1; else 0. Lets a scheme run its checksum on
 * a cluster before any pattern does. */
int cvi_natid_cluster_is(const char *text, const cv_text_facts *f, uint32_t i, size_t n, char *d);

/* Checksums and shape rules over the compact form (1 valid, 0 not). */
int cvi_natid_ie_ppsn_valid(const char *c, size_t n);   /* 7 digits, check letter, optional letter */
int cvi_natid_es_dni_valid(const char *c, size_t n);    /* DNI 8 digits + letter; NIE X/Y/Z + 7 + letter */
int cvi_natid_nl_bsn_valid(const char *c, size_t n);    /* 9 digits (8: a leading 0 left out), 11-test */
int cvi_natid_br_cpf_valid(const char *c, size_t n);    /* 11 digits, two mod-11 check digits */
int cvi_natid_br_cnpj_valid(const char *c, size_t n);   /* 14 characters, two mod-11 check digits */
int cvi_natid_fr_nir_valid(const char *c, size_t n);    /* 13 characters + key 97 - n mod 97 */
int cvi_natid_it_cf_valid(const char *c, size_t n);     /* 16 characters, odd/even check letter */
int cvi_natid_de_stid_valid(const char *c, size_t n);   /* 11 digits, ISO 7064 MOD 11,10, repetition rule */
int cvi_natid_pt_nif_valid(const char *c, size_t n);    /* 9 digits, mod-11 check digit */

#endif
