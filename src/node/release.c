/*
 * release.c - the follow-up to a hit: a request for the record behind an
 * opaque reference, the owner's approval (a release of the record under
 * its marking) or refusal, and the release policy that approves some
 * requests without a person.
 *
 * The owner checks every request against query_refs: the reference must
 * exist, have been given to the agency asking, be younger than a
 * message's lifetime and have no other open request. An approval goes
 * through the same handling rules as node_send at the moment of release,
 * because the marking may have changed since the hit was reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "liaison/entity.h"
#include "liaison/identity.h"
#include "liaison/strbuf.h"
#include "node_int.h"

/* The audit trail's limit on a detail (store_int.h). */
#define DETAIL_MAX 8192
#define SMALL_BODY_MAX 4096 /* a request or refusal body */

/* ----------------------------------------------------------- parsers */

int node_request_parse(const uint8_t *body, size_t len,
		       struct node_request_body *out, struct diag *d)
{
	static const char *const keys[] = {"v", "ref", "reason"};
	struct node_request_body r;
	json_t *o = NULL;
	int err;

	if ((err = node_body_load(body, len, SMALL_BODY_MAX, "request", keys, 3,
				  &o, d)))
		return err;
	if ((err = node_body_text(o, "ref", r.ref, sizeof(r.ref), NODE_REQUIRED,
				  "request", d)) ||
	    (err = node_body_text(o, "reason", r.reason, sizeof(r.reason),
				  NODE_OPTIONAL, "request", d)))
		goto out;
	if (!node_hex32(r.ref)) {
		diag_set(d, "request: \"ref\" must be 32 hex digits");
		err = LIA_EPARSE;
		goto out;
	}
	*out = r;
out:
	json_decref(o);
	return err;
}

void node_release_free(struct node_release *r)
{
	if (!r)
		return;
	entity_free(r->record.entity);
	marking_free(&r->record.marking);
	r->record.entity = NULL;
}

int node_release_parse(const uint8_t *body, size_t len, const struct ladder *l,
		       bool release, struct node_release *out, struct diag *d)
{
	static const char *const keys[] = {"v", "request", "ref", "reason",
					   "record"};
	const char *what = release ? "release" : "refusal";
	struct node_release r;
	const json_t *rj;
	json_t *o = NULL;
	int err;

	memset(&r, 0, sizeof(r));
	marking_init(&r.record.marking);
	if ((err = node_body_load(
		 body, len, release ? NODE_RELEASE_BODY_MAX : SMALL_BODY_MAX,
		 what, keys, release ? 5 : 4, &o, d)))
		return err;
	if ((err = node_body_text(o, "request", r.request, sizeof(r.request),
				  NODE_REQUIRED, what, d)) ||
	    (err = node_body_text(o, "ref", r.ref, sizeof(r.ref), NODE_REQUIRED,
				  what, d)) ||
	    (err = node_body_text(o, "reason", r.reason, sizeof(r.reason),
				  release ? NODE_OPTIONAL : NODE_REQUIRED, what,
				  d)))
		goto out;
	if (!node_hex32(r.request) || !node_hex32(r.ref)) {
		diag_set(d,
			 "%s: \"request\" and \"ref\" must be 32 hex "
			 "digits",
			 what);
		err = LIA_EPARSE;
		goto out;
	}
	/* A refusal without a reason is not a decision anyone can act on. */
	if (!release && !r.reason[0]) {
		diag_set(d, "refusal: \"reason\" is empty");
		err = LIA_EPARSE;
		goto out;
	}
	if (release) {
		if (!(rj = json_object_get(o, "record"))) {
			diag_set(d, "release: \"record\" missing");
			err = LIA_EPARSE;
			goto out;
		}
		if ((err = node_msg_record_parse(rj, l, &r.record, d))) {
			diag_prefix(d, "release: ");
			goto out;
		}
	}
	*out = r;
	memset(&r, 0, sizeof(r));
out:
	node_release_free(&r);
	json_decref(o);
	return err;
}

