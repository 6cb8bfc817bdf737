/*
 * import.c - run an importer into the store as one transaction.
 *
 * The importer streams entities into a sink; the sink puts them into the
 * open store transaction with the import's marking. Any error, from the
 * parser or the store, aborts the transaction so the store is unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "liaison/ingest.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"

static const char *const format_names[] = {
	[FMT_AUTO] = "auto", [FMT_FTM] = "ftm", [FMT_UN] = "un",
	[FMT_OFAC] = "ofac", [FMT_INTERPOL] = "interpol", [FMT_CSV] = "csv",
};

int node_format_parse(const char *s, enum node_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(*format_names);
	     i++) {
		if (!strcasecmp(s, format_names[i])) {
			*out = (enum node_format)i;
			return 0;
		}
	}
	return LIA_EINVAL;
}

const char *node_format_name(enum node_format f)
{
	return (unsigned)f <= FMT_CSV ? format_names[f] : "?";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

enum node_format node_format_guess(const char *const *files, size_t n_files,
				   const char *mapping)
{
	const char *f = n_files ? files[0] : "";
	const char *base = strrchr(f, '/');

	base = base ? base + 1 : f;
	if (mapping)
		return FMT_CSV;
	if (ends_with(f, ".ijson") || ends_with(f, ".jsonl") ||
	    ends_with(f, ".ndjson") || ends_with(f, ".ftm.json"))
		return FMT_FTM;
	if (ends_with(f, ".xml"))
		return FMT_UN;
	if (ends_with(f, ".csv") && strstr(base, "sdn"))
		return FMT_OFAC;
	if (ends_with(f, ".json"))
		return FMT_INTERPOL;
	return FMT_AUTO;
}

int node_import_marking(const struct node *n, enum node_format f,
			struct marking *out)
{
	struct marking m;
	int rc = marking_copy(&m, &n->cfg.defaults);

	if (rc)
		return rc;
	if (f == FMT_UN || f == FMT_OFAC || f == FMT_INTERPOL) {
		/* Published lists: anyone may know them. */
		(void)str_copy(m.classification, sizeof(m.classification),
			       n->cfg.ladder.level[0]);
		m.handling = 0;
		m.tlp = TLP_CLEAR;
		free(m.conditions);
		m.conditions = NULL;
	}
	*out = m;
	return 0;
}

struct sink_ctx {
	struct node *node;
	const struct marking *marking;  /* the import's marking */
	struct marking line_marking;    /* FtM: last line marking parsed */
	json_t *line_marking_json;      /* its JSON, to skip re-parsing */
	bool have_line_marking;         /* line_marking holds a marking */
	bool line_marked;               /* the current line carried one */
	bool progress;
	uint64_t total_bytes, base_bytes, last_bytes;
	uint64_t records;
	time_t last_draw;
	const char *label;
	struct node_import *imp;
};

