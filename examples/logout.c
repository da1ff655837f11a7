/*
 * logout.c -- the Django tutorial's logout view, in C:
 *
 *	def logout(request):
 *	    request.session.flush()
 *	    return redirect('login')
 *
 * Only a POST that passes the CSRF check logs out (as Django 5's
 * LogoutView): a link on another site must not end the session.
 * cc logout.c $(pkg-config --cflags --libs csess)
 */
#include <string.h>

#include <csess.h>

static void
logout(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)arg;
	if (strcmp(cs_req_method(req), "POST") == 0 &&
	    cs_csrf_check(req) == CS_CSRF_OK)
		cs_auth_logout(req);
	cs_resp_redirect(resp, 302, "login");
}

int
main(void)
{
	return cs_session_serve(logout, NULL);
}
