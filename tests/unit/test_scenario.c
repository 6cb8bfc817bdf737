/* test_scenario.c - the scenario generator: determinism, every record
 * valid for the importer, and the story's pairs as the matcher sees them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "liaison/entity.h"
#include "liaison/marking.h"
#include "liaison/match.h"
#include "liaison/scenario.h"
#include "liaison/strbuf.h"

static const char *const files[] = {"BG-OCD.jsonl", "GR-BPU.jsonl",
				    "PL-FCB.jsonl", SCENARIO_MANIFEST};

static void tmpdir(char *buf, size_t n)
{
	snprintf(buf, n, "/tmp/liaison-scn.XXXXXX");
	assert_non_null(mkdtemp(buf));
}

static void rmdir_all(const char *dir)
{
	char p[512];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char p[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void gen(uint64_t seed, size_t k, char *dir, size_t n,
		struct scenario_result *res)
{
	struct diag d;

	tmpdir(dir, n);
	diag_clear(&d);
	if (scenario_generate(seed, k, dir, res, &d))
		fail_msg("scenario_generate: %s", d.msg);
}

/* Same seed: same bytes in every file. Another seed: different files. */
static void deterministic(void **state)
{
	char a[64], b[64], c[64];
	struct scenario_result ra, rb, rc;

	(void)state;
	gen(7, 300, a, sizeof(a), &ra);
	gen(7, 300, b, sizeof(b), &rb);
	gen(8, 300, c, sizeof(c), &rc);
	assert_memory_equal(&ra, &rb, sizeof(ra));
	for (size_t i = 0; i < 4; i++) {
		size_t la, lb, lc;
		char *fa = slurp(a, files[i], &la),
		     *fb = slurp(b, files[i], &lb),
		     *fc = slurp(c, files[i], &lc);

		assert_true(la > 0);
		assert_int_equal(la, lb);
		assert_memory_equal(fa, fb, la);
		assert_false(la == lc && !memcmp(fa, fc, la));
		free(fa);
		free(fb);
		free(fc);
	}
	assert_int_equal(ra.agency[0].background, 300);
	assert_int_equal(ra.total, ra.agency[0].records + ra.agency[1].records +
				       ra.agency[2].records);
	rmdir_all(a);
	rmdir_all(b);
	rmdir_all(c);
}

/* The background count changes neither the story nor its record ids. */
static void story_independent_of_background(void **state)
{
	char a[64], b[64];
	struct scenario_result ra, rb;
	json_t *ma, *mb;
	char *sa, *sb;
	size_t la, lb;

	(void)state;
	gen(99, 0, a, sizeof(a), &ra);
	gen(99, 50, b, sizeof(b), &rb);
	sa = slurp(a, SCENARIO_MANIFEST, &la);
	sb = slurp(b, SCENARIO_MANIFEST, &lb);
	ma = json_loads(sa, 0, NULL);
	mb = json_loads(sb, 0, NULL);
	assert_non_null(ma);
	assert_non_null(mb);
	assert_true(json_equal(json_object_get(ma, "story"),
			       json_object_get(mb, "story")));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ra.agency[i].story, rb.agency[i].story);
		assert_int_equal(ra.agency[i].background, 0);
		assert_int_equal(rb.agency[i].background, 50);
	}
	json_decref(ma);
	json_decref(mb);
	free(sa);
	free(sb);
	rmdir_all(a);
	rmdir_all(b);
}

struct refs {
	json_t *ids;	 /* every id of the file */
	json_t *targets; /* every entity id a record points to */
};

static int collect_ref(const struct schema_prop *p, const char *v, void *ctx)
{
	struct refs *r = ctx;

	if (p->type == PTYPE_ENTITY)
		json_object_set_new(r->targets, v, json_true());
	return 0;
}

/* Every line parses as the FtM importer parses it (entity_from_json, the
 * line's marking through marking_from_json with the default ladder), ids
 * are unique, links resolve inside the agency's own file, and the line
 * counts are those reported. */
static void every_record_valid(void **state)
{
	char dir[64];
	struct scenario_result res;

	(void)state;
	gen(2024, 1500, dir, sizeof(dir), &res);
	for (size_t i = 0; i < 3; i++) {
		size_t len, lines = 0;
		char *buf = slurp(dir, files[i], &len), *p = buf, *nl;
		struct refs r = {json_object(), json_object()};
		const char *key;
		json_t *v;

		assert_true(utf8_valid(buf, len, NULL));
		while ((nl = strchr(p, '\n'))) {
			json_error_t je;
			json_t *j = json_loadb(p, (size_t)(nl - p),
					       JSON_REJECT_DUPLICATES, &je);
			struct entity *e = NULL;
			struct marking m;
			struct diag d;

			diag_clear(&d);
			if (!j)
				fail_msg("%s:%zu: %s", files[i], lines + 1,
					 je.text);
			if (entity_from_json(j, &e, &d))
				fail_msg("%s:%zu: %s", files[i], lines + 1,
					 d.msg);
			if (marking_from_json(json_object_get(j, "marking"),
					      NULL, &m, &d))
				fail_msg("%s:%zu: marking: %s", files[i],
					 lines + 1, d.msg);
			assert_string_equal(m.agency, res.agency[i].agency);
			assert_null(json_object_get(r.ids, entity_id(e)));
			json_object_set_new(r.ids, entity_id(e), json_true());
			entity_each(e, collect_ref, &r);
			marking_free(&m);
			entity_free(e);
			json_decref(j);
			lines++;
			p = nl + 1;
		}
		assert_int_equal(*p, '\0');
		assert_int_equal(lines, res.agency[i].records);
		assert_int_equal(res.agency[i].background, 1500);
		json_object_foreach (r.targets, key, v) {
			if (!json_object_get(r.ids, key))
				fail_msg("%s: link to %s, not in the file",
					 files[i], key);
		}
		json_decref(r.ids);
		json_decref(r.targets);
		free(buf);
	}
	rmdir_all(dir);
}

