/*
 * cmd_exchange.c - identity, peer, serve, send, outbox, inbox, read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "liaison/daemon.h"
#include "liaison/envelope.h"
#include "liaison/identity.h"
#include "liaison/strbuf.h"

#define COMMON_OPTS                                            \
	{"json", no_argument, NULL, 'j'},                      \
	{"help", no_argument, NULL, 'h'}
#define LIST_MAX 1000

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

static int usage_err(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: liaison %s %s", cmd, usage);
	return EX_USAGE;
}

/* Parse "A,B,C" in place into list (at most max entries). */
static int split_csv(char *s, const char **list, size_t *n, size_t max)
{
	for (char *p = s; p && *p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (*p) {
			if (*n >= max)
				return -1;
			list[(*n)++] = p;
		}
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* ------------------------------------------------------------ identity */

static const char identity_usage[] =
	"export\n"
	"\nPrint this node's public card (agency, country, public keys, TLS\n"
	"certificate and its fingerprint, self-signed) for partners to pin\n"
	"with `liaison peer add`. No secret is ever printed.\n";

int cmd_identity(struct cli *c, int argc, char **argv)
{
	struct identity *id = NULL;
	char *card = NULL;
	struct diag d;
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: liaison identity %s", identity_usage);
		return EX_OK;
	}
	if (argc != 2 || strcmp(argv[1], "export"))
		return usage_err("identity", identity_usage);
	diag_clear(&d);
	if ((rc = identity_load(c->home, &id, &d)) ||
	    (rc = identity_card_json(id, &card))) {
		identity_free(id);
		return cli_fail("identity", rc, &d);
	}
	puts(card);
	free(card);
	identity_free(id);
	return EX_OK;
}

/* ---------------------------------------------------------------- peer */

static const char peer_usage[] =
	"add CARD.json --url https://HOST:PORT | add CARD.json --via HUB\n"
	"       | list | remove AGENCY | ca add CA.pem | ca cert CERT.pem\n"
	"       | ca list | ca remove SHA256 | ca crl add CRL.pem\n"
	"\nPin a partner node like an SSH known host: its card (checked:\n"
	"self-signature, certificate, keys) and the URL of its federation\n"
	"endpoint. Only pinned peers may connect or receive envelopes.\n"
	"With --via, the partner is reached through the pinned peer HUB,\n"
	"a relay that forwards envelopes without being able to open them;\n"
	"the partner itself may then not connect directly.\n"
	"ca add: trust a federation CA instead of pinning certificates: a\n"
	"partner whose TLS certificate chains to it, with its agency code\n"
	"as common name, is accepted once its card is pinned (restart serve).\n"
	"ca cert: present this certificate, issued by a federation CA for\n"
	"this node's TLS key (keys/tls.key), instead of the self-signed one.\n"
	"ca list: the federation CAs (SHA-256, subject, expiry); ca remove:\n"
	"stop trusting one; ca crl add: revocation lists signed by a\n"
	"federation CA, so that a revoked partner certificate is refused.\n"
	"ca remove and ca crl add take effect in a running serve.\n";

static int peer_row(const struct store_peer *p, void *ctx)
{
	json_t *arr = ctx;

	if (arr)
		return json_array_append_new(
			       arr, json_pack("{s:s,s:s,s:s,s:s}", "agency",
					      p->agency, "url", p->url,
					      "tls_sha256", p->tls_sha256,
					      "added", p->added))
			       ? LIA_ENOMEM
			       : 0;
	printf("%-16s %-32s %s\n", p->agency, p->url, p->tls_sha256);
	return 0;
}

static int ca_row(const char *fp, const char *dn, int64_t expires, void *ctx)
{
	json_t *arr = ctx;
	char when[32];
	time_t t = (time_t)expires;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "?");
	if (arr)
		return json_array_append_new(
			       arr, json_pack("{s:s,s:s,s:s}", "sha256", fp,
					      "subject", dn, "expires", when))
			       ? LIA_ENOMEM
			       : 0;
	printf("%s %s expires %s\n", fp, dn, when);
	return 0;
}

