/* fuzz_proof.c - ledger_proof_parse and ledger_head_parse on untrusted
 * bytes (JSON, integers, base64), then verification of what parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_proof p, q;
	struct ledger_head h, h2;
	struct diag d;
	char *text;

	if (ledger_proof_parse(data, size, &p, &d) == 0) {
		/* Verification of any parsed proof terminates with a code;
		 * and a parsed proof writes back to the same proof. */
		(void)ledger_proof_verify(&p);
		if (ledger_proof_to_json(&p, &text) != 0)
			abort();
		if (ledger_proof_parse(text, strlen(text), &q, &d) != 0 ||
		    q.kind != p.kind || q.a != p.a || q.b != p.b ||
		    q.n != p.n || memcmp(q.path, p.path, p.n * 32) != 0)
			abort();
		free(text);
	}
	if (ledger_head_parse(data, size, &h, &d) == 0) {
		(void)ledger_head_verify(&h, h.pk);
		if (ledger_head_to_json(&h, &text) != 0)
			abort();
		if (ledger_head_parse(text, strlen(text), &h2, &d) != 0 ||
		    memcmp(&h, &h2, sizeof(h)) != 0)
			abort();
		free(text);
	}
	return 0;
}
