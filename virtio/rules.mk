# virtio/: the virtio core (device status, features, queues, the driver
# registry), split virtqueues, the PCI and MMIO transports, and the
# drivers on top (virtio-net). tests/unit/test_virtqueue.c and
# tests/devsim/test_virtio_net.c run them on the host.
KSRCS += virtio/virtio.c virtio/virtqueue.c virtio/virtio_pci.c virtio/virtio_mmio.c \
	virtio/virtio_net.c
