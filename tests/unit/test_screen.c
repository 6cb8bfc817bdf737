/* test_screen.c - the screening index over the real UN and OFAC lists. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/ingest.h"
#include "liaison/match.h"
#include "liaison/screen.h"
#include "screen/screen_int.h"

struct world {
	struct screen_index *ix;
	struct match_ctx *mc;
	size_t un_records, ofac_records;
};

static struct world W;

struct load {
	const char *list;
	size_t *count;
};

static int load_put(void *ctx, const struct entity *e, struct diag *d)
{
	struct load *l = ctx;
	struct screen_entry_storage st;
	struct screen_entry se;
	int rc;

	rc = screen_entry_from_entity(e, l->list, &se, &st);
	if (rc == LIA_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	rc = screen_put(W.ix, W.mc, &se, d);
	if (!rc)
		(*l->count)++;
	return rc;
}

static char *data_path(const char *rel)
{
	const char *dir = getenv("LIAISON_DATA");
	size_t n;
	char *p;

	if (!dir)
		return NULL;
	n = strlen(dir) + strlen(rel) + 2;
	p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

static int setup_world(void **state)
{
	char *un = data_path("sanctions/UN_consolidated.xml");
	char *sdn = data_path("sanctions/ofac_sdn.csv");
	char *alt = data_path("sanctions/ofac_alt.csv");
	char *add = data_path("sanctions/ofac_add.csv");
	struct load lu = {"un", &W.un_records};
	struct load lo = {"ofac", &W.ofac_records};
	struct ingest_sink sink = {.put = load_put};
	struct diag d;
	FILE *f;
	int rc = -1;

	(void)state;
	if (!un || !(f = fopen(un, "r")))
		goto out;
	fclose(f);
	if (match_ctx_new(&W.mc, &d) || screen_index_new(&W.ix))
		goto out;
	sink.ctx = &lu;
	if (ingest_un(un, &sink, &d)) {
		fprintf(stderr, "un: %s\n", d.msg);
		goto out;
	}
	sink.ctx = &lo;
	if (ingest_ofac(&(struct ofac_files){sdn, alt, add, NULL}, &sink, &d)) {
		fprintf(stderr, "ofac: %s\n", d.msg);
		goto out;
	}
	rc = 0;
out:
	free(un);
	free(sdn);
	free(alt);
	free(add);
	return rc;
}

static int teardown_world(void **state)
{
	(void)state;
	screen_index_free(W.ix);
	match_ctx_free(W.mc);
	return 0;
}

/* Query with defaults; returns the number of hits. */
static size_t screen(const char *name, const char *list, double threshold,
		     struct screen_hit *hits, size_t max)
{
	struct screen_query q = {
	    .name = name, .list = list, .threshold = threshold};
	size_t n = 99;
	struct diag d;

	assert_int_equal(screen_query(W.ix, W.mc, &q, hits, max, &n, &d), 0);
	assert_true(n <= max);
	for (size_t i = 1; i < n; i++)
		assert_true(hits[i - 1].score >= hits[i].score);
	return n;
}

static void expect_first_in(const char *name, const char *list, const char *id)
{
	struct screen_hit h[10];
	size_t n = screen(name, list, 0, h, 10);

	if (n == 0 || strcmp(h[0].record_id, id))
		fail_msg("%s: expected %s first, got %s (%.3f)", name, id,
			 n ? h[0].record_id : "nothing", n ? h[0].score : 0.0);
	assert_true(h[0].score >= MATCH_THRESHOLD_DEFAULT);
}

static void expect_first(const char *name, const char *id)
{
	expect_first_in(name, NULL, id);
}

static void test_loaded(void **state)
{
	struct screen_stats st;

	(void)state;
	screen_stats(W.ix, &st);
	/* 730 individuals and 273 entities in the UN file; the 7,379 OFAC
	 * entries are people, bodies, vessels and aircraft: all matchable. */
	assert_int_equal(W.un_records, 1003);
	assert_int_equal(W.ofac_records, 7379);
	assert_int_equal(st.records, W.un_records + W.ofac_records);
	assert_true(st.names > st.records);
	assert_true(st.keys > 1000);
	assert_true(st.bytes > 1000000);
}

