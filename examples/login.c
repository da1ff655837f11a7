/*
 * login.c -- the Django tutorial's login view, in C:
 *
 *	def login(request):
 *	    if request.session.get('is_login', False):
 *	        return redirect('index')
 *	    if request.method == 'POST':
 *	        name = request.POST.get('username', '')
 *	        if authenticate(request, username=name,
 *	                        password=request.POST.get('password', '')):
 *	            request.session['is_login'] = True
 *	            request.session['user'] = name
 *	            return redirect('index')
 *	        message = 'Wrong username or password.'
 *	    return render(request, 'login.html', locals())
 *
 * Users are the store's (csess user add NAME); CSRF is checked as Django's
 * CsrfViewMiddleware does.  cc login.c $(pkg-config --cflags --libs csess)
 */
#include <string.h>

#include <csess.h>

static void
login(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct cs_session *s = cs_session(req);
	const char *name = cs_req_form_get(req, "username", "");
	char token[CS_CSRF_TOKEN_LEN + 1];
	int64_t retry;
	int err;

	(void)arg;
	if (cs_session_truthy(s, "is_login"))
		return (void)cs_resp_redirect(resp, 302, "index");
	if (strcmp(cs_req_method(req), "POST") == 0) {
		if (cs_csrf_check(req) != CS_CSRF_OK)
			return (void)cs_resp_error(resp, 403, "CSRF verification failed.");
		if (cs_auth_login(req, resp, name, cs_req_form_get(req, "password", ""),
		    &retry, &err) == CS_AUTH_OK) {
			cs_session_set_new(s, "is_login", json_true());
			cs_session_set_new(s, "user", json_string(name));
			return (void)cs_resp_redirect(resp, 302, "index");
		}
		cs_resp_puts(resp, "<p>Wrong username or password.</p>\n");
	}
	cs_csrf_token(req, resp, token);
	cs_resp_printf(resp, "<form method=post>\n<input name=username>\n"
	    "<input name=password type=password>\n"
	    "<input type=hidden name=csrfmiddlewaretoken value=%s>\n"
	    "<button>Log in</button>\n</form>\n", token);
}

int
main(void)
{
	return cs_session_serve(login, NULL);
}
