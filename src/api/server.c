/*
 * server.c - the HTTPS listener of the API: libmicrohttpd with the node's
 * TLS certificate, no client certificate, one internal polling thread.
 *
 * One thread per connection, because a Server-Sent Events stream
 * (GET /v1/events) holds its connection open and waits for rows.
 * Requests are answered concurrently: each takes a router worker (struct
 * api with its own node handle, so its own SQLite connection; WAL lets
 * readers run beside the writer) from a pool for the time of its
 * api_handle, and gives it back. The pool grows on demand up to
 * WORKERS_MAX handles (or LIAISON_API_WORKERS) and keeps them for the life of
 * the listener (a connection's thread lives only as long as its connection, a
 * handle is worth keeping). The workers share one screening index, kept current
 * by one sync over the first node handle (s->n), which no request uses
 * otherwise. Before, one mutex around a single router and handle made
 * the two cores of a small machine answer one request at a time.
 *
 * Audit rows are group-committed: a request's rows are queued (by the
 * router's audit sink, under the queue's lock) and a writer thread with its own
 * node handle writes whatever is queued as one transaction with one sync
 * (store_batch_begin/end), each row in its own savepoint. The request's
 * thread gives its worker back, waits until its rows are durable and only
 * then sends the answer; a row that could not be written turns the
 * answer into an error (no row, no data). Under load many requests share
 * one sync instead of paying one each, and no worker is held during the
 * sync.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
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

/* A request's queued audit rows: how many are not yet written, and the
 * first error among them. */
struct audit_wait {
	unsigned left;
	int err;
};

struct audit_row {
	char *actor, *action, *object, *detail;
	struct audit_wait *w;
};

#define AUDIT_BATCH_MAX 512 /* rows in one transaction */

/* A router worker of the pool, and its own node handle. */
struct worker {
	struct node *n;
	struct api *api;
	struct worker *next;
};

/* Handles a listener keeps: more than the cores, since a request also
 * waits for SQLite; far fewer than the connection limit, since every
 * handle is a SQLite connection with its own cache. */
#define WORKERS_MAX 16
#define WORKERS_ENV_MAX 64

/* LIAISON_API_WORKERS (1 to 64) overrides WORKERS_MAX, to measure the
 * pool's size (bench/api.sh); 1 answers one request at a time, as before
 * the pool. Anything else is ignored. */
static size_t workers_max(void)
{
	const char *v = getenv("LIAISON_API_WORKERS");
	unsigned long n;
	char *end;

	if (!v || !*v)
		return WORKERS_MAX;
	n = strtoul(v, &end, 10);
	if (*end || n < 1 || n > WORKERS_ENV_MAX)
		return WORKERS_MAX;
	return (size_t)n;
}

struct api_server {
	struct MHD_Daemon *mhd;
	struct node *n;	 /* the index sync's handle (through api) */
	struct api *api; /* the sync, metrics; answers no request */
	atomic_bool stop;
	pthread_mutex_t pmu; /* guards the pool */
	pthread_cond_t freed;
	struct worker *free_w;
	size_t n_workers; /* made, free or in use */
	size_t max_workers;
	/* Group commit of audit rows (above). */
	struct node *wn;     /* the writer's own handle */
	pthread_mutex_t amu; /* guards q, nq, cap, astop, every wait */
	pthread_cond_t work; /* rows queued, or stop */
	pthread_cond_t done; /* a batch was written */
	struct audit_row *q;
	size_t nq, cap;
	bool astop, writer;
	pthread_t writer_tid;
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
	struct api_server *s;
	struct audit_wait aw;
	/* POST /v1/uploads: the body goes to a part file as it arrives. */
	bool streamed, answered;
	int fd; /* the part file, -1 when closed */
	char part[1100];
	crypto_hash_sha256_state sha;
	struct api_upload up;
};

static void row_free(struct audit_row *r)
{
	free(r->actor);
	free(r->action);
	free(r->object);
	free(r->detail);
}

