/*
 * normalize.c - the match context (cached ICU transliterators), script
 * detection, and the normalised Latin (ASCII) form of a name.
 *
 * Order matters: case folding and compatibility normalisation come first
 * (ligatures, full-width forms, ß), then the script's transliterator, and
 * only then are combining marks dropped: Indic vowel signs and the Arabic
 * harakat are marks that transliteration turns into vowels.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/unorm2.h>
#include <unicode/utrans.h>

#include "match_int.h"

/* Each id ends with Any-Latin to catch letters the first step leaves, then
 * strips marks and folds to ASCII. */
#define TR_TAIL                                                                \
	"; Any-Latin; NFD; [:Nonspacing Mark:] Remove; NFC; "                  \
	"Latin-ASCII"
static const char *const tr_ids[TR_COUNT] = {
    [TR_ANY] = "Any-Latin" TR_TAIL,
    [TR_CYRILLIC] = "Russian-Latin/BGN" TR_TAIL,
    [TR_GREEK] = "Greek-Latin/UNGEGN" TR_TAIL,
    [TR_ARABIC] = "Arabic-Latin" TR_TAIL,
    [TR_HEBREW] = "Hebrew-Latin" TR_TAIL,
    [TR_HAN] = "Han-Latin/Names" TR_TAIL,
    [TR_HANGUL] = "Hangul-Latin" TR_TAIL,
    [TR_KANA] = "Katakana-Latin; Hiragana-Latin" TR_TAIL,
    [TR_THAI] = "Thai-Latin" TR_TAIL,
    /* Latin input: only marks and ASCII folding. */
    [TR_FOLD] = "NFD; [:Nonspacing Mark:] Remove; NFC; Latin-ASCII",
};

int match_ctx_new(struct match_ctx **out, struct diag *d)
{
	struct match_ctx *mc;

	if (!out)
		return LIA_EINVAL;
	mc = calloc(1, sizeof(*mc));
	if (!mc) {
		diag_set(d, "out of memory");
		return LIA_ENOMEM;
	}
	*out = mc;
	return 0;
}

void match_ctx_free(struct match_ctx *mc)
{
	if (!mc)
		return;
	for (int i = 0; i < TR_COUNT; i++) {
		if (mc->tr[i])
			utrans_close(mc->tr[i]);
	}
	match_cjk_free(mc->cjk);
	free(mc);
}

static UTransliterator *ctx_tr(struct match_ctx *mc, enum match_tr which,
			       struct diag *d)
{
	UErrorCode st = U_ZERO_ERROR;
	UChar id[160];
	UParseError pe;

	if (mc->tr[which])
		return mc->tr[which];
	u_uastrcpy(id, tr_ids[which]);
	mc->tr[which] = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &st);
	if (U_FAILURE(st)) {
		diag_set(d, "ICU transliterator %s: %s", tr_ids[which],
			 u_errorName(st));
		mc->tr[which] = NULL;
	}
	return mc->tr[which];
}

const char *match_script_name(enum match_script s)
{
	static const char *const names[] = {
	    "unknown",	  "latin",    "cyrillic", "greek", "arabic",
	    "hebrew",	  "han",      "hangul",	  "kana",  "thai",
	    "devanagari", "georgian", "armenian", "other", "mixed"};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[s];
}

static enum match_script script_of(UScriptCode sc)
{
	switch (sc) {
	case USCRIPT_LATIN:
		return SCRIPT_LATIN;
	case USCRIPT_CYRILLIC:
		return SCRIPT_CYRILLIC;
	case USCRIPT_GREEK:
		return SCRIPT_GREEK;
	case USCRIPT_ARABIC:
		return SCRIPT_ARABIC;
	case USCRIPT_HEBREW:
		return SCRIPT_HEBREW;
	case USCRIPT_HAN:
		return SCRIPT_HAN;
	case USCRIPT_HANGUL:
		return SCRIPT_HANGUL;
	case USCRIPT_HIRAGANA:
	case USCRIPT_KATAKANA:
	case USCRIPT_KATAKANA_OR_HIRAGANA:
		return SCRIPT_KANA;
	case USCRIPT_THAI:
		return SCRIPT_THAI;
	case USCRIPT_DEVANAGARI:
		return SCRIPT_DEVANAGARI;
	case USCRIPT_GEORGIAN:
		return SCRIPT_GEORGIAN;
	case USCRIPT_ARMENIAN:
		return SCRIPT_ARMENIAN;
	default:
		return SCRIPT_OTHER;
	}
}

