/* test_interpol.c - the INTERPOL notices importer, in all four container
 * forms, with fictional notices written for this test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "liaison/entity.h"
#include "liaison/ingest.h"

/* A red notice with two warrants (one line, so it also works as a JSON
 * line). */
#define N1 "{\"entity_id\": \"2021/48213\", \"name\": \"KOVALENKO-TEST\", " \
	"\"forename\": \"MARTA ELISE\", \"date_of_birth\": \"1985/07/14\", " \
	"\"sex_id\": \"F\", \"nationalities\": [\"UA\", \"PL\"], " \
	"\"place_of_birth\": \"Lviv\", \"country_of_birth_id\": \"UA\", " \
	"\"languages_spoken_ids\": [\"UKR\", \"ENG\"], \"height\": 1.68, " \
	"\"weight\": 61, \"eyes_colors_id\": [\"BLU\"], " \
	"\"hairs_id\": [\"BRO\"], " \
	"\"distinguishing_marks\": \"Scar on left forearm\", " \
	"\"arrest_warrants\": [{\"issuing_country_id\": \"PL\", " \
	"\"charge\": \"Fraud (fictional test record)\", " \
	"\"charge_translation\": null}, {\"issuing_country_id\": \"DE\", " \
	"\"charge\": \"Geldw\\u00e4sche\", " \
	"\"charge_translation\": \"Money laundering\"}], " \
	"\"_links\": {\"self\": {\"href\": " \
	"\"https://ws-public.interpol.int/notices/v1/red/2021-48213\"}, " \
	"\"images\": {\"href\": \"https://ws-public.interpol.int/x\"}}}"

/* A yellow notice with a field this importer does not map. */
#define N2 "{\"entity_id\": \"2019/7731\", \"name\": \"DOE-FICTION\", " \
	"\"forename\": \"SAMUEL\", \"date_of_birth\": \"2009/03\", " \
	"\"sex_id\": \"M\", \"nationalities\": [\"FR\"], " \
	"\"date_of_event\": \"2023/02/01\", \"_links\": {\"self\": {\"href\": " \
	"\"https://ws-public.interpol.int/notices/v1/yellow/2019-7731\"}}}"

/* Values that fail validation: they must end up as labelled notes. */
#define N3 "{\"entity_id\": \"2022/100\", \"name\": \"TESTER\", " \
	"\"forename\": null, \"date_of_birth\": \"1980/13/45\", " \
	"\"sex_id\": \"U\", \"nationalities\": [\"XX\", \"BE\"], " \
	"\"height\": 0, \"weight\": \"heavy\", " \
	"\"languages_spoken_ids\": [\"E1G\", \"ENGLISH\"], \"_links\": {\"self\": " \
	"{\"href\": \"http://example.org/notices/v1/red/2022-100\"}}}"

struct store {
	char **json; /* canonical JSON of every entity put, in order */
	size_t n;
	uint64_t progress;
};

static int store_put(void *ctx, const struct entity *e, struct diag *d)
{
	struct store *s = ctx;
	struct strbuf sb;

	(void)d;
	strbuf_init(&sb, 0);
	assert_int_equal(entity_to_json(e, &sb), 0);
	s->json = realloc(s->json, (s->n + 1) * sizeof(*s->json));
	assert_non_null(s->json);
	s->json[s->n++] = strbuf_detach(&sb, NULL);
	return 0;
}

static void store_progress(void *ctx, uint64_t bytes)
{
	((struct store *)ctx)->progress = bytes;
}

static void store_free(struct store *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->json[i]);
	free(s->json);
	memset(s, 0, sizeof(*s));
}

/* The stored entity with this id, parsed back (caller frees), or NULL. */
static struct entity *find(const struct store *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++) {
		struct entity *e = NULL;
		assert_int_equal(entity_parse(s->json[i], strlen(s->json[i]),
					      &e, NULL),
				 0);
		if (!strcmp(entity_id(e), id))
			return e;
		entity_free(e);
	}
	return NULL;
}

static bool has_value(const struct entity *e, const char *prop,
		      const char *v)
{
	for (size_t i = 0; i < entity_count(e, prop); i++)
		if (!strcmp(entity_value(e, prop, i), v))
			return true;
	return false;
}

