/* fuzz_envelope.c - envelope_parse on untrusted bytes, then what a relay
 * and a receiver do next with a parsed envelope (verify with some key,
 * check the times) so that every offset the parser recorded is used. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[IDENTITY_PK_BYTES] = {1};
	const struct envelope_header *h;
	struct envelope *env = NULL;
	struct diag d;
	size_t len = 0;
	char hex[2 * ENVELOPE_ID_BYTES + 1];

	if (envelope_parse(data, size, &env, &d))
		return 0;
	h = envelope_get_header(env);
	/* A parsed envelope is exactly its input and has a sound header. */
	if (envelope_bytes(env, &len) == NULL || len != size ||
	    !h->n_recipients || h->n_recipients > ENVELOPE_RECIPIENTS_MAX ||
	    strlen(h->marking) > ENVELOPE_MARKING_MAX)
		abort();
	(void)envelope_id_hex(h->id, hex);
	(void)envelope_kind_name(h->kind);
	(void)envelope_priority_name(h->priority);
	(void)envelope_verify(env, key);
	(void)envelope_check_time(env, h->created, 300, &d);
	envelope_free(env);
	return 0;
}
