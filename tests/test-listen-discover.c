/* test-listen-discover.c: where the services listen, read from Debian 12's
 * stock files (tests/data/debian12, copied from the packages: opendkim
 * 2.11.0~beta2-8+deb12u1, postsrsd 1.10-2, postfix 3.7.11's master.cf.dist)
 * and from the edits an admin makes.
 *
 * The stock OpenDKIM listens on local:/run/opendkim/opendkim.sock, not on
 * 127.0.0.1:8891 as the embedded default once guessed; postsrsd on
 * 127.0.0.1:10001; Postfix's smtp listener on port 25 of every address.
 * Names are never resolved (a refusal with the reason), a submission
 * listener is not the smtp one, continuation lines are not entries.
 */
#include "tests.h"

#include <fcntl.h>

#include "supervisor/listen-discover.h"

static char *slurp(const char *name, size_t *n) {
        char path[512], *buf = malloc(65536);
        int fd;
        ssize_t k;

        snprintf(path, sizeof(path), "%s/debian12/%s", TEST_DATA_DIR, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || !buf) {
                fprintf(stderr, "cannot read %s\n", path);
                exit(1);
        }
        k = read(fd, buf, 65535);
        close(fd);
        *n = k > 0 ? (size_t) k : 0;
        return buf;
}

typedef int (*parser_t)(const char *, size_t, Listen *, char *, size_t);

static int parse(parser_t f, const char *text, Listen *l, char *why) {
        return f(text, strlen(text), l, why, 160);
}

static void test_opendkim(void) {
        char why[160] = "";
        size_t n;
        char *stock = slurp("opendkim.conf", &n);
        Listen l;

        CHECK_INT(listen_parse_opendkim(stock, n, &l, why, sizeof(why)), 1);
        CHECK_STREQ(l.socket, "/run/opendkim/opendkim.sock");
        CHECK_INT(l.line, 37);
        free(stock);

        CHECK_INT(parse(listen_parse_opendkim, "Socket inet:8891@localhost\n", &l, why), 1);
        CHECK_STREQ(l.socket, "");
        CHECK_STREQ(l.host, "127.0.0.1");
        CHECK_INT(l.port, 8891);
        CHECK_INT(parse(listen_parse_opendkim, "# x\n\tsocket\tinet:12301\n", &l, why), 1);
        CHECK_STREQ(l.host, "127.0.0.1");
        CHECK_INT(l.port, 12301);
        CHECK_INT(l.line, 2);
        CHECK_INT(parse(listen_parse_opendkim, "Socket inet6:8891@[::1]\n", &l, why), 1);
        CHECK_STREQ(l.host, "::1");
        CHECK_INT(parse(listen_parse_opendkim, "Socket 8891@192.0.2.7 # an address\n", &l, why), 1);
        CHECK_STREQ(l.host, "192.0.2.7");
        CHECK_INT(parse(listen_parse_opendkim, "Socket local:/var/spool/postfix/opendkim/opendkim.sock\n", &l, why), 1);
        CHECK_STREQ(l.socket, "/var/spool/postfix/opendkim/opendkim.sock");
        CHECK_INT(parse(listen_parse_opendkim, "Socket /run/x.sock\r\n", &l, why), 1);
        CHECK_STREQ(l.socket, "/run/x.sock");
        /* the last Socket, as OpenDKIM 2.11 does; SocketX is another key */
        CHECK_INT(parse(listen_parse_opendkim, "SocketX 1\nSocket inet:1@127.0.0.1\nSocket inet:2@127.0.0.1\n", &l, why), 1);
        CHECK_INT(l.port, 2);
        CHECK_INT(l.line, 3);
        CHECK_INT(parse(listen_parse_opendkim, "#Socket inet:8891\nMode sv\n", &l, why), 0);
        CHECK_INT(parse(listen_parse_opendkim, "", &l, why), 0);
        CHECK_INT(parse(listen_parse_opendkim, "Socket inet:8891@mail.example.org\n", &l, why), -EINVAL);
        CHECK(strstr(why, "host name 'mail.example.org'") != NULL);
        CHECK_INT(parse(listen_parse_opendkim, "Socket inet:99999@127.0.0.1\n", &l, why), -EINVAL);
        CHECK_INT(parse(listen_parse_opendkim, "Socket local:relative.sock\n", &l, why), -EINVAL);
}

