/*
 * evidence.h - items of evidence and their chain of custody, on the
 * ledger, and bundles that prove it to anyone offline.
 *
 * An item is registered by `evidence_add`: the file is streamed once (in
 * constant memory) into a content-addressed copy under HOME/evidence/ while
 * its SHA-256 is computed, and a registration document (case, description,
 * hash, size, media type, where and when seized, who registered it) is
 * signed by the acting user's key and appended to the ledger in the same
 * transaction as the item's row. Every later custody event is another
 * signed document appended the same way. Each document names the leaf
 * hash of the item's previous entry ("prev"), so the events of an item
 * form a chain that a verifier can check is complete.
 *
 * The rules a custody chain must follow (checked when an event is
 * recorded and again by every verifier): the first event is the
 * registration; nothing follows "destroyed"; "received" follows an open
 * "transferred" and is signed by someone other than the user who
 * transferred; only officers and supervisors record custody.
 *
 * Custody across agencies: a transfer whose "to" is an agency code (a
 * pinned peer) travels over the exchange (src/node/custody.c) as a bundle;
 * the receiving agency's officer signs the "received" event with their own
 * key on that agency's ledger, after verbatim copies of the sender's
 * events, and the receipt travels back and is appended, verbatim, to the
 * sender's ledger. Every event is signed by a user of the agency named in
 * it ("agency"); an event of another agency than the bundle's node is
 * proved by that agency's section of the bundle (its card, signed head and
 * included entries). Only the receipt of a transfer to an agency moves the
 * item to that agency; every other event is recorded by the agency that
 * holds it.
 *
 * A bundle (docs/BUNDLE-FORMAT.md) is one canonical JSON file with the
 * item's entries, the entries of the users who signed them, the inclusion
 * proof of each against a tree head signed by the node, the node's card,
 * room for witness countersignatures, and optionally the content.
 * evidence_bundle_verify checks it without any node.
 *
 * Errors are the negative codes of error.h with a reason in the diag.
 */
#ifndef LIAISON_EVIDENCE_H
#define LIAISON_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/identity.h"
#include "liaison/ledger.h"
#include "liaison/store.h"
#include "liaison/users.h"

#define EVIDENCE_ID_LEN 32     /* lower-case hex digits */
#define EVIDENCE_TEXT_MAX 4096 /* bytes of a description or note */
#define EVIDENCE_FIELD_MAX 256 /* case, place, time, recipient */
#define EVIDENCE_DOC_VERSION 1
/* Version 2 adds the sections of other agencies ("peers"); version 3 has
 * the content attached after the JSON instead of inside it (content above
 * EVIDENCE_CONTENT_MAX). A bundle of one agency's events without attached
 * content is still written as version 1. */
#define EVIDENCE_BUNDLE_VERSION 3 /* the newest this verifier reads */
#define EVIDENCE_BUNDLE_V1 1
#define EVIDENCE_BUNDLE_V2 2
#define EVIDENCE_BUNDLE_V3 3
#define EVIDENCE_BUNDLE_FORMAT "liaison-evidence-bundle"
/* Content is carried base64 inside the bundle's JSON, so it is bounded:
 * larger items are bundled without content (their hash still binds it). */
#define EVIDENCE_CONTENT_MAX ((uint64_t)64 << 20)
#define EVIDENCE_BUNDLE_MAX ((size_t)96 << 20)
#define EVIDENCE_EVENTS_MAX 10000 /* events of one item in a bundle */

enum evidence_kind {
	EVIDENCE_REGISTERED = 0,
	EVIDENCE_SEALED,
	EVIDENCE_TRANSFERRED,
	EVIDENCE_RECEIVED,
	EVIDENCE_EXAMINED,
	EVIDENCE_COPIED,
	EVIDENCE_RETURNED,
	EVIDENCE_DESTROYED,
};
/* Event kinds a user may record ("registered" only through add). */
int evidence_kind_parse(const char *s, enum evidence_kind *out);
const char *evidence_kind_name(enum evidence_kind k); /* "?" if unknown */

