/* test_csvmap.c - CSV import with a JSON mapping file. */
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
#include <sodium.h>

#include "liaison/entity.h"
#include "liaison/ingest.h"

/* Set when the real data set is absent: the program then exits 77 so
 * ctest reports a skip rather than a pass. */
static bool data_missing;

struct store {
	char **json; /* canonical JSON of every entity put, in order */
	size_t n;
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

static void store_free(struct store *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->json[i]);
	free(s->json);
	memset(s, 0, sizeof(*s));
}

static struct entity *at(const struct store *s, size_t i)
{
	struct entity *e = NULL;

	assert_true(i < s->n);
	assert_int_equal(entity_parse(s->json[i], strlen(s->json[i]), &e,
				      NULL),
			 0);
	return e;
}

static bool has_value(const struct entity *e, const char *prop,
		      const char *v)
{
	for (size_t i = 0; i < entity_count(e, prop); i++)
		if (!strcmp(entity_value(e, prop, i), v))
			return true;
	return false;
}

/* A temporary file with this content; path receives its name. */
static void write_tmp(const char *content, char path[64])
{
	int fd;
	size_t len = strlen(content);

	snprintf(path, 64, "/tmp/liaison-csvmap-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
}

static int load_mapping(const char *json, struct csv_mapping **m,
			struct diag *d)
{
	char path[64];
	int rc;

	write_tmp(json, path);
	diag_clear(d);
	rc = csv_mapping_load(path, m, d);
	unlink(path);
	return rc;
}

static int import(const char *mapping, const char *csv, struct store *s,
		  struct diag *d)
{
	struct ingest_sink sink = { .put = store_put, .ctx = s };
	struct csv_mapping *m = NULL;
	FILE *f;
	int rc;

	assert_int_equal(load_mapping(mapping, &m, d), 0);
	f = tmpfile();
	assert_non_null(f);
	fputs(csv, f);
	rewind(f);
	diag_clear(d);
	rc = ingest_csv(f, "people.csv", m, &sink, d);
	fclose(f);
	csv_mapping_free(m);
	if (rc) {
		char buf[1024];
		print_message("  -> %s\n", diag_format(d, buf, sizeof(buf)));
	}
	return rc;
}

#define PEOPLE_MAP "{\"schema\": \"Person\", " \
	"\"columns\": {\"Full name\": \"name\", \"DOB\": \"birthDate\", " \
	"\"Country\": \"nationality\"}, " \
	"\"constants\": {\"topics\": \"crime\", " \
	"\"notes\": [\"from the test register\", \"second note\"]}}"

#define PEOPLE_CSV "ref,Full name,DOB,Country,Remark\n" \
	"A-1,Jana Fiktivna,1971-04-02,cz,x\n" \
	"A-2,Piet Verzonnen,1980,nl,\n" \
	"A-3,\"Smith, John\",,\"gb\",\"two\nlines\"\n"

/* The documented id scheme, computed here independently: SHA-256 over
 * length-prefixed fields "liaison-csv-1", schema, then for each mapped
 * column in byte order of its header name: name, trimmed value. */
static void expected_hash_id(const char *prefix, const char *schema,
			     const char *const *pairs, size_t n, char *out,
			     size_t outsz)
{
	crypto_hash_sha256_state st;
	unsigned char dig[32];
	char hex[65];
	const char *fields[32];
	size_t k = 0;

	assert_true(sodium_init() >= 0);
	fields[k++] = "liaison-csv-1";
	fields[k++] = schema;
	for (size_t i = 0; i < n; i++)
		fields[k++] = pairs[i];
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < k; i++) {
		uint64_t len = strlen(fields[i]);
		unsigned char be[8];
		for (int b = 0; b < 8; b++)
			be[b] = (unsigned char)(len >> (56 - 8 * b));
		crypto_hash_sha256_update(&st, be, 8);
		crypto_hash_sha256_update(&st, (const unsigned char *)fields[i],
					  len);
	}
	crypto_hash_sha256_final(&st, dig);
	sodium_bin2hex(hex, sizeof(hex), dig, sizeof(dig));
	snprintf(out, outsz, "%s%s", prefix, hex);
}

