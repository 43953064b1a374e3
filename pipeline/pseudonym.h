/*
 * pseudonym.h - keys and the token contract (DESIGN §6), internal.
 *
 *   K_t   = BLAKE2b-256(key = K,   msg = "callveil/v1/tenant/" || tenant || "/" || epoch)
 *   token = BLAKE2b-256(key = K_t, msg = domain || 0x00 || normalised value)[0..10)
 *           rendered as 16 lower-case Crockford base32 characters, MSB first.
 */
#ifndef CV_PSEUDONYM_H
#define CV_PSEUDONYM_H

#include <sodium.h>

#include "common/base.h"

#define CV_KEY_BYTES 32
#define CV_TOKEN_CHARS 16

struct cv_key {
    unsigned char *k;     /* CV_KEY_BYTES in sodium_malloc'ed memory */
    int ephemeral;
};

/* A tenant subkey in sodium_malloc'ed memory (read-only after creation). */
typedef struct cvi_tenant_key {
    unsigned char *k;
} cvi_tenant_key;

int cvi_tenant_key_derive(const cv_key *master, const char *tenant, uint64_t epoch, cvi_tenant_key *out);
void cvi_tenant_key_free(cvi_tenant_key *t);     /* wipes; NULL/empty ok */

/* The 16-character token (NUL-terminated in out[17]) of a normalised value. */
void cvi_token(const cvi_tenant_key *t, const char *domain, size_t domain_len,
               const char *norm, size_t norm_len, char out[CV_TOKEN_CHARS + 1]);

/* The same token, faster: `pre` holds the hash state after the key and
 * "domain || 0x00" were absorbed (cvi_token_domain_init), so each token costs
 * one BLAKE2b compression for a short value. `pre` is key material: keep it
 * in sodium_malloc'ed memory. */
void cvi_token_domain_init(const cvi_tenant_key *t, const char *domain, size_t domain_len,
                           crypto_generichash_state *pre);
void cvi_token_from(const crypto_generichash_state *pre, const char *norm, size_t norm_len,
                    char out[CV_TOKEN_CHARS + 1]);

/* Voice anonymisation's coefficient for channel `channel` of a recording
 * whose bytes hash (unkeyed BLAKE2b-256, the manifest's input_blake2b) to
 * rec:  h = BLAKE2b-256(key = K_t, msg = "callveil/v1/voice" || 0x00 || rec
 * || channel as 4 bytes big-endian), u = h[0..8) big-endian / 2^64,
 * alpha = CV_VOICE_ALPHA_MIN + u * (CV_VOICE_ALPHA_MAX - CV_VOICE_ALPHA_MIN).
 * Same key and recording: same alpha at any -j; without the key it cannot
 * be known, so the transform cannot be inverted by guessing a fixed alpha. */
double cvi_voice_alpha(const cvi_tenant_key *t, const unsigned char rec[32], int channel);
/* Its pitch factor, from the next 8 bytes of the same h:
 * v = h[8..16) big-endian / 2^64; beta = CV_VOICE_BETA_LOW_MIN + 2v *
 * (CV_VOICE_BETA_LOW_MAX - CV_VOICE_BETA_LOW_MIN) when v < 1/2 (F0 lowered,
 * 0.75 <= beta < 0.87), else CV_VOICE_BETA_HIGH_MIN + (2v - 1) *
 * (CV_VOICE_BETA_HIGH_MAX - CV_VOICE_BETA_HIGH_MIN) (F0 raised,
 * 1.15 <= beta < 1.30). Independent of alpha (other bytes of h). */
double cvi_voice_beta(const cvi_tenant_key *t, const unsigned char rec[32], int channel);

/* Crockford base32 (lower-case, no padding) of the first 10 bytes of in. */
void cvi_base32_80(const unsigned char in[10], char out[CV_TOKEN_CHARS + 1]);

/* Rendering options */
enum {
    CVI_R_TEXT = 1u << 0,        /* inside free text: "[phone:...]" */
    CVI_R_KEEP_CC = 1u << 1,     /* "phone:+44:..." (norm must be E.164) */
    CVI_R_KEEP_DOMAIN = 1u << 2  /* "email:...@example.com" (norm must be an e-mail) */
};
/* Append the rendering of a token to out. */
int cvi_render_token(cv_buf *out, const char *domain, const char tok[CV_TOKEN_CHARS + 1],
                     const char *norm, size_t norm_len, unsigned flags);

/* A public identifier of the master key for the manifest: hex of the first
 * 8 bytes of BLAKE2b(key = K, msg = "callveil/v1/key-id"); reveals nothing. */
void cvi_key_id(const cv_key *k, char out[17]);

/* 32-byte key files as 64 hex characters and a newline (keys.c): write to a
 * new file of `mode` (never overwriting); read, refusing group/other access
 * when `secret`. `what`/`hint` name the file kind in errors. */
int cvi_hexkey_write(cv_ctx *ctx, const char *path, const unsigned char raw[32], unsigned mode, const char *what);
int cvi_hexkey_read(cv_ctx *ctx, const char *path, unsigned char dst[32], int secret, const char *what,
                    const char *hint);

#endif
