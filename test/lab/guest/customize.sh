#!/bin/sh
# mmdebstrap --customize-hook: $1 is the new root, $2 this folder, $3 the lab public key.
set -eu
root=$1
guest=$2
pubkey=$3

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
# QEMU's emulated CPU advertises virtualization; loading kvm in the guest is wasted time.
printf 'blacklist kvm\nblacklist kvm_intel\nblacklist kvm_amd\n' > "$root/etc/modprobe.d/lab-no-kvm.conf"
# A hung stop job must not hold a reboot for systemd's default 90 s.
mkdir -p "$root/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultTimeoutStopSec=15s\n' > "$root/etc/systemd/system.conf.d/lab.conf"

# The root file system is /dev/vda, mounted rw by the kernel command line.
echo '/dev/vda / ext4 defaults,noatime 0 0' > "$root/etc/fstab"
echo lab > "$root/etc/hostname"
# minbase brings no /etc/hosts; lab-net rewrites the 127.0.1.1 line with the VM's name.
printf '127.0.0.1 localhost\n127.0.1.1 lab\n::1 localhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
