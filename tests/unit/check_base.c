/*
 * check_base.c - byte-level helpers: UTF-8 validation (overlongs,
 * surrogates, truncation), cv_buf growth, the record arena, the hash
 * tables (cvi_strmap, cvi_idxmap over a caller's array), span merging
 * (integer ranges and time spans), staged writes (cvi_staged).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/common/files.h"
#include "pipeline/common/record.h"
#include "pipeline/common/spans.h"
#include "pipeline/common/strmap.h"

START_TEST(test_utf8)
{
    static const struct { const char *s; size_t n, valid; } cases[] = {
        { "plain ascii text, long enough for the fast path", 48, 48 },
        { "caf\xc3\xa9", 5, 5 },
        { "\xe2\x82\xac 10", 6, 6 },                 /* euro sign */
        { "\xf0\x9f\x98\x80", 4, 4 },                /* emoji */
        { "ab\xc0\xafz", 5, 2 },                     /* overlong '/' */
        { "ab\xe0\x80\xafz", 6, 2 },                 /* overlong 3-byte */
        { "abc\xed\xa0\x80", 6, 3 },                 /* surrogate U+D800 */
        { "\xf4\x90\x80\x80", 4, 0 },                /* above U+10FFFF */
        { "abcdefghij\xc3", 11, 10 },                /* truncated at end */
        { "abcdefgh\x80", 9, 8 },                    /* lone continuation */
        { "\xff", 1, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_uint_eq(cvi_utf8_valid_prefix(cases[i].s, cases[i].n), cases[i].valid);
}
END_TEST

START_TEST(test_buf)
{
    cv_buf b;
    cvi_buf_init(&b);
    for (int i = 0; i < 10000; i++) ck_assert_int_eq(cvi_buf_putc(&b, (char)('a' + i % 26)), 0);
    ck_assert_uint_eq(b.n, 10000);
    ck_assert_int_eq(b.p[9999], 'a' + 9999 % 26);
    cv_buf_clear(&b);
    ck_assert_int_eq(cvi_buf_printf(&b, "%d-%s", 42, "x"), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "42-x");
    ck_assert_uint_eq(b.n, 4);
    cvi_buf_free(&b);
    cvi_buf_free(&b);
    ck_assert_ptr_null(b.p);
}
END_TEST

START_TEST(test_strmap)
{
    cvi_strmap m = { 0 };
    static char keys[3000][12];
    ck_assert_ptr_null(cvi_strmap_get(&m, cv_str_make("a", 1)));   /* a zeroed map is empty */
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(keys[i], sizeof keys[i], "k%d", i);
        ck_assert_int_eq(cvi_strmap_put(&m, cv_str_make(keys[i], (size_t)n), (uint64_t)i * 7), 0);
    }
    ck_assert_uint_eq(m.n, 3000);
    ck_assert_uint_ge((size_t)m.mask + 1, 6000);   /* at most half full */
    for (int i = 0; i < 3000; i++) {
        const uint64_t *v = cvi_strmap_get(&m, cv_str_make(keys[i], strlen(keys[i])));
        ck_assert_ptr_nonnull(v);
        ck_assert_uint_eq(*v, (uint64_t)i * 7);
    }
    ck_assert_ptr_null(cvi_strmap_get(&m, cv_str_make("k3000", 5)));
    ck_assert_ptr_null(cvi_strmap_get(&m, cv_str_make("k1", 1)));    /* a prefix is another key */
    /* update keeps the count; keys with NUL bytes and the empty key are keys */
    ck_assert_int_eq(cvi_strmap_put(&m, cv_str_make("k5", 2), 1), 0);
    ck_assert_uint_eq(m.n, 3000);
    ck_assert_uint_eq(*cvi_strmap_get(&m, cv_str_make("k5", 2)), 1);
    ck_assert_int_eq(cvi_strmap_put(&m, cv_str_make("a\0b", 3), 9), 0);
    ck_assert_int_eq(cvi_strmap_put(&m, cv_str_make("", 0), 10), 0);
    ck_assert_ptr_null(cvi_strmap_get(&m, cv_str_make("a\0c", 3)));
    ck_assert_uint_eq(*cvi_strmap_get(&m, cv_str_make("a\0b", 3)), 9);
    ck_assert_uint_eq(*cvi_strmap_get(&m, cv_str_make("", 0)), 10);
    /* a large table is dropped on clear, a small one kept and emptied */
    ck_assert_int_eq(cvi_strmap_clear(&m), 0);
    ck_assert_uint_eq(m.n, 0);
    ck_assert_uint_eq(m.mask, 15);
    ck_assert_ptr_null(cvi_strmap_get(&m, cv_str_make("k5", 2)));
    ck_assert_int_eq(cvi_strmap_put(&m, cv_str_make("x", 1), 2), 0);
    ck_assert_int_eq(cvi_strmap_clear(&m), 0);
    ck_assert_uint_eq(m.mask, 15);
    ck_assert_ptr_null(cvi_strmap_get(&m, cv_str_make("x", 1)));
    /* the hash is a function of the bytes only */
    ck_assert_uint_eq(cvi_hash_bytes("abcdefghij", 10), cvi_hash_bytes("abcdefghij", 10));
    ck_assert_uint_ne(cvi_hash_bytes("abcdefghij", 10), cvi_hash_bytes("abcdefghik", 10));
    cvi_strmap_free(&m);
    ck_assert_ptr_null(m.slot);
}
END_TEST

