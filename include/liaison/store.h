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

/* A number that grows whenever a record or its marking changes (the last
 * version id; 0 for an empty store), for caches of what is loaded from
 * the records. Works inside any open transaction. */
int store_records_mark(struct store *st, int64_t *out, struct diag *d);

/* --- audit ------------------------------------------------------------ */

/* Append to the audit trail: who did what to which object and why. Every
 * read of personal data by a person goes through here. */
int store_audit(struct store *st, const char *actor, const char *action,
		const char *object, const char *detail, struct diag *d);
/*
 * The audit trail is mirrored elsewhere (the node's ledger) through a hook
 * that store_audit and every store function writing an audit row call
 * after inserting the row, inside the same transaction: the row and
 * whatever the hook writes are stored together or not at all. The hook
 * may use the store_ledger_put_* functions (it runs as inside a ledger
 * transaction) and nothing else that writes. A non-zero return rolls the
 * row back and is returned. Rows written inside a ledger transaction
 * (users, evidence: their documents are ledger entries already) do not
 * call it. fn NULL removes the hook.
 */
struct store_audit_row {
	int64_t time_ms; /* when written, ms since 1970 UTC */
	const char *at;	 /* the row's ISO 8601 time */
	const char *actor, *action;
	const char *object, *detail; /* may be NULL */
};
typedef int store_audit_hook_fn(void *ctx, struct store *st,
				const struct store_audit_row *row,
				struct diag *d);
void store_set_audit_hook(struct store *st, store_audit_hook_fn *fn,
			  void *ctx);

int store_audit_each(struct store *st, int64_t since_id,
		     int (*fn)(int64_t id, const char *at, const char *actor,
			       const char *action, const char *object,
			       const char *detail, void *ctx),
		     void *ctx, struct diag *d);

/* --- exchange: peers, outbox, inbox, seen envelope ids ---------------- */

/*
 * The store keeps what the exchange needs to deliver envelopes exactly
 * once across crashes. Ids are envelope ids as 32 lower-case hex digits;
 * times are UTC seconds. Every function that changes the state of a
 * message writes its audit row in the same transaction, so the trail
 * never misses a send, a receipt or a read that happened, and never
 * records one that did not.
 */

#define STORE_URL_MAX 256
#define STORE_SUBJECT_MAX 1024
#define STORE_ENVELOPE_MAX ((size_t)17 << 20) /* >= ENVELOPE_MAX */
#define STORE_ERROR_MAX 512

/* A pinned peer. All strings belong to the store during a callback. */
struct store_peer {
	const char *agency;
	const char *card;       /* the card JSON as pinned */
	const char *url;        /* https://host:port of its federation endpoint */
	const char *tls_sha256; /* hex SHA-256 of its certificate (DER) */
	const char *added;      /* ISO 8601 UTC */
};

/* Pin a peer. LIA_EEXIST if the agency is already pinned (remove it
 * first: re-pinning is a deliberate act). */
int store_peer_add(struct store *st, const struct store_peer *p,
		   const char *actor, struct diag *d);
/* Remove a pin. LIA_ENOTFOUND if none. */
int store_peer_remove(struct store *st, const char *agency, const char *actor,
		      struct diag *d);
/* The peer with this agency code, or (by_tls) with this certificate
 * fingerprint: fn is called once. LIA_ENOTFOUND if none. */
int store_peer_find(struct store *st, const char *key, bool by_tls,
		    int (*fn)(const struct store_peer *p, void *ctx), void *ctx,
		    struct diag *d);
int store_peer_each(struct store *st,
		    int (*fn)(const struct store_peer *p, void *ctx), void *ctx,
		    struct diag *d);

enum store_out_state {
	STORE_OUT_QUEUED = 1, /* waiting for (another) delivery attempt */
	STORE_OUT_SENT,       /* the peer committed it (2xx); no receipt yet */
	STORE_OUT_DELIVERED,  /* the peer's signed receipt arrived */
	STORE_OUT_FAILED,     /* given up; the reason is in error */
};
const char *store_out_state_name(enum store_out_state s);

