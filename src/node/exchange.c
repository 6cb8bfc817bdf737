/*
 * exchange.c - peers, sending, receiving and reading messages: where the
 * crypto library (identity, envelope, attach) meets the store.
 *
 * The handling rules of records are enforced here, not in the CLI, so that
 * every future caller (the API, automatic answers) goes through them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "liaison/attach.h"
#include "liaison/batch.h"
#include "liaison/entity.h"
#include "liaison/envelope.h"
#include "liaison/identity.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"
#include "node_int.h"

/* The audit trail's limit on a detail (store_int.h). */
#define DETAIL_MAX 8192

/* ------------------------------------------------------------- peers */

bool node_url_via(const char *url, char hub[MARKING_CODE_MAX + 1])
{
	size_t k = strlen(NODE_VIA_PREFIX);

	if (strncmp(url, NODE_VIA_PREFIX, k) ||
	    !identity_agency_ok(url + k, strlen(url + k)))
		return false;
	if (hub)
		(void)str_copy(hub, MARKING_CODE_MAX + 1, url + k);
	return true;
}

/* https://HOST:PORT[/] with HOST of [A-Za-z0-9.-] or a bracketed IPv6
 * address: nothing libcurl could read as something else. */
static bool url_ok(const char *u)
{
	const char *p;
	size_t n = strnlen(u, STORE_URL_MAX + 1), digits = 0;

	/* A peer reached through a hub has the hub's code instead. */
	if (node_url_via(u, NULL))
		return true;
	if (n > STORE_URL_MAX || strncmp(u, "https://", 8))
		return false;
	p = u + 8;
	if (*p == '[') {
		for (p++; *p && *p != ']'; p++)
			if (!((*p >= '0' && *p <= '9') ||
			      (*p >= 'a' && *p <= 'f') || *p == ':'))
				return false;
		if (*p++ != ']')
			return false;
	} else {
		const char *h = p;
		for (; *p && *p != ':'; p++)
			if (!((*p >= '0' && *p <= '9') ||
			      (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') || *p == '.' ||
			      *p == '-'))
				return false;
		if (p == h)
			return false;
	}
	if (*p++ != ':')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	return digits >= 1 && digits <= 5 && (!*p || !strcmp(p, "/"));
}

int node_peer_add(struct node *n, const void *card, size_t len, const char *url,
		  const char *actor, char agency[MARKING_CODE_MAX + 1],
		  struct diag *d)
{
	struct identity_card c = {0};
	struct store_peer p;
	char fp[2 * IDENTITY_SHA256_BYTES + 1], hub[MARKING_CODE_MAX + 1];
	char *text = NULL;
	int err;

	if (!url || !url_ok(url)) {
		diag_set(d, "peer URL must be https://HOST:PORT (or via:HUB)");
		return LIA_EINVAL;
	}
	if ((err = identity_card_parse(card, len, &c, d)))
		return err;
	if (!strcmp(c.agency, n->cfg.agency)) {
		diag_set(d, "card of %s is this node's own", c.agency);
		err = LIA_EINVAL;
		goto out;
	}
	if (node_url_via(url, hub) &&
	    (!strcmp(hub, c.agency) || !strcmp(hub, n->cfg.agency))) {
		diag_set(d, "the hub of %s must be a third node", c.agency);
		err = LIA_EINVAL;
		goto out;
	}
	/* Stored as received (it was checked whole, signature included), so
	 * that the pin can be shown and checked again later. */
	if (!(text = malloc(len + 1))) {
		err = LIA_ENOMEM;
		goto out;
	}
	memcpy(text, card, len);
	/* The card file normally ends with a newline: not part of it. */
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		       text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	text[len] = 0;
	sodium_bin2hex(fp, sizeof(fp), c.tls_sha256, sizeof(c.tls_sha256));
	p = (struct store_peer){
	    .agency = c.agency, .card = text, .url = url, .tls_sha256 = fp};
	if ((err = store_peer_add(n->store, &p, actor, d)))
		goto out;
	memcpy(agency, c.agency, sizeof(c.agency));
out:
	free(text);
	identity_card_free(&c);
	return err;
}

struct card_ctx {
	struct identity_card *card;
	char *url;
	size_t url_n;
	struct diag *d;
};

static int card_cb(const struct store_peer *p, void *ctx)
{
	struct card_ctx *c = ctx;
	int err;

	if ((err = identity_card_parse(p->card, strlen(p->card), c->card,
				       c->d))) {
		diag_prefix(c->d, "pinned card of %s: ", p->agency);
		return err;
	}
	if (c->url && str_copy(c->url, c->url_n, p->url)) {
		identity_card_free(c->card);
		return LIA_ETOOBIG;
	}
	return 0;
}

int node_peer_card(struct node *n, const char *agency,
		   struct identity_card *card, char *url, size_t url_n,
		   struct diag *d)
{
	struct identity_card c = {0};
	struct card_ctx x = {.card = &c, .url = url, .url_n = url_n, .d = d};
	int err;

	if ((err = store_peer_find(n->store, agency, false, card_cb, &x, d)))
		return err;
	*card = c;
	return 0;
}

static int url_cb(const struct store_peer *p, void *ctx)
{
	return str_copy(ctx, STORE_URL_MAX + 1, p->url);
}

/* The hub through which this node reaches agency ("" when directly). Only
 * the URL is read: this runs for every envelope sealed, and the card is
 * checked where its keys are used. */
static int peer_route(struct node *n, const char *agency,
		      char hub[MARKING_CODE_MAX + 1], struct diag *d)
{
	char url[STORE_URL_MAX + 1];
	int err;

	if ((err = store_peer_find(n->store, agency, false, url_cb, url, d)))
		return err;
	if (!node_url_via(url, hub))
		hub[0] = 0;
	return 0;
}

int node_hub_for(struct node *n, const char *const *to, size_t n_to,
		 char hub[MARKING_CODE_MAX + 1], struct diag *d)
{
	char h[MARKING_CODE_MAX + 1];
	int err;

	hub[0] = 0;
	for (size_t i = 0; i < n_to; i++) {
		if ((err = peer_route(n, to[i], h, d)))
			return err;
		if (!h[0])
			continue;
		if (hub[0] && strcmp(hub, h)) {
			diag_set(d,
				 "recipients are reached through two hubs, "
				 "%s and %s: send to them separately",
				 hub, h);
			return LIA_EINVAL;
		}
		(void)str_copy(hub, MARKING_CODE_MAX + 1, h);
	}
	return 0;
}

/* -------------------------------------------------------------- send */

/* The handling rules for one record and one partner (node_int.h). */
int node_handling_check(const char *id, const struct marking *m, const char *me,
			const char *to, struct diag *d)
{
	/* H2 and H3 from another agency: passing it on is the owner's
	 * decision, never ours. */
	if (m->handling >= 2 && strcmp(m->agency, me)) {
		diag_set(d,
			 "record %s: handling H%d from %s: not passed on "
			 "to %s without the owner's permission",
			 id, m->handling, m->agency, to);
		return LIA_EDENIED;
	}
	if (!marking_allows(m, to, NULL, 0)) {
		if (m->tlp == TLP_RED)
			diag_set(d,
				 "record %s: TLP:RED and %s is not a named "
				 "recipient in its audience",
				 id, to);
		else
			diag_set(d, "record %s: %s is outside its audience", id,
				 to);
		return LIA_EDENIED;
	}
	return 0;
}

static int add_records(struct node *n, const struct node_send *s, json_t *arr,
		       struct marking *env_m, struct diag *d)
{
	int err = 0;

	for (size_t i = 0; i < s->n_records; i++) {
		struct store_record *r = NULL;
		json_t *ej = NULL, *mj = NULL;
		int rank;

		if ((err = store_get(n->store, s->records[i], &r, d)))
			return err;
		for (size_t k = 0; k < s->n_to && !err; k++)
			err = node_handling_check(s->records[i], &r->marking,
						  n->cfg.agency, s->to[k], d);
		if (!err && !(err = entity_to_jansson(r->entity, &ej)) &&
		    !(err = marking_to_json(&r->marking, &mj)) &&
		    (json_object_set(ej, "marking", mj) ||
		     json_array_append(arr, ej)))
			err = LIA_ENOMEM;
		/* The envelope's marking is at least that of its most
		 * sensitive record, so a relay or a log sees the right one. */
		rank = marking_ladder_index(&n->cfg.ladder,
					    r->marking.classification);
		if (!err && rank > marking_ladder_index(&n->cfg.ladder,
							env_m->classification))
			(void)str_copy(env_m->classification,
				       sizeof(env_m->classification),
				       r->marking.classification);
		if (!err && r->marking.tlp > env_m->tlp)
			env_m->tlp = r->marking.tlp;
		json_decref(ej);
		json_decref(mj);
		store_record_free(r);
		if (err)
			return err;
	}
	return 0;
}

/* Encrypt one attachment into the spool of envelope id (streaming: the
 * file is never in memory) and describe it in the body: the descriptor
 * with its key, and the blob id under which the encrypted file travels
 * beside the envelope. */
static int add_attachment(struct node *n, const char *id, const char *path,
			  json_t *arr, struct diag *d)
{
	struct attach_desc desc;
	char blob[ATTACH_BLOB_HEX + 1];
	json_t *dj = NULL;
	int err;

	memset(&desc, 0, sizeof(desc));
	if ((err = node_spool_attach(n->home, id, path, &desc, blob, d)) ||
	    (err = attach_desc_to_json(&desc, &dj)))
		goto out;
	if (json_object_set_new(dj, "blob", json_string(blob)) ||
	    json_array_append(arr, dj))
		err = LIA_ENOMEM;
out:
	attach_desc_wipe(&desc);
	json_decref(dj);
	return err;
}

static int check_recipients(struct node *n, const struct node_send *s,
			    struct peer_key *keys, struct diag *d)
{
	for (size_t i = 0; i < s->n_to; i++) {
		struct identity_card c = {0};
		int err;

		for (size_t k = 0; k < i; k++)
			if (!strcmp(s->to[i], s->to[k])) {
				diag_set(d, "recipient %s named twice",
					 s->to[i]);
				return LIA_EINVAL;
			}
		if (!strcmp(s->to[i], n->cfg.agency)) {
			diag_set(d, "%s is this node", s->to[i]);
			return LIA_EINVAL;
		}
		if (!identity_agency_ok(s->to[i], strlen(s->to[i]))) {
			diag_set(d, "recipient \"%.40s\" is not an agency code",
				 s->to[i]);
			return LIA_EINVAL;
		}
		if ((err = node_peer_card(n, s->to[i], &c, NULL, 0, d))) {
			if (err == LIA_ENOTFOUND)
				diag_set(d,
					 "%s is not a pinned peer (liaison "
					 "peer add)",
					 s->to[i]);
			return err;
		}
		identity_card_peer_key(&c, &keys[i]);
		identity_card_free(&c);
	}
	return 0;
}

int node_send(struct node *n, const struct identity *me,
	      const struct node_send *s, char env_id[33], struct diag *d)
{
	struct envelope_header h;
	struct peer_key keys[ENVELOPE_RECIPIENTS_MAX];
	struct marking em;
	struct store_outbound o = {0};
	struct strbuf detail;
	json_t *body = NULL, *recs = NULL, *atts = NULL;
	char *body_s = NULL, *mjson = NULL, *case_ref = NULL, id[33];
	char reply_peer[MARKING_CODE_MAX + 1];
	uint8_t *env = NULL;
	size_t env_len = 0;
	bool spooled = false;
	int err;

	memset(&h, 0, sizeof(h));
	marking_init(&em);
	strbuf_init(&detail, DETAIL_MAX);
	if (!s->subject || !*s->subject ||
	    strlen(s->subject) > NODE_SUBJECT_MAX) {
		diag_set(d, "a subject of 1..%d bytes is required",
			 NODE_SUBJECT_MAX);
		err = LIA_EINVAL;
		goto out;
	}
	if (s->text && strlen(s->text) > NODE_TEXT_MAX) {
		diag_set(d, "text longer than %u bytes", NODE_TEXT_MAX);
		err = LIA_ETOOBIG;
		goto out;
	}
	if (!s->n_to || s->n_to > ENVELOPE_RECIPIENTS_MAX ||
	    s->n_records > NODE_MSG_RECORDS_MAX ||
	    s->n_attach > NODE_MSG_ATTACH_MAX) {
		diag_set(d,
			 "1..%d recipients, at most %d records and %d "
			 "attachments",
			 ENVELOPE_RECIPIENTS_MAX, NODE_MSG_RECORDS_MAX,
			 NODE_MSG_ATTACH_MAX);
		err = LIA_EINVAL;
		goto out;
	}
	if ((err = check_recipients(n, s, keys, d)))
		goto out;
	/* The route is the pins': the delivery worker sends by recipient.
	 * --via states it, and is refused if a recipient is not reached
	 * through that hub. */
	for (size_t i = 0; s->via && i < s->n_to; i++) {
		char hub[MARKING_CODE_MAX + 1];

		if ((err = peer_route(n, s->to[i], hub, d)))
			goto out;
		if (strcmp(hub, s->via)) {
			diag_set(d,
				 "%s is not reached through %s (pin it with "
				 "peer add --via %s)",
				 s->to[i], s->via, s->via);
			err = LIA_EINVAL;
			goto out;
		}
	}
	if ((err = node_hub_for(n, s->to, s->n_to, h.hub, d)))
		goto out;
	if (h.hub[0]) {
		struct identity_card hc = {0};

		if ((err = node_peer_card(n, h.hub, &hc, NULL, 0, d))) {
			diag_prefix(d, "hub %s: ", h.hub);
			goto out;
		}
		identity_card_free(&hc);
	}
	if (s->reply_to &&
	    (err = store_msg_case(n->store, s->reply_to, &case_ref, reply_peer,
				  sizeof(reply_peer), d)))
		goto out;
	if (s->case_ref) {
		free(case_ref);
		if (!(case_ref = strdup(s->case_ref))) {
			err = LIA_ENOMEM;
			goto out;
		}
	}
	if (case_ref && strlen(case_ref) > ENVELOPE_CASE_MAX) {
		diag_set(d, "case reference longer than %d bytes",
			 ENVELOPE_CASE_MAX);
		err = LIA_EINVAL;
		goto out;
	}
	if ((err = marking_copy(&em, &n->cfg.defaults)))
		goto out;
	(void)str_copy(em.agency, sizeof(em.agency), n->cfg.agency);
	body = json_object();
	recs = json_array();
	atts = json_array();
	if (!body || !recs || !atts) {
		err = LIA_ENOMEM;
		goto out;
	}
	/* Every record is checked against every recipient before anything
	 * is encrypted or queued: one refusal refuses the whole send. */
	if ((err = add_records(n, s, recs, &em, d)))
		goto out;
	/* The id first: it names the spool of the attachments. */
	envelope_id_new(h.id);
	envelope_id_hex(h.id, id);
	spooled = s->n_attach > 0;
	for (size_t i = 0; i < s->n_attach; i++)
		if ((err = add_attachment(n, id, s->attach[i], atts, d)))
			goto out;
	/* Version 2 only when there are attachments (they travel beside
	 * the envelope): other messages stay readable by version 1
	 * nodes. */
	if (json_object_set_new(body, "v", json_integer(s->n_attach ? 2 : 1)) ||
	    json_object_set_new(body, "subject", json_string(s->subject)) ||
	    (s->text &&
	     json_object_set_new(body, "text", json_string(s->text))) ||
	    (s->reply_to &&
	     json_object_set_new(body, "reply_to", json_string(s->reply_to))) ||
	    json_object_set(body, "records", recs) ||
	    json_object_set(body, "attachments", atts)) {
		diag_set(d, "subject or text is not valid UTF-8");
		err = LIA_EINVAL;
		goto out;
	}
	if (!(body_s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = envelope_marking_json(&em, &mjson)))
		goto out;
	(void)str_copy(h.sender, sizeof(h.sender), n->cfg.agency);
	for (size_t i = 0; i < s->n_to; i++)
		(void)str_copy(h.recipients[i], sizeof(h.recipients[i]),
			       s->to[i]);
	h.n_recipients = s->n_to;
	h.created = (int64_t)time(NULL);
	h.expires = h.created + NODE_MSG_TTL;
	h.kind = ENVELOPE_MESSAGE;
	h.priority = (enum envelope_priority)s->priority;
	if (case_ref)
		(void)str_copy(h.case_ref, sizeof(h.case_ref), case_ref);
	h.marking = mjson;
	if ((err = envelope_seal(me, &h, keys, s->n_to, (const uint8_t *)body_s,
				 strlen(body_s), &env, &env_len, d)))
		goto out;

	/* The audit row says to whom, what and why (the case), never the
	 * content itself. */
	err = strbuf_addf(&detail, "message to");
	for (size_t i = 0; i < s->n_to && !err; i++)
		err = strbuf_addf(&detail, "%s%s", i ? "," : " ", s->to[i]);
	if (!err && h.case_ref[0])
		err = strbuf_addf(&detail, "; case %s", h.case_ref);
	for (size_t i = 0; i < s->n_records && !err; i++)
		err = strbuf_addf(&detail, "%s%s", i ? "," : "; records ",
				  s->records[i]);
	if (!err && s->n_attach)
		err = strbuf_addf(&detail, "; %zu attachment(s)", s->n_attach);
	if (err)
		goto out;
	o = (struct store_outbound){
	    .env_id = id,
	    .kind = "message",
	    .subject = s->subject,
	    .case_ref = h.case_ref,
	    .reply_to = s->reply_to,
	    .created = h.created,
	    .expires = h.expires,
	    .bytes = env,
	    .len = env_len,
	    .recipients = s->to,
	    .n_recipients = s->n_to,
	    .actor = s->actor,
	    .detail = detail.buf,
	};
	if ((err = store_outbox_add(n->store, &o, d)))
		goto out;
	memcpy(env_id, id, sizeof(id));
	spooled = false; /* the outbox row owns the spool now */
out:
	if (spooled)
		node_spool_remove(n->home, id);
	strbuf_release(&detail);
	free(env);
	free(mjson);
	if (body_s) {
		/* The body holds attachment keys. */
		sodium_memzero(body_s, strlen(body_s));
		free(body_s);
	}
	free(case_ref);
	json_decref(body);
	json_decref(recs);
	json_decref(atts);
	marking_free(&em);
	return err;
}

/* ----------------------------------------------------------- receive */

/* A received record must not overwrite one of this node's own, or one
 * another originator sent: ids are chosen by the sender. */
static int check_overwrite(struct node *n, const struct node_msg_record *r,
			   struct diag *d)
{
	struct store_record *cur = NULL;
	const char *id = entity_id(r->entity);
	int err = store_get(n->store, id, &cur, NULL);

	if (err == LIA_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (strcmp(cur->marking.agency, r->marking.agency)) {
		diag_set(d, "record %s would replace a record of %s", id,
			 cur->marking.agency);
		err = LIA_EDENIED;
	}
	store_record_free(cur);
	return err;
}

static int store_records(struct node *n, const struct envelope_header *h,
			 const char *id, const struct node_message *m,
			 struct diag *d)
{
	struct store_import imp;
	char files[128], actor[64];
	int err;

	for (size_t i = 0; i < m->n_records; i++) {
		/* Receivers enforce the marking too: a record this node may
		 * not hold is refused with the whole envelope. */
		if (!marking_allows(&m->records[i].marking, n->cfg.agency, NULL,
				    0)) {
			diag_set(d,
				 "record %s: this node is outside its "
				 "audience",
				 entity_id(m->records[i].entity));
			return LIA_EDENIED;
		}
		if ((err = check_overwrite(n, &m->records[i], d)))
			return err;
	}
	if (!m->n_records)
		return 0;
	snprintf(files, sizeof(files), "envelope %s from %s", id, h->sender);
	snprintf(actor, sizeof(actor), "peer:%s", h->sender);
	imp = (struct store_import){
	    .format = "message", .files = files, .actor = actor};
	if ((err = store_import_begin(n->store, &imp, NULL, d)))
		return err;
	for (size_t i = 0; i < m->n_records; i++)
		if ((err = store_put(n->store, m->records[i].entity,
				     &m->records[i].marking, NULL, d))) {
			store_import_abort(n->store);
			return err;
		}
	return store_import_commit(n->store, NULL, d);
}

static int seal_receipt_body(const struct identity *me, const char *to,
			     const char *hub, const struct peer_key *key,
			     const char *body, const char *case_ref,
			     int64_t now, uint8_t **out, size_t *out_len,
			     struct envelope_header *h, struct diag *d)
{
	struct marking m;
	char *mjson = NULL;
	int err;

	/* A receipt says only which envelope arrived: the lowest marking
	 * of the default ladder, to the sender alone. */
	marking_init(&m);
	(void)str_copy(m.agency, sizeof(m.agency), identity_agency(me));
	(void)str_copy(m.classification, sizeof(m.classification),
		       "UNCLASSIFIED");
	m.tlp = TLP_AMBER;
	if ((err = envelope_marking_json(&m, &mjson)))
		goto out;
	memset(h, 0, sizeof(*h));
	envelope_id_new(h->id);
	(void)str_copy(h->sender, sizeof(h->sender), identity_agency(me));
	(void)str_copy(h->recipients[0], sizeof(h->recipients[0]), to);
	(void)str_copy(h->hub, sizeof(h->hub), hub);
	h->n_recipients = 1;
	h->created = now;
	h->expires = now + NODE_MSG_TTL;
	h->kind = ENVELOPE_RECEIPT;
	h->priority = ENVELOPE_ROUTINE;
	(void)str_copy(h->case_ref, sizeof(h->case_ref), case_ref);
	h->marking = mjson;
	err = envelope_seal(me, h, key, 1, (const uint8_t *)body, strlen(body),
			    out, out_len, d);
	h->marking = NULL;
out:
	free(mjson);
	marking_free(&m);
	return err;
}

/* A receipt with body to `to`, sealed and described as its outbox row. The
 * row's strings point into the arguments, rid and rcpt (rcpt[0] is set to
 * `to`); its bytes are *owned, the caller's to free. */
static int receipt_row(const struct identity *me, const char *to,
		       const char *hub, const struct peer_key *key,
		       const char *body, const char *case_ref,
		       const char *reply_to, const char *detail, int64_t now,
		       const char **rcpt, char rid[33],
		       struct store_outbound *o, uint8_t **owned,
		       struct diag *d)
{
	struct envelope_header rh;
	uint8_t *rb = NULL;
	size_t rlen = 0;
	int err;

	if ((err = seal_receipt_body(me, to, hub, key, body, case_ref, now, &rb,
				     &rlen, &rh, d)))
		return err;
	envelope_id_hex(rh.id, rid);
	rcpt[0] = to;
	*o = (struct store_outbound){
	    .env_id = rid,
	    .kind = "receipt",
	    .subject = "",
	    .case_ref = case_ref,
	    .reply_to = reply_to,
	    .created = rh.created,
	    .expires = rh.expires,
	    .bytes = rb,
	    .len = rlen,
	    .recipients = rcpt,
	    .n_recipients = 1,
	    .actor = "node",
	    .detail = detail,
	};
	*owned = rb;
	return 0;
}

/* The receipt of one envelope, id, back to its sender by the sender's
 * route. */
static int receipt_for(struct node *n, const struct identity *me,
		       const struct envelope_header *h,
		       const struct peer_key *key, const char *id,
		       const char *detail, int64_t now, const char **rcpt,
		       char rid[33], struct store_outbound *o, uint8_t **owned,
		       struct diag *d)
{
	char body[64], hub[MARKING_CODE_MAX + 1];
	int err;

	if ((err = peer_route(n, h->sender, hub, d)))
		return err;
	snprintf(body, sizeof(body), "{\"for\":\"%s\",\"v\":1}", id);
	return receipt_row(me, h->sender, hub, key, body, h->case_ref, id,
			   detail, now, rcpt, rid, o, owned, d);
}

/* The receipts of a batch: the ids applied (or seen again) in it,
 * acknowledged together by one signed receipt queued in the batch's
 * transaction (node_receive_batch). */
struct rx_receipts {
	char ids[STORE_DELIVERED_MAX][33];
	size_t n;
};

static void receipts_add(struct rx_receipts *rr, const char *id)
{
	for (size_t i = 0; i < rr->n; i++)
		if (!strcmp(rr->ids[i], id))
			return;
	/* A batch holds at most BATCH_COUNT_MAX == STORE_DELIVERED_MAX
	 * envelopes, so this never drops one. */
	if (rr->n < STORE_DELIVERED_MAX)
		memcpy(rr->ids[rr->n++], id, 33);
}

/* A duplicate of an envelope we kept: its sender did not see our answer
 * or our receipt, so a fresh receipt is queued (in a batch, the id joins
 * the batch's receipt). A receipt is never answered. */
static int requeue_receipt(struct node *n, const struct identity *me,
			   const struct identity_card *card,
			   const struct envelope_header *h, const char *id,
			   int64_t now, struct rx_receipts *rr, struct diag *d)
{
	struct store_outbound o;
	struct peer_key key;
	uint8_t *rb = NULL;
	char rid[33];
	const char *rcpt[1];
	int err;

	if (h->kind == ENVELOPE_RECEIPT)
		return 0;
	if (rr) {
		receipts_add(rr, id);
		return 0;
	}
	identity_card_peer_key(card, &key);
	if ((err = receipt_for(n, me, h, &key, id,
			       "receipt again for a duplicate", now, rcpt, rid,
			       &o, &rb, d)))
		return err;
	err = store_outbox_add(n->store, &o, d);
	free(rb);
	return err;
}

/* The part of receiving that needs no store: parse, check the sender,
 * verify the signature, check the times and the recipients, and open the
 * body. A batch runs it for its envelopes on two threads before its
 * transaction (it is most of the work, and pure computation). */
struct rx_pre {
	struct envelope *env;
	uint8_t *body;
	size_t body_len;
	int err;
	struct diag d;
	/* Relaying (docs/EXCHANGE-FORMAT.md): the TLS peer is the hub the
	 * header names and the sender is someone else, so the checks need
	 * the sender's card (receive_one does them again with it); or this
	 * node is the hub of an envelope for others, to forward unopened. */
	bool via_hub, forward;
};

static void rx_pre_release(struct rx_pre *p)
{
	if (p->body) {
		sodium_memzero(p->body, p->body_len);
		free(p->body);
	}
	envelope_free(p->env);
	p->body = NULL;
	p->env = NULL;
}

static int rx_check(const char *self, const struct identity *me,
		    const struct identity_card *card, const char *peer_agency,
		    const uint8_t *bytes, size_t len, int64_t now,
		    struct rx_pre *p)
{
	const struct envelope_header *h;
	struct diag *d = &p->d;
	char id[33];
	bool mine = false;
	int err;

	diag_clear(d);
	if ((err = envelope_parse(bytes, len, &p->env, d)))
		goto out;
	h = envelope_get_header(p->env);
	envelope_id_hex(h->id, id);
	if (strcmp(h->sender, peer_agency)) {
		if (h->hub[0] && !strcmp(h->hub, peer_agency)) {
			p->via_hub = true;
			goto out; /* checked with the sender's card later */
		}
		diag_set(d, "envelope %s names sender %s but came from %s", id,
			 h->sender, peer_agency);
		err = LIA_EDENIED;
		goto out;
	}
	if ((err = envelope_verify(p->env, card->sign_pk))) {
		diag_set(d, "envelope %s: signature of %s does not verify", id,
			 h->sender);
		goto out;
	}
	if ((err = envelope_check_time(p->env, now, NODE_MAX_SKEW, d))) {
		diag_prefix(d, "envelope %s: ", id);
		goto out;
	}
	for (size_t i = 0; i < h->n_recipients; i++)
		mine = mine || !strcmp(h->recipients[i], self);
	if (!mine && h->hub[0] && !strcmp(h->hub, self)) {
		/* This node is its hub: verified, forwarded unopened. */
		p->forward = true;
		goto out;
	}
	if (!mine) {
		diag_set(d, "envelope %s is not addressed to %s", id, self);
		err = LIA_EDENIED;
		goto out;
	}
	/* Every kind has a body to open. */
	err = envelope_open(p->env, me, &p->body, &p->body_len, d);
out:
	p->err = err;
	return err;
}

/* A message is accepted only when every attachment that travels beside
 * it is here whole and verified (node_blob_up_end published it under its
 * hash): until then the sender is told to try again, after it has
 * uploaded them. */
static int blobs_complete(struct node *n, const char *id,
			  const struct node_message *m, struct diag *d)
{
	for (size_t i = 0; i < m->n_attach; i++) {
		const struct node_msg_attach *a = &m->attach[i];
		uint64_t have = 0;
		bool complete = false;
		int err;

		if (!a->blob[0])
			continue;
		if ((err = node_blob_state(n->home, a->blob, &have, &complete,
					   d)))
			return err;
		if (!complete) {
			diag_set(d,
				 "envelope %s: attachment %s not uploaded "
				 "yet (%llu bytes here)",
				 id, a->blob, (unsigned long long)have);
			return LIA_EBUSY;
		}
		if (have != attach_encrypted_size(a->desc->size)) {
			diag_set(d,
				 "envelope %s: attachment %s has %llu "
				 "bytes, the body says %llu",
				 id, a->blob, (unsigned long long)have,
				 (unsigned long long)attach_encrypted_size(
				     a->desc->size));
			return LIA_EPARSE;
		}
	}
	return 0;
}

/* This node is the hub of an envelope for others (checked by rx_check
 * with the sender's card, never opened): queue it, byte for byte, to each
 * recipient, in the same transaction as its seen id and an audit row. No
 * receipt: the sender waits for the recipients' own, which come back
 * through this node the same way. */
static int forward_one(struct node *n, const struct envelope_header *h,
		       const char *id, const uint8_t *bytes, size_t len,
		       enum node_rx *res, char env_id[33], struct diag *d)
{
	const char *rcpt[ENVELOPE_RECIPIENTS_MAX];
	struct store_outbound fw;
	struct store_inbound in;
	struct strbuf detail;
	char actor[64];
	size_t nr = 0;
	int err;

	strbuf_init(&detail, DETAIL_MAX);
	if ((err = store_seen(n->store, id, d)) < 0)
		goto out;
	if (err == 1)
		goto dup;
	/* To the recipients this node reaches itself (one named hub, not
	 * a chain of them). An envelope to several agencies names the hub
	 * of those reached through it; the others receive it directly from
	 * the sender, and any that get it both ways answer "duplicate". */
	for (size_t i = 0; i < h->n_recipients; i++) {
		char hub[MARKING_CODE_MAX + 1];
		struct diag di;

		if (!peer_route(n, h->recipients[i], hub, &di) && !hub[0])
			rcpt[nr++] = h->recipients[i];
	}
	if (!nr) {
		diag_set(d,
			 "envelope %s: this hub reaches none of its "
			 "recipients",
			 id);
		err = LIA_EDENIED;
		goto out;
	}
	err = strbuf_addf(&detail, "relay of %s from %s to",
			  envelope_kind_name(h->kind), h->sender);
	for (size_t i = 0; i < nr && !err; i++)
		err = strbuf_addf(&detail, "%s%s", i ? "," : " ", rcpt[i]);
	if (err)
		goto out;
	snprintf(actor, sizeof(actor), "peer:%s", h->sender);
	fw = (struct store_outbound){
	    .env_id = id,
	    .kind = "relay",
	    .subject = "",
	    .case_ref = h->case_ref,
	    .created = h->created,
	    .expires = h->expires,
	    .bytes = bytes,
	    .len = len,
	    .recipients = rcpt,
	    .n_recipients = nr,
	    .actor = "node",
	    .detail = detail.buf,
	};
	in = (struct store_inbound){
	    .env_id = id,
	    .sender = h->sender,
	    .kind = envelope_kind_name(h->kind),
	    .priority = envelope_priority_name(h->priority),
	    .case_ref = h->case_ref,
	    .subject = "",
	    .marking = h->marking,
	    .created = h->created,
	    .expires = h->expires,
	    .bytes = bytes,
	    .len = len,
	    .keep = false, /* nothing to read here: it is not ours */
	    .actor = actor,
	    .detail = detail.buf,
	    .reply = &fw,
	};
	if ((err = store_inbound_apply(n->store, &in, d))) {
		if (err == LIA_EEXIST)
			goto dup;
		goto out;
	}
	*res = NODE_RX_STORED;
	memcpy(env_id, id, 33);
	goto out;
dup:
	err = 0;
	*res = NODE_RX_DUPLICATE;
	memcpy(env_id, id, 33);
out:
	strbuf_release(&detail);
	return err;
}

/* One envelope from peer_agency, whose pinned card the caller loaded.
 * With rr (a batch) the receipt is left to the caller, which seals one
 * for the whole batch; without, one is queued with the envelope. */
static int receive_one(struct node *n, const struct identity *me,
		       const struct identity_card *card,
		       const char *peer_agency, const uint8_t *bytes,
		       size_t len, int64_t now, struct rx_pre *pre,
		       struct rx_receipts *rr, enum node_rx *res,
		       char env_id[33], struct diag *d)
{
	struct rx_pre own;
	struct identity_card scard = {0};
	struct envelope *env = NULL;
	const struct envelope_header *h;
	struct node_message *msg = NULL;
	struct node_qanswer qa;
	struct node_release_rx rrx;
	struct node_answer ans;
	struct node_witness_rx wrx = {0};
	struct strbuf adetail;
	struct store_inbound in;
	struct store_outbound reply, answer;
	struct peer_key key;
	uint8_t *body = NULL, *rbytes = NULL;
	size_t body_len = 0;
	char id[33], rid[33], detail[256], csubject[160];
	char(*for_ids)[33] = NULL;
	const char *rcpt[1], **delivered = NULL;
	size_t n_for = 0;
	int err;

	memset(&qa, 0, sizeof(qa));
	memset(&rrx, 0, sizeof(rrx));
	memset(&own, 0, sizeof(own));
	strbuf_init(&adetail, DETAIL_MAX);
	if (!pre) {
		pre = &own;
		(void)rx_check(n->cfg.agency, me, card, peer_agency, bytes, len,
			       now, pre);
	}
	/* This function owns the checked envelope and its body now. */
	env = pre->env;
	body = pre->body;
	body_len = pre->body_len;
	pre->env = NULL;
	pre->body = NULL;
	if ((err = pre->err)) {
		if (d)
			*d = pre->d;
		goto out;
	}
	if (pre->via_hub) {
		/* Brought by the hub the header names: everything is checked
		 * again with the card of the sender. Its receipt goes to the
		 * sender alone (through the sender's hub), not in the hub's
		 * batch receipt. */
		char sender[MARKING_CODE_MAX + 1];

		(void)str_copy(sender, sizeof(sender),
			       envelope_get_header(env)->sender);
		envelope_free(env);
		env = NULL;
		if ((err = node_peer_card(n, sender, &scard, NULL, 0, d))) {
			diag_prefix(d, "relayed by %s: ", peer_agency);
			goto out;
		}
		memset(&own, 0, sizeof(own));
		(void)rx_check(n->cfg.agency, me, &scard, sender, bytes, len,
			       now, &own);
		env = own.env;
		body = own.body;
		body_len = own.body_len;
		own.env = NULL;
		own.body = NULL;
		if ((err = own.err)) {
			if (d)
				*d = own.d;
			goto out;
		}
		if (own.via_hub || own.forward) {
			diag_set(d, "relayed by %s but not addressed to %s",
				 peer_agency, n->cfg.agency);
			err = LIA_EDENIED;
			goto out;
		}
		card = &scard;
		rr = NULL;
	}
	h = envelope_get_header(env);
	envelope_id_hex(h->id, id);
	if (pre->forward) {
		err = forward_one(n, h, id, bytes, len, res, env_id, d);
		goto out;
	}
	/* Cheap early answer for a replay; store_inbound_apply checks
	 * again under the write lock. */
	if ((err = store_seen(n->store, id, d)) < 0)
		goto out;
	if (err == 1) {
		if ((err = requeue_receipt(n, me, card, h, id, now, rr, d)))
			goto out;
		*res = NODE_RX_DUPLICATE;
		memcpy(env_id, id, sizeof(id));
		goto out;
	}
	in = (struct store_inbound){
	    .env_id = id,
	    .sender = h->sender,
	    .kind = envelope_kind_name(h->kind),
	    .priority = envelope_priority_name(h->priority),
	    .case_ref = h->case_ref,
	    .subject = "",
	    .marking = h->marking,
	    .created = h->created,
	    .expires = h->expires,
	    .bytes = bytes,
	    .len = len,
	    .keep = true,
	    .actor = detail,
	    .detail = NULL,
	};
	snprintf(detail, sizeof(detail), "peer:%s", h->sender);
	if (h->kind == ENVELOPE_RECEIPT) {
		if (!(for_ids =
			  malloc(STORE_DELIVERED_MAX * sizeof(*for_ids))) ||
		    !(delivered =
			  malloc(STORE_DELIVERED_MAX * sizeof(*delivered)))) {
			err = LIA_ENOMEM;
			goto out;
		}
		if ((err = node_receipt_parse(body, body_len, for_ids,
					      STORE_DELIVERED_MAX, &n_for, d)))
			goto out;
		for (size_t i = 0; i < n_for; i++)
			delivered[i] = for_ids[i];
		in.keep = false;
		in.delivered = delivered;
		in.n_delivered = n_for;
	} else {
		if (h->kind == ENVELOPE_MESSAGE) {
			if ((err = node_message_parse(
				 body, body_len, &n->cfg.ladder, &msg, d)) ||
			    (err = blobs_complete(n, id, msg, d)) ||
			    (err = store_records(n, h, id, msg, d)))
				goto out;
			/* The files now belong to the message, not to the
			 * peer's pending uploads: out of its quota, never
			 * expired. Done before the commit: a failure after it
			 * leaves a blob that is merely never pruned. */
			for (size_t i = 0; i < msg->n_attach; i++)
				if (msg->attach[i].blob[0])
					node_blob_disown(n->home, peer_agency,
							 msg->attach[i].blob);
			in.subject = msg->subject;
		}
		identity_card_peer_key(card, &key);
		if (h->kind == ENVELOPE_QUERY) {
			/* Answered at once, in the same transaction as the
			 * receipt: a query is never left unanswered. */
			if ((err = node_qanswer_build(n, me, h, id, &key, body,
						      body_len, now, &qa, d)))
				goto out;
			in.subject = "hit/no-hit query";
			in.detail = qa.detail;
		} else if (h->kind == ENVELOPE_ANSWER) {
			if ((err = node_answer_parse(body, body_len, &ans, d)))
				goto out;
			err = strbuf_addf(&adetail,
					  "answer from %s to query "
					  "%s: %s",
					  h->sender, ans.query,
					  ans.n_hits ? "hit" : "no-hit");
			for (size_t i = 0; i < ans.n_hits && !err; i++)
				err = strbuf_addf(&adetail, "%s%s (%.2f)",
						  i ? ", " : "; refs ",
						  ans.hits[i].ref,
						  ans.hits[i].score);
			if (err)
				goto out;
			in.subject = "answer";
			in.detail = adetail.buf;
		} else if (h->kind == ENVELOPE_ALERT ||
			   h->kind == ENVELOPE_ALERT_WITHDRAW ||
			   h->kind == ENVELOPE_HIT) {
			if ((err = node_alert_receive(n, h, id, body, body_len,
						      &in.subject, d)))
				goto out;
		} else if (h->kind >= ENVELOPE_LEDGER_HEAD &&
			   h->kind <= ENVELOPE_LEDGER_PROBLEM) {
			/* Witnessing (witness.c): the reply goes out with
			 * the receipt, like a query's answer. */
			if ((err =
				 node_witness_receive(n, me, card, h, id, body,
						      body_len, now, &wrx, d)))
				goto out;
			in.subject = wrx.subject;
			in.answer = wrx.has_reply ? &wrx.reply : NULL;
			in.keep = false; /* witness.c keeps what matters */
		} else if (h->kind == ENVELOPE_CUSTODY_TRANSFER ||
			   h->kind == ENVELOPE_CUSTODY_RECEIPT) {
			/* Custody (custody.c): the bundle is checked and kept
			 * in the custody inbox, which is what matters. */
			if ((err = node_custody_receive(n, card, h, id, body,
							body_len, now, csubject,
							sizeof(csubject), d)))
				goto out;
			in.subject = csubject;
			in.keep = false;
		}
		if (h->kind == ENVELOPE_REQUEST ||
		    h->kind == ENVELOPE_RELEASE ||
		    h->kind == ENVELOPE_REFUSAL) {
			struct node_message rm = {0};

			if ((err = node_release_rx(n, h, id, body, body_len,
						   now, &rrx, d)))
				goto out;
			/* A released record is stored under its marking like
			 * a message's records. */
			rm.records = &rrx.rel.record;
			rm.n_records = rrx.rel.record.entity ? 1 : 0;
			if ((err = store_records(n, h, id, &rm, d)))
				goto out;
			in.subject = rrx.subject;
			in.detail = rrx.detail;
			if (h->kind == ENVELOPE_REQUEST)
				in.request = &rrx.sreq;
		}
		/* Every kept envelope is acknowledged with a signed
		 * receipt through the outbox, in the same transaction, so it
		 * survives a crash like any message (in a batch, the batch's
		 * one receipt is queued in the batch's transaction). */
		if (!rr) {
			if ((err =
				 receipt_for(n, me, h, &key, id, "receipt", now,
					     rcpt, rid, &reply, &rbytes, d)))
				goto out;
			in.reply = &reply;
		}
		if (qa.bytes) {
			rcpt[0] = h->sender;
			answer = (struct store_outbound){
			    .env_id = qa.id,
			    .kind = "answer",
			    .subject = "hit/no-hit answer",
			    .case_ref = h->case_ref,
			    .reply_to = id,
			    .created = qa.created,
			    .expires = qa.expires,
			    .bytes = qa.bytes,
			    .len = qa.len,
			    .recipients = rcpt,
			    .n_recipients = 1,
			    .actor = "node",
			    .detail = qa.detail,
			};
			in.answer = &answer;
			in.refs = qa.qrefs;
			in.n_refs = qa.n_refs;
		}
	}
	/* Without a more specific line the audit row still says what came
	 * from whom, to whom and in which case. */
	if (!in.detail) {
		err = strbuf_addf(&adetail, "%s from %s to",
				  envelope_kind_name(h->kind), h->sender);
		for (size_t i = 0; i < h->n_recipients && !err; i++)
			err = strbuf_addf(&adetail, "%s%s", i ? "," : " ",
					  h->recipients[i]);
		if (!err && h->case_ref[0])
			err = strbuf_addf(&adetail, "; case %s", h->case_ref);
		if (!err && n_for)
			err = strbuf_addf(&adetail, "; for %zu envelope(s)",
					  n_for);
		if (err)
			goto out;
		in.detail = adetail.buf;
	}
	if ((err = store_inbound_apply(n->store, &in, d))) {
		if (err == LIA_EEXIST) {
			err = 0;
			if (rr && h->kind != ENVELOPE_RECEIPT)
				receipts_add(rr, id);
			*res = NODE_RX_DUPLICATE;
			memcpy(env_id, id, sizeof(id));
		}
		goto out;
	}
	if (rr && h->kind != ENVELOPE_RECEIPT)
		receipts_add(rr, id);
	*res = NODE_RX_STORED;
	memcpy(env_id, id, sizeof(id));
	if (h->kind == ENVELOPE_REQUEST)
		node_release_policy_apply(n, me, id);
out:
	if (body) {
		sodium_memzero(body, body_len);
		free(body);
	}
	free(rbytes);
	node_qanswer_release(&qa);
	node_witness_rx_release(&wrx);
	node_release_rx_release(&rrx);
	strbuf_release(&adetail);
	node_message_free(msg);
	free(for_ids);
	free(delivered);
	envelope_free(env);
	identity_card_free(&scard);
	return err;
}

int node_receive(struct node *n, const struct identity *me,
		 const char *peer_agency, const uint8_t *bytes, size_t len,
		 int64_t now, enum node_rx *res, char env_id[33],
		 struct diag *d)
{
	struct identity_card card = {0};
	int err;

	if ((err = node_peer_card(n, peer_agency, &card, NULL, 0, d)))
		return err;
	err = receive_one(n, me, &card, peer_agency, bytes, len, now, NULL,
			  NULL, res, env_id, d);
	identity_card_free(&card);
	return err;
}

/* The one receipt of a batch, for every id in rr, queued inside the
 * batch's transaction. */
static int queue_batch_receipt(struct node *n, const struct identity *me,
			       const struct identity_card *card, const char *to,
			       const struct rx_receipts *rr, int64_t now,
			       struct diag *d)
{
	struct store_outbound o;
	struct peer_key key;
	struct strbuf body;
	uint8_t *rb = NULL;
	char rid[33], detail[64];
	const char *rcpt[1];
	int err;

	strbuf_init(&body, NODE_RECEIPT_BODY_MAX);
	err = strbuf_addstr(&body, "{\"for\":[");
	for (size_t i = 0; i < rr->n && !err; i++)
		err = strbuf_addf(&body, "%s\"%s\"", i ? "," : "", rr->ids[i]);
	if (!err)
		err = strbuf_addstr(&body, "],\"v\":1}");
	if (err)
		goto out;
	identity_card_peer_key(card, &key);
	snprintf(detail, sizeof(detail), "receipt for %zu envelope(s)", rr->n);
	if ((err = receipt_row(me, to, "", &key, body.buf, "", rr->ids[0],
			       detail, now, rcpt, rid, &o, &rb, d)))
		goto out;
	err = store_outbox_add(n->store, &o, d);
out:
	free(rb);
	strbuf_release(&body);
	return err;
}

/* The checks of a batch (rx_check) on two threads: this one takes the
 * even items, a helper thread the odd ones. Without the thread (it could
 * not be started) this thread does all; the outcome is the same. */
struct rx_job {
	const char *self;
	const struct identity *me;
	const struct identity_card *card;
	const char *peer;
	const struct batch_item *items;
	struct rx_pre *pre;
	size_t count, first, step;
	int64_t now;
};

static void *rx_job_run(void *arg)
{
	struct rx_job *j = arg;

	for (size_t i = j->first; i < j->count; i += j->step)
		(void)rx_check(j->self, j->me, j->card, j->peer,
			       j->items[i].bytes, j->items[i].len, j->now,
			       &j->pre[i]);
	return NULL;
}

static void rx_check_all(struct rx_job *mine)
{
	struct rx_job other = *mine;
	pthread_t th;
	bool helper;

	/* A thread costs more than checking a handful of envelopes. */
	mine->step = other.step = 2;
	mine->first = 0;
	other.first = 1;
	helper =
	    mine->count >= 8 && !pthread_create(&th, NULL, rx_job_run, &other);
	if (!helper)
		mine->step = 1;
	rx_job_run(mine);
	if (helper)
		pthread_join(th, NULL);
}

int node_receive_batch(struct node *n, const struct identity *me,
		       const char *peer_agency, const struct batch_item *items,
		       size_t count, int64_t now, struct node_rx_result *res,
		       struct diag *d)
{
	struct identity_card card = {0};
	struct rx_receipts *rr = NULL;
	struct rx_pre *pre = NULL;
	struct rx_job job;
	bool open = false;
	int err;

	if (!count || count > BATCH_COUNT_MAX || !items || !res)
		return LIA_EINVAL;
	rr = calloc(1, sizeof(*rr));
	pre = calloc(count, sizeof(*pre));
	if (!rr || !pre) {
		err = LIA_ENOMEM;
		goto out;
	}
	/* The sender's card is read and checked once for the batch. */
	if ((err = node_peer_card(n, peer_agency, &card, NULL, 0, d)))
		goto out;
	/* Signatures and decryption before the transaction, in parallel:
	 * the write lock is held only for the store's part. */
	job = (struct rx_job){.self = n->cfg.agency,
			      .me = me,
			      .card = &card,
			      .peer = peer_agency,
			      .items = items,
			      .pre = pre,
			      .count = count,
			      .now = now};
	rx_check_all(&job);
	if ((err = store_batch_begin(n->store, d)))
		goto out;
	open = true;
	for (size_t i = 0; i < count; i++) {
		struct node_rx_result *r = &res[i];
		struct diag di;

		memset(r, 0, sizeof(*r));
		diag_clear(&di);
		if ((err = store_batch_item(n->store, true, true, d)))
			goto out;
		r->err = receive_one(n, me, &card, peer_agency, items[i].bytes,
				     items[i].len, now, &pre[i], rr, &r->rx,
				     r->id, &di);
		if (r->err)
			diag_format(&di, r->why, sizeof(r->why));
		/* A refused envelope leaves nothing behind; the others
		 * stay. */
		if ((err = store_batch_item(n->store, false, !r->err, d)))
			goto out;
	}
	if (rr->n &&
	    (err = queue_batch_receipt(n, me, &card, peer_agency, rr, now, d)))
		goto out;
	open = false;
	err = store_batch_end(n->store, true, d);
out:
	if (open)
		(void)store_batch_end(n->store, false, NULL);
	for (size_t i = 0; pre && i < count; i++)
		rx_pre_release(&pre[i]);
	identity_card_free(&card);
	free(pre);
	free(rr);
	return err;
}

/* -------------------------------------------------------------- read */

/* Decrypt one attachment into dir/name, created only when the whole file
 * decrypted and matched its size and SHA-256. */
static int save_attachment(const char *home, const struct node_msg_attach *a,
			   const char *dir, struct diag *d)
{
	char path[PATH_MAX], part[PATH_MAX + 8];
	FILE *in = NULL, *out = NULL;
	int fd, err = 0, k;

	k = snprintf(path, sizeof(path), "%s/%s", dir, a->desc->name);
	if (k < 0 || (size_t)k >= sizeof(path) ||
	    snprintf(part, sizeof(part), "%s.part", path) < 0) {
		diag_set(d, "attachment path too long");
		return LIA_ETOOBIG;
	}
	fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || !(out = fdopen(fd, "wb"))) {
		diag_set(d, "%s: %s", part, strerror(errno));
		if (fd >= 0)
			close(fd);
		return LIA_EIO;
	}
	if (a->blob[0]) {
		/* Version 2: decrypted from the received file, streaming. */
		char bp[PATH_MAX];

		k = snprintf(bp, sizeof(bp), "%s/blobs/%s", home, a->blob);
		if (k < 0 || (size_t)k >= sizeof(bp) ||
		    !(in = fopen(bp, "rb"))) {
			diag_set(d, "attachment %s: %s", a->blob,
				 strerror(errno));
			err = LIA_EIO;
			goto out;
		}
	} else if (!(in = fmemopen(a->data, a->len, "rb"))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = attach_decrypt(in, out, a->desc, d)))
		goto out;
	if (fflush(out) || fsync(fileno(out))) {
		diag_set(d, "%s: %s", part, strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	if (link(part, path)) {
		diag_set(d, "%s: %s", path, strerror(errno));
		err = errno == EEXIST ? LIA_EEXIST : LIA_EIO;
	}
out:
	if (in)
		fclose(in);
	fclose(out);
	unlink(part);
	return err;
}

static int read_json(const char *home, const struct store_in_msg *im,
		     const struct envelope_header *h,
		     const struct node_message *m, const char *save_dir,
		     json_t **out, struct diag *d)
{
	json_t *o = NULL, *recs = NULL, *atts = NULL;
	char hex[65];
	int err = LIA_ENOMEM;

	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "id", im->env_id,
		      "sender", im->sender, "kind", im->kind, "priority",
		      envelope_priority_name(h->priority), "case", h->case_ref,
		      "created", (json_int_t)h->created, "expires",
		      (json_int_t)h->expires, "received", im->received,
		      "marking", h->marking);
	recs = json_array();
	atts = json_array();
	if (!o || !recs || !atts)
		goto out;
	if (m) {
		if (json_object_set_new(o, "subject",
					json_string(m->subject)) ||
		    json_object_set_new(o, "text", json_string(m->text)) ||
		    (m->reply_to[0] &&
		     json_object_set_new(o, "reply_to",
					 json_string(m->reply_to))))
			goto out;
		for (size_t i = 0; i < m->n_records; i++) {
			json_t *ej = NULL, *mj = NULL, *r;
			if ((err =
				 entity_to_jansson(m->records[i].entity, &ej)))
				goto out;
			if ((err = marking_to_json(&m->records[i].marking,
						   &mj))) {
				json_decref(ej);
				goto out;
			}
			err = LIA_ENOMEM;
			r = json_pack("{s:o,s:o}", "entity", ej, "marking", mj);
			if (!r || json_array_append_new(recs, r))
				goto out;
		}
		for (size_t i = 0; i < m->n_attach; i++) {
			const struct attach_desc *ad = m->attach[i].desc;
			json_t *a;

			sodium_bin2hex(hex, sizeof(hex), ad->sha256, 32);
			a = json_pack("{s:s,s:s,s:I,s:s}", "name", ad->name,
				      "media_type", ad->media_type, "size",
				      (json_int_t)ad->size, "sha256", hex);
			if (!a || json_array_append_new(atts, a))
				goto out;
			if (save_dir && (err = save_attachment(
					     home, &m->attach[i], save_dir, d)))
				goto out;
			err = LIA_ENOMEM;
		}
	}
	if (json_object_set(o, "records", recs) ||
	    json_object_set(o, "attachments", atts))
		goto out;
	*out = o;
	o = NULL;
	err = 0;
out:
	json_decref(o);
	json_decref(recs);
	json_decref(atts);
	return err;
}

int node_read(struct node *n, const struct identity *me, const char *env_id,
	      const char *actor, const char *save_dir, json_t **out,
	      struct diag *d)
{
	struct store_in_msg *im = NULL;
	struct envelope *env = NULL;
	struct identity_card card = {0};
	struct node_message *m = NULL;
	uint8_t *body = NULL;
	size_t body_len = 0;
	json_t *o = NULL;
	int err;

	if ((err = store_inbox_get(n->store, env_id, &im, d)) ||
	    (err = envelope_parse(im->bytes, im->len, &env, d)) ||
	    (err = node_peer_card(n, im->sender, &card, NULL, 0, d)))
		goto out;
	/* Verified again: the store is not trusted more than the wire. */
	if ((err = envelope_verify(env, card.sign_pk))) {
		diag_set(d, "message %s: signature does not verify", env_id);
		goto out;
	}
	if (envelope_get_header(env)->kind == ENVELOPE_MESSAGE &&
	    ((err = envelope_open(env, me, &body, &body_len, d)) ||
	     (err = node_message_parse(body, body_len, &n->cfg.ladder, &m, d))))
		goto out;
	if ((err = read_json(n->home, im, envelope_get_header(env), m, save_dir,
			     &o, d)) ||
	    (err = store_inbox_mark_read(
		 n->store, env_id, actor,
		 save_dir ? "read, attachments saved" : "read", d)))
		goto out;
	*out = o;
	o = NULL;
out:
	json_decref(o);
	if (body) {
		sodium_memzero(body, body_len);
		free(body);
	}
	node_message_free(m);
	identity_card_free(&card);
	envelope_free(env);
	store_in_msg_free(im);
	return err;
}
