/*
 * cmd_alert.c - alert issue|update|withdraw|list, and hits.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "liaison/envelope.h"
#include "liaison/identity.h"

#define ALERT_OPTS                                                             \
	{"json", no_argument, NULL, 'j'},                                      \
	{                                                                      \
		"help", no_argument, NULL, 'h'                                 \
	}

static const char alert_usage[] =
    "issue --kind arrest|missing|discreet-check|refuse-entry|object\n"
    "             --record ID [--action TEXT] [--to AGENCY[,...]|all]\n"
    "             [--expires YYYY-MM-DD]\n"
    "       liaison alert update ID [--action TEXT] [--expires YYYY-MM-DD]\n"
    "       liaison alert withdraw ID [--reason TEXT]\n"
    "       liaison alert list [--json]\n"
    "\nAlerts on this node's records. Recipients add them to their\n"
    "screening at once and report every hit back (liaison hits). A\n"
    "record goes only to partners in its audience: with --to all the\n"
    "others are left out; naming one is refused (exit 77). An alert\n"
    "expires at the end of its --expires day (UTC).\n";

static int usage(void)
{
	fprintf(stderr, "usage: liaison alert %s", alert_usage);
	return EX_USAGE;
}

static int print_json(json_t *o)
{
	int rc;

	if (!o)
		return EX_SOFTWARE;
	rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(o);
	return rc ? EX_IOERR : EX_OK;
}

/* YYYY-MM-DD: the end of that day, UTC. Anything else is refused. */
static int parse_day(const char *s, int64_t *out)
{
	struct tm tm;
	int y, m, dd;
	char tail;
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || y < 1970 ||
	    y > 9998 || m < 1 || m > 12 || dd < 1 || dd > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = dd + 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

static int split_to(char *s, const char **list, size_t *n)
{
	for (char *p = s; p && *p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (*p) {
			if (*n >= ENVELOPE_RECIPIENTS_MAX)
				return -1;
			list[(*n)++] = p;
		}
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static void print_list(const json_t *arr)
{
	size_t i;
	json_t *a;

	json_array_foreach (arr, i, a) {
		if (!strcmp(json_string_value(json_object_get(a, "kind")),
			    "ledger-problem")) {
			printf("%s  PROBLEM  ledger of %s, witness %s, size "
			       "%lld: %s\n    action: %s\n",
			       json_string_value(json_object_get(a, "id")),
			       json_string_value(json_object_get(a, "node")),
			       json_string_value(json_object_get(a, "witness")),
			       (long long)json_integer_value(
				   json_object_get(a, "size")),
			       json_string_value(json_object_get(a, "reason")),
			       json_string_value(json_object_get(a, "action")));
			continue;
		}
		printf("%s  %-8s %-9s %-14s %-10s record %s (from %s)\n",
		       json_string_value(json_object_get(a, "id")),
		       json_string_value(json_object_get(a, "role")),
		       json_string_value(json_object_get(a, "state")),
		       json_string_value(json_object_get(a, "kind")),
		       json_string_value(json_object_get(a, "recipients")),
		       json_string_value(json_object_get(a, "record")),
		       json_string_value(json_object_get(a, "issuer")));
		if (*json_string_value(json_object_get(a, "action")))
			printf("    action: %s\n",
			       json_string_value(json_object_get(a, "action")));
	}
}

int cmd_alert(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kind", required_argument, NULL, 'k'},
	    {"record", required_argument, NULL, 'r'},
	    {"action", required_argument, NULL, 'a'},
	    {"to", required_argument, NULL, 't'},
	    {"expires", required_argument, NULL, 'e'},
	    {"reason", required_argument, NULL, 'R'},
	    ALERT_OPTS,
	    {0},
	};
	const char *to[ENVELOPE_RECIPIENTS_MAX];
	struct node_alert_req r = {0};
	const char *sub, *reason = NULL;
	struct identity *me = NULL;
	struct node *n = NULL;
	json_t *list = NULL;
	int64_t expires = -1;
	char id[33];
	struct diag d;
	int ch, rc = 0, ex;

	diag_clear(&d);
	if (argc < 2)
		return usage();
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		printf("usage: liaison alert %s", alert_usage);
		return EX_OK;
	}
	argc--;
	argv++;
	r.to = to;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			r.kind = optarg;
			break;
		case 'r':
			r.record_id = optarg;
			break;
		case 'a':
			r.action = optarg;
			break;
		case 't':
			if (!strcmp(optarg, "all"))
				r.to_all = true;
			else if (split_to(optarg, to, &r.n_to))
				return usage();
			break;
		case 'e':
			if (parse_day(optarg, &expires)) {
				fprintf(stderr, "liaison: alert: --expires "
						"must be YYYY-MM-DD\n");
				return EX_USAGE;
			}
			break;
		case 'R':
			reason = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			printf("usage: liaison alert %s", alert_usage);
			return EX_OK;
		default:
			return usage();
		}
	}
	if (!strcmp(sub, "issue")) {
		if (optind != argc || !r.kind || !r.record_id ||
		    (r.to_all == !!r.n_to) || reason)
			return usage();
	} else if (!strcmp(sub, "update") || !strcmp(sub, "withdraw")) {
		if (optind + 1 != argc || r.kind || r.record_id || r.n_to ||
		    r.to_all)
			return usage();
		if (!strcmp(sub, "update") &&
		    (reason || (!r.action && expires < 0)))
			return usage();
		if (!strcmp(sub, "withdraw") && (r.action || expires >= 0))
			return usage();
	} else if (!strcmp(sub, "list")) {
		if (optind != argc)
			return usage();
	} else {
		return usage();
	}
	if ((ex = cli_open(c, "alert", false, &n)))
		return -ex;
	if (strcmp(sub, "list") && (rc = identity_load(c->home, &me, &d)))
		goto out;
	if (!strcmp(sub, "issue")) {
		r.expires = expires < 0 ? 0 : expires;
		r.actor = c->actor;
		rc = node_alert_issue(n, me, &r, id, &d);
	} else if (!strcmp(sub, "update")) {
		rc = node_alert_update(n, me, argv[optind], r.action, expires,
				       c->actor, &d);
	} else if (!strcmp(sub, "withdraw")) {
		rc = node_alert_withdraw(n, me, argv[optind], reason, c->actor,
					 &d);
	} else if (!(rc = node_alert_list(n, &list, &d))) {
		/* Witness problems are alerts for the node's operators. */
		rc = node_witness_alerts(n, list, &d);
	}
