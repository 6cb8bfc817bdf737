/*
 * schema.h - the FollowTheMoney schemata liaison understands.
 *
 * Schemata, their properties, property types, inheritance and entity links
 * are one static data table (src/model/schema_table.c), not code per schema.
 * All pointers returned here point into that table: they are valid for the
 * life of the process and must not be freed.
 */
#ifndef LIAISON_SCHEMA_H
#define LIAISON_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

/* Property types. Each has a validator/normaliser in types.h. */
enum ptype {
	PTYPE_STRING,     /* short free text, kept as given (trimmed, NFC) */
	PTYPE_TEXT,       /* long free text */
	PTYPE_NAME,       /* a name of a person or body: Unicode NFC */
	PTYPE_DATE,       /* partial ISO date: YYYY, YYYY-MM, YYYY-MM-DD */
	PTYPE_COUNTRY,    /* ISO 3166-1 alpha-2, stored lower case as in FtM */
	PTYPE_IBAN,       /* mod-97 checked, stored upper case without spaces */
	PTYPE_EMAIL,
	PTYPE_PHONE,      /* kept as given; a digits form is indexed */
	PTYPE_URL,
	PTYPE_IDENTIFIER, /* document, registry and account numbers */
	PTYPE_ENTITY,     /* link: the id of another entity */
	PTYPE_ADDRESS,
	PTYPE_NUMBER,     /* decimal number, optional sign and fraction */
	PTYPE_GENDER,     /* male, female, other */
	PTYPE_LANGUAGE,   /* ISO 639-2/3 three-letter code */
	PTYPE_TOPIC,      /* a short tag such as "sanction" or "crime" */
	PTYPE_MRZ,        /* ICAO 9303 machine readable zone (TD1/TD2/TD3) */
	PTYPE_CHECKSUM,   /* hex digest */
	PTYPE_MIMETYPE,
	PTYPE_JSON,
	PTYPE_IP,
	PTYPE__COUNT
};

/* Canonical type name ("name", "date", ...). */
const char *ptype_name(enum ptype t);

struct schema_prop {
	const char *name;      /* FtM property name, e.g. "birthDate" */
	const char *label;     /* English label for people */
	enum ptype type;
	const char *range;     /* for PTYPE_ENTITY: schema the link points to */
	bool matchable;        /* used by screening (names, dates, ids...) */
};

enum schema_flags {
	SCHEMA_ABSTRACT = 1 << 0, /* no entity may have exactly this schema */
	SCHEMA_MATCHABLE = 1 << 1, /* screening considers it (Person, Company...) */
	SCHEMA_EDGE = 1 << 2,     /* a link between two entities (Ownership...) */
};

struct schema {
	const char *name;                /* "Person" */
	const char *label;               /* "Person" */
	const char *const *extends;      /* direct parents, NULL-terminated */
	const struct schema_prop *props; /* properties declared here only */
	size_t n_props;
	unsigned flags;
	const char *edge_source;         /* SCHEMA_EDGE: property of the source */
	const char *edge_target;         /* SCHEMA_EDGE: property of the target */
};

/* Look up a schema by exact name; NULL if unknown. */
const struct schema *schema_get(const char *name);

/* Number of schemata and access by index (0 .. schema_count()-1), in a
 * stable order, for listings and statistics. */
size_t schema_count(void);
const struct schema *schema_at(size_t i);

/* Find a property on s or any ancestor; NULL if s has no such property. */
const struct schema_prop *schema_prop(const struct schema *s,
				      const char *prop);

/* True if s is `ancestor` or inherits from it (transitively). */
bool schema_is_a(const struct schema *s, const char *ancestor);

/* Call fn for each property of s and its ancestors, each name once, the
 * schema's own first. Stops early and returns fn's value if non-zero. */
int schema_each_prop(const struct schema *s,
		     int (*fn)(const struct schema_prop *p, void *ctx),
		     void *ctx);

#endif
