/*
 * daemon.c - `liaison serve`: federation endpoint, delivery worker, and
 * the process around them (lock, signals, log).
 *
 * Durability argument (docs/ARCHITECTURE.md, exchange): the endpoint
 * answers 2xx only after node_receive committed, and answers a seen id
 * with 200 without applying it again; the worker marks a row sent only
 * after a 2xx. A crash anywhere therefore leaves either a row to send
 * again (the receiver deduplicates) or an envelope committed on both
 * sides; nothing acknowledged is lost and nothing is applied twice.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <sodium.h>

#include "liaison/daemon.h"
#include "liaison/envelope.h"
#include "liaison/identity.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"

#define DUE_BATCH 16
/* How often the delivery worker looks for new outbox rows when idle: a
 * `liaison send` or an alert hit is written by another process, which
 * cannot wake this one, so this bounds the added latency of every alert
 * and hit notification (issue target: p99 <= 100 ms end to end). One
 * indexed query on an idle table every 20 ms costs nothing measurable. */
#define POLL_MS 20
#define RESPONSE_MAX 4096 /* bytes of a peer's answer we keep */

/* ---------------------------------------------------------------- log */

enum log_level { LOG_INFO, LOG_WARN, LOG_ERROR };

static void vlog_line(enum log_level lv, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void vlog_line(enum log_level lv, const char *fmt, va_list ap)
{
	static const char *const names[] = {"INFO", "WARN", "ERROR"};
	char msg[1024], at[32];
	struct timespec ts;
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Peers' words end up in log lines: no control character may
	 * forge a line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s %s\n", at, ts.tv_nsec / 1000000,
		names[lv], msg);
}

