/* fuzz_message.c - the decrypted body of message and receipt envelopes
 * (node_message_parse, node_receipt_parse): JSON from another agency,
 * with records, markings and attachment descriptors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/entity.h"
#include "liaison/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ladder l;
	struct node_message *m = NULL;
	struct diag d;

	marking_ladder_default(&l);
	if (!node_message_parse(data, size, &l, &m, &d)) {
		/* A parsed message is sound: bounded, validated records. */
		if (!m->subject || strlen(m->subject) > NODE_SUBJECT_MAX ||
		    m->n_records > NODE_MSG_RECORDS_MAX ||
		    m->n_attach > NODE_MSG_ATTACH_MAX)
			abort();
		for (size_t i = 0; i < m->n_records; i++)
			if (!entity_id(m->records[i].entity) ||
			    marking_validate(&m->records[i].marking, &l, &d))
				abort();
		for (size_t i = 0; i < m->n_attach; i++)
			if (m->attach[i].blob[0]
				? !attach_blob_hex_ok(m->attach[i].blob,
						      strlen(m->attach[i].blob)) ||
				      m->attach[i].data
				: m->attach[i].len !=
				      attach_encrypted_size(
					  m->attach[i].desc->size))
				abort();
		node_message_free(m);
	}
	{
		static char ids[STORE_DELIVERED_MAX][33];
		size_t n = 0;

		if (!node_receipt_parse(data, size, ids, STORE_DELIVERED_MAX,
					&n, &d)) {
			if (n < 1 || n > STORE_DELIVERED_MAX)
				abort();
			for (size_t i = 0; i < n; i++)
				if (strlen(ids[i]) != 32)
					abort();
		}
	}
	return 0;
}
