/*
 * cmd_evidence.c - user, evidence, ledger and verify: users with their own
 * keys, items of evidence and their chain of custody on the ledger, and
 * the offline verification of bundles.
 *
 * The acting user is --user NAME or $LIAISON_USER; the passphrase comes
 * from --password-file FILE or $LIAISON_PASSWORD and is never echoed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "liaison/evidence.h"
#include "liaison/identity.h"
#include "liaison/ledger.h"
#include "liaison/strbuf.h"
#include "liaison/users.h"

static int usage_err(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: liaison %s %s", cmd, usage);
	return EX_USAGE;
}

/* The node, its ledger and (when keys) its identity, opened together. */
struct open_node {
	struct node *n;
	struct ledger *lg;
	struct identity *me;
};

static void close_node(struct open_node *o)
{
	ledger_close(o->lg);
	identity_free(o->me);
	node_close(o->n);
	memset(o, 0, sizeof(*o));
}

static int open_node(struct cli *c, const char *cmd, bool keys,
		     struct open_node *o)
{
	struct diag d;
	int rc, ex;

	memset(o, 0, sizeof(*o));
	if ((ex = cli_open(c, cmd, false, &o->n)))
		return ex;
	diag_clear(&d);
	if ((rc = ledger_open(o->n->store, &o->lg, &d)) ||
	    (keys && (rc = identity_load(c->home, &o->me, &d)))) {
		close_node(o);
		return -cli_fail(cmd, rc, &d);
	}
	return 0;
}

/* Unlock the acting user's key: --user or $LIAISON_USER, passphrase from
 * --password-file or $LIAISON_PASSWORD. */
static int unlock_user(struct store *st, const char *user, const char *pwfile,
		       struct users_key **out, struct diag *d)
{
	char *pass = NULL;
	size_t len = 0;
	int rc;

	if (!user)
		user = getenv(USERS_ENV_USER);
	if (!user || !*user) {
		diag_set(d, "who acts? give --user NAME or set "
			    "LIAISON_USER");
		return LIA_EINVAL;
	}
	if ((rc = users_passphrase(pwfile, &pass, &len, d)))
		return rc;
	rc = users_unlock(st, user, pass, len, out, d);
	users_passphrase_free(pass, len);
	return rc;
}

static void iso_ms(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
}

/* --- user ------------------------------------------------------------ */

static const char user_usage[] =
    "add NAME --role officer|analyst|supervisor|auditor|admin\n"
    "                    [--password-file FILE]\n"
    "       liaison user list\n"
    "       liaison user token create|list|revoke ...\n"
    "\nAdd a user with an Ed25519 key of their own, sealed under their\n"
    "passphrase (from --password-file or $LIAISON_PASSWORD, at least 12\n"
    "bytes; never echoed), or list the users.\n";

static int print_user(const struct users_info *u, void *ctx)
{
	char pk[USERS_PK_SIZE * 2 + 1], when[32];

	(void)ctx;
	sodium_bin2hex(pk, sizeof(pk), u->pk, USERS_PK_SIZE);
	iso_ms(u->created, when, sizeof(when));
	printf("%-20s %-10s %s  %s  ledger %" PRIu64 "\n", u->name,
	       users_role_name(u->role), pk, when, u->ledger_idx);
	return 0;
}