static void log_line(enum log_level lv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_line(enum log_level lv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_line(lv, fmt, ap);
	va_end(ap);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	log_line(LOG_WARN, "http: %s", buf);
}

/* ------------------------------------------------------------ backoff */

int64_t daemon_backoff_ms(int64_t attempts, uint32_t rnd, int64_t base_ms,
			  int64_t cap_ms)
{
	int64_t delay = base_ms < 1 ? 1 : base_ms;

	if (cap_ms < delay)
		cap_ms = delay;
	for (int64_t i = 0; i < attempts && delay < cap_ms; i++)
		delay = delay > cap_ms / 2 ? cap_ms : delay * 2;
	/* Uniform in [delay/2, delay]. */
	delay = delay / 2 + (int64_t)((uint64_t)rnd % (uint64_t)(delay / 2 + 1));
	return delay < 1 ? 1 : delay;
}

/* ------------------------------------------------------------ context */

struct daemon {
	char *home;
	struct node *http_node;   /* used by the MHD thread only */
	struct node *work_node;   /* used by the worker thread only */
	struct identity *me;
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	atomic_bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t backoff_cap_ms, max_age_s, receipt_wait_s;
	int64_t witness_ms; /* publishing interval of the tree head, 0 = off */
	CURL *curl;
};

static int env_i64(const char *name, int64_t def, int64_t *out,
		   struct diag *d)
{
	const char *v = getenv(name);
	int64_t x;

	if (!v) {
		*out = def;
		return 0;
	}
	if (str_to_i64(v, strlen(v), &x) || x < 0 || x > 100LL * 86400000) {
		diag_set(d, "%s must be a non-negative number", name);
		return LIA_ECONFIG;
	}
	*out = x;
	return 0;
}

/* --------------------------------------------------------------- HTTP */

struct req {
	bool refused;            /* answered already, body discarded */
	bool too_big;
	char agency[MARKING_CODE_MAX + 1];
	struct strbuf body;
};

struct peer_ctx {
	char agency[MARKING_CODE_MAX + 1];
};

static int peer_cb(const struct store_peer *p, void *ctx)
{
	struct peer_ctx *c = ctx;

	return str_copy(c->agency, sizeof(c->agency), p->agency);
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status,
			      json_t *o)
{
	struct MHD_Response *r;
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	enum MHD_Result rc;

	json_decref(o);
	r = MHD_create_response_from_buffer(text ? strlen(text) : 0,
					    text ? text : (char *)"",
					    text ? MHD_RESPMEM_MUST_FREE
						 : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result answer_error(struct MHD_Connection *c,
				    unsigned status, const char *msg)
{
	return answer(c, status, json_pack("{s:s}", "error", msg));
}

/* Which pinned peer is on the other end of this TLS connection? The
 * client certificate's SHA-256 (of the DER) must be a pinned one; the
 * TLS handshake has already proved the client holds its private key. */
static int tls_peer(struct daemon *dm, struct MHD_Connection *c,
		    char agency[MARKING_CODE_MAX + 1], char fp[65])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *certs;
	unsigned n = 0;
	uint8_t h[32];
	struct peer_ctx pc = {{0}};
	struct diag d;

	snprintf(fp, 65, "none");
	if (!ci || !ci->tls_session)
		return LIA_EDENIED;
	certs = gnutls_certificate_get_peers(
		(gnutls_session_t)ci->tls_session, &n);
	if (!certs || n < 1 || certs[0].size == 0 ||
	    certs[0].size > IDENTITY_CERT_MAX)
		return LIA_EDENIED;
	crypto_hash_sha256(h, certs[0].data, certs[0].size);
	sodium_bin2hex(fp, 65, h, sizeof(h));
	diag_clear(&d);
	if (store_peer_find(dm->http_node->store, fp, true, peer_cb, &pc, &d))
		return LIA_EDENIED;
	memcpy(agency, pc.agency, sizeof(pc.agency));
	return 0;
}

static unsigned rx_status(int err)
{
	switch (err) {
	case LIA_EPARSE:
	case LIA_ETOOBIG:
	case LIA_EVERSION:
	case LIA_EVALUE:
	case LIA_ESCHEMA:
		return MHD_HTTP_BAD_REQUEST;
	case LIA_ECRYPTO:
	case LIA_EDENIED:
		return MHD_HTTP_FORBIDDEN;
	case LIA_ENOTFOUND:
		return MHD_HTTP_FORBIDDEN;
	default:
		/* Store busy, out of memory, a bug: the sender tries again. */
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
}

static enum MHD_Result receive(struct daemon *dm, struct MHD_Connection *c,
			       struct req *rq)
{
	enum node_rx res = 0;
	char id[33] = "", buf[700];
	struct diag d;
	int err;

	diag_clear(&d);
	err = node_receive(dm->http_node, dm->me, rq->agency,
			   (const uint8_t *)rq->body.buf, rq->body.len,
			   (int64_t)time(NULL), &res, id, &d);
	if (err) {
		unsigned st = rx_status(err);

		diag_format(&d, buf, sizeof(buf));
		log_line(st >= 500 ? LOG_ERROR : LOG_WARN,
			 "rejected envelope from %s (%zu bytes): %s: %s",
			 rq->agency, rq->body.len, err_str(err), buf);
		return answer_error(c, st, buf);
	}
	log_line(LOG_INFO, "%s envelope %s from %s",
		 res == NODE_RX_DUPLICATE ? "duplicate (already applied)"
					  : "received",
		 id, rq->agency);
	return answer(c, res == NODE_RX_DUPLICATE ? MHD_HTTP_OK
						  : MHD_HTTP_CREATED,
		      json_pack("{s:s,s:s}", "id", id, "status",
				res == NODE_RX_DUPLICATE ? "duplicate"
							 : "stored"));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct daemon *dm = cls;
	struct req *rq = *con_cls;
	char fp[65];

	(void)version;
	if (!rq) {
		const char *cl;
		uint64_t clen;

		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		strbuf_init(&rq->body, ENVELOPE_MAX);
		*con_cls = rq;
		if (tls_peer(dm, c, rq->agency, fp)) {
			log_line(LOG_WARN, "refused TLS client: certificate "
					   "sha256 %s is not a pinned peer",
				 fp);
			rq->refused = true;
			return answer_error(c, MHD_HTTP_FORBIDDEN,
					    "certificate is not a pinned peer");
		}
		if (strcmp(url, DAEMON_PATH_ENVELOPES)) {
			rq->refused = true;
			return answer_error(c, MHD_HTTP_NOT_FOUND, "no route");
		}
		if (strcmp(method, MHD_HTTP_METHOD_POST)) {
			rq->refused = true;
			return answer_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					    "POST only");
		}
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && (str_to_u64(cl, strlen(cl), &clen) ||
			   clen > ENVELOPE_MAX)) {
			log_line(LOG_WARN, "refused envelope from %s: length "
					   "over %u bytes", rq->agency,
				 (unsigned)ENVELOPE_MAX);
			rq->refused = true;
			return answer_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
					    "envelope too big");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->refused && !rq->too_big &&
		    strbuf_add(&rq->body, upload, *upload_size))
			rq->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->refused)
		return MHD_YES;
	if (rq->too_big)
		return answer_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				    "envelope too big");
	return receive(dm, c, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!rq)
		return;
	strbuf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
}