/* ------------------------------------------------------------ policy */

int node_policy_from_json(const json_t *v, const struct ladder *l,
			  struct node_release_policy *out, struct diag *d)
{
	struct node_release_policy p;
	const json_t *a, *mc, *e;
	const char *k;
	json_t *x;
	size_t i;

	memset(&p, 0, sizeof(p));
	if (!v) {
		*out = p;
		return 0;
	}
	if (!json_is_object(v)) {
		diag_set(d, "release_policy must be an object");
		return LIA_ECONFIG;
	}
	json_object_foreach ((json_t *)v, k, x) {
		if (strcmp(k, "auto_approve") &&
		    strcmp(k, "max_classification")) {
			diag_set(d, "release_policy: unknown key \"%.40s\"", k);
			return LIA_ECONFIG;
		}
	}
	a = json_object_get(v, "auto_approve");
	mc = json_object_get(v, "max_classification");
	if (!json_is_array(a) ||
	    json_array_size(a) > NODE_POLICY_AGENCIES_MAX ||
	    !json_is_string(mc)) {
		diag_set(d,
			 "release_policy needs \"auto_approve\" (at most %d "
			 "agency codes) and \"max_classification\"",
			 NODE_POLICY_AGENCIES_MAX);
		return LIA_ECONFIG;
	}
	if (marking_ladder_index(l, json_string_value(mc)) < 0 ||
	    str_copy(p.max_classification, sizeof(p.max_classification),
		     json_string_value(mc))) {
		diag_set(d,
			 "release_policy: \"%.40s\" is not a level of the "
			 "classification ladder",
			 json_string_value(mc));
		return LIA_ECONFIG;
	}
	json_array_foreach (a, i, e) {
		const char *s = json_is_string(e) ? json_string_value(e) : "";

		if (!identity_agency_ok(s, strlen(s)) ||
		    str_copy(p.auto_approve[i], sizeof(p.auto_approve[i]), s)) {
			diag_set(d,
				 "release_policy: auto_approve entry %zu is "
				 "not an agency code",
				 i + 1);
			return LIA_ECONFIG;
		}
	}
	p.n_auto = json_array_size(a);
	*out = p;
	return 0;
}

bool node_policy_allows(const struct node_release_policy *p,
			const struct ladder *l, const char *asker,
			const struct marking *m)
{
	int max, lvl;
	bool named = false;

	if (!p || !l || !asker || !m || !p->n_auto)
		return false;
	for (size_t i = 0; i < p->n_auto && !named; i++)
		named = !strcmp(p->auto_approve[i], asker);
	max = marking_ladder_index(l, p->max_classification);
	lvl = marking_ladder_index(l, m->classification);
	/* An unknown level is above every limit. */
	return named && max >= 0 && lvl >= 0 && lvl <= max;
}

/* ------------------------------------------------------------ sealing */

/* Seal body to one partner with marking m (NULL: this node's defaults)
 * and queue nothing: *env and h describe the result. */
static int seal_to(struct node *n, const struct identity *me, const char *to,
		   enum envelope_kind kind, const struct marking *m,
		   const char *body, uint8_t **env, size_t *env_len,
		   struct envelope_header *h, char id[33], struct diag *d)
{
	struct identity_card c = {0};
	struct peer_key key;
	struct marking dm;
	char *mjson = NULL;
	int err;

