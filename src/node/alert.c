/*
 * alert.c - alerts and automatic hit notifications.
 *
 * The issuer sends an alert (kind, action, expiry and the record with its
 * marking) to partners in the record's audience. A receiver stores the
 * record under its marking in the list "alert" and the alert itself; every
 * later screening on the receiver loads the records of active alerts only
 * (screening.c), so a withdrawal or an expiry stops hitting at once.
 * A hit is reported back to the issuer as a hit envelope queued in the
 * same transaction that records the hit locally; the same subject hitting
 * the same alert within NODE_HIT_WINDOW is one notification.
 *
 * A hit notification carries the alert id, the time, the score, the kind
 * of screening and the schema of what was screened; the sending agency is
 * the where. It carries nothing of the screened subject: the issuer
 * already holds its own record, and what the receiver screened (a name as
 * spelled in its files, a date of birth, the other rows of a batch) is
 * the receiver's data about a person who, on a false positive, is not the
 * alerted one at all. The follow-up goes through a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "liaison/entity.h"
#include "liaison/identity.h"
#include "liaison/screen.h"
#include "liaison/strbuf.h"
#include "node_int.h"

#define DETAIL_MAX 8192
#define ALERT_BODY_MAX (1u << 20) /* one record with its marking */
#define HIT_BODY_MAX 4096
#define ALERT_VERSION 1

static const char *const alert_kinds[] = {
    "arrest", "missing", "discreet-check", "refuse-entry", "object", NULL};

bool node_alert_kind_ok(const char *kind)
{
	for (size_t i = 0; alert_kinds[i]; i++)
		if (!strcmp(kind, alert_kinds[i]))
			return true;
	return false;
}

bool node_hit_duplicate(int64_t last, int64_t now)
{
	/* A clock set back (now < last) is treated as a repeat: at worst
	 * one notification is withheld, never a flood. */
	return now < last || now - last < NODE_HIT_WINDOW;
}

/* ----------------------------------------------------------- parsing */

static int get_i(const json_t *o, const char *key, int64_t lo, int64_t hi,
		 int64_t *out, const char *what, struct diag *d)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		diag_set(d, "%s: \"%s\" must be an integer in [%lld, %lld]",
			 what, key, (long long)lo, (long long)hi);
		return LIA_EPARSE;
	}
	*out = (int64_t)json_integer_value(v);
	return 0;
}

void node_alert_release(struct node_alert *a)
{
	if (!a)
		return;
	entity_free(a->record.entity);
	marking_free(&a->record.marking);
	a->record.entity = NULL;
}

/* Up to the year 9999: any later expiry is a mistake. */
#define TIME_MAX 253402300799LL

int node_alert_parse(const uint8_t *body, size_t len, const struct ladder *l,
		     struct node_alert *out, struct diag *d)
{
	static const char *const keys[] = {
	    "v", "id", "kind", "action", "expires", "version", "record"};
	struct node_alert a;
	json_t *o = NULL, *copy = NULL;
	const json_t *rj;
	int err;

	memset(&a, 0, sizeof(a));
	marking_init(&a.record.marking);
	if ((err = node_body_load(body, len, ALERT_BODY_MAX, "alert", keys, 7,
				  &o, d)))
		goto out;
	if ((err = node_body_text(o, "id", a.id, sizeof(a.id), NODE_NONEMPTY,
				  "alert", d)) ||
	    (err = node_body_text(o, "kind", a.kind, sizeof(a.kind),
				  NODE_NONEMPTY, "alert", d)) ||
	    (err = node_body_text(o, "action", a.action, sizeof(a.action),
				  NODE_OPTIONAL, "alert", d)) ||
	    (err = get_i(o, "expires", 0, TIME_MAX, &a.expires, "alert", d)) ||
	    (err = get_i(o, "version", 1, INT32_MAX, &a.version, "alert", d)))
		goto out;
	err = LIA_EPARSE;
	if (!node_hex32(a.id) || !node_alert_kind_ok(a.kind)) {
		diag_set(d, "alert: bad id or unknown kind");
		goto out;
	}
	rj = json_object_get(o, "record");
	if (!json_is_object(rj) ||
	    !json_is_object(json_object_get(rj, "marking"))) {
		diag_set(d, "alert: \"record\" must be an object with a "
			    "\"marking\"");
		goto out;
	}
	if (marking_from_json(json_object_get(rj, "marking"), l,
			      &a.record.marking, d) ||
	    marking_validate(&a.record.marking, l, d)) {
		diag_prefix(d, "alert: record marking: ");
		goto out;
	}
	if (!(copy = json_copy((json_t *)rj)) ||
	    json_object_del(copy, "marking")) {
		err = LIA_ENOMEM;
		goto out;
	}
	if (entity_from_json(copy, &a.record.entity, d)) {
		diag_prefix(d, "alert: record: ");
		goto out;
	}
	*out = a;
	memset(&a, 0, sizeof(a));
	err = 0;
out:
	node_alert_release(&a);
	json_decref(copy);
	json_decref(o);
	return err;
}

int node_alert_withdraw_parse(const uint8_t *body, size_t len,
			      struct node_alert_withdraw *out, struct diag *d)
{
	static const char *const keys[] = {"v", "id", "reason"};
	struct node_alert_withdraw w;
	json_t *o = NULL;
	int err;

	memset(&w, 0, sizeof(w));
	if ((err = node_body_load(body, len, HIT_BODY_MAX, "alert-withdraw",
				  keys, 3, &o, d)))
		return err;
	if ((err = node_body_text(o, "id", w.id, sizeof(w.id), NODE_NONEMPTY,
				  "alert-withdraw", d)) ||
	    (err = node_body_text(o, "reason", w.reason, sizeof(w.reason),
				  NODE_OPTIONAL, "alert-withdraw", d)))
		goto out;
	if (!node_hex32(w.id)) {
		diag_set(d, "alert-withdraw: bad id");
		err = LIA_EPARSE;
		goto out;
	}
	*out = w;
out:
	json_decref(o);
	return err;
}

static const char *const channels[] = {"screening", "batch", "import", "query",
				       NULL};

