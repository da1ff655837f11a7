/*
 * index.c -- the Django tutorial's protected page, in C:
 *
 *	def index(request):
 *	    if not request.session.get('is_login', False):
 *	        return redirect('login')
 *	    return render(request, 'index.html')  # "Hello, {{ user }}" + logout
 *
 * cc index.c $(pkg-config --cflags --libs csess)
 */
#include <csess.h>

static void
index_view(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct cs_session *s = cs_session(req);
	const char *user;
	char token[CS_CSRF_TOKEN_LEN + 1];

	(void)arg;
	if (!cs_session_truthy(s, "is_login"))
		return (void)cs_resp_redirect(resp, 302, "login");
	user = json_string_value(cs_session_get_default(s, "user", NULL));
	cs_resp_puts(resp, "<p>Hello, ");
	cs_resp_puts_html(resp, user ? user : "");
	cs_csrf_token(req, resp, token);
	cs_resp_printf(resp, "!</p>\n<form method=post action=logout>\n"
	    "<input type=hidden name=csrfmiddlewaretoken value=%s>\n"
	    "<button>Log out</button>\n</form>\n", token);
}

int
main(void)
{
	return cs_session_serve(index_view, NULL);
}
