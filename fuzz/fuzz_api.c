/*
 * fuzz_api.c - the API router and the strict JSON body checks over
 * arbitrary bytes. The input is "METHOD PATH\nBODY": the first line goes
 * to the route table, the body to the checks of the route it matched (or,
 * when none matched, of the route chosen by the first byte), so every
 * body schema sees every kind of JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 600 ? size : 600);
	char line[600], *sp, msg[300];
	const char *pattern, *code = NULL, *method;
	size_t n, body_len;
	bool method_ok = true;
	int err;

	if (!nl)
		return 0;
	n = (size_t)(nl - data);
	memcpy(line, data, n);
	line[n] = 0;
	if (strlen(line) != n || !(sp = strchr(line, ' ')))
		return 0;
	*sp = 0;
	pattern = api_route_pattern(line, sp + 1, &method_ok);
	if (pattern && !method_ok)
		abort();
	if (!pattern) {
		size_t i = size > n + 1 ? data[n + 1] % api_route_count() : 0;
		pattern = api_route_name(i, &method);
		if (!pattern)
			abort();
	}
	body_len = size - n - 1;
	err =
	    api_body_check(pattern, nl + 1, body_len, &code, msg, sizeof(msg));
	if (err) {
		if (!code ||
		    (strcmp(code, "bad_json") && strcmp(code, "bad_request")))
			abort();
		if (!memchr(msg, 0, sizeof(msg)))
			abort();
	}
	return 0;
}
