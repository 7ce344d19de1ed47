/*
 * util.h: private tokenizers shared by the parsers (not a public API).
 * Tokenizers advance a slice and return non-zero on error, so calls chain
 * with ||.
 */
#ifndef IB_PARSERS_UTIL_H
#define IB_PARSERS_UTIL_H

#include <string.h>
#include "imapblast/common.h"
#include "imapblast/event.h"
#include "imapblast/parser.h"
#include "imapblast/timeutil.h"

#endif
