/*
 * fuzz_un.c - the UN list importer over in-memory XML.
 *
 * The same code as ingest_un() runs over the input through
 * xmlReaderForMemory, with a sink that only counts. A successful import
 * must have produced at least one entity per record it reported, and a
 * failure must explain itself.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ingest/un_internal.h"
#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_put(void *ctx, const struct entity *e, struct diag *d)
{
	unsigned long *n = ctx;

	(void)d;
	if (!entity_id(e) || !entity_schema(e))
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long n = 0;
	struct ingest_sink sink = {.put = count_put, .ctx = &n};
	struct diag d;
	int rc;

	if (size > (1 << 20))
		return 0;
	diag_clear(&d);
	rc = un_ingest_memory((const char *)data, size, "fuzz.xml", &sink, &d);
	if (rc < 0 && d.msg[0] == '\0')
		abort();
	return 0;
}
