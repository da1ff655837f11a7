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

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

struct cs_req;
struct cs_resp;

/* ---- request ------------------------------------------------------- */

/* Variables as the server passed them (CGI meta-variables, HTTP_*). */
const char *cs_req_env(const struct cs_req *, const char *name);
const char *cs_req_method(const struct cs_req *);	/* "GET" when unset */
/* Path the client asked for, without the query: REQUEST_URI up to '?',
 * else SCRIPT_NAME + PATH_INFO. Never NULL ("/" at worst).  From
 * REQUEST_URI it is as the client sent it (not percent-decoded): fit to
 * be re-encoded into a "next" parameter, not to open files with. */
const char *cs_req_path(const struct cs_req *);
const char *cs_req_query_string(const struct cs_req *);	/* "" when none */
/* Request header by its HTTP name ("Cookie", "X-Requested-With"), from HTTP_*
 * (Content-Type and Content-Length from CONTENT_TYPE, CONTENT_LENGTH). */
const char *cs_req_header(const struct cs_req *, const char *name);
const char *cs_req_remote_addr(const struct cs_req *);	/* "" when unknown */
/* HTTPS=on (or 1), or REQUEST_SCHEME=https.  X-Forwarded-Proto is a
 * request header any client can send: it is not trusted. */
bool	    cs_req_is_https(const struct cs_req *);
const struct cs_config *cs_req_config(const struct cs_req *);

/* Cookies, parsed once on first use. On CS_ERR_TOO_LARGE the request has
 * no cookies (a handler may answer 400/431). */
int	    cs_req_cookies(struct cs_req *, const struct cs_cookies **out);
const char *cs_req_cookie(struct cs_req *, const char *name);	/* first, or NULL */

/* Query-string parameters (percent-decoded, '+' = space), parsed once;
 * the first of repeated names wins, "a" is a with an empty value.
 * CS_ERR_NOT_FOUND (and *value NULL) when absent.  CS_ERR_BAD_REQUEST
 * for more than 1000 fields (Django's DATA_UPLOAD_MAX_NUMBER_FIELDS),
 * whatever the name; and for this field alone when it holds a malformed
 * escape ("%", "%4", "%zz": *value is then the text as Django's QueryDict
 * reads it, the escape left literal) or a NUL after decoding (*value
 * NULL).  Other fields read normally: one bad field spoils only itself. */
int	    cs_req_query(struct cs_req *, const char *name, const char **value);
/* application/x-www-form-urlencoded POST body, read and parsed once,
 * with the rules of cs_req_query.  Content-Type matches in any case and
 * may carry parameters ("; charset=utf-8"); only a POST has a form (other
 * methods: CS_ERR_NOT_FOUND without reading anything).
 * CS_ERR_TOO_LARGE (413) over DATA_UPLOAD_MAX_MEMORY_SIZE (checked on
 * CONTENT_LENGTH before reading), CS_ERR_MEDIA_TYPE (415) for another
 * Content-Type, or none with a non-empty body (multipart is not
 * supported), CS_ERR_BAD_REQUEST (400) for malformed input (a raw NUL in
 * the body spoils the whole form), CS_ERR_IO (400) when the client sent
 * less than CONTENT_LENGTH.
 * *value is NULL (and CS_ERR_NOT_FOUND returned) when absent. */
int	    cs_req_form(struct cs_req *, const char *name, const char **value);

/*
 * Django's request.GET.get(name, default) and request.POST.get(name,
 * default): the first value, or def (which may be NULL) whenever
 * cs_req_query / cs_req_form would not answer CS_OK -- absent, malformed,
 * or a body that could not be read.  Use those two to tell which.
 *
 *	user = cs_req_form_get(req, "username", "");
 */
const char *cs_req_query_get(struct cs_req *, const char *name, const char *def);
const char *cs_req_form_get(struct cs_req *, const char *name, const char *def);
/*
 * Django's getlist(name): every value of a repeated field, in the order
 * sent.  The first max go into values[]; *n is how many there are (it may
 * exceed max, as snprintf's result does).  CS_ERR_NOT_FOUND (*n 0) when
 * there is none; CS_ERR_BAD_REQUEST when any of them is malformed (each
 * still stored as cs_req_query would give it: literal text, or NULL for
 * a NUL); the errors of cs_req_query / cs_req_form otherwise.
 */
int	    cs_req_query_getlist(struct cs_req *, const char *name,
	        const char **values, size_t max, size_t *n);