/* The caller's array an idxmap indexes: keys of any length (NULs too),
 * realloc-grown as entries come. */
typedef struct keys {
    char (*k)[16];
    size_t *len;
    size_t n, cap;
} keys;

static cv_str key_at(const void *arg, size_t i)
{
    const keys *ks = arg;
    return cv_str_make(ks->k[i], ks->len[i]);
}

/* The caller's add: find first, append, record: the index of k's entry. */
static size_t keys_add(keys *ks, cvi_idxmap *m, const char *p, size_t n)
{
    size_t at = cvi_idxmap_find(m, cv_str_make(p, n), key_at, ks);
    if (at != CVI_IDX_NONE) return at;
    if (ks->n == ks->cap) {
        ks->cap = ks->cap ? 2 * ks->cap : 4;
        ks->k = realloc(ks->k, ks->cap * sizeof *ks->k);
        ks->len = realloc(ks->len, ks->cap * sizeof *ks->len);
        ck_assert(ks->k && ks->len);
    }
    memcpy(ks->k[ks->n], p, n);
    ks->len[ks->n] = n;
    ck_assert_int_eq(cvi_idxmap_add(m, ks->n, key_at, ks), 0);
    return ks->n++;
}

START_TEST(test_idxmap)
{
    cvi_idxmap m = { 0 };
    keys ks = { 0 };
    /* a zeroed map is empty */
    ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make("a", 1), key_at, &ks), CVI_IDX_NONE);
    cvi_idxmap_clear(&m);
    ck_assert_uint_eq(m.n, 0);
    /* insert 5,000 (the table grows from 16 slots and the array moves under it) */
    char t[16];
    for (size_t i = 0; i < 5000; i++) {
        int n = snprintf(t, sizeof t, "key%zu", i);
        ck_assert_uint_eq(keys_add(&ks, &m, t, (size_t)n), i);
    }
    ck_assert_uint_eq(m.n, 5000);
    ck_assert_uint_ge((size_t)m.mask + 1, 2 * m.n);          /* at most half full */
    for (size_t i = 0; i < 5000; i++) {
        int n = snprintf(t, sizeof t, "key%zu", i);
        ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make(t, (size_t)n), key_at, &ks), i);
    }
    ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make("key5000", 7), key_at, &ks), CVI_IDX_NONE);
    ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make("key1", 3), key_at, &ks), CVI_IDX_NONE);   /* a prefix */
    /* a duplicate gets the first entry's index, nothing added */
    ck_assert_uint_eq(keys_add(&ks, &m, "key42", 5), 42);
    ck_assert_uint_eq(ks.n, 5000);
    ck_assert_uint_eq(m.n, 5000);
    /* keys with NUL bytes and the empty key are keys like any other */
    ck_assert_uint_eq(keys_add(&ks, &m, "a\0b", 3), 5000);
    ck_assert_uint_eq(keys_add(&ks, &m, "", 0), 5001);
    ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make("a\0c", 3), key_at, &ks), CVI_IDX_NONE);
    ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make("a", 1), key_at, &ks), CVI_IDX_NONE);
    ck_assert_uint_eq(keys_add(&ks, &m, "", 0), 5001);

    /* clear: every key gone, the table kept */
    uint32_t mask = m.mask;
    cvi_idxmap_clear(&m);
    ks.n = 0;
    ck_assert_uint_eq(m.mask, mask);
    ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make("key7", 4), key_at, &ks), CVI_IDX_NONE);
    cvi_idxmap_free(&m);
    ck_assert_ptr_null(m.slot);

    /* collisions: keys whose hashes share their low bits land in one run of
     * slots of a 16-slot table; each is still found, and an absent key of the
     * same run is not */
    char coll[6][16];
    size_t nc = 0;
    uint32_t want = cvi_hash_bytes("c0", 2) & 15;
    for (int i = 0; nc < 6 && i < 100000; i++) {
        int n = snprintf(coll[nc], sizeof coll[nc], "c%d", i);
        if ((cvi_hash_bytes(coll[nc], (size_t)n) & 15) == want) nc++;
    }
    ck_assert_uint_eq(nc, 6);
    for (size_t i = 0; i < 5; i++) ck_assert_uint_eq(keys_add(&ks, &m, coll[i], strlen(coll[i])), i);
    ck_assert_uint_eq((size_t)m.mask + 1, 16);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make(coll[i], strlen(coll[i])), key_at, &ks), i);
    ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make(coll[5], strlen(coll[5])), key_at, &ks), CVI_IDX_NONE);
    /* the 9th entry grows the table: the run is rehashed apart, all still found */
    for (int i = 0; i < 4; i++) {
        int n = snprintf(t, sizeof t, "x%d", i);
        ck_assert_uint_eq(keys_add(&ks, &m, t, (size_t)n), 5 + (size_t)i);
    }
    ck_assert_uint_eq((size_t)m.mask + 1, 32);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(cvi_idxmap_find(&m, cv_str_make(coll[i], strlen(coll[i])), key_at, &ks), i);
    cvi_idxmap_free(&m);
    free(ks.k);
    free(ks.len);
}
END_TEST