static int import(const char *text, size_t len, struct store *s,
		  struct diag *d)
{
	struct ingest_sink sink = {
		.put = store_put, .progress = store_progress, .ctx = s
	};
	FILE *f = tmpfile();
	int rc;

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	rewind(f);
	diag_clear(d);
	rc = ingest_interpol(f, "n.json", &sink, d);
	fclose(f);
	return rc;
}

static void check_n1(const struct store *s)
{
	struct entity *p = find(s, "interpol-2021-48213");
	struct entity *w1 = find(s, "interpol-2021-48213-warrant-1");
	struct entity *w2 = find(s, "interpol-2021-48213-warrant-2");

	assert_non_null(p);
	assert_string_equal(entity_schema(p)->name, "Person");
	assert_string_equal(entity_first(p, "name"),
			    "MARTA ELISE KOVALENKO-TEST");
	assert_string_equal(entity_first(p, "firstName"), "MARTA ELISE");
	assert_string_equal(entity_first(p, "lastName"), "KOVALENKO-TEST");
	assert_string_equal(entity_first(p, "birthDate"), "1985-07-14");
	assert_string_equal(entity_first(p, "gender"), "female");
	assert_int_equal(entity_count(p, "nationality"), 2);
	assert_true(has_value(p, "nationality", "ua"));
	assert_true(has_value(p, "nationality", "pl"));
	assert_string_equal(entity_first(p, "birthPlace"), "Lviv");
	assert_string_equal(entity_first(p, "birthCountry"), "ua");
	assert_string_equal(entity_first(p, "height"), "1.68");
	assert_string_equal(entity_first(p, "weight"), "61");
	assert_string_equal(entity_first(p, "eyeColor"), "BLU");
	assert_string_equal(entity_first(p, "hairColor"), "BRO");
	assert_string_equal(entity_first(p, "appearance"),
			    "Scar on left forearm");
	assert_string_equal(
		entity_first(p, "sourceUrl"),
		"https://ws-public.interpol.int/notices/v1/red/2021-48213");
	assert_true(has_value(p, "topics", "wanted"));
	/* ISO 639-2 codes, stored in lower case as FtM has them. */
	assert_int_equal(entity_count(p, "spokenLanguage"), 2);
	assert_true(has_value(p, "spokenLanguage", "ukr"));
	assert_true(has_value(p, "spokenLanguage", "eng"));

	assert_non_null(w1);
	assert_string_equal(entity_schema(w1)->name, "Sanction");
	assert_string_equal(entity_first(w1, "entity"), "interpol-2021-48213");
	assert_string_equal(entity_first(w1, "authority"), "INTERPOL");
	assert_string_equal(entity_first(w1, "program"), "INTERPOL Red Notice");
	assert_string_equal(entity_first(w1, "country"), "pl");
	assert_string_equal(entity_first(w1, "reason"),
			    "Fraud (fictional test record)");
	assert_null(entity_first(w1, "summary"));

	assert_non_null(w2);
	assert_string_equal(entity_first(w2, "entity"), "interpol-2021-48213");
	assert_string_equal(entity_first(w2, "country"), "de");
	assert_string_equal(entity_first(w2, "reason"), "Geldw\xc3\xa4sche");
	assert_string_equal(entity_first(w2, "summary"), "Money laundering");
	entity_free(p);
	entity_free(w1);
	entity_free(w2);
}

static void check_n2(const struct store *s)
{
	struct entity *p = find(s, "interpol-2019-7731");

	assert_non_null(p);
	assert_string_equal(entity_first(p, "name"), "SAMUEL DOE-FICTION");
	assert_string_equal(entity_first(p, "birthDate"), "2009-03");
	assert_string_equal(entity_first(p, "gender"), "male");
	assert_true(has_value(p, "topics", "missing"));
	assert_false(has_value(p, "topics", "wanted"));
	assert_true(has_value(p, "notes", "INTERPOL date_of_event: 2023/02/01"));
	entity_free(p);
}

