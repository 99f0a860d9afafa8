/* options.h: helpers for the probe types' own configuration keys.
 *
 * A type's parse_key/verify hooks (probe.h) report a bad value through a
 * malloc'd message that config.c places after "FILE:LINE: " and before
 * " in [check NAME]"; these keep that wording uniform across types.
 *
 * See also: probes/probe.h, notify/channel.h, supervisor/config.c.
 */
#pragma once

#include "common/util.h"

#define sizeof_field(type, field) sizeof(((type *) 0)->field)

/* Sets *error to the formatted message; returns -EINVAL. */
int option_error(char **error, const char *fmt, ...) _printf_(2, 3);

/* yes/no, true/false, on/off, 1/0. */
int option_parse_bool(const char *key, const char *value, bool *ret, char **error);

/* Replaces *dst with a copy of value. */
void option_set_string(char **dst, const char *value);

/* Zeroed options of the given size in c->options, allocated on first use. */
void *option_get(void **options, size_t size);

/* "host:port" or "[v6]:port", numeric only (no lookup on the loop); port
 * defaults to default_port. Writes the normalized "host:port" form that
 * c-ares' ares_set_servers_ports_csv() takes. */
int option_parse_hostport(const char *key, const char *value, uint16_t default_port, char *buf,
                          size_t size, char **error);

/* An absolute path that fits a unix socket's address (sun_path), into *ret. */
int option_parse_socket_path(const char *key, const char *value, char **ret, char **error);

/* "50MB", "512k", "1.5G" is not accepted: an integer and an optional unit
 * B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB, all 1024-based, case-insensitive. */
int option_parse_size(const char *key, const char *value, uint64_t *ret, char **error);

/* "0", "1000000": a plain decimal count. */
int option_parse_count(const char *key, const char *value, uint64_t *ret, char **error);

/* The certificate keys of the TLS-using types: ca_file (an absolute path)
 * and cert_warn_days (a count of days, at most 3650). -ENOENT for any
 * other key. */
int option_parse_cert_key(const char *key, const char *value, char **ca_file, uint64_t *cert_warn_days,
                          bool *cert_warn_days_set, char **error);

/* A secret file (password_file, token_file): a regular file, not a
 * symlink, that others cannot read, of fewer than size - 1 bytes, into
 * buf (NUL-terminated). Errors name key and path: "password_file
 * '/etc/x' is readable by every user (mode 0644): chmod o-r it". */
#define OPTION_SECRET_MAX 8192
int option_read_secret(const char *key, const char *path, char *buf, size_t size, char **error);
