/*
 * router.c - the table of routes of the HTTP API, request checking and the
 * handlers.
 *
 * Every request goes through the same steps, in this order, so that the
 * answer to a bad request does not depend on the route: route (404, 405),
 * token (401), right of the role (403), query arguments and body (413,
 * 400), purpose for personal data (400), then the handler. The role ->
 * right table is users_may (src/users/users.c), documented in
 * docs/API.md.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "liaison/api.h"
#include "liaison/entity.h"
#include "liaison/match.h"
#include "liaison/screen.h"

#define PURPOSE_MAX 256
#define NAME_FIELD_MAX 1024 /* bytes of a screened or compared name */
#define ID_MAX 128
#define LOGIN_SLOTS 64
#define HIST_BUCKETS 8
#define METRIC_SLOTS 128

/* ------------------------------------------------------------ context */

struct login_slot {
	char name[USERS_NAME_MAX + 1];
	unsigned fails;
	int64_t until;
};

struct metric {
	char route[64]; /* a copy: the caller's buffer does not live on */
	unsigned status;
	uint64_t count;
};

struct api {
	struct node *n;
	struct match_ctx *mc;
	struct screen_index *ix;
	size_t screened_records;
	struct login_slot logins[LOGIN_SLOTS];
	struct metric metrics[METRIC_SLOTS];
	uint64_t hist[HIST_BUCKETS + 1]; /* last one is +Inf */
	double hist_sum;
	uint64_t hist_count;
	uint64_t screen_names, screen_hits;
};

static const double hist_le[HIST_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005,
					     0.01,   0.025, 0.1,    1.0};

int api_new(struct node *n, struct api **out, struct diag *d)
{
	struct api *a;
	int err;

	if (!n || !out)
		return LIA_EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return LIA_ENOMEM;
	a->n = n;
	/* One index for the life of the listener: building it costs seconds
	 * for a million names, a request must cost microseconds. */
	if ((err = match_ctx_new(&a->mc, d)) ||
	    (err = screen_index_new(&a->ix)) ||
	    (err = node_screen_load(n, a->ix, a->mc, NULL, &a->screened_records,
				    d)))
		goto out;
	*out = a;
	a = NULL;
out:
	api_free(a);
	return err;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	screen_index_free(a->ix);
	match_ctx_free(a->mc);
	free(a);
}

void api_observe(struct api *a, const char *route, unsigned status,
		 double seconds)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < METRIC_SLOTS && a->metrics[i].route[0]; i++)
		if (a->metrics[i].status == status &&
		    !strcmp(a->metrics[i].route, route))
			break;
	if (i < METRIC_SLOTS) {
		snprintf(a->metrics[i].route, sizeof(a->metrics[i].route), "%s",
			 route);
		a->metrics[i].status = status;
		a->metrics[i].count++;
	}
	for (i = 0; i < HIST_BUCKETS && seconds > hist_le[i]; i++)
		;
	a->hist[i]++;
	a->hist_sum += seconds;
	a->hist_count++;
}

/* ------------------------------------------------------------- request */

struct call {
	struct api *a;
	const struct api_request *rq;
	struct api_response *rs;
	const struct route *rt;
	struct users_info user;
	char actor[USERS_NAME_MAX + 8];
	const char *purpose;
	char param[ID_MAX + 1]; /* the {id} of the path */
	size_t limit;
	const char *after;
	json_t *body;
};

typedef void (*handler_fn)(struct call *c);

enum ftype { F_STRING, F_NUMBER, F_INTEGER, F_STRINGS };

struct field {
	const char *name;
	enum ftype type;
	bool required;
	size_t max; /* bytes of a string, entries of an array */
};

struct route {
	const char *method, *pattern;
	bool auth;
	enum users_right right;
	bool personal;		  /* needs a purpose; audited */
	const struct field *body; /* NULL: no body accepted */
	const char *const *args;  /* allowed query arguments */
	handler_fn fn;
};

static void reply_json(struct call *c, unsigned status, json_t *v)
{
	char *s;

	c->rs->status = status;
	c->rs->content_type = "application/json";
	strbuf_reset(&c->rs->body);
	s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!s || strbuf_addstr(&c->rs->body, s) ||
	    strbuf_addch(&c->rs->body, '\n')) {
		c->rs->status = 500;
		strbuf_reset(&c->rs->body);
		(void)strbuf_addstr(&c->rs->body,
				    "{\"error\":{\"code\":\"internal\","
				    "\"message\":\"out of memory\"}}\n");
	}
	free(s);
	json_decref(v);
}

static void reply_error(struct api_response *rs, unsigned status,
			const char *code, const char *msg)
{
	json_t *v =
	    json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	struct call c = {.rs = rs};

	reply_json(&c, status, v);
}