START_TEST(test_ranges_merge)
{
    /* empty */
    ck_assert_uint_eq(cvi_ranges_merge(NULL, 0), 0);
    /* one */
    cvi_range one[] = { { 3, 7 } };
    ck_assert_uint_eq(cvi_ranges_merge(one, 1), 1);
    ck_assert(one[0].start == 3 && one[0].end == 7);
    /* unsorted, overlapping, touching, contained, apart */
    cvi_range r[] = {
        { 50, 60 },    /* apart */
        { 10, 20 },
        { 15, 25 },    /* overlaps [10,20) */
        { 25, 30 },    /* touches [15,25): merges */
        { 12, 14 },    /* contained */
        { 31, 40 },    /* one sample gap after 30: stays apart */
        { 50, 55 },    /* contained, same start */
        { 0, 1 },
    };
    size_t n = cvi_ranges_merge(r, sizeof r / sizeof *r);
    ck_assert_uint_eq(n, 4);
    const int64_t want[4][2] = { { 0, 1 }, { 10, 30 }, { 31, 40 }, { 50, 60 } };
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(r[i].start, want[i][0]);
        ck_assert_int_eq(r[i].end, want[i][1]);
    }
    /* every range inside the first: one */
    cvi_range c[] = { { 5, 6 }, { 0, 100 }, { 99, 100 }, { 0, 1 } };
    ck_assert_uint_eq(cvi_ranges_merge(c, 4), 1);
    ck_assert(c[0].start == 0 && c[0].end == 100);
}
END_TEST

START_TEST(test_time_spans_merge)
{
    ck_assert_uint_eq(cvi_time_spans_merge(NULL, 0, 0.2), 0);
    /* per channel: channel 1's spans do not merge with channel 0's; padding
     * joins spans 0.3 s apart, and a start padded below 0 is clamped */
    cvi_time_span v[] = {
        { 5.0, 6.0, 1 },
        { 1.0, 2.0, 0 },
        { 2.3, 3.0, 0 },    /* 0.3 s after: padded by 0.2 both sides, touches */
        { 0.1, 0.5, 0 },    /* padded to [0, 0.7) */
        { 5.5, 7.0, 0 },
        { 9.0, 9.5, 1 },
    };
    size_t n = cvi_time_spans_merge(v, 6, 0.2);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(v[0].channel, 0);
    ck_assert_double_eq(v[0].start, 0.0);
    ck_assert_double_eq_tol(v[0].end, 0.7, 1e-9);
    ck_assert_double_eq_tol(v[1].start, 0.8, 1e-9);
    ck_assert_double_eq_tol(v[1].end, 3.2, 1e-9);
    ck_assert_double_eq_tol(v[2].start, 5.3, 1e-9);
    ck_assert_int_eq(v[3].channel, 1);
    ck_assert_double_eq_tol(v[3].end, 6.2, 1e-9);
    ck_assert_int_eq(v[4].channel, 1);
    ck_assert_double_eq_tol(v[4].start, 8.8, 1e-9);
}
END_TEST

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void put_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void want_file(const char *p, const char *text)
{
    cv_buf b = { 0 };
    ck_assert_int_eq(cvi_read_file(p, &b, 1 << 20), 0);
    ck_assert_uint_eq(b.n, strlen(text));
    ck_assert(memcmp(b.p, text, b.n) == 0);
    cvi_buf_free(&b);
}

