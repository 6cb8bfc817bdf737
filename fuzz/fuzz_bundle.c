/* fuzz_bundle.c - evidence_bundle_verify on untrusted bytes: the canonical
 * JSON check, the card, the head and witnesses, base64 entries, frames,
 * documents and proofs. Whatever the input, it must return a code without
 * crashing, leaking or reading out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "liaison/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, bool ok, const char *line)
{
	(void)ctx;
	(void)ok;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d;
	int rc;

	rc = evidence_bundle_verify(data, size, quiet, NULL, &d);
	/* 0 or one of the codes of error.h, never anything else. */
	if (rc > 0 || rc < LIA_ERR_MIN)
		abort();
	return 0;
}
