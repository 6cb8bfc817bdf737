/* test_ftm.c - the FollowTheMoney JSON lines importer. */
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

/* Set when the real data set is absent: the program then exits 77 so
 * ctest reports a skip rather than a pass. */
static bool data_missing;

#define MAX_SCHEMATA 32
#define MAX_LINKS 1024

/* Counts entities per schema and keeps the payment links it saw. */
struct counter {
	char schema[MAX_SCHEMATA][64];
	size_t count[MAX_SCHEMATA];
	size_t n_schemata;
	size_t total;
	char (*ids)[ENTITY_ID_MAX + 1];  /* every id seen, in order */
	size_t n_ids, cap_ids;
	char payer[MAX_LINKS][ENTITY_ID_MAX + 1];
	char beneficiary[MAX_LINKS][ENTITY_ID_MAX + 1];
	size_t n_payments;
	uint64_t last_progress;
	size_t n_markings;
	char marking_agency[64];          /* agency of the last marking */
	int fail_at;                      /* put fails on this entity (1-based) */
};

static void count_schema(struct counter *c, const char *schema)
{
	size_t i;

	for (i = 0; i < c->n_schemata; i++)
		if (!strcmp(c->schema[i], schema))
			break;
	assert_true(i < MAX_SCHEMATA);
	if (i == c->n_schemata) {
		snprintf(c->schema[i], sizeof(c->schema[i]), "%s", schema);
		c->n_schemata++;
	}
	c->count[i]++;
	c->total++;
}

static size_t schema_total(const struct counter *c, const char *schema)
{
	for (size_t i = 0; i < c->n_schemata; i++)
		if (!strcmp(c->schema[i], schema))
			return c->count[i];
	return 0;
}

static int count_put(void *ctx, const struct entity *e, struct diag *d)
{
	struct counter *c = ctx;

	if (c->fail_at && (int)c->total + 1 == c->fail_at) {
		diag_set(d, "sink full");
		return LIA_ESTORE;
	}
	count_schema(c, entity_schema(e)->name);
	if (c->n_ids == c->cap_ids) {
		c->cap_ids = c->cap_ids ? c->cap_ids * 2 : 64;
		c->ids = realloc(c->ids, c->cap_ids * sizeof(*c->ids));
		assert_non_null(c->ids);
	}
	snprintf(c->ids[c->n_ids++], sizeof(c->ids[0]), "%s", entity_id(e));
	if (!strcmp(entity_schema(e)->name, "Payment")) {
		assert_true(c->n_payments < MAX_LINKS);
		snprintf(c->payer[c->n_payments], sizeof(c->payer[0]), "%s",
			 entity_first(e, "payer") ? entity_first(e, "payer")
						  : "");
		snprintf(c->beneficiary[c->n_payments],
			 sizeof(c->beneficiary[0]), "%s",
			 entity_first(e, "beneficiary")
				 ? entity_first(e, "beneficiary")
				 : "");
		c->n_payments++;
	}
	return 0;
}

static int count_marking(void *ctx, const json_t *m, struct diag *d)
{
	struct counter *c = ctx;
	const char *a = json_string_value(json_object_get(m, "agency"));

	(void)d;
	c->n_markings++;
	snprintf(c->marking_agency, sizeof(c->marking_agency), "%s",
		 a ? a : "");
	return 0;
}

static void count_progress(void *ctx, uint64_t bytes)
{
	struct counter *c = ctx;

	/* Progress only moves forward. */
	assert_true(bytes >= c->last_progress);
	c->last_progress = bytes;
}

static bool has_id(const struct counter *c, const char *id)
{
	for (size_t i = 0; i < c->n_ids; i++)
		if (!strcmp(c->ids[i], id))
			return true;
	return false;
}

static void counter_free(struct counter *c)
{
	free(c->ids);
}

/* Import a string through a temporary FILE. */
static int import_text(const char *text, size_t len, struct counter *c,
		       struct diag *d)
{
	struct ingest_sink sink = {
		.put = count_put, .progress = count_progress, .ctx = c
	};
	FILE *f = tmpfile();
	int rc;

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	rewind(f);
	diag_clear(d);
	rc = ingest_ftm(f, "t.ijson", &sink, d);
	fclose(f);
	return rc;
}

