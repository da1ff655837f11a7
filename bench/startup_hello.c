/* startup_hello.c -- the floor: a hello-world CGI with nothing linked. */
#include <stdio.h>

int
main(void)
{
	fputs("Content-Type: text/plain\r\n\r\nhello\n", stdout);
	return 0;
}
