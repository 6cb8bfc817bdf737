/*
 * test_schema.c - the schema table: inheritance, property lookup and the
 * consistency of the table itself, and coverage of real FtM data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "liaison/schema.h"

/* Set when the real data set is absent: the run then ends with 77. */
static int data_missing;

static void test_lookup(void **state)
{
	(void)state;
	const struct schema *s = schema_get("Person");

	assert_non_null(s);
	assert_string_equal(s->name, "Person");
	assert_null(schema_get("person"));
	assert_null(schema_get("Persons"));
	assert_null(schema_get(""));
	assert_null(schema_get(NULL));
	assert_null(schema_at(schema_count()));
	for (size_t i = 0; i < schema_count(); i++)
		assert_ptr_equal(schema_get(schema_at(i)->name),
				 schema_at(i));
}

static void test_required_schemata(void **state)
{
	(void)state;
	static const char *const names[] = {
		"Thing", "LegalEntity", "Person", "Organization", "Company",
		"PublicBody", "Vehicle", "Vessel", "Airplane",
		"Identification", "Passport", "BankAccount", "CryptoWallet",
		"Address", "Payment", "Ownership", "Directorship", "Family",
		"Associate", "Membership", "Employment", "Event", "Sanction",
		"Note", "Interval", "Asset", "Value", "Interest",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!schema_get(names[i]))
			fail_msg("schema %s missing", names[i]);
	}
}

static void test_inheritance(void **state)
{
	(void)state;
	const struct schema *company = schema_get("Company");
	const struct schema *passport = schema_get("Passport");
	const struct schema *person = schema_get("Person");
	const struct schema *payment = schema_get("Payment");

	assert_true(schema_is_a(company, "Company"));
	assert_true(schema_is_a(company, "Organization"));
	assert_true(schema_is_a(company, "LegalEntity"));
	assert_true(schema_is_a(company, "Asset"));
	assert_true(schema_is_a(company, "Value"));
	assert_true(schema_is_a(company, "Thing"));
	assert_false(schema_is_a(company, "Person"));
	assert_true(schema_is_a(passport, "Identification"));
	assert_true(schema_is_a(passport, "Interval"));
	assert_false(schema_is_a(passport, "Thing"));
	assert_true(schema_is_a(person, "LegalEntity"));
	assert_false(schema_is_a(person, "Asset"));
	assert_false(schema_is_a(person, "Nope"));
	assert_true(schema_is_a(payment, "Interval"));
	assert_true(schema_is_a(payment, "Value"));
	assert_false(schema_is_a(NULL, "Thing"));
}

static void test_flags(void **state)
{
	(void)state;
	static const char *const matchable[] = {
		"Person", "Organization", "Company", "LegalEntity",
		"PublicBody", "Vessel", "Airplane",
	};
	static const char *const abstract[] = {
		"Thing", "Interval", "Asset", "Value", "Interest",
	};
	for (size_t i = 0; i < sizeof(matchable) / sizeof(matchable[0]); i++)
		assert_true(schema_get(matchable[i])->flags &
			    SCHEMA_MATCHABLE);
	for (size_t i = 0; i < sizeof(abstract) / sizeof(abstract[0]); i++)
		assert_true(schema_get(abstract[i])->flags & SCHEMA_ABSTRACT);
	assert_false(schema_get("Person")->flags & SCHEMA_ABSTRACT);
	assert_false(schema_get("Payment")->flags & SCHEMA_MATCHABLE);
	assert_false(schema_get("Address")->flags & SCHEMA_EDGE);
}

static void expect_prop(const char *schema, const char *prop, enum ptype t,
			const char *range)
{
	const struct schema_prop *p = schema_prop(schema_get(schema), prop);

	if (!p)
		fail_msg("%s.%s missing", schema, prop);
	assert_string_equal(p->name, prop);
	if (p->type != t)
		fail_msg("%s.%s is %s, want %s", schema, prop,
			 ptype_name(p->type), ptype_name(t));
	if (range)
		assert_string_equal(p->range, range);
}

