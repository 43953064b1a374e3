/*
 * fuzz_policy.c - libFuzzer target for the policy loader and the glob
 * matcher: cv_policy_load_mem on the input bytes, then cvi_glob_match with
 * the input split at its first NUL (or newline) into pattern and path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cv_ctx *ctx;   /* fuzzer-lifetime context: creating one per input only costs time */
    if (!ctx) ctx = cv_ctx_create();
    if (!ctx) abort();

    cv_policy *p = NULL;
    int rc = cv_policy_load_mem(ctx, "fuzz", (const char *)data, size, &p);
    if (rc == 0) {
        if (!p || !p->tenant || !p->name || p->ninputs == 0) abort();
        for (size_t i = 0; i < p->ninputs; i++) {
            const cv_input_rule *in = &p->inputs[i];
            if (!in->match || !in->format) abort();
            /* every rule's pattern must run; the first match wins */
            (void)cvi_glob_match(in->match, "chats/2024/a.jsonl");
        }
        (void)cvi_policy_input_for(p, "cdr/Master.csv", "asterisk-cdr");
        cv_policy_free(p);
    } else if (p || !cv_ctx_error(ctx)[0]) {
        abort();   /* a failure leaves no policy and always says why */
    }

    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *sep = memchr(buf, '\0', size);
    if (!sep) sep = memchr(buf, '\n', size);
    if (sep) {
        *sep = '\0';
        (void)cvi_glob_match(buf, sep + 1);
    }
    free(buf);
    return 0;
}
