/*
 * prepare.c - the database-free half of writing a record.
 *
 * Everything store_put() computes from the entity and its marking before
 * it touches the database lives here, in the backend-neutral part of the
 * store: the canonical JSON, the SHA-256 that decides whether a record
 * changed, and the fields the filters and the full-text index use. Doing
 * it apart from the writes lets an import prepare records on one core
 * while the other core writes them.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "liaison/schema.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"
#include "store/store_int.h"

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool store_marking_eq(const struct marking *a, const struct marking *b)
{
	if (strcmp(a->agency, b->agency) ||
	    strcmp(a->classification, b->classification) ||
	    a->handling != b->handling ||
	    !str_eq(a->conditions, b->conditions) || a->tlp != b->tlp ||
	    a->reliability != b->reliability ||
	    a->credibility != b->credibility ||
	    strcmp(a->review_by, b->review_by) ||
	    a->n_audience != b->n_audience)
		return false;
	for (size_t i = 0; i < a->n_audience; i++)
		if (!str_eq(a->audience[i], b->audience[i]))
			return false;
	return true;
}

int store_marking_json(const struct marking *m, struct strbuf *out)
{
	json_t *obj = NULL;
	char *js = NULL;
	int err;

	strbuf_reset(out);
	if ((err = marking_to_json(m, &obj)))
		return err;
	js = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT);
	err = js ? strbuf_addstr(out, js) : LIA_ENOMEM;
	free(js);
	json_decref(obj);
	return err;
}

int store_prepper_new(const struct store *st, struct store_prepper **out)
{
	struct store_prepper *pp = calloc(1, sizeof(*pp));

	if (!pp)
		return LIA_ENOMEM;
	pp->st = st;
	marking_init(&pp->mc);
	strbuf_init(&pp->mjson, 0);
	*out = pp;
	return 0;
}

void store_prepper_free(struct store_prepper *pp)
{
	if (!pp)
		return;
	if (pp->mc_valid)
		marking_free(&pp->mc);
	strbuf_release(&pp->mjson);
	free(pp);
}

static struct store_prep *prep_new(void)
{
	struct store_prep *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	strbuf_init(&p->id, ENTITY_ID_MAX);
	strbuf_init(&p->body, 0);
	strbuf_init(&p->caption, 0);
	strbuf_init(&p->names, 0);
	strbuf_init(&p->text, 0);
	strbuf_init(&p->countries, 0);
	return p;
}

void store_prep_free(struct store_prep *p)
{
	if (!p)
		return;
	strbuf_release(&p->id);
	strbuf_release(&p->body);
	strbuf_release(&p->caption);
	strbuf_release(&p->names);
	strbuf_release(&p->text);
	strbuf_release(&p->countries);
	free(p);
}

/* Values that go into the "text" column of the full-text index. */
static bool is_text_type(enum ptype t)
{
	switch (t) {
	case PTYPE_STRING:
	case PTYPE_TEXT:
	case PTYPE_ADDRESS:
	case PTYPE_IDENTIFIER:
	case PTYPE_EMAIL:
	case PTYPE_PHONE:
	case PTYPE_URL:
	case PTYPE_IBAN:
	case PTYPE_MRZ:
		return true;
	default:
		return false;
	}
}

static int add_line(struct strbuf *sb, const char *v)
{
	int err;

	if (sb->len && (err = strbuf_addch(sb, '\n')))
		return err;
	return strbuf_addstr(sb, v);
}

