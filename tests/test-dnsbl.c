/* test-dnsbl.c: the dnsbl probe against a real Unbound serving list zones.
 *
 * Unbound from Debian's package on a free loopback port, with local zones
 * that answer like blocklists: list.test (test entry 127.0.0.2, 192.0.2.25
 * listed as 127.0.0.4 with a TXT reason, 2001:db8::25 listed by nibbles),
 * clean.test (its test entry only), refusing.test (every query answered
 * 127.255.255.254, as Spamhaus does through a public resolver),
 * notest.test (no test entry: the resolver does not answer for it),
 * rewriting.test (NXDOMAIN rewritten to an address). Cases: not listed
 * (NXDOMAIN), listed with TXT, IPv6, several zones and addresses, the
 * refusal, the missing test entry, the rewriting resolver, the metric per
 * zone, Unbound gone; the pure name and answer rules; config errors.
 *
 * See also: probes/dnsbl.c, probes/dnsbl-parse.c, test-dns-net.c.
 */
#include <arpa/inet.h>

#include "probes/dnsbl-parse.h"
#include "tests/test-net.h"

static uint16_t port;

static pid_t start_unbound(void) {
        return net_unbound_start(&port,
                                 " local-zone: \"list.test.\" static\n"
                                 " local-data: \"2.0.0.127.list.test. A 127.0.0.2\"\n"
                                 " local-data: '2.0.0.127.list.test. TXT \"test entry\"'\n"
                                 " local-data: \"25.2.0.192.list.test. A 127.0.0.4\"\n"
                                 " local-data: '25.2.0.192.list.test. TXT \"https://list.test/query/ip/192.0.2.25\"'\n"
                                 " local-data: \"5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.list.test. A 127.0.0.3\"\n"
                                 " local-zone: \"clean.test.\" static\n"
                                 " local-data: \"2.0.0.127.clean.test. A 127.0.0.2\"\n"
                                 " local-zone: \"refusing.test.\" redirect\n"
                                 " local-data: \"refusing.test. A 127.255.255.254\"\n"
                                 " local-zone: \"notest.test.\" static\n"
                                 " local-zone: \"rewriting.test.\" redirect\n"
                                 " local-data: \"rewriting.test. A 198.51.100.7\"\n",
                                 "");
}

