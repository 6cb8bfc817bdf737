/*
 * custody.c - custody across agencies over the exchange (issue #6): the
 * bundles a transfer and its receipt travel as, and their checks on
 * arrival. What the bundles prove is decided in src/evidence; this file
 * only carries them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "liaison/banned.h"
#include "liaison/evidence.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"
#include "node_int.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* A bundle in a body is at most what an envelope carries. */
#define CUSTODY_BODY_MAX ((size_t)ENVELOPE_BODY_MAX)

struct item_case {
	char case_ref[ENVELOPE_CASE_MAX + 1];
};

static int case_cb(const struct store_evidence *e, void *ctx)
{
	struct item_case *c = ctx;

	/* A case reference too long for an envelope travels without it. */
	if (strlen(e->case_ref) <= ENVELOPE_CASE_MAX)
		memcpy(c->case_ref, e->case_ref, strlen(e->case_ref) + 1);
	return 0;
}

int node_custody_send(struct node *n, const struct identity *me,
		      struct ledger *lg, const char *home, const char *id,
		      enum envelope_kind kind, const char *to, int64_t now,
		      struct diag *d)
{
	struct evidence_ctx ec = {.st = n ? n->store : NULL,
				  .lg = lg,
				  .home = home,
				  .agency = n ? n->cfg.agency : NULL};
	struct identity_card card = {0};
	struct envelope_header h;
	struct store_outbound o;
	struct item_case ic = {""};
	struct peer_key key;
	uint8_t *env = NULL;
	size_t blen, env_len = 0;
	char *bundle = NULL, *body = NULL, *mjson = NULL, eid[33];
	char subject[96];
	const char *rcpt[1] = {to};
	json_t *b = NULL;
	int err;

