/*
 * store.c - the backend-neutral face of the store.
 *
 * Every public function checks its arguments here, once for all backends,
 * and then calls the backend through its table of operations. Untrusted
 * strings (query text, filters, ids, audit fields) are bounded and checked
 * for valid UTF-8 before any backend sees them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "liaison/schema.h"
#include "liaison/strbuf.h"
#include "store/store_int.h"

void store_iso_time(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, n, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A bounded, valid UTF-8 string without control characters: one line
 * (tabs allowed), so that stored values cannot forge lines in listings of
 * the audit trail or the imports. */
static int check_str(const char *what, const char *s, size_t max,
		     bool required, struct diag *d)
{
	size_t len;

	if (!s) {
		if (!required)
			return 0;
		diag_set(d, "store: %s is required", what);
		return LIA_EINVAL;
	}
	len = strnlen(s, max + 1);
	if (len > max) {
		diag_set(d, "store: %s longer than %zu bytes", what, max);
		return LIA_ETOOBIG;
	}
	if (required && len == 0) {
		diag_set(d, "store: %s is empty", what);
		return LIA_EINVAL;
	}
	if (!utf8_valid(s, len, NULL)) {
		diag_set(d, "store: %s is not valid UTF-8", what);
		return LIA_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			diag_set(d, "store: %s contains a control character",
				 what);
			return LIA_EINVAL;
		}
	}
	return 0;
}

static int check_id(const char *id, struct diag *d)
{
	size_t len;

	if (!id) {
		diag_set(d, "store: record id is required");
		return LIA_EINVAL;
	}
	len = strnlen(id, ENTITY_ID_MAX + 1);
	if (len == 0 || len > ENTITY_ID_MAX) {
		diag_set(d, "store: record id must be 1..%d bytes",
			 ENTITY_ID_MAX);
		return LIA_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == ':' || c == '-')) {
			diag_set(d, "store: record id has a character outside "
				    "[A-Za-z0-9._:-]");
			return LIA_EINVAL;
		}
	}
	return 0;
}

