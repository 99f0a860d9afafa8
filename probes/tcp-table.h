/* tcp-table.h: the pure parts of the "tcp_table" probe (Postfix tcp_table(5)).
 *
 * A request is "get KEY\n" with the key %XX-encoded (space, '%' and
 * non-printable bytes); a reply is one line "CODE TEXT\n", CODE 200 (found),
 * 500 (not found) or 400 (temporary error).
 *
 * See also: tcp-table.c, tests/test-tcp-table.c.
 */
#pragma once

#include <stddef.h>

#define TCP_TABLE_LINE_MAX 4096U        /* Postfix's own bound on a reply line */
#define TCP_TABLE_KEY_DEFAULT "postmaster@example.com"

/* Writes "get <encoded key>\n" into buf; -ENOBUFS when it does not fit. */
int tcp_table_request(char *buf, size_t size, const char *key);

typedef struct TcpTableReply {
        unsigned code;          /* 200, 400, 500 (or another 3-digit code) */
        const char *text;       /* into the buffer, still %XX-encoded */
        size_t text_len;
        size_t consumed;        /* the line and its newline */
} TcpTableReply;

/* 1 and *ret for a whole line; 0 when more is needed; -EMSGSIZE for a line
 * longer than TCP_TABLE_LINE_MAX; -EBADMSG when it is not "DDD text". */
int tcp_table_reply_parse(const char *buf, size_t len, TcpTableReply *ret);
