/*
 * net.h - listening addresses, shared by the federation endpoint and the
 * API listener.
 */
#ifndef LIAISON_NET_H
#define LIAISON_NET_H

#include <sys/socket.h>

#include "liaison/error.h"

/* Parse "IPV4:PORT" or "[IPV6]:PORT" (port 1..65535, a literal address,
 * no name lookup) into *ss. what names the address in the error message
 * ("listen address", "API address"). Errors: LIA_EINVAL, with d set. */
int net_parse_addr(const char *s, const char *what, struct sockaddr_storage *ss,
		   struct diag *d);

#endif
