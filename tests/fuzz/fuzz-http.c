/* fuzz-http.c: the http probe's own parsers: expect_status values and the
 * certificate's "Expire date" that libcurl's CERTINFO copies from the peer.
 *
 * Input: the first line is an expect_status value, the rest an expire date
 * (both C strings, as the probe gets them). Properties: a status set holds
 * only codes 100..599, in at most HTTP_STATUS_RANGES_MAX ordered ranges,
 * and contains exactly the codes its ranges cover; a parsed date judges
 * into a reason that fits the probe's buffer, with a severity that agrees
 * with the days left.
 *
 * See also: probes/http-parse.h, probes/cert.h, probes/http.c.
 */
#include "probes/cert.h"
#include "probes/http-parse.h"
#include "probes/probe.h"
#include "tests/fuzz/fuzz.h"

#define NOW ((usec_t) 1767225600 * USEC_PER_SEC) /* 2026-01-01, a fixed "now" */

static void check_status(const char *s) {
        HttpStatusSet set;

        if (http_status_set_parse(s, &set) < 0)
                return;
        FUZZ_CHECK(set.n >= 1 && set.n <= HTTP_STATUS_RANGES_MAX);
        for (size_t i = 0; i < set.n; i++)
                FUZZ_CHECK(set.range[i].lo >= 100 && set.range[i].lo <= set.range[i].hi && set.range[i].hi <= 599);
        for (long code = 0; code <= 1000; code++) {
                bool in = false;
                for (size_t i = 0; i < set.n; i++)
                        in = in || (code >= set.range[i].lo && code <= set.range[i].hi);
                FUZZ_CHECK(http_status_set_contains(&set, code) == in);
        }
}

static void check_expiry(const char *s, unsigned warn_days) {
        char reason[PROBE_REASON_MAX];
        ProbeSeverity sev;
        usec_t t;

        if (cert_parse_expire_date(s, &t) < 0)
                return;
        sev = cert_judge_expiry(t, NOW, warn_days, reason, sizeof(reason));
        FUZZ_CHECK(strlen(reason) > 0 && strlen(reason) < sizeof(reason) - 1);
        if (t <= NOW)
                FUZZ_CHECK(sev == PROBE_SEVERITY_CRITICAL && cert_days_left(t, NOW) == 0);
        else
                FUZZ_CHECK(sev == (cert_days_left(t, NOW) <= warn_days ? PROBE_SEVERITY_WARNING : PROBE_SEVERITY_NONE));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t first = nl ? (size_t) (nl - data) : size;
        char *status = fuzz_strndup(data, first);
        char *date = nl ? fuzz_strndup(nl + 1, size - first - 1) : NULL;

        check_status(status);
        if (date)
                for (unsigned w = 0; w <= 400; w += 400 - CERT_WARN_DAYS_DEFAULT)
                        check_expiry(date, w);
        free(status);
        free(date);
        return 0;
}
