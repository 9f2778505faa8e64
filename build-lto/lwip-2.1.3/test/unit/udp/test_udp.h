#ifndef LWIP_HDR_TEST_UDP_H
#define LWIP_HDR_TEST_UDP_H

#include "../lwip_check.h"

Suite* udp_suite(void);

#endif
