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
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <sodium.h>

#include "liaison/api.h"
#include "liaison/net.h"
#include "liaison/batch.h"
#include "liaison/daemon.h"
#include "liaison/envelope.h"
#include "liaison/identity.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"

/* Outbox rows taken per round: one batch's worth. */
#define DUE_BATCH BATCH_COUNT_MAX
/* How often the delivery worker looks at the outbox when nothing woke
 * it. Whatever queues an envelope wakes the worker at once (another
 * process through HOME/serve.sock, this process's own receive path
 * directly), so this only bounds the delay when a wake-up was lost, and
 * paces retries, whose times are whole seconds anyway. */
#define POLL_MS 100
/* Bytes of a peer's answer we keep: the per-envelope results of a full
 * batch with their reasons fit. */
#define RESPONSE_MAX (256u << 10)
#define PEER_CONNS_MAX 64 /* peers with a kept-alive connection */
/* Attachment uploads run beside the delivery worker, so that a large file
 * to one peer does not hold up envelopes to the others: this many at once
 * (each its own thread and connection), and at most this many known. */
#define UPLOAD_THREADS 3
#define UPLOAD_JOBS_MAX 64

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
	delay =
	    delay / 2 + (int64_t)((uint64_t)rnd % (uint64_t)(delay / 2 + 1));
	return delay < 1 ? 1 : delay;
}

/* ------------------------------------------------------------ context */

/* An upload job's state: queued and running ones are the threads'; done
 * and failed ones wait for the worker to read them. */
enum up_state { UP_FREE = 0, UP_QUEUED, UP_RUNNING, UP_DONE, UP_FAILED };

struct daemon {
	char *home;
	struct node *http_node; /* used by the MHD thread only */
	struct node *work_node; /* used by the worker thread only */
	struct identity *me;
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	atomic_bool stop;
	int64_t backoff_cap_ms, max_age_s, receipt_wait_s;
	/* One libcurl handle per peer, so each keeps its TLS connection
	 * alive between requests (worker thread only). */
	struct peer_conn {
		char agency[MARKING_CODE_MAX + 1];
		CURL *h;
	} conns[PEER_CONNS_MAX];
	size_t n_conns;
	CURLM *multi; /* runs one round's requests at once */
	/* The pinned peers as last seen by the worker ("AGENCY FP URL"
	 * lines), to notice `peer add` and `peer remove` while running. */
	struct strbuf peers;
	int64_t peers_checked;
	/* Wake-ups: wake_fd is HOME/serve.sock (datagrams from other
	 * processes that queued something); pipe_fd is written by this
	 * process (its receive path, and shutdown). */
	int wake_fd, pipe_fd[2];
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int64_t witness_ms; /* publishing interval of the tree head, 0 = off */
	/* The upload the last attachment request left unfinished, so that
	 * the next chunk continues its running hash (MHD thread only). */
	struct node_blob_up *blob_up;
	int64_t spool_pruned; /* when the worker last pruned the spool */
	/* The uploads of attachments (envelope, recipient) the worker asked
	 * for, done by the upload threads; under up_mu. */
	pthread_mutex_t up_mu;
	pthread_cond_t up_cv;
	struct up_job {
		enum up_state st;
		char env_id[33];
		char agency[MARKING_CODE_MAX + 1]; /* the row's recipient */
		char url[STORE_URL_MAX + 1];	   /* its URL, or its hub's */
		char pin[128];
		bool via_hub;
		char why[600]; /* UP_FAILED */
	} jobs[UPLOAD_JOBS_MAX];
	int64_t upload_bps; /* tests: bytes/s per upload, 0 = no limit */
	/* The federation CAs (HOME/federation-ca.pem), NULL when none: a
	 * client whose certificate chains to one and names a pinned agency
	 * is that agency. Read at start. */
	char *fedca;
	size_t fedca_len;
	/* Their revocation lists (HOME/federation-crl.pem), NULL when none.
	 * Both files are read again when they change (MHD thread). */
	char *fedcrl;
	size_t fedcrl_len;
	struct file_stamp {
		struct timespec mtime;
		off_t size;
		ino_t ino;
		bool present;
	} fedca_stamp, fedcrl_stamp;
	/* This node's certificate from a federation CA, if installed:
	 * presented instead of keys/tls.crt. */
	char *ca_cert;
};

static int env_i64(const char *name, int64_t def, int64_t *out, struct diag *d)
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
	bool refused; /* answered already, body discarded */
	bool too_big;
	bool batch; /* POST /fed/v1/batch */
	char agency[MARKING_CODE_MAX + 1];
	struct strbuf body;
	/* PUT /fed/v1/attachment/<blob>: the chunk is written to disk as it
	 * arrives, never gathered in memory. */
	struct node_blob_up *up;
	int up_err;
	char blob[ATTACH_BLOB_HEX + 1];
	/* At a hub: the envelope the blob is relayed with, "" = for us. */
	char relay_env[33];
};

struct peer_ctx {
	char agency[MARKING_CODE_MAX + 1];
	bool via; /* reached through a hub: never directly */
};

static int peer_cb(const struct store_peer *p, void *ctx)
{
	struct peer_ctx *c = ctx;

	c->via = node_url_via(p->url, NULL);
	return str_copy(c->agency, sizeof(c->agency), p->agency);
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status,
			      json_t *o)
{
	struct MHD_Response *r;
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	enum MHD_Result rc;

	json_decref(o);
	r = MHD_create_response_from_buffer(
	    text ? strlen(text) : 0, text ? text : (char *)"",
	    text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
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

static enum MHD_Result answer_error(struct MHD_Connection *c, unsigned status,
				    const char *msg)
{
	return answer(c, status, json_pack("{s:s}", "error", msg));
}

/* Has the file at path changed since *st (which is updated)? */
static bool file_changed(const char *path, struct file_stamp *st)
{
	struct stat sb;
	struct file_stamp now = {0};

	if (!stat(path, &sb)) {
		now.mtime = sb.st_mtim;
		now.size = sb.st_size;
		now.ino = sb.st_ino;
		now.present = true;
	}
	if (now.present == st->present && now.size == st->size &&
	    now.ino == st->ino && now.mtime.tv_sec == st->mtime.tv_sec &&
	    now.mtime.tv_nsec == st->mtime.tv_nsec)
		return false;
	*st = now;
	return true;
}

/* `peer ca add`, `peer ca remove` and `peer ca crl add` take effect
 * without a restart: the files are read again when they change. A file
 * that cannot be read keeps what was read before, except that a removed
 * file means none. (The CA names the TLS handshake lists to clients are
 * those of the start; they are a hint, not the check.) */
static void fedca_refresh(struct daemon *dm)
{
	char path[PATH_MAX], *p = NULL;
	size_t len = 0;
	struct diag d;
	int err;

	diag_clear(&d);
	snprintf(path, sizeof(path), "%s/%s", dm->home, NODE_FEDCA_FILE);
	if (file_changed(path, &dm->fedca_stamp)) {
		err = node_fedca_load(dm->home, &p, &len, &d);
		if (!err || err == LIA_ENOTFOUND) {
			free(dm->fedca);
			dm->fedca = p;
			dm->fedca_len = len;
			log_line(LOG_INFO, "federation CAs reloaded: %s",
				 p ? "trusted" : "none");
		}
		p = NULL;
		len = 0;
	}
	snprintf(path, sizeof(path), "%s/%s", dm->home, NODE_FEDCRL_FILE);
	if (file_changed(path, &dm->fedcrl_stamp)) {
		err = node_fedcrl_load(dm->home, &p, &len, &d);
		if (!err || err == LIA_ENOTFOUND) {
			free(dm->fedcrl);
			dm->fedcrl = p;
			dm->fedcrl_len = len;
			log_line(LOG_INFO,
				 "federation revocation lists reloaded "
				 "(%zu bytes)",
				 len);
		}
	}
}

/* Not pinned: a certificate chaining to a federation CA is accepted as
 * the agency of its common name, if this node has that agency's card. */
static int ca_peer(struct daemon *dm, const gnutls_datum_t *certs, unsigned n,
		   struct peer_ctx *pc, char *why, size_t why_n)
{
	const uint8_t *der[8];
	size_t len[8];
	char agency[MARKING_CODE_MAX + 1];
	struct diag d;

	diag_clear(&d);
	fedca_refresh(dm);
	if (!dm->fedca) {
		snprintf(why, why_n, "is not a pinned peer");
		return LIA_EDENIED;
	}
	for (unsigned i = 0; i < n && i < 8; i++) {
		der[i] = certs[i].data;
		len[i] = certs[i].size;
	}
	if (identity_ca_verify(dm->fedca, dm->fedca_len, dm->fedcrl,
			       dm->fedcrl_len, der, len, n < 8 ? n : 8, agency,
			       &d)) {
		snprintf(why, why_n, "is not pinned and %s", d.msg);
		return LIA_EDENIED;
	}
	if (store_peer_find(dm->http_node->store, agency, false, peer_cb, pc,
			    &d)) {
		snprintf(why, why_n,
			 "is signed by the federation CA for %s, whose card "
			 "this node does not have (liaison peer add)",
			 agency);
		return LIA_EDENIED;
	}
	return 0;
}

/* Which pinned peer is on the other end of this TLS connection? The
 * client certificate's SHA-256 (of the DER) must be a pinned one, or the
 * certificate must chain to a federation CA and name a pinned agency; the
 * TLS handshake has already proved the client holds its private key. */
static int tls_peer(struct daemon *dm, struct MHD_Connection *c,
		    char agency[MARKING_CODE_MAX + 1], char fp[65], char *why,
		    size_t why_n)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *certs;
	unsigned n = 0;
	uint8_t h[32];
	struct peer_ctx pc = {.via = false};
	struct diag d;

	snprintf(fp, 65, "none");
	snprintf(why, why_n, "is not a pinned peer");
	if (!ci || !ci->tls_session)
		return LIA_EDENIED;
	certs =
	    gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session, &n);
	if (!certs || n < 1 || certs[0].size == 0 ||
	    certs[0].size > IDENTITY_CERT_MAX)
		return LIA_EDENIED;
	crypto_hash_sha256(h, certs[0].data, certs[0].size);
	sodium_bin2hex(fp, 65, h, sizeof(h));
	diag_clear(&d);
	if (store_peer_find(dm->http_node->store, fp, true, peer_cb, &pc, &d) &&
	    ca_peer(dm, certs, n, &pc, why, why_n))
		return LIA_EDENIED;
	/* Pinned to be reached through a hub: its envelopes come from the
	 * hub, and it has no business connecting here itself. */
	if (pc.via) {
		log_line(LOG_WARN,
			 "refused TLS client %s: pinned to be reached through "
			 "a hub, not directly",
			 pc.agency);
		return LIA_EDENIED;
	}
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
	return answer(
	    c, res == NODE_RX_DUPLICATE ? MHD_HTTP_OK : MHD_HTTP_CREATED,
	    json_pack("{s:s,s:s}", "id", id, "status",
		      res == NODE_RX_DUPLICATE ? "duplicate" : "stored"));
}

