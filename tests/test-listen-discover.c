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
 *
 * Dovecot: doveconf's own output on Debian 12's stock config (run as
 * nobody) and with the admin's local.conf beside it (doveconf-*.conf),
 * edits of it, and garbage; then doveconf run for real (bounded in time
 * and output, fds 0-2 and a clean environment, its failure said): stand-ins
 * that hang, flood, fail or are missing, and the machine's own doveconf.
 */
#include "tests.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "probes/child.h"
#include "probes/tls.h"
#include "supervisor/config.h"

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

static int dove(const char *text, const char *protocol, Listen *l, char *why) {
        return listen_parse_doveconf(text, strlen(text), protocol, l, why, 160);
}

/* text with old (once in it) replaced by new; text is freed. */
static char *edit(char *text, const char *old, const char *new) {
        char *at = strstr(text, old), *out = malloc(strlen(text) + strlen(new) + 1);

        CHECK(at != NULL);
        if (!at)
                at = text + strlen(text), old = "";
        sprintf(out, "%.*s%s%s", (int) (at - text), text, new, at + strlen(old));
        free(text);
        return out;
}

/* Debian 12's stock output with one edit. */
static char *stock_with(const char *old, const char *new) {
        size_t n;
        char *stock = slurp("doveconf.out", &n);

        stock[n] = '\0';
        return edit(stock, old, new);
}

static void test_doveconf(void) {
        char why[160] = "", *text;
        size_t n;
        Listen l;

        /* Debian 12's stock: listen = *, ::; imap 143, imaps 993; LMTP on base_dir/lmtp */
        text = slurp("doveconf.out", &n);
        CHECK_INT(listen_parse_doveconf(text, n, "imap", &l, why, sizeof(why)), 1);
        CHECK_STREQ(l.host, "127.0.0.1");
        CHECK_INT(l.port, 143);
        CHECK(!l.tls);
        CHECK_STREQ(l.from, "doveconf service/imap-login/inet_listener/imap");
        CHECK_INT(listen_parse_doveconf(text, n, "lmtp", &l, why, sizeof(why)), 1);
        CHECK_STREQ(l.socket, "/run/dovecot/lmtp");
        free(text);
        /* local.conf: 127.0.0.1, ::1 and port 1143; LMTP also in Postfix's spool (0600 postfix) */
        text = slurp("doveconf-local.out", &n);
        CHECK_INT(listen_parse_doveconf(text, n, "imap", &l, why, sizeof(why)), 1);
        CHECK_STREQ(l.host, "127.0.0.1");
        CHECK_INT(l.port, 1143);
        CHECK_INT(listen_parse_doveconf(text, n, "lmtp", &l, why, sizeof(why)), 1);
        CHECK_STREQ(l.socket, "/run/dovecot/lmtp");
        free(text);
        /* plain IMAP off (port 0), imaps on ::1 only: TLS from the first byte */
        text = slurp("doveconf-imaps.out", &n);
        CHECK_INT(listen_parse_doveconf(text, n, "imap", &l, why, sizeof(why)), 1);
        CHECK_STREQ(l.host, "::1");
        CHECK_INT(l.port, 993);
        CHECK(l.tls);
        CHECK_STREQ(l.from, "doveconf service/imap-login/inet_listener/imaps");
        free(text);
}