int node_hit_parse(const uint8_t *body, size_t len, struct node_hit *out,
		   struct diag *d)
{
	static const char *const keys[] = {"v",	      "alert",	"at",	"score",
					   "channel", "schema", "asker"};
	struct node_hit h;
	json_t *o = NULL;
	const json_t *sc;
	bool ch = false;
	int err;

	memset(&h, 0, sizeof(h));
	if ((err = node_body_load(body, len, HIT_BODY_MAX, "hit", keys, 7, &o,
				  d)))
		return err;
	if ((err = node_body_text(o, "alert", h.alert, sizeof(h.alert),
				  NODE_NONEMPTY, "hit", d)) ||
	    (err = get_i(o, "at", 0, TIME_MAX, &h.at, "hit", d)) ||
	    (err = node_body_text(o, "channel", h.channel, sizeof(h.channel),
				  NODE_NONEMPTY, "hit", d)) ||
	    (err = node_body_text(o, "schema", h.schema, sizeof(h.schema),
				  NODE_NONEMPTY, "hit", d)))
		goto out;
	/* The agency whose hit/no-hit query hit the alert: present with
	 * the channel "query" and only then. */
	if (json_object_get(o, "asker") || !strcmp(h.channel, "query")) {
		if ((err = node_body_text(o, "asker", h.asker, sizeof(h.asker),
					  NODE_NONEMPTY, "hit", d)))
			goto out;
		if (strcmp(h.channel, "query") ||
		    !identity_agency_ok(h.asker, strlen(h.asker))) {
			diag_set(d, "hit: an asker goes with a query only");
			err = LIA_EPARSE;
			goto out;
		}
	}
	sc = json_object_get(o, "score");
	for (size_t i = 0; channels[i]; i++)
		ch = ch || !strcmp(h.channel, channels[i]);
	err = LIA_EPARSE;
	if (!node_hex32(h.alert) || !ch || !json_is_number(sc) ||
	    !(json_number_value(sc) > 0.0) || json_number_value(sc) > 1.0) {
		diag_set(d, "hit: bad alert id, channel or score");
		goto out;
	}
	for (size_t i = 0; h.schema[i]; i++)
		if (!((h.schema[i] >= 'A' && h.schema[i] <= 'Z') ||
		      (h.schema[i] >= 'a' && h.schema[i] <= 'z'))) {
			diag_set(d, "hit: bad schema");
			goto out;
		}
	h.score = json_number_value(sc);
	*out = h;
	err = 0;
out:
	json_decref(o);
	return err;
}

/* ------------------------------------------------------------ lookup */

/* A copy of one alert row. */
struct alert_row {
	char id[33], role[16], issuer[MARKING_CODE_MAX + 1];
	char kind[NODE_ALERT_KIND_MAX + 1], state[16];
	char record_id[1025], action[NODE_ACTION_MAX + 1];
	char recipients[ENVELOPE_RECIPIENTS_MAX * (MARKING_CODE_MAX + 1) + 1];
	int64_t expires, version, created;
};

struct find_ctx {
	const char *id, *role;
	struct alert_row *row;
	bool found;
};

static int row_copy(const struct store_alert *a, struct alert_row *r)
{
	if (str_copy(r->id, sizeof(r->id), a->id) ||
	    str_copy(r->role, sizeof(r->role), a->role) ||
	    str_copy(r->issuer, sizeof(r->issuer), a->issuer) ||
	    str_copy(r->kind, sizeof(r->kind), a->kind) ||
	    str_copy(r->state, sizeof(r->state), a->state) ||
	    str_copy(r->record_id, sizeof(r->record_id), a->record_id) ||
	    str_copy(r->action, sizeof(r->action), a->action) ||
	    str_copy(r->recipients, sizeof(r->recipients), a->recipients))
		return LIA_ETOOBIG;
	r->expires = a->expires;
	r->version = a->version;
	r->created = a->created;
	return 0;
}

static int find_cb(const struct store_alert *a, void *ctx)
{
	struct find_ctx *c = ctx;

	if (c->found || strcmp(a->id, c->id) || strcmp(a->role, c->role))
		return 0;
	c->found = true;
	return row_copy(a, c->row);
}

static int alert_find(struct node *n, const char *id, const char *role,
		      struct alert_row *row, struct diag *d)
{
	struct find_ctx c = {.id = id, .role = role, .row = row};
	int err = store_alert_each(n->store, find_cb, &c, d);

	if (!err && !c.found) {
		diag_set(d, "no %s alert %.40s", role, id);
		err = LIA_ENOTFOUND;
	}
	return err;
}

static bool alert_active(const struct alert_row *r, int64_t now)
{
	return !strcmp(r->state, "active") && (!r->expires || r->expires > now);
}

