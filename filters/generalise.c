/*
 * generalise.c - coarsen timestamps (hour, day, ISO week, weekday + hour,
 * month, quarter, year) keeping the input's written style and UTC offset,
 * and durations into bands (as "30-59" or as the lower bound 30). Epoch
 * timestamps (10-digit seconds, 13-digit milliseconds) are read too, as
 * UTC. Pure functions: output is appended to a cv_buf only on success.
 */
#include <stdio.h>
#include <string.h>

#include "filters.h"

typedef struct ts {
    int y, m, d, hh, mi, ss;
    int has_time, has_sec;
    char sep;                 /* 'T', 't' or ' ' */
    const char *zone;         /* as written: "Z", "+01:00", ... */
    size_t zone_len;
    int epoch;                /* 0: ISO text; 10 or 13: epoch seconds / milliseconds (digits) */
    int64_t esecs;            /* epoch: whole seconds */
    int ems;                  /* epoch: the milliseconds part */
} ts;

static int dig2(const char *s, int *v)
{
    if ((unsigned)(s[0] - '0') > 9u || (unsigned)(s[1] - '0') > 9u) return 0;
    *v = (s[0] - '0') * 10 + (s[1] - '0');
    return 1;
}

static int days_in(int y, int m)
{
    static const unsigned char dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

/* Days since 1970-01-01 (proleptic Gregorian), and back. */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/*
 * Epoch time: exactly 10 digits (seconds) or 13 (milliseconds), as a JSON
 * number or string carries it, i.e. 2001-09-09 to 2286-11-20. Shorter or
 * longer digit runs are not read as times (a 9-digit number is more likely
 * an id or a duration than a date in 1973-2001). Read as UTC.
 */
static int parse_epoch(const char *s, size_t n, ts *t)
{
    if (n != 10 && n != 13) return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)(s[i] - '0') > 9u) return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (s[0] == '0') return 0;
    t->epoch = (int)n;
    t->ems = n == 13 ? (int)(v % 1000) : 0;
    t->esecs = n == 13 ? v / 1000 : v;
    long days = (long)(t->esecs / 86400);
    int64_t rem = t->esecs % 86400;
    civil_from_days(days, &t->y, &t->m, &t->d);
    t->hh = (int)(rem / 3600);
    t->mi = (int)(rem % 3600 / 60);
    t->ss = (int)(rem % 60);
    t->has_time = t->has_sec = 1;
    t->sep = 'T';
    t->zone = "Z";
    t->zone_len = 1;
    return 1;
}

