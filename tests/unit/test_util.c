/* test_util.c - strbuf limits, checked parsing, UTF-8, diag formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "liaison/error.h"
#include "liaison/strbuf.h"

static void strbuf_limits(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb, 8);
	assert_string_equal(sb.buf, "");
	assert_int_equal(strbuf_addstr(&sb, "12345678"), 0);
	assert_int_equal(strbuf_addch(&sb, '9'), LIA_ETOOBIG);
	assert_string_equal(sb.buf, "12345678");
	strbuf_setlen(&sb, 2);
	assert_int_equal(strbuf_addf(&sb, "%d", 345), 0);
	assert_string_equal(sb.buf, "12345");
	assert_int_equal(strbuf_addf(&sb, "%s", "toolong"), LIA_ETOOBIG);
	strbuf_release(&sb);
	assert_int_equal(sb.len, 0);
}

static void numbers(void **state)
{
	int64_t v;
	uint64_t u;

	(void)state;
	assert_int_equal(str_to_i64("-42", 3, &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(str_to_i64("9223372036854775807", 19, &v), 0);
	assert_int_equal(str_to_i64("9223372036854775808", 19, &v),
			 LIA_EOVERFLOW);
	assert_int_equal(str_to_i64("-9223372036854775808", 20, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(str_to_u64("18446744073709551616", 20, &u),
			 LIA_EOVERFLOW);
	assert_int_equal(str_to_u64("12a", 3, &u), LIA_EINVAL);
	assert_int_equal(str_to_u64("", 0, &u), LIA_EINVAL);
	assert_int_equal(str_to_u64(" 1", 2, &u), LIA_EINVAL);
}

static void utf8(void **state)
{
	size_t bad = 0;

	(void)state;
	assert_true(utf8_valid("Путин 普京 بوتين", strlen("Путин 普京 بوتين"), NULL));
	assert_false(utf8_valid("ab\xc0\xaf", 4, &bad)); /* overlong '/' */
	assert_int_equal(bad, 2);
	assert_false(utf8_valid("\xed\xa0\x80", 3, &bad)); /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4, &bad)); /* > U+10FFFF */
	assert_false(utf8_valid("abc\xe2\x82", 5, &bad)); /* truncated */
	assert_int_equal(bad, 3);
}

static void diag_format_and_scrub(void **state)
{
	struct diag d;
	char buf[128];

	(void)state;
	diag_clear(&d);
	diag_set(&d, "bad value \"%s\"", "a\nb\x1b[2J");
	diag_at(&d, "x.csv", 12, 3);
	diag_prefix(&d, "name: ");
	assert_string_equal(diag_format(&d, buf, sizeof(buf)),
			    "x.csv:12:3: name: bad value \"a?b?[2J\"");
	assert_string_equal(err_str(LIA_EPARSE), "malformed input");
	assert_string_equal(err_str(-999), "unknown error");
	assert_string_equal(err_str(5), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strbuf_limits),
		cmocka_unit_test(numbers),
		cmocka_unit_test(utf8),
		cmocka_unit_test(diag_format_and_scrub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
