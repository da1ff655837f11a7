/*
 * hello_fcgi.c -- the floor of bench/anchors.sh: the least a libfcgi
 * responder can do (accept, write a fixed page, finish), with nothing of
 * csess in it.  Every FastCGI row of the bench is a ratio to this one.
 */
#include <fcgi_stdio.h>

int
main(void)
{
	while (FCGI_Accept() >= 0)
		fputs("Status: 200 OK\r\nContent-Type: text/html\r\n\r\n"
		    "<!DOCTYPE html><p>hello</p>\n", stdout);
	return 0;
}
