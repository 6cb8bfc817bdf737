/*
 * net.c - listening addresses (net.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "liaison/net.h"
#include "liaison/strbuf.h"

int net_parse_addr(const char *s, const char *what, struct sockaddr_storage *ss,
		   struct diag *d)
{
	char host[64];
	const char *colon = s ? strrchr(s, ':') : NULL;
	uint64_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!colon || str_to_u64(colon + 1, strlen(colon + 1), &port) ||
	    port == 0 || port > 65535 || (hl = (size_t)(colon - s)) == 0 ||
	    hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hl - 1] = 0;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
	}
	return 0;
bad:
	diag_set(d, "%s \"%.64s\" must be IPV4:PORT or [IPV6]:PORT", what,
		 s ? s : "");
	return LIA_EINVAL;
}
