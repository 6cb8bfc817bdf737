/* test_match_cjk.c - names in Chinese characters read as Japanese (MeCab)
 * and as Korean (hanja), beside the Mandarin reading. The readings were
 * checked by hand against the people's own Latin spellings. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "liaison/match.h"
#include "match/match_int.h"

static struct match_ctx *mc;

static int setup(void **state)
{
	(void)state;
	return match_ctx_new(&mc, NULL);
}

static int teardown(void **state)
{
	(void)state;
	match_ctx_free(mc);
	return 0;
}

static struct match_name *prep_in(struct match_ctx *c, const char *s)
{
	struct match_name *n = NULL;
	struct diag d;

	assert_int_equal(match_prepare(c, s, strlen(s), MATCH_PERSON, &n, &d),
			 0);
	return n;
}

static double score_in(struct match_ctx *c, const char *a, const char *b)
{
	struct match_name *x = prep_in(c, a), *y = prep_in(c, b);
	double s = match_score(x, NULL, y, NULL, NULL);

	match_name_free(x);
	match_name_free(y);
	return s;
}

static double score2(const char *a, const char *b)
{
	return score_in(mc, a, b);
}

static const char *form_of(const struct match_name *n, const char *origin)
{
	for (size_t i = 0; i < n->n_forms; i++) {
		if (!strcmp(n->form[i].origin, origin))
			return n->form[i].text;
	}
	return NULL;
}

static const char *const pairs[][2] = {
	/* Those ICU alone missed (names/cross_script_pairs.csv). */
	{ "金正恩", "Kim Jong Un" },          /* Korean, hanja */
	{ "山田太郎", "Yamada Taro" },        /* Japanese, kanji */
	{ "田中花子", "Tanaka Hanako" },
	/* Japanese: Hepburn long vowels, "ou" before a vowel kept. */
	{ "鈴木一郎", "Suzuki Ichiro" },
	{ "小泉純一郎", "Koizumi Junichiro" },
	{ "佐藤栄作", "Sato Eisaku" },
	{ "東條英機", "Tojo Hideki" },
	{ "井上陽水", "Inoue Yosui" },
	{ "岸田文雄", "Kishida Fumio" },
	{ "山田 太郎", "Taro Yamada" },
	{ "山田タロウ", "Yamada Taro" },      /* kanji and kana */
	/* Korean: surnames as their bearers spell them. */
	{ "朴槿惠", "Park Geun-hye" },
	{ "文在寅", "Moon Jae-in" },
	{ "金大中", "Kim Dae-jung" },
	{ "李明博", "Lee Myung-bak" },
	{ "金日成", "Kim Il Sung" },
	{ "金정은", "Kim Jong Un" },          /* hanja and Hangul */
	/* Chinese still read in Mandarin. */
	{ "习近平", "Xi Jinping" },
	{ "毛泽东", "Mao Zedong" },
	{ "李明", "Li Ming" },
	{ "王伟", "Wang Wei" },
};

static void readings_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		double s = score2(pairs[i][0], pairs[i][1]);

		if (s < MATCH_THRESHOLD_DEFAULT)
			fail_msg("%s / %s scored %.3f", pairs[i][0],
				 pairs[i][1], s);
		/* Order does not matter. */
		assert_true(score2(pairs[i][1], pairs[i][0]) == s);
	}
}

static void different_people(void **state)
{
	(void)state;
	assert_true(score2("山田太郎", "Kim Jong Un") <
		    MATCH_THRESHOLD_DEFAULT);
	assert_true(score2("金正恩", "Yamada Taro") < MATCH_THRESHOLD_DEFAULT);
	assert_true(score2("金正恩", "Moon Jae-in") < MATCH_THRESHOLD_DEFAULT);
	assert_true(score2("田中花子", "Suzuki Hanako") <
		    MATCH_THRESHOLD_DEFAULT);
	assert_true(score2("鈴木一郎", "Yamada Ichiro") <
		    MATCH_THRESHOLD_DEFAULT);
	assert_true(score2("习近平", "Mao Zedong") < MATCH_THRESHOLD_DEFAULT);
}

static void forms(void **state)
{
	struct match_name *n;

	(void)state;
	n = prep_in(mc, "山田太郎");
	assert_int_equal(n->script, SCRIPT_HAN);
	assert_string_equal(n->form[0].origin, "icu");   /* Mandarin first */
	assert_string_equal(form_of(n, "japanese"), "yamada taro");
	match_name_free(n);

	n = prep_in(mc, "金正恩");
	assert_string_equal(form_of(n, "korean"), "kim jeong eun");
	assert_string_equal(form_of(n, "hanja"), "gim jeong eun");
	assert_non_null(form_of(n, "icu"));
	assert_true(n->n_forms <= MATCH_FORMS_MAX);
	match_name_free(n);

	/* Simplified Chinese has no Korean reading: no such form. */
	n = prep_in(mc, "习近平");
	assert_string_equal(form_of(n, "icu"), "xi jin ping");
	assert_null(form_of(n, "korean"));
	match_name_free(n);

	/* Names without Han pay nothing and get nothing. */
	n = prep_in(mc, "Yamada Taro");
	assert_null(form_of(n, "japanese"));
	assert_null(form_of(n, "hanja"));
	assert_true(n->n_forms <= 2);
	match_name_free(n);
	n = prep_in(mc, "김정은");
	assert_null(form_of(n, "hanja"));
	assert_null(form_of(n, "japanese"));
	assert_string_equal(form_of(n, "korean"), "kim jeong eun");
	match_name_free(n);
	n = prep_in(mc, "やまだ");
	assert_null(form_of(n, "japanese"));
	match_name_free(n);
}

static void long_vowels(void **state)
{
	static const char *const cases[][2] = {
		{ "tarou", "taro" }, { "satoo", "sato" }, { "yuuko", "yuko" },
		{ "inoue", "inoue" }, { "oouchi", "ouchi" }, { "keiko", "keiko" },
		{ "ichirou suzuki", "ichiro suzuki" }, { "", "" }, { "o", "o" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		size_t n = strlen(cases[i][0]);

		memcpy(buf, cases[i][0], n + 1);
		n = match_cjk_long_vowels(buf, n);
		buf[n] = '\0';
		assert_string_equal(buf, cases[i][1]);
	}
}

/* Each thread its own context; the dictionaries load once, under
 * pthread_once, whichever thread comes first. */
static void *worker(void *arg)
{
	struct match_ctx *c = NULL;
	double *out = arg;

	if (match_ctx_new(&c, NULL))
		return NULL;
	out[0] = score_in(c, "山田太郎", "Yamada Taro");
	out[1] = score_in(c, "金正恩", "Kim Jong Un");
	match_ctx_free(c);
	return NULL;
}

static void threads(void **state)
{
	pthread_t t[4];
	double s[4][2] = { { 0 } };

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, s[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(s[i][0] >= MATCH_THRESHOLD_DEFAULT);
		assert_true(s[i][1] >= MATCH_THRESHOLD_DEFAULT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(threads),   /* first: the loads race */
		cmocka_unit_test(readings_match),
		cmocka_unit_test(different_people),
		cmocka_unit_test(forms),
		cmocka_unit_test(long_vowels),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