static bool in_list(const char *list, const char *agency)
{
	size_t n = strlen(agency);

	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t k = c ? (size_t)(c - p) : strlen(p);
		if (k == n && !strncmp(p, agency, n))
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* ------------------------------------------------------------- issue */

struct peers_ctx {
	char (*buf)[MARKING_CODE_MAX + 1];
	size_t n;
};

static int peers_cb(const struct store_peer *p, void *ctx)
{
	struct peers_ctx *c = ctx;

	if (c->n >= ENVELOPE_RECIPIENTS_MAX)
		return LIA_ETOOBIG;
	if (str_copy(c->buf[c->n], sizeof(c->buf[0]), p->agency))
		return LIA_ETOOBIG;
	c->n++;
	return 0;
}

/* Seal body to the recipients and fill o (its env_id in id). */
static int seal_to(struct node *n, const struct identity *me,
		   enum envelope_kind kind, const struct marking *em,
		   char (*to)[MARKING_CODE_MAX + 1], size_t n_to,
		   const char *body, int64_t now, uint8_t **env,
		   size_t *env_len, char id[33], struct envelope_header *h,
		   struct diag *d)
{
	struct peer_key keys[ENVELOPE_RECIPIENTS_MAX];
	char *mjson = NULL;
	int err;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < n_to; i++) {
		struct identity_card c = {0};

		if ((err = node_peer_card(n, to[i], &c, NULL, 0, d))) {
			if (err == LIA_ENOTFOUND)
				diag_set(d,
					 "%s is not a pinned peer (liaison "
					 "peer add)",
					 to[i]);
			return err;
		}
		identity_card_peer_key(&c, &keys[i]);
		identity_card_free(&c);
		(void)str_copy(h->recipients[i], sizeof(h->recipients[i]),
			       to[i]);
	}
	if ((err = envelope_marking_json(em, &mjson)))
		return err;
	envelope_id_new(h->id);
	(void)str_copy(h->sender, sizeof(h->sender), n->cfg.agency);
	h->n_recipients = n_to;
	h->created = now;
	h->expires = now + NODE_MSG_TTL;
	h->kind = kind;
	h->priority =
	    kind == ENVELOPE_HIT ? ENVELOPE_IMMEDIATE : ENVELOPE_URGENT;
	h->marking = mjson;
	{
		const char *tp[ENVELOPE_RECIPIENTS_MAX];

		for (size_t i = 0; i < n_to; i++)
			tp[i] = to[i];
		if ((err = node_hub_for(n, tp, n_to, h->hub, d))) {
			h->marking = NULL;
			free(mjson);
			return err;
		}
	}
	err = envelope_seal(me, h, keys, n_to, (const uint8_t *)body,
			    strlen(body), env, env_len, d);
	h->marking = NULL;
	free(mjson);
	if (!err)
		envelope_id_hex(h->id, id);
	return err;
}

struct send_args {
	const char *id, *kind, *record_id, *action, *actor, *audit_action;
	int64_t expires, version, created;
	char (*to)[MARKING_CODE_MAX + 1];
	size_t n_to;
};

static int alert_send(struct node *n, const struct identity *me,
		      const struct send_args *s, struct diag *d)
{
	struct store_record *r = NULL;
	struct envelope_header h;
	struct store_outbound o;
	struct marking em;
	struct strbuf rcpt, detail;
	json_t *body = NULL, *ej = NULL, *mj = NULL;
	char *bs = NULL, eid[33];
	const char *to[ENVELOPE_RECIPIENTS_MAX];
	uint8_t *env = NULL;
	size_t env_len = 0;
	int64_t now = (int64_t)time(NULL);
	int err;

	marking_init(&em);
	strbuf_init(&rcpt, DETAIL_MAX);
	strbuf_init(&detail, DETAIL_MAX);
	if ((err = store_get(n->store, s->record_id, &r, d)))
		goto out;
	for (size_t i = 0; i < s->n_to; i++) {
		if ((err = node_handling_check(s->record_id, &r->marking,
					       n->cfg.agency, s->to[i], d)))
			goto out;
		to[i] = s->to[i];
		if ((err = strbuf_addf(&rcpt, "%s%s", i ? "," : "", s->to[i])))
			goto out;
	}
	if ((err = marking_copy(&em, &n->cfg.defaults)))
		goto out;
	(void)str_copy(em.agency, sizeof(em.agency), n->cfg.agency);
	/* The envelope is marked at least like the record it carries. */
	if (marking_ladder_index(&n->cfg.ladder, r->marking.classification) >
	    marking_ladder_index(&n->cfg.ladder, em.classification))
		(void)str_copy(em.classification, sizeof(em.classification),
			       r->marking.classification);
	if (r->marking.tlp > em.tlp)
		em.tlp = r->marking.tlp;
	err = LIA_ENOMEM;
	if (entity_to_jansson(r->entity, &ej) ||
	    marking_to_json(&r->marking, &mj) ||
	    json_object_set(ej, "marking", mj))
		goto out;
	body = json_pack("{s:i,s:s,s:s,s:s,s:I,s:I,s:O}", "v", ALERT_VERSION,
			 "id", s->id, "kind", s->kind, "action",
			 s->action ? s->action : "", "expires",
			 (json_int_t)s->expires, "version",
			 (json_int_t)s->version, "record", ej);
	if (!body || !(bs = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS)))
		goto out;
	if ((err = seal_to(n, me, ENVELOPE_ALERT, &em, s->to, s->n_to, bs, now,
			   &env, &env_len, eid, &h, d)))
		goto out;
	/* Who, to whom and what about; the action may name the person,
	 * so it stays in the alert, not in the trail. */
	if ((err = strbuf_addf(&detail,
			       "%s alert v%lld on record %s to %s; "
			       "envelope %s",
			       s->kind, (long long)s->version, s->record_id,
			       rcpt.buf, eid)))
		goto out;
	o = (struct store_outbound){
	    .env_id = eid,
	    .kind = "alert",
	    .subject = "alert",
	    .case_ref = "",
	    .created = h.created,
	    .expires = h.expires,
	    .bytes = env,
	    .len = env_len,
	    .recipients = to,
	    .n_recipients = s->n_to,
	    .actor = s->actor,
	    .detail = detail.buf,
	};
	{
		struct store_alert a = {
		    .id = s->id,
		    .role = "issued",
		    .issuer = n->cfg.agency,
		    .kind = s->kind,
		    .record_id = s->record_id,
		    .action = s->action ? s->action : "",
		    .recipients = rcpt.buf,
		    .expires = s->expires,
		    .version = s->version,
		    .state = "active",
		    .reason = "",
		    .created = s->created,
		    .updated = now,
		};
		err = store_alert_save(n->store, &a, &o, s->actor,
				       s->audit_action, detail.buf, d);
	}
out:
	free(env);
	free(bs);
	json_decref(body);
	json_decref(ej);
	json_decref(mj);
	strbuf_release(&rcpt);
	strbuf_release(&detail);
	marking_free(&em);
	store_record_free(r);
	return err;
}

int node_alert_issue(struct node *n, const struct identity *me,
		     const struct node_alert_req *r, char id[33],
		     struct diag *d)
{
	char peers[ENVELOPE_RECIPIENTS_MAX][MARKING_CODE_MAX + 1];
	char to[ENVELOPE_RECIPIENTS_MAX][MARKING_CODE_MAX + 1];
	struct peers_ctx pc = {.buf = peers};
	struct store_record *rec = NULL;
	struct send_args s;
	uint8_t raw[16];
	char aid[33];
	size_t n_to = 0;
	int err;