/* YYYY, YYYY-MM or YYYY-MM-DD with plausible month and day numbers. */
static int check_date(const char *what, const char *s, struct diag *d)
{
	size_t len;
	bool ok;

	if (!s)
		return 0;
	len = strnlen(s, 11);
	ok = len == 4 || len == 7 || len == 10;
	for (size_t i = 0; ok && i < len; i++) {
		if (i == 4 || i == 7)
			ok = s[i] == '-';
		else
			ok = s[i] >= '0' && s[i] <= '9';
	}
	if (ok && len >= 7) {
		int mm = (s[5] - '0') * 10 + (s[6] - '0');
		ok = mm >= 1 && mm <= 12;
	}
	if (ok && len == 10) {
		int dd = (s[8] - '0') * 10 + (s[9] - '0');
		ok = dd >= 1 && dd <= 31;
	}
	if (!ok) {
		diag_set(d, "store: %s must be YYYY, YYYY-MM or YYYY-MM-DD",
			 what);
		return LIA_EINVAL;
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Turn user text into an FTS5 query in which every whitespace-separated
 * token is an FTS5 string ("..." with inner quotes doubled). Operators such
 * as OR, NOT, NEAR(, *, ^ and column filters are then plain text: user
 * input can neither change the query's structure nor make it a syntax
 * error. Tokens are ANDed, which is what people expect of a search box.
 */
static int fts_quote(const char *text, char **out, struct diag *d)
{
	struct strbuf sb;
	size_t ntok = 0;
	const char *p = text;
	int err = 0;

	strbuf_init(&sb, STORE_QUERY_TEXT_MAX * 2 + 3 * STORE_QUERY_TOKENS_MAX);
	for (;;) {
		while (*p && is_space(*p))
			p++;
		if (!*p)
			break;
		if (++ntok > STORE_QUERY_TOKENS_MAX) {
			diag_set(d, "store: search text has more than %d words",
				 STORE_QUERY_TOKENS_MAX);
			err = LIA_ETOOBIG;
			goto out;
		}
		if (sb.len && (err = strbuf_addch(&sb, ' ')))
			goto out;
		if ((err = strbuf_addch(&sb, '"')))
			goto out;
		for (; *p && !is_space(*p); p++) {
			if (*p == '"' && (err = strbuf_addch(&sb, '"')))
				goto out;
			if ((err = strbuf_addch(&sb, *p)))
				goto out;
		}
		if ((err = strbuf_addch(&sb, '"')))
			goto out;
	}
	if (ntok == 0) {
		*out = NULL;
		goto out;
	}
	*out = strbuf_detach(&sb, NULL);
	if (!*out)
		err = LIA_ENOMEM;
out:
	strbuf_release(&sb);
	return err;
}

static int schemas_json(const char *name, char **out, struct diag *d)
{
	json_t *arr = NULL;
	char *s = NULL;
	int err = 0;

	if (!schema_get(name)) {
		diag_set(d, "store: unknown schema '%s'", name);
		err = LIA_ESCHEMA;
		goto out;
	}
	arr = json_array();
	if (!arr) {
		err = LIA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < schema_count(); i++) {
		const struct schema *s_i = schema_at(i);

		if (!s_i || !schema_is_a(s_i, name))
			continue;
		if (json_array_append_new(arr, json_string(s_i->name))) {
			err = LIA_ENOMEM;
			goto out;
		}
	}
	s = json_dumps(arr, JSON_COMPACT);
	if (!s) {
		err = LIA_ENOMEM;
		goto out;
	}
	*out = s;
out:
	json_decref(arr);
	return err;
}

void store_filter_release(struct store_filter *f)
{
	free(f->schemas_json);
	free(f->fts);
	memset(f, 0, sizeof(*f));
}

int store_filter_build(const struct store *st, const struct store_query *q,
		       bool with_text, struct store_filter *out,
		       struct diag *d)
{
	struct store_filter f = { .max_rank = -1 };
	int err = 0;

	if (!q)
		goto done;
	if ((err = check_str("schema filter", q->schema, 64, false, d)) ||
	    (err = check_str("country filter", q->country, 2, false, d)) ||
	    (err = check_str("class filter", q->max_class, MARKING_CODE_MAX,
			     false, d)) ||
	    (err = check_str("agency filter", q->agency, MARKING_CODE_MAX,
			     false, d)) ||
	    (err = check_date("date_from", q->date_from, d)) ||
	    (err = check_date("date_to", q->date_to, d)))
		goto out;
	if (q->schema && (err = schemas_json(q->schema, &f.schemas_json, d)))
		goto out;
	if (q->country) {
		char a = q->country[0], b = a ? q->country[1] : 0;

		a = (char)(a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a);
		b = (char)(b >= 'A' && b <= 'Z' ? b - 'A' + 'a' : b);
		if (!(a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z')) {
			diag_set(d, "store: country filter must be an ISO "
				    "alpha-2 code");
			err = LIA_EINVAL;
			goto out;
		}
		f.country[0] = a;
		f.country[1] = b;
	}
	if (q->max_class) {
		f.max_rank = marking_ladder_index(&st->ladder, q->max_class);
		if (f.max_rank < 0) {
			diag_set(d, "store: class filter '%s' is not on the "
				    "classification ladder", q->max_class);
			err = LIA_EINVAL;
			goto out;
		}
	}
	f.agency = q->agency && *q->agency ? q->agency : NULL;
	f.date_from = q->date_from;
	f.date_to = q->date_to;
	if (with_text && q->text) {
		if ((err = check_str("search text", q->text,
				     STORE_QUERY_TEXT_MAX, false, d)) ||
		    (err = fts_quote(q->text, &f.fts, d)))
			goto out;
		f.match_none = !f.fts;
	}
	if (q->offset > (size_t)INT64_MAX) {
		diag_set(d, "store: offset out of range");
		err = LIA_EINVAL;
		goto out;
	}
	f.offset = (int64_t)q->offset;
	if (q->limit > STORE_LIMIT_MAX && with_text) {
		diag_set(d, "store: limit above the maximum of %d",
			 STORE_LIMIT_MAX);
		err = LIA_EINVAL;
		goto out;
	}
	if (q->limit > (size_t)INT64_MAX) {
		diag_set(d, "store: limit out of range");
		err = LIA_EINVAL;
		goto out;
	}
	f.limit = (int64_t)q->limit;
done:
	/* A search shows a page (default 100); an export wants everything. */
	if (f.limit == 0)
		f.limit = with_text ? STORE_LIMIT_DEFAULT : -1;
	*out = f;
	return 0;
out:
	store_filter_release(&f);
	return err;
}

int store_open(const char *dir, const struct store_opts *o,
	       struct store **out, struct diag *d)
{
	static const struct store_opts defaults;

	if (!dir || !*dir || !out) {
		diag_set(d, "store: no directory given");
		return LIA_EINVAL;
	}
	return store_sqlite_open(dir, o ? o : &defaults, out, d);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	store_prepper_free(st->prepper);
	store_prep_free(st->prep);
	st->ops->close(st);
}

int store_schema_version(struct store *st)
{
	if (!st)
		return LIA_EINVAL;
	return st->ops->schema_version(st);
}

int store_import_begin(struct store *st, const struct store_import *imp,
		       int64_t *import_id, struct diag *d)
{
	int err;

	if (!st || !imp) {
		diag_set(d, "store: no store or import given");
		return LIA_EINVAL;
	}
	if (st->readonly) {
		diag_set(d, "store: opened read-only");
		return LIA_EDENIED;
	}
	if (st->in_import || st->in_ledger || st->in_read) {
		diag_set(d, "store: an import or ledger transaction is already "
			    "open on this handle");
		return LIA_EINVAL;
	}
	if ((err = check_str("import format", imp->format, STORE_FORMAT_MAX,
			     true, d)) ||
	    (err = check_str("import files", imp->files, STORE_FILES_MAX,
			     false, d)) ||
	    (err = check_str("import actor", imp->actor, STORE_ACTOR_MAX, true,
			     d)))
		return err;
	if (imp->sha256) {
		size_t n = strnlen(imp->sha256, 65);
		bool ok = n == 64;

		for (size_t i = 0; ok && i < n; i++) {
			char c = imp->sha256[i];
			ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		}
		if (!ok) {
			diag_set(d, "store: import sha256 must be 64 lower-case "
				    "hex digits");
			return LIA_EINVAL;
		}
	}
	return st->ops->import_begin(st, imp, import_id, d);
}

int store_put(struct store *st, const struct entity *e,
	      const struct marking *m, enum store_change *change,
	      struct diag *d)
{
	int err;

	if (!st || !e || !m) {
		diag_set(d, "store: no store, entity or marking given");
		return LIA_EINVAL;
	}
	if (!st->in_import) {
		diag_set(d, "store: put outside an import");
		return LIA_EINVAL;
	}
	if (!st->prepper && (err = store_prepper_new(st, &st->prepper)))
		return err;
	if ((err = store_prepare(st->prepper, e, m, &st->prep, d)))
		return err;
	return st->ops->put_prepared(st, st->prep, change, d);
}

int store_put_prepared(struct store *st, const struct store_prep *p,
		       enum store_change *change, struct diag *d)
{
	if (!st || !p) {
		diag_set(d, "store: no store or record given");
		return LIA_EINVAL;
	}
	if (!st->in_import) {
		diag_set(d, "store: put outside an import");
		return LIA_EINVAL;
	}
	return st->ops->put_prepared(st, p, change, d);
}

int store_import_commit(struct store *st, struct store_counts *counts,
			struct diag *d)
{
	if (!st || !st->in_import) {
		diag_set(d, "store: no import open");
		return LIA_EINVAL;
	}
	return st->ops->import_commit(st, counts, d);
}

void store_import_abort(struct store *st)
{
	if (st && st->in_import)
		st->ops->import_abort(st);
}

int store_get(struct store *st, const char *id, struct store_record **out,
	      struct diag *d)
{
	int err;

	if (!st || !out)
		return LIA_EINVAL;
	if ((err = check_id(id, d)))
		return err;
	return st->ops->get(st, id, out, d);
}

int store_history(struct store *st, const char *id,
		  int (*fn)(const struct store_version *v, void *ctx),
		  void *ctx, struct diag *d)
{
	int err;

	if (!st || !fn)
		return LIA_EINVAL;
	if ((err = check_id(id, d)))
		return err;
	return st->ops->history(st, id, fn, ctx, d);
}

int store_search(struct store *st, const struct store_query *q,
		 int (*fn)(const struct store_hit *h, void *ctx), void *ctx,
		 struct diag *d)
{
	if (!st || !q || !fn)
		return LIA_EINVAL;
	return st->ops->search(st, q, fn, ctx, d);
}

int store_each(struct store *st, const struct store_query *filter,
	       int (*fn)(const struct store_record *r, void *ctx), void *ctx,
	       struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->each(st, filter, fn, ctx, d);
}

int store_stats(struct store *st, struct store_stats *out,
		int (*per_schema)(const char *schema, uint64_t n, void *ctx),
		void *ctx, struct diag *d)
{
	if (!st || !out)
		return LIA_EINVAL;
	return st->ops->stats(st, out, per_schema, ctx, d);
}

int store_records_mark(struct store *st, int64_t *out, struct diag *d)
{
	if (!st || !out)
		return LIA_EINVAL;
	return st->ops->records_mark(st, out, d);
}

int store_audit(struct store *st, const char *actor, const char *action,
		const char *object, const char *detail, struct diag *d)
{
	int err;

	if (!st)
		return LIA_EINVAL;
	if (st->readonly) {
		diag_set(d, "store: opened read-only");
		return LIA_EDENIED;
	}
	/* An audit entry written inside an open import would vanish if the
	 * import were aborted; the trail must never lose an entry. */
	if (st->in_import || st->in_ledger) {
		diag_set(d, "store: cannot audit while an import is open on "
			    "this handle");
		return LIA_EINVAL;
	}
	if ((err = check_str("audit actor", actor, STORE_ACTOR_MAX, true, d)) ||
	    (err = check_str("audit action", action, STORE_ACTION_MAX, true,
			     d)) ||
	    (err = check_str("audit object", object, STORE_OBJECT_MAX, false,
			     d)) ||
	    (err = check_str("audit detail", detail, STORE_DETAIL_MAX, false,
			     d)))
		return err;
	return st->ops->audit(st, actor, action, object, detail, d);
}

void store_set_audit_hook(struct store *st, store_audit_hook_fn *fn,
			  void *ctx)
{
	if (!st)
		return;
	st->audit_hook = fn;
	st->audit_hook_ctx = fn ? ctx : NULL;
}

int store_audit_each(struct store *st, int64_t since_id,
		     int (*fn)(int64_t id, const char *at, const char *actor,
			       const char *action, const char *object,
			       const char *detail, void *ctx),
		     void *ctx, struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->audit_each(st, since_id, fn, ctx, d);
}

/* --- exchange ---------------------------------------------------------- */

/* 32 lower-case hex digits: the only form of an envelope id the store
 * takes, so ids from the network cannot smuggle anything into a query or
 * a listing. */
static int check_env_id(const char *id, struct diag *d)
{
	size_t n;

	if (!id) {
		diag_set(d, "store: envelope id is required");
		return LIA_EINVAL;
	}
	n = strnlen(id, 33);
	for (size_t i = 0; n == 32 && i < n; i++) {
		char c = id[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			n = 0;
	}
	if (n != 32) {
		diag_set(d, "store: envelope id must be 32 lower-case hex "
			    "digits");
		return LIA_EINVAL;
	}
	return 0;
}

static int check_agency(const char *what, const char *a, struct diag *d)
{
	size_t n;

	if (!a) {
		diag_set(d, "store: %s is required", what);
		return LIA_EINVAL;
	}
	n = strnlen(a, MARKING_CODE_MAX + 1);
	if (n == 0 || n > MARKING_CODE_MAX) {
		diag_set(d, "store: %s must be 1..%d characters", what,
			 MARKING_CODE_MAX);
		return LIA_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = a[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_')) {
			diag_set(d, "store: %s has a character outside "
				    "[A-Z0-9_-]", what);
			return LIA_EINVAL;
		}
	}
	return 0;
}

static int check_writable(const struct store *st, struct diag *d)
{
	if (st->readonly) {
		diag_set(d, "store: opened read-only");
		return LIA_EDENIED;
	}
	if (st->in_import) {
		diag_set(d, "store: an import is open on this handle");
		return LIA_EINVAL;
	}
	return 0;
}

const char *store_out_state_name(enum store_out_state s)
{
	switch (s) {
	case STORE_OUT_QUEUED: return "queued";
	case STORE_OUT_SENT: return "sent";
	case STORE_OUT_DELIVERED: return "delivered";
	case STORE_OUT_FAILED: return "failed";
	}
	return "?";
}

int store_peer_add(struct store *st, const struct store_peer *p,
		   const char *actor, struct diag *d)
{
	int err;

	if (!st || !p)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)) ||
	    (err = check_agency("peer agency", p->agency, d)) ||
	    (err = check_str("peer card", p->card, 65536, true, d)) ||
	    (err = check_str("peer url", p->url, STORE_URL_MAX, true, d)) ||
	    (err = check_str("peer fingerprint", p->tls_sha256, 64, true, d)) ||
	    (err = check_str("actor", actor, STORE_ACTOR_MAX, true, d)))
		return err;
	return st->ops->peer_add(st, p, actor, d);
}

int store_peer_remove(struct store *st, const char *agency, const char *actor,
		      struct diag *d)
{
	int err;

	if (!st)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)) ||
	    (err = check_agency("peer agency", agency, d)) ||
	    (err = check_str("actor", actor, STORE_ACTOR_MAX, true, d)))
		return err;
	return st->ops->peer_remove(st, agency, actor, d);
}

