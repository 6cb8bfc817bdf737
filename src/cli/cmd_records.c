/*
 * cmd_records.c - init, import, export, get, search, stats.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "liaison/identity.h"
#include "liaison/strbuf.h"

/* Options every subcommand understands after its name too. */
#define COMMON_OPTS                                            \
	{"json", no_argument, NULL, 'j'},                      \
	{"help", no_argument, NULL, 'h'}

static int print_json(json_t *o)
{
	int rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);

	fputc('\n', stdout);
	json_decref(o);
	return rc ? EX_IOERR : EX_OK;
}

static int bad_usage(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: liaison %s %s\n", cmd, usage);
	return EX_USAGE;
}

/* ---------------------------------------------------------------- init */

static const char init_usage[] =
	"--agency CODE [--name NAME] [--country CC]\n"
	"\nCreate a node in the home folder: config.json with the agency's\n"
	"code, name, country and default marking, an empty store, and the\n"
	"node's identity in keys/ (signing, encryption and TLS keys, mode\n"
	"0600; `liaison identity export` prints the public card).\n";

int cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"agency", required_argument, NULL, 'a'},
		{"name", required_argument, NULL, 'n'},
		{"country", required_argument, NULL, 'c'},
		COMMON_OPTS, {0},
	};
	const char *agency = NULL, *name = NULL, *country = NULL;
	struct diag d;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': agency = optarg; break;
		case 'n': name = optarg; break;
		case 'c': country = optarg; break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison init %s", init_usage); return EX_OK;
		default: return bad_usage("init", init_usage);
		}
	}
	if (!agency || optind != argc)
		return bad_usage("init", init_usage);
	diag_clear(&d);
	rc = node_init(c->home, agency, name, country, &d);
	if (rc)
		return cli_fail("init", rc, &d);
	/* The identity (keys and TLS certificate) is made with the node;
	 * nothing secret is printed. */
	{
		struct identity *id = NULL;
		char cc[3] = {0};

		/* Without --country, the prefix of a code like NL-NP. */
		if (country && *country)
			(void)str_copy(cc, sizeof(cc), country);
		else if (strlen(agency) > 3 && agency[2] == '-')
			memcpy(cc, agency, 2);
		rc = identity_create(c->home, agency, name ? name : agency, cc,
				     &id, &d);
		identity_free(id);
		if (rc == LIA_EINVAL && !(country && *country))
			fprintf(stderr, "liaison: init: no exchange identity "
					"made: give --country CC\n");
		else if (rc)
			return cli_fail("init", rc, &d);
	}
	if (c->json)
		return print_json(json_pack("{s:s,s:s}", "home", c->home,
					    "agency", agency));
	printf("initialised node %s in %s\n", agency, c->home);
	return EX_OK;
}

/* -------------------------------------------------------------- import */

static void import_warn(void *ctx, const struct diag *w)
{
	char buf[1024];

	(void)ctx;
	fprintf(stderr, "liaison: import: warning: %s\n",
		diag_format(w, buf, sizeof(buf)));
}

static const char import_usage[] =
	"[--format ftm|un|ofac|interpol|csv] [--mapping FILE]\n"
	"       [--agency CODE] [--classification LEVEL] [--handling H0-H3]\n"
	"       [--conditions TEXT] [--tlp TLP] [--evaluation B2]\n"
	"       [--review-by YYYY-MM-DD] [--audience CODE,...] [--list NAME]\n"
	"       [--quiet] FILE...\n"
	"\nImport one file (OFAC: sdn.csv with alt.csv, add.csv and\n"
	"sdn_comments.csv) as one transaction. On any error nothing is\n"
	"stored and the reason is printed as file:line:col: reason (exit 65).\n"
	"The marking options override the node's defaults for this import.\n"
	"--list NAME makes the import a watchlist: its records are screened\n"
	"(liaison screen, the API) like the public lists, and hits name the\n"
	"list NAME (a-z, 0-9, '-', '_'; not un, ofac, interpol or alert).\n";

/* The import itself is already committed: a failure to screen it
 * against partners' alerts is reported, with a non-zero exit. */