int cmd_peer(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"url", required_argument, NULL, 'u'},
		{"via", required_argument, NULL, 'v'}, COMMON_OPTS, {0},
	};
	const char *url = NULL, *via = NULL;
	char via_url[STORE_URL_MAX + 1];
	struct node *n = NULL;
	struct diag d;
	char *card = NULL, agency[MARKING_CODE_MAX + 1];
	size_t len = 0;
	int ch, rc = 0, ex;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'v': via = optarg; break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison peer %s", peer_usage); return EX_OK;
		default: return usage_err("peer", peer_usage);
		}
	}
	if (optind >= argc || (url && via))
		return usage_err("peer", peer_usage);
	if (via) {
		snprintf(via_url, sizeof(via_url), "%s%s", NODE_VIA_PREFIX, via);
		url = via_url;
	}
	diag_clear(&d);
	if (!strcmp(argv[optind], "add") && optind + 2 == argc && url) {
		if ((rc = strbuf_read_file(argv[optind + 1], IDENTITY_CARD_MAX,
					   &card, &len, &d)))
			return cli_fail("peer", rc, &d);
		if ((ex = cli_open(c, "peer", false, &n))) {
			free(card);
			return -ex;
		}
		rc = node_peer_add(n, card, len, url, c->actor, agency, &d);
		free(card);
		if (!rc)
			printf("pinned %s at %s\n", agency, url);
	} else if (!strcmp(argv[optind], "list") && optind + 1 == argc) {
		json_t *arr = c->json ? json_array() : NULL;
		if ((ex = cli_open(c, "peer", true, &n))) {
			json_decref(arr);
			return -ex;
		}
		rc = store_peer_each(n->store, peer_row, arr, &d);
		if (!rc && arr) {
			node_close(n);
			return print_json(arr);
		}
		json_decref(arr);
	} else if (!strcmp(argv[optind], "ca") && optind + 3 == argc &&
		   (!strcmp(argv[optind + 1], "add") ||
		    !strcmp(argv[optind + 1], "cert"))) {
		struct identity *me = NULL;
		char fp[65];

		if ((rc = strbuf_read_file(argv[optind + 2],
					   16 * IDENTITY_CERT_MAX, &card, &len,
					   &d)))
			return cli_fail("peer", rc, &d);
		if ((ex = cli_open(c, "peer", false, &n))) {
			free(card);
			return -ex;
		}
		if (!strcmp(argv[optind + 1], "add")) {
			rc = node_fedca_add(n, card, len, c->actor, fp, &d);
			if (!rc)
				printf("federation CA %s added\n", fp);
		} else if (!(rc = identity_load(c->home, &me, &d)) &&
			   !(rc = node_tls_ca_cert_install(n, me, card, len,
							   c->actor, &d))) {
			printf("installed %s: serve presents it from its next "
			       "start\n",
			       NODE_TLS_CA_CERT);
		}
		identity_free(me);
		free(card);
	} else if (!strcmp(argv[optind], "ca") && optind + 2 == argc &&
		   !strcmp(argv[optind + 1], "list")) {
		json_t *arr = c->json ? json_array() : NULL;

		if ((ex = cli_open(c, "peer", true, &n))) {
			json_decref(arr);
			return -ex;
		}
		rc = node_fedca_load(n->home, &card, &len, &d);
		if (rc == LIA_ENOTFOUND)
			rc = 0; /* none: an empty list */
		else if (!rc)
			rc = identity_ca_each(card, len, ca_row, arr, &d);
		free(card);
		if (!rc && arr) {
			node_close(n);
			return print_json(arr);
		}
		json_decref(arr);
	} else if (!strcmp(argv[optind], "ca") && optind + 3 == argc &&
		   !strcmp(argv[optind + 1], "remove")) {
		if ((ex = cli_open(c, "peer", false, &n)))
			return -ex;
		rc = node_fedca_remove(n, argv[optind + 2], c->actor, &d);
		if (!rc)
			printf("federation CA %s removed\n", argv[optind + 2]);
	} else if (!strcmp(argv[optind], "ca") && optind + 4 == argc &&
		   !strcmp(argv[optind + 1], "crl") &&
		   !strcmp(argv[optind + 2], "add")) {
		size_t k = 0;

		if ((rc = strbuf_read_file(argv[optind + 3], IDENTITY_CRL_MAX,
					   &card, &len, &d)))
			return cli_fail("peer", rc, &d);
		if ((ex = cli_open(c, "peer", false, &n))) {
			free(card);
			return -ex;
		}
		rc = node_fedca_crl_add(n, card, len, c->actor, &k, &d);
		free(card);
		if (!rc)
			printf("%zu revocation list(s) added\n", k);
	} else if (!strcmp(argv[optind], "remove") && optind + 2 == argc) {
		if ((ex = cli_open(c, "peer", false, &n)))
			return -ex;
		rc = store_peer_remove(n->store, argv[optind + 1], c->actor,
				       &d);
		if (!rc)
			printf("removed %s\n", argv[optind + 1]);
	} else {
		return usage_err("peer", peer_usage);
	}
	node_close(n);
	return rc ? cli_fail("peer", rc, &d) : EX_OK;
}

