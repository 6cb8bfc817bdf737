/*
 * cmd_screen.c - `liaison compare` and `liaison screen`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "liaison/csv.h"
#include "liaison/identity.h"
#include "liaison/match.h"
#include "liaison/screen.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"

/* "any" (or nothing) screens every kind; a schema name picks the kind its
 * names are screened as, from the same table the index uses. */
static int parse_kind(const char *s, enum match_kind *out)
{
	enum match_kind k;

	if (!*s || !strcasecmp(s, "any")) {
		*out = MATCH_ANY;
		return 0;
	}
	if ((k = screen_kind(s)) == MATCH_ANY)
		return LIA_EINVAL;
	*out = k;
	return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= lo && v <= hi))
		return LIA_EINVAL;
	*out = v;
	return 0;
}

/* Write one CSV field, quoted when it must be (RFC 4180). */
static void csv_put(FILE *f, const char *s, size_t len)
{
	bool q = false;

	for (size_t i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			q = true;
	if (!q) {
		fwrite(s, 1, len, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

/* ------------------------------------------------------------- compare */

static const char compare_usage[] =
	"NAME1 NAME2 [--schema Person|Company] [--explain] [--json]\n"
	"       liaison compare --input pairs.csv [--schema S] [--threshold T]\n"
	"\nScore how likely two names (any script) name the same person or\n"
	"body, in [0, 1]; with --explain, which features contributed how\n"
	"much. With --input, read a CSV whose header has name1,name2 (and\n"
	"optionally schema) and write it back with score and match columns.\n";

/* The explanation points into the prepared names, so its text (when
 * wanted) is rendered here, while they are alive. */
static int compare_pair(struct match_ctx *mc, const char *a, size_t alen,
			const char *b, size_t blen, enum match_kind k,
			double *score, struct match_explain *ex,
			struct strbuf *text, struct diag *d)
{
	struct match_name *na = NULL, *nb = NULL;
	int rc;

	if ((rc = match_prepare(mc, a, alen, k, &na, d)) ||
	    (rc = match_prepare(mc, b, blen, k, &nb, d)))
		goto out;
	*score = match_score(na, NULL, nb, NULL, ex);
	if (text && ex)
		rc = match_explain_text(ex, *score, text);
	if (ex) {
		/* Nothing may point into the names once they are freed. */
		ex->form_q = ex->form_c = NULL;
	}
out:
	match_name_free(na);
	match_name_free(nb);
	return rc;
}

static int compare_batch(struct match_ctx *mc, const char *path,
			 enum match_kind kind, double threshold)
{
	struct csv_reader *r = NULL;
	struct diag d;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	int rc, i1 = -1, i2 = -1, is = -1, failed = 0;
	size_t ncols = 0;

	diag_clear(&d);
	if (!f) {
		fprintf(stderr, "liaison: compare: %s: cannot open\n", path);
		return EX_NOINPUT;
	}
	if ((rc = csv_open(f, path, NULL, &r)))
		goto out;
	rc = csv_next(r, &d);
	if (rc <= 0) {
		if (!rc) {
			diag_set(&d, "empty file");
			rc = LIA_EPARSE;
		}
		goto out;
	}
	ncols = csv_count(r);
	for (size_t i = 0; i < ncols; i++) {
		size_t len;
		const char *h = csv_field(r, i, &len);
		csv_put(stdout, h, len);
		fputc(',', stdout);
		if (len == 5 && !strncasecmp(h, "name1", 5))
			i1 = (int)i;
		else if (len == 5 && !strncasecmp(h, "name2", 5))
			i2 = (int)i;
		else if (len == 6 && !strncasecmp(h, "schema", 6))
			is = (int)i;
	}
	fputs("score,match\n", stdout);
	if (i1 < 0 || i2 < 0) {
		diag_set(&d, "the header needs name1 and name2");
		diag_at(&d, path, 1, 0);
		rc = LIA_EPARSE;
		goto out;
	}
	while ((rc = csv_next(r, &d)) == 1) {
		size_t l1, l2, ls = 0;
		const char *a = csv_field(r, (size_t)i1, &l1);
		const char *b = csv_field(r, (size_t)i2, &l2);
		enum match_kind k = kind;
		double score = 0;
		struct diag rd;

		diag_clear(&rd);
		if (csv_count(r) != ncols) {
			diag_set(&rd, "expected %zu fields, found %zu", ncols,
				 csv_count(r));
			goto row_fail;
		}
		if (is >= 0) {
			char sch[64];
			const char *sv = csv_field(r, (size_t)is, &ls);
			if (ls && ls < sizeof(sch)) {
				memcpy(sch, sv, ls);
				sch[ls] = '\0';
				if (parse_kind(sch, &k)) {
					diag_set(&rd, "unknown schema \"%s\"",
						 sch);
					goto row_fail;
				}
			}
		}
		if (compare_pair(mc, a, l1, b, l2, k, &score, NULL, NULL, &rd))
			goto row_fail;
		for (size_t i = 0; i < ncols; i++) {
			size_t len;
			const char *v = csv_field(r, i, &len);
			csv_put(stdout, v, len);
			fputc(',', stdout);
		}
		printf("%.4f,%s\n", score, score >= threshold ? "true" : "false");
		continue;
row_fail:
		failed++;
		diag_at(&rd, path, csv_line(r), 0);
		{
			char buf[1024];
			fprintf(stderr, "liaison: compare: %s\n",
				diag_format(&rd, buf, sizeof(buf)));
		}
	}
out:
	if (rc < 0) {
		char buf[1024];
		fprintf(stderr, "liaison: compare: %s\n",
			diag_format(&d, buf, sizeof(buf)));
	}
	csv_close(r);
	if (f != stdin)
		fclose(f);
	if (fflush(stdout))
		return EX_IOERR;
	return rc < 0 || failed ? EX_DATAERR : EX_OK;
}

int cmd_compare(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"schema", required_argument, NULL, 's'},
		{"explain", no_argument, NULL, 'e'},
		{"input", required_argument, NULL, 'i'},
		{"threshold", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	enum match_kind kind = MATCH_ANY;
	const char *input = NULL;
	double threshold = MATCH_THRESHOLD_DEFAULT, score = 0;
	bool explain = false;
	struct match_ctx *mc = NULL;
	struct match_explain ex;
	struct strbuf text;
	struct diag d;
	int ch, rc, ret;

	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (parse_kind(optarg, &kind)) {
				fprintf(stderr, "liaison: compare: unknown "
						"schema \"%s\"\n", optarg);
				return EX_USAGE;
			}
			break;
		case 'e': explain = true; break;
		case 'i': input = optarg; break;
		case 't':
			if (parse_double(optarg, 0, 1, &threshold))
				return EX_USAGE;
			break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison compare %s", compare_usage); return EX_OK;
		default:
			fprintf(stderr, "usage: liaison compare %s", compare_usage);
			return EX_USAGE;
		}
	}
	if (input ? optind != argc : optind != argc - 2) {
		fprintf(stderr, "usage: liaison compare %s", compare_usage);
		return EX_USAGE;
	}
	if ((rc = match_ctx_new(&mc, &d)))
		return cli_fail("compare", rc, &d);
	if (input) {
		ret = compare_batch(mc, input, kind, threshold);
		match_ctx_free(mc);
		return ret;
	}
	memset(&ex, 0, sizeof(ex));
	strbuf_init(&text, 8192);
	rc = compare_pair(mc, argv[optind], strlen(argv[optind]),
			  argv[optind + 1], strlen(argv[optind + 1]), kind,
			  &score, &ex, &text, &d);
	match_ctx_free(mc);
	if (rc) {
		strbuf_release(&text);
		return cli_fail("compare", rc, &d);
	}
	if (c->json) {
		json_t *feat = json_array();
		for (size_t i = 0; i < ex.n; i++)
			json_array_append_new(
				feat, json_pack("{s:s,s:f,s:f}", "feature",
						ex.f[i].name, "value",
						ex.f[i].value, "contribution",
						ex.f[i].contribution));
		json_t *o = json_pack("{s:f,s:b,s:f,s:o,s:s}", "score", score,
				      "match", score >= threshold, "threshold",
				      threshold, "features", feat, "alignment",
				      ex.alignment);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(o);
		strbuf_release(&text);
		return EX_OK;
	}
	printf("%.4f %s\n", score, score >= threshold ? "match" : "no match");
	if (explain) {
		printf("%s\n", text.buf);
		if (ex.alignment[0])
			printf("aligned: %s\n", ex.alignment);
	}
	strbuf_release(&text);
	return EX_OK;
}

/* -------------------------------------------------------------- screen */

static const char screen_usage[] =
	"--name NAME [--dob DATE] [--nationality CC] [--gender m|f]\n"
	"       [--id-number N] [--schema S] [--list NAME] [--threshold T]\n"
	"       [--limit N] [--json]\n"
	"       liaison screen --input people.csv [--list NAME] [--threshold T]\n"
	"\nScreen a name (any script) against the node's watchlists: by\n"
	"default every imported sanctions list (un, ofac, interpol), every\n"
	"list imported with `liaison import --list NAME`, and every alert;\n"
	"--list picks one. With --input, screen every row of a CSV\n"
	"whose header has full_name or name, or first_name/middle_name/\n"
	"last_name, and optionally date_of_birth, gender, place_of_birth,\n"
	"nationality, id_number (other columns are passed through): one JSON\n"
	"line per row, in order. A row that cannot be read is reported with\n"
	"its line number and screening goes on; the exit status is 65 if any\n"
	"row failed.\n";

static json_t *hits_json(const struct screen_hit *h, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		struct strbuf sb;
		json_t *feat = json_array();

		strbuf_init(&sb, 8192);
		(void)match_explain_text(&h[i].explain, h[i].score, &sb);
		for (size_t k = 0; k < h[i].explain.n; k++)
			json_array_append_new(
				feat, json_pack("{s:s,s:f,s:f}", "feature",
						h[i].explain.f[k].name, "value",
						h[i].explain.f[k].value,
						"contribution",
						h[i].explain.f[k].contribution));
		json_array_append_new(
			arr, json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:o}", "id",
				       h[i].record_id, "list", h[i].list,
				       "schema", h[i].schema, "matched_name",
				       h[i].matched_name, "score", h[i].score,
				       "explanation", sb.buf, "features",
				       feat));
		strbuf_release(&sb);
	}
	return arr;
}