/* An envelope to queue: one outbox row per recipient. Borrowed. */
struct store_outbound {
	const char *env_id;
	const char *kind;       /* envelope_kind_name */
	const char *subject;    /* for listings; "" when none */
	const char *case_ref;   /* "" when none */
	const char *reply_to;   /* env_id of the message answered, or NULL */
	int64_t created, expires;
	const uint8_t *bytes;   /* the sealed envelope */
	size_t len;
	const char *const *recipients;
	size_t n_recipients;
	const char *actor;      /* for the audit row */
	const char *detail;     /* for the audit row (why, what) */
};

/* Queue an envelope for its recipients in one transaction (envelope,
 * rows, audit). LIA_EEXIST if that envelope id is already queued. */
int store_outbox_add(struct store *st, const struct store_outbound *o,
		     struct diag *d);

/* One outbox row handed to the delivery worker. Owns its bytes. */
struct store_out_item {
	char env_id[33];
	char recipient[MARKING_CODE_MAX + 1];
	char kind[32];
	enum store_out_state state;
	int64_t attempts;
	int64_t created, expires;
	uint8_t *bytes;
	size_t len;
};
void store_out_item_release(struct store_out_item *it);

/* Up to max rows in state queued (or sent without a receipt) whose next
 * attempt is due at now, oldest first, into items[]; *n gets the count.
 * Envelopes can be large, so it also stops after the row that brings the
 * bytes returned to STORE_DUE_BYTES_MAX or more (always at least one
 * row): the caller should ask again at once when that happened. On error
 * nothing is returned (and nothing needs releasing). */
#define STORE_DUE_BYTES_MAX ((size_t)32 << 20)
int store_outbox_due(struct store *st, int64_t now, struct store_out_item *items,
		     size_t max, size_t *n, struct diag *d);

/* Record the outcome of an attempt for one row: the new state, when to
 * try next (for queued and sent), and the error (NULL when none).
 * attempts is incremented. A row already delivered or failed is left
 * alone (a late answer must not undo a receipt). LIA_ENOTFOUND if no
 * such row. */
int store_outbox_mark(struct store *st, const char *env_id,
		      const char *recipient, enum store_out_state state,
		      int64_t next_at, const char *error, struct diag *d);

/* An outbox or inbox row for listings. Strings belong to the store. */
struct store_msg_row {
	const char *env_id;
	const char *peer;      /* recipient (outbox) or sender (inbox) */
	const char *kind;
	const char *subject;
	const char *case_ref;
	const char *state;     /* queued|sent|delivered|failed, received|read */
	const char *error;     /* outbox: last error, or NULL */
	int64_t attempts;      /* outbox */
	const char *created;   /* ISO 8601 UTC */
	const char *updated;
};
int store_outbox_each(struct store *st,
		      int (*fn)(const struct store_msg_row *r, void *ctx),
		      void *ctx, struct diag *d);
int store_inbox_each(struct store *st,
		     int (*fn)(const struct store_msg_row *r, void *ctx),
		     void *ctx, struct diag *d);

/* An opaque reference given in an answer: 32 hex digits for a record. */
struct store_qref {
	const char *ref;
	const char *record_id;
	double score;
};

/* An envelope received from a peer and checked (signature, times,
 * recipients). Borrowed. */
struct store_inbound {
	const char *env_id;
	const char *sender;
	const char *kind;
	const char *priority;
	const char *case_ref;
	const char *subject;      /* "" when unknown */
	const char *marking;      /* header marking JSON */
	int64_t created, expires;
	const uint8_t *bytes;     /* the envelope as received (encrypted) */
	size_t len;
	bool keep;                /* add to the inbox (receipts are not) */
	/* A receipt of originals we sent: mark each outbox row
	 * (delivered[i], sender) delivered, with one audit row each. Empty
	 * when not a receipt (at most STORE_DELIVERED_MAX). */
	const char *const *delivered;
	size_t n_delivered;
	/* An envelope to queue in the same transaction (the receipt we send
	 * back), or NULL. */
	const struct store_outbound *reply;
	/* A second envelope to queue with it (the answer to a query), or
	 * NULL. */
	const struct store_outbound *answer;
	/* Opaque references given in that answer (to sender, for this
	 * envelope id), remembered in the same transaction. */
	const struct store_qref *refs;
	size_t n_refs;
	/* A request for a record behind a reference (kind request), stored
	 * pending in the same transaction, or NULL. */
	const struct store_request *request;
	const char *actor;
	const char *detail;
};

