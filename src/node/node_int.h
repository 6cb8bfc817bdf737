/*
 * node_int.h - what exchange.c and query.c share inside the node module.
 */
#ifndef LIAISON_NODE_INT_H
#define LIAISON_NODE_INT_H

#include "liaison/envelope.h"
#include "liaison/node.h"

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
int node_qanswer_build(struct node *n, const struct identity *me,
		       const struct envelope_header *h, const char *query_id,
		       const struct peer_key *key, const uint8_t *body,
		       size_t len, int64_t now, struct node_qanswer *out,
		       struct diag *d);
void node_qanswer_release(struct node_qanswer *a);

/* Apply a decrypted alert, alert-withdraw or hit body from h->sender
 * (alert.c), idempotently, before the inbox row is written; *subject
 * gets the inbox subject. */
int node_alert_receive(struct node *n, const struct envelope_header *h,
		       const char *env_id, const uint8_t *body, size_t len,
		       const char **subject, struct diag *d);

#endif