static void fail(struct call *c, unsigned status, const char *code,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail(struct call *c, unsigned status, const char *code,
		 const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message may echo a field name from the request: jansson
	 * escapes it, and it is cut to a bounded length above. */
	reply_error(c->rs, status, code, msg);
}

static void fail_store(struct call *c, int err, const struct diag *d)
{
	if (err == LIA_ENOTFOUND)
		fail(c, 404, "not_found", "%s",
		     d->msg[0] ? d->msg : "not found");
	else if (err == LIA_EINVAL || err == LIA_ETOOBIG || err == LIA_EPARSE)
		fail(c, 400, "bad_request", "%s",
		     d->msg[0] ? d->msg : err_str(err));
	else if (err == LIA_EBUSY)
		fail(c, 503, "busy", "the store is busy; try again");
	else
		fail(c, 500, "internal", "%s", err_str(err));
}

static bool audit(struct call *c, const char *action, const char *object,
		  const char *what)
{
	char detail[PURPOSE_MAX + 160];
	struct diag d;
	int err;

	diag_clear(&d);
	snprintf(detail, sizeof(detail), "purpose: %s; %s", c->purpose, what);
	if ((err = store_audit(c->a->n->store, c->actor, action, object, detail,
			       &d))) {
		/* No audit row, no data: the trail must not miss a read. */
		fail_store(c, err, &d);
		return false;
	}
	return true;
}

/* A list answer: {"items":[...],"next":cursor-or-null}. */
static void reply_list(struct call *c, json_t *items, const char *next)
{
	reply_json(c, 200,
		   json_pack("{s:o,s:s?}", "items", items, "next", next));
}

static bool after_i64(struct call *c, int64_t *out)
{
	int64_t v = 0;

	if (c->after && (str_to_i64(c->after, strlen(c->after), &v) || v < 0)) {
		fail(c, 400, "bad_request",
		     "after: must be a cursor returned as next");
		return false;
	}
	*out = v;
	return true;
}

/* ----------------------------------------------------------- handlers */

static void h_health(struct call *c)
{
	reply_json(c, 200,
		   json_pack("{s:s,s:s,s:I}", "status", "ok", "agency",
			     c->a->n->cfg.agency, "screening_records",
			     (json_int_t)c->a->screened_records));
}

static void h_metrics(struct call *c)
{
	struct strbuf *b = &c->rs->body;
	struct api *a = c->a;
	uint64_t cum = 0;
	int err = 0;

	strbuf_reset(b);
	err |= strbuf_addstr(b, "# HELP liaison_api_requests_total API "
				"requests by route and status.\n"
				"# TYPE liaison_api_requests_total counter\n");
	for (size_t i = 0; i < METRIC_SLOTS && a->metrics[i].route[0]; i++)
		err |= strbuf_addf(b,
				   "liaison_api_requests_total{route=\"%s\","
				   "status=\"%u\"} %llu\n",
				   a->metrics[i].route, a->metrics[i].status,
				   (unsigned long long)a->metrics[i].count);
	err |= strbuf_addstr(b, "# HELP liaison_api_request_seconds Time to "
				"answer a request.\n"
				"# TYPE liaison_api_request_seconds "
				"histogram\n");
	for (size_t i = 0; i <= HIST_BUCKETS; i++) {
		cum += a->hist[i];
		if (i < HIST_BUCKETS)
			err |= strbuf_addf(b,
					   "liaison_api_request_seconds_bucket"
					   "{le=\"%g\"} %llu\n",
					   hist_le[i], (unsigned long long)cum);
		else
			err |= strbuf_addf(b,
					   "liaison_api_request_seconds_bucket"
					   "{le=\"+Inf\"} %llu\n",
					   (unsigned long long)cum);
	}
	err |= strbuf_addf(b,
			   "liaison_api_request_seconds_sum %.6f\n"
			   "liaison_api_request_seconds_count %llu\n"
			   "# HELP liaison_screen_names_total Names screened "
			   "through the API.\n"
			   "# TYPE liaison_screen_names_total counter\n"
			   "liaison_screen_names_total %llu\n"
			   "# HELP liaison_screen_hits_total Hits returned by "
			   "screening through the API.\n"
			   "# TYPE liaison_screen_hits_total counter\n"
			   "liaison_screen_hits_total %llu\n"
			   "# HELP liaison_screen_records Records in the "
			   "screening index.\n"
			   "# TYPE liaison_screen_records gauge\n"
			   "liaison_screen_records %zu\n",
			   a->hist_sum, (unsigned long long)a->hist_count,
			   (unsigned long long)a->screen_names,
			   (unsigned long long)a->screen_hits,
			   a->screened_records);
	if (err) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	c->rs->status = 200;
	c->rs->content_type = "text/plain; version=0.0.4";
}

static struct login_slot *login_slot(struct api *a, const char *name,
				     bool create)
{
	struct login_slot *oldest = &a->logins[0];

	for (size_t i = 0; i < LOGIN_SLOTS; i++) {
		if (!strcmp(a->logins[i].name, name))
			return &a->logins[i];
		if (a->logins[i].until < oldest->until)
			oldest = &a->logins[i];
	}
	if (!create)
		return NULL;
	/* The table is bounded: an attacker cycling names evicts the
	 * oldest pause, which costs them the pause they waited out. */
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->name, sizeof(oldest->name), "%s", name);
	return oldest;
}

