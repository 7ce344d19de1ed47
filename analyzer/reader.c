/* STUB */
#include "imapblast/reader.h"