/* ------------------------------------------------------------ worker */

/* "sha256//BASE64" of the peer's public key (SubjectPublicKeyInfo DER),
 * what CURLOPT_PINNEDPUBLICKEY compares the server's key with. */
static int spki_pin(const char *cert_pem, char *out, size_t n,
		    struct diag *d)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pk = NULL;
	gnutls_datum_t in = {(unsigned char *)cert_pem,
			     (unsigned)strlen(cert_pem)};
	gnutls_datum_t der = {NULL, 0};
	uint8_t h[32];
	char b64[64];
	int err = LIA_ECRYPTO;

	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_pubkey_init(&pk) < 0 ||
	    gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_pubkey_import_x509(pk, crt, 0) < 0 ||
	    gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &der) < 0) {
		diag_set(d, "pinned certificate unusable");
		goto out;
	}
	crypto_hash_sha256(h, der.data, der.size);
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
			  sodium_base64_VARIANT_ORIGINAL);
	err = snprintf(out, n, "sha256//%s", b64) >= (int)n ? LIA_ETOOBIG : 0;
out:
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pk);
	gnutls_x509_crt_deinit(crt);
	return err;
}

struct sink {
	char buf[RESPONSE_MAX];
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb, room = sizeof(s->buf) - 1 - s->len;

	memcpy(s->buf + s->len, p, n < room ? n : room);
	s->len += n < room ? n : room;
	s->buf[s->len] = 0;
	return n;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t e)
{
	struct daemon *dm = ctx;

	(void)a, (void)b, (void)c, (void)e;
	/* Shutting down: abandon the transfer. The row stays queued and is
	 * sent again after restart; the receiver deduplicates. */
	return atomic_load(&dm->stop) ? 1 : 0;
}

/* One POST. Returns the HTTP status, or 0 for a transport failure with
 * the reason in err. */
static long post(struct daemon *dm, const char *url, const char *pin,
		 const struct store_out_item *it, char *err, size_t errn,
		 struct sink *sink)
{
	CURL *h = dm->curl;
	char ebuf[CURL_ERROR_SIZE] = "", full[STORE_URL_MAX + 32];
	struct curl_slist *hdr = NULL;
	size_t ul = strlen(url);
	long status = 0;
	CURLcode rc;

	snprintf(full, sizeof(full), "%.*s%s",
		 (int)(ul && url[ul - 1] == '/' ? ul - 1 : ul), url,
		 DAEMON_PATH_ENVELOPES);
	hdr = curl_slist_append(hdr, "Content-Type: application/octet-stream");
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, it->bytes);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_SSLCERT, dm->cert_path);
	curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	curl_easy_setopt(h, CURLOPT_SSLKEY, dm->key_path);
	curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	/* Peers' certificates are self-signed and pinned: no CA chain to
	 * check and the host name is an address, so the strict check is
	 * the pinned public key. A server without the pinned key's private
	 * half cannot finish the handshake. */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 120000L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, dm);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errn, "%s%s%s", curl_easy_strerror(rc),
			 ebuf[0] ? ": " : "", ebuf);
	curl_slist_free_all(hdr);
	return status;
}

