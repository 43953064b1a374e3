/*
 * format_registry.c - the list of record formats and lookup by name or by
 * file name. Adding a format = one file + one line here.
 */
#include <strings.h>

#include "formats.h"

extern const cv_format_type cvi_format_jsonl;
extern const cv_format_type cvi_format_csv;
extern const cv_format_type cvi_format_asterisk_cdr;

const cv_format_type *const cvi_formats[] = {
    &cvi_format_jsonl,
    &cvi_format_csv,
    &cvi_format_asterisk_cdr,
    NULL,
};

const cv_format_type *cvi_format_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; cvi_formats[i]; i++)
        if (strcmp(cvi_formats[i]->name, name) == 0) return cvi_formats[i];
    return NULL;
}

int cv_format_known(const char *name) { return cvi_format_find(name) != NULL; }

static int ends_with_ci(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && strncasecmp(s + n - k, suffix, k) == 0;
}

const cv_format_type *cvi_format_for_path(const char *path)
{
    if (!path) return NULL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (ends_with_ci(base, n, ".zst")) n -= 4;
    else if (ends_with_ci(base, n, ".gz")) n -= 3;
    /* Asterisk writes exactly this name; any other .csv is generic CSV. */
    if (n == 10 && memcmp(base, "Master.csv", 10) == 0) return &cvi_format_asterisk_cdr;
    for (size_t i = 0; cvi_formats[i]; i++) {
        const char *const *ext = cvi_formats[i]->extensions;
        for (size_t j = 0; ext && ext[j]; j++)
            if (ends_with_ci(base, n, ext[j])) return cvi_formats[i];
    }
    return NULL;
}