/* --------------------------------------------------------------- serve */

static const char serve_usage[] =
	"[--listen ADDR:PORT] [--api ADDR:PORT]\n"
	"\nRun the node: the HTTPS federation endpoint (mutual TLS, pinned\n"
	"peers only) and the delivery of the outbox, until SIGTERM or\n"
	"SIGINT. With --api, also the HTTP API (/v1, bearer tokens; see\n"
	"docs/API.md) on its own port. One daemon per home. Logs to stderr.\n";

int cmd_serve(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"api", required_argument, NULL, 'a'}, COMMON_OPTS, {0},
	};
	const char *listen = NULL, *api_listen = NULL;
	struct diag d;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen = optarg; break;
		case 'a': api_listen = optarg; break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison serve %s", serve_usage); return EX_OK;
		default: return usage_err("serve", serve_usage);
		}
	}
	if (optind != argc)
		return usage_err("serve", serve_usage);
	diag_clear(&d);
	rc = daemon_run_api(c->home, listen, api_listen, &d);
	return rc ? cli_fail("serve", rc, &d) : EX_OK;
}

/* ---------------------------------------------------------------- send */

static const char send_usage[] =
	"--to AGENCY[,AGENCY...] --subject TEXT [--text TEXT]\n"
	"       [--record ID]... [--attach FILE]... [--case REF]\n"
	"       [--priority routine|urgent|immediate] [--reply-to MSGID]\n"
	"       [--via HUB]\n"
	"\nSeal one message to all recipients and queue it; `liaison serve`\n"
	"delivers it. Returns at once with the message id. Refused as a\n"
	"whole (exit 77) when a record may not go to a recipient: outside\n"
	"its audience, TLP:RED to someone not named, or H2/H3 of another\n"
	"agency. Recipients pinned with peer add --via HUB are reached\n"
	"through that relay hub; --via HUB states it (refused otherwise).\n";

int cmd_send(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},
		{"subject", required_argument, NULL, 's'},
		{"text", required_argument, NULL, 'x'},
		{"record", required_argument, NULL, 'r'},
		{"attach", required_argument, NULL, 'a'},
		{"case", required_argument, NULL, 'c'},
		{"priority", required_argument, NULL, 'p'},
		{"reply-to", required_argument, NULL, 'R'},
		{"via", required_argument, NULL, 'V'},
		COMMON_OPTS, {0},
	};
	const char *to[ENVELOPE_RECIPIENTS_MAX], *recs[NODE_MSG_RECORDS_MAX],
		*atts[NODE_MSG_ATTACH_MAX];
	struct node_send s = {.to = to, .records = recs, .attach = atts};
	struct identity *me = NULL;
	struct node *n = NULL;
	enum envelope_priority pr = ENVELOPE_ROUTINE;
	char id[33];
	struct diag d;
	int ch, rc, ex;

	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (split_csv(optarg, to, &s.n_to,
				      ENVELOPE_RECIPIENTS_MAX))
				return usage_err("send", send_usage);
			break;
		case 's': s.subject = optarg; break;
		case 'x': s.text = optarg; break;
		case 'r':
			if (s.n_records >= NODE_MSG_RECORDS_MAX)
				return usage_err("send", send_usage);
			recs[s.n_records++] = optarg;
			break;
		case 'a':
			if (s.n_attach >= NODE_MSG_ATTACH_MAX)
				return usage_err("send", send_usage);
			atts[s.n_attach++] = optarg;
			break;
		case 'c': s.case_ref = optarg; break;
		case 'p':
			if (envelope_priority_parse(optarg, &pr))
				return usage_err("send", send_usage);
			break;
		case 'R': s.reply_to = optarg; break;
		case 'V': s.via = optarg; break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison send %s", send_usage); return EX_OK;
		default: return usage_err("send", send_usage);
		}
	}
	if (optind != argc || !s.subject)
		return usage_err("send", send_usage);
	s.priority = (int)pr;
	s.actor = c->actor;
	if ((ex = cli_open(c, "send", false, &n)))
		return -ex;
	if ((rc = identity_load(c->home, &me, &d)))
		goto out;
	if (!s.n_to && s.reply_to) {
		/* A reply goes back to the sender of what it answers. */
		static char peer[MARKING_CODE_MAX + 1];
		char *cref = NULL;
		if ((rc = store_msg_case(n->store, s.reply_to, &cref, peer,
					 sizeof(peer), &d)))
			goto out;
		free(cref);
		to[s.n_to++] = peer;
	}
	rc = node_send(n, me, &s, id, &d);
