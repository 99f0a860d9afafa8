/* test-config.c: the configuration format, as an operator meets it.
 *
 * Good configs must come out with every default filled in; drop-ins must
 * override key by key in byte order; and every mistake must be reported
 * with its exact "FILE:LINE: message", all of them, none silently ignored:
 * a typo must never leave a mail service unwatched.
 */
#include <ftw.h>
#include <ini.h>
#include <limits.h>
#include <sys/stat.h>

#include "probes/probe.h"
#include "supervisor/config-internal.h"
#include "tests/tests.h"

#define E(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define GOOD "[check a]\ntype = tcp\nport = 1\n" /* lines 1-3: a valid check */

static const struct {
        const char *text;
        const char *const *errors; /* exactly these, in this order */
} error_cases[] = {
        /* Sections. */
        { "[chek x]\ntype = tcp\n", E("t.conf:1: unknown section [chek x]") },
        { "[supervisr]\ninterval = 1min\n", E("t.conf:1: unknown section [supervisr]") },
        { "[check]\ntype = tcp\n", E("t.conf:1: missing check name in [check]") },
        { "[ check  ]\n", E("t.conf:1: missing check name in [check]") },
        { "[check a/b]\n", E("t.conf:1: invalid check name 'a/b' (up to 64 letters, digits, '-', '_', '.')") },
        { "type = tcp\n" GOOD, E("t.conf:1: key 'type' before any section") },
        { GOOD "[check a]\nport = 2\n", E("t.conf:4: duplicate check 'a' (first defined at t.conf:1)") },
        { "[supervisor]\n[check b]\ntype = tcp\nport = 1\n[supervisor]\ntimeout = 5s\n",
          E("t.conf:5: duplicate section [supervisor] (first defined at t.conf:1)") },
        /* Syntax. */
        { "[supervisor]\njunk\n", E("t.conf:2: syntax error: expected [section], key = value or comment") },
        { "[check a\ntype = tcp\n", E("t.conf:1: syntax error: missing ']' in section header") },
        { "[check a] x\ntype = tcp\n", E("t.conf:1: syntax error: unexpected 'x' after section header") },
        /* Keys. */
        { "[supervisor]\nintervall = 1min\n", E("t.conf:2: unknown key 'intervall' in [supervisor]") },
        { "[check postfix]\ntype = smtp\nport = 25\nprot = 25\n",
          E("t.conf:4: unknown key 'prot' in [check postfix]") },
        { "[supervisor]\ninterval = 1min\ninterval = 2min\n",
          E("t.conf:3: duplicate key 'interval' in [supervisor] (first given at t.conf:2)") },
        { GOOD "port = 2\n", E("t.conf:4: duplicate key 'port' in [check a] (first given at t.conf:3)") },
        /* Durations. */
        { "[supervisor]\ninterval = fast\n", E("t.conf:2: invalid duration 'fast' for interval") },
        { "[supervisor]\ninterval = 0\n", E("t.conf:2: invalid duration '0' for interval: must be greater than 0") },
        { "[supervisor]\ntimeout = 0s\n", E("t.conf:2: invalid duration '0s' for timeout: must be greater than 0") },
        { "[supervisor]\nrestart_grace = soon\n", E("t.conf:2: invalid duration 'soon' for restart_grace") },
        { GOOD "timeout = 5 s\n", E("t.conf:4: invalid duration '5 s' for timeout in [check a]") },
        { GOOD "timeout = 0ms\n",
          E("t.conf:4: invalid duration '0ms' for timeout in [check a]: must be greater than 0") },
        /* Numbers: an invalid port is not also reported missing. */
        { "[check a]\ntype = tcp\nport = 0\n",
          E("t.conf:3: invalid number '0' for port in [check a]: must be between 1 and 65535") },
        { "[check a]\ntype = tcp\nport = 65536\n",
          E("t.conf:3: invalid number '65536' for port in [check a]: must be between 1 and 65535") },
        { "[check a]\ntype = tcp\nport = 25x\n",
          E("t.conf:3: invalid number '25x' for port in [check a]: must be between 1 and 65535") },
        { "[check a]\ntype = tcp\nport = -1\n",
          E("t.conf:3: invalid number '-1' for port in [check a]: must be between 1 and 65535") },
        { "[check a]\ntype = tcp\nport =\n",
          E("t.conf:3: invalid number '' for port in [check a]: must be between 1 and 65535") },
        { "[supervisor]\nrestart_limit = 0\n",
          E("t.conf:2: invalid number '0' for restart_limit: must be between 1 and 10000") },
        { "[supervisor]\nrestart_window = five\n",
          E("t.conf:2: invalid number 'five' for restart_window: must be between 1 and 10000") },
        { GOOD "fail_after = 0\n",
          E("t.conf:4: invalid number '0' for fail_after in [check a]: must be between 1 and 1000") },
        { GOOD "fail_after = three\n",
          E("t.conf:4: invalid number 'three' for fail_after in [check a]: must be between 1 and 1000") },
        { GOOD "recover_after = 0\n",
          E("t.conf:4: invalid number '0' for recover_after in [check a]: must be between 1 and 1000") },
        { GOOD "recover_after = 2 cycles\n",
          E("t.conf:4: invalid number '2 cycles' for recover_after in [check a]: must be between 1 and 1000") },
        { GOOD "fail_after = 1001\n",
          E("t.conf:4: invalid number '1001' for fail_after in [check a]: must be between 1 and 1000") },
        /* Enumerations and names. */
        { "[supervisor]\nbus = session\n", E("t.conf:2: invalid value 'session' for bus: expected system or user") },
        { GOOD "action = reboot\n",
          E("t.conf:4: invalid value 'reboot' for action in [check a]: expected restart, alert or none") },
        { "[check a]\ntype = smpt\nport = 25\n", E("t.conf:2: unknown check type 'smpt'") },
        { GOOD "host = localhost\n",
          E("t.conf:4: invalid host 'localhost' in [check a]: must be a numeric IPv4 or IPv6 address") },
        { GOOD "host = 127.1\n",
          E("t.conf:4: invalid host '127.1' in [check a]: must be a numeric IPv4 or IPv6 address") },
        { GOOD "unit = postfix\n",
          E("t.conf:4: invalid unit name 'postfix' in [check a]: expected a full name such as postfix.service") },
        { "[supervisor]\nstate_directory = var/lib\n",
          E("t.conf:2: invalid path 'var/lib' for state_directory: must be absolute") },
        /* Missing keys, at the section header. */
        { "# c\n[check a]\nport = 25\n", E("t.conf:2: missing required key 'type' in [check a]") },
        { "\n[check a]\ntype = tcp\n", E("t.conf:2: missing required key 'port' in [check a]") },
        { "[check a]\n", E("t.conf:1: missing required key 'type' in [check a]") },
        { GOOD "action = restart\n", E("t.conf:1: action = restart needs unit= in [check a]") },
        /* A probe must end before the next cycle starts. */
        { GOOD "timeout = 3min\n", E("t.conf:4: timeout 3min of [check a] is not shorter than interval 2min") },
        { "[supervisor]\ninterval = 1min\ntimeout = 1min\n",
          E("t.conf:3: timeout 1min of [supervisor] is not shorter than interval 1min") },
        { "[supervisor]\ninterval = 5s\n", E("t.conf:2: timeout 10s of [supervisor] is not shorter than interval 5s") },
        /* A check's own pace: the same rule with its own interval. */
        { GOOD "interval = 10s\n", E("t.conf:4: interval 10s of [check a] is not longer than its timeout 10s") },
        { GOOD "interval = 1h\ntimeout = 2h\n", E("t.conf:5: timeout 2h of [check a] is not shorter than interval 1h") },
        { GOOD "interval = 0\n", E("t.conf:4: invalid duration '0' for interval in [check a]: must be greater than 0") },
        /* Alerting: [notify NAME] channels and the heartbeat keys. */
#define HOOK "[notify ops]\ntype = webhook\nurl = http://hooks.example/x\n" /* lines 1-3 */
        { "[notify]\ntype = webhook\n", E("t.conf:1: missing channel name in [notify]") },
        { "[notify a/b]\n", E("t.conf:1: invalid channel name 'a/b' (up to 63 letters, digits, '-', '_', '.')") },
        { HOOK "[notify ops]\n", E("t.conf:4: duplicate channel 'ops' (first defined at t.conf:1)") },
        { HOOK "url = http://other.example/\n",
          E("t.conf:4: duplicate key 'url' in [notify ops] (first given at t.conf:3)") },
        { HOOK "urll = x\n", E("t.conf:4: unknown key 'urll' in [notify ops]") },
        { "[notify ops]\ntype = pager\nurl = http://x.example/\n",
          E("t.conf:2: unknown notify type 'pager': expected webhook, alertmanager, smtp or ntfy in [notify ops]") },
        { "[notify ops]\nurl = http://x.example/\n", E("t.conf:1: missing required key 'type' in [notify ops]") },
        { "[notify ops]\ntype = webhook\n", E("t.conf:1: missing required key 'url' in [notify ops]") },
        { HOOK "min_severity = high\n",
          E("t.conf:4: invalid value 'high' for min_severity: expected info, warning or critical in [notify ops]") },
        { HOOK "to = ops@example.org\n", E("t.conf:4: key 'to' is not used by type webhook in [notify ops]") },
        { HOOK "header = no colon\n", E("t.conf:4: invalid header 'no colon': expected Name: value in [notify ops]") },
        { "[notify mail]\ntype = smtp\nurl = smtp://127.0.0.1:25\nfrom = m@example.org\nto = o@example.org\n",
          E("t.conf:1: smtp relay '127.0.0.1' is on this host: alerts must not depend on the mail server they "
            "report on (set allow_local_relay = yes to use it anyway) in [notify mail]") },
        { "[supervisor]\nheartbeat_url = hc-ping.com/x\n",
          E("t.conf:2: invalid url 'hc-ping.com/x' for heartbeat_url: expected http://... or https://...") },
        { "[supervisor]\nheartbeat_method = put\n",
          E("t.conf:2: invalid value 'put' for heartbeat_method: expected post or get") },
        { "[supervisor]\nskip_missing_units = sometimes\n",
          E("t.conf:2: invalid value 'sometimes' for skip_missing_units: expected yes or no") },
        { "[supervisor]\nheartbeat_start = maybe\n",
          E("t.conf:2: invalid value 'maybe' for heartbeat_start: expected yes or no") },
        { "[supervisor]\nreminder = often\n", E("t.conf:2: invalid duration 'often' for reminder") },
        { "[supervisor]\noutbox_max = 0\n",
          E("t.conf:2: invalid number '0' for outbox_max: must be between 1 and 1000000") },
        /* depends_on: names resolved once every check is known; cycles refused */
        { "[check a]\ntype = tcp\nport = 1\ndepends_on = b, nosuch\n[check b]\ntype = tcp\nport = 2\n",
          E("t.conf:4: depends_on names unknown check 'nosuch' in [check a]") },
        { "[check a]\ntype = tcp\nport = 1\ndepends_on = a\n",
          E("t.conf:4: depends_on names the check itself in [check a]") },
        { "[check a]\ntype = tcp\nport = 1\ndepends_on = b\n[check b]\ntype = tcp\nport = 2\n"
          "depends_on = c\n[check c]\ntype = tcp\nport = 3\ndepends_on = a\n",
          E("t.conf:4: depends_on makes a cycle (a -> b -> c -> a) in [check a]") },
        { "[check a]\ntype = tcp\nport = 1\ndepends_on = ,\n",
          E("t.conf:4: empty value for depends_on in [check a]: expected check names") },
        { "[supervisor]\nmetrics_listen = localhost:9187\n",
          E("t.conf:2: invalid address 'localhost:9187' for metrics_listen: expected PORT, ADDRESS:PORT or "
            "[IPV6]:PORT, numeric") },
        { "[supervisor]\nmetrics_listen = 127.0.0.1:99999\n",
          E("t.conf:2: invalid address '127.0.0.1:99999' for metrics_listen: expected PORT, ADDRESS:PORT or "
            "[IPV6]:PORT, numeric") },
        { "[supervisor]\nmetrics_textfile = mailsup.prom\n",
          E("t.conf:2: invalid path 'mailsup.prom' for metrics_textfile: must be absolute and end in .prom") },
        { "[supervisor]\nmetrics_textfile = /var/lib/node/mailsup.txt\n",
          E("t.conf:2: invalid path '/var/lib/node/mailsup.txt' for metrics_textfile: must be absolute and end "
            "in .prom") },
        /* All errors of a file, in order, then those found once all is read. */
        { "port = 1\n"
          "[supervisor]\n"
          "interval = 0\n"
          "bus = dbus\n"
          "[check postfix]\n"
          "type = smtp\n"
          "port = 25x\n"
          "prot = 25\n"
          "garbage\n"
          "[chek dovecot]\n"
          "type = imap\n"
          "[check dovecot]\n"
          "port = 143\n"
          "unit = dovecot.service\n"
          "unit = dovecot.service\n",
          E("t.conf:1: key 'port' before any section",
            "t.conf:3: invalid duration '0' for interval: must be greater than 0",
            "t.conf:4: invalid value 'dbus' for bus: expected system or user",
            "t.conf:7: invalid number '25x' for port in [check postfix]: must be between 1 and 65535",
            "t.conf:9: syntax error: expected [section], key = value or comment",
            "t.conf:10: unknown section [chek dovecot]",
            "t.conf:15: duplicate key 'unit' in [check dovecot] (first given at t.conf:14)",
            "t.conf:8: unknown key 'prot' in [check postfix]",
            "t.conf:12: missing required key 'type' in [check dovecot]") },
};