START_TEST(test_staged)
{
    char dir[] = "/tmp/check_base_staged.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char target[PATH_MAX], side[PATH_MAX + 80];
    snprintf(target, sizeof target, "%s/out.txt", dir);
    put_file(target, "old");

    /* written, committed: the target replaced, the temporary gone */
    cvi_staged s;
    ck_assert_int_eq(cvi_staged_open(&s, target, 0644), 0);
    ck_assert_ptr_nonnull(strstr(s.tmp, "/.out.txt.cvtmp."));
    char tmp[sizeof s.tmp];
    memcpy(tmp, s.tmp, sizeof tmp);
    ck_assert_int_eq(cvi_write_all(s.fd, "new", 3), 0);
    want_file(target, "old");                       /* nothing shows before the commit */
    ck_assert_int_eq(cvi_staged_commit(&s, 1), 0);
    want_file(target, "new");
    ck_assert(!exists(tmp));
    ck_assert_int_eq(s.fd, -1);
    cvi_staged_discard(&s);                          /* after a commit: nothing to do */
    want_file(target, "new");

    /* discarded: the target untouched, the temporary removed */
    ck_assert_int_eq(cvi_staged_open(&s, target, 0644), 0);
    ck_assert_int_eq(cvi_write_all(s.fd, "half", 4), 0);
    cvi_staged_discard(&s);
    ck_assert(!exists(tmp));
    want_file(target, "new");

    /* a scratch file adopted over the staged one, then committed */
    ck_assert_int_eq(cvi_staged_open(&s, target, 0644), 0);
    ck_assert_int_eq(cvi_write_all(s.fd, "unfiltered", 10), 0);
    ck_assert_int_eq(cvi_staged_sync(&s), 0);
    ck_assert_int_eq(cvi_staged_side_name(&s, side, sizeof side), 0);
    put_file(side, "filtered");
    ck_assert_int_eq(cvi_staged_adopt(&s, side), 0);
    ck_assert(!exists(side));
    ck_assert_int_eq(cvi_staged_commit(&s, 0), 0);
    want_file(target, "filtered");

    /* written by name by another writer (nothing created until it does) */
    ck_assert_int_eq(cvi_staged_init(&s, target), 0);
    ck_assert(!exists(s.tmp));
    put_file(s.tmp, "by name");
    ck_assert_int_eq(cvi_staged_commit(&s, 1), 0);
    want_file(target, "by name");

    /* released: the file is someone else's, discard leaves it */
    ck_assert_int_eq(cvi_staged_open(&s, target, 0644), 0);
    ck_assert_int_eq(cvi_staged_sync(&s), 0);
    cvi_staged_release(&s);
    cvi_staged_discard(&s);
    ck_assert(exists(tmp));
    unlink(tmp);

    /* a failed rename keeps the temporary for discard */
    char nodir[PATH_MAX];
    snprintf(nodir, sizeof nodir, "%s/none/x", dir);
    ck_assert_int_eq(cvi_staged_init_as(&s, nodir, tmp), 0);
    put_file(tmp, "x");
    ck_assert_int_eq(cvi_staged_commit(&s, 0), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert(exists(tmp));
    cvi_staged_discard(&s);
    ck_assert(!exists(tmp));

    /* a name that does not fit */
    char longp[PATH_MAX + 10];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    ck_assert_int_eq(cvi_staged_open(&s, longp, 0644), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    cvi_staged_discard(&s);

    unlink(target);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_record_arena)
{
    cv_record r;
    cvi_record_init(&r);
    for (int round = 0; round < 3; round++) {
        cvi_record_reset(&r);
        /* enough to need several blocks; earlier strings must stay intact */
        cv_str s0 = cvi_record_strdup(&r, "hello", 5);
        for (int i = 0; i < 2000; i++) {
            char tmp[32];
            int n = snprintf(tmp, sizeof tmp, "value-%d", i);
            cv_str v = cvi_record_strdup(&r, tmp, (size_t)n);
            ck_assert_int_ge(cvi_record_push(&r, CV_NODE_STRING, 0, CV_STR_LIT("k"), CV_STR_LIT("k"), v), 0);
        }
        ck_assert_uint_eq(r.n, 2000);
        ck_assert(memcmp(s0.p, "hello", 5) == 0);
        ck_assert(memcmp(r.nodes[1234].value.p, "value-1234", 10) == 0);
        ck_assert_int_eq(r.nodes[5].end, -1);
    }
    cv_str e = cvi_record_strdup(&r, NULL, 0);
    ck_assert_ptr_nonnull(e.p);
    ck_assert_uint_eq(e.n, 0);
    cvi_record_free(&r);
    cvi_record_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_buf);
    tcase_add_test(tc, test_record_arena);
    tcase_add_test(tc, test_strmap);
    tcase_add_test(tc, test_idxmap);
    tcase_add_test(tc, test_ranges_merge);
    tcase_add_test(tc, test_time_spans_merge);
    tcase_add_test(tc, test_staged);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