	marking_init(&dm);
	memset(h, 0, sizeof(*h));
	if ((err = node_peer_card(n, to, &c, NULL, 0, d))) {
		if (err == LIA_ENOTFOUND)
			diag_set(d, "%s is not a pinned peer", to);
		goto out;
	}
	identity_card_peer_key(&c, &key);
	if (!m) {
		if ((err = marking_copy(&dm, &n->cfg.defaults)))
			goto out;
		(void)str_copy(dm.agency, sizeof(dm.agency), n->cfg.agency);
		m = &dm;
	}
	if ((err = envelope_marking_json(m, &mjson)))
		goto out;
	envelope_id_new(h->id);
	(void)str_copy(h->sender, sizeof(h->sender), n->cfg.agency);
	(void)str_copy(h->recipients[0], sizeof(h->recipients[0]), to);
	h->n_recipients = 1;
	h->created = (int64_t)time(NULL);
	h->expires = h->created + NODE_MSG_TTL;
	h->kind = kind;
	h->priority = ENVELOPE_ROUTINE;
	h->marking = mjson;
	if (!(err = node_hub_for(n, &to, 1, h->hub, d)))
		err = envelope_seal(me, h, &key, 1, (const uint8_t *)body,
				    strlen(body), env, env_len, d);
	h->marking = NULL;
	if (!err)
		envelope_id_hex(h->id, id);
out:
	free(mjson);
	marking_free(&dm);
	identity_card_free(&c);
	return err;
}

/* ----------------------------------------------------------- request */

/* The partner that answered with ref, and the query, from the answers
 * received (verified again by node_queries). */
static int find_ref(struct node *n, const struct identity *me, const char *ref,
		    char agency[MARKING_CODE_MAX + 1], char query[33],
		    struct diag *d)
{
	json_t *list = NULL, *q, *h;
	size_t i, k;
	int err;

	if ((err = node_queries(n, me, &list, d)))
		return err;
	err = LIA_ENOTFOUND;
	json_array_foreach (list, i, q) {
		json_array_foreach (json_object_get(q, "hits"), k, h) {
			if (strcmp(json_string_value(json_object_get(h, "ref")),
				   ref))
				continue;
			if (str_copy(
				agency, MARKING_CODE_MAX + 1,
				json_string_value(json_object_get(q, "to"))) ||
			    str_copy(
				query, 33,
				json_string_value(json_object_get(q, "id"))))
				err = LIA_ESTORE;
			else
				err = 0;
			goto out;
		}
	}
	diag_set(d, "no answer received holds reference %.40s", ref);
out:
	json_decref(list);
	return err;
}

int node_request(struct node *n, const struct identity *me, const char *ref,
		 const char *reason, const char *actor, char env_id[33],
		 struct diag *d)
{
	struct envelope_header h;
	struct store_outbound o;
	char agency[MARKING_CODE_MAX + 1], query[33], id[33], subject[64];
	char *body = NULL, detail[NODE_REASON_MAX + 256];
	const char *rcpt[1] = {agency};
	uint8_t *env = NULL;
	size_t env_len = 0;
	json_t *bj = NULL;
	int err;