static void check_errors(const char *what, const ConfigErrors *e, const char *const *expected) {
        unsigned failed = tests_failed;
        size_t n = 0;

        while (expected[n])
                n++;
        CHECK_INT(e->n, n);
        for (size_t i = 0; i < n && i < e->n; i++)
                CHECK_STREQ(e->lines[i], expected[i]);
        if (tests_failed != failed) {
                fprintf(stderr, "  in case: %s\n  got:\n", what);
                config_errors_print(e, stderr);
        }
}

/* Expects config text to fail with exactly these errors. */
static void check_bad(const char *text, const char *const *expected) {
        ConfigErrors e = {};
        Config *c = NULL;

        CHECK_INT(config_load_string(text, "t.conf", &c, &e), -EINVAL);
        CHECK(c == NULL);
        check_errors(text, &e, expected);
        config_errors_clear(&e);
}

static Config *load_good(const char *text) {
        ConfigErrors e = {};
        Config *c = NULL;

        CHECK_INT(config_load_string(text, "t.conf", &c, &e), 0);
        check_errors(text, &e, E(NULL));
        config_errors_clear(&e);
        return c;
}

static void test_error_cases(void) {
        for (size_t i = 0; i < ELEMENTSOF(error_cases); i++)
                check_bad(error_cases[i].text, error_cases[i].errors);
}

