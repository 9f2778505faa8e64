/* Short names for PCI class codes, for the listing.
 *
 * Base class and subclass values from the PCI Code and ID Assignment
 * Specification (rev. 1.x, section 1); they agree with Linux
 * include/linux/pci_ids.h (PCI_CLASS_*). A subclass of ANY names the
 * whole base class and is used when no exact entry matches. */
#include "kernel/pci/pci.h"
#include "lib/string.h"

#define ANY 0xFF    /* no subclass 0xFF is assigned in these base classes */

/* The table as one string (9 bytes an entry on average; fixed 14-byte
 * entries took 630): per entry the base class, the subclass (0xFF: ANY)
 * and the name, ending in its 0. */
static const char names[] =
    "\x00\x01" "vga\0"              /* pre-2.0 VGA-compatible device */
    "\x01\x00" "scsi\0"
    "\x01\x01" "ide\0"
    "\x01\x02" "floppy\0"
    "\x01\x04" "raid\0"
    "\x01\x05" "ata\0"
    "\x01\x06" "sata\0"
    "\x01\x07" "sas\0"
    "\x01\x08" "nvme\0"             /* non-volatile memory controller */
    "\x01\xFF" "storage\0"
    "\x02\x00" "ethernet\0"
    "\x02\xFF" "network\0"
    "\x03\x00" "vga\0"
    "\x03\x02" "3d\0"
    "\x03\xFF" "display\0"
    "\x04\x00" "video\0"
    "\x04\x01" "audio\0"
    "\x04\x03" "audio\0"            /* HD audio */
    "\x04\xFF" "multimedia\0"
    "\x05\xFF" "memory\0"
    "\x06\x00" "host bridge\0"
    "\x06\x01" "isa bridge\0"
    "\x06\x04" "pci bridge\0"
    "\x06\x07" "cardbus\0"
    "\x06\xFF" "bridge\0"           /* e.g. PIIX4 power management (0x0680) */
    "\x07\x00" "serial\0"
    "\x07\x01" "parallel\0"
    "\x07\xFF" "comm\0"
    "\x08\x00" "pic\0"
    "\x08\x01" "dma\0"
    "\x08\x02" "timer\0"
    "\x08\x03" "rtc\0"
    "\x08\x05" "sd host\0"
    "\x08\x06" "iommu\0"
    "\x08\xFF" "system\0"
    "\x09\xFF" "input\0"
    "\x0C\x00" "firewire\0"
    "\x0C\x03" "usb\0"
    "\x0C\x04" "fibre\0"
    "\x0C\x05" "smbus\0"
    "\x0C\xFF" "serial bus\0"
    "\x0D\xFF" "wireless\0"
    "\x10\xFF" "crypto\0"
    "\x11\xFF" "signal\0"
    "\x12\xFF" "accelerator\0";

const char *pci_class_name(uint8_t class, uint8_t subclass, uint8_t prog_if)
{
    (void)prog_if;          /* e.g. UHCI/OHCI/EHCI/xHCI are all "usb" */
    const char *whole = NULL;
    for (const char *e = names; e < names + sizeof names - 1; e += 3 + strlen(e + 2)) {
        if ((uint8_t)e[0] != class)
            continue;
        if ((uint8_t)e[1] == subclass)
            return e + 2;
        if ((uint8_t)e[1] == ANY)
            whole = e + 2;
    }
    return whole ? whole : "other";
}
