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
#define EVIDENCE_BUNDLE_VERSION 1
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
};
/* Check that user may record kind now and advance s. LIA_EDENIED with the
 * rule in d when not. */
int evidence_rule(struct evidence_state *s, enum evidence_kind kind,
		  const char *user, struct diag *d);

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

/* Every item (of case_ref when not NULL) as rows of the store. */
int evidence_each(struct store *st, const char *case_ref,
		  int (*fn)(const struct store_evidence *e, void *ctx),
		  void *ctx, struct diag *d);

#endif
