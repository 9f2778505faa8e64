#ifndef LWIP_HDR_TEST_PBUF_H
#define LWIP_HDR_TEST_PBUF_H

#include "../lwip_check.h"

Suite *pbuf_suite(void);

#endif
