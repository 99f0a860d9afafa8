/* main.c: mailsupd's command line and start-up.
 *
 * Reads and validates the configuration first: an invalid one is refused
 * with every FILE:LINE error, before anything is watched or restarted, so
 * a typo is found when the admin runs --check-config or restarts the unit,
 * not weeks later when a service dies unwatched.
 *
 * See also: config.h, supervisor.c.
 */
#include <getopt.h>
#include <sys/resource.h>

#include "supervisor/config.h"
#include "common/log.h"
#include "supervisor/grants.h"
#include "supervisor/listen-discover.h"
#include "supervisor/polkit-rule.h"
#include "supervisor/supervisor.h"

static void help(void) {
        printf("Usage: mailsupd [OPTIONS]\n\n"
               "Watch mail services by their own protocols and restart their systemd units.\n\n"
               "  -c, --config FILE          read FILE (and FILE.d/*.conf) instead of\n"
               "                             " CONFIG_DEFAULT_PATH "\n"
               "      --check-config         validate the configuration and exit\n"
               "      --print-default-config print the embedded default configuration\n"
               "      --print-polkit-rule    print the polkit rule for the configuration\n"
               "      --write-polkit-rule[=FILE] write it to FILE (" POLKIT_RULE_PATH ")\n"
               "      --list-config-keys     print every configuration key this mailsupd accepts,\n"
               "                             one a line: 'supervisor KEY', 'check KEY',\n"
               "                             'check:TYPE KEY', 'notify KEY', 'notify:TYPE KEY'\n"
               "                             (for documentation checks and shell completion)\n"
               "  -v, --verbose              log debug messages\n"
               "  -h, --help                 show this help\n"
               "      --version              show the version\n");
}

typedef struct Args {
        const char *config, *polkit_rule;
        bool check_config, print_default, list_keys, verbose;
} Args;

/* Returns 1 to continue, 0 to exit successfully, <0 on a usage error. */
static int parse_args(int argc, char *argv[], Args *a) {
        enum { ARG_CHECK = 0x100, ARG_DEFAULT, ARG_KEYS, ARG_VERSION, ARG_PRINT_POLKIT, ARG_WRITE_POLKIT };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "check-config", no_argument, NULL, ARG_CHECK },
                { "print-default-config", no_argument, NULL, ARG_DEFAULT },
                { "print-polkit-rule", no_argument, NULL, ARG_PRINT_POLKIT },
                { "write-polkit-rule", optional_argument, NULL, ARG_WRITE_POLKIT },
                { "list-config-keys", no_argument, NULL, ARG_KEYS },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:vh", options, NULL)) >= 0)
                switch (c) {
                case 'c': a->config = optarg; break;
                case ARG_CHECK: a->check_config = true; break;
                case ARG_DEFAULT: a->print_default = true; break;
                case ARG_PRINT_POLKIT: a->polkit_rule = "-"; break;
                case ARG_WRITE_POLKIT: a->polkit_rule = optarg ?: POLKIT_RULE_PATH; break;
                case ARG_KEYS: a->list_keys = true; break;
                case 'v': a->verbose = true; break;
                case 'h': help(); return 0;
                case ARG_VERSION: printf("mailsupd %s\n", MAILSUP_VERSION); return 0;
                case ':':
                        fprintf(stderr, "mailsupd: option '%s' needs an argument\n", argv[optind - 1]);
                        return -EINVAL;
                default:
                        fprintf(stderr, "mailsupd: unknown option '%s' (see mailsupd --help)\n", argv[optind - 1]);
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "mailsupd: unexpected argument '%s' (see mailsupd --help)\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* Every check in flight holds a socket: a thousand checks need more than the
 * customary soft limit of 1024 fds. We use epoll only, never select(). */
static void raise_fd_limit(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
}

/* What listen_from finds on this host, as comments after the default. */
static void print_found_listeners(void) {
        printf("\n# listen_from on this host (read now; mailsupd reads them again at start):\n");
        for (int i = 0; i < _LISTEN_SERVICE_MAX; i++) {
                char found[512];
                Listen l;

                if (i == LISTEN_DOVECOT)
                        continue;
                (void) listen_discover((ListenService) i, &l, found, sizeof(found));
                printf("#   %s: %s\n", listen_service_to_string((ListenService) i), found);
        }
        for (int i = 0; i < 2; i++) {
                const char *protocol = i == 0 ? "imap" : "lmtp";
                char found[512];
                Listen l;

                (void) listen_discover_dovecot(protocol, &l, found, sizeof(found));
                printf("#   dovecot (%s): %s\n", protocol, found);
        }
}

int main(int argc, char *argv[]) {
        _cleanup_(config_freep) Config *config = NULL;
        ConfigErrors errors = {};
        Supervisor *s = NULL;
        Args a = {};
        int r;

        r = parse_args(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        log_setup(a.verbose);
        if (a.print_default) {
                fputs(config_default_text(), stdout);
                print_found_listeners();
                return 0;
        }
        if (a.list_keys) {
                config_list_keys(stdout);
                return 0;
        }

        if (a.polkit_rule)
                return polkit_rule_main(a.config, streq(a.polkit_rule, "-") ? NULL : a.polkit_rule,
                                        POLKIT_RULE_USER);
        r = config_load(a.config, &config, &errors);
        if (r < 0) {
                config_errors_print(&errors, stderr);
                if (errors.n == 0)
                        fprintf(stderr, "mailsupd: cannot load configuration: %s\n", strerror(-r));
                fprintf(stderr, "mailsupd: configuration invalid, %zu error%s; nothing is watched\n",
                        errors.n, errors.n == 1 ? "" : "s");
                config_errors_clear(&errors);
                return 1;
        }
        if (a.check_config) {
                printf("%s: ok, %zu checks\n", config->path ? config->path : "embedded default",
                       config->n_checks);
                for (size_t i = 0; i < config->n_checks; i++)
                        if (config->checks[i].listen_found)
                                printf("  [check %s] listen_from %s\n", config->checks[i].name,
                                       config->checks[i].listen_found);
                (void) grants_report(config, stderr); /* warnings: the configuration is valid */
                return 0;
        }

        supervisor_log_listeners(config);
        raise_fd_limit();
        r = supervisor_new(TAKE_PTR(config), a.config, &s);
        if (r < 0)
                return 1;
        r = supervisor_run(s);
        supervisor_free(s);
        return r == 0 ? 0 : 1; /* the loop exits non-zero when the bus is lost */
}