	if (!r->kind || !node_alert_kind_ok(r->kind) || !r->record_id ||
	    (r->action && strlen(r->action) > NODE_ACTION_MAX) ||
	    r->expires < 0 ||
	    (r->expires && r->expires <= (int64_t)time(NULL))) {
		diag_set(d,
			 "a known kind, a record, an action of at most %d "
			 "bytes and a future expiry are required",
			 NODE_ACTION_MAX);
		return LIA_EINVAL;
	}
	if (r->to_all) {
		/* "all" means every partner allowed to see the record: the
		 * others are left out, never sent to. */
		if ((err = store_peer_each(n->store, peers_cb, &pc, d)) ||
		    (err = store_get(n->store, r->record_id, &rec, d)))
			goto out;
		for (size_t i = 0; i < pc.n; i++)
			if (!node_handling_check(r->record_id, &rec->marking,
						 n->cfg.agency, peers[i], NULL))
				memcpy(to[n_to++], peers[i], sizeof(to[0]));
		if (!n_to) {
			diag_set(d,
				 "record %s: no pinned partner is in its "
				 "audience",
				 r->record_id);
			err = LIA_EDENIED;
			goto out;
		}
	} else {
		if (!r->n_to || r->n_to > ENVELOPE_RECIPIENTS_MAX) {
			diag_set(d, "1..%d recipients",
				 ENVELOPE_RECIPIENTS_MAX);
			err = LIA_EINVAL;
			goto out;
		}
		for (size_t i = 0; i < r->n_to; i++) {
			if (!identity_agency_ok(r->to[i], strlen(r->to[i])) ||
			    !strcmp(r->to[i], n->cfg.agency)) {
				diag_set(d, "\"%.40s\" is not a partner agency",
					 r->to[i]);
				err = LIA_EINVAL;
				goto out;
			}
			for (size_t k = 0; k < i; k++)
				if (!strcmp(r->to[i], r->to[k])) {
					diag_set(d, "%s named twice", r->to[i]);
					err = LIA_EINVAL;
					goto out;
				}
			(void)str_copy(to[n_to++], sizeof(to[0]), r->to[i]);
		}
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(aid, sizeof(aid), raw, sizeof(raw));
	s = (struct send_args){
	    .id = aid,
	    .kind = r->kind,
	    .record_id = r->record_id,
	    .action = r->action,
	    .actor = r->actor,
	    .audit_action = "alert-issue",
	    .expires = r->expires,
	    .version = 1,
	    .created = (int64_t)time(NULL),
	    .to = to,
	    .n_to = n_to,
	};
	if ((err = alert_send(n, me, &s, d)))
		goto out;
	memcpy(id, aid, sizeof(aid));
out:
	store_record_free(rec);
	return err;
}

/* The recipients of an issued alert, from its stored list. */
static size_t split_rcpt(const char *list, char (*to)[MARKING_CODE_MAX + 1])
{
	size_t n = 0;

	for (const char *p = list; p && *p && n < ENVELOPE_RECIPIENTS_MAX;) {
		const char *c = strchr(p, ',');
		size_t k = c ? (size_t)(c - p) : strlen(p);
		if (k && k <= MARKING_CODE_MAX) {
			memcpy(to[n], p, k);
			to[n++][k] = 0;
		}
		p = c ? c + 1 : NULL;
	}
	return n;
}

int node_alert_update(struct node *n, const struct identity *me, const char *id,
		      const char *action, int64_t expires, const char *actor,
		      struct diag *d)
{
	struct alert_row row;
	char to[ENVELOPE_RECIPIENTS_MAX][MARKING_CODE_MAX + 1];
	struct send_args s;
	int err;

	if ((err = alert_find(n, id, "issued", &row, d)))
		return err;
	if (!alert_active(&row, (int64_t)time(NULL))) {
		diag_set(d, "alert %s is no longer active", id);
		return LIA_EINVAL;
	}
	if ((action && strlen(action) > NODE_ACTION_MAX) ||
	    (expires > 0 && expires <= (int64_t)time(NULL))) {
		diag_set(d, "an action of at most %d bytes and a future expiry",
			 NODE_ACTION_MAX);
		return LIA_EINVAL;
	}
	s = (struct send_args){
	    .id = row.id,
	    .kind = row.kind,
	    .record_id = row.record_id,
	    .action = action ? action : row.action,
	    .actor = actor,
	    .audit_action = "alert-update",
	    .expires = expires >= 0 ? expires : row.expires,
	    .version = row.version + 1,
	    .created = row.created,
	    .to = to,
	    .n_to = split_rcpt(row.recipients, to),
	};
	if (!s.n_to) {
		diag_set(d, "alert %s has no recipients", id);
		return LIA_EINVAL;
	}
	return alert_send(n, me, &s, d);
}

int node_alert_withdraw(struct node *n, const struct identity *me,
			const char *id, const char *reason, const char *actor,
			struct diag *d)
{
	struct alert_row row;
	char to[ENVELOPE_RECIPIENTS_MAX][MARKING_CODE_MAX + 1];
	const char *tp[ENVELOPE_RECIPIENTS_MAX];
	struct envelope_header h;
	struct store_outbound o;
	struct marking em;
	json_t *body = NULL;
	char *bs = NULL, eid[33], detail[256];
	uint8_t *env = NULL;
	size_t env_len = 0, n_to;
	int64_t now = (int64_t)time(NULL);
	int err;