static void h_sessions(struct call *c)
{
	const char *name = json_string_value(json_object_get(c->body, "name"));
	json_t *pw = json_object_get(c->body, "password");
	const char *pass = json_string_value(pw);
	size_t plen = json_string_length(pw);
	int64_t now = (int64_t)time(NULL), id;
	char tok[API_TOKEN_LEN + 1];
	struct login_slot *sl;
	struct diag d;
	int err;

	diag_clear(&d);
	if (!users_name_ok(name)) {
		fail(c, 401, "unauthenticated", "wrong name or password");
		return;
	}
	sl = login_slot(c->a, name, false);
	if (sl && sl->fails >= API_LOGIN_FAILS && sl->until > now) {
		fail(c, 429, "too_many_requests",
		     "too many failed logins for this name; wait %lld s",
		     (long long)(sl->until - now));
		return;
	}
	err = users_check_password(c->a->n->store, name, pass, plen, &d);
	if (err == LIA_EDENIED || err == LIA_ENOTFOUND) {
		sl = login_slot(c->a, name, true);
		if (++sl->fails >= API_LOGIN_FAILS)
			sl->until = now + API_LOGIN_PAUSE_S;
		fail(c, 401, "unauthenticated", "wrong name or password");
		return;
	}
	if (err) {
		fail_store(c, err, &d);
		return;
	}
	if ((sl = login_slot(c->a, name, false)))
		memset(sl, 0, sizeof(*sl));
	if ((err = api_token_create(c->a->n->store, name, "session",
				    now + API_SESSION_TTL_S, name, tok, &id,
				    &d))) {
		fail_store(c, err, &d);
		return;
	}
	reply_json(c, 201,
		   json_pack("{s:s,s:I,s:I}", "token", tok, "id",
			     (json_int_t)id, "expires",
			     (json_int_t)(now + API_SESSION_TTL_S)));
	sodium_memzero(tok, sizeof(tok));
}

static json_t *hits_json(const struct screen_hit *h, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:s,s:s,s:s,s:s,s:f}", "record_id",
				   h[i].record_id, "list", h[i].list, "schema",
				   h[i].schema, "matched_name",
				   h[i].matched_name, "score", h[i].score));
	return arr;
}

static int screen_one(struct call *c, const char *name, json_t **out)
{
	json_t *th = json_object_get(c->body, "threshold");
	json_t *li = json_object_get(c->body, "limit");
	struct screen_hit hits[50];
	struct screen_query q = {
	    .name = name,
	    .kind = MATCH_ANY,
	    .list = json_string_value(json_object_get(c->body, "list")),
	    .threshold = th ? json_number_value(th) : 0,
	    .limit = li ? (size_t)json_integer_value(li) : 0,
	};
	size_t nh = 0;
	struct diag d;
	int err;

	diag_clear(&d);
	if ((err = screen_query(c->a->ix, c->a->mc, &q, hits, 50, &nh, &d)))
		return err;
	c->a->screen_names++;
	c->a->screen_hits += nh;
	*out =
	    json_pack("{s:s,s:o}", "name", name, "hits", hits_json(hits, nh));
	return *out ? 0 : LIA_ENOMEM;
}

static void h_screen(struct call *c)
{
	json_t *one = json_object_get(c->body, "name");
	json_t *many = json_object_get(c->body, "names");
	json_t *th = json_object_get(c->body, "threshold");
	json_t *li = json_object_get(c->body, "limit");
	json_t *res = NULL, *arr = NULL, *r;
	size_t total = 0, i;
	char what[64];
	json_t *v;
	int err = 0;

	if (!one == !many) {
		fail(c, 400, "bad_request",
		     "give exactly one of name or names");
		return;
	}
	if (th && (json_number_value(th) < 0 || json_number_value(th) > 1)) {
		fail(c, 400, "bad_request", "threshold: must be within 0..1");
		return;
	}
	if (li && (json_integer_value(li) < 1 || json_integer_value(li) > 50)) {
		fail(c, 400, "bad_request", "limit: must be within 1..50");
		return;
	}
	if (one) {
		if ((err = screen_one(c, json_string_value(one), &res)))
			goto out;
		total = json_array_size(json_object_get(res, "hits"));
	} else {
		if (!(arr = json_array())) {
			err = LIA_ENOMEM;
			goto out;
		}
		json_array_foreach (many, i, v) {
			if ((err = screen_one(c, json_string_value(v), &r)))
				goto out;
			total += json_array_size(json_object_get(r, "hits"));
			json_array_append_new(arr, r);
		}
		res = json_pack("{s:O}", "results", arr);
	}
	/* The audit row names how many, not who: the trail is read by
	 * auditors, who may not see personal data. */
	snprintf(what, sizeof(what), "%zu names, %zu hits",
		 one ? (size_t)1 : json_array_size(many), total);
	if (!audit(c, "api.screen", "screening", what))
		goto out;
	reply_json(c, 200, res);
	res = NULL;
out:
	if (err) {
		struct diag d = {0};
		fail_store(c, err, &d);
	}
	json_decref(res);
	json_decref(arr);
}

static void h_compare(struct call *c)
{
	const char *x = json_string_value(json_object_get(c->body, "a"));
	const char *y = json_string_value(json_object_get(c->body, "b"));
	struct match_name *na = NULL, *nb = NULL;
	struct match_explain ex;
	struct diag d;
	double score;
	int err;

	diag_clear(&d);
	memset(&ex, 0, sizeof(ex));
	if ((err = match_prepare(c->a->mc, x, strlen(x), MATCH_ANY, &na, &d)) ||
	    (err = match_prepare(c->a->mc, y, strlen(y), MATCH_ANY, &nb, &d))) {
		fail(c, 400, "bad_request", "%s", d.msg);
		goto out;
	}
	score = match_score(na, NULL, nb, NULL, &ex);
	if (!audit(c, "api.compare", "names", "2 names"))
		goto out;
	reply_json(c, 200, json_pack("{s:f}", "score", score));
out:
	match_name_free(na);
	match_name_free(nb);
}

