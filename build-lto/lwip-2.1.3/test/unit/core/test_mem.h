#ifndef LWIP_HDR_TEST_MEM_H
#define LWIP_HDR_TEST_MEM_H

#include "../lwip_check.h"

Suite *mem_suite(void);

#endif