/* An admin's edits: addresses, ports, protocols, TLS. */
static void test_doveconf_edits(void) {
        char why[160] = "", *text;
        Listen l;

        text = stock_with("listen = *, ::", "listen = ::");
        CHECK_INT(dove(text, "imap", &l, why), 1);
        CHECK_STREQ(l.host, "::1"); /* IPv6 only */
        free(text);
        text = stock_with("listen = *, ::", "listen = 192.0.2.7");
        CHECK_INT(dove(text, "imap", &l, why), 1);
        CHECK_STREQ(l.host, "192.0.2.7");
        free(text);
        text = stock_with("listen = *, ::", "listen = mail.example.org, 127.0.0.1");
        CHECK_INT(dove(text, "imap", &l, why), -EINVAL);
        CHECK(strstr(why, "host name 'mail.example.org'") != NULL);
        free(text);
        text = stock_with("listen = *, ::", "listen = ");
        CHECK_INT(dove(text, "imap", &l, why), -EINVAL);
        CHECK_STREQ(why, "listen is empty: Dovecot listens on no address");
        free(text);
        text = stock_with("    address = \n    haproxy = no\n    port = 143", "    address = 127.0.0.2\n    haproxy = no\n    port = 10143");
        CHECK_INT(dove(text, "imap", &l, why), 1);
        CHECK_STREQ(l.host, "127.0.0.2");
        CHECK_INT(l.port, 10143);
        free(text);
        /* imap's port 0: imaps, TLS from the first byte; with ssl = no too,
         * nothing (Dovecot opens no ssl listener then: service-listen.c) */
        text = stock_with("    port = 143", "    port = 0");
        CHECK_INT(dove(text, "imap", &l, why), 1);
        CHECK(l.tls && l.port == 993);
        free(text);
        text = stock_with("ssl = yes\nbase_dir", "ssl = no\nbase_dir");
        CHECK_INT(dove(text, "imap", &l, why), 1);
        CHECK(!l.tls && l.port == 143);
        free(text);
        text = edit(stock_with("    port = 143", "    port = 0"), "ssl = yes\nbase_dir", "ssl = no\nbase_dir");
        CHECK_INT(dove(text, "imap", &l, why), -EINVAL);
        CHECK_STREQ(why, "service imap-login has no inet_listener with a port (port = 0 turns one off)");
        free(text);
        text = stock_with("protocols =  imap lmtp", "protocols = lmtp");
        CHECK_INT(dove(text, "imap", &l, why), -EINVAL);
        CHECK_STREQ(why, "protocols = lmtp: no imap");
        CHECK_INT(dove(text, "lmtp", &l, why), 1);
        free(text);
        text = stock_with("    haproxy = no\n    port = 143", "    haproxy = yes\n    port = 143");
        CHECK_INT(dove(text, "imap", &l, why), 1);
        CHECK_INT(l.port, 993); /* a haproxy listener wants a PROXY header first */
        free(text);
}

static void test_doveconf_garbage(void) {
        char why[160] = "";
        Listen l;

        /* garbage and truncation */
        CHECK_INT(dove("", "imap", &l, why), -EINVAL);
        CHECK_STREQ(why, "no service imap-login in its output");
        CHECK_INT(dove("doveconf: Fatal: Error in configuration file\n", "imap", &l, why), -EINVAL);
        CHECK(strstr(why, "line 1 is not 'key = value'") != NULL);
        CHECK_INT(dove("service imap-login {\n  inet_listener imap {\n    port = 143\n", "imap", &l, why), -EINVAL);
        CHECK_STREQ(why, "doveconf's output ends inside a section");
        CHECK_INT(dove("}\n", "imap", &l, why), -EINVAL);
        CHECK_INT(dove("a {\nb {\nc {\nd {\ne {\nf {\ng {\nh {\ni {\n", "imap", &l, why), -EINVAL);
        CHECK(strstr(why, "nested too deep") != NULL);
        CHECK_INT(dove("service imap-login {\n  inet_listener imap {\n    port = 99999\n  }\n}\n", "imap", &l, why),
                  -EINVAL);
        CHECK_INT(dove("service imap-login {\n  inet_listener imap {\n    port = 143\n  }\n}\n", "imap", &l, why), 1);
        CHECK_STREQ(l.host, "127.0.0.1"); /* no listen in the output: Dovecot's default, "*, ::" */
}

/* A stand-in doveconf: a script of the test's own. */
static char dir[] = "/tmp/test-listen-discover.XXXXXX";

static const char *fake(const char *name, const char *body) {
        static char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
                fprintf(f, "#!/bin/sh\n%s\n", body);
                fclose(f);
        }
        CHECK(chmod(path, 0755) == 0);
        return path;
}