int store_peer_find(struct store *st, const char *key, bool by_tls,
		    int (*fn)(const struct store_peer *p, void *ctx), void *ctx,
		    struct diag *d)
{
	int err;

	if (!st || !fn)
		return LIA_EINVAL;
	if (by_tls)
		err = check_str("fingerprint", key, 64, true, d);
	else
		err = check_agency("peer agency", key, d);
	if (err)
		return err;
	return st->ops->peer_find(st, key, by_tls, fn, ctx, d);
}

int store_peer_each(struct store *st,
		    int (*fn)(const struct store_peer *p, void *ctx), void *ctx,
		    struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->peer_find(st, NULL, false, fn, ctx, d);
}

static int check_outbound(const struct store_outbound *o, struct diag *d)
{
	int err;

	if (!o->bytes || !o->len || o->len > STORE_ENVELOPE_MAX) {
		diag_set(d, "store: envelope empty or too big");
		return LIA_ETOOBIG;
	}
	if (!o->n_recipients || !o->recipients) {
		diag_set(d, "store: no recipients");
		return LIA_EINVAL;
	}
	if ((err = check_env_id(o->env_id, d)) ||
	    (err = check_str("kind", o->kind, 31, true, d)) ||
	    (err = check_str("subject", o->subject, STORE_SUBJECT_MAX, false,
			     d)) ||
	    (err = check_str("case", o->case_ref, 256, false, d)) ||
	    (err = check_str("actor", o->actor, STORE_ACTOR_MAX, true, d)) ||
	    (err = check_str("detail", o->detail, STORE_DETAIL_MAX, false,
			     d)))
		return err;
	if (o->reply_to && (err = check_env_id(o->reply_to, d)))
		return err;
	for (size_t i = 0; i < o->n_recipients; i++)
		if ((err = check_agency("recipient", o->recipients[i], d)))
			return err;
	return 0;
}