int cmd_user(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"role", required_argument, NULL, 'r'},
	    {"password-file", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *role_s = NULL, *pwfile = NULL, *sub;
	struct open_node o;
	enum users_role role;
	struct users_info u;
	struct diag d;
	char *pass = NULL;
	size_t len = 0;
	int ch, rc, ex;

	if (argc < 2)
		return usage_err("user", user_usage);
	if (!strcmp(argv[1], "token"))
		return cmd_user_token(c, argc - 1, argv + 1);
	sub = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			role_s = optarg;
			break;
		case 'p':
			pwfile = optarg;
			break;
		case 'h':
			printf("usage: liaison user %s", user_usage);
			return EX_OK;
		default:
			return usage_err("user", user_usage);
		}
	}
	diag_clear(&d);
	if (!strcmp(sub, "list") && optind == argc) {
		if ((ex = open_node(c, "user", false, &o)))
			return -ex;
		rc = users_each(o.n->store, print_user, NULL, &d);
		close_node(&o);
		return rc ? cli_fail("user", rc, &d) : EX_OK;
	}
	if (strcmp(sub, "add") || optind + 1 != argc || !role_s)
		return usage_err("user", user_usage);
	if (users_role_parse(role_s, &role))
		return usage_err("user", user_usage);
	if ((rc = users_passphrase(pwfile, &pass, &len, &d)))
		return cli_fail("user", rc, &d);
	if ((ex = open_node(c, "user", false, &o))) {
		users_passphrase_free(pass, len);
		return -ex;
	}
	rc = users_add(o.n->store, o.lg, o.n->cfg.agency, argv[optind], role,
		       pass, len, c->actor, &u, &d);
	users_passphrase_free(pass, len);
	close_node(&o);
	if (rc)
		return cli_fail("user", rc, &d);
	print_user(&u, NULL);
	return EX_OK;
}

/* --- evidence -------------------------------------------------------- */

static const char evidence_usage[] =
    "add FILE --case REF --description TEXT [--seized-at PLACE]\n"
    "                     [--seized-on TIME] [--user NAME] "
    "[--password-file FILE]\n"
    "       liaison evidence event ID --kind sealed|transferred|received|\n"
    "                     examined|copied|returned|destroyed [--to WHO]\n"
    "                     [--note TEXT] [--user NAME] [--password-file "
    "FILE]\n"
    "       liaison evidence resend ID [--user NAME] [--password-file "
    "FILE]\n"
    "       liaison evidence show ID [--user NAME]\n"
    "       liaison evidence list [--case REF] [--user NAME]\n"
    "       liaison evidence bundle ID -o FILE [--with-content] [--user "
    "NAME]\n"
    "\nItems of evidence and their chain of custody. Each event is signed\n"
    "by the acting user's key (--user or $LIAISON_USER; passphrase from\n"
    "--password-file or $LIAISON_PASSWORD) and appended to the ledger.\n"
    "resend queues again the transfer to another agency still open, or\n"
    "the receipt last signed here of another agency's transfer, when its\n"
    "envelope could not be queued; nothing is recorded again.\n";

struct ev_opts {
	const char *user, *pwfile, *case_ref, *desc, *at, *on, *kind, *to,
	    *note, *out;
	bool with_content;
};

static int print_item(const struct store_evidence *e, void *ctx)
{
	char when[32];

	(void)ctx;
	iso_ms(e->created, when, sizeof(when));
	printf("%s  %s  %-12s %10" PRIu64 "  %s  %s  %s\n", e->id, when,
	       e->case_ref, e->size, e->media_type, e->registered_by,
	       e->description);
	return 0;
}

static int item_exists(const struct store_evidence *e, void *ctx)
{
	(void)e;
	(void)ctx;
	return 0;
}

static void say_line(void *ctx, bool ok, const char *line)
{
	(void)ctx;
	printf("%s %s\n", ok ? "ok  " : "FAIL", line);
}

/* Viewing evidence is reading personal data: a user with the right to see
 * it, and an audit row. Without --user the OS account is named. */
static int viewer(struct cli *c, struct store *st, const char *user,
		  const char *action, const char *object, struct diag *d)
{
	char actor[160];
	struct users_info u;
	int rc;

	if (!user)
		user = getenv(USERS_ENV_USER);
	if (user && *user) {
		if ((rc = users_get(st, user, &u, d)))
			return rc;
		if (!users_may(u.role, USERS_VIEW_EVIDENCE)) {
			diag_set(d, "user %s (%s) may not view evidence", user,
				 users_role_name(u.role));
			return LIA_EDENIED;
		}
		snprintf(actor, sizeof(actor), "user:%s", user);
	} else {
		snprintf(actor, sizeof(actor), "%s", c->actor);
	}
	return store_audit(st, actor, action, object, NULL, d);
}

/* Incoming transfers whose receipt is not signed here yet: of items new
 * here, or of items coming back (evidence_returning). Each item once,
 * however many bundles about it arrived. */
