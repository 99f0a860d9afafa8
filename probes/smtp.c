/* smtp.c: placeholder until the smtp probe lands (being written now). */
#include "probes/probe.h"

static int start(Probe *p) {
        return -EOPNOTSUPP;
}

const ProbeType probe_type_smtp = {
        .name = "smtp",
        .needs_port = true,
        .start = start,
};
