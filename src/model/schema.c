/*
 * schema.c - lookups over the static schema table (schema_table.c).
 *
 * Inheritance is walked through a linearisation: the schema itself, then
 * its parents depth-first in declaration order, each schema once. The first
 * schema in that order that declares a property wins, which gives "own
 * first" and makes a redeclared property (Event.country over Thing.country)
 * shadow its ancestor's.
 */
#include <string.h>

#include "liaison/error.h"
#include "liaison/schema.h"
#include "model/schema_table.h"

/* The deepest FtM chain is four levels; the linearisation of any schema in
 * the table has well under this many entries. A longer one means the table
 * is broken (a cycle), and we stop rather than loop. */
#define LINEAR_MAX 32

static const char *const ptype_names[PTYPE__COUNT] = {
	[PTYPE_STRING] = "string",
	[PTYPE_TEXT] = "text",
	[PTYPE_NAME] = "name",
	[PTYPE_DATE] = "date",
	[PTYPE_COUNTRY] = "country",
	[PTYPE_IBAN] = "iban",
	[PTYPE_EMAIL] = "email",
	[PTYPE_PHONE] = "phone",
	[PTYPE_URL] = "url",
	[PTYPE_IDENTIFIER] = "identifier",
	[PTYPE_ENTITY] = "entity",
	[PTYPE_ADDRESS] = "address",
	[PTYPE_NUMBER] = "number",
	[PTYPE_GENDER] = "gender",
	[PTYPE_LANGUAGE] = "language",
	[PTYPE_TOPIC] = "topic",
	[PTYPE_MRZ] = "mrz",
	[PTYPE_CHECKSUM] = "checksum",
	[PTYPE_MIMETYPE] = "mimetype",
	[PTYPE_JSON] = "json",
	[PTYPE_IP] = "ip",
};

/* Returns "unknown" rather than NULL for a value outside the enum, so that
 * callers can always print the result. */
const char *ptype_name(enum ptype t)
{
	if ((unsigned)t >= PTYPE__COUNT || !ptype_names[t])
		return "unknown";
	return ptype_names[t];
}

const struct schema *schema_get(const char *name)
{
	size_t lo = 0, hi = schema_table_len;

	if (!name)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, schema_table[mid].name);

		if (c == 0)
			return &schema_table[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t schema_count(void)
{
	return schema_table_len;
}

const struct schema *schema_at(size_t i)
{
	if (i >= schema_table_len)
		return NULL;
	return &schema_table[i];
}

struct linear {
	const struct schema *s[LINEAR_MAX];
	size_t n;
	bool overflow;
};

static bool linear_has(const struct linear *l, const struct schema *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->s[i] == s)
			return true;
	return false;
}

static void linearize(struct linear *l, const struct schema *s, int depth)
{
	if (!s || linear_has(l, s))
		return;
	if (l->n >= LINEAR_MAX || depth >= LINEAR_MAX) {
		l->overflow = true;
		return;
	}
	l->s[l->n++] = s;
	for (const char *const *p = s->extends; p && *p; p++)
		linearize(l, schema_get(*p), depth + 1);
}

static const struct schema_prop *own_prop(const struct schema *s,
					  const char *name)
{
	for (size_t i = 0; i < s->n_props; i++)
		if (strcmp(s->props[i].name, name) == 0)
			return &s->props[i];
	return NULL;
}

const struct schema_prop *schema_prop(const struct schema *s,
				      const char *prop)
{
	struct linear l = { .n = 0 };

	if (!s || !prop)
		return NULL;
	linearize(&l, s, 0);
	for (size_t i = 0; i < l.n; i++) {
		const struct schema_prop *p = own_prop(l.s[i], prop);

		if (p)
			return p;
	}
	return NULL;
}

bool schema_is_a(const struct schema *s, const char *ancestor)
{
	struct linear l = { .n = 0 };

	if (!s || !ancestor)
		return false;
	linearize(&l, s, 0);
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.s[i]->name, ancestor) == 0)
			return true;
	return false;
}

int schema_each_prop(const struct schema *s,
		     int (*fn)(const struct schema_prop *p, void *ctx),
		     void *ctx)
{
	struct linear l = { .n = 0 };
	int rc = 0;

	if (!s || !fn)
		return LIA_EINVAL;
	linearize(&l, s, 0);
	for (size_t i = 0; i < l.n; i++) {
		for (size_t k = 0; k < l.s[i]->n_props; k++) {
			const struct schema_prop *p = &l.s[i]->props[k];
			bool seen = false;

			/* A name already declared closer to s is shadowed. */
			for (size_t j = 0; j < i && !seen; j++)
				seen = own_prop(l.s[j], p->name) != NULL;
			if (seen)
				continue;
			rc = fn(p, ctx);
			if (rc)
				goto out;
		}
	}
out:
	return rc;
}
