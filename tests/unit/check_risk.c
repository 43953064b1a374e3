/*
 * check_risk.c - the re-identification risk report (cv_risk) on a
 * hand-computed fixture: 12 CDR rows, 5 subjects, written as generic CSV,
 * Asterisk Master.csv and JSON Lines, plain and zstd. Classes, min k, the k
 * histogram, the share of records in classes with k < 5, unicity for p = 1, 2
 * (the fixture is built so that the random draw cannot change it), enforce-k
 * output bytes, determinism under seeds and chunked passes, bad input, and a
 * report that holds no value of the fixture.
 *
 * The fixture, after --generalise start=hour, duration=bands:30,60,120:
 *   point X = (2024-03-04 09h, 0-29,   +44)   A A B B B        k = 5
 *   point Y = (2024-03-04 10h, 30-59,  +44)   A B              k = 2
 *   point Z = (2024-03-05 11h, 60-119, +353)  C C D            k = 3
 *   point U = (2024-03-06 12h, 120+,   +1)    E                k = 1
 *   point V = (2024-03-06 12h, 0-29,   +1)    E                k = 1
 * 5 classes, min k 1; k = 1: 2 classes; k < 5: 4 classes, 7 records (7/12).
 * Distinct points: A {X,Y}, B {X,Y}, C {Z}, D {Z}, E {U,V}.
 * p = 1: every subject has a point; only E's points are E's alone: 1 of 5.
 * p = 2: A, B, E have two points; A and B hold each other's: 1 of 3 (E).
 * p = 3: nobody has three distinct points (excluded): 0 of 0.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "pipeline/risk.h"

typedef struct row {
    const char *src, *start, *dur, *country;
} row;

#define SA "phone:0a0a0a0a0a0a0a0a"
#define SB "phone:1b1b1b1b1b1b1b1b"
#define SC "phone:2c2c2c2c2c2c2c2c"
#define SD "phone:3d3d3d3d3d3d3d3d"
#define SE "phone:4e4e4e4e4e4e4e4e"

static const row rows[12] = {
    { SA, "2024-03-04 09:05:00", "12", "+44" },    /* X */
    { SB, "2024-03-04 09:10:00", "20", "+44" },    /* X */
    { SC, "2024-03-05 11:15:10", "61", "+353" },   /* Z */
    { SA, "2024-03-04 10:20:00", "45", "+44" },    /* Y */
    { SE, "2024-03-06 12:01:00", "300", "+1" },    /* U */
    { SB, "2024-03-04 09:59:59", "0", "+44" },     /* X */
    { SD, "2024-03-05 11:40:00", "119", "+353" },  /* Z */
    { SB, "2024-03-04 10:00:00", "30", "+44" },    /* Y */
    { SA, "2024-03-04 09:30:00", "29", "+44" },    /* X */
    { SE, "2024-03-06 12:30:00", "7", "+1" },      /* V */
    { SB, "2024-03-04 09:45:00", "15", "+44" },    /* X */
    { SC, "2024-03-05 11:00:00", "90", "+353" },   /* Z */
};
/* Rows in classes with k >= 3 (X, Z): what --enforce-k 3 keeps. */
static const int kept3[12] = { 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1 };

/* Values that must never appear in a report. */
static const char *const raw_values[] = {
    "0a0a0a", "1b1b1b", "2c2c2c", "3d3d3d", "4e4e4e", "phone:", "2024", "09:", "10:", "11:", "12:",
    "+44", "+353", "\"+1\"", "0-29", "30-59", "60-119", "120+",
};

static cv_ctx *ctx;
static char dir[64];

static void setup(void)
{
    ctx = cv_ctx_create();
    ck_assert_ptr_nonnull(ctx);
    strcpy(dir, "/tmp/check_risk_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    cv_ctx_free(ctx);
}

static char *path_in(const char *name)
{
    static char p[4][256];
    static int k;
    char *s = p[k++ % 4];
    snprintf(s, 256, "%s/%s", dir, name);
    return s;
}

static void write_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
    close(fd);
}

static char *read_file(const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    off_t end = lseek(fd, 0, SEEK_END);
    char *p = malloc((size_t)end + 1);
    ck_assert_int_eq(pread(fd, p, (size_t)end, 0), end);
    p[end] = '\0';
    close(fd);
    *n = (size_t)end;
    return p;
}