static void h_record(struct call *c)
{
	struct store_record *r = NULL;
	json_t *ent = NULL;
	struct diag d;
	int err;

	diag_clear(&d);
	if ((err = store_get(c->a->n->store, c->param, &r, &d))) {
		fail_store(c, err, &d);
		return;
	}
	if (!audit(c, "api.record.get", c->param, "read"))
		goto out;
	if (entity_to_jansson(r->entity, &ent)) {
		fail(c, 500, "internal", "out of memory");
		goto out;
	}
	reply_json(c, 200,
		   json_pack("{s:s,s:o,s:I,s:s,s:s,s:s,s:s,s:s}", "id",
			     c->param, "entity", ent, "version",
			     (json_int_t)r->version, "first_seen",
			     r->first_seen, "last_changed", r->last_changed,
			     "source", r->source, "agency", r->marking.agency,
			     "classification", r->marking.classification));
out:
	store_record_free(r);
}

struct list_ctx {
	json_t *items;
	size_t limit, seen;
	int64_t skip, last;
	const char *after_s;
	char next[USERS_NAME_MAX + 1];
};

static int search_cb(const struct store_hit *h, void *ctx)
{
	struct list_ctx *l = ctx;

	l->seen++;
	if (l->seen > l->limit)
		return 0;
	json_array_append_new(l->items,
			      json_pack("{s:s,s:s,s:s,s:f}", "id", h->id,
					"schema", h->schema, "caption",
					h->caption, "rank", h->rank));
	return 0;
}

static void h_records(struct call *c)
{
	const char *q = NULL;
	struct list_ctx l = {.limit = c->limit};
	struct store_query sq;
	char next[32], what[64];
	int64_t off;
	struct diag d;
	int err;

	for (size_t i = 0; i < c->rq->n_args; i++)
		if (!strcmp(c->rq->args[i].name, "q"))
			q = c->rq->args[i].value;
	if (!q || !*q) {
		fail(c, 400, "bad_request", "q: required");
		return;
	}
	if (!after_i64(c, &off))
		return;
	diag_clear(&d);
	memset(&sq, 0, sizeof(sq));
	sq.text = q;
	sq.limit = c->limit + 1;
	sq.offset = (size_t)off;
	if (!(l.items = json_array())) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	if ((err = store_search(c->a->n->store, &sq, search_cb, &l, &d))) {
		json_decref(l.items);
		fail_store(c, err, &d);
		return;
	}
	snprintf(what, sizeof(what), "search, %zu results",
		 json_array_size(l.items));
	if (!audit(c, "api.record.search", "records", what)) {
		json_decref(l.items);
		return;
	}
	snprintf(next, sizeof(next), "%lld",
		 (long long)off + (long long)c->limit);
	reply_list(c, l.items, l.seen > c->limit ? next : NULL);
}

static int history_cb(const struct store_version *v, void *ctx)
{
	struct list_ctx *l = ctx;

	if (v->version <= l->skip)
		return 0;
	l->seen++;
	if (l->seen > l->limit)
		return 0;
	l->last = v->version;
	json_array_append_new(l->items,
			      json_pack("{s:I,s:s,s:s,s:s,s:s}", "version",
					(json_int_t)v->version, "created",
					v->created, "actor", v->actor, "format",
					v->format, "hash", v->hash));
	return 0;
}

static void h_history(struct call *c)
{
	struct list_ctx l = {.limit = c->limit};
	char next[32];
	struct diag d;
	int err;

	if (!after_i64(c, &l.skip))
		return;
	diag_clear(&d);
	if (!(l.items = json_array())) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	if ((err =
		 store_history(c->a->n->store, c->param, history_cb, &l, &d))) {
		json_decref(l.items);
		fail_store(c, err, &d);
		return;
	}
	if (!audit(c, "api.record.history", c->param, "history")) {
		json_decref(l.items);
		return;
	}
	snprintf(next, sizeof(next), "%lld", (long long)l.last);
	reply_list(c, l.items, l.seen > c->limit ? next : NULL);
}

/* Lists the store gives whole are paged by position: the cursor is the
 * number of rows already returned. */
static bool page_take(struct list_ctx *l)
{
	l->seen++;
	return (int64_t)l->seen > l->skip &&
	       (int64_t)l->seen <= l->skip + (int64_t)l->limit;
}

static void reply_paged(struct call *c, struct list_ctx *l)
{
	char next[32];

	snprintf(next, sizeof(next), "%lld",
		 (long long)l->skip + (long long)l->limit);
	reply_list(c, l->items,
		   (int64_t)l->seen > l->skip + (int64_t)l->limit ? next
								  : NULL);
}

static int alert_cb(const struct store_alert *x, void *ctx)
{
	struct list_ctx *l = ctx;

	if (page_take(l))
		json_array_append_new(
		    l->items,
		    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,"
			      "s:I}",
			      "id", x->id, "role", x->role, "issuer", x->issuer,
			      "kind", x->kind, "record_id", x->record_id,
			      "action", x->action, "state", x->state, "version",
			      (json_int_t)x->version, "created",
			      (json_int_t)x->created, "updated",
			      (json_int_t)x->updated, "expires",
			      (json_int_t)x->expires));
	return 0;
}

static int hit_cb(const struct store_alert_hit *h, void *ctx)
{
	struct list_ctx *l = ctx;

	if (page_take(l))
		json_array_append_new(
		    l->items,
		    json_pack("{s:s,s:s,s:s,s:s,s:I,s:f,s:s,s:s}", "env_id",
			      h->env_id, "direction", h->direction, "alert_id",
			      h->alert_id, "agency", h->agency, "at",
			      (json_int_t)h->at, "score", h->score, "channel",
			      h->channel, "schema", h->schema));
	return 0;
}

