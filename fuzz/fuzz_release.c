/* fuzz_release.c - the decrypted body of request, release and refusal
 * envelopes (node_request_parse, node_release_parse): JSON from another
 * agency. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/entity.h"
#include "liaison/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node_request_body q;
	struct node_release r;
	struct ladder l;
	struct diag d;

	marking_ladder_default(&l);
	/* A parsed body is sound: hex references, a record exactly in a
	 * release, a reason exactly in a refusal. */
	if (!node_request_parse(data, size, &q, &d) && strlen(q.ref) != 32)
		abort();
	if (!node_release_parse(data, size, &l, true, &r, &d)) {
		if (!r.record.entity || strlen(r.ref) != 32 ||
		    strlen(r.request) != 32 || !entity_id(r.record.entity))
			abort();
		node_release_free(&r);
	}
	if (!node_release_parse(data, size, &l, false, &r, &d)) {
		if (r.record.entity || !r.reason[0] || strlen(r.ref) != 32)
			abort();
		node_release_free(&r);
	}
	return 0;
}
