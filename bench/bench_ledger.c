/*
 * bench_ledger.c - the evidence ledger: durable appends, proofs, storage.
 *
 * usage: bench_ledger N [BATCH [DIR]]
 *
 * In one run, on the same disk:
 *   1. ledger: N entries of 128 bytes appended with ledger_append_batch in
 *      batches of BATCH (default 1000), each batch one durable transaction
 *      (the WAL is synced at commit);
 *   2. baseline: the same bytes inserted into a plain SQLite table
 *      (INTEGER PRIMARY KEY, BLOB) with the same batches, WAL and
 *      synchronous = FULL, so both are durable the same way;
 *   3. proofs at size N: 10,000 inclusion proofs of random leaves and
 *      10,000 consistency proofs from random sizes, generated from the
 *      store and verified; the mean per proof, min over 3 passes;
 *   4. bytes per entry of each database file after a checkpoint.
 * DIR (default /tmp) gets two fresh folders, removed at the end.
 *
 * With LEDGER_BENCH_KEEP=PATH the ledger's store is PATH and is kept; if it
 * already holds N entries, steps 1, 2 and 4 are skipped and only the proofs
 * are measured, so two builds (A/B) can be compared on the same store in
 * the same sitting without appending 10M entries twice.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "liaison/ledger.h"
#include "liaison/store.h"

#define ENTRY 128
#define PROOFS 10000
#define PASSES 3

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, why);
	exit(1);
}

/* A custody-event-like entry of ENTRY bytes, different for each i. */
static void entry(uint64_t i, char *buf)
{
	int n = snprintf(buf, ENTRY,
			 "{\"kind\":\"transferred\",\"item\":%llu,\"by\":"
			 "\"NL-NP/officer-17\",\"to\":\"DE-BKA\",\"note\":\"",
			 (unsigned long long)i);

	memset(buf + n, 'x', (size_t)(ENTRY - n - 2));
	buf[ENTRY - 2] = '"';
	buf[ENTRY - 1] = '}';
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % bound;
}

static double file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (double)sb.st_size : 0;
}

static void rm_dir(const char *dir, const char *file)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char p[512];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s%s", dir, file, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
}

