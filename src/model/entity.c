/*
 * entity.c - FollowTheMoney entities: validated, normalised property values
 * and a canonical JSON form.
 *
 * Properties are kept sorted by name and values in insertion order, so the
 * canonical serialisation needs no sorting and equal entities give equal
 * bytes. Entities are small (tens of values), so linear scans beat hashing.
 */
#include <stdlib.h>
#include <string.h>

#include "liaison/entity.h"
#include "liaison/types.h"

struct pvals {
	const struct schema_prop *prop;
	char **v;
	size_t n, cap;
};

struct entity {
	char *id;
	const struct schema *schema;
	struct pvals *props;
	size_t n, cap;
};

static bool id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	       c == '-';
}

static int check_id(const char *id, struct diag *d)
{
	size_t n = strlen(id);

	if (!n || n > ENTITY_ID_MAX) {
		diag_set(d, "entity id must be 1 to %d bytes", ENTITY_ID_MAX);
		return LIA_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!id_char((unsigned char)id[i])) {
			diag_set(d, "entity id \"%.64s\" has a character outside "
				    "A-Z a-z 0-9 . _ : -", id);
			return LIA_EINVAL;
		}
	}
	return 0;
}

int entity_new(const char *schema, const char *id, struct entity **out,
	       struct diag *d)
{
	const struct schema *s = schema ? schema_get(schema) : NULL;
	struct entity *e;
	int rc;

	if (!s) {
		diag_set(d, "unknown schema \"%.64s\"", schema ? schema : "");
		return LIA_ESCHEMA;
	}
	if (s->flags & SCHEMA_ABSTRACT) {
		diag_set(d, "schema %s is abstract and cannot be used for a "
			    "record", s->name);
		return LIA_ESCHEMA;
	}
	rc = check_id(id, d);
	if (rc)
		return rc;
	e = calloc(1, sizeof(*e));
	if (!e)
		return LIA_ENOMEM;
	e->id = strdup(id);
	if (!e->id) {
		free(e);
		return LIA_ENOMEM;
	}
	e->schema = s;
	*out = e;
	return 0;
}

void entity_free(struct entity *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		for (size_t k = 0; k < e->props[i].n; k++)
			free(e->props[i].v[k]);
		free(e->props[i].v);
	}
	free(e->props);
	free(e->id);
	free(e);
}

const char *entity_id(const struct entity *e)
{
	return e->id;
}

const struct schema *entity_schema(const struct entity *e)
{
	return e->schema;
}

/* Index of prop in e->props, or where it would be inserted (negative-1). */
static long find_prop(const struct entity *e, const char *name, size_t *pos)
{
	size_t lo = 0, hi = e->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(e->props[mid].prop->name, name);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int entity_add(struct entity *e, const char *prop, const char *v, size_t len,
	       struct diag *d)
{
	const struct schema_prop *p = schema_prop(e->schema, prop);
	struct strbuf sb;
	struct pvals *pv = NULL;
	size_t pos = 0;
	long idx = -1;
	int rc;

	if (!p) {
		diag_set(d, "schema %s has no property \"%.64s\"",
			 e->schema->name, prop);
		return LIA_ESCHEMA;
	}
	while (len && is_space((unsigned char)v[0])) {
		v++;
		len--;
	}
	while (len && is_space((unsigned char)v[len - 1]))
		len--;
	if (!len)
		return 0;

	strbuf_init(&sb, TYPES_VALUE_MAX);
	rc = types_normalize(p->type, v, len, &sb, d);
	if (rc) {
		diag_prefix(d, "%s: ", p->name);
		goto out;
	}
	idx = find_prop(e, p->name, &pos);
	if (idx >= 0) {
		pv = &e->props[idx];
		for (size_t i = 0; i < pv->n; i++) {
			if (!strcmp(pv->v[i], sb.buf))
				goto out; /* FtM values are a set */
		}
		if (pv->n >= ENTITY_VALUES_MAX) {
			diag_set(d, "%s: more than %d values", p->name,
				 ENTITY_VALUES_MAX);
			rc = LIA_ETOOBIG;
			goto out;
		}
	} else {
		if (e->n == e->cap) {
			size_t cap = e->cap ? e->cap * 2 : 8;
			struct pvals *np = realloc(e->props, cap * sizeof(*np));
			if (!np) {
				rc = LIA_ENOMEM;
				goto out;
			}
			e->props = np;
			e->cap = cap;
		}
		memmove(&e->props[pos + 1], &e->props[pos],
			(e->n - pos) * sizeof(*e->props));
		memset(&e->props[pos], 0, sizeof(*e->props));
		e->props[pos].prop = p;
		e->n++;
		pv = &e->props[pos];
	}
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 2;
		char **nv = realloc(pv->v, cap * sizeof(*nv));
		if (!nv) {
			rc = LIA_ENOMEM;
			goto undo;
		}
		pv->v = nv;
		pv->cap = cap;
	}
	pv->v[pv->n] = strbuf_detach(&sb, NULL);
	if (!pv->v[pv->n]) {
		rc = LIA_ENOMEM;
		goto undo;
	}
	pv->n++;
	goto out;
undo:
	/* A property slot created for this value must not stay empty. */
	if (idx < 0 && pv->n == 0) {
		free(pv->v);
		memmove(&e->props[pos], &e->props[pos + 1],
			(e->n - pos - 1) * sizeof(*e->props));
		e->n--;
	}
out:
	strbuf_release(&sb);
	return rc;
}