int store_outbox_add(struct store *st, const struct store_outbound *o,
		     struct diag *d)
{
	int err;

	if (!st || !o)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)) || (err = check_outbound(o, d)))
		return err;
	return st->ops->outbox_add(st, o, d);
}

void store_out_item_release(struct store_out_item *it)
{
	if (!it)
		return;
	free(it->bytes);
	it->bytes = NULL;
	it->len = 0;
}

int store_outbox_due(struct store *st, int64_t now,
		     struct store_out_item *items, size_t max, size_t *n,
		     struct diag *d)
{
	if (!st || !items || !max || !n)
		return LIA_EINVAL;
	return st->ops->outbox_due(st, now, items, max, n, d);
}

int store_outbox_mark(struct store *st, const char *env_id,
		      const char *recipient, enum store_out_state state,
		      int64_t next_at, const char *error, struct diag *d)
{
	int err;

	if (!st || state < STORE_OUT_QUEUED || state > STORE_OUT_FAILED)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)) ||
	    (err = check_env_id(env_id, d)) ||
	    (err = check_agency("recipient", recipient, d)) ||
	    (err = check_str("error", error, STORE_ERROR_MAX, false, d)))
		return err;
	return st->ops->outbox_mark(st, env_id, recipient, state, next_at,
				    error, d);
}

int store_outbox_each(struct store *st,
		      int (*fn)(const struct store_msg_row *r, void *ctx),
		      void *ctx, struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->msg_each(st, false, fn, ctx, d);
}

int store_inbox_each(struct store *st,
		     int (*fn)(const struct store_msg_row *r, void *ctx),
		     void *ctx, struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->msg_each(st, true, fn, ctx, d);
}

int store_inbound_apply(struct store *st, const struct store_inbound *in,
			struct diag *d)
{
	int err;

	if (!st || !in)
		return LIA_EINVAL;
	if (!in->bytes || !in->len || in->len > STORE_ENVELOPE_MAX) {
		diag_set(d, "store: envelope empty or too big");
		return LIA_ETOOBIG;
	}
	if ((err = check_writable(st, d)) ||
	    (err = check_env_id(in->env_id, d)) ||
	    (err = check_agency("sender", in->sender, d)) ||
	    (err = check_str("kind", in->kind, 31, true, d)) ||
	    (err = check_str("priority", in->priority, 31, true, d)) ||
	    (err = check_str("case", in->case_ref, 256, false, d)) ||
	    (err = check_str("subject", in->subject, STORE_SUBJECT_MAX, false,
			     d)) ||
	    (err = check_str("marking", in->marking, 8192, true, d)) ||
	    (err = check_str("actor", in->actor, STORE_ACTOR_MAX, true, d)) ||
	    (err = check_str("detail", in->detail, STORE_DETAIL_MAX, false,
			     d)))
		return err;
	if (in->n_delivered > STORE_DELIVERED_MAX ||
	    (in->n_delivered && !in->delivered)) {
		diag_set(d, "store: too many envelopes in one receipt");
		return LIA_EINVAL;
	}
	for (size_t i = 0; i < in->n_delivered; i++)
		if ((err = check_env_id(in->delivered[i], d)))
			return err;
	if (in->reply && (err = check_outbound(in->reply, d)))
		return err;
	if (in->answer && (err = check_outbound(in->answer, d)))
		return err;
	if (in->n_refs > 64 || (in->n_refs && !in->refs)) {
		diag_set(d, "store: too many references");
		return LIA_EINVAL;
	}
	for (size_t i = 0; i < in->n_refs; i++)
		if ((err = check_env_id(in->refs[i].ref, d)) ||
		    (err = check_str("record", in->refs[i].record_id, 1024,
				     true, d)))
			return err;
	if (in->request &&
	    ((err = check_env_id(in->request->ref, d)) ||
	     (err = check_env_id(in->request->query_id, d)) ||
	     (err = check_str("record", in->request->record_id, 1024, true,
			      d)) ||
	     (err = check_str("reason", in->request->reason, 1024, false, d))))
		return err;
	return st->ops->inbound_apply(st, in, d);
}

