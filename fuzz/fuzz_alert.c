/* fuzz_alert.c - the decrypted body of alert, alert-withdraw and hit
 * envelopes (node_alert_parse, node_alert_withdraw_parse, node_hit_parse):
 * JSON from another agency. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/entity.h"
#include "liaison/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ladder l;
	struct node_alert a;
	struct node_alert_withdraw w;
	struct node_hit h;
	struct diag d;

	marking_ladder_default(&l);
	/* A parsed body is sound: a hex id, a known kind, a bounded action,
	 * a record with an id; a score in (0, 1]. */
	if (!node_alert_parse(data, size, &l, &a, &d)) {
		if (strlen(a.id) != 32 || !node_alert_kind_ok(a.kind) ||
		    strlen(a.action) > NODE_ACTION_MAX || a.version < 1 ||
		    a.expires < 0 || !a.record.entity ||
		    !entity_id(a.record.entity))
			abort();
		node_alert_release(&a);
	}
	if (!node_alert_withdraw_parse(data, size, &w, &d) &&
	    (strlen(w.id) != 32 || strlen(w.reason) > NODE_REASON_MAX))
		abort();
	if (!node_hit_parse(data, size, &h, &d) &&
	    (strlen(h.alert) != 32 || !(h.score > 0.0) || h.score > 1.0 ||
	     h.at < 0 || !h.schema[0]))
		abort();
	return 0;
}
