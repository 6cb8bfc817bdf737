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
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "liaison/api.h"
#include "liaison/entity.h"
#include "liaison/envelope.h"
#include "liaison/evidence.h"
#include "liaison/identity.h"
#include "liaison/ledger.h"
#include "liaison/marking.h"
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

/* What every worker of one listener shares: the screening index and the
 * one sync that keeps it current, and the counters. The index is safe for
 * concurrent screen_query (it locks itself for changes); the sync and its
 * node handle are used under sync_mu only; the counters and the login
 * pauses under stat_mu. */
struct api_shared {
	atomic_uint refs;
	pthread_mutex_t sync_mu, stat_mu;
	struct match_ctx *mc; /* the sync's, under sync_mu */
	struct screen_index *ix;
	struct node_screen_sync *sync; /* keeps ix current with the store */
	/* A worker changed records through the sync's own handle, whose
	 * own commits do not move its data version. */
	atomic_bool ix_dirty;
	/* Syncs numbered as they start (changed under sync_mu, read
	 * without it), and the number of the last one that succeeded. */
	atomic_uint_fast64_t sync_started;
	uint64_t sync_done;
	struct login_slot logins[LOGIN_SLOTS];
	struct metric metrics[METRIC_SLOTS];
	uint64_t hist[HIST_BUCKETS + 1]; /* last one is +Inf */
	double hist_sum;
	uint64_t hist_count;
	uint64_t screen_names, screen_hits;
};

/* One worker: used by one thread at a time, with its own store handle and
 * its own match context (ICU transliterators are not thread-safe). */
struct api {
	struct node *n;
	struct identity *me; /* loaded on first use (call_me) */
	struct match_ctx *mc;
	struct api_shared *sh;
	api_audit_fn audit_fn; /* NULL: write each audit row at once */
	void *audit_ctx;
};

static const double hist_le[HIST_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005,
					     0.01,   0.025, 0.1,    1.0};

static void shared_free(struct api_shared *sh)
{
	if (!sh || atomic_fetch_sub(&sh->refs, 1) != 1)
		return;
	node_screen_sync_free(sh->sync);
	screen_index_free(sh->ix);
	match_ctx_free(sh->mc);
	pthread_mutex_destroy(&sh->stat_mu);
	pthread_mutex_destroy(&sh->sync_mu);
	free(sh);
}

int api_new(struct node *n, struct api **out, struct diag *d)
{
	struct api_shared *sh = NULL;
	struct api *a = NULL;
	int err;

	if (!n || !out)
		return LIA_EINVAL;
	if (!(sh = calloc(1, sizeof(*sh))) || !(a = calloc(1, sizeof(*a)))) {
		free(sh);
		return LIA_ENOMEM;
	}
	atomic_init(&sh->refs, 1);
	atomic_init(&sh->ix_dirty, false);
	atomic_init(&sh->sync_started, 0);
	pthread_mutex_init(&sh->sync_mu, NULL);
	pthread_mutex_init(&sh->stat_mu, NULL);
	a->n = n;
	a->sh = sh;
	/* One index for the life of the listener, kept current by
	 * applying only what changed: building it costs seconds for a
	 * million names, a request must cost microseconds. */
	if ((err = match_ctx_new(&sh->mc, d)) ||
	    (err = match_ctx_new(&a->mc, d)) ||
	    (err = screen_index_new(&sh->ix)) ||
	    (err = node_screen_sync_new(n, sh->ix, sh->mc, &sh->sync, d)))
		goto out;
	*out = a;
	a = NULL;
out:
	api_free(a);
	return err;
}

int api_worker_new(struct api *parent, struct node *n, struct api **out,
		   struct diag *d)
{
	struct api *a;
	int err;

	if (!parent || !n || !out)
		return LIA_EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return LIA_ENOMEM;
	a->n = n;
	a->sh = parent->sh;
	atomic_fetch_add(&a->sh->refs, 1);
	if ((err = match_ctx_new(&a->mc, d)))
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
	shared_free(a->sh);
	match_ctx_free(a->mc);
	identity_free(a->me);
	free(a);
}

void api_set_audit_sink(struct api *a, api_audit_fn fn, void *ctx)
{
	if (!a)
		return;
	a->audit_fn = fn;
	a->audit_ctx = ctx;
}

