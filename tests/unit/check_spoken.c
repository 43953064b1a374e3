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
    ck_assert_int_eq(cvi_spoken_build(&sp, words, n), 0);
    return cvi_buf_cstr(&sp.text);
}

/* The word index behind the first occurrence of needle's first byte + off. */
static int word_at(const char *needle, size_t off)
{
    const char *t = cvi_buf_cstr(&sp.text);
    const char *h = strstr(t, needle);
    ck_assert_ptr_nonnull(h);
    return sp.map[(size_t)(h - t) + off];
}

static void setup(void) { cvi_spoken_init(&sp); }
static void teardown(void) { cvi_spoken_free(&sp); }

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
    ck_assert(cvi_spoken_words_of(&sp, 13, 24, &a, &b));
    ck_assert_uint_eq(a, 3);
    ck_assert_uint_eq(b, 12);
    ck_assert(!cvi_spoken_words_of(&sp, 12, 13, &a, &b));   /* a space only */
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
    ck_assert_int_eq(cvi_spoken_build(&sp, w, 3), 0);
    ck_assert_str_eq(cvi_buf_cstr(&sp.text), "Hello world.");
    ck_assert_int_eq(cvi_spoken_build(&sp, w, 0), 0);
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

/* build() in language lang (NULL: all languages at once). */
static const char *build_in(const char *lang, const char *in)
{
    ck_assert_int_eq(cvi_spoken_set_lang(&sp, lang, lang ? strlen(lang) : 0), lang != NULL);
    return build(in);
}

START_TEST(test_lang_codes)
{
    ck_assert_int_eq(cvi_spoken_set_lang(&sp, "it-IT", 5), 1);
    ck_assert_uint_ne(sp.langs, 0);
    unsigned it = sp.langs;
    ck_assert_int_eq(cvi_spoken_set_lang(&sp, "italian", 7), 1);
    ck_assert_uint_eq(sp.langs, it);
    ck_assert_int_eq(cvi_spoken_set_lang(&sp, "IT", 2), 1);
    ck_assert_uint_eq(sp.langs, it);
    ck_assert_int_eq(cvi_spoken_set_lang(&sp, "pt_BR", 5), 1);
    ck_assert_uint_ne(sp.langs, it);
    ck_assert_int_eq(cvi_spoken_set_lang(&sp, "ja-JP", 5), 0);
    ck_assert_uint_eq(sp.langs, 0);
    ck_assert_int_eq(cvi_spoken_set_lang(&sp, "item", 4), 0);
    ck_assert_int_eq(cvi_spoken_set_lang(&sp, NULL, 0), 0);
    /* a language is kept across builds */
    cvi_spoken_set_lang(&sp, "it", 2);
    ck_assert_str_eq(build("due tre"), "23");
    ck_assert_str_eq(build("due tre"), "23");
}
END_TEST

START_TEST(test_italian)
{
    ck_assert_str_eq(build_in("it", "il numero è zero tre tre nove grazie"), "il numero è 0339 grazie");
    ck_assert_int_eq(word_at("0339", 0), 3);
    ck_assert_int_eq(word_at("0339", 3), 6);
    ck_assert_uint_eq(sp.nruns, 1);
    ck_assert_uint_eq(sp.runs[0].ndigits, 4);
    ck_assert_str_eq(build_in("it", "uno due tre quattro cinque sei sette otto nove"), "123456789");
    ck_assert_str_eq(build_in("it", "undici dodici diciassette diciannove"), "11121719");
    ck_assert_str_eq(build_in("it", "venti trenta novanta"), "203090");
    ck_assert_str_eq(build_in("it", "ventitré ventuno ventotto trentasei"), "23212836");
    ck_assert_str_eq(build_in("it", "doppio zero tre"), "003");
    ck_assert_int_eq(word_at("003", 0), 0);
    ck_assert_int_eq(word_at("003", 1), 1);
    ck_assert_str_eq(build_in("it", "più tre nove"), "+39");
    ck_assert_int_eq(word_at("+39", 0), 0);
    ck_assert_str_eq(build_in("it", "tre cento"), "300");
    ck_assert_str_eq(build_in("it", "mario chiocciola esempio punto it"), "mario@esempio.it");
    ck_assert_int_eq(word_at("@", 0), 1);
    ck_assert_int_eq(word_at(".it", 0), 3);
}
END_TEST

