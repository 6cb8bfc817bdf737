/*
 * cjk.c - names written in Chinese characters read as Japanese and as
 * Korean, as extra Latin forms beside ICU's Mandarin reading.
 *
 * Han characters are shared by Chinese, Japanese (kanji) and Korean
 * (hanja), and ICU only knows their Mandarin reading: 山田太郎 becomes
 * "shan tian tai lang", never "yamada taro". So a name with Han in it
 * also gets:
 *
 * - a Japanese form: MeCab with the IPA dictionary segments the name and
 *   gives each morpheme's katakana reading (山田 ヤマダ, 太郎 タロウ); ICU
 *   turns that into Latin, and long vowels are written as Hepburn does on
 *   passports and in lists (tarou -> taro, yuuko -> yuko);
 * - Korean forms: each hanja is read in Hangul with libhangul's hanja table
 *   (金正恩 -> 김정은), then follows the Hangul path: Revised Romanisation
 *   by ICU ("gim jeong eun") and the popular spelling of the surname
 *   ("kim jeong eun").
 *
 * Loading the MeCab model and building the hanja reading table costs tens
 * of milliseconds: both happen once per process, the first time a Han name
 * is prepared. The model is shared; a MeCab tagger and lattice are per
 * match_ctx (so per thread). A missing library file or dictionary only
 * means the form is not made.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <hangul.h>
#include <mecab.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include "match_int.h"

#ifndef LIAISON_MECAB_DICDIR
#define LIAISON_MECAB_DICDIR "/var/lib/mecab/dic/ipadic-utf8"
#endif

/* --- shared, loaded once ------------------------------------------------ */

/* "-r /dev/null": the dictionary is named here, so no mecabrc is needed
 * (and a system one naming another dictionary is not read). */
#define MECAB_ARGS "-r /dev/null -d " LIAISON_MECAB_DICDIR

static pthread_once_t ja_once = PTHREAD_ONCE_INIT;
static mecab_model_t *ja_model;

static void ja_load(void)
{
	ja_model = mecab_model_new2(MECAB_ARGS);
}

/* One hanja and its Korean reading: at the start of a name (the surname:
 * the reading the table marks as a surname's, 김 for 金) and elsewhere. */
struct hanja_reading {
	uint32_t han;
	uint16_t first, other;   /* Hangul syllables */
};

static pthread_once_t ko_once = PTHREAD_ONCE_INIT;
static struct hanja_reading *ko_map;
static size_t ko_n;

struct ko_cand {
	uint32_t han;
	uint16_t syl;
	int16_t rank_first, rank_other;
};

static int ko_cand_cmp(const void *x, const void *y)
{
	const struct ko_cand *a = x, *b = y;

	if (a->han != b->han)
		return a->han < b->han ? -1 : 1;
	return a->syl < b->syl ? -1 : a->syl > b->syl;
}

static bool syl_initial_rieul(uint16_t syl)
{
	return (syl - 0xAC00) / 588 == 5;    /* ㄹ is the sixth initial */
}

/* How likely a reading is, from the table's gloss ("사람의 성 김, 쇠 김":
 * a person's surname Kim, metal Kim): a reading glossed as a surname is
 * the one to use for the first character of a name; otherwise the reading
 * with more senses is the common one. At the start of a word South Korean
 * usage drops an initial ㄹ (두음법칙: 李 이, 林 임, 柳 유). */
static void ko_rank(const char *gloss, uint16_t syl, struct ko_cand *c)
{
	int senses = 1;
	int surname = 0;

	for (const char *p = gloss; p && *p; p++)
		senses += *p == ',';
	if (gloss && strstr(gloss, "사람의 성"))
		surname = 3;
	else if (gloss && (strstr(gloss, "성씨") || !strncmp(gloss, "성 ", 4) ||
			   strstr(gloss, ", 성 ")))
		surname = 2;
	if (senses > 9)
		senses = 9;
	c->rank_other = (int16_t)senses;
	c->rank_first = (int16_t)(surname * 10 + senses -
				  (syl_initial_rieul(syl) ? 5 : 0));
}

