/*
 * match_int.h - internals shared by the files of the match module.
 */
#ifndef LIAISON_MATCH_INT_H
#define LIAISON_MATCH_INT_H

#include <stddef.h>

#include <unicode/utrans.h>

#include "liaison/match.h"

/* Transliterators are opened lazily, one per script family, the first time
 * a name of that script is prepared: opening one parses its rules, which
 * costs far more than using it. */
enum match_tr {
	TR_ANY = 0, TR_CYRILLIC, TR_GREEK, TR_ARABIC, TR_HEBREW, TR_HAN,
	TR_HANGUL, TR_KANA, TR_THAI, TR_FOLD, TR_COUNT
};

struct match_ctx {
	UTransliterator *tr[TR_COUNT];
};

/* Largest UTF-16 working buffer: transliteration can grow text (one Han
 * character becomes up to ~6 Latin letters plus a space). */
#define MATCH_U16_MAX (MATCH_NAME_MAX * 8)

/* Append the lower-case ASCII token form of UTF-16 Latin text to out:
 * letters and digits kept, apostrophes joined, anything else a single
 * space, no leading or trailing space. */
int match_ascii_tokens(const UChar *s, int32_t n, struct strbuf *out);

/* Normalise and transliterate (ICU) UTF-8 text; writes the ASCII form. */
int match_translit(struct match_ctx *mc, const char *s, size_t len,
		   struct strbuf *out, enum match_script *script,
		   struct diag *d);

/* The Korean "popular" romanisation of a Hangul surname (first syllable),
 * e.g. 김 -> "kim", 이 -> "lee"; NULL if not a common surname. */
const char *match_korean_surname(UChar syllable);

#endif