/* inih's buffer decides the limit; longer lines are refused, never split. */
static void test_long_lines(void) {
        const int max = INI_MAX_LINE - 3;
        char text[1024], msg[256];
        _cleanup_(config_freep) Config *c = NULL;

        /* The longest line accepted, with LF and with CRLF. */
        snprintf(text, sizeof(text), "[supervisor]\r\nstate_directory = /%0*d\r\n", max - 19, 0);
        c = load_good(text);
        CHECK(c && strlen(c->state_directory) == (size_t) max - 18);
        c = config_free(c);
        snprintf(text, sizeof(text), "[supervisor]\nstate_directory = /%0*d\n", max - 19, 0);
        c = load_good(text);

        snprintf(text, sizeof(text), "[supervisor]\nstate_directory = /%0*d\ntimeout = 5s\n", max - 18, 0);
        snprintf(msg, sizeof(msg), "t.conf:2: line too long (%d bytes, at most %d)", max + 1, max);
        check_bad(text, E(msg));

        /* Comments are skipped whole, whatever their length. */
        snprintf(text, sizeof(text), "[supervisor]\n  # %0*d\n;%0*d\ntimeout = 5s\n", 300, 0, 300, 0);
        c = config_free(c);
        c = load_good(text);
        CHECK(c && c->timeout == 5 * USEC_PER_SEC);

        /* A header lost to its length takes its keys with it, instead of
         * filing them under the previous section. */
        snprintf(text, sizeof(text), "[supervisor]\n[check %0*d]\ntimeout = 1h\nbogus = 1\n", 300, 0);
        snprintf(msg, sizeof(msg), "t.conf:2: line too long (308 bytes, at most %d)", max);
        check_bad(text, E(msg));
}

