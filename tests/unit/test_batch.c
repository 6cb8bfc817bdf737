/* test_batch.c - the batch framing: round trip, every refusal, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "liaison/batch.h"

static void test_roundtrip(void **state)
{
	static struct batch_item it[BATCH_COUNT_MAX];
	struct strbuf sb;
	struct diag d;
	size_t n = 0;

	(void)state;
	strbuf_init(&sb, BATCH_MAX);
	assert_int_equal(batch_start(&sb), 0);
	assert_int_equal(batch_count(&sb), 0);
	assert_int_equal(batch_append(&sb, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(batch_append(&sb, (const uint8_t *)"de", 2), 0);
	assert_int_equal(batch_count(&sb), 2);
	assert_int_equal(sb.len, BATCH_HEADER + 4 + 3 + 4 + 2);
	assert_int_equal(batch_parse((const uint8_t *)sb.buf, sb.len, it,
				     BATCH_COUNT_MAX, &n, &d),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(it[0].len, 3);
	assert_memory_equal(it[0].bytes, "abc", 3);
	assert_int_equal(it[1].len, 2);
	assert_memory_equal(it[1].bytes, "de", 2);
	/* Fewer slots than envelopes: refused, nothing written. */
	n = 7;
	assert_int_equal(
	    batch_parse((const uint8_t *)sb.buf, sb.len, it, 1, &n, &d),
	    LIA_ETOOBIG);
	assert_int_equal(n, 7);
	/* Empty and oversized envelopes are not appended. */
	assert_int_equal(batch_append(&sb, (const uint8_t *)"", 0), LIA_EINVAL);
	assert_int_equal(
	    batch_append(&sb, (const uint8_t *)"x", (size_t)ENVELOPE_MAX + 1),
	    LIA_EINVAL);
	strbuf_release(&sb);
}

static void test_limits(void **state)
{
	static struct batch_item it[BATCH_COUNT_MAX];
	struct strbuf sb;
	struct diag d;
	size_t n = 0;
	uint8_t *big = calloc(1, ENVELOPE_MAX);

	(void)state;
	assert_non_null(big);
	strbuf_init(&sb, BATCH_MAX);
	assert_int_equal(batch_start(&sb), 0);
	for (int i = 0; i < BATCH_COUNT_MAX; i++)
		assert_int_equal(batch_append(&sb, (const uint8_t *)"e", 1), 0);
	assert_int_equal(batch_append(&sb, (const uint8_t *)"e", 1),
			 LIA_ETOOBIG);
	assert_int_equal(batch_parse((const uint8_t *)sb.buf, sb.len, it,
				     BATCH_COUNT_MAX, &n, &d),
			 0);
	assert_int_equal(n, BATCH_COUNT_MAX);
	/* The largest envelope fits alone, not beside another. */
	assert_int_equal(batch_start(&sb), 0);
	assert_int_equal(batch_append(&sb, big, ENVELOPE_MAX), 0);
	assert_int_equal(batch_append(&sb, (const uint8_t *)"e", 1), 0);
	assert_int_equal(batch_start(&sb), 0);
	assert_int_equal(batch_append(&sb, (const uint8_t *)"e", 1), 0);
	assert_int_equal(batch_append(&sb, big, ENVELOPE_MAX), 0);
	assert_int_equal(batch_count(&sb), 2);
	assert_true(sb.len <= BATCH_MAX);
	strbuf_release(&sb);
	free(big);
}

static void test_refusals(void **state)
{
	static struct batch_item it[BATCH_COUNT_MAX];
	struct diag d;
	size_t n = 0;
	static const uint8_t ok[] = {'L', 'I', 'A', 'B', 1, 0,	0,
				     1,	  0,   0,   0,	 1, 'x'};
	uint8_t b[sizeof(ok) + 1];

	(void)state;
	assert_int_equal(batch_parse(ok, sizeof(ok), it, 1, &n, &d), 0);
	assert_int_equal(n, 1);
	memcpy(b, ok, sizeof(ok));
	b[3] = 'X';
	assert_int_equal(batch_parse(b, sizeof(ok), it, 1, &n, &d), LIA_EPARSE);
	memcpy(b, ok, sizeof(ok));
	b[4] = 2;
	assert_int_equal(batch_parse(b, sizeof(ok), it, 1, &n, &d),
			 LIA_EVERSION);
	b[4] = 0;
	assert_int_equal(batch_parse(b, sizeof(ok), it, 1, &n, &d), LIA_EPARSE);
	memcpy(b, ok, sizeof(ok));
	b[5] = 1;
	assert_int_equal(batch_parse(b, sizeof(ok), it, 1, &n, &d), LIA_EPARSE);
	memcpy(b, ok, sizeof(ok));
	b[7] = 0; /* no envelope */
	assert_int_equal(batch_parse(b, BATCH_HEADER, it, 1, &n, &d),
			 LIA_EPARSE);
	memcpy(b, ok, sizeof(ok));
	b[7] = 2; /* announces two, holds one */
	assert_int_equal(batch_parse(b, sizeof(ok), it, 2, &n, &d), LIA_EPARSE);
	memcpy(b, ok, sizeof(ok));
	b[11] = 0; /* an empty envelope */
	assert_int_equal(batch_parse(b, sizeof(ok), it, 1, &n, &d), LIA_EPARSE);
	memcpy(b, ok, sizeof(ok));
	b[8] = 0xff; /* length far past the end */
	assert_int_equal(batch_parse(b, sizeof(ok), it, 1, &n, &d), LIA_EPARSE);
	memcpy(b, ok, sizeof(ok));
	b[11] = 2; /* length one past the end */
	assert_int_equal(batch_parse(b, sizeof(ok), it, 1, &n, &d), LIA_EPARSE);
	memcpy(b, ok, sizeof(ok));
	b[sizeof(ok)] = 0; /* a trailing byte */
	assert_int_equal(batch_parse(b, sizeof(ok) + 1, it, 1, &n, &d),
			 LIA_EPARSE);
	assert_int_equal(batch_parse(ok, 11, it, 1, &n, &d), LIA_EPARSE);
	assert_int_equal(batch_parse(ok, 3, it, 1, &n, &d), LIA_EPARSE);
	assert_int_equal(batch_parse(ok, BATCH_MAX + 1, it, 1, &n, &d),
			 LIA_ETOOBIG);
	assert_int_equal(n, 1); /* untouched by every refusal */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
