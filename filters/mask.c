/*
 * mask.c - the format-keeping mask: every letter and digit becomes '*'
 * except the last `keep` digits ("4111 1111 1111 1111" → "**** **** **** 1111").
 * Non-ASCII characters are treated as letters (one '*' per character), so
 * accented names never leak through a mask.
 */
#include "filters.h"

int cvi_mask(const char *in, size_t len, unsigned keep, cv_buf *out)
{
    size_t digits = 0;
    for (size_t i = 0; i < len; i++)
        digits += (unsigned)((unsigned char)in[i] - '0') <= 9u;
    size_t keep_from = digits > keep ? digits - keep : 0;
    if (cvi_buf_reserve(out, len)) return CV_ENOMEM;
    char *w = out->p + out->n;
    size_t di = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if ((unsigned)(c - '0') <= 9u) {
            *w++ = di++ >= keep_from ? (char)c : '*';
        } else if ((unsigned)((c | 0x20) - 'a') <= 25u) {
            *w++ = '*';
        } else if (c >= 0x80) {
            if ((c & 0xC0) != 0x80) *w++ = '*';   /* continuation bytes vanish */
        } else {
            *w++ = (char)c;
        }
    }
    out->n = (size_t)(w - out->p);
    return 0;
}

/* Masks keep the last 4 digits only of values long enough that 4 digits do
 * not identify them (cards, phone numbers); shorter values are starred
 * whole. */
int cvi_mask_default(const char *v, size_t n, cv_buf *out)
{
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) digits += v[i] >= '0' && v[i] <= '9';
    return cvi_mask(v, n, digits >= 8 ? 4 : 0, out);
}
