/*
 * server.c - the HTTPS listener of the API: libmicrohttpd with the node's
 * TLS certificate, no client certificate, one internal polling thread.
 *
 * One thread per connection, because a Server-Sent Events stream
 * (GET /v1/events) holds its connection open and waits for rows. The
 * router, its screening index and its store handle are used under one
 * mutex: a screening request costs tens of microseconds, so handling
 * requests one at a time is not what limits throughput (TLS is), and no
 * part of the router needs to be thread-safe. The listener has its own
 * node handle: SQLite handles are not shared with the other threads of
 * the daemon.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "liaison/api.h"
#include "liaison/net.h"

struct api_server {
	struct MHD_Daemon *mhd;
	struct node *n;
	struct api *api;
	pthread_mutex_t mu; /* guards api and n */
	atomic_bool stop;
};

#define EVENTS_BATCH 64
#define EVENTS_POLL_US 200000 /* new audit rows are looked for this often */
#define EVENTS_KEEPALIVE_S 15

/* One open event stream. */
struct stream {
	struct api_server *s;
	int64_t since;
	unsigned mask;
	struct strbuf buf;
	size_t off;
	time_t last_sent;
};

/* One request being received. */
struct pending {
	struct api_request rq;
	struct strbuf body;
	struct timespec t0;
};

static enum MHD_Result arg_cb(void *cls, enum MHD_ValueKind kind,
			      const char *key, const char *value)
{
	struct api_request *rq = cls;

	(void)kind;
	if (rq->n_args == API_QUERY_MAX) {
		rq->too_many_args = true;
		return MHD_NO;
	}
	rq->args[rq->n_args].name = key;
	rq->args[rq->n_args].value = value ? value : "";
	rq->n_args++;
	return MHD_YES;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *st = cls;
	struct diag d;
	size_t n;
	int err;

	(void)pos;
	if (st->off == st->buf.len) {
		strbuf_reset(&st->buf);
		st->off = 0;
		if (atomic_load(&st->s->stop))
			return MHD_CONTENT_READER_END_OF_STREAM;
		diag_clear(&d);
		pthread_mutex_lock(&st->s->mu);
		err = api_events_next(st->s->api, st->since, st->mask,
				      EVENTS_BATCH, &st->buf, &st->since, &d);
		pthread_mutex_unlock(&st->s->mu);
		if (err)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (!st->buf.len &&
		    time(NULL) - st->last_sent >= EVENTS_KEEPALIVE_S &&
		    strbuf_addstr(&st->buf, ": keepalive\n\n"))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (!st->buf.len) {
			/* Nothing new: this connection's own thread waits
			 * a little, then MHD asks again. */
			usleep(EVENTS_POLL_US);
			return 0;
		}
		st->last_sent = time(NULL);
	}
	n = st->buf.len - st->off;
	if (n > max)
		n = max;
	memcpy(out, st->buf.buf + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	strbuf_release(&st->buf);
	free(st);
}

static struct MHD_Response *stream_response(struct api_server *s,
					    const struct api_response *rs)
{
	struct MHD_Response *r;
	struct stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->s = s;
	st->since = rs->stream_since;
	st->mask = rs->stream_mask;
	st->last_sent = time(NULL);
	strbuf_init(&st->buf, (size_t)4 << 20);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
					      stream_read, st, stream_free);
	if (!r)
		stream_free(st);
	return r;
}

static enum MHD_Result answer(struct api_server *s, struct MHD_Connection *c,
			      struct pending *p)
{
	struct api_response rs;
	struct MHD_Response *r;
	enum MHD_Result rc;

	p->rq.body = (const uint8_t *)p->body.buf;
	p->rq.body_len = p->body.len;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_cb, &p->rq);
	p->rq.authorization = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	p->rq.purpose =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Purpose");
	p->rq.last_event_id =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	pthread_mutex_lock(&s->mu);
	api_handle(s->api, &p->rq, &rs);
	pthread_mutex_unlock(&s->mu);
	if (rs.stream)
		r = stream_response(s, &rs);
	else
		r = MHD_create_response_from_buffer(
		    rs.body.len, rs.body.buf ? rs.body.buf : (void *)"",
		    MHD_RESPMEM_MUST_COPY);
	if (!r) {
		strbuf_release(&rs.body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				rs.content_type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (rs.status == 405)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, POST");
	rc = MHD_queue_response(c, rs.status, r);
	MHD_destroy_response(r);
	pthread_mutex_lock(&s->mu);
	api_observe(s->api, rs.route[0] ? rs.route : "unmatched", rs.status,
		    elapsed(&p->t0));
	pthread_mutex_unlock(&s->mu);
	/* The body may hold a session token: wipe before freeing. */
	if (rs.body.buf)
		sodium_memzero(rs.body.buf, rs.body.len);
	strbuf_release(&rs.body);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct api_server *s = cls;
	struct pending *p = *con_cls;

	(void)version;
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &p->t0);
		strbuf_init(&p->body, API_BODY_MAX);
		p->rq.method = method;
		p->rq.path = url;
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_size) {
		/* Past the limit the rest is read and dropped, so the
		 * client gets a 413 rather than a reset connection. */
		if (!p->rq.body_too_big &&
		    strbuf_add(&p->body, upload, *upload_size))
			p->rq.body_too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	return answer(s, c, p);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!p)
		return;
	/* A body may hold a password (POST /v1/sessions). */
	if (p->body.buf)
		sodium_memzero(p->body.buf, p->body.len);
	strbuf_release(&p->body);
	free(p);
	*con_cls = NULL;
}

int api_server_start(const char *home, const char *listen, const char *cert_pem,
		     const char *key_pem, struct api_server **out,
		     struct diag *d)
{
	struct sockaddr_storage ss;
	struct api_server *s;
	int err;

	if (!home || !cert_pem || !key_pem || !out)
		return LIA_EINVAL;
	if ((err = net_parse_addr(listen, "API address", &ss, d)))
		return err;
	if (!(s = calloc(1, sizeof(*s))))
		return LIA_ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	atomic_init(&s->stop, false);
	if ((err = node_open(home, false, &s->n, d)) ||
	    (err = api_new(s->n, &s->api, d)))
		goto out;
	s->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_TLS,
	    0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &ss,
	    MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_MEM_CERT,
	    cert_pem, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
	    256u, MHD_OPTION_END);
	if (!s->mhd) {
		diag_set(d, "cannot listen for the API on %s", listen);
		err = LIA_EIO;
		goto out;
	}
	*out = s;
	s = NULL;
out:
	api_server_stop(s);
	return err;
}

void api_server_stop(struct api_server *s)
{
	if (!s)
		return;
	/* Open event streams end at their next poll, so stopping waits at
	 * most one poll interval for them. */
	atomic_store(&s->stop, true);
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	api_free(s->api);
	node_close(s->n);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
