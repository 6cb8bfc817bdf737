/*
 * bench_screen.c - build a screening index and measure queries against it.
 *
 *   bench_screen --names FILE --queries FILE [--threads N] [--out FILE]
 *                [--build-threads N] [--repeat N]
 *   bench_screen --real DATA_DIR [--queries FILE] [--threads N] [--out FILE]
 *
 * names: CSV "id,name,kind" (kind person|org; rows with the same id are
 * one record with several names). queries: CSV "qid,name,expect_id"
 * (expect_id empty for a name that is not listed). With --real the UN and
 * OFAC lists under DATA_DIR/sanctions are indexed instead; without
 * --queries, every 4th listed name is screened against its own record.
 *
 * The build uses --build-threads threads (default: --threads; screen_put
 * prepares names outside the index lock). Queries run on one thread unless
 * --threads is given, then on that many, each over its share; latencies are per
 * query from clock_gettime. --repeat N runs the whole query set N times and
 * reports the fastest pass (results are the same every pass): this machine is a
 * shared VM, and the fastest pass is the one least disturbed by its neighbours.
 * stdout: one Markdown row in the layout bench/screen.sh
 * shares with the baselines; stderr: the detailed row (recall@1 too).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liaison/csv.h"
#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/ingest.h"
#include "liaison/match.h"
#include "liaison/screen.h"
#include "liaison/strbuf.h"

#define RECORD_NAMES_MAX 256

struct row {
	char *id, *name;
	enum match_kind kind;
};

struct rows {
	struct row *r;
	size_t n, cap;
};

struct query {
	char *qid, *name, *expect;
	/* results */
	double us, top_score;
	size_t n_hits;
	int rank; /* 1-based rank of expect among hits, 0 */
	char *top_id;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process: with the queries on one thread and the
 * build finished, the CPU seconds a pass took, which a neighbour taking
 * the core away does not inflate as it does the wall clock (it still
 * slows the caches). */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long vm_hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6)) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static char *dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p) {
		fprintf(stderr, "bench_screen: out of memory\n");
		exit(1);
	}
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static void rows_push(struct rows *rs, struct row r)
{
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 4096;
		struct row *nr = realloc(rs->r, ncap * sizeof(*nr));

		if (!nr) {
			fprintf(stderr, "bench_screen: out of memory\n");
			exit(1);
		}
		rs->r = nr;
		rs->cap = ncap;
	}
	rs->r[rs->n++] = r;
}

/* Read a CSV with a header and 3 columns; fn gets the three fields. */
static int read_csv3(const char *path,
		     void (*fn)(void *ctx, char *a, char *b, char *c),
		     void *ctx)
{
	struct csv_opts o = {.expect_fields = 3, .trim_header = true};
	struct csv_reader *r = NULL;
	struct diag d;
	char buf[512];
	bool header = true;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		perror(path);
		return -1;
	}
	rc = csv_open(f, path, &o, &r);
	if (rc)
		goto out;
	while ((rc = csv_next(r, &d)) == 1) {
		size_t la, lb, lc;
		const char *a = csv_field(r, 0, &la);
		const char *b = csv_field(r, 1, &lb);
		const char *c = csv_field(r, 2, &lc);

		if (header) {
			header = false;
			continue;
		}
		fn(ctx, dupn(a, la), dupn(b, lb), dupn(c, lc));
	}
	if (rc < 0)
		fprintf(stderr, "%s\n", diag_format(&d, buf, sizeof(buf)));
out:
	csv_close(r);
	fclose(f);
	return rc < 0 ? -1 : 0;
}

static void name_row(void *ctx, char *id, char *name, char *kind)
{
	struct row r = {id, name, MATCH_ANY};

	if (!strcmp(kind, "person"))
		r.kind = MATCH_PERSON;
	else if (!strcmp(kind, "org"))
		r.kind = MATCH_ORG;
	free(kind);
	rows_push(ctx, r);
}

struct queries {
	struct query *q;
	size_t n, cap;
};

static void query_row(void *ctx, char *qid, char *name, char *expect)
{
	struct queries *qs = ctx;

	if (qs->n == qs->cap) {
		size_t ncap = qs->cap ? qs->cap * 2 : 4096;
		struct query *nq = realloc(qs->q, ncap * sizeof(*nq));

		if (!nq) {
			fprintf(stderr, "bench_screen: out of memory\n");
			exit(1);
		}
		qs->q = nq;
		qs->cap = ncap;
	}
	memset(&qs->q[qs->n], 0, sizeof(qs->q[0]));
	qs->q[qs->n].qid = qid;
	qs->q[qs->n].name = name;
	if (expect[0]) {
		qs->q[qs->n].expect = expect;
	} else {
		free(expect);
	}
	qs->n++;
}

