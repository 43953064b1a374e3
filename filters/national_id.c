/*
 * national_id.c - the entity national_id (token domain "national_id",
 * redacted by default) that the national identity number detectors share
 * (ie_ppsn.c, es_dni.c, nl_bsn.c, br_cpf.c, br_cnpj.c, fr_nir.c, it_cf.c,
 * de_stid.c, pt_nif.c), and their common steps: the compact form, the
 * context tests. Which scheme a span was shows in the manifest's
 * detections_by_detector, never in the token: a number has one token
 * whatever scheme read it, so a field value and the same number found in
 * text join.
 */
#include <string.h>

#include "national_id.h"


int cvi_natid_compact(const char *s, size_t n, char *out, size_t *out_len)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '.' || c == '-' || c == '/') continue;
        if (c >= 'a' && c <= 'z') c = (unsigned char)(c - 32);
        else if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9')) return 0;
        if (k == CVI_NATID_MAX) return 0;
        out[k++] = (char)c;
    }
    out[k] = '\0';
    *out_len = k;
    return k > 0;
}

/* Words naming numbers that identify no person: a checksum that holds by
 * chance after one of them is not an id (cvi_word_before skips "no",
 * "number", "#", ":"). */
static const char *const other_numbers[] = {
    "order", "orders", "ticket", "invoice", "tracking", "booking", "case", "parcel", "shipment",
    "serial", "sku", "item", "product", "part", "model", "article", "receipt", "transaction",
    "confirmation", "reservation", "incident", "po", "version", "build", "meter", "bestellung",
    "bestellnummer", "auftrag", "rechnung", "commande", "facture", "ordine", "fattura", "pedido",
    "factura", "bestelling", "factuur", "encomenda", "fatura", NULL
};

int cvi_natid_other_number_before(const char *text, size_t start)
{
    return cvi_word_before(text, start, other_numbers);
}

int cvi_natid_validate(const char *text, size_t *start, size_t *end, char *norm, size_t *norm_len,
                       int (*valid)(const char *c, size_t n), int needs, const char *const *kw)
{
    if (!cvi_natid_compact(text + *start, *end - *start, norm, norm_len)) return 0;
    if (!valid(norm, *norm_len)) return 0;
    if (needs) return cvi_keyword_before(text, *start, 40, kw);
    return !cvi_natid_other_number_before(text, *start);
}

int cvi_natid_cluster_is(const char *text, const cv_text_facts *f, uint32_t i, size_t n, char *d)
{
    if (f->cl_digits[i] != n) return 0;
    size_t k = 0;
    for (size_t j = f->cl_start[i]; j < f->cl_end[i]; j++)
        if (text[j] >= '0' && text[j] <= '9') d[k++] = text[j];
    return k == n;
}

/* A value given as a field: any scheme's checksum makes it well formed. */
static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) { in++; len--; }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t')) len--;
    if (len > 64 || !cvi_natid_compact(in, len, norm, norm_len)) return 0;
    static int (*const schemes[])(const char *, size_t) = {
        cvi_natid_ie_ppsn_valid, cvi_natid_es_dni_valid, cvi_natid_nl_bsn_valid, cvi_natid_br_cpf_valid,
        cvi_natid_br_cnpj_valid, cvi_natid_fr_nir_valid, cvi_natid_it_cf_valid, cvi_natid_de_stid_valid,
        cvi_natid_pt_nif_valid,
    };
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (schemes[i](norm, *norm_len)) return 1;
    return 0;
}

/* Spelled out in a call: the schemes that begin with a letter (NIE
 * "X1234567L", codice fiscale); the detectors judge the rest. */
static int spelled(const char *p, size_t n)
{
    char c[CVI_NATID_MAX + 1];
    size_t k;
    if (!cvi_natid_compact(p, n, c, &k)) return 0;
    return (k == 9 && (c[0] == 'X' || c[0] == 'Y' || c[0] == 'Z') && cvi_natid_es_dni_valid(c, k)) ||
           (k == 16 && cvi_natid_it_cf_valid(c, k));
}

const cv_entity_type cvi_entity_national_id = {
    .name = "national_id",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = normalise,
    .spelled = spelled,
};