static void test_postsrsd(void) {
        char why[160] = "";
        size_t n;
        char *stock = slurp("default-postsrsd", &n);
        Listen l;

        CHECK_INT(listen_parse_postsrsd(stock, n, &l, why, sizeof(why)), 1);
        CHECK_STREQ(l.host, "127.0.0.1");
        CHECK_INT(l.port, 10001);
        CHECK(l.line > 0);
        free(stock);

        CHECK_INT(parse(listen_parse_postsrsd, "SRS_FORWARD_PORT=20001\nSRS_LISTEN_ADDR=\"0.0.0.0\"\n", &l, why), 1);
        CHECK_STREQ(l.host, "127.0.0.1");
        CHECK_INT(l.port, 20001);
        CHECK_INT(parse(listen_parse_postsrsd, "SRS_FORWARD_PORT=1\nexport SRS_FORWARD_PORT='2'\n", &l, why), 1);
        CHECK_INT(l.port, 2); /* the shell's last word */
        CHECK_INT(l.line, 2);
        CHECK_INT(parse(listen_parse_postsrsd, "#SRS_FORWARD_PORT=20001\n", &l, why), 0);
        CHECK_INT(parse(listen_parse_postsrsd, "SRS_FORWARD_PORT=abc\n", &l, why), -EINVAL);
        CHECK(strstr(why, "SRS_FORWARD_PORT 'abc'") != NULL);
}

static void test_master_cf(void) {
        char why[160] = "";
        size_t n;
        char *stock = slurp("master.cf", &n);
        Listen l;

        CHECK_INT(listen_parse_master_cf(stock, n, &l, why, sizeof(why)), 1);
        CHECK_STREQ(l.host, "127.0.0.1");
        CHECK_INT(l.port, 25);
        CHECK_INT(l.line, 12);
        free(stock);

        /* as the harness moves it, and as an admin binds it */
        CHECK_INT(parse(listen_parse_master_cf, "127.0.0.1:2525 inet n - y - - smtpd\n", &l, why), 1);
        CHECK_INT(l.port, 2525);
        CHECK_INT(parse(listen_parse_master_cf, "[::1]:smtp inet n - y - 1 postscreen\n", &l, why), 1);
        CHECK_STREQ(l.host, "::1");
        CHECK_INT(l.port, 25);
        /* submission first, continuation lines, a unix service: not the smtp listener */
        CHECK_INT(parse(listen_parse_master_cf,
                        "submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n"
                        "587 inet n - y - - smtpd\nsmtps inet n - y - - smtpd\n"
                        "pickup unix n - y 60 1 pickup\n2525 inet n - y - - smtpd\n", &l, why), 1);
        CHECK_INT(l.port, 2525);
        CHECK_INT(l.line, 6);
        CHECK_INT(parse(listen_parse_master_cf, "#smtp inet n - y - - smtpd\n", &l, why), 0);
        CHECK_INT(parse(listen_parse_master_cf, "mx.example.org:smtp inet n - y - - smtpd\n", &l, why), -EINVAL);
}

static void test_names(void) {
        CHECK_INT(listen_service_from_string("opendkim"), LISTEN_OPENDKIM);
        CHECK_INT(listen_service_from_string("postfix"), LISTEN_POSTFIX);
        CHECK(listen_service_from_string("exim") < 0);
        CHECK_STREQ(listen_service_file(LISTEN_POSTSRSD), "/etc/default/postsrsd");
}

int main(void) {
        test_opendkim();
        test_postsrsd();
        test_master_cf();
        test_names();
        return tests_summary("test-listen-discover");
}
