/*
 * node.h - a liaison node: its home folder, configuration and store, and
 * the operations the CLI (and later the API) run on it.
 *
 * The home folder holds config.json (the node's identity and defaults,
 * mode 0600) and store.db (the SQLite store). A struct node owns its store
 * handle; node_close() releases everything.
 */
#ifndef LIAISON_NODE_H
#define LIAISON_NODE_H

#include <stdbool.h>
#include <stdio.h>

#include "liaison/attach.h"
#include "liaison/envelope.h"
#include "liaison/error.h"
#include "liaison/evidence.h"
#include "liaison/marking.h"
#include "liaison/ledger.h"
#include "liaison/match.h"
#include "liaison/store.h"

#define NODE_NAME_MAX 128

/* Release policy (config.json "release_policy"): requests from these
 * agencies for records at or below max_classification, passing every
 * handling rule, are approved on receipt. n_auto == 0: none is. */
#define NODE_POLICY_AGENCIES_MAX 64
struct node_release_policy {
	char auto_approve[NODE_POLICY_AGENCIES_MAX][MARKING_CODE_MAX + 1];
	size_t n_auto;
	char max_classification[MARKING_CODE_MAX + 1];
};

struct node_config {
	char agency[MARKING_CODE_MAX + 1]; /* this node's agency code */
	char name[NODE_NAME_MAX + 1];      /* human name of the agency */
	char country[3];                   /* lower-case alpha-2 */
	struct ladder ladder;              /* classification ladder */
	struct marking defaults;           /* default marking for imports */
	char listen[64];                   /* serve: "ADDR:PORT" */
	struct node_release_policy release_policy;
	/* Attachments uploaded to this node: the bytes a peer may have
	 * pending (not yet named by an accepted envelope), and how long an
	 * upload untouched is kept (config.json "blob_quota_mb",
	 * "blob_expiry_s"). */
	uint64_t blob_quota;
	int64_t blob_expiry_s;
	/* Files uploaded through the API (POST /v1/uploads) that no message
	 * or item of evidence used are deleted after this many seconds
	 * (config.json "upload_expiry_s"). */
	int64_t upload_expiry_s;
};

#define NODE_BLOB_QUOTA_MB_DEFAULT 16384       /* 16 GiB per peer */
#define NODE_BLOB_EXPIRY_S_DEFAULT (3 * 86400) /* > a sender's 2 days */
#define NODE_UPLOAD_EXPIRY_S_DEFAULT (7 * 86400)

/* Where `liaison serve` listens unless config.json or --listen says. */
#define NODE_LISTEN_DEFAULT "127.0.0.1:7443"

struct node_own_index;

struct node {
	char *home;
	struct node_config cfg;
	struct store *store;
	/* When set (the daemon), hit/no-hit queries screen this kept index
	 * of the node's own records instead of building one per query;
	 * node_close frees it. */
	struct node_own_index *own_ix;
};

/* The datagram socket in the home on which `liaison serve` listens for
 * wake-ups (wake.c). */
#define NODE_WAKE_SOCKET "serve.sock"
struct sockaddr_un;
/* HOME/serve.sock into *sa; LIA_ETOOBIG if the path does not fit. */
int node_wake_path(const char *home, struct sockaddr_un *sa);
/* Wake the daemon serving home, if any: something was queued. Never
 * fails (a lost wake-up only delays delivery to the worker's poll). A
 * writable node_open sets this as its store's queue hook. */
void node_wake_daemon(const char *home);

/* Resolve the home folder: opt (--home) if set, else $LIAISON_HOME, else
 * ./liaison-data. Writes into buf. */
int node_home(const char *opt, char *buf, size_t n);

/* Create a new node: folder (0700), config.json and an empty store.
 * LIA_EEXIST if the folder already holds a node. */
int node_init(const char *home, const char *agency, const char *name,
	      const char *country, struct diag *d);

int node_open(const char *home, bool readonly, struct node **out,
	      struct diag *d);
void node_close(struct node *n);

/* --- import ---------------------------------------------------------- */

enum node_format { FMT_AUTO, FMT_FTM, FMT_UN, FMT_OFAC, FMT_INTERPOL, FMT_CSV };
int node_format_parse(const char *s, enum node_format *out);
const char *node_format_name(enum node_format f);
/* Guess from file names: .ijson/.jsonl/.ndjson → ftm, .xml → un, *sdn*.csv
 * → ofac, .json → interpol, a mapping → csv; FMT_AUTO if unsure. */
enum node_format node_format_guess(const char *const *files, size_t n_files,
				   const char *mapping);

struct node_import {
	enum node_format format;
	const char *const *files;  /* input paths ("-" = stdin for line formats) */
	size_t n_files;
	const char *mapping;       /* FMT_CSV: the mapping file */
	const struct marking *marking; /* NULL = defaults for the format */
	const char *actor;         /* who runs it, for provenance */
	bool progress;             /* progress bar on stderr */
	/* Optional: called for each input row an importer skipped for a
	 * documented reason (see ingest.h); the count is in *warnings. */
	void (*warn)(void *ctx, const struct diag *d);
	void *warn_ctx;
	uint64_t warnings;         /* out: number of warnings */
	/* NULL, or make the import a watchlist of this name (see
	 * node_list_name_ok): its records get the source "list:NAME"
	 * instead of the format's name and are screened by default, like
	 * the public lists, until a later import of the same record that
	 * is not the list replaces them. */
	const char *list;
};

/* The marking an import uses unless told otherwise: the node's defaults,
 * except for public lists (UN, OFAC, INTERPOL public notices) which are
 * lowest level, H0, TLP:CLEAR. */
int node_import_marking(const struct node *n, enum node_format f,
			struct marking *out);

/* Import files as one transaction. On any error nothing is stored and d
 * says file:line[:col]: reason. */
