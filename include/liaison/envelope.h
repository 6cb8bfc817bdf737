/*
 * envelope.h - signed, end-to-end encrypted envelopes between nodes.
 *
 * An envelope has a header a relay may read (id, sender, recipients,
 * optional hub, times, kind, priority, case reference, marking), a body
 * only the recipients can read, and the sender's Ed25519 signature over
 * all of it. The body is encrypted once with a random content key
 * (XChaCha20-Poly1305, the header as associated data); the content key is
 * wrapped for each recipient through an X25519 agreement with a fresh
 * ephemeral key (crypto_kx). docs/EXCHANGE-FORMAT.md gives the binary
 * format byte by byte and the reasons for each choice.
 *
 * Receiving is three steps, in this order:
 *   envelope_parse   structure only: every length and field checked, the
 *                    header readable, nothing decrypted (what a relay does)
 *   envelope_verify  the signature, with the pinned key of the sender the
 *                    header names
 *   envelope_open    unwrap the content key and decrypt the body; refuses
 *                    an envelope that has not been verified
 * and envelope_check_time rejects expired and future-dated envelopes.
 *
 * Replays are not detected here: an envelope carries a random 128-bit id,
 * and the inbox (in the store) must refuse an id it has already seen. Ids
 * need to be remembered only until expires + max_skew, since
 * envelope_check_time refuses anything older.
 */
#ifndef LIAISON_ENVELOPE_H
#define LIAISON_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/identity.h"
#include "liaison/marking.h"

#define ENVELOPE_VERSION 1
#define ENVELOPE_ID_BYTES 16
#define ENVELOPE_RECIPIENTS_MAX 64
#define ENVELOPE_CASE_MAX 128		/* bytes of the case reference */
#define ENVELOPE_MARKING_MAX 8192	/* bytes of the marking JSON */
#define ENVELOPE_BODY_MAX (16u << 20)	/* 16 MiB; bigger goes as attachment */
#define ENVELOPE_TTL_MAX (90LL * 86400) /* expires - created, seconds */
/* Hard maximum of a whole envelope: the body plus room for the largest
 * header, key slots and signature (checked by a static assertion). */
#define ENVELOPE_MAX (ENVELOPE_BODY_MAX + 65536u)

enum envelope_kind {
	ENVELOPE_MESSAGE = 1,
	ENVELOPE_RECEIPT,
	ENVELOPE_QUERY,
	ENVELOPE_ANSWER,
	ENVELOPE_REQUEST,
	ENVELOPE_RELEASE,
	ENVELOPE_REFUSAL,
	ENVELOPE_ALERT,
	ENVELOPE_ALERT_WITHDRAW,
	ENVELOPE_HIT,
	/* Witnessing (docs/LEDGER-FORMAT.md): a node's signed tree head,
	 * a peer's countersignature of it, a peer's report that it is
	 * inconsistent with what the peer saw before. */
	ENVELOPE_LEDGER_HEAD,
	ENVELOPE_LEDGER_COSIGN,
	ENVELOPE_LEDGER_PROBLEM,
	/* Custody across agencies (issue #6, src/node/custody.c). */
	ENVELOPE_CUSTODY_TRANSFER,
	ENVELOPE_CUSTODY_RECEIPT,
};
#define ENVELOPE_KIND_MAX ENVELOPE_CUSTODY_RECEIPT

enum envelope_priority {
	ENVELOPE_ROUTINE = 0,
	ENVELOPE_URGENT,
	ENVELOPE_IMMEDIATE,
};

struct envelope_header {
	uint8_t id[ENVELOPE_ID_BYTES]; /* random; see envelope_id_new */
	char sender[MARKING_CODE_MAX + 1];
	char hub[MARKING_CODE_MAX + 1]; /* relay hub, "" = direct */
	char recipients[ENVELOPE_RECIPIENTS_MAX][MARKING_CODE_MAX + 1];
	size_t n_recipients;	  /* 1..ENVELOPE_RECIPIENTS_MAX */
	int64_t created, expires; /* UTC seconds */
	enum envelope_kind kind;
	enum envelope_priority priority;
	char case_ref[ENVELOPE_CASE_MAX + 1]; /* "" = none */
	/* The marking of the content as canonical JSON (envelope_marking_json).
	 * Sealing: the caller's string. Parsed: owned by the envelope. */
	const char *marking;
};

