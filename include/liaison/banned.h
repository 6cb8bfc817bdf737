/*
 * banned.h - functions that must not be used anywhere in liaison.
 *
 * This header is force-included (-include) before every translation unit of
 * the project. It first pulls in the system headers that declare the banned
 * functions, so that their prototypes are seen before the macros below
 * replace every later use with an undeclared identifier and the build fails.
 *
 * Why each is banned: strcpy/strcat/sprintf/vsprintf/gets cannot bound their
 * output; strncpy/strncat silently truncate or leave strings unterminated;
 * strtok keeps hidden global state; atoi/atol/atoll/atof cannot report
 * errors; gmtime/localtime/ctime/asctime return shared static buffers (use
 * the _r forms).
 */
#ifndef LIAISON_BANNED_H
#define LIAISON_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIAISON_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(...) LIAISON_BANNED(strcpy)
#undef strcat
#define strcat(...) LIAISON_BANNED(strcat)
#undef strncpy
#define strncpy(...) LIAISON_BANNED(strncpy)
#undef strncat
#define strncat(...) LIAISON_BANNED(strncat)
#undef sprintf
#define sprintf(...) LIAISON_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) LIAISON_BANNED(vsprintf)
#undef gets
#define gets(...) LIAISON_BANNED(gets)
#undef strtok
#define strtok(...) LIAISON_BANNED(strtok)
#undef atoi
#define atoi(...) LIAISON_BANNED(atoi)
#undef atol
#define atol(...) LIAISON_BANNED(atol)
#undef atoll
#define atoll(...) LIAISON_BANNED(atoll)
#undef atof
#define atof(...) LIAISON_BANNED(atof)
#undef gmtime
#define gmtime(...) LIAISON_BANNED(gmtime)
#undef localtime
#define localtime(...) LIAISON_BANNED(localtime)
#undef ctime
#define ctime(...) LIAISON_BANNED(ctime)
#undef asctime
#define asctime(...) LIAISON_BANNED(asctime)

#endif
