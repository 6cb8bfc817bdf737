/*
 * api.h - the node's HTTP API (issue #7): API tokens, the request router
 * and the HTTPS listener that `liaison serve --api ADDR:PORT` starts.
 *
 * Tokens are "lia_" followed by 64 hex digits (32 random bytes from
 * libsodium). Only the SHA-256 of a token is stored; the token itself is
 * shown once, wiped after use and never logged.
 *
 * The router is independent of the HTTP library: a request is a method,
 * a path, query arguments, three headers and a body given as (pointer,
 * length). api_handle answers every request with a status and a JSON (or
 * Prometheus text) body; every error is {"error":{"code","message"}} with
 * one of the stable codes listed in docs/API.md and docs/openapi.json.
 *
 * Threads: a struct api is a worker, used by one thread at a time, with
 * its own node handle. The workers made from one api_new (api_worker_new)
 * share its screening index, the one sync that keeps the index current,
 * the metrics and the login pauses, so requests are answered
 * concurrently. Nothing is shared with the federation endpoint or the
 * delivery worker (each has its own store handle).
 */
#ifndef LIAISON_API_H
#define LIAISON_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"
#include "liaison/users.h"

#define API_TOKEN_PREFIX "lia_"
#define API_TOKEN_BYTES 32
#define API_TOKEN_LEN (4 + 2 * API_TOKEN_BYTES) /* chars, without NUL */
#define API_SESSION_TTL_S 3600			/* POST /v1/sessions */
#define API_BODY_MAX ((size_t)1 << 20)		/* bytes of a request body */
#define API_PATH_MAX 512
#define API_QUERY_MAX 16 /* query arguments of one request */
#define API_ARG_MAX 1024 /* bytes of one query argument or header */
#define API_LIMIT_DEFAULT 100
#define API_LIMIT_MAX 1000
#define API_BATCH_MAX 1000 /* names in one POST /v1/screen */
#define API_IMPORT_MAX 10000 /* records in one POST /v1/records/import */
#define API_LOGIN_FAILS 5  /* failed logins per name before a pause */
#define API_LOGIN_PAUSE_S 60
/* POST /v1/uploads: the body is streamed to a file, never held in memory,
 * up to this many bytes; an upload is then named by its id (32 hex
 * digits) in the "attachments" of POST /v1/messages. */
#define API_UPLOAD_MAX ((uint64_t)1 << 30)
#define API_UPLOAD_ID_LEN 32

/* --- tokens ---------------------------------------------------------- */

/* Create a token for user (which must exist): label may be NULL, expires
 * is UTC seconds (0 = never). token gets the NUL-terminated token, to be
 * shown once; the caller wipes it (sodium_memzero). *id gets the row id.
 * Errors: LIA_ENOTFOUND (no such user), LIA_EINVAL, LIA_ESTORE. */
int api_token_create(struct store *st, const char *user, const char *label,
		     int64_t expires, const char *actor,
		     char token[API_TOKEN_LEN + 1], int64_t *id,
		     struct diag *d);

/* Check a presented token (untrusted bytes) at time now: well formed,
 * known, not revoked, not expired, and its user still exists. *out gets
 * the user, *id (may be NULL) the token's row. Errors: LIA_EDENIED for
 * every kind of refusal (the reason is in d, never the token). */
int api_token_check(struct store *st, const char *tok, size_t len, int64_t now,
		    struct users_info *out, int64_t *id, struct diag *d);

/* --- router ---------------------------------------------------------- */

struct api;

struct api_arg {
	const char *name, *value;
};

/* A body the listener streamed to a file (POST /v1/uploads). */
struct api_upload {
	const char *part; /* the file, in HOME/uploads; NULL: none */
	uint64_t size;
	char sha256[65]; /* hex, of the bytes received */
	bool too_big;	 /* more than the maximum was sent (part is gone) */
};

struct api_request {
	const char *method;
	const char *path; /* without the query string */
	struct api_arg args[API_QUERY_MAX];
	size_t n_args;
	bool too_many_args;
	const char *authorization; /* header value or NULL */
	const char *purpose;	   /* X-Purpose header or NULL */
	const char *last_event_id; /* Last-Event-ID header or NULL */
	const uint8_t *body;
	size_t body_len;
	bool body_too_big; /* more than API_BODY_MAX was sent */
	/* Before a streamed body is accepted: answer only the route, the
	 * token, the right and the query arguments; rs->status is 0 when
	 * the request may go on (and rs->body is empty). */
	bool probe;
	const struct api_upload *upload; /* POST /v1/uploads, or NULL */
};

