/*
 * export.c - FtM JSON lines out, each record with its marking, so that a
 * partner node (or a later import into a new node) keeps the handling
 * rules together with the data.
 */
#include <errno.h>
#include <string.h>

#include "liaison/node.h"

struct export_ctx {
	FILE *out;
	uint64_t count;
	struct diag *d;
};

static int write_record(const struct store_record *r, void *ctx)
{
	struct export_ctx *x = ctx;
	json_t *obj = NULL, *mj = NULL;
	int rc;

	if ((rc = entity_to_jansson(r->entity, &obj)) ||
	    (rc = marking_to_json(&r->marking, &mj)))
		goto out;
	if (json_object_set(obj, "marking", mj)) {
		rc = LIA_ENOMEM;
		goto out;
	}
	if (json_dumpf(obj, x->out, JSON_COMPACT | JSON_SORT_KEYS) ||
	    fputc('\n', x->out) == EOF) {
		diag_set(x->d, "write failed: %s", strerror(errno));
		rc = LIA_EIO;
		goto out;
	}
	x->count++;
out:
	json_decref(mj);
	json_decref(obj);
	return rc;
}

int node_export(struct node *n, const struct store_query *filter,
		const char *const *ids, size_t n_ids, FILE *out,
		uint64_t *count, struct diag *d)
{
	struct export_ctx x = {.out = out, .d = d};
	struct store_query all = {0};
	int rc = 0;

	if (ids && n_ids) {
		for (size_t i = 0; i < n_ids && !rc; i++) {
			struct store_record *r = NULL;
			rc = store_get(n->store, ids[i], &r, d);
			if (!rc)
				rc = write_record(r, &x);
			store_record_free(r);
		}
	} else {
		rc = store_each(n->store, filter ? filter : &all, write_record,
				&x, d);
	}
	if (!rc && fflush(out)) {
		diag_set(d, "write failed: %s", strerror(errno));
		rc = LIA_EIO;
	}
	if (!rc && count)
		*count = x.count;
	return rc;
}
