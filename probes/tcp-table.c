/* tcp-table.c: the "tcp_table" probe: one lookup in Postfix's tcp_table protocol.
 *
 * postsrsd (and other policy-free lookup daemons) answer Postfix's
 * tcp_table(5) requests; one that accepts but no longer answers makes every
 * message through sender_canonical_maps wait and defer. This sends one
 * "get KEY" and wants a well-formed reply: 200 (found) and 500 (not found)
 * both mean the table serves; 400 is its own temporary failure, anything
 * else is not the protocol.
 *
 * Keys: host/port (default 127.0.0.1:10001, postsrsd's forward table),
 * key (default postmaster@example.com), %XX-encoded on the wire; socket =
 * /path for a table on a unix socket.
 *
 * See also: tcp-table.h, stream.h.
 */
#include "probes/tcp-table.h"

#include <ctype.h>

#include "common/options.h"
#include "probes/stream.h"

typedef struct TcpTableOptions {
        char *key;
        char *socket;                   /* socket = /path: a unix socket instead of host:port */
} TcpTableOptions;

int tcp_table_request(char *buf, size_t size, const char *key) {
        static const char hex[] = "0123456789ABCDEF";
        size_t n = 0;

        if (size < 5)
                return -ENOBUFS;
        memcpy(buf, "get ", 4);
        n = 4;
        for (const unsigned char *k = (const unsigned char *) key; *k; k++) {
                bool plain = *k > ' ' && *k < 0x7f && *k != '%';

                if (n + (plain ? 1 : 3) + 2 > size) /* room for "\n\0" */
                        return -ENOBUFS;
                if (plain)
                        buf[n++] = (char) *k;
                else {
                        buf[n++] = '%';
                        buf[n++] = hex[*k >> 4];
                        buf[n++] = hex[*k & 15];
                }
        }
        buf[n++] = '\n';
        buf[n] = '\0';
        return 0;
}

int tcp_table_reply_parse(const char *buf, size_t len, TcpTableReply *ret) {
        const char *nl = memchr(buf, '\n', len < TCP_TABLE_LINE_MAX ? len : TCP_TABLE_LINE_MAX);
        size_t n;

        if (!nl)
                return len >= TCP_TABLE_LINE_MAX ? -EMSGSIZE : 0;
        n = (size_t) (nl - buf);
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        if (n < 3 || !isdigit((unsigned char) buf[0]) || !isdigit((unsigned char) buf[1]) ||
            !isdigit((unsigned char) buf[2]) || (n > 3 && buf[3] != ' '))
                return -EBADMSG;
        *ret = (TcpTableReply) {
                .code = (unsigned) (buf[0] - '0') * 100 + (unsigned) (buf[1] - '0') * 10 + (unsigned) (buf[2] - '0'),
                .text = buf + (n > 3 ? 4 : 3),
                .text_len = n > 3 ? n - 4 : 0,
                .consumed = (size_t) (nl - buf) + 1,
        };
        return 1;
}

static const char *table_key(const Stream *s) {
        const TcpTableOptions *o = s->probe->config->options;

        return o && o->key ? o->key : TCP_TABLE_KEY_DEFAULT;
}

static void tcp_table_connected(Stream *s) {
        char line[TCP_TABLE_LINE_MAX];

        if (tcp_table_request(line, sizeof(line), table_key(s)) < 0 || stream_send(s, line) < 0)
                stream_end(s, PROBE_INTERNAL_ERROR, "request does not fit the output buffer");
        stream_expect(s, "reply to get");
}

static size_t tcp_table_input(Stream *s, const char *buf, size_t len) {
        TcpTableReply reply;
        char text[160];
        int r;

        r = tcp_table_reply_parse(buf, len, &reply);
        if (r == 0)
                return 0;
        if (r == -EMSGSIZE)
                stream_end(s, PROBE_OVERLONG, "reply to get longer than %u bytes", TCP_TABLE_LINE_MAX);
        else if (r < 0)
                stream_end_malformed(s, "reply to get", buf, len);
        if (r < 0)
                return 0;
        sanitize_line(text, sizeof(text), reply.text, reply.text_len);
        if (reply.code == 200 || reply.code == 500)
                /* Found or not found: either way the table answered a lookup. */
                stream_end(s, PROBE_OK, "get %s answered %u %s", table_key(s), reply.code, text);
        else if (reply.code == 400)
                stream_end(s, PROBE_BAD_REPLY, "get %s answered 400 %s", table_key(s), text);
        else
                stream_end(s, PROBE_PROTOCOL_ERROR, "get %s answered unknown code %u %s", table_key(s),
                           reply.code, text);
        return reply.consumed;
}

static const StreamOps tcp_table_ops = {
        .connected = tcp_table_connected,
        .input = tcp_table_input,
};

static int tcp_table_start(Probe *p) {
        const TcpTableOptions *o = p->config->options;

        return stream_start_unix(p, &tcp_table_ops, NULL, o ? o->socket : NULL);
}

static int tcp_table_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        TcpTableOptions *o;
        char line[TCP_TABLE_LINE_MAX];

        if (streq(key, "socket")) {
                o = option_get(&c->options, sizeof(TcpTableOptions));
                return option_parse_socket_path(key, value, &o->socket, error);
        }
        if (!streq(key, "key"))
                return -ENOENT;
        /* The output buffer bounds the request: say so now, not at every run. */
        if (!*value || tcp_table_request(line, sizeof(line), value) < 0 || strlen(line) > STREAM_OUT_MAX)
                return option_error(error, "invalid value for key: must be 1 to %u bytes once encoded",
                                    STREAM_OUT_MAX - 5);
        o = option_get(&c->options, sizeof(TcpTableOptions));
        option_set_string(&o->key, value);
        return 0;
}

static void tcp_table_free_options(ProbeConfig *c) {
        TcpTableOptions *o = c->options;

        if (!o)
                return;
        free(o->key);
        free(o->socket);
        free(o);
        c->options = NULL;
}

const ProbeType probe_type_tcp_table = {
        .name = "tcp_table",
        .default_port = 10001,
        .needs_port = true,
        .start = tcp_table_start,
        .stop = stream_stop,
        .describe_timeout = stream_describe_timeout,
        .keys = (const char *const[]) { "key", "socket", NULL },
        .parse_key = tcp_table_parse_key,
        .free_options = tcp_table_free_options,
};