/* Apply a received envelope exactly once, in one transaction: the id is
 * remembered until expires (replay detection), then the inbox row, the
 * outbox state change and the reply are written with the audit row.
 * LIA_EEXIST (and nothing written) when the id was seen before. */
int store_inbound_apply(struct store *st, const struct store_inbound *in,
			struct diag *d);
#define STORE_DELIVERED_MAX 256 /* ids one receipt may acknowledge */

/*
 * Group commit. Between store_batch_begin and store_batch_end every write
 * call on this handle (store_inbound_apply, store_outbox_add,
 * store_outbox_mark, an import, ...) becomes part of one transaction,
 * made durable (synchronous = FULL) by store_batch_end(commit = true): N
 * envelopes cost one sync instead of N. store_batch_item(begin = true)
 * opens a savepoint for one unit (an envelope); ending it with keep =
 * false undoes that unit alone, so one bad envelope does not take the
 * others with it. Nothing of a batch is durable, or visible to other
 * connections, before store_batch_end returns 0; any error there means
 * nothing of it was kept. store_batch_end(commit = false) rolls back.
 * Errors: LIA_EINVAL (out of order), LIA_EBUSY, LIA_ESTORE.
 */
int store_batch_begin(struct store *st, struct diag *d);
int store_batch_item(struct store *st, bool begin, bool keep,
		     struct diag *d);
int store_batch_end(struct store *st, bool commit, struct diag *d);

/* Called (from the thread that committed) after every committed
 * transaction that queued an outbox row, so that a delivery worker can be
 * woken at once instead of at its next poll. NULL removes it. */
void store_set_queue_hook(struct store *st, void (*fn)(void *ctx),
			  void *ctx);

/* True (1) when the id was seen, 0 when not, or a negative error. */
int store_seen(struct store *st, const char *env_id, struct diag *d);
/* Forget ids whose expiry is before `before`; *n (may be NULL) gets the
 * count. */
int store_seen_prune(struct store *st, int64_t before, uint64_t *n,
		     struct diag *d);

/* One inbox message; release with store_in_msg_free. */
struct store_in_msg {
	char env_id[33];
	char sender[MARKING_CODE_MAX + 1];
	char kind[32];
	char state[16];
	char received[32];
	char *case_ref;
	uint8_t *bytes;
	size_t len;
};
void store_in_msg_free(struct store_in_msg *m);
/* LIA_ENOTFOUND if no such message in the inbox. */
int store_inbox_get(struct store *st, const char *env_id,
		    struct store_in_msg **out, struct diag *d);
/* Mark a message read and audit the read, in one transaction (reading
 * again is audited again). */
int store_inbox_mark_read(struct store *st, const char *env_id,
			  const char *actor, const char *detail,
			  struct diag *d);
/* The case reference of a message in the inbox or outbox (for replies).
 * *out is malloc'd ("" when none). LIA_ENOTFOUND if neither has it. */
int store_msg_case(struct store *st, const char *env_id, char **out,
		   char *peer, size_t peer_n, struct diag *d);

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
/* The stored subtree hashes of one level (>= 1) with index >= from, in
 * index order, at most max of them; hash is valid during the callback
 * only. A non-zero return of fn stops and is returned. */
int store_ledger_nodes_from(struct store *st, unsigned level, uint64_t from,
			    size_t max,
			    int (*fn)(uint64_t index, const uint8_t *hash,
				      void *ctx),
			    void *ctx, struct diag *d);
