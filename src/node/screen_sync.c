/*
 * screen_sync.c - a screening index that follows the store: the API's
 * in-memory index is built once (seconds for a million names) and then
 * kept current by applying only the records that changed, so that a
 * record imported, released or withdrawn, in this process or another,
 * hits or stops hitting at the next screening.
 *
 * Changes are found in two places: new versions of records (records are
 * never deleted; every change is a new version) and the set of active
 * received alerts (a record of the list "alert" is screened only while
 * its alert is active, and alerts also expire with time). The store's
 * data version tells cheaply whether another connection committed
 * anything at all; the alerts are also looked at again once a second
 * for expiries.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liaison/node.h"
#include "liaison/screen.h"

#define SYNC_IDS_MAX ((size_t)1 << 24) /* ids applied in one sync */
/* The alerts are read again at most this often after another connection
 * committed (a busy node commits audit rows all the time, and most
 * commits are not alerts), and at least this often for expiries. */
#define SYNC_ALERTS_MIN_MS 100
#define SYNC_ALERTS_MAX_MS 1000

struct node_screen_sync {
	struct node *n;
	struct screen_index *ix;
	struct match_ctx *mc;
	int64_t data_version;
	int64_t last_vid;
	int64_t alerts_ms; /* monotonic ms of the last look at the alerts */
	bool alerts_due;   /* a commit since then may have changed them */
	char **alerts;	   /* active received alerts' record ids, sorted */
	size_t n_alerts;
};

struct ids {
	char **v;
	size_t n, cap;
};

static int ids_add(struct ids *x, const char *id)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;
		char **v;

		if (cap > SYNC_IDS_MAX)
			return LIA_ETOOBIG;
		if (!(v = realloc(x->v, cap * sizeof(*v))))
			return LIA_ENOMEM;
		x->v = v;
		x->cap = cap;
	}
	if (!(x->v[x->n] = strdup(id)))
		return LIA_ENOMEM;
	x->n++;
	return 0;
}

static void ids_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int version_cb(const char *id, int64_t vid, void *ctx)
{
	(void)vid;
	return ids_add(ctx, id);
}

/* The ids in exactly one of two sorted lists: alerts that became active
 * or stopped being active. */
static int alerts_diff(char **a, size_t na, char **b, size_t nb,
		       struct ids *out)
{
	size_t i = 0, j = 0;
	int err = 0;

	while (!err && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);

		if (c < 0)
			err = ids_add(out, a[i++]);
		else if (c > 0)
			err = ids_add(out, b[j++]);
		else
			i++, j++;
	}
	return err;
}

static int load_alerts(struct node *n, int64_t now, char ***ids, size_t *n_ids,
		       struct diag *d)
{
	int err = node_alert_active_ids(n, now, ids, n_ids, d);

	if (!err && *n_ids)
		qsort(*ids, *n_ids, sizeof(**ids), cmp_str);
	return err;
}

int node_screen_sync_new(struct node *n, struct screen_index *ix,
			 struct match_ctx *mc, struct node_screen_sync **out,
			 struct diag *d)
{
	struct node_screen_sync *s;
	int64_t last = 0;
	int err;

	if (!n || !ix || !mc || !out)
		return LIA_EINVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return LIA_ENOMEM;
	s->n = n;
	s->ix = ix;
	s->mc = mc;
	s->alerts_ms = mono_ms();
	/* The marks are taken before the load: whatever is committed
	 * while it runs is applied again by the first sync, which is
	 * harmless (screen_put replaces). */
	if ((err = store_data_version(n->store, &s->data_version, d)) ||
	    (err = store_records_mark(n->store, &last, d)))
		goto out;
	s->last_vid = last;
	if ((err = load_alerts(n, (int64_t)time(NULL), &s->alerts, &s->n_alerts,
			       d)) ||
	    (err = node_screen_load(n, ix, mc, NULL, NULL, d)))
		goto out;
	*out = s;
	s = NULL;
out:
	node_screen_sync_free(s);
	return err;
}

int node_screen_sync(struct node_screen_sync *s, bool force, size_t *applied,
		     struct diag *d)
{
	struct ids ch = {0};
	struct store_record *r;
	char **alerts = NULL;
	size_t n_alerts = 0;
	int64_t dv, now = (int64_t)time(NULL), ms = mono_ms(), last = 0;
	bool moved, look;
	int err;

	if (!s)
		return LIA_EINVAL;
	if ((err = store_data_version(s->n->store, &dv, d)))
		return err;
	moved = force || dv != s->data_version;
	look = force || ms - s->alerts_ms >= SYNC_ALERTS_MAX_MS ||
	       ((moved || s->alerts_due) &&
		ms - s->alerts_ms >= SYNC_ALERTS_MIN_MS);
	if (applied)
		*applied = 0;
	if (!moved && !look)
		return 0;
	if (look && ((err = load_alerts(s->n, now, &alerts, &n_alerts, d)) ||
		     (err = alerts_diff(s->alerts, s->n_alerts, alerts,
					n_alerts, &ch))))
		goto out;
	last = s->last_vid;
	/* New versions: an index range past the mark, empty most times. */
	if (moved && (err = store_versions_since(s->n->store, s->last_vid,
						 version_cb, &ch, &last, d)))
		goto out;
	for (size_t i = 0; i < ch.n; i++) {
		err = store_get(s->n->store, ch.v[i], &r, d);
		if (err == LIA_ENOTFOUND) {
			(void)screen_remove(s->ix, ch.v[i]);
			continue;
		}
		if (err)
			goto out;
		err = node_screen_apply(s->ix, s->mc, r, NULL,
					look ? alerts : s->alerts,
					look ? n_alerts : s->n_alerts, NULL, d);
		store_record_free(r);
		if (err)
			goto out;
	}
	/* Only now is the index as current as these marks say. */
	s->data_version = dv;
	s->last_vid = last;
	if (look) {
		s->alerts_ms = ms;
		s->alerts_due = false;
		ids_free(s->alerts, s->n_alerts);
		s->alerts = alerts;
		s->n_alerts = n_alerts;
		alerts = NULL; /* kept */
		n_alerts = 0;
	} else if (moved) {
		s->alerts_due = true;
	}
	if (applied)
		*applied = ch.n;
out:
	ids_free(alerts, n_alerts);
	ids_free(ch.v, ch.n);
	return err;
}

void node_screen_sync_free(struct node_screen_sync *s)
{
	if (!s)
		return;
	ids_free(s->alerts, s->n_alerts);
	free(s);
}