/* The script of the letters: the only one, or MIXED. Japanese mixes Han
 * with kana and Korean may mix Han with Hangul; those count as one. */
static enum match_script detect_script(const UChar *s, int32_t n)
{
	unsigned count[SCRIPT_MIXED + 1] = {0};
	enum match_script best = SCRIPT_UNKNOWN;
	int kinds = 0;
	int32_t i = 0;

	while (i < n) {
		UErrorCode st = U_ZERO_ERROR;
		UChar32 c;
		UScriptCode sc;

		U16_NEXT(s, i, n, c);
		if (!u_isalpha(c))
			continue;
		sc = uscript_getScript(c, &st);
		if (U_FAILURE(st) || sc == USCRIPT_COMMON ||
		    sc == USCRIPT_INHERITED)
			continue;
		count[script_of(sc)]++;
	}
	if (count[SCRIPT_HAN] && count[SCRIPT_KANA]) {
		count[SCRIPT_KANA] += count[SCRIPT_HAN];
		count[SCRIPT_HAN] = 0;
	}
	if (count[SCRIPT_HAN] && count[SCRIPT_HANGUL]) {
		count[SCRIPT_HANGUL] += count[SCRIPT_HAN];
		count[SCRIPT_HAN] = 0;
	}
	for (int k = SCRIPT_LATIN; k <= SCRIPT_OTHER; k++) {
		if (!count[k])
			continue;
		kinds++;
		if (best == SCRIPT_UNKNOWN || count[k] > count[best])
			best = (enum match_script)k;
	}
	return kinds > 1 ? SCRIPT_MIXED : best;
}

static enum match_tr tr_for(enum match_script s)
{
	switch (s) {
	case SCRIPT_LATIN:
		return TR_FOLD;
	case SCRIPT_CYRILLIC:
		return TR_CYRILLIC;
	case SCRIPT_GREEK:
		return TR_GREEK;
	case SCRIPT_ARABIC:
		return TR_ARABIC;
	case SCRIPT_HEBREW:
		return TR_HEBREW;
	case SCRIPT_HAN:
		return TR_HAN;
	case SCRIPT_HANGUL:
		return TR_HANGUL;
	case SCRIPT_KANA:
		return TR_KANA;
	case SCRIPT_THAI:
		return TR_THAI;
	default:
		return TR_ANY;
	}
}

static bool is_apostrophe(UChar c)
{
	switch (c) {
	case '\'':
	case '`':
	case 0x00B4:
	case 0x2018:
	case 0x2019:
	case 0x02BC:
	case 0x02BB:
	case 0x02BF:
	case 0x02BE:
	case 0x02B9:
	case 0x02C8:
		return true;
	default:
		return false;
	}
}

int match_ascii_tokens(const UChar *s, int32_t n, struct strbuf *out)
{
	size_t start = out->len;
	bool space = false;
	int ret = 0;

	for (int32_t i = 0; i < n; i++) {
		UChar c = s[i];
		char ch;

		if (c >= 'A' && c <= 'Z')
			c = (UChar)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (space && out->len > start) {
				ret = strbuf_addch(out, ' ');
				if (ret)
					goto out;
			}
			space = false;
			ch = (char)c;
			ret = strbuf_add(out, &ch, 1);
			if (ret)
				goto out;
			continue;
		}
		/* O'Brien is one word; letters no transform could fold
		 * (a stray Urdu or Khmer sign) are dropped rather than
		 * cutting the word in two. */
		if (is_apostrophe(c) || (c >= 0x80 && u_isalpha(c)) ||
		    (c >= 0x80 && (u_charType(c) == U_NON_SPACING_MARK ||
				   u_charType(c) == U_COMBINING_SPACING_MARK ||
				   u_charType(c) == U_MODIFIER_LETTER)))
			continue;
		space = true;
	}
