/* test_csv.c - the strict CSV reader, case by case and on real files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "liaison/csv.h"
#include "liaison/error.h"

struct rd {
	FILE *f;
	struct csv_reader *r;
	struct diag d;
};

static void rd_open(struct rd *t, const char *data, size_t len,
		    const struct csv_opts *o)
{
	/* fmemopen cannot open an empty buffer in every libc, so an empty
	 * input goes through a temporary file. */
	if (len) {
		t->f = fmemopen((void *)data, len, "rb");
	} else {
		t->f = tmpfile();
	}
	assert_non_null(t->f);
	diag_clear(&t->d);
	assert_int_equal(csv_open(t->f, "t.csv", o, &t->r), 0);
}

static void rd_close(struct rd *t)
{
	csv_close(t->r);
	fclose(t->f);
}

static void expect_field(struct rd *t, size_t i, const char *want,
			 size_t wantlen)
{
	size_t len = 99;
	const char *s = csv_field(t->r, i, &len);

	assert_non_null(s);
	assert_int_equal(len, wantlen);
	assert_memory_equal(s, want, wantlen);
	assert_int_equal(s[len], '\0');
}

#define OPEN(t, lit, o) rd_open(t, lit, sizeof(lit) - 1, o)

/* Parse lit, expecting an error at line:col with msg in the reason. */
static void expect_error(const char *data, size_t len, const struct csv_opts *o,
			 int err, unsigned long line, unsigned long col,
			 const char *msg)
{
	struct rd t;
	int rc;

	rd_open(&t, data, len, o);
	while ((rc = csv_next(t.r, &t.d)) == 1)
		;
	assert_int_equal(rc, err);
	assert_string_equal(t.d.file, "t.csv");
	assert_int_equal(t.d.line, line);
	assert_int_equal(t.d.col, col);
	if (!strstr(t.d.msg, msg))
		fail_msg("reason '%s' lacks '%s'", t.d.msg, msg);
	/* Errors are sticky: the reader never resumes after one. */
	assert_int_equal(csv_next(t.r, &t.d), err);
	rd_close(&t);
}

#define ERR(lit, o, err, line, col, msg)                                       \
	expect_error(lit, sizeof(lit) - 1, o, err, line, col, msg)

static void test_simple(void **state)
{
	struct rd t;

	OPEN(&t, "a,b,c\n1,,3\n", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_count(t.r), 3);
	assert_int_equal(csv_line(t.r), 1);
	expect_field(&t, 0, "a", 1);
	expect_field(&t, 2, "c", 1);
	assert_null(csv_field(t.r, 3, NULL));
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_line(t.r), 2);
	expect_field(&t, 1, "", 0);
	expect_field(&t, 2, "3", 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	assert_int_equal(csv_offset(t.r), 11);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
}

