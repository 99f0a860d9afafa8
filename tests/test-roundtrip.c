/* test-roundtrip.c: the canary's parsers, its config errors, and hostile peers.
 *
 * The pure parts on recorded bytes: Dovecot's FETCH of a header as a
 * literal, SEARCH lines, the canary's own header (another check's canary
 * is not ours), expect_header on folded lines, a real postqueue -j line.
 * Then whole runs of the probe against scripted loopback peers that
 * attack it: an IMAP literal of 1 GB announced, a SEARCH response that
 * never ends, SMTP's 250 without a queue id, RCPT refused. Each must end
 * in a bounded, named failure, in bounded memory and time. Scripted
 * servers then refuse AUTH, and hold a canary delivered, unscanned or in
 * Junk. The real pipeline is tests/e2e/mail-flow.sh.
 *
 * See also: probes/roundtrip.h, probes/imap-response.h, test-hostile.h.
 */
#include "probes/imap-response.h"
#include "probes/roundtrip.h"
#include "tests/test-hostile.h"

#define B(s) s, sizeof(s) - 1

static void test_response_span(void) {
        static const char fetch[] = "* 3 FETCH (UID 42 INTERNALDATE \"02-Dec-2026 03:20:11 +0000\" "
                                    "BODY[HEADER] {47}\r\nX-Mailsup-Canary: check=flow; sent=1; id=ab\r\n\r\n)\r\nm4 OK";
        size_t n = 0;
        uint64_t announced = 0;
        ImapFetch f;

        CHECK_INT(imap_response_span(B(fetch), &n, NULL), 1);
        CHECK_INT(n, sizeof(fetch) - 1 - strlen("m4 OK"));
        for (size_t cut = 0; cut < n; cut++)
                CHECK_INT(imap_response_span(fetch, cut, &n, NULL), 0);
        CHECK_INT(imap_response_span(B(fetch), &n, NULL), 1);
        CHECK_INT(imap_fetch_parse(fetch, n, &f), 1);
        CHECK_INT(f.seq, 3);
        CHECK_INT(f.uid, 42);
        CHECK_INT(f.header_len, 47);
        CHECK(f.header && strncmp(f.header, "X-Mailsup-Canary:", 17) == 0);
        CHECK_INT(f.internal_date, 1796181611ULL * USEC_PER_SEC);
        CHECK_INT(imap_response_span(B("* 1 FETCH (BODY[HEADER] {1073741824}\r\nXXXX"), &n, &announced), -EFBIG);
        CHECK_INT(announced, 1073741824ULL);
        CHECK_INT(imap_response_span(B("* 1 FETCH (BODY[HEADER] {99999999999999999999}\r\n"), &n, &announced),
                  -EFBIG);
        CHECK_INT(imap_response_span(B("* 1 FETCH (A {1}\r\nx B {1}\r\nx C {1}\r\nx D {1}\r\nx E {1}\r\nx)\r\n"), &n,
                                     NULL), -E2BIG);
        CHECK_INT(imap_response_span(B("* OK a\0b\r\n"), &n, NULL), -EBADMSG);
        CHECK_INT(imap_fetch_parse(B("* 3 EXISTS\r\n"), &f), 0);
        CHECK_INT(imap_fetch_parse(B("* 3 FETCH (UID\r\n"), &f), -EBADMSG);
}

static void test_search(void) {
        uint32_t uids[3];
        size_t n = 9;

        CHECK_INT(imap_search_parse(B("SEARCH"), uids, 3, &n), 0);
        CHECK_INT(n, 0);
        CHECK_INT(imap_search_parse(B("SEARCH 3 17 42"), uids, 3, &n), 0);
        CHECK(n == 3 && uids[0] == 3 && uids[2] == 42);
        CHECK_INT(imap_search_parse(B("SEARCH 1 2 3 4"), uids, 3, &n), -E2BIG);
        CHECK_INT(n, 3);
        CHECK_INT(imap_search_parse(B("SEARCH 1 x"), uids, 3, &n), -EBADMSG);
        CHECK_INT(imap_search_parse(B("SEARCH 99999999999"), uids, 3, &n), -EBADMSG);
        CHECK_INT(imap_search_parse(B("FLAGS (\\Seen)"), uids, 3, &n), -EBADMSG);
}