#define INCOMING_MAX 4096

struct incoming {
	const struct evidence_ctx *ec;
	char (*seen)[EVIDENCE_ID_LEN + 1];
	size_t n;
};

static int print_incoming(const struct store_custody_in *r, void *ctx)
{
	struct incoming *in = ctx;
	char from[MARKING_CODE_MAX + 1];
	struct diag d;
	int rc;

	if (strcmp(r->kind, "transfer") || strlen(r->item) != EVIDENCE_ID_LEN)
		return 0;
	for (size_t i = 0; i < in->n; i++)
		if (!strcmp(in->seen[i], r->item))
			return 0;
	if (in->n == INCOMING_MAX)
		return LIA_ETOOBIG;
	memcpy(in->seen[in->n++], r->item, EVIDENCE_ID_LEN + 1);
	if (store_evidence_each(in->ec->st, r->item, NULL, item_exists, NULL,
				NULL) == LIA_ENOTFOUND) {
		printf("%s  transferred by %s, awaiting the receipt here\n",
		       r->item, r->sender);
		return 0;
	}
	diag_clear(&d);
	rc = evidence_returning(in->ec, r->item, from, &d);
	if (!rc)
		printf("%s  transferred back by %s, awaiting the receipt "
		       "here\n",
		       r->item, from);
	else if (rc == LIA_EDENIED)
		printf("%s  %s\n", r->item, d.msg);
	return rc == LIA_ENOTFOUND || rc == LIA_EDENIED ? 0 : rc;
}

/* Send what the item's chain owes another agency (evidence_owed): after
 * an event is recorded, and again by `evidence resend` when that failed.
 * Nothing is owed after an event of this node only. */
static int custody_send_owed(struct open_node *o, const struct evidence_ctx *ec,
			     const char *id, bool must, struct diag *d)
{
	char to[MARKING_CODE_MAX + 1];
	enum evidence_kind kind;
	int rc;

	rc = node_custody_send_owed(o->n, o->me, ec, id, (int64_t)time(NULL),
				    &kind, to, d);
	if (rc == LIA_ENOTFOUND && !must)
		return 0;
	if (rc) {
		/* The officer is told what was recorded and how to send it;
		 * the reason (which agency, why) follows. */
		if (!must)
			diag_prefix(d,
				    "recorded (liaison evidence resend %s "
				    "sends it), but ",
				    id);
		return rc;
	}
	printf("%s sent to %s over the exchange\n",
	       kind == EVIDENCE_TRANSFERRED ? "transfer" : "receipt", to);
	return 0;
}

/* The bundle into op->out, streamed (large content follows the JSON);
 * nothing is left behind on failure. */
static int write_bundle(const struct evidence_ctx *ec,
			const struct identity *me, const char *id,
			const struct ev_opts *op, struct diag *d)
{
	int fd, rc;

	if ((fd = open(op->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		       0600)) < 0) {
		diag_set(d, "%s: %s", op->out, strerror(errno));
		return LIA_EIO;
	}
	rc = evidence_bundle_write(ec, me, id, op->with_content, fd, d);
	if (close(fd) != 0 && !rc) {
		diag_set(d, "%s: %s", op->out, strerror(errno));
		rc = LIA_EIO;
	}
	if (rc)
		unlink(op->out);
	return rc;
}

