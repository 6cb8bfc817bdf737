/*
 * match.h - multilingual, cross-script name matching.
 *
 * A name is prepared once (match_prepare): normalised with ICU (NFKC, case
 * folding, marks removed, punctuation and spacing rules), its script
 * detected, transliterated to Latin (ICU transforms, and also the ICAO Doc
 * 9303 table used in passports, so an MRZ name matches its source-script
 * form), and cut into tokens with their role (given name, particle,
 * honorific, legal form, initial, patronymic) and phonetic keys (Double
 * Metaphone). Two prepared names are compared with match_score(), which
 * aligns tokens regardless of order, combines string similarity
 * (Jaro-Winkler, Damerau-Levenshtein), phonetic agreement and the other
 * evidence (birth dates, gender, nationality, identifiers) into one score in
 * [0, 1], and can explain which features contributed how much.
 *
 * Ownership: a match_ctx caches ICU transliterators, which are costly to
 * build; it belongs to one thread at a time (make one per thread). A
 * prepared match_name is immutable and may be shared by any number of
 * threads for match_score(). Errors are enum lia_err codes.
 */
#ifndef LIAISON_MATCH_H
#define LIAISON_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/strbuf.h"

#define MATCH_NAME_MAX 1024   /* bytes of one input name */
#define MATCH_TOKENS_MAX 24   /* tokens kept per form */
#define MATCH_FORMS_MAX 5     /* Latin forms kept per name: a Han name
				 * has Mandarin, Japanese and two Korean */
#define MATCH_DM_MAX 8        /* bytes of a Double Metaphone key + NUL */
#define MATCH_FEATURES_MAX 16

/* The default decision threshold, chosen on the labelled development sets
 * of bench/devsets.py (cross-script list, Putin spellings, OFAC and UN
 * aliases with hard negatives, FEBRL duplicates with birth dates; run
 * bench/accuracy). With each alias compared with its whole entry, as
 * screening decides on a record (devsets.py --entries), precision at 0.60
 * is 0.96 and F1 0.91 (peak 0.91 at 0.57); pairwise, alias against the
 * entry's main name only, F1 is 0.84 (0.89 without the aliases that share
 * nothing with the name). Below 0.57 precision falls under 0.95, and a
 * name that agrees in one of two parts (John Smith / Peter Smith, 0.50)
 * stays below unless the full birth date agrees too. See
 * docs/BENCHMARKS.md. */
#define MATCH_THRESHOLD_DEFAULT 0.60

enum match_kind { MATCH_ANY = 0, MATCH_PERSON, MATCH_ORG };

enum match_script {
	SCRIPT_UNKNOWN = 0, SCRIPT_LATIN, SCRIPT_CYRILLIC, SCRIPT_GREEK,
	SCRIPT_ARABIC, SCRIPT_HEBREW, SCRIPT_HAN, SCRIPT_HANGUL, SCRIPT_KANA,
	SCRIPT_THAI, SCRIPT_DEVANAGARI, SCRIPT_GEORGIAN, SCRIPT_ARMENIAN,
	SCRIPT_OTHER, SCRIPT_MIXED
};
const char *match_script_name(enum match_script s);

enum match_token_flags {
	MATCH_TOK_INITIAL = 1 << 0,    /* a single letter, "J." */
	MATCH_TOK_PARTICLE = 1 << 1,   /* al, bin, van, de, ... */
	MATCH_TOK_HONORIFIC = 1 << 2,  /* mr, dr, sheikh, general, ... */
	MATCH_TOK_LEGAL_FORM = 1 << 3, /* llc, ltd, ooo, gmbh, sa de cv, ... */
	MATCH_TOK_PATRONYMIC = 1 << 4, /* -ovich, -ovna, ibn ... */
	MATCH_TOK_NUMBER = 1 << 5,
};

struct match_token {
	const char *s;               /* normalised Latin, lower case ASCII */
	uint16_t len;
	uint8_t flags;               /* enum match_token_flags */
	float weight;                /* importance in [0, 1] (rare/structural) */
	char dm1[MATCH_DM_MAX];      /* Double Metaphone primary key */
	char dm2[MATCH_DM_MAX];      /* alternate key, "" if none */
};

