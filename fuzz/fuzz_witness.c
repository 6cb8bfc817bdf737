/* fuzz_witness.c - the decrypted body of ledger-head, ledger-cosign and
 * ledger-problem envelopes (node_witness_parse): JSON from another
 * agency, with a tree head and a consistency proof inside. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum envelope_kind kinds[] = {ENVELOPE_LEDGER_HEAD,
						   ENVELOPE_LEDGER_COSIGN,
						   ENVELOPE_LEDGER_PROBLEM};
	struct node_witness_body b;
	struct diag d;

	/* A parsed body is sound: a head of a known version, a proof (when
	 * there is one) that ends at the head and starts inside it, a
	 * bounded, non-empty reason for a problem. */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (node_witness_parse(kinds[i], data, size, &b, &d))
			continue;
		if (b.head.version != LEDGER_HEAD_VERSION ||
		    b.head.size > LEDGER_SIZE_MAX || b.head.time_ms < 0)
			abort();
		if (b.has_proof &&
		    (kinds[i] != ENVELOPE_LEDGER_HEAD ||
		     b.proof.kind != LEDGER_CONSISTENCY ||
		     b.proof.b != b.head.size || b.proof.a == 0 ||
		     b.proof.a >= b.proof.b || b.proof.n > LEDGER_PROOF_MAX))
			abort();
		if (kinds[i] == ENVELOPE_LEDGER_PROBLEM &&
		    (!b.reason[0] ||
		     strlen(b.reason) > NODE_WITNESS_REASON_MAX))
			abort();
		/* Verifying what was parsed must not crash either. */
		if (b.has_proof)
			(void)ledger_proof_verify(&b.proof);
	}
	return 0;
}
