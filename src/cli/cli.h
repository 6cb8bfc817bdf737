/* cli.h - shared pieces of the liaison command-line program. */
#ifndef LIAISON_CLI_H
#define LIAISON_CLI_H

#include <stdbool.h>

#include "liaison/error.h"
#include "liaison/node.h"

struct cli {
	const char *home_opt; /* --home */
	bool json;            /* --json */
	char home[4096];
	char actor[128];      /* "os:<user>" for provenance and audit */
};

/* Print "liaison: <cmd>: <reason>" on stderr (one line) and return the
 * sysexits.h code for err. */
int cli_fail(const char *cmd, int err, const struct diag *d);
/* sysexits.h code for an error code. */
int cli_exit_code(int err);
/* Open the node of c->home; on failure prints and returns the exit code
 * as a negative number. */
int cli_open(struct cli *c, const char *cmd, bool readonly, struct node **n);

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_get(struct cli *c, int argc, char **argv);
int cmd_search(struct cli *c, int argc, char **argv);
int cmd_stats(struct cli *c, int argc, char **argv);
int cmd_compare(struct cli *c, int argc, char **argv);
int cmd_screen(struct cli *c, int argc, char **argv);
int cmd_identity(struct cli *c, int argc, char **argv);
int cmd_peer(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);
int cmd_send(struct cli *c, int argc, char **argv);
int cmd_outbox(struct cli *c, int argc, char **argv);
int cmd_inbox(struct cli *c, int argc, char **argv);
int cmd_read(struct cli *c, int argc, char **argv);
int cmd_query(struct cli *c, int argc, char **argv);
int cmd_queries(struct cli *c, int argc, char **argv);
/* cmd_release.c */
int cmd_request(struct cli *c, int argc, char **argv);
int cmd_requests(struct cli *c, int argc, char **argv);
int cmd_approve(struct cli *c, int argc, char **argv);
int cmd_refuse(struct cli *c, int argc, char **argv);

int cmd_alert(struct cli *c, int argc, char **argv);
int cmd_hits(struct cli *c, int argc, char **argv);
/* cmd_scenario.c */
int cmd_scenario(struct cli *c, int argc, char **argv);
/* cmd_evidence.c */
int cmd_user(struct cli *c, int argc, char **argv);
/* cmd_api.c */
int cmd_user_token(struct cli *c, int argc, char **argv);
int cmd_evidence(struct cli *c, int argc, char **argv);
/* cmd_witness.c: liaison ledger publish | witnesses */
int cmd_ledger_witness(struct cli *c, int argc, char **argv);
int cmd_ledger(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);

#endif