out:
	if (ret)
		strbuf_setlen(out, start);
	return ret;
}

/* Korean names are written without spaces between syllables but romanised
 * with them ("김정은" - "Kim Jong Un"); each Hangul syllable of a short word
 * (a Korean name has two to four) becomes its own token. Longer words are
 * transcriptions of foreign names and stay whole. */
static bool hangul_syl(UChar c)
{
	return c >= 0xAC00 && c <= 0xD7A3;
}

static int32_t split_hangul(const UChar *s, int32_t n, UChar *dst, int32_t cap)
{
	int32_t o = 0;

	for (int32_t i = 0; i < n && o + 2 < cap;) {
		int32_t run = 0;

		while (i + run < n && hangul_syl(s[i + run]))
			run++;
		if (run == 0) {
			dst[o++] = s[i++];
			continue;
		}
		for (int32_t k = 0; k < run && o + 2 < cap; k++) {
			if (k && run <= 4)
				dst[o++] = ' ';
			dst[o++] = s[i + k];
		}
		i += run;
	}
	return o;
}

/* Arabic-script letters that the Arabic transform does not read well in
 * names, replaced by the letter that reads as people spell the name:
 * the Urdu retroflex tteh, ddal and rreh (پوٹن "Putin") are dropped
 * otherwise, and teh marbuta (حمزة "Hamza", فاطمة "Fatima") ends a name
 * in a vowel, not the "t" the transform writes. */
static void fold_arabic(UChar *s, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		/* tteh, ddal, rreh -> teh, dal, reh; teh marbuta (Arabic and
		 * Urdu) -> alef. */
		switch (s[i]) {
		case 0x0679:
			s[i] = 0x062A;
			break;
		case 0x0688:
			s[i] = 0x062F;
			break;
		case 0x0691:
			s[i] = 0x0631;
			break;
		case 0x0629:
		case 0x06C3:
			s[i] = 0x0627;
			break;
		default:
			break;
		}
	}
}

bool match_is_ascii(const char *s, size_t len)
{
	unsigned char acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= (unsigned char)s[i];
	return acc < 0x80;
}

size_t match_ascii_form(const char *s, size_t len, char *out,
			enum match_script *script)
{
	size_t o = 0;
	bool space = false, letters = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			letters = letters || c >= 'a';
			if (space && o)
				out[o++] = ' ';
			space = false;
			out[o++] = c;
			continue;
		}
		if (c == '\'' || c == '`')
			continue;
		space = true;
	}
	out[o] = '\0';
	if (script)
		*script = letters ? SCRIPT_LATIN : SCRIPT_UNKNOWN;
	return o;
}

int match_translit(struct match_ctx *mc, const char *s, size_t len,
		   struct strbuf *out, enum match_script *script,
		   struct diag *d)
{
	char buf[MATCH_NAME_MAX + 1];
	size_t n;

	if (!mc || !s || !out)
		return LIA_EINVAL;
	if (len > MATCH_NAME_MAX || !match_is_ascii(s, len))
		return match_translit_icu(mc, s, len, out, script, d);
	/* Plain ASCII: NFKC case folding is lower-casing, the fold
	 * transliterator changes nothing; the token rules of
	 * match_ascii_tokens() applied to the bytes give the same form. */
	n = match_ascii_form(s, len, buf, script);
	return strbuf_add(out, buf, n);
}

/* NFD of u[0..*n) without its nonspacing marks into u, if that is all
 * ASCII (tmp: scratch of MATCH_U16_MAX units); false leaves u as it was. */