static void write_zst(const char *path, const cv_buf *b)
{
    size_t cap = ZSTD_compressBound(b->n);
    char *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, b->p, b->n, 3);
    ck_assert(!ZSTD_isError(zn));
    write_file(path, z, zn);
    free(z);
}

static char *unzst(const char *z, size_t zn, size_t *n)
{
    unsigned long long sz = ZSTD_getFrameContentSize(z, zn);
    ck_assert(sz != ZSTD_CONTENTSIZE_ERROR);
    /* streamed frames do not record their size: decompress into a bound */
    size_t cap = sz == ZSTD_CONTENTSIZE_UNKNOWN ? 1u << 20 : (size_t)sz + 1;
    char *p = malloc(cap + 1);
    size_t k = ZSTD_decompress(p, cap, z, zn);
    ck_assert(!ZSTD_isError(k));
    p[k] = '\0';
    *n = k;
    return p;
}

/* The fixture in each format; kept (may be NULL) receives the bytes
 * --enforce-k 3 must write. Row 5 is quoted and row 8 ends in CRLF in CSV,
 * to prove the kept rows are copied byte for byte. */
static void make_csv(cv_buf *b, cv_buf *kept)
{
    const char *hdr = "src,dst,start,duration,country\n";
    cvi_buf_puts(b, hdr);
    if (kept) cvi_buf_puts(kept, hdr);
    for (int i = 0; i < 12; i++) {
        size_t at = b->n;
        if (i == 5)
            cvi_buf_printf(b, "\"%s\",\"phone:9z9z9z9z9z9z9z9z\",\"%s\",%s,%s\n", rows[i].src, rows[i].start,
                          rows[i].dur, rows[i].country);
        else
            cvi_buf_printf(b, "%s,phone:9z9z9z9z9z9z9z9z,%s,%s,%s%s\n", rows[i].src, rows[i].start, rows[i].dur,
                          rows[i].country, i == 8 ? "\r" : "");
        if (kept && kept3[i]) cvi_buf_append(kept, b->p + at, b->n - at);
    }
}

static void make_master(cv_buf *b, cv_buf *kept)
{
    for (int i = 0; i < 12; i++) {
        size_t at = b->n;
        cvi_buf_printf(b,
                      "\"\",\"%s\",\"phone:9z9z9z9z9z9z9z9z\",\"from-pstn\",\"\",\"PJSIP/trunk-1\",\"\",\"Dial\","
                      "\"PJSIP/201\",\"%s\",\"%s\",\"%s\",%s,%s,\"ANSWERED\",\"DOCUMENTATION\",\"17096498%02d.1\","
                      "\"%s\"\n",
                      rows[i].src, rows[i].start, rows[i].start, rows[i].start, rows[i].dur, rows[i].dur, i,
                      rows[i].country);
        if (kept && kept3[i]) cvi_buf_append(kept, b->p + at, b->n - at);
    }
}

static void make_jsonl(cv_buf *b, cv_buf *kept)
{
    for (int i = 0; i < 12; i++) {
        size_t at = b->n;
        cvi_buf_printf(b, "{\"id\":%d,\"caller\":{\"token\":\"%s\"},\"call\":{\"start\":\"%s\",\"duration\":%s},"
                         "\"country\":\"%s\",\"tags\":[\"a\",\"b\"]}\n",
                      i, rows[i].src, rows[i].start, rows[i].dur, rows[i].country);
        if (kept && kept3[i]) cvi_buf_append(kept, b->p + at, b->n - at);
    }
}

static const char *const q_csv[] = { "start", "duration", "country" };
static const char *const q_ast[] = { "start", "duration", "userfield" };
static const char *const q_json[] = { "call.start", "call.duration", "country" };

static void opts_for(cv_risk_opts *o, const char *const *q, const char *subject, cv_risk_gen gen[2])
{
    cv_risk_opts_init(o);
    o->quasi = q;
    o->nquasi = 3;
    o->subject = subject;
    gen[0] = (cv_risk_gen){ q[0], "hour" };
    gen[1] = (cv_risk_gen){ q[1], "bands:30,60,120" };
    o->gen = gen;
    o->ngen = 2;
}