static const char *rx_name(const struct node_rx_result *r)
{
	if (r->err)
		return "refused";
	return r->rx == NODE_RX_DUPLICATE ? "duplicate" : "stored";
}

/* A batch: every envelope is checked and applied on its own, all in one
 * transaction; the answer (200) says what happened to each, in order.
 * An error for the whole batch (framing, store busy) is one status like
 * a single envelope's. */
static enum MHD_Result receive_batch(struct daemon *dm,
				     struct MHD_Connection *c, struct req *rq)
{
	struct batch_item *items = NULL;
	struct node_rx_result *res = NULL;
	json_t *arr = NULL;
	size_t n = 0, stored = 0, dup = 0, bad = 0;
	struct timespec t0, t1;
	char buf[700];
	struct diag d;
	int err;

	diag_clear(&d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	items = calloc(BATCH_COUNT_MAX, sizeof(*items));
	res = calloc(BATCH_COUNT_MAX, sizeof(*res));
	arr = json_array();
	if (!items || !res || !arr) {
		err = LIA_ENOMEM;
		goto fail;
	}
	if ((err = batch_parse((const uint8_t *)rq->body.buf, rq->body.len,
			       items, BATCH_COUNT_MAX, &n, &d)) ||
	    (err = node_receive_batch(dm->http_node, dm->me, rq->agency, items,
				      n, (int64_t)time(NULL), res, &d)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct node_rx_result *r = &res[i];
		json_t *o =
		    json_pack("{s:s,s:s}", "id", r->id, "status", rx_name(r));

		if (r->err) {
			unsigned st = rx_status(r->err);

			log_line(st >= 500 ? LOG_ERROR : LOG_WARN,
				 "rejected envelope from %s (%zu bytes, "
				 "batch item %zu): %s: %s",
				 rq->agency, items[i].len, i, err_str(r->err),
				 r->why);
			if (o &&
			    (json_object_set_new(o, "code", json_integer(st)) ||
			     json_object_set_new(o, "error",
						 json_string(r->why)))) {
				json_decref(o);
				o = NULL;
			}
			bad++;
		} else {
			log_line(LOG_INFO, "%s envelope %s from %s",
				 r->rx == NODE_RX_DUPLICATE
				     ? "duplicate (already applied)"
				     : "received",
				 r->id, rq->agency);
			r->rx == NODE_RX_DUPLICATE ? dup++ : stored++;
		}
		if (!o || json_array_append_new(arr, o)) {
			/* Committed already: the sender will send again and
			 * be told "duplicate". */
			err = LIA_ENOMEM;
			goto fail;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_line(LOG_INFO,
		 "batch of %zu from %s: %zu stored, %zu duplicate, "
		 "%zu refused, one commit, %lld ms",
		 n, rq->agency, stored, dup, bad,
		 (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
			     (t1.tv_nsec - t0.tv_nsec) / 1000000));
	free(items);
	free(res);
	return answer(c, MHD_HTTP_OK, json_pack("{s:o}", "results", arr));
fail:
	json_decref(arr);
	free(items);
	free(res);
	{
		unsigned st = rx_status(err);

		diag_format(&d, buf, sizeof(buf));
		log_line(st >= 500 ? LOG_ERROR : LOG_WARN,
			 "rejected batch from %s (%zu bytes): %s: %s",
			 rq->agency, rq->body.len, err_str(err), buf);
		return answer_error(c, st, buf);
	}
}

/* 32 lower-case hex digits: an envelope id. */
static bool hex32(const char *s)
{
	size_t i = 0;

	for (; s[i] && i < 33; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 32;
}

static enum MHD_Result answer_blob(struct MHD_Connection *c, unsigned status,
				   uint64_t have, bool complete)
{
	return answer(c, status,
		      json_pack("{s:I,s:b}", "have", (json_int_t)have,
				"complete", complete));
}

/* The first call of an attachment request: GET answers at once; PUT
 * checks its range and opens the upload, or answers when there is
 * nothing to write (complete already, or the sender is not where the
 * receiver is). */
static enum MHD_Result blob_start(struct daemon *dm, struct MHD_Connection *c,
				  struct req *rq, const char *blob,
				  const char *method)
{
	const char *cr, *cl, *env;
	struct attach_range r;
	uint64_t have = 0, clen, used = 0;
	bool complete = false;
	struct diag d;
	char buf[600];
	int err;

	diag_clear(&d);
	if (!attach_blob_hex_ok(blob, strlen(blob))) {
		rq->refused = true;
		return answer_error(c, MHD_HTTP_NOT_FOUND, "no route");
	}
	(void)str_copy(rq->blob, sizeof(rq->blob), blob);
	rq->refused = true;
	env = MHD_lookup_connection_value(c, MHD_HEADER_KIND, DAEMON_HDR_RELAY);
	if (env && !hex32(env))
		return answer_error(c, MHD_HTTP_BAD_REQUEST,
				    DAEMON_HDR_RELAY " must be 32 hex digits");
	if (env)
		(void)str_copy(rq->relay_env, sizeof(rq->relay_env), env);
	if (!strcmp(method, MHD_HTTP_METHOD_GET) || env) {
		/* For a relayed blob, a complete one is moved to the spool
		 * of its envelope here (or found there); a PUT of one that
		 * is complete already is answered without reading it. */
		err =
		    env ? node_blob_claim(dm->home, rq->agency, blob, env,
					  &have, &complete, &d)
			: node_blob_state(dm->home, blob, &have, &complete, &d);
		if (err) {
			diag_format(&d, buf, sizeof(buf));
			if (err == LIA_EDENIED)
				log_line(LOG_WARN,
					 "refused relay of attachment %.16s... "
					 "from %s: %s",
					 blob, rq->agency, buf);
			return answer_error(c,
					    err == LIA_EDENIED
						? MHD_HTTP_FORBIDDEN
						: MHD_HTTP_SERVICE_UNAVAILABLE,
					    buf);
		}
		/* In the spool: the hub's to forward, not the peer's. */
		if (env && complete)
			node_blob_disown(dm->home, rq->agency, blob);
		if (!strcmp(method, MHD_HTTP_METHOD_GET) || complete)
			return answer_blob(c, MHD_HTTP_OK, have, complete);
	}
	if (strcmp(method, MHD_HTTP_METHOD_PUT))
		return answer_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "GET or PUT only");
	cr = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_RANGE);
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!cr || !cl || attach_range_parse(cr, strlen(cr), &r) ||
	    str_to_u64(cl, strlen(cl), &clen) || clen != r.last - r.first + 1) {
		log_line(LOG_WARN,
			 "refused attachment chunk from %s: bad "
			 "Content-Range or Content-Length",
			 rq->agency);
		return answer_error(c, MHD_HTTP_BAD_REQUEST,
				    "Content-Range \"bytes F-L/T\" and its "
				    "Content-Length required");
	}
	/* A peer may not fill the disk: what it has pending here (uploads
	 * no accepted envelope names yet), with this whole file, must fit
	 * its quota. */
	if ((err = node_blob_quota(dm->home, rq->agency, blob, r.total,
				   dm->http_node->cfg.blob_quota, &used, &d))) {
		diag_format(&d, buf, sizeof(buf));
		log_line(LOG_WARN, "refused attachment %.16s... from %s: %s",
			 blob, rq->agency, buf);
		return answer_error(c,
				    err == LIA_EDENIED
					? MHD_HTTP_INSUFFICIENT_STORAGE
					: MHD_HTTP_SERVICE_UNAVAILABLE,
				    buf);
	}
	/* The upload a previous request left is continued if it is this
	 * blob's; this request owns it until it ends. */
	rq->up = dm->blob_up;
	dm->blob_up = NULL;
	err = node_blob_up_begin(dm->home, blob, &r, &rq->up, &have, &d);
	if (!err && (err = node_blob_own(dm->home, rq->agency, blob, &d)))
		err = err == LIA_EINVAL ? LIA_EIO : err;
	if (err == LIA_EEXIST)
		return answer_blob(c, MHD_HTTP_OK, have, true);
	if (err == LIA_EINVAL) {
		log_line(LOG_INFO,
			 "attachment %.16s... from %s: chunk at %llu, have "
			 "%llu",
			 blob, rq->agency, (unsigned long long)r.first,
			 (unsigned long long)have);
		return answer_blob(c, MHD_HTTP_CONFLICT, have, false);
	}
	if (err) {
		diag_format(&d, buf, sizeof(buf));
		log_line(LOG_ERROR, "attachment %.16s... from %s: %s", blob,
			 rq->agency, buf);
		return answer_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, buf);
	}
	rq->refused = false;
	return MHD_YES;
}

/* The last call of a PUT: the chunk is all there (or writing failed). */
static enum MHD_Result blob_finish(struct daemon *dm, struct MHD_Connection *c,
				   struct req *rq)
{
	uint64_t have = 0;
	bool complete = false;
	struct diag d;
	char buf[600];
	int err;