static Config *load(const char *text, const char *error) {
        ConfigErrors e = {};
        Config *c = NULL;

        CHECK_INT(config_load_string(text, "t.conf", &c, &e), error ? -EINVAL : 0);
        CHECK_INT(e.n, error ? 1 : 0);
        if (e.n > 0)
                CHECK_STREQ(e.lines[0], error ? error : "");
        config_errors_clear(&e);
        return c;
}

/* What a check does with what doveconf said (supervisor/config.c). */
static void test_config_dovecot(void) {
        char cmd[600];
        const TlsOptions *t;
        Config *c;

        snprintf(cmd, sizeof(cmd), "cat %s/debian12/doveconf-imaps.out", TEST_DATA_DIR);
        listen_set_doveconf(fake("imaps", cmd));
        c = load("[check d]\ntype = imap\nlisten_from = dovecot\n", NULL);
        CHECK(c && streq(c->checks[0].host, "::1") && c->checks[0].port == 993);
        t = c ? tls_options_get(&c->checks[0].probe) : NULL;
        CHECK(t && t->tls && !t->tls_verify);
        CHECK_STREQ(c ? c->checks[0].listen_found : NULL,
                    "dovecot: [::1]:993 with TLS (from doveconf service/imap-login/inet_listener/imaps), "
                    "certificate not verified (tls_verify and tls_name check it)");
        config_free(c);
        /* the check's own TLS keys stay its own; starttls cannot talk to imaps */
        c = load("[check d]\ntype = imap\nlisten_from = dovecot\ntls_verify = yes\ntls_name = localhost\n", NULL);
        t = c ? tls_options_get(&c->checks[0].probe) : NULL;
        CHECK(t && t->tls && t->tls_verify);
        config_free(c);
        c = load("[check d]\ntype = imap\nlisten_from = dovecot\nstarttls = yes\n", NULL);
        CHECK(c && c->checks[0].port == 143);
        CHECK_STREQ(c ? c->checks[0].listen_found : NULL,
                    "dovecot: found [::1]:993 with TLS (from doveconf service/imap-login/inet_listener/imaps), "
                    "but the check has starttls: 127.0.0.1:143");
        config_free(c);
        /* LMTP on its socket; other types refused */
        c = load("[check l]\ntype = lmtp\nlisten_from = dovecot\n", NULL);
        CHECK(c && c->checks[0].listen_found && strstr(c->checks[0].listen_found, "socket /run/dovecot/lmtp") != NULL);
        config_free(c);
        load("[check s]\ntype = smtp\nlisten_from = dovecot\n",
             "t.conf:3: listen_from = dovecot needs type imap or lmtp in [check s]");
        /* doveconf failing: the reason, and Dovecot's default port */
        listen_set_doveconf(fake("fatal2", "echo 'doveconf: Fatal: open(/etc/dovecot/dovecot.conf) failed' >&2; exit 89"));
        c = load("[check d]\ntype = imap\nlisten_from = dovecot\n", NULL);
        CHECK_STREQ(c ? c->checks[0].listen_found : NULL,
                    "dovecot: doveconf: exited 89: Fatal: open(/etc/dovecot/dovecot.conf) failed; using 127.0.0.1:143");
        config_free(c);
}

static int discover_with(const char *doveconf, Listen *l, char *found, size_t size) {
        listen_set_doveconf(doveconf);
        return listen_discover_dovecot("imap", l, found, size);
}

