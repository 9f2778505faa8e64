#pragma once

#define GDT_CODE 0x08
#define GDT_DATA 0x10
#define GDT_TSS  0x18

/* IST slots (1-based in the IDT; index+1 here). */
enum { IST_DOUBLE_FAULT = 1, IST_NMI = 2, IST_MACHINE_CHECK = 3, IST_PAGE_FAULT = 4, IST_COUNT = 4 };

void gdt_init(void);
