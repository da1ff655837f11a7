/*
 * csess/http.h -- one request/response path for CGI and FastCGI.
 *
 * A handler is a function of a request and a response.  It never writes
 * to stdout and never knows the transport: cs_serve() reads the request
 * from the CGI environment and stdin, or from libfcgi's FCGX_Accept_r loop
 * (told apart at run time), calls the handler, runs the finish hooks
 * (e.g. the session middleware step) once, and writes the response.
 */
#ifndef CSESS_HTTP_H
#define CSESS_HTTP_H

#include "base.h"
#include "config.h"
#include "cookie.h"

struct cs_req;
struct cs_resp;

/* ---- request ------------------------------------------------------- */

/* Variables as the server passed them (CGI meta-variables, HTTP_*). */
const char *cs_req_env(const struct cs_req *, const char *name);
const char *cs_req_method(const struct cs_req *);	/* "GET" when unset */
/* Path the client asked for, without the query: REQUEST_URI up to '?',
 * else SCRIPT_NAME + PATH_INFO. Never NULL ("/" at worst). */
const char *cs_req_path(const struct cs_req *);
const char *cs_req_query_string(const struct cs_req *);	/* "" when none */
/* Request header by its HTTP name ("Cookie", "X-Requested-With"), from HTTP_*. */
const char *cs_req_header(const struct cs_req *, const char *name);
const char *cs_req_remote_addr(const struct cs_req *);	/* "" when unknown */
bool	    cs_req_is_https(const struct cs_req *);	/* HTTPS=on, or REQUEST_SCHEME/X-Forwarded-Proto not trusted */
const struct cs_config *cs_req_config(const struct cs_req *);

/* Cookies, parsed once on first use. On CS_ERR_TOO_LARGE the request has
 * no cookies (a handler may answer 400/431). */
int	    cs_req_cookies(struct cs_req *, const struct cs_cookies **out);
const char *cs_req_cookie(struct cs_req *, const char *name);	/* first, or NULL */

/* Query-string parameters (percent-decoded, '+' = space), parsed once.
 * CS_ERR_BAD_REQUEST for malformed percent escapes. */
int	    cs_req_query(struct cs_req *, const char *name, const char **value);
/* application/x-www-form-urlencoded POST body, read and parsed once.
 * CS_ERR_TOO_LARGE (413) over DATA_UPLOAD_MAX_MEMORY_SIZE,
 * CS_ERR_MEDIA_TYPE (415) for another Content-Type,
 * CS_ERR_BAD_REQUEST (400) for malformed escapes.
 * *value is NULL (and CS_ERR_NOT_FOUND returned) when absent. */
int	    cs_req_form(struct cs_req *, const char *name, const char **value);

/* Per-request storage for modules (the session, CSRF...): a slot per key
 * address, freed with the request by the given destructor. */
void	   *cs_req_slot(const struct cs_req *, const void *key);
int	    cs_req_set_slot(struct cs_req *, const void *key, void *value,
	        void (*destroy)(void *));

/* Hooks run once after the handler, in registration order, before the
 * response is written (the session middleware step registers one). */
typedef void cs_finish_fn(struct cs_req *, struct cs_resp *, void *arg);
int	    cs_req_on_finish(struct cs_req *, cs_finish_fn *, void *arg);

/* ---- response ------------------------------------------------------ */

void	 cs_resp_status(struct cs_resp *, int code);	/* default 200 */
int	 cs_resp_get_status(const struct cs_resp *);
/* Set a header, replacing any with the same name (case-insensitive).
 * CS_ERR_INVALID for names that are not tokens or values with CR/LF/CTL. */
int	 cs_resp_header(struct cs_resp *, const char *name, const char *value);
/* Append another field with that name (kept alongside earlier ones). */
int	 cs_resp_add_header(struct cs_resp *, const char *name, const char *value);
const char *cs_resp_get_header(const struct cs_resp *, const char *name);
/* Add a token to Vary (no duplicates). */
int	 cs_resp_vary(struct cs_resp *, const char *token);
/* Set-Cookie: one field per cookie; setting a name again replaces it. */
int	 cs_resp_set_cookie(struct cs_resp *, const struct cs_set_cookie *);
int	 cs_resp_delete_cookie(struct cs_resp *, const char *name,
	    const char *path, const char *domain, enum cs_samesite);
/* Serialized Set-Cookie value for name, or NULL. */
const char *cs_resp_get_cookie(const struct cs_resp *, const char *name);

int	 cs_resp_write(struct cs_resp *, const void *, size_t);
int	 cs_resp_puts(struct cs_resp *, const char *);
int	 cs_resp_printf(struct cs_resp *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Append s HTML-escaped (& < > " ' escaped). */
int	 cs_resp_puts_html(struct cs_resp *, const char *s);
void	 cs_resp_clear_body(struct cs_resp *);
/* 302/303 to location (validated: no CR/LF), with a tiny body. */
int	 cs_resp_redirect(struct cs_resp *, int code, const char *location);
/* A whole small HTML error page for code, with a message (escaped). */
int	 cs_resp_error(struct cs_resp *, int code, const char *message);

int	 cs_html_escape(struct cs_buf *out, const char *s);
const char *cs_status_reason(int code);

/* ---- running -------------------------------------------------------- */

typedef void cs_handler_fn(struct cs_req *, struct cs_resp *, void *arg);

/*
 * Serve requests with handler until the transport ends: one request under
 * CGI, the FCGX_Accept_r loop under FastCGI.  Loads the configuration once
 * per process; a configuration error answers 500 and is logged to stderr.
 * Returns the process exit status.
 */
int	 cs_serve(cs_handler_fn *handler, void *arg);

/*
 * Run one request from explicit parts (what cs_serve does per request);
 * for tests and embedding.  envp: "NAME=value" strings, NULL-terminated.
 * The whole CGI-style response (Status:, headers, blank line, body) is
 * appended to out.
 */
int	 cs_run_once(const struct cs_config *cfg, char *const *envp,
	    const void *body, size_t body_len, cs_handler_fn *handler, void *arg,
	    struct cs_buf *out);

#endif