static bool latin_fast(UChar *u, int32_t *n, UChar *tmp)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
	int32_t nd, o = 0;

	if (U_FAILURE(st))
		return false;
	nd = unorm2_normalize(nfd, u, *n, tmp, MATCH_U16_MAX, &st);
	if (U_FAILURE(st))
		return false;
	for (int32_t i = 0; i < nd; i++) {
		if (tmp[i] < 0x80)
			continue;
		if (u_charType(tmp[i]) != U_NON_SPACING_MARK)
			return false;
	}
	for (int32_t i = 0; i < nd; i++)
		if (tmp[i] < 0x80)
			u[o++] = tmp[i];
	*n = o;
	return true;
}

int match_translit_icu(struct match_ctx *mc, const char *s, size_t len,
		       struct strbuf *out, enum match_script *script,
		       struct diag *d)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *fold;
	UChar *u = NULL, *v = NULL;
	int32_t nu = 0, nv, lim;
	enum match_script sc;
	UTransliterator *tr;
	int ret = 0;

	if (!mc || !s || !out)
		return LIA_EINVAL;
	if (len > MATCH_NAME_MAX) {
		diag_set(d, "name longer than %d bytes", MATCH_NAME_MAX);
		return LIA_ETOOBIG;
	}
	if (!utf8_valid(s, len, NULL)) {
		diag_set(d, "name is not valid UTF-8");
		return LIA_EVALUE;
	}
	u = malloc(sizeof(UChar) * MATCH_U16_MAX);
	v = malloc(sizeof(UChar) * MATCH_U16_MAX);
	if (!u || !v) {
		ret = LIA_ENOMEM;
		goto out;
	}
	u_strFromUTF8(u, MATCH_U16_MAX, &nu, s, (int32_t)len, &st);
	if (U_FAILURE(st)) {
		diag_set(d, "name is not valid UTF-8 (%s)", u_errorName(st));
		ret = LIA_EVALUE;
		goto out;
	}
	/* NFKC with case folding: ligatures, full-width letters, ß -> ss,
	 * and default-ignorable characters (ZWJ, soft hyphen) go away. */
	fold = unorm2_getNFKCCasefoldInstance(&st);
	if (U_FAILURE(st)) {
		ret = LIA_EINTERNAL;
		goto out;
	}
	nv = unorm2_normalize(fold, u, nu, v, MATCH_U16_MAX, &st);
	if (U_FAILURE(st)) {
		ret = LIA_ETOOBIG;
		goto out;
	}
	sc = detect_script(v, nv);
	if (sc == SCRIPT_HANGUL) {
		nu = split_hangul(v, nv, u, MATCH_U16_MAX);
	} else {
		memcpy(u, v, sizeof(UChar) * (size_t)nv);
		nu = nv;
		if (sc == SCRIPT_ARABIC)
			fold_arabic(u, nu);
	}
	/* Latin with marks (é, ş, ñ): the fold transliterator is NFD, marks
	 * removed, NFC, Latin-ASCII; when nothing but ASCII is left after
	 * the first two steps the last two change nothing, and the ICU
	 * normaliser does those steps in a fraction of the transliterator's
	 * time. Other letters (ø, ł, æ) take the whole transform. */
	if (sc == SCRIPT_LATIN && latin_fast(u, &nu, v)) {
		lim = nu;
		goto tokens;
	}
	tr = ctx_tr(mc, tr_for(sc), d);
	if (!tr) {
		ret = LIA_EINTERNAL;
		goto out;
	}
	lim = nu;
	utrans_transUChars(tr, u, &nu, MATCH_U16_MAX, 0, &lim, &st);
	if (U_FAILURE(st)) {
		diag_set(d, "transliteration failed: %s", u_errorName(st));
		ret =
		    st == U_BUFFER_OVERFLOW_ERROR ? LIA_ETOOBIG : LIA_EINTERNAL;
		goto out;
	}