	diag_clear(&d);
	err = rq->up_err ? rq->up_err
			 : node_blob_up_end(rq->up, &have, &complete, &d);
	if (err == LIA_ECRYPTO) {
		log_line(LOG_WARN,
			 "attachment %.16s... from %s: %s; "
			 "starting again",
			 rq->blob, rq->agency,
			 diag_format(&d, buf, sizeof(buf)));
		return answer_blob(c, MHD_HTTP_CONFLICT, 0, false);
	}
	if (err) {
		diag_format(&d, buf, sizeof(buf));
		log_line(LOG_ERROR, "attachment %.16s... from %s: %s", rq->blob,
			 rq->agency, buf);
		return answer_error(c,
				    rq->up_err == LIA_ETOOBIG
					? MHD_HTTP_BAD_REQUEST
					: MHD_HTTP_SERVICE_UNAVAILABLE,
				    buf);
	}
	if (complete && rq->relay_env[0]) {
		if ((err = node_blob_claim(dm->home, rq->agency, rq->blob,
					   rq->relay_env, &have, &complete,
					   &d))) {
			diag_format(&d, buf, sizeof(buf));
			log_line(LOG_ERROR, "attachment %.16s... from %s: %s",
				 rq->blob, rq->agency, buf);
			return answer_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					    buf);
		}
		node_blob_disown(dm->home, rq->agency, rq->blob);
	}
	if (complete)
		log_line(LOG_INFO,
			 "attachment %.16s... from %s complete "
			 "(%llu bytes, hash checked%s%s)",
			 rq->blob, rq->agency, (unsigned long long)have,
			 rq->relay_env[0] ? ", to relay with " : "",
			 rq->relay_env);
	return answer_blob(c, MHD_HTTP_OK, have, complete);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct daemon *dm = cls;
	struct req *rq = *con_cls;
	char fp[65], why[400];

	(void)version;
	if (!rq) {
		const char *cl;
		uint64_t clen;

		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		rq->batch = !strcmp(url, DAEMON_PATH_BATCH);
		strbuf_init(&rq->body, rq->batch ? BATCH_MAX : ENVELOPE_MAX);
		*con_cls = rq;
		if (tls_peer(dm, c, rq->agency, fp, why, sizeof(why))) {
			log_line(LOG_WARN,
				 "refused TLS client: certificate "
				 "sha256 %s %s",
				 fp, why);
			rq->refused = true;
			return answer_error(c, MHD_HTTP_FORBIDDEN,
					    "certificate is not a pinned peer");
		}
		if (!strncmp(url, DAEMON_PATH_ATTACHMENT,
			     strlen(DAEMON_PATH_ATTACHMENT)))
			return blob_start(dm, c, rq,
					  url + strlen(DAEMON_PATH_ATTACHMENT),
					  method);
		if (!rq->batch && strcmp(url, DAEMON_PATH_ENVELOPES)) {
			rq->refused = true;
			return answer_error(c, MHD_HTTP_NOT_FOUND, "no route");
		}
		if (strcmp(method, MHD_HTTP_METHOD_POST)) {
			rq->refused = true;
			return answer_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					    "POST only");
		}
		cl = MHD_lookup_connection_value(
		    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && (str_to_u64(cl, strlen(cl), &clen) ||
			   clen > rq->body.max)) {
			log_line(LOG_WARN,
				 "refused envelope from %s: length "
				 "over %zu bytes",
				 rq->agency, rq->body.max);
			rq->refused = true;
			return answer_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
					    "envelope too big");
		}
		return MHD_YES;
	}
	if (rq->up && !rq->refused) {
		if (*upload_size && !rq->up_err) {
			struct diag d;

			diag_clear(&d);
			rq->up_err = node_blob_up_write(rq->up, upload,
							*upload_size, &d);
		}
		if (*upload_size) {
			*upload_size = 0;
			return MHD_YES;
		}
		return blob_finish(dm, c, rq);
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
	return rq->batch ? receive_batch(dm, c, rq) : receive(dm, c, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	struct daemon *dm = cls;

	(void)c;
	(void)toe;
	if (!rq)
		return;
	/* An unfinished upload (a broken connection, a chunk in the middle)
	 * is kept for the next request of the same blob. */
	if (rq->up) {
		node_blob_up_free(dm->blob_up);
		dm->blob_up = rq->up;
	}
	strbuf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
}

/* ------------------------------------------------------------ worker */

/* "sha256//BASE64" of the peer's public key (SubjectPublicKeyInfo DER),
 * what CURLOPT_PINNEDPUBLICKEY compares the server's key with. */
static int spki_pin(const char *cert_pem, char *out, size_t n, struct diag *d)
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
	struct strbuf body;
	bool cut;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb, room = s->body.max - s->body.len;

	/* What does not fit is dropped and the answer treated as unusable
	 * (for a batch), never read past. */
	if (n > room)
		s->cut = true;
	if (strbuf_add(&s->body, p, n < room ? n : room))
		s->cut = true;
	return n;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t e)
{
	struct daemon *dm = ctx;

	(void)a, (void)b, (void)c, (void)e;
	/* Shutting down: abandon the transfer. The rows stay queued and
	 * are sent again after restart; the receiver deduplicates. */
	return atomic_load(&dm->stop) ? 1 : 0;
}

/* The kept handle for a peer, made on first use. When the table is full
 * the oldest handle (and its connection) goes. */
static CURL *conn_for(struct daemon *dm, const char *agency)
{
	CURL *h;

	for (size_t i = 0; i < dm->n_conns; i++)
		if (!strcmp(dm->conns[i].agency, agency))
			return dm->conns[i].h;
	if (!(h = curl_easy_init()))
		return NULL;
	if (dm->n_conns == PEER_CONNS_MAX) {
		curl_easy_cleanup(dm->conns[0].h);
		memmove(&dm->conns[0], &dm->conns[1],
			(PEER_CONNS_MAX - 1) * sizeof(dm->conns[0]));
		dm->n_conns--;
	}
	(void)str_copy(dm->conns[dm->n_conns].agency,
		       sizeof(dm->conns[0].agency), agency);
	dm->conns[dm->n_conns++].h = h;
	return h;
}

static void conns_drop(struct daemon *dm)
{
	for (size_t i = 0; i < dm->n_conns; i++)
		curl_easy_cleanup(dm->conns[i].h);
	dm->n_conns = 0;
}

/* One request in flight: a batch to one peer. */
struct xfer {
	CURL *h;
	struct curl_slist *hdr;
	struct strbuf body;
	struct sink sink;
	char ebuf[CURL_ERROR_SIZE];
	CURLcode rc;
	bool added, done;
	struct mark *m; /* its rows' marks */
	size_t k;
};

static void tls_opts(struct daemon *dm, CURL *h, const char *pin);