out:
	identity_free(me);
	node_close(n);
	if (rc)
		return cli_fail("send", rc, &d);
	if (c->json)
		return print_json(json_pack("{s:s,s:s}", "id", id, "state",
					    "queued"));
	printf("%s queued\n", id);
	return EX_OK;
}

/* ------------------------------------------------------ outbox, inbox */

static const char box_usage[] =
	"\nList messages with their state: outbox queued, sent (the peer\n"
	"stored it), delivered (its signed receipt came back) or failed with\n"
	"the reason; inbox received or read.\n";

static int box_row(const struct store_msg_row *r, void *ctx)
{
	json_t *arr = ctx;

	if (arr) {
		json_t *o = json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s}", "id",
			r->env_id, "peer", r->peer, "kind", r->kind, "subject",
			r->subject, "case", r->case_ref, "state", r->state,
			"attempts", (json_int_t)r->attempts, "created",
			r->created, "updated", r->updated);
		if (!o || (r->error && json_object_set_new(
					       o, "error",
					       json_string(r->error))) ||
		    json_array_append_new(arr, o))
			return LIA_ENOMEM;
		return 0;
	}
	printf("%s  %-12s %-10s %s  %s%s%s\n", r->env_id, r->peer, r->state,
	       r->created, r->subject, r->error ? "  -- " : "",
	       r->error ? r->error : "");
	return 0;
}

static int cmd_box(struct cli *c, int argc, char **argv, bool inbox)
{
	static const struct option opts[] = {COMMON_OPTS, {0}};
	const char *name = inbox ? "inbox" : "outbox";
	json_t *arr = NULL;
	struct node *n = NULL;
	struct diag d;
	int ch, rc, ex;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison %s [--json]\n%s", name, box_usage); return EX_OK;
		default: return usage_err(name, "[--json]\n");
		}
	}
	if (optind != argc)
		return usage_err(name, "[--json]\n");
	if ((ex = cli_open(c, name, true, &n)))
		return -ex;
	diag_clear(&d);
	if (c->json && !(arr = json_array())) {
		node_close(n);
		return EX_SOFTWARE;
	}
	rc = inbox ? store_inbox_each(n->store, box_row, arr, &d)
		   : store_outbox_each(n->store, box_row, arr, &d);
	node_close(n);
	if (rc) {
		json_decref(arr);
		return cli_fail(name, rc, &d);
	}
	return arr ? print_json(arr) : EX_OK;
}

int cmd_outbox(struct cli *c, int argc, char **argv)
{
	return cmd_box(c, argc, argv, false);
}

int cmd_inbox(struct cli *c, int argc, char **argv)
{
	return cmd_box(c, argc, argv, true);
}

/* ---------------------------------------------------------------- read */

static const char read_usage[] =
	"[--save-attachments DIR] MSGID\n"
	"\nDecrypt and show a received message with its records and their\n"
	"markings; mark it read. Every read is audited. With\n"
	"--save-attachments, attachments are decrypted into DIR (checked\n"
	"against their size and SHA-256).\n";