static int msg_cb(const struct store_msg_row *m, void *ctx)
{
	struct list_ctx *l = ctx;

	if (page_take(l))
		json_array_append_new(
		    l->items,
		    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
			      m->env_id, "peer", m->peer, "kind", m->kind,
			      "subject", m->subject ? m->subject : "", "case",
			      m->case_ref ? m->case_ref : "", "state", m->state,
			      "created", m->created ? m->created : "",
			      "updated", m->updated ? m->updated : ""));
	return 0;
}

static int peer_cb(const struct store_peer *p, void *ctx)
{
	struct list_ctx *l = ctx;

	if (page_take(l))
		json_array_append_new(
		    l->items, json_pack("{s:s,s:s,s:s,s:s}", "agency",
					p->agency, "url", p->url, "tls_sha256",
					p->tls_sha256, "added", p->added));
	return 0;
}

static int user_cb(const struct users_info *u, void *ctx)
{
	struct list_ctx *l = ctx;

	if (page_take(l))
		json_array_append_new(
		    l->items, json_pack("{s:s,s:s,s:I}", "name", u->name,
					"role", users_role_name(u->role),
					"created", (json_int_t)u->created));
	return 0;
}

enum paged_kind { P_ALERTS, P_HITS, P_INBOX, P_OUTBOX, P_PEERS, P_USERS };

static void paged(struct call *c, enum paged_kind k, const char *action)
{
	struct list_ctx l = {.limit = c->limit};
	struct store *st = c->a->n->store;
	struct diag d;
	int err = 0;

	if (!after_i64(c, &l.skip))
		return;
	diag_clear(&d);
	if (!(l.items = json_array())) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	switch (k) {
	case P_ALERTS:
		err = store_alert_each(st, alert_cb, &l, &d);
		break;
	case P_HITS:
		err = store_alert_hit_each(st, hit_cb, &l, &d);
		break;
	case P_INBOX:
		err = store_inbox_each(st, msg_cb, &l, &d);
		break;
	case P_OUTBOX:
		err = store_outbox_each(st, msg_cb, &l, &d);
		break;
	case P_PEERS:
		err = store_peer_each(st, peer_cb, &l, &d);
		break;
	case P_USERS:
		err = users_each(st, user_cb, &l, &d);
		break;
	}
	if (err) {
		json_decref(l.items);
		fail_store(c, err, &d);
		return;
	}
	if (c->rt->personal && !audit(c, action, "list", "list")) {
		json_decref(l.items);
		return;
	}
	reply_paged(c, &l);
}

static void h_alerts(struct call *c)
{
	paged(c, P_ALERTS, "api.alerts");
}
static void h_hits(struct call *c)
{
	paged(c, P_HITS, "api.hits");
}
static void h_inbox(struct call *c)
{
	paged(c, P_INBOX, "api.inbox");
}
static void h_outbox(struct call *c)
{
	paged(c, P_OUTBOX, "api.outbox");
}
static void h_peers(struct call *c)
{
	paged(c, P_PEERS, "api.peers");
}
static void h_users(struct call *c)
{
	paged(c, P_USERS, "api.users");
}

static int audit_cb(int64_t id, const char *at, const char *actor,
		    const char *action, const char *object, const char *detail,
		    void *ctx)
{
	struct list_ctx *l = ctx;

	l->seen++;
	if (l->seen > l->limit)
		return 1; /* enough: one more row proves there is a next */
	l->last = id;
	json_array_append_new(
	    l->items,
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)id, "at",
		      at, "actor", actor, "action", action, "object",
		      object ? object : "", "detail", detail ? detail : ""));
	return 0;
}

static void h_audit(struct call *c)
{
	struct list_ctx l = {.limit = c->limit};
	char next[32];
	int64_t since;
	struct diag d;
	int err;

	if (!after_i64(c, &since))
		return;
	diag_clear(&d);
	if (!(l.items = json_array())) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	err = store_audit_each(c->a->n->store, since, audit_cb, &l, &d);
	if (err && err != 1) {
		json_decref(l.items);
		fail_store(c, err, &d);
		return;
	}
	snprintf(next, sizeof(next), "%lld", (long long)l.last);
	reply_list(c, l.items, l.seen > c->limit ? next : NULL);
}

static int head_cb(const struct store_ledger_head *h, void *ctx)
{
	struct store_ledger_head *last = ctx;

	*last = *h;
	return 0;
}

static void h_ledger_head(struct call *c)
{
	struct store_ledger_head h = {0};
	char root[2 * STORE_LEDGER_HASH + 1], pk[65], sig[129];
	struct diag d;
	int err;

	diag_clear(&d);
	if ((err = store_ledger_head_each(c->a->n->store, head_cb, &h, &d))) {
		fail_store(c, err, &d);
		return;
	}
	if (!h.size) {
		fail(c, 404, "not_found", "the ledger has no head yet");
		return;
	}
	sodium_bin2hex(root, sizeof(root), h.root, sizeof(h.root));
	sodium_bin2hex(pk, sizeof(pk), h.pk, sizeof(h.pk));
	sodium_bin2hex(sig, sizeof(sig), h.sig, sizeof(h.sig));
	reply_json(c, 200,
		   json_pack("{s:I,s:s,s:I,s:s,s:s}", "size",
			     (json_int_t)h.size, "root", root, "time_ms",
			     (json_int_t)h.time_ms, "pk", pk, "sig", sig));
}

/* --------------------------------------------------------------- events */