struct api_response {
	unsigned status;
	const char *content_type; /* static */
	struct strbuf body;
	char route[64]; /* route pattern, for metrics */
	/* GET /v1/events: the caller streams api_events_next from
	 * stream_since with stream_mask instead of sending body. */
	bool stream;
	int64_t stream_since;
	unsigned stream_mask;
};

/* Server-Sent Events after audit row since, of the kinds in mask (an
 * API_EV_* set decided by the role), at most max of them, appended to out
 * as "id: N\nevent: KIND\ndata: {...}\n\n". *last gets the id of the
 * last row looked at (moves on also past rows the mask filters out). */
#define API_EV_CASE 1u	/* messages, receipts, alerts, hits, requests */
#define API_EV_AUDIT 2u /* every audit row */
int api_events_next(struct api *a, int64_t since, unsigned mask, size_t max,
		    struct strbuf *out, int64_t *last, struct diag *d);

/* The context of a listener over node n (borrowed; n->store is used from
 * the caller's thread only, and also by the index sync of every worker
 * made from it, under the sync's lock: a server that runs workers on
 * other threads keeps this first one for the sync only). Loads the
 * screening index once. */
int api_new(struct node *n, struct api **out, struct diag *d);
/* Another worker over its own node handle n (borrowed), sharing parent's
 * index, sync, metrics and login pauses. Workers and their parent may be
 * freed in any order. */
int api_worker_new(struct api *parent, struct node *n, struct api **out,
		   struct diag *d);
void api_free(struct api *a);

/* Answer one request. rs->body is initialised here and released by the
 * caller with strbuf_release. Never fails: every problem is an answer. */
void api_handle(struct api *a, const struct api_request *rq,
		struct api_response *rs);

/* Where the audit rows of the router's requests go. Without a sink each
 * row is written at once, in its own durable transaction, through n's
 * store. With one (src/api/server.c: group commit), fn queues the row (it
 * copies the strings) and the caller must not send the answer before the
 * rows of the request are durable; an error of fn is answered as a store
 * error. ctx is given again to each call; set it per request. */
typedef int (*api_audit_fn)(void *ctx, const char *actor, const char *action,
			    const char *object, const char *detail);
void api_set_audit_sink(struct api *a, api_audit_fn fn, void *ctx);

/* Record a finished request for /v1/metrics. */
void api_observe(struct api *a, const char *route, unsigned status,
		 double seconds);

/* The route pattern for method and path, or NULL (for the fuzzer and the
 * tests: the same table api_handle uses). */
const char *api_route_pattern(const char *method, const char *path,
			      bool *method_ok);

/* Every route as "METHOD PATTERN", for the OpenAPI check. */
size_t api_route_count(void);
const char *api_route_name(size_t i, const char **method);

/* Strictly parse a JSON body against a route's schema (untrusted bytes):
 * used by api_handle and by the fuzzer. On failure *code is "bad_json"
 * or "bad_request" and msg names the field. */
int api_body_check(const char *pattern, const uint8_t *body, size_t len,
		   const char **code, char *msg, size_t msg_n);

/* --- listener (src/api/server.c) -------------------------------------- */

struct api_server;

/* Start the HTTPS listener on listen ("ADDR:PORT" or "[ADDR]:PORT") with
 * the node's TLS certificate and key (PEM) and no client certificate.
 * Opens its own node handle on home. */
int api_server_start(const char *home, const char *listen, const char *cert_pem,
		     const char *key_pem, struct api_server **out,
		     struct diag *d);
void api_server_stop(struct api_server *s); /* s may be NULL */

/* Delete what the API's uploads left in HOME/uploads: part files (every
 * one when all_parts, as at the listener's start, when no upload can be
 * in flight; otherwise those not written for max_age seconds) and
 * finished uploads (HOME/uploads/USER/ID) no message or item of evidence
 * used within max_age seconds. Only regular files are removed, never
 * through a symbolic link. *removed counts them. A missing HOME/uploads
 * is no error. */
int api_uploads_prune(const char *home, int64_t now, int64_t max_age,
		      bool all_parts, size_t *removed, struct diag *d);

#endif