static void test_canary_header(void) {
        static const char hdr[] = "Return-Path: <a@b.c>\r\nX-Spam-Status: No,\r\n score=-0.1\r\n"
                                  "x-mailsup-canary: check=flow; sent=1796181611000000; id=0a1b2c\r\n"
                                  "Subject: mailsup canary 0a1b2c\r\n\r\n";
        Canary c = { .sent = 1796181611000000ULL, .id = "0a1b2c" }, got;
        char buf[128];
        regex_t re;

        CHECK_INT(canary_header_format(buf, sizeof(buf), "flow", &c), 0);
        CHECK_STREQ(buf, "check=flow; sent=1796181611000000; id=0a1b2c");
        CHECK_INT(canary_header_parse(B(hdr), "flow", &got), 1);
        CHECK_STREQ(got.id, "0a1b2c");
        CHECK_INT(got.sent, c.sent);
        CHECK_INT(canary_header_parse(B(hdr), "flo", &got), 0);
        CHECK_INT(canary_header_parse(B(hdr), "flow2", &got), 0);
        CHECK_INT(canary_header_parse(B("X-Mailsup-Canary: not yours\r\n\r\n"), "flow", &got), 0);
        CHECK_INT(canary_header_parse(B("Subject: x\r\n\r\nX-Mailsup-Canary: check=flow; sent=1; id=ab\r\n"), "flow",
                                      &got), 0);
        CHECK_INT(regcomp(&re, "^X-Spam-Status: No, score=", REG_EXTENDED | REG_NOSUB), 0);
        CHECK(header_block_matches(B(hdr), &re)); /* unfolded: the CRLF before the blank is gone */
        regfree(&re);
        CHECK_INT(regcomp(&re, "^Authentication-Results:", REG_EXTENDED | REG_NOSUB), 0);
        CHECK(!header_block_matches(B(hdr), &re));
        regfree(&re);
}

static void test_postqueue(void) {
        static const char deferred[] =
                "{\"queue_name\": \"deferred\", \"queue_id\": \"4DCBDA765EC\", \"arrival_time\": 1764645604, "
                "\"message_size\": 512, \"forced_expire\": false, \"sender\": \"mailsup@test.invalid\", "
                "\"recipients\": [{\"address\": \"canary@test.invalid\", \"delay_reason\": \"connect to "
                "127.0.0.1[127.0.0.1]:24: Connection refused\"}]}";
        static const char incoming[] = "{\"queue_name\": \"incoming\", \"queue_id\": \"78D0AA7667D\", "
                                       "\"recipients\": [{\"address\": \"canary@test.invalid\"}]}";
        char buf[RT_STUCK_MAX];

        CHECK_INT(postqueue_line_parse(B(deferred), "4DCBDA765EC", buf, sizeof(buf)), 1);
        CHECK_STREQ(buf, "deferred: connect to 127.0.0.1[127.0.0.1]:24: Connection refused");
        CHECK_INT(postqueue_line_parse(B(deferred), "78D0AA7667D", buf, sizeof(buf)), 0);
        CHECK_INT(postqueue_line_parse(B(incoming), "78D0AA7667D", buf, sizeof(buf)), 1);
        CHECK_STREQ(buf, "still in the incoming queue");
        CHECK_INT(postqueue_line_parse(B("postqueue: fatal: Queue report unavailable"), "X", buf, sizeof(buf)),
                  -EBADMSG);
        CHECK_INT(postqueue_line_parse(B("{\"queue_id\": \"X"), "X", buf, sizeof(buf)), -EBADMSG);
}

static void test_config(void) {
        const char *head = "[check r]\ntype = roundtrip\nfrom = a@b.invalid\nto = c@d.invalid\n";

        net_config_error(head, "imap_password_file = /x\n", "missing required key 'imap_user'");
        net_config_error(head, "imap_user = c\nimap_password_file = x\n",
                         "invalid path 'x' for imap_password_file: must be absolute");
        net_config_error(head, "imap_user = c\nimap_password_file = /x\nhost = 192.0.2.1\n",
                         "IMAP LOGIN to 192.0.2.1 would send the password in plain text");
        net_config_error(head, "imap_user = c\nimap_password_file = /x\nexpect_header = ^(X\n",
                         "invalid expect_header '^(X'");
        net_config_error(head, "imap_user = c\nimap_password_file = /x\nmax_delay = soon\n",
                         "invalid value 'soon' for max_delay");
        net_config_error("[check r]\ntype = roundtrip\nfrom = nobody\n", "", "invalid address 'nobody' for from");
}