static void mark(struct daemon *dm, const struct store_out_item *it,
		 enum store_out_state st, int64_t next_at, const char *error)
{
	struct diag d;
	char buf[600];
	int err;

	diag_clear(&d);
	if ((err = store_outbox_mark(dm->work_node->store, it->env_id,
				     it->recipient, st, next_at, error, &d)))
		log_line(LOG_ERROR, "outbox %s to %s: %s", it->env_id,
			 it->recipient, diag_format(&d, buf, sizeof(buf)));
}

static void deliver(struct daemon *dm, const struct store_out_item *it)
{
	struct identity_card card = {0};
	char url[STORE_URL_MAX + 1], pin[128], err[512] = "", why[600];
	struct sink sink = {{0}, 0};
	int64_t now = (int64_t)time(NULL);
	struct diag d;
	long status;

	diag_clear(&d);
	if (now - it->created > dm->max_age_s || now > it->expires) {
		snprintf(why, sizeof(why), "no %s after %lld attempts in %llds",
			 it->state == STORE_OUT_SENT ? "receipt" : "delivery",
			 (long long)it->attempts,
			 (long long)(now - it->created));
		log_line(LOG_WARN, "giving up on %s %s to %s: %s", it->kind,
			 it->env_id, it->recipient, why);
		mark(dm, it, STORE_OUT_FAILED, 0, why);
		return;
	}
	if (node_peer_card(dm->work_node, it->recipient, &card, url,
			   sizeof(url), &d) ||
	    spki_pin(card.tls_cert_pem, pin, sizeof(pin), &d)) {
		diag_format(&d, why, sizeof(why));
		log_line(LOG_WARN, "cannot send %s to %s: %s", it->env_id,
			 it->recipient, why);
		mark(dm, it, STORE_OUT_FAILED, 0, why);
		identity_card_free(&card);
		return;
	}
	identity_card_free(&card);
	status = post(dm, url, pin, it, err, sizeof(err), &sink);
	if (atomic_load(&dm->stop) && !status)
		return;
	if (status >= 200 && status < 300) {
		/* A receipt is never answered with a receipt: it is done
		 * once the peer committed it. */
		bool done = !strcmp(it->kind, "receipt");

		log_line(LOG_INFO, "sent %s %s to %s (HTTP %ld)", it->kind,
			 it->env_id, it->recipient, status);
		mark(dm, it, done ? STORE_OUT_DELIVERED : STORE_OUT_SENT,
		     now + dm->receipt_wait_s, NULL);
		return;
	}
	if (status >= 400 && status < 500 && status != 408 && status != 429) {
		/* The peer read the envelope and refused it: sending it
		 * again would be refused again. */
		snprintf(why, sizeof(why), "refused by %s: HTTP %ld %.400s",
			 it->recipient, status, sink.buf);
		log_line(LOG_WARN, "%s %s: %s", it->kind, it->env_id, why);
		mark(dm, it, STORE_OUT_FAILED, 0, why);
		return;
	}
	if (status)
		snprintf(err, sizeof(err), "HTTP %ld %.400s", status, sink.buf);
	{
		int64_t ms = daemon_backoff_ms(it->attempts, randombytes_random(),
					       DAEMON_BACKOFF_BASE_MS,
					       dm->backoff_cap_ms);
		log_line(LOG_WARN, "%s %s to %s: attempt %lld failed, retry in "
				   "%lld ms: %s", it->kind, it->env_id,
			 it->recipient, (long long)it->attempts + 1,
			 (long long)ms, err);
		/* Whole seconds in the store: round up. */
		mark(dm, it, it->state, now + (ms + 999) / 1000, err);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The periodic publication of the tree head to every peer (witness.c). */
static void witness_publish(struct daemon *dm, int64_t now)
{
	uint64_t size = 0;
	size_t sent = 0;
	struct diag d;
	char buf[600];

	diag_clear(&d);
	if (node_witness_publish(dm->work_node, dm->me, NULL, now, &size,
				 &sent, &d))
		log_line(LOG_ERROR, "ledger: publishing the tree head: %s",
			 diag_format(&d, buf, sizeof(buf)));
	else if (sent)
		log_line(LOG_INFO, "ledger: tree head of size %llu sent to "
				   "%zu peers for countersigning",
			 (unsigned long long)size, sent);
}

static void *worker(void *arg)
{
	struct daemon *dm = arg;
	struct store_out_item items[DUE_BATCH];
	int64_t last_prune = 0, last_publish = 0;

	while (!atomic_load(&dm->stop)) {
		size_t n = 0;
		struct diag d;
		int64_t now = (int64_t)time(NULL);

		diag_clear(&d);
		if (now - last_prune > 3600) {
			/* Ids older than expiry plus skew can no longer
			 * pass envelope_check_time: forgetting them is
			 * safe. */
			(void)store_seen_prune(dm->work_node->store,
					       now - NODE_MAX_SKEW, NULL, &d);
			last_prune = now;
		}
		if (dm->witness_ms && now_ms() - last_publish >= dm->witness_ms) {
			witness_publish(dm, now);
			last_publish = now_ms();
		}
		if (store_outbox_due(dm->work_node->store, now, items,
				     DUE_BATCH, &n, &d)) {
			char buf[600];
			log_line(LOG_ERROR, "outbox: %s",
				 diag_format(&d, buf, sizeof(buf)));
		}
		for (size_t i = 0; i < n; i++) {
			if (!atomic_load(&dm->stop))
				deliver(dm, &items[i]);
			store_out_item_release(&items[i]);
		}
		if (n == DUE_BATCH)
			continue;
		pthread_mutex_lock(&dm->mu);
		if (!atomic_load(&dm->stop)) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += POLL_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&dm->cv, &dm->mu, &ts);
		}
		pthread_mutex_unlock(&dm->mu);
	}
	return NULL;
}

