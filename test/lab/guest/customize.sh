#!/bin/sh
# mmdebstrap --customize-hook: $1 is the new root, $2 this folder, $3 the lab public key, $4 the apt source
# line of the lab's own package repository (test/lab/repo.ts), the only one a VM can reach.
set -eu
root=$1
guest=$2
pubkey=$3
apt_source=$4

rm -f "$root/etc/apt/sources.list.d/"*
echo "$apt_source" > "$root/etc/apt/sources.list"

install -m 0755 "$guest/lab-net.sh" "$root/usr/local/sbin/lab-net"
install -m 0644 "$guest/lab-net.service" "$guest/lab-httpd.service" "$root/etc/systemd/system/"
install -m 0644 "$guest/sshd-lab.conf" "$root/etc/ssh/sshd_config.d/lab.conf"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$pubkey" "$root/root/.ssh/authorized_keys"

# Boots run under software emulation: skip periodic jobs that would only eat CPU.
chroot "$root" systemctl enable lab-net.service lab-httpd.service
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
  e2scrub_reap.service fstrim.timer systemd-timesyncd.service dpkg-db-backup.timer \
  getty-static.service getty@tty1.service
# QEMU's emulated CPU advertises virtualization; loading kvm in the guest is wasted time. So is every
# driver udev would load at boot for the machine's other emulated hardware (the IDE controller and the
# SCSI layer under it, SMBus, PC speaker, mouse, input events): each costs seconds under emulation.
for module in kvm kvm_intel kvm_amd ata_piix pata_acpi ata_generic floppy i2c_piix4 pcspkr psmouse serio_raw evdev joydev; do
  echo "blacklist $module"
done > "$root/etc/modprobe.d/lab-blacklist.conf"
# A hung stop job must not hold a reboot for systemd's default 90 s.
mkdir -p "$root/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultTimeoutStopSec=15s\n' > "$root/etc/systemd/system.conf.d/lab.conf"

# The root file system is /dev/vda, mounted rw by the kernel command line.
echo '/dev/vda / ext4 defaults,noatime 0 0' > "$root/etc/fstab"
echo lab > "$root/etc/hostname"
# minbase brings no /etc/hosts; lab-net rewrites the 127.0.1.1 line with the VM's name.
printf '127.0.0.1 localhost\n127.0.1.1 lab\n::1 localhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"

# The VMs boot a tiny initrd of our own instead of Debian's (16 MB, udev and every storage driver): it
# only loads virtio and mounts /dev/vda. Under emulation on a busy host Debian's initrd phase took 50 s.
kver=$(ls "$root/lib/modules")
stage="$root/tmp/lab-initrd"
mkdir -p "$stage/bin" "$stage/lib/modules" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/root"
cp "$root/bin/busybox" "$stage/bin/busybox"
for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do
  cp "$(find "$root/lib/modules/$kver" -name "$module.ko")" "$stage/lib/modules/"
done
install -m 0755 "$guest/lab-initrd-init" "$stage/init"
chroot "$root" sh -c 'cd /tmp/lab-initrd && find . | busybox cpio -o -H newc 2>/dev/null' | gzip -1 > "$root/boot/lab-initrd.img"
rm -rf "$stage"
