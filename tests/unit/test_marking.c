/* test_marking.c - markings: validation, JSON round trip, audience. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "liaison/marking.h"
#include "liaison/strbuf.h"

static void base(struct marking *m)
{
	marking_init(m);
	str_copy(m->agency, sizeof(m->agency), "NL-NP");
	str_copy(m->classification, sizeof(m->classification), "RESTRICTED");
}

static void setters(void **state)
{
	struct marking m;
	struct diag d;

	(void)state;
	base(&m);
	diag_clear(&d);
	assert_int_equal(marking_set_tlp(&m, "TLP:AMBER+STRICT", &d), 0);
	assert_int_equal(m.tlp, TLP_AMBER_STRICT);
	assert_int_equal(marking_set_tlp(&m, "white", &d), 0);
	assert_int_equal(m.tlp, TLP_CLEAR);
	assert_int_equal(marking_set_tlp(&m, "PURPLE", &d), LIA_EVALUE);
	assert_int_equal(marking_set_handling(&m, "H2", &d), 0);
	assert_int_equal(m.handling, 2);
	assert_int_equal(marking_set_handling(&m, "H4", &d), LIA_EVALUE);
	assert_int_equal(marking_set_evaluation(&m, "b2", &d), 0);
	assert_int_equal(m.reliability, 'B');
	assert_int_equal(m.credibility, '2');
	assert_int_equal(marking_set_evaluation(&m, "G1", &d), LIA_EVALUE);
	assert_int_equal(marking_set_evaluation(&m, "A7", &d), LIA_EVALUE);
	assert_int_equal(marking_set_audience(&m, "de-bka, EU ,FR-DGSI", &d), 0);
	assert_int_equal(m.n_audience, 3);
	assert_string_equal(m.audience[0], "DE-BKA");
	assert_string_equal(m.audience[1], "EU");
	assert_int_equal(marking_set_audience(&m, "DE,,FR", &d), LIA_EVALUE);
	assert_int_equal(marking_set_audience(&m, "DE,", &d), LIA_EVALUE);
	assert_int_equal(marking_set_audience(&m, "D E", &d), LIA_EVALUE);
	/* A failed set leaves the earlier audience. */
	assert_int_equal(m.n_audience, 3);
	marking_free(&m);
}

static void validate(void **state)
{
	struct marking m;
	struct ladder l;
	struct diag d;

	(void)state;
	marking_ladder_default(&l);
	assert_int_equal(marking_ladder_index(&l, "secret"), 3);
	assert_int_equal(marking_ladder_index(&l, "TOP SECRET"), -1);
	base(&m);
	diag_clear(&d);
	assert_int_equal(marking_validate(&m, &l, &d), 0);
	str_copy(m.classification, sizeof(m.classification), "COSMIC");
	assert_int_equal(marking_validate(&m, &l, &d), LIA_EVALUE);
	assert_non_null(strstr(d.msg, "classification"));
	str_copy(m.classification, sizeof(m.classification), "SECRET");
	m.handling = 3;
	assert_int_equal(marking_validate(&m, &l, &d), LIA_EVALUE);
	m.conditions = strdup("not to be used in court");
	assert_int_equal(marking_validate(&m, &l, &d), 0);
	str_copy(m.review_by, sizeof(m.review_by), "2027-02-30");
	assert_int_equal(marking_validate(&m, &l, &d), LIA_EVALUE);
	str_copy(m.review_by, sizeof(m.review_by), "2027");
	assert_int_equal(marking_validate(&m, &l, &d), LIA_EVALUE);
	str_copy(m.review_by, sizeof(m.review_by), "2027-02-28");
	assert_int_equal(marking_validate(&m, &l, &d), 0);
	str_copy(m.agency, sizeof(m.agency), "nl np");
	assert_int_equal(marking_validate(&m, &l, &d), LIA_EVALUE);
	marking_free(&m);
}

static void json_round_trip(void **state)
{
	struct marking m, m2;
	struct strbuf a, b;
	json_t *j = NULL, *j2 = NULL;
	struct diag d;

	(void)state;
	base(&m);
	diag_clear(&d);
	m.handling = 3;
	m.conditions = strdup("inform NL-NP before any action");
	m.tlp = TLP_RED;
	assert_int_equal(marking_set_evaluation(&m, "A1", &d), 0);
	assert_int_equal(marking_set_audience(&m, "DE-BKA", &d), 0);
	str_copy(m.review_by, sizeof(m.review_by), "2027-01-31");
	assert_int_equal(marking_to_json(&m, &j), 0);
	assert_int_equal(marking_from_json(j, NULL, &m2, &d), 0);
	assert_int_equal(marking_to_json(&m2, &j2), 0);
	assert_true(json_equal(j, j2));
	strbuf_init(&a, 0);
	strbuf_init(&b, 0);
	assert_int_equal(marking_describe(&m2, &a), 0);
	assert_string_equal(a.buf, "RESTRICTED H3 TLP:RED A1 from NL-NP to "
				   "DE-BKA review 2027-01-31 conditions: "
				   "inform NL-NP before any action");
	json_object_set_new(j, "colour", json_string("x"));
	assert_int_equal(marking_from_json(j, NULL, &m2, &d) < 0, 1);
	strbuf_release(&a);
	strbuf_release(&b);
	json_decref(j);
	json_decref(j2);
	marking_free(&m);
	marking_free(&m2);
}

static void audience_rules(void **state)
{
	struct marking m;
	struct diag d;
	const char *groups[] = {"EU"};

	(void)state;
	base(&m);
	diag_clear(&d);
	/* Empty audience: the originator only. */
	assert_true(marking_allows(&m, "NL-NP", NULL, 0));
	assert_false(marking_allows(&m, "DE-BKA", groups, 1));
	assert_int_equal(marking_set_audience(&m, "EU,FR-PN", &d), 0);
	assert_true(marking_allows(&m, "DE-BKA", groups, 1));
	assert_true(marking_allows(&m, "FR-PN", NULL, 0));
	assert_false(marking_allows(&m, "US-FBI", NULL, 0));
	/* RED: a group is not a named recipient. */
	m.tlp = TLP_RED;
	assert_false(marking_allows(&m, "DE-BKA", groups, 1));
	assert_true(marking_allows(&m, "FR-PN", NULL, 0));
	marking_free(&m);
}

static void copy_is_deep(void **state)
{
	struct marking m, c;
	struct diag d;

	(void)state;
	base(&m);
	assert_int_equal(marking_set_audience(&m, "EU", &d), 0);
	assert_int_equal(marking_copy(&c, &m), 0);
	assert_ptr_not_equal(c.audience, m.audience);
	marking_free(&m);
	assert_string_equal(c.audience[0], "EU");
	marking_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(setters),
		cmocka_unit_test(validate),
		cmocka_unit_test(json_round_trip),
		cmocka_unit_test(audience_rules),
		cmocka_unit_test(copy_is_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
