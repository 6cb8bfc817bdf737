/* evidence_int.h - shared by the files of src/evidence only. */
#ifndef LIAISON_EVIDENCE_INT_H
#define LIAISON_EVIDENCE_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "liaison/evidence.h"

/* True when s is an item id: EVIDENCE_ID_LEN lower-case hex digits. */
bool evidence_id_ok(const char *s);

/* A user qualified by agency ("name@AGENCY"), as custody rows name the
 * users of other agencies. */
#define EVIDENCE_USER_QUAL (USERS_NAME_MAX + 1 + MARKING_CODE_MAX + 1)

/* What the rules need of a framed ledger entry's document: type "user"
 * (user = its name) or "custody" (every field). custody.c. */
struct evidence_doc {
	char type[16];
	char kind[16];
	char user[USERS_NAME_MAX + 1];
	char agency[MARKING_CODE_MAX + 1];
	char to[EVIDENCE_FIELD_MAX + 1];
	char item[EVIDENCE_ID_LEN + 1];
	char prev[LEDGER_HASH_SIZE * 2 + 1];
	uint64_t seq;
};
/* LIA_EPARSE when the entry is not a user or custody document. */
int evidence_doc_read(const uint8_t *entry, size_t len,
		      struct evidence_doc *out);
/* evidence_rule_at for a custody document, its number checked too. */
int evidence_doc_rule(struct evidence_state *s, const struct evidence_doc *e,
		      struct diag *d);
/* The rules' state after the item's events on this node's ledger, and the
 * leaf hash of the last. LIA_ENOTFOUND when the item has none. */
int evidence_chain_load(const struct evidence_ctx *c, const char *id,
			struct evidence_state *out,
			uint8_t last[LEDGER_HASH_SIZE], struct diag *d);
/* The receipt of an item another agency transferred to this node: the
 * events of the newest transfer bundle after those this node holds (all
 * when the item is new here) copied verbatim, then the receipt signed by
 * who. LIA_ENOTFOUND when no transfer waits for a receipt; LIA_EDENIED
 * for a bundle that forks the chain held here. */
int evidence_receive_import(const struct evidence_ctx *c,
			    const struct users_key *who, const char *id,
			    const char *note, uint64_t *seq, struct diag *d);
/* The section of a bundle that proves the events of another agency: the
 * card, head and entries of the bundle it sent about item (or of its
 * section in a bundle another agency sent) that includes each of the n
 * leaf hashes in need (its events on this node's chain), under the
 * largest tree head. */
int evidence_section(struct store *st, const char *item, const char *agency,
		     const uint8_t (*need)[LEDGER_HASH_SIZE], size_t n_need,
		     json_t **out, struct diag *d);
/* The fields every custody document has (evidence.c). */
json_t *evidence_doc_common(const struct evidence_ctx *c,
			    const struct users_key *who, const char *id,
			    uint64_t seq, enum evidence_kind kind,
			    const char *prev, int64_t at);
/* Strict padded base64 of at most max bytes (bundle.c). */
int evidence_b64_decode(json_t *s, size_t max, uint8_t **out, size_t *len);

#endif
