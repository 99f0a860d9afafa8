/* stream-socket.c: the `socket = /path` key of the stream types.
 *
 * A mail service's own config often puts it on a unix socket rather than a
 * TCP port: Debian 12's stock OpenDKIM listens on
 * local:/run/opendkim/opendkim.sock, Dovecot's LMTP on a socket under
 * /run/dovecot (or Postfix's spool), a milter or a socketmap table likewise.
 * Every type that talks through the stream engine takes the key; the types
 * whose options are only this key (lmtp, milter) share these hooks, smtp and
 * imap keep it beside their TLS keys (tls-options.c), tcp_table beside its
 * own. The engine connects there instead of host:port (stream_start_unix).
 *
 * See also: stream.h, common/options.h (option_parse_socket_path).
 */
#include "common/options.h"
#include "probes/stream.h"

const char *const stream_socket_keys[] = { "socket", NULL };

int stream_socket_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        StreamSocketOptions *o = option_get(&c->options, sizeof(StreamSocketOptions));

        return option_parse_socket_path(key, value, &o->socket, error); /* socket, the one key */
}

void stream_socket_free_options(ProbeConfig *c) {
        StreamSocketOptions *o = c->options;

        if (!o)
                return;
        free(o->socket);
        free(o);
        c->options = NULL;
}

const char *stream_socket_path(const ProbeConfig *c) {
        const StreamSocketOptions *o = c->options;

        return o ? o->socket : NULL;
}