static int cmp_row_id(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	/* Keep file order within a record (stable by address). */
	return (x > y) - (x < y);
}

/* --- build from the names file -------------------------------------------- */

struct builder {
	struct screen_index *ix;
	struct rows *rs;
	size_t *starts; /* first row of each record */
	size_t n_rec;
	atomic_size_t next;
	atomic_size_t failed, names;
};

static void *build_main(void *v)
{
	struct builder *b = v;
	const char *names[RECORD_NAMES_MAX];
	struct match_ctx *mc;
	struct diag d;
	size_t i;

	if (match_ctx_new(&mc, &d)) {
		fprintf(stderr, "match_ctx_new: %s\n", d.msg);
		atomic_fetch_add(&b->failed, 1);
		return NULL;
	}
	while ((i = atomic_fetch_add(&b->next, 64)) < b->n_rec) {
		size_t end = i + 64 < b->n_rec ? i + 64 : b->n_rec;

		for (; i < end; i++) {
			const struct row *r = &b->rs->r[b->starts[i]];
			size_t n = b->starts[i + 1] - b->starts[i];
			struct screen_entry e = {
			    .record_id = r->id,
			    .list = "bench",
			    .schema = r->kind == MATCH_PERSON ? "Person"
							      : "Organization",
			    .kind = r->kind,
			    .names = names,
			};
			int rc;

			if (n > RECORD_NAMES_MAX)
				n = RECORD_NAMES_MAX;
			for (size_t k = 0; k < n; k++)
				names[k] = r[k].name;
			e.n_names = n;
			rc = screen_put(b->ix, mc, &e, &d);
			if (rc) {
				if (atomic_fetch_add(&b->failed, 1) < 5)
					fprintf(stderr, "put %s: %s (%s)\n",
						r->id, err_str(rc), d.msg);
			} else {
				atomic_fetch_add(&b->names, n);
			}
		}
	}
	match_ctx_free(mc);
	return NULL;
}

static int build_names(struct screen_index *ix, struct rows *rs,
		       unsigned threads)
{
	struct builder b = {.ix = ix, .rs = rs};
	pthread_t t[64];
	size_t nr = 0;

	qsort(rs->r, rs->n, sizeof(rs->r[0]), cmp_row_id);
	b.starts = malloc((rs->n + 1) * sizeof(*b.starts));
	if (!b.starts)
		return -1;
	for (size_t i = 0; i < rs->n; i++)
		if (!i || strcmp(rs->r[i - 1].id, rs->r[i].id))
			b.starts[nr++] = i;
	b.starts[nr] = rs->n;
	b.n_rec = nr;
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, build_main, &b);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	free(b.starts);
	if (b.failed)
		fprintf(stderr, "bench_screen: %zu records not indexed\n",
			(size_t)b.failed);
	return 0;
}

/* --- build from the real lists -------------------------------------------- */

struct real {
	struct screen_index *ix;
	struct match_ctx *mc;
	const char *list;
	struct rows *self; /* names to screen when no query file */
	size_t n;
};

