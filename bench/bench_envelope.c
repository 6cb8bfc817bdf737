/*
 * bench_envelope.c - the cost of the exchange's cryptography alone, so the
 * ratio of a delivered message to plain HTTPS can be read off: sealing
 * (XChaCha20-Poly1305 body, X25519 key slot per recipient, Ed25519
 * signature), and on the receiving side parsing, verifying and opening.
 *
 *   bench_envelope [--seconds S]
 *
 * Two throwaway identities are made in a temporary folder and removed.
 * For a small body (a ~300-byte message) and a 1 MiB body, one recipient,
 * it prints seal and receive (parse + verify + open) operations per second
 * on one core, and MB/s for the large body; the fastest of three rounds of
 * S seconds each (default 1) - the machine is a shared VM.
 */
/* nftw() is an XSI function. */
#define _XOPEN_SOURCE 700
#include <stdint.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ftw.h>
#include <unistd.h>

#include <sodium.h>

#include "liaison/envelope.h"
#include "liaison/error.h"
#include "liaison/identity.h"
#include "liaison/marking.h"
#include "liaison/strbuf.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove a throwaway home with its keys. */
static void rm_home(const char *dir)
{
	if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS))
		fprintf(stderr, "bench_envelope: could not remove %s\n", dir);
}

struct fx {
	struct identity *from, *to;
	struct peer_key key;
	struct envelope_header h;
	char *marking;
};

static int seal(struct fx *f, const uint8_t *body, size_t len, uint8_t **out,
		size_t *out_len)
{
	struct diag d;

	envelope_id_new(f->h.id);
	if (envelope_seal(f->from, &f->h, &f->key, 1, body, len, out, out_len,
			  &d)) {
		fprintf(stderr, "bench_envelope: seal: %s\n", d.msg);
		return -1;
	}
	return 0;
}

static int receive(struct fx *f, const uint8_t *env, size_t len)
{
	struct envelope *e = NULL;
	uint8_t *body = NULL;
	size_t blen;
	struct diag d;
	int rc = -1;

	if (envelope_parse(env, len, &e, &d) ||
	    envelope_verify(e, identity_sign_pk(f->from)) ||
	    envelope_open(e, f->to, &body, &blen, &d)) {
		fprintf(stderr, "bench_envelope: receive failed\n");
		goto out;
	}
	rc = 0;
out:
	free(body);
	envelope_free(e);
	return rc;
}

/* Operations per second of seal (what = 0) or receive (1), best of 3. */
static double rate(struct fx *f, const uint8_t *body, size_t len, int what,
		   double seconds)
{
	double best = 0;
	uint8_t *env = NULL;
	size_t elen = 0;

	if (seal(f, body, len, &env, &elen))
		return -1;
	for (int round = 0; round < 3; round++) {
		double t0 = now(), t;
		unsigned long n = 0;

		do {
			for (int i = 0; i < 8; i++, n++) {
				if (what == 0) {
					uint8_t *o;
					size_t ol;

					if (seal(f, body, len, &o, &ol))
						goto fail;
					free(o);
				} else if (receive(f, env, elen)) {
					goto fail;
				}
			}
			t = now() - t0;
		} while (t < seconds);
		if ((double)n / t > best)
			best = (double)n / t;
	}
	free(env);
	return best;
fail:
	free(env);
	return -1;
}

int main(int argc, char **argv)
{
	char ha[] = "/tmp/liaison-benv-a.XXXXXX", hb[] = "/tmp/liaison-benv-b.XXXXXX";
	double seconds = 1.0;
	struct fx f;
	struct marking m;
	struct diag d;
	uint8_t *big = NULL;
	const size_t big_len = 1u << 20;
	static const char small[] =
	    "{\"subject\":\"Petrov travels\",\"text\":\"The subject left "
	    "Rotterdam by car at 04:10, plate seen at the border crossing "
	    "at Venlo at 05:02; see the attached record for the vehicle "
	    "and the known associates. Please check your holdings.\","
	    "\"records\":[],\"attachments\":[]}";
	double r[4];
	int rc = 1;

	if (argc == 3 && !strcmp(argv[1], "--seconds"))
		seconds = strtod(argv[2], NULL);
	else if (argc != 1) {
		fprintf(stderr, "usage: bench_envelope [--seconds S]\n");
		return 2;
	}
	if (!(seconds > 0 && seconds <= 60))
		seconds = 1.0;
	memset(&f, 0, sizeof(f));
	if (sodium_init() < 0 || !mkdtemp(ha) || !mkdtemp(hb))
		return 1;
	if (identity_create(ha, "NL-NP", "Netherlands Police", "NL", &f.from,
			    &d) ||
	    identity_create(hb, "DE-BKA", "Bundeskriminalamt", "DE", &f.to,
			    &d)) {
		fprintf(stderr, "bench_envelope: identity: %s\n", d.msg);
		goto out;
	}
	identity_peer_key(f.to, &f.key);
	marking_init(&m);
	str_copy(m.agency, sizeof(m.agency), "NL-NP");
	str_copy(m.classification, sizeof(m.classification), "RESTRICTED");
	m.tlp = TLP_AMBER;
	if (marking_set_audience(&m, "DE-BKA", NULL) ||
	    envelope_marking_json(&m, &f.marking)) {
		marking_free(&m);
		goto out;
	}
	marking_free(&m);
	str_copy(f.h.sender, sizeof(f.h.sender), "NL-NP");
	str_copy(f.h.recipients[0], sizeof(f.h.recipients[0]), "DE-BKA");
	f.h.n_recipients = 1;
	f.h.created = (int64_t)time(NULL);
	f.h.expires = f.h.created + 3600;
	f.h.kind = ENVELOPE_MESSAGE;
	f.h.priority = ENVELOPE_ROUTINE;
	f.h.marking = f.marking;
	if (!(big = malloc(big_len)))
		goto out;
	randombytes_buf(big, big_len);

	r[0] = rate(&f, (const uint8_t *)small, sizeof(small) - 1, 0, seconds);
	r[1] = rate(&f, (const uint8_t *)small, sizeof(small) - 1, 1, seconds);
	r[2] = rate(&f, big, big_len, 0, seconds);
	r[3] = rate(&f, big, big_len, 1, seconds);
	if (r[0] < 0 || r[1] < 0 || r[2] < 0 || r[3] < 0)
		goto out;
	printf("| envelope | body | seal /s | receive /s (parse, verify, open) "
	       "| seal MB/s | receive MB/s |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	printf("| 1 recipient | %zu B | %.0f | %.0f | | |\n", sizeof(small) - 1,
	       r[0], r[1]);
	printf("| 1 recipient | 1 MiB | %.0f | %.0f | %.0f | %.0f |\n", r[2],
	       r[3], r[2] * (double)big_len / 1e6, r[3] * (double)big_len / 1e6);
	rc = 0;
out:
	free(big);
	free(f.marking);
	identity_free(f.from);
	identity_free(f.to);
	rm_home(ha);
	rm_home(hb);
	return rc;
}