int store_batch_begin(struct store *st, struct diag *d)
{
	int err;

	if (!st)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)))
		return err;
	return st->ops->batch_begin(st, d);
}

int store_batch_item(struct store *st, bool begin, bool keep,
		     struct diag *d)
{
	if (!st)
		return LIA_EINVAL;
	return st->ops->batch_item(st, begin, keep, d);
}

int store_batch_end(struct store *st, bool commit, struct diag *d)
{
	if (!st)
		return LIA_EINVAL;
	return st->ops->batch_end(st, commit, d);
}

void store_set_queue_hook(struct store *st, void (*fn)(void *ctx),
			  void *ctx)
{
	if (!st)
		return;
	st->on_queue = fn;
	st->on_queue_ctx = ctx;
}

int store_seen(struct store *st, const char *env_id, struct diag *d)
{
	int err;

	if (!st)
		return LIA_EINVAL;
	if ((err = check_env_id(env_id, d)))
		return err;
	return st->ops->seen(st, env_id, d);
}

int store_seen_prune(struct store *st, int64_t before, uint64_t *n,
		     struct diag *d)
{
	int err;

	if (!st)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)))
		return err;
	return st->ops->seen_prune(st, before, n, d);
}

void store_in_msg_free(struct store_in_msg *m)
{
	if (!m)
		return;
	free(m->case_ref);
	free(m->bytes);
	free(m);
}

int store_inbox_get(struct store *st, const char *env_id,
		    struct store_in_msg **out, struct diag *d)
{
	int err;

	if (!st || !out)
		return LIA_EINVAL;
	if ((err = check_env_id(env_id, d)))
		return err;
	return st->ops->inbox_get(st, env_id, out, d);
}

int store_inbox_mark_read(struct store *st, const char *env_id,
			  const char *actor, const char *detail,
			  struct diag *d)
{
	int err;

	if (!st)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)) || (err = check_env_id(env_id, d)) ||
	    (err = check_str("actor", actor, STORE_ACTOR_MAX, true, d)) ||
	    (err = check_str("detail", detail, STORE_DETAIL_MAX, false, d)))
		return err;
	return st->ops->inbox_mark_read(st, env_id, actor, detail, d);
}

int store_msg_case(struct store *st, const char *env_id, char **out,
		   char *peer, size_t peer_n, struct diag *d)
{
	int err;

	if (!st || !out || !peer || peer_n < MARKING_CODE_MAX + 1)
		return LIA_EINVAL;
	if ((err = check_env_id(env_id, d)))
		return err;
	return st->ops->msg_case(st, env_id, out, peer, peer_n, d);
}

/* --- ledger rows ------------------------------------------------------ */

static int ledger_writable(struct store *st, bool in_txn, struct diag *d)
{
	if (!st)
		return LIA_EINVAL;
	if (st->readonly) {
		diag_set(d, "store: opened read-only");
		return LIA_EDENIED;
	}
	if (st->in_import || st->in_read || st->in_ledger != in_txn) {
		diag_set(d, in_txn ? "store: no ledger transaction is open"
				   : "store: an import or ledger transaction "
				     "is already open on this handle");
		return LIA_EINVAL;
	}
	return 0;
}

int store_ledger_begin(struct store *st, uint64_t *size, struct diag *d)
{
	int err;

	if ((err = ledger_writable(st, false, d)))
		return err;
	if (!size)
		return LIA_EINVAL;
	return st->ops->ledger_begin(st, size, d);
}

int store_ledger_put_entry(struct store *st, const struct store_ledger_row *r,
			   struct diag *d)
{
	int err;

	if ((err = ledger_writable(st, true, d)))
		return err;
	if (!r || !r->leaf_hash || (r->len && !r->data) ||
	    r->index > STORE_LEDGER_INDEX_MAX || r->time_ms < 0)
		return LIA_EINVAL;
	if (r->len > STORE_LEDGER_ENTRY_MAX) {
		diag_set(d, "store: ledger entry of %zu bytes exceeds %zu",
			 r->len, STORE_LEDGER_ENTRY_MAX);
		return LIA_ETOOBIG;
	}
	return st->ops->ledger_put_entry(st, r, d);
}

int store_ledger_put_node(struct store *st, unsigned level, uint64_t index,
			  const uint8_t hash[STORE_LEDGER_HASH],
			  struct diag *d)
{
	int err;

	if ((err = ledger_writable(st, true, d)))
		return err;
	if (!hash || level < 1 || level > 62 ||
	    index > (STORE_LEDGER_INDEX_MAX >> level))
		return LIA_EINVAL;
	return st->ops->ledger_put_node(st, level, index, hash, d);
}

int store_ledger_put_head(struct store *st, const struct store_ledger_head *h,
			  struct diag *d)
{
	if (!st || !h || h->size > STORE_LEDGER_INDEX_MAX + 1 ||
	    h->time_ms < 0)
		return LIA_EINVAL;
	if (st->readonly) {
		diag_set(d, "store: opened read-only");
		return LIA_EDENIED;
	}
	if (st->in_import) {
		diag_set(d, "store: an import is open on this handle");
		return LIA_EINVAL;
	}
	return st->ops->ledger_put_head(st, h, d);
}

int store_ledger_commit(struct store *st, struct diag *d)
{
	int err;

	if ((err = ledger_writable(st, true, d)))
		return err;
	return st->ops->ledger_commit(st, d);
}

void store_ledger_abort(struct store *st)
{
	if (st && st->in_ledger)
		st->ops->ledger_abort(st);
}