static int evidence_run(struct cli *c, const char *sub, const char *arg,
			const struct ev_opts *op, struct diag *d)
{
	struct users_key *who = NULL;
	struct evidence_ctx ec;
	struct open_node o;
	char id[EVIDENCE_ID_LEN + 1], *b = NULL;
	char from[MARKING_CODE_MAX + 1] = "";
	enum evidence_kind kind;
	uint64_t seq;
	size_t blen;
	bool keys = !strcmp(sub, "show") || !strcmp(sub, "bundle") ||
		    !strcmp(sub, "event") || !strcmp(sub, "resend");
	int rc, ex;

	if ((ex = open_node(c, "evidence", keys, &o)))
		return -ex;
	ec = (struct evidence_ctx){.st = o.n->store,
				   .lg = o.lg,
				   .home = c->home,
				   .agency = o.n->cfg.agency};
	if (!strcmp(sub, "add")) {
		struct evidence_new e = {.file = arg,
					 .case_ref = op->case_ref,
					 .description = op->desc,
					 .seized_at = op->at,
					 .seized_on = op->on};

		if (!(rc = unlock_user(o.n->store, op->user, op->pwfile, &who,
				       d)) &&
		    !(rc = evidence_add(&ec, who, &e, id, d)))
			printf("%s\n", id);
	} else if (!strcmp(sub, "event")) {
		if (evidence_kind_parse(op->kind, &kind) ||
		    kind == EVIDENCE_REGISTERED) {
			diag_set(d, "--kind must be one of sealed, "
				    "transferred, received, examined, copied, "
				    "returned, destroyed");
			rc = LIA_EINVAL;
		} else if (!(rc =
				 node_custody_check_to(o.n, kind, op->to, d)) &&
			   !(rc = unlock_user(o.n->store, op->user, op->pwfile,
					      &who, d)) &&
			   !(rc = evidence_event(&ec, who, arg, kind, op->to,
						 op->note, &seq, d))) {
			printf("event %" PRIu64 " %s recorded\n", seq,
			       op->kind);
			/* A transfer to an agency, or the receipt of one
			 * from an agency, travels over the exchange. */
			if (kind == EVIDENCE_TRANSFERRED ||
			    kind == EVIDENCE_RECEIVED)
				rc = custody_send_owed(&o, &ec, arg, false, d);
		}
	} else if (!strcmp(sub, "resend")) {
		/* Only those who record custody send it; the outbox row
		 * and its audit name what was sent. */
		if (!(rc = unlock_user(o.n->store, op->user, op->pwfile, &who,
				       d))) {
			if (!users_may(users_key_info(who)->role,
				       USERS_RECORD_CUSTODY)) {
				diag_set(d,
					 "%s may not send custody: only "
					 "officers and supervisors do",
					 users_key_info(who)->name);
				rc = LIA_EDENIED;
			} else if (!(rc = evidence_settle(&ec, arg, NULL, d)) &&
				   !(rc = custody_send_owed(&o, &ec, arg, true,
							    d))) {
				char actor[USERS_NAME_MAX + 8];

				snprintf(actor, sizeof(actor), "user:%s",
					 users_key_info(who)->name);
				rc = store_audit(o.n->store, actor,
						 "evidence.resend", arg, NULL,
						 d);
			}
		}
	} else if ((rc = evidence_settle(&ec, NULL, NULL, d))) {
		/* The receipts other agencies sent back are appended before
		 * anything is shown or bundled. */
	} else if (!strcmp(sub, "list")) {
		if (!(rc = viewer(c, o.n->store, op->user, "evidence.list",
				  op->case_ref, d)) &&
		    !(rc = evidence_each(o.n->store, op->case_ref, print_item,
					 NULL, d))) {
			struct incoming in = {.ec = &ec};

			if (!(in.seen = calloc(INCOMING_MAX, sizeof(*in.seen))))
				rc = LIA_ENOMEM;
			else
				rc = store_custody_in_each(
				    o.n->store, NULL, print_incoming, &in, d);
			free(in.seen);
		}
	} else if (!strcmp(sub, "show") &&
		   store_evidence_each(o.n->store, arg, NULL, item_exists, NULL,
				       NULL) == LIA_ENOTFOUND &&
		   !evidence_incoming(o.n->store, arg, from, &b, NULL)) {
		/* Transferred to this node and not received yet: the bundle
		 * as the sender sent it. */
		if (!(rc = viewer(c, o.n->store, op->user, "evidence.show", arg,
				  d))) {
			printf("item %s, transferred by %s, not yet received "
			       "here\n",
			       arg, from);
			rc = evidence_bundle_verify(b, strlen(b), say_line,
						    NULL, d);
			printf("%s\n", rc ? "NOT VERIFIED" : "VERIFIED");
		}
	} else if (!strcmp(sub, "show")) {
		/* The timeline is shown by checking it exactly as a court's
		 * verifier would: a bundle without content, verified. */
		if (!(rc = viewer(c, o.n->store, op->user, "evidence.show", arg,
				  d)) &&
		    !(rc = evidence_bundle(&ec, o.me, arg, false, &b, &blen,
					   d))) {
			printf("item %s\n", arg);
			rc = evidence_bundle_verify(b, blen, say_line, NULL, d);
			printf("%s\n", rc ? "NOT VERIFIED" : "VERIFIED");
		}
	} else {
		if (!(rc = viewer(c, o.n->store, op->user, "evidence.bundle",
				  arg, d)))
			rc = write_bundle(&ec, o.me, arg, op, d);
	}
	free(b);
	users_key_free(who);
	close_node(&o);
	return rc;
}