int node_import(struct node *n, struct node_import *imp,
		struct store_counts *counts, struct diag *d);

/* After an import committed: screen what it wrote against the active
 * alerts partners sent and notify their issuers (node_alert_screen_import,
 * with this node's identity loaded only when an alert is active). *sent
 * gets the number of notifications queued. */
int node_import_alerts(struct node *n, size_t *sent, struct diag *d);

/* --- export ---------------------------------------------------------- */

/* FtM JSON lines, one record per line with its "marking" beside the
 * entity keys, in id order. ids (may be NULL) selects records by id. */
int node_export(struct node *n, const struct store_query *filter,
		const char *const *ids, size_t n_ids, FILE *out,
		uint64_t *count, struct diag *d);

/* --- screening ------------------------------------------------------- */

struct screen_index;
struct match_ctx;

/* True for the lists screened when no list is named: the public sanctions
 * lists and notices (and, with the exchange, received alerts), and every
 * list imported with `liaison import --list NAME` (source "list:NAME"). */
bool node_default_list(const char *list);

/* Watchlists an analyst imports (node_import.list): the source of their
 * records is NODE_LIST_PREFIX followed by the name. */
#define NODE_LIST_PREFIX "list:"
#define NODE_LIST_NAME_MAX 24
/* A list name: 1 to NODE_LIST_NAME_MAX of a-z, 0-9, '-' and '_',
 * starting with a letter or digit, and not the name of a built-in list
 * or source (un, ofac, interpol, alert, and the import formats), so that
 * a hit's list always says where the record came from. */
bool node_list_name_ok(const char *name);
/* The list a record of this source is screened in, as hits report it:
 * NAME for "list:NAME", the source itself otherwise. */
const char *node_source_list(const char *source);

/* Fill ix with every matchable record of the store whose list (the format
 * of the import that wrote it) is `only_list`, or a default list when
 * only_list is NULL. *records (may be NULL) gets the number indexed. */
int node_screen_load(struct node *n, struct screen_index *ix,
		     struct match_ctx *mc, const char *only_list,
		     size_t *records, struct diag *d);

/* Index record r in ix as node_screen_load does (its list is only_list,
 * or a default list when only_list is NULL; a record of the list "alert"
 * only while its id is in active_alerts, sorted by strcmp), or remove it
 * from ix when it is not (or no longer) to be screened. *indexed (may be
 * NULL) says which. */
int node_screen_apply(struct screen_index *ix, struct match_ctx *mc,
		      const struct store_record *r, const char *only_list,
		      char *const *active_alerts, size_t n_alerts,
		      bool *indexed, struct diag *d);

/*
 * A screening index that follows the store (screen_sync.c): loaded once
 * like node_screen_load, then node_screen_sync applies only what changed
 * since: records with a new version (an import or a release, in this
 * process or another), alerts received, withdrawn or expired. It asks
 * the store's data version first, so a sync with nothing new costs one
 * PRAGMA and no table read. Not thread-safe: one owner calls it (the API
 * under its mutex); screen_query may run concurrently, since screen_put
 * and screen_remove lock the index.
 */
struct node_screen_sync;
int node_screen_sync_new(struct node *n, struct screen_index *ix,
			 struct match_ctx *mc, struct node_screen_sync **out,
			 struct diag *d);
/* Apply the changes; force when this process wrote through n->store
 * itself (its own commits do not move the data version). *applied (may
 * be NULL) gets the number of records looked at again. */
int node_screen_sync(struct node_screen_sync *s, bool force, size_t *applied,
		     struct diag *d);
void node_screen_sync_free(struct node_screen_sync *s);

/*
 * One row of a batch screening CSV. The header may name full_name or name,
 * first_name, middle_name, last_name, date_of_birth, gender,
 * place_of_birth, nationality, id_number (case-insensitive, spaces
 * trimmed); any other column is passed through. A request borrows the
 * row's fields and its own buffers; release with node_screen_row_release.
 */
struct node_screen_cols {
	int full_name, first, middle, last, dob, gender, pob, nationality,
	    id_number;
	size_t n_cols;
};
struct node_screen_row {
	char name[1024];             /* full name, built from parts if need be */
	char dob[16];                /* normalised partial date or "" */
	char gender;                 /* 'm', 'f' or 0 */
	char nationality[3];         /* alpha-2 or "" */
	char id_number[128];
	struct match_extra extra;    /* points into the fields above */
};
/* Map a header row. LIA_EPARSE if it has neither full_name/name nor any of
 * first_name/last_name. */
int node_screen_header(const char *const *fields, const size_t *lens,
		       size_t n, struct node_screen_cols *cols,
		       struct diag *d);
/* Read one data row. Row errors (empty name, bad date, unknown gender or
 * country, wrong column count) are LIA_EVALUE with the reason in d; the
 * batch reports them and goes on with the next row. */
int node_screen_row(const struct node_screen_cols *cols,
		    const char *const *fields, const size_t *lens, size_t n,
		    struct node_screen_row *row, struct diag *d);

/* The screening index of this node's own records (what answers
 * hit/no-hit queries), kept between queries and rebuilt only when the
 * store's records changed since it was built (store_records_mark), so an
 * import is still reflected in the next query. One thread at a time. */
int node_own_index_new(struct node_own_index **out);
void node_own_index_free(struct node_own_index *oi);
/* The index and its match context, up to date with n's store. Both
 * belong to oi and stay valid until the next call. */
int node_own_index_get(struct node *n, struct node_own_index *oi,
		       struct screen_index **ix, struct match_ctx **mc,
		       struct diag *d);
/* How many times the index was built (tests, logs). */
uint64_t node_own_index_loads(const struct node_own_index *oi);

/* --- exchange -------------------------------------------------------- */