/* Run cv_risk_files over n files; returns rc, fills res and (if json) the report text. */
static int run_files(const char *const *paths, size_t n, const cv_risk_opts *o, cv_risk_result *res, char **json)
{
    char rp[300];
    snprintf(rp, sizeof rp, "%s/report.json", dir);
    int fd = open(rp, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    int rc = n == 1 ? cv_risk(ctx, paths[0], o, fd, res) : cv_risk_files(ctx, paths, n, o, fd, res);
    close(fd);
    if (json) {
        size_t len;
        *json = read_file(rp, &len);
    }
    return rc;
}

static int run(const char *path, const cv_risk_opts *o, cv_risk_result *res, char **json)
{
    return run_files(&path, 1, o, res, json);
}

static void assert_has(const char *json, const char *frag)
{
    ck_assert_msg(strstr(json, frag) != NULL, "report lacks %s: %s", frag, json);
}

static void assert_no_values(const char *json)
{
    for (size_t i = 0; i < sizeof raw_values / sizeof raw_values[0]; i++)
        ck_assert_msg(strstr(json, raw_values[i]) == NULL, "report holds a value (%s): %s", raw_values[i], json);
}

/* The hand-computed figures, whatever the format. */
static void assert_fixture(const cv_risk_result *r, const char *json)
{
    ck_assert_uint_eq(r->records, 12);
    ck_assert_uint_eq(r->rejected, 0);
    ck_assert_uint_eq(r->classes, 5);
    ck_assert_uint_eq(r->min_k, 1);
    ck_assert_uint_eq(r->classes_k1, 2);
    ck_assert_uint_eq(r->classes_k_lt5, 4);
    ck_assert_uint_eq(r->records_k_lt5, 7);
    ck_assert_uint_eq(r->classes_k_lt10, 5);
    ck_assert_uint_eq(r->records_k_lt10, 12);
    ck_assert_int_eq(r->unicity_computed, 1);
    ck_assert_uint_eq(r->subjects, 5);
    ck_assert_uint_eq(r->sampled, 5);
    ck_assert_int_eq(r->points, 4);
    ck_assert_uint_eq(r->eligible[0], 5);
    ck_assert_uint_eq(r->unique[0], 1);
    ck_assert_uint_eq(r->eligible[1], 3);
    ck_assert_uint_eq(r->unique[1], 1);
    ck_assert_uint_eq(r->eligible[2], 0);
    ck_assert_uint_eq(r->unique[2], 0);
    if (!json) return;
    assert_has(json, "\"records\":12,\"rejected\":0,\"equivalence_classes\":5,\"min_k\":1,");
    assert_has(json, "\"classes_k1\":2,\"classes_k_lt_5\":4,\"classes_k_lt_10\":5,\"records_k_lt_5\":7,"
                     "\"share_records_k_lt_5\":0.583333,");
    assert_has(json, "{\"k_min\":1,\"k_max\":1,\"classes\":2,\"records\":2},"
                     "{\"k_min\":2,\"k_max\":4,\"classes\":2,\"records\":5},"
                     "{\"k_min\":5,\"k_max\":9,\"classes\":1,\"records\":5},");
    assert_has(json, "\"subjects\":5,\"records_without_subject\":0,\"sampled\":5,");
    assert_has(json, "{\"p\":1,\"subjects\":5,\"unique\":1,\"share\":0.200000},"
                     "{\"p\":2,\"subjects\":3,\"unique\":1,\"share\":0.333333},"
                     "{\"p\":3,\"subjects\":0,\"unique\":0,\"share\":null}");
    assert_no_values(json);
}

START_TEST(test_csv_fixture)
{
    cv_buf b = { 0 };
    make_csv(&b, NULL);
    const char *p = path_in("cdr.csv");
    write_file(p, b.p, b.n);
    cv_risk_opts o;
    cv_risk_gen gen[2];
    opts_for(&o, q_csv, "src", gen);
    cv_risk_result r;
    char *json;
    ck_assert_msg(run(p, &o, &r, &json) == 0, "%s", cv_ctx_error(ctx));
    assert_fixture(&r, json);
    assert_has(json, "\"format\":\"csv\",\"quasi_identifiers\":[\"start\",\"duration\",\"country\"],"
                     "\"generalised\":{\"start\":\"hour\",\"duration\":\"bands:30,60,120\"}");
    ck_assert_uint_eq(r.passes, 2);   /* count, then one unicity pass */
    free(json);

    /* The same values without generalisation: every row its own class. */
    o.ngen = 0;
    ck_assert_int_eq(run(p, &o, &r, &json), 0);
    ck_assert_uint_eq(r.classes, 12);
    ck_assert_uint_eq(r.classes_k1, 12);
    ck_assert_uint_eq(r.unique[0], 5);
    assert_has(json, "\"share_records_k_lt_5\":1.000000");
    assert_no_values(json);
    free(json);

    /* Without a subject: no unicity, and the report says so. */
    opts_for(&o, q_csv, NULL, gen);
    ck_assert_int_eq(run(p, &o, &r, &json), 0);
    ck_assert_uint_eq(r.classes, 5);
    ck_assert_int_eq(r.unicity_computed, 0);
    ck_assert_uint_eq(r.passes, 1);
    assert_has(json, "\"unicity\":{\"computed\":false,");
    assert_no_values(json);
    free(json);
    cvi_buf_free(&b);
}
END_TEST

/* The fixture split over two files (shards of one dataset): the second
 * zstd, with its columns in another order; counted as one dataset. */
START_TEST(test_split_files)
{
    cv_buf a = { 0 }, b = { 0 };
    cvi_buf_puts(&a, "src,dst,start,duration,country\n");
    cvi_buf_puts(&b, "country,duration,src,start,dst\n");
    for (int i = 0; i < 12; i++) {
        if (i < 7)
            cvi_buf_printf(&a, "%s,phone:9z9z9z9z9z9z9z9z,%s,%s,%s\n", rows[i].src, rows[i].start, rows[i].dur,
                          rows[i].country);
        else
            cvi_buf_printf(&b, "%s,%s,%s,%s,phone:9z9z9z9z9z9z9z9z\n", rows[i].country, rows[i].dur, rows[i].src,
                          rows[i].start);
    }
    const char *files[2] = { path_in("jan.csv"), path_in("feb.csv.zst") };
    write_file(files[0], a.p, a.n);
    write_zst(files[1], &b);
    cv_risk_opts o;
    cv_risk_gen gen[2];
    opts_for(&o, q_csv, "src", gen);
    cv_risk_result r;
    char *json;
    ck_assert_msg(run_files(files, 2, &o, &r, &json) == 0, "%s", cv_ctx_error(ctx));
    assert_fixture(&r, json);
    char want[700];
    snprintf(want, sizeof want, "\"files\":[\"%s\",\"%s\"],\"format\":\"csv\"", files[0], files[1]);
    assert_has(json, want);
    free(json);
    /* one file alone is not the dataset */
    ck_assert_int_eq(cv_risk_files(ctx, files, 1, &o, -1, &r), 0);
    ck_assert_uint_eq(r.records, 7);
    /* one dataset is one format; enforce rewrites one file */
    const char *mixed[2] = { files[0], path_in("x.jsonl") };
    write_file(mixed[1], "{}\n", 3);
    ck_assert_int_eq(cv_risk_files(ctx, mixed, 2, &o, -1, &r), CV_EFORMAT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "one dataset is one format"));
    o.enforce_k = 3;
    o.enforce_out = path_in("kept.csv");
    ck_assert_int_eq(cv_risk_files(ctx, files, 2, &o, -1, &r), CV_EUSAGE);
    ck_assert_int_eq(access(o.enforce_out, F_OK), -1);
    /* a column missing from one file names that file */
    opts_for(&o, q_csv, "src", gen);
    cv_buf_clear(&b);
    cvi_buf_puts(&b, "country,duration,src,dst\n");
    write_zst(files[1], &b);
    ck_assert_int_eq(cv_risk_files(ctx, files, 2, &o, -1, &r), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "feb.csv.zst: unknown column 'start'"));
    cvi_buf_free(&a);
    cvi_buf_free(&b);
}
END_TEST