static void print_message(const json_t *o)
{
	const json_t *v;
	size_t i;

	printf("message %s from %s\n", json_string_value(json_object_get(o, "id")),
	       json_string_value(json_object_get(o, "sender")));
	printf("case:     %s\npriority: %s\nmarking:  %s\n",
	       json_string_value(json_object_get(o, "case")),
	       json_string_value(json_object_get(o, "priority")),
	       json_string_value(json_object_get(o, "marking")));
	if ((v = json_object_get(o, "subject")))
		printf("subject:  %s\n", json_string_value(v));
	if ((v = json_object_get(o, "reply_to")))
		printf("reply to: %s\n", json_string_value(v));
	if ((v = json_object_get(o, "text")) && *json_string_value(v))
		printf("\n%s\n", json_string_value(v));
	json_array_foreach(json_object_get(o, "records"), i, v) {
		char *e = json_dumps(json_object_get(v, "entity"),
				     JSON_COMPACT | JSON_SORT_KEYS);
		char *m = json_dumps(json_object_get(v, "marking"),
				     JSON_COMPACT | JSON_SORT_KEYS);
		printf("\nrecord %zu: %s\n  marking: %s\n", i + 1,
		       e ? e : "?", m ? m : "?");
		free(e);
		free(m);
	}
	json_array_foreach(json_object_get(o, "attachments"), i, v)
		printf("\nattachment %zu: %s (%lld bytes, sha256 %s)\n", i + 1,
		       json_string_value(json_object_get(v, "name")),
		       (long long)json_integer_value(json_object_get(v, "size")),
		       json_string_value(json_object_get(v, "sha256")));
}

int cmd_read(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"save-attachments", required_argument, NULL, 's'},
		COMMON_OPTS, {0},
	};
	const char *save = NULL;
	struct identity *me = NULL;
	struct node *n = NULL;
	json_t *o = NULL;
	struct diag d;
	int ch, rc, ex;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': save = optarg; break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison read %s", read_usage); return EX_OK;
		default: return usage_err("read", read_usage);
		}
	}
	if (optind + 1 != argc)
		return usage_err("read", read_usage);
	if ((ex = cli_open(c, "read", false, &n)))
		return -ex;
	diag_clear(&d);
	if (!(rc = identity_load(c->home, &me, &d)))
		rc = node_read(n, me, argv[optind], c->actor, save, &o, &d);
	identity_free(me);
	node_close(n);
	if (rc)
		return cli_fail("read", rc, &d);
	if (c->json)
		return print_json(o);
	print_message(o);
	json_decref(o);
	return EX_OK;
}

/* ------------------------------------------------------------ queries */

static const char query_usage[] =
	"--to AGENCY[,AGENCY...]|all --name NAME [--dob DATE]\n"
	"       [--nationality CC] [--id-number ID] [--schema Person|Company]\n"
	"       [--reason TEXT]\n"
	"\nAsk partners whether they hold matching records (one envelope\n"
	"each; `all` = every pinned peer). Each answers hit or no-hit with\n"
	"opaque references, scores and markings; see `liaison queries`.\n";

static int opt_into(char *dst, size_t n, const char *src)
{
	/* Too long is refused, never cut. */
	return str_copy(dst, n, src) ? -1 : 0;
}

