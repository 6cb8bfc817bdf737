/*
 * witness.c - witnessing across borders (issue #6, section 3).
 *
 * A node publishes its signed tree head to each peer with a consistency
 * proof from the size that peer last countersigned. The peer checks the
 * signature with the node's pinned key and the proof against the head it
 * countersigned last; if both hold it countersigns (Ed25519 with its own
 * node key over the head's 73 signed bytes) and sends the countersignature
 * back. A head that contradicts one the peer countersigned (a failed proof,
 * another root for a size) is never countersigned: it is kept with the
 * head that showed it, logged, and reported back, so the operators of both
 * nodes see it. The bodies are documented in docs/LEDGER-FORMAT.md.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "liaison/banned.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"
#include "node_int.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)
#define PEERS_MAX 256

/* --------------------------------------------------------------- parse */

/* Standard padded base64 of exactly n bytes, in its one canonical form. */
static int b64_exact(const json_t *v, uint8_t *out, size_t n)
{
	char back[128];
	const char *s;
	size_t got = 0;

	if (!json_is_string(v) || n > 64)
		return LIA_EPARSE;
	s = json_string_value(v);
	if (json_string_length(v) !=
		sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL) -
		    1 ||
	    sodium_base642bin(out, n, s, json_string_length(v), NULL, &got,
			      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    got != n)
		return LIA_EPARSE;
	/* Unused bits must be zero: re-encoding must give the same text. */
	sodium_bin2base64(back, sizeof(back), out, n,
			  sodium_base64_VARIANT_ORIGINAL);
	return strcmp(back, s) ? LIA_EPARSE : 0;
}

/* A member holding a head or proof object: parsed by the ledger's own
 * strict parser from its canonical text. */
static int sub_json(const json_t *o, const char *key, char **out,
		    struct diag *d)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_object(v)) {
		diag_set(d, "witness: \"%s\" must be an object", key);
		return LIA_EPARSE;
	}
	if (!(*out = json_dumps(v, JSON_FLAGS)))
		return LIA_ENOMEM;
	return 0;
}

int node_witness_parse(enum envelope_kind kind, const uint8_t *body, size_t len,
		       struct node_witness_body *out, struct diag *d)
{
	static const char *const head_keys[] = {"v", "head", "consistency"};
	static const char *const cosig_keys[] = {"v", "head", "sig"};
	static const char *const problem_keys[] = {"v", "head", "reason"};
	const char *const *keys;
	struct node_witness_body b;
	json_t *o = NULL;
	char *s = NULL;
	int err;

	if (!out)
		return LIA_EINVAL;
	switch (kind) {
	case ENVELOPE_LEDGER_HEAD:
		keys = head_keys;
		break;
	case ENVELOPE_LEDGER_COSIGN:
		keys = cosig_keys;
		break;
	case ENVELOPE_LEDGER_PROBLEM:
		keys = problem_keys;
		break;
	default:
		return LIA_EINVAL;
	}
	memset(&b, 0, sizeof(b));
	if ((err = node_body_load(body, len, NODE_WITNESS_BODY_MAX, "witness",
				  keys, 3, &o, d)))
		return err;
	if ((err = sub_json(o, "head", &s, d)) ||
	    (err = ledger_head_parse(s, strlen(s), &b.head, d)))
		goto out;
	free(s);
	s = NULL;
	if (kind == ENVELOPE_LEDGER_HEAD && json_object_get(o, "consistency")) {
		if ((err = sub_json(o, "consistency", &s, d)) ||
		    (err = ledger_proof_parse(s, strlen(s), &b.proof, d)))
			goto out;
		if (b.proof.kind != LEDGER_CONSISTENCY ||
		    b.proof.b != b.head.size ||
		    sodium_memcmp(b.proof.hash_b, b.head.root,
				  LEDGER_HASH_SIZE) != 0 ||
		    b.proof.a == 0 || b.proof.a >= b.head.size) {
			diag_set(d, "witness: the consistency proof does not "
				    "end at the head or starts out of range");
			err = LIA_EPARSE;
			goto out;
		}
		b.has_proof = true;
	} else if (kind == ENVELOPE_LEDGER_COSIGN) {
		if (b64_exact(json_object_get(o, "sig"), b.sig,
			      LEDGER_SIG_SIZE)) {
			diag_set(d,
				 "witness: \"sig\" must be base64 of %d "
				 "bytes",
				 LEDGER_SIG_SIZE);
			err = LIA_EPARSE;
			goto out;
		}
	} else if (kind == ENVELOPE_LEDGER_PROBLEM) {
		if ((err =
			 node_body_text(o, "reason", b.reason, sizeof(b.reason),
					NODE_NONEMPTY, "witness", d)))
			goto out;
	}
	*out = b;
out:
	free(s);
	json_decref(o);
	return err;
}