static int import_alerts(struct node *n, struct diag *d)
{
	size_t sent = 0;
	int rc;

	if ((rc = node_import_alerts(n, &sent, d)))
		return rc;
	if (sent)
		fprintf(stderr, "liaison: import: %zu hit(s) on partners' "
				"alerts, issuers notified (liaison alert "
				"list)\n",
			sent);
	return 0;
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"mapping", required_argument, NULL, 'm'},
		{"agency", required_argument, NULL, 'A'},
		{"classification", required_argument, NULL, 'C'},
		{"handling", required_argument, NULL, 'H'},
		{"conditions", required_argument, NULL, 'N'},
		{"tlp", required_argument, NULL, 'T'},
		{"evaluation", required_argument, NULL, 'E'},
		{"review-by", required_argument, NULL, 'R'},
		{"audience", required_argument, NULL, 'U'},
		{"list", required_argument, NULL, 'L'},
		{"quiet", no_argument, NULL, 'q'},
		COMMON_OPTS, {0},
	};
	const char *fmt_s = NULL, *mapping = NULL;
	const char *o_agency = NULL, *o_class = NULL, *o_hand = NULL,
		   *o_cond = NULL, *o_tlp = NULL, *o_eval = NULL,
		   *o_review = NULL, *o_aud = NULL;
	struct node_import imp = {0};
	struct store_counts counts = {0};
	struct node *n = NULL;
	struct marking mk;
	bool quiet = false, have_mk = false;
	struct diag d;
	int ch, rc, ex;

	marking_init(&mk);
	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': fmt_s = optarg; break;
		case 'm': mapping = optarg; break;
		case 'A': o_agency = optarg; break;
		case 'C': o_class = optarg; break;
		case 'H': o_hand = optarg; break;
		case 'N': o_cond = optarg; break;
		case 'T': o_tlp = optarg; break;
		case 'E': o_eval = optarg; break;
		case 'R': o_review = optarg; break;
		case 'U': o_aud = optarg; break;
		case 'L': imp.list = optarg; break;
		case 'q': quiet = true; break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison import %s", import_usage); return EX_OK;
		default: return bad_usage("import", import_usage);
		}
	}
	if (optind >= argc)
		return bad_usage("import", import_usage);
	imp.files = (const char *const *)argv + optind;
	imp.n_files = (size_t)(argc - optind);
	imp.mapping = mapping;
	imp.actor = c->actor;
	imp.progress = !quiet && isatty(STDERR_FILENO);
	imp.warn = import_warn;
	if (fmt_s && node_format_parse(fmt_s, &imp.format)) {
		fprintf(stderr, "liaison: import: unknown format \"%s\"\n",
			fmt_s);
		return EX_USAGE;
	}
	if ((ex = cli_open(c, "import", false, &n)))
		return -ex;

	if (o_agency || o_class || o_hand || o_cond || o_tlp || o_eval ||
	    o_review || o_aud) {
		enum node_format f = imp.format;
		if (f == FMT_AUTO)
			f = node_format_guess(imp.files, imp.n_files, mapping);
		if ((rc = node_import_marking(n, f, &mk)))
			goto fail;
		have_mk = true;
		rc = LIA_EVALUE;
		if (o_agency && str_copy(mk.agency, sizeof(mk.agency), o_agency)) {
			diag_set(&d, "--agency too long");
			goto fail;
		}
		if (o_class && str_copy(mk.classification,
					sizeof(mk.classification), o_class)) {
			diag_set(&d, "--classification too long");
			goto fail;
		}
		if (o_hand && (rc = marking_set_handling(&mk, o_hand, &d)))
			goto fail;
		if (o_cond) {
			free(mk.conditions);
			if (!(mk.conditions = strdup(o_cond))) {
				rc = LIA_ENOMEM;
				goto fail;
			}
		}
		if (o_tlp && (rc = marking_set_tlp(&mk, o_tlp, &d)))
			goto fail;
		if (o_eval && (rc = marking_set_evaluation(&mk, o_eval, &d)))
			goto fail;
		if (o_review && str_copy(mk.review_by, sizeof(mk.review_by),
					 o_review)) {
			rc = LIA_EVALUE;
			diag_set(&d, "--review-by must be YYYY-MM-DD");
			goto fail;
		}
		if (o_aud && (rc = marking_set_audience(&mk, o_aud, &d)))
			goto fail;
		imp.marking = &mk;
	}
	rc = node_import(n, &imp, &counts, &d);
	if (rc)
		goto fail;
	if ((rc = import_alerts(n, &d)))
		goto fail;
	if (c->json) {
		ex = print_json(json_pack(
			"{s:s,s:I,s:I,s:I,s:I,s:I}", "files", imp.files[0],
			"records", (json_int_t)counts.seen, "created",
			(json_int_t)counts.created, "changed",
			(json_int_t)counts.changed, "unchanged",
			(json_int_t)counts.unchanged, "warnings",
			(json_int_t)imp.warnings));
	} else {
		printf("imported %llu records from %s: %llu new, %llu changed, "
		       "%llu unchanged\n",
		       (unsigned long long)counts.seen, imp.files[0],
		       (unsigned long long)counts.created,
		       (unsigned long long)counts.changed,
		       (unsigned long long)counts.unchanged);
		if (imp.warnings)
			printf("%llu input rows skipped with a warning (see "
			       "above)\n", (unsigned long long)imp.warnings);
		ex = EX_OK;
	}
	goto out;