/* --------------------------------------------------------------- run */

static int parse_listen(const char *s, struct sockaddr_storage *ss,
			struct diag *d)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	uint64_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!colon || str_to_u64(colon + 1, strlen(colon + 1), &port) ||
	    port == 0 || port > 65535 || (hl = (size_t)(colon - s)) == 0 ||
	    hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[hl - 1] = 0;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
	}
	return 0;
bad:
	diag_set(d, "listen address \"%.64s\" must be IPV4:PORT or [IPV6]:PORT",
		 s);
	return LIA_EINVAL;
}

struct trust_ctx {
	struct strbuf *pem;
	int err;
};

static int trust_cb(const struct store_peer *p, void *ctx)
{
	struct trust_ctx *t = ctx;
	struct identity_card c = {0};
	struct diag d;

	/* Only for GnuTLS to ask clients for a certificate; the decision
	 * is the fingerprint check on each request. */
	if (!identity_card_parse(p->card, strlen(p->card), &c, &d)) {
		t->err = strbuf_addstr(t->pem, c.tls_cert_pem);
		identity_card_free(&c);
	}
	return t->err;
}

static int lock_home(const char *home, int *fd_out, struct diag *d)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/serve.lock", home) >=
	    (int)sizeof(path))
		return LIA_ETOOBIG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		diag_set(d, "%s: %s", path, strerror(errno));
		return LIA_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		diag_set(d, "another liaison serve is running on %s", home);
		close(fd);
		return LIA_EBUSY;
	}
	*fd_out = fd;
	return 0;
}