int store_ledger_size(struct store *st, uint64_t *out, struct diag *d)
{
	if (!st || !out)
		return LIA_EINVAL;
	return st->ops->ledger_size(st, out, d);
}

int store_ledger_nodes_end(struct store *st, uint64_t *out, struct diag *d)
{
	if (!st || !out)
		return LIA_EINVAL;
	return st->ops->ledger_nodes_end(st, out, d);
}

int store_ledger_node(struct store *st, unsigned level, uint64_t index,
		      uint8_t out[STORE_LEDGER_HASH], struct diag *d)
{
	if (!st || !out || level > 62 ||
	    index > (STORE_LEDGER_INDEX_MAX >> level))
		return LIA_EINVAL;
	return st->ops->ledger_node(st, level, index, out, d);
}

int store_ledger_nodes_from(struct store *st, unsigned level, uint64_t from,
			    size_t max,
			    int (*fn)(uint64_t index, const uint8_t *hash,
				      void *ctx),
			    void *ctx, struct diag *d)
{
	if (!st || !fn || level < 1 || level > 62 ||
	    from > (STORE_LEDGER_INDEX_MAX >> level))
		return LIA_EINVAL;
	return st->ops->ledger_nodes_from(st, level, from, max, fn, ctx, d);
}

bool store_ledger_in_snapshot(const struct store *st)
{
	return st && st->in_read;
}

int store_ledger_each(struct store *st, uint64_t from,
		      int (*fn)(const struct store_ledger_row *r, void *ctx),
		      void *ctx, struct diag *d)
{
	if (!st || !fn || from > STORE_LEDGER_INDEX_MAX + 1)
		return LIA_EINVAL;
	return st->ops->ledger_each(st, from, fn, ctx, d);
}

int store_ledger_head(struct store *st, uint64_t size,
		      struct store_ledger_head *out, struct diag *d)
{
	if (!st || !out ||
	    (size != UINT64_MAX && size > STORE_LEDGER_INDEX_MAX + 1))
		return LIA_EINVAL;
	return st->ops->ledger_head(st, size, out, d);
}

int store_ledger_head_each(struct store *st,
			   int (*fn)(const struct store_ledger_head *h,
				     void *ctx),
			   void *ctx, struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->ledger_head_each(st, fn, ctx, d);
}

int store_ledger_read_begin(struct store *st, struct diag *d)
{
	int err;

	if (!st || st->in_read)
		return LIA_EINVAL;
	if (st->in_import || st->in_ledger)
		return 0;
	if ((err = st->ops->ledger_read(st, true, d)))
		return err;
	st->in_read = true;
	return 0;
}

void store_ledger_read_end(struct store *st)
{
	if (st && st->in_read) {
		st->ops->ledger_read(st, false, NULL);
		st->in_read = false;
	}
}

int store_qref_get(struct store *st, const char *ref, char **record_id,
		   char asker[MARKING_CODE_MAX + 1], char query_id[33],
		   int64_t *created, struct diag *d)
{
	int err;

	if (!st || !record_id || !asker || !query_id || !created)
		return LIA_EINVAL;
	if ((err = check_env_id(ref, d)))
		return err;
	return st->ops->qref_get(st, ref, record_id, asker, query_id, created,
				 d);
}

int store_request_each(struct store *st, int64_t id, const char *env_id,
		       int (*fn)(const struct store_request *r, void *ctx),
		       void *ctx, struct diag *d)
{
	int err;

	if (!st || !fn || id < 0)
		return LIA_EINVAL;
	if (env_id && (err = check_env_id(env_id, d)))
		return err;
	return st->ops->request_each(st, id, env_id, fn, ctx, d);
}

int store_request_decide(struct store *st, int64_t id, const char *state,
			 const char *decided_by, const char *reason,
			 const struct store_outbound *o, struct diag *d)
{
	int err;

	if (!st || !o || id <= 0 || !state ||
	    (strcmp(state, "approved") && strcmp(state, "refused")))
		return LIA_EINVAL;
	if ((err = check_writable(st, d)) ||
	    (err = check_str("actor", decided_by, STORE_ACTOR_MAX, true, d)) ||
	    (err = check_str("reason", reason, 1024, false, d)) ||
	    (err = check_outbound(o, d)))
		return err;
	return st->ops->request_decide(st, id, state, decided_by, reason, o, d);
}

/* --- alerts ------------------------------------------------------------ */

int store_alert_save(struct store *st, const struct store_alert *a,
		     const struct store_outbound *o, const char *actor,
		     const char *action, const char *detail, struct diag *d)
{
	int err;

	if (!st || !a)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)) ||
	    (err = check_env_id(a->id, d)) ||
	    (err = check_agency("issuer", a->issuer, d)) ||
	    (err = check_str("role", a->role, 16, true, d)) ||
	    (err = check_str("kind", a->kind, 32, true, d)) ||
	    (err = check_str("record id", a->record_id, STORE_OBJECT_MAX,
			     true, d)) ||
	    (err = check_str("action", a->action, STORE_DETAIL_MAX, false,
			     d)) ||
	    (err = check_str("recipients", a->recipients, STORE_DETAIL_MAX,
			     false, d)) ||
	    (err = check_str("state", a->state, 16, true, d)) ||
	    (err = check_str("reason", a->reason, STORE_DETAIL_MAX, false,
			     d)) ||
	    (err = check_str("actor", actor, STORE_ACTOR_MAX, true, d)) ||
	    (err = check_str("action", action, STORE_ACTION_MAX, true, d)) ||
	    (err = check_str("detail", detail, STORE_DETAIL_MAX, false, d)))
		return err;
	if (o && (err = check_outbound(o, d)))
		return err;
	return st->ops->alert_save(st, a, o, actor, action, detail, d);
}

int store_alert_each(struct store *st,
		     int (*fn)(const struct store_alert *a, void *ctx),
		     void *ctx, struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->alert_each(st, fn, ctx, d);
}

