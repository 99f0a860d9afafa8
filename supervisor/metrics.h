/* metrics.h: mailsupd's figures for Prometheus, one more subscriber.
 *
 * A fleet already runs Prometheus, Alertmanager and Grafana; mailsupd's
 * knowledge must reach them, not only one host's D-Bus and journal. This
 * subscriber to the news (news.h) keeps the few counters the checks do not
 * hold (restarts per unit by mailsupd and by systemd, deliveries and drops
 * per channel) and the values each probe measured with its last result,
 * and renders the exposition (metrics-page.c) for whoever asks: the
 * /metrics endpoint (metrics_listen, common/http-server.c) on mailsupd's
 * own loop, and the textfile (metrics_textfile) written atomically at the
 * end of every cycle for node_exporter. Restart counters survive a restart
 * of mailsupd (state_directory/metrics, metrics-counters.c); the rest
 * start over at zero, as Prometheus counters may.
 *
 * See also: metrics-internal.h, news.h, docs/ARCHITECTURE.md.
 */
#pragma once

#include "supervisor/supervisor.h"

/* Counters from the state directory, the listener and the textfile as the
 * configuration says; subscribes. A listener that cannot bind is logged
 * and left out: supervision goes on without it. */
int metrics_start(Supervisor *s);
void metrics_stop(Supervisor *s);
