/*
 * normalise.c - normalisation of values given as structured fields, so that
 * equal identifiers get equal tokens (DESIGN §6): dispatches to each entity's
 * normaliser, and falls back to the generic form (trimmed, whitespace runs
 * collapsed, ASCII lower-cased) for values that are not well formed.
 */
#include <string.h>

#include "filters.h"


static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Returns 0, or -1 if the result would exceed CV_NORM_MAX (norm is then ""). */
int cvi_normalise_generic(const char *in, size_t len, char norm[CV_NORM_MAX + 1], size_t *norm_len)
{
    size_t k = 0, i = 0;
    int pending = 0;
    while (i < len && is_space((unsigned char)in[i])) i++;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (is_space(c)) { pending = 1; continue; }
        if (k + pending + 1 > CV_NORM_MAX) {
            norm[0] = '\0';
            *norm_len = 0;
            return -1;
        }
        if (pending) { norm[k++] = ' '; pending = 0; }
        norm[k++] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
    }
    norm[k] = '\0';
    *norm_len = k;
    return 0;
}

int cvi_normalise_words(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return cvi_normalise_generic(in, len, norm, norm_len) == 0 && *norm_len > 0;
}

int cvi_normalise(int entity, const cv_detect_opts *o, const char *in, size_t len,
                 char norm[CV_NORM_MAX + 1], size_t *norm_len)
{
    /* Each entity's normaliser bounds its output well below CV_NORM_MAX
     * and refuses inputs too long for its form. */
    const cv_entity_type *t = cvi_entity(entity);
    if (t && t->normalise && t->normalise(o, in, len, norm, norm_len)) return 1;
    if (cvi_normalise_generic(in, len, norm, norm_len)) return -1;
    return 0;
}