/* Hits on received alerts are reported to their issuers (deduplicated
 * per subject within NODE_HIT_WINDOW); *out gets a JSON array of the
 * alerts hit, with the action to take. The identity is loaded on the
 * first alert hit only. */
static int report_alerts(struct cli *c, struct node *n,
			 struct identity **me, const struct screen_hit *h,
			 size_t nh, const char *channel, const char *name,
			 const char *dob, json_t **out, struct diag *d)
{
	struct node_alert_match m[NODE_ALERT_HITS_MAX];
	json_t *arr = json_array();
	char subject[1100];
	int rc = 0;

	if (!arr)
		return LIA_ENOMEM;
	snprintf(subject, sizeof(subject), "%s|%s", name, dob ? dob : "");
	for (size_t i = 0; i < nh && !rc; i++) {
		size_t k = 0;

		if (strcmp(h[i].list, "alert"))
			continue;
		if (!*me && (rc = identity_load(c->home, me, d)))
			break;
		rc = node_alert_report(n, *me, h[i].record_id, h[i].score,
				       h[i].schema, channel, subject,
				       (int64_t)time(NULL), m,
				       NODE_ALERT_HITS_MAX, &k, d);
		for (size_t j = 0; j < k && !rc; j++)
			if (json_array_append_new(
				    arr,
				    json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "alert",
					      m[j].alert_id, "issuer",
					      m[j].issuer, "kind", m[j].kind,
					      "record", h[i].record_id,
					      "action", m[j].action,
					      "notified", m[j].notified)))
				rc = LIA_ENOMEM;
	}
	if (rc) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static void print_alerts(const json_t *arr)
{
	size_t i;
	json_t *a;

	json_array_foreach(arr, i, a)
		printf("ALERT %s from %s on %s: action: %s%s\n",
		       json_string_value(json_object_get(a, "kind")),
		       json_string_value(json_object_get(a, "issuer")),
		       json_string_value(json_object_get(a, "record")),
		       json_string_value(json_object_get(a, "action")),
		       json_is_true(json_object_get(a, "notified"))
			       ? " (issuer notified)"
			       : " (issuer already notified)");
}

