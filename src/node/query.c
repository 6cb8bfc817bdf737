/*
 * query.c - hit/no-hit queries between partners.
 *
 * The asker sends a name (and optional date of birth, nationality, id
 * number) to each partner in its own envelope. The partner screens the
 * records it originated and answers only hit or no-hit: per hit a random
 * opaque reference, the score and the classification, handling and TLP of
 * the record. Record ids are never sent, because an id can be derived from
 * the data (a list's own reference, a hash of names) and so reveal it; the
 * reference is 16 random bytes the owner maps back to the record and binds
 * to the asking agency. A record whose marking does not allow the asking
 * agency is not reported at all, so its existence is not revealed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "liaison/identity.h"
#include "liaison/match.h"
#include "liaison/screen.h"
#include "liaison/strbuf.h"
#include "node_int.h"

/* The audit trail's limit on a detail (store_int.h). */
#define DETAIL_MAX 8192

static int query_body(const struct node_query *q, char **out)
{
	json_t *o = json_pack("{s:i,s:s}", "v", 1, "name", q->name);
	int err = LIA_ENOMEM;

	if (!o)
		return LIA_EINVAL;
	if ((q->dob[0] &&
	     json_object_set_new(o, "dob", json_string(q->dob))) ||
	    (q->nationality[0] &&
	     json_object_set_new(o, "nationality",
				 json_string(q->nationality))) ||
	    (q->id_number[0] &&
	     json_object_set_new(o, "id_number", json_string(q->id_number))) ||
	    (q->schema[0] &&
	     json_object_set_new(o, "schema", json_string(q->schema))) ||
	    (q->reason[0] &&
	     json_object_set_new(o, "reason", json_string(q->reason))))
		goto out;
	if ((*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)))
		err = 0;
out:
	json_decref(o);
	return err;
}

static int query_one(struct node *n, const struct identity *me,
		     const char *body, const char *to, const char *reason,
		     const char *actor, char id[33], struct diag *d)
{
	struct envelope_header h;
	struct identity_card c = {0};
	struct peer_key key;
	struct marking m;
	struct store_outbound o;
	char *mjson = NULL, detail[NODE_REASON_MAX + 128];
	const char *rcpt[1] = {to};
	uint8_t *env = NULL;
	size_t env_len = 0;
	int err;

	memset(&h, 0, sizeof(h));
	marking_init(&m);
	if (!strcmp(to, n->cfg.agency) ||
	    !identity_agency_ok(to, strlen(to))) {
		diag_set(d, "\"%.40s\" is not a partner agency", to);
		err = LIA_EINVAL;
		goto out;
	}
	if ((err = node_peer_card(n, to, &c, NULL, 0, d))) {
		if (err == LIA_ENOTFOUND)
			diag_set(d, "%s is not a pinned peer (liaison peer "
				    "add)", to);
		goto out;
	}
	identity_card_peer_key(&c, &key);
	/* The query carries the asker's personal data: it is marked like
	 * this node's own information. */
	if ((err = marking_copy(&m, &n->cfg.defaults)))
		goto out;
	(void)str_copy(m.agency, sizeof(m.agency), n->cfg.agency);
	if ((err = envelope_marking_json(&m, &mjson)))
		goto out;
	envelope_id_new(h.id);
	(void)str_copy(h.sender, sizeof(h.sender), n->cfg.agency);
	(void)str_copy(h.recipients[0], sizeof(h.recipients[0]), to);
	h.n_recipients = 1;
	h.created = (int64_t)time(NULL);
	h.expires = h.created + NODE_MSG_TTL;
	h.kind = ENVELOPE_QUERY;
	h.priority = ENVELOPE_ROUTINE;
	h.marking = mjson;
	if ((err = node_hub_for(n, &to, 1, h.hub, d)) ||
	    (err = envelope_seal(me, &h, &key, 1, (const uint8_t *)body,
				 strlen(body), &env, &env_len, d)))
		goto out;
	envelope_id_hex(h.id, id);
	/* Who asked whom and why; the name asked about is personal data
	 * and stays in the encrypted envelope. */
	snprintf(detail, sizeof(detail), "hit/no-hit query to %s; reason: %s",
		 to, reason[0] ? reason : "(none given)");
	o = (struct store_outbound){
		.env_id = id, .kind = "query", .subject = "hit/no-hit query",
		.case_ref = "", .created = h.created, .expires = h.expires,
		.bytes = env, .len = env_len, .recipients = rcpt,
		.n_recipients = 1, .actor = actor, .detail = detail,
	};
	err = store_outbox_add(n->store, &o, d);
out:
	free(env);
	free(mjson);
	marking_free(&m);
	identity_card_free(&c);
	return err;
}

