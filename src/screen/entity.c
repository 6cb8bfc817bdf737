/*
 * entity.c - the names and evidence of an FtM entity as a screen_entry.
 */
#include <string.h>
#include <strings.h>

#include "liaison/entity.h"
#include "liaison/schema.h"
#include "liaison/screen.h"

/* Schemata screened, and the kind their names are prepared as. */
static const struct {
	const char *schema;
	enum match_kind kind;
} screen_schemata[] = {
	{ "Person", MATCH_PERSON },	  { "Organization", MATCH_ORG },
	{ "Company", MATCH_ORG },	  { "LegalEntity", MATCH_ORG },
	{ "PublicBody", MATCH_ORG },	  { "Vessel", MATCH_ORG },
	{ "Airplane", MATCH_ORG },
};

enum match_kind screen_kind(const char *schema)
{
	for (size_t i = 0; i < sizeof(screen_schemata) /
				       sizeof(screen_schemata[0]); i++)
		if (!strcasecmp(schema, screen_schemata[i].schema))
			return screen_schemata[i].kind;
	return MATCH_ANY;
}

static const char *const name_props[] = { "name", "alias", "weakAlias",
					  "previousName" };
static const char *const country_props[] = { "nationality", "citizenship",
					     "country" };
static const char *const id_props[] = { "passportNumber", "idNumber",
					"registrationNumber", "imoNumber",
					"taxNumber" };

#define N_NAMES (sizeof(((struct screen_entry_storage *)0)->names) / \
		 sizeof(const char *))

static void add_name(struct screen_entry_storage *st, size_t *n,
		     const char *v)
{
	/* FtM values are sets per property, but the same string can be
	 * both name and alias: index it once. */
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(st->names[i], v))
			return;
	if (*n < N_NAMES)
		st->names[(*n)++] = v;
}

/* "firstName lastName" into st->joined, when both are given and fit. */
static const char *join_name(const struct entity *e,
			     struct screen_entry_storage *st)
{
	const char *first = entity_first(e, "firstName");
	const char *last = entity_first(e, "lastName");
	size_t fl, ll;

	if (!first || !last)
		return NULL;
	fl = strlen(first);
	ll = strlen(last);
	if (fl + ll + 2 > sizeof(st->joined))
		return NULL;
	memcpy(st->joined, first, fl);
	st->joined[fl] = ' ';
	memcpy(st->joined + fl + 1, last, ll + 1);
	return st->joined;
}

static void add_values(const struct entity *e, const char *const *props,
		       size_t n_props, const char **dst, size_t *n)
{
	for (size_t p = 0; p < n_props; p++) {
		size_t c = entity_count(e, props[p]);

		for (size_t i = 0; i < c && *n < MATCH_EXTRA_MAX; i++) {
			const char *v = entity_value(e, props[p], i);
			size_t j;

			for (j = 0; j < *n; j++)
				if (!strcmp(dst[j], v))
					break;
			if (j == *n)
				dst[(*n)++] = v;
		}
	}
}

int screen_entry_from_entity(const struct entity *e, const char *list,
			     struct screen_entry *out,
			     struct screen_entry_storage *storage)
{
	const char *schema = entity_schema(e)->name;
	struct match_extra *x = &storage->extra;
	enum match_kind kind;
	const char *joined, *g;
	size_t n = 0;

	kind = screen_kind(schema);
	if (kind == MATCH_ANY)
		return LIA_ENOTFOUND;

	for (size_t p = 0; p < sizeof(name_props) / sizeof(name_props[0]);
	     p++) {
		size_t c = schema_prop(entity_schema(e), name_props[p]) ?
				   entity_count(e, name_props[p]) : 0;

		for (size_t i = 0; i < c; i++)
			add_name(storage, &n, entity_value(e, name_props[p], i));
	}
	joined = schema_prop(entity_schema(e), "firstName") ?
			 join_name(e, storage) : NULL;
	if (joined)
		add_name(storage, &n, joined);
	if (n == 0)
		return LIA_ENOTFOUND;

	memset(x, 0, sizeof(*x));
	if (schema_prop(entity_schema(e), "birthDate"))
		add_values(e, (const char *const[]){ "birthDate" }, 1, x->dob,
			   &x->n_dob);
	g = schema_prop(entity_schema(e), "gender") ?
		    entity_first(e, "gender") : NULL;
	if (g && !strcmp(g, "male"))
		x->gender = 'm';
	else if (g && !strcmp(g, "female"))
		x->gender = 'f';
	for (size_t p = 0; p < sizeof(country_props) / sizeof(*country_props);
	     p++)
		if (schema_prop(entity_schema(e), country_props[p]))
			add_values(e, &country_props[p], 1, x->country,
				   &x->n_country);
	for (size_t p = 0; p < sizeof(id_props) / sizeof(*id_props); p++)
		if (schema_prop(entity_schema(e), id_props[p]))
			add_values(e, &id_props[p], 1, x->id, &x->n_id);

	out->record_id = entity_id(e);
	out->list = list;
	out->schema = schema;
	out->kind = kind;
	out->names = storage->names;
	out->n_names = n;
	out->extra = x;
	return 0;
}