static int import_str(const char *text, struct counter *c, struct diag *d)
{
	return import_text(text, strlen(text), c, d);
}

#define P1 "{\"id\":\"p1\",\"schema\":\"Person\",\"properties\":" \
	   "{\"name\":[\"Anna Example\"],\"birthDate\":[\"1970-02-03\"]}}"
#define P2 "{\"id\":\"c1\",\"schema\":\"Company\",\"properties\":" \
	   "{\"name\":[\"Example Holding Ltd\"],\"country\":[\"gb\"]}}"
#define P3 "{\"id\":\"pay1\",\"schema\":\"Payment\",\"properties\":" \
	   "{\"payer\":[\"p1\"],\"beneficiary\":[\"c1\"]}}"

static void test_donations(void **state)
{
	const char *dir = getenv("LIAISON_DATA");
	char path[4096], *line = NULL;
	struct counter want = { 0 }, got = { 0 };
	struct ingest_sink sink = {
		.put = count_put, .progress = count_progress, .ctx = &got
	};
	struct diag d;
	size_t cap = 0;
	ssize_t n;
	long size;
	FILE *f;
	int rc;

	(void)state;
	if (!dir) {
		print_message("LIAISON_DATA not set: skipping\n");
		data_missing = true;
		skip();
	}
	snprintf(path, sizeof(path), "%s/ftm/donations.ijson", dir);
	f = fopen(path, "rb");
	if (!f) {
		print_message("%s missing: skipping\n", path);
		data_missing = true;
		skip();
	}

	/* The expected counts, independently: jansson on each line. */
	while ((n = getline(&line, &cap, f)) > 0) {
		json_error_t err;
		json_t *j = json_loadb(line, (size_t)n, 0, &err);
		const char *schema;

		assert_non_null(j);
		schema = json_string_value(json_object_get(j, "schema"));
		assert_non_null(schema);
		count_schema(&want, schema);
		if (!strcmp(schema, "Payment")) {
			json_t *p = json_object_get(j, "properties");
			json_t *pa = json_array_get(
				json_object_get(p, "payer"), 0);
			json_t *be = json_array_get(
				json_object_get(p, "beneficiary"), 0);
			snprintf(want.payer[want.n_payments],
				 sizeof(want.payer[0]), "%s",
				 pa ? json_string_value(pa) : "");
			snprintf(want.beneficiary[want.n_payments],
				 sizeof(want.beneficiary[0]), "%s",
				 be ? json_string_value(be) : "");
			want.n_payments++;
		}
		json_decref(j);
	}
	free(line);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);

	rc = ingest_ftm(f, path, &sink, &d);
	fclose(f);
	assert_int_equal(rc, 0);
	assert_true(want.total > 0);
	assert_int_equal(got.total, want.total);
	assert_int_equal(got.n_schemata, want.n_schemata);
	for (size_t i = 0; i < want.n_schemata; i++)
		assert_int_equal(schema_total(&got, want.schema[i]),
				 want.count[i]);
	/* The file has every kind the source describes. */
	assert_true(schema_total(&got, "Person") > 0);
	assert_true(schema_total(&got, "Payment") > 0);
	assert_true(schema_total(&got, "Address") > 0);

	/* Links survive, in file order, and point at imported entities. */
	assert_int_equal(got.n_payments, want.n_payments);
	for (size_t i = 0; i < got.n_payments; i++) {
		assert_string_equal(got.payer[i], want.payer[i]);
		assert_string_equal(got.beneficiary[i], want.beneficiary[i]);
		if (got.payer[i][0])
			assert_true(has_id(&got, got.payer[i]));
		if (got.beneficiary[i][0])
			assert_true(has_id(&got, got.beneficiary[i]));
	}
	assert_int_equal(got.last_progress, (uint64_t)size);
	counter_free(&want);
	counter_free(&got);
}