/* --------------------------------------------------------------- check */

int node_witness_check(struct store *st, const char *node, const char *witness,
		       const uint8_t node_pk[LEDGER_PK_SIZE],
		       const struct node_witness_body *b,
		       enum node_witness_verdict *verdict, char *reason,
		       size_t n, struct diag *d)
{
	struct store_witness same, last;
	const struct ledger_head *h;
	bool have_last = false;
	int err;

	if (!st || !node || !witness || !node_pk || !b || !verdict || !reason ||
	    !n)
		return LIA_EINVAL;
	h = &b->head;
	if (ledger_head_verify(h, node_pk)) {
		diag_set(d,
			 "ledger head of %s at size %" PRIu64
			 " is not signed with its pinned key",
			 node, h->size);
		return LIA_ECRYPTO;
	}
	/* Two roots for one size: the clearest proof of a rewrite. */
	err = store_witness_get(st, node, witness, h->size, &same, d);
	if (err && err != LIA_ENOTFOUND)
		return err;
	if (!err && sodium_memcmp(same.root, h->root, LEDGER_HASH_SIZE)) {
		snprintf(reason, n,
			 "two different roots for size %" PRIu64
			 ": the head countersigned before and this one",
			 h->size);
		*verdict = NODE_WITNESS_PROBLEM;
		return 0;
	}
	err = store_witness_get(st, node, witness, UINT64_MAX, &last, d);
	if (err && err != LIA_ENOTFOUND)
		return err;
	have_last = !err;
	if (have_last && h->size < last.size) {
		diag_set(d,
			 "ledger head of %s at size %" PRIu64
			 " is older than size %" PRIu64
			 " countersigned before (a replay)",
			 node, h->size, last.size);
		return LIA_EDENIED;
	}
	/* The first head seen is taken on trust; the head countersigned
	 * last is countersigned again (its root was compared above). */
	if (!have_last || h->size == last.size) {
		*verdict = NODE_WITNESS_COSIGN;
		return 0;
	}
	if (!b->has_proof) {
		diag_set(d,
			 "ledger head of %s at size %" PRIu64
			 " comes without a consistency proof from size %" PRIu64
			 ", the last countersigned",
			 node, h->size, last.size);
		return LIA_EDENIED;
	}
	/* Any size this witness countersigned pins a root: a proof from it
	 * that names another root, or fails, shows a rewritten history even
	 * when the publisher has not yet heard of the latest
	 * countersignature. */
	if (b->proof.a == last.size) {
		same = last;
		err = 0;
	} else {
		err =
		    store_witness_get(st, node, witness, b->proof.a, &same, d);
	}
	if (err == LIA_ENOTFOUND) {
		diag_set(d,
			 "ledger head of %s: the consistency proof starts at "
			 "size %" PRIu64 ", which this witness never "
			 "countersigned",
			 node, b->proof.a);
		return LIA_EDENIED;
	}
	if (err)
		return err;
	if (sodium_memcmp(b->proof.hash_a, same.root, LEDGER_HASH_SIZE)) {
		snprintf(reason, n,
			 "the root it gives for size %" PRIu64
			 " is not the root countersigned for that size",
			 same.size);
		*verdict = NODE_WITNESS_PROBLEM;
		return 0;
	}
	if (ledger_proof_verify(&b->proof)) {
		snprintf(reason, n,
			 "size %" PRIu64 " is not consistent with size %" PRIu64
			 " countersigned before: the consistency proof fails",
			 h->size, same.size);
		*verdict = NODE_WITNESS_PROBLEM;
		return 0;
	}
	if (b->proof.a != last.size) {
		/* Consistent with an older head, but the latest one is not
		 * covered: the publisher's next head will carry the proof. */
		diag_set(d,
			 "ledger head of %s at size %" PRIu64
			 ": the consistency proof must start at size %" PRIu64
			 ", the last countersigned, not %" PRIu64,
			 node, h->size, last.size, b->proof.a);
		return LIA_EDENIED;
	}
	*verdict = NODE_WITNESS_COSIGN;
	return 0;
}

