/* test_un.c - the UN consolidated list importer on the real file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/ingest.h"
#include "liaison/strbuf.h"

#define MAX_KEEP 16

struct counter {
	unsigned long total, person, org, address, sanction, passport, ident,
	    other, aliases, weak;
	uint64_t hash, progress;
	const char *want[MAX_KEEP];
	char *got[MAX_KEEP];
};

static int count_put(void *ctx, const struct entity *e, struct diag *d)
{
	struct counter *c = ctx;
	const char *s = entity_schema(e)->name;
	struct strbuf sb;

	c->total++;
	if (!strcmp(s, "Person"))
		c->person++;
	else if (!strcmp(s, "Organization"))
		c->org++;
	else if (!strcmp(s, "Address"))
		c->address++;
	else if (!strcmp(s, "Sanction"))
		c->sanction++;
	else if (!strcmp(s, "Passport"))
		c->passport++;
	else if (!strcmp(s, "Identification"))
		c->ident++;
	else
		c->other++;
	if (!strcmp(s, "Person") || !strcmp(s, "Organization")) {
		c->aliases += entity_count(e, "alias");
		c->weak += entity_count(e, "weakAlias");
	}
	strbuf_init(&sb, 0);
	assert_int_equal(entity_to_json(e, &sb), 0);
	for (size_t i = 0; i < sb.len; i++)
		c->hash =
		    (c->hash ^ (unsigned char)sb.buf[i]) * 0x100000001b3ULL;
	for (int i = 0; i < MAX_KEEP && c->want[i]; i++)
		if (!strcmp(c->want[i], entity_id(e))) {
			free(c->got[i]);
			c->got[i] = strbuf_detach(&sb, NULL);
		}
	strbuf_release(&sb);
	return 0;
}

static void count_progress(void *ctx, uint64_t bytes)
{
	struct counter *c = ctx;

	assert_true(bytes >= c->progress);
	c->progress = bytes;
}

static void counter_init(struct counter *c)
{
	memset(c, 0, sizeof(*c));
	c->hash = 0xcbf29ce484222325ULL;
}

static void counter_free(struct counter *c)
{
	for (int i = 0; i < MAX_KEEP; i++)
		free(c->got[i]);
}

static struct entity *kept(struct counter *c, const char *id)
{
	struct entity *e = NULL;

	for (int i = 0; i < MAX_KEEP && c->want[i]; i++)
		if (!strcmp(c->want[i], id) && c->got[i]) {
			assert_int_equal(entity_parse(c->got[i],
						      strlen(c->got[i]), &e,
						      NULL),
					 0);
			return e;
		}
	fail_msg("entity %s was not imported", id);
	return NULL;
}

static bool has_value(const struct entity *e, const char *prop, const char *v)
{
	for (size_t i = 0; i < entity_count(e, prop); i++)
		if (!strcmp(entity_value(e, prop, i), v))
			return true;
	return false;
}

#define assert_has(e, prop, v)                                                 \
	do {                                                                   \
		if (!has_value(e, prop, v))                                    \
			fail_msg("%s lacks %s=%s", entity_id(e), prop, v);     \
	} while (0)

static int run(const char *path, struct counter *c, struct diag *d)
{
	struct ingest_sink sink = {
	    .put = count_put, .progress = count_progress, .ctx = c};

	diag_clear(d);
	return ingest_un(path, &sink, d);
}

static char un_path[4200];

static bool have_data(void)
{
	const char *dir = getenv("LIAISON_DATA");

	if (!dir)
		return false;
	snprintf(un_path, sizeof(un_path), "%s/sanctions/UN_consolidated.xml",
		 dir);
	return access(un_path, R_OK) == 0;
}

#define NEED_DATA()                                                            \
	do {                                                                   \
		if (!have_data()) {                                            \
			print_message("LIAISON_DATA/sanctions not found: "     \
				      "skipped\n");                            \
			skip();                                                \
			return;                                                \
		}                                                              \
	} while (0)

static void test_real_file(void **state)
{
	struct counter c;
	struct diag d;
	char buf[1024];
	struct entity *e;

	NEED_DATA();
	counter_init(&c);
	c.want[0] = "un-690728";
	c.want[1] = "un-690728-doc-1";
	c.want[2] = "un-690728-doc-2";
	c.want[3] = "un-690728-doc-3";
	c.want[4] = "un-690728-addr-1";
	c.want[5] = "un-690728-sanction";
	c.want[6] = "un-6908402";
	c.want[7] = "un-6907995";
	if (run(un_path, &c, &d))
		fail_msg("import failed: %s",
			 diag_format(&d, buf, sizeof(buf)));
	assert_int_equal(c.person, 730);
	assert_int_equal(c.org, 273);
	assert_int_equal(c.sanction, 730 + 273);
	assert_int_equal(c.other, 0);
	assert_true(c.passport > 0 && c.ident > 0 && c.address > 0);
	assert_true(c.aliases > 1000);
	assert_true(c.weak > 100);
	assert_int_equal(c.progress, 2030620);

	e = kept(&c, "un-690728");
	assert_string_equal(entity_schema(e)->name, "Person");
	assert_string_equal(entity_first(e, "name"), "NOURREDINE ADAM");
	assert_has(e, "birthDate", "1970-01-01");
	assert_has(e, "birthDate", "1971-01-01");
	assert_has(e, "birthDate", "1969");
	assert_has(e, "birthPlace", "Ndele, Central African Republic");
	assert_has(e, "birthCountry", "cf");
	assert_has(e, "birthCountry", "sd");
	assert_has(e, "nationality", "cf");
	assert_has(e, "nationality", "sd");
	assert_has(e, "alias", "Mahamat Nouradine Adam");
	assert_has(e, "position", "Minister for Security");
	assert_has(e, "passportNumber", "D00001184");
	assert_has(e, "passportNumber", "P04838205");
	assert_has(e, "idNumber", "20227088368");
	assert_has(e, "addressEntity", "un-690728-addr-1");
	assert_has(e, "addressEntity", "un-690728-addr-2");
	assert_has(e, "topics", "sanction");
	assert_non_null(strstr(entity_first(e, "notes"), "Photo available"));
	entity_free(e);
	e = kept(&c, "un-690728-doc-1");
	assert_string_equal(entity_schema(e)->name, "Passport");
	assert_has(e, "number", "D00001184");
	assert_has(e, "country", "cf");
	assert_has(e, "holder", "un-690728");
	entity_free(e);
	e = kept(&c, "un-690728-doc-2");
	assert_has(e, "issueDate", "2018-06-10");
	assert_non_null(strstr(entity_first(e, "description"), "Bahri"));
	entity_free(e);
	e = kept(&c, "un-690728-doc-3");
	assert_string_equal(entity_schema(e)->name, "Identification");
	assert_has(e, "type", "National Identification Number");
	assert_has(e, "country", "sd");
	entity_free(e);
	e = kept(&c, "un-690728-addr-1");
	assert_has(e, "city", "Birao");
	assert_has(e, "country", "cf");
	entity_free(e);
	e = kept(&c, "un-690728-sanction");
	assert_has(e, "entity", "un-690728");
	assert_has(e, "program", "CAR");
	assert_has(e, "unscId", "CFi.002");
	assert_has(e, "listingDate", "2014-05-09");
	assert_has(e, "authority", "United Nations Security Council");
	entity_free(e);
	e = kept(&c, "un-6908402");
	assert_string_equal(entity_schema(e)->name, "Organization");
	assert_string_equal(entity_first(e, "name"), "ADF");
	entity_free(e);
	/* QUALITY "Low" is a weak alias. */
	e = kept(&c, "un-6907995");
	assert_has(e, "weakAlias", "Rumuli");
	assert_has(e, "alias", "Victor Rumuri");
	assert_has(e, "birthDate", "1948");
	entity_free(e);
	counter_free(&c);

	/* Stable ids and values: a second import is identical. */
	{
		struct counter a, b;

		counter_init(&a);
		counter_init(&b);
		assert_int_equal(run(un_path, &a, &d), 0);
		assert_int_equal(run(un_path, &b, &d), 0);
		assert_int_equal(a.total, b.total);
		assert_true(a.hash == b.hash);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(4 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 4 << 20, f);
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void expect_fail(const char *data, size_t len, const char *msg)
{
	char path[64] = "/tmp/liaison-un-XXXXXX";
	struct counter c;
	struct diag d;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, data, len);
	counter_init(&c);
	assert_int_equal(run(path, &c, &d), LIA_EPARSE);
	assert_string_equal(d.file, path);
	assert_true(d.line > 0);
	if (msg && !strstr(d.msg, msg))
		fail_msg("reason '%s' lacks '%s'", d.msg, msg);
	counter_free(&c);
	unlink(path);
}