/* The router's audit sink (on the request's thread): queue a copy of the
 * row. */
static int audit_queue(void *ctx, const char *actor, const char *action,
		       const char *object, const char *detail)
{
	struct pending *p = ctx;
	struct api_server *s = p->s;
	struct audit_row r = {.w = &p->aw};
	int err = 0;

	if (!(r.actor = strdup(actor)) || !(r.action = strdup(action)) ||
	    !(r.object = strdup(object ? object : "")) ||
	    !(r.detail = strdup(detail ? detail : ""))) {
		row_free(&r);
		return LIA_ENOMEM;
	}
	pthread_mutex_lock(&s->amu);
	if (s->nq == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct audit_row *q = realloc(s->q, cap * sizeof(*q));

		if (!q) {
			err = LIA_ENOMEM;
			goto out;
		}
		s->q = q;
		s->cap = cap;
	}
	s->q[s->nq++] = r;
	p->aw.left++;
	pthread_cond_signal(&s->work);
out:
	pthread_mutex_unlock(&s->amu);
	if (err)
		row_free(&r);
	return err;
}

/* Write rows as one durable transaction, each in its own savepoint so
 * that one bad row does not take the others with it; errs[i] gets each
 * row's outcome. */
static void audit_write(struct api_server *s, struct audit_row *rows, size_t n,
			int *errs)
{
	struct store *st = s->wn->store;
	struct diag d;
	int err;

	diag_clear(&d);
	if ((err = store_batch_begin(st, &d))) {
		for (size_t i = 0; i < n; i++)
			errs[i] = err;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if ((errs[i] = store_batch_item(st, true, false, &d)))
			continue;
		errs[i] = store_audit(st, rows[i].actor, rows[i].action,
				      rows[i].object, rows[i].detail, &d);
		if ((err = store_batch_item(st, false, !errs[i], &d)) &&
		    !errs[i])
			errs[i] = err;
	}
	if ((err = store_batch_end(st, true, &d)))
		for (size_t i = 0; i < n; i++)
			errs[i] = err;
}

static void *audit_writer(void *arg)
{
	struct api_server *s = arg;
	struct audit_row rows[AUDIT_BATCH_MAX];
	int errs[AUDIT_BATCH_MAX];
	size_t n;

	pthread_mutex_lock(&s->amu);
	for (;;) {
		while (!s->nq && !s->astop)
			pthread_cond_wait(&s->work, &s->amu);
		if (!s->nq)
			break;
		n = s->nq < AUDIT_BATCH_MAX ? s->nq : AUDIT_BATCH_MAX;
		memcpy(rows, s->q, n * sizeof(*rows));
		memmove(s->q, s->q + n, (s->nq - n) * sizeof(*rows));
		s->nq -= n;
		pthread_mutex_unlock(&s->amu);
		audit_write(s, rows, n, errs);
		pthread_mutex_lock(&s->amu);
		for (size_t i = 0; i < n; i++) {
			if (errs[i] && !rows[i].w->err)
				rows[i].w->err = errs[i];
			rows[i].w->left--;
			row_free(&rows[i]);
		}
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->amu);
	return NULL;
}

/* Wait until the request's audit rows are durable; their first error. */
static int audit_wait(struct api_server *s, struct audit_wait *w)
{
	int err;

	pthread_mutex_lock(&s->amu);
	while (w->left)
		pthread_cond_wait(&s->done, &s->amu);
	err = w->err;
	pthread_mutex_unlock(&s->amu);
	return err;
}

static void worker_free(struct worker *w)
{
	if (!w)
		return;
	api_free(w->api);
	node_close(w->n);
	free(w);
}

/* Take a free worker, make one while the pool is below WORKERS_MAX, or
 * wait for one to be given back. */
