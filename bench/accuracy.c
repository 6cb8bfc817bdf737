/*
 * accuracy.c - precision, recall and F1 of match_score() over labelled
 * pairs (CSV from bench/devsets.py: category,label,name1,name2,schema,
 * dob1,dob2), per category and overall, with score histograms, the
 * threshold that maximises overall F1, and match_score() throughput.
 *
 * Usage: accuracy PAIRS.csv [THRESHOLD] [-v] [--dump FILE]
 *   -v lists the errors; --dump writes every pair's score, one a line
 *   (to check that a speed-up left every score as it was).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liaison/csv.h"
#include "liaison/match.h"

#define CATS_MAX 16
#define PAIRS_MAX 200000

struct pair {
	int cat;
	int label;
	struct match_name *a, *b;
	struct match_extra ea, eb;
	char *dob1, *dob2;
	char *group; /* "" or the decision this row is one candidate of */
	bool skip;   /* not the best row of its group */
	double score;
};

static char cats[CATS_MAX][32];
static int n_cats;

static int cat_id(const char *s)
{
	for (int i = 0; i < n_cats; i++) {
		if (!strcmp(cats[i], s))
			return i;
	}
	if (n_cats == CATS_MAX || str_copy(cats[n_cats], 32, s))
		return -1;
	return n_cats++;
}

struct prf {
	long tp, fp, fn, tn;
};

/* cat: one category; -1 all; -2 all but "alias_unrelated". */
static void count(const struct pair *p, size_t n, int cat, double th,
		  struct prf *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		bool hit = p[i].score >= th;

		if (p[i].skip)
			continue;
		if (cat >= 0 && p[i].cat != cat)
			continue;
		if (cat == -2 && !strcmp(cats[p[i].cat], "alias_unrelated"))
			continue;
		if (p[i].label)
			hit ? r->tp++ : r->fn++;
		else
			hit ? r->fp++ : r->tn++;
	}
}

static double f1_of(const struct prf *r, double *prec, double *rec)
{
	double p = r->tp + r->fp ? (double)r->tp / (double)(r->tp + r->fp) : 1;
	double q = r->tp + r->fn ? (double)r->tp / (double)(r->tp + r->fn) : 1;

	if (prec)
		*prec = p;
	if (rec)
		*rec = q;
	return p + q > 0 ? 2 * p * q / (p + q) : 0;
}

static void print_row(const char *name, const struct prf *r)
{
	double p, q, f = f1_of(r, &p, &q);

	printf("%-17s %6ld %6ld %7.3f %7.3f %7.3f   tp=%ld fp=%ld fn=%ld\n",
	       name, r->tp + r->fn, r->fp + r->tn, p, q, f, r->tp, r->fp,
	       r->fn);
}

static char *dup_field(struct csv_reader *r, size_t i)
{
	size_t len;
	const char *s = csv_field(r, i, &len);
	char *o = malloc(len + 1);

	if (!o)
		return NULL;
	memcpy(o, s, len);
	o[len] = '\0';
	return o;
}