static const char *probe_conf_with(uint16_t smtp, uint16_t imap, const char *extra) {
        static char pw[256];

        snprintf(pw, sizeof(pw), "%s/pw", net_dir);
        net_write("pw", "secret\n");
        CHECK(chmod(pw, 0600) == 0);
        return net_conf("type = roundtrip\nport = %u\nfrom = a@b.invalid\nto = c@d.invalid\nimap_port = %u\n"
                        "imap_user = c\nimap_password_file = %s\n%s", smtp, imap, pw, extra);
}

static const char *probe_conf(uint16_t smtp, uint16_t imap) {
        return probe_conf_with(smtp, imap, "junk_mailbox = none\n");
}

#define IMAP_SWEPT "* OK hi\r\nm1 OK in\r\nm2 OK [READ-WRITE] selected\r\n* SEARCH\r\nm3 OK done\r\n"

/* A peer for each side; the SMTP one only matters once the sweep is over. */
static void hostile_case(const char *name, const HostileStream *imap, const HostileStream *smtp, ProbeStatus status,
                         const char *words) {
        uint16_t iport, sport;
        pid_t ipid = hostile_stream_peer(imap, &iport), spid = hostile_stream_peer(smtp, &sport);

        hostile_expect(name, probe_conf(sport, iport), status, words, 8 * 1024, 3.0);
        net_kill(ipid);
        net_kill(spid);
}

static void test_hostile(void) {
        static const char literal_head[] = "* OK hi\r\nm1 OK in\r\nm2 OK selected\r\n* SEARCH 7\r\nm3 OK done\r\n"
                                           "* 1 FETCH (UID 7 BODY[HEADER] {1073741824}\r\n";
        static const char search_head[] = "* OK hi\r\nm1 OK in\r\nm2 OK selected\r\n* SEARCH";
        static const char smtp_ok[] = "220 hi\r\n250 hello\r\n250 ok\r\n250 ok\r\n354 go\r\n";
        char x[4096];
        HostileStream swept = { B(IMAP_SWEPT) };

        memset(x, 'X', sizeof(x));
        hostile_case("imap literal of 1 GB announced",
                     &(HostileStream) { B(literal_head), x, sizeof(x), .max_bytes = 64U << 20 }, &swept,
                     PROBE_OVERLONG, "mailbox: reply to FETCH announces a literal of 1073741824 bytes");
        hostile_case("imap SEARCH without end",
                     &(HostileStream) { B(search_head), " 1", 2, .max_bytes = 64U << 20 }, &swept, PROBE_OVERLONG,
                     "mailbox: reply to SEARCH has a line longer than 4096 bytes");
        hostile_case("smtp 250 without a queue id", &swept,
                     &(HostileStream) { B("220 hi\r\n250 hello\r\n250 ok\r\n250 ok\r\n354 go\r\n250 2.0.0 Ok\r\n") },
                     PROBE_PROTOCOL_ERROR, "submission: message answered 250 without a queue id: \"2.0.0 Ok\"");
        hostile_case("smtp RCPT refused", &swept,
                     &(HostileStream) { B("220 hi\r\n250 hello\r\n250 ok\r\n451 4.3.0 try later\r\n") },
                     PROBE_BAD_REPLY, "submission: RCPT answered 451 4.3.0 try later");
        hostile_case("smtp queued", &swept,
                     &(HostileStream) { smtp_ok, sizeof(smtp_ok) - 1,
                                        "250 2.0.0 Ok: queued as 4XyZABC12\r\n", 35, .max_bytes = 35 },
                     PROBE_OK, "canary queued as 4XyZABC12, not arrived yet");
}

