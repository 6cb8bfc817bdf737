/*
 * store_int.h - private to src/store: the table of operations a backend
 * implements, and the part of the handle every backend shares.
 *
 * store.c checks the caller's arguments once for every backend and then
 * calls through ops; sqlite.c is the only backend today. A PostgreSQL
 * backend would add its own open function and fill the same table.
 */
#ifndef LIAISON_STORE_INT_H
#define LIAISON_STORE_INT_H

#include <time.h>

#include "liaison/store.h"

/* Hard limits on the caller-supplied strings the store keeps. */
#define STORE_LEDGER_ENTRY_MAX ((size_t)16 << 20) /* bytes of an entry */
#define STORE_LEDGER_INDEX_MAX ((uint64_t)INT64_MAX - 1)
#define STORE_FORMAT_MAX 32
#define STORE_FILES_MAX 4096
#define STORE_ACTOR_MAX 256
#define STORE_ACTION_MAX 64
#define STORE_OBJECT_MAX 1024
#define STORE_DETAIL_MAX 8192
#define STORE_QUERY_TEXT_MAX 1024
#define STORE_QUERY_TOKENS_MAX 32
#define STORE_LIMIT_DEFAULT 100
#define STORE_LIMIT_MAX 10000

/* Busy timeout when LIAISON_BUSY_MS is not set. */
#define STORE_BUSY_MS_DEFAULT 5000