/* The draw does not matter on this fixture: every seed, and a pair budget
 * that forces one pass per sampled subject, give the same figures. */
START_TEST(test_seeds_and_chunks)
{
    cv_buf b = { 0 };
    make_csv(&b, NULL);
    const char *p = path_in("cdr.csv");
    write_file(p, b.p, b.n);
    cv_risk_opts o;
    cv_risk_gen gen[2];
    opts_for(&o, q_csv, "src", gen);
    cv_risk_result r;
    static const uint64_t seeds[] = { 0, 1, 2, 12345, UINT64_MAX };
    for (size_t i = 0; i < 5; i++) {
        o.seed = seeds[i];
        o.max_pairs = 0;
        ck_assert_int_eq(run(p, &o, &r, NULL), 0);
        assert_fixture(&r, NULL);
        ck_assert_uint_eq(r.passes, 2);
        o.max_pairs = 1;
        ck_assert_int_eq(run(p, &o, &r, NULL), 0);
        assert_fixture(&r, NULL);
        ck_assert_uint_gt(r.passes, 2);
    }
    cvi_buf_free(&b);
}
END_TEST

/* Sampling fewer subjects than there are: reproducible under one seed, and
 * the figures are those of the sampled subjects. */
START_TEST(test_sampling)
{
    cv_buf b = { 0 };
    make_csv(&b, NULL);
    const char *p = path_in("cdr.csv");
    write_file(p, b.p, b.n);
    cv_risk_opts o;
    cv_risk_gen gen[2];
    opts_for(&o, q_csv, "src", gen);
    o.samples = 2;
    int uniques_seen[2] = { 0, 0 };
    for (uint64_t seed = 0; seed < 40; seed++) {
        o.seed = seed;
        cv_risk_result r1, r2;
        char *j1, *j2;
        ck_assert_int_eq(run(p, &o, &r1, &j1), 0);
        ck_assert_int_eq(run(p, &o, &r2, &j2), 0);
        ck_assert_str_eq(j1, j2);
        ck_assert_uint_eq(r1.subjects, 5);
        ck_assert_uint_eq(r1.sampled, 2);
        ck_assert_uint_eq(r1.eligible[0], 2);
        ck_assert_uint_le(r1.unique[0], 1);        /* E is the only unique subject */
        ck_assert_uint_le(r1.eligible[1], 2);
        ck_assert_uint_eq(r1.unique[1], r1.unique[0]);   /* E has two points and is unique with both */
        uniques_seen[r1.unique[0]] = 1;
        free(j1);
        free(j2);
    }
    /* over 40 seeds, E is sometimes drawn and sometimes not */
    ck_assert_int_eq(uniques_seen[0], 1);
    ck_assert_int_eq(uniques_seen[1], 1);
    cvi_buf_free(&b);
}
END_TEST