/* AUTH PLAIN with username and password_file: refused, or not offered. */
static void test_auth(void) {
        HostileStream swept = { B(IMAP_SWEPT) };
        uint16_t iport, sport;
        pid_t ipid = hostile_stream_peer(&swept, &iport), spid;
        char extra[300];

        spid = hostile_stream_peer(&(HostileStream) { B("220 hi\r\n250-hello\r\n250 AUTH PLAIN LOGIN\r\n"
                                                        "535 5.7.8 Error: authentication failed\r\n") }, &sport);
        snprintf(extra, sizeof(extra), "junk_mailbox = none\nusername = u\npassword_file = %s/pw\n", net_dir);
        net_expect("smtp AUTH refused", probe_conf_with(sport, iport, extra), PROBE_BAD_REPLY,
                   "submission: AUTH answered 535 5.7.8 Error: authentication failed");
        net_kill(ipid);
        net_kill(spid);
        ipid = hostile_stream_peer(&swept, &iport);
        spid = hostile_stream_peer(&(HostileStream) { B("220 hi\r\n250-hello\r\n250 SIZE 10240000\r\n") }, &sport);
        net_expect("smtp AUTH not offered", probe_conf_with(sport, iport, extra), PROBE_BAD_REPLY,
                   "submission: AUTH PLAIN not offered (without TLS)");
        net_kill(ipid);
        net_kill(spid);
}

/* A scripted IMAP server that holds one canary of check "t", sent 3 s
 * before it arrived, in INBOX or in Junk, with or without X-Spam-Status. */
static void found_case(const char *name, bool junk, bool scanned, ProbeStatus status, const char *words) {
        static const char smtp[] = "220 hi\r\n250 hello\r\n250 ok\r\n250 ok\r\n354 go\r\n"
                                   "250 2.0.0 Ok: queued as 5AB12C\r\n";
        char hdr[512], imap[2048], date[64];
        time_t arrived = time(NULL) - 5;
        struct tm tm;
        uint16_t iport, sport;
        pid_t ipid, spid;
        int n;

        strftime(date, sizeof(date), "%d-%b-%Y %H:%M:%S +0000", gmtime_r(&arrived, &tm));
        n = snprintf(hdr, sizeof(hdr), "Return-Path: <a@b.invalid>\r\n%sX-Mailsup-Canary: check=t; sent=%llu; "
                     "id=0a1b\r\nSubject: mailsup canary 0a1b\r\n\r\n", scanned ? "X-Spam-Status: No, score=0.1\r\n" : "",
                     (unsigned long long) (arrived - 3) * 1000000ULL);
        snprintf(imap, sizeof(imap),
                 "* OK hi\r\nm1 OK in\r\nm2 OK selected\r\n%s"
                 "* 1 FETCH (UID 9 INTERNALDATE \"%s\" BODY[HEADER] {%d}\r\n%s)\r\nm%d OK\r\nm%d OK\r\nm%d OK\r\n%s",
                 junk ? "* SEARCH\r\nm3 OK\r\nm4 OK selected\r\n* SEARCH 9\r\nm5 OK\r\n" : "* SEARCH 9\r\nm3 OK\r\n",
                 date, n, hdr, junk ? 6 : 4, junk ? 7 : 5, junk ? 8 : 6,
                 junk ? "" : "m7 NO [NONEXISTENT] Mailbox doesn't exist: Junk\r\n");
        ipid = hostile_stream_peer(&(HostileStream) { imap, strlen(imap) }, &iport);
        spid = hostile_stream_peer(&(HostileStream) { B(smtp) }, &sport);
        net_expect(name, probe_conf_with(sport, iport, "expect_header = ^X-Spam-Status:\n"), status, words);
        net_kill(ipid);
        net_kill(spid);
}

static void test_found(void) {
        found_case("canary delivered", false, true, PROBE_OK, "delivered in 4.0s");
        found_case("canary unscanned", false, false, PROBE_BAD_REPLY,
                   "arrived in 4.0s without a header matching '^X-Spam-Status:'");
        found_case("canary filed as spam", true, true, PROBE_THRESHOLD, "filed as spam: arrived in 4.0s in 'Junk'");
}

int main(void) {
        test_response_span();
        test_search();
        test_canary_header();
        test_postqueue();
        test_config();
        net_setup();
        test_hostile();
        test_auth();
        test_found();
        net_cleanup();
        return tests_summary("test-roundtrip");
}