struct envelope;

/* Names: "message", "receipt", "query", "answer", "request", "release",
 * "refusal", "alert", "alert-withdraw", "hit", "ledger-head",
 * "ledger-cosign", "ledger-problem"; "routine", "urgent",
 * "immediate". The _name functions return "?" for a value out of range;
 * the _parse functions return 0 or LIA_EVALUE. */
const char *envelope_kind_name(enum envelope_kind k);
int envelope_kind_parse(const char *s, enum envelope_kind *out);
const char *envelope_priority_name(enum envelope_priority p);
int envelope_priority_parse(const char *s, enum envelope_priority *out);

/* A new random id. */
void envelope_id_new(uint8_t id[ENVELOPE_ID_BYTES]);
/* The id as 32 lower-case hex digits and a NUL. Returns out. */
const char *envelope_id_hex(const uint8_t id[ENVELOPE_ID_BYTES],
			    char out[2 * ENVELOPE_ID_BYTES + 1]);

/* The canonical JSON of a marking (compact, sorted keys) for the header.
 * The caller frees *out. Errors: LIA_ENOMEM, LIA_ETOOBIG. */
int envelope_marking_json(const struct marking *m, char **out);

/* Seal an envelope from sender to the n recipients. h->sender must be the
 * sender's agency and h->recipients[i] the agency of recipients[i] (same
 * order, no duplicates); h->id must not be all zero; every field is
 * checked as envelope_parse would. On success *out (malloc'd, the caller
 * frees it) holds *out_len bytes. Errors: LIA_EINVAL (a bad header or
 * argument, reason in d), LIA_ETOOBIG (body_len > ENVELOPE_BODY_MAX),
 * LIA_ECRYPTO (a recipient's public key is unusable), LIA_ENOMEM. */
int envelope_seal(const struct identity *sender,
		  const struct envelope_header *h,
		  const struct peer_key *recipients, size_t n,
		  const uint8_t *body, size_t body_len, uint8_t **out,
		  size_t *out_len, struct diag *d);

/* Parse untrusted bytes: structure and header only. The envelope keeps its
 * own copy of the bytes. Errors: LIA_ETOOBIG (len > ENVELOPE_MAX),
 * LIA_EPARSE (anything malformed, non-canonical or trailing; reason in d),
 * LIA_EVERSION (a newer format version), LIA_ENOMEM. */
int envelope_parse(const uint8_t *bytes, size_t len, struct envelope **out,
		   struct diag *d);
void envelope_free(struct envelope *env);

/* The parsed header; it belongs to the envelope. */
const struct envelope_header *envelope_get_header(const struct envelope *env);
/* The envelope's bytes exactly as parsed (to store or forward). */
const uint8_t *envelope_bytes(const struct envelope *env, size_t *len);

/* Check the signature with the sender's Ed25519 public key (from the card
 * pinned for h->sender). Returns 0, or LIA_ECRYPTO when it does not
 * verify. Marks the envelope verified (or not) for envelope_open. */
int envelope_verify(struct envelope *env,
		    const uint8_t sender_pk[IDENTITY_PK_BYTES]);

/* Decrypt the body for a recipient. *body is malloc'd (the caller frees
 * it; it is never NULL on success, also for an empty body). Errors:
 * LIA_EINVAL (not verified first), LIA_EDENIED (the recipient's agency is
 * not among the recipients), LIA_ECRYPTO (wrong key or anything
 * tampered), LIA_ENOMEM. */
int envelope_open(const struct envelope *env, const struct identity *recipient,
		  uint8_t **body, size_t *body_len, struct diag *d);

/* Reject an envelope created more than max_skew seconds in the future, or
 * whose expiry is more than max_skew seconds in the past. Returns 0, or
 * LIA_EDENIED with the reason in d; LIA_EINVAL for a negative max_skew. */
int envelope_check_time(const struct envelope *env, int64_t now,
			int64_t max_skew, struct diag *d);

#endif
