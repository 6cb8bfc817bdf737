/* fuzz_blob.c - the two parsers of attachment uploads: a chunk's
 * Content-Range at the receiver (attach_range_parse) and the receiver's
 * status answer at the sender (node_blob_status_parse). The first byte
 * picks the parser: 'R' the range, anything else the status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/attach.h"
#include "liaison/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;

	if (!size)
		return 0;
	if (data[0] == 'R') {
		struct attach_range r;

		/* An accepted range is one a receiver can write safely. */
		if (!attach_range_parse(s, n, &r) &&
		    (r.first > r.last || r.last >= r.total ||
		     r.total > attach_encrypted_size(ATTACH_SIZE_MAX) ||
		     r.last - r.first + 1 > ATTACH_PUT_MAX))
			abort();
	} else {
		uint64_t have = 0;
		bool complete = false;

		if (!node_blob_status_parse(s, n, &have, &complete) &&
		    have > attach_encrypted_size(ATTACH_SIZE_MAX))
			abort();
	}
	return 0;
}
