/*
 * csess/template.h -- the programs' HTML pages.
 *
 * Built-in pages look decent with no setup.  With TEMPLATE_DIR set, a file
 * <TEMPLATE_DIR>/<name>.html replaces the built-in page of that name.
 * Placeholders are {{name}} (spaces inside the braces allowed) and are
 * ALWAYS HTML-escaped: a template cannot inject markup from a value.  An
 * unknown placeholder renders as nothing.
 */
#ifndef CSESS_TEMPLATE_H
#define CSESS_TEMPLATE_H

#include "base.h"
#include "config.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

struct cs_tvar {
	const char	*name;
	const char	*value;		/* NULL renders as nothing */
};

/*
 * Render template name ("login", "protected", "logout", "message") with
 * vars into out.  CS_ERR_NOT_FOUND for an unknown name with no file,
 * CS_ERR_IO when TEMPLATE_DIR is not a directory or has the file but it
 * cannot be read,
 * CS_ERR_TOO_LARGE for a template file over 1 MiB.
 */
int	 cs_template_render(struct cs_buf *out, const struct cs_config *cfg,
	    const char *name, const struct cs_tvar *vars, size_t nvars);

/* Expand {{name}} placeholders of text (escaping values) into out. */
int	 cs_template_expand(struct cs_buf *out, const char *text,
	    const struct cs_tvar *vars, size_t nvars);

struct cs_resp;

/*
 * Render template name into resp's body with status code (HTML content
 * type); a rendering failure becomes a plain 500 page.
 */
int	 cs_template_respond(struct cs_resp *, const struct cs_config *cfg,
	    int code, const char *name, const struct cs_tvar *vars, size_t nvars);

#pragma GCC visibility pop
#endif
