#ifndef LWIP_HDR_TEST_TCP_OOS_H
#define LWIP_HDR_TEST_TCP_OOS_H

#include "../lwip_check.h"

Suite *tcp_oos_suite(void);

#endif