static void test_defaults(void) {
        _cleanup_(config_freep) Config *c = load_good("[check a]\ntype = tcp\nport = 8\n"
                                                      "[check b]\ntype = tcp\nport = 9\nunit = b.service\n");
        const CheckConfig *a, *b;

        if (!c)
                return;
        CHECK(!c->embedded);
        CHECK(!c->skip_missing_units); /* a file's unit typo must be loud */
        CHECK_STREQ(c->path, "t.conf");
        CHECK_INT(c->interval, 2 * USEC_PER_MINUTE);
        CHECK_INT(c->timeout, 10 * USEC_PER_SEC);
        CHECK_INT(c->restart_grace, 30 * USEC_PER_SEC);
        CHECK_INT(c->bus, BUS_SYSTEM);
        CHECK_STREQ(c->state_directory, "/var/lib/mailsup");
        CHECK_INT(c->restart_limit, 3);
        CHECK_INT(c->restart_window, 5);
        CHECK_INT(c->n_checks, 2);
        a = config_find_check(c, "a");
        b = config_find_check(c, "b");
        CHECK(a && b && !config_find_check(c, "c"));
        if (!a || !b)
                return;
        CHECK_STREQ(a->name, "a");
        CHECK(a->type == probe_type_find("tcp"));
        CHECK_STREQ(a->host, "127.0.0.1");
        CHECK_INT(a->port, 8);
        CHECK(a->unit == NULL);
        CHECK_INT(a->action, CHECK_ACTION_ALERT); /* nothing to restart */
        CHECK_INT(a->timeout, 10 * USEC_PER_SEC);
        CHECK_STREQ(a->source, "t.conf:1");
        CHECK_STREQ(b->unit, "b.service");
        CHECK_INT(b->action, CHECK_ACTION_RESTART);
        CHECK_STREQ(b->source, "t.conf:4");
}

/* fail_after / recover_after: 1 unless given, or the type's own default
 * (system memory and load: 3); threshold types alert even with a unit. */
static void test_sustained(void) {
        _cleanup_(config_freep) Config *c = load_good(
                "[check plain]\ntype = tcp\nport = 1\nunit = p.service\n"
                "[check slow]\ntype = tcp\nport = 1\nfail_after = 2\nrecover_after = 4\n"
                "[check mem]\ntype = system\nmetric = memory\n"
                "[check load]\ntype = system\nmetric = load\n"
                "[check disk]\ntype = system\nmetric = disk\n"
                "[check mem1]\ntype = system\nmetric = memory\nfail_after = 1\n"
                "[check log]\ntype = file\npath = /var/log/mail.log\nunit = postfix.service\n"
                "[check queue]\ntype = postfix_queue\nqueue_directory = /tmp\nunit = postfix.service\n"
                "[check logr]\ntype = file\npath = /x\nunit = postfix.service\naction = restart\n"
                "[check redis]\ntype = redis\nunit = redis-server.service\n");
        static const struct { const char *name; unsigned fail, recover; CheckAction action; } want[] = {
                { "plain", 1, 1, CHECK_ACTION_RESTART }, { "slow", 2, 4, CHECK_ACTION_ALERT },
                { "mem", 3, 1, CHECK_ACTION_ALERT },     { "load", 3, 1, CHECK_ACTION_ALERT },
                { "disk", 1, 1, CHECK_ACTION_ALERT },    { "mem1", 1, 1, CHECK_ACTION_ALERT },
                { "log", 1, 1, CHECK_ACTION_ALERT },     { "queue", 1, 1, CHECK_ACTION_ALERT },
                { "logr", 1, 1, CHECK_ACTION_RESTART },  { "redis", 1, 1, CHECK_ACTION_RESTART },
        };

        if (!c)
                return;
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const CheckConfig *k = config_find_check(c, want[i].name);

                CHECK(k);
                if (!k)
                        continue;
                if (k->fail_after != want[i].fail || k->action != want[i].action)
                        fprintf(stderr, "check %s\n", want[i].name);
                CHECK_INT(k->fail_after, want[i].fail);
                CHECK_INT(k->recover_after, want[i].recover);
                CHECK_INT(k->action, want[i].action);
        }
}

static void test_values(void) {
        _cleanup_(config_freep) Config *c = load_good(
                "\xEF\xBB\xBF; a UTF-8 byte order mark, comments of both kinds\n"
                "# and blank lines\n\n"
                "[supervisor]\n"
                "  interval = 1h 30min ; indented, with a comment\n"
                "timeout=500ms\n"
                "bus: user\n"
                "state_directory = /run/mailsup\n"
                "restart_limit = 10\n"
                "restart_window = 10000\n"
                "restart_grace = 0\n"
                "[ check  x-1_y.z ]\n"
                "\ttype = tcp\n"
                "    host = ::1\n"
                "port = 65535\n"
                "unit = x@1.service\n"
                "action = none\n"
                "timeout = 89min\n"
                "[check alert]\ntype = tcp\nport = 1\nunit = a.socket\naction = alert\n");
        const CheckConfig *x, *al;

        if (!c)
                return;
        CHECK_INT(c->interval, 90 * USEC_PER_MINUTE);
        CHECK_INT(c->timeout, 500 * USEC_PER_MSEC);
        CHECK_INT(c->bus, BUS_USER);
        CHECK_STREQ(c->state_directory, "/run/mailsup");
        CHECK_INT(c->restart_limit, 10);
        CHECK_INT(c->restart_window, 10000);
        CHECK_INT(c->restart_grace, 0);
        x = config_find_check(c, "x-1_y.z");
        al = config_find_check(c, "alert");
        CHECK(x && al);
        if (!x || !al)
                return;
        CHECK_STREQ(x->host, "::1");
        CHECK_INT(x->port, 65535);
        CHECK_STREQ(x->unit, "x@1.service");
        CHECK_INT(x->action, CHECK_ACTION_NONE);
        CHECK_INT(x->timeout, 89 * USEC_PER_MINUTE);
        CHECK_STREQ(x->source, "t.conf:12");
        CHECK_INT(al->action, CHECK_ACTION_ALERT);
        CHECK_INT(al->timeout, 500 * USEC_PER_MSEC); /* [supervisor] timeout */
}