static int parse_ts(const char *s, size_t n, ts *t)
{
    memset(t, 0, sizeof *t);
    int a, b;
    if (parse_epoch(s, n, t)) return 1;
    if (n < 10 || !dig2(s, &a) || !dig2(s + 2, &b) || s[4] != '-' || !dig2(s + 5, &t->m) || s[7] != '-' ||
        !dig2(s + 8, &t->d))
        return 0;
    t->y = a * 100 + b;
    if (t->m < 1 || t->m > 12 || t->d < 1 || t->d > days_in(t->y, t->m)) return 0;
    if (n == 10) return 1;
    size_t i = 10;
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return 0;
    t->sep = s[i++];
    if (i + 5 > n || !dig2(s + i, &t->hh) || s[i + 2] != ':' || !dig2(s + i + 3, &t->mi)) return 0;
    i += 5;
    t->has_time = 1;
    if (i < n && s[i] == ':') {
        if (i + 3 > n || !dig2(s + i + 1, &t->ss)) return 0;
        t->has_sec = 1;
        i += 3;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            i++;
            size_t f = i;
            while (i < n && (unsigned)(s[i] - '0') <= 9u) i++;
            if (i == f) return 0;
        }
    }
    if (t->hh > 23 || t->mi > 59 || t->ss > 60) return 0;
    if (i < n) {
        t->zone = s + i;
        t->zone_len = n - i;
        if (s[i] == 'Z' || s[i] == 'z') {
            if (n - i != 1) return 0;
        } else if (s[i] == '+' || s[i] == '-') {
            int zh, zm;
            size_t zl = n - i;
            if (!(zl == 3 || zl == 5 || zl == 6) || !dig2(s + i + 1, &zh) || zh > 23) return 0;
            if (zl == 5 && !dig2(s + i + 3, &zm)) return 0;
            if (zl == 6 && (s[i + 3] != ':' || !dig2(s + i + 4, &zm))) return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

int cvi_generalise_time(const char *in, size_t len, cv_gen_unit unit, cv_buf *out)
{
    static const char *const wd[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    ts t;
    char buf[96];
    int k;
    if (len > 64 || !parse_ts(in, len, &t)) return CV_EINPUT;
    long days = days_from_civil(t.y, t.m, t.d);
    int iso_dow = (int)(((days % 7) + 7 + 3) % 7);   /* 1970-01-01 was a Thursday; 0 = Monday */
    int y = t.y, m = t.m, d = t.d, hh = t.hh;
    switch (unit) {
    case CV_GEN_HOUR: break;
    case CV_GEN_DAY: hh = 0; break;
    case CV_GEN_WEEK: hh = 0; civil_from_days(days - iso_dow, &y, &m, &d); break;
    case CV_GEN_WEEKDAY_HOUR:
        k = t.has_time ? snprintf(buf, sizeof buf, "%s %02d:00", wd[iso_dow], t.hh) : snprintf(buf, sizeof buf, "%s", wd[iso_dow]);
        return cvi_buf_append(out, buf, (size_t)k);
    /* calendar periods of the date as written (its own offset): no time, no zone */
    case CV_GEN_MONTH: k = snprintf(buf, sizeof buf, "%04d-%02d", t.y, t.m); return cvi_buf_append(out, buf, (size_t)k);
    case CV_GEN_QUARTER: k = snprintf(buf, sizeof buf, "%04d-Q%d", t.y, (t.m + 2) / 3); return cvi_buf_append(out, buf, (size_t)k);
    case CV_GEN_YEAR: k = snprintf(buf, sizeof buf, "%04d", t.y); return cvi_buf_append(out, buf, (size_t)k);
    default: return CV_EUSAGE;
    }
    k = snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    if (t.has_time)
        k += snprintf(buf + k, sizeof buf - (size_t)k, "%c%02d:00%s", t.sep, hh, t.has_sec ? ":00" : "");
    if (cvi_buf_append(out, buf, (size_t)k)) return CV_ENOMEM;
    return cvi_buf_append(out, t.zone, t.zone_len);
}

/* Whole seconds from "75", "75.5", "1:15", "3:02:00". */
static int parse_duration(const char *s, size_t n, uint64_t *secs)
{
    while (n > 0 && (s[0] == ' ' || s[0] == '\t')) { s++; n--; }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    uint64_t part[3] = { 0, 0, 0 };
    int np = 0;
    size_t i = 0;
    for (;;) {
        size_t b = i;
        uint64_t v = 0;
        while (i < n && (unsigned)(s[i] - '0') <= 9u) {
            if (v > 100000000000000ull) return 0;
            v = v * 10 + (uint64_t)(s[i] - '0');
            i++;
        }
        if (i == b || np == 3) return 0;
        if (np > 0 && i - b != 2) return 0;     /* MM and SS after a colon are two digits */
        part[np++] = v;
        if (i < n && s[i] == ':') { i++; continue; }
        break;
    }
    if (i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && (unsigned)(s[i] - '0') <= 9u) i++;
        if (i == f) return 0;
    }
    if (i != n) return 0;
    if (np == 1) { *secs = part[0]; return 1; }
    if (part[np - 1] > 59) return 0;
    if (np == 2) { *secs = part[0] * 60 + part[1]; return 1; }
    if (part[1] > 59) return 0;
    *secs = part[0] * 3600 + part[1] * 60 + part[2];
    return 1;
}

int cvi_generalise_duration(const char *in, size_t len, const uint32_t *bounds, size_t nbounds, cv_buf *out)
{
    return cvi_generalise_duration_as(in, len, bounds, nbounds, CV_BANDS_RANGE, out);
}

int cvi_generalise_duration_as(const char *in, size_t len, const uint32_t *bounds, size_t nbounds, cv_bands_as as,
                              cv_buf *out)
{
    uint64_t v;
    char buf[48];
    int k;
    for (size_t i = 1; i < nbounds; i++)
        if (bounds[i] <= bounds[i - 1]) return CV_EUSAGE;
    if (len > 64 || !parse_duration(in, len, &v)) return CV_EINPUT;
    size_t i = 0;
    while (i < nbounds && v >= bounds[i]) i++;
    if (as == CV_BANDS_LOWER_BOUND) k = snprintf(buf, sizeof buf, "%u", i == 0 ? 0u : (unsigned)bounds[i - 1]);
    else if (nbounds == 0) k = snprintf(buf, sizeof buf, "0+");
    else if (i == nbounds) k = snprintf(buf, sizeof buf, "%u+", (unsigned)bounds[nbounds - 1]);
    else if (i == 0) k = snprintf(buf, sizeof buf, "0-%u", (unsigned)bounds[0] - 1);
    else k = snprintf(buf, sizeof buf, "%u-%u", (unsigned)bounds[i - 1], (unsigned)bounds[i] - 1);
    return cvi_buf_append(out, buf, (size_t)k);
}

/* ---- absolute times (retention) and date shifting ------------------------ */

int cvi_time_parse(const char *in, size_t len, int64_t *utc)
{
    ts t;
    if (len > 64 || !parse_ts(in, len, &t)) return CV_EINPUT;
    if (t.epoch) {
        *utc = t.esecs;
        return 0;
    }
    int64_t s = (int64_t)days_from_civil(t.y, t.m, t.d) * 86400 + t.hh * 3600 + t.mi * 60 + (t.ss > 59 ? 59 : t.ss);
    if (t.zone_len > 1) {
        /* "+01:00" is one hour ahead of UTC: subtract it */
        int zh = (t.zone[1] - '0') * 10 + (t.zone[2] - '0'), zm = 0;
        if (t.zone_len == 5) zm = (t.zone[3] - '0') * 10 + (t.zone[4] - '0');
        if (t.zone_len == 6) zm = (t.zone[4] - '0') * 10 + (t.zone[5] - '0');
        int64_t off = zh * 3600 + zm * 60;
        s += t.zone[0] == '+' ? -off : off;
    }
    *utc = s;
    return 0;
}

int cvi_shift_time(const char *in, size_t len, int days, cv_buf *out)
{
    ts t;
    char buf[16];
    if (len > 64 || !parse_ts(in, len, &t)) return CV_EINPUT;
    if (t.epoch) {
        /* an epoch stays an epoch in its own unit */
        int64_t secs = t.esecs + (int64_t)days * 86400;
        if (secs < 1000000000 || secs > 9999999999) return CV_EINPUT;
        int k = t.epoch == 13 ? snprintf(buf, sizeof buf, "%lld%03d", (long long)secs, t.ems)
                              : snprintf(buf, sizeof buf, "%lld", (long long)secs);
        return cvi_buf_append(out, buf, (size_t)k);
    }
    int y, m, d;
    civil_from_days(days_from_civil(t.y, t.m, t.d) + days, &y, &m, &d);
    if (y < 0 || y > 9999) return CV_EINPUT;
    int k = snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    if (cvi_buf_append(out, buf, (size_t)k)) return CV_ENOMEM;
    return cvi_buf_append(out, in + 10, len - 10);
}

int cvi_date_parse(const char *in, size_t len, int *y, int *m, int *d)
{
    ts t;
    if (len != 10 || !parse_ts(in, len, &t) || t.epoch) return CV_EINPUT;
    *y = t.y;
    *m = t.m;
    *d = t.d;
    return 0;
}

int64_t cvi_age_cutoff(int y, int m, int d, uint32_t n, char unit)
{
    long days;
    if (unit == 'd' || unit == 'w') {
        days = days_from_civil(y, m, d) - (long)n * (unit == 'w' ? 7 : 1);
    } else {
        /* calendar months: the same day of the month, or the month's last day
         * when it has fewer (2024-02-29 minus 1 year is 2023-02-28) */
        long months = (long)y * 12 + (m - 1) - (long)n * (unit == 'y' ? 12 : 1);
        int cy = (int)(months / 12), cm = (int)(months % 12) + 1;
        int dim = days_in(cy, cm);
        days = days_from_civil(cy, cm, d > dim ? dim : d);
    }
    return (int64_t)days * 86400;
}
