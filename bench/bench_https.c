/*
 * bench_https.c - plain HTTPS for comparison: the same bytes POSTed to the
 * same kind of server (libmicrohttpd, GnuTLS, mutual TLS with the node's
 * own certificate, one request at a time) by the same client (libcurl,
 * one kept-alive connection, the peer's key pinned), with no envelope
 * cryptography and no store. It is a benchmark, not part of the node.
 *
 *   bench_https HOME [BYTES] [SECONDS]
 *
 * HOME is a node home (its keys/tls.key and keys/tls.crt serve both ends).
 * BYTES (default 600, about one small sealed envelope) is the size of one
 * message. Two modes, each for SECONDS (default 2): one message per
 * request, and 256 messages per request in the batch framing, as the
 * delivery worker sends them. Prints messages/s and the process's CPU
 * time (server and client together) per message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "liaison/batch.h"
#include "liaison/identity.h"
#include "liaison/strbuf.h"

struct upload {
	struct strbuf body;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct upload *u = *con_cls;
	struct MHD_Response *r;
	enum MHD_Result rc;

	(void)cls, (void)url, (void)method, (void)version;
	if (!u) {
		if (!(u = calloc(1, sizeof(*u))))
			return MHD_NO;
		strbuf_init(&u->body, BATCH_MAX);
		*con_cls = u;
		return MHD_YES;
	}
	if (*size) {
		if (strbuf_add(&u->body, data, *size))
			return MHD_NO;
		*size = 0;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(2, (void *)"{}",
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls, (void)c, (void)toe;
	if (u) {
		strbuf_release(&u->body);
		free(u);
		*con_cls = NULL;
	}
}

static size_t sink(char *p, size_t s, size_t n, void *ctx)
{
	(void)p, (void)ctx;
	return s * n;
}

/* POST body for `seconds`; returns requests done, and the wall and CPU
 * time they took. */
static long run(CURL *h, const struct strbuf *body, double seconds,
		double *wall, double *cpu_s)
{
	double t0 = now(), c0 = cpu();
	long n = 0, status = 0;

	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->buf);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	do {
		if (curl_easy_perform(h) != CURLE_OK ||
		    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) ||
		    status != 200)
			return -1;
		n++;
	} while (now() - t0 < seconds);
	*wall = now() - t0;
	*cpu_s = cpu() - c0;
	return n;
}

int main(int argc, char **argv)
{
	struct identity *me = NULL;
	struct MHD_Daemon *mhd = NULL;
	struct sockaddr_in sa;
	struct strbuf one, many;
	struct curl_slist *hdr = NULL;
	char crt[4096], key[4096], url[64], pin[128], buf[600];
	uint8_t *msg = NULL, h32[32];
	size_t bytes = argc > 2 ? strtoul(argv[2], NULL, 10) : 600;
	double secs = argc > 3 ? strtod(argv[3], NULL) : 2.0;
	struct diag d;
	CURL *h = NULL;
	int rc = 1;

	strbuf_init(&one, BATCH_MAX);
	strbuf_init(&many, BATCH_MAX);
	if (argc < 2 || bytes < 1 || bytes > 65536 || secs <= 0) {
		fprintf(stderr, "usage: bench_https HOME [BYTES] [SECONDS]\n");
		goto out;
	}
	diag_clear(&d);
	if (identity_load(argv[1], &me, &d)) {
		fprintf(stderr, "bench_https: %s\n",
			diag_format(&d, buf, sizeof(buf)));
		goto out;
	}
	snprintf(crt, sizeof(crt), "%s/keys/tls.crt", argv[1]);
	snprintf(key, sizeof(key), "%s/keys/tls.key", argv[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, 0, NULL, NULL,
	    on_req, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_HTTPS_MEM_KEY,
	    identity_tls_key_pem(me), MHD_OPTION_HTTPS_MEM_CERT,
	    identity_tls_cert_pem(me), MHD_OPTION_HTTPS_MEM_TRUST,
	    identity_tls_cert_pem(me), MHD_OPTION_NOTIFY_COMPLETED, on_done,
	    NULL, MHD_OPTION_END);
	if (!mhd) {
		fprintf(stderr, "bench_https: cannot start the server\n");
		goto out;
	}
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/",
		 (unsigned)MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT)
		     ->port);
	if (!(msg = malloc(bytes)))
		goto out;
	randombytes_buf(msg, bytes);
	if (strbuf_add(&one, msg, bytes) || batch_start(&many))
		goto out;
	for (int i = 0; i < BATCH_COUNT_MAX; i++)
		if (batch_append(&many, msg, bytes))
			goto out;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(h = curl_easy_init()))
		goto out;
	/* Pinned like the delivery worker pins a peer: SPKI SHA-256. */
	{
		gnutls_x509_crt_t c;
		gnutls_pubkey_t pk;
		gnutls_datum_t in = {
		    (unsigned char *)identity_tls_cert_pem(me),
		    (unsigned)strlen(identity_tls_cert_pem(me))};
		gnutls_datum_t der = {NULL, 0};
		char b64[64];

		if (gnutls_x509_crt_init(&c) < 0)
			goto out;
		if (gnutls_pubkey_init(&pk) < 0) {
			gnutls_x509_crt_deinit(c);
			goto out;
		}
		if (gnutls_x509_crt_import(c, &in, GNUTLS_X509_FMT_PEM) < 0 ||
		    gnutls_pubkey_import_x509(pk, c, 0) < 0 ||
		    gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &der) < 0) {
			gnutls_pubkey_deinit(pk);
			gnutls_x509_crt_deinit(c);
			goto out;
		}
		crypto_hash_sha256(h32, der.data, der.size);
		sodium_bin2base64(b64, sizeof(b64), h32, sizeof(h32),
				  sodium_base64_VARIANT_ORIGINAL);
		snprintf(pin, sizeof(pin), "sha256//%s", b64);
		gnutls_free(der.data);
		gnutls_pubkey_deinit(pk);
		gnutls_x509_crt_deinit(c);
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/octet-stream");
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_SSLCERT, crt);
	curl_easy_setopt(h, CURLOPT_SSLKEY, key);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	printf("| plain HTTPS POST, %zu-byte messages | requests/s | "
	       "messages/s | CPU µs per message |\n|---|---:|---:|---:|\n",
	       bytes);
	{
		double w, c;
		long n = run(h, &one, secs, &w, &c);

		if (n < 0)
			goto out;
		printf("| one message per request | %.0f | %.0f | %.1f |\n",
		       (double)n / w, (double)n / w, 1e6 * c / (double)n);
		if ((n = run(h, &many, secs, &w, &c)) < 0)
			goto out;
		printf(
		    "| %d messages per request (batch framing) | %.0f | %.0f "
		    "| %.1f |\n",
		    BATCH_COUNT_MAX, (double)n / w,
		    (double)n * BATCH_COUNT_MAX / w,
		    1e6 * c / ((double)n * BATCH_COUNT_MAX));
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_https: failed\n");
	curl_slist_free_all(hdr);
	if (h)
		curl_easy_cleanup(h);
	if (mhd)
		MHD_stop_daemon(mhd);
	free(msg);
	strbuf_release(&one);
	strbuf_release(&many);
	identity_free(me);
	return rc;
}