	marking_init(&em);
	if (reason && strlen(reason) > NODE_REASON_MAX) {
		diag_set(d, "a reason of at most %d bytes", NODE_REASON_MAX);
		return LIA_EINVAL;
	}
	if ((err = alert_find(n, id, "issued", &row, d)))
		return err;
	if (strcmp(row.state, "active")) {
		diag_set(d, "alert %s is already withdrawn", id);
		return LIA_EINVAL;
	}
	n_to = split_rcpt(row.recipients, to);
	for (size_t i = 0; i < n_to; i++)
		tp[i] = to[i];
	if ((err = marking_copy(&em, &n->cfg.defaults)))
		goto out;
	(void)str_copy(em.agency, sizeof(em.agency), n->cfg.agency);
	body = json_pack("{s:i,s:s,s:s}", "v", ALERT_VERSION, "id", id,
			 "reason", reason ? reason : "");
	if (!body || !(bs = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = seal_to(n, me, ENVELOPE_ALERT_WITHDRAW, &em, to, n_to, bs,
			   now, &env, &env_len, eid, &h, d)))
		goto out;
	snprintf(detail, sizeof(detail),
		 "%s alert on record %.64s withdrawn; "
		 "envelope %s",
		 row.kind, row.record_id, eid);
	o = (struct store_outbound){
	    .env_id = eid,
	    .kind = "alert-withdraw",
	    .subject = "alert withdrawal",
	    .case_ref = "",
	    .created = h.created,
	    .expires = h.expires,
	    .bytes = env,
	    .len = env_len,
	    .recipients = tp,
	    .n_recipients = n_to,
	    .actor = actor,
	    .detail = detail,
	};
	{
		struct store_alert a = {
		    .id = row.id,
		    .role = "issued",
		    .issuer = row.issuer,
		    .kind = row.kind,
		    .record_id = row.record_id,
		    .action = row.action,
		    .recipients = row.recipients,
		    .expires = row.expires,
		    .version = row.version,
		    .state = "withdrawn",
		    .reason = reason ? reason : "",
		    .created = row.created,
		    .updated = now,
		};
		err = store_alert_save(n->store, &a, n_to ? &o : NULL, actor,
				       "alert-withdraw", detail, d);
	}
out:
	free(env);
	free(bs);
	json_decref(body);
	marking_free(&em);
	return err;
}

/* ----------------------------------------------------------- receive */

static int receive_alert(struct node *n, const struct envelope_header *h,
			 const char *env_id, const uint8_t *body, size_t len,
			 struct diag *d)
{
	struct node_alert a;
	struct store_record *cur = NULL;
	struct store_import imp;
	char files[128], actor[64], detail[256];
	const char *rid;
	int64_t now = (int64_t)time(NULL);
	int err;

	memset(&a, 0, sizeof(a));
	if ((err = node_alert_parse(body, len, &n->cfg.ladder, &a, d)))
		return err;
	rid = entity_id(a.record.entity);
	/* The receiver enforces the marking too. */
	if (!marking_allows(&a.record.marking, n->cfg.agency, NULL, 0)) {
		diag_set(d,
			 "alert %s: this node is outside the record's "
			 "audience",
			 a.id);
		err = LIA_EDENIED;
		goto out;
	}
	err = store_get(n->store, rid, &cur, NULL);
	if (!err && strcmp(cur->marking.agency, a.record.marking.agency)) {
		diag_set(d, "alert %s: record %s would replace a record of %s",
			 a.id, rid, cur->marking.agency);
		err = LIA_EDENIED;
		goto out;
	}
	if (err && err != LIA_ENOTFOUND)
		goto out;
	snprintf(actor, sizeof(actor), "peer:%s", h->sender);
	snprintf(detail, sizeof(detail),
		 "%s alert v%lld from %s on record "
		 "%.64s; envelope %s",
		 a.kind, (long long)a.version, h->sender, rid, env_id);
	{
		struct store_alert sa = {
		    .id = a.id,
		    .role = "received",
		    .issuer = h->sender,
		    .kind = a.kind,
		    .record_id = rid,
		    .action = a.action,
		    .recipients = "",
		    .expires = a.expires,
		    .version = a.version,
		    .state = "active",
		    .reason = "",
		    .created = now,
		    .updated = now,
		};
		err = store_alert_save(n->store, &sa, NULL, actor,
				       "alert-receive", detail, d);
	}
	/* A withdrawn alert, an older version or another issuer's id
	 * changes nothing; the envelope is still acknowledged so that the
	 * sender stops retrying. */
	if (err == LIA_EDENIED) {
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	/* Stored after the alert row and idempotently: a crash between the
	 * two is repaired by the redelivery. */
	snprintf(files, sizeof(files), "alert %s from %s", a.id, h->sender);
	imp = (struct store_import){
	    .format = "alert", .files = files, .actor = actor};
	if ((err = store_import_begin(n->store, &imp, NULL, d)))
		goto out;
	if ((err = store_put(n->store, a.record.entity, &a.record.marking, NULL,
			     d))) {
		store_import_abort(n->store);
		goto out;
	}
	err = store_import_commit(n->store, NULL, d);
out:
	store_record_free(cur);
	node_alert_release(&a);
	return err;
}

static int receive_withdraw(struct node *n, const struct envelope_header *h,
			    const char *env_id, const uint8_t *body, size_t len,
			    struct diag *d)
{
	struct alert_row row;
	struct node_alert_withdraw w;
	struct store_alert a;
	char actor[64], detail[256];
	int64_t now = (int64_t)time(NULL);
	int err;

