/* test_ofac.c - the OFAC SDN importer on the real files and on variants. */
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

/* A sink that counts entities by schema, hashes their canonical JSON and
 * keeps the JSON of a few entities the test wants to look at. */
struct counter {
	unsigned long total, person, org, vessel, airplane, address, sanction,
	    passport, ident, wallet, aliases;
	uint64_t hash;
	const char *want[MAX_KEEP];
	char *got[MAX_KEEP];
	uint64_t progress;
	unsigned long warnings;
	unsigned long first_warning_line;
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
	else if (!strcmp(s, "Vessel"))
		c->vessel++;
	else if (!strcmp(s, "Airplane"))
		c->airplane++;
	else if (!strcmp(s, "Address"))
		c->address++;
	else if (!strcmp(s, "Sanction"))
		c->sanction++;
	else if (!strcmp(s, "Passport"))
		c->passport++;
	else if (!strcmp(s, "Identification"))
		c->ident++;
	else if (!strcmp(s, "CryptoWallet"))
		c->wallet++;
	if (strcmp(s, "Address") && strcmp(s, "Sanction"))
		c->aliases +=
		    entity_count(e, "alias") + entity_count(e, "previousName");
	strbuf_init(&sb, 0);
	assert_int_equal(entity_to_json(e, &sb), 0);
	/* FNV-1a over every entity in order: equal imports, equal hash. */
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

/* The kept entity with this id, parsed back (caller frees). */
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

static void count_warn(void *ctx, const struct diag *w)
{
	struct counter *c = ctx;

	if (!c->warnings++)
		c->first_warning_line = w->line;
	assert_non_null(strstr(w->msg, "not in the sdn file"));
}

static int run(const struct ofac_files *f, struct counter *c, struct diag *d)
{
	struct ingest_sink sink = {.put = count_put,
				   .progress = count_progress,
				   .warn = count_warn,
				   .ctx = c};

	diag_clear(d);
	return ingest_ofac(f, &sink, d);
}

static char data_dir[4096];

static bool have_data(void)
{
	const char *dir = getenv("LIAISON_DATA");
	char path[4200];

	if (!dir)
		return false;
	snprintf(data_dir, sizeof(data_dir), "%s/sanctions", dir);
	snprintf(path, sizeof(path), "%s/ofac_sdn.csv", data_dir);
	return access(path, R_OK) == 0;
}

static char p_sdn[4200], p_alt[4200], p_add[4200], p_com[4200];

/*
 * The real files without the comments file: 10 of the 13 rows of the
 * published ofac_sdn_comments.csv continue entries that this (shortened)
 * ofac_sdn.csv does not have, so a strict join rejects it; see
 * test_real_comments.
 */
static struct ofac_files real_files(void)
{
	struct ofac_files f;