static void draw_progress(struct sink_ctx *c, uint64_t bytes, bool final)
{
	time_t now = time(NULL);
	unsigned pct;

	if (!c->progress)
		return;
	if (!final && now == c->last_draw)
		return;
	c->last_draw = now;
	bytes += c->base_bytes;
	pct = c->total_bytes ? (unsigned)(bytes * 100 / c->total_bytes) : 0;
	if (pct > 100)
		pct = 100;
	fprintf(stderr, "\r%-24.24s [%-30.*s] %3u%% %llu records", c->label,
		(int)(pct * 30 / 100), "##############################", pct,
		(unsigned long long)c->records);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static void sink_progress(void *ctx, uint64_t bytes)
{
	struct sink_ctx *c = ctx;

	c->last_bytes = bytes;
	draw_progress(c, bytes, false);
}

static void sink_warn(void *ctx, const struct diag *w)
{
	struct sink_ctx *c = ctx;

	c->imp->warnings++;
	if (c->imp->warn) {
		/* Keep the progress line from swallowing the warning. */
		if (c->progress)
			fputc('\n', stderr);
		c->imp->warn(c->imp->warn_ctx, w);
	}
}

static int sink_marking(void *ctx, const json_t *mj, struct diag *d)
{
	struct sink_ctx *c = ctx;
	struct marking m;
	int rc;

	/* Exports repeat the same marking on many lines; parse it once. */
	if (c->have_line_marking && c->line_marking_json &&
	    json_equal(c->line_marking_json, (json_t *)mj)) {
		c->line_marked = true;
		return 0;
	}
	rc = marking_from_json(mj, &c->node->cfg.ladder, &m, d);
	if (rc) {
		diag_prefix(d, "marking: ");
		return rc;
	}
	if (c->have_line_marking)
		marking_free(&c->line_marking);
	c->line_marking = m;
	c->have_line_marking = true;
	json_decref(c->line_marking_json);
	c->line_marking_json = json_deep_copy(mj);
	c->line_marked = true;
	return 0;
}

static int sink_put(void *ctx, const struct entity *e, struct diag *d)
{
	struct sink_ctx *c = ctx;
	const struct marking *m = c->marking;
	int rc;

	if (c->line_marked)
		m = &c->line_marking;
	/* A line's marking applies to that line only. */
	c->line_marked = false;
	rc = store_put(c->node->store, e, m, NULL, d);
	if (rc) {
		diag_prefix(d, "%s: ", entity_id(e));
		return rc;
	}
	c->records++;
	return 0;
}

/* SHA-256 over all input files, for the provenance record. */
static int hash_files(const char *const *files, size_t n, char hex[65],
		      uint64_t *total, struct diag *d)
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], out[32];
	uint64_t sum = 0;

	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++) {
		FILE *f;
		size_t k;

		if (!strcmp(files[i], "-"))
			continue;
		f = fopen(files[i], "rb");
		if (!f) {
			int e = errno;
			diag_set(d, "%s: %s", files[i], strerror(e));
			return e == ENOENT ? LIA_ENOTFOUND : LIA_EIO;
		}
		while ((k = fread(buf, 1, sizeof(buf), f)) > 0) {
			crypto_hash_sha256_update(&st, buf, k);
			sum += k;
		}
		if (ferror(f)) {
			diag_set(d, "%s: read error", files[i]);
			fclose(f);
			return LIA_EIO;
		}
		fclose(f);
	}
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
	*total = sum;
	return 0;
}

static int open_input(const char *path, FILE **out, struct diag *d)
{
	struct stat sb;
	FILE *f;

	if (!strcmp(path, "-")) {
		*out = stdin;
		return 0;
	}
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		diag_set(d, "%s: is a directory", path);
		return LIA_EINVAL;
	}
	f = fopen(path, "rb");
	if (!f) {
		diag_set(d, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? LIA_ENOTFOUND : LIA_EIO;
	}
	*out = f;
	return 0;
}

