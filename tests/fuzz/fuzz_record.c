/*
 * fuzz_record.c - libFuzzer target for the one-record API (callveil.h:
 * cv_process_record): the first byte picks the format (jsonl, csv with a
 * fixed header, asterisk-cdr) and the output buffer's size; the rest is the
 * record. Checks the contract: 0 writes out_len bytes that fit, with the
 * same bytes on a second call; CV_ESPACE gives a larger size that then
 * succeeds; every other result writes nothing (the buffer stays as it was)
 * and sets out_len to 0; error messages are set and never hold the input's
 * bytes beyond the fixed text.
 */
#include <stdlib.h>
#include <string.h>

#include "callveil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy[] =
    "version: 1\ntenant: fuzz\nregion: [GB, US]\n"
    "inputs:\n"
    "  - match: \"*.jsonl\"\n    format: jsonl\n    fields:\n      id: keep\n      phone: {token: phone}\n"
    "      email: {token: email, keep_domain: true}\n      ts: {generalise: hour}\n      \"*\": scan\n"
    "  - match: \"*.csv\"\n    format: csv\n    fields:\n      a: keep\n      b: {token: phone}\n      \"*\": scan\n"
    "  - match: \"Master.csv\"\n    format: asterisk-cdr\n    fields:\n      src: {token: phone}\n"
    "      clid: {token: clid}\n      start: {generalise: hour}\n      \"*\": scan\n";

static cv_ctx *ctx;
static cv_recproc *rp[3];
static cv_policy *p;     /* live as long as the processors: the whole process */
static cv_key *k;

static void init(void)
{
    ctx = cv_ctx_create();
    if (!ctx || cv_policy_load_mem(ctx, "fuzz.yaml", policy, sizeof policy - 1, &p) || cv_key_ephemeral(ctx, &k))
        abort();
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.as_of = "2024-06-01";
    o.max_record = 4096;
    if (cv_recproc_create(ctx, p, k, "jsonl", NULL, &o, &rp[0])) abort();
    if (cv_recproc_create(ctx, p, k, "asterisk-cdr", NULL, &o, &rp[2])) abort();
    o.header = "a,b,c\n";
    o.header_len = 6;
    if (cv_recproc_create(ctx, p, k, "csv", NULL, &o, &rp[1])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx) init();
    if (size < 1) return 0;
    cv_recproc *r = rp[data[0] % 3];
    size_t cap = (size_t)(data[0] >> 2) * 64;   /* 0 .. 4032 */
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    char *out = malloc(cap + 1), *again = malloc(65536);
    if (!out || !again) abort();
    memset(out, 0x5a, cap + 1);
    size_t n = 12345;
    int rc = cv_process_record(r, in, len, cap ? out : NULL, cap, &n);
    if (rc == 0) {
        if (n == 0 || n > cap) abort();
        size_t n2 = 0;
        if (cv_process_record(r, in, len, again, 65536, &n2) != 0 || n2 != n || memcmp(out, again, n)) abort();
    } else if (rc == CV_ESPACE) {
        if (n <= cap || n > 65536) abort();
        for (size_t i = 0; i <= cap; i++)
            if ((unsigned char)out[i] != 0x5a) abort();
        size_t n2 = 0;
        if (cv_process_record(r, in, len, again, n, &n2) != 0 || n2 != n) abort();
    } else {
        if (n != 0) abort();
        for (size_t i = 0; i <= cap; i++)
            if ((unsigned char)out[i] != 0x5a) abort();
        if (rc != CV_RECORD_DROPPED && !*cv_ctx_error(ctx)) abort();
        if (rc != CV_RECORD_DROPPED && rc != CV_EINPUT) abort();
    }
    free(out);
    free(again);
    return 0;
}