START_TEST(test_german)
{
    ck_assert_str_eq(build_in("de-DE", "null sieben sieben"), "077");
    ck_assert_str_eq(build_in("de", "eins zwei zwo drei vier fünf sechs sieben acht neun"), "1223456789");
    ck_assert_str_eq(build_in("de", "zehn elf Zwölf neunzehn"), "10111219");
    ck_assert_str_eq(build_in("de", "zwanzig dreißig neunzig"), "203090");
    ck_assert_str_eq(build_in("de", "dreiundzwanzig einundvierzig"), "2341");
    ck_assert_str_eq(build_in("de", "doppel null vier"), "004");
    ck_assert_str_eq(build_in("de", "plus vier neun"), "+49");
    ck_assert_str_eq(build_in("de", "hans at beispiel Punkt de"), "hans@beispiel.de");
}
END_TEST

START_TEST(test_french)
{
    ck_assert_str_eq(build_in("fr", "zéro six douze"), "0612");
    ck_assert_str_eq(build_in("fr", "Zéro un deux trois quatre cinq six sept huit neuf"), "0123456789");
    ck_assert_str_eq(build_in("fr", "dix onze seize dix-sept dix-neuf"), "1011161719");
    ck_assert_str_eq(build_in("fr", "dix sept"), "17");
    ck_assert_int_eq(word_at("17", 1), 1);
    ck_assert_str_eq(build_in("fr", "vingt trente soixante"), "203060");
    ck_assert_str_eq(build_in("fr", "vingt-trois vingt-et-un soixante-douze quatre-vingts quatre-vingt-dix-neuf"),
                     "2321728099");
    ck_assert_str_eq(build_in("fr", "soixante dix sept"), "77");
    ck_assert_int_eq(word_at("77", 0), 0);
    ck_assert_int_eq(word_at("77", 1), 2);
    ck_assert_str_eq(build_in("fr", "vingt et un"), "21");
    ck_assert_str_eq(build_in("fr", "double six"), "66");
    ck_assert_str_eq(build_in("fr", "plus trois trois"), "+33");
    ck_assert_str_eq(build_in("fr", "jean arobase exemple point fr"), "jean@exemple.fr");
    /* "un" is an article too: a number only among numbers */
    ck_assert_str_eq(build_in("fr", "un rendez-vous"), "un rendez-vous");
}
END_TEST

START_TEST(test_spanish)
{
    ck_assert_str_eq(build_in("es", "seis nueve cuatro"), "694");
    ck_assert_str_eq(build_in("es", "cero uno dos tres cuatro cinco siete ocho"), "01234578");
    ck_assert_str_eq(build_in("es", "once doce quince dieciséis diecinueve"), "1112151619");
    ck_assert_str_eq(build_in("es", "veinte cuarenta noventa"), "204090");
    ck_assert_str_eq(build_in("es", "veintitrés veintiuno"), "2321");
    ck_assert_str_eq(build_in("es", "treinta y uno"), "31");
    ck_assert_int_eq(word_at("31", 0), 0);
    ck_assert_int_eq(word_at("31", 1), 2);
    ck_assert_str_eq(build_in("es", "doble cero"), "00");
    ck_assert_str_eq(build_in("es", "más tres cuatro"), "+34");
    ck_assert_str_eq(build_in("es", "mas tres cuatro"), "+34");
    ck_assert_str_eq(build_in("es", "ana arroba ejemplo punto es"), "ana@ejemplo.es");
}
END_TEST

START_TEST(test_dutch)
{
    ck_assert_str_eq(build_in("nl", "nul zes"), "06");
    ck_assert_str_eq(build_in("nl", "één twee drie vier vijf zes zeven acht negen"), "123456789");
    ck_assert_str_eq(build_in("nl", "tien elf twaalf negentien"), "10111219");
    ck_assert_str_eq(build_in("nl", "twintig tachtig"), "2080");
    ck_assert_str_eq(build_in("nl", "drieëntwintig eenentwintig"), "2321");
    ck_assert_str_eq(build_in("nl", "dubbel nul"), "00");
    ck_assert_str_eq(build_in("nl", "plus drie één"), "+31");
    ck_assert_str_eq(build_in("nl", "jan apenstaartje voorbeeld punt nl"), "jan@voorbeeld.nl");
    /* "een" is the article: a number only among numbers */
    ck_assert_str_eq(build_in("nl", "een huis"), "een huis");
    ck_assert_str_eq(build_in("nl", "een twee"), "12");
}
END_TEST