	if (!ref || !node_hex32(ref)) {
		diag_set(d, "a reference is 32 hex digits (see liaison "
			    "queries)");
		return LIA_EINVAL;
	}
	if (reason && strlen(reason) > NODE_REASON_MAX) {
		diag_set(d, "reason longer than %d bytes", NODE_REASON_MAX);
		return LIA_EINVAL;
	}
	if ((err = find_ref(n, me, ref, agency, query, d)))
		return err;
	if (!(bj = json_pack("{s:i,s:s}", "v", 1, "ref", ref)) ||
	    (reason && *reason &&
	     json_object_set_new(bj, "reason", json_string(reason)))) {
		diag_set(d, "reason is not valid UTF-8");
		err = LIA_EINVAL;
		goto out;
	}
	if (!(body = json_dumps(bj, JSON_COMPACT | JSON_SORT_KEYS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	/* What the owner will parse is checked here first. */
	{
		struct node_request_body chk;
		if ((err = node_request_parse((const uint8_t *)body,
					      strlen(body), &chk, d))) {
			err = LIA_EINVAL;
			goto out;
		}
	}
	if ((err = seal_to(n, me, agency, ENVELOPE_REQUEST, NULL, body, &env,
			   &env_len, &h, id, d)))
		goto out;
	/* The reference is opaque: naming it in the outbox lets `liaison
	 * queries` show the hit as requested without decrypting anything. */
	snprintf(subject, sizeof(subject), "request %s", ref);
	snprintf(detail, sizeof(detail),
		 "request to %s for reference %s (query %s); reason: %s",
		 agency, ref, query,
		 reason && *reason ? reason : "(none given)");
	o = (struct store_outbound){
	    .env_id = id,
	    .kind = "request",
	    .subject = subject,
	    .case_ref = "",
	    .created = h.created,
	    .expires = h.expires,
	    .bytes = env,
	    .len = env_len,
	    .recipients = rcpt,
	    .n_recipients = 1,
	    .actor = actor,
	    .detail = detail,
	};
	if ((err = store_outbox_add(n->store, &o, d)))
		goto out;
	memcpy(env_id, id, sizeof(id));
out:
	free(env);
	free(body);
	json_decref(bj);
	return err;
}

/* ---------------------------------------------------------- requests */

static int req_cb(const struct store_request *r, void *ctx)
{
	struct node *n = ((void **)ctx)[0];
	json_t *list = ((void **)ctx)[1];
	struct store_record *rec = NULL;
	json_t *o;

	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s*,s:s*,s:s*}", "id",
		      (json_int_t)r->id, "envelope", r->env_id, "from",
		      r->asker, "query", r->query_id, "ref", r->ref, "reason",
		      r->reason, "state", r->state, "received", r->created,
		      "decided_by", r->decided_by, "decided_at", r->decided_at,
		      "decision", r->decision);
	if (!o)
		return LIA_ENOMEM;
	/* The record and its caption are this node's own data, shown to its
	 * own people only; a record deleted since shows without caption. */
	if (json_object_set_new(o, "record", json_string(r->record_id)) ||
	    (!store_get(n->store, r->record_id, &rec, NULL) &&
	     json_object_set_new(o, "caption",
				 json_string(entity_caption(rec->entity)))) ||
	    json_array_append_new(list, o)) {
		store_record_free(rec);
		return LIA_ENOMEM;
	}
	store_record_free(rec);
	return 0;
}

int node_requests(struct node *n, json_t **out, struct diag *d)
{
	json_t *list = json_array();
	void *ctx[2] = {n, list};
	int err;

	if (!list)
		return LIA_ENOMEM;
	if ((err = store_request_each(n->store, 0, NULL, req_cb, ctx, d))) {
		json_decref(list);
		return err;
	}
	*out = list;
	return 0;
}

/* ------------------------------------------------------------ decide */

struct req_copy {
	int64_t id;
	char env_id[33], asker[MARKING_CODE_MAX + 1], ref[33], state[16];
	char *record_id;
};

static int copy_cb(const struct store_request *r, void *ctx)
{
	struct req_copy *c = ctx;

	if (c->record_id)
		return 0;
	c->id = r->id;
	if (str_copy(c->env_id, sizeof(c->env_id), r->env_id) ||
	    str_copy(c->asker, sizeof(c->asker), r->asker) ||
	    str_copy(c->ref, sizeof(c->ref), r->ref) ||
	    str_copy(c->state, sizeof(c->state), r->state))
		return LIA_ESTORE;
	return (c->record_id = strdup(r->record_id)) ? 0 : LIA_ENOMEM;
}

/* The rules of a release, on top of node_send's: only a record this node
 * originated, and never H3, whose conditions of use are agreed person to
 * person and cannot be accepted through a request. */
static int release_check(struct node *n, const char *id,
			 const struct marking *m, const char *asker,
			 struct diag *d)
{
	if (strcmp(m->agency, n->cfg.agency)) {
		diag_set(d,
			 "record %s: originated by %s, not this node: "
			 "not released on request",
			 id, m->agency);
		return LIA_EDENIED;
	}
	if (m->handling >= 3) {
		diag_set(d,
			 "record %s: handling H3 (conditions of use): not "
			 "released on request",
			 id);
		return LIA_EDENIED;
	}
	return node_handling_check(id, m, n->cfg.agency, asker, d);
}

static int release_body(const struct req_copy *r, const char *reason,
			const struct store_record *rec, char **out)
{
	json_t *o = NULL, *ej = NULL, *mj = NULL;
	int err;

	if ((err = entity_to_jansson(rec->entity, &ej)) ||
	    (err = marking_to_json(&rec->marking, &mj)))
		goto out;
	err = LIA_ENOMEM;
	if (json_object_set(ej, "marking", mj) ||
	    !(o = json_pack("{s:i,s:s,s:s,s:O}", "v", 1, "request", r->env_id,
			    "ref", r->ref, "record", ej)))
		goto out;
	if (reason && *reason &&
	    json_object_set_new(o, "reason", json_string(reason))) {
		err = LIA_EINVAL;
		goto out;
	}
	if ((*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)))
		err = 0;
out:
	json_decref(o);
	json_decref(ej);
	json_decref(mj);
	return err;
}

