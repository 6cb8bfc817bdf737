/* test_alert.c - the strict parsers of alert, alert-withdraw and hit
 * bodies, and the deduplication of hit notifications (the rule and the
 * store's check under its write lock). */
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
#include "liaison/node.h"

#define AID "0123456789abcdef0123456789abcdef"
#define REC                                                                    \
	"\"record\":{\"id\":\"p1\",\"schema\":\"Person\",\"properties\":"      \
	"{\"name\":[\"Ivan Petrov\"]},\"marking\":{\"agency\":\"NL-NP\","      \
	"\"audience\":[\"DE-BKA\"],\"classification\":\"RESTRICTED\","         \
	"\"handling\":\"H1\",\"tlp\":\"AMBER\"}}"

static int pal(const char *s)
{
	struct ladder l;
	struct node_alert a;
	int rc;

	marking_ladder_default(&l);
	rc = node_alert_parse((const uint8_t *)s, strlen(s), &l, &a, NULL);
	if (!rc) {
		assert_string_equal(a.id, AID);
		assert_string_equal(entity_id(a.record.entity), "p1");
		node_alert_release(&a);
	}
	return rc;
}

static void test_alert_body(void **state)
{
	(void)state;
	assert_int_equal(
	    pal("{\"v\":1,\"id\":\"" AID "\",\"kind\":\"arrest\","
		"\"action\":\"arrest\",\"expires\":0,\"version\":1," REC "}"),
	    0);
	/* Unknown kind, key, version; bad id; missing record or marking. */
	assert_int_equal(pal("{\"v\":1,\"id\":\"" AID "\",\"kind\":\"shoot\","
			     "\"action\":\"\",\"expires\":0,\"version\":1," REC
			     "}"),
			 LIA_EPARSE);
	assert_int_equal(pal("{\"v\":1,\"id\":\"" AID "\",\"kind\":\"arrest\","
			     "\"expires\":0,\"version\":1,\"x\":1," REC "}"),
			 LIA_EPARSE);
	assert_int_equal(pal("{\"v\":2,\"id\":\"" AID "\",\"kind\":\"arrest\","
			     "\"expires\":0,\"version\":1," REC "}"),
			 LIA_EPARSE);
	assert_int_equal(pal("{\"v\":1,\"id\":\"0123\",\"kind\":\"arrest\","
			     "\"expires\":0,\"version\":1," REC "}"),
			 LIA_EPARSE);
	assert_int_equal(pal("{\"v\":1,\"id\":\"" AID "\",\"kind\":\"arrest\","
			     "\"expires\":0,\"version\":0," REC "}"),
			 LIA_EPARSE);
	assert_int_equal(pal("{\"v\":1,\"id\":\"" AID "\",\"kind\":\"arrest\","
			     "\"expires\":-5,\"version\":1," REC "}"),
			 LIA_EPARSE);
	assert_int_equal(pal("{\"v\":1,\"id\":\"" AID "\",\"kind\":\"arrest\","
			     "\"expires\":0,\"version\":1}"),
			 LIA_EPARSE);
	assert_int_equal(pal("{\"v\":1,\"id\":\"" AID "\",\"kind\":\"arrest\","
			     "\"expires\":0,\"version\":1,\"record\":{\"id\":"
			     "\"p1\",\"schema\":\"Person\"}}"),
			 LIA_EPARSE);
	assert_int_equal(pal("{\"v\":1,\"id\":\"" AID "\",\"kind\":\"arrest\","
			     "\"action\":\"a\\u0007\",\"expires\":0,"
			     "\"version\":1," REC "}"),
			 LIA_EPARSE);
}

static int pw(const char *s)
{
	struct node_alert_withdraw w;

	return node_alert_withdraw_parse((const uint8_t *)s, strlen(s), &w,
					 NULL);
}

static int ph(const char *s, struct node_hit *h)
{
	return node_hit_parse((const uint8_t *)s, strlen(s), h, NULL);
}

/* The asking agency of a query's hit: required with the channel "query",
 * refused with any other, and an agency code. */
static void test_hit_asker(void **state)
{
	struct node_hit h;

	(void)state;
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.8,\"channel\":\"query\","
			    "\"schema\":\"Person\",\"asker\":\"FR-PN\"}",
			    &h),
			 0);
	assert_string_equal(h.channel, "query");
	assert_string_equal(h.asker, "FR-PN");
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.8,\"channel\":\"screening\","
			    "\"schema\":\"Person\"}",
			    &h),
			 0);
	assert_string_equal(h.asker, "");
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.8,\"channel\":\"query\","
			    "\"schema\":\"Person\"}",
			    &h),
			 LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.8,\"channel\":\"import\","
			    "\"schema\":\"Person\",\"asker\":\"FR-PN\"}",
			    &h),
			 LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.8,\"channel\":\"query\","
			    "\"schema\":\"Person\",\"asker\":\"Ivan P\"}",
			    &h),
			 LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.8,\"channel\":\"query\","
			    "\"schema\":\"Person\",\"asker\":\"\"}",
			    &h),
			 LIA_EPARSE);
}

