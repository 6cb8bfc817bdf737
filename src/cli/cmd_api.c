/*
 * cmd_api.c - `liaison user token create|list|revoke`: the API tokens of
 * users (issue #7). A created token is printed once on stdout and never
 * again; only its hash is stored.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "liaison/api.h"

static const char token_usage[] =
    "create NAME [--label TEXT] [--expires YYYY-MM-DD]\n"
    "       liaison user token list [NAME]\n"
    "       liaison user token revoke ID\n"
    "\nCreate an API token for a user (printed once: keep it; only its\n"
    "hash is stored), list tokens, or revoke one at once.\n";

static int token_usage_err(void)
{
	fprintf(stderr, "usage: liaison user token %s", token_usage);
	return EX_USAGE;
}

/* YYYY-MM-DD as the UTC second at which that day ends. */
static int parse_day(const char *s, int64_t *out)
{
	int y, m, dd, used = 0;
	struct tm tm;
	time_t t;

	if (strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &dd, &used) != 3 || used != 10 ||
	    y < 1970 || m < 1 || m > 12 || dd < 1 || dd > 31)
		return LIA_EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = dd;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return LIA_EINVAL;
	*out = (int64_t)t + 86400;
	return 0;
}

static void iso_s(int64_t s, char *buf, size_t n)
{
	time_t t = (time_t)s;
	struct tm tm;

	if (!s) {
		snprintf(buf, n, "never");
		return;
	}
	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
}

static int print_token(const struct store_token *t, void *ctx)
{
	char created[32], expires[32], revoked[32];

	(void)ctx;
	iso_s(t->created, created, sizeof(created));
	iso_s(t->expires, expires, sizeof(expires));
	iso_s(t->revoked, revoked, sizeof(revoked));
	printf("%-6lld %-20s %-20s created %s expires %s%s%s\n",
	       (long long)t->id, t->user, t->label[0] ? t->label : "-", created,
	       expires, t->revoked ? " REVOKED " : "",
	       t->revoked ? revoked : "");
	return 0;
}

int cmd_user_token(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"label", required_argument, NULL, 'l'},
	    {"expires", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *label = NULL, *sub;
	char tok[API_TOKEN_LEN + 1];
	int64_t expires = 0, id;
	struct node *n = NULL;
	struct diag d;
	int ch, rc, ex;

	/* argv[0] is "token". */
	if (argc < 2)
		return token_usage_err();
	sub = argv[1];
	argc--;
	argv++;
	optind = 0; /* a fresh getopt for the sub-subcommand */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			label = optarg;
			break;
		case 'e':
			if (parse_day(optarg, &expires)) {
				fprintf(stderr,
					"liaison: user token: --expires "
					"must be YYYY-MM-DD\n");
				return EX_USAGE;
			}
			break;
		case 'h':
			printf("usage: liaison user token %s", token_usage);
			return EX_OK;
		default:
			return token_usage_err();
		}
	}
	diag_clear(&d);
	if (!strcmp(sub, "create") && optind + 1 == argc) {
		if ((ex = cli_open(c, "user token", false, &n)))
			return -ex;
		rc = api_token_create(n->store, argv[optind], label, expires,
				      c->actor, tok, &id, &d);
		node_close(n);
		if (rc)
			return cli_fail("user token", rc, &d);
		fprintf(stderr, "token %lld for %s (shown once; keep it)\n",
			(long long)id, argv[optind]);
		printf("%s\n", tok);
		sodium_memzero(tok, sizeof(tok));
		return EX_OK;
	}
	if (!strcmp(sub, "list") && optind + 1 >= argc && !label && !expires) {
		if ((ex = cli_open(c, "user token", true, &n)))
			return -ex;
		rc = store_token_each(n->store,
				      optind < argc ? argv[optind] : NULL, 0,
				      print_token, NULL, &d);
		node_close(n);
		return rc ? cli_fail("user token", rc, &d) : EX_OK;
	}
	if (!strcmp(sub, "revoke") && optind + 1 == argc && !label &&
	    !expires) {
		if (str_to_i64(argv[optind], strlen(argv[optind]), &id) ||
		    id <= 0)
			return token_usage_err();
		if ((ex = cli_open(c, "user token", false, &n)))
			return -ex;
		rc = store_token_revoke(n->store, id, (int64_t)time(NULL),
					c->actor, &d);
		node_close(n);
		if (rc)
			return cli_fail("user token", rc, &d);
		printf("token %lld revoked\n", (long long)id);
		return EX_OK;
	}
	return token_usage_err();
}
