/*
 * cmd_audit.c - `liaison audit`: the node's audit trail (who did what, to
 * which object, and why), filtered and newest last.
 *
 * The trail is append-only in the store (triggers refuse changes); this
 * command only reads it, through store_audit_each.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli.h"
#include "liaison/store.h"
#include "liaison/strbuf.h"

#define AUDIT_LIMIT_MAX 10000000

static const char audit_usage[] =
    "[--since TIME] [--actor WHO] [--action KIND] [--object ID]\n"
    "       [--limit N] [--json]\n"
    "  TIME is YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC); --limit keeps the\n"
    "  newest N matching entries (default: all).\n";

struct audit_row {
	int64_t id;
	char *at, *actor, *action, *object, *detail;
};

struct audit_ctx {
	const char *since, *actor, *action, *object;
	/* The newest `limit` matches: appended until there are limit of
	 * them, then a ring whose oldest entry is at next. */
	struct audit_row *rows;
	size_t limit, n, cap, next;
};

static void row_free(struct audit_row *r)
{
	free(r->at);
	free(r->actor);
	free(r->action);
	free(r->object);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int audit_cb(int64_t id, const char *at, const char *actor,
		    const char *action, const char *object, const char *detail,
		    void *ctx)
{
	struct audit_ctx *c = ctx;
	struct audit_row *r;

	/* Times are ISO 8601 UTC in the store, so text order is time
	 * order and a date compares as the start of that day. */
	if ((c->since && strcmp(at, c->since) < 0) ||
	    (c->actor && strcmp(actor, c->actor)) ||
	    (c->action && strcmp(action, c->action)) ||
	    (c->object && (!object || strcmp(object, c->object))))
		return 0;
	if (c->n < c->limit) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 64;
			struct audit_row *g;

			if (cap > c->limit)
				cap = c->limit;
			if (!(g = realloc(c->rows, cap * sizeof(*g))))
				return LIA_ENOMEM;
			c->rows = g;
			c->cap = cap;
		}
		r = &c->rows[c->n++];
		memset(r, 0, sizeof(*r));
	} else {
		r = &c->rows[c->next];
		row_free(r);
		c->next = (c->next + 1) % c->limit;
	}
	r->id = id;
	r->at = dup_or_empty(at);
	r->actor = dup_or_empty(actor);
	r->action = dup_or_empty(action);
	r->object = dup_or_empty(object);
	r->detail = dup_or_empty(detail);
	if (!r->at || !r->actor || !r->action || !r->object || !r->detail)
		return LIA_ENOMEM;
	return 0;
}

/* YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, digits where digits belong. */
static bool time_ok(const char *s)
{
	static const char date[] = "dddd-dd-dd",
			  full[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t n = strlen(s);
	const char *pat = n == sizeof(date) - 1	  ? date
			  : n == sizeof(full) - 1 ? full
						  : NULL;

	if (!pat)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	return true;
}

static int print_rows(const struct cli *c, const struct audit_ctx *x)
{
	size_t first = x->n < x->limit ? 0 : x->next;

	/* (first + k) % n walks the ring oldest first; n == limit once it
	 * has wrapped. */
	json_t *arr = c->json ? json_array() : NULL;

	if (c->json && !arr)
		return EX_SOFTWARE;
	for (size_t k = 0; k < x->n; k++) {
		const struct audit_row *r = &x->rows[(first + k) % x->n];

		if (!c->json) {
			printf("%s  %-5lld %-16s %-14s %s%s%s\n", r->at,
			       (long long)r->id, r->actor, r->action,
			       r->object[0] ? r->object : "-",
			       r->detail[0] ? "  " : "", r->detail);
			continue;
		}
		if (json_array_append_new(
			arr, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id",
				       (json_int_t)r->id, "at", r->at, "actor",
				       r->actor, "action", r->action, "object",
				       r->object, "detail", r->detail))) {
			json_decref(arr);
			return EX_SOFTWARE;
		}
	}
	if (c->json) {
		int rc =
		    json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(arr);
		if (rc || putchar('\n') == EOF)
			return EX_IOERR;
	}
	return fflush(stdout) ? EX_IOERR : EX_OK;
}

int cmd_audit(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"actor", required_argument, NULL, 'a'},
	    {"action", required_argument, NULL, 'k'},
	    {"object", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct audit_ctx x = {.limit = SIZE_MAX};
	struct node *n = NULL;
	struct diag d;
	uint64_t lim;
	int ch, rc, ex;

	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			x.since = optarg;
			break;
		case 'a':
			x.actor = optarg;
			break;
		case 'k':
			x.action = optarg;
			break;
		case 'o':
			x.object = optarg;
			break;
		case 'l':
			if (str_to_u64(optarg, strlen(optarg), &lim) || !lim ||
			    lim > AUDIT_LIMIT_MAX) {
				fprintf(stderr,
					"liaison: audit: --limit must "
					"be 1..%d\n",
					AUDIT_LIMIT_MAX);
				return EX_USAGE;
			}
			x.limit = (size_t)lim;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			printf("usage: liaison audit %s", audit_usage);
			return EX_OK;
		default:
			fprintf(stderr, "usage: liaison audit %s", audit_usage);
			return EX_USAGE;
		}
	}
	if (optind != argc || (x.since && !time_ok(x.since))) {
		fprintf(stderr, "usage: liaison audit %s", audit_usage);
		return EX_USAGE;
	}
	if ((ex = cli_open(c, "audit", true, &n)))
		return -ex;
	rc = store_audit_each(n->store, 0, audit_cb, &x, &d);
	node_close(n);
	ex = rc ? cli_fail("audit", rc, &d) : print_rows(c, &x);
	for (size_t i = 0; i < x.n; i++)
		row_free(&x.rows[i]);
	free(x.rows);
	return ex;
}
