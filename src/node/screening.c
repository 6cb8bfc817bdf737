/*
 * screening.c - the node's watchlists as a screening index, and the rows
 * of batch screening files.
 */
#include <ctype.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "liaison/entity.h"
#include "liaison/node.h"
#include "liaison/screen.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"

static const char *const default_lists[] = {"un", "ofac", "interpol",
					    "alert", NULL};

/* Names a watchlist may not take: the built-in lists and every other
 * source a record can have (import formats, received messages). */
static const char *const reserved_lists[] = {
    "un",  "ofac", "interpol", "alert", "auto", "ftm",
    "csv", "message", "list", NULL};

bool node_list_name_ok(const char *name)
{
	size_t n;

	if (!name || !(n = strlen(name)) || n > NODE_LIST_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') ||
	      (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-' ||
		      name[i] == '_'))
			return false;
	for (size_t i = 0; reserved_lists[i]; i++)
		if (!strcmp(name, reserved_lists[i]))
			return false;
	return true;
}

const char *node_source_list(const char *source)
{
	size_t k = strlen(NODE_LIST_PREFIX);

	if (!strncmp(source, NODE_LIST_PREFIX, k) &&
	    node_list_name_ok(source + k))
		return source + k;
	return source;
}

bool node_default_list(const char *list)
{
	for (size_t i = 0; default_lists[i]; i++)
		if (!strcmp(list, default_lists[i]))
			return true;
	/* An analyst's watchlist: a source that only an import made with
	 * --list can have. */
	return node_source_list(list) != list;
}

struct load_ctx {
	struct screen_index *ix;
	struct match_ctx *mc;
	const char *only;
	size_t n;
	struct diag *d;
	/* Record ids of active received alerts, sorted: a record in the
	 * list "alert" is screened only while its alert is active. */
	char **alerts;
	size_t n_alerts;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int node_screen_apply(struct screen_index *ix, struct match_ctx *mc,
		      const struct store_record *r, const char *only_list,
		      char *const *active_alerts, size_t n_alerts,
		      bool *indexed, struct diag *d)
{
	struct screen_entry e;
	struct screen_entry_storage stg;
	bool put = false;
	int rc = 0;

	/* Named lists are matched as hits report them: "--list pep"
	 * screens the records of "list:pep". */
	if (only_list ? strcmp(r->source, only_list) &&
			    strcmp(node_source_list(r->source), only_list)
		      : !node_default_list(r->source))
		goto out;
	if (!strcmp(r->source, "alert")) {
		const char *id = entity_id(r->entity);
		if (!n_alerts || !bsearch(&id, active_alerts, n_alerts,
					  sizeof(*active_alerts), cmp_str))
			goto out;
	}
	rc = screen_entry_from_entity(r->entity, node_source_list(r->source),
				      &e, &stg);
	if (rc == LIA_ENOTFOUND) {
		rc = 0; /* addresses, sanctions, documents: not names */
		goto out;
	}
	if (rc)
		return rc;
	rc = screen_put(ix, mc, &e, d);
	/* A name that normalises to nothing cannot be screened; the record
	 * stays in the store and its other names are indexed. */
	if (rc == LIA_EVALUE)
		rc = 0;
	else if (!rc)
		put = true;
out:
	/* Not (or no longer) screened: a version that left the lists, an
	 * alert withdrawn or expired. */
	if (!rc && !put)
		(void)screen_remove(ix,
				    entity_id(r->entity)); /* absent: fine */
	if (!rc && indexed)
		*indexed = put;
	return rc;
}

static int load_one(const struct store_record *r, void *ctx)
{
	struct load_ctx *c = ctx;
	bool put = false;
	int rc = node_screen_apply(c->ix, c->mc, r, c->only, c->alerts,
				   c->n_alerts, &put, c->d);

	if (!rc && put)
		c->n++;
	return rc;
}

int node_screen_load(struct node *n, struct screen_index *ix,
		     struct match_ctx *mc, const char *only_list,
		     size_t *records, struct diag *d)
{
	struct load_ctx c = {.ix = ix, .mc = mc, .only = only_list, .d = d};
	struct store_query all = {0};
	int rc;

	/* Read at each load, so a withdrawal or an expiry stops hitting at
	 * the next screening. */
	if ((rc = node_alert_active_ids(n, (int64_t)time(NULL), &c.alerts,
					&c.n_alerts, d)))
		return rc;
	if (c.n_alerts)
		qsort(c.alerts, c.n_alerts, sizeof(*c.alerts), cmp_str);
	rc = store_each(n->store, &all, load_one, &c, d);
	for (size_t i = 0; i < c.n_alerts; i++)
		free(c.alerts[i]);
	free(c.alerts);
	if (!rc && records)
		*records = c.n;
	return rc;
}


struct own_ctx {
	struct load_ctx l;
	const char *agency;
};

static int load_own(const struct store_record *r, void *ctx)
{
	struct own_ctx *c = ctx;
	const char *only = c->l.only;
	int rc;

	/* Records received from other agencies are theirs to report, not
	 * ours: only records this node originated answer a query. */
	if (strcmp(r->marking.agency, c->agency))
		return 0;
	c->l.only = r->source;
	rc = load_one(r, &c->l);
	c->l.only = only;
	return rc;
}

int node_screen_load_own(struct node *n, struct screen_index *ix,
			 struct match_ctx *mc, size_t *records,
			 struct diag *d)
{
	struct own_ctx c = {.l = {.ix = ix, .mc = mc, .d = d},
			    .agency = n->cfg.agency};
	struct store_query all = {0};
	int rc = store_each(n->store, &all, load_own, &c, d);

	if (!rc && records)
		*records = c.l.n;
	return rc;
}
