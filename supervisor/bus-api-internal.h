/* bus-api-internal.h: what the files of mailsupd's D-Bus API share.
 *
 * bus-api.c registers the object and holds the privileged methods;
 * bus-api-read.c the read methods everyone may call. See bus-api.h.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "supervisor/bus-api.h"
#include "supervisor/supervisor.h"

int method_list_checks(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_get_check(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_get_supervisor(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* Append one "{sv}" entry; type is the variant's signature, then its value(s). */
int bus_dict_append(sd_bus_message *m, const char *key, const char *type, ...);
/* Append "{sv}" with an "as" value. */
int bus_dict_append_strv(sd_bus_message *m, const char *key, char **strv);

/* A check by name, or NULL with a NoSuchCheck error set. */
Check *bus_find_check(Supervisor *s, const char *name, sd_bus_error *error);
/* The same for the call's first argument (a check's name): 0, or <0 (-ENOENT with the error set). */
int bus_read_check(sd_bus_message *m, Supervisor *s, Check **ret, sd_bus_error *error);

/* Reply to m with one array of contents, its items appended by fill. */
typedef int (*bus_fill_t)(sd_bus_message *reply, const Supervisor *s, const Check *c);
int bus_reply_array(sd_bus_message *m, const char *contents, bus_fill_t fill, const Supervisor *s, const Check *c);