START_TEST(test_portuguese)
{
    ck_assert_str_eq(build_in("pt", "nove um um"), "911");
    ck_assert_str_eq(build_in("pt-BR", "zero dois três quatro cinco seis sete oito"), "02345678");
    ck_assert_str_eq(build_in("pt", "dez onze dezesseis dezenove"), "10111619");
    ck_assert_str_eq(build_in("pt", "vinte trinta oitenta"), "203080");
    ck_assert_str_eq(build_in("pt", "vinte e três"), "23");
    ck_assert_int_eq(word_at("23", 1), 2);
    ck_assert_str_eq(build_in("pt", "dupla nove"), "99");
    ck_assert_str_eq(build_in("pt", "mais três cinco um"), "+351");
    ck_assert_str_eq(build_in("pt", "ana arroba exemplo ponto pt"), "ana@exemplo.pt");
    ck_assert_str_eq(build_in("pt", "um carro"), "um carro");
}
END_TEST

START_TEST(test_languages_at_once)
{
    /* no language: all of them, each example as in its own language */
    ck_assert_str_eq(build_in(NULL, "zero tre tre nove"), "0339");
    ck_assert_str_eq(build_in(NULL, "null sieben sieben"), "077");
    ck_assert_str_eq(build_in(NULL, "zéro six douze"), "0612");
    ck_assert_str_eq(build_in(NULL, "seis nueve cuatro"), "694");
    ck_assert_str_eq(build_in(NULL, "nul zes"), "06");
    ck_assert_str_eq(build_in(NULL, "nove um um"), "911");
    /* words that are ordinary in another language need a sure number beside them */
    ck_assert_str_eq(build_in(NULL, "the rent is due"), "the rent is due");
    ck_assert_str_eq(build_in(NULL, "due tre"), "due tre");
    ck_assert_str_eq(build_in(NULL, "um I think so"), "um I think so");
    ck_assert_str_eq(build_in(NULL, "een twee"), "12");
    ck_assert_str_eq(build_in(NULL, "null pointer"), "null pointer");
    ck_assert_str_eq(build_in(NULL, "once more"), "once more");
    ck_assert_str_eq(build_in(NULL, "the elf. nine"), "the elf. 9");
    /* the same words with their language given are numbers */
    ck_assert_str_eq(build_in("it", "due tre"), "23");
    ck_assert_str_eq(build_in("de", "null"), "0");
    /* and not numbers in a language they are not numbers in */
    ck_assert_str_eq(build_in("en", "zero tre tre nove"), "0 tre tre nove");
    ck_assert_str_eq(build_in("it", "one two"), "one two");
    /* a "plus" that is an ordinary word needs a number of its language after it */
    ck_assert_str_eq(build_in(NULL, "mais deux trois"), "mais 23");
    ck_assert_str_eq(build_in(NULL, "mais três cinco"), "+35");
    /* "o" is zero only beside English numbers: "tre o quattro" is "3 or 4" */
    ck_assert_str_eq(build_in(NULL, "quattro o cinque"), "4 o 5");
    ck_assert_str_eq(build_in(NULL, "seven o five"), "705");
    ck_assert_str_eq(build_in(NULL, "double o seven"), "007");
    /* "at" and the dots of an address in one language */
    ck_assert_str_eq(build_in(NULL, "meet at home point blank"), "meet at home point blank");
    ck_assert_str_eq(build_in(NULL, "mario chiocciola esempio punto it"), "mario@esempio.it");
    ck_assert_str_eq(build_in(NULL, "john at example dot com"), "john@example.com");
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
    tcase_add_test(tc, test_lang_codes);
    tcase_add_test(tc, test_italian);
    tcase_add_test(tc, test_german);
    tcase_add_test(tc, test_french);
    tcase_add_test(tc, test_spanish);
    tcase_add_test(tc, test_dutch);
    tcase_add_test(tc, test_portuguese);
    tcase_add_test(tc, test_languages_at_once);
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