/* One Latin form of a name (standard transliteration, ICAO, ...). */
struct match_form {
	const char *text;            /* normalised full form, tokens joined by ' ' */
	struct match_token tok[MATCH_TOKENS_MAX];
	size_t n_tok;
	const char *origin;          /* "latin", "icu", "icao", "korean",
				      * "japanese", "hanja" */
};

struct match_name {
	enum match_kind kind;
	enum match_script script;    /* of the original */
	struct match_form form[MATCH_FORMS_MAX];
	size_t n_forms;              /* >= 1 */
	char *original;              /* as given (NFC) */
	/* Storage for the strings above; private. */
	char *_buf;
};

struct match_ctx;
int match_ctx_new(struct match_ctx **out, struct diag *d);
void match_ctx_free(struct match_ctx *mc);

/* Prepare a name. Empty or unusable names (nothing left after
 * normalisation) are LIA_EVALUE. Names longer than MATCH_NAME_MAX are
 * LIA_ETOOBIG; tokens beyond MATCH_TOKENS_MAX are dropped from the end
 * (least significant). */
int match_prepare(struct match_ctx *mc, const char *name, size_t len,
		  enum match_kind kind, struct match_name **out,
		  struct diag *d);
void match_name_free(struct match_name *n);

/* Other evidence about a person or body, all optional (NULL/0 = unknown).
 * Dates are partial ISO dates; countries lower-case alpha-2; identifiers
 * as written (they are normalised for comparison: letters and digits only,
 * upper case). Up to 8 values each. */
#define MATCH_EXTRA_MAX 8
struct match_extra {
	const char *dob[MATCH_EXTRA_MAX];
	size_t n_dob;
	char gender;                 /* 'm', 'f' or 0 */
	const char *country[MATCH_EXTRA_MAX];  /* nationality/citizenship */
	size_t n_country;
	const char *id[MATCH_EXTRA_MAX];       /* passport, id, registration */
	size_t n_id;
};

struct match_feature {
	const char *name;            /* "name", "phonetic", "dob", "id", ... */
	double value;                /* similarity of that feature in [0, 1] */
	double contribution;         /* signed effect on the final score */
};

struct match_explain {
	struct match_feature f[MATCH_FEATURES_MAX];
	size_t n;
	const char *form_q, *form_c; /* the forms that aligned best */
	char alignment[256];         /* "putin=putin vladimir=vladimir ..." */
};

/* Score q against c in [0, 1]; ex (may be NULL) receives the explanation.
 * Extras may be NULL. Pure function of its arguments: thread-safe. */
double match_score(const struct match_name *q, const struct match_extra *qe,
		   const struct match_name *c, const struct match_extra *ce,
		   struct match_explain *ex);

/* One line for people: "0.93 = name 0.91 (+0.85) dob 1.00 (+0.05) ...". */
int match_explain_text(const struct match_explain *ex, double score,
		       struct strbuf *out);

/* --- primitives (exposed for tests and benchmarks) ---------------------- */

/* Jaro-Winkler similarity of two byte strings (normalised ASCII). */
double match_jaro_winkler(const char *a, size_t alen, const char *b,
			  size_t blen);
/* Damerau-Levenshtein distance (optimal string alignment variant: adjacent
 * transpositions, each substring edited once). Strings up to 255 bytes;
 * longer input is LIA_ETOOBIG returned as a negative value. */
int match_damerau_levenshtein(const char *a, size_t alen, const char *b,
			      size_t blen);
/* Double Metaphone of one ASCII word: primary and alternate keys (up to 4
 * characters each, as in Philips' original). */
void match_double_metaphone(const char *w, size_t len,
			    char primary[MATCH_DM_MAX],
			    char alternate[MATCH_DM_MAX]);
/* ICAO Doc 9303 transliteration of UTF-8 text to the MRZ alphabet (upper
 * case A-Z, space for separators). Characters without an ICAO mapping are
 * LIA_EVALUE unless they are already Latin. */
int match_icao(const char *s, size_t len, struct strbuf *out, struct diag *d);
/* The normalised Latin form match_prepare() uses first (ICU), and the
 * detected script. */
int match_normalize(struct match_ctx *mc, const char *s, size_t len,
		    struct strbuf *out, enum match_script *script,
		    struct diag *d);

#endif