int daemon_run(const char *home, const char *listen, struct diag *d)
{
	struct daemon dm;
	struct MHD_Daemon *mhd = NULL;
	struct sockaddr_storage ss;
	struct strbuf trust;
	struct trust_ctx tc = {.pem = &trust};
	sigset_t sigs, old;
	pthread_t th;
	bool started = false, curl_ok = false;
	int lock_fd = -1, sig = 0, err;

	memset(&dm, 0, sizeof(dm));
	strbuf_init(&trust, 1 << 20);
	atomic_init(&dm.stop, false);
	pthread_mutex_init(&dm.mu, NULL);
	pthread_cond_init(&dm.cv, NULL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if ((err = env_i64("LIAISON_BACKOFF_CAP_MS", DAEMON_BACKOFF_CAP_MS,
			   &dm.backoff_cap_ms, d)) ||
	    (err = env_i64("LIAISON_MAX_AGE_S", DAEMON_MAX_AGE_S,
			   &dm.max_age_s, d)) ||
	    (err = env_i64("LIAISON_RECEIPT_WAIT_S", DAEMON_RECEIPT_WAIT_S,
			   &dm.receipt_wait_s, d)) ||
	    (err = env_i64("LIAISON_WITNESS_INTERVAL_MS",
			   NODE_WITNESS_INTERVAL_MS, &dm.witness_ms, d)))
		goto out;
	if ((err = lock_home(home, &lock_fd, d)) ||
	    (err = node_open(home, false, &dm.http_node, d)) ||
	    (err = node_open(home, false, &dm.work_node, d)) ||
	    (err = identity_load(home, &dm.me, d)))
		goto out;
	if ((err = parse_listen(listen ? listen : dm.http_node->cfg.listen,
				&ss, d)))
		goto out;
	snprintf(dm.cert_path, sizeof(dm.cert_path), "%s/keys/tls.crt", home);
	snprintf(dm.key_path, sizeof(dm.key_path), "%s/keys/tls.key", home);
	if ((err = strbuf_addstr(&trust, identity_tls_cert_pem(dm.me))) ||
	    (err = store_peer_each(dm.http_node->store, trust_cb, &tc, d)))
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(dm.curl = curl_easy_init())) {
		diag_set(d, "libcurl failed to initialise");
		err = LIA_EINTERNAL;
		goto out;
	}
	curl_ok = true;
	/* Signals are taken by sigwait in this thread only. */
	signal(SIGPIPE, SIG_IGN);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, &dm,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &dm,
		MHD_OPTION_SOCK_ADDR, &ss,
		MHD_OPTION_HTTPS_MEM_KEY, identity_tls_key_pem(dm.me),
		MHD_OPTION_HTTPS_MEM_CERT, identity_tls_cert_pem(dm.me),
		MHD_OPTION_HTTPS_MEM_TRUST, trust.buf,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, &dm,
		MHD_OPTION_CONNECTION_TIMEOUT, 60u,
		MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
	if (!mhd) {
		diag_set(d, "cannot listen on %s",
			 listen ? listen : dm.http_node->cfg.listen);
		err = LIA_EIO;
		goto out;
	}
	if (pthread_create(&th, NULL, worker, &dm)) {
		diag_set(d, "cannot start the delivery worker");
		err = LIA_EINTERNAL;
		goto out;
	}
	started = true;
	log_line(LOG_INFO, "node %s serving on %s (pid %ld)",
		 dm.http_node->cfg.agency,
		 listen ? listen : dm.http_node->cfg.listen, (long)getpid());
	while (sigwait(&sigs, &sig) == 0 && sig != SIGTERM && sig != SIGINT)
		;
	log_line(LOG_INFO, "signal %d: shutting down", sig);
out:
	atomic_store(&dm.stop, true);
	pthread_mutex_lock(&dm.mu);
	pthread_cond_broadcast(&dm.cv);
	pthread_mutex_unlock(&dm.mu);
	/* Stop taking requests first (an answer in progress finishes or is
	 * dropped; either way its transaction is whole), then let the
	 * worker finish or abandon its transfer. */
	if (mhd)
		MHD_stop_daemon(mhd);
	if (started)
		pthread_join(th, NULL);
	if (dm.curl)
		curl_easy_cleanup(dm.curl);
	if (curl_ok)
		curl_global_cleanup();
	identity_free(dm.me);
	node_close(dm.work_node);
	node_close(dm.http_node);
	strbuf_release(&trust);
	if (lock_fd >= 0)
		close(lock_fd);
	pthread_cond_destroy(&dm.cv);
	pthread_mutex_destroy(&dm.mu);
	if (!err)
		log_line(LOG_INFO, "stopped");
	return err;
}
