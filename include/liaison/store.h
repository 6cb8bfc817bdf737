/*
 * store.h - the node's record store.
 *
 * The interface is backend-neutral: callers see only struct store and these
 * functions; src/store/sqlite.c implements it on SQLite (WAL mode) and a
 * PostgreSQL backend can implement the same table of operations later.
 *
 * Nothing is overwritten. store_put() of an entity whose canonical JSON and
 * marking are byte-identical to its current version changes nothing; any
 * difference writes a new version that records which import (or, later,
 * which message) it came from. An import is one transaction: either every
 * record of a file is stored or none is, also across kill -9.
 *
 * Ownership: records and versions handed to callbacks are valid only during
 * the callback. store_get() returns a record the caller frees with
 * store_record_free(). Errors are the negative codes of error.h with a
 * reason in the optional diag.
 */
#ifndef LIAISON_STORE_H
#define LIAISON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/marking.h"

struct store;

struct store_opts {
	const struct ladder *ladder; /* for classification ranks; NULL = default */
	bool create;                 /* create the database if missing */
	bool readonly;
};

/* Open (and migrate to the current schema version) the store in the node
 * folder dir (file dir/store.db). Errors: LIA_ENOTFOUND (missing and not
 * create), LIA_EVERSION (made by a newer liaison), LIA_ESTORE, LIA_EBUSY. */
int store_open(const char *dir, const struct store_opts *o,
	       struct store **out, struct diag *d);
void store_close(struct store *st);

/* Schema version of the open database (migrations applied). */
int store_schema_version(struct store *st);

/* --- imports ---------------------------------------------------------- */

struct store_import {
	const char *format;  /* "ftm", "un", "ofac", "interpol", "csv" */
	const char *files;   /* display names of the input files */
	const char *sha256;  /* hex digest of the input bytes, or NULL */
	const char *actor;   /* who ran it (OS user or API user) */
};

enum store_change { STORE_NEW = 1, STORE_CHANGED, STORE_UNCHANGED };

struct store_counts {
	uint64_t seen, created, changed, unchanged;
};

/* Start an import: opens the transaction and records the provenance row.
 * Only one import may be open on a store handle at a time. */
int store_import_begin(struct store *st, const struct store_import *imp,
		       int64_t *import_id, struct diag *d);
/* Add or update one record inside the open import. m must validate. The
 * import's counts are updated; *change (may be NULL) says what happened. */
int store_put(struct store *st, const struct entity *e,
	      const struct marking *m, enum store_change *change,
	      struct diag *d);
/*
 * The two halves of store_put(), for importers that use both cores: a
 * preparer turns an entity and its marking into a prepared record (the
 * canonical JSON, its hash, the index and filter fields) without touching
 * the database, so one thread can prepare while another writes with
 * store_put_prepared(). A preparer belongs to one thread at a time and
 * caches the last marking it saw; a prepared record borrows its marking,
 * which must stay valid until the record is written, and can be reused
 * for the next store_prepare() (its buffers are kept).
 */
struct store_prepper;
struct store_prep;
int store_prepper_new(const struct store *st, struct store_prepper **out);
void store_prepper_free(struct store_prepper *pp);
/* Prepare e under m into *prep (allocated when *prep is NULL, else
 * reused). Errors: marking invalid (LIA_EVALUE), LIA_ENOMEM, LIA_ETOOBIG. */
int store_prepare(struct store_prepper *pp, const struct entity *e,
		  const struct marking *m, struct store_prep **prep,
		  struct diag *d);
void store_prep_free(struct store_prep *p);
/* Write a prepared record in the open import (what store_put does after
 * preparing). */
int store_put_prepared(struct store *st, const struct store_prep *p,
		       enum store_change *change, struct diag *d);

/* Commit, or roll everything back. After abort the store is exactly as it
 * was before begin (the provenance row is gone too). */
int store_import_commit(struct store *st, struct store_counts *counts,
			struct diag *d);
void store_import_abort(struct store *st);

/* --- reading ---------------------------------------------------------- */

struct store_record {
	struct entity *entity;   /* current version */
	struct marking marking;
	int64_t version;         /* 1-based */
	int64_t import_id;       /* provenance of this version */
	char first_seen[32];     /* ISO 8601 UTC */
	char last_changed[32];
	char source[33];         /* format of that import: "un", "ofac", ... */
};
void store_record_free(struct store_record *r);

/* Current version of one record. LIA_ENOTFOUND if no such id. */
int store_get(struct store *st, const char *id, struct store_record **out,
	      struct diag *d);

struct store_version {
	int64_t version;
	int64_t import_id;
	const char *format;      /* of the import */
	const char *files;
	const char *actor;
	const char *created;     /* when this version was written */
	const char *hash;        /* hex SHA-256 of canonical entity + marking */
	const struct entity *entity;
	const struct marking *marking;
};
/* All versions of a record, oldest first. LIA_ENOTFOUND if none. */
int store_history(struct store *st, const char *id,
		  int (*fn)(const struct store_version *v, void *ctx),
		  void *ctx, struct diag *d);

struct store_query {
	const char *text;        /* FTS5 query over names and text, or NULL */
	const char *schema;      /* only this schema and its descendants */
	const char *country;     /* alpha-2 in any country property */
	const char *max_class;   /* only records classified at most this */
	const char *agency;      /* originating agency */
	const char *date_from;   /* a date property on or after (YYYY[-MM[-DD]]) */
	const char *date_to;     /* a date property on or before */
	size_t limit;            /* 0 = 100 */
	size_t offset;
};
struct store_hit {
	const char *id;
	const char *schema;
	const char *caption;
	double rank;             /* lower is better (FTS5 bm25) */
	const struct marking *marking;
};
int store_search(struct store *st, const struct store_query *q,
		 int (*fn)(const struct store_hit *h, void *ctx), void *ctx,
		 struct diag *d);

/* Every current record matching the filter (text is ignored), in id order,
 * for export. */
int store_each(struct store *st, const struct store_query *filter,
	       int (*fn)(const struct store_record *r, void *ctx), void *ctx,
	       struct diag *d);

struct store_stats {
	uint64_t records, versions, imports;
};
int store_stats(struct store *st, struct store_stats *out,
		int (*per_schema)(const char *schema, uint64_t n, void *ctx),
		void *ctx, struct diag *d);

/* --- audit ------------------------------------------------------------ */

/* Append to the audit trail: who did what to which object and why. Every
 * read of personal data by a person goes through here. */
int store_audit(struct store *st, const char *actor, const char *action,
		const char *object, const char *detail, struct diag *d);
int store_audit_each(struct store *st, int64_t since_id,
		     int (*fn)(int64_t id, const char *at, const char *actor,
			       const char *action, const char *object,
			       const char *detail, void *ctx),
		     void *ctx, struct diag *d);

#endif