/* Whether this handle holds a read snapshot of store_ledger_read_begin (so
 * every row it reads is committed), as opposed to none or a write
 * transaction whose rows may still be rolled back. */
bool store_ledger_in_snapshot(const struct store *st);
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

/* --- witnessing (src/node/witness.c) ------------------------------------
 *
 * One row per countersignature: witness signed the head of node's ledger
 * at size (root, at_ms, the node's own signature sig) with cosig. A node
 * keeps the rows of its own heads (node = itself) and of the heads it
 * countersigned for others (witness = itself). Strings are agency codes.
 */
struct store_witness {
	char node[MARKING_CODE_MAX + 1], witness[MARKING_CODE_MAX + 1];
	uint64_t size;
	uint8_t root[STORE_LEDGER_HASH];
	int64_t at_ms;
	uint8_t sig[64], cosig[64];
	int64_t received; /* UTC seconds */
};
/* Store a row; one already stored for (node, witness, size) is kept and
 * 0 returned. */
int store_witness_put(struct store *st, const struct store_witness *w,
		      struct diag *d);
/* The row of (node, witness) at size, or the largest size when size is
 * UINT64_MAX. LIA_ENOTFOUND when there is none. */
int store_witness_get(struct store *st, const char *node, const char *witness,
		      uint64_t size, struct store_witness *out, struct diag *d);
/* Every row, by node, size and witness. */
int store_witness_each(struct store *st,
		       int (*fn)(const struct store_witness *w, void *ctx),
		       void *ctx, struct diag *d);

/* An inconsistency a witness found in a node's heads: kept by the witness
 * (from the head envelope env_id) and by the node (from the witness's
 * report env_id), with evidence (the JSON that showed it). Storing also
 * writes an audit row "witness-problem"; a second row for one env_id is
 * ignored. */
struct store_witness_problem {
	const char *env_id, *node, *witness, *reason, *evidence;
	uint64_t size;
	int64_t at; /* UTC seconds */
};
int store_witness_problem_add(struct store *st,
			      const struct store_witness_problem *p,
			      struct diag *d);
int store_witness_problem_each(
    struct store *st,
    int (*fn)(const struct store_witness_problem *p, void *ctx), void *ctx,
    struct diag *d);

/* A bundle another agency sent about one item (src/node/custody.c): kind
 * "transfer" (the item is being handed to this node) or "receipt" (the
 * other agency signed the receipt of a transfer from this node). Stored
 * after the bundle was verified; storing also writes an audit row
 * "custody-in"; a second row for one env_id is ignored. */
struct store_custody_in {
	const char *env_id, *item, *sender, *kind, *bundle;
	int64_t received; /* UTC seconds */
};
int store_custody_in_add(struct store *st, const struct store_custody_in *r,
			 struct diag *d);
/* The rows of one item (all items when item is NULL), oldest first. */
int store_custody_in_each(struct store *st, const char *item,
			  int (*fn)(const struct store_custody_in *r,
				    void *ctx),
			  void *ctx, struct diag *d);

/* --- users, evidence and custody (src/users, src/evidence) ------------
 *
 * The rows that index users and items of evidence. The signed documents
 * are entries of the ledger (ledger_idx): the add functions below run only
 * inside an open ledger transaction (ledger_append_with's hook), so a row
 * and its entry are stored together or not at all, and each writes its
 * audit row in that transaction. Strings are borrowed (adding) or belong
 * to the store (in a callback).
 */
#define STORE_USER_SEALED_MAX 256
#define STORE_USER_SALT 16

struct store_user {
	const char *name;
	const char *role;
	const uint8_t *sign_pk;	  /* 32 bytes */
	const uint8_t *sealed_sk; /* nonce || ciphertext of the seed */
	size_t sealed_len;	  /* 1..STORE_USER_SEALED_MAX */
	const uint8_t *salt;	  /* STORE_USER_SALT bytes */
	uint64_t kdf_ops;
	uint64_t kdf_mem;
	const char *pwhash; /* crypto_pwhash_str */
	int64_t created;    /* ms since 1970 UTC */
	const char *created_by;
	uint64_t ledger_idx;
};
/* LIA_EEXIST if the name is taken (nothing written). */
int store_user_add(struct store *st, const struct store_user *u,
		   struct diag *d);
