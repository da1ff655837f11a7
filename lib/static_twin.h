/*
 * static_twin.h -- internal: a statically linked program (cgi-bin/gate)
 * and its dynamically linked twin, for the configurations that load shared
 * libraries (static_twin.c says why a static program must not).
 */
#ifndef CSESS_STATIC_TWIN_H
#define CSESS_STATIC_TWIN_H

#include <stdbool.h>
#include <stddef.h>

#include "csess/config.h"

#pragma GCC visibility push(hidden)

/* Whether this process was linked statically (no ld.so mapped). */
bool	 csi_static_program(void);
/* Why serving cfg would load a shared library, or NULL. */
const char *csi_config_loads_libraries(const struct cs_config *);
/* Executes the twin the static program carries (cgi-bin/twin.S) with
 * main's argv; returns only when there is none or it failed (logged, with
 * why).  cs_serve() calls it when the configuration loads libraries. */
void	 csi_static_twin_exec(const char *why);

#pragma GCC visibility pop

#endif
