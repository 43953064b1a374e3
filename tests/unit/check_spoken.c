/*
 * check_spoken.c - ASR word items joined into detector-friendly text:
 * spoken digits, "oh", doubles/triples, teens and tens, hundreds and
 * thousands, "plus", split digit items, spoken e-mails, punctuation items,
 * and the byte → word map behind each of them.
 */
#include <check.h>
#include <stdlib.h>

#include "filters/spoken.h"

static cv_spoken sp;
static cv_spoken_word words[64];
static char wbuf[1024];

/* Words separated by single spaces; a word written "~," is a punctuation item. */
static const char *build(const char *in)
{
    size_t n = 0, len = strlen(in);
    ck_assert_uint_lt(len, sizeof wbuf);
    memcpy(wbuf, in, len + 1);
    char *p = wbuf;
    while (*p) {
        char *e = strchr(p, ' ');
        size_t wl = e ? (size_t)(e - p) : strlen(p);
        ck_assert_uint_lt(n, 64);
        if (p[0] == '~')
            words[n++] = (cv_spoken_word){ p + 1, wl - 1, 1 };
        else
            words[n++] = (cv_spoken_word){ p, wl, 0 };
        p += wl;
        if (*p) p++;
    }
    ck_assert_int_eq(cv_spoken_build(&sp, words, n), 0);
    return cv_buf_cstr(&sp.text);
}

/* The word index behind the first occurrence of needle's first byte + off. */
static int word_at(const char *needle, size_t off)
{
    const char *t = cv_buf_cstr(&sp.text);
    const char *h = strstr(t, needle);
    ck_assert_ptr_nonnull(h);
    return sp.map[(size_t)(h - t) + off];
}

static void setup(void) { cv_spoken_init(&sp); }
static void teardown(void) { cv_spoken_free(&sp); }

START_TEST(test_uk_phone_spoken)
{
    /* 0 1 2 3 4 5 6 7 8 9 10 11 12 13 */
    ck_assert_str_eq(build("my number is oh seven seven double oh nine hundred one two three thanks"),
                     "my number is 07700900123 thanks");
    /* "07700900123": o s s d o n h o t t */
    ck_assert_int_eq(word_at("07700", 0), 3);    /* oh */
    ck_assert_int_eq(word_at("07700", 1), 4);    /* seven */
    ck_assert_int_eq(word_at("07700", 3), 6);    /* first 0 of "double oh" → double */
    ck_assert_int_eq(word_at("07700", 4), 7);    /* second → oh */
    ck_assert_int_eq(word_at("07700", 5), 8);    /* nine */
    ck_assert_int_eq(word_at("07700", 6), 9);    /* hundred */
    ck_assert_int_eq(word_at("07700", 7), 9);
    ck_assert_int_eq(word_at("07700", 10), 12);  /* three */
    ck_assert_int_eq(word_at(" thanks", 0), -1); /* the separator */
    ck_assert_int_eq(word_at("thanks", 0), 13);
    ck_assert_uint_eq(sp.nruns, 1);
    ck_assert_uint_eq(sp.runs[0].ndigits, 11);
    ck_assert_uint_eq(sp.runs[0].start, 13);
    ck_assert_uint_eq(sp.runs[0].end, 24);
    size_t a, b;
    ck_assert(cv_spoken_words_of(&sp, 13, 24, &a, &b));
    ck_assert_uint_eq(a, 3);
    ck_assert_uint_eq(b, 12);
    ck_assert(!cv_spoken_words_of(&sp, 12, 13, &a, &b));   /* a space only */
}
END_TEST