struct store_ops {
	const char *name;
	void (*close)(struct store *st);
	int (*schema_version)(struct store *st);
	int (*import_begin)(struct store *st, const struct store_import *imp,
			    int64_t *import_id, struct diag *d);
	int (*put_prepared)(struct store *st, const struct store_prep *p,
			    enum store_change *change, struct diag *d);
	int (*import_commit)(struct store *st, struct store_counts *counts,
			     struct diag *d);
	void (*import_abort)(struct store *st);
	int (*get)(struct store *st, const char *id, struct store_record **out,
		   struct diag *d);
	int (*history)(struct store *st, const char *id,
		       int (*fn)(const struct store_version *v, void *ctx),
		       void *ctx, struct diag *d);
	int (*search)(struct store *st, const struct store_query *q,
		      int (*fn)(const struct store_hit *h, void *ctx),
		      void *ctx, struct diag *d);
	int (*each)(struct store *st, const struct store_query *filter,
		    int (*fn)(const struct store_record *r, void *ctx),
		    void *ctx, struct diag *d);
	int (*stats)(struct store *st, struct store_stats *out,
		     int (*per_schema)(const char *schema, uint64_t n,
				       void *ctx),
		     void *ctx, struct diag *d);
	int (*records_mark)(struct store *st, int64_t *out, struct diag *d);
	int (*audit)(struct store *st, const char *actor, const char *action,
		     const char *object, const char *detail, struct diag *d);
	int (*audit_each)(struct store *st, int64_t since_id,
			  int (*fn)(int64_t id, const char *at,
				    const char *actor, const char *action,
				    const char *object, const char *detail,
				    void *ctx),
			  void *ctx, struct diag *d);
	int (*peer_add)(struct store *st, const struct store_peer *p,
			const char *actor, struct diag *d);
	int (*peer_remove)(struct store *st, const char *agency,
			   const char *actor, struct diag *d);
	int (*peer_find)(struct store *st, const char *key, bool by_tls,
			 int (*fn)(const struct store_peer *p, void *ctx),
			 void *ctx, struct diag *d);
	int (*outbox_add)(struct store *st, const struct store_outbound *o,
			  struct diag *d);
	int (*outbox_due)(struct store *st, int64_t now,
			  struct store_out_item *items, size_t max, size_t *n,
			  struct diag *d);
	int (*outbox_mark)(struct store *st, const char *env_id,
			   const char *recipient, enum store_out_state state,
			   int64_t next_at, const char *error, struct diag *d);
	int (*msg_each)(struct store *st, bool inbox,
			int (*fn)(const struct store_msg_row *r, void *ctx),
			void *ctx, struct diag *d);
	int (*inbound_apply)(struct store *st, const struct store_inbound *in,
			     struct diag *d);
	int (*seen)(struct store *st, const char *env_id, struct diag *d);
	int (*batch_begin)(struct store *st, struct diag *d);
	int (*batch_item)(struct store *st, bool begin, bool keep,
			  struct diag *d);
	int (*batch_end)(struct store *st, bool commit, struct diag *d);
	int (*seen_prune)(struct store *st, int64_t before, uint64_t *n,
			  struct diag *d);
	int (*inbox_get)(struct store *st, const char *env_id,
			 struct store_in_msg **out, struct diag *d);
	int (*inbox_mark_read)(struct store *st, const char *env_id,
			       const char *actor, const char *detail,
			       struct diag *d);
	int (*msg_case)(struct store *st, const char *env_id, char **out,
			char *peer, size_t peer_n, struct diag *d);
	int (*ledger_begin)(struct store *st, uint64_t *size, struct diag *d);
	int (*ledger_put_entry)(struct store *st,
				const struct store_ledger_row *r,
				struct diag *d);
	int (*ledger_put_node)(struct store *st, unsigned level,
			       uint64_t index, const uint8_t *hash,
			       struct diag *d);
	int (*ledger_put_head)(struct store *st,
			       const struct store_ledger_head *h,
			       struct diag *d);
	int (*ledger_commit)(struct store *st, struct diag *d);
	void (*ledger_abort)(struct store *st);
	int (*ledger_size)(struct store *st, uint64_t *out, struct diag *d);
	int (*ledger_nodes_end)(struct store *st, uint64_t *out,
				struct diag *d);
	int (*ledger_node)(struct store *st, unsigned level, uint64_t index,
			   uint8_t *out, struct diag *d);
	int (*ledger_nodes_from)(struct store *st, unsigned level,
				 uint64_t from, size_t max,
				 int (*fn)(uint64_t index, const uint8_t *hash,
					   void *ctx),
				 void *ctx, struct diag *d);
	int (*ledger_each)(struct store *st, uint64_t from,
			   int (*fn)(const struct store_ledger_row *r,
				     void *ctx),
			   void *ctx, struct diag *d);
	int (*ledger_head)(struct store *st, uint64_t size,
			   struct store_ledger_head *out, struct diag *d);
	int (*ledger_read)(struct store *st, bool begin, struct diag *d);
	int (*ledger_head_each)(struct store *st,
				int (*fn)(const struct store_ledger_head *h,
					  void *ctx),
				void *ctx, struct diag *d);
	int (*user_add)(struct store *st, const struct store_user *u,
			struct diag *d);
	int (*user_get)(struct store *st, const char *name,
			int (*fn)(const struct store_user *u, void *ctx),
			void *ctx, struct diag *d);
	int (*token_add)(struct store *st, const struct store_token *t,
			 const char *actor, int64_t *id, struct diag *d);
	int (*token_each)(struct store *st, const char *user, const char *hash,
			  int64_t after,
			  int (*fn)(const struct store_token *t, void *ctx),
			  void *ctx, struct diag *d);
	int (*token_revoke)(struct store *st, int64_t id, int64_t now,
			    const char *actor, struct diag *d);
	int (*evidence_add)(struct store *st, const struct store_evidence *e,
			    struct diag *d);
	int (*evidence_each)(struct store *st, const char *id,
			     const char *case_ref,
			     int (*fn)(const struct store_evidence *e,
				       void *ctx),
			     void *ctx, struct diag *d);
	int (*custody_add)(struct store *st, const struct store_custody *c,
			   struct diag *d);
	int (*custody_each)(struct store *st, const char *item,
			    int (*fn)(const struct store_custody *c, void *ctx),
			    void *ctx, struct diag *d);
	int (*qref_get)(struct store *st, const char *ref, char **record_id,
			char asker[MARKING_CODE_MAX + 1], char query_id[33],
			int64_t *created, struct diag *d);
	int (*request_each)(struct store *st, int64_t id, const char *env_id,
			    int (*fn)(const struct store_request *r, void *ctx),
			    void *ctx, struct diag *d);
	int (*request_decide)(struct store *st, int64_t id, const char *state,
			      const char *decided_by, const char *reason,
			      const struct store_outbound *o, struct diag *d);
	int (*alert_save)(struct store *st, const struct store_alert *a,
			  const struct store_outbound *o, const char *actor,
			  const char *action, const char *detail,
			  struct diag *d);
	int (*alert_each)(struct store *st,
			  int (*fn)(const struct store_alert *a, void *ctx),
			  void *ctx, struct diag *d);
	int (*alert_hit_add)(struct store *st, const struct store_alert_hit *h,
			     int64_t since, const struct store_outbound *o,
			     const char *actor, const char *detail,
			     struct diag *d);
	int (*alert_hit_each)(struct store *st,
			      int (*fn)(const struct store_alert_hit *h,
					void *ctx),
			      void *ctx, struct diag *d);
	int (*witness_put)(struct store *st, const struct store_witness *w,
			   struct diag *d);
	int (*witness_get)(struct store *st, const char *node,
			   const char *witness, uint64_t size,
			   struct store_witness *out, struct diag *d);
	int (*witness_each)(struct store *st,
			    int (*fn)(const struct store_witness *w,
				      void *ctx),
			    void *ctx, struct diag *d);
	int (*custody_in_add)(struct store *st,
			      const struct store_custody_in *r,
			      struct diag *d);
	int (*custody_in_each)(struct store *st, const char *item,
			       int (*fn)(const struct store_custody_in *r,
					 void *ctx),
			       void *ctx, struct diag *d);
	int (*witness_problem_add)(struct store *st,
				   const struct store_witness_problem *p,
				   struct diag *d);
	int (*witness_problem_each)(
	    struct store *st,
	    int (*fn)(const struct store_witness_problem *p, void *ctx),
	    void *ctx, struct diag *d);
	int (*data_version)(struct store *st, int64_t *out, struct diag *d);
	int (*versions_since)(struct store *st, int64_t after,
			      int (*fn)(const char *id, int64_t vid, void *ctx),
			      void *ctx, int64_t *last, struct diag *d);
};