/* ------------------------------------------------------------- sending */

/* The log line of a problem, in the daemon's format, on standard error
 * (the node's log): an operator must see it without asking. */
static void log_problem(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void log_problem(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char at[32], msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ ERROR %s\n", at, ts.tv_nsec / 1000000, msg);
}

/* Seal body to one peer as kind. */
static int seal_one(struct node *n, const struct identity *me,
		    enum envelope_kind kind, const char *to, const char *body,
		    int64_t now, uint8_t **env, size_t *env_len, char id[33],
		    struct envelope_header *h, struct diag *d)
{
	struct identity_card c = {0};
	struct peer_key key;
	char *mjson = NULL;
	int err;

	memset(h, 0, sizeof(*h));
	if ((err = node_peer_card(n, to, &c, NULL, 0, d))) {
		if (err == LIA_ENOTFOUND)
			diag_set(d, "%s is not a pinned peer", to);
		return err;
	}
	identity_card_peer_key(&c, &key);
	identity_card_free(&c);
	(void)str_copy(h->recipients[0], sizeof(h->recipients[0]), to);
	if ((err = envelope_marking_json(&n->cfg.defaults, &mjson)))
		return err;
	envelope_id_new(h->id);
	(void)str_copy(h->sender, sizeof(h->sender), n->cfg.agency);
	h->n_recipients = 1;
	h->created = now;
	h->expires = now + NODE_MSG_TTL;
	h->kind = kind;
	h->priority = kind == ENVELOPE_LEDGER_PROBLEM ? ENVELOPE_IMMEDIATE
						      : ENVELOPE_ROUTINE;
	h->marking = mjson;
	if (!(err = node_hub_for(n, &to, 1, h->hub, d)))
		err = envelope_seal(me, h, &key, 1, (const uint8_t *)body,
				    strlen(body), env, env_len, d);
	h->marking = NULL;
	free(mjson);
	if (!err)
		envelope_id_hex(h->id, id);
	return err;
}

/* A witness body: {"v":1,"head":HEAD} plus key: value when value is not
 * NULL. value is consumed, whatever happens. */
static int body_json(const struct ledger_head *h, const char *key,
		     json_t *value, char **out)
{
	char *hs = NULL;
	json_t *o = NULL;
	int err;

	if ((err = ledger_head_to_json(h, &hs)))
		goto out;
	if (!(o = json_pack("{s:i, s:o?}", "v", NODE_BODY_VERSION, "head",
			    json_loads(hs, 0, NULL))) ||
	    !json_object_get(o, "head")) {
		err = LIA_ENOMEM;
		goto out;
	}
	if (value) {
		int r = json_object_set_new(o, key, value);

		value = NULL;
		if (r) {
			err = LIA_ENOMEM;
			goto out;
		}
	}
	if (!(*out = json_dumps(o, JSON_FLAGS)))
		err = LIA_ENOMEM;
out:
	json_decref(value);
	json_decref(o);
	free(hs);
	return err;
}

struct peers {
	char agency[PEERS_MAX][MARKING_CODE_MAX + 1];
	size_t n;
	const char *only;
};

static int peer_cb(const struct store_peer *p, void *ctx)
{
	struct peers *ps = ctx;

	if (ps->only && strcmp(ps->only, p->agency))
		return 0;
	if (ps->n == PEERS_MAX)
		return LIA_ETOOBIG;
	return str_copy(ps->agency[ps->n++], sizeof(ps->agency[0]), p->agency);
}

/* Queue the head h to one peer with a proof from the size it last
 * countersigned. */
static int publish_to(struct node *n, const struct identity *me,
		      struct ledger *lg, const struct ledger_head *h,
		      const char *peer, int64_t now, struct diag *d)
{
	struct envelope_header eh;
	struct store_outbound o;
	struct store_witness last;
	struct ledger_proof p;
	json_t *proof = NULL;
	uint8_t *env = NULL;
	size_t env_len = 0;
	char *body = NULL, *ps = NULL, id[33], subject[64];
	const char *rcpt[1] = {peer};
	uint64_t from = 0;
	int err;

	err = store_witness_get(n->store, n->cfg.agency, peer, UINT64_MAX,
				&last, d);
	if (err && err != LIA_ENOTFOUND)
		return err;
	if (!err)
		from = last.size;
	if (from > 0 && from < h->size) {
		if ((err =
			 ledger_prove_consistency(lg, from, h->size, &p, d)) ||
		    (err = ledger_proof_to_json(&p, &ps)))
			goto out;
		if (!(proof = json_loads(ps, 0, NULL))) {
			err = LIA_ENOMEM;
			goto out;
		}
	}
	err = body_json(h, "consistency", proof, &body);
	proof = NULL;
	if (err)
		goto out;
	if ((err = seal_one(n, me, ENVELOPE_LEDGER_HEAD, peer, body, now, &env,
			    &env_len, id, &eh, d)))
		goto out;
	snprintf(subject, sizeof(subject), "ledger head, size %" PRIu64,
		 h->size);
	o = (struct store_outbound){
	    .env_id = id,
	    .kind = envelope_kind_name(ENVELOPE_LEDGER_HEAD),
	    .subject = subject,
	    .case_ref = "",
	    .created = eh.created,
	    .expires = eh.expires,
	    .bytes = env,
	    .len = env_len,
	    .recipients = rcpt,
	    .n_recipients = 1,
	    .actor = "node",
	    .detail = subject,
	};
	err = store_outbox_add(n->store, &o, d);
out:
	json_decref(proof);
	free(ps);
	free(body);
	free(env);
	return err;
}

int node_witness_publish(struct node *n, const struct identity *me,
			 const char *peer, int64_t now, uint64_t *size,
			 size_t *sent, struct diag *d)
{
	struct ledger_signer signer;
	struct ledger_head h;
	struct ledger *lg = NULL;
	struct peers *ps;
	size_t k = 0;
	int err;

	if (!n || !me)
		return LIA_EINVAL;
	if (!(ps = calloc(1, sizeof(*ps))))
		return LIA_ENOMEM;
	ps->only = peer;
	if ((err = store_peer_each(n->store, peer_cb, ps, d)))
		goto out;
	if (peer && ps->n == 0) {
		diag_set(d, "%s is not a pinned peer", peer);
		err = LIA_ENOTFOUND;
		goto out;
	}
	identity_ledger_signer(me, &signer);
	if ((err = ledger_open(n->store, &lg, d)) ||
	    (err = ledger_sign_head(lg, &signer, 0, &h, d)))
		goto out;
	for (size_t i = 0; i < ps->n; i++) {
		if ((err = publish_to(n, me, lg, &h, ps->agency[i], now, d))) {
			diag_prefix(d, "publishing to %s: ", ps->agency[i]);
			goto out;
		}
		k++;
	}
	if (size)
		*size = h.size;
	if (sent)
		*sent = k;
out:
	ledger_close(lg);
	free(ps);
	return err;
}

/* ----------------------------------------------------------- receiving */

void node_witness_rx_release(struct node_witness_rx *rx)
{
	if (!rx)
		return;
	free(rx->bytes);
	rx->bytes = NULL;
	rx->has_reply = false;
}

/* Seal a reply to the publisher into rx, to be queued with the receipt. */
static int reply(struct node *n, const struct identity *me,
		 enum envelope_kind kind, const char *to,
		 const struct ledger_head *h, const char *key, json_t *value,
		 int64_t now, struct node_witness_rx *rx, struct diag *d)
{
	struct envelope_header eh;
	size_t len = 0;
	char *body = NULL;
	int err;

	/* Every reply carries its member: no value (out of memory) is an
	 * error, not a shorter body. */
	if (!value)
		return LIA_ENOMEM;
	if ((err = body_json(h, key, value, &body)) ||
	    (err = seal_one(n, me, kind, to, body, now, &rx->bytes, &len,
			    rx->reply_id, &eh, d)))
		goto out;
	rx->rcpt[0] = to;
	rx->reply = (struct store_outbound){
	    .env_id = rx->reply_id,
	    .kind = envelope_kind_name(kind),
	    .subject = rx->subject,
	    .case_ref = "",
	    .created = eh.created,
	    .expires = eh.expires,
	    .bytes = rx->bytes,
	    .len = len,
	    .recipients = rx->rcpt,
	    .n_recipients = 1,
	    .actor = "node",
	    .detail = rx->subject,
	};
	rx->has_reply = true;
out:
	free(body);
	return err;
}

static json_t *b64_json(const uint8_t *b, size_t n)
{
	char s[128];

	if (n > 64)
		return NULL;
	sodium_bin2base64(s, sizeof(s), b, n, sodium_base64_VARIANT_ORIGINAL);
	return json_string(s);
}

/* A head from a peer: countersign it or report the problem. */
static int rx_head(struct node *n, const struct identity *me,
		   const struct identity_card *peer,
		   const struct envelope_header *h, const char *env_id,
		   const uint8_t *body, size_t len,
		   const struct node_witness_body *b, int64_t now,
		   struct node_witness_rx *rx, struct diag *d)
{
	uint8_t msg[LEDGER_HEAD_SIGNED_SIZE];
	enum node_witness_verdict v = 0;
	char reason[NODE_WITNESS_REASON_MAX + 1] = "";
	struct store_witness w;
	char *evidence = NULL;
	int err;

	if ((err = node_witness_check(n->store, h->sender, n->cfg.agency,
				      peer->sign_pk, b, &v, reason,
				      sizeof(reason), d)))
		return err;
	if (v == NODE_WITNESS_PROBLEM) {
		struct store_witness_problem p = {
		    .env_id = env_id,
		    .node = h->sender,
		    .witness = n->cfg.agency,
		    .reason = reason,
		    .size = b->head.size,
		    .at = now,
		};

		if (!(evidence = strndup((const char *)body, len)))
			return LIA_ENOMEM;
		p.evidence = evidence;
		log_problem("ledger: PROBLEM: the ledger of %s is inconsistent "
			    "with what this node witnessed: %s (head of size "
			    "%" PRIu64 " in envelope %s); not countersigned",
			    h->sender, reason, b->head.size, env_id);
		snprintf(rx->subject, sizeof(rx->subject),
			 "PROBLEM in the ledger of %s: %s", h->sender, reason);
		if (!(err = store_witness_problem_add(n->store, &p, d)))
			err = reply(n, me, ENVELOPE_LEDGER_PROBLEM, h->sender,
				    &b->head, "reason", json_string(reason),
				    now, rx, d);
		free(evidence);
		return err;
	}
	memset(&w, 0, sizeof(w));
	(void)str_copy(w.node, sizeof(w.node), h->sender);
	(void)str_copy(w.witness, sizeof(w.witness), n->cfg.agency);
	w.size = b->head.size;
	memcpy(w.root, b->head.root, LEDGER_HASH_SIZE);
	w.at_ms = b->head.time_ms;
	memcpy(w.sig, b->head.sig, LEDGER_SIG_SIZE);
	w.received = now;
	ledger_head_signed_bytes(&b->head, msg);
	if ((err = identity_sign(me, msg, sizeof(msg), w.cosig)))
		return err;
	snprintf(rx->subject, sizeof(rx->subject),
		 "ledger head of %s, size %" PRIu64 ", countersigned",
		 h->sender, b->head.size);
	if ((err = store_witness_put(n->store, &w, d)))
		return err;
	return reply(n, me, ENVELOPE_LEDGER_COSIGN, h->sender, &b->head, "sig",
		     b64_json(w.cosig, LEDGER_SIG_SIZE), now, rx, d);
}

/* A countersignature of one of this node's heads. */
static int rx_cosig(struct node *n, const struct identity *me,
		    const struct identity_card *peer,
		    const struct envelope_header *h,
		    const struct node_witness_body *b, int64_t now,
		    struct node_witness_rx *rx, struct diag *d)
{
	struct ledger_head mine, theirs;
	struct store_witness w;
	struct ledger *lg = NULL;
	int err;

	if ((err = ledger_open(n->store, &lg, d)))
		return err;
	err = ledger_head_get(lg, b->head.size, &mine, d);
	ledger_close(lg);
	if (err == LIA_ENOTFOUND ||
	    (!err &&
	     (mine.time_ms != b->head.time_ms ||
	      sodium_memcmp(mine.root, b->head.root, LEDGER_HASH_SIZE) ||
	      sodium_memcmp(mine.pk, identity_sign_pk(me), LEDGER_PK_SIZE)))) {
		diag_set(d,
			 "countersignature from %s of a head of size %" PRIu64
			 " this node never signed",
			 h->sender, b->head.size);
		return LIA_EDENIED;
	}
	if (err)
		return err;
	/* The countersignature covers the head's signed bytes, like the
	 * node's own signature: checked the same way with the peer's key. */
	theirs = mine;
	memcpy(theirs.pk, peer->sign_pk, LEDGER_PK_SIZE);
	memcpy(theirs.sig, b->sig, LEDGER_SIG_SIZE);
	if (ledger_head_verify(&theirs, peer->sign_pk)) {
		diag_set(d, "countersignature from %s does not verify",
			 h->sender);
		return LIA_ECRYPTO;
	}
	memset(&w, 0, sizeof(w));
	(void)str_copy(w.node, sizeof(w.node), n->cfg.agency);
	(void)str_copy(w.witness, sizeof(w.witness), h->sender);
	w.size = mine.size;
	memcpy(w.root, mine.root, LEDGER_HASH_SIZE);
	w.at_ms = mine.time_ms;
	memcpy(w.sig, mine.sig, LEDGER_SIG_SIZE);
	memcpy(w.cosig, b->sig, LEDGER_SIG_SIZE);
	w.received = now;
	snprintf(rx->subject, sizeof(rx->subject),
		 "ledger head, size %" PRIu64 ", countersigned by %s",
		 mine.size, h->sender);
	return store_witness_put(n->store, &w, d);
}

/* A witness's report that this node's heads are inconsistent. */
static int rx_problem(struct node *n, const struct envelope_header *h,
		      const char *env_id, const uint8_t *body, size_t len,
		      const struct node_witness_body *b, int64_t now,
		      struct node_witness_rx *rx, struct diag *d)
{
	struct store_witness_problem p = {
	    .env_id = env_id,
	    .node = n->cfg.agency,
	    .witness = h->sender,
	    .size = b->head.size,
	    .at = now,
	};
	char reason[NODE_WITNESS_REASON_MAX + 64];
	char *evidence;
	int err;

	snprintf(reason, sizeof(reason), "reported by %s: %s", h->sender,
		 b->reason);
	p.reason = reason;
	if (!(evidence = strndup((const char *)body, len)))
		return LIA_ENOMEM;
	p.evidence = evidence;
	log_problem("ledger: PROBLEM: witness %s reports that this node's "
		    "ledger is inconsistent at size %" PRIu64 ": %s",
		    h->sender, b->head.size, b->reason);
	snprintf(rx->subject, sizeof(rx->subject),
		 "PROBLEM reported by %s: %.200s", h->sender, b->reason);
	err = store_witness_problem_add(n->store, &p, d);
	free(evidence);
	return err;
}

static int problem_alert_cb(const struct store_witness_problem *p, void *ctx)
{
	json_t *arr = ctx, *o;
	char action[512];

	/* Found here (this node witnessed) or reported to this node: either
	 * way an operator must look, on both nodes. */
	snprintf(action, sizeof(action),
		 "the ledger of %s is inconsistent with what %s witnessed at "
		 "size %" PRIu64 ": compare `liaison ledger witnesses` and "
		 "`liaison ledger verify` on both nodes",
		 p->node, p->witness, p->size);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
		      "s:I, s:s, s:I}",
		      "id", p->env_id, "role", "operator", "state", "active",
		      "kind", "ledger-problem", "recipients", "", "record", "",
		      "issuer", p->witness, "action", action, "node", p->node,
		      "witness", p->witness, "size", (json_int_t)p->size,
		      "reason", p->reason, "at", (json_int_t)p->at);
	if (!o || json_array_append_new(arr, o))
		return LIA_ENOMEM;
	return 0;
}