static void ko_load(void)
{
	HanjaTable *t = hanja_table_load(NULL);
	struct ko_cand *c = NULL;
	size_t n = 0, cap = 0;

	if (!t)
		return;
	/* The table is keyed by Hangul (it serves input methods): ask it for
	 * the hanja of every syllable and keep the single characters. */
	for (uint32_t syl = 0xAC00; syl <= 0xD7A3; syl++) {
		char key[4] = { (char)(0xE0 | (syl >> 12)),
				(char)(0x80 | ((syl >> 6) & 0x3F)),
				(char)(0x80 | (syl & 0x3F)), 0 };
		HanjaList *l = hanja_table_match_exact(t, key);
		int m = l ? hanja_list_get_size(l) : 0;

		for (int i = 0; i < m; i++) {
			const char *v = hanja_list_get_nth_value(l, (unsigned)i);
			int32_t off = 0, vl = v ? (int32_t)strlen(v) : 0;
			UChar32 h = 0;

			if (!vl)
				continue;
			U8_NEXT(v, off, vl, h);
			if (off != vl || h < 0x2E80)
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 16384;
				struct ko_cand *g = realloc(c, nc * sizeof(*c));

				if (!g) {
					hanja_list_delete(l);
					goto out;
				}
				c = g;
				cap = nc;
			}
			c[n].han = (uint32_t)h;
			c[n].syl = (uint16_t)syl;
			ko_rank(hanja_list_get_nth_comment(l, (unsigned)i),
				(uint16_t)syl, &c[n]);
			n++;
		}
		if (l)
			hanja_list_delete(l);
	}
	qsort(c, n, sizeof(*c), ko_cand_cmp);
	ko_map = malloc((n ? n : 1) * sizeof(*ko_map));
	if (!ko_map)
		goto out;
	for (size_t i = 0; i < n;) {
		size_t j = i, bf = i, bo = i;

		for (; j < n && c[j].han == c[i].han; j++) {
			if (c[j].rank_first > c[bf].rank_first)
				bf = j;
			if (c[j].rank_other > c[bo].rank_other)
				bo = j;
		}
		ko_map[ko_n].han = c[i].han;
		ko_map[ko_n].first = c[bf].syl;
		ko_map[ko_n].other = c[bo].syl;
		ko_n++;
		i = j;
	}
out:
	free(c);
	hanja_table_delete(t);
}

static const struct hanja_reading *ko_lookup(UChar32 h)
{
	size_t lo = 0, hi = ko_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ko_map[mid].han == (uint32_t)h)
			return &ko_map[mid];
		if (ko_map[mid].han < (uint32_t)h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* --- per context -------------------------------------------------------- */

struct match_cjk {
	mecab_t *tagger;
	mecab_lattice_t *lattice;
	bool ja_failed;
};

void match_cjk_free(struct match_cjk *cj)
{
	if (!cj)
		return;
	if (cj->lattice)
		mecab_lattice_destroy(cj->lattice);
	if (cj->tagger)
		mecab_destroy(cj->tagger);
	free(cj);
}

static struct match_cjk *ctx_cjk(struct match_ctx *mc)
{
	if (!mc->cjk)
		mc->cjk = calloc(1, sizeof(*mc->cjk));
	return mc->cjk;
}

static bool ja_ready(struct match_ctx *mc)
{
	struct match_cjk *cj = ctx_cjk(mc);

	if (!cj || cj->ja_failed)
		return false;
	if (cj->tagger)
		return true;
	pthread_once(&ja_once, ja_load);
	if (ja_model) {
		cj->tagger = mecab_model_new_tagger(ja_model);
		cj->lattice = mecab_model_new_lattice(ja_model);
	}
	if (!cj->tagger || !cj->lattice) {
		if (cj->tagger)
			mecab_destroy(cj->tagger);
		if (cj->lattice)
			mecab_lattice_destroy(cj->lattice);
		cj->tagger = NULL;
		cj->lattice = NULL;
		cj->ja_failed = true;
		return false;
	}
	return true;
}

/* --- helpers ------------------------------------------------------------ */

static bool is_han(UChar32 c)
{
	UErrorCode st = U_ZERO_ERROR;

	return uscript_getScript(c, &st) == USCRIPT_HAN && U_SUCCESS(st);
}

bool match_cjk_wanted(const char *s, size_t len, enum match_script script)
{
	int32_t i = 0, n = (int32_t)len;

	if (script != SCRIPT_HAN && script != SCRIPT_KANA &&
	    script != SCRIPT_HANGUL)
		return false;
	while (i < n) {
		UChar32 c;

		U8_NEXT(s, i, n, c);
		if (c >= 0 && is_han(c))
			return true;
	}
	return false;
}

static bool is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Hepburn as passports write it: long vowels single (Satou, Satoo ->
 * Sato; Yuuko -> Yuko). "ou" before a vowel is two syllables (Inoue). */
size_t match_cjk_long_vowels(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i], d = i + 1 < len ? s[i + 1] : '\0';

		s[o++] = c;
		if ((c == 'o' && d == 'o') || (c == 'u' && d == 'u') ||
		    (c == 'o' && d == 'u' &&
		     !(i + 2 < len && is_vowel(s[i + 2]))))
			i++;
	}
	return o;
}