/* The kind of event an audit action is for a case worker, or NULL when it
 * is for auditors only. */
static const char *event_kind(const char *action)
{
	static const struct {
		const char *prefix, *kind;
	} map[] = {
	    {"receipt", "receipt"}, {"receive", "message"},
	    {"alert", "alert"},	    {"hit-", "hit"},
	    {"approve", "request"}, {"refuse", "request"},
	    {"request", "request"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strncmp(action, map[i].prefix, strlen(map[i].prefix)))
			return map[i].kind;
	return NULL;
}

struct ev_ctx {
	unsigned mask;
	size_t max, n;
	struct strbuf *out;
	int64_t last;
	int err;
};

static int ev_cb(int64_t id, const char *at, const char *actor,
		 const char *action, const char *object, const char *detail,
		 void *ctx)
{
	struct ev_ctx *e = ctx;
	const char *kind = event_kind(action);
	json_t *v = NULL;
	char *s = NULL;

	if (e->n >= e->max)
		return 1;
	e->last = id;
	if (e->mask & API_EV_AUDIT)
		v = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)id,
			      "at", at, "actor", actor, "action", action,
			      "object", object ? object : "", "detail",
			      detail ? detail : "");
	else if ((e->mask & API_EV_CASE) && kind)
		v = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)id, "at",
			      at, "kind", kind, "object", object ? object : "");
	else
		return 0;
	/* Compact JSON has no newline, so one data: line carries it. */
	if (!v || !(s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) ||
	    strbuf_addf(e->out, "id: %lld\nevent: %s\ndata: %s\n\n",
			(long long)id,
			(e->mask & API_EV_AUDIT) ? "audit" : kind, s))
		e->err = LIA_ENOMEM;
	free(s);
	json_decref(v);
	e->n++;
	return e->err ? 1 : 0;
}

int api_events_next(struct api *a, int64_t since, unsigned mask, size_t max,
		    struct strbuf *out, int64_t *last, struct diag *d)
{
	struct ev_ctx e = {.mask = mask, .max = max, .out = out, .last = since};
	int err;

	if (!a || !out || !last || since < 0 || !max)
		return LIA_EINVAL;
	err = store_audit_each(a->n->store, since, ev_cb, &e, d);
	if (err && err != 1)
		return err;
	if (e.err)
		return e.err;
	*last = e.last;
	return 0;
}

static void h_events(struct call *c)
{
	const char *lei = c->rq->last_event_id;
	int64_t since = 0;

	if (lei && *lei &&
	    (str_to_i64(lei, strlen(lei), &since) || since < 0)) {
		fail(c, 400, "bad_request",
		     "Last-Event-ID: must be an id of an event");
		return;
	}
	if (!(lei && *lei) && !after_i64(c, &since))
		return;
	c->rs->status = 200;
	c->rs->content_type = "text/event-stream";
	c->rs->stream = true;
	c->rs->stream_since = since;
	c->rs->stream_mask = users_may(c->user.role, USERS_READ_AUDIT)
				 ? API_EV_AUDIT
				 : API_EV_CASE;
}

/* -------------------------------------------------------------- table */

static const char *const no_args[] = {NULL};
static const char *const list_args[] = {"limit", "after", "purpose", NULL};
static const char *const search_args[] = {"q", "limit", "after", "purpose",
					  NULL};
static const char *const purpose_args[] = {"purpose", NULL};
static const char *const events_args[] = {"after", NULL};

static const struct field session_body[] = {
    {"name", F_STRING, true, USERS_NAME_MAX},
    {"password", F_STRING, true, USERS_PASSPHRASE_MAX},
    {0},
};
static const struct field screen_body[] = {
    {"name", F_STRING, false, NAME_FIELD_MAX},
    {"names", F_STRINGS, false, API_BATCH_MAX},
    {"list", F_STRING, false, 64},
    {"threshold", F_NUMBER, false, 0},
    {"limit", F_INTEGER, false, 0},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {0},
};
static const struct field compare_body[] = {
    {"a", F_STRING, true, NAME_FIELD_MAX},
    {"b", F_STRING, true, NAME_FIELD_MAX},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {0},
};

#define PUBLIC false, 0, false
static const struct route routes[] = {
    {"GET", "/v1/health", PUBLIC, NULL, no_args, h_health},
    {"POST", "/v1/sessions", PUBLIC, session_body, no_args, h_sessions},
    {"GET", "/v1/metrics", true, USERS_READ_METRICS, false, NULL, no_args,
     h_metrics},
    {"POST", "/v1/screen", true, USERS_SCREEN, true, screen_body, purpose_args,
     h_screen},
    {"POST", "/v1/compare", true, USERS_SCREEN, true, compare_body,
     purpose_args, h_compare},
    {"GET", "/v1/records", true, USERS_READ_RECORDS, true, NULL, search_args,
     h_records},
    {"GET", "/v1/records/{id}", true, USERS_READ_RECORDS, true, NULL,
     purpose_args, h_record},
    {"GET", "/v1/records/{id}/history", true, USERS_READ_RECORDS, true, NULL,
     list_args, h_history},
    {"GET", "/v1/alerts", true, USERS_READ_ALERTS, true, NULL, list_args,
     h_alerts},
    {"GET", "/v1/hits", true, USERS_READ_ALERTS, true, NULL, list_args, h_hits},
    {"GET", "/v1/messages/inbox", true, USERS_READ_MESSAGES, true, NULL,
     list_args, h_inbox},
    {"GET", "/v1/messages/outbox", true, USERS_READ_MESSAGES, true, NULL,
     list_args, h_outbox},
    {"GET", "/v1/audit", true, USERS_READ_AUDIT, false, NULL, list_args,
     h_audit},
    {"GET", "/v1/users", true, USERS_MANAGE_USERS, false, NULL, list_args,
     h_users},
    {"GET", "/v1/peers", true, USERS_MANAGE_PEERS, false, NULL, list_args,
     h_peers},
    {"GET", "/v1/ledger/head", true, USERS_READ_LEDGER, false, NULL, no_args,
     h_ledger_head},
    {"GET", "/v1/events", true, USERS_READ_EVENTS, false, NULL, events_args,
     h_events},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

size_t api_route_count(void)
{
	return N_ROUTES;
}

const char *api_route_name(size_t i, const char **method)
{
	if (i >= N_ROUTES)
		return NULL;
	if (method)
		*method = routes[i].method;
	return routes[i].pattern;
}

static bool id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
	       ch == '.' || ch == ':';
}