static void test_people(void **state)
{
	static const char *const row1[] = {
		"Country", "cz", "DOB", "1971-04-02",
		"Full name", "Jana Fiktivna",
	};
	static const char *const row3[] = {
		"Country", "gb", "DOB", "", "Full name", "Smith, John",
	};
	struct store s = { 0 };
	struct diag d;
	struct entity *e;
	char want[128];

	(void)state;
	assert_int_equal(import(PEOPLE_MAP, PEOPLE_CSV, &s, &d), 0);
	assert_int_equal(s.n, 3);

	e = at(&s, 0);
	expected_hash_id("csv-", "Person", row1, 6, want, sizeof(want));
	assert_string_equal(entity_id(e), want);
	assert_string_equal(entity_schema(e)->name, "Person");
	assert_string_equal(entity_first(e, "name"), "Jana Fiktivna");
	assert_string_equal(entity_first(e, "birthDate"), "1971-04-02");
	assert_string_equal(entity_first(e, "nationality"), "cz");
	assert_true(has_value(e, "topics", "crime"));
	assert_true(has_value(e, "notes", "from the test register"));
	assert_true(has_value(e, "notes", "second note"));
	entity_free(e);

	e = at(&s, 1);
	assert_string_equal(entity_first(e, "birthDate"), "1980");
	entity_free(e);

	/* A quoted comma is part of the value; an empty cell adds nothing. */
	e = at(&s, 2);
	expected_hash_id("csv-", "Person", row3, 6, want, sizeof(want));
	assert_string_equal(entity_id(e), want);
	assert_string_equal(entity_first(e, "name"), "Smith, John");
	assert_int_equal(entity_count(e, "birthDate"), 0);
	entity_free(e);
	store_free(&s);
}

static void test_hash_ids_stable(void **state)
{
	/* Same rows, columns in another order and spaces after commas. */
	const char *csv2 = "Remark, Country, DOB, Full name, ref\n"
			   "y, cz, 1971-04-02, Jana Fiktivna, B-9\n"
			   "z, cz, 1971-04-03, Jana Fiktivna, B-9\n";
	struct store a = { 0 }, b = { 0 }, c = { 0 };
	struct diag d;
	struct entity *e1, *e2;

	(void)state;
	assert_int_equal(import(PEOPLE_MAP, PEOPLE_CSV, &a, &d), 0);
	assert_int_equal(import(PEOPLE_MAP, PEOPLE_CSV, &b, &d), 0);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(a.json[i], b.json[i]);

	assert_int_equal(import(PEOPLE_MAP, csv2, &c, &d), 0);
	assert_int_equal(c.n, 2);
	e1 = at(&a, 0);
	e2 = at(&c, 0);
	/* Unmapped columns (ref, Remark) do not enter the id. */
	assert_string_equal(entity_id(e1), entity_id(e2));
	entity_free(e2);
	/* A changed mapped value is another record. */
	e2 = at(&c, 1);
	assert_string_not_equal(entity_id(e1), entity_id(e2));
	entity_free(e1);
	entity_free(e2);
	store_free(&a);
	store_free(&b);
	store_free(&c);
}

static void test_id_column(void **state)
{
	const char *map = "{\"schema\": \"Person\", \"id_column\": \"ref\", "
			  "\"id_prefix\": \"acme-\", "
			  "\"columns\": {\"Full name\": \"name\"}}";
	struct store s = { 0 };
	struct diag d;
	struct entity *e;

	(void)state;
	assert_int_equal(import(map, PEOPLE_CSV, &s, &d), 0);
	assert_int_equal(s.n, 3);
	e = at(&s, 0);
	assert_string_equal(entity_id(e), "acme-A-1");
	assert_string_equal(entity_first(e, "name"), "Jana Fiktivna");
	entity_free(e);
	e = at(&s, 2);
	assert_string_equal(entity_id(e), "acme-A-3");
	entity_free(e);
	store_free(&s);

	/* An empty or invalid id cell is an error on its line. */
	assert_int_equal(import(map, "ref,Full name\nA-1,X\n,Y\n", &s, &d),
			 LIA_EPARSE);
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.msg, "empty id"));
	store_free(&s);
	assert_int_equal(import(map, "ref,Full name\nA 1,X\n", &s, &d),
			 LIA_EINVAL);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.msg, "column \"ref\""));
	store_free(&s);
}