/* --- Japanese ----------------------------------------------------------- */

static bool kana_only(const char *s, size_t len)
{
	int32_t i = 0, n = (int32_t)len;

	while (i < n) {
		UChar32 c;
		UErrorCode st = U_ZERO_ERROR;
		UScriptCode sc;

		U8_NEXT(s, i, n, c);
		if (c < 0)
			return false;
		if (c == 0x30FC || c == 0x30FB)   /* ー ・ */
			continue;
		sc = uscript_getScript(c, &st);
		if (sc != USCRIPT_HIRAGANA && sc != USCRIPT_KATAKANA)
			return false;
	}
	return true;
}

/* The katakana reading: field 8 of an IPA dictionary feature
 * ("名詞,固有名詞,人名,姓,*,*,山田,ヤマダ,ヤマダ"). */
static bool ipa_reading(const char *feature, const char **r, size_t *rl)
{
	const char *p = feature;

	for (int f = 0; f < 7; f++) {
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
	*r = p;
	*rl = strcspn(p, ",");
	return *rl > 0 && !(*rl == 1 && *p == '*');
}

static int japanese_form(struct match_ctx *mc, const char *s, size_t len,
			 struct strbuf *out)
{
	struct match_cjk *cj;
	struct strbuf kana, lat;
	const mecab_node_t *node;
	size_t start = out->len;
	int ret = 0;

	if (!ja_ready(mc))
		return 0;
	cj = mc->cjk;
	strbuf_init(&kana, MATCH_NAME_MAX * 4);
	strbuf_init(&lat, MATCH_NAME_MAX * 8);
	mecab_lattice_set_sentence2(cj->lattice, s, len);
	if (!mecab_parse_lattice(cj->tagger, cj->lattice))
		goto out;
	for (node = mecab_lattice_get_bos_node(cj->lattice); node;
	     node = node->next) {
		const char *r;
		size_t rl;

		if (node->stat != MECAB_NOR_NODE &&
		    node->stat != MECAB_UNK_NODE)
			continue;
		if (!ipa_reading(node->feature, &r, &rl)) {
			/* No reading (an unknown word): kana read as
			 * written; kanji we cannot read, so no form. */
			if (!kana_only(node->surface, node->length))
				goto out;
			r = node->surface;
			rl = node->length;
		}
		/* Each morpheme is a word: family and given names stay
		 * apart; the scorer joins neighbours when counts differ. */
		if ((kana.len && strbuf_addch(&kana, ' ')) ||
		    strbuf_add(&kana, r, rl)) {
			ret = LIA_ETOOBIG;
			goto out;
		}
	}
	if (!kana.len)
		goto out;
	ret = match_translit(mc, kana.buf, kana.len, &lat, NULL, NULL);
	if (ret == LIA_EVALUE) {
		ret = 0;
		goto out;
	}
	if (ret)
		goto out;
	lat.len = match_cjk_long_vowels(lat.buf, lat.len);
	lat.buf[lat.len] = '\0';
	ret = strbuf_add(out, lat.buf, lat.len);
out:
	if (ret)
		strbuf_setlen(out, start);
	strbuf_release(&kana);
	strbuf_release(&lat);
	return ret;
}

/* --- Korean ------------------------------------------------------------- */

/* The name in Hangul: every hanja replaced by its reading, Hangul and
 * separators kept. Empty when a Han character has no Korean reading
 * (a simplified Chinese character, 习) or there is nothing to read. */
static int hangul_reading(const char *s, size_t len, struct strbuf *out)
{
	int32_t i = 0, n = (int32_t)len;
	bool first = true, any = false;

	pthread_once(&ko_once, ko_load);
	if (!ko_n)
		return 0;
	while (i < n) {
		UChar32 c;
		char u8[4];
		int32_t k = 0;
		UBool err = false;

		U8_NEXT(s, i, n, c);
		if (c < 0) {
			strbuf_setlen(out, 0);
			return 0;
		}
		if (is_han(c)) {
			const struct hanja_reading *h = ko_lookup(c);

			if (!h) {
				strbuf_setlen(out, 0);
				return 0;
			}
			c = first ? h->first : h->other;
			any = true;
		}
		if (u_isalpha(c))
			first = false;
		else if (c == ' ')
			first = false;   /* 金 正恩: only the surname is first */
		U8_APPEND(u8, k, (int32_t)sizeof(u8), c, err);
		if (err || strbuf_add(out, u8, (size_t)k)) {
			strbuf_setlen(out, 0);
			return LIA_ETOOBIG;
		}
	}
	if (!any)
		strbuf_setlen(out, 0);
	return 0;
}

/* Korean forms: popular surname spelling first (kim jeong eun), then the
 * Revised Romanisation (gim jeong eun). */
static int korean_forms(struct match_ctx *mc, const char *s, size_t len,
			struct strbuf **out, const char **origin, size_t max,
			size_t *n)
{
	struct strbuf hg, rr;
	UChar first[2];
	int32_t nf = 0;
	UErrorCode st = U_ZERO_ERROR;
	const char *sur = NULL, *rest;
	int ret;

	strbuf_init(&hg, MATCH_NAME_MAX * 3);
	strbuf_init(&rr, MATCH_NAME_MAX * 8);
	ret = hangul_reading(s, len, &hg);
	if (ret || !hg.len)
		goto out;
	ret = match_translit(mc, hg.buf, hg.len, &rr, NULL, NULL);
	if (ret == LIA_EVALUE) {
		ret = 0;
		goto out;
	}
	if (ret || !rr.len)
		goto out;
	u_strFromUTF8(first, 2, &nf, hg.buf, hg.len < 3 ? (int32_t)hg.len : 3,
		      &st);
	if (U_SUCCESS(st) && nf >= 1)
		sur = match_korean_surname(first[0]);
	if (sur && *n < max) {
		rest = strchr(rr.buf, ' ');
		if ((ret = strbuf_addstr(out[*n], sur)) ||
		    (rest && (ret = strbuf_addstr(out[*n], rest))))
			goto out;
		origin[(*n)++] = "korean";
	}
	if (*n < max) {
		if ((ret = strbuf_add(out[*n], rr.buf, rr.len)))
			goto out;
		origin[(*n)++] = "hanja";
	}
out:
	strbuf_release(&hg);
	strbuf_release(&rr);
	return ret;
}

/* --- entry point -------------------------------------------------------- */

int match_cjk_forms(struct match_ctx *mc, const char *s, size_t len,
		    enum match_script script, struct strbuf **out,
		    const char **origin, size_t max, size_t *n)
{
	int ret = 0;

	*n = 0;
	if (!match_cjk_wanted(s, len, script))
		return 0;
	if ((script == SCRIPT_HAN || script == SCRIPT_KANA) && *n < max) {
		ret = japanese_form(mc, s, len, out[*n]);
		if (ret)
			return ret;
		if (out[*n]->len)
			origin[(*n)++] = "japanese";
	}
	if (script == SCRIPT_HAN || script == SCRIPT_HANGUL)
		ret = korean_forms(mc, s, len, out, origin, max, n);
	return ret;
}