static void check_n3(const struct store *s)
{
	struct entity *p = find(s, "interpol-2022-100");

	assert_non_null(p);
	assert_string_equal(entity_first(p, "name"), "TESTER");
	assert_null(entity_first(p, "firstName"));
	/* Nothing invalid is dropped or fixed: each is a labelled note. */
	assert_null(entity_first(p, "birthDate"));
	assert_true(has_value(p, "notes", "INTERPOL date_of_birth: 1980/13/45"));
	assert_null(entity_first(p, "gender"));
	assert_true(has_value(p, "notes", "INTERPOL sex_id: U"));
	assert_int_equal(entity_count(p, "nationality"), 1);
	assert_string_equal(entity_first(p, "nationality"), "be");
	assert_true(has_value(p, "notes", "INTERPOL nationalities: XX"));
	assert_null(entity_first(p, "height"));
	assert_true(has_value(p, "notes", "INTERPOL height: 0"));
	assert_null(entity_first(p, "weight"));
	assert_true(has_value(p, "notes", "INTERPOL weight: heavy"));
	assert_int_equal(entity_count(p, "spokenLanguage"), 0);
	assert_true(has_value(p, "notes", "INTERPOL languages_spoken_ids: E1G"));
	assert_true(has_value(p, "notes",
			      "INTERPOL languages_spoken_ids: ENGLISH"));
	/* Only an https link is a source URL. */
	assert_null(entity_first(p, "sourceUrl"));
	assert_true(has_value(p, "notes",
			      "INTERPOL _links.self.href: "
			      "http://example.org/notices/v1/red/2022-100"));
	entity_free(p);
}

static void test_single_notice(void **state)
{
	struct store s = { 0 };
	struct diag d;
	json_t *j = json_loads(N1, 0, NULL);
	char *pretty;

	(void)state;
	/* Pretty-printed over many lines, as the API serves one notice. */
	assert_non_null(j);
	pretty = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	assert_int_equal(import(pretty, strlen(pretty), &s, &d), 0);
	assert_int_equal(s.n, 3);
	check_n1(&s);
	assert_int_equal(s.progress, strlen(pretty));
	free(pretty);
	store_free(&s);
}

static void test_api_list(void **state)
{
	const char *t = "{\"total\": 2, \"query\": {\"page\": 1}, "
			"\"_embedded\": {\"notices\": [" N1 ", " N2 "]}, "
			"\"_links\": {\"self\": {\"href\": \"https://x/\"}}}";
	struct store s = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(import(t, strlen(t), &s, &d), 0);
	assert_int_equal(s.n, 4);
	check_n1(&s);
	check_n2(&s);
	store_free(&s);
}

static void test_array(void **state)
{
	const char *t = "[\n" N1 ",\n" N2 ",\n" N3 "\n]\n";
	struct store s = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(import(t, strlen(t), &s, &d), 0);
	assert_int_equal(s.n, 5);
	check_n1(&s);
	check_n2(&s);
	check_n3(&s);
	store_free(&s);
}

static void test_json_lines(void **state)
{
	const char *t = N1 "\n" N2 "\n" N3 "\n";
	struct store s = { 0 }, again = { 0 }, arr = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(import(t, strlen(t), &s, &d), 0);
	assert_int_equal(s.n, 5);
	check_n1(&s);
	check_n2(&s);
	check_n3(&s);
	assert_int_equal(s.progress, strlen(t));

	/* Stable: a re-import, and the same notices in another container,
	 * give byte-identical entities. */
	assert_int_equal(import(t, strlen(t), &again, &d), 0);
	const char *a = "[" N1 "," N2 "," N3 "]";
	assert_int_equal(import(a, strlen(a), &arr, &d), 0);
	assert_int_equal(again.n, s.n);
	assert_int_equal(arr.n, s.n);
	for (size_t i = 0; i < s.n; i++) {
		assert_string_equal(again.json[i], s.json[i]);
		assert_string_equal(arr.json[i], s.json[i]);
	}
	store_free(&s);
	store_free(&again);
	store_free(&arr);

	/* Two notices on two lines without a final newline. */
	t = N2 "\n" N3;
	assert_int_equal(import(t, strlen(t), &s, &d), 0);
	assert_int_equal(s.n, 2);
	store_free(&s);
}

