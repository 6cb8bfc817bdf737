/*
 * entity.h - a FollowTheMoney entity: {"id", "schema", "properties"}.
 *
 * An entity owns all its strings. Property values are validated and
 * normalised by their type (types.h) when added, kept in insertion order,
 * and de-duplicated (FtM values are sets). An entity is never half-built:
 * a failed entity_add() leaves it unchanged.
 *
 * The canonical JSON form (entity_to_json) has sorted keys and no spaces,
 * so equal entities serialise to equal bytes; the store hashes it to decide
 * whether a re-imported record changed.
 */
#ifndef LIAISON_ENTITY_H
#define LIAISON_ENTITY_H

#include <stddef.h>

#include <jansson.h>

#include "liaison/error.h"
#include "liaison/schema.h"
#include "liaison/strbuf.h"

#define ENTITY_ID_MAX 256       /* bytes, ids are [A-Za-z0-9._:-] */
#define ENTITY_VALUES_MAX 10000 /* values per property */

struct entity;

/* Create an empty entity. schema must name a non-abstract schema; id must
 * be 1..ENTITY_ID_MAX bytes of [A-Za-z0-9._:-]. Errors: LIA_ESCHEMA,
 * LIA_EINVAL (bad id, reason in d), LIA_ENOMEM. */
int entity_new(const char *schema, const char *id, struct entity **out,
	       struct diag *d);
void entity_free(struct entity *e);

const char *entity_id(const struct entity *e);
const struct schema *entity_schema(const struct entity *e);

/* Validate, normalise and add one value. Empty values (after trimming
 * spaces) are ignored and return 0. Errors: LIA_ESCHEMA (no such property on
 * this schema), LIA_EVALUE (invalid for the type), LIA_ETOOBIG. The reason in
 * d is prefixed with "<prop>: ". */
int entity_add(struct entity *e, const char *prop, const char *v, size_t len,
	       struct diag *d);
/* Same for a NUL-terminated value. */
int entity_adds(struct entity *e, const char *prop, const char *v,
		struct diag *d);

/* Values of a property (own or inherited); 0 when none. The returned strings
 * belong to the entity. */
size_t entity_count(const struct entity *e, const char *prop);
const char *entity_value(const struct entity *e, const char *prop, size_t i);
/* The first value, or NULL. */
const char *entity_first(const struct entity *e, const char *prop);

/* Iterate over properties that have values, in sorted order of names. */
int entity_each(const struct entity *e,
		int (*fn)(const struct schema_prop *p, const char *value,
			  void *ctx),
		void *ctx);

/* Parse FtM JSON of one entity (object with id, schema, properties; other
 * top-level keys are rejected except "caption", "datasets", "referents",
 * "first_seen", "last_seen", "last_change", "target" and "marking" which are ignored here; the FtM
 * importer reads "marking" itself).
 * Every value is validated; the first invalid one fails the parse with its
 * property named in d. Errors: LIA_EPARSE, LIA_ESCHEMA, LIA_EVALUE. */
int entity_from_json(const json_t *obj, struct entity **out, struct diag *d);
int entity_parse(const char *buf, size_t len, struct entity **out,
		 struct diag *d);

/* Canonical compact JSON (sorted keys) appended to out. */
int entity_to_json(const struct entity *e, struct strbuf *out);
/* As a new jansson object (caller owns the reference). */
int entity_to_jansson(const struct entity *e, json_t **out);

/* The best display name: first of name, then other caption properties. */
const char *entity_caption(const struct entity *e);

#endif
