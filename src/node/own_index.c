/*
 * own_index.c - the screening index of this node's own records, kept
 * between hit/no-hit queries.
 *
 * A query used to build the index from the store for every question: one
 * pass over every record the node originated (often whole watchlists),
 * then the screening itself. The daemon answers many queries between two
 * imports, so it keeps one index and rebuilds it only when the store's
 * records changed since it was built (store_records_mark grows with every
 * new version of a record or marking), which keeps the old guarantee: an
 * import is reflected in the very next query. Used by one thread at a
 * time (the daemon's receive path); the index itself allows concurrent
 * queries, this cache does not need them.
 */
#include <stdlib.h>

#include "liaison/match.h"
#include "liaison/node.h"
#include "liaison/screen.h"

struct node_own_index {
	struct screen_index *ix;
	struct match_ctx *mc;
	int64_t mark;	/* store_records_mark when ix was built */
	uint64_t loads; /* builds so far, for tests and logs */
};

int node_own_index_new(struct node_own_index **out)
{
	struct node_own_index *oi = calloc(1, sizeof(*oi));

	if (!oi)
		return LIA_ENOMEM;
	oi->mark = -1;
	*out = oi;
	return 0;
}

void node_own_index_free(struct node_own_index *oi)
{
	if (!oi)
		return;
	screen_index_free(oi->ix);
	match_ctx_free(oi->mc);
	free(oi);
}

uint64_t node_own_index_loads(const struct node_own_index *oi)
{
	return oi ? oi->loads : 0;
}

int node_own_index_get(struct node *n, struct node_own_index *oi,
		       struct screen_index **ix, struct match_ctx **mc,
		       struct diag *d)
{
	struct screen_index *fresh = NULL;
	int64_t mark = 0;
	int err;

	if (!oi->mc && (err = match_ctx_new(&oi->mc, d)))
		return err;
	if ((err = store_records_mark(n->store, &mark, d)))
		return err;
	if (!oi->ix || mark != oi->mark) {
		/* A new index, swapped in only when complete: a failed load
		 * leaves the previous one (and its mark) as they were. */
		if ((err = screen_index_new(&fresh)) ||
		    (err = node_screen_load_own(n, fresh, oi->mc, NULL, d))) {
			screen_index_free(fresh);
			return err;
		}
		screen_index_free(oi->ix);
		oi->ix = fresh;
		oi->mark = mark;
		oi->loads++;
	}
	*ix = oi->ix;
	*mc = oi->mc;
	return 0;
}
