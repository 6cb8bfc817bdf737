/*
 * main.c - `liaison`, git-style subcommands over a node folder.
 *
 * Global options come before the subcommand: --home DIR (else
 * $LIAISON_HOME, else ./liaison-data), --json, --help, --version. Exit
 * codes are those of sysexits.h; errors are one line on stderr.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *summary;
} commands[] = {
	{"init", cmd_init, "create a node: identity and empty store"},
	{"import", cmd_import, "import FtM, UN, OFAC, INTERPOL or mapped CSV"},
	{"export", cmd_export, "export records as FtM JSON lines with markings"},
	{"get", cmd_get, "show one record, its marking and its history"},
	{"search", cmd_search, "full-text search with filters"},
	{"stats", cmd_stats, "counts per schema"},
	{"compare", cmd_compare, "score two names (any script) and explain"},
	{"screen", cmd_screen, "screen names against the watchlists"},
	{"identity", cmd_identity, "print this node's public card"},
	{"peer", cmd_peer, "pin, list or remove partner nodes"},
	{"serve", cmd_serve, "run the federation endpoint and delivery"},
	{"send", cmd_send, "queue a message to partner agencies"},
	{"outbox", cmd_outbox, "messages sent, with their delivery state"},
	{"inbox", cmd_inbox, "messages received"},
	{"read", cmd_read, "decrypt and show a received message"},
	{"query", cmd_query, "ask partners hit/no-hit about a name"},
	{"queries", cmd_queries, "sent queries and their answers"},
	{"request", cmd_request, "ask the owner for the record behind a hit"},
	{"requests", cmd_requests, "requests received for records, and decisions"},
	{"approve", cmd_approve, "release the record of a request"},
	{"refuse", cmd_refuse, "refuse a request, with a reason"},
	{"alert", cmd_alert, "issue, update, withdraw or list alerts"},
	{"hits", cmd_hits, "hit notifications received on this node's alerts"},
	{"scenario", cmd_scenario, "generate the synthetic three-agency demo case"},
	{"user", cmd_user, "add or list users (own keys, roles)"},
	{"evidence", cmd_evidence, "register evidence, record custody, bundle"},
	{"ledger", cmd_ledger, "signed tree head, full verify, proofs"},
	{"verify", cmd_verify, "verify an evidence bundle offline"},
	{"audit", cmd_audit, "the audit trail: who did what, to whom and why"},
};

static void usage(FILE *f)
{
	fputs("usage: liaison [--home DIR] [--json] <command> [options]\n"
	      "\n"
	      "The node folder is --home DIR, else $LIAISON_HOME, else "
	      "./liaison-data.\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n`liaison <command> --help` describes each command.\n", f);
}

int cli_exit_code(int err)
{
	switch (err) {
	case LIA_OK:
		return EX_OK;
	case LIA_EINVAL:
		return EX_USAGE;
	case LIA_EPARSE:
	case LIA_EVALUE:
	case LIA_ESCHEMA:
	case LIA_ETOOBIG:
	case LIA_EOVERFLOW:
		return EX_DATAERR;
	case LIA_ENOTFOUND:
		return EX_NOINPUT;
	case LIA_EIO:
		return EX_IOERR;
	case LIA_EBUSY:
		return EX_TEMPFAIL;
	case LIA_EDENIED:
		return EX_NOPERM;
	case LIA_ECONFIG:
	case LIA_EVERSION:
		return EX_CONFIG;
	case LIA_EEXIST:
		return EX_CANTCREAT;
	default:
		return EX_SOFTWARE;
	}
}

int cli_fail(const char *cmd, int err, const struct diag *d)
{
	char buf[1024];

	if (d && (d->msg[0] || d->file[0]))
		diag_format(d, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", err_str(err));
	fprintf(stderr, "liaison: %s: %s\n", cmd, buf);
	return cli_exit_code(err);
}

int cli_open(struct cli *c, const char *cmd, bool readonly, struct node **n)
{
	struct diag d;
	int rc;

	diag_clear(&d);
	rc = node_open(c->home, readonly, n, &d);
	if (rc)
		return -cli_fail(cmd, rc, &d);
	return 0;
}

static void who_am_i(struct cli *c)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (!getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) && res)
		snprintf(c->actor, sizeof(c->actor), "os:%s", pw.pw_name);
	else
		snprintf(c->actor, sizeof(c->actor), "os:uid%u",
			 (unsigned)getuid());
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"home", required_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct cli c;
	int ch;

	memset(&c, 0, sizeof(c));
	/* '+' stops at the subcommand so its own options are left to it. */
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			c.home_opt = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			puts("liaison 0.1.0");
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (node_home(c.home_opt, c.home, sizeof(c.home))) {
		fputs("liaison: home folder path too long\n", stderr);
		return EX_USAGE;
	}
	who_am_i(&c);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 0; /* reset getopt for the subcommand */
			return commands[i].fn(&c, sub_argc, sub_argv);
		}
	}
	fprintf(stderr, "liaison: unknown command \"%s\"\n", argv[optind]);
	usage(stderr);
	return EX_USAGE;
}
