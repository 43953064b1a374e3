/*
 * ctx.c - cv_ctx: library start-up (libsodium), the error message buffer and
 * the log callback. The library reports through these, never to a terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "ctx.h"

cv_ctx *cv_ctx_create(void)
{
    if (sodium_init() < 0) return NULL;
    cv_ctx *c = calloc(1, sizeof *c);
    return c;
}

void cv_ctx_free(cv_ctx *ctx) { free(ctx); }

void cv_ctx_set_log(cv_ctx *ctx, cv_log_fn fn, void *ud)
{
    ctx->log = fn;
    ctx->log_ud = ud;
}

const char *cv_ctx_error(const cv_ctx *ctx) { return ctx->err; }

int cvi_error(cv_ctx *ctx, int code, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
        va_end(ap);
    }
    return code;
}

void cvi_log(cv_ctx *ctx, int level, const char *fmt, ...)
{
    if (!ctx || !ctx->log) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->log(ctx->log_ud, level, msg);
}

const char *cv_strerror(int code)
{
    switch (code) {
    case CV_OK: return "success";
    case CV_EUSAGE: return "invalid argument";
    case CV_ENOMEM: return "out of memory";
    case CV_EIO: return "input/output error";
    case CV_EPOLICY: return "invalid policy";
    case CV_EKEY: return "key error";
    case CV_EINPUT: return "malformed input";
    case CV_EFORMAT: return "unknown or unsupported format";
    case CV_ECRYPTO: return "cryptographic library failure";
    case CV_EINTERNAL: return "internal error";
    case CV_EEMPTY: return "blank line";
    case CV_ESPACE: return "output buffer too small";
    default: return "unknown error";
    }
}