START_TEST(test_digit_items_and_groups)
{
    ck_assert_str_eq(build("card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 ok"), "card 4111111111111111 ok");
    ck_assert_str_eq(build("card 4111 1111 1111 1111 ok"), "card 4111111111111111 ok");
    ck_assert_int_eq(word_at("4111", 4), 2);
    /* comma items between groups do not end the run; a full stop does */
    ck_assert_str_eq(build("4111 ~, 1111 ~. 1111"), "41111111. 1111");
    ck_assert_uint_eq(sp.nruns, 2);
    ck_assert_int_eq(word_at("41111111", 4), 2);
    /* a comma attached to a word, and hyphenated items */
    ck_assert_str_eq(build("four, one one one-one"), "41111");
    ck_assert_str_eq(build("call 07700-900123."), "call 07700900123.");
    ck_assert_int_eq(word_at(".", 0), 1);
}
END_TEST

START_TEST(test_oh_only_beside_digits)
{
    ck_assert_str_eq(build("Oh, I see"), "Oh, I see");
    ck_assert_uint_eq(sp.nruns, 0);
    ck_assert_str_eq(build("oh oh seven"), "007");
    ck_assert_str_eq(build("zero o one"), "001");
    ck_assert_str_eq(build("oh well"), "oh well");
}
END_TEST

START_TEST(test_teens_tens_hundreds)
{
    ck_assert_str_eq(build("twenty one"), "21");
    ck_assert_int_eq(word_at("21", 0), 0);
    ck_assert_int_eq(word_at("21", 1), 1);
    ck_assert_str_eq(build("twenty-one"), "21");
    ck_assert_str_eq(build("nineteen eighty five"), "1985");
    ck_assert_str_eq(build("ninety"), "90");
    ck_assert_str_eq(build("seven fifteen"), "715");
    ck_assert_str_eq(build("three hundred and twelve"), "312");
    ck_assert_str_eq(build("one hundred twenty three"), "123");
    ck_assert_str_eq(build("one hundred and five"), "105");
    ck_assert_str_eq(build("triple seven"), "777");
    ck_assert_int_eq(word_at("777", 0), 0);
    ck_assert_int_eq(word_at("777", 2), 1);
    ck_assert_str_eq(build("double 4"), "44");
    ck_assert_str_eq(build("two thousand"), "2000");
    ck_assert_str_eq(build("two thousand and five"), "2005");
    ck_assert_str_eq(build("two thousand twenty one"), "2021");
    ck_assert_str_eq(build("two thousand five hundred"), "2500");
    /* "hundred" with no digit before it is a plain word */
    ck_assert_str_eq(build("a hundred"), "a hundred");
    /* "double" not before a digit is a word */
    ck_assert_str_eq(build("double check"), "double check");
}
END_TEST

START_TEST(test_plus_and_ordinals)
{
    ck_assert_str_eq(build("plus four four seven seven double oh nine hundred one two three"), "+447700900123");
    ck_assert_int_eq(word_at("+", 0), 0);
    ck_assert_uint_eq(sp.runs[0].ndigits, 12);
    ck_assert_str_eq(build("plus one"), "+1");
    ck_assert_str_eq(build("a plus for us"), "a plus for us");
    ck_assert_str_eq(build("born on the fifth of May nineteen eighty five"), "born on the 5th of May 1985");
    ck_assert_str_eq(build("the twenty first of June"), "the 21st of June");
    ck_assert_int_eq(word_at("21st", 1), 2);
}
END_TEST

START_TEST(test_email)
{
    ck_assert_str_eq(build("it is john dot smith at example dot com thanks"), "it is john.smith@example.com thanks");
    ck_assert_int_eq(word_at("john", 0), 2);
    ck_assert_int_eq(word_at("@", 0), 5);
    ck_assert_int_eq(word_at(".com", 1), 8);
    ck_assert_str_eq(build("jane underscore doe at mail dot co dot uk ~."), "jane_doe@mail.co.uk.");
    ck_assert_str_eq(build("a dash b at my dash site dot org"), "a-b@my-site.org");
    /* no dot in the domain, or prose: left alone */
    ck_assert_str_eq(build("meet me at home"), "meet me at home");
    ck_assert_str_eq(build("see you at five dot"), "see you at 5 dot");
}
END_TEST

