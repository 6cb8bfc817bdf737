/*
 * schema.c - lookups over the static schema table (schema_table.c).
 *
 * Inheritance is walked through a linearisation: the schema itself, then
 * its parents depth-first in declaration order, each schema once. The first
 * schema in that order that declares a property wins, which gives "own
 * first" and makes a redeclared property (Event.country over Thing.country)
 * shadow its ancestor's.
 */
#include <pthread.h>
#include <stdlib.h>
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

/*
 * Every import asks for a property by name for every value, so the
 * linearisation is done once per schema, at first use: for each schema a
 * name-sorted array of the properties it has (own and inherited, shadowing
 * applied) and the list of its ancestors. Lookups are then one binary
 * search. The index is immutable after pthread_once, so readers in any
 * thread need no lock.
 */
struct flat {
	const struct schema_prop **props; /* sorted by name */
	size_t n;
	const struct schema *anc[LINEAR_MAX];
	size_t n_anc;
};

static struct flat *flat_index;
static pthread_once_t flat_once = PTHREAD_ONCE_INIT;

static int cmp_prop(const void *a, const void *b)
{
	const struct schema_prop *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static void flat_build(void)
{
	struct flat *fl = calloc(schema_table_len, sizeof(*fl));

	if (!fl)
		return;
	for (size_t i = 0; i < schema_table_len; i++) {
		struct linear l = { .n = 0 };
		size_t total = 0, n = 0;

		linearize(&l, &schema_table[i], 0);
		for (size_t k = 0; k < l.n; k++)
			total += l.s[k]->n_props;
		fl[i].props = calloc(total ? total : 1, sizeof(*fl[i].props));
		if (!fl[i].props)
			goto fail;
		for (size_t k = 0; k < l.n; k++) {
			fl[i].anc[fl[i].n_anc++] = l.s[k];
			for (size_t j = 0; j < l.s[k]->n_props; j++) {
				const struct schema_prop *p = &l.s[k]->props[j];
				bool seen = false;

				/* The declaration closest to the schema wins. */
				for (size_t q = 0; q < n && !seen; q++)
					seen = !strcmp(fl[i].props[q]->name,
						       p->name);
				if (!seen)
					fl[i].props[n++] = p;
			}
		}
		qsort(fl[i].props, n, sizeof(*fl[i].props), cmp_prop);
		fl[i].n = n;
	}
	flat_index = fl;
	return;
fail:
	for (size_t i = 0; i < schema_table_len; i++)
		free(fl[i].props);
	free(fl);
}

/* The flattened entry of a schema from the table, or NULL when s is not
 * one of the table's (or memory ran out building the index). */
static const struct flat *flat_of(const struct schema *s)
{
	pthread_once(&flat_once, flat_build);
	if (!flat_index || s < schema_table ||
	    s >= schema_table + schema_table_len)
		return NULL;
	return &flat_index[s - schema_table];
}

const struct schema_prop *schema_prop(const struct schema *s,
				      const char *prop)
{
	const struct flat *f;
	size_t lo = 0, hi;

	if (!s || !prop)
		return NULL;
	if (!(f = flat_of(s))) {
		/* Not from the table: walk it the slow way. */
		struct linear l = { .n = 0 };

		linearize(&l, s, 0);
		for (size_t i = 0; i < l.n; i++) {
			const struct schema_prop *p = own_prop(l.s[i], prop);
			if (p)
				return p;
		}
		return NULL;
	}
	hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(prop, f->props[mid]->name);

		if (!c)
			return f->props[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool schema_is_a(const struct schema *s, const char *ancestor)
{
	const struct flat *f;
	struct linear l = { .n = 0 };

	if (!s || !ancestor)
		return false;
	if ((f = flat_of(s))) {
		for (size_t i = 0; i < f->n_anc; i++)
			if (strcmp(f->anc[i]->name, ancestor) == 0)
				return true;
		return false;
	}
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