static void close_input(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

/* OFAC files are told apart by name: sdn, alt, add, comments. */
static int ofac_assign(const struct node_import *imp, struct ofac_files *of,
		       struct diag *d)
{
	memset(of, 0, sizeof(*of));
	for (size_t i = 0; i < imp->n_files; i++) {
		const char *p = imp->files[i], *b = strrchr(p, '/');
		const char **slot;

		b = b ? b + 1 : p;
		if (strstr(b, "comments"))
			slot = &of->comments;
		else if (strstr(b, "alt"))
			slot = &of->alt;
		else if (strstr(b, "add"))
			slot = &of->add;
		else if (strstr(b, "sdn"))
			slot = &of->sdn;
		else {
			diag_set(d, "%s: cannot tell which OFAC file this is "
				    "(name must contain sdn, alt, add or "
				    "comments)", p);
			return LIA_EINVAL;
		}
		if (*slot) {
			diag_set(d, "%s: two OFAC %s files given", p,
				 slot == &of->sdn ? "sdn" :
				 slot == &of->alt ? "alt" :
				 slot == &of->add ? "add" : "comments");
			return LIA_EINVAL;
		}
		*slot = p;
	}
	if (!of->sdn) {
		diag_set(d, "OFAC import needs the sdn file");
		return LIA_EINVAL;
	}
	return 0;
}

int node_import(struct node *n, struct node_import *imp,
		struct store_counts *counts, struct diag *d)
{
	struct sink_ctx c;
	struct ingest_sink sink = {0};
	struct store_import si = {0};
	struct csv_mapping *map = NULL;
	struct marking mk;
	struct strbuf names;
	enum node_format fmt = imp->format;
	char hex[65] = "";
	int64_t import_id;
	bool begun = false, have_mk = false;
	FILE *f = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	strbuf_init(&names, 4096);
	if (!imp->n_files) {
		diag_set(d, "no input files");
		rc = LIA_EINVAL;
		goto out;
	}
	if (fmt == FMT_AUTO)
		fmt = node_format_guess(imp->files, imp->n_files, imp->mapping);
	if (fmt == FMT_AUTO) {
		diag_set(d, "%s: cannot tell the format; use --format "
			    "ftm|un|ofac|interpol|csv", imp->files[0]);
		rc = LIA_EINVAL;
		goto out;
	}
	if (fmt != FMT_OFAC && imp->n_files != 1) {
		diag_set(d, "the %s format takes one file per import",
			 node_format_name(fmt));
		rc = LIA_EINVAL;
		goto out;
	}
	if (fmt == FMT_CSV) {
		if (!imp->mapping) {
			diag_set(d, "a CSV import needs --mapping FILE");
			rc = LIA_EINVAL;
			goto out;
		}
		if ((rc = csv_mapping_load(imp->mapping, &map, d)))
			goto out;
	}
	if (imp->marking) {
		rc = marking_copy(&mk, imp->marking);
	} else {
		rc = node_import_marking(n, fmt, &mk);
		if (!rc && map && csv_mapping_marking(map)) {
			struct marking mm;
			rc = marking_from_json(csv_mapping_marking(map),
					       &n->cfg.ladder, &mm, d);
			if (rc)
				diag_prefix(d, "%s: marking: ", imp->mapping);
			else {
				marking_free(&mk);
				mk = mm;
			}
		}
	}
	if (rc)
		goto out;
	have_mk = true;
	if ((rc = marking_validate(&mk, &n->cfg.ladder, d))) {
		diag_prefix(d, "marking: ");
		goto out;
	}

	for (size_t i = 0; i < imp->n_files; i++)
		if ((rc = strbuf_addf(&names, "%s%s", i ? " " : "",
				      imp->files[i])))
			goto out;
	if ((rc = hash_files(imp->files, imp->n_files, hex, &c.total_bytes, d)))
		goto out;

	c.node = n;
	c.marking = &mk;
	c.progress = imp->progress;
	c.label = imp->files[0];
	sink.put = sink_put;
	sink.progress = sink_progress;
	sink.marking = fmt == FMT_FTM ? sink_marking : NULL;
	sink.warn = sink_warn;
	c.imp = imp;
	imp->warnings = 0;
	sink.ctx = &c;

	si.format = node_format_name(fmt);
	si.files = names.buf;
	si.sha256 = hex;
	si.actor = imp->actor;
	if ((rc = store_import_begin(n->store, &si, &import_id, d)))
		goto out;
	begun = true;

	switch (fmt) {
	case FMT_FTM:
		if (!(rc = open_input(imp->files[0], &f, d)))
			rc = ingest_ftm(f, imp->files[0], &sink, d);
		break;
	case FMT_INTERPOL:
		if (!(rc = open_input(imp->files[0], &f, d)))
			rc = ingest_interpol(f, imp->files[0], &sink, d);
		break;
	case FMT_CSV:
		if (!(rc = open_input(imp->files[0], &f, d)))
			rc = ingest_csv(f, imp->files[0], map, &sink, d);
		break;
	case FMT_UN:
		rc = ingest_un(imp->files[0], &sink, d);
		break;
	case FMT_OFAC: {
		struct ofac_files of;
		if (!(rc = ofac_assign(imp, &of, d)))
			rc = ingest_ofac(&of, &sink, d);
		break;
	}
	default:
		rc = LIA_EINVAL;
	}
	if (rc)
		goto out;
	rc = store_import_commit(n->store, counts, d);
	begun = false;
	draw_progress(&c, c.last_bytes, true);
out:
	if (begun)
		store_import_abort(n->store);
	if (rc && c.progress)
		fputc('\n', stderr);
	close_input(f);
	if (c.have_line_marking)
		marking_free(&c.line_marking);
	json_decref(c.line_marking_json);
	if (have_mk)
		marking_free(&mk);
	csv_mapping_free(map);
	strbuf_release(&names);
	return rc;
}