/* A subject with one point drawn from several: p = 1 depends on the draw; the
 * share over many seeds converges to the exact expectation (1/2 here). */
START_TEST(test_random_points)
{
    /* F: points P (shared with G) and Q (F's alone); G: P. */
    const char *csv = "who,h\nF,p\nF,q\nG,p\n";
    const char *p = path_in("two.csv");
    write_file(p, csv, strlen(csv));
    static const char *const q[] = { "h" };
    cv_risk_opts o;
    cv_risk_opts_init(&o);
    o.quasi = q;
    o.nquasi = 1;
    o.subject = "who";
    o.points = 2;
    unsigned uniq = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        o.seed = seed;
        cv_risk_result r;
        ck_assert_int_eq(run(p, &o, &r, NULL), 0);
        ck_assert_uint_eq(r.eligible[0], 2);
        ck_assert_uint_le(r.unique[0], 1);       /* G never; F when it draws q */
        uniq += (unsigned)r.unique[0];
        ck_assert_uint_eq(r.eligible[1], 1);     /* F: {p, q}, held by nobody else */
        ck_assert_uint_eq(r.unique[1], 1);
    }
    ck_assert_uint_gt(uniq, 60);
    ck_assert_uint_lt(uniq, 140);
}
END_TEST

static void check_enforce(const char *name, cv_buf *in, const cv_buf *kept, const char *const *q,
                          const char *subject, int zst, const char *fmt)
{
    const char *p = path_in(name);
    if (zst) write_zst(p, in);
    else write_file(p, in->p, in->n);
    char out[300];
    const char *base = strrchr(name, '/');
    snprintf(out, sizeof out, "%s/kept-%s", dir, base ? base + 1 : name);
    cv_risk_opts o;
    cv_risk_gen gen[2];
    opts_for(&o, q, subject, gen);
    o.enforce_k = 3;
    o.enforce_out = out;
    cv_risk_result r;
    char *json;
    ck_assert_msg(run(p, &o, &r, &json) == 0, "%s", cv_ctx_error(ctx));
    assert_fixture(&r, json);
    ck_assert_uint_eq(r.written, 8);
    ck_assert_uint_eq(r.suppressed, 4);
    ck_assert_uint_eq(r.suppressed_classes, 3);
    assert_has(json, "\"written\":8,\"suppressed\":4,\"suppressed_classes\":3,");
    free(json);
    size_t n;
    char *got = read_file(out, &n);
    if (zst) {
        ck_assert_msg(n >= 4 && (unsigned char)got[0] == 0x28 && (unsigned char)got[1] == 0xb5, "not zstd");
        char *plain = unzst(got, n, &n);
        free(got);
        got = plain;
    }
    ck_assert_uint_eq(n, kept->n);
    ck_assert_msg(memcmp(got, kept->p, n) == 0, "kept rows differ:\n%s\n--- expected\n%.*s", got, (int)kept->n,
                  kept->p);
    free(got);
    /* no temporary file left beside the output */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q cvtmp", dir);
    ck_assert_int_ne(system(cmd), 0);

    /* The suppressed copy is 3-anonymous. */
    o.enforce_k = 0;
    o.enforce_out = NULL;
    o.format = fmt;     /* kept-Master.csv is no longer named like a Master.csv */
    ck_assert_int_eq(run(out, &o, &r, NULL), 0);
    ck_assert_uint_eq(r.records, 8);
    ck_assert_uint_eq(r.classes, 2);
    ck_assert_uint_eq(r.min_k, 3);
}