/* The media type of content from its first bytes (up to 16 are looked at)
 * and, failing that, the file name's extension; "application/octet-stream"
 * when neither says. A handful of types only (no libmagic): see
 * docs/ARCHITECTURE.md. Returns a static string. */
const char *evidence_media_type(const uint8_t *head, size_t n,
				const char *name);

/* Where a custody chain stands, for the rules. */
struct evidence_state {
	uint64_t next_seq;
	bool destroyed;
	bool transfer_open;
	char transferor[USERS_NAME_MAX + 1];
	char holder[MARKING_CODE_MAX + 1];	  /* agency holding it */
	char transfer_to[EVIDENCE_FIELD_MAX + 1]; /* of the open transfer */
};
/* Check that user may record kind now and advance s. LIA_EDENIED with the
 * rule in d when not. evidence_rule is evidence_rule_at for an event of
 * the agency holding the item. */
int evidence_rule(struct evidence_state *s, enum evidence_kind kind,
		  const char *user, struct diag *d);
/* The same with the agency that records the event (NULL: the holder) and
 * the event's "to" (NULL: none): an event of another agency than the
 * holder must be the receipt of a transfer to that agency. */
int evidence_rule_at(struct evidence_state *s, enum evidence_kind kind,
		     const char *user, const char *agency, const char *to,
		     struct diag *d);
/* Whether a transfer's "to" names an agency (an agency code such as
 * DE-BKA) rather than a person of the node (user names are lower case). */
bool evidence_to_agency(const char *to);

/* Who acts and on which node. */
struct evidence_ctx {
	struct store *st;
	struct ledger *lg;
	const char *home;   /* node folder: content goes to HOME/evidence */
	const char *agency; /* the node's agency code */
};

struct evidence_new {
	const char *file;
	const char *case_ref;
	const char *description;
	const char *seized_at; /* NULL or "" when unknown */
	const char *seized_on;
};

/* Register the file as a new item; id gets its 32 hex digits. Errors:
 * LIA_EDENIED (role), LIA_EINVAL, LIA_ETOOBIG, LIA_EIO, LIA_ESTORE,
 * LIA_EBUSY, LIA_ENOMEM. */
int evidence_add(const struct evidence_ctx *c, const struct users_key *who,
		 const struct evidence_new *e, char id[EVIDENCE_ID_LEN + 1],
		 struct diag *d);

/* Record a custody event (to and note may be NULL); *seq (may be NULL)
 * gets its number. Errors: LIA_ENOTFOUND (no item), LIA_EDENIED (a rule
 * or the role), LIA_EEXIST (a concurrent event won: try again),
 * LIA_EINVAL, LIA_ESTORE, LIA_EBUSY, LIA_ENOMEM. */
int evidence_event(const struct evidence_ctx *c, const struct users_key *who,
		   const char *id, enum evidence_kind kind, const char *to,
		   const char *note, uint64_t *seq, struct diag *d);

/* A bundle of item id as canonical JSON into *out (malloc'd, *len bytes).
 * The node signs a tree head at the current size first (me). Errors:
 * LIA_ENOTFOUND, LIA_ETOOBIG (content above EVIDENCE_CONTENT_MAX), LIA_EIO,
 * LIA_ESTORE, LIA_ECRYPTO, LIA_ENOMEM. */
int evidence_bundle(const struct evidence_ctx *c, const struct identity *me,
		    const char *id, bool with_content, char **out, size_t *len,
		    struct diag *d);

/* The bundle of item id written to fd. With with_content, content up to
 * EVIDENCE_CONTENT_MAX goes inside the JSON; larger content follows it
 * (version 3: the JSON, a newline, then the content's bytes), streamed in
 * constant memory and checked against its registered hash as it is
 * copied. Errors: those of evidence_bundle, LIA_EIO. */
int evidence_bundle_write(const struct evidence_ctx *c,
			  const struct identity *me, const char *id,
			  bool with_content, int fd, struct diag *d);

/* What the verifier says, line by line: ok is false for a failed check. */
typedef void (*evidence_say_fn)(void *ctx, bool ok, const char *line);