static int worker_get(struct api_server *s, struct worker **out, struct diag *d)
{
	struct worker *w = NULL;
	int err = 0;

	pthread_mutex_lock(&s->pmu);
	while (!s->free_w && s->n_workers == s->max_workers)
		pthread_cond_wait(&s->freed, &s->pmu);
	if ((w = s->free_w)) {
		s->free_w = w->next;
		pthread_mutex_unlock(&s->pmu);
		*out = w;
		return 0;
	}
	s->n_workers++;
	pthread_mutex_unlock(&s->pmu);
	/* Opened outside the lock: the other requests go on meanwhile. */
	if (!(w = calloc(1, sizeof(*w)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = node_open(s->n->home, false, &w->n, d)) ||
	    (err = api_worker_new(s->api, w->n, &w->api, d)))
		goto out;
	*out = w;
	w = NULL;
out:
	if (err) {
		worker_free(w);
		pthread_mutex_lock(&s->pmu);
		s->n_workers--;
		pthread_cond_signal(&s->freed);
		pthread_mutex_unlock(&s->pmu);
	}
	return err;
}

static void worker_put(struct api_server *s, struct worker *w)
{
	pthread_mutex_lock(&s->pmu);
	w->next = s->free_w;
	s->free_w = w;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->pmu);
}

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
	struct worker *w;
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
		if ((err = worker_get(st->s, &w, &d)))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		err = api_events_next(w->api, st->since, st->mask, EVENTS_BATCH,
				      &st->buf, &st->since, &d);
		worker_put(st->s, w);
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
	struct worker *w;
	struct diag d;
	enum MHD_Result rc;
	int err;

	p->rq.body = (const uint8_t *)p->body.buf;
	p->rq.body_len = p->body.len;
	p->rq.n_args = 0; /* a streamed upload is answered twice */
	p->rq.too_many_args = false;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_cb, &p->rq);
	p->rq.authorization = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	p->rq.purpose =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Purpose");
	p->rq.last_event_id =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	diag_clear(&d);
	if ((err = worker_get(s, &w, &d))) {
		/* No store handle for this request (too many open files,
		 * out of memory): busy, to be tried again. */
		memset(&rs, 0, sizeof(rs));
		strbuf_init(&rs.body, API_BODY_MAX);
		snprintf(rs.route, sizeof(rs.route), "unavailable");
		rs.stream = false;
		rs.content_type = "application/json";
		rs.status = 503;
		if (strbuf_addstr(
			&rs.body,
			"{\"error\":{\"code\":\"busy\",\"message\":"
			"\"no store handle is free; try again\"}}\n")) {
			strbuf_release(&rs.body);
			return MHD_NO;
		}
	} else {
		api_set_audit_sink(w->api, audit_queue, p);
		api_handle(w->api, &p->rq, &rs);
		api_set_audit_sink(w->api, NULL, NULL);
		worker_put(s, w);
	}
	/* Waited for with no worker held: other requests use it while this
	 * one's rows are synced. */
	if ((err = audit_wait(s, &p->aw))) {
		/* The answer is not sent: its audit row is not durable. */
		if (rs.body.buf)
			sodium_memzero(rs.body.buf, rs.body.len);
		strbuf_reset(&rs.body);
		rs.stream = false;
		rs.content_type = "application/json";
		rs.status = err == LIA_EBUSY ? 503 : 500;
		if (strbuf_addstr(&rs.body,
				  err == LIA_EBUSY
				      ? "{\"error\":{\"code\":\"busy\","
					"\"message\":\"the store is busy; "
					"try again\"}}\n"
				      : "{\"error\":{\"code\":\"internal\","
					"\"message\":\"the audit row could "
					"not be written\"}}\n")) {
			strbuf_release(&rs.body);
			return MHD_NO;
		}
	}
	if (p->rq.probe && !rs.status) {
		/* The upload may go on: nothing to answer yet. */
		strbuf_release(&rs.body);
		return MHD_YES;
	}
	p->answered = true;
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
	api_observe(s->api, rs.route[0] ? rs.route : "unmatched", rs.status,
		    elapsed(&p->t0));
	/* The body may hold a session token: wipe before freeing. */
	if (rs.body.buf)
		sodium_memzero(rs.body.buf, rs.body.len);
	strbuf_release(&rs.body);
	return rc;
}