struct identity;
struct identity_card;

/* Limits of a message body (docs/ARCHITECTURE.md, exchange). */
#define NODE_SUBJECT_MAX 1024            /* bytes of UTF-8 */
#define NODE_TEXT_MAX (1u << 20)         /* bytes of UTF-8 */
#define NODE_MSG_RECORDS_MAX 1000
#define NODE_MSG_ATTACH_MAX 16
#define NODE_MAX_SKEW 300                /* seconds of clock skew allowed */
#define NODE_MSG_TTL (30LL * 86400)      /* a message expires after 30 days */

/* A message body, decrypted and checked. Owns everything it points at;
 * release with node_message_free. */
struct node_msg_record {
	struct entity *entity;
	struct marking marking;
};
struct node_msg_attach {
	struct attach_desc *desc; /* holds the attachment's secret key */
	/* Body version 1: the encrypted attachment (attach.h) inline. */
	uint8_t *data;
	size_t len;
	/* Body version 2: the id of the encrypted file, which travels
	 * beside the envelope (node_blob_*); "" in version 1. */
	char blob[ATTACH_BLOB_HEX + 1];
};
struct node_message {
	char *subject;
	char *text;                            /* "" when none */
	char reply_to[33];                     /* "" when none */
	struct node_msg_record *records;
	size_t n_records;
	struct node_msg_attach *attach;
	size_t n_attach;
};

/* Parse an untrusted message body (JSON: {"v":1,"subject","text",
 * "reply_to","records":[entity + "marking"],"attachments":[descriptor +
 * "data" (base64 of the encrypted file)]}; or "v":2, where each
 * attachment is a descriptor + "blob" (the id of the encrypted file,
 * uploaded beside the envelope)) strictly: unknown keys, wrong
 * types, bad lengths, invalid entities or markings (on ladder l) are
 * refused, nothing is repaired. Errors: LIA_ETOOBIG, LIA_EPARSE (reason
 * in d), LIA_ENOMEM. */
int node_message_parse(const uint8_t *body, size_t len, const struct ladder *l,
		       struct node_message **out, struct diag *d);
void node_message_free(struct node_message *m);

/* A receipt body: {"v":1,"for":"<envelope id>"}, or for a batch of
 * envelopes {"v":1,"for":["<id>",...]} with 1..max distinct ids. Strict,
 * as above; ids (max entries) and *n are written on success. */
#define NODE_RECEIPT_BODY_MAX 16384
int node_receipt_parse(const uint8_t *body, size_t len,
		       char (*ids)[33], size_t max, size_t *n,
		       struct diag *d);

/* Pin a peer from its card bytes (checked by identity_card_parse) and the
 * https URL of its federation endpoint; *agency gets its code. Errors:
 * those of the card parser, LIA_EINVAL (bad URL, or the card is this
 * node's own), LIA_EEXIST (already pinned). */
int node_peer_add(struct node *n, const void *card, size_t len,
		  const char *url, const char *actor,
		  char agency[MARKING_CODE_MAX + 1], struct diag *d);

/* Peers reached through a relay hub are pinned with the URL "via:HUB"
 * (liaison peer add CARD --via HUB): envelopes to them go to the hub,
 * which forwards them unopened. True when url is one; hub (if not NULL)
 * gets the hub's code. */
#define NODE_VIA_PREFIX "via:"
bool node_url_via(const char *url, char hub[MARKING_CODE_MAX + 1]);

/* A federation CA instead of pinning (docs/EXCHANGE-FORMAT.md section 2).
 * HOME/federation-ca.pem holds the CAs this node trusts: `liaison serve`
 * accepts a TLS client whose certificate chains to one of them and names
 * a pinned agency as its common name (the card still gives the keys).
 * HOME/tls-ca.crt, when present, is this node's own certificate issued by
 * such a CA for its TLS key; serve presents it instead of keys/tls.crt. */
#define NODE_FEDCA_FILE "federation-ca.pem"
#define NODE_TLS_CA_CERT "tls-ca.crt"
/* Add the CA certificates in pem (checked by identity_ca_parse) to the
 * node's federation CAs; fp gets the SHA-256 of the last one. Audited. */
int node_fedca_add(struct node *n, const char *pem, size_t len,
		   const char *actor, char fp[65], struct diag *d);
/* The node's federation CAs (*pem malloc'd, NUL-terminated) or
 * LIA_ENOTFOUND when there are none. */
int node_fedca_load(const char *home, char **pem, size_t *len, struct diag *d);
/* HOME/federation-crl.pem: revocation lists of the federation CAs, read
 * by serve whenever the file changes (no restart). */
#define NODE_FEDCRL_FILE "federation-crl.pem"
/* Add the CRLs in pem (each signed by one of the node's federation CAs,
 * identity_crl_parse) to HOME/federation-crl.pem; *count gets their
 * number. Audited. */
int node_fedca_crl_add(struct node *n, const char *pem, size_t len,
		       const char *actor, size_t *count, struct diag *d);
/* The revocation lists (*pem malloc'd) or LIA_ENOTFOUND. */
int node_fedcrl_load(const char *home, char **pem, size_t *len,
		     struct diag *d);
/* Stop trusting the federation CA whose SHA-256 (of its DER) is fp: the
 * file is written without it, or removed with the revocation lists when
 * it was the last one. LIA_ENOTFOUND. Audited. */
int node_fedca_remove(struct node *n, const char *fp, const char *actor,
		      struct diag *d);
/* Install this node's certificate issued by a federation CA: it must be
 * for the node's own TLS key, verify under the node's federation CAs and
 * name this node's agency. Audited. */
int node_tls_ca_cert_install(struct node *n, const struct identity *me,
			     const char *pem, size_t len, const char *actor,
			     struct diag *d);