void api_observe(struct api *a, const char *route, unsigned status,
		 double seconds)
{
	struct api_shared *sh;
	size_t i;

	if (!a)
		return;
	sh = a->sh;
	pthread_mutex_lock(&sh->stat_mu);
	for (i = 0; i < METRIC_SLOTS && sh->metrics[i].route[0]; i++)
		if (sh->metrics[i].status == status &&
		    !strcmp(sh->metrics[i].route, route))
			break;
	if (i < METRIC_SLOTS) {
		snprintf(sh->metrics[i].route, sizeof(sh->metrics[i].route),
			 "%s", route);
		sh->metrics[i].status = status;
		sh->metrics[i].count++;
	}
	for (i = 0; i < HIST_BUCKETS && seconds > hist_le[i]; i++)
		;
	sh->hist[i]++;
	sh->hist_sum += seconds;
	sh->hist_count++;
	pthread_mutex_unlock(&sh->stat_mu);
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

enum ftype { F_STRING, F_NUMBER, F_INTEGER, F_STRINGS, F_OBJECTS };

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
	else if (err == LIA_EINVAL || err == LIA_ETOOBIG || err == LIA_EPARSE ||
		 err == LIA_EVALUE || err == LIA_ESCHEMA)
		fail(c, 400, "bad_request", "%s",
		     d->msg[0] ? d->msg : err_str(err));
	else if (err == LIA_EDENIED)
		/* A handling rule or the release policy said no: not the
		 * role (that is 403 before the handler runs). */
		fail(c, 422, "refused", "%s",
		     d->msg[0] ? d->msg : err_str(err));
	else if (err == LIA_EEXIST)
		fail(c, 409, "conflict", "%s",
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
	if (c->a->audit_fn)
		err = c->a->audit_fn(c->a->audit_ctx, c->actor, action, object,
				     detail);
	else
		err = store_audit(c->a->n->store, c->actor, action, object,
				  detail, &d);
	if (err) {
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

/* Bring the screening index up to date with the store before it is
 * used: a record imported, released or withdrawn since the last request
 * (by this listener or by any other process) is applied now. */
static int sync_index(struct api *a, struct diag *d)
{
	struct api_shared *sh = a->sh;
	uint64_t seen = atomic_load(&sh->sync_started);
	int err = 0;

	pthread_mutex_lock(&sh->sync_mu);
	/* A sync that started after this request arrived saw every commit
	 * this request may need to see: requests that queued up behind one
	 * sync share it instead of each running their own. */
	if (sh->sync_done > seen && !atomic_load(&sh->ix_dirty))
		goto out;
	seen = atomic_fetch_add(&sh->sync_started, 1) + 1;
	err = node_screen_sync(sh->sync, atomic_exchange(&sh->ix_dirty, false),
			       NULL, d);
	if (err)
		atomic_store(&sh->ix_dirty, true);
	else
		sh->sync_done = seen;
out:
	pthread_mutex_unlock(&sh->sync_mu);
	return err;
}

static size_t screened_records(struct api *a)
{
	struct screen_stats st;

	screen_stats(a->sh->ix, &st);
	return st.records;
}

/* ----------------------------------------------------------- handlers */

static void h_health(struct call *c)
{
	struct diag d;

	/* Health reports the index as a screening would see it; a failure
	 * to sync shows in the next screening's answer. */
	diag_clear(&d);
	(void)sync_index(c->a, &d);
	reply_json(c, 200,
		   json_pack("{s:s,s:s,s:I}", "status", "ok", "agency",
			     c->a->n->cfg.agency, "screening_records",
			     (json_int_t)screened_records(c->a)));
}

static void h_metrics(struct call *c)
{
	struct strbuf *b = &c->rs->body;
	struct api_shared *sh = c->a->sh;
	size_t records = screened_records(c->a);
	uint64_t cum = 0;
	int err = 0;

	strbuf_reset(b);
	pthread_mutex_lock(&sh->stat_mu);
	err |= strbuf_addstr(b, "# HELP liaison_api_requests_total API "
				"requests by route and status.\n"
				"# TYPE liaison_api_requests_total counter\n");
	for (size_t i = 0; i < METRIC_SLOTS && sh->metrics[i].route[0]; i++)
		err |= strbuf_addf(b,
				   "liaison_api_requests_total{route=\"%s\","
				   "status=\"%u\"} %llu\n",
				   sh->metrics[i].route, sh->metrics[i].status,
				   (unsigned long long)sh->metrics[i].count);
	err |= strbuf_addstr(b, "# HELP liaison_api_request_seconds Time to "
				"answer a request.\n"
				"# TYPE liaison_api_request_seconds "
				"histogram\n");
	for (size_t i = 0; i <= HIST_BUCKETS; i++) {
		cum += sh->hist[i];
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
			   sh->hist_sum, (unsigned long long)sh->hist_count,
			   (unsigned long long)sh->screen_names,
			   (unsigned long long)sh->screen_hits, records);
	pthread_mutex_unlock(&sh->stat_mu);
	if (err) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	c->rs->status = 200;
	c->rs->content_type = "text/plain; version=0.0.4";
}

/* Under sh->stat_mu. */
static struct login_slot *login_slot(struct api_shared *sh, const char *name,
				     bool create)
{
	struct login_slot *oldest = &sh->logins[0];

	for (size_t i = 0; i < LOGIN_SLOTS; i++) {
		if (!strcmp(sh->logins[i].name, name))
			return &sh->logins[i];
		if (sh->logins[i].until < oldest->until)
			oldest = &sh->logins[i];
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
	int64_t now = (int64_t)time(NULL), id, pause_s;
	struct api_shared *sh = c->a->sh;
	char tok[API_TOKEN_LEN + 1];
	struct login_slot *sl;
	struct diag d;
	int err;

	diag_clear(&d);
	if (!users_name_ok(name)) {
		fail(c, 401, "unauthenticated", "wrong name or password");
		return;
	}
	/* The password hash is not computed under the lock: concurrent
	 * tries of one name may pass the check together, so at most one
	 * per API worker more than API_LOGIN_FAILS get through before the
	 * pause. */
	pthread_mutex_lock(&sh->stat_mu);
	sl = login_slot(sh, name, false);
	pause_s = sl && sl->fails >= API_LOGIN_FAILS && sl->until > now
		      ? sl->until - now
		      : 0;
	pthread_mutex_unlock(&sh->stat_mu);
	if (pause_s) {
		fail(c, 429, "too_many_requests",
		     "too many failed logins for this name; wait %lld s",
		     (long long)pause_s);
		return;
	}
	err = users_check_password(c->a->n->store, name, pass, plen, &d);
	if (err == LIA_EDENIED || err == LIA_ENOTFOUND) {
		pthread_mutex_lock(&sh->stat_mu);
		sl = login_slot(sh, name, true);
		if (++sl->fails >= API_LOGIN_FAILS)
			sl->until = now + API_LOGIN_PAUSE_S;
		pthread_mutex_unlock(&sh->stat_mu);
		fail(c, 401, "unauthenticated", "wrong name or password");
		return;
	}
	if (err) {
		fail_store(c, err, &d);
		return;
	}
	pthread_mutex_lock(&sh->stat_mu);
	if ((sl = login_slot(sh, name, false)))
		memset(sl, 0, sizeof(*sl));
	pthread_mutex_unlock(&sh->stat_mu);
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
	if ((err = screen_query(c->a->sh->ix, c->a->mc, &q, hits, 50, &nh, &d)))
		return err;
	pthread_mutex_lock(&c->a->sh->stat_mu);
	c->a->sh->screen_names++;
	c->a->sh->screen_hits += nh;
	pthread_mutex_unlock(&c->a->sh->stat_mu);
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
	struct diag d;
	json_t *v;
	int err = 0;

	diag_clear(&d);
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
	/* Fail closed: an index that may miss a new record is not used. */
	if ((err = sync_index(c->a, &d))) {
		fail_store(c, err, &d);
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
	if (err)
		fail_store(c, err, &d);
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

/* ------------------------------------------------- actions of case work */

/* This node's exchange identity and ledger, loaded on first use: routes
 * that only read do not need them, and a listener over a node without an
 * identity still answers those. */
static struct identity *call_me(struct call *c)
{
	struct diag d;
	int err;

	if (c->a->me)
		return c->a->me;
	diag_clear(&d);
	if ((err = identity_load(c->a->n->home, &c->a->me, &d))) {
		fail_store(c, err == LIA_ENOTFOUND ? LIA_EINTERNAL : err, &d);
		return NULL;
	}
	return c->a->me;
}

/* A fresh ledger handle per request: a handle caches the size it saw,
 * and other processes append to the ledger while the listener runs. */
static struct ledger *call_ledger(struct call *c)
{
	struct ledger *lg = NULL;
	struct diag d;
	int err;

	diag_clear(&d);
	if ((err = ledger_open(c->a->n->store, &lg, &d))) {
		fail_store(c, err, &d);
		return NULL;
	}
	return lg;
}

static const char *body_str(struct call *c, const char *key)
{
	return json_string_value(json_object_get(c->body, key));
}

/* A JSON array of strings as a C array (borrowed from the body). */
static size_t body_strs(struct call *c, const char *key, const char **out,
			size_t max)
{
	json_t *arr = json_object_get(c->body, key), *v;
	size_t i, n = 0;

	json_array_foreach (arr, i, v) {
		if (n == max)
			break;
		out[n++] = json_string_value(v);
	}
	return n;
}

/* Recipients "to": agency codes, or ["all"] for every pinned peer. */
static bool body_to(struct call *c, char (*buf)[MARKING_CODE_MAX + 1],
		    const char **to, size_t *n_to, bool *all)
{
	struct diag d;
	int err;

	*n_to = body_strs(c, "to", to, ENVELOPE_RECIPIENTS_MAX);
	*all = *n_to == 1 && !strcmp(to[0], "all");
	if (!*all || !buf)
		return true;
	diag_clear(&d);
	if ((err = node_peer_agencies(c->a->n, buf, ENVELOPE_RECIPIENTS_MAX,
				      n_to, &d))) {
		fail_store(c, err, &d);
		return false;
	}
	for (size_t i = 0; i < *n_to; i++)
		to[i] = buf[i];
	return true;
}

/* A whole JSON array the library gives, paged by position. */
static void reply_slice(struct call *c, json_t *all)
{
	json_t *items = json_array();
	int64_t off;
	size_t n = json_array_size(all);
	char next[32];

	if (!items) {
		json_decref(all);
		fail(c, 500, "internal", "out of memory");
		return;
	}
	if (!after_i64(c, &off)) {
		json_decref(items);
		json_decref(all);
		return;
	}
	for (size_t i = (size_t)off; i < n && i < (size_t)off + c->limit; i++)
		json_array_append(items, json_array_get(all, i));
	json_decref(all);
	snprintf(next, sizeof(next), "%lld",
		 (long long)off + (long long)c->limit);
	reply_list(c, items, (size_t)off + c->limit < n ? next : NULL);
}

/* ------------------------------------------------------------ uploads */

static bool upload_id_ok(const char *id)
{
	if (!id || strlen(id) != API_UPLOAD_ID_LEN)
		return false;
	for (size_t i = 0; i < API_UPLOAD_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

/* HOME/uploads/USER/ID of the caller's finished upload id (untrusted), if
 * it exists: a user names only their own uploads. */
static bool upload_path(struct call *c, const char *id, char *out, size_t n)
{
	struct stat st;
	int k;

	if (!upload_id_ok(id))
		return false;
	k = snprintf(out, n, "%s/uploads/%s/%s", c->a->n->home, c->user.name,
		     id);
	return k > 0 && (size_t)k < n && !lstat(out, &st) &&
	       S_ISREG(st.st_mode);
}

static int mkdir_0700(const char *path)
{
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

/* POST /v1/uploads: the listener streamed the body to a part file in
 * HOME/uploads (API_UPLOAD_MAX at most, SHA-256 computed on the way);
 * here it becomes the caller's upload HOME/uploads/USER/ID. */
static void h_upload(struct call *c)
{
	const struct api_upload *up = c->rq->upload;
	uint8_t raw[API_UPLOAD_ID_LEN / 2];
	char id[API_UPLOAD_ID_LEN + 1], dir[1024], path[1100], what[128];
	int k;

	if (up && up->too_big) {
		fail(c, 413, "payload_too_large", "upload over %llu bytes",
		     (unsigned long long)API_UPLOAD_MAX);
		return;
	}
	if (!up || !up->part) {
		/* Only the HTTPS listener streams bodies to files. */
		fail(c, 400, "bad_request", "an upload is a streamed body");
		return;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	k = snprintf(dir, sizeof(dir), "%s/uploads/%s", c->a->n->home,
		     c->user.name);
	if (k < 0 || (size_t)k >= sizeof(dir) || mkdir_0700(dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, id) >=
		sizeof(path) ||
	    rename(up->part, path)) {
		fail(c, 500, "internal", "the upload could not be kept");
		return;
	}
	snprintf(what, sizeof(what), "%llu bytes, sha256 %.16s...",
		 (unsigned long long)up->size, up->sha256);
	if (!audit(c, "api.upload", id, what)) {
		(void)unlink(path);
		return;
	}
	reply_json(c, 201,
		   json_pack("{s:s,s:I,s:s}", "id", id, "size",
			     (json_int_t)up->size, "sha256", up->sha256));
}

static void h_message_send(struct call *c)
{
	char buf[ENVELOPE_RECIPIENTS_MAX][MARKING_CODE_MAX + 1];
	const char *to[ENVELOPE_RECIPIENTS_MAX], *recs[NODE_MSG_RECORDS_MAX];
	const char *ups[NODE_MSG_ATTACH_MAX], *attach[NODE_MSG_ATTACH_MAX];
	char paths[NODE_MSG_ATTACH_MAX][1100];
	struct node_send s = {0};
	enum envelope_priority pr = ENVELOPE_ROUTINE;
	const char *prs = body_str(c, "priority");
	struct identity *me;
	char env_id[33], what[64];
	struct diag d;
	bool all;
	int err;

	if (prs && envelope_priority_parse(prs, &pr)) {
		fail(c, 400, "bad_request", "priority: unknown priority");
		return;
	}
	if (!body_to(c, buf, to, &s.n_to, &all) || !(me = call_me(c)))
		return;
	s.to = to;
	s.subject = body_str(c, "subject");
	s.text = body_str(c, "text");
	s.n_records = body_strs(c, "records", recs, NODE_MSG_RECORDS_MAX);
	s.records = recs;
	s.case_ref = body_str(c, "case");
	s.reply_to = body_str(c, "reply_to");
	s.priority = (int)pr;
	s.actor = c->actor;
	s.n_attach = body_strs(c, "attachments", ups, NODE_MSG_ATTACH_MAX);
	for (size_t i = 0; i < s.n_attach; i++) {
		if (!upload_path(c, ups[i], paths[i], sizeof(paths[i]))) {
			fail(c, 400, "bad_request",
			     "attachments: no upload %.40s of yours (POST "
			     "/v1/uploads)",
			     ups[i]);
			return;
		}
		attach[i] = paths[i];
	}
	s.attach = attach;
	diag_clear(&d);
	if ((err = node_send(c->a->n, me, &s, env_id, &d))) {
		fail_store(c, err, &d);
		return;
	}
	/* Sent: the message holds its own encrypted copies (spooled by
	 * node_send), the uploads are used up. */
	for (size_t i = 0; i < s.n_attach; i++)
		(void)unlink(paths[i]);
	snprintf(what, sizeof(what), "send, %zu records, %zu attachments",
		 s.n_records, s.n_attach);
	if (!audit(c, "api.message.send", env_id, what))
		return;
	reply_json(c, 201, json_pack("{s:s}", "id", env_id));
}

static void h_message_read(struct call *c)
{
	struct identity *me;
	json_t *out = NULL;
	struct diag d;
	int err;

	if (!(me = call_me(c)))
		return;
	/* The purpose is written before the message is decrypted: no
	 * row, no data. node_read writes its own row of the read. */
	if (!audit(c, "api.message.read", c->param, "read"))
		return;
	diag_clear(&d);
	if ((err =
		 node_read(c->a->n, me, c->param, c->actor, NULL, &out, &d))) {
		fail_store(c, err, &d);
		return;
	}
	reply_json(c, 200, out);
}

static void h_query_send(struct call *c)
{
	char buf[ENVELOPE_RECIPIENTS_MAX][MARKING_CODE_MAX + 1];
	const char *to[ENVELOPE_RECIPIENTS_MAX];
	struct node_query q;
	struct identity *me;
	char(*ids)[33] = NULL;
	json_t *arr = NULL;
	size_t n_to;
	char what[64];
	struct diag d;
	bool all;
	int err;

	memset(&q, 0, sizeof(q));
	if (str_copy(q.name, sizeof(q.name), body_str(c, "name")) ||
	    (body_str(c, "dob") &&
	     str_copy(q.dob, sizeof(q.dob), body_str(c, "dob"))) ||
	    (body_str(c, "nationality") &&
	     str_copy(q.nationality, sizeof(q.nationality),
		      body_str(c, "nationality"))) ||
	    (body_str(c, "id_number") &&
	     str_copy(q.id_number, sizeof(q.id_number),
		      body_str(c, "id_number"))) ||
	    (body_str(c, "schema") &&
	     str_copy(q.schema, sizeof(q.schema), body_str(c, "schema"))) ||
	    str_copy(q.reason, sizeof(q.reason), body_str(c, "reason"))) {
		fail(c, 400, "bad_request", "a field is too long");
		goto out;
	}
	if (!body_to(c, buf, to, &n_to, &all) || !(me = call_me(c)))
		goto out;
	diag_clear(&d);
	if ((err = node_query(c->a->n, me, &q, to, n_to, c->actor, &ids, &d))) {
		fail_store(c, err, &d);
		goto out;
	}
	snprintf(what, sizeof(what), "query to %zu agencies", n_to);
	if (!audit(c, "api.query", "queries", what))
		goto out;
	if (!(arr = json_array())) {
		fail(c, 500, "internal", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_to; i++)
		json_array_append_new(
		    arr, json_pack("{s:s,s:s}", "id", ids[i], "to", to[i]));
	reply_json(c, 201, json_pack("{s:o}", "items", arr));
out:
	free(ids);
	sodium_memzero(&q, sizeof(q));
}

static void h_queries(struct call *c)
{
	struct identity *me;
	json_t *out = NULL;
	struct diag d;
	int err;

	if (!(me = call_me(c)))
		return;
	diag_clear(&d);
	if ((err = node_queries(c->a->n, me, &out, &d))) {
		fail_store(c, err, &d);
		return;
	}
	if (!audit(c, "api.queries", "queries", "list")) {
		json_decref(out);
		return;
	}
	reply_slice(c, out);
}

static void h_request_send(struct call *c)
{
	struct identity *me;
	char env_id[33];
	struct diag d;
	int err;

	if (!(me = call_me(c)))
		return;
	diag_clear(&d);
	if ((err = node_request(c->a->n, me, body_str(c, "ref"),
				body_str(c, "reason"), c->actor, env_id, &d))) {
		fail_store(c, err, &d);
		return;
	}
	if (!audit(c, "api.request", env_id, "release request"))
		return;
	reply_json(c, 201, json_pack("{s:s}", "id", env_id));
}

static void h_requests(struct call *c)
{
	json_t *out = NULL;
	struct diag d;
	int err;

	diag_clear(&d);
	if ((err = node_requests(c->a->n, &out, &d))) {
		fail_store(c, err, &d);
		return;
	}
	if (!audit(c, "api.requests", "requests", "list")) {
		json_decref(out);
		return;
	}
	reply_slice(c, out);
}

static void decide(struct call *c, bool approve)
{
	const char *reason = body_str(c, "reason");
	struct identity *me;
	char env_id[33] = "";
	int64_t id;
	struct diag d;
	int err;

	if (str_to_i64(c->param, strlen(c->param), &id) || id < 1) {
		fail(c, 404, "not_found", "no such request");
		return;
	}
	if (!approve && !reason) {
		fail(c, 400, "bad_request", "reason: required to refuse");
		return;
	}
	if (!(me = call_me(c)))
		return;
	diag_clear(&d);
	/* node_decide audits the decision (and a refused approval) with
	 * the token's user as the actor. */
	if ((err = node_decide(c->a->n, me, id, approve, reason, c->actor,
			       env_id, &d))) {
		fail_store(c, err, &d);
		return;
	}
	reply_json(c, 200,
		   json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "state",
			     approve ? "approved" : "refused", "envelope",
			     env_id));
}

static void h_approve(struct call *c)
{
	decide(c, true);
}
static void h_refuse(struct call *c)
{
	decide(c, false);
}

static void h_alert_issue(struct call *c)
{
	const char *to[ENVELOPE_RECIPIENTS_MAX];
	json_t *ex = json_object_get(c->body, "expires");
	struct node_alert_req r = {0};
	struct identity *me;
	char id[33];
	struct diag d;
	int err;

	if (ex && json_integer_value(ex) < 0) {
		fail(c, 400, "bad_request",
		     "expires: must be UTC seconds, 0 for never");
		return;
	}
	/* "all" is the library's own: peers outside the record's audience
	 * are left out rather than refused. */
	if (!body_to(c, NULL, to, &r.n_to, &r.to_all) || !(me = call_me(c)))
		return;
	if (r.to_all) {
		r.n_to = 0;
	} else {
		r.to = to;
	}
	r.kind = body_str(c, "kind");
	r.record_id = body_str(c, "record_id");
	r.action = body_str(c, "action");
	r.expires = ex ? (int64_t)json_integer_value(ex) : 0;
	r.actor = c->actor;
	diag_clear(&d);
	atomic_store(&c->a->sh->ix_dirty, true);
	if ((err = node_alert_issue(c->a->n, me, &r, id, &d))) {
		fail_store(c, err, &d);
		return;
	}
	if (!audit(c, "api.alert.issue", id, "alert issued"))
		return;
	reply_json(c, 201, json_pack("{s:s}", "id", id));
}

static void h_alert_withdraw(struct call *c)
{
	struct identity *me;
	struct diag d;
	int err;

	if (!(me = call_me(c)))
		return;
	diag_clear(&d);
	atomic_store(&c->a->sh->ix_dirty, true);
	if ((err = node_alert_withdraw(c->a->n, me, c->param,
				       body_str(c, "reason"), c->actor, &d))) {
		fail_store(c, err, &d);
		return;
	}
	reply_json(
	    c, 200,
	    json_pack("{s:s,s:s}", "id", c->param, "state", "withdrawn"));
}

/* ------------------------------------------------------ records in, out */

/* The records of a POST /v1/records/import body as FtM JSON lines in a
 * private temporary file of the node's folder: the importer reads files,
 * and this way the API imports with exactly the checks of the CLI. */
static int import_file(struct call *c, char *path, size_t n)
{
	json_t *recs = json_object_get(c->body, "records"), *v;
	size_t i;
	FILE *f = NULL;
	int fd, err = 0;

	if (snprintf(path, n, "%s/.api-import-XXXXXX", c->a->n->home) >= (int)n)
		return LIA_ETOOBIG;
	if ((fd = mkstemp(path)) < 0)
		return LIA_EIO;
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		err = LIA_EIO;
		goto out;
	}
	json_array_foreach (recs, i, v) {
		if (json_dumpf(v, f, JSON_COMPACT) || fputc('\n', f) == EOF) {
			err = LIA_EIO;
			goto out;
		}
	}
out:
	if (f && fclose(f) && !err)
		err = LIA_EIO;
	if (err)
		unlink(path);
	return err;
}

static void h_import(struct call *c)
{
	const char *cls = body_str(c, "classification"),
		   *hand = body_str(c, "handling"), *tlp = body_str(c, "tlp"),
		   *ev = body_str(c, "evaluation"),
		   *aud = body_str(c, "audience");
	char path[4096], what[96];
	const char *files[1] = {path};
	struct node_import imp = {0};
	struct store_counts counts = {0};
	struct marking mk;
	size_t sent = 0;
	bool have_file = false;
	struct diag d;
	int err;

	marking_init(&mk);
	diag_clear(&d);
	imp.format = FMT_FTM;
	imp.files = files;
	imp.n_files = 1;
	imp.actor = c->actor;
	if (cls || hand || tlp || ev || aud) {
		if ((err = node_import_marking(c->a->n, FMT_FTM, &mk)))
			goto out;
		err = LIA_EINVAL;
		if (cls && str_copy(mk.classification,
				    sizeof(mk.classification), cls)) {
			diag_set(&d, "classification: too long");
			goto out;
		}
		if ((hand && (err = marking_set_handling(&mk, hand, &d))) ||
		    (tlp && (err = marking_set_tlp(&mk, tlp, &d))) ||
		    (ev && (err = marking_set_evaluation(&mk, ev, &d))) ||
		    (aud && (err = marking_set_audience(&mk, aud, &d))))
			goto out;
		imp.marking = &mk;
	}
	if ((err = import_file(c, path, sizeof(path))))
		goto out;
	have_file = true;
	if ((err = node_import(c->a->n, &imp, &counts, &d)))
		goto out;
	atomic_store(&c->a->sh->ix_dirty, true);
	/* The records are committed: a failure to screen them against
	 * partners' alerts is answered as an error all the same. */
	if ((err = node_import_alerts(c->a->n, &sent, &d)))
		goto out;
	snprintf(what, sizeof(what), "import, %llu records",
		 (unsigned long long)counts.seen);
	if (!audit(c, "api.record.import", "records", what))
		goto done;
	reply_json(c, 201,
		   json_pack("{s:I,s:I,s:I,s:I,s:I}", "records",
			     (json_int_t)counts.seen, "created",
			     (json_int_t)counts.created, "changed",
			     (json_int_t)counts.changed, "unchanged",
			     (json_int_t)counts.unchanged, "alert_hits",
			     (json_int_t)sent));
	goto done;
out:
	/* The importer's file:line reasons name the temporary file: the
	 * line number is what the client can use. */
	if (err == LIA_EVALUE || err == LIA_ESCHEMA)
		err = LIA_EINVAL;
	fail_store(c, err, &d);
done:
	if (have_file)
		unlink(path);
	marking_free(&mk);
}

static void h_export(struct call *c)
{
	struct store_query q;
	char *buf = NULL, *line, *save = NULL, next[32], what[64];
	size_t len = 0;
	uint64_t count = 0;
	json_t *items = NULL, *v;
	int64_t off;
	FILE *f;
	struct diag d;
	int err;

	if (!after_i64(c, &off))
		return;
	memset(&q, 0, sizeof(q));
	for (size_t i = 0; i < c->rq->n_args; i++)
		if (!strcmp(c->rq->args[i].name, "schema"))
			q.schema = c->rq->args[i].value;
	/* One more than asked, to know whether there is a next page. */
	q.limit = c->limit + 1;
	q.offset = (size_t)off;
	if (!(f = open_memstream(&buf, &len))) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	diag_clear(&d);
	err = node_export(c->a->n, &q, NULL, 0, f, &count, &d);
	if (fclose(f) && !err)
		err = LIA_ENOMEM;
	if (err) {
		fail_store(c, err, &d);
		goto out;
	}
	if (!(items = json_array())) {
		fail(c, 500, "internal", "out of memory");
		goto out;
	}
	for (line = strtok_r(buf, "\n", &save);
	     line && json_array_size(items) < c->limit;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!(v = json_loads(line, 0, NULL))) {
			fail(c, 500, "internal", "export is not JSON");
			goto out;
		}
		json_array_append_new(items, v);
	}
	snprintf(what, sizeof(what), "export, %zu records",
		 json_array_size(items));
	if (!audit(c, "api.record.export", "records", what))
		goto out;
	snprintf(next, sizeof(next), "%lld",
		 (long long)off + (long long)c->limit);
	reply_list(c, items, count > c->limit ? next : NULL);
	items = NULL;
out:
	json_decref(items);
	free(buf);
}

/* ------------------------------------------------------------ evidence */

static int evidence_cb(const struct store_evidence *e, void *ctx)
{
	struct list_ctx *l = ctx;

	if (page_take(l))
		json_array_append_new(
		    l->items,
		    json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:I}", "id",
			      e->id, "case", e->case_ref, "description",
			      e->description, "sha256", e->sha256, "size",
			      (json_int_t)e->size, "media_type", e->media_type,
			      "seized_at", e->seized_at, "seized_on",
			      e->seized_on, "registered_by", e->registered_by,
			      "created", (json_int_t)e->created));
	return 0;
}

static void h_evidence_list(struct call *c)
{
	struct list_ctx l = {.limit = c->limit};
	const char *case_ref = NULL;
	struct diag d;
	int err;

	for (size_t i = 0; i < c->rq->n_args; i++)
		if (!strcmp(c->rq->args[i].name, "case"))
			case_ref = c->rq->args[i].value;
	if (!after_i64(c, &l.skip))
		return;
	if (!(l.items = json_array())) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	diag_clear(&d);
	if ((err = evidence_each(c->a->n->store, case_ref, evidence_cb, &l,
				 &d))) {
		json_decref(l.items);
		fail_store(c, err, &d);
		return;
	}
	if (!audit(c, "api.evidence.list", case_ref ? case_ref : "evidence",
		   "list")) {
		json_decref(l.items);
		return;
	}
	reply_paged(c, &l);
}

static bool evidence_id_ok(struct call *c)
{
	size_t n = strlen(c->param);

	for (size_t i = 0; i < n; i++)
		if (!((c->param[i] >= '0' && c->param[i] <= '9') ||
		      (c->param[i] >= 'a' && c->param[i] <= 'f')))
			n = 0;
	if (n != EVIDENCE_ID_LEN) {
		fail(c, 404, "not_found", "no such evidence item");
		return false;
	}
	return true;
}

/* The evidence context of a request, on the request's own ledger handle. */
static void call_evidence(struct call *c, struct ledger *lg,
			  struct evidence_ctx *ec)
{
	*ec = (struct evidence_ctx){.st = c->a->n->store,
				    .lg = lg,
				    .home = c->a->n->home,
				    .agency = c->a->n->cfg.agency};
}

/* A request that signs custody: the caller's own key, unlocked by the
 * passphrase in the body for this one signature, and the ledger with its
 * evidence context. False when the answer (403 for a wrong passphrase)
 * is given; *key and *lg are then the caller's to free, as on success. */
static bool call_signer(struct call *c, struct users_key **key,
			struct ledger **lg, struct evidence_ctx *ec)
{
	json_t *pw = json_object_get(c->body, "password");
	struct diag d;
	int err;

	diag_clear(&d);
	err = users_unlock(c->a->n->store, c->user.name, json_string_value(pw),
			   json_string_length(pw), key, &d);
	if (err == LIA_EDENIED) {
		fail(c, 403, "forbidden", "password: wrong passphrase");
		return false;
	}
	if (err) {
		fail_store(c, err, &d);
		return false;
	}
	if (!(*lg = call_ledger(c)))
		return false;
	call_evidence(c, *lg, ec);
	return true;
}

/* An item with its whole custody chain, every entry with its signature
 * and inclusion proof under a fresh signed tree head: the bundle format
 * (docs/LEDGER-FORMAT.md) without the content, which a client can verify
 * as `liaison verify` does. */
static void h_evidence_show(struct call *c)
{
	struct evidence_ctx ec = {0};
	struct identity *me;
	struct ledger *lg = NULL;
	char *out = NULL;
	size_t len = 0;
	struct diag d;
	int err;

	if (!evidence_id_ok(c) || !(me = call_me(c)) || !(lg = call_ledger(c)))
		return;
	call_evidence(c, lg, &ec);
	diag_clear(&d);
	if ((err = evidence_bundle(&ec, me, c->param, false, &out, &len, &d))) {
		fail_store(c, err, &d);
		goto out;
	}
	if (!audit(c, "api.evidence.show", c->param, "show"))
		goto out;
	/* The bundle's bytes as they are: it is canonical JSON, and a
	 * verifier refuses any other form of it. */
	c->rs->status = 200;
	c->rs->content_type = "application/json";
	strbuf_reset(&c->rs->body);
	if (strbuf_add(&c->rs->body, out, len))
		fail(c, 500, "internal", "out of memory");
out:
	free(out);
	ledger_close(lg);
}

/* A custody event signed with the acting user's own key: the API holds
 * no user keys, so the request carries the user's passphrase, which
 * unlocks the key for this one signature and is wiped. */
static void h_evidence_event(struct call *c)
{
	json_t *res = NULL;
	struct evidence_ctx ec = {0};
	struct users_key *key = NULL;
	struct ledger *lg = NULL;
	enum evidence_kind kind;
	uint64_t seq = 0;
	struct diag d;
	int err;

	if (!evidence_id_ok(c))
		return;
	if (evidence_kind_parse(body_str(c, "kind"), &kind)) {
		fail(c, 400, "bad_request", "kind: not a custody event kind");
		return;
	}
	diag_clear(&d);
	/* A transfer to an agency is sent as the CLI sends it, so the
	 * agency must be a pinned peer before anything is recorded. */
	if ((err =
		 node_custody_check_to(c->a->n, kind, body_str(c, "to"), &d))) {
		if (err == LIA_ENOTFOUND)
			fail(c, 422, "refused", "%s", d.msg);
		else
			fail_store(c, err, &d);
		return;
	}
	if (!call_signer(c, &key, &lg, &ec))
		goto out;
	if ((err = evidence_event(&ec, key, c->param, kind, body_str(c, "to"),
				  body_str(c, "note"), &seq, &d))) {
		fail_store(c, err, &d);
		goto out;
	}
	if (!audit(c, "api.evidence.event", c->param, evidence_kind_name(kind)))
		goto out;
	res = json_pack("{s:s,s:I,s:s}", "id", c->param, "seq", (json_int_t)seq,
			"kind", evidence_kind_name(kind));
	/* A transfer to an agency, or the receipt of one, travels over the
	 * exchange (node_custody_send_owed, as `evidence event`). The event
	 * is recorded either way: a failure to queue it is said in the
	 * answer, and `liaison evidence resend` sends it later. */
	if (res &&
	    (kind == EVIDENCE_TRANSFERRED || kind == EVIDENCE_RECEIVED)) {
		struct identity *me = call_me(c);
		char to[MARKING_CODE_MAX + 1];
		enum evidence_kind sent;

		diag_clear(&d);
		/* call_me() answered 500 if the identity is missing; the
		 * event is recorded all the same, so the answer says that
		 * (reply_json replaces the error). */
		err = me ? node_custody_send_owed(c->a->n, me, &ec, c->param,
						  (int64_t)time(NULL), &sent,
						  to, &d)
			 : LIA_EINTERNAL;
		if (!me)
			diag_set(&d, "the node's identity could not be read");
		if (!err)
			json_object_set_new(res, "sent_to", json_string(to));
		else if (err != LIA_ENOTFOUND)
			json_object_set_new(res, "send_error",
					    json_string(d.msg));
	}
	reply_json(c, 201, res);
	res = NULL;
out:
	json_decref(res);
	users_key_free(key);
	ledger_close(lg);
}

/* A new item from the caller's upload, as `liaison evidence add`: the
 * content is copied under HOME/evidence (by evidence_add), the
 * registration signed with the user's own key, which the passphrase
 * unlocks for this one signature; the upload is then used up. */
static void h_evidence_add(struct call *c)
{
	const char *up = body_str(c, "upload");
	char path[1100], id[EVIDENCE_ID_LEN + 1];
	struct evidence_ctx ec = {0};
	struct evidence_new e = {0};
	struct users_key *key = NULL;
	struct ledger *lg = NULL;
	struct diag d;
	int err;

	if (!upload_path(c, up, path, sizeof(path))) {
		fail(c, 400, "bad_request",
		     "upload: no upload %.40s of yours (POST /v1/uploads)", up);
		return;
	}
	diag_clear(&d);
	if (!call_signer(c, &key, &lg, &ec))
		goto out;
	e.file = path;
	e.case_ref = body_str(c, "case");
	e.description = body_str(c, "description");
	e.seized_at = body_str(c, "seized_at");
	e.seized_on = body_str(c, "seized_on");
	if ((err = evidence_add(&ec, key, &e, id, &d))) {
		if (err == LIA_ETOOBIG)
			fail(c, 413, "payload_too_large", "%s", d.msg);
		else
			fail_store(c, err, &d);
		goto out;
	}
	(void)unlink(path);
	if (!audit(c, "api.evidence.add", id, "registered from an upload"))
		goto out;
	reply_json(c, 201, json_pack("{s:s}", "id", id));
out:
	users_key_free(key);
	ledger_close(lg);
}

/* --------------------------------------------------------------- users */

/* A new user with their own key pair, as `liaison user add`: the
 * passphrase seals the key and is wiped with the body. */
static void h_user_create(struct call *c)
{
	json_t *pw = json_object_get(c->body, "password");
	enum users_role role;
	struct users_info u;
	struct ledger *lg;
	struct diag d;
	int err;

	if (users_role_parse(body_str(c, "role"), &role)) {
		fail(c, 400, "bad_request",
		     "role: one of officer, analyst, supervisor, auditor, "
		     "admin");
		return;
	}
	if (!(lg = call_ledger(c)))
		return;
	diag_clear(&d);
	err = users_add(c->a->n->store, lg, c->a->n->cfg.agency,
			body_str(c, "name"), role, json_string_value(pw),
			json_string_length(pw), c->actor, &u, &d);
	ledger_close(lg);
	if (err) {
		fail_store(c, err, &d);
		return;
	}
	reply_json(c, 201,
		   json_pack("{s:s,s:s}", "name", u.name, "role",
			     users_role_name(u.role)));
}

/* -------------------------------------------------------------- ledger */

static bool arg_u64(struct call *c, const char *name, bool required,
		    uint64_t *out)
{
	for (size_t i = 0; i < c->rq->n_args; i++)
		if (!strcmp(c->rq->args[i].name, name)) {
			const char *v = c->rq->args[i].value;

			if (str_to_u64(v, strlen(v), out)) {
				fail(c, 400, "bad_request",
				     "%s: must be a non-negative integer",
				     name);
				return false;
			}
			return true;
		}
	if (required) {
		fail(c, 400, "bad_request", "%s: required", name);
		return false;
	}
	return true;
}

static void ledger_proof(struct call *c, bool consistency)
{
	struct ledger *lg;
	struct ledger_proof p;
	uint64_t a = 0, b = UINT64_MAX;
	char *json = NULL;
	json_t *v;
	struct diag d;
	int err;

	if (!arg_u64(c, consistency ? "from" : "index", true, &a) ||
	    !arg_u64(c, consistency ? "to" : "size", false, &b) ||
	    !(lg = call_ledger(c)))
		return;
	if (b == UINT64_MAX)
		b = ledger_size(lg);
	diag_clear(&d);
	err = consistency ? ledger_prove_consistency(lg, a, b, &p, &d)
			  : ledger_prove_inclusion(lg, a, b, &p, &d);
	if (!err)
		err = ledger_proof_to_json(&p, &json);
	ledger_close(lg);
	if (err) {
		fail_store(c, err, &d);
		return;
	}
	if (!(v = json_loads(json, 0, NULL)))
		fail(c, 500, "internal", "proof is not JSON");
	else
		reply_json(c, 200, v);
	free(json);
}

static void h_ledger_proof(struct call *c)
{
	ledger_proof(c, false);
}
static void h_ledger_consistency(struct call *c)
{
	ledger_proof(c, true);
}

/* -------------------------------------------------------------- tokens */

struct token_ctx {
	struct list_ctx l;
	int64_t want; /* find one token by id */
	char user[USERS_NAME_MAX + 1];
	bool found, revoked;
};

static int token_cb(const struct store_token *t, void *ctx)
{
	struct token_ctx *k = ctx;
	struct list_ctx *l = &k->l;

	if (k->want) {
		if (t->id != k->want)
			return 0;
		k->found = true;
		k->revoked = t->revoked != 0;
		(void)str_copy(k->user, sizeof(k->user), t->user);
		return 1;
	}
	l->seen++;
	if (l->seen > l->limit)
		return 1; /* one more row proves there is a next page */
	l->last = t->id;
	/* The hash is not shown: it is what a token is checked against. */
	json_array_append_new(l->items,
			      json_pack("{s:I,s:s,s:s,s:I,s:I,s:I}", "id",
					(json_int_t)t->id, "user", t->user,
					"label", t->label ? t->label : "",
					"created", (json_int_t)t->created,
					"expires", (json_int_t)t->expires,
					"revoked", (json_int_t)t->revoked));
	return 0;
}

/* Whose tokens a request may see: an admin names any user (or none for
 * all), everyone else only their own. */
static bool token_user(struct call *c, const char *asked, const char **user)
{
	bool admin = users_may(c->user.role, USERS_MANAGE_USERS);

	if (asked && !admin && strcmp(asked, c->user.name)) {
		fail(c, 403, "forbidden",
		     "only an admin manages another user's tokens");
		return false;
	}
	*user = asked ? asked : admin ? NULL : c->user.name;
	return true;
}

static void h_tokens(struct call *c)
{
	struct token_ctx k = {.l = {.limit = c->limit}};
	const char *asked = NULL, *user;
	char next[32];
	int64_t after;
	struct diag d;
	int err;

	for (size_t i = 0; i < c->rq->n_args; i++)
		if (!strcmp(c->rq->args[i].name, "user"))
			asked = c->rq->args[i].value;
	if (!token_user(c, asked, &user) || !after_i64(c, &after))
		return;
	if (!(k.l.items = json_array())) {
		fail(c, 500, "internal", "out of memory");
		return;
	}
	diag_clear(&d);
	err = store_token_each(c->a->n->store, user, after, token_cb, &k, &d);
	if (err && err != 1) {
		json_decref(k.l.items);
		fail_store(c, err, &d);
		return;
	}
	snprintf(next, sizeof(next), "%lld", (long long)k.l.last);
	reply_list(c, k.l.items, k.l.seen > c->limit ? next : NULL);
}

static void h_token_create(struct call *c)
{
	json_t *ex = json_object_get(c->body, "expires");
	char tok[API_TOKEN_LEN + 1];
	const char *user;
	int64_t id, expires = ex ? (int64_t)json_integer_value(ex) : 0;
	struct diag d;
	int err;

	if (!token_user(c, body_str(c, "user"), &user))
		return;
	if (!user)
		user = c->user.name;
	if (expires < 0 || (expires && expires <= (int64_t)time(NULL))) {
		fail(c, 400, "bad_request",
		     "expires: must be UTC seconds in the future, or 0");
		return;
	}
	diag_clear(&d);
	if ((err = api_token_create(c->a->n->store, user, body_str(c, "label"),
				    expires, c->actor, tok, &id, &d))) {
		fail_store(c, err, &d);
		return;
	}
	reply_json(c, 201,
		   json_pack("{s:s,s:I,s:s,s:I}", "token", tok, "id",
			     (json_int_t)id, "user", user, "expires",
			     (json_int_t)expires));
	sodium_memzero(tok, sizeof(tok));
}

static void h_token_revoke(struct call *c)
{
	struct token_ctx k = {0};
	const char *user;
	struct diag d;
	int err;

	if (str_to_i64(c->param, strlen(c->param), &k.want) || k.want < 1) {
		fail(c, 404, "not_found", "no such token");
		return;
	}
	diag_clear(&d);
	err = store_token_each(c->a->n->store, NULL, k.want - 1, token_cb, &k,
			       &d);
	if (err && err != 1) {
		fail_store(c, err, &d);
		return;
	}
	/* Another user's token is "not found" to a non-admin, as an
	 * unknown id is: ids do not say whose tokens exist. */
	if (!k.found || k.revoked ||
	    (!users_may(c->user.role, USERS_MANAGE_USERS) &&
	     strcmp(k.user, c->user.name))) {
		fail(c, 404, "not_found", "no such live token");
		return;
	}
	if (!token_user(c, k.user, &user))
		return;
	if ((err = store_token_revoke(c->a->n->store, k.want,
				      (int64_t)time(NULL), c->actor, &d))) {
		fail_store(c, err, &d);
		return;
	}
	reply_json(c, 200,
		   json_pack("{s:I,s:s}", "id", (json_int_t)k.want, "state",
			     "revoked"));
}

/* -------------------------------------------------------------- table */

static const char *const no_args[] = {NULL};
static const char *const list_args[] = {"limit", "after", "purpose", NULL};
static const char *const search_args[] = {"q", "limit", "after", "purpose",
					  NULL};
static const char *const purpose_args[] = {"purpose", NULL};
static const char *const events_args[] = {"after", NULL};
static const char *const export_args[] = {"schema", "limit", "after", "purpose",
					  NULL};
static const char *const evidence_args[] = {"case", "limit", "after", "purpose",
					    NULL};
static const char *const proof_args[] = {"index", "size", NULL};
static const char *const consistency_args[] = {"from", "to", NULL};
static const char *const token_args[] = {"user", "limit", "after", NULL};

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

#define TEXT_MAX 65536 /* bytes of a message text in the API */
static const struct field import_body[] = {
    {"records", F_OBJECTS, true, API_IMPORT_MAX},
    {"classification", F_STRING, false, MARKING_CODE_MAX},
    {"handling", F_STRING, false, 2},
    {"tlp", F_STRING, false, 16},
    {"evaluation", F_STRING, false, 2},
    {"audience", F_STRING, false, 1024},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {0},
};
static const struct field message_body[] = {
    {"to", F_STRINGS, true, ENVELOPE_RECIPIENTS_MAX},
    {"subject", F_STRING, true, NODE_SUBJECT_MAX},
    {"text", F_STRING, false, TEXT_MAX},
    {"records", F_STRINGS, false, NODE_MSG_RECORDS_MAX},
    {"case", F_STRING, false, 128},
    {"reply_to", F_STRING, false, 32},
    {"priority", F_STRING, false, 16},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {"attachments", F_STRINGS, false, NODE_MSG_ATTACH_MAX},
    {0},
};
static const struct field query_body[] = {
    {"to", F_STRINGS, true, ENVELOPE_RECIPIENTS_MAX},
    {"name", F_STRING, true, NODE_QUERY_NAME_MAX},
    {"dob", F_STRING, false, 10},
    {"nationality", F_STRING, false, 2},
    {"id_number", F_STRING, false, 127},
    {"schema", F_STRING, false, 15},
    {"reason", F_STRING, true, NODE_REASON_MAX},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {0},
};
static const struct field request_body[] = {
    {"ref", F_STRING, true, NODE_REF_HEX},
    {"reason", F_STRING, false, NODE_REASON_MAX},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {0},
};
static const struct field decide_body[] = {
    {"reason", F_STRING, false, NODE_REASON_MAX},
    {0},
};
static const struct field alert_body[] = {
    {"kind", F_STRING, true, NODE_ALERT_KIND_MAX},
    {"record_id", F_STRING, true, ID_MAX},
    {"action", F_STRING, false, NODE_ACTION_MAX},
    {"to", F_STRINGS, true, ENVELOPE_RECIPIENTS_MAX},
    {"expires", F_INTEGER, false, 0},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {0},
};
static const struct field withdraw_body[] = {
    {"reason", F_STRING, false, NODE_REASON_MAX},
    {0},
};
static const struct field custody_body[] = {
    {"kind", F_STRING, true, 16},
    {"to", F_STRING, false, USERS_NAME_MAX},
    {"note", F_STRING, false, EVIDENCE_TEXT_MAX},
    {"password", F_STRING, true, USERS_PASSPHRASE_MAX},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {0},
};
static const struct field evidence_body[] = {
    {"upload", F_STRING, true, API_UPLOAD_ID_LEN},
    {"case", F_STRING, true, EVIDENCE_FIELD_MAX},
    {"description", F_STRING, true, EVIDENCE_TEXT_MAX},
    {"seized_at", F_STRING, false, EVIDENCE_FIELD_MAX},
    {"seized_on", F_STRING, false, EVIDENCE_FIELD_MAX},
    {"password", F_STRING, true, USERS_PASSPHRASE_MAX},
    {"purpose", F_STRING, false, PURPOSE_MAX},
    {0},
};
static const struct field user_body[] = {
    {"name", F_STRING, true, USERS_NAME_MAX},
    {"role", F_STRING, true, 16},
    {"password", F_STRING, true, USERS_PASSPHRASE_MAX},
    {0},
};
static const struct field token_body[] = {
    {"user", F_STRING, false, USERS_NAME_MAX},
    {"label", F_STRING, false, 128},
    {"expires", F_INTEGER, false, 0},
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
    {"POST", "/v1/records/import", true, USERS_IMPORT_RECORDS, true,
     import_body, purpose_args, h_import},
    {"GET", "/v1/records/export", true, USERS_READ_RECORDS, true, NULL,
     export_args, h_export},
    {"POST", "/v1/uploads", true, USERS_EXCHANGE, false, NULL, no_args,
     h_upload},
    {"POST", "/v1/messages", true, USERS_EXCHANGE, true, message_body,
     purpose_args, h_message_send},
    {"GET", "/v1/messages/{id}", true, USERS_READ_MESSAGES, true, NULL,
     purpose_args, h_message_read},
    {"POST", "/v1/queries", true, USERS_EXCHANGE, true, query_body,
     purpose_args, h_query_send},
    {"GET", "/v1/queries", true, USERS_EXCHANGE, true, NULL, list_args,
     h_queries},
    {"POST", "/v1/requests", true, USERS_EXCHANGE, true, request_body,
     purpose_args, h_request_send},
    {"GET", "/v1/requests", true, USERS_EXCHANGE, true, NULL, list_args,
     h_requests},
    {"POST", "/v1/requests/{id}/approve", true, USERS_APPROVE_RELEASE, false,
     decide_body, no_args, h_approve},
    {"POST", "/v1/requests/{id}/refuse", true, USERS_APPROVE_RELEASE, false,
     decide_body, no_args, h_refuse},
    {"POST", "/v1/alerts", true, USERS_ISSUE_ALERTS, true, alert_body,
     purpose_args, h_alert_issue},
    {"POST", "/v1/alerts/{id}/withdraw", true, USERS_ISSUE_ALERTS, false,
     withdraw_body, no_args, h_alert_withdraw},
    {"GET", "/v1/evidence", true, USERS_VIEW_EVIDENCE, true, NULL,
     evidence_args, h_evidence_list},
    {"POST", "/v1/evidence", true, USERS_RECORD_CUSTODY, true, evidence_body,
     purpose_args, h_evidence_add},
    {"GET", "/v1/evidence/{id}", true, USERS_VIEW_EVIDENCE, true, NULL,
     purpose_args, h_evidence_show},
    {"POST", "/v1/evidence/{id}/events", true, USERS_RECORD_CUSTODY, true,
     custody_body, purpose_args, h_evidence_event},
    {"GET", "/v1/ledger/proof", true, USERS_READ_LEDGER, false, NULL,
     proof_args, h_ledger_proof},
    {"GET", "/v1/ledger/consistency", true, USERS_READ_LEDGER, false, NULL,
     consistency_args, h_ledger_consistency},
    {"POST", "/v1/users", true, USERS_MANAGE_USERS, false, user_body, no_args,
     h_user_create},
    {"GET", "/v1/tokens", true, USERS_OWN_TOKENS, false, NULL, token_args,
     h_tokens},
    {"POST", "/v1/tokens", true, USERS_OWN_TOKENS, false, token_body, no_args,
     h_token_create},
    {"POST", "/v1/tokens/{id}/revoke", true, USERS_OWN_TOKENS, false, NULL,
     no_args, h_token_revoke},
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

	/* Literal patterns first: /v1/records/export is not the record
	 * "export", whatever the order of the table. */
	for (size_t k = 0; k < 2 * N_ROUTES; k++) {
		size_t i = k % N_ROUTES;

		if ((k < N_ROUTES) == !!strchr(routes[i].pattern, '{') ||
		    !path_match(routes[i].pattern, path, NULL))
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
		case F_OBJECTS:
			if (!json_is_array(x) || !json_array_size(x) ||
			    json_array_size(x) > f->max) {
				snprintf(msg, msg_n,
					 "%s: must be an array of 1..%zu "
					 "objects",
					 f->name, f->max);
				goto bad;
			}
			for (i = 0; i < json_array_size(x); i++)
				if (!json_is_object(json_array_get(x, i))) {
					snprintf(msg, msg_n,
						 "%s[%zu]: must be an object",
						 f->name, i);
					goto bad;
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
	const struct route *r = NULL;
	json_t *v = NULL;
	int err;

	if (!pattern || !code || !msg || !msg_n || (!body && len))
		return LIA_EINVAL;
	/* A pattern with a GET and a POST (/v1/queries) is checked against
	 * the body of the one that takes a body. */
	for (size_t i = 0; i < N_ROUTES; i++)
		if (!strcmp(routes[i].pattern, pattern) &&
		    (!r || (!r->body && routes[i].body)))
			r = &routes[i];
	if (!r)
		return LIA_ENOTFOUND;
	err = body_check(r->body, body, len, &v, code, msg, msg_n);
	json_decref(v);
	return err;
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
	if (rq->probe) {
		/* The listener asks before it accepts a streamed body. */
		rs->status = 0;
		return;
	}
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
