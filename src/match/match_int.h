/*
 * match_int.h - internals shared by the files of the match module.
 */
#ifndef LIAISON_MATCH_INT_H
#define LIAISON_MATCH_INT_H

#include <stdbool.h>
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

struct match_cjk;

struct match_ctx {
	UTransliterator *tr[TR_COUNT];
	struct match_cjk *cjk;   /* Japanese/Korean readers (cjk.c), lazily */
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

 /* The same through ICU whatever the input (match_translit() takes an
 * ASCII fast path that must give the same bytes; tests compare them). */
int match_translit_icu(struct match_ctx *mc, const char *s, size_t len,
		       struct strbuf *out, enum match_script *script,
		       struct diag *d);

/* True if s holds only ASCII bytes. */
bool match_is_ascii(const char *s, size_t len);

/* The ASCII fast path: the normalised token form of ASCII text into out
 * (at least len + 1 bytes, NUL-terminated); its length. *script is
 * LATIN if there is a letter, else UNKNOWN, as ICU detection says. */
size_t match_ascii_form(const char *s, size_t len, char *out,
			enum match_script *script);

/* ICAO form of ASCII text, lower case (as match_prepare uses it), into
 * out (len + 1 bytes); its length. Same bytes as match_icao() lowered. */
size_t match_icao_ascii(const char *s, size_t len, char *out);

/* match_icao() without its ASCII fast path (for tests). */
int match_icao_uni(const char *s, size_t len, struct strbuf *out,
		   struct diag *d);

/* For tests: a token pair's similarity computed in full and through the
 * cheap rejection the scorer uses (0 when rejected); below
 * match_tok_min() a similarity is not used. */
void match_tok_sim_pair(const struct match_token *a, bool aa,
			const struct match_token *b, bool ab, double *exact,
			double *fast);
double match_tok_min(void);
/* Whether a word is a connective that acronyms usually leave out ("of",
 * "the", "de", "al", ...). */
bool match_connective(const char *s, size_t len);
/* For tests: whether score.c's table of abjad letter equivalences says
 * what its rules say. */
bool match_abjad_table_ok(void);

/* The Korean "popular" romanisation of a Hangul surname (first syllable),
 * e.g. 김 -> "kim", 이 -> "lee"; NULL if not a common surname. */
const char *match_korean_surname(UChar syllable);

/* cjk.c: names with Chinese characters (Han) also read as Japanese
 * (MeCab, IPA dictionary) and as Korean (libhangul's hanja table). */

/* True when s has Han and its script (match_translit's) is Han, kana or
 * Hangul: only then are there Japanese or Korean readings to add. */
bool match_cjk_wanted(const char *s, size_t len, enum match_script script);
/* Append up to max extra ASCII forms of the NFC name s to the empty
 * buffers out[0..max): a Japanese reading ("japanese": yamada taro), the
 * Korean reading with the popular surname spelling ("korean": kim jeong
 * eun) and in Revised Romanisation ("hanja": gim jeong eun). origin[i]
 * names each; *n is how many were made (0 when none applies or the
 * dictionaries are not installed). */
int match_cjk_forms(struct match_ctx *mc, const char *s, size_t len,
		    enum match_script script, struct strbuf **out,
		    const char **origin, size_t max, size_t *n);
/* Hepburn long vowels in ASCII text, in place: "ou"/"oo" -> "o" (not
 * before a vowel: "inoue"), "uu" -> "u". Returns the new length. */
size_t match_cjk_long_vowels(char *s, size_t len);
void match_cjk_free(struct match_cjk *cj);

#endif
