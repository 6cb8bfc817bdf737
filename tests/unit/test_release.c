/* test_release.c - the strict parsers of request, release and refusal
 * bodies, and the release policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "liaison/entity.h"
#include "liaison/node.h"

#define REF "0123456789abcdef0123456789abcdef"
#define REQ "fedcba9876543210fedcba9876543210"
#define MARK                                                                   \
	"\"marking\":{\"agency\":\"NL-NP\",\"classification\":"                \
	"\"RESTRICTED\",\"handling\":\"H1\",\"tlp\":\"AMBER\","                \
	"\"audience\":[\"DE-BKA\"]}"
#define RECORD                                                                 \
	"{\"id\":\"r-1\",\"schema\":\"Person\",\"properties\":{\"name\":"      \
	"[\"Ivan Petrov\"]}," MARK "}"

static int prq(const char *s, struct node_request_body *r)
{
	return node_request_parse((const uint8_t *)s, strlen(s), r, NULL);
}

static int prl(const char *s, bool release, struct node_release *r)
{
	struct ladder l;

	marking_ladder_default(&l);
	return node_release_parse((const uint8_t *)s, strlen(s), &l, release, r,
				  NULL);
}

static void test_request(void **state)
{
	struct node_request_body r;

	(void)state;
	assert_int_equal(
	    prq("{\"v\":1,\"ref\":\"" REF "\",\"reason\":\"case\"}", &r), 0);
	assert_string_equal(r.ref, REF);
	assert_string_equal(r.reason, "case");
	assert_int_equal(prq("{\"v\":1,\"ref\":\"" REF "\"}", &r), 0);
	assert_string_equal(r.reason, "");
	assert_int_equal(prq("{\"v\":1}", &r), LIA_EPARSE);
	assert_int_equal(prq("{\"v\":2,\"ref\":\"" REF "\"}", &r), LIA_EPARSE);
	assert_int_equal(prq("{\"v\":1,\"ref\":\"" REF "\",\"x\":1}", &r),
			 LIA_EPARSE);
	assert_int_equal(prq("{\"v\":1,\"ref\":\"0123\"}", &r), LIA_EPARSE);
	assert_int_equal(prq("{\"v\":1,\"ref\":\"0123456789ABCDEF0123456789"
			     "abcdef\"}",
			     &r),
			 LIA_EPARSE);
	assert_int_equal(prq("{\"v\":1,\"ref\":1}", &r), LIA_EPARSE);
	assert_int_equal(
	    prq("{\"v\":1,\"ref\":\"" REF "\",\"reason\":\"a\\u0001\"}", &r),
	    LIA_EPARSE);
	assert_int_equal(
	    prq("{\"v\":1,\"ref\":\"" REF "\",\"ref\":\"" REF "\"}", &r),
	    LIA_EPARSE);
	assert_int_equal(prq("[]", &r), LIA_EPARSE);
}

static void test_release(void **state)
{
	struct node_release r;

	(void)state;
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\",\"record\":" RECORD "}",
			     true, &r),
			 0);
	assert_string_equal(entity_id(r.record.entity), "r-1");
	assert_string_equal(r.record.marking.agency, "NL-NP");
	assert_string_equal(r.request, REQ);
	node_release_free(&r);
	/* A release without its record, a bad marking, unknown keys. */
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\"}",
			     true, &r),
			 LIA_EPARSE);
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\",\"record\":{\"id\":\"r-1\",\"schema\":"
			     "\"Person\",\"properties\":{}}}",
			     true, &r),
			 LIA_EPARSE);
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\",\"record\":{\"id\":\"r-1\",\"schema\":"
			     "\"Person\",\"properties\":{},\"marking\":"
			     "{\"classification\":\"TOPMOST\"}}}",
			     true, &r),
			 LIA_EPARSE);
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\",\"record\":" RECORD ",\"x\":1}",
			     true, &r),
			 LIA_EPARSE);
}

static void test_refusal(void **state)
{
	struct node_release r;

	(void)state;
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\",\"reason\":\"no\"}",
			     false, &r),
			 0);
	assert_string_equal(r.reason, "no");
	assert_null(r.record.entity);
	node_release_free(&r);
	/* A refusal needs a reason and never carries a record. */
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\"}",
			     false, &r),
			 LIA_EPARSE);
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\",\"reason\":\"\"}",
			     false, &r),
			 LIA_EPARSE);
	assert_int_equal(prl("{\"v\":1,\"request\":\"" REQ "\",\"ref\":\"" REF
			     "\",\"reason\":\"no\",\"record\":" RECORD "}",
			     false, &r),
			 LIA_EPARSE);
	assert_int_equal(prl("{\"v\":1,\"request\":\"xyz\",\"ref\":\"" REF
			     "\",\"reason\":\"no\"}",
			     false, &r),
			 LIA_EPARSE);
}

static int pol(const char *s, struct node_release_policy *p)
{
	struct ladder l;
	json_t *j = s ? json_loads(s, 0, NULL) : NULL;
	int err;

	marking_ladder_default(&l);
	err = node_policy_from_json(j, &l, p, NULL);
	json_decref(j);
	return err;
}

static void test_policy(void **state)
{
	struct node_release_policy p;
	struct ladder l;
	struct marking m;

	(void)state;
	marking_ladder_default(&l);
	marking_init(&m);
	(void)snprintf(m.agency, sizeof(m.agency), "NL-NP");
	(void)snprintf(m.classification, sizeof(m.classification),
		       "RESTRICTED");

	/* Absent: everything waits. */
	assert_int_equal(pol(NULL, &p), 0);
	assert_false(node_policy_allows(&p, &l, "FR-PN", &m));

	assert_int_equal(pol("{\"auto_approve\":[\"FR-PN\"],"
			     "\"max_classification\":\"RESTRICTED\"}",
			     &p),
			 0);
	assert_true(node_policy_allows(&p, &l, "FR-PN", &m));
	assert_false(node_policy_allows(&p, &l, "DE-BKA", &m));
	(void)snprintf(m.classification, sizeof(m.classification), "SECRET");
	assert_false(node_policy_allows(&p, &l, "FR-PN", &m));
	(void)snprintf(m.classification, sizeof(m.classification),
		       "UNCLASSIFIED");
	assert_true(node_policy_allows(&p, &l, "FR-PN", &m));
	(void)snprintf(m.classification, sizeof(m.classification), "UNKNOWN");
	assert_false(node_policy_allows(&p, &l, "FR-PN", &m));

	/* Invalid policies are configuration errors. */
	assert_int_equal(pol("[]", &p), LIA_ECONFIG);
	assert_int_equal(pol("{\"auto_approve\":[\"FR-PN\"]}", &p),
			 LIA_ECONFIG);
	assert_int_equal(pol("{\"auto_approve\":[\"FR-PN\"],"
			     "\"max_classification\":\"TOPMOST\"}",
			     &p),
			 LIA_ECONFIG);
	assert_int_equal(pol("{\"auto_approve\":[\"not an agency\"],"
			     "\"max_classification\":\"RESTRICTED\"}",
			     &p),
			 LIA_ECONFIG);
	assert_int_equal(pol("{\"auto_approve\":[1],"
			     "\"max_classification\":\"RESTRICTED\"}",
			     &p),
			 LIA_ECONFIG);
	assert_int_equal(pol("{\"auto_approve\":[],\"max_classification\":"
			     "\"RESTRICTED\",\"everyone\":true}",
			     &p),
			 LIA_ECONFIG);
	marking_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request),
	    cmocka_unit_test(test_release),
	    cmocka_unit_test(test_refusal),
	    cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
