/*
 * bench_send_audit.c - the cost of a send with the audit trail in the
 * ledger (issue #6), measured against the same send without it, in the
 * same run on the same store.
 *
 * usage: bench_send_audit HOME PEER [N]
 *
 * HOME is a node whose peer PEER is pinned. N sends (default 500) of a
 * short text message are queued with node_send, alternating in blocks of
 * 50 between the node as it runs (every audit row also a ledger entry in
 * the same transaction) and the node with the store's audit hook removed,
 * so that both see the same growing store and disk.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "liaison/banned.h"
#include "liaison/identity.h"
#include "liaison/ledger.h"
#include "liaison/node.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct identity *me = NULL;
	struct node *n = NULL;
	struct diag d = {0};
	double t[2] = {0, 0};
	long cnt[2] = {0, 0};
	long total;
	int rc = 1;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench_send_audit HOME PEER [N]\n");
		return 2;
	}
	total = argc == 4 ? strtol(argv[3], NULL, 10) : 500;
	if (total < 100 || total > 1000000) {
		fprintf(stderr, "bench_send_audit: N must be 100..1000000\n");
		return 2;
	}
	if (node_open(argv[1], false, &n, &d) ||
	    identity_load(argv[1], &me, &d)) {
		fprintf(stderr, "bench_send_audit: %s\n", d.msg);
		goto out;
	}
	for (long i = 0; i < total; i++) {
		const char *to[] = {argv[2]};
		struct node_send s = {.to = to,
				      .n_to = 1,
				      .subject = "bench",
				      .text = "a short message",
				      .priority = 0,
				      .actor = "bench"};
		int with = (int)((i / 50) % 2 == 0);
		char env_id[33];
		double t0;

		store_set_audit_hook(n->store, with ? ledger_audit_hook : NULL,
				     NULL);
		t0 = now_s();
		if (node_send(n, me, &s, env_id, &d)) {
			fprintf(stderr, "bench_send_audit: %s\n", d.msg);
			goto out;
		}
		t[with] += now_s() - t0;
		cnt[with]++;
	}
	printf("send without audit in ledger: %ld sends, %.3f ms each\n",
	       cnt[0], t[0] * 1e3 / (double)cnt[0]);
	printf("send with audit in ledger:    %ld sends, %.3f ms each "
	       "(+%.1f%%)\n",
	       cnt[1], t[1] * 1e3 / (double)cnt[1],
	       (t[1] / (double)cnt[1]) / (t[0] / (double)cnt[0]) * 100 - 100);
	rc = 0;
out:
	identity_free(me);
	node_close(n);
	return rc;
}