/* Set up the POST of x->body to a peer on the peer's kept handle. */
static int post_setup(struct daemon *dm, struct xfer *x, const char *agency,
		      const char *url, const char *pin)
{
	char full[STORE_URL_MAX + 32];
	size_t ul = strlen(url);
	CURL *h;

	if (!(h = conn_for(dm, agency)))
		return LIA_ENOMEM;
	snprintf(full, sizeof(full), "%.*s%s",
		 (int)(ul && url[ul - 1] == '/' ? ul - 1 : ul), url,
		 DAEMON_PATH_BATCH);
	x->hdr =
	    curl_slist_append(x->hdr, "Content-Type: application/octet-stream");
	x->hdr = curl_slist_append(x->hdr, "Expect:");
	if (!x->hdr)
		return LIA_ENOMEM;
	/* Reset forgets the options, not the connection: the handle's
	 * connection to this peer is reused while it stays open. */
	curl_easy_reset(h);
	x->h = h;
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->body.buf);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)x->body.len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdr);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 120000L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->ebuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x->sink);
	tls_opts(dm, h, pin);
	return 0;
}

/* The options every request to a peer has: mutual TLS with this node's
 * certificate, the peer's pinned key, abandoned at shutdown. */
static void tls_opts(struct daemon *dm, CURL *h, const char *pin)
{
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
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
	/* Nor is the system's CA bundle of any use, and loading it costs
	 * a noticeable time on every new connection. */
	curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, dm);
}

/* ------------------------------------------------ attachment uploads */

/* The chunk of a spool file a PUT sends. */
struct chunk {
	FILE *f;
	uint64_t left;
};

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ctx)
{
	struct chunk *ck = ctx;
	size_t want = size * nmemb, k;

	if (want > ck->left)
		want = (size_t)ck->left;
	k = fread(buf, 1, want, ck->f);
	if (k < want)
		return CURL_READFUNC_ABORT; /* the spool file shrank */
	ck->left -= k;
	return k;
}

struct upload {
	struct daemon *dm;
	CURL *h;
	const char *agency, *url, *pin;
	const char *relay_env; /* the envelope, when url is a hub's */
	struct strbuf answer;
	char ebuf[CURL_ERROR_SIZE];
	char why[600];
	uint64_t sent; /* bytes of chunks sent */
};

/* Append s to *l; on failure the whole list is freed (*l NULL). */
static int slist_add(struct curl_slist **l, const char *s)
{
	struct curl_slist *n = curl_slist_append(*l, s);

	if (!n) {
		curl_slist_free_all(*l);
		*l = NULL;
		return LIA_ENOMEM;
	}
	*l = n;
	return 0;
}

/* One GET (f NULL) or PUT of bytes [first, first+len) of total to the
 * blob's URL. *have and *complete from the answer. Returns the HTTP
 * status, or 0 with u->why set when there was no usable answer. */