/* The user called name (fn once, LIA_ENOTFOUND if none), or with name
 * NULL every user in name order. */
int store_user_get(struct store *st, const char *name,
		   int (*fn)(const struct store_user *u, void *ctx), void *ctx,
		   struct diag *d);

struct store_evidence {
	const char *id; /* 32 hex digits */
	const char *case_ref;
	const char *description;
	const char *sha256; /* 64 hex digits */
	uint64_t size;
	const char *media_type;
	const char *seized_at; /* "" when unknown */
	const char *seized_on;
	const char *registered_by;
	int64_t created; /* ms */
	uint64_t ledger_idx;
};
int store_evidence_add(struct store *st, const struct store_evidence *e,
		       struct diag *d);
/* The item id (fn once, LIA_ENOTFOUND if none), else every item (of
 * case_ref when not NULL) in registration order. */
int store_evidence_each(struct store *st, const char *id, const char *case_ref,
			int (*fn)(const struct store_evidence *e, void *ctx),
			void *ctx, struct diag *d);

struct store_custody {
	const char *item;
	uint64_t seq; /* 0 is the registration */
	const char *kind;
	const char *user;
	int64_t at; /* ms */
	uint64_t ledger_idx;
};
/* LIA_EEXIST when (item, seq) exists: another event won the race. */
int store_custody_add(struct store *st, const struct store_custody *c,
		      struct diag *d);
/* The events of item in seq order. */
int store_custody_each(struct store *st, const char *item,
		       int (*fn)(const struct store_custody *c, void *ctx),
		       void *ctx, struct diag *d);

/* --- requests for records behind references (release.c) ------------ */

/* A request a partner made for a record behind one of our references.
 * Strings are borrowed (when adding) or belong to the store (in a
 * callback). state is pending, approved or refused. */
struct store_request {
	int64_t id;
	const char *env_id;       /* the request envelope */
	const char *asker;
	const char *ref;
	const char *record_id;
	const char *query_id;
	const char *reason;       /* the asker's, "" when none */
	const char *state;
	const char *decided_by;   /* NULL while pending */
	const char *decided_at;   /* ISO 8601 UTC, NULL while pending */
	const char *decision;     /* the decider's reason, NULL while pending */
	const char *created;      /* ISO 8601 UTC */
};

/* The record, asker and query behind a reference, and when it was given
 * (UTC seconds). LIA_ENOTFOUND if none. */
int store_qref_get(struct store *st, const char *ref, char **record_id,
		   char asker[MARKING_CODE_MAX + 1], char query_id[33],
		   int64_t *created, struct diag *d);
/* Requests in id order; id > 0 or env_id selects one. */
int store_request_each(struct store *st, int64_t id, const char *env_id,
		       int (*fn)(const struct store_request *r, void *ctx),
		       void *ctx, struct diag *d);
/* Decide a pending request once, in one transaction with the envelope
 * that tells the asker (o) and the audit row. state is "approved" or
 * "refused". LIA_ENOTFOUND if no such request, LIA_EEXIST if it was
 * already decided (nothing written). */
int store_request_decide(struct store *st, int64_t id, const char *state,
			 const char *decided_by, const char *reason,
			 const struct store_outbound *o, struct diag *d);

/* --- alerts and hit notifications ------------------------------------ */

/* An alert issued by this node or received from its issuer. Borrowed. */
struct store_alert {
	const char *id;         /* 32 hex digits, chosen by the issuer */
	const char *role;       /* "issued" or "received" */
	const char *issuer;
	const char *kind;
	const char *record_id;
	const char *action;
	const char *recipients; /* comma-separated agencies */
	int64_t expires;        /* UTC seconds, 0 = never */
	int64_t version;        /* raised by each update */
	const char *state;      /* "active" or "withdrawn" */
	const char *reason;     /* of a withdrawal, "" when none */
	int64_t created, updated;
};