static void test_props(void **state)
{
	(void)state;
	expect_prop("Person", "addressEntity", PTYPE_ENTITY, "Address");
	expect_prop("Person", "name", PTYPE_NAME, NULL);
	expect_prop("Person", "birthDate", PTYPE_DATE, NULL);
	expect_prop("Person", "nationality", PTYPE_COUNTRY, NULL);
	expect_prop("Person", "email", PTYPE_EMAIL, NULL);
	expect_prop("Person", "gender", PTYPE_GENDER, NULL);
	expect_prop("Payment", "payer", PTYPE_ENTITY, "LegalEntity");
	expect_prop("Payment", "beneficiary", PTYPE_ENTITY, "LegalEntity");
	expect_prop("Payment", "amountEur", PTYPE_NUMBER, NULL);
	expect_prop("Payment", "date", PTYPE_DATE, NULL);
	expect_prop("Payment", "namesMentioned", PTYPE_NAME, NULL);
	expect_prop("Company", "jurisdiction", PTYPE_COUNTRY, NULL);
	expect_prop("Company", "innCode", PTYPE_IDENTIFIER, NULL);
	expect_prop("Company", "amount", PTYPE_NUMBER, NULL);
	expect_prop("Vessel", "imoNumber", PTYPE_IDENTIFIER, NULL);
	expect_prop("Vessel", "flag", PTYPE_COUNTRY, NULL);
	expect_prop("Vessel", "owner", PTYPE_ENTITY, "LegalEntity");
	expect_prop("Airplane", "serialNumber", PTYPE_IDENTIFIER, NULL);
	expect_prop("Passport", "mrz", PTYPE_MRZ, NULL);
	expect_prop("Passport", "holder", PTYPE_ENTITY, "LegalEntity");
	expect_prop("Passport", "expiryDate", PTYPE_DATE, NULL);
	expect_prop("BankAccount", "iban", PTYPE_IBAN, NULL);
	expect_prop("Sanction", "entity", PTYPE_ENTITY, "Thing");
	expect_prop("Sanction", "listingDate", PTYPE_DATE, NULL);
	expect_prop("Address", "full", PTYPE_ADDRESS, NULL);
	expect_prop("Ownership", "asset", PTYPE_ENTITY, "Asset");
	assert_null(schema_prop(schema_get("Person"), "imoNumber"));
	assert_null(schema_prop(schema_get("Person"), "nonsense"));
	assert_null(schema_prop(schema_get("Address"), "birthDate"));
	assert_null(schema_prop(NULL, "name"));
	assert_string_equal(ptype_name(PTYPE_DATE), "date");
	assert_string_equal(ptype_name(PTYPE_MRZ), "mrz");
}

static void test_edges(void **state)
{
	(void)state;
	static const char *const edges[][3] = {
		{ "Payment", "payer", "beneficiary" },
		{ "Ownership", "owner", "asset" },
		{ "Directorship", "director", "organization" },
		{ "Family", "person", "relative" },
		{ "Associate", "person", "associate" },
		{ "Membership", "member", "organization" },
		{ "Employment", "employee", "employer" },
	};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const struct schema *s = schema_get(edges[i][0]);

		assert_true(s->flags & SCHEMA_EDGE);
		assert_string_equal(s->edge_source, edges[i][1]);
		assert_string_equal(s->edge_target, edges[i][2]);
	}
}