static void test_good_forms(void **state)
{
	struct counter c = { 0 };
	struct diag d;

	(void)state;
	/* Final line without a newline. */
	assert_int_equal(import_str(P1 "\n" P2 "\n" P3, &c, &d), 0);
	assert_int_equal(c.total, 3);
	assert_string_equal(c.payer[0], "p1");
	assert_string_equal(c.beneficiary[0], "c1");
	counter_free(&c);

	/* Trailing blank lines (and CRLF) at the end are fine. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(import_str(P1 "\r\n" P2 "\r\n\r\n  \n\n", &c, &d), 0);
	assert_int_equal(c.total, 2);
	assert_int_equal(c.last_progress, strlen(P1 P2) + 4 + 2 + 3 + 1);
	counter_free(&c);

	/* An empty file imports nothing and is not an error. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(import_str("", &c, &d), 0);
	assert_int_equal(c.total, 0);
	counter_free(&c);
}

/* Expect an error of code want on line, with the message containing
 * needle; return how many entities were stored before it. */
static size_t expect_error(const char *text, size_t len, int want,
			   unsigned long line, const char *needle)
{
	struct counter c = { 0 };
	struct diag d;
	char buf[1024];
	size_t total;
	int rc;

	rc = import_text(text, len, &c, &d);
	diag_format(&d, buf, sizeof(buf));
	print_message("  -> %s\n", buf);
	assert_int_equal(rc, want);
	assert_string_equal(d.file, "t.ijson");
	assert_int_equal(d.line, line);
	if (needle)
		assert_non_null(strstr(d.msg, needle));
	total = c.total;
	counter_free(&c);
	return total;
}

static void test_broken_json_mid_file(void **state)
{
	const char *t = P1 "\n" P2 "\n{\"id\":\"x\",\"schema\":\"Person\",}\n" P3
			  "\n";
	struct counter c = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(expect_error(t, strlen(t), LIA_EPARSE, 3,
				      "invalid JSON"),
			 2);
	/* The column comes from jansson: the '}' after the trailing comma
	 * is character 29 of the line. */
	assert_int_equal(import_str(t, &c, &d), LIA_EPARSE);
	assert_int_equal(d.col, 29);
	counter_free(&c);
}

static void test_invalid_utf8(void **state)
{
	const char t[] = P1 "\n{\"id\":\"p2\",\"schema\":\"Person\","
			 "\"properties\":{\"name\":[\"Bad \xC3\x28\"]}}\n";
	struct counter c = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(expect_error(t, strlen(t), LIA_EPARSE, 2, "UTF-8"),
			 1);
	/* 0xC3 is byte 57 of the second line: 11 + 18 + 14 + 8 bytes of
	 * keys and punctuation, then the 5 of "Bad and its quote. */
	assert_int_equal(import_str(t, &c, &d), LIA_EPARSE);
	assert_int_equal(d.col, 57);
	counter_free(&c);
}

static void test_unknown_schema(void **state)
{
	const char *t = P1 "\n{\"id\":\"x\",\"schema\":\"Spaceship\","
			"\"properties\":{}}\n";

	(void)state;
	expect_error(t, strlen(t), LIA_ESCHEMA, 2, "Spaceship");
}

static void test_unknown_property(void **state)
{
	const char *t = "{\"id\":\"x\",\"schema\":\"Person\",\"properties\":"
			"{\"name\":[\"A\"],\"wingspan\":[\"2\"]}}\n";

	(void)state;
	expect_error(t, strlen(t), LIA_ESCHEMA, 1, "wingspan");
}

static void test_invalid_date(void **state)
{
	const char *t = P1 "\n" P2 "\n" P3 "\n"
			"{\"id\":\"x\",\"schema\":\"Person\",\"properties\":"
			"{\"name\":[\"A\"],\"birthDate\":[\"1970-02-30\"]}}\n";

	(void)state;
	assert_int_equal(expect_error(t, strlen(t), LIA_EVALUE, 4,
				      "birthDate"),
			 3);
}

static void test_duplicate_keys(void **state)
{
	const char *t = "{\"id\":\"x\",\"id\":\"y\",\"schema\":\"Person\"}\n";

	(void)state;
	expect_error(t, strlen(t), LIA_EPARSE, 1, "duplicate");
}

static void test_not_an_object(void **state)
{
	const char *t = P1 "\n[1,2]\n";

	(void)state;
	expect_error(t, strlen(t), LIA_EPARSE, 2, "object");
	t = P1 "\n\"text\"\n";
	expect_error(t, strlen(t), LIA_EPARSE, 2, NULL);
}

static void test_blank_line_in_middle(void **state)
{
	const char *t = P1 "\n\n" P2 "\n";

	(void)state;
	assert_int_equal(expect_error(t, strlen(t), LIA_EPARSE, 2, "blank"),
			 1);
	t = P1 "\n \t\n\n" P2 "\n";
	expect_error(t, strlen(t), LIA_EPARSE, 2, "blank");
}

static void test_truncated_last_line(void **state)
{
	const char *t = P1 "\n" P2 "\n{\"id\":\"pay1\",\"schema\":\"Pay";

	(void)state;
	assert_int_equal(expect_error(t, strlen(t), LIA_EPARSE, 3,
				      "invalid JSON"),
			 2);
}

static void test_line_limit(void **state)
{
	size_t p1 = strlen(P1), len;
	char *t;

	(void)state;
	/* A line of exactly INGEST_LINE_MAX bytes (an entity padded with
	 * spaces) is accepted; one byte more is rejected. */
	len = p1 + 1 + INGEST_LINE_MAX + 1;
	t = malloc(len + 1);
	assert_non_null(t);
	memcpy(t, P1 "\n", p1 + 1);
	memcpy(t + p1 + 1, P2, strlen(P2));
	memset(t + p1 + 1 + strlen(P2), ' ', INGEST_LINE_MAX - strlen(P2));
	t[len - 1] = '\n';
	{
		struct counter c = { 0 };
		struct diag d;
		assert_int_equal(import_text(t, len, &c, &d), 0);
		assert_int_equal(c.total, 2);
		counter_free(&c);
	}
	t[len - 1] = ' ';
	t[len] = '\n';
	assert_int_equal(expect_error(t, len + 1, LIA_ETOOBIG, 2, "longer"),
			 1);
	free(t);
}

static void test_sink_error_stops(void **state)
{
	struct counter c = { 0 };
	struct diag d;

	(void)state;
	c.fail_at = 2;
	assert_int_equal(import_str(P1 "\n" P2 "\n" P3 "\n", &c, &d),
			 LIA_ESTORE);
	assert_int_equal(c.total, 1);
	assert_int_equal(d.line, 2);
	assert_string_equal(d.msg, "sink full");
	counter_free(&c);
}

#define MARKED "{\"id\":\"p9\",\"schema\":\"Person\",\"properties\":" \
	"{\"name\":[\"Marked Person\"]},\"marking\":{\"agency\":\"NL-NP\"," \
	"\"classification\":\"RESTRICTED\",\"handling\":\"H2\"}}\n"

static void test_line_marking(void **state)
{
	const char *t = P1 "\n" MARKED;
	struct counter c = { 0 };
	struct ingest_sink sink = {
		.put = count_put, .marking = count_marking, .ctx = &c
	};
	struct diag d;
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	fputs(t, f);
	rewind(f);
	assert_int_equal(ingest_ftm(f, "t.ijson", &sink, &d), 0);
	fclose(f);
	assert_int_equal(c.total, 2);
	assert_int_equal(c.n_markings, 1);
	assert_string_equal(c.marking_agency, "NL-NP");
	counter_free(&c);

	/* Without a sink that applies it, a marked line must not pass as an
	 * unmarked record. */
	assert_int_equal(expect_error(t, strlen(t), LIA_EINVAL, 2, "marking"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_donations),
		cmocka_unit_test(test_good_forms),
		cmocka_unit_test(test_broken_json_mid_file),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_unknown_schema),
		cmocka_unit_test(test_unknown_property),
		cmocka_unit_test(test_invalid_date),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_blank_line_in_middle),
		cmocka_unit_test(test_truncated_last_line),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_sink_error_stops),
		cmocka_unit_test(test_line_marking),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	if (failed)
		return failed;
	return data_missing ? 77 : 0;
}
