/*
 * import.c - run an importer into the store as one transaction.
 *
 * The importer streams entities into a sink; the sink puts them into the
 * open store transaction with the import's marking. Any error, from the
 * parser or the store, aborts the transaction so the store is unchanged.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "liaison/identity.h"
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

/*
 * Imports use both cores: the importer runs in a second thread and turns
 * each entity into a prepared record (parse, validate, canonical JSON,
 * hash, index fields: store_prepare), while the calling thread writes the
 * prepared records into the open transaction (store_put_prepared). They
 * hand over batches through a small bounded queue, so memory stays flat
 * however large the file is.
 */
#define PIPE_BATCH 256
#define PIPE_BATCHES 8

struct batch {
	struct store_prep *p[PIPE_BATCH];
	size_t n;
};

/* A marking parsed from an FtM line. Prepared records borrow it, so it
 * lives until the import ends. */
struct line_mark {
	struct marking m;
	json_t *json;
	struct line_mark *next;
};

struct sink_ctx {
	struct node *node;
	struct store_prepper *pp;
	const struct marking *marking;  /* the import's marking */
	struct line_mark *marks;        /* every line marking seen, newest first */
	const struct marking *line_marking; /* the current line's, or NULL */
	bool progress;
	uint64_t total_bytes, last_bytes;
	uint64_t records;
	time_t last_draw;
	const char *label;
	struct node_import *imp;

	/* The queue between the two threads. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch batches[PIPE_BATCHES];
	struct batch *free_q[PIPE_BATCHES], *full_q[PIPE_BATCHES];
	size_t n_free, full_head, n_full;
	struct batch *cur;              /* producer's batch being filled */
	bool producer_done;
	bool writer_failed;             /* the producer must stop */
	int producer_rc;
	struct diag producer_diag;
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
	struct line_mark *lm;
	int rc;

	/* Exports repeat the same few markings on many lines. */
	for (lm = c->marks; lm; lm = lm->next) {
		if (json_equal(lm->json, (json_t *)mj)) {
			c->line_marking = &lm->m;
			return 0;
		}
	}
	lm = calloc(1, sizeof(*lm));
	if (!lm)
		return LIA_ENOMEM;
	rc = marking_from_json(mj, &c->node->cfg.ladder, &lm->m, d);
	if (rc) {
		free(lm);
		diag_prefix(d, "marking: ");
		return rc;
	}
	lm->json = json_deep_copy(mj);
	if (!lm->json) {
		marking_free(&lm->m);
		free(lm);
		return LIA_ENOMEM;
	}
	lm->next = c->marks;
	c->marks = lm;
	c->line_marking = &lm->m;
	return 0;
}

/* Producer: hand the filled batch over and take an empty one. Returns
 * false when the writer has failed and the import must stop. */
static bool pipe_swap(struct sink_ctx *c, bool last)
{
	bool ok;

	pthread_mutex_lock(&c->mu);
	if (c->cur && c->cur->n) {
		c->full_q[(c->full_head + c->n_full) % PIPE_BATCHES] = c->cur;
		c->n_full++;
		c->cur = NULL;
		pthread_cond_broadcast(&c->cv);
	}
	if (!last) {
		while (!c->n_free && !c->writer_failed)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->cur && c->n_free)
			c->cur = c->free_q[--c->n_free];
	}
	ok = !c->writer_failed;
	pthread_mutex_unlock(&c->mu);
	return ok;
}

static int sink_put(void *ctx, const struct entity *e, struct diag *d)
{
	struct sink_ctx *c = ctx;
	const struct marking *m = c->line_marking ? c->line_marking : c->marking;
	struct store_prep **slot;
	int rc;

	/* A line's marking applies to that line only. */
	c->line_marking = NULL;
	if (!c->cur && !pipe_swap(c, false))
		goto stopped;
	slot = &c->cur->p[c->cur->n];
	rc = store_prepare(c->pp, e, m, slot, d);
	if (rc) {
		diag_prefix(d, "%s: ", entity_id(e));
		return rc;
	}
	c->cur->n++;
	c->records++;
	if (c->cur->n == PIPE_BATCH && !pipe_swap(c, false))
		goto stopped;
	return 0;
stopped:
	diag_set(d, "import stopped: the store failed");
	return LIA_ESTORE;
}

struct producer_job {
	struct sink_ctx *c;
	enum node_format fmt;
	const struct node_import *imp;
	const struct csv_mapping *map;
	FILE *f;
	const struct ingest_sink *sink;
};

static int ofac_assign(const struct node_import *imp, struct ofac_files *of,
		       struct diag *d);