START_TEST(test_enforce_csv)
{
    cv_buf in = { 0 }, kept = { 0 };
    make_csv(&in, &kept);
    check_enforce("cdr.csv", &in, &kept, q_csv, "src", 0, NULL);
    cvi_buf_free(&in);
    cvi_buf_free(&kept);
}
END_TEST

START_TEST(test_zst_input)
{
    cv_buf in = { 0 }, kept = { 0 };
    make_csv(&in, &kept);
    check_enforce("cdr.csv.zst", &in, &kept, q_csv, "src", 1, NULL);
    cvi_buf_free(&in);
    cvi_buf_free(&kept);
}
END_TEST

START_TEST(test_master_csv)
{
    cv_buf in = { 0 }, kept = { 0 };
    make_master(&in, &kept);
    ck_assert_int_eq(mkdir(path_in("cdr"), 0755), 0);
    check_enforce("cdr/Master.csv.zst", &in, &kept, q_ast, "src", 1, "asterisk-cdr");
    /* Unknown column: exit-2 class error naming the column, nothing read. */
    static const char *const bad[] = { "start", "src_country" };
    cv_risk_opts o;
    cv_risk_opts_init(&o);
    o.quasi = bad;
    o.nquasi = 2;
    cv_risk_result r;
    ck_assert_int_eq(run(path_in("cdr/Master.csv.zst"), &o, &r, NULL), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "unknown column 'src_country'"));
    /* cdr_csv's newer columns are known; absent here, so one missing value */
    static const char *const newer[] = { "linkedid" };
    o.quasi = newer;
    o.nquasi = 1;
    ck_assert_int_eq(run(path_in("cdr/Master.csv.zst"), &o, &r, NULL), 0);
    ck_assert_uint_eq(r.classes, 1);
    ck_assert_uint_eq(r.min_k, 12);
    cvi_buf_free(&in);
    cvi_buf_free(&kept);
}
END_TEST