/* Load the pinned card of a peer (release with identity_card_free) and,
 * when url is not NULL, its URL (url_n >= STORE_URL_MAX + 1). */
int node_peer_card(struct node *n, const char *agency,
		   struct identity_card *card, char *url, size_t url_n,
		   struct diag *d);

/* The agency codes of every pinned peer (at most max) into buf, *count of
 * them: what "to all" means. LIA_ENOTFOUND when no peer is pinned,
 * LIA_ETOOBIG when more than max are. */
int node_peer_agencies(struct node *n, char (*buf)[MARKING_CODE_MAX + 1],
		       size_t max, size_t *count, struct diag *d);

struct node_send {
	const char *const *to;        /* recipient agencies */
	size_t n_to;
	const char *subject;
	const char *text;             /* or NULL */
	const char *const *records;   /* record ids */
	size_t n_records;
	const char *const *attach;    /* file paths */
	size_t n_attach;
	const char *case_ref;         /* or NULL */
	const char *reply_to;         /* envelope id answered, or NULL */
	int priority;                 /* enum envelope_priority */
	const char *actor;
	/* Relay hub the recipients are pinned to be reached through (peer
	 * add --via), or NULL. Messages follow the pins; a hub given here
	 * that is not the recipients' is refused (LIA_EINVAL). */
	const char *via;
};

/*
 * Build a message, seal one envelope to all recipients and queue it (one
 * transaction; the daemon delivers it). The handling rules are enforced
 * here, for every record and recipient, before anything is sealed: a
 * record goes only to agencies in its audience (TLP RED: named ones), and
 * a record another agency marked H2 or H3 is not passed on. A refusal
 * names the record and the rule and queues nothing. A reply without a
 * case takes the case of the message it answers. env_id gets the
 * message's id. Errors: LIA_EDENIED (a handling rule), LIA_ENOTFOUND (no
 * such peer, record, file or message), LIA_EINVAL, LIA_ETOOBIG, LIA_EIO,
 * LIA_ECRYPTO, LIA_ESTORE, LIA_EBUSY.
 */
int node_send(struct node *n, const struct identity *me,
	      const struct node_send *s, char env_id[33], struct diag *d);

/* --- attachments beside the envelope (message body version 2) -------
 *
 * The sender encrypts each attachment (attach.h, streaming) into its
 * spool, HOME/spool/<envelope id>/<blob id>, before the envelope is
 * queued; the daemon uploads each file to every recipient in chunks
 * (PUT /fed/v1/attachment/<blob id>, resumable) before it posts the
 * envelope. The receiver writes the chunks to HOME/blobs/<blob id>.part
 * as they arrive and renames the file to HOME/blobs/<blob id> once all of
 * it is there and its BLAKE2b-256 is the blob id; it accepts the envelope
 * only when every blob its body names is complete. The blob id and the
 * attachment's size and SHA-256 are in the signed, encrypted body. */

/* Encrypt the file at path into the spool of envelope env_id (created
 * when missing); *desc describes it (with its secret key) and blob gets
 * its id. The file is durable (fsync of file and folder) on return.
 * Errors: LIA_ENOTFOUND (no such file), LIA_EIO, LIA_ETOOBIG, LIA_EINVAL
 * (file name), LIA_ECRYPTO, LIA_ENOMEM. */
int node_spool_attach(const char *home, const char *env_id, const char *path,
		      struct attach_desc *desc, char blob[ATTACH_BLOB_HEX + 1],
		      struct diag *d);
/* Remove the spool of env_id (after a failed send). Never fails. */
void node_spool_remove(const char *home, const char *env_id);
/* Call fn for every file in the spool of env_id (none when it has no
 * spool): its path, blob id and size. fn's non-zero return stops. */
int node_spool_each(const char *home, const char *env_id,
		    int (*fn)(const char *path, const char *blob, uint64_t size,
			      void *ctx),
		    void *ctx, struct diag *d);
/* Remove the spools of envelopes that no outbox row still waits to send
 * (delivered or failed), and of envelopes without outbox rows (a send
 * that crashed before its commit) older than min_age seconds; *removed
 * counts them. */
int node_spool_prune(struct node *n, int64_t now, int64_t min_age,
		     size_t *removed, struct diag *d);

/* What the receiver has of a blob: *have bytes, *complete when the whole
 * file is there and verified. */
int node_blob_state(const char *home, const char *blob, uint64_t *have,
		    bool *complete, struct diag *d);

/* At a hub: where it stands with blob, uploaded by agency, for the
 * envelope env_id it will relay. A complete blob is moved into the spool
 * of env_id (once; later calls find it there), so that it is forwarded
 * and then deleted with the envelope's relay rows. LIA_EINVAL for a
 * malformed id; LIA_EDENIED when the complete blob is not agency's
 * pending upload (node_blob_own). */
int node_blob_claim(const char *home, const char *agency, const char *blob,
		    const char *env_id, uint64_t *have, bool *complete,
		    struct diag *d);

/* The per-peer quota at the receiver: the bytes agency uploaded that no
 * accepted envelope names yet (blobs and .part files, counted through
 * their owner links), with blob counted as total bytes, must not exceed
 * quota. LIA_EDENIED (the diag says so) when they would; else *used. */
int node_blob_quota(const char *home, const char *agency, const char *blob,
		    uint64_t total, uint64_t quota, uint64_t *used,
		    struct diag *d);
/* Record that agency uploads blob (a hard link to its .part, which must
 * exist). */
int node_blob_own(const char *home, const char *agency, const char *blob,
		  struct diag *d);
/* An accepted envelope names blob (or a hub took it into a spool): it no
 * longer counts against agency's quota and does not expire. Never
 * fails. */