/* Insert or update an alert, queue o (may be NULL) and append the audit
 * row (action, detail), in one transaction. An existing alert is changed
 * only by the same issuer, only while active and only to a version not
 * older than the stored one: a replayed update cannot revive a withdrawn
 * alert. */
int store_alert_save(struct store *st, const struct store_alert *a,
		     const struct store_outbound *o, const char *actor,
		     const char *action, const char *detail, struct diag *d);
/* Every alert, oldest first. */
int store_alert_each(struct store *st,
		     int (*fn)(const struct store_alert *a, void *ctx),
		     void *ctx, struct diag *d);

/* A hit notification sent (by a receiver of the alert) or received (by
 * its issuer). Borrowed. */
struct store_alert_hit {
	const char *env_id;      /* the hit envelope */
	const char *direction;   /* "sent" or "received" */
	const char *alert_id;
	const char *agency;      /* the issuer (sent) or the reporter */
	int64_t at;
	double score;
	const char *channel;     /* screening, batch, import, query */
	const char *schema;
	const char *subject_key; /* sent: hash for deduplication; else "" */
};

/* Record a hit, queue o (may be NULL) and audit, in one transaction.
 * With since > 0, LIA_EEXIST (nothing written) when a hit sent on the
 * same alert with the same subject key is at or after since. A received
 * hit already stored (same env_id) is LIA_EEXIST too. */
int store_alert_hit_add(struct store *st, const struct store_alert_hit *h,
			int64_t since, const struct store_outbound *o,
			const char *actor, const char *detail, struct diag *d);
int store_alert_hit_each(struct store *st,
			 int (*fn)(const struct store_alert_hit *h, void *ctx),
			 void *ctx, struct diag *d);

/* --- API tokens (src/api, issue #7) ----------------------------------
 *
 * A token row names its user and holds the hex SHA-256 of the token, never
 * the token. Times are UTC seconds; expires 0 means never, revoked 0 means
 * live (else when it was revoked). Adding and revoking write their audit
 * row in the same transaction. Strings belong to the store in a callback.
 */
#define STORE_TOKEN_HASH_HEX 64
#define STORE_TOKEN_LABEL_MAX 128

struct store_token {
	int64_t id;
	const char *user;
	const char *hash;
	const char *label;
	int64_t created, expires, revoked;
};
/* Add a token row (t->id is ignored); *id gets the new row id. */
int store_token_add(struct store *st, const struct store_token *t,
		    const char *actor, int64_t *id, struct diag *d);
/* Tokens of user (or every user when NULL) with id > after, in id order;
 * a non-zero return of fn stops and is returned. */
int store_token_each(struct store *st, const char *user, int64_t after,
		     int (*fn)(const struct store_token *t, void *ctx),
		     void *ctx, struct diag *d);
/* The token with this hash (fn once); LIA_ENOTFOUND if none. */
int store_token_find(struct store *st, const char *hash,
		     int (*fn)(const struct store_token *t, void *ctx),
		     void *ctx, struct diag *d);
/* Revoke token id at time now; LIA_ENOTFOUND if no such live token. */
int store_token_revoke(struct store *st, int64_t id, int64_t now,
		       const char *actor, struct diag *d);

/* --- changes, for caches of records --------------------------------
 *
 * A cache of records (the API's screening index) follows the store with
 * these two: the data version moves whenever another connection (another
 * process, or another handle of this one) commits, and costs no table
 * read, so it can be asked before every use of the cache; the versions
 * since a version id say which records changed. Records are never
 * deleted, so new versions are every change there is.
 */
int store_data_version(struct store *st, int64_t *out, struct diag *d);
/* Every version written after version id `after`, in order: fn gets the
 * record id and the version id (a non-zero return stops and is
 * returned); *last gets the highest version id seen (after if none).
 * The last version id alone is store_records_mark. */
int store_versions_since(struct store *st, int64_t after,
			 int (*fn)(const char *id, int64_t vid, void *ctx),
			 void *ctx, int64_t *last, struct diag *d);

#endif
