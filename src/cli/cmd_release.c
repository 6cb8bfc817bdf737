/*
 * cmd_release.c - request, requests, approve, refuse: the follow-up to a
 * hit of a hit/no-hit query.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "liaison/identity.h"

#define COMMON_OPTS                                                            \
	{"json", no_argument, NULL, 'j'},                                      \
	{                                                                      \
		"help", no_argument, NULL, 'h'                                 \
	}

static int usage_err(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: liaison %s %s", cmd, usage);
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

static const char request_usage[] =
    "REF [--reason TEXT] [--json]\n"
    "\nAsk the agency that answered a query with reference REF (see\n"
    "liaison queries) for the record behind it.\n";

int cmd_request(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"reason", required_argument, NULL, 'r'},
	    COMMON_OPTS,
	    {0},
	};
	const char *reason = NULL;
	struct identity *me = NULL;
	struct node *n = NULL;
	struct diag d;
	char id[33];
	int ch, rc, ex;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reason = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			printf("usage: liaison request %s", request_usage);
			return EX_OK;
		default:
			return usage_err("request", request_usage);
		}
	}
	if (optind + 1 != argc)
		return usage_err("request", request_usage);
	if ((ex = cli_open(c, "request", false, &n)))
		return -ex;
	diag_clear(&d);
	if (!(rc = identity_load(c->home, &me, &d)))
		rc =
		    node_request(n, me, argv[optind], reason, c->actor, id, &d);
	identity_free(me);
	node_close(n);
	if (rc)
		return cli_fail("request", rc, &d);
	if (c->json)
		return print_json(json_pack("{s:s}", "id", id));
	printf("%s queued\n", id);
	return EX_OK;
}

static const char requests_usage[] =
    "[--json]\n"
    "\nRequests partners made for records behind this node's references,\n"
    "pending and decided, with the record they concern.\n";

int cmd_requests(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {0}};
	struct node *n = NULL;
	json_t *o = NULL, *r;
	struct diag d;
	size_t i;
	int ch, rc, ex;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->json = true;
			break;
		case 'h':
			printf("usage: liaison requests %s", requests_usage);
			return EX_OK;
		default:
			return usage_err("requests", requests_usage);
		}
	}
	if (optind != argc)
		return usage_err("requests", requests_usage);
	if ((ex = cli_open(c, "requests", false, &n)))
		return -ex;
	diag_clear(&d);
	rc = node_requests(n, &o, &d);
	/* Showing a record's caption is a read of personal data. */
	if (!rc && json_array_size(o))
		rc = store_audit(n->store, c->actor, "list-requests",
				 "requests", "", &d);
	node_close(n);
	if (rc) {
		json_decref(o);
		return cli_fail("requests", rc, &d);
	}
	if (c->json)
		return print_json(o);
	json_array_foreach (o, i, r) {
		const char *cap =
		    json_string_value(json_object_get(r, "caption"));
		const char *dec =
		    json_string_value(json_object_get(r, "decision"));

		printf("%" PRId64 "  %s  from %-10s %-8s record %s (%s)  "
		       "query %s  reason: %s%s%s\n",
		       (int64_t)json_integer_value(json_object_get(r, "id")),
		       json_string_value(json_object_get(r, "received")),
		       json_string_value(json_object_get(r, "from")),
		       json_string_value(json_object_get(r, "state")),
		       json_string_value(json_object_get(r, "record")),
		       cap ? cap : "?",
		       json_string_value(json_object_get(r, "query")),
		       json_string_value(json_object_get(r, "reason")),
		       dec ? "  decision: " : "", dec ? dec : "");
	}
	json_decref(o);
	return EX_OK;
}

static const char approve_usage[] =
    "ID [--reason TEXT] [--json]\n"
    "\nRelease the record of request ID to the agency that asked, under\n"
    "its marking. Refused (exit 77) when a handling rule forbids it.\n";
static const char refuse_usage[] =
    "ID --reason TEXT [--json]\n"
    "\nRefuse request ID; the reason is sent to the agency that asked.\n";

static int decide(struct cli *c, int argc, char **argv, bool approve)
{
	static const struct option opts[] = {
	    {"reason", required_argument, NULL, 'r'},
	    COMMON_OPTS,
	    {0},
	};
	const char *cmd = approve ? "approve" : "refuse";
	const char *usage = approve ? approve_usage : refuse_usage;
	const char *reason = NULL;
	struct identity *me = NULL;
	struct node *n = NULL;
	struct diag d;
	char id[33], *end;
	long long rid;
	int ch, rc, ex;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reason = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			printf("usage: liaison %s %s", cmd, usage);
			return EX_OK;
		default:
			return usage_err(cmd, usage);
		}
	}
	if (optind + 1 != argc || (!approve && (!reason || !*reason)))
		return usage_err(cmd, usage);
	errno = 0;
	rid = strtoll(argv[optind], &end, 10);
	if (errno || *end || end == argv[optind] || rid <= 0)
		return usage_err(cmd, usage);
	if ((ex = cli_open(c, cmd, false, &n)))
		return -ex;
	diag_clear(&d);
	if (!(rc = identity_load(c->home, &me, &d)))
		rc = node_decide(n, me, (int64_t)rid, approve, reason, c->actor,
				 id, &d);
	identity_free(me);
	node_close(n);
	if (rc)
		return cli_fail(cmd, rc, &d);
	if (c->json)
		return print_json(json_pack("{s:s}", "id", id));
	printf("%s %s queued\n", id, approve ? "release" : "refusal");
	return EX_OK;
}

int cmd_approve(struct cli *c, int argc, char **argv)
{
	return decide(c, argc, argv, true);
}

int cmd_refuse(struct cli *c, int argc, char **argv)
{
	return decide(c, argc, argv, false);
}