void node_blob_disown(const char *home, const char *agency, const char *blob);
/* Delete uploads not touched for max_age seconds that no accepted
 * envelope names: .part files no sender finished, and complete blobs no
 * envelope came for. *removed counts them. */
int node_blob_prune(const char *home, int64_t now, int64_t max_age,
		    size_t *removed, struct diag *d);

/* One upload in progress at the receiver. It may outlive a request: the
 * next chunk of the same blob continues it (and its running hash). */
struct node_blob_up;
/*
 * Start writing chunk r of blob. *up is NULL or the upload a previous
 * request left (reused when it is the same blob, freed otherwise).
 * A chunk that starts before the end of what is held drops the bytes
 * after its start (the sender going back). Errors: LIA_EEXIST (the blob
 * is complete already; *have = its size), LIA_EINVAL (r->first is past
 * the bytes held, *have; the sender should continue from there),
 * LIA_EBUSY (another request is writing this blob), LIA_EIO, LIA_ENOMEM.
 */
int node_blob_up_begin(const char *home, const char *blob,
		       const struct attach_range *r, struct node_blob_up **up,
		       uint64_t *have, struct diag *d);
/* Append the next bytes of the chunk. LIA_ETOOBIG past the chunk's end;
 * LIA_EIO. A failed write makes the upload unusable (end says so). */
int node_blob_up_write(struct node_blob_up *up, const void *p, size_t n,
		       struct diag *d);
/* The request ended: make what arrived durable and, when the file is
 * whole, check its hash against the blob id and publish it. *have and
 * *complete say where the upload stands. LIA_ECRYPTO: the whole file
 * does not hash to its id; it was deleted, and the sender starts again
 * from 0. */
int node_blob_up_end(struct node_blob_up *up, uint64_t *have, bool *complete,
		     struct diag *d);
void node_blob_up_free(struct node_blob_up *up);

/* The answer of the receiver about a blob, {"have":N,"complete":B},
 * parsed strictly from untrusted bytes. LIA_EPARSE otherwise. */
int node_blob_status_parse(const char *buf, size_t len, uint64_t *have,
			   bool *complete);

/* Outcome of node_receive for the HTTP layer. */
enum node_rx {
	NODE_RX_STORED = 1,  /* new: applied and committed */
	NODE_RX_DUPLICATE,   /* seen before: treat as delivered, not applied */
};

/*
 * Apply an envelope a pinned peer (peer_agency, from its TLS certificate)
 * posted: parse; the sender must be that peer; verify the signature with
 * its pinned key; check the times; this node must be a recipient; refuse
 * an id already seen. A message's records are stored under their
 * markings (refused when a marking does not allow this node, or when a
 * record would overwrite one of another originator); the envelope is kept
 * encrypted in the inbox and a signed receipt is queued to the sender, in
 * one transaction. A receipt marks the outbox row delivered. Errors:
 * LIA_EPARSE, LIA_ETOOBIG, LIA_EVERSION (malformed), LIA_ECRYPTO (bad
 * signature or body), LIA_EDENIED (wrong sender, not a recipient,
 * expired, a marking), LIA_ESTORE, LIA_EBUSY (try again).
 */
int node_receive(struct node *n, const struct identity *me,
		 const char *peer_agency, const uint8_t *bytes, size_t len,
		 int64_t now, enum node_rx *res, char env_id[33],
		 struct diag *d);

/* The outcome of one envelope of a batch. */
struct node_rx_result {
	int err;           /* 0, or why this envelope was refused */
	enum node_rx rx;   /* when err == 0 */
	char id[33];       /* the envelope id, "" when it did not parse */
	char why[256];     /* when err != 0: the reason, for the sender */
};

struct batch_item;

/*
 * Apply the envelopes of one batch (batch.h) from one pinned peer, each
 * exactly as node_receive would, in ONE durable transaction (group
 * commit): an envelope that is refused is undone alone and reported in
 * its res[i]; the envelopes stored or seen again are acknowledged
 * together by one signed receipt queued in the same transaction. res must
 * hold count entries. Returns 0 when the batch was committed (res says
 * what happened to each envelope); an error (LIA_EBUSY, LIA_ESTORE,
 * LIA_ENOTFOUND for an unknown peer, ...) means nothing of the batch was
 * kept and the sender should try again later.
 */
int node_receive_batch(struct node *n, const struct identity *me,
		       const char *peer_agency, const struct batch_item *items,
		       size_t count, int64_t now, struct node_rx_result *res,
		       struct diag *d);

/* Decrypt and show an inbox message as JSON (*out, the caller decrefs):
 * header, subject, text, records with markings, attachments (without
 * their keys). With save_dir, attachments are decrypted into it (checked
 * against size and SHA-256; a file is created only when complete). The
 * read is audited and the message marked read. */
int node_read(struct node *n, const struct identity *me, const char *env_id,
	      const char *actor, const char *save_dir, json_t **out,
	      struct diag *d);

/* --- hit/no-hit queries ---------------------------------------------- */

#define NODE_QUERY_NAME_MAX 512   /* bytes of the name asked about */
#define NODE_REASON_MAX 1024      /* bytes of a reason given */
#define NODE_ANSWER_HITS_MAX 10   /* hits reported per answer */
#define NODE_REF_HEX 32           /* an opaque reference: 16 random bytes */

/* A query body: {"v":1,"name","dob","nationality","id_number","schema",
 * "reason"}; only name is required. Strings are borrowed from the caller
 * when building and owned (inline) when parsed. */
struct node_query {
	char name[NODE_QUERY_NAME_MAX + 1];
	char dob[11];                 /* YYYY[-MM[-DD]] or "" */
	char nationality[3];          /* lower-case alpha-2 or "" */
	char id_number[128];
	char schema[16];              /* "Person", "Company" or "" */
	char reason[NODE_REASON_MAX + 1];
};

