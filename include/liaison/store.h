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

/* --- ledger rows -------------------------------------------------------- */

/*
 * The rows of the evidence ledger (src/ledger builds the Merkle tree; the
 * store keeps what it is given and checks nothing about hashes). Entries
 * and subtree hashes are appended inside a write transaction opened with
 * store_ledger_begin() and made durable by store_ledger_commit(), which
 * syncs the write-ahead log. Every ledger table is append-only: triggers
 * refuse UPDATE and DELETE. Only one import or ledger transaction may be
 * open on a handle at a time.
 */
#define STORE_LEDGER_HASH 32

struct store_ledger_row {
	uint64_t index;            /* 0-based position in the log */
	const void *data;          /* entry bytes (borrowed) */
	size_t len;
	const uint8_t *leaf_hash;  /* STORE_LEDGER_HASH bytes */
	int64_t time_ms;           /* when appended, ms since 1970 UTC */
};

struct store_ledger_head {
	uint64_t size;
	uint8_t root[STORE_LEDGER_HASH];
	int64_t time_ms;
	int version;
	uint8_t pk[32];            /* Ed25519 public key */
	uint8_t sig[64];           /* Ed25519 signature */
};

/* Open a write transaction (BEGIN IMMEDIATE) and report the number of
 * entries stored, read inside it. Errors: LIA_EDENIED (read-only),
 * LIA_EINVAL (an import or ledger transaction is open), LIA_EBUSY. */
int store_ledger_begin(struct store *st, uint64_t *size, struct diag *d);
int store_ledger_put_entry(struct store *st, const struct store_ledger_row *r,
			   struct diag *d);
/* The hash of the perfect subtree of height level (>= 1) over leaves
 * [index << level, (index + 1) << level). */
int store_ledger_put_node(struct store *st, unsigned level, uint64_t index,
			  const uint8_t hash[STORE_LEDGER_HASH],
			  struct diag *d);
/* Store a signed head; a head for that size already stored is kept and
 * LIA_EEXIST returned. Also inside or outside a ledger transaction. */
int store_ledger_put_head(struct store *st, const struct store_ledger_head *h,
			  struct diag *d);
/* Commit durably (the WAL is synced before this returns 0); on error the
 * transaction is rolled back. */
int store_ledger_commit(struct store *st, struct diag *d);
void store_ledger_abort(struct store *st);

/* Number of entries: one more than the largest index stored. */
int store_ledger_size(struct store *st, uint64_t *out, struct diag *d);
/* The end of the stored subtrees: the largest (index + 1) << level of
 * any stored subtree hash, 0 when there is none. */
int store_ledger_nodes_end(struct store *st, uint64_t *out, struct diag *d);
/* A stored hash: level 0 is the leaf hash of entry index. LIA_ENOTFOUND
 * when it is not stored. */
int store_ledger_node(struct store *st, unsigned level, uint64_t index,
		      uint8_t out[STORE_LEDGER_HASH], struct diag *d);
/* Entries with index >= from in index order; the row is valid during the
 * callback only. A non-zero return of fn stops and is returned. */
int store_ledger_each(struct store *st, uint64_t from,
		      int (*fn)(const struct store_ledger_row *r, void *ctx),
		      void *ctx, struct diag *d);
/* The head of one size, or the largest when size is UINT64_MAX.
 * LIA_ENOTFOUND when there is none. */
int store_ledger_head(struct store *st, uint64_t size,
		      struct store_ledger_head *out, struct diag *d);
/* Hold one read snapshot across many lookups (a proof's): one lock for
 * all of them instead of one per statement, and they all see the same
 * state. A no-op inside an open import or ledger transaction. Every
 * successful begin must be matched by an end. */
int store_ledger_read_begin(struct store *st, struct diag *d);
void store_ledger_read_end(struct store *st);
/* Every head in size order. */
int store_ledger_head_each(struct store *st,
			   int (*fn)(const struct store_ledger_head *h,
				     void *ctx),
			   void *ctx, struct diag *d);

#endif