static void test_exact_names(void **state)
{
	(void)state;
	expect_first("ROTENBERG, Arkady", "ofac-16669");
	expect_first("Arkady Rotenberg", "ofac-16669");
	expect_first("Roman Rotenberg", "ofac-18310");
	expect_first("AEROCARIBBEAN AIRLINES", "ofac-36");
	expect_first("BANCO NACIONAL DE CUBA", "ofac-306");
	/* Both lists have him: the UN one is asked for. */
	expect_first_in("Thomas Lubanga", "un", "un-6908023");
	expect_first_in("Thomas Lubanga", "ofac", "ofac-11974");
	expect_first("Usama bin Muhammad bin Awad BIN LADIN", "ofac-6365");
}

static void test_aliases(void **state)
{
	(void)state;
	expect_first("National Bank of Cuba", "ofac-306");
	expect_first("Frank Kakorere Bwambale", "un-6907994");
	expect_first("Ayman al-Zawahiri", "ofac-2676");
	/* A spelling the list does not have at all. */
	expect_first("Arkadiy Rotenberg", "ofac-16669");
}

static void test_cross_script(void **state)
{
	(void)state;
	/* Written by hand from the Latin entries of the lists. */
	expect_first("Аркадий Ротенберг", "ofac-16669");
	expect_first("Роман Ротенберг", "ofac-18310");
	expect_first("Валерий Кириллович Медведев", "ofac-16757");
	expect_first_in("Томас Лубанга", "un", "un-6908023");
	/* The UN list keeps the original script of this name too. */
	expect_first("صدام حسين التكريتي", "un-6908048");
}

static void test_not_listed(void **state)
{
	struct screen_hit h[10];

	(void)state;
	assert_int_equal(
	    screen("Margarethe Vollenweider-Quist", NULL, 0, h, 10), 0);
	assert_int_equal(
	    screen("Snowfield Lutheran Choir Association", NULL, 0, h, 10), 0);
	assert_int_equal(screen("Жозефина Трубецкая-Ленская", NULL, 0, h, 10),
			 0);
}

static void put_names(const char *id, const char *list, enum match_kind kind,
		      const char *const *names, size_t n)
{
	struct screen_entry e = {.record_id = id,
				 .list = list,
				 .schema = kind == MATCH_PERSON ? "Person"
								: "Company",
				 .kind = kind,
				 .names = names,
				 .n_names = n};
	struct diag d;

	assert_int_equal(screen_put(W.ix, W.mc, &e, &d), 0);
}

static bool hits_record(const char *name, const char *list, const char *id)
{
	struct screen_hit h[10];
	size_t n = screen(name, list, 0, h, 10);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(h[i].record_id, id))
			return true;
	return false;
}

static void test_put_replace_remove(void **state)
{
	const char *v1[] = {"Bartholomew Quenneville"};
	const char *v2[] = {"Cornelius Vandermeulen", "Kees Vandermeulen"};
	struct screen_stats before, st;
	struct screen_hit h[4];

	(void)state;
	screen_stats(W.ix, &before);
	put_names("alert-1", "alerts", MATCH_PERSON, v1, 1);
	assert_true(hits_record("Bartholomew Quenneville", NULL, "alert-1"));
	screen_stats(W.ix, &st);
	assert_int_equal(st.records, before.records + 1);
	assert_int_equal(st.names, before.names + 1);

	put_names("alert-1", "alerts", MATCH_PERSON, v2, 2);
	assert_false(hits_record("Bartholomew Quenneville", NULL, "alert-1"));
	assert_true(hits_record("Cornelius Vandermeulen", NULL, "alert-1"));
	assert_true(hits_record("Kees Vandermeulen", NULL, "alert-1"));
	assert_int_equal(screen("Kees Vandermeulen", NULL, 0, h, 4), 1);
	assert_string_equal(h[0].matched_name, "Kees Vandermeulen");
	assert_string_equal(h[0].list, "alerts");
	assert_string_equal(h[0].schema, "Person");
	screen_stats(W.ix, &st);
	assert_int_equal(st.records, before.records + 1);
	assert_int_equal(st.names, before.names + 2);

	assert_int_equal(screen_remove(W.ix, "alert-1"), 0);
	assert_false(hits_record("Cornelius Vandermeulen", NULL, "alert-1"));
	assert_int_equal(screen_remove(W.ix, "alert-1"), LIA_ENOTFOUND);
	assert_int_equal(screen_remove(W.ix, "no-such-record"), LIA_ENOTFOUND);
	screen_stats(W.ix, &st);
	assert_int_equal(st.records, before.records);
	assert_int_equal(st.names, before.names);

	/* A withdrawn record can come back. */
	put_names("alert-1", "alerts", MATCH_PERSON, v1, 1);
	assert_true(hits_record("Bartholomew Quenneville", NULL, "alert-1"));
	assert_int_equal(screen_remove(W.ix, "alert-1"), 0);
}