static void test_rules(void) {
        DnsblAddress a;
        char name[DNSBL_NAME_MAX];

        CHECK_INT(dnsbl_address_parse("192.0.2.25", &a), 0);
        CHECK_INT(dnsbl_query_name(&a, "zen.spamhaus.org", name, sizeof(name)), 0);
        CHECK_STREQ(name, "25.2.0.192.zen.spamhaus.org");
        CHECK_INT(dnsbl_address_parse("2001:DB8::25", &a), 0);
        CHECK_STREQ(a.text, "2001:db8::25");
        CHECK_INT(dnsbl_query_name(&a, "l.test", name, sizeof(name)), 0);
        CHECK_STREQ(name, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.l.test");
        CHECK_INT(dnsbl_query_name(&a, "l.test", name, 20), -ENAMETOOLONG);
        CHECK_INT(dnsbl_address_parse("192.0.2", &a), -EINVAL);
        CHECK_INT(dnsbl_address_parse("mx.example.org", &a), -EINVAL);
        CHECK(dnsbl_zone_valid("zen.spamhaus.org"));
        CHECK(dnsbl_zone_valid("b.barracudacentral.org"));
        CHECK(!dnsbl_zone_valid("zen..spamhaus.org"));
        CHECK(!dnsbl_zone_valid(".zen.spamhaus.org"));
        CHECK(!dnsbl_zone_valid("zen spamhaus"));
        CHECK(!dnsbl_zone_valid(""));
        CHECK_INT(dnsbl_classify("127.0.0.2"), DNSBL_LISTED);
        CHECK_INT(dnsbl_classify("127.0.0.4"), DNSBL_LISTED);
        CHECK_INT(dnsbl_classify("127.255.254.255"), DNSBL_LISTED);
        CHECK_INT(dnsbl_classify("127.255.255.254"), DNSBL_REFUSED);
        CHECK_INT(dnsbl_classify("127.255.255.252"), DNSBL_REFUSED);
        CHECK_INT(dnsbl_classify("127.255.255.1"), DNSBL_REFUSED);
        CHECK_INT(dnsbl_classify("127.0.0.1"), DNSBL_UNEXPECTED);
        CHECK_INT(dnsbl_classify("198.51.100.7"), DNSBL_UNEXPECTED);
        CHECK_INT(dnsbl_classify("not an address"), DNSBL_UNEXPECTED);
        CHECK_STREQ(dnsbl_refusal_to_string("127.255.255.254"), "queries through a public or open resolver are refused");
        CHECK_STREQ(dnsbl_refusal_to_string("127.255.255.255"), "too many queries");
}

static void test_config(void) {
        const char *head = "[check b]\ntype = dnsbl\n";

        net_config_error(head, "zones = list.test\n", "missing required key 'address'");
        net_config_error(head, "address = 192.0.2.25\n", "missing required key 'zones'");
        net_config_error(head, "address = mx.example.org\nzones = list.test\n",
                         "t.conf:3: invalid address 'mx.example.org' for address");
        net_config_error(head, "address = 192.0.2.25\nzones = list..test\n", "t.conf:4: invalid zone 'list..test'");
        net_config_error(head, "address = 192.0.2.25\nzones = list.test\nport = 53\n", "key 'port' is not used");
}

int main(void) {
        pid_t pid;

        test_rules();
        test_config();
        net_require(NET_UNBOUND);
        net_setup();
        pid = start_unbound();
        CHECK(pid > 0);
        net_expect("not listed", net_conf("type = dnsbl\naddress = 192.0.2.1\nzones = list.test\nserver = 127.0.0.1:%u", port),
                   PROBE_OK, "192.0.2.1 not listed on 1 zone");
        net_expect("listed with TXT", net_conf("type = dnsbl\naddress = 192.0.2.25\nzones = list.test\nserver = 127.0.0.1:%u", port),
                   PROBE_THRESHOLD,
                   "192.0.2.25 listed on list.test (127.0.0.4: https://list.test/query/ip/192.0.2.25)");
        net_expect("IPv6 by nibbles", net_conf("type = dnsbl\naddress = 2001:db8::25\nzones = list.test\nserver = 127.0.0.1:%u", port),
                   PROBE_THRESHOLD, "2001:db8::25 listed on list.test (127.0.0.3)");
        net_expect("refused, never listed",
                   net_conf("type = dnsbl\naddress = 192.0.2.1\nzones = refusing.test\nserver = 127.0.0.1:%u", port),
                   PROBE_BAD_REPLY, "refusing.test refused the query (127.255.255.254: queries through a public");
        net_expect("no test entry", net_conf("type = dnsbl\naddress = 192.0.2.1\nzones = notest.test\nserver = 127.0.0.1:%u", port),
                   PROBE_BAD_REPLY, "resolver does not answer notest.test queries (2.0.0.127.notest.test: NXDOMAIN)");
        net_expect("rewritten NXDOMAIN",
                   net_conf("type = dnsbl\naddress = 192.0.2.1\nzones = rewriting.test\nserver = 127.0.0.1:%u", port),
                   PROBE_BAD_REPLY, "resolver does not answer rewriting.test queries (2.0.0.127.rewriting.test: "
                   "198.51.100.7)");
        net_expect("several zones and addresses",
                   net_conf("type = dnsbl\naddress = 192.0.2.1, 192.0.2.25\nzones = list.test notest.test\nserver = 127.0.0.1:%u",
                            port),
                   PROBE_THRESHOLD, "192.0.2.25 listed on list.test (127.0.0.4: https://list.test/query/ip/"
                   "192.0.2.25); resolver does not answer notest.test");
        /* The metrics: one value per zone that could be asked, 1 for listed. */
        ProbeResult r = {};
        CHECK(net_probe(net_conf("type = dnsbl\naddress = 192.0.2.25\nzones = list.test, notest.test, "
                                 "clean.test\nserver = 127.0.0.1:%u", port), &r));
        CHECK_INT(r.n_values, 2);
        CHECK_STREQ(r.values[0].name, "dnsbl_listed");
        CHECK_STREQ(r.values[0].label_value, "list.test");
        CHECK(r.values[0].value == 1);
        CHECK_STREQ(r.values[1].label_value, "clean.test");
        CHECK(r.values[1].value == 0);
        net_kill(pid);
        net_expect("resolver gone", net_conf("type = dnsbl\naddress = 192.0.2.1\nzones = list.test\nserver = 127.0.0.1:%u", port),
                   PROBE_BAD_REPLY, "list.test: ");
        net_cleanup();
        return tests_summary("test-dnsbl");
}