/* Every backend's handle starts with this. */
struct store {
	const struct store_ops *ops;
	struct ladder ladder;
	bool readonly;
	bool in_import;
	bool in_ledger;  /* a ledger write transaction is open */
	bool in_read;    /* a read snapshot of store_ledger_read_begin */
	/* Called for every audit row, in the row's own transaction
	 * (store_set_audit_hook); NULL when none is set. */
	store_audit_hook_fn *audit_hook;
	void *audit_hook_ctx;
	struct store_prepper *prepper; /* for store_put(), made on first use */
	struct store_prep *prep;       /* its reused prepared record */
	void (*on_queue)(void *ctx);   /* store_set_queue_hook */
	void *on_queue_ctx;
};

#define STORE_HASH_LEN 32

/* A record ready to be written: everything a backend binds, computed from
 * the entity and marking without database access (store.c). */
struct store_prep {
	const struct marking *m;  /* borrowed */
	const char *schema;       /* static, from the schema table */
	unsigned char hash[STORE_HASH_LEN]; /* over body and marking JSON */
	int class_rank;
	bool has_date;
	char date_min[32], date_max[32];
	struct strbuf id;
	struct strbuf body;       /* canonical entity JSON */
	struct strbuf caption;
	struct strbuf names;      /* caption, then the other name values */
	struct strbuf text;       /* other text-like values, phone digits */
	struct strbuf countries;  /* space-separated alpha-2 codes */
};

struct store_prepper {
	const struct store *st;
	bool mc_valid;            /* mc and mjson describe the last marking */
	struct marking mc;
	struct strbuf mjson;      /* canonical marking JSON */
};

/* Same marking, field by field. */
bool store_marking_eq(const struct marking *a, const struct marking *b);
/* Canonical compact JSON of a marking into out (replacing its content). */
int store_marking_json(const struct marking *m, struct strbuf *out);

/* A filter checked and resolved into values a backend can bind directly. */
struct store_filter {
	char *schemas_json;  /* JSON array of schema names, or NULL = any */
	char country[3];     /* lower-case alpha-2, or "" = any */
	int max_rank;        /* ladder index, or -1 = any */
	const char *agency;  /* or NULL */
	const char *date_from;
	const char *date_to;
	char *fts;           /* quoted FTS5 query, or NULL = no text */
	bool match_none;     /* text given but without a word: no hits */
	int64_t limit;
	int64_t offset;
};

/* Check q and fill f; with_text false ignores q->text. Release with
 * store_filter_release(). */
int store_filter_build(const struct store *st, const struct store_query *q,
		       bool with_text, struct store_filter *f, struct diag *d);
void store_filter_release(struct store_filter *f);

/* The SQLite backend (sqlite.c). */
int store_sqlite_open(const char *dir, const struct store_opts *o,
		      struct store **out, struct diag *d);

/* Ordered migration steps of the SQLite schema (migrations.c): step i takes
 * a database from user_version i to i + 1. */
extern const char *const store_sqlite_migrations[];
extern const int store_sqlite_migrations_n;

/* "YYYY-MM-DDTHH:MM:SSZ" for t into buf (at least 21 bytes). */
void store_iso_time(time_t t, char *buf, size_t n);

#endif
