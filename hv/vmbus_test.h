/* Test hooks into vmbus.c's private state, for the hosted tests and the
 * libFuzzer targets in tests/hvsim/ only: they are compiled under HOSTED
 * and never into the kernel. */
#pragma once
#ifndef HOSTED
#error "hv/vmbus_test.h is for hosted test programs"
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size of vmbus.c's GPADL table: the most live handles there can be. */
#define VMBUS_TEST_MAX_GPADLS 128

/* Forgets everything (without talking to the host): the fuzzers run many
 * sessions in one process. Channels' driver state is freed with them. */
void vmbus_reset_for_tests(void);
/* Whether the connection is up (versions negotiated, not unloading). */
bool vmbus_test_connected(void);
/* Copies the handles of the GPADLs created or being created (up to cap)
 * into out; returns how many it copied. */
size_t vmbus_test_gpadls(uint32_t *out, size_t cap);
/* The smallest size vmbus_handle_message accepts for a host->guest
 * message of this type; 0 if the guest never accepts it from the host. */
size_t vmbus_test_min_size(uint32_t type);
