/* test_entity.c - entities: validation on add, sets, canonical JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "liaison/entity.h"

static void new_rejects_bad_schema_and_id(void **state)
{
	struct entity *e = NULL;
	struct diag d;

	(void)state;
	diag_clear(&d);
	assert_int_equal(entity_new("Martian", "x1", &e, &d), LIA_ESCHEMA);
	assert_non_null(strstr(d.msg, "Martian"));
	assert_int_equal(entity_new("Thing", "x1", &e, &d), LIA_ESCHEMA);
	assert_int_equal(entity_new("Person", "", &e, &d), LIA_EINVAL);
	assert_int_equal(entity_new("Person", "a b", &e, &d), LIA_EINVAL);
	assert_int_equal(entity_new("Person", "a/b", &e, &d), LIA_EINVAL);
	assert_null(e);
	assert_int_equal(entity_new("Person", "ofac-26235", &e, &d), 0);
	assert_string_equal(entity_id(e), "ofac-26235");
	assert_string_equal(entity_schema(e)->name, "Person");
	entity_free(e);
}

static void add_validates_and_normalises(void **state)
{
	struct entity *e = NULL;
	struct diag d;

	(void)state;
	diag_clear(&d);
	assert_int_equal(entity_new("Person", "p1", &e, &d), 0);
	assert_int_equal(entity_adds(e, "birthDate", "1975-06-14", &d), 0);
	assert_int_equal(entity_adds(e, "birthDate", "1975-13-14", &d),
			 LIA_EVALUE);
	assert_non_null(strstr(d.msg, "birthDate"));
	/* A rejected value leaves the entity as it was. */
	assert_int_equal(entity_count(e, "birthDate"), 1);
	assert_int_equal(entity_adds(e, "nationality", "RU", &d), 0);
	assert_string_equal(entity_first(e, "nationality"), "ru");
	assert_int_equal(entity_adds(e, "colour", "red", &d), LIA_ESCHEMA);
	assert_non_null(strstr(d.msg, "colour"));
	/* Values are a set; blank values are ignored, not stored. */
	assert_int_equal(entity_adds(e, "name", "  Ivan Petrov ", &d), 0);
	assert_int_equal(entity_adds(e, "name", "Ivan Petrov", &d), 0);
	assert_int_equal(entity_adds(e, "name", "   ", &d), 0);
	assert_int_equal(entity_count(e, "name"), 1);
	assert_string_equal(entity_caption(e), "Ivan Petrov");
	/* Inherited property with link type. */
	assert_int_equal(entity_adds(e, "addressEntity", "addr-1", &d), 0);
	assert_int_equal(entity_adds(e, "addressEntity", "bad id!", &d),
			 LIA_EVALUE);
	entity_free(e);
}

static void canonical_json_is_sorted_and_round_trips(void **state)
{
	const char *in =
		"{\"schema\":\"Person\",\"properties\":{\"name\":[\"Zoë "
		"\\\"Z\\\" Müller\"],\"birthDate\":[\"1970\"],\"country\":"
		"[\"DE\"]},\"id\":\"p2\",\"datasets\":[\"x\"]}";
	struct strbuf a, b;
	struct entity *e = NULL, *e2 = NULL;
	struct diag d;

	(void)state;
	diag_clear(&d);
	strbuf_init(&a, 0);
	strbuf_init(&b, 0);
	assert_int_equal(entity_parse(in, strlen(in), &e, &d), 0);
	assert_int_equal(entity_to_json(e, &a), 0);
	assert_string_equal(
		a.buf, "{\"id\":\"p2\",\"properties\":{\"birthDate\":[\"1970\"],"
		       "\"country\":[\"de\"],\"name\":[\"Zoë \\\"Z\\\" Müller\"]},"
		       "\"schema\":\"Person\"}");
	assert_int_equal(entity_parse(a.buf, a.len, &e2, &d), 0);
	assert_int_equal(entity_to_json(e2, &b), 0);
	assert_string_equal(a.buf, b.buf);
	entity_free(e);
	entity_free(e2);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void parse_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"id\":\"x\"}",
		"{\"schema\":\"Person\"}",
		"{\"id\":1,\"schema\":\"Person\"}",
		"{\"id\":\"x\",\"schema\":\"Person\",\"properties\":[]}",
		"{\"id\":\"x\",\"schema\":\"Person\",\"properties\":{\"name\":\"a\"}}",
		"{\"id\":\"x\",\"schema\":\"Person\",\"properties\":{\"name\":[1]}}",
		"{\"id\":\"x\",\"schema\":\"Person\",\"evil\":true}",
		"{\"id\":\"x\",\"id\":\"y\",\"schema\":\"Person\"}",
		"{\"id\":\"x\",\"schema\":\"Person\",\"properties\":{\"birthDate\":[\"yesterday\"]}}",
		"{\"id\":\"x\",\"schema\":\"Person\"",
	};
	struct entity *e = NULL;
	struct diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		diag_clear(&d);
		int rc = entity_parse(bad[i], strlen(bad[i]), &e, &d);
		if (rc == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_null(e);
		assert_true(d.msg[0] != '\0');
	}
}

static void control_characters_escaped(void **state)
{
	struct entity *e = NULL, *e2 = NULL;
	struct strbuf a;
	struct diag d;

	(void)state;
	diag_clear(&d);
	strbuf_init(&a, 0);
	assert_int_equal(entity_new("Note", "n1", &e, &d), 0);
	assert_int_equal(entity_adds(e, "description", "line1\nline2\ttab \\ \"q\"", &d), 0);
	assert_int_equal(entity_to_json(e, &a), 0);
	assert_null(strchr(a.buf, '\n'));
	assert_int_equal(entity_parse(a.buf, a.len, &e2, &d), 0);
	assert_string_equal(entity_first(e2, "description"),
			    "line1\nline2\ttab \\ \"q\"");
	entity_free(e);
	entity_free(e2);
	strbuf_release(&a);
}

static void to_jansson_matches(void **state)
{
	struct entity *e = NULL;
	json_t *o = NULL;
	struct diag d;

	(void)state;
	assert_int_equal(entity_new("Company", "c1", &e, &d), 0);
	assert_int_equal(entity_adds(e, "name", "ACME LLC", &d), 0);
	assert_int_equal(entity_adds(e, "alias", "ACME", &d), 0);
	assert_int_equal(entity_to_jansson(e, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "schema")),
			    "Company");
	assert_int_equal(json_array_size(json_object_get(
				 json_object_get(o, "properties"), "alias")),
			 1);
	json_decref(o);
	entity_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_rejects_bad_schema_and_id),
		cmocka_unit_test(add_validates_and_normalises),
		cmocka_unit_test(canonical_json_is_sorted_and_round_trips),
		cmocka_unit_test(parse_rejects_malformed),
		cmocka_unit_test(control_characters_escaped),
		cmocka_unit_test(to_jansson_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
