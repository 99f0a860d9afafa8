/* fuzz-listen.c: the parsers of services' own configs (listen_from).
 *
 * What mailsupd reads to find where a service listens is written by an
 * admin (opendkim.conf, /etc/default/postsrsd, master.cf) or printed by
 * another program (doveconf). Byte 0 of the input picks the parser (mod 5:
 * opendkim, postsrsd, master.cf, doveconf for imap, doveconf for lmtp); the
 * rest is the text, in a buffer of its own size. Properties: the verdict is
 * 1, 0 or -EINVAL; found is an absolute socket path or a numeric host
 * (never a name) with a port; the strings are terminated; an error says
 * why.
 *
 * See also: supervisor/listen-discover.h, tests/test-listen-discover.c.
 */
#include <arpa/inet.h>

#include "supervisor/listen-discover.h"
#include "tests/fuzz/fuzz.h"

static int parse(uint8_t which, const char *text, size_t n, Listen *l, char *why, size_t size) {
        switch (which % 5) {
        case 0:
                return listen_parse_opendkim(text, n, l, why, size);
        case 1:
                return listen_parse_postsrsd(text, n, l, why, size);
        case 2:
                return listen_parse_master_cf(text, n, l, why, size);
        case 3:
                return listen_parse_doveconf(text, n, "imap", l, why, size);
        default:
                return listen_parse_doveconf(text, n, "lmtp", l, why, size);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        unsigned char addr[sizeof(struct in6_addr)];
        char why[160] = "", *text;
        Listen l;
        int r;

        if (size == 0)
                return 0;
        text = malloc(size - 1 ?: 1);
        if (!text)
                abort();
        memcpy(text, data + 1, size - 1);
        r = parse(data[0], text, size - 1, &l, why, sizeof(why));
        FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL);
        FUZZ_CHECK(memchr(l.socket, 0, sizeof(l.socket)) && memchr(l.host, 0, sizeof(l.host)) &&
                   memchr(l.from, 0, sizeof(l.from)));
        if (r < 0)
                FUZZ_CHECK(why[0] && memchr(why, 0, sizeof(why)));
        if (r == 1 && l.socket[0])
                FUZZ_CHECK(l.socket[0] == '/');
        else if (r == 1)
                FUZZ_CHECK(l.port > 0 && (inet_pton(AF_INET, l.host, addr) == 1 || inet_pton(AF_INET6, l.host, addr) == 1));
        free(text);
        return 0;
}
