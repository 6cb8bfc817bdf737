/* test_query.c - the strict parsers of query and answer bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "liaison/node.h"

static int pq(const char *s, struct node_query *q)
{
	return node_query_parse((const uint8_t *)s, strlen(s), q, NULL);
}

static int pa(const char *s, struct node_answer *a)
{
	return node_answer_parse((const uint8_t *)s, strlen(s), a, NULL);
}

static void test_query_ok(void **state)
{
	struct node_query q;

	(void)state;
	assert_int_equal(pq("{\"v\":1,\"name\":\"Ivan\",\"dob\":\"1970-05\","
			    "\"nationality\":\"ru\",\"schema\":\"Person\"}",
			    &q),
			 0);
	assert_string_equal(q.name, "Ivan");
	assert_string_equal(q.dob, "1970-05");
	assert_string_equal(q.nationality, "ru");
}

static void test_query_rejects(void **state)
{
	struct node_query q;

	(void)state;
	assert_int_equal(pq("{\"v\":1}", &q), LIA_EPARSE);
	assert_int_equal(pq("{\"v\":1,\"name\":\"\"}", &q), LIA_EPARSE);
	assert_int_equal(pq("{\"v\":1,\"name\":\"x\",\"x\":1}", &q), LIA_EPARSE);
	assert_int_equal(pq("{\"v\":2,\"name\":\"x\"}", &q), LIA_EPARSE);
	assert_int_equal(pq("{\"v\":1,\"name\":\"x\",\"dob\":\"1970-00\"}", &q),
			 LIA_EPARSE);
	assert_int_equal(pq("{\"v\":1,\"name\":\"x\",\"nationality\":\"RU\"}",
			    &q),
			 LIA_EPARSE);
	assert_int_equal(pq("{\"v\":1,\"name\":\"x\",\"schema\":\"Vessel\"}",
			    &q),
			 LIA_EPARSE);
	assert_int_equal(pq("{\"v\":1,\"name\":\"a\\u0001b\"}", &q),
			 LIA_EPARSE);
}

#define QID "\"query\":\"0123456789abcdef0123456789abcdef\""
#define HIT(ref, score)                                                   \
	"{\"ref\":\"" ref "\",\"score\":" score ",\"classification\":"    \
	"\"RESTRICTED\",\"handling\":\"H1\",\"tlp\":\"AMBER\"}"
#define R1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_answer(void **state)
{
	struct node_answer a;

	(void)state;
	assert_int_equal(pa("{\"v\":1," QID ",\"hits\":[]}", &a), 0);
	assert_int_equal(a.n_hits, 0);
	assert_int_equal(pa("{\"v\":1," QID ",\"hits\":[" HIT(R1, "0.9") "]}",
			    &a),
			 0);
	assert_int_equal(a.n_hits, 1);
	assert_int_equal(a.hits[0].handling, 1);
	assert_int_equal(a.hits[0].tlp, TLP_AMBER);
	/* Out of range score, integer score, duplicate ref, upper-case ref,
	 * a record id smuggled in as an unknown key, missing hits. */
	assert_int_equal(pa("{\"v\":1," QID ",\"hits\":[" HIT(R1, "1.5") "]}",
			    &a),
			 LIA_EPARSE);
	assert_int_equal(pa("{\"v\":1," QID ",\"hits\":[" HIT(R1, "1") "]}", &a),
			 LIA_EPARSE);
	assert_int_equal(pa("{\"v\":1," QID ",\"hits\":[" HIT(R1, "0.5") ","
			    HIT(R1, "0.6") "]}",
			    &a),
			 LIA_EPARSE);
	assert_int_equal(pa("{\"v\":1," QID ",\"hits\":[" HIT(
				    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "0.5") "]}",
			    &a),
			 LIA_EPARSE);
	assert_int_equal(pa("{\"v\":1," QID ",\"hits\":[],\"id\":\"x\"}", &a),
			 LIA_EPARSE);
	assert_int_equal(pa("{\"v\":1," QID "}", &a), LIA_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_ok),
		cmocka_unit_test(test_query_rejects),
		cmocka_unit_test(test_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