/* POST /v1/uploads, first call: the token and the right are checked (and
 * a declared length against the maximum) before a byte is accepted, then
 * the body goes to a part file of its own in HOME/uploads. */
static enum MHD_Result upload_start(struct api_server *s,
				    struct MHD_Connection *c, struct pending *p)
{
	const char *cl = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint8_t raw[16];
	char hex[33];
	enum MHD_Result rc;
	int k;

	p->streamed = true;
	p->rq.upload = &p->up;
	if (cl) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		/* Refused before it is sent (after the token and right,
		 * so that nobody learns the limit without a token). */
		if (errno || *end || n > API_UPLOAD_MAX)
			p->up.too_big = true;
	}
	p->rq.probe = !p->up.too_big;
	rc = answer(s, c, p);
	p->rq.probe = false;
	if (p->answered || rc != MHD_YES)
		return rc;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	k = snprintf(p->part, sizeof(p->part), "%s/uploads", s->n->home);
	if (k < 0 || (size_t)k >= sizeof(p->part) ||
	    (mkdir(p->part, 0700) && errno != EEXIST))
		goto fail;
	k = snprintf(p->part, sizeof(p->part), "%s/uploads/.part-%s",
		     s->n->home, hex);
	if (k < 0 || (size_t)k >= sizeof(p->part))
		goto fail;
	p->fd = open(p->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (p->fd < 0)
		goto fail;
	crypto_hash_sha256_init(&p->sha);
	p->up.part = p->part;
	return MHD_YES;
fail:
	p->part[0] = 0;
	return MHD_NO;
}

/* POST /v1/uploads, later calls: write and hash what arrived; at the end
 * the router answers. Constant memory whatever the size. */
static enum MHD_Result upload_more(struct api_server *s,
				   struct MHD_Connection *c, struct pending *p,
				   const char *data, size_t *size)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	size_t n = *size, off = 0;

	if (p->answered) {
		*size = 0; /* answered already: the rest is dropped */
		return MHD_YES;
	}
	if (n) {
		*size = 0;
		if (p->up.too_big)
			return MHD_YES; /* read and dropped: a 413 follows */
		if (n > API_UPLOAD_MAX - p->up.size) {
			/* Over the maximum: the part goes at once. */
			p->up.too_big = true;
			close(p->fd);
			p->fd = -1;
			(void)unlink(p->part);
			p->part[0] = 0;
			p->up.part = NULL;
			return MHD_YES;
		}
		crypto_hash_sha256_update(&p->sha, (const uint8_t *)data, n);
		while (off < n) {
			ssize_t w = write(p->fd, data + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return MHD_NO; /* disk full: the part goes */
			off += (size_t)w;
		}
		p->up.size += n;
		return MHD_YES;
	}
	if (!p->up.too_big) {
		/* Durable before the client is told it is kept. */
		int bad = fsync(p->fd);

		bad |= close(p->fd);
		p->fd = -1;
		if (bad)
			return MHD_NO; /* the part goes in on_completed */
		crypto_hash_sha256_final(&p->sha, h);
		sodium_bin2hex(p->up.sha256, sizeof(p->up.sha256), h,
			       sizeof(h));
	}
	return answer(s, c, p);
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
		p->s = s;
		p->fd = -1;
		p->rq.method = method;
		p->rq.path = url;
		*con_cls = p;
		if (!strcmp(method, "POST") && !strcmp(url, "/v1/uploads"))
			return upload_start(s, c, p);
		return MHD_YES;
	}
	if (p->streamed)
		return upload_more(s, c, p, upload, upload_size);
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
	/* An upload cut off, refused or failed: its part file goes (a kept
	 * one was renamed by the router). */
	if (p->fd >= 0)
		close(p->fd);
	if (p->part[0])
		(void)unlink(p->part);
	/* A body may hold a password (POST /v1/sessions). */
	if (p->body.buf)
		sodium_memzero(p->body.buf, p->body.len);
	strbuf_release(&p->body);
	free(p);
	*con_cls = NULL;
}