int node_decide(struct node *n, const struct identity *me, int64_t id,
		bool approve, const char *reason, const char *actor,
		char env_id[33], struct diag *d)
{
	struct req_copy r;
	struct store_record *rec = NULL;
	struct envelope_header h;
	struct store_outbound o;
	struct strbuf detail;
	const char *rcpt[1];
	char *body = NULL, eid[33], obj[64];
	uint8_t *env = NULL;
	size_t env_len = 0;
	json_t *bj = NULL;
	int err;

	memset(&r, 0, sizeof(r));
	strbuf_init(&detail, DETAIL_MAX);
	if (reason && strlen(reason) > NODE_REASON_MAX) {
		diag_set(d, "reason longer than %d bytes", NODE_REASON_MAX);
		return LIA_EINVAL;
	}
	if (!approve && (!reason || !*reason)) {
		diag_set(d, "a refusal needs a reason");
		return LIA_EINVAL;
	}
	if ((err = store_request_each(n->store, id, NULL, copy_cb, &r, d)))
		goto out;
	if (!r.record_id) {
		diag_set(d, "no request %lld", (long long)id);
		err = LIA_ENOTFOUND;
		goto out;
	}
	if (strcmp(r.state, "pending")) {
		diag_set(d, "request %lld was already decided (%s)",
			 (long long)id, r.state);
		err = LIA_EEXIST;
		goto out;
	}
	rcpt[0] = r.asker;
	snprintf(obj, sizeof(obj), "request %lld", (long long)id);
	if (approve) {
		if ((err = store_get(n->store, r.record_id, &rec, d)))
			goto out;
		if ((err = release_check(n, r.record_id, &rec->marking, r.asker,
					 d))) {
			/* The refused attempt is part of the trail too. */
			(void)store_audit(n->store, actor, "approve-denied",
					  obj, d ? d->msg : "", NULL);
			goto out;
		}
		if ((err = release_body(&r, reason, rec, &body)))
			goto out;
		err = seal_to(n, me, r.asker, ENVELOPE_RELEASE, &rec->marking,
			      body, &env, &env_len, &h, eid, d);
	} else {
		if (!(bj = json_pack("{s:i,s:s,s:s,s:s}", "v", 1, "request",
				     r.env_id, "ref", r.ref, "reason",
				     reason))) {
			diag_set(d, "reason is not valid UTF-8");
			err = LIA_EINVAL;
			goto out;
		}
		if (!(body = json_dumps(bj, JSON_COMPACT | JSON_SORT_KEYS))) {
			err = LIA_ENOMEM;
			goto out;
		}
		err = seal_to(n, me, r.asker, ENVELOPE_REFUSAL, NULL, body,
			      &env, &env_len, &h, eid, d);
	}
	if (err)
		goto out;
	if ((err = strbuf_addf(&detail,
			       "%s request %lld of %s for record %s "
			       "(reference %s); reason: %s",
			       approve ? "release to" : "refusal to",
			       (long long)id, r.asker, r.record_id, r.ref,
			       reason && *reason ? reason : "(none given)")))
		goto out;
	o = (struct store_outbound){
	    .env_id = eid,
	    .kind = approve ? "release" : "refusal",
	    .subject = approve ? "release" : "refusal",
	    .case_ref = "",
	    .reply_to = r.env_id,
	    .created = h.created,
	    .expires = h.expires,
	    .bytes = env,
	    .len = env_len,
	    .recipients = rcpt,
	    .n_recipients = 1,
	    .actor = actor,
	    .detail = detail.buf,
	};
	if ((err = store_request_decide(n->store, id,
					approve ? "approved" : "refused", actor,
					reason, &o, d)))
		goto out;
	memcpy(env_id, eid, sizeof(eid));
out:
	if (body) {
		sodium_memzero(body, strlen(body));
		free(body);
	}
	free(env);
	json_decref(bj);
	strbuf_release(&detail);
	store_record_free(rec);
	free(r.record_id);
	return err;
}

