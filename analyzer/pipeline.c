/* STUB */
#include "imapblast/pipeline.h"
