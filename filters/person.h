/*
 * person.h - what the person detector (person.c) lends the detectors built
 * on its name data (person_spelled.c): the folded lookup key of a word and
 * the gazetteer's judgement of it.
 */
#ifndef CV_PERSON_H
#define CV_PERSON_H

#include <stddef.h>

#define CVI_PERSON_KEY_MAX 24

/* The gazetteer key of text[s, e): lower-case, accents folded; its length,
 * 0 if the word cannot be a name (too long, other scripts). */
size_t cvi_person_fold_key(const char *text, size_t s, size_t e, char key[CVI_PERSON_KEY_MAX + 1]);
/* 1 if the word at p[i, e) starts with a capital letter. */
int cvi_person_upper_at(const unsigned char *p, size_t i, size_t e);
/* 1 if key (from cvi_person_fold_key) is a gazetteer name that is no
 * everyday word: a given name of some weight, or a surname. */
int cvi_person_name_like(const char *key, size_t kn);

#endif
