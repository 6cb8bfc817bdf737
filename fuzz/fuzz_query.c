/* fuzz_query.c - the decrypted body of query and answer envelopes
 * (node_query_parse, node_answer_parse): JSON from another agency. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node_query q;
	struct node_answer a;
	struct diag d;

	/* A parsed body is sound: a name, bounded hits with hex refs and
	 * scores in (0, 1]. */
	if (!node_query_parse(data, size, &q, &d) &&
	    (!q.name[0] || strlen(q.name) > NODE_QUERY_NAME_MAX))
		abort();
	if (!node_answer_parse(data, size, &a, &d)) {
		if (a.n_hits > NODE_ANSWER_HITS_MAX || strlen(a.query) != 32)
			abort();
		for (size_t i = 0; i < a.n_hits; i++)
			if (strlen(a.hits[i].ref) != 32 ||
			    !(a.hits[i].score > 0.0) || a.hits[i].score > 1.0)
				abort();
	}
	return 0;
}