int	    cs_req_form_getlist(struct cs_req *, const char *name,
	        const char **values, size_t max, size_t *n);

/* The raw body (CONTENT_LENGTH bytes, NUL-terminated for convenience),
 * read once, whatever the method and Content-Type: CS_ERR_TOO_LARGE over
 * DATA_UPLOAD_MAX_MEMORY_SIZE (nothing read), CS_ERR_BAD_REQUEST for a
 * CONTENT_LENGTH that is not digits, CS_ERR_IO for a short body.  *data
 * is never NULL. */
int	    cs_req_body(struct cs_req *, const char **data, size_t *len);

/* Per-request storage for modules (the session, CSRF...): a slot per key
 * address, freed with the request by the given destructor (slots are freed
 * in reverse order of creation; setting a slot again frees the old value).
 * CS_ERR_NOMEM leaves value with the caller, who frees it. */
void	   *cs_req_slot(const struct cs_req *, const void *key);
int	    cs_req_set_slot(struct cs_req *, const void *key, void *value,
	        void (*destroy)(void *));

/* Hooks run once after the handler, in registration order, before the
 * response is written (the session middleware step registers one).  They
 * run whatever the status (error pages too) and may read or change it;
 * a hook registered by a hook runs in the same pass. */
typedef void cs_finish_fn(struct cs_req *, struct cs_resp *, void *arg);
int	    cs_req_on_finish(struct cs_req *, cs_finish_fn *, void *arg);

/* ---- response ------------------------------------------------------ */

void	 cs_resp_status(struct cs_resp *, int code);	/* default 200 */
int	 cs_resp_get_status(const struct cs_resp *);
/* Set a header, replacing any with the same name (case-insensitive).
 * CS_ERR_INVALID for names that are not tokens or values with CR/LF/CTL,
 * and for Status, Content-Length (computed from the body) and Set-Cookie
 * (use cs_resp_set_cookie).  Content-Type defaults to
 * "text/html; charset=utf-8".  Nothing else is added: caching headers
 * (Cache-Control: private...) are the handler's choice. */
int	 cs_resp_header(struct cs_resp *, const char *name, const char *value);
/* Append another field with that name (kept alongside earlier ones). */
int	 cs_resp_add_header(struct cs_resp *, const char *name, const char *value);
const char *cs_resp_get_header(const struct cs_resp *, const char *name);
/* Add a token to Vary (no duplicates, case-insensitive; nothing after "*"). */
int	 cs_resp_vary(struct cs_resp *, const char *token);
/* Set-Cookie: one field per cookie; setting a name again replaces it
 * (as Django's response.cookies, whatever the path or domain).
 * CS_ERR_INVALID (nothing set) when cs_set_cookie_format refuses.
 * With Django's set_cookie defaults, which cs_set_cookie_format (the bare
 * serializer) does not add: a NULL path is Path=/ ("" writes no Path),
 * and has_expires without has_max_age (an expires datetime) also writes
 * Max-Age=expires-now (0 when past) and expires=now+Max-Age.  Start from
 * CS_SET_COOKIE_INIT for HttpOnly and SameSite=Lax as well. */
int	 cs_resp_set_cookie(struct cs_resp *, const struct cs_set_cookie *);
/* Django's delete_cookie(name, path, domain, samesite); a NULL path is "/". */
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
/* 301/302/303/307/308 to location (validated: not empty, no CR/LF/CTL),
 * with a tiny body; CS_ERR_INVALID for another code or a bad location.
 * Whether the location is safe (local) is the caller's business. */
int	 cs_resp_redirect(struct cs_resp *, int code, const char *location);
/* A whole small HTML error page for code, with a message (escaped);
 * replaces the body and sets the status. */
int	 cs_resp_error(struct cs_resp *, int code, const char *message);

/* Django's escape(): & < > " ' as &amp; &lt; &gt; &quot; &#x27;. */
int	 cs_html_escape(struct cs_buf *out, const char *s);
const char *cs_status_reason(int code);		/* "Unknown" for codes it lacks */

/* The status a handler should answer for a csess error: BAD_REQUEST,
 * INVALID, CONFLICT, BAD_SIGNATURE, EXPIRED, IO -> 400; NOT_FOUND -> 404;
 * EXISTS -> 409; TOO_LARGE -> 413; MEDIA_TYPE -> 415; STORE -> 503;
 * anything else -> 500; CS_OK -> 200.  A default, not a rule. */
int	 cs_http_status_for(int err);

/* Percent-decode s[0..len) ('+' = space) and append to out; CS_ERR_BAD_REQUEST
 * (out unchanged) for a malformed escape or a decoded NUL. */
