/*
 * fuzz_mrz.c - types_mrz over arbitrary bytes. Every string field of an
 * accepted MRZ must be terminated within its array, and the normal form
 * must parse to the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mrz m, m2;
	struct strbuf sb;
	struct diag d;

	if (types_mrz((const char *)data, size, &m, &d) != 0)
		return 0;
	if (!TERMINATED(m.doc_code) || !TERMINATED(m.issuer) ||
	    !TERMINATED(m.number) || !TERMINATED(m.birth) ||
	    !TERMINATED(m.expiry) || !TERMINATED(m.nationality) ||
	    !TERMINATED(m.surname) || !TERMINATED(m.given))
		abort();
	if (m.format < MRZ_TD1 || m.format > MRZ_TD3)
		abort();
	strbuf_init(&sb, 4096);
	if (types_normalize(PTYPE_MRZ, (const char *)data, size, &sb, &d) ||
	    types_mrz(sb.buf, sb.len, &m2, &d) ||
	    memcmp(&m, &m2, sizeof(m)) != 0)
		abort();
	strbuf_release(&sb);
	return 0;
}