static int derive_cb(const struct schema_prop *pr, const char *v, void *ctx)
{
	struct store_prep *p = ctx;
	size_t n;

	switch (pr->type) {
	case PTYPE_NAME:
		if (strcmp(v, p->caption.buf))
			return add_line(&p->names, v);
		return 0;
	case PTYPE_COUNTRY:
		n = strlen(v);
		/* Countries are few per record: a linear scan is cheaper
		 * than any set. */
		for (const char *c = p->countries.buf; *c;) {
			const char *e = strchr(c, ' ');
			size_t l = e ? (size_t)(e - c) : strlen(c);

			if (l == n && memcmp(c, v, n) == 0)
				return 0;
			c += l + (e ? 1 : 0);
		}
		if (p->countries.len && strbuf_addch(&p->countries, ' '))
			return LIA_ETOOBIG;
		return strbuf_add(&p->countries, v, n);
	case PTYPE_DATE:
		/* Normalised dates compare as strings; longer than the
		 * buffer cannot happen for a valid date. */
		if (strlen(v) >= sizeof(p->date_min))
			return LIA_EINTERNAL;
		if (!p->has_date || strcmp(v, p->date_min) < 0)
			(void)str_copy(p->date_min, sizeof(p->date_min), v);
		if (!p->has_date || strcmp(v, p->date_max) > 0)
			(void)str_copy(p->date_max, sizeof(p->date_max), v);
		p->has_date = true;
		return 0;
	default:
		if (!is_text_type(pr->type))
			return 0;
		if (add_line(&p->text, v))
			return LIA_ETOOBIG;
		/* Numbers are searched as typed, and without separators. */
		if (pr->type == PTYPE_PHONE) {
			if (strbuf_addch(&p->text, '\n'))
				return LIA_ETOOBIG;
			return types_phone_digits(v, strlen(v), &p->text, NULL);
		}
		return 0;
	}
}

static void put_len(crypto_hash_sha256_state *hs, size_t len)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)len >> (8 * i));
	crypto_hash_sha256_update(hs, b, 8);
}

int store_prepare(struct store_prepper *pp, const struct entity *e,
		  const struct marking *m, struct store_prep **prep,
		  struct diag *d)
{
	struct store_prep *p = *prep;
	crypto_hash_sha256_state hs;
	const char *cap;
	int err;

	if (!pp || !e || !m) {
		diag_set(d, "store: no preparer, entity or marking given");
		return LIA_EINVAL;
	}
	/* An import uses few markings: validate and serialise each once. */
	if (!pp->mc_valid || !store_marking_eq(&pp->mc, m)) {
		struct marking copy;

		if ((err = marking_validate(m, &pp->st->ladder, d))) {
			diag_prefix(d, "store: %s: marking: ", entity_id(e));
			return err;
		}
		if ((err = marking_copy(&copy, m)))
			return err;
		if ((err = store_marking_json(m, &pp->mjson))) {
			marking_free(&copy);
			pp->mc_valid = false;
			return err;
		}
		if (pp->mc_valid)
			marking_free(&pp->mc);
		pp->mc = copy;
		pp->mc_valid = true;
	}
	if (!p && !(p = prep_new()))
		return LIA_ENOMEM;
	strbuf_reset(&p->id);
	strbuf_reset(&p->body);
	strbuf_reset(&p->caption);
	strbuf_reset(&p->names);
	strbuf_reset(&p->text);
	strbuf_reset(&p->countries);
	p->has_date = false;
	p->date_min[0] = p->date_max[0] = '\0';
	p->m = m;
	p->schema = entity_schema(e)->name;
	p->class_rank = marking_ladder_index(&pp->st->ladder,
					     m->classification);
	cap = entity_caption(e);
	/* The caption is indexed as a name too, first: names is exactly
	 * what the full-text index holds, composed here rather than by the
	 * writer, which is the import's bottleneck. */
	if ((err = strbuf_addstr(&p->id, entity_id(e))) ||
	    (err = strbuf_addstr(&p->caption, cap ? cap : entity_id(e))) ||
	    (err = strbuf_add(&p->names, p->caption.buf, p->caption.len)) ||
	    (err = entity_to_json(e, &p->body)))
		goto fail;
	/* Length prefixes keep (entity, marking) pairs unambiguous. */
	crypto_hash_sha256_init(&hs);
	put_len(&hs, p->body.len);
	crypto_hash_sha256_update(&hs, (const unsigned char *)p->body.buf,
				  p->body.len);
	put_len(&hs, pp->mjson.len);
	crypto_hash_sha256_update(&hs, (const unsigned char *)pp->mjson.buf,
				  pp->mjson.len);
	crypto_hash_sha256_final(&hs, p->hash);
	if ((err = entity_each(e, derive_cb, p)))
		goto fail;
	*prep = p;
	return 0;
fail:
	diag_set(d, "store: %s: cannot prepare: %s", entity_id(e),
		 err_str(err));
	if (!*prep)
		store_prep_free(p);
	return err;
}