/* One hit of an answer: an opaque reference, the score and the marking's
 * classification, handling and TLP (nothing else of the record). */
struct node_answer_hit {
	char ref[NODE_REF_HEX + 1];
	double score;
	char classification[MARKING_CODE_MAX + 1];
	int handling;
	enum tlp tlp;
};
/* An answer body: {"v":1,"query":"<envelope id>","hits":[{"ref","score",
 * "classification","handling","tlp"}]}; no hits = no-hit. */
struct node_answer {
	char query[33];
	struct node_answer_hit hits[NODE_ANSWER_HITS_MAX];
	size_t n_hits;
};

/* Strict parsers of untrusted query and answer bodies (unknown keys,
 * wrong types, lengths or values are refused). Errors: LIA_ETOOBIG,
 * LIA_EPARSE (reason in d), LIA_ENOMEM. */
int node_query_parse(const uint8_t *body, size_t len, struct node_query *out,
		     struct diag *d);
int node_answer_parse(const uint8_t *body, size_t len, struct node_answer *out,
		      struct diag *d);

struct identity;
/*
 * Queue a hit/no-hit query to each agency of to[] (one envelope each, so
 * that a partner does not learn whom else was asked). q->name is
 * required. *ids gets n_to envelope ids (malloc'd array of 33-byte
 * strings, the caller frees it). The query is audited. Errors:
 * LIA_EINVAL, LIA_ENOTFOUND (no such peer), LIA_ESTORE, LIA_ECRYPTO.
 */
int node_query(struct node *n, const struct identity *me,
	       const struct node_query *q, const char *const *to, size_t n_to,
	       const char *actor, char (**ids)[33], struct diag *d);

/* Sent queries with the answer of each partner as JSON (*out, the caller
 * decrefs): [{id, to, created, answers:[{agency, status: pending|no-hit|
 * hit, hits:[{ref, score, marking}]}]}]. Answers are decrypted from the
 * inbox and verified again. */
int node_queries(struct node *n, const struct identity *me, json_t **out,
		 struct diag *d);

/* Fill ix with the records this node owns (marking agency = this node),
 * whatever their list: what a partner's query is screened against. */
int node_screen_load_own(struct node *n, struct screen_index *ix,
			 struct match_ctx *mc, size_t *records,
			 struct diag *d);

/* --- requests and releases (release.c) ---------------------------- */

#define NODE_RELEASE_BODY_MAX (1u << 20) /* a release carries one record */

/* A request body: {"v":1,"ref","reason"}; ref is required. */
struct node_request_body {
	char ref[NODE_REF_HEX + 1];
	char reason[NODE_REASON_MAX + 1];
};
/* A release or refusal body: {"v":1,"request","ref","reason","record"};
 * record (an entity with its "marking") is required in a release and
 * refused in a refusal. Release with node_release_free. */
struct node_release {
	char request[33];                 /* the request envelope id */
	char ref[NODE_REF_HEX + 1];
	char reason[NODE_REASON_MAX + 1];
	struct node_msg_record record;    /* entity NULL in a refusal */
};

/* Strict parsers of untrusted bodies, as node_query_parse. */
int node_request_parse(const uint8_t *body, size_t len,
		       struct node_request_body *out, struct diag *d);
int node_release_parse(const uint8_t *body, size_t len,
		       const struct ladder *l, bool release,
		       struct node_release *out, struct diag *d);
void node_release_free(struct node_release *r);

/* Read config.json's "release_policy" (NULL: none). Unknown keys,
 * agency codes or levels are LIA_ECONFIG: a policy that cannot be read
 * exactly is not applied in some other way. */
int node_policy_from_json(const json_t *v, const struct ladder *l,
			  struct node_release_policy *out, struct diag *d);
/* May the policy approve a request of `asker` for a record so marked,
 * without a person? Only the level and the asker are looked at; the
 * handling rules are checked at release time as for any approval. */
bool node_policy_allows(const struct node_release_policy *p,
			const struct ladder *l, const char *asker,
			const struct marking *m);

/* Ask the agency that answered with `ref` (a hit of `liaison queries`)
 * for the record behind it. Errors: LIA_ENOTFOUND (no such reference in
 * the answers received), LIA_EINVAL, LIA_ESTORE, LIA_ECRYPTO. */
int node_request(struct node *n, const struct identity *me, const char *ref,
		 const char *reason, const char *actor, char env_id[33],
		 struct diag *d);
/* Requests received, as JSON (*out): [{id, from, query, ref, reason,
 * state, decided_by, decided_at, decision, received, record, caption}]. */
int node_requests(struct node *n, json_t **out, struct diag *d);
/* Approve (a release with the record under its marking) or refuse (a
 * refusal; reason required) request id, once. An approval is checked
 * against the handling rules as node_send is, and also refused for a
 * record this node did not originate and for H3 (conditions of use are
 * agreed person to person, not by a request); a refused approval is
 * audited and queues nothing. Errors: LIA_EDENIED (a handling rule),
 * LIA_EEXIST (already decided), LIA_ENOTFOUND, LIA_EINVAL, LIA_ESTORE. */
int node_decide(struct node *n, const struct identity *me, int64_t id,
		bool approve, const char *reason, const char *actor,
		char env_id[33], struct diag *d);

/* --- alerts and hit notifications ------------------------------------ */

#define NODE_ACTION_MAX 1024       /* bytes of an alert's action */
#define NODE_ALERT_KIND_MAX 15
#define NODE_HIT_WINDOW 3600       /* one notification per subject, hour */
#define NODE_ALERT_HITS_MAX 8      /* alerts reported for one record */

