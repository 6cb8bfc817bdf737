/* fuzz_match_normalize.c - the ICU normaliser and the ICAO table on
 * arbitrary bytes: no crash, and on success only the documented output
 * alphabets. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct match_ctx *mc;
	struct strbuf sb;
	enum match_script sc;

	if (!mc && match_ctx_new(&mc, NULL))
		return 0;
	strbuf_init(&sb, 1 << 16);
	if (match_normalize(mc, (const char *)data, size, &sb, &sc, NULL) == 0) {
		for (size_t i = 0; i < sb.len; i++) {
			char c = sb.buf[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			      c == ' '))
				abort();
		}
		if (sb.len == 0 || sb.buf[0] == ' ' ||
		    sb.buf[sb.len - 1] == ' ' || strstr(sb.buf, "  "))
			abort();
	}
	strbuf_reset(&sb);
	if (match_icao((const char *)data, size, &sb, NULL) == 0) {
		for (size_t i = 0; i < sb.len; i++) {
			char c = sb.buf[i];

			if (!((c >= 'A' && c <= 'Z') || c == ' '))
				abort();
		}
	}
	strbuf_release(&sb);
	return 0;
}