/* Remove the regular file name in dir when old enough (or always when
 * max_age < 0), counting it. */
static void prune_file(int dir, const char *name, int64_t now, int64_t max_age,
		       size_t *removed)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISREG(st.st_mode))
		return;
	if (max_age >= 0 && (int64_t)st.st_mtime > now - max_age)
		return;
	if (!unlinkat(dir, name, 0))
		(*removed)++;
}

int api_uploads_prune(const char *home, int64_t now, int64_t max_age,
		      bool all_parts, size_t *removed, struct diag *d)
{
	char path[1100];
	struct dirent *e;
	size_t n = 0;
	DIR *top;
	int k;

	k = snprintf(path, sizeof(path), "%s/uploads", home);
	if (k < 0 || (size_t)k >= sizeof(path))
		return LIA_ETOOBIG;
	if (!(top = opendir(path))) {
		if (errno == ENOENT)
			goto done;
		diag_set(d, "%s: %s", path, strerror(errno));
		return LIA_EIO;
	}
	while ((e = readdir(top))) {
		struct stat st;
		struct dirent *f;
		DIR *user;
		int fd;

		if (!strncmp(e->d_name, ".part-", 6)) {
			prune_file(dirfd(top), e->d_name, now,
				   all_parts ? -1 : max_age, &n);
			continue;
		}
		/* A user's folder: its finished uploads. */
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(top), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			continue;
		fd = openat(dirfd(top), e->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || !(user = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((f = readdir(user)))
			if (f->d_name[0] != '.')
				prune_file(dirfd(user), f->d_name, now, max_age,
					   &n);
		closedir(user);
	}
	closedir(top);
done:
	*removed = n;
	return 0;
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
	s->max_workers = workers_max();
	pthread_mutex_init(&s->pmu, NULL);
	pthread_cond_init(&s->freed, NULL);
	pthread_mutex_init(&s->amu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->done, NULL);
	atomic_init(&s->stop, false);
	if ((err = node_open(home, false, &s->n, d)) ||
	    (err = node_open(home, false, &s->wn, d)) ||
	    (err = api_new(s->n, &s->api, d)))
		goto out;
	/* No upload is in flight before the listener runs (a second node
	 * on this home refuses to start): every part file is one a crash
	 * left. Expired uploads go too; the daemon's delivery worker prunes
	 * them later, when it prunes the uploads of peers. */
	{
		size_t gone = 0;

		if ((err = api_uploads_prune(home, (int64_t)time(NULL),
					     s->n->cfg.upload_expiry_s, true,
					     &gone, d)))
			goto out;
	}
	if (pthread_create(&s->writer_tid, NULL, audit_writer, s)) {
		diag_set(d, "cannot start the API's audit writer");
		err = LIA_EIO;
		goto out;
	}
	s->writer = true;
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
	/* Every connection is closed: what is queued is written, then the
	 * writer ends. */
	if (s->writer) {
		pthread_mutex_lock(&s->amu);
		s->astop = true;
		pthread_cond_signal(&s->work);
		pthread_mutex_unlock(&s->amu);
		pthread_join(s->writer_tid, NULL);
	}
	free(s->q);
	/* Every connection is closed: every worker is back in the pool. */
	while (s->free_w) {
		struct worker *w = s->free_w;

		s->free_w = w->next;
		worker_free(w);
	}
	api_free(s->api);
	node_close(s->wn);
	node_close(s->n);
	pthread_cond_destroy(&s->done);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->amu);
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->pmu);
	free(s);
}