/*
 * Verify a bundle from untrusted bytes, with nothing but the bundle. Every
 * check is reported through say (may be NULL). Returns 0 only when
 * everything holds; LIA_EPARSE (malformed), LIA_ECRYPTO (a signature,
 * proof or hash fails), LIA_EDENIED (a custody rule is broken),
 * LIA_EVERSION, LIA_ETOOBIG or LIA_ENOMEM otherwise, with the first
 * failure in d.
 */
int evidence_bundle_verify(const void *bytes, size_t len, evidence_say_fn say,
			   void *ctx, struct diag *d);
/* The same for a bundle file read from fd: the JSON (at most
 * EVIDENCE_BUNDLE_MAX bytes) is read into memory, content attached after it
 * is hashed as it streams by, in constant memory. */
int evidence_bundle_verify_fd(int fd, evidence_say_fn say, void *ctx,
			      struct diag *d);

/*
 * Custody across agencies (the node's exchange carries the bundles).
 *
 * evidence_transfer_check: bytes is a bundle another agency sent with a
 * transfer; it must verify, come from sender (its card's agency, signed
 * with sender_pk, the pinned key), and end with an open transfer to
 * c->agency. *item gets the item id. Errors of the verifier, LIA_EDENIED.
 *
 * evidence_receipt_check: bytes is a bundle sender sent back with the
 * receipt of a transfer this node made: it must verify, come from sender,
 * and its last event must be a "received" recorded at sender.
 *
 * An item transferred back (A -> B -> A, A -> B -> C -> A): the receipt
 * at A takes in the events after the ones A's ledger holds, when those are
 * the bundle's first events byte for byte; a bundle that differs within
 * them (a forked history) or adds events of A's own agency is refused.
 *
 * evidence_settle: append to this node's ledger, verbatim, the receipts
 * of its transfers that other agencies sent (the store's custody inbox)
 * and not yet appended; id NULL for every item. *n (may be NULL) gets the
 * number appended.
 */
int evidence_transfer_check(const void *bytes, size_t len, const char *sender,
			    const uint8_t sender_pk[IDENTITY_PK_BYTES],
			    const char *me, char item[EVIDENCE_ID_LEN + 1],
			    struct diag *d);
int evidence_receipt_check(const void *bytes, size_t len, const char *sender,
			   const uint8_t sender_pk[IDENTITY_PK_BYTES],
			   char item[EVIDENCE_ID_LEN + 1], struct diag *d);
int evidence_settle(const struct evidence_ctx *c, const char *id, size_t *n,
		    struct diag *d);
/* What of item id this node owes another agency over the exchange, as its
 * ledger holds the chain now: a transfer this node made to an agency and
 * not yet received (*kind = EVIDENCE_TRANSFERRED), or the receipt this
 * node signed last, of a transfer another agency made to it (*kind =
 * EVIDENCE_RECEIVED); to gets that agency. What `evidence event` sends
 * after recording, and what `evidence resend` sends again when the first
 * envelope could not be queued. LIA_ENOTFOUND when nothing is owed. */
int evidence_owed(const struct evidence_ctx *c, const char *id,
		  enum evidence_kind *kind, char to[MARKING_CODE_MAX + 1],
		  struct diag *d);
/* Whether item id, held on this node's ledger already, was transferred
 * back to it: the newest transfer bundle in the custody inbox has events
 * after the node's own chain (*from gets its sender). LIA_ENOTFOUND when
 * nothing waits; LIA_EDENIED (the reason in d) when that bundle forks the
 * chain held here. */
int evidence_returning(const struct evidence_ctx *c, const char *id,
		       char from[MARKING_CODE_MAX + 1], struct diag *d);
/* The newest bundle an agency sent to transfer item id to this node:
 * *from gets the agency, *bundle (may be NULL) a malloc'd copy.
 * LIA_ENOTFOUND when none did. */
int evidence_incoming(struct store *st, const char *id,
		      char from[MARKING_CODE_MAX + 1], char **bundle,
		      struct diag *d);

/* Every item (of case_ref when not NULL) as rows of the store. */
int evidence_each(struct store *st, const char *case_ref,
		  int (*fn)(const struct store_evidence *e, void *ctx),
		  void *ctx, struct diag *d);

#endif