int cmd_evidence(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"password-file", required_argument, NULL, 'p'},
	    {"case", required_argument, NULL, 'c'},
	    {"description", required_argument, NULL, 'D'},
	    {"seized-at", required_argument, NULL, 'A'},
	    {"seized-on", required_argument, NULL, 'O'},
	    {"kind", required_argument, NULL, 'k'},
	    {"to", required_argument, NULL, 't'},
	    {"note", required_argument, NULL, 'n'},
	    {"with-content", no_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct ev_opts op = {0};
	const char *sub;
	struct diag d;
	int ch, rc, want_args;

	if (argc < 2)
		return usage_err("evidence", evidence_usage);
	sub = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			op.user = optarg;
			break;
		case 'p':
			op.pwfile = optarg;
			break;
		case 'c':
			op.case_ref = optarg;
			break;
		case 'D':
			op.desc = optarg;
			break;
		case 'A':
			op.at = optarg;
			break;
		case 'O':
			op.on = optarg;
			break;
		case 'k':
			op.kind = optarg;
			break;
		case 't':
			op.to = optarg;
			break;
		case 'n':
			op.note = optarg;
			break;
		case 'w':
			op.with_content = true;
			break;
		case 'o':
			op.out = optarg;
			break;
		case 'h':
			printf("usage: liaison evidence %s", evidence_usage);
			return EX_OK;
		default:
			return usage_err("evidence", evidence_usage);
		}
	}
	want_args = !strcmp(sub, "list") ? 0 : 1;
	if ((strcmp(sub, "add") && strcmp(sub, "event") &&
	     strcmp(sub, "show") && strcmp(sub, "list") &&
	     strcmp(sub, "bundle") && strcmp(sub, "resend")) ||
	    optind + want_args != argc ||
	    (!strcmp(sub, "add") && (!op.case_ref || !op.desc)) ||
	    (!strcmp(sub, "event") && !op.kind) ||
	    (!strcmp(sub, "bundle") && !op.out))
		return usage_err("evidence", evidence_usage);
	diag_clear(&d);
	rc = evidence_run(c, sub, want_args ? argv[optind] : NULL, &op, &d);
	if (rc < 0)
		return cli_fail("evidence", rc, &d);
	return rc; /* an exit code already reported */
}

/* --- verify ---------------------------------------------------------- */

static const char verify_usage[] =
    "FILE\n"
    "\nVerify an evidence bundle offline (no node needed): the node's card,\n"
    "the signed tree head and witnesses, every entry's inclusion proof,\n"
    "every user's key and every custody event's signature and rule, and\n"
    "the content when present. Exit 0 only if everything holds.\n";

int cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct diag d;
	int ch, fd, rc = 0;

	(void)c;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			printf("usage: liaison verify %s", verify_usage);
			return EX_OK;
		default:
			return usage_err("verify", verify_usage);
		}
	}
	if (optind + 1 != argc)
		return usage_err("verify", verify_usage);
	diag_clear(&d);
	if ((fd = open(argv[optind], O_RDONLY | O_CLOEXEC)) < 0) {
		diag_set(&d, "%s: %s", argv[optind], strerror(errno));
		return cli_fail("verify", LIA_EIO, &d);
	}
	/* Streamed: content attached after the JSON is hashed as it is
	 * read, in constant memory. */
	rc = evidence_bundle_verify_fd(fd, say_line, NULL, &d);
	close(fd);
	if (rc == LIA_EIO)
		return cli_fail("verify", rc, &d);
	if (rc) {
		printf("NOT VERIFIED: %s\n", d.msg);
		return EX_DATAERR;
	}
	printf("VERIFIED: every signature, proof and custody rule holds\n");
	return EX_OK;
}