int node_query(struct node *n, const struct identity *me,
	       const struct node_query *q, const char *const *to, size_t n_to,
	       const char *actor, char (**ids)[33], struct diag *d)
{
	char(*out)[33] = NULL;
	char *body = NULL;
	struct node_query chk;
	int err;

	if (!n_to || n_to > ENVELOPE_RECIPIENTS_MAX) {
		diag_set(d, "1..%d partners", ENVELOPE_RECIPIENTS_MAX);
		return LIA_EINVAL;
	}
	if ((err = query_body(q, &body)))
		goto out;
	/* What a partner will parse is checked here first, so a bad date
	 * or country fails at the command and not at every partner. */
	if ((err = node_query_parse((const uint8_t *)body, strlen(body), &chk,
				    d))) {
		err = LIA_EINVAL;
		goto out;
	}
	for (size_t i = 0; i < n_to; i++)
		for (size_t k = 0; k < i; k++)
			if (!strcmp(to[i], to[k])) {
				diag_set(d, "%s named twice", to[i]);
				err = LIA_EINVAL;
				goto out;
			}
	if (!(out = calloc(n_to, sizeof(*out)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	/* Each partner gets its own envelope and is queued in its own
	 * transaction: a partner refused later still leaves the earlier
	 * ones queued, and the ids printed say which. */
	for (size_t i = 0; i < n_to; i++)
		if ((err = query_one(n, me, body, to[i], q->reason, actor,
				     out[i], d)))
			goto out;
	*ids = out;
	out = NULL;
out:
	free(out);
	if (body) {
		sodium_memzero(body, strlen(body));
		free(body);
	}
	sodium_memzero(&chk, sizeof(chk));
	return err;
}

/* ------------------------------------------------------------ answer */

void node_qanswer_release(struct node_qanswer *a)
{
	free(a->bytes);
	for (size_t i = 0; i < a->n_refs; i++)
		free(a->record_ids[i]);
	free(a->detail);
	memset(a, 0, sizeof(*a));
}

/* May the existence of this record be told to the asking agency? Only a
 * record this node originated, in whose audience the asker is (TLP RED:
 * named), and without conditions of use (H3), which could forbid even
 * that. */
static bool reportable(const struct marking *m, const char *me,
		       const char *asker)
{
	return !strcmp(m->agency, me) && m->handling < 3 &&
	       marking_allows(m, asker, NULL, 0);
}

/* The answer's entry for a hit on record r, its reference kept in a. */
static int add_hit(struct node_qanswer *a, struct node_answer_hit *hits,
		   const char *record_id, const struct marking *m,
		   double score)
{
	struct node_answer_hit *h = &hits[a->n_refs];
	uint8_t raw[NODE_REF_HEX / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(a->refs[a->n_refs], sizeof(a->refs[0]), raw,
		       sizeof(raw));
	memcpy(h->ref, a->refs[a->n_refs], sizeof(h->ref));
	h->score = score > 1.0 ? 1.0 : score;
	(void)str_copy(h->classification, sizeof(h->classification),
		       m->classification);
	h->handling = m->handling;
	h->tlp = m->tlp;
	a->scores[a->n_refs] = h->score;
	if (!(a->record_ids[a->n_refs] = strdup(record_id)))
		return LIA_ENOMEM;
	a->n_refs++;
	return 0;
}

/* The longest line screen_alerts adds to the audit detail. */
#define ALERT_LINE_MAX 128

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The query screened against the alerts other agencies issued and this
 * node received (issue #5: a hit on an alert at a receiving node, in a
 * query too, is reported to the issuer). Each hit is notified to the
 * issuer naming the asking agency (nothing of what it asked, as for
 * every hit notification), and queued before the answer is committed:
 * a query applied again after a failed commit is the same subject within
 * the window, notified once.
 *
 * What the asker learns: an alert is the issuer's record under the
 * issuer's marking, so this node tells of it only what node_send would
 * let it pass on: the asker in the record's audience (TLP:RED named) and
 * no handling restriction of the originator (H2, H3). Otherwise the hit
 * is left out of the answer, which is then a no-hit unless the node's own
 * records hit; the issuer, told who asked, can contact the asker itself.
 * detail gets a line per alert hit for the owner's audit.
 */
static int screen_alerts(struct node *n, const struct identity *me,
			 const struct node_query *q,
			 const struct match_extra *ex, struct match_ctx *mc,
			 const char *asker, int64_t now,
			 struct node_qanswer *a, struct node_answer_hit *hits,
			 struct strbuf *detail, struct diag *d)
{
	struct screen_index *aix = NULL;
	/* On the heap: this runs in the daemon's receiving threads, below
	 * screen_own's frame. */
	struct screen_hit *sh = NULL;
	struct node_alert_match *m = NULL;
	char **ids = NULL, subject[NODE_REASON_MAX + 1200];
	size_t n_ids = 0, loaded = 0, nh = 0, unlisted = 0;
	int err;

	if ((err = node_alert_active_ids(n, now, &ids, &n_ids, d)))
		return err;
	if (!n_ids)
		goto out;
	/* Only the alerted records are read (by id, not a pass over the
	 * store), for each query: an alert received or withdrawn a moment
	 * ago counts at once. */
	qsort(ids, n_ids, sizeof(*ids), cmp_id);
	if (!(sh = calloc(NODE_ANSWER_HITS_MAX, sizeof(*sh))) ||
	    !(m = calloc(NODE_ALERT_HITS_MAX, sizeof(*m)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = screen_index_new(&aix)))
		goto out;
	for (size_t i = 0; i < n_ids; i++) {
		struct store_record *r = NULL;
		bool indexed = false;

		err = store_get(n->store, ids[i], &r, d);
		if (err == LIA_ENOTFOUND) {
			err = 0;
			continue;
		}
		if (!err)
			err = node_screen_apply(aix, mc, r, "alert", ids, n_ids,
						&indexed, d);
		store_record_free(r);
		if (err)
			goto out;
		loaded += indexed;
	}
	if (loaded) {
		struct screen_query sq = {
			.name = q->name,
			.kind = q->schema[0] ? screen_kind(q->schema)
					     : MATCH_ANY,
			.extra = ex,
			.list = "alert",
			.limit = NODE_ANSWER_HITS_MAX,
		};
		if ((err = screen_query(aix, mc, &sq, sh, NODE_ANSWER_HITS_MAX,
					&nh, d)))
			goto out;
	}
	snprintf(subject, sizeof(subject), "query|%s|%s|%s", asker, q->name,
		 q->dob);
	for (size_t i = 0; i < nh; i++) {
		struct store_record *r = NULL;
		bool tell;
		size_t k = 0;

		if ((err = node_alert_report_from(
			 n, me, sh[i].record_id, sh[i].score, sh[i].schema,
			 "query", asker, subject, now, m, NODE_ALERT_HITS_MAX,
			 &k, d)))
			goto out;
		if (!k)
			continue;
		if ((err = store_get(n->store, sh[i].record_id, &r, d)))
			goto out;
		tell = r->marking.handling < 2 &&
		       marking_allows(&r->marking, asker, NULL, 0) &&
		       a->n_refs < NODE_ANSWER_HITS_MAX;
		/* A line per alert hit while the audit detail has room (each
		 * notification has its own audit row besides), then a
		 * count. */
		for (size_t j = 0; j < k && !err; j++) {
			if (detail->len + 2 * ALERT_LINE_MAX > detail->max) {
				unlisted++;
				continue;
			}
			err = strbuf_addf(detail,
					  "; alert %s of %s hit, issuer "
					  "%snotified, %s the asker",
					  m[j].alert_id, m[j].issuer,
					  m[j].notified ? "" : "already ",
					  tell ? "told to" : "not told to");
		}
		if (!err && tell)
			err = add_hit(a, hits, sh[i].record_id, &r->marking,
				      sh[i].score);
		store_record_free(r);
		if (err)
			goto out;
	}
	if (unlisted)
		err = strbuf_addf(detail, "; %zu more alert hit(s)", unlisted);
out:
	for (size_t i = 0; i < n_ids; i++)
		free(ids[i]);
	free(ids);
	free(sh);
	free(m);
	screen_index_free(aix);
	return err;
}

static int screen_own(struct node *n, const struct identity *me,
		      const struct node_query *q, const char *asker,
		      int64_t now, struct node_qanswer *a,
		      struct node_answer_hit *hits, struct strbuf *alerts,
		      struct diag *d)
{
	struct screen_index *ix = NULL, *own_ix = NULL;
	struct match_ctx *mc = NULL, *own_mc = NULL;
	struct screen_hit sh[NODE_ANSWER_HITS_MAX];
	struct match_extra ex;
	size_t nh = 0;
	int err;

	memset(&ex, 0, sizeof(ex));
	if (q->dob[0])
		ex.dob[ex.n_dob++] = q->dob;
	if (q->nationality[0])
		ex.country[ex.n_country++] = q->nationality;
	if (q->id_number[0])
		ex.id[ex.n_id++] = q->id_number;
	/* The daemon keeps one index, rebuilt when the store's records
	 * changed; without one (a library caller) the index is built for
	 * this query. Either way imports are reflected at once. */
	if (n->own_ix) {
		if ((err = node_own_index_get(n, n->own_ix, &ix, &mc, d)))
			goto out;
	} else if ((err = match_ctx_new(&own_mc, d)) ||
		   (err = screen_index_new(&own_ix)) ||
		   (err = node_screen_load_own(n, own_ix, own_mc, NULL, d))) {
		goto out;
	} else {
		ix = own_ix;
		mc = own_mc;
	}
	{
		struct screen_query sq = {
			.name = q->name,
			.kind = q->schema[0] ? screen_kind(q->schema)
					     : MATCH_ANY,
			.extra = &ex,
			.limit = NODE_ANSWER_HITS_MAX,
		};
		if ((err = screen_query(ix, mc, &sq, sh, NODE_ANSWER_HITS_MAX,
					&nh, d)))
			goto out;
	}
	for (size_t i = 0; i < nh; i++) {
		struct store_record *r = NULL;

		if ((err = store_get(n->store, sh[i].record_id, &r, d)))
			goto out;
		err = reportable(&r->marking, n->cfg.agency, asker)
			  ? add_hit(a, hits, sh[i].record_id, &r->marking,
				    sh[i].score)
			  : 0;
		store_record_free(r);
		if (err)
			goto out;
	}
	err = screen_alerts(n, me, q, &ex, mc, asker, now, a, hits, alerts,
			    d);
out:
	screen_index_free(own_ix);
	match_ctx_free(own_mc);
	return err;
}

static int answer_body(const char *query_id, const struct node_answer_hit *h,
		       size_t n, char **out)
{
	json_t *o = NULL, *arr = json_array();
	char hl[3];
	int err = LIA_ENOMEM;

	if (!arr)
		return err;
	for (size_t i = 0; i < n; i++) {
		json_t *hj;

		snprintf(hl, sizeof(hl), "H%d", h[i].handling);
		hj = json_pack("{s:s,s:f,s:s,s:s,s:s}", "ref", h[i].ref,
			       "score", h[i].score, "classification",
			       h[i].classification, "handling", hl, "tlp",
			       marking_tlp_name(h[i].tlp));
		if (!hj || json_array_append_new(arr, hj))
			goto out;
	}
	if (!(o = json_pack("{s:i,s:s,s:O}", "v", 1, "query", query_id, "hits",
			    arr)))
		goto out;
	if ((*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)))
		err = 0;
out:
	json_decref(o);
	json_decref(arr);
	return err;
}

int node_qanswer_build(struct node *n, const struct identity *me,
		       const struct envelope_header *qh, const char *query_id,
		       const struct peer_key *key, const uint8_t *body,
		       size_t len, int64_t now, struct node_qanswer *out,
		       struct diag *d)
{
	struct node_qanswer a;
	struct node_query q;
	struct node_answer_hit hits[NODE_ANSWER_HITS_MAX];
	struct envelope_header h;
	struct marking m;
	struct strbuf detail, alerts;
	char *ab = NULL, *mjson = NULL;
	int err;

	const char *asker = NULL;

	memset(&a, 0, sizeof(a));
	memset(&h, 0, sizeof(h));
	marking_init(&m);
	strbuf_init(&detail, DETAIL_MAX);
	strbuf_init(&alerts, DETAIL_MAX / 2);
	if ((err = node_query_parse(body, len, &q, d)) ||
	    (err = screen_own(n, me, &q, qh->sender, now, &a, hits, &alerts,
			      d)) ||
	    (err = answer_body(query_id, hits, a.n_refs, &ab)))
		goto out;
	/* The answer tells which levels of records this node holds: it is
	 * marked like this node's own information, to the asker alone. */
	if ((err = marking_copy(&m, &n->cfg.defaults)))
		goto out;
	(void)str_copy(m.agency, sizeof(m.agency), n->cfg.agency);
	if ((err = envelope_marking_json(&m, &mjson)))
		goto out;
	envelope_id_new(h.id);
	(void)str_copy(h.sender, sizeof(h.sender), n->cfg.agency);
	(void)str_copy(h.recipients[0], sizeof(h.recipients[0]), qh->sender);
	asker = qh->sender;
	h.n_recipients = 1;
	h.created = now;
	h.expires = now + NODE_MSG_TTL;
	h.kind = ENVELOPE_ANSWER;
	h.priority = ENVELOPE_ROUTINE;
	(void)str_copy(h.case_ref, sizeof(h.case_ref), qh->case_ref);
	h.marking = mjson;
	if ((err = node_hub_for(n, &asker, 1, h.hub, d)) ||
	    (err = envelope_seal(me, &h, key, 1, (const uint8_t *)ab,
				 strlen(ab), &a.bytes, &a.len, d)))
		goto out;
	envelope_id_hex(h.id, a.id);
	a.created = h.created;
	a.expires = h.expires;
	/* The owner's audit names the records behind the references (its
	 * own data) and the partner's reason; never the name asked. */
	err = strbuf_addf(&detail, "query from %s; reason: %s; answered %s "
				   "with %s",
			  qh->sender, q.reason[0] ? q.reason : "(none given)",
			  a.n_refs ? "hit" : "no-hit", a.id);
	for (size_t i = 0; i < a.n_refs && !err; i++)
		err = strbuf_addf(&detail, "%s%s=%s (%.2f)",
				  i ? ", " : "; refs ", a.refs[i],
				  a.record_ids[i], a.scores[i]);
	if (!err && alerts.len)
		err = strbuf_addf(&detail, "%s", alerts.buf);
	if (err)
		goto out;
	if (!(a.detail = strdup(detail.buf))) {
		err = LIA_ENOMEM;
		goto out;
	}
	*out = a;
	memset(&a, 0, sizeof(a));
	/* Pointers into *out, not into the local copy. */
	for (size_t i = 0; i < out->n_refs; i++)
		out->qrefs[i] = (struct store_qref){
			.ref = out->refs[i], .record_id = out->record_ids[i],
			.score = out->scores[i]};
out:
	node_qanswer_release(&a);
	strbuf_release(&detail);
	strbuf_release(&alerts);
	free(ab);
	free(mjson);
	marking_free(&m);
	sodium_memzero(&q, sizeof(q));
	return err;
}

/* ----------------------------------------------------------- queries */

struct qlist_ctx {
	json_t *list;     /* array of queries, in the order sent */
	json_t *answers;  /* inbox answer env ids, with their senders */
};

static int out_cb(const struct store_msg_row *r, void *ctx)
{
	struct qlist_ctx *c = ctx;
	json_t *q;

	if (strcmp(r->kind, "query"))
		return 0;
	q = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[]}", "id", r->env_id, "to",
		      r->peer, "created", r->created, "delivery", r->state,
		      "status", "pending", "hits");
	if (!q || json_array_append_new(c->list, q))
		return LIA_ENOMEM;
	return 0;
}

static int in_cb(const struct store_msg_row *r, void *ctx)
{
	struct qlist_ctx *c = ctx;

	if (strcmp(r->kind, "answer"))
		return 0;
	return json_array_append_new(c->answers, json_string(r->env_id))
		       ? LIA_ENOMEM
		       : 0;
}

/* Decrypt one answer from the inbox, verified again, and put it on the
 * query it answers, if that query went to its sender. */
static int apply_answer(struct node *n, const struct identity *me,
			const char *env_id, json_t *list, struct diag *d)
{
	struct store_in_msg *im = NULL;
	struct envelope *env = NULL;
	struct identity_card card = {0};
	struct node_answer a;
	uint8_t *body = NULL;
	size_t body_len = 0, i;
	json_t *q;
	int err;

	if ((err = store_inbox_get(n->store, env_id, &im, d)) ||
	    (err = envelope_parse(im->bytes, im->len, &env, d)) ||
	    (err = node_peer_card(n, im->sender, &card, NULL, 0, d)))
		goto out;
	if ((err = envelope_verify(env, card.sign_pk))) {
		diag_set(d, "answer %s: signature does not verify", env_id);
		goto out;
	}
	if ((err = envelope_open(env, me, &body, &body_len, d)) ||
	    (err = node_answer_parse(body, body_len, &a, d)))
		goto out;
	json_array_foreach(list, i, q) {
		json_t *hits = json_object_get(q, "hits");

		if (strcmp(json_string_value(json_object_get(q, "id")),
			   a.query) ||
		    strcmp(json_string_value(json_object_get(q, "to")),
			   im->sender))
			continue;
		err = LIA_ENOMEM;
		if (json_object_set_new(q, "status",
					json_string(a.n_hits ? "hit"
							     : "no-hit")) ||
		    json_object_set_new(q, "answer", json_string(env_id)))
			goto out;
		for (size_t k = 0; k < a.n_hits; k++) {
			char hl[3];
			json_t *h;

			snprintf(hl, sizeof(hl), "H%d", a.hits[k].handling);
			h = json_pack("{s:s,s:f,s:{s:s,s:s,s:s}}", "ref",
				      a.hits[k].ref, "score", a.hits[k].score,
				      "marking", "classification",
				      a.hits[k].classification, "handling",
				      hl, "tlp",
				      marking_tlp_name(a.hits[k].tlp));
			if (!h || json_array_append_new(hits, h))
				goto out;
		}
		err = 0;
	}
out:
	if (body) {
		sodium_memzero(body, body_len);
		free(body);
	}
	identity_card_free(&card);
	envelope_free(env);
	store_in_msg_free(im);
	return err;
}

int node_queries(struct node *n, const struct identity *me, json_t **out,
		 struct diag *d)
{
	struct qlist_ctx c = {.list = json_array(), .answers = json_array()};
	size_t i;
	json_t *v;
	int err = LIA_ENOMEM;

	if (!c.list || !c.answers)
		goto out;
	if ((err = store_outbox_each(n->store, out_cb, &c, d)) ||
	    (err = store_inbox_each(n->store, in_cb, &c, d)))
		goto out;
	json_array_foreach(c.answers, i, v)
		if ((err = apply_answer(n, me, json_string_value(v), c.list,
					d)))
			goto out;
	if ((err = node_queries_releases(n, me, c.list, d)))
		goto out;
	*out = c.list;
	c.list = NULL;
out:
	json_decref(c.list);
	json_decref(c.answers);
	return err;
}
