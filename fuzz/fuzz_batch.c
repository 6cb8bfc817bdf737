/*
 * fuzz_batch.c - the batch framing (batch_parse): bytes from a peer,
 * before any envelope is looked at.
 */
#include <stdlib.h>
#include <string.h>

#include "liaison/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct batch_item items[BATCH_COUNT_MAX];
	struct strbuf sb;
	struct diag d;
	size_t n = 0, total = BATCH_HEADER;

	if (batch_parse(data, size, items, BATCH_COUNT_MAX, &n, &d))
		return 0;
	/* Every item lies inside the input, in order, and the framing
	 * accounts for every byte. */
	if (n < 1 || n > BATCH_COUNT_MAX)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (items[i].bytes < data + BATCH_HEADER || items[i].len < 1 ||
		    items[i].len > ENVELOPE_MAX ||
		    (size_t)(items[i].bytes - data) + items[i].len > size)
			abort();
		total += 4 + items[i].len;
	}
	if (total != size)
		abort();
	/* Writing the items again gives the same bytes: one encoding. */
	strbuf_init(&sb, BATCH_MAX);
	if (batch_start(&sb))
		abort();
	for (size_t i = 0; i < n; i++)
		if (batch_append(&sb, items[i].bytes, items[i].len))
			abort();
	if (sb.len != size || memcmp(sb.buf, data, size))
		abort();
	strbuf_release(&sb);
	return 0;
}