int store_alert_hit_add(struct store *st, const struct store_alert_hit *h,
			int64_t since, const struct store_outbound *o,
			const char *actor, const char *detail, struct diag *d)
{
	int err;

	if (!st || !h)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)) ||
	    (err = check_env_id(h->env_id, d)) ||
	    (err = check_env_id(h->alert_id, d)) ||
	    (err = check_agency("agency", h->agency, d)) ||
	    (err = check_str("direction", h->direction, 16, true, d)) ||
	    (err = check_str("channel", h->channel, 32, true, d)) ||
	    (err = check_str("schema", h->schema, 64, true, d)) ||
	    (err = check_str("subject key", h->subject_key, 128, false, d)) ||
	    (err = check_str("actor", actor, STORE_ACTOR_MAX, true, d)) ||
	    (err = check_str("detail", detail, STORE_DETAIL_MAX, false, d)))
		return err;
	if (o && (err = check_outbound(o, d)))
		return err;
	return st->ops->alert_hit_add(st, h, since, o, actor, detail, d);
}

int store_alert_hit_each(struct store *st,
			 int (*fn)(const struct store_alert_hit *h, void *ctx),
			 void *ctx, struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->alert_hit_each(st, fn, ctx, d);
}

/* --- users, evidence and custody ------------------------------------- */

static bool idx_ok(uint64_t idx)
{
	return idx <= STORE_LEDGER_INDEX_MAX;
}

int store_user_add(struct store *st, const struct store_user *u, struct diag *d)
{
	int err;

	if ((err = ledger_writable(st, true, d)))
		return err;
	if (!u || !u->sign_pk || !u->sealed_sk || !u->salt ||
	    u->sealed_len == 0 || u->sealed_len > STORE_USER_SEALED_MAX ||
	    u->kdf_ops > INT64_MAX || u->kdf_mem > INT64_MAX ||
	    u->created < 0 || !idx_ok(u->ledger_idx))
		return LIA_EINVAL;
	if ((err = check_str("user name", u->name, STORE_ACTOR_MAX, true, d)) ||
	    (err =
		 check_str("user role", u->role, STORE_ACTION_MAX, true, d)) ||
	    (err = check_str("password hash", u->pwhash, STORE_ACTION_MAX * 4,
			     true, d)) ||
	    (err = check_str("created by", u->created_by, STORE_ACTOR_MAX, true,
			     d)))
		return err;
	return st->ops->user_add(st, u, d);
}

int store_user_get(struct store *st, const char *name,
		   int (*fn)(const struct store_user *u, void *ctx), void *ctx,
		   struct diag *d)
{
	int err;

	if (!st || !fn)
		return LIA_EINVAL;
	if (name &&
	    (err = check_str("user name", name, STORE_ACTOR_MAX, true, d)))
		return err;
	return st->ops->user_get(st, name, fn, ctx, d);
}

int store_evidence_add(struct store *st, const struct store_evidence *e,
		       struct diag *d)
{
	int err;

	if ((err = ledger_writable(st, true, d)))
		return err;
	if (!e || e->size > INT64_MAX || e->created < 0 ||
	    !idx_ok(e->ledger_idx))
		return LIA_EINVAL;
	if ((err = check_str("evidence id", e->id, 32, true, d)) ||
	    (err = check_str("case", e->case_ref, STORE_OBJECT_MAX, true, d)) ||
	    (err = check_str("description", e->description, STORE_DETAIL_MAX,
			     true, d)) ||
	    (err = check_str("sha256", e->sha256, 64, true, d)) ||
	    (err = check_str("media type", e->media_type, STORE_ACTION_MAX * 2,
			     true, d)) ||
	    (err = check_str("seized at", e->seized_at, STORE_OBJECT_MAX, false,
			     d)) ||
	    (err = check_str("seized on", e->seized_on, STORE_ACTION_MAX, false,
			     d)) ||
	    (err = check_str("registered by", e->registered_by, STORE_ACTOR_MAX,
			     true, d)))
		return err;
	return st->ops->evidence_add(st, e, d);
}

int store_evidence_each(struct store *st, const char *id, const char *case_ref,
			int (*fn)(const struct store_evidence *e, void *ctx),
			void *ctx, struct diag *d)
{
	int err;

	if (!st || !fn)
		return LIA_EINVAL;
	if ((id && (err = check_str("evidence id", id, 32, true, d))) ||
	    (case_ref &&
	     (err = check_str("case", case_ref, STORE_OBJECT_MAX, true, d))))
		return err;
	return st->ops->evidence_each(st, id, case_ref, fn, ctx, d);
}

int store_custody_add(struct store *st, const struct store_custody *c,
		      struct diag *d)
{
	int err;

	if ((err = ledger_writable(st, true, d)))
		return err;
	if (!c || c->seq > INT64_MAX || c->at < 0 || !idx_ok(c->ledger_idx))
		return LIA_EINVAL;
	if ((err = check_str("evidence id", c->item, 32, true, d)) ||
	    (err =
		 check_str("event kind", c->kind, STORE_ACTION_MAX, true, d)) ||
	    (err = check_str("user", c->user, STORE_ACTOR_MAX, true, d)))
		return err;
	return st->ops->custody_add(st, c, d);
}

int store_custody_each(struct store *st, const char *item,
		       int (*fn)(const struct store_custody *c, void *ctx),
		       void *ctx, struct diag *d)
{
	int err;

	if (!st || !fn)
		return LIA_EINVAL;
	if ((err = check_str("evidence id", item, 32, true, d)))
		return err;
	return st->ops->custody_each(st, item, fn, ctx, d);
}

/* --- API tokens ------------------------------------------------------ */