struct screen_opts {
	const char *list;
	double threshold;
	size_t limit;
	enum match_kind kind;
};

static int screen_batch(struct cli *c, struct node *n,
			struct screen_index *ix, struct match_ctx *mc,
			const char *path, const struct screen_opts *so)
{
	struct identity *me = NULL;
	struct csv_reader *r = NULL;
	struct node_screen_cols cols;
	const char *fields[1024];
	size_t lens[1024];
	char **hdr = NULL;
	size_t ncols = 0, rows = 0;
	struct diag d;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	int rc, failed = 0;

	(void)c;
	diag_clear(&d);
	if (!f) {
		fprintf(stderr, "liaison: screen: %s: cannot open\n", path);
		return EX_NOINPUT;
	}
	if ((rc = csv_open(f, path, NULL, &r)))
		goto out;
	rc = csv_next(r, &d);
	if (rc <= 0) {
		if (!rc) {
			diag_set(&d, "empty file");
			diag_at(&d, path, 1, 0);
			rc = LIA_EPARSE;
		}
		goto out;
	}
	ncols = csv_count(r);
	if (ncols > 1024) {
		diag_set(&d, "more than 1024 columns");
		rc = LIA_ETOOBIG;
		goto out;
	}
	hdr = calloc(ncols ? ncols : 1, sizeof(*hdr));
	if (!hdr) {
		rc = LIA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ncols; i++) {
		size_t len;
		const char *h = csv_field(r, i, &len);
		hdr[i] = strndup(h, len);
		if (!hdr[i]) {
			rc = LIA_ENOMEM;
			goto out;
		}
		fields[i] = hdr[i];
		lens[i] = len;
	}
	if ((rc = node_screen_header(fields, lens, ncols, &cols, &d))) {
		diag_at(&d, path, 1, 0);
		goto out;
	}
	while ((rc = csv_next(r, &d)) == 1) {
		struct node_screen_row row;
		struct screen_hit hits[50];
		size_t nh = 0, nf = csv_count(r);
		struct diag rd;
		json_t *o, *pass;

		rows++;
		diag_clear(&rd);
		for (size_t i = 0; i < nf && i < 1024; i++)
			fields[i] = csv_field(r, i, &lens[i]);
		if (nf > 1024 ||
		    node_screen_row(&cols, fields, lens, nf, &row, &rd)) {
			if (nf > 1024)
				diag_set(&rd, "too many fields");
			goto row_fail;
		}
		struct screen_query q = {
			.name = row.name, .kind = so->kind, .extra = &row.extra,
			.list = so->list, .threshold = so->threshold,
			.limit = so->limit,
		};
		if (screen_query(ix, mc, &q, hits, 50, &nh, &rd))
			goto row_fail;
		pass = json_object();
		for (size_t i = 0; pass && i < ncols; i++)
			json_object_set_new(pass, hdr[i],
					    json_stringn(fields[i], lens[i]));
		{
			json_t *al = NULL;

			if ((rc = report_alerts(c, n, &me, hits, nh, "batch",
						row.name, row.dob, &al, &d))) {
				json_decref(pass);
				goto out;
			}
			o = json_pack("{s:I,s:s,s:o,s:o,s:o}", "line",
				      (json_int_t)csv_line(r), "name", row.name,
				      "input", pass, "hits",
				      hits_json(hits, nh), "alerts", al);
		}
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
		continue;
row_fail:
		failed++;
		diag_at(&rd, path, csv_line(r), 0);
		{
			char buf[1024];
			diag_format(&rd, buf, sizeof(buf));
			fprintf(stderr, "liaison: screen: %s\n", buf);
			o = json_pack("{s:I,s:s}", "line",
				      (json_int_t)csv_line(r), "error", buf);
			json_dumpf(o, stdout, JSON_COMPACT);
			fputc('\n', stdout);
			json_decref(o);
		}
	}
out:
	if (rc < 0) {
		char buf[1024];
		fprintf(stderr, "liaison: screen: %s\n",
			diag_format(&d, buf, sizeof(buf)));
	}
	{
		char detail[128];
		struct diag ad;
		snprintf(detail, sizeof(detail), "%zu rows, %d failed", rows,
			 failed);
		(void)store_audit(n->store, c->actor, "screen-batch", path,
				  detail, &ad);
	}
	for (size_t i = 0; hdr && i < ncols; i++)
		free(hdr[i]);
	free(hdr);
	identity_free(me);
	csv_close(r);
	if (f != stdin)
		fclose(f);
	if (fflush(stdout))
		return EX_IOERR;
	return rc < 0 || failed ? EX_DATAERR : EX_OK;
}

