/*
 * peer_list.c - the agency codes of every pinned peer: what "--to all"
 * means for queries, in the CLI and the HTTP API alike.
 */
#include <string.h>

#include "liaison/envelope.h"
#include "liaison/node.h"

struct all_ctx {
	char (*buf)[MARKING_CODE_MAX + 1];
	size_t max, n;
};

static int all_cb(const struct store_peer *p, void *ctx)
{
	struct all_ctx *a = ctx;

	if (a->n >= a->max)
		return LIA_ETOOBIG;
	if (str_copy(a->buf[a->n], sizeof(a->buf[0]), p->agency))
		return LIA_ETOOBIG;
	a->n++;
	return 0;
}

int node_peer_agencies(struct node *n, char (*buf)[MARKING_CODE_MAX + 1],
		       size_t max, size_t *count, struct diag *d)
{
	struct all_ctx a = {.buf = buf, .max = max};
	int err;

	if (!n || !buf || !count)
		return LIA_EINVAL;
	if ((err = store_peer_each(n->store, all_cb, &a, d)))
		return err;
	if (!a.n) {
		diag_set(d, "no pinned peers (liaison peer add)");
		return LIA_ENOTFOUND;
	}
	*count = a.n;
	return 0;
}