/* An alert body: {"v":1,"id","kind","action","expires","version",
 * "record": entity + "marking"}. kind is arrest, missing, discreet-check,
 * refuse-entry or object; expires is UTC seconds (0 = never). Owns its
 * record; release with node_alert_release. */
struct node_alert {
	char id[33];
	char kind[NODE_ALERT_KIND_MAX + 1];
	char action[NODE_ACTION_MAX + 1];
	int64_t expires;
	int64_t version;
	struct node_msg_record record;
};
/* An alert-withdraw body: {"v":1,"id","reason"}. */
struct node_alert_withdraw {
	char id[33];
	char reason[NODE_REASON_MAX + 1];
};
/* A hit body: {"v":1,"alert","at","score","channel","schema"}: which
 * alert hit, when, how well and through what kind of screening; where is
 * the sending agency. Nothing of the screened subject itself. */
struct node_hit {
	char alert[33];
	int64_t at;
	double score;
	char channel[16];   /* screening, batch, import, query */
	char schema[32];
	char asker[MARKING_CODE_MAX + 1]; /* of a query; "" otherwise */
};

bool node_alert_kind_ok(const char *kind);
/* Strict parsers of untrusted alert, withdraw and hit bodies. Errors:
 * LIA_ETOOBIG, LIA_EPARSE (reason in d), LIA_ENOMEM. */
int node_alert_parse(const uint8_t *body, size_t len, const struct ladder *l,
		     struct node_alert *out, struct diag *d);
void node_alert_release(struct node_alert *a);
int node_alert_withdraw_parse(const uint8_t *body, size_t len,
			      struct node_alert_withdraw *out,
			      struct diag *d);
int node_hit_parse(const uint8_t *body, size_t len, struct node_hit *out,
		   struct diag *d);

/* The deduplication rule: a hit at `now` repeats one at `last` (same
 * alert, same subject) when it is less than NODE_HIT_WINDOW after it. */
bool node_hit_duplicate(int64_t last, int64_t now);

struct node_alert_req {
	const char *kind;
	const char *record_id;
	const char *action;        /* or NULL */
	const char *const *to;     /* recipients, or NULL with to_all */
	size_t n_to;
	bool to_all;               /* every pinned peer in the audience */
	int64_t expires;           /* 0 = never */
	const char *actor;
};

/* Issue an alert on one of this node's records: the handling rules of
 * node_send apply to every named recipient (LIA_EDENIED naming the rule);
 * with to_all, peers outside the record's audience are left out. id gets
 * the alert id. */
int node_alert_issue(struct node *n, const struct identity *me,
		     const struct node_alert_req *r, char id[33],
		     struct diag *d);
/* Change the action and/or expiry (NULL / -1 = keep) of an active alert
 * this node issued and send the new version to its recipients. */
int node_alert_update(struct node *n, const struct identity *me,
		      const char *id, const char *action, int64_t expires,
		      const char *actor, struct diag *d);
int node_alert_withdraw(struct node *n, const struct identity *me,
			const char *id, const char *reason, const char *actor,
			struct diag *d);
/* Alerts issued and received as JSON, with their state (active,
 * withdrawn, expired). */
int node_alert_list(struct node *n, json_t **out, struct diag *d);
/* Hit notifications received for this node's alerts, with the action. */
int node_hits(struct node *n, json_t **out, struct diag *d);

/* What a screening reports about a hit on a received alert. */
struct node_alert_match {
	char alert_id[33];
	char issuer[MARKING_CODE_MAX + 1];
	char kind[NODE_ALERT_KIND_MAX + 1];
	char action[NODE_ACTION_MAX + 1];
	bool notified;             /* false: a duplicate within the window */
};
/* A screening hit record_id (list "alert") with score: find the active
 * alerts received on that record and queue a hit notification to each
 * issuer, recorded locally in the same transaction, unless the same
 * subject hit the same alert within NODE_HIT_WINDOW. subject identifies
 * what was screened (e.g. name and date of birth); only its keyed hash
 * is kept. */
int node_alert_report(struct node *n, const struct identity *me,
		      const char *record_id, double score, const char *schema,
		      const char *channel, const char *subject, int64_t now,
		      struct node_alert_match *out, size_t max, size_t *n_out,
		      struct diag *d);
/* The same for a hit of a partner's hit/no-hit query (channel "query"):
 * asker, the agency that asked, is named to the issuer (and nothing of
 * what it asked). asker is NULL for every other channel. */
int node_alert_report_from(struct node *n, const struct identity *me,
			   const char *record_id, double score,
			   const char *schema, const char *channel,
			   const char *asker, const char *subject, int64_t now,
			   struct node_alert_match *out, size_t max,
			   size_t *n_out, struct diag *d);
/* Screen the records written by the import just committed (new or
 * changed) against the active received alerts, and report their hits as
 * node_alert_report does (channel "import"); *notified gets the number of
 * notifications queued. Nothing is done when no alert is active; me
 * may be NULL, the node's identity is then loaded only when one is. */
int node_alert_screen_import(struct node *n, const struct identity *me,
			     size_t *notified, struct diag *d);
/* The record ids of the active, unexpired received alerts (*ids and each
 * string malloc'd; the caller frees them): what screening loads from the
 * list "alert". */
int node_alert_active_ids(struct node *n, int64_t now, char ***ids,
			  size_t *n_ids, struct diag *d);

/* --- witnessing (src/node/witness.c, docs/LEDGER-FORMAT.md) ---------
 *
 * A node publishes its signed tree head to its peers ("ledger-head": the
 * head and a consistency proof from the size that peer last countersigned);
 * a peer checks it against the last head of that node it countersigned and
 * answers with its countersignature ("ledger-cosign") or, when the heads
 * are inconsistent, with a report ("ledger-problem") that both keep.
 */