static void test_quoting(void **state)
{
	struct rd t;

	OPEN(&t, "\"a,b\",\"say \"\"hi\"\"\",\"\",x\n", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_count(t.r), 4);
	expect_field(&t, 0, "a,b", 3);
	expect_field(&t, 1, "say \"hi\"", 8);
	expect_field(&t, 2, "", 0);
	expect_field(&t, 3, "x", 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
}

static void test_embedded_newline(void **state)
{
	struct rd t;

	OPEN(&t, "1,\"two\nlines\"\r\n2,\"x\r\ny\"\n3,z", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	expect_field(&t, 1, "two\nlines", 9);
	assert_int_equal(csv_line(t.r), 1);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_line(t.r), 3);
	expect_field(&t, 1, "x\r\ny", 4);
	/* The last line has no line end, like the real OFAC files. */
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_line(t.r), 5);
	expect_field(&t, 1, "z", 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
}

static void test_crlf(void **state)
{
	struct rd t;

	OPEN(&t, "a,b\r\nc,d\r\n", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	expect_field(&t, 1, "b", 1);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_line(t.r), 2);
	expect_field(&t, 1, "d", 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
	ERR("a,b\rc,d\n", NULL, LIA_EPARSE, 1, 4, "carriage return");
}

static void test_stray_quote(void **state)
{
	ERR("ok,fine\nab\"c,d\n", NULL, LIA_EPARSE, 2, 3,
	    "quote inside unquoted field");
	ERR("\"ab\"c,d\n", NULL, LIA_EPARSE, 1, 5,
	    "unexpected character after closing quote");
	ERR("x, \"a\"\n", NULL, LIA_EPARSE, 1, 4, "quote inside unquoted");
}

static void test_unterminated_quote(void **state)
{
	ERR("a,b\nc,\"never closed\nmore\n", NULL, LIA_EPARSE, 2, 3,
	    "not closed");
	/* A 0x1A at the very end is the end of input, also here. */
	ERR("c,\"never closed\x1a", NULL, LIA_EPARSE, 1, 3, "not closed");
}

static void test_field_counts(void **state)
{
	struct csv_opts o = {.expect_fields = 2};
	struct csv_opts small = {.max_fields = 3};
	struct rd t;

	ERR("a,b\na\n", &o, LIA_EPARSE, 2, 1, "expected 2 fields, found 1");
	ERR("a,b\na,b,\n", &o, LIA_EPARSE, 2, 1, "expected 2 fields, found 3");
	ERR("1,2,3,4\n", &small, LIA_ETOOBIG, 1, 7, "too many fields");
	OPEN(&t, "1,2,3\n", &small);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_count(t.r), 3);
	rd_close(&t);
}

static void test_field_too_long(void **state)
{
	struct csv_opts o = {.max_field = 4};
	struct rd t;

	ERR("abcd,abcde\n", &o, LIA_ETOOBIG, 1, 6, "longer than the limit");
	ERR("\"ab\"\"cd\"\n", &o, LIA_ETOOBIG, 1, 1, "longer than the limit");
	OPEN(&t, "abcd,\"a\"\"cd\"\n", &o);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	expect_field(&t, 1, "a\"cd", 4);
	rd_close(&t);
}

static void test_utf8(void **state)
{
	struct rd t;

	OPEN(&t, "\xd0\x9c\xd0\xb8\xd1\x80,\"\xe4\xb8\xad\"\n", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	expect_field(&t, 0, "\xd0\x9c\xd0\xb8\xd1\x80", 6);
	expect_field(&t, 1, "\xe4\xb8\xad", 3);
	rd_close(&t);
	/* The column is the byte column of the first bad byte. */
	ERR("ok\nab,cd\xff\n", NULL, LIA_EPARSE, 2, 6, "invalid UTF-8");
	/* Overlong encoding of '/'. */
	ERR("a,\xc0\xaf\n", NULL, LIA_EPARSE, 1, 3, "invalid UTF-8");
	/* Inside a quoted field across a line and a doubled quote. */
	ERR("x,\"a\"\"\nb\xe4\"\n", NULL, LIA_EPARSE, 2, 2, "invalid UTF-8");
	/* A sequence cut by the end of the field. */
	ERR("\"\xe4\xb8\",x\n", NULL, LIA_EPARSE, 1, 2, "invalid UTF-8");
	ERR("a\0b\n", NULL, LIA_EPARSE, 1, 2, "NUL byte");
}

static void test_empty_lines(void **state)
{
	struct rd t;

	/* An empty last line is accepted. */
	OPEN(&t, "a\n\n", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
	OPEN(&t, "a\r\n\r\n", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
	/* An empty input has no records. */
	rd_open(&t, "", 0, NULL);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
	/* Elsewhere an empty line is an error. */
	ERR("a\n\nb\n", NULL, LIA_EPARSE, 2, 1, "empty line");
	ERR("\na\n", NULL, LIA_EPARSE, 1, 1, "empty line");
	ERR("a\n\n\n", NULL, LIA_EPARSE, 2, 1, "empty line");
}

static void test_sub(void **state)
{
	struct rd t;

	/* As the very last byte, after a line end (ofac_sdn_comments.csv). */
	OPEN(&t, "a,b\n\x1a", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
	/* Right after the last field. */
	OPEN(&t, "a,b\x1a", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	expect_field(&t, 1, "b", 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
	OPEN(&t, "a,\"b\"\x1a", NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	expect_field(&t, 1, "b", 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	rd_close(&t);
	/* Anywhere else it is rejected. */
	ERR("a,b\n\x1a\n", NULL, LIA_EPARSE, 2, 1, "0x1A");
	ERR("a,b\x1a\x1a", NULL, LIA_EPARSE, 1, 4, "0x1A");
	ERR("a,\"b\x1a\"\n", NULL, LIA_EPARSE, 1, 5, "0x1A");
}

static void test_separator_and_trim(void **state)
{
	struct csv_opts o = {.sep = ';', .trim_header = true};
	struct csv_opts bad = {.sep = '"'};
	struct csv_reader *r = NULL;
	struct rd t;

	OPEN(&t, " id ; given_name\n a ; b,c \n", &o);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	expect_field(&t, 0, "id", 2);
	expect_field(&t, 1, "given_name", 10);
	/* Only the header is trimmed; data is kept exactly. */
	assert_int_equal(csv_next(t.r, &t.d), 1);
	expect_field(&t, 0, " a ", 3);
	expect_field(&t, 1, " b,c ", 5);
	rd_close(&t);
	assert_int_equal(csv_open(stdin, "x", &bad, &r), LIA_EINVAL);
	assert_null(r);
	assert_int_equal(csv_open(NULL, "x", NULL, &r), LIA_EINVAL);
}

/* A record that spans the internal 64 KiB buffer boundary many times. */
static void test_long_fields(void **state)
{
	size_t n = 300000;
	char *data = malloc(n + 16);
	struct rd t;

	assert_non_null(data);
	data[0] = '"';
	for (size_t i = 1; i < n; i++)
		data[i] = (i % 7 == 0) ? '\n' : 'x';
	memcpy(data + n, "\",y\n", 4);
	rd_open(&t, data, n + 4, NULL);
	assert_int_equal(csv_next(t.r, &t.d), 1);
	assert_int_equal(csv_count(t.r), 2);
	{
		size_t len;
		const char *s = csv_field(t.r, 0, &len);

		assert_int_equal(len, n - 1);
		assert_memory_equal(s, data + 1, n - 1);
	}
	expect_field(&t, 1, "y", 1);
	assert_int_equal(csv_next(t.r, &t.d), 0);
	assert_int_equal(csv_offset(t.r), n + 4);
	rd_close(&t);
	free(data);
}

/* Count records of a real file, or return -1 with the diag. */
static long count_file(const char *path, size_t expect, struct diag *d)
{
	struct csv_opts o = {.expect_fields = expect};
	struct csv_reader *r;
	FILE *f = fopen(path, "rb");
	long n = 0;
	int rc;

	assert_non_null(f);
	assert_int_equal(csv_open(f, "ofac.csv", &o, &r), 0);
	while ((rc = csv_next(r, d)) == 1)
		n++;
	csv_close(r);
	fclose(f);
	return rc == 0 ? n : rc;
}

static void test_real_files(void **state)
{
	const char *dir = getenv("LIAISON_DATA");
	char path[4096];
	struct diag d;

	diag_clear(&d);
	snprintf(path, sizeof(path), "%s/sanctions/ofac_sdn.csv",
		 dir ? dir : "");
	if (!dir || access(path, R_OK)) {
		print_message("LIAISON_DATA/sanctions not found: skipped\n");
		skip();
		return;
	}
	assert_int_equal(count_file(path, 12, &d), 7379);
	snprintf(path, sizeof(path), "%s/sanctions/ofac_alt.csv", dir);
	assert_int_equal(count_file(path, 5, &d), 9682);
	snprintf(path, sizeof(path), "%s/sanctions/ofac_add.csv", dir);
	assert_int_equal(count_file(path, 6, &d), 11696);
	snprintf(path, sizeof(path), "%s/sanctions/ofac_sdn_comments.csv", dir);
	assert_int_equal(count_file(path, 2, &d), 13);
	snprintf(path, sizeof(path), "%s/sanctions/invalid/ofac_sdn.csv", dir);
	assert_int_equal(count_file(path, 12, &d), LIA_EPARSE);
	assert_int_equal(d.line, 7380);
	assert_string_equal(d.msg, "expected 12 fields, found 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple),
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_embedded_newline),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_stray_quote),
	    cmocka_unit_test(test_unterminated_quote),
	    cmocka_unit_test(test_field_counts),
	    cmocka_unit_test(test_field_too_long),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_empty_lines),
	    cmocka_unit_test(test_sub),
	    cmocka_unit_test(test_separator_and_trim),
	    cmocka_unit_test(test_long_fields),
	    cmocka_unit_test(test_real_files),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	const char *dir = getenv("LIAISON_DATA");
	char path[4096];

	snprintf(path, sizeof(path), "%s/sanctions/ofac_sdn.csv",
		 dir ? dir : "");
	/* Everything else passed, but the real files were not there. */
	if (rc == 0 && (!dir || access(path, R_OK))) {
		fprintf(stderr, "LIAISON_DATA not found: real-data test "
				"skipped\n");
		return 77;
	}
	return rc;
}