static void test_truncated(void **state)
{
	size_t len, half;
	char *buf;

	NEED_DATA();
	buf = slurp(un_path, &len);
	assert_true(len > 1000000);
	half = len / 2;
	expect_fail(buf, half, NULL);
	/* Cut in the middle of a tag name. */
	{
		char *p = strstr(buf + half, "<INDIVIDUAL_ADDRESS>");

		assert_non_null(p);
		expect_fail(buf, (size_t)(p - buf) + 8, NULL);
	}
	free(buf);
}

#define LIT(s) s, sizeof(s) - 1

static void test_hostile(void **state)
{
	/* An external entity must never be fetched: a DOCTYPE is refused. */
	expect_fail(LIT("<?xml version=\"1.0\"?>\n"
			"<!DOCTYPE CONSOLIDATED_LIST [\n"
			"<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
			"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>"
			"<DATAID>1</DATAID><FIRST_NAME>&xxe;</FIRST_NAME>"
			"</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>\n"),
		    "DOCTYPE");
	expect_fail(LIT("<!DOCTYPE CONSOLIDATED_LIST SYSTEM "
			"\"http://example.com/x.dtd\">\n"
			"<CONSOLIDATED_LIST/>\n"),
		    "DOCTYPE");
	/* Invalid UTF-8 in a name. */
	expect_fail(LIT("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>\n"
			"<DATAID>1</DATAID><FIRST_NAME>A\xff\xfe</FIRST_NAME>"
			"</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>\n"),
		    NULL);
	expect_fail(LIT("<OTHER_LIST/>\n"), "unexpected root element");
	expect_fail(LIT("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>\n"
			"<FIRST_NAME>A</FIRST_NAME></INDIVIDUAL>"
			"</INDIVIDUALS></CONSOLIDATED_LIST>\n"),
		    "DATAID");
	expect_fail(LIT("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>\n"
			"<DATAID>12a</DATAID><FIRST_NAME>A</FIRST_NAME>"
			"</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>\n"),
		    "DATAID");
	expect_fail(LIT("<CONSOLIDATED_LIST><INDIVIDUALS><ENTITY>\n"
			"<DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME>"
			"</ENTITY></INDIVIDUALS></CONSOLIDATED_LIST>\n"),
		    NULL);
	expect_fail(LIT(""), NULL);
}