static void *producer_main(void *arg)
{
	struct producer_job *j = arg;
	struct sink_ctx *c = j->c;
	struct diag *d = &c->producer_diag;
	int rc;

	switch (j->fmt) {
	case FMT_FTM:
		rc = ingest_ftm(j->f, j->imp->files[0], j->sink, d);
		break;
	case FMT_INTERPOL:
		rc = ingest_interpol(j->f, j->imp->files[0], j->sink, d);
		break;
	case FMT_CSV:
		rc = ingest_csv(j->f, j->imp->files[0], j->map, j->sink, d);
		break;
	case FMT_UN:
		rc = ingest_un(j->imp->files[0], j->sink, d);
		break;
	case FMT_OFAC: {
		struct ofac_files of;
		if (!(rc = ofac_assign(j->imp, &of, d)))
			rc = ingest_ofac(&of, j->sink, d);
		break;
	}
	default:
		rc = LIA_EINVAL;
	}
	if (!rc)
		(void)pipe_swap(c, true);
	pthread_mutex_lock(&c->mu);
	c->producer_rc = rc;
	c->producer_done = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Writer: store every batch the producer hands over, until it is done.
 * Returns the first store error (the producer is told to stop). */
static int pipe_write(struct sink_ctx *c, struct diag *d)
{
	int rc = 0;

	for (;;) {
		struct batch *b;

		pthread_mutex_lock(&c->mu);
		while (!c->n_full && !c->producer_done)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->n_full) {
			pthread_mutex_unlock(&c->mu);
			return rc;
		}
		b = c->full_q[c->full_head];
		c->full_head = (c->full_head + 1) % PIPE_BATCHES;
		c->n_full--;
		pthread_mutex_unlock(&c->mu);

		for (size_t i = 0; i < b->n && !rc; i++) {
			rc = store_put_prepared(c->node->store, b->p[i], NULL,
						d);
		}
		b->n = 0;
		pthread_mutex_lock(&c->mu);
		c->free_q[c->n_free++] = b;
		if (rc)
			c->writer_failed = true;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
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
	char list_src[sizeof(NODE_LIST_PREFIX) + NODE_LIST_NAME_MAX];
	struct csv_mapping *map = NULL;
	struct marking mk;
	struct strbuf names;
	enum node_format fmt = imp->format;
	char hex[65] = "";
	int64_t import_id;
	bool begun = false, have_mk = false, sync_init = false;
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
	c.imp = imp;
	imp->warnings = 0;
	sink.put = sink_put;
	sink.progress = sink_progress;
	sink.marking = fmt == FMT_FTM ? sink_marking : NULL;
	sink.warn = sink_warn;
	sink.ctx = &c;
	if ((rc = store_prepper_new(n->store, &c.pp)))
		goto out;
	for (size_t i = 0; i < PIPE_BATCHES; i++)
		c.free_q[c.n_free++] = &c.batches[i];

	if (fmt == FMT_FTM || fmt == FMT_INTERPOL || fmt == FMT_CSV) {
		if ((rc = open_input(imp->files[0], &f, d)))
			goto out;
	}
	si.format = node_format_name(fmt);
	if (imp->list) {
		/* Checked here, not only by the CLI: the name becomes part
		 * of every record's source and of every hit. */
		if (!node_list_name_ok(imp->list)) {
			diag_set(d, "--list: \"%s\" is not a list name "
				    "(a-z, 0-9, '-', '_', at most %d, not a "
				    "built-in list or format)",
				 imp->list, NODE_LIST_NAME_MAX);
			rc = LIA_EINVAL;
			goto out;
		}
		snprintf(list_src, sizeof(list_src), "%s%s", NODE_LIST_PREFIX,
			 imp->list);
		si.format = list_src;
	}
	si.files = names.buf;
	si.sha256 = hex;
	si.actor = imp->actor;
	if ((rc = store_import_begin(n->store, &si, &import_id, d)))
		goto out;
	begun = true;

	{
		struct producer_job job = {
			.c = &c, .fmt = fmt, .imp = imp, .map = map, .f = f,
			.sink = &sink,
		};
		pthread_t th;
		int wrc;

		pthread_mutex_init(&c.mu, NULL);
		pthread_cond_init(&c.cv, NULL);
		sync_init = true;
		if (pthread_create(&th, NULL, producer_main, &job)) {
			diag_set(d, "cannot start the import thread");
			rc = LIA_ENOMEM;
			goto out;
		}
		wrc = pipe_write(&c, d);
		pthread_join(th, NULL);
		/* The first failure is the one to report: a store error makes
		 * the producer stop with a consequential error of its own. */
		if (wrc) {
			rc = wrc;
		} else if (c.producer_rc) {
			rc = c.producer_rc;
			*d = c.producer_diag;
		}
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
	while (c.marks) {
		struct line_mark *lm = c.marks;
		c.marks = lm->next;
		marking_free(&lm->m);
		json_decref(lm->json);
		free(lm);
	}
	for (size_t i = 0; i < PIPE_BATCHES; i++)
		for (size_t k = 0; k < PIPE_BATCH; k++)
			store_prep_free(c.batches[i].p[k]);
	store_prepper_free(c.pp);
	if (sync_init) {
		pthread_mutex_destroy(&c.mu);
		pthread_cond_destroy(&c.cv);
	}
	if (have_mk)
		marking_free(&mk);
	csv_mapping_free(map);
	strbuf_release(&names);
	return rc;
}

/* Imported people and objects are screened against the alerts partners
 * sent; hits are reported to the issuers. The import itself is already
 * committed: a failure here is the caller's to report. */
int node_import_alerts(struct node *n, size_t *sent, struct diag *d)
{
	if (!n || !sent)
		return LIA_EINVAL;
	/* The identity is loaded there, only when an alert is active. */
	return node_alert_screen_import(n, NULL, sent, d);
}