/* Does path match pattern? A "{id}" segment takes 1..ID_MAX id
 * characters, copied to param (may be NULL). */
static bool path_match(const char *pattern, const char *path, char *param)
{
	const char *p = pattern, *s = path;

	while (*p) {
		if (!strncmp(p, "{id}", 4)) {
			size_t n = 0;

			while (s[n] && s[n] != '/') {
				if (!id_char(s[n]) || n >= ID_MAX)
					return false;
				n++;
			}
			if (!n)
				return false;
			if (param) {
				memcpy(param, s, n);
				param[n] = 0;
			}
			s += n;
			p += 4;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *s == 0;
}

static const struct route *route_find(const char *method, const char *path,
				      bool *method_ok, char *param)
{
	bool any = false;

	for (size_t i = 0; i < N_ROUTES; i++) {
		if (!path_match(routes[i].pattern, path, NULL))
			continue;
		any = true;
		if (!strcmp(routes[i].method, method)) {
			*method_ok = true;
			if (param)
				(void)path_match(routes[i].pattern, path,
						 param);
			return &routes[i];
		}
	}
	*method_ok = any ? false : true;
	return NULL;
}

const char *api_route_pattern(const char *method, const char *path,
			      bool *method_ok)
{
	const struct route *r;
	bool ok = true;

	if (!method || !path)
		return NULL;
	r = route_find(method, path, &ok, NULL);
	if (method_ok)
		*method_ok = ok;
	return r ? r->pattern : NULL;
}

/* ------------------------------------------------------------- checks */

static bool printable_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int body_check(const struct field *spec, const uint8_t *body, size_t len,
		      json_t **out, const char **code, char *msg, size_t msg_n)
{
	json_error_t je;
	const char *key;
	json_t *v, *x;
	size_t i;

	*code = "bad_request";
	if (!spec) {
		if (len) {
			snprintf(msg, msg_n, "this route takes no body");
			return LIA_EINVAL;
		}
		*out = NULL;
		return 0;
	}
	if (len > API_BODY_MAX) {
		snprintf(msg, msg_n, "body over %zu bytes", API_BODY_MAX);
		return LIA_ETOOBIG;
	}
	v = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		*code = "bad_json";
		snprintf(msg, msg_n, "body is not JSON: %.200s (at %d)",
			 je.text, je.position);
		return LIA_EPARSE;
	}
	if (!json_is_object(v)) {
		snprintf(msg, msg_n, "body must be a JSON object");
		goto bad;
	}
	json_object_foreach (v, key, x) {
		const struct field *f = spec;

		while (f->name && strcmp(f->name, key))
			f++;
		if (!f->name) {
			snprintf(msg, msg_n, "%.64s: unknown field", key);
			goto bad;
		}
		switch (f->type) {
		case F_STRING:
			if (!json_is_string(x) || !json_string_length(x) ||
			    json_string_length(x) > f->max ||
			    strlen(json_string_value(x)) !=
				json_string_length(x)) {
				snprintf(msg, msg_n,
					 "%s: must be a string of 1..%zu bytes "
					 "without NUL",
					 f->name, f->max);
				goto bad;
			}
			break;
		case F_NUMBER:
			if (!json_is_number(x)) {
				snprintf(msg, msg_n, "%s: must be a number",
					 f->name);
				goto bad;
			}
			break;
		case F_INTEGER:
			if (!json_is_integer(x)) {
				snprintf(msg, msg_n, "%s: must be an integer",
					 f->name);
				goto bad;
			}
			break;
		case F_STRINGS:
			if (!json_is_array(x) || !json_array_size(x) ||
			    json_array_size(x) > f->max) {
				snprintf(msg, msg_n,
					 "%s: must be an array of 1..%zu "
					 "strings",
					 f->name, f->max);
				goto bad;
			}
			for (i = 0; i < json_array_size(x); i++) {
				json_t *e = json_array_get(x, i);

				if (!json_is_string(e) ||
				    !json_string_length(e) ||
				    json_string_length(e) > NAME_FIELD_MAX ||
				    strlen(json_string_value(e)) !=
					json_string_length(e)) {
					snprintf(msg, msg_n,
						 "%s[%zu]: must be a string of "
						 "1..%d bytes without NUL",
						 f->name, i, NAME_FIELD_MAX);
					goto bad;
				}
			}
			break;
		}
	}
	for (const struct field *f = spec; f->name; f++)
		if (f->required && !json_object_get(v, f->name)) {
			snprintf(msg, msg_n, "%s: required", f->name);
			goto bad;
		}
	*out = v;
	return 0;
bad:
	json_decref(v);
	return LIA_EINVAL;
}

int api_body_check(const char *pattern, const uint8_t *body, size_t len,
		   const char **code, char *msg, size_t msg_n)
{
	json_t *v = NULL;
	int err;

	if (!pattern || !code || !msg || !msg_n || (!body && len))
		return LIA_EINVAL;
	for (size_t i = 0; i < N_ROUTES; i++)
		if (!strcmp(routes[i].pattern, pattern)) {
			err = body_check(routes[i].body, body, len, &v, code,
					 msg, msg_n);
			json_decref(v);
			return err;
		}
	return LIA_ENOTFOUND;
}

static bool check_args(struct call *c)
{
	const struct api_request *rq = c->rq;

	c->limit = API_LIMIT_DEFAULT;
	if (rq->too_many_args) {
		fail(c, 400, "bad_request", "more than %d query arguments",
		     API_QUERY_MAX);
		return false;
	}
	for (size_t i = 0; i < rq->n_args; i++) {
		const char *name = rq->args[i].name, *val = rq->args[i].value;
		const char *const *ok = c->rt->args;
		uint64_t lim;

		while (*ok && strcmp(*ok, name))
			ok++;
		if (!*ok) {
			fail(c, 400, "bad_request",
			     "%.64s: unknown query argument", name);
			return false;
		}
		if (!val || strnlen(val, API_ARG_MAX + 1) > API_ARG_MAX ||
		    !printable_utf8(val, strlen(val))) {
			fail(c, 400, "bad_request", "%s: bad value", name);
			return false;
		}
		if (!strcmp(name, "limit")) {
			if (str_to_u64(val, strlen(val), &lim) || lim < 1 ||
			    lim > API_LIMIT_MAX) {
				fail(c, 400, "bad_request",
				     "limit: must be an integer within 1..%d",
				     API_LIMIT_MAX);
				return false;
			}
			c->limit = (size_t)lim;
		} else if (!strcmp(name, "after")) {
			c->after = val;
		} else if (!strcmp(name, "purpose")) {
			c->purpose = val;
		}
	}
	return true;
}

static bool authenticate(struct call *c)
{
	const char *h = c->rq->authorization;
	struct diag d;
	size_t n;

	if (!h || strncmp(h, "Bearer ", 7)) {
		fail(c, 401, "unauthenticated",
		     "give a token: Authorization: Bearer lia_...");
		return false;
	}
	h += 7;
	n = strnlen(h, API_TOKEN_LEN + 1);
	diag_clear(&d);
	if (api_token_check(c->a->n->store, h, n, (int64_t)time(NULL), &c->user,
			    NULL, &d)) {
		fail(c, 401, "unauthenticated",
		     "the token is unknown, revoked or expired");
		return false;
	}
	snprintf(c->actor, sizeof(c->actor), "api:%s", c->user.name);
	return true;
}

void api_handle(struct api *a, const struct api_request *rq,
		struct api_response *rs)
{
	struct call c = {.a = a, .rq = rq, .rs = rs};
	bool method_ok = true;
	const char *code;
	char msg[300];
	int err;

	memset(rs, 0, sizeof(*rs));
	strbuf_init(&rs->body, (size_t)64 << 20);
	snprintf(rs->route, sizeof(rs->route), "unmatched");
	if (!rq->method || !rq->path ||
	    strnlen(rq->path, API_PATH_MAX + 1) > API_PATH_MAX) {
		fail(&c, 404, "not_found", "no such route");
		return;
	}
	if (!(c.rt = route_find(rq->method, rq->path, &method_ok, c.param))) {
		if (!method_ok)
			fail(&c, 405, "method_not_allowed",
			     "method not allowed on this route");
		else
			fail(&c, 404, "not_found", "no such route");
		return;
	}
	snprintf(rs->route, sizeof(rs->route), "%s %s", c.rt->method,
		 c.rt->pattern);
	if (c.rt->auth) {
		if (!authenticate(&c))
			return;
		if (!users_may(c.user.role, c.rt->right)) {
			fail(&c, 403, "forbidden",
			     "role %s may not use this route",
			     users_role_name(c.user.role));
			return;
		}
	}
	if (rq->body_too_big) {
		fail(&c, 413, "payload_too_large", "body over %zu bytes",
		     API_BODY_MAX);
		return;
	}
	if (!check_args(&c))
		return;
	if ((err = body_check(c.rt->body, rq->body, rq->body_len, &c.body,
			      &code, msg, sizeof(msg)))) {
		if (err == LIA_ETOOBIG)
			fail(&c, 413, "payload_too_large", "%s", msg);
		else
			fail(&c, 400, code, "%s", msg);
		return;
	}
	if (!c.purpose && c.body)
		c.purpose =
		    json_string_value(json_object_get(c.body, "purpose"));
	if (!c.purpose)
		c.purpose = rq->purpose;
	if (c.rt->personal) {
		if (!c.purpose || !*c.purpose ||
		    strlen(c.purpose) > PURPOSE_MAX ||
		    !printable_utf8(c.purpose, strlen(c.purpose))) {
			fail(&c, 400, "purpose_required",
			     "personal data: give a purpose (X-Purpose header, "
			     "purpose argument or field; 1..%d bytes)",
			     PURPOSE_MAX);
			goto out;
		}
	}
	c.rt->fn(&c);
out:
	json_decref(c.body);
}