static long blob_request(struct upload *u, const char *blob, FILE *f,
			 uint64_t first, uint64_t len, uint64_t total,
			 uint64_t *have, bool *complete)
{
	struct sink sink = {.body = u->answer};
	struct curl_slist *hdr = NULL;
	struct chunk ck = {f, len};
	char full[STORE_URL_MAX + 128], range[96], relay[80];
	size_t ul = strlen(u->url);
	long status = 0;
	CURLcode rc;

	strbuf_reset(&sink.body);
	snprintf(full, sizeof(full), "%.*s%s%s",
		 (int)(ul && u->url[ul - 1] == '/' ? ul - 1 : ul), u->url,
		 DAEMON_PATH_ATTACHMENT, blob);
	curl_easy_reset(u->h);
	curl_easy_setopt(u->h, CURLOPT_URL, full);
	if (u->relay_env) {
		snprintf(relay, sizeof(relay), DAEMON_HDR_RELAY ": %s",
			 u->relay_env);
		if (slist_add(&hdr, relay)) {
			snprintf(u->why, sizeof(u->why), "out of memory");
			return 0;
		}
	}
	if (f) {
		snprintf(range, sizeof(range),
			 "Content-Range: bytes %llu-%llu/%llu",
			 (unsigned long long)first,
			 (unsigned long long)(first + len - 1),
			 (unsigned long long)total);
		if (slist_add(&hdr, range) ||
		    slist_add(&hdr, "Content-Type: application/octet-stream") ||
		    slist_add(&hdr, "Expect:")) {
			snprintf(u->why, sizeof(u->why), "out of memory");
			return 0;
		}
		curl_easy_setopt(u->h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(u->h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(u->h, CURLOPT_READDATA, &ck);
		curl_easy_setopt(u->h, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)len);
		if (u->dm->upload_bps)
			curl_easy_setopt(u->h, CURLOPT_MAX_SEND_SPEED_LARGE,
					 (curl_off_t)u->dm->upload_bps);
	}
	if (hdr)
		curl_easy_setopt(u->h, CURLOPT_HTTPHEADER, hdr);
	/* A chunk takes as long as the link needs: instead of a total
	 * time limit, give up when less than 1 KiB/s moves for 60 s. */
	curl_easy_setopt(u->h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(u->h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(u->h, CURLOPT_ERRORBUFFER, u->ebuf);
	curl_easy_setopt(u->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(u->h, CURLOPT_WRITEDATA, &sink);
	tls_opts(u->dm, u->h, u->pin);
	u->ebuf[0] = 0;
	rc = curl_easy_perform(u->h);
	curl_slist_free_all(hdr);
	u->answer = sink.body;
	if (rc != CURLE_OK) {
		snprintf(u->why, sizeof(u->why), "attachment %.16s...: %s%s%s",
			 blob, curl_easy_strerror(rc), u->ebuf[0] ? ": " : "",
			 u->ebuf);
		return 0;
	}
	curl_easy_getinfo(u->h, CURLINFO_RESPONSE_CODE, &status);
	if (f)
		u->sent += len;
	if ((status == 200 || status == 409) &&
	    (sink.cut || node_blob_status_parse(sink.body.buf, sink.body.len,
						have, complete))) {
		snprintf(u->why, sizeof(u->why),
			 "attachment %.16s...: unusable answer", blob);
		return 0;
	}
	if (status != 200 && status != 409)
		snprintf(u->why, sizeof(u->why),
			 "attachment %.16s...: HTTP %ld %.300s", blob, status,
			 sink.body.buf);
	return status;
}

/* Bring one spool file to the peer: ask what it has, then send the rest
 * in chunks of at most ATTACH_PUT_MAX. A chunk the receiver did not
 * expect (409) is answered with where it stands, and the upload goes on
 * from there: from its offset after an interruption, from 0 when the
 * whole file did not hash to its id. */
static int upload_cb(const char *path, const char *blob, uint64_t size,
		     void *ctx)
{
	struct upload *u = ctx;
	uint64_t have = 0;
	bool complete = false;
	int conflicts = 0, err = LIA_EIO;
	long st;
	FILE *f = NULL;

	if ((st = blob_request(u, blob, NULL, 0, 0, 0, &have, &complete)) !=
	    200)
		return LIA_EIO;
	if (complete)
		return 0;
	if (!(f = fopen(path, "rb"))) {
		snprintf(u->why, sizeof(u->why), "%s: %s", path,
			 strerror(errno));
		return LIA_EIO;
	}
	if (have)
		log_line(LOG_INFO,
			 "attachment %.16s... to %s: resuming at byte %llu "
			 "of %llu",
			 blob, u->agency, (unsigned long long)have,
			 (unsigned long long)size);
	while (!complete) {
		uint64_t len;

		/* All there but not published (the receiver stopped between
		 * its sync and its rename): send the last bytes again, which
		 * makes it check and publish the file. */
		if (have >= size && size)
			have =
			    size - (size < ATTACH_CHUNK ? size : ATTACH_CHUNK);
		len = size - have;
		if (!len || atomic_load(&u->dm->stop)) {
			snprintf(u->why, sizeof(u->why),
				 "attachment %.16s...: the peer holds %llu "
				 "bytes of %llu",
				 blob, (unsigned long long)have,
				 (unsigned long long)size);
			goto out;
		}
		if (len > ATTACH_PUT_MAX)
			len = ATTACH_PUT_MAX;
		if (fseeko(f, (off_t)have, SEEK_SET)) {
			snprintf(u->why, sizeof(u->why), "%s: %s", path,
				 strerror(errno));
			goto out;
		}
		st =
		    blob_request(u, blob, f, have, len, size, &have, &complete);
		if (st == 409 && ++conflicts <= 3)
			continue;
		if (st != 200)
			goto out;
	}
	log_line(LOG_INFO, "attachment %.16s... to %s: complete (%llu bytes)",
		 blob, u->agency, (unsigned long long)size);
	err = 0;
out:
	fclose(f);
	return err;
}

/* Upload every attachment of envelope env_id (its spool) to a peer
 * before the envelope itself is sent: the receiver accepts the envelope
 * only once they are all there. */
static int upload_spool(struct daemon *dm, CURL *h, const struct up_job *j,
			char *why, size_t why_n)
{
	struct upload u = {.dm = dm,
			   .h = h,
			   .agency = j->agency,
			   .url = j->url,
			   .pin = j->pin,
			   .relay_env = j->via_hub ? j->env_id : NULL};
	struct diag d;
	int err;

	diag_clear(&d);
	strbuf_init(&u.answer, 4096);
	err = node_spool_each(dm->home, j->env_id, upload_cb, &u, &d);
	if (err)
		snprintf(why, why_n, "%s",
			 u.why[0] ? u.why
				  : diag_format(&d, u.why, sizeof(u.why)));
	strbuf_release(&u.answer);
	return err;
}

static int spool_count_cb(const char *path, const char *blob, uint64_t size,
			  void *ctx)
{
	(void)path, (void)blob, (void)size;
	(*(size_t *)ctx)++;
	return 0;
}

static bool has_spool(struct daemon *dm, const char *env_id)
{
	size_t k = 0;

	(void)node_spool_each(dm->home, env_id, spool_count_cb, &k, NULL);
	return k > 0;
}

static void wake_self(void *ctx);

/* An upload thread: takes the oldest queued job whose envelope no other
 * thread is uploading (two uploads of one blob to one hub would collide
 * on its lock), runs it with its own connection, and wakes the worker. */
static void *uploader(void *arg)
{
	struct daemon *dm = arg;
	CURL *h = curl_easy_init();
	char why[600];

	pthread_mutex_lock(&dm->up_mu);
	while (!atomic_load(&dm->stop)) {
		struct up_job *j = NULL;
		int err;

		for (size_t i = 0; h && !j && i < UPLOAD_JOBS_MAX; i++) {
			bool busy = false;

			if (dm->jobs[i].st != UP_QUEUED)
				continue;
			for (size_t k = 0; k < UPLOAD_JOBS_MAX && !busy; k++)
				busy = dm->jobs[k].st == UP_RUNNING &&
				       !strcmp(dm->jobs[k].env_id,
					       dm->jobs[i].env_id);
			if (!busy)
				j = &dm->jobs[i];
		}
		if (!j) {
			pthread_cond_wait(&dm->up_cv, &dm->up_mu);
			continue;
		}
		/* A running job is read here and changed by no one else. */
		j->st = UP_RUNNING;
		pthread_mutex_unlock(&dm->up_mu);
		why[0] = 0;
		err = upload_spool(dm, h, j, why, sizeof(why));
		pthread_mutex_lock(&dm->up_mu);
		j->st = err ? UP_FAILED : UP_DONE;
		(void)str_copy(j->why, sizeof(j->why), why);
		/* Another thread may now take a job of this envelope. */
		pthread_cond_broadcast(&dm->up_cv);
		wake_self(dm);
	}
	pthread_mutex_unlock(&dm->up_mu);
	if (h)
		curl_easy_cleanup(h);
	else
		log_line(LOG_ERROR, "upload thread: libcurl failed");
	return NULL;
}

/* Where the upload of envelope env_id's attachments to agency stands, for
 * the worker: UP_DONE or UP_FAILED (with why) once, then forgotten;
 * UP_QUEUED or UP_RUNNING while it is not finished (a new one is queued
 * here; when the table is full, it is queued at a later round). */
static int upload_status(struct daemon *dm, const char *env_id,
			 const char *agency, const char *url, const char *pin,
			 bool via_hub, char *why, size_t why_n)
{
	struct up_job *j = NULL, *free_j = NULL, *old_j = NULL;
	int st;

	pthread_mutex_lock(&dm->up_mu);
	for (size_t i = 0; !j && i < UPLOAD_JOBS_MAX; i++) {
		struct up_job *c = &dm->jobs[i];

		if (c->st == UP_FREE) {
			if (!free_j)
				free_j = c;
			continue;
		}
		if (!strcmp(c->env_id, env_id) && !strcmp(c->agency, agency))
			j = c;
		else if (!old_j && (c->st == UP_DONE || c->st == UP_FAILED))
			old_j = c;
	}
	/* A finished job whose row the worker no longer asks about (given
	 * up, delivered another way) would hold its slot for ever: when
	 * none is free, one is taken. Its row, if it comes back, queues the
	 * upload again, which finds the files at the peer at once. */
	if (!free_j)
		free_j = old_j;
	if (!j && free_j) {
		j = free_j;
		memset(j, 0, sizeof(*j));
		(void)str_copy(j->env_id, sizeof(j->env_id), env_id);
		(void)str_copy(j->agency, sizeof(j->agency), agency);
		(void)str_copy(j->url, sizeof(j->url), url);
		(void)str_copy(j->pin, sizeof(j->pin), pin);
		j->via_hub = via_hub;
		j->st = UP_QUEUED;
		pthread_cond_broadcast(&dm->up_cv);
	}
	st = j ? (int)j->st : UP_QUEUED;
	if (j && (st == UP_DONE || st == UP_FAILED)) {
		snprintf(why, why_n, "%s", j->why);
		j->st = UP_FREE;
	}
	pthread_mutex_unlock(&dm->up_mu);
	return st;
}

/* Run every set-up transfer at once (one per peer), so that a message to
 * nine partners takes about as long as one to one partner. */
static void post_all(struct daemon *dm, struct xfer *x, size_t n)
{
	CURLMsg *msg;
	int running = 0, left;

	for (size_t i = 0; i < n; i++) {
		x[i].rc = CURLE_FAILED_INIT;
		if (x[i].h && !curl_multi_add_handle(dm->multi, x[i].h))
			x[i].added = true;
	}
	do {
		if (curl_multi_perform(dm->multi, &running) != CURLM_OK)
			break;
		if (running &&
		    curl_multi_poll(dm->multi, NULL, 0, 100, NULL) != CURLM_OK)
			break;
	} while (running);
	while ((msg = curl_multi_info_read(dm->multi, &left)))
		for (size_t i = 0; msg->msg == CURLMSG_DONE && i < n; i++)
			if (x[i].h == msg->easy_handle) {
				x[i].rc = msg->data.result;
				x[i].done = true;
			}
	for (size_t i = 0; i < n; i++)
		if (x[i].added) {
			curl_multi_remove_handle(dm->multi, x[i].h);
			x[i].added = false;
		}
}

/* What to write for one outbox row after an attempt. */
struct mark {
	const struct store_out_item *it;
	enum store_out_state st;
	int64_t next_at;
	char why[600];
};

/* Write the marks of one request in one durable transaction (one sync,
 * whatever the number of rows). When that fails the rows stay as they
 * were: sent again later, deduplicated by the receiver. */
static void mark_all(struct daemon *dm, struct mark *m, size_t n)
{
	struct store *st = dm->work_node->store;
	struct diag d;
	char buf[600];
	int err;

	diag_clear(&d);
	if ((err = store_batch_begin(st, &d)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((err = store_outbox_mark(
			 st, m[i].it->env_id, m[i].it->recipient, m[i].st,
			 m[i].next_at, m[i].why[0] ? m[i].why : NULL, &d)) &&
		    err != LIA_ENOTFOUND)
			break;
	if (err == LIA_ENOTFOUND)
		err = 0;
	if (err)
		(void)store_batch_end(st, false, NULL);
	else
		err = store_batch_end(st, true, &d);
out:
	if (err)
		log_line(LOG_ERROR, "outbox: marking %zu row(s): %s", n,
			 diag_format(&d, buf, sizeof(buf)));
}

static void mark_failed(struct mark *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void mark_failed(struct mark *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	m->st = STORE_OUT_FAILED;
	m->next_at = 0;
	log_line(LOG_WARN, "%s %s to %s: %s", m->it->kind, m->it->env_id,
		 m->it->recipient, m->why);
}

static void mark_retry(struct daemon *dm, struct mark *m, const char *err)
{
	int64_t ms =
	    daemon_backoff_ms(m->it->attempts, randombytes_random(),
			      DAEMON_BACKOFF_BASE_MS, dm->backoff_cap_ms);

	log_line(LOG_WARN,
		 "%s %s to %s: attempt %lld failed, retry in %lld "
		 "ms: %s",
		 m->it->kind, m->it->env_id, m->it->recipient,
		 (long long)m->it->attempts + 1, (long long)ms, err);
	snprintf(m->why, sizeof(m->why), "%s", err);
	m->st = m->it->state;
	/* Whole seconds in the store: round up. */
	m->next_at = (int64_t)time(NULL) + (ms + 999) / 1000;
}

static void mark_done(struct daemon *dm, struct mark *m, long status,
		      const char *how)
{
	/* A receipt is never answered with a receipt: it is done once the
	 * peer committed it. So is an envelope this node relayed as a hub:
	 * the receipt goes to its sender, not to us. */
	bool done =
	    !strcmp(m->it->kind, "receipt") || !strcmp(m->it->kind, "relay");

	log_line(LOG_INFO, "sent %s %s to %s (HTTP %ld, %s)", m->it->kind,
		 m->it->env_id, m->it->recipient, status, how);
	m->why[0] = 0;
	m->st = done ? STORE_OUT_DELIVERED : STORE_OUT_SENT;
	/* A hub deletes relayed attachments as soon as the recipient has
	 * them (it accepted the envelope only then), not at the next
	 * minute's pruning: prune right after these marks commit. */
	if (!strcmp(m->it->kind, "relay") && has_spool(dm, m->it->env_id))
		dm->spool_pruned = 0;
	m->next_at = (int64_t)time(NULL) + dm->receipt_wait_s;
}

/* Read the per-envelope results of a batch answer into m[0..n). False
 * when the answer is not a well-formed list of exactly n results for
 * exactly these envelopes: then nothing of it is believed. */
static bool apply_results(struct daemon *dm, struct mark *m, size_t n,
			  long status, const struct sink *sink)
{
	json_t *o, *arr;
	bool ok = false;

	if (sink->cut)
		return false;
	o = json_loadb(sink->body.buf, sink->body.len, JSON_REJECT_DUPLICATES,
		       NULL);
	arr = json_object_get(o, "results");
	if (!json_is_array(arr) || json_array_size(arr) != n)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(arr, i);
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *st =
		    json_string_value(json_object_get(r, "status"));

		/* An envelope that did not parse has no id ("") there. */
		if (!id || !st || (*id && strcmp(id, m[i].it->env_id)))
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(arr, i);
		const char *st =
		    json_string_value(json_object_get(r, "status"));
		const char *why =
		    json_string_value(json_object_get(r, "error"));
		json_int_t code =
		    json_integer_value(json_object_get(r, "code"));

		if (!strcmp(st, "stored") || !strcmp(st, "duplicate"))
			mark_done(dm, &m[i], status, st);
		else if (code >= 400 && code < 500 && code != 408 &&
			 code != 429)
			/* The peer read the envelope and refused it: sending
			 * it again would be refused again. */
			mark_failed(&m[i], "refused by %s: HTTP %lld %.400s",
				    m[i].it->recipient, (long long)code,
				    why ? why : "");
		else
			mark_retry(dm, &m[i], why ? why : "peer busy");
	}
	ok = true;
out:
	json_decref(o);
	return ok;
}

/* A peer pinned "via:HUB" (url) is reached by posting to its hub: card
 * and url become the hub's, which must itself be reached directly. */
static int hub_route(struct daemon *dm, struct identity_card *card, char *url,
		     size_t url_n, char hub[MARKING_CODE_MAX + 1],
		     struct diag *d)
{
	int err;

	if (!node_url_via(url, hub))
		return 0;
	identity_card_free(card);
	if ((err = node_peer_card(dm->work_node, hub, card, url, url_n, d))) {
		diag_prefix(d, "hub %s: ", hub);
		return err;
	}
	if (node_url_via(url, NULL)) {
		diag_set(d, "hub %s is itself reached through a hub", hub);
		return LIA_EINVAL;
	}
	return 0;
}

/* Set up the first batch of rows it[0..n), all to one recipient, in x.
 * Rows that do not fit wait for the next round (they stay due); *more
 * says so. Rows that cannot be sent at all get their failed mark now. */
static void prepare_group(struct daemon *dm, struct store_out_item *it,
			  struct mark *m, size_t n, struct xfer *x, bool *more,
			  size_t *waiting)
{
	const char *to = it[0].recipient;
	struct identity_card card = {0};
	char url[STORE_URL_MAX + 1], pin[128], why[600];
	char hub[MARKING_CODE_MAX + 1] = "";
	struct diag d;
	size_t k = 0, w = 0;

	diag_clear(&d);
	x->m = m;
	for (size_t i = 0; i < n; i++)
		m[i].it = &it[i];
	if (node_peer_card(dm->work_node, to, &card, url, sizeof(url), &d) ||
	    hub_route(dm, &card, url, sizeof(url), hub, &d) ||
	    spki_pin(card.tls_cert_pem, pin, sizeof(pin), &d)) {
		diag_format(&d, why, sizeof(why));
		for (size_t i = 0; i < n; i++)
			mark_failed(&m[i], "cannot send: %s", why);
		x->k = n;
		goto out;
	}
	/* Attachments first, by the upload threads: a row goes in the batch
	 * once its attachments are all at the peer; until then it stays
	 * due and out of the batch (the threads wake the worker when an
	 * upload ends). A row whose upload failed waits for its retry
	 * (marked now). */
	for (size_t i = 0; i < n; i++) {
		/* A hub forwards the attachments of what it relays from
		 * its spool (node_blob_claim) like its own. */
		bool files = !strcmp(it[i].kind, "message") ||
			     !strcmp(it[i].kind, "relay");
		int st = UP_DONE;

		if (files && has_spool(dm, it[i].env_id))
			st = upload_status(dm, it[i].env_id, to, url, pin,
					   hub[0] != 0, why, sizeof(why));
		if (st == UP_DONE) {
			if (w != i)
				it[w] = it[i];
			m[w].it = &it[w];
			w++;
			continue;
		}
		(*waiting)++;
		if (st == UP_FAILED) {
			mark_retry(dm, &m[i], why);
			mark_all(dm, &m[i], 1);
		}
	}
	n = w;
	if (!n) {
		x->k = 0;
		goto out;
	}
	if (batch_start(&x->body))
		goto out;
	while (k < n && !batch_append(&x->body, it[k].bytes, it[k].len))
		k++;
	*more = *more || k < n;
	x->k = k;
	if (post_setup(dm, x, to, url, pin)) {
		for (size_t i = 0; i < k; i++)
			mark_retry(dm, &m[i], "out of memory");
		x->h = NULL;
	}
out:
	identity_card_free(&card);
}

/* The outcome of x's request, as marks of its rows. */
static void finish_xfer(struct daemon *dm, struct xfer *x)
{
	const char *to;
	char err[600] = "";
	long status = 0;

	if (!x->h || !x->k)
		return; /* marked already */
	to = x->m[0].it->recipient;
	if (x->done && x->rc == CURLE_OK)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, sizeof(err), "%s%s%s", curl_easy_strerror(x->rc),
			 x->ebuf[0] ? ": " : "", x->ebuf);
	if (status == 200 && apply_results(dm, x->m, x->k, status, &x->sink))
		return;
	/* A whole request refused is final, except 403: the peer does not
	 * (yet) pin this node, which its operator may fix at any time
	 * (peers are reloaded without a restart), so it is retried with
	 * backoff until the row's age limit. */
	if (status >= 400 && status < 500 && status != 403 && status != 408 &&
	    status != 429) {
		for (size_t i = 0; i < x->k; i++)
			mark_failed(&x->m[i], "refused by %s: HTTP %ld %.400s",
				    to, status, x->sink.body.buf);
		return;
	}
	if (status)
		snprintf(err, sizeof(err), "HTTP %ld %.400s", status,
			 x->sink.body.buf);
	for (size_t i = 0; i < x->k; i++)
		mark_retry(dm, &x->m[i], err);
}

/* One round: rows it[0..n) (any recipients) go out as one batch per
 * recipient, all requests at once; then every outcome is written in one
 * transaction. Returns true when rows were left for the next round;
 * *waiting counts the rows that wait for their attachments' upload. */
static bool deliver_round(struct daemon *dm, struct store_out_item *it,
			  size_t n, size_t *waiting)
{
	struct store_out_item *sorted = NULL;
	struct mark *m = NULL;
	struct xfer *x = NULL;
	bool *taken = NULL, more = false;
	size_t nx = 0, k = 0, nm = 0;

	sorted = calloc(n, sizeof(*sorted));
	m = calloc(n, sizeof(*m));
	x = calloc(n, sizeof(*x));
	taken = calloc(n, sizeof(*taken));
	if (!sorted || !m || !x || !taken) {
		log_line(LOG_ERROR, "delivery: out of memory");
		goto out;
	}
	/* Group by recipient, keeping the queue's order within a group.
	 * Shallow copies: the bytes stay owned by it. */
	for (size_t i = 0; i < n; i++) {
		size_t start = k;

		if (taken[i])
			continue;
		for (size_t j = i; j < n; j++)
			if (!taken[j] &&
			    !strcmp(it[j].recipient, it[i].recipient)) {
				sorted[k++] = it[j];
				taken[j] = true;
			}
		strbuf_init(&x[nx].body, BATCH_MAX);
		strbuf_init(&x[nx].sink.body, RESPONSE_MAX);
		prepare_group(dm, &sorted[start], &m[start], k - start, &x[nx],
			      &more, waiting);
		nx++;
	}
	post_all(dm, x, nx);
	if (atomic_load(&dm->stop))
		goto out; /* abandoned: the rows stay as they were */
	for (size_t i = 0; i < nx; i++) {
		finish_xfer(dm, &x[i]);
		/* Only the rows that went (or failed) are marked. */
		if (x[i].m != &m[nm])
			memmove(&m[nm], x[i].m, x[i].k * sizeof(*m));
		nm += x[i].k;
	}
	if (nm)
		mark_all(dm, m, nm);
out:
	for (size_t i = 0; x && i < nx; i++) {
		curl_slist_free_all(x[i].hdr);
		strbuf_release(&x[i].body);
		strbuf_release(&x[i].sink.body);
	}
	free(sorted);
	free(m);
	free(x);
	free(taken);
	return more;
}

/* Wait until something is queued (a datagram on the home's socket, a
 * byte on the pipe), shutdown, or POLL_MS; then drain what woke us. */
static void wait_for_work(struct daemon *dm)
{
	struct pollfd pf[2] = {{.fd = dm->pipe_fd[0], .events = POLLIN},
			       {.fd = dm->wake_fd, .events = POLLIN}};
	char buf[64];

	if (poll(pf, dm->wake_fd >= 0 ? 2 : 1, POLL_MS) <= 0)
		return;
	while (read(dm->pipe_fd[0], buf, sizeof(buf)) > 0)
		;
	while (dm->wake_fd >= 0 && recv(dm->wake_fd, buf, sizeof(buf), 0) >= 0)
		;
}

static int peer_line_cb(const struct store_peer *p, void *ctx)
{
	return strbuf_addf(ctx, "%s %s %s\n", p->agency, p->tls_sha256, p->url);
}

/* Is the line starting at p (in text) absent from other? */
static bool line_missing(const char *p, const struct strbuf *other)
{
	size_t n = strcspn(p, "\n") + 1;

	for (const char *q = other->buf; *q; q += strcspn(q, "\n") + 1)
		if (!strncmp(q, p, n))
			return false;
	return true;
}

/* Peers are read from the store on every request and every delivery, so
 * a `peer add` or `peer remove` takes effect at once. Here the worker
 * notices the change (at most once a second), says so in the log, and
 * drops its kept connections: a connection made under an old pin must
 * not carry envelopes for a peer whose pin changed. */
static void peers_reload(struct daemon *dm, int64_t now)
{
	struct strbuf cur, msg;
	struct diag d;
	int err;

	if (now == dm->peers_checked)
		return;
	dm->peers_checked = now;
	strbuf_init(&cur, 1 << 20);
	strbuf_init(&msg, 1024);
	diag_clear(&d);
	if ((err = store_peer_each(dm->work_node->store, peer_line_cb, &cur,
				   &d)) ||
	    !strcmp(cur.buf, dm->peers.buf))
		goto out;
	for (const char *p = cur.buf; *p; p += strcspn(p, "\n") + 1)
		if (line_missing(p, &dm->peers))
			(void)strbuf_addf(&msg, " +%.*s", (int)strcspn(p, " "),
					  p);
	for (const char *p = dm->peers.buf; *p; p += strcspn(p, "\n") + 1)
		if (line_missing(p, &cur))
			(void)strbuf_addf(&msg, " -%.*s", (int)strcspn(p, " "),
					  p);
	log_line(LOG_INFO, "peers reloaded:%s", msg.buf);
	conns_drop(dm);
	strbuf_reset(&dm->peers);
	(void)strbuf_add(&dm->peers, cur.buf, cur.len);
out:
	strbuf_release(&cur);
	strbuf_release(&msg);
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
	struct store_out_item *items = calloc(DUE_BATCH, sizeof(*items));
	struct store_out_item *live = calloc(DUE_BATCH, sizeof(*live));
	int64_t last_prune = 0, last_publish = 0;
	/* Spool and blobs are looked at once a minute, or more often when
	 * uploads expire sooner (a test's configuration). */
	const struct node_config *cfg = &dm->work_node->cfg;
	int64_t prune_s = cfg->blob_expiry_s;

	if (cfg->upload_expiry_s < prune_s)
		prune_s = cfg->upload_expiry_s;
	prune_s /= 2;

	if (prune_s > 60)
		prune_s = 60;
	if (prune_s < 1)
		prune_s = 1;

	if (!items || !live) {
		log_line(LOG_ERROR, "delivery worker: out of memory");
		goto out;
	}
	while (!atomic_load(&dm->stop)) {
		size_t n = 0, nl = 0, waiting = 0;
		bool more = false;
		struct diag d;
		int64_t now = (int64_t)time(NULL);

		diag_clear(&d);
		peers_reload(dm, now);
		if (now - last_prune > 3600) {
			/* Ids older than expiry plus skew can no longer
			 * pass envelope_check_time: forgetting them is
			 * safe. */
			(void)store_seen_prune(dm->work_node->store,
					       now - NODE_MAX_SKEW, NULL, &d);
			last_prune = now;
		}
		if (now - dm->spool_pruned >= prune_s) {
			size_t removed = 0, parts = 0;

			/* Uploads from peers that no sender finished, or
			 * that no envelope came for. */
			if (!node_blob_prune(dm->home, now,
					     dm->work_node->cfg.blob_expiry_s,
					     &parts, &d) &&
			    parts)
				log_line(LOG_INFO,
					 "blobs: removed %zu upload(s) "
					 "untouched for %llds that no "
					 "envelope names",
					 parts,
					 (long long)
					     dm->work_node->cfg.blob_expiry_s);

			/* Files uploaded through the API and never used. */
			parts = 0;
			if (!api_uploads_prune(dm->home, now,
					       cfg->upload_expiry_s, false,
					       &parts, &d) &&
			    parts)
				log_line(LOG_INFO,
					 "api: removed %zu upload(s) unused "
					 "for %llds",
					 parts,
					 (long long)cfg->upload_expiry_s);

			/* Attachments of envelopes delivered or given up;
			 * an hour for a send still committing. */
			if (!node_spool_prune(dm->work_node, now, 3600,
					      &removed, &d) &&
			    removed)
				log_line(LOG_INFO,
					 "spool: removed the attachments of "
					 "%zu envelope(s) no longer queued",
					 removed);
			dm->spool_pruned = now;
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
		/* Rows too old are given up; the rest go out. */
		for (size_t i = 0; i < n; i++) {
			struct mark m = {.it = &items[i]};

			if (now - items[i].created <= dm->max_age_s &&
			    now <= items[i].expires) {
				live[nl++] = items[i];
				continue;
			}
			mark_failed(&m, "no %s after %lld attempts in %llds",
				    items[i].state == STORE_OUT_SENT
					? "receipt"
					: "delivery",
				    (long long)items[i].attempts,
				    (long long)(now - items[i].created));
			mark_all(dm, &m, 1);
		}
		if (nl && !atomic_load(&dm->stop))
			more = deliver_round(dm, live, nl, &waiting);
		/* The store stopped early at its byte limit: more are due. */
		for (size_t i = 0, bytes = 0; i < n && !more; i++)
			more = (bytes += items[i].len) >= STORE_DUE_BYTES_MAX;
		for (size_t i = 0; i < n; i++)
			store_out_item_release(&items[i]);
		/* Rows waiting for an upload stay due: when nothing else
		 * went, sleep until an upload ends (it wakes us) or the
		 * poll interval, rather than asking the store again at
		 * once. */
		if ((n == DUE_BATCH || more) && waiting < nl)
			continue;
		wait_for_work(dm);
	}
out:
	free(items);
	free(live);
	conns_drop(dm);
	return NULL;
}

/* --------------------------------------------------------------- run */

/* The receive path of this process queued something (a receipt, an
 * answer): wake the worker through the pipe. Non-blocking: a full pipe
 * means it is awake already. */
static void wake_self(void *ctx)
{
	struct daemon *dm = ctx;
	ssize_t w = write(dm->pipe_fd[1], "w", 1);

	(void)w;
}

/* HOME/serve.sock for wake-ups from other processes (node_wake_daemon).
 * A stale socket from a daemon killed earlier is removed: the lock says
 * none runs. Without the socket the daemon still works, polling. */
static void wake_listen(struct daemon *dm)
{
	struct sockaddr_un sa;
	int fd;

	dm->wake_fd = -1;
	if (node_wake_path(dm->home, &sa)) {
		log_line(LOG_WARN,
			 "home path too long for a wake-up socket: "
			 "the worker polls every %d ms",
			 POLL_MS);
		return;
	}
	(void)unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(sa.sun_path, 0600)) {
		log_line(LOG_WARN,
			 "no wake-up socket %s (%s): the worker "
			 "polls every %d ms",
			 sa.sun_path, strerror(errno), POLL_MS);
		if (fd >= 0)
			close(fd);
		return;
	}
	memcpy(dm->sock_path, sa.sun_path, sizeof(dm->sock_path));
	dm->wake_fd = fd;
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

/* The federation CAs, if any, and this node's own CA-issued certificate,
 * if installed (it is then presented, as server and as client, instead of
 * the self-signed one: same key, so partners pinning the card's key are
 * not affected). */
static int fedca_setup(struct daemon *dm, const char *home,
		       struct strbuf *trust, struct diag *d)
{
	char *cert = NULL;
	size_t len = 0;
	char path[PATH_MAX];
	int err;

	/* The stamps first: a change after them is noticed. */
	snprintf(path, sizeof(path), "%s/%s", home, NODE_FEDCA_FILE);
	(void)file_changed(path, &dm->fedca_stamp);
	snprintf(path, sizeof(path), "%s/%s", home, NODE_FEDCRL_FILE);
	(void)file_changed(path, &dm->fedcrl_stamp);
	err = node_fedcrl_load(home, &dm->fedcrl, &dm->fedcrl_len, d);
	if (err && err != LIA_ENOTFOUND)
		return err;
	err = node_fedca_load(home, &dm->fedca, &dm->fedca_len, d);
	if (err == LIA_ENOTFOUND)
		return 0;
	if (err)
		return err;
	/* Listed so that clients know which CAs this node asks for. */
	if ((err = strbuf_addstr(trust, dm->fedca)))
		return err;
	log_line(LOG_INFO, "federation CA configured: certificates chaining "
			   "to it are accepted for pinned agencies");
	snprintf(dm->cert_path, sizeof(dm->cert_path), "%s/%s", home,
		 NODE_TLS_CA_CERT);
	if (access(dm->cert_path, R_OK)) {
		snprintf(dm->cert_path, sizeof(dm->cert_path),
			 "%s/keys/tls.crt", home);
		return 0;
	}
	{
		FILE *f = fopen(dm->cert_path, "rb");
		char buf[IDENTITY_CERT_MAX + 1];

		len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		if (!len || !(cert = malloc(len + 1))) {
			diag_set(d, "%s: unreadable", dm->cert_path);
			return LIA_EIO;
		}
		memcpy(cert, buf, len);
		cert[len] = 0;
	}
	dm->ca_cert = cert;
	log_line(LOG_INFO,
		 "presenting the certificate from the federation CA "
		 "(%s)",
		 NODE_TLS_CA_CERT);
	return 0;
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
	return daemon_run_api(home, listen, NULL, d);
}

int daemon_run_api(const char *home, const char *listen,
		   const char *api_listen, struct diag *d)
{
	struct daemon dm;
	struct api_server *api = NULL;
	struct MHD_Daemon *mhd = NULL;
	struct sockaddr_storage ss;
	struct strbuf trust;
	struct trust_ctx tc = {.pem = &trust};
	sigset_t sigs, old;
	pthread_t th, up_th[UPLOAD_THREADS];
	size_t n_up = 0;
	bool started = false, curl_ok = false, up_init = false;
	int lock_fd = -1, sig = 0, err;

	memset(&dm, 0, sizeof(dm));
	dm.wake_fd = dm.pipe_fd[0] = dm.pipe_fd[1] = -1;
	strbuf_init(&dm.peers, 1 << 20);
	strbuf_init(&trust, 1 << 20);
	atomic_init(&dm.stop, false);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	/* Blocked from the start, so that a SIGTERM during startup is taken
	 * by sigwait below (a clean stop) rather than killing the process
	 * half set up; every thread started later inherits the mask. */
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	if ((err = env_i64("LIAISON_BACKOFF_CAP_MS", DAEMON_BACKOFF_CAP_MS,
			   &dm.backoff_cap_ms, d)) ||
	    (err = env_i64("LIAISON_MAX_AGE_S", DAEMON_MAX_AGE_S, &dm.max_age_s,
			   d)) ||
	    (err = env_i64("LIAISON_RECEIPT_WAIT_S", DAEMON_RECEIPT_WAIT_S,
			   &dm.receipt_wait_s, d)) ||
	    (err = env_i64("LIAISON_WITNESS_INTERVAL_MS",
			   NODE_WITNESS_INTERVAL_MS, &dm.witness_ms, d)) ||
	    (err = env_i64("LIAISON_TEST_UPLOAD_BPS", 0, &dm.upload_bps, d)))
		goto out;
	if ((err = lock_home(home, &lock_fd, d)) ||
	    (err = node_open(home, false, &dm.http_node, d)) ||
	    (err = node_open(home, false, &dm.work_node, d)) ||
	    (err = node_own_index_new(&dm.http_node->own_ix)) ||
	    (err = identity_load(home, &dm.me, d)))
		goto out;
	if (!(dm.home = strdup(home)) || pipe(dm.pipe_fd) ||
	    fcntl(dm.pipe_fd[0], F_SETFL, O_NONBLOCK) ||
	    fcntl(dm.pipe_fd[1], F_SETFL, O_NONBLOCK) ||
	    fcntl(dm.pipe_fd[0], F_SETFD, FD_CLOEXEC) ||
	    fcntl(dm.pipe_fd[1], F_SETFD, FD_CLOEXEC)) {
		diag_set(d, "cannot set up the delivery worker");
		err = LIA_EINTERNAL;
		goto out;
	}
	/* Receipts and answers queued by the receive path wake the worker
	 * directly; the worker's own handle needs no wake-up. */
	store_set_queue_hook(dm.http_node->store, wake_self, &dm);
	store_set_queue_hook(dm.work_node->store, NULL, NULL);
	wake_listen(&dm);
	if ((err = net_parse_addr(listen ? listen : dm.http_node->cfg.listen,
				  "listen address", &ss, d)))
		goto out;
	snprintf(dm.cert_path, sizeof(dm.cert_path), "%s/keys/tls.crt", home);
	snprintf(dm.key_path, sizeof(dm.key_path), "%s/keys/tls.key", home);
	if ((err = fedca_setup(&dm, home, &trust, d)))
		goto out;
	if ((err = strbuf_addstr(&trust, identity_tls_cert_pem(dm.me))) ||
	    (err = store_peer_each(dm.http_node->store, trust_cb, &tc, d)) ||
	    (err = store_peer_each(dm.http_node->store, peer_line_cb, &dm.peers,
				   d)))
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		diag_set(d, "libcurl failed to initialise");
		err = LIA_EINTERNAL;
		goto out;
	}
	curl_ok = true;
	if (!(dm.multi = curl_multi_init())) {
		diag_set(d, "libcurl failed to initialise");
		err = LIA_EINTERNAL;
		goto out;
	}
	/* Signals are taken by sigwait in this thread only. */
	signal(SIGPIPE, SIG_IGN);
	mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, &dm, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    &dm, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_HTTPS_MEM_KEY,
	    identity_tls_key_pem(dm.me), MHD_OPTION_HTTPS_MEM_CERT,
	    dm.ca_cert ? dm.ca_cert : identity_tls_cert_pem(dm.me),
	    MHD_OPTION_HTTPS_MEM_TRUST, trust.buf, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, &dm, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
	    MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
	if (!mhd) {
		diag_set(d, "cannot listen on %s",
			 listen ? listen : dm.http_node->cfg.listen);
		err = LIA_EIO;
		goto out;
	}
	if (api_listen &&
	    (err = api_server_start(home, api_listen,
				    identity_tls_cert_pem(dm.me),
				    identity_tls_key_pem(dm.me), &api, d)))
		goto out;
	if (api_listen)
		log_line(LOG_INFO, "API on https://%s/v1", api_listen);
	pthread_mutex_init(&dm.up_mu, NULL);
	pthread_cond_init(&dm.up_cv, NULL);
	up_init = true;
	for (; n_up < UPLOAD_THREADS; n_up++)
		if (pthread_create(&up_th[n_up], NULL, uploader, &dm)) {
			diag_set(d, "cannot start the upload threads");
			err = LIA_EINTERNAL;
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
	if (dm.pipe_fd[1] >= 0)
		wake_self(&dm);
	/* Stop taking requests first (an answer in progress finishes or is
	 * dropped; either way its transaction is whole), then let the
	 * worker finish or abandon its transfer. */
	api_server_stop(api);
	if (mhd)
		MHD_stop_daemon(mhd);
	node_blob_up_free(dm.blob_up);
	dm.blob_up = NULL;
	if (started)
		pthread_join(th, NULL);
	if (up_init) {
		/* Their transfers stop at the next progress callback. */
		pthread_mutex_lock(&dm.up_mu);
		pthread_cond_broadcast(&dm.up_cv);
		pthread_mutex_unlock(&dm.up_mu);
		for (size_t i = 0; i < n_up; i++)
			pthread_join(up_th[i], NULL);
		pthread_cond_destroy(&dm.up_cv);
		pthread_mutex_destroy(&dm.up_mu);
	}
	if (dm.multi)
		curl_multi_cleanup(dm.multi);
	if (curl_ok)
		curl_global_cleanup();
	identity_free(dm.me);
	node_close(dm.work_node);
	node_close(dm.http_node);
	strbuf_release(&trust);
	strbuf_release(&dm.peers);
	if (dm.wake_fd >= 0) {
		close(dm.wake_fd);
		unlink(dm.sock_path);
	}
	for (int i = 0; i < 2; i++)
		if (dm.pipe_fd[i] >= 0)
			close(dm.pipe_fd[i]);
	free(dm.home);
	free(dm.fedca);
	free(dm.fedcrl);
	free(dm.ca_cert);
	if (lock_fd >= 0)
		close(lock_fd);
	if (!err)
		log_line(LOG_INFO, "stopped");
	/* The caller's mask again; a signal still pending (one that came
	 * during a failed startup) now takes its ordinary course. */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}
