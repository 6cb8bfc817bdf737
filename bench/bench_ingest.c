/*
 * bench_ingest.c - where an FtM import spends its time, stage by stage.
 *
 * usage: bench_ingest FILE.ijson
 * Runs the FtM importer over FILE three times into sinks that do
 * progressively more of what the store does before SQLite: nothing
 * (parse and validate only), canonical JSON, canonical JSON + SHA-256.
 * Prints records/s of each on one core.
 */
#include <stdio.h>
#include <time.h>

#include <sodium.h>

#include "liaison/ingest.h"
#include "liaison/strbuf.h"

struct ctx {
	int mode;
	uint64_t n;
	struct strbuf sb;
	unsigned char h[32];
};

static int put(void *vctx, const struct entity *e, struct diag *d)
{
	struct ctx *c = vctx;

	(void)d;
	c->n++;
	if (c->mode >= 1) {
		strbuf_reset(&c->sb);
		if (entity_to_json(e, &c->sb))
			return LIA_ENOMEM;
	}
	if (c->mode >= 2)
		crypto_hash_sha256(c->h, (const unsigned char *)c->sb.buf,
				   c->sb.len);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"parse+validate", "+canonical JSON",
					    "+SHA-256"};
	if (argc != 2) {
		fprintf(stderr, "usage: bench_ingest FILE.ijson\n");
		return 64;
	}
	if (sodium_init() < 0)
		return 70;
	for (int mode = 0; mode < 3; mode++) {
		struct ctx c = {.mode = mode};
		struct ingest_sink sink = {.put = put, .ctx = &c};
		struct diag d;
		FILE *f = fopen(argv[1], "rb");
		double t0;

		if (!f) {
			perror(argv[1]);
			return 66;
		}
		strbuf_init(&c.sb, 0);
		t0 = now();
		if (ingest_ftm(f, argv[1], &sink, &d)) {
			fprintf(stderr, "import failed: %s\n", d.msg);
			return 65;
		}
		double t = now() - t0;
		printf("%-16s %8llu records %7.3f s %10.0f records/s\n",
		       names[mode], (unsigned long long)c.n, t,
		       (double)c.n / t);
		strbuf_release(&c.sb);
		fclose(f);
	}
	return 0;
}