int node_witness_alerts(struct node *n, json_t *arr, struct diag *d)
{
	if (!n || !arr)
		return LIA_EINVAL;
	return store_witness_problem_each(n->store, problem_alert_cb, arr, d);
}

int node_witness_receive(struct node *n, const struct identity *me,
			 const struct identity_card *peer,
			 const struct envelope_header *h, const char *env_id,
			 const uint8_t *body, size_t len, int64_t now,
			 struct node_witness_rx *rx, struct diag *d)
{
	struct node_witness_body b;
	int err;

	if (!n || !me || !peer || !h || !env_id || !rx)
		return LIA_EINVAL;
	memset(rx, 0, sizeof(*rx));
	if ((err = node_witness_parse(h->kind, body, len, &b, d)))
		return err;
	switch (h->kind) {
	case ENVELOPE_LEDGER_HEAD:
		err =
		    rx_head(n, me, peer, h, env_id, body, len, &b, now, rx, d);
		break;
	case ENVELOPE_LEDGER_COSIGN:
		err = rx_cosig(n, me, peer, h, &b, now, rx, d);
		break;
	default:
		err = rx_problem(n, h, env_id, body, len, &b, now, rx, d);
		break;
	}
	if (err)
		node_witness_rx_release(rx);
	return err;
}