static bool hex64_ok(const char *h)
{
	if (!h || strnlen(h, STORE_TOKEN_HASH_HEX + 1) != STORE_TOKEN_HASH_HEX)
		return false;
	for (size_t i = 0; i < STORE_TOKEN_HASH_HEX; i++)
		if (!((h[i] >= '0' && h[i] <= '9') ||
		      (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

int store_token_add(struct store *st, const struct store_token *t,
		    const char *actor, int64_t *id, struct diag *d)
{
	int err;

	if (!st || !t || !id || !hex64_ok(t->hash) || t->created < 0 ||
	    t->expires < 0)
		return LIA_EINVAL;
	if ((err = check_str("token user", t->user, STORE_ACTOR_MAX, true,
			     d)) ||
	    (err = check_str("token label", t->label, STORE_TOKEN_LABEL_MAX,
			     false, d)) ||
	    (err = check_str("actor", actor, STORE_ACTOR_MAX, true, d)))
		return err;
	return st->ops->token_add(st, t, actor, id, d);
}

int store_token_each(struct store *st, const char *user, int64_t after,
		     int (*fn)(const struct store_token *t, void *ctx),
		     void *ctx, struct diag *d)
{
	int err;

	if (!st || !fn || after < 0)
		return LIA_EINVAL;
	if (user &&
	    (err = check_str("token user", user, STORE_ACTOR_MAX, true, d)))
		return err;
	return st->ops->token_each(st, user, NULL, after, fn, ctx, d);
}

int store_token_find(struct store *st, const char *hash,
		     int (*fn)(const struct store_token *t, void *ctx),
		     void *ctx, struct diag *d)
{
	if (!st || !fn || !hex64_ok(hash))
		return LIA_EINVAL;
	return st->ops->token_each(st, NULL, hash, 0, fn, ctx, d);
}

int store_token_revoke(struct store *st, int64_t id, int64_t now,
		       const char *actor, struct diag *d)
{
	int err;

	if (!st || id <= 0 || now <= 0)
		return LIA_EINVAL;
	if ((err = check_str("actor", actor, STORE_ACTOR_MAX, true, d)))
		return err;
	return st->ops->token_revoke(st, id, now, actor, d);
}

/* --- witnessing ------------------------------------------------------- */

static int witness_names_ok(const char *node, const char *witness,
			    struct diag *d)
{
	int err;

	if ((err = check_str("witness node", node, MARKING_CODE_MAX, true,
			     d)) ||
	    (err = check_str("witness", witness, MARKING_CODE_MAX, true,
			     d)))
		return err;
	return 0;
}

int store_witness_put(struct store *st, const struct store_witness *w,
		      struct diag *d)
{
	int err;

	if (!st || !w || w->size > STORE_LEDGER_INDEX_MAX + 1 || w->at_ms < 0)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)))
		return err;
	if (st->in_ledger)
		return LIA_EINVAL;
	if ((err = witness_names_ok(w->node, w->witness, d)))
		return err;
	return st->ops->witness_put(st, w, d);
}

int store_witness_get(struct store *st, const char *node, const char *witness,
		      uint64_t size, struct store_witness *out, struct diag *d)
{
	int err;

	if (!st || !out ||
	    (size != UINT64_MAX && size > STORE_LEDGER_INDEX_MAX + 1))
		return LIA_EINVAL;
	if ((err = witness_names_ok(node, witness, d)))
		return err;
	return st->ops->witness_get(st, node, witness, size, out, d);
}

int store_witness_each(struct store *st,
		       int (*fn)(const struct store_witness *w, void *ctx),
		       void *ctx, struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->witness_each(st, fn, ctx, d);
}

int store_witness_problem_add(struct store *st,
			      const struct store_witness_problem *p,
			      struct diag *d)
{
	int err;

	if (!st || !p || p->size > STORE_LEDGER_INDEX_MAX + 1)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)))
		return err;
	if (st->in_ledger)
		return LIA_EINVAL;
	if ((err = check_env_id(p->env_id, d)) ||
	    (err = witness_names_ok(p->node, p->witness, d)) ||
	    (err = check_str("witness problem", p->reason, STORE_DETAIL_MAX,
			     true, d)) ||
	    (err = check_str("witness evidence", p->evidence, 65536, true,
			     d)))
		return err;
	return st->ops->witness_problem_add(st, p, d);
}

int store_custody_in_add(struct store *st, const struct store_custody_in *r,
			 struct diag *d)
{
	int err;

	if (!st || !r || !r->item || !r->sender || !r->kind || !r->bundle)
		return LIA_EINVAL;
	if ((err = check_writable(st, d)))
		return err;
	if (st->in_ledger)
		return LIA_EINVAL;
	if (strcmp(r->kind, "transfer") && strcmp(r->kind, "receipt"))
		return LIA_EINVAL;
	if ((err = check_env_id(r->env_id, d)) ||
	    (err = check_env_id(r->item, d)) ||
	    (err = check_str("custody sender", r->sender, 64, true, d)) ||
	    (err = check_str("custody bundle", r->bundle,
			     (size_t)16 << 20, true, d)))
		return err;
	return st->ops->custody_in_add(st, r, d);
}

int store_custody_in_each(struct store *st, const char *item,
			  int (*fn)(const struct store_custody_in *r,
				    void *ctx),
			  void *ctx, struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->custody_in_each(st, item, fn, ctx, d);
}

int store_witness_problem_each(
    struct store *st,
    int (*fn)(const struct store_witness_problem *p, void *ctx), void *ctx,
    struct diag *d)
{
	if (!st || !fn)
		return LIA_EINVAL;
	return st->ops->witness_problem_each(st, fn, ctx, d);
}

/* --- changes ----------------------------------------------------------- */

int store_data_version(struct store *st, int64_t *out, struct diag *d)
{
	if (!st || !out)
		return LIA_EINVAL;
	return st->ops->data_version(st, out, d);
}

int store_versions_since(struct store *st, int64_t after,
			 int (*fn)(const char *id, int64_t vid, void *ctx),
			 void *ctx, int64_t *last, struct diag *d)
{
	if (!st || !fn || !last || after < 0)
		return LIA_EINVAL;
	return st->ops->versions_since(st, after, fn, ctx, last, d);
}