/* Values that do not validate are kept as labelled text, never dropped. */
static void test_invalid_values(void **state)
{
	static const char xml[] =
	    "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>"
	    "<DATAID>42</DATAID><FIRST_NAME>JOHN</FIRST_NAME>"
	    "<SECOND_NAME> DOE </SECOND_NAME><GENDER>Unknown</GENDER>"
	    "<NATIONALITY><VALUE>former Soviet Union</VALUE>"
	    "<VALUE>Iraq</VALUE></NATIONALITY>"
	    "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE>"
	    "<FROM_YEAR>1967</FROM_YEAR><TO_YEAR>1969</TO_YEAR>"
	    "</INDIVIDUAL_DATE_OF_BIRTH>"
	    "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE>"
	    "<DATE>1970-02-31</DATE></INDIVIDUAL_DATE_OF_BIRTH>"
	    "<INDIVIDUAL_ADDRESS/><INDIVIDUAL_DOCUMENT/>"
	    "<NEW_FIELD>kept</NEW_FIELD>"
	    "</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>";
	char path[64] = "/tmp/liaison-un-XXXXXX";
	struct counter c;
	struct diag d;
	struct entity *e;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, xml, sizeof(xml) - 1);
	counter_init(&c);
	c.want[0] = "un-42";
	assert_int_equal(run(path, &c, &d), 0);
	/* The empty address and document make no entities. */
	assert_int_equal(c.total, 2);
	e = kept(&c, "un-42");
	assert_string_equal(entity_first(e, "name"), "JOHN DOE");
	assert_has(e, "nationality", "iq");
	assert_int_equal(entity_count(e, "nationality"), 1);
	assert_has(e, "notes", "Nationality: former Soviet Union");
	assert_has(e, "notes", "Gender: Unknown");
	assert_has(e, "notes", "Date of birth: 1970-02-31");
	assert_has(e, "notes", "NEW_FIELD: kept");
	assert_has(e, "birthDate", "1967");
	assert_has(e, "birthDate", "1969");
	assert_int_equal(entity_count(e, "birthDate"), 2);
	assert_int_equal(entity_count(e, "addressEntity"), 0);
	entity_free(e);
	counter_free(&c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_file),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_invalid_values),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	/* Everything else passed, but the real files were not there. */
	if (rc == 0 && !have_data()) {
		fprintf(stderr, "LIAISON_DATA not found: real-data tests "
				"skipped\n");
		return 77;
	}
	return rc;
}