START_TEST(test_jsonl)
{
    cv_buf in = { 0 }, kept = { 0 };
    make_jsonl(&in, &kept);
    check_enforce("cdr.jsonl", &in, &kept, q_json, "caller.token", 0, NULL);
    check_enforce("cdr2.jsonl.zst", &in, &kept, q_json, "caller.token", 1, NULL);
    const char *p = path_in("cdr.jsonl");
    cv_risk_opts o;
    cv_risk_gen gen[2];
    cv_risk_result r;
    /* a path no record has */
    static const char *const bad[] = { "call.start", "call.queue", "country" };
    opts_for(&o, bad, "caller.token", gen);
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "unknown field 'call.queue'"));
    /* an array member is not a point */
    static const char *const arr[] = { "tags[]" };
    cv_risk_opts_init(&o);
    o.quasi = arr;
    o.nquasi = 1;
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EUSAGE);
    /* an object is not a scalar: every record rejected, located */
    static const char *const obj[] = { "call" };
    o.quasi = obj;
    ck_assert_int_eq(run(p, &o, &r, NULL), 0);
    ck_assert_uint_eq(r.records, 0);
    ck_assert_uint_eq(r.rejected, 12);
    cvi_buf_free(&in);
    cvi_buf_free(&kept);
}
END_TEST

typedef struct logged {
    char text[4096];
} logged;

static void log_cb(void *ud, int level, const char *msg)
{
    logged *l = ud;
    (void)level;
    strncat(l->text, msg, sizeof l->text - strlen(l->text) - 2);
    strcat(l->text, "\n");
}

START_TEST(test_rejected_rows)
{
    cv_buf b = { 0 }, kept = { 0 };
    make_csv(&b, &kept);
    /* a row with the wrong field count, and one whose start is not a time */
    cvi_buf_puts(&b, SA ",x,2024-03-04 09:00:00,5\n");
    cvi_buf_puts(&b, SE ",x,yesterday-ish,5,+1\n");
    const char *p = path_in("bad.csv");
    write_file(p, b.p, b.n);
    logged lg = { "" };
    cv_ctx_set_log(ctx, log_cb, &lg);
    cv_risk_opts o;
    cv_risk_gen gen[2];
    opts_for(&o, q_csv, "src", gen);
    o.enforce_k = 3;
    char out[300];
    snprintf(out, sizeof out, "%s/kept.csv", dir);
    o.enforce_out = out;
    cv_risk_result r;
    char *json;
    ck_assert_int_eq(run(p, &o, &r, &json), 0);
    ck_assert_uint_eq(r.rejected, 2);
    r.rejected = 0;
    assert_fixture(&r, NULL);
    assert_has(json, "\"rejected\":2");
    assert_no_values(json);
    free(json);
    /* located by line and byte, never by content */
    ck_assert_ptr_nonnull(strstr(lg.text, "line 14, byte"));
    ck_assert_ptr_nonnull(strstr(lg.text, "wrong number of fields"));
    ck_assert_ptr_nonnull(strstr(lg.text, "line 15, byte"));
    ck_assert_ptr_nonnull(strstr(lg.text, "cannot be generalised"));
    ck_assert_ptr_null(strstr(lg.text, "yesterday"));
    ck_assert_ptr_null(strstr(lg.text, "phone:"));
    /* rejected rows are not written */
    size_t n;
    char *got = read_file(out, &n);
    ck_assert_uint_eq(n, kept.n);
    ck_assert(memcmp(got, kept.p, n) == 0);
    free(got);
    cv_ctx_set_log(ctx, NULL, NULL);
    cvi_buf_free(&b);
    cvi_buf_free(&kept);
}
END_TEST

