/*
 * csess.h -- the one public header of csess: cookies, sessions and signing
 * for CGI and FastCGI programs, compatible with Django.
 *
 * CAVEATS
 *  - fork: never use a store (an LMDB environment) opened before fork() in
 *    the child; csess reopens per process on its own when it sees a new pid.
 *  - One LMDB environment per process: do not open SESSION_STORE yourself
 *    with liblmdb while csess has it open.
 *  - Keep write transactions short: every request that saves waits on the
 *    single LMDB writer lock.
 */
#ifndef CSESS_H
#define CSESS_H

#ifdef __cplusplus
extern "C" {
#endif

#include "csess/base.h"
#include "csess/config.h"
#include "csess/cookie.h"
#include "csess/http.h"
#include "csess/sign.h"
#include "csess/store.h"
#include "csess/lmdb.h"
#include "csess/session.h"
#include "csess/csrf.h"
#include "csess/template.h"
#include "csess/users.h"
#include "csess/auth.h"
#include "csess/gate.h"

#ifdef __cplusplus
}
#endif

#endif