int cmd_query(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},
		{"name", required_argument, NULL, 'n'},
		{"dob", required_argument, NULL, 'b'},
		{"nationality", required_argument, NULL, 'c'},
		{"id-number", required_argument, NULL, 'i'},
		{"schema", required_argument, NULL, 's'},
		{"reason", required_argument, NULL, 'r'},
		COMMON_OPTS, {0},
	};
	static char peers[ENVELOPE_RECIPIENTS_MAX][MARKING_CODE_MAX + 1];
	const char *to[ENVELOPE_RECIPIENTS_MAX];
	struct node_query q;
	struct identity *me = NULL;
	struct node *n = NULL;
	char(*ids)[33] = NULL;
	size_t n_to = 0;
	bool to_all = false;
	struct diag d;
	int ch, rc, ex, bad = 0;

	memset(&q, 0, sizeof(q));
	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (!strcmp(optarg, "all"))
				to_all = true;
			else if (split_csv(optarg, to, &n_to,
					   ENVELOPE_RECIPIENTS_MAX))
				return usage_err("query", query_usage);
			break;
		case 'n': bad |= opt_into(q.name, sizeof(q.name), optarg); break;
		case 'b': bad |= opt_into(q.dob, sizeof(q.dob), optarg); break;
		case 'c':
			bad |= opt_into(q.nationality, sizeof(q.nationality),
					optarg);
			break;
		case 'i':
			bad |= opt_into(q.id_number, sizeof(q.id_number),
					optarg);
			break;
		case 's': bad |= opt_into(q.schema, sizeof(q.schema), optarg); break;
		case 'r': bad |= opt_into(q.reason, sizeof(q.reason), optarg); break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison query %s", query_usage); return EX_OK;
		default: return usage_err("query", query_usage);
		}
	}
	if (optind != argc || bad || !q.name[0] || (to_all == !!n_to))
		return usage_err("query", query_usage);
	if ((ex = cli_open(c, "query", false, &n)))
		return -ex;
	if ((rc = identity_load(c->home, &me, &d)))
		goto out;
	if (to_all) {
		if ((rc = node_peer_agencies(n, peers, ENVELOPE_RECIPIENTS_MAX,
					     &n_to, &d)))
			goto out;
		for (size_t i = 0; i < n_to; i++)
			to[i] = peers[i];
	}
	rc = node_query(n, me, &q, to, n_to, c->actor, &ids, &d);
out:
	sodium_memzero(&q, sizeof(q));
	identity_free(me);
	node_close(n);
	if (rc)
		return cli_fail("query", rc, &d);
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < n_to; i++)
			json_array_append_new(
				arr, json_pack("{s:s,s:s}", "id", ids[i], "to",
					       to[i]));
		free(ids);
		return print_json(arr);
	}
	for (size_t i = 0; i < n_to; i++)
		printf("%s queued to %s\n", ids[i], to[i]);
	free(ids);
	return EX_OK;
}

static const char queries_usage[] =
	"[--json]\n"
	"\nSent hit/no-hit queries with each partner's answer: pending,\n"
	"no-hit, or hit with opaque references, scores and markings.\n";

/* The follow-up of a hit: requested, released (which record) or
 * refused (why). */
static void print_release(const json_t *r)
{
	const char *rec, *why;

	if (!r)
		return;
	rec = json_string_value(json_object_get(r, "record"));
	why = json_string_value(json_object_get(r, "reason"));
	printf("      %s%s%s%s%s\n",
	       json_string_value(json_object_get(r, "state")),
	       rec ? ": record " : "", rec ? rec : "",
	       why && *why ? "; reason: " : "", why && *why ? why : "");
}

int cmd_queries(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {0}};
	struct identity *me = NULL;
	struct node *n = NULL;
	json_t *o = NULL, *q, *h;
	size_t i, k;
	struct diag d;
	int ch, rc, ex;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison queries %s", queries_usage); return EX_OK;
		default: return usage_err("queries", queries_usage);
		}
	}
	if (optind != argc)
		return usage_err("queries", queries_usage);
	if ((ex = cli_open(c, "queries", true, &n)))
		return -ex;
	diag_clear(&d);
	if (!(rc = identity_load(c->home, &me, &d)))
		rc = node_queries(n, me, &o, &d);
	identity_free(me);
	node_close(n);
	if (rc)
		return cli_fail("queries", rc, &d);
	if (c->json)
		return print_json(o);
	json_array_foreach(o, i, q) {
		printf("%s  %s  to %-12s %s\n",
		       json_string_value(json_object_get(q, "created")),
		       json_string_value(json_object_get(q, "id")),
		       json_string_value(json_object_get(q, "to")),
		       json_string_value(json_object_get(q, "status")));
		json_array_foreach(json_object_get(q, "hits"), k, h) {
			char *m = json_dumps(json_object_get(h, "marking"),
					     JSON_COMPACT | JSON_SORT_KEYS);
			printf("    ref %s  score %.2f  %s\n",
			       json_string_value(json_object_get(h, "ref")),
			       json_real_value(json_object_get(h, "score")),
			       m ? m : "?");
			free(m);
			print_release(json_object_get(h, "release"));
		}
	}
	json_decref(o);
	return EX_OK;
}
