/*
 * http_int.h -- internal: what request.c, form.c, response.c and serve.c
 * share.  Not part of the public header.
 */
#ifndef CSESS_HTTP_INT_H
#define CSESS_HTTP_INT_H

#include <sys/types.h>

#include "csess/http.h"

/* Django's DATA_UPLOAD_MAX_NUMBER_FIELDS: more fields is a 400. */
#define CS_FORM_MAX_FIELDS	1000

/* ---- form.c: decoded name/value lists ------------------------------ */

#define CS_FIELD_BAD_ESCAPE	0x01	/* a '%' not followed by two hex digits, kept literal */
#define CS_FIELD_NUL		0x02	/* a NUL byte: name or value is cut short there */

struct cs_field {
	char	*name;		/* NUL-terminated, decoded */
	char	*value;
	unsigned flags;		/* CS_FIELD_*, for the name and value together */
};

struct cs_form {
	struct cs_field	*fields;	/* in the order sent */
	size_t		 count;
	char		*mem;		/* one allocation behind every name and value */
};

/*
 * Parse an application/x-www-form-urlencoded string (a query string or a
 * POST body).  Only over max_fields (CS_ERR_BAD_REQUEST) or out of memory
 * does it fail, and then nothing is kept (form is empty); a field with a
 * malformed escape or a NUL is kept and flagged.
 */
int	 csi_form_parse(struct cs_form *, const char *s, size_t len,
	    size_t max_fields);
/* The nth (0-based) field named name, or NULL. */
const struct cs_field *csi_form_field(const struct cs_form *, const char *name,
	    size_t nth);
/* First value for name, or NULL. */
const char *csi_form_get(const struct cs_form *, const char *name);
void	 csi_form_free(struct cs_form *);

/* ---- request.c ----------------------------------------------------- */

/*
 * Where the body comes from.  read returns bytes read, 0 at end, -1 on
 * error.  When CONTENT_LENGTH is not set, len is used if has_len (for
 * cs_run_once), else the body is empty.
 */
struct cs_body_src {
	ssize_t	(*read)(void *ctx, void *buf, size_t n);
	void	*ctx;
	size_t	 len;
	bool	 has_len;
};

/* envp and src must outlive the request; nothing is copied from them. */
int	 csi_req_new(struct cs_req **, const struct cs_config *,
	    char *const *envp, const struct cs_body_src *);
/* Run the finish hooks once, in registration order. */
void	 csi_req_finish(struct cs_req *, struct cs_resp *);
/* Read and discard an unread request body (bounded), before answering. */
void	 csi_req_drain(struct cs_req *);
void	 csi_req_free(struct cs_req *);

/* ---- response.c ---------------------------------------------------- */

int	 csi_resp_new(struct cs_resp **);
void	 csi_resp_free(struct cs_resp *);
/* The CGI-style response; no body when head is true. */
int	 csi_resp_serialize(const struct cs_resp *, bool head, struct cs_buf *out);

#endif