	if (!n || !me || !lg || !home || !id || !to ||
	    (kind != ENVELOPE_CUSTODY_TRANSFER &&
	     kind != ENVELOPE_CUSTODY_RECEIPT))
		return LIA_EINVAL;
	if ((err = node_peer_card(n, to, &card, NULL, 0, d))) {
		if (err == LIA_ENOTFOUND)
			diag_set(d, "%s is not a pinned peer", to);
		return err;
	}
	identity_card_peer_key(&card, &key);
	identity_card_free(&card);
	if ((err = store_evidence_each(n->store, id, NULL, case_cb, &ic, d)) ||
	    (err = evidence_bundle(&ec, me, id, false, &bundle, &blen, d)))
		goto out;
	if (!(b = json_pack("{s:i, s:s, s:s}", "v", NODE_BODY_VERSION, "item",
			    id, "bundle", bundle)) ||
	    !(body = json_dumps(b, JSON_FLAGS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if (strlen(body) > CUSTODY_BODY_MAX) {
		diag_set(d, "the bundle of %s is too large for an envelope",
			 id);
		err = LIA_ETOOBIG;
		goto out;
	}
	if ((err = envelope_marking_json(&n->cfg.defaults, &mjson)))
		goto out;
	memset(&h, 0, sizeof(h));
	envelope_id_new(h.id);
	(void)str_copy(h.sender, sizeof(h.sender), n->cfg.agency);
	(void)str_copy(h.recipients[0], sizeof(h.recipients[0]), to);
	(void)str_copy(h.case_ref, sizeof(h.case_ref), ic.case_ref);
	h.n_recipients = 1;
	h.created = now;
	h.expires = now + NODE_MSG_TTL;
	h.kind = kind;
	h.priority = ENVELOPE_URGENT;
	h.marking = mjson;
	if ((err = envelope_seal(me, &h, &key, 1, (const uint8_t *)body,
				 strlen(body), &env, &env_len, d)))
		goto out;
	envelope_id_hex(h.id, eid);
	snprintf(subject, sizeof(subject), "custody %s of item %s",
		 kind == ENVELOPE_CUSTODY_TRANSFER ? "transfer" : "receipt",
		 id);
	o = (struct store_outbound){
	    .env_id = eid,
	    .kind = envelope_kind_name(kind),
	    .subject = subject,
	    .case_ref = h.case_ref,
	    .created = h.created,
	    .expires = h.expires,
	    .bytes = env,
	    .len = env_len,
	    .recipients = rcpt,
	    .n_recipients = 1,
	    .actor = "node",
	    .detail = subject,
	};
	err = store_outbox_add(n->store, &o, d);
out:
	json_decref(b);
	free(mjson);
	free(bundle);
	free(body);
	free(env);
	return err;
}

/* The sections of other agencies a bundle carries prove their events to
 * this node too (an item that went A -> B -> C reaches A with B's events
 * proved by C's copy of B's section), so each must be signed by the key
 * pinned here for that agency: a sender cannot vouch for an agency this
 * node does not know. A section of this node's own agency is not used
 * (its events are taken from its own ledger only, evidence.h). */
static int sections_pinned(struct node *n, const char *bundle, size_t len,
			   struct diag *d)
{
	json_t *b, *sec;
	size_t i;
	int err = 0;

	if (!(b = json_loadb(bundle, len, JSON_REJECT_DUPLICATES, NULL)))
		return LIA_EPARSE;
	json_array_foreach (json_object_get(b, "peers"), i, sec) {
		struct identity_card in = {0}, pin = {0};
		const char *s = json_string_value(json_object_get(sec, "card"));

		if (!s || identity_card_parse(s, strlen(s), &in, d)) {
			err = LIA_EPARSE;
			break;
		}
		if (strcmp(in.agency, n->cfg.agency)) {
			err = node_peer_card(n, in.agency, &pin, NULL, 0, d);
			if (err == LIA_ENOTFOUND) {
				diag_set(d,
					 "custody: the bundle carries the "
					 "section of %s, an agency not pinned "
					 "here",
					 in.agency);
				err = LIA_EDENIED;
			} else if (!err &&
				   sodium_memcmp(in.sign_pk, pin.sign_pk,
						 IDENTITY_PK_BYTES)) {
				diag_set(d,
					 "custody: the section of %s in the "
					 "bundle is not signed by its pinned "
					 "key",
					 in.agency);
				err = LIA_EDENIED;
			}
			identity_card_free(&pin);
		}
		identity_card_free(&in);
		if (err)
			break;
	}
	json_decref(b);
	return err;
}

int node_custody_receive(struct node *n, const struct identity_card *peer,
			 const struct envelope_header *h, const char *env_id,
			 const uint8_t *body, size_t len, int64_t now,
			 char *subject, size_t subject_n, struct diag *d)
{
	static const char *const keys[] = {"v", "item", "bundle"};
	char item[EVIDENCE_ID_LEN + 1];
	struct store_custody_in r;
	bool transfer;
	const char *bundle, *id;
	json_t *o = NULL;
	int err;

	if (!n || !peer || !h || !env_id || !subject || !subject_n)
		return LIA_EINVAL;
	transfer = h->kind == ENVELOPE_CUSTODY_TRANSFER;
	if ((err = node_body_load(body, len, CUSTODY_BODY_MAX, "custody", keys,
				  3, &o, d)))
		return err;
	bundle = json_string_value(json_object_get(o, "bundle"));
	id = json_string_value(json_object_get(o, "item"));
	if (!bundle || !id || !node_hex32(id)) {
		diag_set(d, "custody: item and bundle are required");
		err = LIA_EPARSE;
		goto out;
	}
	/* The bundle must verify by itself, be signed by the sender's pinned
	 * key, and say what the envelope's kind claims, about its item. */
	err =
	    transfer
		? evidence_transfer_check(
		      bundle, json_string_length(json_object_get(o, "bundle")),
		      h->sender, peer->sign_pk, n->cfg.agency, item, d)
		: evidence_receipt_check(
		      bundle, json_string_length(json_object_get(o, "bundle")),
		      h->sender, peer->sign_pk, item, d);
	if (!err)
		err = sections_pinned(
		    n, bundle, json_string_length(json_object_get(o, "bundle")),
		    d);
	if (err) {
		diag_prefix(d, "custody %s from %s: ",
			    transfer ? "transfer" : "receipt", h->sender);
		goto out;
	}
	if (strcmp(item, id)) {
		diag_set(d, "custody: the bundle is about another item");
		err = LIA_EPARSE;
		goto out;
	}
	r = (struct store_custody_in){.env_id = env_id,
				      .item = id,
				      .sender = h->sender,
				      .kind = transfer ? "transfer" : "receipt",
				      .bundle = bundle,
				      .received = now};
	if ((err = store_custody_in_add(n->store, &r, d)))
		goto out;
	snprintf(subject, subject_n, "custody %s of item %s from %s",
		 transfer ? "transfer" : "receipt", id, h->sender);
out:
	json_decref(o);
	return err;
}

int node_custody_check_to(struct node *n, enum evidence_kind kind,
			  const char *to, struct diag *d)
{
	struct identity_card card = {0};
	int rc;

	if (kind != EVIDENCE_TRANSFERRED || !evidence_to_agency(to) ||
	    !strcmp(to, n->cfg.agency))
		return 0;
	if ((rc = node_peer_card(n, to, &card, NULL, 0, d))) {
		if (rc == LIA_ENOTFOUND)
			diag_set(d,
				 "a transfer to agency %s needs it pinned as "
				 "a peer (liaison peer add)",
				 to);
		return rc;
	}
	identity_card_free(&card);
	return 0;
}

int node_custody_send_owed(struct node *n, const struct identity *me,
			   const struct evidence_ctx *ec, const char *id,
			   int64_t now, enum evidence_kind *kind,
			   char to[MARKING_CODE_MAX + 1], struct diag *d)
{
	char owed_to[MARKING_CODE_MAX + 1];
	enum evidence_kind k;
	int rc;

	if ((rc = evidence_owed(ec, id, &k, owed_to, d)))
		return rc;
	if ((rc = node_custody_send(n, me, ec->lg, ec->home, id,
				    k == EVIDENCE_TRANSFERRED
					? ENVELOPE_CUSTODY_TRANSFER
					: ENVELOPE_CUSTODY_RECEIPT,
				    owed_to, now, d))) {
		diag_prefix(d, "not sent to %s: ", owed_to);
		return rc;
	}
	*kind = k;
	memcpy(to, owed_to, strlen(owed_to) + 1);
	return 0;
}
