/* fuzz_match_tokens.c - match_prepare() on arbitrary bytes (first byte
 * picks the kind), then scoring the name against itself and against a
 * fixed name, with the explanation: scores stay in [0, 1], a name always
 * matches itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct match_ctx *mc;
	static struct match_name *fixed;
	struct match_name *n = NULL;
	struct match_explain ex;
	struct strbuf sb;
	double s;

	if (!mc) {
		if (match_ctx_new(&mc, NULL))
			return 0;
		if (match_prepare(mc, "Vladimir Putin", 14, MATCH_ANY, &fixed,
				  NULL))
			abort();
	}
	if (size < 1)
		return 0;
	if (match_prepare(mc, (const char *)data + 1, size - 1,
			  (enum match_kind)(data[0] % 3), &n, NULL))
		return 0;
	if (n->n_forms < 1 || n->n_forms > MATCH_FORMS_MAX)
		abort();
	for (size_t f = 0; f < n->n_forms; f++) {
		if (n->form[f].n_tok < 1 || n->form[f].n_tok > MATCH_TOKENS_MAX)
			abort();
		for (size_t t = 0; t < n->form[f].n_tok; t++) {
			const struct match_token *k = &n->form[f].tok[t];

			if (k->len == 0 || k->weight < 0 || k->weight > 1)
				abort();
		}
	}
	s = match_score(n, NULL, n, NULL, &ex);
	if (s < 0.999)
		abort();
	s = match_score(n, NULL, fixed, NULL, &ex);
	if (!(s >= 0.0 && s <= 1.0))
		abort();
	strbuf_init(&sb, 1 << 16);
	if (match_explain_text(&ex, s, &sb))
		abort();
	strbuf_release(&sb);
	match_name_free(n);
	return 0;
}