/* ----------------------------------------------------------- receive */

void node_release_rx_release(struct node_release_rx *rx)
{
	node_release_free(&rx->rel);
	free(rx->record_id);
	free(rx->detail);
	memset(rx, 0, sizeof(*rx));
}

/* Did this node ask `agency` for ref? A release or refusal nobody asked
 * for is refused. */
struct asked_ctx {
	const char *agency;
	char subject[64];
	bool found;
};

static int asked_cb(const struct store_msg_row *r, void *ctx)
{
	struct asked_ctx *c = ctx;

	if (!strcmp(r->kind, "request") && !strcmp(r->peer, c->agency) &&
	    !strcmp(r->subject, c->subject))
		c->found = true;
	return 0;
}

static int rx_request(struct node *n, const struct envelope_header *h,
		      const uint8_t *body, size_t len, int64_t now,
		      struct node_release_rx *rx, struct diag *d)
{
	char asker[MARKING_CODE_MAX + 1];
	int64_t created;
	int err;

	if ((err = node_request_parse(body, len, &rx->req, d)))
		return err;
	err = store_qref_get(n->store, rx->req.ref, &rx->record_id, asker,
			     rx->query_id, &created, d);
	if (err == LIA_ENOTFOUND || (!err && strcmp(asker, h->sender))) {
		/* The same answer for unknown and foreign references, so a
		 * partner cannot probe for references given to others. */
		diag_set(d, "request from %s: no such reference %s", h->sender,
			 rx->req.ref);
		return LIA_EDENIED;
	}
	if (err)
		return err;
	if (now - created > NODE_MSG_TTL) {
		diag_set(d, "request from %s: reference %s has expired",
			 h->sender, rx->req.ref);
		return LIA_EDENIED;
	}
	rx->sreq = (struct store_request){
	    .ref = rx->req.ref,
	    .record_id = rx->record_id,
	    .query_id = rx->query_id,
	    .reason = rx->req.reason,
	};
	(void)str_copy(rx->subject, sizeof(rx->subject), "record request");
	return 0;
}