static void test_withdraw_and_hit(void **state)
{
	struct node_hit h;

	(void)state;
	assert_int_equal(pw("{\"v\":1,\"id\":\"" AID "\",\"reason\":\"done\"}"),
			 0);
	assert_int_equal(pw("{\"v\":1,\"id\":\"" AID "\",\"why\":\"x\"}"),
			 LIA_EPARSE);
	assert_int_equal(pw("{\"v\":1}"), LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1700000000,"
			    "\"score\":0.91,\"channel\":\"screening\","
			    "\"schema\":\"Person\"}",
			    &h),
			 0);
	assert_string_equal(h.channel, "screening");
	assert_true(h.score > 0.9 && h.score < 0.92);
	/* A score out of (0, 1], an unknown channel, a schema that is not
	 * a word, personal data in an unknown key: refused. */
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":1.5,\"channel\":\"screening\","
			    "\"schema\":\"Person\"}",
			    &h),
			 LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0,\"channel\":\"screening\","
			    "\"schema\":\"Person\"}",
			    &h),
			 LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.5,\"channel\":\"phone\","
			    "\"schema\":\"Person\"}",
			    &h),
			 LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.5,\"channel\":\"import\","
			    "\"schema\":\"Per son\"}",
			    &h),
			 LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"at\":1,"
			    "\"score\":0.5,\"channel\":\"import\","
			    "\"schema\":\"Person\",\"name\":\"Ivan\"}",
			    &h),
			 LIA_EPARSE);
	assert_int_equal(ph("{\"v\":1,\"alert\":\"" AID "\",\"alert\":\"" AID
			    "\",\"at\":1,\"score\":0.5,\"channel\":\"import\","
			    "\"schema\":\"Person\"}",
			    &h),
			 LIA_EPARSE);
}

static void test_dedup_rule(void **state)
{
	(void)state;
	assert_true(node_hit_duplicate(1000, 1000));
	assert_true(node_hit_duplicate(1000, 1000 + NODE_HIT_WINDOW - 1));
	assert_false(node_hit_duplicate(1000, 1000 + NODE_HIT_WINDOW));
	/* A clock set back withholds rather than floods. */
	assert_true(node_hit_duplicate(1000, 999));
}

/* The store refuses a second hit on the same alert and subject at or
 * after `since` (the rule above as a bound), and accepts it later or for
 * another subject. */
static void test_dedup_store(void **state)
{
	struct store_opts o = {.create = true};
	struct store *st = NULL;
	struct store_alert_hit h = {
	    .env_id = "00000000000000000000000000000001",
	    .direction = "sent",
	    .alert_id = AID,
	    .agency = "NL-NP",
	    .at = 10000,
	    .score = 0.9,
	    .channel = "screening",
	    .schema = "Person",
	    .subject_key = "k1",
	};
	char dir[64], p[128];
	struct diag d;
	int64_t now = 10000;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/liaison-alert-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(dir, &o, &st, &d), 0);
	assert_int_equal(store_alert_hit_add(st, &h, now - NODE_HIT_WINDOW + 1,
					     NULL, "node", "t", &d),
			 0);
	now += NODE_HIT_WINDOW - 1;
	h.env_id = "00000000000000000000000000000002";
	h.at = now;
	assert_int_equal(store_alert_hit_add(st, &h, now - NODE_HIT_WINDOW + 1,
					     NULL, "node", "t", &d),
			 LIA_EEXIST);
	h.subject_key = "k2";
	assert_int_equal(store_alert_hit_add(st, &h, now - NODE_HIT_WINDOW + 1,
					     NULL, "node", "t", &d),
			 0);
	now = 10000 + NODE_HIT_WINDOW;
	h.env_id = "00000000000000000000000000000003";
	h.subject_key = "k1";
	h.at = now;
	assert_int_equal(store_alert_hit_add(st, &h, now - NODE_HIT_WINDOW + 1,
					     NULL, "node", "t", &d),
			 0);
	store_close(st);
	for (int i = 0; i < 3; i++) {
		static const char *const n[] = {"store.db", "store.db-wal",
						"store.db-shm"};
		snprintf(p, sizeof(p), "%s/%s", dir, n[i]);
		unlink(p);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alert_body),
	    cmocka_unit_test(test_withdraw_and_hit),
	    cmocka_unit_test(test_hit_asker),
	    cmocka_unit_test(test_dedup_rule),
	    cmocka_unit_test(test_dedup_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
