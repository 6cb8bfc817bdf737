/*
 * bench_send.c - queue small messages through the library, as `liaison
 * send` does but in one process, so that the daemons' delivery rate can
 * be measured without a process start per message, and the rate of
 * durable sends itself is visible.
 *
 *   bench_send HOME TO N [TEXT]
 *
 * Each message is one node_send: sealed, and committed durably
 * (synchronous = FULL) to the outbox before the next one starts - the
 * same guarantee as a `liaison send` that has returned. Prints the count,
 * the seconds and the rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liaison/identity.h"
#include "liaison/node.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct node *n = NULL;
	struct identity *me = NULL;
	struct diag d;
	char id[33], subject[64], buf[600];
	const char *to[1];
	unsigned long count;
	double t0, t;
	int err = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: bench_send HOME TO N [TEXT]\n");
		return 2;
	}
	to[0] = argv[2];
	count = strtoul(argv[3], NULL, 10);
	diag_clear(&d);
	if ((err = node_open(argv[1], false, &n, &d)) ||
	    (err = identity_load(argv[1], &me, &d)))
		goto out;
	t0 = now();
	for (unsigned long i = 0; i < count && !err; i++) {
		struct node_send s = {
		    .to = to,
		    .n_to = 1,
		    .subject = subject,
		    .text = argc == 5 ? argv[4] : NULL,
		    .actor = "os:bench",
		};

		snprintf(subject, sizeof(subject), "report %lu", i + 1);
		err = node_send(n, me, &s, id, &d);
	}
	t = now() - t0;
	if (!err)
		printf("%lu %.3f %.0f\n", count, t, (double)count / t);
out:
	if (err)
		fprintf(stderr, "bench_send: %s: %s\n", err_str(err),
			diag_format(&d, buf, sizeof(buf)));
	identity_free(me);
	node_close(n);
	return err ? 1 : 0;
}