int node_release_rx(struct node *n, const struct envelope_header *h,
		    const char *env_id, const uint8_t *body, size_t len,
		    int64_t now, struct node_release_rx *out, struct diag *d)
{
	struct node_release_rx rx;
	struct asked_ctx ac = {.agency = h->sender};
	struct strbuf detail;
	int err;

	memset(&rx, 0, sizeof(rx));
	strbuf_init(&detail, DETAIL_MAX);
	if (h->kind == ENVELOPE_REQUEST) {
		if ((err = rx_request(n, h, body, len, now, &rx, d)) ||
		    (err = strbuf_addf(&detail,
				       "request %s from %s for "
				       "reference %s = record %s "
				       "(query %s); reason: %s",
				       env_id, h->sender, rx.req.ref,
				       rx.record_id, rx.query_id,
				       rx.req.reason[0] ? rx.req.reason
							: "(none given)")))
			goto out;
	} else {
		bool rel = h->kind == ENVELOPE_RELEASE;

		if ((err = node_release_parse(body, len, &n->cfg.ladder, rel,
					      &rx.rel, d)))
			goto out;
		snprintf(ac.subject, sizeof(ac.subject), "request %s",
			 rx.rel.ref);
		if ((err = store_outbox_each(n->store, asked_cb, &ac, d)))
			goto out;
		if (!ac.found) {
			diag_set(d,
				 "%s from %s for reference %s that was not "
				 "requested",
				 rel ? "release" : "refusal", h->sender,
				 rx.rel.ref);
			err = LIA_EDENIED;
			goto out;
		}
		if (rel)
			err = strbuf_addf(
			    &detail,
			    "release from %s of record "
			    "%s for reference %s "
			    "(request %s); reason: %s",
			    h->sender, entity_id(rx.rel.record.entity),
			    rx.rel.ref, rx.rel.request,
			    rx.rel.reason[0] ? rx.rel.reason : "(none given)");
		else
			err = strbuf_addf(&detail,
					  "refusal from %s for "
					  "reference %s (request %s); "
					  "reason: %s",
					  h->sender, rx.rel.ref, rx.rel.request,
					  rx.rel.reason);
		if (err)
			goto out;
		(void)str_copy(rx.subject, sizeof(rx.subject),
			       rel ? "release" : "refusal");
	}
	if (!(rx.detail = strdup(detail.buf))) {
		err = LIA_ENOMEM;
		goto out;
	}
	*out = rx;
	/* Pointers into *out, not into the local copy. */
	if (h->kind == ENVELOPE_REQUEST) {
		out->sreq.ref = out->req.ref;
		out->sreq.record_id = out->record_id;
		out->sreq.query_id = out->query_id;
		out->sreq.reason = out->req.reason;
	}
	memset(&rx, 0, sizeof(rx));
out:
	node_release_rx_release(&rx);
	strbuf_release(&detail);
	return err;
}

struct pol_ctx {
	int64_t id;
	char asker[MARKING_CODE_MAX + 1];
	char *record_id;
};

static int pol_cb(const struct store_request *r, void *ctx)
{
	struct pol_ctx *c = ctx;

	if (c->record_id || strcmp(r->state, "pending") ||
	    str_copy(c->asker, sizeof(c->asker), r->asker))
		return 0;
	c->id = r->id;
	return (c->record_id = strdup(r->record_id)) ? 0 : LIA_ENOMEM;
}

void node_release_policy_apply(struct node *n, const struct identity *me,
			       const char *env_id)
{
	struct pol_ctx c = {0};
	struct store_record *rec = NULL;
	struct diag d;
	char eid[33];

	diag_clear(&d);
	if (!n->cfg.release_policy.n_auto ||
	    store_request_each(n->store, 0, env_id, pol_cb, &c, &d) ||
	    !c.record_id || store_get(n->store, c.record_id, &rec, &d))
		goto out;
	/* Anything the policy does not cover, or a handling rule refuses,
	 * waits for a person; the request stays pending. */
	if (node_policy_allows(&n->cfg.release_policy, &n->cfg.ladder, c.asker,
			       &rec->marking))
		(void)node_decide(n, me, c.id, true, "release policy", "policy",
				  eid, &d);
out:
	store_record_free(rec);
	free(c.record_id);
}

/* ----------------------------------------------------------- queries */

struct rel_ctx {
	json_t *list;
	json_t *ids;
};

/* Outbox requests mark their hit requested; inbox releases and refusals
 * are collected to be decrypted. */