/* Invariants of the whole table, so a later edit cannot break lookups. */
static void test_table_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < schema_count(); i++) {
		const struct schema *s = schema_at(i);

		if (i > 0)
			assert_true(strcmp(schema_at(i - 1)->name, s->name) <
				    0);
		for (const char *const *p = s->extends; p && *p; p++)
			if (!schema_get(*p))
				fail_msg("%s extends unknown %s", s->name, *p);
		assert_false(s->extends && s->extends[0] &&
			     schema_is_a(schema_get(s->extends[0]), s->name));
		for (size_t k = 0; k < s->n_props; k++) {
			const struct schema_prop *p = &s->props[k];

			assert_true(p->type < PTYPE__COUNT);
			assert_non_null(p->label);
			for (size_t j = 0; j < k; j++)
				if (!strcmp(s->props[j].name, p->name))
					fail_msg("%s declares %s twice",
						 s->name, p->name);
			if (p->type == PTYPE_ENTITY) {
				if (!p->range || !schema_get(p->range))
					fail_msg("%s.%s has bad range", s->name,
						 p->name);
			} else {
				assert_null(p->range);
			}
			/* A shadowed parent property must keep its type,
			 * or FtM data would change meaning by schema. */
			for (const char *const *e = s->extends; e && *e; e++) {
				const struct schema_prop *q =
					schema_prop(schema_get(*e), p->name);
				if (q && q->type != p->type)
					fail_msg("%s.%s changes type", s->name,
						 p->name);
			}
		}
		if (s->flags & SCHEMA_EDGE) {
			const struct schema_prop *src =
				schema_prop(s, s->edge_source);
			const struct schema_prop *dst =
				schema_prop(s, s->edge_target);
			assert_non_null(src);
			assert_non_null(dst);
			assert_int_equal(src->type, PTYPE_ENTITY);
			assert_int_equal(dst->type, PTYPE_ENTITY);
		} else {
			assert_null(s->edge_source);
			assert_null(s->edge_target);
		}
	}
}

struct seen {
	const char *names[512];
	size_t n;
	int stop_at;
};

static int collect(const struct schema_prop *p, void *ctx)
{
	struct seen *s = ctx;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], p->name))
			fail_msg("property %s reported twice", p->name);
	assert_true(s->n < 512);
	s->names[s->n++] = p->name;
	return s->stop_at && (int)s->n == s->stop_at ? 42 : 0;
}

static void test_each_prop(void **state)
{
	(void)state;
	const struct schema *event = schema_get("Event");
	const struct schema *company = schema_get("Company");
	struct seen s = { .n = 0 };

	/* Event extends Interval and Thing, which both declare summary. */
	assert_int_equal(schema_each_prop(event, collect, &s), 0);
	assert_string_equal(s.names[0], event->props[0].name);
	assert_true(s.n > event->n_props);
	for (size_t i = 0; i < s.n; i++)
		assert_ptr_equal(schema_prop(event, s.names[i])->name,
				 s.names[i]);

	memset(&s, 0, sizeof(s));
	assert_int_equal(schema_each_prop(company, collect, &s), 0);
	for (size_t i = 0; i < company->n_props; i++)
		assert_string_equal(s.names[i], company->props[i].name);

	memset(&s, 0, sizeof(s));
	s.stop_at = 3;
	assert_int_equal(schema_each_prop(company, collect, &s), 42);
	assert_int_equal(s.n, 3);
}

/* Every property that real FtM data uses must exist on its schema. */
static void test_donations(void **state)
{
	(void)state;
	const char *dir = getenv("LIAISON_DATA");
	char path[4096];
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	size_t n = 0;

	if (dir)
		snprintf(path, sizeof(path), "%s/ftm/donations.ijson", dir);
	f = dir ? fopen(path, "r") : NULL;
	if (!f) {
		data_missing = 1;
		skip();
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		json_error_t err;
		json_t *o = json_loads(line, 0, &err);
		const char *key;
		json_t *val;
		const struct schema *s;

		assert_non_null(o);
		s = schema_get(json_string_value(json_object_get(o, "schema")));
		if (!s)
			fail_msg("unknown schema in %s", line);
		json_object_foreach(json_object_get(o, "properties"), key, val)
		{
			if (!schema_prop(s, key))
				fail_msg("%s.%s missing", s->name, key);
		}
		json_decref(o);
		n++;
	}
	free(line);
	fclose(f);
	assert_int_equal(n, 474);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_required_schemata),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_each_prop),
		cmocka_unit_test(test_donations),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (rc == 0 && data_missing) {
		fprintf(stderr, "LIAISON_DATA/ftm/donations.ijson not found: "
				"skipping the real-data check\n");
		return 77;
	}
	return rc;
}
