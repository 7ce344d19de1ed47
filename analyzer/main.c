/* STUB */
#include <stdio.h>
#include "imapblast/common.h"
int main(void) { puts("imapblast " IB_VERSION); return 0; }