out:
	identity_free(me);
	node_close(n);
	if (rc) {
		json_decref(list);
		return cli_fail("alert", rc, &d);
	}
	if (list) {
		if (c->json)
			return print_json(list);
		print_list(list);
		json_decref(list);
		return EX_OK;
	}
	if (!strcmp(sub, "issue")) {
		if (c->json)
			return print_json(json_pack("{s:s}", "id", id));
		printf("%s\n", id);
	}
	return EX_OK;
}

static const char hits_usage[] =
    "[--json]\n"
    "\nHit notifications partners sent on this node's alerts: which\n"
    "alert, where and when, the score, and the action to take.\n";

int cmd_hits(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {ALERT_OPTS, {0}};
	struct node *n = NULL;
	json_t *o = NULL, *h;
	size_t i;
	struct diag d;
	int ch, rc, ex;

	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->json = true;
			break;
		case 'h':
			printf("usage: liaison hits %s", hits_usage);
			return EX_OK;
		default:
			fprintf(stderr, "usage: liaison hits %s", hits_usage);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: liaison hits %s", hits_usage);
		return EX_USAGE;
	}
	if ((ex = cli_open(c, "hits", true, &n)))
		return -ex;
	rc = node_hits(n, &o, &d);
	node_close(n);
	if (rc)
		return cli_fail("hits", rc, &d);
	if (c->json)
		return print_json(o);
	json_array_foreach (o, i, h) {
		char at[32];
		time_t t = (time_t)json_integer_value(json_object_get(h, "at"));
		struct tm tm;

		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&t, &tm));
		printf("%s  HIT on %s alert %s (record %s): %s, score %.2f\n"
		       "    action: %s\n",
		       at, json_string_value(json_object_get(h, "kind")),
		       json_string_value(json_object_get(h, "alert")),
		       json_string_value(json_object_get(h, "record")),
		       json_string_value(json_object_get(h, "description")),
		       json_real_value(json_object_get(h, "score")),
		       json_string_value(json_object_get(h, "action")));
	}
	json_decref(o);
	return EX_OK;
}