static int rq_out_cb(const struct store_msg_row *r, void *ctx)
{
	struct rel_ctx *c = ctx;
	json_t *q, *h;
	size_t i, k;

	if (strcmp(r->kind, "request") || strncmp(r->subject, "request ", 8))
		return 0;
	json_array_foreach (c->list, i, q) {
		if (strcmp(json_string_value(json_object_get(q, "to")),
			   r->peer))
			continue;
		json_array_foreach (json_object_get(q, "hits"), k, h) {
			if (strcmp(json_string_value(json_object_get(h, "ref")),
				   r->subject + 8))
				continue;
			if (json_object_set_new(
				h, "release",
				json_pack("{s:s,s:s}", "state", "requested",
					  "request", r->env_id)))
				return LIA_ENOMEM;
		}
	}
	return 0;
}

static int rq_in_cb(const struct store_msg_row *r, void *ctx)
{
	struct rel_ctx *c = ctx;

	if (strcmp(r->kind, "release") && strcmp(r->kind, "refusal"))
		return 0;
	return json_array_append_new(c->ids, json_string(r->env_id))
		   ? LIA_ENOMEM
		   : 0;
}

static int apply_release(struct node *n, const struct identity *me,
			 const char *env_id, json_t *list, struct diag *d)
{
	struct store_in_msg *im = NULL;
	struct envelope *env = NULL;
	struct identity_card card = {0};
	struct node_release rel;
	uint8_t *body = NULL;
	size_t body_len = 0, i, k;
	json_t *q, *h;
	bool is_rel;
	int err;

	memset(&rel, 0, sizeof(rel));
	marking_init(&rel.record.marking);
	if ((err = store_inbox_get(n->store, env_id, &im, d)) ||
	    (err = envelope_parse(im->bytes, im->len, &env, d)) ||
	    (err = node_peer_card(n, im->sender, &card, NULL, 0, d)))
		goto out;
	/* Verified again: the store is not trusted more than the wire. */
	if ((err = envelope_verify(env, card.sign_pk))) {
		diag_set(d, "%s: signature does not verify", env_id);
		goto out;
	}
	is_rel = envelope_get_header(env)->kind == ENVELOPE_RELEASE;
	if ((err = envelope_open(env, me, &body, &body_len, d)) ||
	    (err = node_release_parse(body, body_len, &n->cfg.ladder, is_rel,
				      &rel, d)))
		goto out;
	json_array_foreach (list, i, q) {
		if (strcmp(json_string_value(json_object_get(q, "to")),
			   im->sender))
			continue;
		json_array_foreach (json_object_get(q, "hits"), k, h) {
			json_t *o;

			if (strcmp(json_string_value(json_object_get(h, "ref")),
				   rel.ref))
				continue;
			o = json_pack("{s:s,s:s,s:s,s:s}", "state",
				      is_rel ? "released" : "refused",
				      "request", rel.request, "envelope",
				      env_id, "reason", rel.reason);
			if (!o ||
			    (is_rel &&
			     json_object_set_new(
				 o, "record",
				 json_string(entity_id(rel.record.entity)))) ||
			    json_object_set_new(h, "release", o)) {
				err = LIA_ENOMEM;
				goto out;
			}
		}
	}
out:
	if (body) {
		sodium_memzero(body, body_len);
		free(body);
	}
	node_release_free(&rel);
	identity_card_free(&card);
	envelope_free(env);
	store_in_msg_free(im);
	return err;
}

int node_queries_releases(struct node *n, const struct identity *me,
			  json_t *list, struct diag *d)
{
	struct rel_ctx c = {.list = list, .ids = json_array()};
	size_t i;
	json_t *v;
	int err;

	if (!c.ids)
		return LIA_ENOMEM;
	if ((err = store_outbox_each(n->store, rq_out_cb, &c, d)) ||
	    (err = store_inbox_each(n->store, rq_in_cb, &c, d)))
		goto out;
	json_array_foreach (c.ids, i, v)
		if ((err = apply_release(n, me, json_string_value(v), list, d)))
			goto out;
out:
	json_decref(c.ids);
	return err;
}