/* --- ledger ---------------------------------------------------------- */

static const char ledger_usage[] =
    "head | verify | proof --index N [--size M] | consistency --from M "
    "[--to N]\n"
    "       | publish [--peer AGENCY] | witnesses\n"
    "\nThe node's ledger: its signed tree head (JSON), a full "
    "recomputation\n"
    "(exits non-zero with the first bad index when tampered with), and\n"
    "inclusion and consistency proofs (JSON); publish queues the signed\n"
    "tree head to the peers for countersigning, witnesses lists the\n"
    "countersignatures and any PROBLEM a witness found.\n";

static int u64_arg(const char *s, uint64_t *out)
{
	return str_to_u64(s, strlen(s), out);
}

int cmd_ledger(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"index", required_argument, NULL, 'i'},
	    {"size", required_argument, NULL, 's'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *sub;
	uint64_t a = 0, b = UINT64_MAX;
	bool have_a = false;
	struct ledger_signer signer;
	struct ledger_fault fault;
	struct ledger_proof p;
	struct ledger_head h;
	struct open_node o;
	struct diag d;
	char *json = NULL;
	int ch, rc, ex;

	if (argc < 2)
		return usage_err("ledger", ledger_usage);
	if (!strcmp(argv[1], "publish") || !strcmp(argv[1], "witnesses"))
		return cmd_ledger_witness(c, argc - 1, argv + 1);
	sub = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
		case 'f':
			if (u64_arg(optarg, &a))
				return usage_err("ledger", ledger_usage);
			have_a = true;
			break;
		case 's':
		case 't':
			if (u64_arg(optarg, &b))
				return usage_err("ledger", ledger_usage);
			break;
		case 'h':
			printf("usage: liaison ledger %s", ledger_usage);
			return EX_OK;
		default:
			return usage_err("ledger", ledger_usage);
		}
	}
	if (optind != argc ||
	    ((!strcmp(sub, "proof") || !strcmp(sub, "consistency")) &&
	     !have_a) ||
	    (strcmp(sub, "head") && strcmp(sub, "verify") &&
	     strcmp(sub, "proof") && strcmp(sub, "consistency")))
		return usage_err("ledger", ledger_usage);
	if ((ex = open_node(c, "ledger", true, &o)))
		return -ex;
	diag_clear(&d);
	if (b == UINT64_MAX)
		b = ledger_size(o.lg);
	if (!strcmp(sub, "head")) {
		identity_ledger_signer(o.me, &signer);
		if (!(rc = ledger_sign_head(o.lg, &signer, 0, &h, &d)))
			rc = ledger_head_to_json(&h, &json);
	} else if (!strcmp(sub, "proof")) {
		if (!(rc = ledger_prove_inclusion(o.lg, a, b, &p, &d)))
			rc = ledger_proof_to_json(&p, &json);
	} else if (!strcmp(sub, "consistency")) {
		if (!(rc = ledger_prove_consistency(o.lg, a, b, &p, &d)))
			rc = ledger_proof_to_json(&p, &json);
	} else {
		rc =
		    ledger_verify_all(o.lg, identity_sign_pk(o.me), &fault, &d);
		if (!rc && fault.kind != LEDGER_FAULT_NONE) {
			printf("TAMPERED: first bad index %" PRIu64 ": %s\n",
			       fault.index, d.msg);
			close_node(&o);
			return EX_DATAERR;
		}
		if (!rc)
			printf("ok: %" PRIu64 " entries recomputed, every "
			       "subtree hash and signed head holds\n",
			       fault.size);
	}
	close_node(&o);
	if (rc) {
		free(json);
		return cli_fail("ledger", rc, &d);
	}
	if (json)
		printf("%s\n", json);
	free(json);
	return EX_OK;
}
