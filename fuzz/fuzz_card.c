/* fuzz_card.c - identity_card_parse on untrusted bytes (JSON, hex, the
 * PEM certificate through GnuTLS, the self-signature). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct identity_card card;
	struct peer_key pk;
	struct diag d;
	static const uint8_t der[3] = {0x30, 0x01, 0x00};

	if (identity_card_parse(data, size, &card, &d))
		return 0;
	/* An accepted card is complete and consistent. */
	if (!card.tls_cert_pem || !card.agency[0] || strlen(card.country) != 2)
		abort();
	identity_card_peer_key(&card, &pk);
	(void)identity_card_check_tls(&card, der, sizeof(der), &d);
	identity_card_free(&card);
	return 0;
}
