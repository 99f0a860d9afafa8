/* imap.c: placeholder until the imap probe lands (being written now). */
#include "probes/probe.h"

static int start(Probe *p) {
        return -EOPNOTSUPP;
}

const ProbeType probe_type_imap = {
        .name = "imap",
        .needs_port = true,
        .start = start,
};