tokens:
	ret = match_ascii_tokens(u, lim, out);
	if (ret)
		goto out;
	if (script)
		*script = sc;
out:
	free(u);
	free(v);
	return ret;
}

int match_normalize(struct match_ctx *mc, const char *s, size_t len,
		    struct strbuf *out, enum match_script *script,
		    struct diag *d)
{
	size_t start;
	int ret;

	if (!out)
		return LIA_EINVAL;
	start = out->len;
	ret = match_translit(mc, s, len, out, script, d);
	if (ret == 0 && out->len == start) {
		diag_set(d, "nothing left of the name after normalisation");
		ret = LIA_EVALUE;
	}
	return ret;
}

/* Revised Romanisation spells the commonest surnames unlike the people who
 * bear them (이 is "I", 박 "Bak"); passports and lists use these. */
static const struct {
	UChar syl;
	const char *latin;
} ko_surnames[] = {
    {0xAE40, "kim"},  {0xC774, "lee"},	{0xBC15, "park"}, {0xCD5C, "choi"},
    {0xC815, "jung"}, {0xAC15, "kang"}, {0xC870, "cho"},  {0xC724, "yoon"},
    {0xC7A5, "jang"}, {0xC784, "lim"},	{0xD55C, "han"},  {0xC624, "oh"},
    {0xC11C, "seo"},  {0xC2E0, "shin"}, {0xAD8C, "kwon"}, {0xD669, "hwang"},
    {0xC548, "ahn"},  {0xC1A1, "song"}, {0xB958, "ryu"},  {0xC804, "jeon"},
    {0xD64D, "hong"}, {0xACE0, "ko"},	{0xBB38, "moon"}, {0xC591, "yang"},
    {0xC190, "son"},  {0xBC30, "bae"},	{0xBC31, "baek"}, {0xD5C8, "heo"},
    {0xB178, "roh"},  {0xB0A8, "nam"},	{0xC2EC, "shim"}, {0xC720, "yoo"},
    {0xD558, "ha"},   {0xACFD, "kwak"}, {0xC131, "sung"}, {0xCC28, "cha"},
    {0xC8FC, "joo"},  {0xC6B0, "woo"},	{0xAD6C, "koo"},  {0xBBFC, "min"},
    {0xB098, "na"},   {0xC9C4, "jin"},	{0xC9C0, "ji"},	  {0xC5C4, "um"},
    {0xCC44, "chae"}, {0xC6D0, "won"},	{0xCC9C, "chun"}, {0xBC29, "bang"},
    {0xACF5, "kong"}, {0xD604, "hyun"}, {0xD568, "ham"},  {0xBCC0, "byun"},
    {0xC5FC, "yeom"}, {0xC5EC, "yeo"},	{0xCD94, "choo"}, {0xB3C4, "do"},
    {0xC11D, "seok"}, {0xC120, "sun"},	{0xC124, "seol"}, {0xB9C8, "ma"},
    {0xAE38, "gil"},  {0xC5F0, "yeon"}, {0xD45C, "pyo"},  {0xBA85, "myung"},
    {0xAE30, "ki"},   {0xBC18, "ban"},	{0xC655, "wang"}, {0xAE08, "keum"},
    {0xC625, "ok"},   {0xC721, "yook"}, {0xC778, "in"},	  {0xB9F9, "maeng"},
    {0xC81C, "je"},   {0xBAA8, "mo"},	{0xD0C1, "tak"},  {0xAD6D, "kook"},
    {0xC5B4, "eo"},   {0xC740, "eun"},	{0xD3B8, "pyun"}, {0xC6A9, "yong"},
    {0xB9AC, "lee"},  {0xB77C, "ra"},
};

const char *match_korean_surname(UChar syllable)
{
	for (size_t i = 0; i < sizeof(ko_surnames) / sizeof(ko_surnames[0]);
	     i++) {
		if (ko_surnames[i].syl == syllable)
			return ko_surnames[i].latin;
	}
	return NULL;
}
