/*
 * cmd_witness.c - liaison ledger publish | witnesses: the node's tree head
 * sent to its peers for countersigning, and who countersigned what.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "liaison/banned.h"
#include "liaison/identity.h"
#include "liaison/node.h"

static const char witness_usage[] =
    "publish [--peer AGENCY] | witnesses\n"
    "\npublish signs the ledger's tree head and queues it to every pinned\n"
    "peer (or one) with a consistency proof from the size that peer last\n"
    "countersigned; the daemon delivers it and stores the "
    "countersignatures.\n"
    "witnesses lists the countersignatures of this node's heads, the heads\n"
    "of other nodes this node countersigned, and every PROBLEM (an\n"
    "inconsistency a witness found).\n";

static void when(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct show {
	const char *me;
	size_t n;
};

static int row_cb(const struct store_witness *w, void *ctx)
{
	struct show *s = ctx;
	char root[LEDGER_HASH_SIZE * 2 + 1], head[32], got[32];

	sodium_bin2hex(root, sizeof(root), w->root, LEDGER_HASH_SIZE);
	when(w->at_ms, head, sizeof(head));
	when(w->received * 1000, got, sizeof(got));
	if (!strcmp(w->node, s->me))
		printf("countersigned  size %-8" PRIu64
		       " by %-10s at %s  (head of %s, root %.16s)\n",
		       w->size, w->witness, got, head, root);
	else
		printf("witnessed      size %-8" PRIu64
		       " of %-10s at %s  (head of %s, root %.16s)\n",
		       w->size, w->node, got, head, root);
	s->n++;
	return 0;
}

static int problem_cb(const struct store_witness_problem *p, void *ctx)
{
	struct show *s = ctx;
	char at[32];

	when(p->at * 1000, at, sizeof(at));
	printf("PROBLEM        size %-8" PRIu64
	       " of %-10s witness %s at %s: %s\n",
	       p->size, p->node, p->witness, at, p->reason);
	s->n++;
	return 0;
}

int cmd_ledger_witness(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"peer", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *sub = argv[0], *peer = NULL;
	struct identity *me = NULL;
	struct node *n = NULL;
	struct show s = {0};
	struct diag d;
	uint64_t size = 0;
	size_t sent = 0;
	int ch, rc, ex;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			peer = optarg;
			break;
		case 'h':
			printf("usage: liaison ledger %s", witness_usage);
			return EX_OK;
		default:
			fprintf(stderr, "usage: liaison ledger %s",
				witness_usage);
			return EX_USAGE;
		}
	}
	if (optind != argc || (peer && strcmp(sub, "publish"))) {
		fprintf(stderr, "usage: liaison ledger %s", witness_usage);
		return EX_USAGE;
	}
	if ((ex = cli_open(c, "ledger", strcmp(sub, "publish") != 0, &n)))
		return -ex;
	diag_clear(&d);
	if (!strcmp(sub, "publish")) {
		if (!(rc = identity_load(c->home, &me, &d)) &&
		    !(rc = node_witness_publish(
			  n, me, peer, (int64_t)time(NULL), &size, &sent, &d)))
			printf("tree head of size %" PRIu64
			       " queued to %zu peer(s) for countersigning\n",
			       size, sent);
	} else {
		s.me = n->cfg.agency;
		if (!(rc = store_witness_each(n->store, row_cb, &s, &d)))
			rc = store_witness_problem_each(n->store, problem_cb,
							&s, &d);
		if (!rc && !s.n)
			printf("no countersignatures yet (liaison ledger "
			       "publish, with the daemon running)\n");
	}
	identity_free(me);
	node_close(n);
	return rc ? cli_fail("ledger", rc, &d) : EX_OK;
}