fail:
	ex = cli_fail("import", rc, &d);
out:
	if (have_mk)
		marking_free(&mk);
	node_close(n);
	return ex;
}

/* ------------------------------------------------------ search filters */

#define FILTER_OPTS                                                \
	{"schema", required_argument, NULL, 's'},                  \
	{"country", required_argument, NULL, 'c'},                 \
	{"agency", required_argument, NULL, 'a'},                  \
	{"max-class", required_argument, NULL, 'k'},               \
	{"from", required_argument, NULL, 'F'},                    \
	{"to", required_argument, NULL, 'T'}

static const char filter_help[] =
	"  --schema S      only this schema and its descendants\n"
	"  --country CC    a country property equal to CC\n"
	"  --agency CODE   originating agency\n"
	"  --max-class L   classified at most L\n"
	"  --from DATE --to DATE   a date property in the range\n";

/* Returns 1 if ch was a filter option. */
static int filter_opt(struct store_query *q, int ch, const char *arg)
{
	switch (ch) {
	case 's': q->schema = arg; return 1;
	case 'c': q->country = arg; return 1;
	case 'a': q->agency = arg; return 1;
	case 'k': q->max_class = arg; return 1;
	case 'F': q->date_from = arg; return 1;
	case 'T': q->date_to = arg; return 1;
	}
	return 0;
}

static int parse_size(const char *s, size_t *out)
{
	uint64_t v;

	if (str_to_u64(s, strlen(s), &v) || v > 1000000)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* -------------------------------------------------------------- export */

static const char export_usage[] =
	"[-o FILE] [filters] [ID...]\n"
	"\nWrite records as FtM JSON lines, each with its \"marking\", in id\n"
	"order: all records, those matching the filters, or the given ids.\n";

int cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		FILTER_OPTS, COMMON_OPTS, {0},
	};
	struct store_query q = {0};
	const char *outp = NULL;
	struct node *n = NULL;
	struct diag d;
	uint64_t count = 0;
	FILE *out = stdout;
	char detail[256];
	int ch, rc, ex;

	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		if (filter_opt(&q, ch, optarg))
			continue;
		switch (ch) {
		case 'o': outp = optarg; break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison export %s%s", export_usage, filter_help); return EX_OK;
		default: return bad_usage("export", export_usage);
		}
	}
	if ((ex = cli_open(c, "export", false, &n)))
		return -ex;
	if (outp && !(out = fopen(outp, "w"))) {
		diag_set(&d, "%s: cannot create", outp);
		rc = LIA_EIO;
		goto fail;
	}
	rc = node_export(n, &q, (const char *const *)argv + optind,
			 (size_t)(argc - optind), out, &count, &d);
	if (out != stdout && fclose(out) && !rc) {
		diag_set(&d, "%s: write failed", outp);
		rc = LIA_EIO;
	}
	out = stdout;
	if (rc)
		goto fail;
	snprintf(detail, sizeof(detail), "%llu records to %s",
		 (unsigned long long)count, outp ? outp : "stdout");
	if ((rc = store_audit(n->store, c->actor, "export",
			      q.schema ? q.schema : "*", detail, &d)))
		goto fail;
	if (outp)
		fprintf(stderr, "exported %llu records to %s\n",
			(unsigned long long)count, outp);
	ex = EX_OK;
	goto out;
fail:
	ex = cli_fail("export", rc, &d);
	if (outp)
		unlink(outp); /* never leave a partial export behind */
out:
	node_close(n);
	return ex;
}

/* ----------------------------------------------------------------- get */

static const char get_usage[] =
	"[--json] ID\n"
	"\nShow one record: its properties, its marking and every version\n"
	"with the import it came from. The read is recorded in the audit\n"
	"trail.\n";