	if ((err = node_alert_withdraw_parse(body, len, &w, d)))
		return err;
	err = alert_find(n, w.id, "received", &row, NULL);
	if (err && err != LIA_ENOTFOUND)
		return err;
	if (err || strcmp(row.issuer, h->sender)) {
		/* A withdrawal that overtook its alert leaves a tombstone
		 * the alert cannot revive (its record id differs); one for
		 * another issuer's alert is ignored. */
		if (!err)
			return 0;
		memset(&row, 0, sizeof(row));
		(void)str_copy(row.kind, sizeof(row.kind), "arrest");
		(void)str_copy(row.record_id, sizeof(row.record_id),
			       "(withdrawn before received)");
		row.version = 1;
		row.created = now;
	}
	snprintf(actor, sizeof(actor), "peer:%s", h->sender);
	snprintf(detail, sizeof(detail), "alert withdrawn by %s; envelope %s",
		 h->sender, env_id);
	a = (struct store_alert){
	    .id = w.id,
	    .role = "received",
	    .issuer = h->sender,
	    .kind = row.kind,
	    .record_id = row.record_id,
	    .action = row.action,
	    .recipients = "",
	    .expires = row.expires,
	    .version = row.version,
	    .state = "withdrawn",
	    .reason = w.reason,
	    .created = row.created,
	    .updated = now,
	};
	err = store_alert_save(n->store, &a, NULL, actor, "alert-withdrawn",
			       detail, d);
	return err == LIA_EDENIED ? 0 : err;
}

/* The channel column of alert_hits keeps the agency that asked when the
 * hit came from its hit/no-hit query, as "query:ASKER" (split again by
 * node_hits), so that both sides remember where the alert hit without a
 * column of its own. */
#define HIT_CHANNEL_MAX (16 + 1 + MARKING_CODE_MAX + 1)

static void hit_channel(const char *channel, const char *asker,
			char out[HIT_CHANNEL_MAX])
{
	if (asker && *asker)
		snprintf(out, HIT_CHANNEL_MAX, "%s:%s", channel, asker);
	else
		snprintf(out, HIT_CHANNEL_MAX, "%s", channel);
}

static int receive_hit(struct node *n, const struct envelope_header *h,
		       const char *env_id, const uint8_t *body, size_t len,
		       struct diag *d)
{
	struct alert_row row;
	struct node_hit hit;
	struct store_alert_hit sh;
	char actor[64], detail[320], channel[HIT_CHANNEL_MAX];
	int err;