static const char *str(json_t *o, const char *path1, const char *key)
{
	const char *s =
	    json_string_value(json_object_get(json_object_get(o, path1), key));

	assert_non_null(s);
	return s;
}

static double score(struct match_ctx *mc, const char *a, const char *b,
		    const struct match_extra *ea, const struct match_extra *eb)
{
	struct match_name *na = NULL, *nb = NULL;
	struct diag d;
	double s;

	assert_int_equal(match_prepare(mc, a, strlen(a), MATCH_PERSON, &na, &d),
			 0);
	assert_int_equal(match_prepare(mc, b, strlen(b), MATCH_PERSON, &nb, &d),
			 0);
	s = match_score(na, ea, nb, eb, NULL);
	match_name_free(na);
	match_name_free(nb);
	return s;
}

/* For many seeds: the traveller's passport spelling and C's query score
 * at or above the default threshold against the suspect's name in
 * Cyrillic, the negative below, with and without birth date and
 * nationality. */
static void story_pairs_score(void **state)
{
	struct match_ctx *mc = NULL;
	struct diag d;

	(void)state;
	assert_int_equal(match_ctx_new(&mc, &d), 0);
	for (uint64_t seed = 1; seed <= 40; seed++) {
		char dir[64];
		size_t len;
		char *buf;
		json_t *m, *story;

		gen(seed * 7919, 0, dir, sizeof(dir), NULL);
		buf = slurp(dir, SCENARIO_MANIFEST, &len);
		m = json_loads(buf, 0, NULL);
		assert_non_null(m);
		story = json_object_get(m, "story");

		const char *sus = str(story, "suspect", "name");
		const char *trav = str(story, "traveller", "passport_name");
		const char *query = str(story, "query", "name");
		const char *neg = str(story, "negative", "passport_name");
		struct match_extra es = {.n_dob = 1,
					 .gender = 'm',
					 .n_country = 1},
				   et = es, en = es;
		es.dob[0] = str(story, "suspect", "birth_date");
		es.country[0] = str(story, "suspect", "nationality");
		et.dob[0] = str(story, "traveller", "birth_date");
		et.country[0] = str(story, "traveller", "nationality");
		en.dob[0] = str(story, "negative", "birth_date");
		en.country[0] = str(story, "negative", "nationality");
		assert_string_equal(et.dob[0], es.dob[0]);
		assert_string_not_equal(trav,
					str(story, "suspect", "name_latin"));

		double t0 = score(mc, trav, sus, NULL, NULL);
		double t1 = score(mc, trav, sus, &et, &es);
		double q0 = score(mc, query, sus, NULL, NULL);
		double n0 = score(mc, neg, sus, NULL, NULL);
		double n1 = score(mc, neg, sus, &en, &es);
		if (t0 < MATCH_THRESHOLD_DEFAULT ||
		    t1 < MATCH_THRESHOLD_DEFAULT ||
		    q0 < MATCH_THRESHOLD_DEFAULT ||
		    n0 >= MATCH_THRESHOLD_DEFAULT ||
		    n1 >= MATCH_THRESHOLD_DEFAULT)
			fail_msg(
			    "seed %llu: %s / %s / %s vs %s: %.2f %.2f %.2f "
			    "%.2f %.2f",
			    (unsigned long long)(seed * 7919), trav, query, neg,
			    sus, t0, t1, q0, n0, n1);
		json_decref(m);
		free(buf);
		rmdir_all(dir);
	}
	match_ctx_free(mc);
}

static void bad_arguments(void **state)
{
	char dir[64], file[600];
	struct diag d;
	FILE *f;

	(void)state;
	diag_clear(&d);
	assert_int_equal(scenario_generate(1, 10, NULL, NULL, &d), LIA_EINVAL);
	assert_int_equal(scenario_generate(1, 10, "", NULL, &d), LIA_EINVAL);
	assert_int_equal(scenario_generate(1, SCENARIO_BACKGROUND_MAX + 1u,
					   "/tmp", NULL, &d),
			 LIA_EINVAL);
	/* A file where the folder should be: nothing written, an I/O error. */
	tmpdir(dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/plain", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(scenario_generate(1, 10, file, NULL, &d), LIA_EIO);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(deterministic),
	    cmocka_unit_test(story_independent_of_background),
	    cmocka_unit_test(every_record_valid),
	    cmocka_unit_test(story_pairs_score),
	    cmocka_unit_test(bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