static int real_put(void *ctx, const struct entity *e, struct diag *d)
{
	struct real *r = ctx;
	struct screen_entry_storage st;
	struct screen_entry se;
	int rc = screen_entry_from_entity(e, r->list, &se, &st);

	if (rc == LIA_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	rc = screen_put(r->ix, r->mc, &se, d);
	if (rc)
		return rc;
	for (size_t i = 0; i < se.n_names; i++)
		if (r->n++ % 4 == 0)
			rows_push(r->self,
				  (struct row){
				      dupn(se.record_id, strlen(se.record_id)),
				      dupn(se.names[i], strlen(se.names[i])),
				      se.kind});
	return 0;
}

static int build_real(struct screen_index *ix, const char *dir,
		      struct rows *self)
{
	char un[4096], sdn[4096], alt[4096], add[4096];
	struct real r = {.ix = ix, .self = self};
	struct ingest_sink sink = {.put = real_put, .ctx = &r};
	struct diag d;
	int rc;

	snprintf(un, sizeof(un), "%s/sanctions/UN_consolidated.xml", dir);
	snprintf(sdn, sizeof(sdn), "%s/sanctions/ofac_sdn.csv", dir);
	snprintf(alt, sizeof(alt), "%s/sanctions/ofac_alt.csv", dir);
	snprintf(add, sizeof(add), "%s/sanctions/ofac_add.csv", dir);
	if ((rc = match_ctx_new(&r.mc, &d)))
		goto fail;
	r.list = "un";
	if ((rc = ingest_un(un, &sink, &d)))
		goto fail;
	r.list = "ofac";
	rc = ingest_ofac(&(struct ofac_files){sdn, alt, add, NULL}, &sink, &d);
	if (rc)
		goto fail;
	match_ctx_free(r.mc);
	return 0;
fail:
	fprintf(stderr, "bench_screen: %s: %s\n", err_str(rc), d.msg);
	match_ctx_free(r.mc);
	return -1;
}

/* --- queries ----------------------------------------------------------------
 */

struct runner {
	struct screen_index *ix;
	struct query *q;
	size_t n;
	int failed;
};

static void *run_main(void *v)
{
	struct runner *r = v;
	struct screen_hit hits[10];
	struct match_ctx *mc;
	struct diag d;

	if (match_ctx_new(&mc, &d)) {
		r->failed++;
		return NULL;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct query *q = &r->q[i];
		struct screen_query sq = {.name = q->name};
		size_t n = 0;
		double t0 = now();
		int rc = screen_query(r->ix, mc, &sq, hits, 10, &n, &d);

		q->us = (now() - t0) * 1e6;
		if (rc) {
			/* Unusable names are answered "no hit" too. */
			n = 0;
			if (rc != LIA_EVALUE)
				r->failed++;
		}
		q->n_hits = n;
		q->rank = 0;
		for (size_t k = 0; k < n; k++)
			if (q->expect &&
			    !strcmp(hits[k].record_id, q->expect)) {
				q->rank = (int)k + 1;
				break;
			}
		free(q->top_id);
		q->top_id = NULL;
		q->top_score = 0;
		if (n) {
			q->top_score = hits[0].score;
			q->top_id =
			    dupn(hits[0].record_id, strlen(hits[0].record_id));
		}
	}
	match_ctx_free(mc);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void csv_put(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_screen --names FILE --queries FILE "
			"[--threads N] [--out FILE]\n"
			"                    [--build-threads N] [--repeat N]\n"
			"       bench_screen --real DATA_DIR [--queries FILE] "
			"[--threads N] [--out FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *names = NULL, *queries = NULL, *out = NULL, *real = NULL;
	struct rows rs = {0}, self = {0};
	struct queries qs = {0};
	struct screen_index *ix;
	struct screen_stats st;
	unsigned threads = 1, build_threads = 0, repeat = 1;
	struct runner run[64];
	pthread_t t[64];
	double t0, build_s, query_s = 0, query_cpu_s = 0, *lat, *best_lat;
	size_t listed = 0, r1 = 0, rany = 0, unlisted = 0, false_hits = 0;
	long hwm;
	int failed = 0;

	/* Options come in pairs: --name value. */
	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;

		if (!v)
			usage();
		if (!strcmp(argv[i], "--names"))
			names = v;
		else if (!strcmp(argv[i], "--queries"))
			queries = v;
		else if (!strcmp(argv[i], "--out"))
			out = v;
		else if (!strcmp(argv[i], "--real"))
			real = v;
		else if (!strcmp(argv[i], "--threads") &&
			 !str_to_u64(v, strlen(v), &u) && u >= 1 && u <= 64)
			threads = (unsigned)u;
		else if (!strcmp(argv[i], "--repeat") &&
			 !str_to_u64(v, strlen(v), &u) && u >= 1 && u <= 100)
			repeat = (unsigned)u;
		else if (!strcmp(argv[i], "--build-threads") &&
			 !str_to_u64(v, strlen(v), &u) && u >= 1 && u <= 64)
			build_threads = (unsigned)u;
		else
			usage();
	}
	if (!names == !real || (names && !queries))
		usage();
	if (!build_threads)
		build_threads = threads;

	if (names && read_csv3(names, name_row, &rs))
		return 1;
	if (queries && read_csv3(queries, query_row, &qs))
		return 1;
	if (screen_index_new(&ix))
		return 1;

	t0 = now();
	if (names ? build_names(ix, &rs, build_threads)
		  : build_real(ix, real, &self))
		return 1;
	build_s = now() - t0;
	hwm = vm_hwm_kb();
	screen_stats(ix, &st);
	if (!queries)
		for (size_t i = 0; i < self.n; i++)
			query_row(&qs, dupn(self.r[i].id, strlen(self.r[i].id)),
				  self.r[i].name, self.r[i].id);

	fprintf(stderr,
		"built: %zu records, %zu names, %zu keys, %.1f MB "
		"index, %.2f s, VmHWM %.1f MB\n",
		st.records, st.names, st.keys, (double)st.bytes / 1e6, build_s,
		(double)hwm / 1024.0);

	lat = malloc((qs.n ? qs.n : 1) * sizeof(*lat));
	best_lat = malloc((qs.n ? qs.n : 1) * sizeof(*best_lat));
	if (!lat || !best_lat)
		return 1;
	/* Queries: each thread its contiguous share; the fastest pass. */
	for (unsigned pass = 0; pass < repeat; pass++) {
		double s, c0 = cpu_now(), cs;

		failed = 0;
		t0 = now();
		for (unsigned i = 0; i < threads; i++) {
			size_t a = qs.n * i / threads,
			       b = qs.n * (i + 1) / threads;

			run[i] = (struct runner){ix, qs.q + a, b - a, 0};
			pthread_create(&t[i], NULL, run_main, &run[i]);
		}
		for (unsigned i = 0; i < threads; i++) {
			pthread_join(t[i], NULL);
			failed += run[i].failed;
		}
		s = now() - t0;
		cs = cpu_now() - c0;
		if (pass == 0 || cs < query_cpu_s)
			query_cpu_s = cs;
		if (pass == 0 || s < query_s) {
			query_s = s;
			for (size_t i = 0; i < qs.n; i++)
				best_lat[i] = qs.q[i].us;
		}
	}

	for (size_t i = 0; i < qs.n; i++) {
		const struct query *q = &qs.q[i];

		lat[i] = best_lat[i];
		if (q->expect) {
			listed++;
			r1 += q->rank == 1;
			rany += q->rank > 0;
		} else {
			unlisted++;
			false_hits += q->n_hits > 0;
		}
	}
	qsort(lat, qs.n, sizeof(*lat), cmp_double);

	if (out) {
		FILE *f = fopen(out, "w");

		if (!f) {
			perror(out);
			return 1;
		}
		fprintf(f, "qid,expect_id,n_hits,top_id,top_score,rank,us\n");
		for (size_t i = 0; i < qs.n; i++) {
			const struct query *q = &qs.q[i];

			csv_put(f, q->qid);
			fputc(',', f);
			csv_put(f, q->expect);
			fprintf(f, ",%zu,", q->n_hits);
			csv_put(f, q->top_id);
			fprintf(f, ",%.4f,%d,%.1f\n", q->top_score, q->rank,
				q->us);
		}
		fclose(f);
	}

	/* The row layout bench/screen.sh shares with the baselines; recall
	 * there is "expect_id among the hits". */
	printf("| system | names | queries/s (one core) | p50 | p99 | recall | "
	       "false-hit rate | build time | RSS |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	printf("| liaison | %zu | %.0f | %.0f µs | %.0f µs | %.4f | %.4f | "
	       "%.1f s | %.0f MB |\n",
	       st.names, (double)qs.n / query_s, qs.n ? lat[qs.n / 2] : 0.0,
	       qs.n ? lat[(size_t)((double)qs.n * 0.99)] : 0.0,
	       listed ? (double)rany / (double)listed : 0.0,
	       unlisted ? (double)false_hits / (double)unlisted : 0.0, build_s,
	       (double)hwm / 1024.0);
	/* The details on stderr, so the driver's table keeps one layout. */
	fprintf(stderr,
		"| index | records | names | build s | names/s | "
		"VmHWM MB | index MB | threads | queries | q/s | p50 µs | "
		"p99 µs | max µs | recall@1 | recall@any | false-hit rate |\n");
	fprintf(stderr, "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
			"---|---|---|\n");
	fprintf(stderr,
		"| %s | %zu | %zu | %.2f | %.0f | %.0f | %.0f | %u | %zu | "
		"%.0f | %.0f | %.0f | %.0f | %.4f | %.4f | %.4f |\n",
		real ? "real UN+OFAC" : names, st.records, st.names, build_s,
		(double)st.names / build_s, (double)hwm / 1024.0,
		(double)st.bytes / 1e6, threads, qs.n, (double)qs.n / query_s,
		qs.n ? lat[qs.n / 2] : 0.0,
		qs.n ? lat[(size_t)((double)qs.n * 0.99)] : 0.0,
		qs.n ? lat[qs.n - 1] : 0.0,
		listed ? (double)r1 / (double)listed : 0.0,
		listed ? (double)rany / (double)listed : 0.0,
		unlisted ? (double)false_hits / (double)unlisted : 0.0);
	fprintf(stderr, "listed queries %zu, not listed %zu, errors %d\n",
		listed, unlisted, failed);
	fprintf(stderr, "cpu: %.0f queries per CPU second (fastest pass)\n",
		query_cpu_s > 0 ? (double)qs.n / query_cpu_s : 0.0);
	screen_index_free(ix);
	return failed ? 1 : 0;
}
