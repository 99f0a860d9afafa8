/* ctl.h: what the files of mailsupctl share.
 *
 * mailsupctl.c parses the command line and dispatches; ctl-status.c shows
 * the state; ctl-commands.c holds reset, reload and test-alert; ctl-live.c
 * the commands that wait for signals (drill, follow); ctl-dict.c reads the
 * a{sv} dictionaries of the API and writes JSON; ctl-format.c times and
 * colors.
 *
 * See also: supervisor/bus-api.h (the API mailsupctl talks to).
 */
#pragma once

#include <systemd/sd-bus.h>

#include "supervisor/bus-api.h"
#include "common/json.h"
#include "common/util.h"

/* Exit statuses, in the spirit of systemctl is-active. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_ERROR 1
#define CTL_EXIT_NOT_OK 3       /* status: a check is failing, restarting or disabled; drill: it failed */

typedef struct Ctl {
        sd_bus *bus;
        bool user;              /* --user: the user bus */
        bool json;              /* --json */
        bool yes;               /* --yes: confirmed */
        bool all;               /* --all */
        bool color;             /* a terminal, and no NO_COLOR */
} Ctl;

/* Call a method of mailsupd; on failure prints why (mailsupd not running,
 * access denied, no such check, ...) and returns a negative errno. */
int ctl_call(Ctl *ctl, const char *method, sd_bus_message **reply, const char *types, ...);
/* Print a failed call's error the way an operator should read it. */
void ctl_print_error(const Ctl *ctl, const char *method, const sd_bus_error *error, int r);
const char *ctl_bus_name(const Ctl *ctl);

/* ANSI color for a check state (or "" without color), and the reset. */
const char *ctl_state_color(const Ctl *ctl, const char *state);
const char *ctl_normal(const Ctl *ctl);
const char *ctl_dot(const Ctl *ctl); /* "● " on a terminal, else "" */

/* "3s ago", "in 2s", "never" for a CLOCK_REALTIME point in µs. */
const char *ctl_format_relative(char *buf, size_t size, usec_t when);
/* "Tue 2026-11-24 14:00:01 UTC", or "never". */
const char *ctl_format_timestamp(char *buf, size_t size, usec_t when);
/* "1.2ms", "2.5s", "-" for 0. */
const char *ctl_format_latency(char *buf, size_t size, usec_t latency);

/* An a{sv} read into memory: strings, numbers, booleans, string lists and
 * string->number maps, which is all the API uses. */
typedef enum CtlValueKind { CTL_STR, CTL_NUM, CTL_BOOL, CTL_STRV, CTL_MAP } CtlValueKind;
typedef struct CtlEntry {
        char *key;
        CtlValueKind kind;
        char *str;
        uint64_t num;           /* CTL_NUM, CTL_BOOL */
        char **strv;            /* CTL_STRV; CTL_MAP: the keys */
        uint64_t *nums;         /* CTL_MAP: the values */
        size_t n;               /* CTL_STRV, CTL_MAP */
} CtlEntry;
typedef struct CtlDict {
        CtlEntry *entries;
        size_t n;
} CtlDict;

int ctl_dict_read(sd_bus_message *m, CtlDict *ret);
void ctl_dict_done(CtlDict *d);
const char *ctl_dict_str(const CtlDict *d, const char *key);    /* "" when missing */
uint64_t ctl_dict_num(const CtlDict *d, const char *key);       /* 0 when missing */
const CtlEntry *ctl_dict_get(const CtlDict *d, const char *key);

/* JSON output (strings through common/json.h's json_fprint_string()). */
void json_dict(FILE *f, const CtlDict *d);

/* One row of ListChecks. */
typedef struct CheckRow {
        const char *name, *type, *unit, *state, *action, *reason;
        uint64_t latency, last_change;
        uint32_t failures, restarts, window, limit;
        uint64_t next_probe;
} CheckRow;
int ctl_read_row(sd_bus_message *reply, CheckRow *c);
void json_row(FILE *f, const CheckRow *c);

int cmd_status(Ctl *ctl, char **args, int n);
int cmd_list_checks(Ctl *ctl, char **args, int n);
int cmd_reset(Ctl *ctl, char **args, int n);
int cmd_reload(Ctl *ctl, char **args, int n);
int cmd_test_alert(Ctl *ctl, char **args, int n);
int cmd_drill(Ctl *ctl, char **args, int n);
int cmd_follow(Ctl *ctl, char **args, int n);
