/*
 * node_int.h - what exchange.c and query.c share inside the node module.
 */
#ifndef LIAISON_NODE_INT_H
#define LIAISON_NODE_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "liaison/envelope.h"
#include "liaison/node.h"

/* --- strict body reading (body.c), shared by the body parsers --------- */

#define NODE_BODY_VERSION 1

/* Whether s is an id or reference: exactly 32 lower-case hex digits. */
bool node_hex32(const char *s);

/* Parse body (at most max bytes) as a JSON object with "v" equal to
 * NODE_BODY_VERSION, no duplicate keys and no key outside keys. *out is
 * the caller's to json_decref. LIA_ETOOBIG or LIA_EPARSE, with what in
 * the diagnostic. */
int node_body_load(const uint8_t *body, size_t len, size_t max,
		   const char *what, const char *const *keys, size_t n_keys,
		   json_t **out, struct diag *d);

enum node_need { NODE_OPTIONAL, NODE_REQUIRED, NODE_NONEMPTY };
/* Copy the string at key (shorter than n bytes, no NUL or control
 * characters) into buf; an absent optional key gives "". Longer is
 * refused, never cut. LIA_EPARSE. */
int node_body_text(const json_t *o, const char *key, char *buf, size_t n,
		   enum node_need need, const char *what, struct diag *d);

/* The answer to a received query, built before the receive transaction
 * and written inside it. Owns everything; release with
 * node_qanswer_release. */
struct node_qanswer {
	uint8_t *bytes;                /* the sealed answer envelope */
	size_t len;
	char id[33];
	int64_t created, expires;
	char refs[NODE_ANSWER_HITS_MAX][NODE_REF_HEX + 1];
	char *record_ids[NODE_ANSWER_HITS_MAX];
	double scores[NODE_ANSWER_HITS_MAX];
	struct store_qref qrefs[NODE_ANSWER_HITS_MAX];
	size_t n_refs;
	char *detail;                  /* audit detail of the receipt */
};

/* Screen a query body from `sender` against this node's own records and
 * seal the answer to it. Errors: those of the parser, the store, the
 * screening engine and envelope_seal. */
/* The hub the envelope to to[0..n_to) names in its header: the one the
 * recipients pinned "via" a hub are reached through ("" when all are
 * direct). LIA_EINVAL when they are reached through two different hubs;
 * LIA_ENOTFOUND for a recipient that is not pinned. */
int node_hub_for(struct node *n, const char *const *to, size_t n_to,
		 char hub[MARKING_CODE_MAX + 1], struct diag *d);

int node_qanswer_build(struct node *n, const struct identity *me,
		       const struct envelope_header *h, const char *query_id,
		       const struct peer_key *key, const uint8_t *body,
		       size_t len, int64_t now, struct node_qanswer *out,
		       struct diag *d);
void node_qanswer_release(struct node_qanswer *a);

/* What node_receive needs of a request, release or refusal (release.c).
 * Owns everything; release with node_release_rx_release. */
struct node_release_rx {
	struct node_release rel;       /* release or refusal */
	struct node_request_body req;  /* request */
	char *record_id;               /* request: the record behind ref */
	char query_id[33];
	struct store_request sreq;     /* request: points into the above */
	char *detail;                  /* audit detail of the receipt */
	char subject[80];
};
int node_release_rx(struct node *n, const struct envelope_header *h,
		    const char *env_id, const uint8_t *body, size_t len,
		    int64_t now, struct node_release_rx *out, struct diag *d);
void node_release_rx_release(struct node_release_rx *rx);
/* After a request was stored: approve it when the policy says so. */
void node_release_policy_apply(struct node *n, const struct identity *me,
			       const char *env_id);
/* Shared with release.c: the handling rules of node_send for one record
 * and one recipient (exchange.c), and a record of a body (message.c). */
int node_handling_check(const char *id, const struct marking *m,
			const char *me, const char *to, struct diag *d);
int node_msg_record_parse(const json_t *rj, const struct ladder *l,
			  struct node_msg_record *r, struct diag *d);
/* Releases and refusals received, put on the hits of node_queries'
 * list. */
int node_queries_releases(struct node *n, const struct identity *me,
			  json_t *list, struct diag *d);

/* Apply a decrypted alert, alert-withdraw or hit body from h->sender
 * (alert.c), idempotently, before the inbox row is written; *subject
 * gets the inbox subject. */
int node_alert_receive(struct node *n, const struct envelope_header *h,
		       const char *env_id, const uint8_t *body, size_t len,
		       const char **subject, struct diag *d);

#endif