int entity_adds(struct entity *e, const char *prop, const char *v,
		struct diag *d)
{
	return entity_add(e, prop, v, strlen(v), d);
}

static const struct pvals *get_vals(const struct entity *e, const char *prop)
{
	long i = find_prop(e, prop, NULL);

	return i < 0 ? NULL : &e->props[i];
}

size_t entity_count(const struct entity *e, const char *prop)
{
	const struct pvals *pv = get_vals(e, prop);

	return pv ? pv->n : 0;
}

const char *entity_value(const struct entity *e, const char *prop, size_t i)
{
	const struct pvals *pv = get_vals(e, prop);

	return pv && i < pv->n ? pv->v[i] : NULL;
}

const char *entity_first(const struct entity *e, const char *prop)
{
	return entity_value(e, prop, 0);
}

int entity_each(const struct entity *e,
		int (*fn)(const struct schema_prop *p, const char *value,
			  void *ctx),
		void *ctx)
{
	for (size_t i = 0; i < e->n; i++) {
		for (size_t k = 0; k < e->props[i].n; k++) {
			int rc = fn(e->props[i].prop, e->props[i].v[k], ctx);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Top-level keys other tools write that carry no record data for us. */
static const char *const ignored_keys[] = {
	"caption", "datasets", "referents", "first_seen", "last_seen",
	"last_change", "target",
	/* liaison's exports carry the record's marking beside it; the FtM
	 * importer reads it, the entity itself does not hold it. */
	"marking", NULL,
};

static bool is_ignored(const char *k)
{
	for (size_t i = 0; ignored_keys[i]; i++)
		if (!strcmp(k, ignored_keys[i]))
			return true;
	return false;
}

int entity_from_json(const json_t *obj, struct entity **out, struct diag *d)
{
	const json_t *jid, *jschema, *props, *val;
	struct entity *e = NULL;
	const char *key;
	int rc;

	if (!json_is_object(obj)) {
		diag_set(d, "an entity must be a JSON object");
		return LIA_EPARSE;
	}
	json_object_foreach((json_t *)obj, key, val) {
		if (strcmp(key, "id") && strcmp(key, "schema") &&
		    strcmp(key, "properties") && !is_ignored(key)) {
			diag_set(d, "unknown key \"%.64s\" in entity", key);
			return LIA_EPARSE;
		}
	}
	jid = json_object_get(obj, "id");
	jschema = json_object_get(obj, "schema");
	if (!json_is_string(jid)) {
		diag_set(d, "entity has no string \"id\"");
		return LIA_EPARSE;
	}
	if (!json_is_string(jschema)) {
		diag_set(d, "entity %.64s has no string \"schema\"",
			 json_string_value(jid));
		return LIA_EPARSE;
	}
	rc = entity_new(json_string_value(jschema), json_string_value(jid), &e,
			d);
	if (rc)
		return rc;
	props = json_object_get(obj, "properties");
	if (props && !json_is_object(props)) {
		diag_set(d, "\"properties\" must be an object");
		rc = LIA_EPARSE;
		goto out;
	}
	json_object_foreach((json_t *)props, key, val) {
		size_t i;
		json_t *item;

		if (!json_is_array(val)) {
			diag_set(d, "%.64s: values must be an array of strings",
				 key);
			rc = LIA_EPARSE;
			goto out;
		}
		json_array_foreach(val, i, item) {
			if (!json_is_string(item)) {
				diag_set(d, "%.64s: value %zu is not a string",
					 key, i + 1);
				rc = LIA_EPARSE;
				goto out;
			}
			rc = entity_add(e, key, json_string_value(item),
					json_string_length(item), d);
			if (rc)
				goto out;
		}
	}
out:
	if (rc) {
		entity_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int entity_parse(const char *buf, size_t len, struct entity **out,
		 struct diag *d)
{
	json_error_t jerr;
	json_t *obj;
	int rc;

	obj = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj) {
		diag_set(d, "invalid JSON: %s", jerr.text);
		diag_at(d, NULL, (unsigned long)jerr.line,
			(unsigned long)jerr.column);
		return LIA_EPARSE;
	}
	rc = entity_from_json(obj, out, d);
	json_decref(obj);
	return rc;
}

/* JSON string escaping compatible with jansson's compact output, so that
 * our canonical form parses back to the same values everywhere. */
static int add_json_string(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	int rc;

	if ((rc = strbuf_addch(sb, '"')))
		return rc;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 0;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((rc = strbuf_add(sb, run, (size_t)(s - run))))
			return rc;
		esc[n++] = '\\';
		switch (c) {
		case '"': esc[n++] = '"'; break;
		case '\\': esc[n++] = '\\'; break;
		case '\b': esc[n++] = 'b'; break;
		case '\f': esc[n++] = 'f'; break;
		case '\n': esc[n++] = 'n'; break;
		case '\r': esc[n++] = 'r'; break;
		case '\t': esc[n++] = 't'; break;
		default:
			esc[n++] = 'u';
			esc[n++] = '0';
			esc[n++] = '0';
			esc[n++] = hex[c >> 4];
			esc[n++] = hex[c & 15];
		}
		if ((rc = strbuf_add(sb, esc, n)))
			return rc;
		run = s + 1;
	}
	if ((rc = strbuf_add(sb, run, (size_t)(s - run))))
		return rc;
	return strbuf_addch(sb, '"');
}

int entity_to_json(const struct entity *e, struct strbuf *out)
{
	size_t start = out->len;
	int rc;

	/* Keys in sorted order: id < properties < schema. */
	if ((rc = strbuf_addstr(out, "{\"id\":")) ||
	    (rc = add_json_string(out, e->id)) ||
	    (rc = strbuf_addstr(out, ",\"properties\":{")))
		goto out;
	for (size_t i = 0; i < e->n; i++) {
		if (i && (rc = strbuf_addch(out, ',')))
			goto out;
		if ((rc = add_json_string(out, e->props[i].prop->name)) ||
		    (rc = strbuf_addstr(out, ":[")))
			goto out;
		for (size_t k = 0; k < e->props[i].n; k++) {
			if (k && (rc = strbuf_addch(out, ',')))
				goto out;
			if ((rc = add_json_string(out, e->props[i].v[k])))
				goto out;
		}
		if ((rc = strbuf_addch(out, ']')))
			goto out;
	}
	if ((rc = strbuf_addstr(out, "},\"schema\":")) ||
	    (rc = add_json_string(out, e->schema->name)) ||
	    (rc = strbuf_addch(out, '}')))
		goto out;
out:
	if (rc)
		strbuf_setlen(out, start);
	return rc;
}

int entity_to_jansson(const struct entity *e, json_t **out)
{
	json_t *obj = json_object(), *props = json_object();
	int rc = LIA_ENOMEM;

	if (!obj || !props)
		goto out;
	for (size_t i = 0; i < e->n; i++) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(props, e->props[i].prop->name,
						arr))
			goto out;
		for (size_t k = 0; k < e->props[i].n; k++)
			if (json_array_append_new(arr,
						  json_string(e->props[i].v[k])))
				goto out;
	}
	if (json_object_set_new(obj, "id", json_string(e->id)) ||
	    json_object_set_new(obj, "schema", json_string(e->schema->name)) ||
	    json_object_set(obj, "properties", props))
		goto out;
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	json_decref(props);
	json_decref(obj);
	return rc;
}

/* The properties that name a record, in the order people expect. */
static const char *const caption_props[] = {
	"name", "full", "title", "lastName", "number", "iban",
	"accountNumber", "publicKey", "imoNumber", "registrationNumber",
	"summary", NULL,
};

const char *entity_caption(const struct entity *e)
{
	for (size_t i = 0; caption_props[i]; i++) {
		const char *v = entity_first(e, caption_props[i]);
		if (v)
			return v;
	}
	return NULL;
}