/* A type with a default port fills it in; one without makes port required. */
static void test_default_ports(void) {
        for (size_t i = 0; probe_types[i]; i++) {
                const ProbeType *t = probe_types[i];
                /* The canary cannot run without its addresses and mailbox. */
                const char *required = streq(t->name, "roundtrip") ? "from = a@b.invalid\nto = c@d.invalid\n"
                                       "imap_user = c\nimap_password_file = /x\n" : "";
                char text[256];

                if (!t->needs_port)
                        continue;
                snprintf(text, sizeof(text), "[check a]\ntype = %s\n%s", t->name, required);
                if (t->default_port == 0) {
                        check_bad(text, E("t.conf:1: missing required key 'port' in [check a]"));
                        continue;
                }
                _cleanup_(config_freep) Config *c = load_good(text);
                CHECK(c && c->n_checks == 1 && c->checks[0].port == t->default_port);
        }
}

/* The whole Debian mail stack with Debian's unit names and ports, and the
 * host's disk, memory and load (no unit: always run, alert only). */
static void test_embedded_default(void) {
        _cleanup_(config_freep) Config *c = load_good(config_default_text());
        static const struct {
                const char *name, *type, *unit;
                uint16_t port;
                CheckAction action;
                unsigned fail_after;
        } want[] = {
                { "postfix", "smtp", "postfix.service", 25, CHECK_ACTION_RESTART, 1 },
                { "postfix-log", "postfix_log", "postfix.service", 0, CHECK_ACTION_ALERT, 1 },
                { "dovecot", "imap", "dovecot.service", 143, CHECK_ACTION_RESTART, 1 },
                { "opendkim", "milter", "opendkim.service", 8891, CHECK_ACTION_RESTART, 1 },
                { "postsrsd", "tcp_table", "postsrsd.service", 10001, CHECK_ACTION_RESTART, 1 },
                { "rspamd", "http", "rspamd.service", 0, CHECK_ACTION_RESTART, 1 },
                { "unbound", "dns", "unbound.service", 0, CHECK_ACTION_RESTART, 1 },
                { "redis", "redis", "redis-server.service", 6379, CHECK_ACTION_RESTART, 1 },
                { "disk", "system", NULL, 0, CHECK_ACTION_ALERT, 1 },
                { "memory", "system", NULL, 0, CHECK_ACTION_ALERT, 3 },
                { "load", "system", NULL, 0, CHECK_ACTION_ALERT, 3 },
        };

        if (!c)
                return;
        CHECK(!c->embedded); /* load_good parses text; config_load decides embedded */
        /* Root cause first: rspamd cannot scan without Redis. */
        CHECK(config_find_check(c, "rspamd") && config_find_check(c, "rspamd")->n_depends_on == 1 &&
              streq(config_find_check(c, "rspamd")->depends_on[0], "redis"));
        CHECK(c->skip_missing_units); /* the text says so: a copy of it behaves the same */
        CHECK_INT(c->bus, BUS_SYSTEM);
        CHECK_INT(c->interval, 2 * USEC_PER_MINUTE);
        CHECK_INT(c->n_checks, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const CheckConfig *k = config_find_check(c, want[i].name);

                CHECK(k);
                if (!k)
                        continue;
                CHECK(k->type == probe_type_find(want[i].type));
                CHECK(streq_ptr(k->unit, want[i].unit));
                if (want[i].port)
                        CHECK_INT(k->port, want[i].port);
                CHECK_INT(k->action, want[i].action);
                CHECK_INT(k->fail_after, want[i].fail_after);
                CHECK_INT(k->recover_after, 1);
                CHECK_STREQ(k->host, "127.0.0.1");
        }
}

static void test_actions(void) {
        CheckAction a = CHECK_ACTION_NONE;

        for (int i = 0; i < _CHECK_ACTION_MAX; i++) {
                CHECK_INT(check_action_from_string(check_action_to_string((CheckAction) i), &a), 0);
                CHECK_INT(a, i);
        }
        CHECK_STREQ(check_action_to_string(CHECK_ACTION_RESTART), "restart");
        CHECK(check_action_to_string(_CHECK_ACTION_MAX) == NULL);
        CHECK_INT(check_action_from_string("Restart", &a), -EINVAL);
        CHECK_INT(check_action_from_string(NULL, &a), -EINVAL);
        CHECK(config_free(NULL) == NULL);
        CHECK(config_find_check(NULL, "a") == NULL);
}