int main(int argc, char **argv)
{
	struct match_ctx *mc = NULL;
	struct csv_reader *rd = NULL;
	struct pair *p = calloc(PAIRS_MAX, sizeof(*p));
	struct diag d;
	double th = MATCH_THRESHOLD_DEFAULT, best_th = 0, best_f = -1;
	bool verbose = false;
	const char *dump = NULL;
	size_t n = 0, skipped = 0;
	FILE *f;
	int rc;

	if (argc < 2 || !p) {
		fprintf(stderr, "usage: accuracy PAIRS.csv [THRESHOLD] [-v]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
			dump = argv[++i];
		else
			th = strtod(argv[i], NULL);
	}
	f = fopen(argv[1], "rb");
	if (!f || csv_open(f, argv[1], NULL, &rd) ||
	    match_ctx_new(&mc, &d)) {
		perror(argv[1]);
		return 1;
	}
	csv_next(rd, &d); /* header */
	while ((rc = csv_next(rd, &d)) == 1 && n < PAIRS_MAX) {
		struct pair *x = &p[n];
		char *cat, *lab, *n1, *n2, *sch;
		enum match_kind k;

		if (csv_count(rd) < 7)
			continue;
		cat = dup_field(rd, 0);
		lab = dup_field(rd, 1);
		n1 = dup_field(rd, 2);
		n2 = dup_field(rd, 3);
		sch = dup_field(rd, 4);
		x->dob1 = dup_field(rd, 5);
		x->dob2 = dup_field(rd, 6);
		x->group = csv_count(rd) > 7 ? dup_field(rd, 7) : strdup("");
		k = !strcmp(sch, "Person") ? MATCH_PERSON :
		    !strcmp(sch, "Organization") ? MATCH_ORG : MATCH_ANY;
		x->cat = cat_id(cat);
		x->label = lab[0] == '1';
		if (x->cat < 0 ||
		    match_prepare(mc, n1, strlen(n1), k, &x->a, &d) ||
		    match_prepare(mc, n2, strlen(n2), k, &x->b, &d)) {
			match_name_free(x->a);
			free(x->dob1);
			free(x->dob2);
			free(x->group);
			memset(x, 0, sizeof(*x));
			skipped++;
		} else {
			if (x->dob1[0]) {
				x->ea.dob[0] = x->dob1;
				x->ea.n_dob = 1;
			}
			if (x->dob2[0]) {
				x->eb.dob[0] = x->dob2;
				x->eb.n_dob = 1;
			}
			n++;
		}
		free(cat);
		free(lab);
		free(n1);
		free(n2);
		free(sch);
	}
	for (size_t i = 0; i < n; i++)
		p[i].score = match_score(p[i].a, &p[i].ea, p[i].b, &p[i].eb,
					 NULL);
	/* A group (devsets.py --entries: one alias against every name of an
	 * entry) is one decision, decided by its best row, as screening
	 * decides on a record by its best-matching name. */
	for (size_t i = 0; i < n;) {
		size_t j = i + 1, best = i;

		while (p[i].group[0] && j < n && !strcmp(p[j].group, p[i].group))
			j++;
		for (size_t k = i; k < j; k++) {
			if (p[k].score > p[best].score)
				best = k;
			p[k].skip = true;
		}
		p[best].skip = false;
		i = j;
	}
	for (size_t i = 0; i < n; i++) {
		struct match_explain ex;
		struct strbuf sb;

		if (p[i].skip)
			continue;
		(void)match_score(p[i].a, &p[i].ea, p[i].b, &p[i].eb, &ex);
		if (verbose && (p[i].score >= th) != (p[i].label == 1)) {
			strbuf_init(&sb, 4096);
			match_explain_text(&ex, p[i].score, &sb);
			printf("%s %s: %s | %s -> %s\n", cats[p[i].cat],
			       p[i].label ? "MISS" : "FALSE", p[i].a->original,
			       p[i].b->original, sb.buf);
			strbuf_release(&sb);
		}
	}
	if (dump) {
		FILE *df = fopen(dump, "w");

		if (!df) {
			perror(dump);
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			if (!p[i].skip)
				fprintf(df, "%s,%d,%.9f,%s,%s\n", cats[p[i].cat],
				p[i].label, p[i].score, p[i].a->original,
				p[i].b->original);
		fclose(df);
	}
	printf("pairs: %zu (unusable names skipped: %zu), threshold %.2f\n\n",
	       n, skipped, th);
	printf("%-17s %6s %6s %7s %7s %7s\n", "category", "pos", "neg",
	       "P", "R", "F1");
	for (int c = 0; c < n_cats; c++) {
		struct prf r;

		count(p, n, c, th, &r);
		print_row(cats[c], &r);
	}
	{
		struct prf r;

		count(p, n, -1, th, &r);
		print_row("overall", &r);
		count(p, n, -2, th, &r);
		print_row("overall w/o unrel", &r);
	}
	printf("\nscore histogram (positives / negatives)\n");
	for (int b = 0; b < 10; b++) {
		long pos = 0, neg = 0;

		for (size_t i = 0; i < n; i++) {
			int k = (int)(p[i].score * 10);

			if (p[i].skip)
				continue;
			if ((k > 9 ? 9 : k) != b)
				continue;
			p[i].label ? pos++ : neg++;
		}
		printf("  [%.1f,%.1f%c %6ld %6ld\n", b / 10.0, (b + 1) / 10.0,
		       b == 9 ? ']' : ')', pos, neg);
	}
	for (int t = 50; t <= 99; t++) {
		struct prf r;
		double fv;

		count(p, n, -1, t / 100.0, &r);
		fv = f1_of(&r, NULL, NULL);
		if (fv > best_f) {
			best_f = fv;
			best_th = t / 100.0;
		}
	}
	printf("\nbest overall F1 %.3f at threshold %.2f\n", best_f, best_th);
	best_f = -1;
	for (int t = 40; t <= 99; t++) {
		struct prf r;
		double fv;

		count(p, n, -2, t / 100.0, &r);
		fv = f1_of(&r, NULL, NULL);
		if (fv > best_f) {
			best_f = fv;
			best_th = t / 100.0;
		}
	}
	printf("best F1 without alias_unrelated %.3f at threshold %.2f\n",
	       best_f, best_th);
	{
		/* Throughput: every pair scored again, the way the index
		 * does it (prepared names, no explanation). */
		struct timespec t0, t1;
		volatile double sink = 0;
		long reps = 0;
		double secs;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			for (size_t i = 0; i < n; i++)
				sink += match_score(p[i].a, &p[i].ea, p[i].b,
						    &p[i].eb, NULL);
			reps++;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			secs = (double)(t1.tv_sec - t0.tv_sec) +
			       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		} while (secs < 1.0);
		printf("match_score: %.2f us per pair (%.0f pairs/s, one "
		       "core)\n", secs * 1e6 / (double)(reps * (long)n),
		       (double)(reps * (long)n) / secs);
		(void)sink;
	}
	for (size_t i = 0; i < n; i++) {
		match_name_free(p[i].a);
		match_name_free(p[i].b);
		free(p[i].dob1);
		free(p[i].dob2);
		free(p[i].group);
	}
	free(p);
	csv_close(rd);
	fclose(f);
	match_ctx_free(mc);
	return 0;
}
