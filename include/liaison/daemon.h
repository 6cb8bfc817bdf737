/*
 * daemon.h - `liaison serve`: the node's federation endpoint (HTTPS with
 * mutual TLS, libmicrohttpd) and its delivery worker (libcurl), in one
 * process over one node home.
 *
 * Threads: libmicrohttpd's polling thread answers every request in turn
 * with its own store handle (a batch of envelopes in one transaction);
 * the delivery worker takes due outbox rows with a second handle and sends
 * one batch per peer, all peers at once, woken through HOME/serve.sock or
 * a pipe when something is queued; the calling thread waits for SIGTERM
 * or SIGINT.
 * A lock file (HOME/serve.lock, flock) keeps a second daemon off the same
 * home. Log lines go to stderr: time, level, message; never a key, a
 * message body or a record.
 */
#ifndef LIAISON_DAEMON_H
#define LIAISON_DAEMON_H

#include <stdint.h>

#include "liaison/error.h"

#define DAEMON_PATH_ENVELOPES "/fed/v1/envelopes"
/* Several envelopes in one request (batch.h); the delivery worker uses
 * this one. */
#define DAEMON_PATH_BATCH "/fed/v1/batch"
/* GET: how much of a blob the receiver has; PUT with Content-Range: the
 * next chunk of it (docs/EXCHANGE-FORMAT.md, attachments). Followed by
 * the blob id. */
#define DAEMON_PATH_ATTACHMENT "/fed/v1/attachment/"
/* On an attachment request to a hub: the envelope (32 hex) the blob
 * travels with, so that the hub relays it with that envelope. */
#define DAEMON_HDR_RELAY "Liaison-Relay-Envelope"

#define DAEMON_BACKOFF_BASE_MS 1000
#define DAEMON_BACKOFF_CAP_MS (5 * 60 * 1000)
#define DAEMON_MAX_AGE_S (2 * 86400)     /* give up on a row after this */
#define DAEMON_RECEIPT_WAIT_S 600        /* resend when no receipt came */

/* Run the daemon on home until SIGTERM or SIGINT. listen is "ADDR:PORT"
 * (IPv4 or [IPv6]); NULL takes the node's configuration. Returns 0 after
 * a clean shutdown. Errors: LIA_EBUSY (another daemon runs on home),
 * LIA_EINVAL (bad listen address), LIA_EIO (cannot listen), and those of
 * node_open and identity_load. The environment may shorten the timing for
 * tests: LIAISON_BACKOFF_CAP_MS, LIAISON_MAX_AGE_S,
 * LIAISON_RECEIPT_WAIT_S. */
int daemon_run(const char *home, const char *listen, struct diag *d);
/* The same, also serving the HTTP API (api.h) on api_listen when it is not
 * NULL: started after the federation listener, stopped before it. */
int daemon_run_api(const char *home, const char *listen,
		   const char *api_listen, struct diag *d);

/* Delay before retry number attempts + 1: base * 2^attempts capped at
 * cap, then jittered down to a uniform value in [delay/2, delay] by rnd
 * (any 32-bit random number) so that many senders do not retry in step.
 * Never less than 1 ms. */
int64_t daemon_backoff_ms(int64_t attempts, uint32_t rnd, int64_t base_ms,
			  int64_t cap_ms);

#endif