	if ((err = node_hit_parse(body, len, &hit, d)))
		return err;
	hit_channel(hit.channel, hit.asker, channel);
	/* Only a partner the alert went to can report a hit on it. */
	if ((err = alert_find(n, hit.alert, "issued", &row, d)) ||
	    !in_list(row.recipients, h->sender)) {
		diag_set(d, "hit from %s on alert %s it was not sent",
			 h->sender, hit.alert);
		return LIA_EDENIED;
	}
	snprintf(actor, sizeof(actor), "peer:%s", h->sender);
	snprintf(detail, sizeof(detail),
		 "hit on %s alert (record %.64s) at "
		 "%s by %s%s%s, score %.2f; envelope %s",
		 row.kind, row.record_id, h->sender, hit.channel,
		 hit.asker[0] ? " asked by " : "", hit.asker, hit.score,
		 env_id);
	sh = (struct store_alert_hit){
	    .env_id = env_id,
	    .direction = "received",
	    .alert_id = hit.alert,
	    .agency = h->sender,
	    .at = hit.at,
	    .score = hit.score,
	    .channel = channel,
	    .schema = hit.schema,
	    .subject_key = "",
	};
	err = store_alert_hit_add(n->store, &sh, 0, NULL, actor, detail, d);
	return err == LIA_EEXIST ? 0 : err;
}

int node_alert_receive(struct node *n, const struct envelope_header *h,
		       const char *env_id, const uint8_t *body, size_t len,
		       const char **subject, struct diag *d)
{
	switch (h->kind) {
	case ENVELOPE_ALERT:
		*subject = "alert";
		return receive_alert(n, h, env_id, body, len, d);
	case ENVELOPE_ALERT_WITHDRAW:
		*subject = "alert withdrawal";
		return receive_withdraw(n, h, env_id, body, len, d);
	case ENVELOPE_HIT:
		*subject = "hit notification";
		return receive_hit(n, h, env_id, body, len, d);
	default:
		return LIA_EINVAL;
	}
}

/* ------------------------------------------------------------ report */

struct active_ctx {
	int64_t now;
	char **ids;
	size_t n, cap;
	const char *record_id;	/* report: match this record only */
	struct alert_row *rows; /* report: copies of the matches */
	size_t n_rows, max_rows;
};

static int active_cb(const struct store_alert *a, void *ctx)
{
	struct active_ctx *c = ctx;

	if (strcmp(a->role, "received") || strcmp(a->state, "active") ||
	    (a->expires && a->expires <= c->now))
		return 0;
	if (c->record_id) {
		if (strcmp(a->record_id, c->record_id) ||
		    c->n_rows >= c->max_rows)
			return 0;
		return row_copy(a, &c->rows[c->n_rows++]);
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		char **p;
		if (nc > SIZE_MAX / sizeof(*p))
			return LIA_ENOMEM;
		if (!(p = realloc(c->ids, nc * sizeof(*p))))
			return LIA_ENOMEM;
		c->ids = p;
		c->cap = nc;
	}
	if (!(c->ids[c->n] = strdup(a->record_id)))
		return LIA_ENOMEM;
	c->n++;
	return 0;
}

int node_alert_active_ids(struct node *n, int64_t now, char ***ids,
			  size_t *n_ids, struct diag *d)
{
	struct active_ctx c = {.now = now};
	int err = store_alert_each(n->store, active_cb, &c, d);

	if (err) {
		for (size_t i = 0; i < c.n; i++)
			free(c.ids[i]);
		free(c.ids);
		return err;
	}
	*ids = c.ids;
	*n_ids = c.n;
	return 0;
}

static int report_one(struct node *n, const struct identity *me,
		      const struct alert_row *row, double score,
		      const char *schema, const char *channel,
		      const char *asker, const char *subject, int64_t now,
		      bool *notified, struct diag *d)
{
	char to[1][MARKING_CODE_MAX + 1];
	const char *tp[1] = {to[0]};
	unsigned char key[crypto_generichash_BYTES];
	char keyhex[2 * crypto_generichash_BYTES + 1], eid[33], detail[320];
	char stored[HIT_CHANNEL_MAX];
	struct envelope_header h;
	struct store_outbound o;
	struct store_alert_hit sh;
	struct marking em;
	json_t *body = NULL;
	char *bs = NULL;
	uint8_t *env = NULL;
	size_t env_len = 0;
	int err;

	marking_init(&em);
	/* Only a hash of what was screened is kept, keyed with the alert
	 * id so that keys of different alerts cannot be compared. */
	crypto_generichash(key, sizeof(key), (const unsigned char *)subject,
			   strlen(subject), (const unsigned char *)row->id,
			   strlen(row->id));
	sodium_bin2hex(keyhex, sizeof(keyhex), key, sizeof(key));
	(void)str_copy(to[0], sizeof(to[0]), row->issuer);
	if (score > 1.0)
		score = 1.0;
	if ((err = marking_copy(&em, &n->cfg.defaults)))
		goto out;
	(void)str_copy(em.agency, sizeof(em.agency), n->cfg.agency);
	body = json_pack("{s:i,s:s,s:I,s:f,s:s,s:s}", "v", ALERT_VERSION,
			 "alert", row->id, "at", (json_int_t)now, "score",
			 score, "channel", channel, "schema", schema);
	if (!body ||
	    (asker && json_object_set_new(body, "asker", json_string(asker))) ||
	    !(bs = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	hit_channel(channel, asker, stored);
	if ((err = seal_to(n, me, ENVELOPE_HIT, &em, to, 1, bs, now, &env,
			   &env_len, eid, &h, d)))
		goto out;
	snprintf(detail, sizeof(detail),
		 "hit on %s alert %s of %s (record "
		 "%.64s) by %s%s%s, score %.2f; envelope %s",
		 row->kind, row->id, row->issuer, row->record_id, channel,
		 asker ? " asked by " : "", asker ? asker : "", score, eid);
	o = (struct store_outbound){
	    .env_id = eid,
	    .kind = "hit",
	    .subject = "hit notification",
	    .case_ref = "",
	    .created = h.created,
	    .expires = h.expires,
	    .bytes = env,
	    .len = env_len,
	    .recipients = tp,
	    .n_recipients = 1,
	    .actor = "node",
	    .detail = detail,
	};
	sh = (struct store_alert_hit){
	    .env_id = eid,
	    .direction = "sent",
	    .alert_id = row->id,
	    .agency = row->issuer,
	    .at = now,
	    .score = score,
	    .channel = stored,
	    .schema = schema,
	    .subject_key = keyhex,
	};
	/* The rule of node_hit_duplicate as a bound the store checks
	 * under its write lock: an earlier hit at or after since. */
	err = store_alert_hit_add(n->store, &sh, now - NODE_HIT_WINDOW + 1, &o,
				  "node", detail, d);
	if (err == LIA_EEXIST) {
		*notified = false;
		err = 0;
	} else if (!err) {
		*notified = true;
	}
out:
	free(env);
	free(bs);
	json_decref(body);
	marking_free(&em);
	return err;
}

int node_alert_report(struct node *n, const struct identity *me,
		      const char *record_id, double score, const char *schema,
		      const char *channel, const char *subject, int64_t now,
		      struct node_alert_match *out, size_t max, size_t *n_out,
		      struct diag *d)
{
	return node_alert_report_from(n, me, record_id, score, schema, channel,
				      NULL, subject, now, out, max, n_out, d);
}

int node_alert_report_from(struct node *n, const struct identity *me,
			   const char *record_id, double score,
			   const char *schema, const char *channel,
			   const char *asker, const char *subject, int64_t now,
			   struct node_alert_match *out, size_t max,
			   size_t *n_out, struct diag *d)
{
	/* On the heap: the receive path runs in the daemon's threads and
	 * eight rows are too big for a thread's stack to take lightly. */
	struct alert_row *rows = calloc(NODE_ALERT_HITS_MAX, sizeof(*rows));
	struct active_ctx c = {.now = now,
			       .record_id = record_id,
			       .rows = rows,
			       .max_rows = NODE_ALERT_HITS_MAX};
	size_t k = 0;
	int err;

	if (!rows)
		return LIA_ENOMEM;
	if (!record_id || !schema || !channel || !subject ||
	    (asker != NULL) != !strcmp(channel, "query")) {
		err = LIA_EINVAL;
		goto out;
	}
	if ((err = store_alert_each(n->store, active_cb, &c, d)))
		goto out;
	for (size_t i = 0; i < c.n_rows && k < max; i++) {
		struct node_alert_match *m = &out[k];
		bool notified = false;

		if ((err = report_one(n, me, &rows[i], score, schema, channel,
				      asker, subject, now, &notified, d)))
			goto out;
		memset(m, 0, sizeof(*m));
		memcpy(m->alert_id, rows[i].id, sizeof(m->alert_id));
		memcpy(m->issuer, rows[i].issuer, sizeof(m->issuer));
		memcpy(m->kind, rows[i].kind, sizeof(m->kind));
		memcpy(m->action, rows[i].action, sizeof(m->action));
		m->notified = notified;
		k++;
	}
	*n_out = k;
out:
	free(rows);
	return err;
}

/* ------------------------------------------------------------- lists */

static const char *state_of(const struct store_alert *a, int64_t now)
{
	if (strcmp(a->state, "active"))
		return a->state;
	return a->expires && a->expires <= now ? "expired" : "active";
}

static int list_cb(const struct store_alert *a, void *ctx)
{
	json_t *arr = ctx, *o;

	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:I,"
		      "s:I}",
		      "id", a->id, "role", a->role, "issuer", a->issuer, "kind",
		      a->kind, "record", a->record_id, "action", a->action,
		      "recipients", a->recipients, "expires",
		      (json_int_t)a->expires, "version", (json_int_t)a->version,
		      "state", state_of(a, (int64_t)time(NULL)), "reason",
		      a->reason, "created", (json_int_t)a->created, "updated",
		      (json_int_t)a->updated);
	return !o || json_array_append_new(arr, o) ? LIA_ENOMEM : 0;
}

int node_alert_list(struct node *n, json_t **out, struct diag *d)
{
	json_t *arr = json_array();
	int err;

	if (!arr)
		return LIA_ENOMEM;
	if ((err = store_alert_each(n->store, list_cb, arr, d))) {
		json_decref(arr);
		return err;
	}
	*out = arr;
	return 0;
}

struct hits_ctx {
	struct node *n;
	json_t *arr;
	struct diag *d;
};

static int hits_cb(const struct store_alert_hit *h, void *ctx)
{
	struct alert_row row;
	struct hits_ctx *c = ctx;
	char desc[256], channel[HIT_CHANNEL_MAX], *colon;
	const char *asker;
	json_t *o;
	int err;

	if (strcmp(h->direction, "received"))
		return 0;
	if ((err = alert_find(c->n, h->alert_id, "issued", &row, c->d)))
		return err;
	/* "query:ASKER" (hit_channel) is the channel and the asker. */
	snprintf(channel, sizeof(channel), "%s", h->channel);
	asker = NULL;
	if ((colon = strchr(channel, ':'))) {
		*colon = '\0';
		asker = colon + 1;
	}
	if (asker)
		snprintf(desc, sizeof(desc),
			 "%s asked about by %s (hit/no-hit query) at %s",
			 h->schema, asker, h->agency);
	else
		snprintf(desc, sizeof(desc), "%s screened (%s) at %s",
			 h->schema, channel, h->agency);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:f,s:s,s:s,s:s,s:s?}",
		      "notification", h->env_id, "alert", h->alert_id, "kind",
		      row.kind, "record", row.record_id, "action", row.action,
		      "agency", h->agency, "at", (json_int_t)h->at, "score",
		      h->score, "channel", channel, "schema", h->schema,
		      "description", desc, "asker", asker);
	return !o || json_array_append_new(c->arr, o) ? LIA_ENOMEM : 0;
}

int node_hits(struct node *n, json_t **out, struct diag *d)
{
	struct hits_ctx c = {.n = n, .arr = json_array(), .d = d};
	int err;

	if (!c.arr)
		return LIA_ENOMEM;
	if ((err = store_alert_hit_each(n->store, hits_cb, &c, d))) {
		json_decref(c.arr);
		return err;
	}
	*out = c.arr;
	return 0;
}

/* ------------------------------------------------------------ import */

#define IMPORT_HITS_MAX 1000 /* alert hits reported for one import */

struct imp_hit {
	char record_id[1025]; /* the alert's record */
	char schema[32];
	char subject[1100]; /* the imported record: id and name */
	double score;
};

struct imp_ctx {
	struct screen_index *ix;
	struct match_ctx *mc;
	int64_t last; /* the import just committed */
	struct imp_hit *hits;
	size_t n;
	struct diag *d;
};

static int last_cb(const struct store_record *r, void *ctx)
{
	struct imp_ctx *c = ctx;

	if (r->import_id > c->last)
		c->last = r->import_id;
	return 0;
}

static int imp_cb(const struct store_record *r, void *ctx)
{
	struct imp_ctx *c = ctx;
	struct screen_entry e;
	struct screen_entry_storage stg;
	struct screen_hit sh[NODE_ALERT_HITS_MAX];
	size_t nh = 0;
	int rc;

	if (r->import_id != c->last || !strcmp(r->source, "alert"))
		return 0;
	rc = screen_entry_from_entity(r->entity, r->source, &e, &stg);
	if (rc == LIA_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	for (size_t i = 0; i < e.n_names && c->n < IMPORT_HITS_MAX; i++) {
		struct screen_query q = {.name = e.names[i],
					 .kind = e.kind,
					 .extra = e.extra,
					 .list = "alert",
					 .limit = NODE_ALERT_HITS_MAX};

		if ((rc = screen_query(c->ix, c->mc, &q, sh,
				       NODE_ALERT_HITS_MAX, &nh, c->d)))
			return rc == LIA_EVALUE ? 0 : rc;
		for (size_t k = 0; k < nh && c->n < IMPORT_HITS_MAX; k++) {
			struct imp_hit *h = &c->hits[c->n];

			/* One subject per imported record: its other names
			 * hitting the same alert are the same person. */
			if (str_copy(h->record_id, sizeof(h->record_id),
				     sh[k].record_id) ||
			    str_copy(h->schema, sizeof(h->schema),
				     sh[k].schema))
				continue;
			snprintf(h->subject, sizeof(h->subject), "import|%s",
				 entity_id(r->entity));
			h->score = sh[k].score;
			c->n++;
		}
	}
	return 0;
}

int node_alert_screen_import(struct node *n, const struct identity *me,
			     size_t *notified, struct diag *d)
{
	struct imp_ctx c = {.d = d};
	struct store_query all = {0};
	struct identity *own = NULL;
	char **ids = NULL;
	size_t n_ids = 0, loaded = 0, sent = 0;
	int err;

	if ((err = node_alert_active_ids(n, (int64_t)time(NULL), &ids, &n_ids,
					 d)))
		return err;
	for (size_t i = 0; i < n_ids; i++)
		free(ids[i]);
	free(ids);
	if (!n_ids) {
		*notified = 0;
		return 0;
	}
	if (!me && (err = identity_load(n->home, &own, d)))
		return err;
	if (own)
		me = own;
	if ((err = match_ctx_new(&c.mc, d)) ||
	    (err = screen_index_new(&c.ix)) ||
	    (err = node_screen_load(n, c.ix, c.mc, "alert", &loaded, d)))
		goto out;
	if (!(c.hits = calloc(IMPORT_HITS_MAX, sizeof(*c.hits)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	/* Collected first and reported after: each report is its own write
	 * transaction, not nested in the read. */
	if (loaded && (!(err = store_each(n->store, &all, last_cb, &c, d)) &&
		       !(err = store_each(n->store, &all, imp_cb, &c, d)))) {
		for (size_t i = 0; i < c.n && !err; i++) {
			struct node_alert_match m[NODE_ALERT_HITS_MAX];
			size_t k = 0;

			err = node_alert_report(
			    n, me, c.hits[i].record_id, c.hits[i].score,
			    c.hits[i].schema, "import", c.hits[i].subject,
			    (int64_t)time(NULL), m, NODE_ALERT_HITS_MAX, &k, d);
			for (size_t j = 0; j < k; j++)
				sent += m[j].notified;
		}
	}
	if (!err)
		*notified = sent;
out:
	free(c.hits);
	screen_index_free(c.ix);
	match_ctx_free(c.mc);
	identity_free(own);
	return err;
}