#define NODE_WITNESS_INTERVAL_MS 60000 /* default publishing interval */
#define NODE_WITNESS_BODY_MAX 8192     /* bytes of a witness body */
#define NODE_WITNESS_REASON_MAX 300

/* A parsed witness body of any of the three kinds. */
struct node_witness_body {
	struct ledger_head head;
	bool has_proof;		   /* ledger-head: a consistency proof */
	struct ledger_proof proof; /* from a size the peer saw to head.size */
	uint8_t sig[LEDGER_SIG_SIZE];		/* ledger-cosign */
	char reason[NODE_WITNESS_REASON_MAX + 1]; /* ledger-problem */
};

/* Parse the body of a witness envelope of kind (ledger-head, -cosign or
 * -problem) strictly; parsing does not verify. Errors: LIA_EINVAL (another
 * kind), LIA_ETOOBIG, LIA_EPARSE, LIA_EVERSION. */
int node_witness_parse(enum envelope_kind kind, const uint8_t *body,
		       size_t len, struct node_witness_body *out,
		       struct diag *d);

enum node_witness_verdict {
	NODE_WITNESS_COSIGN = 1, /* consistent: countersign */
	NODE_WITNESS_PROBLEM,	 /* inconsistent: report, never countersign */
};

/*
 * The witness's check of a ledger-head body b from node (whose pinned key
 * is node_pk) against what witness (this node) countersigned before in st.
 * Returns 0 with *verdict, and for a problem the reason in reason[0..n);
 * or LIA_ECRYPTO (the head's signature does not verify with node_pk),
 * LIA_EDENIED (a head older than the last one countersigned, or a proof
 * that does not start where the witness's knowledge ends: refused, not a
 * problem), LIA_ESTORE.
 */
int node_witness_check(struct store *st, const char *node,
		       const char *witness, const uint8_t node_pk[LEDGER_PK_SIZE],
		       const struct node_witness_body *b,
		       enum node_witness_verdict *verdict, char *reason,
		       size_t n, struct diag *d);

/* Sign the head of this node's ledger and queue it to peer (NULL: every
 * pinned peer), each with a consistency proof from the size that peer last
 * countersigned. *size (may be NULL) gets the head's size and *sent (may
 * be NULL) the number of envelopes queued. */
int node_witness_publish(struct node *n, const struct identity *me,
			 const char *peer, int64_t now, uint64_t *size,
			 size_t *sent, struct diag *d);

/* What node_receive queues and lists for a witness envelope. */
struct node_witness_rx {
	char subject[NODE_WITNESS_REASON_MAX + 64];
	bool has_reply;
	struct store_outbound reply; /* points into the fields below */
	char reply_id[33];
	const char *rcpt[1];
	uint8_t *bytes;
};
/* Apply a decrypted witness body from h->sender (whose card is peer)
 * before the inbox row is written; *rx says what to queue in the same
 * transaction. Free with node_witness_rx_release. */
int node_witness_receive(struct node *n, const struct identity *me,
			 const struct identity_card *peer,
			 const struct envelope_header *h, const char *env_id,
			 const uint8_t *body, size_t len, int64_t now,
			 struct node_witness_rx *rx, struct diag *d);
void node_witness_rx_release(struct node_witness_rx *rx);
/* The witness problems of this node (found here or reported by a
 * witness), appended to arr as operator alerts: objects with the keys of
 * node_alert_list's ("id" the envelope that showed it, "role" "operator",
 * "state" "active", "kind" "ledger-problem", "issuer" the agency that
 * found it, "action" what to do) and "node", "witness", "size", "reason",
 * "at" (UTC seconds). `liaison alert list` shows them after the alerts. */
int node_witness_alerts(struct node *n, json_t *arr, struct diag *d);

/* --- custody across agencies (custody.c, issue #6) ----------------------
 *
 * node_custody_send queues, to agency `to` (a pinned peer), the bundle of
 * item id as this node's ledger holds it now (without content): kind
 * ENVELOPE_CUSTODY_TRANSFER after a transfer to that agency was recorded,
 * ENVELOPE_CUSTODY_RECEIPT after this node's officer signed the receipt of
 * an item that agency transferred. The body is {"v":1,"item","bundle"}.
 *
 * node_custody_receive checks such a body from h->sender (whose pinned card
 * is peer) with the bundle verifier and the rules of evidence.h, and
 * stores it in the custody inbox; its effect on the ledger comes later
 * (evidence_event for a transfer, evidence_settle for a receipt), outside
 * the receiving transaction. *subject gets the inbox subject.
 */
int node_custody_send(struct node *n, const struct identity *me,
		      struct ledger *lg, const char *home, const char *id,
		      enum envelope_kind kind, const char *to, int64_t now,
		      struct diag *d);
/* Before a custody event is recorded: a transfer to an agency other than
 * this node's needs that agency pinned as a peer (LIA_ENOTFOUND, said in
 * d, otherwise), so that what is recorded can be sent. */
int node_custody_check_to(struct node *n, enum evidence_kind kind,
			  const char *to, struct diag *d);
/* After a custody event is recorded (and by `evidence resend`): queue
 * what the item's chain owes another agency (evidence_owed), with
 * node_custody_send. *kind and to get what was sent and to whom.
 * LIA_ENOTFOUND when nothing is owed. The CLI and the API both send
 * through this, so an event recorded either way travels the same. */
int node_custody_send_owed(struct node *n, const struct identity *me,
			   const struct evidence_ctx *ec, const char *id,
			   int64_t now, enum evidence_kind *kind,
			   char to[MARKING_CODE_MAX + 1], struct diag *d);
int node_custody_receive(struct node *n, const struct identity_card *peer,
			 const struct envelope_header *h, const char *env_id,
			 const uint8_t *body, size_t len, int64_t now,
			 char *subject, size_t subject_n, struct diag *d);

#endif