START_TEST(test_punctuation_attached_and_whitespace)
{
    ck_assert_str_eq(build("Hi ~, my name ~. is"), "Hi, my name. is");
    ck_assert_int_eq(word_at(",", 0), 1);
    /* Whisper writes words with a leading space */
    cv_spoken_word w[3] = { { " Hello", 6, 0 }, { " world.", 7, 0 }, { "   ", 3, 0 } };
    ck_assert_int_eq(cv_spoken_build(&sp, w, 3), 0);
    ck_assert_str_eq(cv_buf_cstr(&sp.text), "Hello world.");
    ck_assert_int_eq(cv_spoken_build(&sp, w, 0), 0);
    ck_assert_uint_eq(sp.text.n, 0);
}
END_TEST

START_TEST(test_spelled_letters)
{
    /* a NINO read out letter by letter: it0 is1 C2 E3 one4 .. six9 A10 thanks11 */
    ck_assert_str_eq(build("it is C E one two three four five six A thanks"), "it is CE123456A thanks");
    ck_assert_int_eq(word_at("CE1", 0), 2);
    ck_assert_int_eq(word_at("CE1", 1), 3);
    ck_assert_int_eq(word_at("CE1", 2), 4);
    ck_assert_int_eq(word_at("456A", 3), 10);
    ck_assert_int_eq(word_at(" thanks", 0), -1);
    ck_assert_uint_eq(sp.nruns, 1);
    ck_assert_uint_eq(sp.runs[0].ndigits, 6);
    ck_assert_uint_eq(sp.runs[0].start, 8);
    ck_assert_uint_eq(sp.runs[0].end, 14);
    /* lower case, letters with dots, digits in pairs */
    ck_assert_str_eq(build("c. e. 12 34 56 a."), "CE123456A.");
    ck_assert_str_eq(build("C E 12 ~, 34 ~, 56 ~, A ~."), "CE123456A.");
    ck_assert_str_eq(build("C E one two o four five six A"), "CE120456A");
    /* an IBAN */
    ck_assert_str_eq(build("G B eight two W E S T one two three four five six nine eight seven six five four three two"),
                     "GB82WEST12345698765432");
    ck_assert_uint_eq(sp.nruns, 2);
    /* a postcode */
    ck_assert_str_eq(build("it is S W one A one A A thanks"), "it is SW1A1AA thanks");
    ck_assert_str_eq(build("M one one A E"), "M11AE");
    /* letters after the identifier stay apart: cut where the shape ends */
    ck_assert_str_eq(build("C E 1 2 3 4 5 6 A B"), "CE123456A B");
    /* a letter before a phone number is never glued to it */
    ck_assert_str_eq(build("plan B oh seven seven double oh nine hundred one two three"), "plan B 07700900123");
    ck_assert_str_eq(build("A B oh seven seven double oh nine hundred one two three"), "A B 07700900123");
    ck_assert_uint_eq(sp.nruns, 1);
    ck_assert_uint_eq(sp.runs[0].ndigits, 11);
    /* letters that are words stay words */
    ck_assert_str_eq(build("I have a 2 year old"), "I have a 2 year old");
    ck_assert_str_eq(build("Oh, I see"), "Oh, I see");
    ck_assert_str_eq(build("B"), "B");
}
END_TEST

static Suite *spoken_suite(void)
{
    Suite *s = suite_create("spoken");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_uk_phone_spoken);
    tcase_add_test(tc, test_digit_items_and_groups);
    tcase_add_test(tc, test_oh_only_beside_digits);
    tcase_add_test(tc, test_teens_tens_hundreds);
    tcase_add_test(tc, test_plus_and_ordinals);
    tcase_add_test(tc, test_email);
    tcase_add_test(tc, test_punctuation_attached_and_whitespace);
    tcase_add_test(tc, test_spelled_letters);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(spoken_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
