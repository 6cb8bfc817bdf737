/*
 * wake.c - tell a running `liaison serve` on this home that something was
 * queued, so that its delivery worker sends it now rather than at its next
 * poll (alert and hit latency; docs/ARCHITECTURE.md, process model).
 *
 * The daemon binds a datagram socket at HOME/serve.sock (the home is mode
 * 0700, so only its owner can reach it). A wake-up carries no data and is
 * only a hint: if it is lost (no daemon, socket path too long, a full
 * queue), the worker's poll still finds the row.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "liaison/node.h"

int node_wake_path(const char *home, struct sockaddr_un *sa)
{
	int k;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	k = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", home,
		     NODE_WAKE_SOCKET);
	return k < 0 || (size_t)k >= sizeof(sa->sun_path) ? LIA_ETOOBIG : 0;
}

void node_wake_daemon(const char *home)
{
	struct sockaddr_un sa;
	int fd, saved = errno;

	if (!home || node_wake_path(home, &sa))
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	/* No daemon (ENOENT, ECONNREFUSED) or a full queue (EAGAIN: it is
	 * awake anyway): nothing to do either way. */
	(void)sendto(fd, "w", 1, MSG_NOSIGNAL, (const struct sockaddr *)&sa,
		     sizeof(sa));
	close(fd);
	errno = saved;
}