static void expect_error(const char *t, int want, unsigned long line,
			 const char *needle)
{
	struct store s = { 0 };
	struct diag d;
	char buf[1024];
	int rc;

	rc = import(t, strlen(t), &s, &d);
	diag_format(&d, buf, sizeof(buf));
	print_message("  -> %s\n", buf);
	assert_int_equal(rc, want);
	assert_string_equal(d.file, "n.json");
	assert_int_equal(d.line, line);
	assert_non_null(strstr(d.msg, needle));
	store_free(&s);
}

static void test_malformed(void **state)
{
	(void)state;
	/* Positions: the line for JSON lines, the index for arrays. */
	expect_error(N1 "\n{\"name\": \"NO ID\"}\n", LIA_EPARSE, 2,
		     "entity_id");
	expect_error(N1 "\n{\"entity_id\": \"2020/1\"}\n", LIA_EPARSE, 2,
		     "no name");
	expect_error("[" N1 ", {\"entity_id\": \"2020/1\", \"forename\": \" \"}]",
		     LIA_EPARSE, 0, "notice[1]: notice has no name");
	expect_error("{\"_embedded\": {\"notices\": [{\"name\": \"X\"}]}}",
		     LIA_EPARSE, 0, "_embedded.notices[0]: notice has no "
				    "entity_id");
	expect_error("{\"_embedded\": {\"notices\": {}}}", LIA_EPARSE, 0,
		     "_embedded.notices");
	expect_error("[" N1 ", 42]", LIA_EPARSE, 0, "notice[1]");
	/* Wrong JSON types are errors, not notes. */
	expect_error("{\"entity_id\": \"2020/1\", \"name\": 7}", LIA_EPARSE, 0,
		     "name: expected a string");
	expect_error("{\"entity_id\": 2020, \"name\": \"X\"}", LIA_EPARSE, 0,
		     "entity_id");
	expect_error("{\"entity_id\": \"2020/1 2\", \"name\": \"X\"}",
		     LIA_EPARSE, 0, "entity_id");
	expect_error("{\"entity_id\": \"2020/1\", \"name\": \"X\", "
		     "\"arrest_warrants\": {}}",
		     LIA_EPARSE, 0, "arrest_warrants");
	expect_error("{\"entity_id\": \"2020/1\", \"name\": \"X\", "
		     "\"arrest_warrants\": [\"PL\"]}",
		     LIA_EPARSE, 0, "arrest_warrants[0]");
	/* Broken JSON: jansson's position. */
	expect_error("{\n  \"entity_id\": \"2020/1\",\n  \"name\": \"X\",\n}",
		     LIA_EPARSE, 4, "invalid JSON");
	expect_error("[" N1 ",", LIA_EPARSE, 1, "invalid JSON");
	expect_error(N1 "\n{\"entity_id\": \"2020/1\", \"name\n", LIA_EPARSE,
		     2, "invalid JSON");
	expect_error("{\"entity_id\": \"1\", \"entity_id\": \"2\", \"name\": "
		     "\"X\"}",
		     LIA_EPARSE, 1, "duplicate");
	expect_error("{\"entity_id\": \"2020/1\", \"name\": \"\xff\"}",
		     LIA_EPARSE, 0, "UTF-8");
	expect_error(N1 "\n\n" N2 "\n", LIA_EPARSE, 2, "blank");
	expect_error("42", LIA_EPARSE, 0, "expected");
	expect_error(" \n\t", LIA_EPARSE, 0, "empty");
	expect_error("", LIA_EPARSE, 0, "empty");
}

static void test_null_name_parts(void **state)
{
	const char *t = "{\"entity_id\": \"2018/5\", \"forename\": \"ONLY\", "
			"\"name\": null}";
	struct store s = { 0 };
	struct diag d;
	struct entity *p;

	(void)state;
	assert_int_equal(import(t, strlen(t), &s, &d), 0);
	assert_int_equal(s.n, 1);
	p = find(&s, "interpol-2018-5");
	assert_non_null(p);
	assert_string_equal(entity_first(p, "name"), "ONLY");
	assert_null(entity_first(p, "lastName"));
	/* No self link: no topic is guessed. */
	assert_int_equal(entity_count(p, "topics"), 0);
	entity_free(p);
	store_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_notice),
		cmocka_unit_test(test_api_list),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_null_name_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