static int history_json(const struct store_version *v, void *ctx)
{
	json_t *arr = ctx, *ent = NULL, *mk = NULL;

	if (entity_to_jansson(v->entity, &ent) ||
	    marking_to_json(v->marking, &mk)) {
		json_decref(ent);
		return LIA_ENOMEM;
	}
	return json_array_append_new(
		       arr, json_pack("{s:I,s:s,s:s,s:{s:I,s:s,s:s,s:s},s:o,s:o}",
				      "version", (json_int_t)v->version,
				      "created", v->created, "hash", v->hash,
				      "import", "id", (json_int_t)v->import_id,
				      "format", v->format, "files", v->files,
				      "actor", v->actor, "entity", ent,
				      "marking", mk))
		       ? LIA_ENOMEM
		       : 0;
}

static int history_text(const struct store_version *v, void *ctx)
{
	struct strbuf sb;

	(void)ctx;
	strbuf_init(&sb, 4096);
	(void)marking_describe(v->marking, &sb);
	printf("  v%lld  %s  import #%lld (%s %s) by %s\n        %s\n",
	       (long long)v->version, v->created, (long long)v->import_id,
	       v->format, v->files, v->actor, sb.buf);
	strbuf_release(&sb);
	return 0;
}

static int print_prop(const struct schema_prop *p, const char *value,
		      void *ctx)
{
	const char **last = ctx;

	if (*last && !strcmp(*last, p->name))
		printf("  %-22s %s\n", "", value);
	else
		printf("  %-22s %s\n", p->name, value);
	*last = p->name;
	return 0;
}

int cmd_get(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {0}};
	struct store_record *r = NULL;
	struct node *n = NULL;
	struct diag d;
	int ch, rc, ex;

	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison get %s", get_usage); return EX_OK;
		default: return bad_usage("get", get_usage);
		}
	}
	if (optind != argc - 1)
		return bad_usage("get", get_usage);
	if ((ex = cli_open(c, "get", false, &n)))
		return -ex;
	if ((rc = store_get(n->store, argv[optind], &r, &d)))
		goto fail;
	/* Reading a record is access to (possibly) personal data. */
	if ((rc = store_audit(n->store, c->actor, "get", argv[optind], "",
			      &d)))
		goto fail;
	if (c->json) {
		json_t *o = NULL, *ent = NULL, *mk = NULL, *hist = json_array();
		if (!hist || (rc = entity_to_jansson(r->entity, &ent)) ||
		    (rc = marking_to_json(&r->marking, &mk)) ||
		    (rc = store_history(n->store, argv[optind], history_json,
					hist, &d))) {
			json_decref(hist);
			json_decref(ent);
			json_decref(mk);
			goto fail;
		}
		o = json_pack("{s:o,s:o,s:I,s:s,s:s,s:o}", "entity", ent,
			      "marking", mk, "version", (json_int_t)r->version,
			      "first_seen", r->first_seen, "last_changed",
			      r->last_changed, "history", hist);
		ex = print_json(o);
	} else {
		struct strbuf sb;
		const char *last = NULL;
		const char *cap = entity_caption(r->entity);

		strbuf_init(&sb, 4096);
		(void)marking_describe(&r->marking, &sb);
		printf("%s  %s  %s\n", entity_schema(r->entity)->name,
		       entity_id(r->entity), cap ? cap : "");
		printf("marking: %s\n", sb.buf);
		printf("version %lld, first seen %s, last changed %s\n",
		       (long long)r->version, r->first_seen, r->last_changed);
		printf("properties:\n");
		entity_each(r->entity, print_prop, &last);
		printf("history:\n");
		strbuf_release(&sb);
		if ((rc = store_history(n->store, argv[optind], history_text,
					NULL, &d)))
			goto fail;
		ex = EX_OK;
	}
	goto out;
fail:
	ex = cli_fail("get", rc, &d);
out:
	store_record_free(r);
	node_close(n);
	return ex;
}

/* -------------------------------------------------------------- search */

static const char search_usage[] =
	"[filters] [--limit N] [--offset N] [TEXT...]\n"
	"\nFull-text search over names and text properties, best first.\n"
	"Words are matched as given (prefix match with a trailing *).\n";

struct search_out {
	bool json;
	json_t *arr;
	size_t n;
};