START_TEST(test_bad_input)
{
    cv_buf b = { 0 };
    make_csv(&b, NULL);
    const char *p = path_in("cdr.csv");
    write_file(p, b.p, b.n);
    cv_risk_opts o;
    cv_risk_gen gen[2];
    cv_risk_result r;

    static const char *const unknown[] = { "start", "src_country", "country" };
    opts_for(&o, unknown, "src", gen);
    o.ngen = 1;
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "unknown column 'src_country'"));
    opts_for(&o, q_csv, "caller", gen);
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "unknown column 'caller'"));

    opts_for(&o, q_csv, "src", gen);
    ck_assert_int_eq(run(path_in("missing.csv"), &o, &r, NULL), CV_EIO);
    ck_assert_int_eq(run(dir, &o, &r, NULL), CV_EFORMAT);     /* no format from the name */
    o.format = "csv";
    ck_assert_int_eq(run(dir, &o, &r, NULL), CV_EINPUT);      /* a directory: not a regular file */
    o.format = "parquet";
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EUSAGE);        /* an unknown --format is a usage error */
    o.format = NULL;

    gen[0].spec = "fortnight";
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EUSAGE);
    gen[0] = (cv_risk_gen){ "src", "hour" };                  /* not a quasi-identifier */
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EUSAGE);
    opts_for(&o, q_csv, "src", gen);
    o.enforce_k = 5;                                          /* no output */
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EUSAGE);
    o.enforce_k = 0;
    o.points = 17;
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EUSAGE);
    o.points = 4;
    static const char *const twice[] = { "start", "start", "country" };
    o.quasi = twice;
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EUSAGE);
    o.quasi = q_csv;
    o.nquasi = 0;
    ck_assert_int_eq(run(p, &o, &r, NULL), CV_EUSAGE);

    /* truncated zstd: an input error, not a crash or a partial report */
    cv_buf z = { 0 };
    for (int i = 0; i < 200; i++) make_csv(&z, NULL);
    size_t cap = ZSTD_compressBound(z.n);
    char *zz = malloc(cap);
    size_t zn = ZSTD_compress(zz, cap, z.p, z.n, 3);
    const char *tp = path_in("trunc.csv.zst");
    write_file(tp, zz, zn / 2);
    opts_for(&o, q_csv, "src", gen);
    ck_assert_int_lt(run(tp, &o, &r, NULL), 0);
    free(zz);
    cvi_buf_free(&z);

    /* an empty CSV has no header */
    const char *ep = path_in("empty.csv");
    write_file(ep, "", 0);
    ck_assert_int_eq(run(ep, &o, &r, NULL), CV_EINPUT);
    cvi_buf_free(&b);
}
END_TEST

START_TEST(test_gen_parse)
{
    cvi_risk_gen g;
    ck_assert_int_eq(cvi_risk_gen_parse("hour", &g), 0);
    ck_assert_int_eq(g.unit, CV_GEN_HOUR);
    ck_assert_int_eq(cvi_risk_gen_parse("weekday_hour", &g), 0);
    ck_assert_int_eq(g.unit, CV_GEN_WEEKDAY_HOUR);
    ck_assert_int_eq(cvi_risk_gen_parse("bands", &g), 0);
    ck_assert_uint_eq(g.nbounds, 6);
    ck_assert_uint_eq(g.bounds[5], 1800);
    ck_assert_int_eq(cvi_risk_gen_parse("bands:10,20,4000", &g), 0);
    ck_assert_uint_eq(g.nbounds, 3);
    ck_assert_uint_eq(g.bounds[2], 4000);
    cv_buf out = { 0 };
    ck_assert_int_eq(cvi_risk_gen_apply(&g, "25", 2, &out), 0);
    ck_assert_int_eq((int)out.n, 7);
    ck_assert(memcmp(out.p, "20-3999", 7) == 0);
    cvi_buf_free(&out);
    static const char *const bad[] = { "", "Hour", "bands:", "bands:30,", "bands:30,30", "bands:60,30",
                                       "bands:x", "bands:99999999999", "bands:1,2,3,4,5,6,7,8,9,10,11,12,13,14,"
                                       "15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(cvi_risk_gen_parse(bad[i], &g) == CV_EUSAGE, "accepted '%s'", bad[i]);
    ck_assert_int_eq(cvi_risk_gen_parse(NULL, &g), CV_EUSAGE);
}
END_TEST

static Suite *risk_suite(void)
{
    Suite *s = suite_create("risk");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_csv_fixture);
    tcase_add_test(tc, test_split_files);
    tcase_add_test(tc, test_seeds_and_chunks);
    tcase_add_test(tc, test_sampling);
    tcase_add_test(tc, test_random_points);
    tcase_add_test(tc, test_enforce_csv);
    tcase_add_test(tc, test_zst_input);
    tcase_add_test(tc, test_master_csv);
    tcase_add_test(tc, test_jsonl);
    tcase_add_test(tc, test_rejected_rows);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_gen_parse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(risk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
