/*
 * pseudonym.c - keyed-hash pseudonyms: tenant subkeys, tokens, Crockford
 * base32 and their renderings. This is the public contract of DESIGN §6:
 * anyone holding the key can recompute a token with any BLAKE2b.
 */
#include <stdio.h>

#include "pseudonym.h"
#include "../filters/filters.h"
#include "../filters/voice.h"

static const char crockford[] = "0123456789abcdefghjkmnpqrstvwxyz";

void cvi_base32_80(const unsigned char in[10], char out[CV_TOKEN_CHARS + 1])
{
    /* 80 bits = 16 groups of 5, most significant first */
    for (int g = 0; g < 2; g++) {
        const unsigned char *b = in + 5 * g;
        uint64_t v = ((uint64_t)b[0] << 32) | ((uint64_t)b[1] << 24) | ((uint64_t)b[2] << 16) |
                     ((uint64_t)b[3] << 8) | b[4];
        for (int i = 0; i < 8; i++)
            out[8 * g + i] = crockford[(v >> (35 - 5 * i)) & 31];
    }
    out[CV_TOKEN_CHARS] = '\0';
}

int cvi_tenant_key_derive(const cv_key *master, const char *tenant, uint64_t epoch, cvi_tenant_key *out)
{
    char msg[160];
    int n = snprintf(msg, sizeof msg, "callveil/v1/tenant/%s/%llu", tenant, (unsigned long long)epoch);
    if (n < 0 || (size_t)n >= sizeof msg) return CV_EUSAGE;
    out->k = sodium_malloc(CV_KEY_BYTES);
    if (!out->k) return CV_ENOMEM;
    if (crypto_generichash(out->k, CV_KEY_BYTES, (const unsigned char *)msg, (size_t)n, master->k, CV_KEY_BYTES) != 0) {
        sodium_free(out->k);
        out->k = NULL;
        return CV_ECRYPTO;
    }
    sodium_mprotect_readonly(out->k);
    return 0;
}

void cvi_tenant_key_free(cvi_tenant_key *t)
{
    if (!t || !t->k) return;
    sodium_free(t->k);    /* sodium_free wipes before unmapping */
    t->k = NULL;
}

void cvi_token(const cvi_tenant_key *t, const char *domain, size_t domain_len,
               const char *norm, size_t norm_len, char out[CV_TOKEN_CHARS + 1])
{
    unsigned char h[32];
    crypto_generichash_state st;
    /* Streaming avoids a concatenation copy; the message is domain || 0x00 || value. */
    crypto_generichash_init(&st, t->k, CV_KEY_BYTES, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)domain, domain_len);
    crypto_generichash_update(&st, (const unsigned char *)"", 1);
    crypto_generichash_update(&st, (const unsigned char *)norm, norm_len);
    crypto_generichash_final(&st, h, sizeof h);
    cvi_base32_80(h, out);
    sodium_memzero(&st, sizeof st);
}

void cvi_token_domain_init(const cvi_tenant_key *t, const char *domain, size_t domain_len,
                           crypto_generichash_state *pre)
{
    crypto_generichash_init(pre, t->k, CV_KEY_BYTES, 32);
    crypto_generichash_update(pre, (const unsigned char *)domain, domain_len);
    crypto_generichash_update(pre, (const unsigned char *)"", 1);
}

void cvi_token_from(const crypto_generichash_state *pre, const char *norm, size_t norm_len,
                    char out[CV_TOKEN_CHARS + 1])
{
    crypto_generichash_state st;
    unsigned char h[32];
    memcpy(&st, pre, sizeof st);
    crypto_generichash_update(&st, (const unsigned char *)norm, norm_len);
    crypto_generichash_final(&st, h, sizeof h);
    cvi_base32_80(h, out);
    sodium_memzero(&st, sizeof st);
}

int cvi_render_token(cv_buf *out, const char *domain, const char tok[CV_TOKEN_CHARS + 1],
                     const char *norm, size_t norm_len, unsigned flags)
{
    int rc = 0;
    if (flags & CVI_R_TEXT) rc |= cvi_buf_putc(out, '[');
    rc |= cvi_buf_puts(out, domain);
    rc |= cvi_buf_putc(out, ':');
    if ((flags & CVI_R_KEEP_CC) && norm_len > 1 && norm[0] == '+') {
        int cc = cvi_phone_cc_len(norm, norm_len);
        if (cc > 0) {
            rc |= cvi_buf_append(out, norm, (size_t)cc + 1);
            rc |= cvi_buf_putc(out, ':');
        }
    }
    rc |= cvi_buf_append(out, tok, CV_TOKEN_CHARS);
    if (flags & CVI_R_KEEP_DOMAIN) {
        const char *at = memchr(norm, '@', norm_len);
        if (at) rc |= cvi_buf_append(out, at, (size_t)(norm + norm_len - at));
    }
    if (flags & CVI_R_TEXT) rc |= cvi_buf_putc(out, ']');
    return rc ? CV_ENOMEM : 0;
}

static void voice_hash(const cvi_tenant_key *t, const unsigned char rec[32], int channel, unsigned char h[32])
{
    static const char dom[] = "callveil/v1/voice";
    unsigned char ch[4] = { (unsigned char)((unsigned)channel >> 24), (unsigned char)((unsigned)channel >> 16),
                                   (unsigned char)((unsigned)channel >> 8), (unsigned char)channel };
    crypto_generichash_state st;
    crypto_generichash_init(&st, t->k, CV_KEY_BYTES, 32);
    crypto_generichash_update(&st, (const unsigned char *)dom, sizeof dom);   /* with its NUL: the 0x00 */
    crypto_generichash_update(&st, rec, 32);
    crypto_generichash_update(&st, ch, sizeof ch);
    crypto_generichash_final(&st, h, 32);
    sodium_memzero(&st, sizeof st);
}

/* h[off .. off + 8) big-endian / 2^64, in [0, 1) */
static double voice_unit(const unsigned char h[32], int off)
{
    uint64_t u = 0;
    for (int i = off; i < off + 8; i++) u = (u << 8) | h[i];
    return (double)u / 18446744073709551616.0;
}

double cvi_voice_alpha(const cvi_tenant_key *t, const unsigned char rec[32], int channel)
{
    unsigned char h[32];
    voice_hash(t, rec, channel, h);
    double u = voice_unit(h, 0);
    sodium_memzero(h, sizeof h);
    return CV_VOICE_ALPHA_MIN + u * (CV_VOICE_ALPHA_MAX - CV_VOICE_ALPHA_MIN);
}

double cvi_voice_beta(const cvi_tenant_key *t, const unsigned char rec[32], int channel)
{
    unsigned char h[32];
    voice_hash(t, rec, channel, h);
    double v = voice_unit(h, 8);
    sodium_memzero(h, sizeof h);
    if (v < 0.5) return CV_VOICE_BETA_LOW_MIN + 2.0 * v * (CV_VOICE_BETA_LOW_MAX - CV_VOICE_BETA_LOW_MIN);
    return CV_VOICE_BETA_HIGH_MIN + (2.0 * v - 1.0) * (CV_VOICE_BETA_HIGH_MAX - CV_VOICE_BETA_HIGH_MIN);
}

void cvi_key_id(const cv_key *k, char out[17])
{
    static const char msg[] = "callveil/v1/key-id";
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)msg, sizeof msg - 1, k->k, CV_KEY_BYTES);
    sodium_bin2hex(out, 17, h, 8);
}