	snprintf(p_sdn, sizeof(p_sdn), "%s/ofac_sdn.csv", data_dir);
	snprintf(p_alt, sizeof(p_alt), "%s/ofac_alt.csv", data_dir);
	snprintf(p_add, sizeof(p_add), "%s/ofac_add.csv", data_dir);
	snprintf(p_com, sizeof(p_com), "%s/ofac_sdn_comments.csv", data_dir);
	f.sdn = p_sdn;
	f.alt = p_alt;
	f.add = p_add;
	f.comments = NULL;
	return f;
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

static void test_real_counts(void **state)
{
	struct ofac_files f;
	struct counter c;
	struct diag d;
	char buf[1024];
	int rc;

	NEED_DATA();
	f = real_files();
	counter_init(&c);
	c.want[0] = "ofac-26235";
	c.want[1] = "ofac-26235-doc-1";
	c.want[2] = "ofac-26235-doc-2";
	c.want[3] = "ofac-306";
	c.want[4] = "ofac-306-addr-199";
	c.want[5] = "ofac-26235-sanction";
	c.want[6] = "ofac-15037";
	rc = run(&f, &c, &d);
	if (rc)
		fail_msg("import failed: %s",
			 diag_format(&d, buf, sizeof(buf)));
	/* 7,379 sdn rows: one main entity and one Sanction each. */
	assert_int_equal(c.person, 3845);
	assert_int_equal(c.org, 2994);
	assert_int_equal(c.vessel, 323);
	assert_int_equal(c.airplane, 217);
	assert_int_equal(c.sanction, 7379);
	/* 11,696 address rows, of which 2,222 are "-0-" in every column and
	 * carry nothing to keep. */
	assert_int_equal(c.address, 11696 - 2222);
	/* 9,682 alias rows (aka, fka, nka) plus the a.k.a. items of the
	 * remarks, counted as distinct values per entry (FtM values are
	 * sets): 11,706 by an independent count over the files. */
	assert_true(c.aliases >= 9682);
	assert_int_equal(c.aliases, 11706);
	assert_true(c.progress > 0);

	{
		struct entity *e = kept(&c, "ofac-26235");

		assert_string_equal(entity_first(e, "name"),
				    "MALKEVICH, Alexander Aleksandrovich");
		assert_string_equal(entity_first(e, "lastName"), "MALKEVICH");
		assert_string_equal(entity_first(e, "firstName"),
				    "Alexander Aleksandrovich");
		assert_has(e, "birthDate", "1975-06-14");
		assert_has(e, "birthPlace", "Leningrad, Russia");
		assert_has(e, "gender", "male");
		assert_has(e, "passportNumber", "717637093");
		assert_has(e, "idNumber", "781005202108");
		assert_has(e, "topics", "sanction");
		assert_non_null(
		    strstr(entity_first(e, "notes"), "Linked To: USA REALLY"));
		entity_free(e);
		e = kept(&c, "ofac-26235-doc-1");
		assert_string_equal(entity_schema(e)->name, "Passport");
		assert_has(e, "number", "717637093");
		assert_has(e, "country", "ru");
		assert_has(e, "holder", "ofac-26235");
		entity_free(e);
		e = kept(&c, "ofac-26235-doc-2");
		assert_string_equal(entity_schema(e)->name, "Identification");
		assert_has(e, "number", "781005202108");
		entity_free(e);
		e = kept(&c, "ofac-26235-sanction");
		assert_has(e, "entity", "ofac-26235");
		assert_has(e, "program", "CYBER2");
		assert_has(e, "country", "us");
		assert_has(e, "authority", "Office of Foreign Assets Control");
		entity_free(e);
	}
	{
		struct entity *e = kept(&c, "ofac-306");

		assert_string_equal(entity_schema(e)->name, "Organization");
		assert_has(e, "alias", "NATIONAL BANK OF CUBA");
		assert_has(e, "alias", "BNC");
		assert_has(e, "addressEntity", "ofac-306-addr-199");
		assert_has(e, "addressEntity", "ofac-306-addr-202");
		assert_int_equal(entity_count(e, "addressEntity"), 4);
		entity_free(e);
		e = kept(&c, "ofac-306-addr-199");
		assert_has(e, "street", "Zweierstrasse 35");
		assert_has(e, "city", "Zurich CH-8022");
		assert_has(e, "country", "ch");
		entity_free(e);
	}
	{
		/* ARK: tonnage with thousands separators, IMO and MMSI. */
		struct entity *e = kept(&c, "ofac-15037");

		assert_string_equal(entity_schema(e)->name, "Vessel");
		assert_has(e, "callSign", "9HDQ9");
		assert_has(e, "flag", "pa");
		assert_has(e, "imoNumber", "9187655");
		assert_has(e, "mmsi", "256842000");
		assert_int_equal(entity_count(e, "tonnage"), 1);
		assert_int_equal(entity_count(e, "grossRegisteredTonnage"), 1);
		entity_free(e);
	}
	counter_free(&c);
}

static void test_stable(void **state)
{
	struct ofac_files f;
	struct counter a, b;
	struct diag d;

	NEED_DATA();
	f = real_files();
	counter_init(&a);
	counter_init(&b);
	assert_int_equal(run(&f, &a, &d), 0);
	assert_int_equal(run(&f, &b, &d), 0);
	assert_int_equal(a.total, b.total);
	assert_true(a.hash == b.hash);
	counter_free(&a);
	counter_free(&b);
}

static void expect_invalid(struct ofac_files *f, const char *file,
			   unsigned long line, const char *msg)
{
	struct counter c;
	struct diag d;

	counter_init(&c);
	assert_int_equal(run(f, &c, &d), LIA_EPARSE);
	assert_string_equal(d.file, file);
	assert_int_equal(d.line, line);
	if (!strstr(d.msg, msg))
		fail_msg("reason '%s' lacks '%s'", d.msg, msg);
	counter_free(&c);
}

static void test_invalid_files(void **state)
{
	char bad[4200];
	struct ofac_files f;

	NEED_DATA();
	f = real_files();
	snprintf(bad, sizeof(bad), "%s/invalid/ofac_sdn.csv", data_dir);
	f.sdn = bad;
	expect_invalid(&f, bad, 7380, "expected 12 fields, found 1");
	f = real_files();
	snprintf(bad, sizeof(bad), "%s/invalid/ofac_alt.csv", data_dir);
	f.alt = bad;
	expect_invalid(&f, bad, 9683, "expected 5 fields, found 1");
	f = real_files();
	snprintf(bad, sizeof(bad), "%s/invalid/ofac_add.csv", data_dir);
	f.add = bad;
	expect_invalid(&f, bad, 11697, "expected 6 fields, found 1");
	f = real_files();
	snprintf(bad, sizeof(bad), "%s/invalid/ofac_sdn_comments.csv",
		 data_dir);
	/* Its first three rows are the valid ones (for entries that are in
	 * ofac_sdn.csv), then comes the "||||" row. */
	f.comments = bad;
	expect_invalid(&f, bad, 4, "expected 2 fields, found 1");
	f = real_files();
	snprintf(bad, sizeof(bad), "%s/invalid/ofac_csl.csv", data_dir);
	f.sdn = bad;
	expect_invalid(&f, bad, 1, "expected 12 fields");
}

/* Write data to a new temporary file; returns its path (static). */
static const char *write_tmp(char *path, size_t n, const char *data, size_t len)
{
	int fd;
	FILE *f;

	snprintf(path, n, "/tmp/liaison-ofac-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void test_cut_file(void **state)
{
	struct ofac_files f;
	char tmp[64];
	char *buf;
	size_t n;
	FILE *in;

	NEED_DATA();
	f = real_files();
	in = fopen(f.sdn, "rb");
	assert_non_null(in);
	buf = malloc(2 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, 2 << 20, in);
	fclose(in);
	/* The last row's remarks are quoted: cut 40 bytes before the end. */
	assert_true(n > 1000 && buf[n - 1] == '"');
	f.sdn = write_tmp(tmp, sizeof(tmp), buf, n - 40);
	expect_invalid(&f, tmp, 7379, "not closed");
	unlink(tmp);
	free(buf);
}

static void test_real_comments(void **state)
{
	struct ofac_files f;
	struct counter c;
	struct diag d;
	char tmp[64], buf[1024];
	char *data;
	size_t n, cut = 0;
	int lines = 0;
	FILE *in;
	struct entity *e;

	NEED_DATA();
	f = real_files();
	/* Row 4 continues entry 17018, which this shortened ofac_sdn.csv
	 * does not have: 10 of the 13 rows are skipped with a warning each,
	 * the first at line 4, and the import succeeds. */
	snprintf(p_com, sizeof(p_com), "%s/ofac_sdn_comments.csv", data_dir);
	f.comments = p_com;
	counter_init(&c);
	if (run(&f, &c, &d))
		fail_msg("import failed: %s",
			 diag_format(&d, buf, sizeof(buf)));
	assert_int_equal(c.warnings, 10);
	assert_int_equal(c.first_warning_line, 4);
	assert_int_equal(c.person + c.org + c.vessel + c.airplane, 7379);
	counter_free(&c);
	f = real_files();

	/* Its first three rows belong to entries that are there. */
	in = fopen(p_com, "rb");
	assert_non_null(in);
	data = malloc(1 << 20);
	assert_non_null(data);
	n = fread(data, 1, 1 << 20, in);
	fclose(in);
	while (cut < n && lines < 3)
		if (data[cut++] == '\n')
			lines++;
	assert_int_equal(lines, 3);
	f.comments = write_tmp(tmp, sizeof(tmp), data, cut);
	counter_init(&c);
	c.want[0] = "ofac-12300";
	c.want[1] = "ofac-15599";
	if (run(&f, &c, &d))
		fail_msg("import failed: %s",
			 diag_format(&d, buf, sizeof(buf)));
	/* The continuation goes on mid-word: "PROMO RAI" + "Z S.A.S.". */
	e = kept(&c, "ofac-12300");
	assert_non_null(strstr(entity_first(e, "notes"),
			       "PROMO RAIZ S.A.S.; Linked To: RED MUNDIAL"));
	entity_free(e);
	e = kept(&c, "ofac-15599");
	assert_non_null(strstr(entity_first(e, "notes"),
			       "Linked To: PROMI FEL, S. DE R.L. DE C.V.; "
			       "Linked To: SERVICIO Y OPERADORA"));
	entity_free(e);
	counter_free(&c);
	unlink(tmp);
	free(data);
}

#define SDN_ROW(num, name, type, prog, rem)                                    \
	num ",\"" name "\"," type ",\"" prog                                   \
	    "\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- "                                 \
	    ",-0- ," rem "\n"

static void test_remarks(void **state)
{
	static const char sdn[] = SDN_ROW(
	    "10", "DOE, John", "\"individual\"", "SDGT] [IRGC",
	    "\"DOB circa 1960; alt. DOB 1946 to 1948; alt. DOB "
	    "Jan 1961; DOB 31 Feb 1970; nationality Atlantis; "
	    "citizen Germany; Gender Female; alt. Passport X1 "
	    "(Narnia); SSN 123-45-6789 (United States); Digital "
	    "Currency Address - XBT 1abcXYZ; a.k.a. 'JD'.\"") "20,\"OCEAN\","
							      "\"vessel\","
							      "\"IRAN\",-0- "
							      ",\"ABC1\","
							      "\"Tanker\","
							      "\"99,030\",\"1,"
							      "00\","
							      "\"Atlantis\","
							      "\"Owner "
							      "Ltd\",-0- "
							      "\n" SDN_ROW(
								  "30",
								  "ACME LTD",
								  "-0- ",
								  "CUBA",
								  "\"Registrati"
								  "on ID 12345 "
								  "(Cuba); "
								  "Website "
								  "www.example."
								  "com.\"");
	static const char alt[] = "10,1,\"fka\",\"DOE, Jon\",-0- \n"
				  "30,2,\"aka\",\"ACME\",\"old\"\n";
	static const char add[] = "30,7,-0- ,\"Havana\",\"Cuba\",-0-";
	char p1[64], p2[64], p3[64];
	struct ofac_files f = {0};
	struct counter c;
	struct diag d;
	char buf[1024];
	struct entity *e;

	f.sdn = write_tmp(p1, sizeof(p1), sdn, sizeof(sdn) - 1);
	f.alt = write_tmp(p2, sizeof(p2), alt, sizeof(alt) - 1);
	f.add = write_tmp(p3, sizeof(p3), add, sizeof(add) - 1);
	counter_init(&c);
	c.want[0] = "ofac-10";
	c.want[1] = "ofac-20";
	c.want[2] = "ofac-30";
	c.want[3] = "ofac-10-doc-1";
	c.want[4] = "ofac-10-wallet-1";
	c.want[5] = "ofac-10-sanction";
	c.want[6] = "ofac-30-addr-7";
	if (run(&f, &c, &d))
		fail_msg("%s", diag_format(&d, buf, sizeof(buf)));
	assert_int_equal(c.total, 3 + 3 + 1 + 2 + 1);

	e = kept(&c, "ofac-10");
	assert_has(e, "birthDate", "1960");
	assert_has(e, "birthDate", "1946");
	assert_has(e, "birthDate", "1948");
	assert_has(e, "birthDate", "1961-01");
	/* An impossible date and an unknown country are not copied; they
	 * stay in the remarks kept in notes. */
	assert_int_equal(entity_count(e, "birthDate"), 4);
	assert_int_equal(entity_count(e, "nationality"), 0);
	assert_non_null(strstr(entity_first(e, "notes"), "31 Feb 1970"));
	assert_non_null(strstr(entity_first(e, "notes"), "Atlantis"));
	assert_has(e, "citizenship", "de");
	assert_has(e, "gender", "female");
	assert_has(e, "passportNumber", "X1");
	assert_has(e, "idNumber", "123-45-6789");
	assert_has(e, "alias", "JD");
	assert_has(e, "previousName", "DOE, Jon");
	entity_free(e);
	e = kept(&c, "ofac-10-doc-1");
	assert_has(e, "number", "X1");
	assert_int_equal(entity_count(e, "country"), 0);
	entity_free(e);
	e = kept(&c, "ofac-10-wallet-1");
	assert_has(e, "publicKey", "1abcXYZ");
	assert_has(e, "currency", "XBT");
	assert_has(e, "holder", "ofac-10");
	entity_free(e);
	e = kept(&c, "ofac-10-sanction");
	assert_has(e, "program", "SDGT");
	assert_has(e, "program", "IRGC");
	assert_int_equal(entity_count(e, "program"), 2);
	entity_free(e);

	e = kept(&c, "ofac-20");
	assert_has(e, "callSign", "ABC1");
	assert_has(e, "type", "Tanker");
	assert_has(e, "tonnage", "99030");
	/* "1,00" is no number with thousands separators: kept as text. */
	assert_int_equal(entity_count(e, "grossRegisteredTonnage"), 0);
	assert_has(e, "notes", "Gross registered tonnage: 1,00");
	assert_has(e, "notes", "Vessel flag: Atlantis");
	assert_has(e, "notes", "Vessel owner: Owner Ltd");
	entity_free(e);

	e = kept(&c, "ofac-30");
	assert_has(e, "registrationNumber", "12345");
	assert_has(e, "alias", "ACME");
	assert_has(e, "notes", "Alias remarks: old");
	assert_has(e, "addressEntity", "ofac-30-addr-7");
	entity_free(e);
	e = kept(&c, "ofac-30-addr-7");
	assert_has(e, "city", "Havana");
	assert_has(e, "country", "cu");
	assert_has(e, "full", "Havana, Cuba");
	entity_free(e);
	counter_free(&c);
	unlink(p1);
	unlink(p2);
	unlink(p3);
}

static void test_merge_errors(void **state)
{
	static const char sdn[] = SDN_ROW("10", "A", "-0- ", "X", "-0- ")
	    SDN_ROW("30", "B", "-0- ", "X", "-0- ");
	static const char swapped[] = SDN_ROW("30", "B", "-0- ", "X", "-0- ")
	    SDN_ROW("10", "A", "-0- ", "X", "-0- ");
	static const char orphan[] = "10,1,\"aka\",\"AA\",-0- \n"
				     "20,2,\"aka\",\"CC\",-0- \n";
	static const char late[] = "10,1,\"aka\",\"AA\",-0- \n"
				   "40,2,\"aka\",\"CC\",-0- \n";
	static const char backwards[] = "30,1,\"aka\",\"AA\",-0- \n"
					"10,2,\"aka\",\"CC\",-0- \n";
	static const char badnum[] = "1O,1,\"aka\",\"AA\",-0- \n";
	static const char badtype[] = "10,1,\"xyz\",\"AA\",-0- \n";
	char p1[64], p2[64];
	struct ofac_files f = {0};

	f.sdn = write_tmp(p1, sizeof(p1), swapped, sizeof(swapped) - 1);
	expect_invalid(&f, p1, 2, "out of order");
	unlink(p1);

	f.sdn = write_tmp(p1, sizeof(p1), sdn, sizeof(sdn) - 1);
	f.alt = write_tmp(p2, sizeof(p2), orphan, sizeof(orphan) - 1);
	expect_invalid(&f, p2, 2, "not in the sdn file");
	unlink(p2);
	f.alt = write_tmp(p2, sizeof(p2), late, sizeof(late) - 1);
	expect_invalid(&f, p2, 2, "not in the sdn file");
	unlink(p2);
	f.alt = write_tmp(p2, sizeof(p2), backwards, sizeof(backwards) - 1);
	expect_invalid(&f, p2, 2, "out of order");
	unlink(p2);
	f.alt = write_tmp(p2, sizeof(p2), badnum, sizeof(badnum) - 1);
	expect_invalid(&f, p2, 1, "not a number");
	unlink(p2);
	f.alt = write_tmp(p2, sizeof(p2), badtype, sizeof(badtype) - 1);
	expect_invalid(&f, p2, 1, "alt_type");
	unlink(p2);
	unlink(p1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_remarks),
	    cmocka_unit_test(test_merge_errors),
	    cmocka_unit_test(test_real_counts),
	    cmocka_unit_test(test_stable),
	    cmocka_unit_test(test_invalid_files),
	    cmocka_unit_test(test_cut_file),
	    cmocka_unit_test(test_real_comments),
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
