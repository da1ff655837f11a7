#include <criterion/criterion.h>
#include <string.h>

#include "csess.h"
#include "csess/csrf.h"

#define SECRET "abcdefghijklmnopqrstuvwxyzABCDEF"

Test(csrf, masked_token_unmasks_to_the_secret)
{
	char tok[CS_CSRF_TOKEN_LEN + 1], back[CS_CSRF_SECRET_LEN + 1];

	cr_assert_eq(cs_csrf_mask(SECRET, tok), CS_OK);
	cr_assert_eq(strlen(tok), CS_CSRF_TOKEN_LEN);
	cr_assert_eq(cs_csrf_unmask(tok, back), CS_OK);
	cr_assert_str_eq(back, SECRET);
}

Test(csrf, two_masks_of_one_secret_differ)
{
	char a[CS_CSRF_TOKEN_LEN + 1], b[CS_CSRF_TOKEN_LEN + 1];

	cs_csrf_mask(SECRET, a);
	cs_csrf_mask(SECRET, b);
	cr_assert_str_neq(a, b);
}

Test(csrf, django_masked_token_is_understood)
{
	/* Django's _mask_cipher_secret with mask "a"*32 (index 0) leaves the
	 * secret unchanged; with mask "b"*32 (index 1) shifts every char by 1. */
	char back[CS_CSRF_SECRET_LEN + 1];

	cr_assert_eq(cs_csrf_unmask("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" SECRET, back), CS_OK);
	cr_assert_str_eq(back, SECRET);
	cr_assert_eq(cs_csrf_unmask("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "bcdefghijklmnopqrstuvwxyzABCDEFG", back), CS_OK);
	cr_assert_str_eq(back, SECRET);
}

Test(csrf, bare_secret_is_accepted_as_is)
{
	char back[CS_CSRF_SECRET_LEN + 1];

	cr_assert_eq(cs_csrf_unmask(SECRET, back), CS_OK);
	cr_assert_str_eq(back, SECRET);
}

Test(csrf, malformed_tokens_are_refused)
{
	char back[CS_CSRF_SECRET_LEN + 1];

	cr_assert_eq(cs_csrf_unmask("", back), CS_ERR_INVALID);
	cr_assert_eq(cs_csrf_unmask("short", back), CS_ERR_INVALID);
	cr_assert_eq(cs_csrf_unmask("abcdefghijklmnopqrstuvwxyzABCDE!", back), CS_ERR_INVALID);
	cr_assert_eq(cs_csrf_unmask(SECRET "x", back), CS_ERR_INVALID);
	cr_assert_eq(cs_csrf_mask("not a secret", back), CS_ERR_INVALID);
}