int cmd_screen(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"dob", required_argument, NULL, 'b'},
		{"nationality", required_argument, NULL, 'N'},
		{"gender", required_argument, NULL, 'g'},
		{"id-number", required_argument, NULL, 'I'},
		{"schema", required_argument, NULL, 's'},
		{"list", required_argument, NULL, 'l'},
		{"threshold", required_argument, NULL, 't'},
		{"limit", required_argument, NULL, 'L'},
		{"input", required_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct screen_opts so = {.threshold = MATCH_THRESHOLD_DEFAULT,
				 .limit = 10};
	const char *name = NULL, *dob = NULL, *nat = NULL, *gender = NULL,
		   *idn = NULL, *input = NULL;
	struct match_extra extra;
	char dobn[32], natn[3];
	struct screen_index *ix = NULL;
	struct match_ctx *mc = NULL;
	struct node *n = NULL;
	struct screen_hit hits[50];
	struct identity *me = NULL;
	json_t *alerts = NULL;
	size_t nh = 0, loaded = 0;
	struct diag d;
	int ch, rc, ex;

	memset(&extra, 0, sizeof(extra));
	diag_clear(&d);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'b': dob = optarg; break;
		case 'N': nat = optarg; break;
		case 'g': gender = optarg; break;
		case 'I': idn = optarg; break;
		case 's':
			if (parse_kind(optarg, &so.kind)) {
				fprintf(stderr, "liaison: screen: unknown "
						"schema \"%s\"\n", optarg);
				return EX_USAGE;
			}
			break;
		case 'l': so.list = optarg; break;
		case 't':
			if (parse_double(optarg, 0, 1, &so.threshold)) {
				fprintf(stderr, "liaison: screen: --threshold "
						"must be in [0, 1]\n");
				return EX_USAGE;
			}
			break;
		case 'L': {
			uint64_t v;
			if (str_to_u64(optarg, strlen(optarg), &v) || !v ||
			    v > 50) {
				fprintf(stderr, "liaison: screen: --limit must "
						"be 1 to 50\n");
				return EX_USAGE;
			}
			so.limit = (size_t)v;
			break;
		}
		case 'i': input = optarg; break;
		case 'j': c->json = true; break;
		case 'h': printf("usage: liaison screen %s", screen_usage); return EX_OK;
		default:
			fprintf(stderr, "usage: liaison screen %s", screen_usage);
			return EX_USAGE;
		}
	}
	if (optind != argc || (!name == !input)) {
		fprintf(stderr, "usage: liaison screen %s", screen_usage);
		return EX_USAGE;
	}
	if (dob) {
		struct strbuf sb;
		strbuf_init(&sb, sizeof(dobn) - 1);
		rc = types_date(dob, strlen(dob), &sb, &d);
		if (!rc)
			memcpy(dobn, sb.buf, sb.len + 1);
		strbuf_release(&sb);
		if (rc) {
			diag_prefix(&d, "--dob: ");
			return cli_fail("screen", rc, &d);
		}
		extra.dob[extra.n_dob++] = dobn;
	}
	if (nat) {
		if ((rc = types_country(nat, strlen(nat), natn, &d))) {
			diag_prefix(&d, "--nationality: ");
			return cli_fail("screen", rc, &d);
		}
		extra.country[extra.n_country++] = natn;
	}
	if (gender) {
		if (!strcasecmp(gender, "m") || !strcasecmp(gender, "male"))
			extra.gender = 'm';
		else if (!strcasecmp(gender, "f") || !strcasecmp(gender, "female"))
			extra.gender = 'f';
		else {
			fprintf(stderr, "liaison: screen: --gender must be m "
					"or f\n");
			return EX_USAGE;
		}
	}
	if (idn)
		extra.id[extra.n_id++] = idn;

	if ((ex = cli_open(c, "screen", false, &n)))
		return -ex;
	if ((rc = match_ctx_new(&mc, &d)) || (rc = screen_index_new(&ix)))
		goto fail;
	if ((rc = node_screen_load(n, ix, mc, so.list, &loaded, &d)))
		goto fail;
	if (!loaded) {
		diag_set(&d, "no watchlist records to screen against%s%s "
			    "(import the UN or OFAC list first)",
			 so.list ? " in list " : "", so.list ? so.list : "");
		rc = LIA_ENOTFOUND;
		goto fail;
	}
	if (input) {
		ex = screen_batch(c, n, ix, mc, input, &so);
		goto out;
	}
	{
		struct screen_query q = {
			.name = name, .kind = so.kind, .extra = &extra,
			.list = so.list, .threshold = so.threshold,
			.limit = so.limit,
		};
		if ((rc = screen_query(ix, mc, &q, hits, 50, &nh, &d)))
			goto fail;
	}
	if ((rc = report_alerts(c, n, &me, hits, nh, "screening", name,
				extra.n_dob ? dobn : NULL, &alerts, &d)))
		goto fail;
	/* Screening a person is access to personal data. */
	{
		char detail[64];
		snprintf(detail, sizeof(detail), "%zu hits", nh);
		if ((rc = store_audit(n->store, c->actor, "screen", name,
				      detail, &d)))
			goto fail;
	}
	if (c->json) {
		json_t *o = json_pack("{s:s,s:f,s:I,s:o,s:O}", "name", name,
				      "threshold", so.threshold, "screened",
				      (json_int_t)loaded, "hits",
				      hits_json(hits, nh), "alerts", alerts);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("%zu hit%s for \"%s\" against %zu listed records "
		       "(threshold %.2f)\n", nh, nh == 1 ? "" : "s", name,
		       loaded, so.threshold);
		for (size_t i = 0; i < nh; i++) {
			struct strbuf sb;
			strbuf_init(&sb, 8192);
			(void)match_explain_text(&hits[i].explain,
						 hits[i].score, &sb);
			printf("%.3f  %-24s %-8s %s\n       %s\n",
			       hits[i].score, hits[i].record_id, hits[i].list,
			       hits[i].matched_name, sb.buf);
			strbuf_release(&sb);
		}
		print_alerts(alerts);
	}
	ex = EX_OK;
	goto out;
fail:
	ex = cli_fail("screen", rc, &d);
out:
	json_decref(alerts);
	identity_free(me);
	screen_index_free(ix);
	match_ctx_free(mc);
	node_close(n);
	return ex;
}