int	 cs_url_decode(struct cs_buf *out, const char *s, size_t len);
/* Append s percent-encoded for a query component, as Python's
 * quote_plus(s, safe): unreserved characters and those in safe (may be
 * NULL) stay, space becomes '+'. ("next" for a login URL: safe = "/".) */
int	 cs_url_encode(struct cs_buf *out, const char *s, const char *safe);

/* ---- cookie policy and signed cookies ------------------------------- */

/*
 * Whether a cookie of this request gets Secure under SESSION_COOKIE_SECURE
 * (on; off; auto: when the request came over HTTPS).  csess has no
 * CSRF_COOKIE_SECURE: the CSRF cookie follows this too.
 */
bool	 cs_req_cookie_secure(const struct cs_req *);
/*
 * Set c's Secure, HttpOnly and SameSite as the session cookie's settings
 * say (SESSION_COOKIE_SECURE as above, SESSION_COOKIE_HTTPONLY,
 * SESSION_COOKIE_SAMESITE): for the session cookie and any cookie that
 * must be guarded as well as it is.  Other fields are untouched.
 */
void	 cs_set_cookie_session_policy(struct cs_set_cookie *c,
	    const struct cs_req *);

/*
 * Django's HttpRequest.get_signed_cookie(name, default, salt, max_age):
 * the value of the signed cookie name, verified with SECRET_KEY (and
 * SECRET_KEY_FALLBACKS) under salt (NULL is ""), and, when max_age >= 0,
 * no older than max_age seconds.  Returns def (which may be NULL) when
 * the cookie is missing, badly signed or expired, as Django returns a
 * given default; the string lives as long as the request.  err (may be
 * NULL) gets why: CS_OK, CS_ERR_NOT_FOUND, CS_ERR_BAD_SIGNATURE,
 * CS_ERR_EXPIRED, CS_ERR_CONFIG (no SECRET_KEY), CS_ERR_TOO_LARGE (the
 * Cookie header), CS_ERR_NOMEM.
 */
const char *cs_req_get_signed_cookie(struct cs_req *, const char *name,
	    const char *def, const char *salt, int64_t max_age, int *err);
/*
 * Django's HttpResponse.set_signed_cookie(name, value, salt, **kwargs):
 * signs value (value:TS:SIG, with the salt form SIGNED_COOKIE_SALT_V2
 * chooses) and sets it as cs_resp_set_cookie does, the other attributes
 * from c (NULL: the Django defaults, Path=/ only; c->name and c->value
 * are ignored).  CS_ERR_CONFIG without SECRET_KEY, CS_ERR_INVALID when
 * the cookie is refused (nothing set).  The value must be cookie-octets
 * to be sent as is: encode other data first (cs_cookie_value_encode).
 */
int	 cs_resp_set_signed_cookie(struct cs_resp *, const struct cs_req *,
	    const char *name, const char *value, const char *salt,
	    const struct cs_set_cookie *c);

/* ---- running -------------------------------------------------------- */

typedef void cs_handler_fn(struct cs_req *, struct cs_resp *, void *arg);

/*
 * Serve requests with handler until the transport ends: one request under
 * CGI, the FCGX_Accept_r loop under FastCGI (told apart by FCGX_IsCGI).
 * Loads the configuration once per process, from the process environment
 * and CSESS_CONFIG (under FastCGI, never from the request's params: set
 * them in the process manager's environment); a configuration error
 * answers 500 and is logged (cs_log_set).  Under FastCGI, SIGTERM, SIGINT or
 * SIGUSR1 finishes the request in hand and returns; SIGPIPE is ignored.
 * Returns the process exit status.
 */
int	 cs_serve(cs_handler_fn *handler, void *arg);

/*
 * Run one request from explicit parts (what cs_serve does per request);
 * for tests and embedding.  envp: "NAME=value" strings, NULL-terminated.
 * cfg NULL means the built-in defaults.  The body is CONTENT_LENGTH bytes
 * of body when envp sets it, else all body_len bytes.  The whole CGI-style
 * response (Status:, headers, blank line, body; no body for HEAD) is
 * appended to out.  Returns CS_OK, or CS_ERR_NOMEM after appending a bare
 * 500 response.
 */
int	 cs_run_once(const struct cs_config *cfg, char *const *envp,
	    const void *body, size_t body_len, cs_handler_fn *handler, void *arg,
	    struct cs_buf *out);

#pragma GCC visibility pop
#endif