/* Files: a scratch directory, removed at the end. */
static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static char *path_join(const char *dir, const char *name) {
        char *p = NULL;

        CHECK(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

static void write_file(const char *dir, const char *name, const char *data, size_t size) {
        _cleanup_free_ char *path = path_join(dir, name);
        FILE *f = fopen(path, "we");

        CHECK(f && fwrite(data, 1, size, f) == size);
        if (f)
                fclose(f);
}
#define WRITE(dir, name, text) write_file(dir, name, text, strlen(text))

static void check_load(const char *path, int r, const char *const *expected) {
        ConfigErrors e = {};
        Config *c = NULL;

        CHECK_INT(config_load(path, &c, &e), r);
        CHECK(c == NULL);
        check_errors(path, &e, expected);
        config_errors_clear(&e);
}

/* main.conf, then main.conf.d/ in byte order: later values win. */
static void test_dropins(const char *dir) {
        _cleanup_free_ char *main_path = path_join(dir, "main.conf"), *d = path_join(dir, "main.conf.d");
        _cleanup_(config_freep) Config *c = NULL;
        ConfigErrors e = {};
        const CheckConfig *p, *x;
        char src[PATH_MAX + 32];

        WRITE(dir, "main.conf", "[supervisor]\ninterval = 1min\n\n[check postfix]\ntype = smtp\n"
                                "port = 25\nunit = postfix.service\ntimeout = 20s\n");
        CHECK(mkdir(d, 0755) == 0);
        WRITE(d, "10-a.conf", "[supervisor]\ntimeout = 15s\n[check postfix]\ntimeout = 5s\n"
                              "[check extra]\ntype = tcp\nport = 10\n");
        WRITE(d, "20-b.conf", "[check postfix]\ntimeout = 7s\n[check extra]\nport = 11\n");
        WRITE(d, "9-z.conf", "[check extra]\nport = 12\nhost = 10.0.0.1\n"); /* "9-" > "20": last */
        WRITE(d, ".hidden.conf", "garbage\n");
        WRITE(d, "README", "garbage\n");
        WRITE(d, "20-b.conf.orig", "garbage\n");

        CHECK_INT(config_load(main_path, &c, &e), 0);
        check_errors("drop-ins", &e, E(NULL));
        config_errors_clear(&e);
        if (!c)
                return;
        CHECK_STREQ(c->path, main_path);
        CHECK(!c->embedded);
        CHECK_INT(c->interval, USEC_PER_MINUTE);
        CHECK_INT(c->timeout, 15 * USEC_PER_SEC);
        CHECK_INT(c->n_checks, 2);
        p = config_find_check(c, "postfix");
        x = config_find_check(c, "extra");
        CHECK(p && x);
        if (!p || !x)
                return;
        CHECK_INT(p->timeout, 7 * USEC_PER_SEC);
        CHECK_INT(p->port, 25);
        snprintf(src, sizeof(src), "%s:4", main_path);
        CHECK_STREQ(p->source, src);
        CHECK_INT(x->port, 12);
        CHECK_STREQ(x->host, "10.0.0.1");
        CHECK_INT(x->timeout, 15 * USEC_PER_SEC); /* the drop-in's [supervisor] timeout */
        snprintf(src, sizeof(src), "%s/10-a.conf:5", d);
        CHECK_STREQ(x->source, src);
}

static void test_dropin_errors(const char *dir) {
        _cleanup_free_ char *main_path = path_join(dir, "bad.conf"), *d = path_join(dir, "bad.conf.d");
        _cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *e5 = NULL;

        WRITE(dir, "bad.conf", "[check postfix]\ntype = smtp\nport = 25\ntimeout = 30s\n");
        CHECK(mkdir(d, 0755) == 0);
        WRITE(d, "10-a.conf", "[check postfix]\nprot = 1\n[check postfix]\n");
        WRITE(d, "20-b.conf", "[supervisor]\ninterval = 10s\n");
        CHECK(asprintf(&e1, "%s/10-a.conf:3: duplicate check 'postfix' (first defined at %s/10-a.conf:1)", d, d) > 0);
        CHECK(asprintf(&e2, "%s/20-b.conf:2: timeout 10s of [supervisor] is not shorter than interval 10s", d) > 0);
        CHECK(asprintf(&e3, "%s:4: timeout 30s of [check postfix] is not shorter than interval 10s", main_path) > 0);
        CHECK(asprintf(&e4, "%s/10-a.conf:2: unknown key 'prot' in [check postfix]", d) > 0);
        check_load(main_path, -EINVAL, E(e1, e2, e3, e4));

        /* A drop-in that cannot be read fails the load with its errno, and
         * the files after it are still checked. */
        WRITE(d, "10-a.conf", "\n");
        WRITE(d, "20-b.conf", "\n");
        free(e1);
        e1 = path_join(d, "15-dangling.conf");
        CHECK(symlink("/nonexistent/x.conf", e1) == 0);
        WRITE(d, "30-c.conf", "[check postfix]\nport = 0\n");
        free(e2);
        CHECK(asprintf(&e2, "%s: cannot open: No such file or directory", e1) > 0);
        CHECK(asprintf(&e5, "%s/30-c.conf:2: invalid number '0' for port in [check postfix]: "
                       "must be between 1 and 65535", d) > 0);
        check_load(main_path, -ENOENT, E(e2, e5));
}

static void test_missing(const char *dir) {
        _cleanup_free_ char *none = path_join(dir, "none.conf"), *only = path_join(dir, "only.conf");
        _cleanup_free_ char *only_d = path_join(dir, "only.conf.d"), *msg = NULL, *nul = NULL;
        Config *c = NULL;

        /* An explicit file must exist, even when its .d does. */
        CHECK(asprintf(&msg, "%s: cannot open: No such file or directory", none) > 0);
        check_load(none, -ENOENT, E(msg));
        CHECK(mkdir(only_d, 0755) == 0);
        WRITE(only_d, "10-x.conf", "[check x]\ntype = tcp\nport = 7\n");
        free(msg);
        CHECK(asprintf(&msg, "%s: cannot open: No such file or directory", only) > 0);
        check_load(only, -ENOENT, E(msg));
        free(msg);
        CHECK(asprintf(&msg, "%s: cannot read: Is a directory", dir) > 0);
        check_load(dir, -EISDIR, E(msg));

        /* The default path: neither file nor .d gives the embedded default... */
        CHECK_INT(config_load_path(none, true, &c, NULL), 0);
        CHECK(c && c->embedded && !c->path && config_find_check(c, "postfix"));
        c = config_free(c);
        /* ... but a .d alone is a configuration. */
        CHECK_INT(config_load_path(only, true, &c, NULL), 0);
        CHECK(c && !c->embedded && streq_ptr(c->path, only) && c->n_checks == 1);
        c = config_free(c);

        static const char with_nul[] = "[supervisor]\ntime\0out = 5s\ninterval = x\n";
        write_file(dir, "nul.conf", with_nul, sizeof(with_nul) - 1);
        nul = path_join(dir, "nul.conf");
        free(msg);
        CHECK(asprintf(&msg, "%s:2: line contains a NUL byte", nul) > 0);
        _cleanup_free_ char *msg2 = NULL;
        CHECK(asprintf(&msg2, "%s:3: invalid duration 'x' for interval", nul) > 0);
        check_load(nul, -EINVAL, E(msg, msg2));
}

/* StrictModes: a file, a drop-in directory or a directory above them that
 * anyone but root can change is refused, with the path and the reason. */
static void test_trust(const char *dir) {
        _cleanup_free_ char *sub = path_join(dir, "trust"), *main_path = NULL, *d = NULL, *drop = NULL;
        _cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL, *m6 = NULL;
        Config *c = NULL;

        CHECK(mkdir(sub, 0755) == 0);
        main_path = path_join(sub, "t.conf");
        d = path_join(sub, "t.conf.d");
        drop = path_join(d, "10-x.conf");
        WRITE(sub, "t.conf", "[check a]\ntype = tcp\nport = 1\n");
        CHECK_INT(config_load(main_path, &c, NULL), 0);
        c = config_free(c);

        CHECK(chmod(main_path, 0666) == 0);
        CHECK(asprintf(&m1, "%s: not trusted: %s is writable by everyone (mode 0666)", main_path, main_path) > 0);
        check_load(main_path, -EPERM, E(m1));
        CHECK(chmod(main_path, 0664) == 0); /* group root may write: root's */
        CHECK_INT(config_load(main_path, &c, NULL), 0);
        c = config_free(c);
        CHECK(chown(main_path, 0, 65534) == 0);
        CHECK(asprintf(&m2, "%s: not trusted: %s is writable by group 65534 (mode 0664)", main_path, main_path) > 0);
        check_load(main_path, -EPERM, E(m2));
        CHECK(chmod(main_path, 0644) == 0 && chown(main_path, 65534, 0) == 0);
        CHECK(asprintf(&m3, "%s: not trusted: %s is owned by uid 65534, not by root", main_path, main_path) > 0);
        check_load(main_path, -EPERM, E(m3));
        CHECK(chown(main_path, 0, 0) == 0);

        /* A directory above: anyone could replace the file. Sticky (as /tmp) is fine. */
        CHECK(chmod(sub, 0777) == 0);
        CHECK(asprintf(&m4, "%s: not trusted: %s is writable by everyone (mode 0777)", main_path, sub) > 0);
        check_load(main_path, -EPERM, E(m4));
        CHECK(chmod(sub, 01777) == 0);
        CHECK_INT(config_load(main_path, &c, NULL), 0);
        c = config_free(c);
        CHECK(chmod(sub, 0755) == 0);

        /* The drop-in directory itself, and a drop-in file. */
        CHECK(mkdir(d, 0755) == 0);
        WRITE(d, "10-x.conf", "[check a]\nport = 2\n");
        CHECK(chmod(d, 01777) == 0); /* sticky is no excuse for the directory that is read */
        CHECK(asprintf(&m5, "%s: not trusted: %s is writable by everyone (mode 1777)", d, d) > 0);
        check_load(main_path, -EPERM, E(m5));
        CHECK(chmod(d, 0755) == 0 && chmod(drop, 0646) == 0);
        CHECK(asprintf(&m6, "%s: not trusted: %s is writable by everyone (mode 0646)", drop, drop) > 0);
        check_load(main_path, -EPERM, E(m6));
        CHECK(chmod(drop, 0644) == 0);
        CHECK_INT(config_load(main_path, &c, NULL), 0);
        CHECK(c && c->checks[0].port == 2);
        c = config_free(c);
}

static void test_notify(const char *dir);

static void test_files(void) {
        char dir[] = "/tmp/test-config.XXXXXX";

        if (!mkdtemp(dir)) {
                CHECK(!"mkdtemp");
                return;
        }
        test_dropins(dir);
        test_dropin_errors(dir);
        test_missing(dir);
        test_notify(dir);
        if (geteuid() == 0) /* chown */
                test_trust(dir);
        else
                printf("test_trust skipped: needs root\n");
        CHECK(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

/* Channels and the heartbeat: defaults, repeated headers, secrets, drop-ins. */
static void test_notify(const char *dir) {
        _cleanup_free_ char *main_path = path_join(dir, "n.conf"), *d = path_join(dir, "n.conf.d");
        _cleanup_free_ char *secret = path_join(dir, "token"), *text = NULL, *msg = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        ConfigErrors e = {};

        c = load_good("[check a]\ntype = tcp\nport = 1\n");
        CHECK(c && c->n_channels == 0 && !c->heartbeat_url && c->heartbeat_report_failures && !c->heartbeat_start);
        CHECK(c && c->reminder == 4 * USEC_PER_HOUR && c->outbox_max == 1000 && c->heartbeat_method == HEARTBEAT_POST);
        CHECK(c && !c->metrics_listen && !c->metrics_textfile); /* metrics are off by default */
        c = config_free(c);
        c = load_good("[supervisor]\nmetrics_listen = 9187\nmetrics_textfile = /run/x.prom\n"
                      "[check a]\ntype = tcp\nport = 1\n");
        CHECK(c && streq_ptr(c->metrics_listen, "9187") && streq_ptr(c->metrics_textfile, "/run/x.prom"));
        c = config_free(c);

        WRITE(dir, "token", "Authorization: Bearer s3cret\n");
        CHECK(chmod(secret, 0644) == 0);
        CHECK(asprintf(&text, "[supervisor]\nheartbeat_url = http://hb.example/p\nheartbeat_method = get\n"
                       "reminder = 0\n[notify ops]\ntype = webhook\nurl = http://h.example/\n"
                       "header = X-A: 1\nheader = X-B: 2\nheader_file = %s\n", secret) > 0);
        WRITE(dir, "n.conf", text);
        CHECK(asprintf(&msg, "%s:5: header_file '%s' is readable by every user (mode 0644): chmod o-r it, "
                       "it holds a secret in [notify ops]", main_path, secret) > 0);
        check_load(main_path, -EINVAL, E(msg));

        /* A FIFO (or any file that is not regular) is refused, never waited on. */
        _cleanup_free_ char *fifo = path_join(dir, "fifo"), *text2 = NULL, *msg2 = NULL;
        CHECK(mkfifo(fifo, 0600) == 0);
        CHECK(asprintf(&text2, "[notify ops]\ntype = ntfy\nurl = http://h.example/t\ntoken_file = %s\n", fifo) > 0);
        WRITE(dir, "n.conf", text2);
        CHECK(asprintf(&msg2, "%s:1: token_file '%s' is not a regular file in [notify ops]", main_path, fifo) > 0);
        check_load(main_path, -EINVAL, E(msg2));
        WRITE(dir, "n.conf", text);

        CHECK(chmod(secret, 0600) == 0);
        CHECK(mkdir(d, 0755) == 0);
        WRITE(d, "10-am.conf", "[notify ops]\nmin_severity = critical\n"
                               "[notify am]\ntype = alertmanager\nurl = http://127.0.0.1:9093/\n");
        CHECK_INT(config_load(main_path, &c, &e), 0);
        check_errors("notify drop-ins", &e, E(NULL));
        config_errors_clear(&e);
        if (!c)
                return;
        CHECK_STREQ(c->heartbeat_url, "http://hb.example/p");
        CHECK_INT(c->heartbeat_method, HEARTBEAT_GET);
        CHECK_INT(c->reminder, 0);
        CHECK_INT(c->n_channels, 2);
        if (c->n_channels != 2)
                return;
        CHECK_STREQ(c->channels[0].name, "ops");
        CHECK_INT(c->channels[0].min_severity, SEVERITY_CRITICAL); /* the drop-in's, key by key */
        CHECK_INT(c->channels[0].n_headers, 3);                     /* two given, one from the file */
        CHECK(c->channels[0].type == &channel_webhook);
        CHECK(c->channels[1].type == &channel_alertmanager);
        CHECK_INT(c->channels[1].min_severity, SEVERITY_WARNING);
}

/* Each check's pace: its own, its type's (dnsbl), else the cycle's. */
static void test_intervals(void) {
        Config *c = NULL;

        CHECK_INT(config_load_string("[supervisor]\ninterval = 30s\n"
                                     "[check a]\ntype = tcp\nport = 1\n"
                                     "[check b]\ntype = tcp\nport = 1\ninterval = 5min\ntimeout = 1min\n"
                                     "[check c]\ntype = dnsbl\naddress = 192.0.2.25\nzones = zen.spamhaus.org\n"
                                     "[check d]\ntype = dnsbl\naddress = 192.0.2.25\nzones = zen.spamhaus.org\n"
                                     "interval = 6h\n",
                                     "t.conf", &c, NULL), 0);
        CHECK(c && c->n_checks == 4);
        if (!c || c->n_checks != 4)
                return;
        CHECK_INT(c->checks[0].interval, 30 * USEC_PER_SEC);
        CHECK_INT(c->checks[1].interval, 5 * USEC_PER_MINUTE);
        CHECK_INT(c->checks[1].timeout, USEC_PER_MINUTE);
        CHECK_INT(c->checks[2].interval, USEC_PER_HOUR);
        CHECK_INT(c->checks[3].interval, 6 * USEC_PER_HOUR);
        config_free(c);
}

int main(void) {
        test_intervals();
        test_error_cases();
        test_long_lines();
        test_defaults();
        test_values();
        test_default_ports();
        test_sustained();
        test_embedded_default();
        test_actions();
        test_files();
        return tests_summary("test-config");
}