static int search_hit(const struct store_hit *h, void *ctx)
{
	struct search_out *so = ctx;
	struct strbuf sb;

	strbuf_init(&sb, 4096);
	(void)marking_describe(h->marking, &sb);
	if (so->json) {
		if (json_array_append_new(
			    so->arr,
			    json_pack("{s:s,s:s,s:s,s:f,s:s}", "id", h->id,
				      "schema", h->schema, "caption",
				      h->caption ? h->caption : "", "rank",
				      h->rank, "marking", sb.buf))) {
			strbuf_release(&sb);
			return LIA_ENOMEM;
		}
	} else {
		printf("%-40s %-14s %s\n%40s %s\n", h->id, h->schema,
		       h->caption ? h->caption : "", "", sb.buf);
	}
	strbuf_release(&sb);
	so->n++;
	return 0;
}

int cmd_search(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"limit", required_argument, NULL, 'l'},
		{"offset", required_argument, NULL, 'O'},
		FILTER_OPTS, COMMON_OPTS, {0},
	};
	struct store_query q = {0};
	struct search_out so = {0};
	struct strbuf text;
	struct node *n = NULL;
	struct diag d;
	int ch, rc, ex;

	diag_clear(&d);
	strbuf_init(&text, 4096);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (filter_opt(&q, ch, optarg))
			continue;
		switch (ch) {
		case 'l':
			if (parse_size(optarg, &q.limit))
				return bad_usage("search", search_usage);
			break;
		case 'O':
			if (parse_size(optarg, &q.offset))
				return bad_usage("search", search_usage);
			break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison search %s%s", search_usage, filter_help); return EX_OK;
		default: return bad_usage("search", search_usage);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (strbuf_addf(&text, "%s%s", i > optind ? " " : "", argv[i])) {
			fputs("liaison: search: query too long\n", stderr);
			return EX_USAGE;
		}
	}
	q.text = text.len ? text.buf : NULL;
	if ((ex = cli_open(c, "search", false, &n))) {
		strbuf_release(&text);
		return -ex;
	}
	so.json = c->json;
	so.arr = c->json ? json_array() : NULL;
	if ((rc = store_audit(n->store, c->actor, "search",
			      q.text ? q.text : "", q.schema ? q.schema : "",
			      &d)))
		goto fail;
	if ((rc = store_search(n->store, &q, search_hit, &so, &d)))
		goto fail;
	if (c->json) {
		ex = print_json(so.arr);
		so.arr = NULL;
	} else {
		printf("%zu result%s\n", so.n, so.n == 1 ? "" : "s");
		ex = EX_OK;
	}
	goto out;
fail:
	ex = cli_fail("search", rc, &d);
out:
	json_decref(so.arr);
	strbuf_release(&text);
	node_close(n);
	return ex;
}

/* --------------------------------------------------------------- stats */

static const char stats_usage[] = "[--json]\n\nRecords per schema, versions and imports.\n";

static int stat_row(const char *schema, uint64_t count, void *ctx)
{
	json_t *o = ctx;

	if (o)
		return json_object_set_new(o, schema,
					   json_integer((json_int_t)count))
			       ? LIA_ENOMEM
			       : 0;
	printf("  %-16s %10llu\n", schema, (unsigned long long)count);
	return 0;
}

int cmd_stats(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {0}};
	struct store_stats st = {0};
	struct node *n = NULL;
	json_t *per = NULL;
	struct diag d;
	int ch, rc, ex;

	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison stats %s", stats_usage); return EX_OK;
		default: return bad_usage("stats", stats_usage);
		}
	}
	if (optind != argc)
		return bad_usage("stats", stats_usage);
	if ((ex = cli_open(c, "stats", true, &n)))
		return -ex;
	if (c->json)
		per = json_object();
	else
		printf("node %s (%s), records per schema:\n", n->cfg.agency,
		       n->cfg.name);
	if ((rc = store_stats(n->store, &st, stat_row, per, &d)))
		goto fail;
	if (c->json) {
		ex = print_json(json_pack("{s:s,s:I,s:I,s:I,s:o}", "agency",
					  n->cfg.agency, "records",
					  (json_int_t)st.records, "versions",
					  (json_int_t)st.versions, "imports",
					  (json_int_t)st.imports, "schemas",
					  per));
		per = NULL;
	} else {
		printf("  %-16s %10llu\n  %-16s %10llu\n  %-16s %10llu\n",
		       "records", (unsigned long long)st.records, "versions",
		       (unsigned long long)st.versions, "imports",
		       (unsigned long long)st.imports);
		ex = EX_OK;
	}
	goto out;
fail:
	ex = cli_fail("stats", rc, &d);
out:
	json_decref(per);
	node_close(n);
	return ex;
}
