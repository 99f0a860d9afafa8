/* url.h: URLs as libcurl parses them, checked once for every part.
 *
 * A URL that mailsup accepts at config time must be one libcurl takes at
 * 3am: the http probe's, every channel's and the heartbeat's are parsed by
 * curl_url() here, never by prefix tests of our own. No name is resolved.
 *
 * See also: probes/http-options.c, notify/channel-config.c, notify/heartbeat.c.
 */
#pragma once

#include "common/util.h"

/* An absolute http:// or https:// URL with a host, without blanks. */
bool url_is_http(const char *url);

/* The URL's scheme, host and path ("/" when none; malloc'd), or -EINVAL
 * when libcurl does not parse it, -EOPNOTSUPP when libcurl cannot be
 * loaded (dl-curl.h; said in the log); any ret may be NULL. */
int url_split(const char *url, char **ret_scheme, char **ret_host, char **ret_path);