static double bench_baseline(const char *dir, uint64_t n, size_t batch,
			     double *bytes)
{
	char path[512], buf[ENTRY];
	sqlite3 *db;
	sqlite3_stmt *ins;
	double t0;

	snprintf(path, sizeof(path), "%s/plain.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;"
			 "PRAGMA synchronous = FULL;"
			 "CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB "
			 "NOT NULL)",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t(id, data) VALUES (?1, ?2)",
			       -1, &ins, NULL) != SQLITE_OK)
		die("baseline", sqlite3_errmsg(db));
	t0 = now();
	for (uint64_t i = 0; i < n;) {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (size_t k = 0; k < batch && i < n; k++, i++) {
			entry(i, buf);
			sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
			sqlite3_bind_blob(ins, 2, buf, ENTRY, SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				die("baseline insert", sqlite3_errmsg(db));
			sqlite3_reset(ins);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die("baseline commit", sqlite3_errmsg(db));
	}
	t0 = now() - t0;
	sqlite3_finalize(ins);
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(db);
	*bytes = file_size(path);
	return t0;
}

int main(int argc, char **argv)
{
	static struct ledger_entry e[LEDGER_BATCH_MAX];
	static char(*bufs)[ENTRY];
	struct store_opts o = {.create = true};
	char dir_l[256], dir_b[256], path[512];
	const char *base = argc > 3 ? argv[3] : "/tmp";
	const char *keep = getenv("LEDGER_BENCH_KEEP");
	bool reuse = false;
	uint64_t n;
	size_t batch = 1000;
	struct store *st;
	struct ledger *lg;
	struct diag d;
	double t_ledger, t_base, bytes_l, bytes_b = 0;
	double inc_gen = 1e9, inc_ver = 1e9, con_gen = 1e9, con_ver = 1e9;
	size_t inc_len = 0, con_len = 0;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: bench_ledger N [BATCH [DIR]]\n");
		return 64;
	}
	n = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		batch = strtoul(argv[2], NULL, 10);
	if (n < 2 || batch < 1 || batch > LEDGER_BATCH_MAX)
		die("arguments", "N >= 2, 1 <= BATCH <= 100000");
	if (sodium_init() < 0)
		die("libsodium", "init");
	if (!(bufs = malloc(batch * ENTRY)))
		die("malloc", "out of memory");
	snprintf(dir_l, sizeof(dir_l), "%s/bench-ledger-XXXXXX", base);
	snprintf(dir_b, sizeof(dir_b), "%s/bench-plain-XXXXXX", base);
	if ((!keep && !mkdtemp(dir_l)) || !mkdtemp(dir_b))
		die("mkdtemp", base);
	if (keep)
		snprintf(dir_l, sizeof(dir_l), "%s", keep);

	/* 1. the ledger */
	if (store_open(dir_l, &o, &st, &d) || ledger_open(st, &lg, &d))
		die("open", d.msg);
	if (keep && ledger_size(lg) == n)
		reuse = true;
	else if (ledger_size(lg) != 0)
		die("LEDGER_BENCH_KEEP", "the store holds another size");
	t_ledger = now();
	for (uint64_t i = 0; i < n && !reuse;) {
		size_t k = 0;

		for (; k < batch && i < n; k++, i++) {
			entry(i, bufs[k]);
			e[k].data = bufs[k];
			e[k].len = ENTRY;
		}
		if (ledger_append_batch(lg, e, k, 0, NULL, &d))
			die("append", d.msg);
	}
	t_ledger = now() - t_ledger;

	/* 2. the baseline, same bytes, same batches, same durability */
	t_base = reuse ? 1 : bench_baseline(dir_b, n, batch, &bytes_b);

	/* 3. proofs at size n */
	for (int pass = 0; pass < PASSES; pass++) {
		static struct ledger_proof p[256];
		double tg = 0, tv = 0, cg = 0, cv = 0;
		double tfirst = now();

		/* The first proof of a handle pays for what it loads once. */
		if (pass == 0) {
			if (ledger_prove_inclusion(lg, rnd(n), n, &p[0], &d))
				die("inclusion proof", d.msg);
			printf("first proof of the handle %.2f ms\n",
			       (now() - tfirst) * 1e3);
		}

		/* Generated in groups of 256 and then verified, so the two
		 * timings are separate and the verification is not folded
		 * away. */
		for (int done = 0; done < PROOFS; done += 256) {
			double t0 = now();

			for (int j = 0; j < 256; j++)
				if (ledger_prove_inclusion(lg, rnd(n), n, &p[j],
							   &d))
					die("inclusion proof", d.msg);
			tg += now() - t0;
			t0 = now();
			for (int j = 0; j < 256; j++)
				if (ledger_proof_verify(&p[j]))
					die("inclusion", "does not verify");
			tv += now() - t0;
			inc_len = p[0].n;
			t0 = now();
			for (int j = 0; j < 256; j++)
				if (ledger_prove_consistency(lg, 1 + rnd(n - 1),
							     n, &p[j], &d))
					die("consistency proof", d.msg);
			cg += now() - t0;
			t0 = now();
			for (int j = 0; j < 256; j++)
				if (ledger_proof_verify(&p[j]))
					die("consistency", "does not verify");
			cv += now() - t0;
			con_len = p[0].n;
		}
		int total = (PROOFS + 255) / 256 * 256;
		if (tg / total < inc_gen)
			inc_gen = tg / total;
		if (tv / total < inc_ver)
			inc_ver = tv / total;
		if (cg / total < con_gen)
			con_gen = cg / total;
		if (cv / total < con_ver)
			con_ver = cv / total;
	}
	ledger_close(lg);
	store_close(st);

	/* 4. storage: reopen to checkpoint the WAL into the file */
	{
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/store.db", dir_l);
		if (sqlite3_open(path, &db) == SQLITE_OK)
			sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)",
				     NULL, NULL, NULL);
		sqlite3_close(db);
		bytes_l = file_size(path);
	}

	if (reuse) {
		printf("reused %s: proofs only\n", dir_l);
		printf("inclusion proof   generate %7.2f us  verify %6.2f us  "
		       "(%zu hashes)\n",
		       inc_gen * 1e6, inc_ver * 1e6, inc_len);
		printf("consistency proof generate %7.2f us  verify %6.2f us  "
		       "(%zu hashes)\n",
		       con_gen * 1e6, con_ver * 1e6, con_len);
		rm_dir(dir_b, "plain.db");
		free(bufs);
		return 0;
	}
	printf("entries %llu of %d bytes, batches of %zu (one durable "
	       "transaction each)\n",
	       (unsigned long long)n, ENTRY, batch);
	printf("ledger appends    %8.2f s %10.0f entries/s\n", t_ledger,
	       (double)n / t_ledger);
	printf("sqlite inserts    %8.2f s %10.0f rows/s\n", t_base,
	       (double)n / t_base);
	printf("ratio ledger/sqlite time %.2fx\n", t_ledger / t_base);
	printf("inclusion proof   generate %7.2f us  verify %6.2f us  "
	       "(%zu hashes)\n",
	       inc_gen * 1e6, inc_ver * 1e6, inc_len);
	printf("consistency proof generate %7.2f us  verify %6.2f us  "
	       "(%zu hashes)\n",
	       con_gen * 1e6, con_ver * 1e6, con_len);
	printf("bytes per entry   ledger %.1f  sqlite %.1f  (entry %d)\n",
	       bytes_l / (double)n, bytes_b / (double)n, ENTRY);
	if (!keep)
		rm_dir(dir_l, "store.db");
	rm_dir(dir_b, "plain.db");
	free(bufs);
	return 0;
}