static void test_list_filter(void **state)
{
	const char *v[] = {"Arkady Rotenberg"};

	(void)state;
	put_names("alert-2", "alerts", MATCH_PERSON, v, 1);
	assert_true(hits_record("Arkady Rotenberg", NULL, "ofac-16669"));
	assert_true(hits_record("Arkady Rotenberg", NULL, "alert-2"));
	assert_true(hits_record("Arkady Rotenberg", "ofac", "ofac-16669"));
	assert_false(hits_record("Arkady Rotenberg", "ofac", "alert-2"));
	assert_true(hits_record("Arkady Rotenberg", "alerts", "alert-2"));
	assert_false(hits_record("Arkady Rotenberg", "alerts", "ofac-16669"));
	assert_false(hits_record("Arkady Rotenberg", "un", "ofac-16669"));
	assert_false(
	    hits_record("Arkady Rotenberg", "nosuchlist", "ofac-16669"));
	assert_int_equal(screen_remove(W.ix, "alert-2"), 0);
}

static void test_explain_and_evidence(void **state)
{
	const char *v[] = {"Ignatius Pennywhistle"};
	struct match_extra xa = {
	    .dob = {"1961-04-12"}, .n_dob = 1, .gender = 'm'};
	struct screen_entry e = {.record_id = "alert-3",
				 .list = "alerts",
				 .schema = "Person",
				 .kind = MATCH_PERSON,
				 .names = v,
				 .n_names = 1,
				 .extra = &xa};
	struct screen_query q = {.name = "Ignatius Pennywhistle",
				 .kind = MATCH_PERSON};
	struct screen_hit h[2];
	size_t n;

	(void)state;
	assert_int_equal(screen_put(W.ix, W.mc, &e, NULL), 0);
	assert_int_equal(screen_query(W.ix, W.mc, &q, h, 2, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].record_id, "alert-3");
	assert_true(h[0].explain.n > 0);
	/* The person is not an organisation. */
	q.kind = MATCH_ORG;
	assert_int_equal(screen_query(W.ix, W.mc, &q, h, 2, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_int_equal(screen_remove(W.ix, "alert-3"), 0);
}

static void test_limits(void **state)
{
	struct screen_hit h[10];
	struct screen_query q = {
	    .name = "Rotenberg", .threshold = 0.5, .limit = 2};
	const char *none[] = {""};
	const char *many[300];
	char *big;
	size_t n;

	(void)state;
	/* limit and max_hits both bound the answer */
	assert_int_equal(screen_query(W.ix, W.mc, &q, h, 10, &n, NULL), 0);
	assert_int_equal(n, 2);
	q.limit = 0;
	assert_int_equal(screen_query(W.ix, W.mc, &q, h, 3, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(screen_query(W.ix, W.mc, &q, NULL, 0, &n, NULL), 0);
	assert_int_equal(n, 0);
	q.threshold = 1.5;
	assert_int_equal(screen_query(W.ix, W.mc, &q, h, 10, &n, NULL),
			 LIA_EINVAL);
	q.threshold = -0.1;
	assert_int_equal(screen_query(W.ix, W.mc, &q, h, 10, &n, NULL),
			 LIA_EINVAL);
	q.threshold = 0;
	big = malloc(MATCH_NAME_MAX + 10);
	assert_non_null(big);
	memset(big, 'a', MATCH_NAME_MAX + 9);
	big[MATCH_NAME_MAX + 9] = 0;
	q.name = big;
	assert_int_equal(screen_query(W.ix, W.mc, &q, h, 10, &n, NULL),
			 LIA_ETOOBIG);

	/* puts: no names, too many, unusable names, bad ids */
	{
		struct screen_entry e = {.record_id = "x-1",
					 .list = "alerts",
					 .kind = MATCH_PERSON,
					 .names = none,
					 .n_names = 0};
		struct diag d;

		assert_int_equal(screen_put(W.ix, W.mc, &e, &d), LIA_EINVAL);
		e.n_names = 1;
		assert_int_equal(screen_put(W.ix, W.mc, &e, &d), LIA_EVALUE);
		for (size_t i = 0; i < 300; i++)
			many[i] = "Someone Else";
		e.names = many;
		e.n_names = 300;
		assert_int_equal(screen_put(W.ix, W.mc, &e, &d), LIA_ETOOBIG);
		e.n_names = 1;
		many[0] = big;
		assert_int_equal(screen_put(W.ix, W.mc, &e, &d), LIA_ETOOBIG);
		e.record_id = "";
		assert_int_equal(screen_put(W.ix, W.mc, &e, &d), LIA_EINVAL);
		e.record_id = "x-1";
		e.list = "";
		assert_int_equal(screen_put(W.ix, W.mc, &e, &d), LIA_EINVAL);
		assert_int_equal(screen_remove(W.ix, "x-1"), LIA_ENOTFOUND);
	}
	free(big);
}

/* The compact form of a name scores exactly like the prepared name. */
static void test_codec(void **state)
{
	const char *names[] = {"Владимир Владимирович Путин",
			       "BANCO NACIONAL DE CUBA", "J. R. R. Tolkien",
			       "محمد علي", "Abu Bakr al-Baghdadi"};
	struct match_name *a, *b, dec;
	uint8_t *blob;
	size_t len;

	(void)state;
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++) {
			assert_int_equal(match_prepare(W.mc, names[i],
						       strlen(names[i]),
						       MATCH_ANY, &a, NULL),
					 0);
			assert_int_equal(match_prepare(W.mc, names[j],
						       strlen(names[j]),
						       MATCH_ANY, &b, NULL),
					 0);
			assert_int_equal(screen_name_encode(b, &blob, &len), 0);
			memset(&dec, 0, sizeof(dec));
			screen_name_decode(blob, &dec);
			assert_string_equal(screen_name_original(blob),
					    b->original);
			assert_int_equal(dec.n_forms, b->n_forms);
			assert_true(match_score(a, NULL, b, NULL, NULL) ==
				    match_score(a, NULL, &dec, NULL, NULL));
			free(blob);
			match_name_free(a);
			match_name_free(b);
		}
}

static void test_entity(void **state)
{
	struct screen_entry_storage st;
	struct screen_entry se;
	struct entity *e;

	(void)state;
	assert_int_equal(entity_new("Person", "p-1", &e, NULL), 0);
	assert_int_equal(entity_adds(e, "firstName", "Ivan", NULL), 0);
	assert_int_equal(entity_adds(e, "lastName", "Petrov", NULL), 0);
	assert_int_equal(entity_adds(e, "alias", "Vanya", NULL), 0);
	assert_int_equal(entity_adds(e, "birthDate", "1970-02-03", NULL), 0);
	assert_int_equal(entity_adds(e, "gender", "male", NULL), 0);
	assert_int_equal(entity_adds(e, "nationality", "ru", NULL), 0);
	assert_int_equal(entity_adds(e, "passportNumber", "71 1234567", NULL),
			 0);
	assert_int_equal(screen_entry_from_entity(e, "alerts", &se, &st), 0);
	assert_int_equal(se.kind, MATCH_PERSON);
	assert_string_equal(se.record_id, "p-1");
	assert_string_equal(se.schema, "Person");
	assert_int_equal(se.n_names, 2);
	assert_string_equal(se.names[0], "Vanya");
	assert_string_equal(se.names[1], "Ivan Petrov");
	assert_int_equal(se.extra->n_dob, 1);
	assert_string_equal(se.extra->dob[0], "1970-02-03");
	assert_int_equal(se.extra->gender, 'm');
	assert_int_equal(se.extra->n_country, 1);
	assert_int_equal(se.extra->n_id, 1);
	entity_free(e);

	assert_int_equal(entity_new("Vessel", "v-1", &e, NULL), 0);
	assert_int_equal(screen_entry_from_entity(e, "x", &se, &st),
			 LIA_ENOTFOUND); /* no name */
	assert_int_equal(entity_adds(e, "name", "Sea Star", NULL), 0);
	assert_int_equal(entity_adds(e, "imoNumber", "IMO 9187629", NULL), 0);
	assert_int_equal(screen_entry_from_entity(e, "x", &se, &st), 0);
	assert_int_equal(se.kind, MATCH_ORG);
	assert_int_equal(se.extra->n_id, 1);
	entity_free(e);

	assert_int_equal(entity_new("Address", "a-1", &e, NULL), 0);
	assert_int_equal(entity_adds(e, "full", "1 Main St", NULL), 0);
	assert_int_equal(screen_entry_from_entity(e, "x", &se, &st),
			 LIA_ENOTFOUND);
	entity_free(e);
}

/* Enough churn to compact: answers stay the same throughout. */
static void test_churn(void **state)
{
	const char *v[2] = {"Hieronymus Quackenbush", NULL};
	char id[32], name[64];
	struct screen_stats before, st;

	(void)state;
	screen_stats(W.ix, &before);
	for (int round = 0; round < 4; round++)
		for (int i = 0; i < 300; i++) {
			snprintf(id, sizeof(id), "churn-%d", i);
			snprintf(name, sizeof(name), "Quackenbush %c%c Tertius",
				 'a' + i % 26, 'a' + (i / 26 + round) % 26);
			v[1] = name;
			put_names(id, "churn", MATCH_PERSON, v, 2);
		}
	screen_stats(W.ix, &st);
	assert_int_equal(st.records, before.records + 300);
	assert_int_equal(st.names, before.names + 600);
	/* churn-7's names of the last round */
	assert_true(hits_record("Quackenbush hd Tertius", "churn", "churn-7"));
	expect_first("Arkady Rotenberg", "ofac-16669");
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "churn-%d", i);
		assert_int_equal(screen_remove(W.ix, id), 0);
	}
	assert_false(hits_record("Quackenbush hd Tertius", NULL, "churn-7"));
	screen_stats(W.ix, &st);
	assert_int_equal(st.records, before.records);
	expect_first_in("Thomas Lubanga", "un", "un-6908023");
}

/* A name made only of words that are each in hundreds of listed names is
 * found through their pair (and through the pair of their sounds when one
 * is misspelt), not lost among the names sharing one word. */
static void test_common_words(void **state)
{
	const char *v[1];
	char id[32], name[64];
	struct screen_hit h[10];
	size_t n;

	(void)state;
	for (int i = 0; i < 1200; i++) {
		snprintf(id, sizeof(id), "common-%d", i);
		snprintf(name, sizeof(name),
			 i % 2 ? "Maria Zo%c%covic" : "Tel%c%cani Garcia",
			 'a' + i / 2 % 26, 'a' + i / 52 % 26);
		v[0] = name;
		put_names(id, "common", MATCH_PERSON, v, 1);
	}
	v[0] = "Maria Garcia";
	put_names("common-target", "common", MATCH_PERSON, v, 1);
	n = screen("Garcia Maria", "common", 0, h, 10);
	assert_true(n >= 1);
	assert_string_equal(h[0].record_id, "common-target");
	n = screen("Maria Garsia", "common", 0, h, 10);
	assert_true(n >= 1);
	assert_string_equal(h[0].record_id, "common-target");
	for (int i = 0; i < 1200; i++) {
		snprintf(id, sizeof(id), "common-%d", i);
		assert_int_equal(screen_remove(W.ix, id), 0);
	}
	assert_int_equal(screen_remove(W.ix, "common-target"), 0);
	assert_false(hits_record("Maria Garcia", NULL, "common-target"));
}

/* A misspelt word that no listed name has, beside a word in more names
 * than are checked (olgq), and one that splits into two listed words
 * (zhichao): the listed words one edit away, and the pair, find them. */
static void test_unknown_words(void **state)
{
	const char *v[1];
	char id[32], name[64];
	struct screen_hit h[10];
	size_t n;

	(void)state;
	for (int i = 0; i < 1200; i++) {
		snprintf(id, sizeof(id), "near-%d", i);
		if (i % 2)
			snprintf(name, sizeof(name), "Ve%c%cmira Petuchenko",
				 'a' + i / 2 % 26, 'a' + i / 52 % 26);
		else
			snprintf(name, sizeof(name), "Zhang Q%cng X%cao",
				 'a' + i / 2 % 26, 'a' + i / 52 % 26);
		v[0] = name;
		put_names(id, "near", MATCH_PERSON, v, 1);
	}
	v[0] = "Olga Petuchenko";
	put_names("near-olga", "near", MATCH_PERSON, v, 1);
	v[0] = "Zhang Zhi Chao";
	put_names("near-zhang", "near", MATCH_PERSON, v, 1);
	n = screen("Olgq Petuchenko", "near", 0, h, 10);
	assert_true(n >= 1);
	assert_string_equal(h[0].record_id, "near-olga");
	n = screen("Zhang Zhichao", "near", 0, h, 10);
	assert_true(n >= 1);
	assert_string_equal(h[0].record_id, "near-zhang");
	for (int i = 0; i < 1200; i++) {
		snprintf(id, sizeof(id), "near-%d", i);
		assert_int_equal(screen_remove(W.ix, id), 0);
	}
	assert_int_equal(screen_remove(W.ix, "near-olga"), 0);
	assert_int_equal(screen_remove(W.ix, "near-zhang"), 0);
}

/* --- concurrency ---------------------------------------------------------- */

#define READERS 4
#define READS 150

struct reader {
	pthread_t t;
	int bad;
	unsigned long seen_alert;
};

static void *reader_main(void *v)
{
	struct reader *r = v;
	struct match_ctx *mc;
	struct screen_hit h[10];
	size_t n;

	if (match_ctx_new(&mc, NULL)) {
		r->bad++;
		return NULL;
	}
	for (int i = 0; i < READS; i++) {
		struct screen_query q = {.name =
					     i % 2 ? "Arkady Rotenberg"
						   : "Wilhelmina Oosterbroek"};

		if (screen_query(W.ix, mc, &q, h, 10, &n, NULL)) {
			r->bad++;
			continue;
		}
		if (i % 2) {
			/* Never touched by the writer: always the same. */
			if (!n || strcmp(h[0].record_id, "ofac-16669"))
				r->bad++;
		} else {
			/* Either absent or present, never anything else. */
			for (size_t k = 0; k < n; k++)
				if (strcmp(h[k].record_id, "conc-1"))
					r->bad++;
			r->seen_alert += n;
		}
	}
	match_ctx_free(mc);
	return NULL;
}

static void *writer_main(void *v)
{
	const char *names[] = {"Wilhelmina Oosterbroek"};
	struct screen_entry e = {.record_id = "conc-1",
				 .list = "alerts",
				 .schema = "Person",
				 .kind = MATCH_PERSON,
				 .names = names,
				 .n_names = 1};
	struct match_ctx *mc;
	int *bad = v;

	if (match_ctx_new(&mc, NULL)) {
		(*bad)++;
		return NULL;
	}
	for (int i = 0; i < 100; i++) {
		if (screen_put(W.ix, mc, &e, NULL))
			(*bad)++;
		if (i % 2 == 0 && screen_remove(W.ix, "conc-1"))
			(*bad)++;
	}
	match_ctx_free(mc);
	return NULL;
}

/* A word pronounceable and unlike any listed one, from a number. */
static void made_up_word(unsigned i, char *out)
{
	static const char cons[] = "bdfgklmnprstvz", vow[] = "aeiou";

	out[0] = (char)(cons[i % 14] - 'a' + 'A');
	out[1] = vow[i / 14 % 5];
	out[2] = cons[i / 70 % 14];
	out[3] = vow[i / 980 % 5];
	out[4] = 'x';
	out[5] = '\0';
}

/*
 * A word in thousands of names is not walked but checked on the best
 * candidates' fingerprints. Here forty names share the query's rare word
 * equally and only the target also has the common one, so the target
 * reaches the 24 that are scored only through that check; its name has
 * more fingerprints than a line holds, so the check must fall back to
 * the name's own list (the target is added last: on a tie it loses).
 */
static void test_deferred_long_name(void **state)
{
	const char *v[1];
	char id[32], name[256], w[8];
	struct screen_hit h[64];
	struct screen_query q = {.name = "Qorvex Zandimo",
				 .list = "fpfull",
				 .threshold = 0.01,
				 .limit = 64};
	struct diag d;
	size_t n = 0, o;
	bool found = false;

	(void)state;
	v[0] = name;
	for (unsigned i = 0; i < 2600; i++) {
		made_up_word(i, w);
		snprintf(id, sizeof(id), "fpc-%u", i);
		snprintf(name, sizeof(name), "Zandimo %s", w);
		put_names(id, "fpfull", MATCH_PERSON, v, 1);
	}
	for (unsigned i = 0; i < 40; i++) {
		made_up_word(3000 + i, w);
		snprintf(id, sizeof(id), "fpr-%u", i);
		snprintf(name, sizeof(name), "Qorvex %s", w);
		put_names(id, "fpfull", MATCH_PERSON, v, 1);
	}
	/* Qorvex, six other words (so that no pair key joins the query's
	 * two), Zandimo, and more words: over 40 fingerprints. */
	o = (size_t)snprintf(name, sizeof(name), "Qorvex");
	for (unsigned i = 0; i < 20; i++) {
		made_up_word(4000 + 37 * i, w);
		o += (size_t)snprintf(name + o, sizeof(name) - o, " %s%s", w,
				      i == 5 ? " Zandimo" : "");
	}
	put_names("fp-target", "fpfull", MATCH_PERSON, v, 1);
	assert_int_equal(screen_query(W.ix, W.mc, &q, h, 64, &n, &d), 0);
	for (size_t i = 0; i < n; i++)
		found = found || strcmp(h[i].record_id, "fp-target") == 0;
	assert_true(found);
	assert_int_equal(screen_remove(W.ix, "fp-target"), 0);
	for (unsigned i = 0; i < 2600; i++) {
		snprintf(id, sizeof(id), "fpc-%u", i);
		assert_int_equal(screen_remove(W.ix, id), 0);
	}
	for (unsigned i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "fpr-%u", i);
		assert_int_equal(screen_remove(W.ix, id), 0);
	}
}