static void test_row_errors(void **state)
{
	struct store s = { 0 };
	struct diag d;

	(void)state;
	/* Missing mapped column: named, on the header line. */
	assert_int_equal(import(PEOPLE_MAP, "Full name,Country\nX,de\n", &s,
				&d),
			 LIA_ENOTFOUND);
	assert_int_equal(d.line, 1);
	assert_string_equal(d.file, "people.csv");
	assert_non_null(strstr(d.msg, "\"DOB\""));
	store_free(&s);

	/* A value the property rejects: its line and its column. The quoted
	 * newline in row 2 makes row 3 start on line 4. */
	assert_int_equal(import(PEOPLE_MAP,
				"Full name,DOB,Country,Remark\n"
				"A,1970,de,\n"
				"B,1971,de,\"two\nlines, and a comma\"\n"
				"D,03/04/05,de,\n",
				&s, &d),
			 LIA_EVALUE);
	assert_int_equal(d.line, 5);
	assert_non_null(strstr(d.msg, "column \"DOB\""));
	assert_int_equal(s.n, 2);
	store_free(&s);

	/* A name may not hold a line break: rejected, not flattened. */
	assert_int_equal(import(PEOPLE_MAP,
				"Full name,DOB,Country\nA,1970,de\n"
				"\"B\nC\",1971,de\n",
				&s, &d),
			 LIA_EVALUE);
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.msg, "column \"Full name\""));
	store_free(&s);

	/* A row with another field count. */
	assert_int_equal(import(PEOPLE_MAP,
				"Full name,DOB,Country\nA,1970,de\nB,1971\n",
				&s, &d),
			 LIA_EPARSE);
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.msg, "fields"));
	store_free(&s);

	/* A row with nothing in any mapped column. */
	assert_int_equal(import(PEOPLE_MAP,
				"Full name,DOB,Country,x\nA,1970,de,1\n,,,2\n",
				&s, &d),
			 LIA_EPARSE);
	assert_int_equal(d.line, 3);
	store_free(&s);

	/* A duplicated header name would make the mapping ambiguous. */
	assert_int_equal(import(PEOPLE_MAP,
				"Full name,DOB,Country,DOB\nA,1970,de,1971\n",
				&s, &d),
			 LIA_EPARSE);
	assert_non_null(strstr(d.msg, "twice"));
	store_free(&s);

	/* No header at all. */
	assert_int_equal(import(PEOPLE_MAP, "", &s, &d), LIA_EPARSE);
	store_free(&s);
}

static void test_separator(void **state)
{
	const char *map = "{\"schema\": \"Company\", \"separator\": \";\", "
			  "\"columns\": {\"Firma\": \"name\", "
			  "\"Land\": \"jurisdiction\"}}";
	struct store s = { 0 };
	struct diag d;
	struct entity *e;

	(void)state;
	assert_int_equal(import(map, "Firma;Land\n\"Muster, GmbH\";de\n", &s,
				&d),
			 0);
	assert_int_equal(s.n, 1);
	e = at(&s, 0);
	assert_string_equal(entity_schema(e)->name, "Company");
	assert_string_equal(entity_first(e, "name"), "Muster, GmbH");
	assert_string_equal(entity_first(e, "jurisdiction"), "de");
	entity_free(e);
	store_free(&s);
}

static void expect_mapping_error(const char *json, int want,
				 const char *needle)
{
	struct csv_mapping *m = NULL;
	struct diag d;
	char buf[1024];

	assert_int_equal(load_mapping(json, &m, &d), want);
	print_message("  -> %s\n", diag_format(&d, buf, sizeof(buf)));
	assert_null(m);
	assert_non_null(strstr(d.msg, needle));
	assert_true(d.file[0] != '\0');
}

static void test_mapping_errors(void **state)
{
	(void)state;
	expect_mapping_error("{\"schema\": \"Person\", \"columns\": "
			     "{\"Name\": \"nmae\"}}",
			     LIA_ESCHEMA, "nmae");
	expect_mapping_error("{\"schema\": \"Person\", \"columns\": "
			     "{\"Name\": \"name\"}, \"colums\": {}}",
			     LIA_EPARSE, "colums");
	expect_mapping_error("{\"schema\": \"Thing\", \"columns\": "
			     "{\"Name\": \"name\"}}",
			     LIA_ESCHEMA, "Thing");
	expect_mapping_error("{\"schema\": \"Starship\", \"columns\": "
			     "{\"Name\": \"name\"}}",
			     LIA_ESCHEMA, "Starship");
	expect_mapping_error("{\"columns\": {\"Name\": \"name\"}}", LIA_EPARSE,
			     "schema");
	expect_mapping_error("{\"schema\": \"Person\"}", LIA_EPARSE,
			     "columns");
	expect_mapping_error("{\"schema\": \"Person\", \"columns\": {}}",
			     LIA_EPARSE, "columns");
	expect_mapping_error("{\"schema\": \"Person\", \"columns\": "
			     "{\"Name\": 5}}",
			     LIA_EPARSE, "Name");
	expect_mapping_error("{\"schema\": \"Person\", \"separator\": \",,\", "
			     "\"columns\": {\"Name\": \"name\"}}",
			     LIA_EPARSE, "separator");
	expect_mapping_error("{\"schema\": \"Person\", \"separator\": \"\\\"\", "
			     "\"columns\": {\"Name\": \"name\"}}",
			     LIA_EPARSE, "separator");
	expect_mapping_error("{\"schema\": \"Person\", \"id_prefix\": \"a b\", "
			     "\"columns\": {\"Name\": \"name\"}}",
			     LIA_EPARSE, "id_prefix");
	expect_mapping_error("{\"schema\": \"Person\", \"columns\": "
			     "{\"Name\": \"name\"}, \"constants\": "
			     "{\"birthDate\": \"yesterday\"}}",
			     LIA_EVALUE, "birthDate");
	expect_mapping_error("{\"schema\": \"Person\", \"columns\": "
			     "{\"Name\": \"name\"}, \"constants\": "
			     "{\"wingspan\": \"2\"}}",
			     LIA_ESCHEMA, "wingspan");
	expect_mapping_error("{\"schema\": \"Person\", \"columns\": "
			     "{\"Name\": \"name\"}, \"marking\": \"H2\"}",
			     LIA_EPARSE, "marking");
	expect_mapping_error("{\"schema\": \"Person\", \"columns\": "
			     "{\"Name\": \"name\", \"Name\": \"alias\"}}",
			     LIA_EPARSE, "duplicate");
	expect_mapping_error("{\"schema\": \"Person\",", LIA_EPARSE,
			     "invalid JSON");
	expect_mapping_error("[]", LIA_EPARSE, "object");
}