static void test_doveconf_run(void) {
        char found[512], stock[600];
        Listen l;
        ChildRun *run = malloc(sizeof(*run));
        int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC, as libcurl's socketpairs */
        usec_t t0;

        CHECK(mkdtemp(dir) != NULL);
        CHECK_INT(discover_with("/nonexistent/doveconf", &l, found, sizeof(found)), -ENOENT);
        CHECK_STREQ(found, "doveconf: not run: cannot examine /nonexistent/doveconf: No such file or directory");
        CHECK_INT(discover_with(fake("fatal", "echo 'doveconf: Fatal: Error in configuration file "
                                              "/etc/dovecot/local.conf line 3: Invalid port number nope' >&2; exit 89"),
                                &l, found, sizeof(found)), -EBADMSG);
        CHECK_STREQ(found, "doveconf: exited 89: Fatal: Error in configuration file /etc/dovecot/local.conf "
                           "line 3: Invalid port number nope");
        t0 = now_usec(CLOCK_MONOTONIC);
        CHECK_INT(discover_with(fake("hang", "sleep 60 & exec sleep 60"), &l, found, sizeof(found)), -ETIMEDOUT);
        CHECK_STREQ(found, "doveconf: no answer within 3s, killed");
        CHECK(now_usec(CLOCK_MONOTONIC) - t0 < 30 * USEC_PER_SEC); /* bounded, not hung */
        CHECK_INT(discover_with(fake("flood", "exec yes 'listen = *'"), &l, found, sizeof(found)), -EFBIG);
        CHECK_STREQ(found, "doveconf: more than 65536 bytes of output, killed");
        CHECK_INT(discover_with(fake("garbage", "echo hello"), &l, found, sizeof(found)), -EINVAL);
        CHECK_STREQ(found, "doveconf: doveconf's output line 1 is not 'key = value', 'section {' or '}': 'hello'");
        snprintf(stock, sizeof(stock), "cat %s/debian12/doveconf-local.out; echo 'doveconf: Warning: noise' >&2",
                 TEST_DATA_DIR);
        CHECK_INT(discover_with(fake("local", stock), &l, found, sizeof(found)), 1);
        CHECK_STREQ(found, "127.0.0.1:1143 (from doveconf service/imap-login/inet_listener/imap)");
        /* warnings beyond stderr's bound are read and dropped: no blocked child */
        snprintf(stock, sizeof(stock), "yes 'doveconf: Warning: obsolete' | head -c 200000 | cat >&2 || exit 3; "
                 "cat %s/debian12/doveconf-local.out", TEST_DATA_DIR);
        CHECK_INT(discover_with(fake("chatty", stock), &l, found, sizeof(found)), 1);
        CHECK_STREQ(found, "127.0.0.1:1143 (from doveconf service/imap-login/inet_listener/imap)");
        /* anyone may change it: not run */
        snprintf(stock, sizeof(stock), "%s", fake("open", "exit 0"));
        CHECK(chmod(stock, 0757) == 0);
        CHECK_INT(discover_with(stock, &l, found, sizeof(found)), -EPERM);
        CHECK(strstr(found, "doveconf: not run: ") == found && strstr(found, "is writable by everyone") != NULL);

        /* what it runs in: fds 0-2, PATH and LANG only */
        setenv("MAILSUP_DAEMON_SECRET", "s3cret", 1);
        CHECK_INT(child_run("/usr/bin/env", (char *[]) { "env", NULL }, 5 * USEC_PER_SEC, run), 0);
        CHECK_STREQ(run->out, "PATH=" CHILD_PATH "\nLANG=C\n");
        CHECK_INT(child_run("/bin/ls", (char *[]) { "ls", "/proc/self/fd", NULL }, 5 * USEC_PER_SEC, run), 0);
        CHECK_STREQ(run->out, "0\n1\n2\n3\n"); /* 3: ls's own directory fd */
        unsetenv("MAILSUP_DAEMON_SECRET");
        close(leak);
        free(run);
        test_config_dovecot();
        for (const char *const *n = (const char *const[]) { "fatal", "hang", "flood", "garbage", "local", "open", "imaps",
                                                            "fatal2", "chatty", NULL };
             *n; n++) {
                char path[256];

                snprintf(path, sizeof(path), "%s/%s", dir, *n);
                (void) unlink(path);
        }
        (void) rmdir(dir);

        /* the machine's own, when Dovecot is installed (its stock config in CI) */
        listen_set_doveconf(NULL);
        if (access("/usr/bin/doveconf", X_OK) == 0) {
                CHECK_INT(listen_discover(LISTEN_DOVECOT, &l, found, sizeof(found)), 1);
                printf("this host's doveconf: %s\n", found);
        }
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
        test_doveconf();
        test_doveconf_edits();
        test_doveconf_garbage();
        test_doveconf_run();
        test_names();
        return tests_summary("test-listen-discover");
}