static void test_concurrent(void **state)
{
	struct reader r[READERS];
	pthread_t w;
	int wbad = 0;

	(void)state;
	memset(r, 0, sizeof(r));
	for (int i = 0; i < READERS; i++)
		assert_int_equal(
		    pthread_create(&r[i].t, NULL, reader_main, &r[i]), 0);
	assert_int_equal(pthread_create(&w, NULL, writer_main, &wbad), 0);
	for (int i = 0; i < READERS; i++) {
		pthread_join(r[i].t, NULL);
		assert_int_equal(r[i].bad, 0);
	}
	pthread_join(w, NULL);
	assert_int_equal(wbad, 0);
	/* The writer ends with a put. */
	assert_true(hits_record("Wilhelmina Oosterbroek", NULL, "conc-1"));
	assert_int_equal(screen_remove(W.ix, "conc-1"), 0);
}

int main(void)
{
	const char *dir = getenv("LIAISON_DATA");
	char path[4096];
	FILE *f;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loaded),
	    cmocka_unit_test(test_exact_names),
	    cmocka_unit_test(test_aliases),
	    cmocka_unit_test(test_cross_script),
	    cmocka_unit_test(test_not_listed),
	    cmocka_unit_test(test_put_replace_remove),
	    cmocka_unit_test(test_list_filter),
	    cmocka_unit_test(test_explain_and_evidence),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_codec),
	    cmocka_unit_test(test_entity),
	    cmocka_unit_test(test_churn),
	    cmocka_unit_test(test_common_words),
	    cmocka_unit_test(test_unknown_words),
	    cmocka_unit_test(test_deferred_long_name),
	    cmocka_unit_test(test_concurrent),
	};

	if (!dir)
		return 77;
	snprintf(path, sizeof(path), "%s/sanctions/UN_consolidated.xml", dir);
	f = fopen(path, "r");
	if (!f)
		return 77;
	fclose(f);
	return cmocka_run_group_tests(tests, setup_world, teardown_world);
}