static void test_mapping_marking(void **state)
{
	struct csv_mapping *m = NULL;
	struct diag d;
	json_t *want;

	(void)state;
	assert_int_equal(load_mapping(PEOPLE_MAP, &m, &d), 0);
	assert_null(csv_mapping_marking(m));
	csv_mapping_free(m);

	assert_int_equal(load_mapping("{\"schema\": \"Person\", \"columns\": "
				      "{\"Name\": \"name\"}, \"marking\": "
				      "{\"agency\": \"NL-NP\", "
				      "\"handling\": \"H2\", "
				      "\"tlp\": \"AMBER\"}}",
				      &m, &d),
			 0);
	want = json_pack("{s:s, s:s, s:s}", "agency", "NL-NP", "handling",
			 "H2", "tlp", "AMBER");
	assert_non_null(csv_mapping_marking(m));
	assert_true(json_equal(want, (json_t *)csv_mapping_marking(m)));
	json_decref(want);
	csv_mapping_free(m);

	assert_int_equal(csv_mapping_load("/nonexistent/map.json", &m, &d),
			 LIA_ENOTFOUND);
}

static void test_febrl(void **state)
{
	const char *dir = getenv("LIAISON_DATA");
	const char *map = "{\"schema\": \"Person\", \"id_column\": \"rec_id\", "
			  "\"id_prefix\": \"febrl-\", \"columns\": {"
			  "\"given_name\": \"firstName\", "
			  "\"surname\": \"lastName\", "
			  "\"address_1\": \"address\", "
			  "\"soc_sec_id\": \"idNumber\"}}";
	struct ingest_sink sink;
	struct csv_mapping *m = NULL;
	struct store s = { 0 };
	struct diag d;
	struct entity *e;
	char path[4096], buf[1024];
	FILE *f;
	int rc;

	(void)state;
	if (!dir) {
		print_message("LIAISON_DATA not set: skipping\n");
		data_missing = true;
		skip();
	}
	snprintf(path, sizeof(path), "%s/febrl/dataset4a.csv", dir);
	f = fopen(path, "rb");
	if (!f) {
		print_message("%s missing: skipping\n", path);
		data_missing = true;
		skip();
	}
	assert_int_equal(load_mapping(map, &m, &d), 0);
	sink = (struct ingest_sink){ .put = store_put, .ctx = &s };
	rc = ingest_csv(f, path, m, &sink, &d);
	if (rc)
		print_message("  -> %s\n", diag_format(&d, buf, sizeof(buf)));
	assert_int_equal(rc, 0);
	fclose(f);
	csv_mapping_free(m);
	assert_int_equal(s.n, 5000);

	/* The first data row: rec-1070-org, michaela, neumann, 8,
	 * stanley street, ..., 5304218 (spaces after commas trimmed). */
	e = at(&s, 0);
	assert_string_equal(entity_id(e), "febrl-rec-1070-org");
	assert_string_equal(entity_first(e, "firstName"), "michaela");
	assert_string_equal(entity_first(e, "lastName"), "neumann");
	assert_string_equal(entity_first(e, "address"), "stanley street");
	assert_string_equal(entity_first(e, "idNumber"), "5304218");
	assert_null(entity_first(e, "birthDate"));
	entity_free(e);
	store_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_people),
		cmocka_unit_test(test_hash_ids_stable),
		cmocka_unit_test(test_id_column),
		cmocka_unit_test(test_row_errors),
		cmocka_unit_test(test_separator),
		cmocka_unit_test(test_mapping_errors),
		cmocka_unit_test(test_mapping_marking),
		cmocka_unit_test(test_febrl),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	if (failed)
		return failed;
	return data_missing ? 77 : 0;
}
