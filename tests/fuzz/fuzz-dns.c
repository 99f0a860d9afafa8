/* fuzz-dns.c: dns_answers_parse() on a resolver's reply.
 *
 * The dns probe hands c-ares' raw answer (NOCHECKRESP: any reply comes with
 * its bytes) to dns_answers_parse() for the asked type; here every type the
 * probe can ask is tried on the same bytes. Properties: at most
 * DNS_ANSWERS_MAX values, each a terminated string within DNS_VALUE_MAX,
 * each found again by dns_answers_contain() as the expect key would be;
 * a rcode always has a name.
 *
 * See also: probes/dns-parse.h, probes/dns.c, tests/test-probe-parsers.c.
 */
#include "probes/dns-parse.h"
#include "tests/fuzz/fuzz.h"

static const int types[] = { DNS_TYPE_A, DNS_TYPE_NS, DNS_TYPE_PTR, DNS_TYPE_MX, DNS_TYPE_TXT, DNS_TYPE_AAAA };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
                DnsAnswers a;
                char rc[16];

                if (dns_answers_parse(data, size, types[t], &a) < 0)
                        continue;
                FUZZ_CHECK(a.n <= DNS_ANSWERS_MAX && a.n <= a.n_total);
                FUZZ_CHECK(a.n == a.n_total || a.n == DNS_ANSWERS_MAX);
                FUZZ_CHECK(a.rcode <= 15 && dns_rcode_to_string(a.rcode, rc, sizeof(rc))[0] != '\0');
                for (size_t i = 0; i < a.n; i++) {
                        FUZZ_CHECK(strnlen(a.value[i], DNS_VALUE_MAX) < DNS_VALUE_MAX);
                        FUZZ_CHECK(dns_answers_contain(&a, types[t], a.value[i]));
                }
                FUZZ_CHECK(strcmp(dns_type_to_string(types[t]), "?") != 0);
                FUZZ_CHECK(dns_type_from_string(dns_type_to_string(types[t])) == types[t]);
        }
        return 0;
}
