#!/bin/sh
# Applies this VM's identity from the kernel command line, at every boot:
#   lab.hostname=NAME  lab.ethN=ADDR/PREFIX (one per NIC)  lab.gateway=ADDR (optional)
# The same image serves every VM of every topology; only the command line differs.
# Deliberately nothing else: sysctls, VIPs and IPVS rules are what lvsplay itself manages.
set -eu

hostname=lab
gateway=
nics=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    lab.hostname=*) hostname=${arg#lab.hostname=} ;;
    lab.gateway=*) gateway=${arg#lab.gateway=} ;;
    lab.eth[0-9]*=*) nics="$nics ${arg#lab.}" ;;
  esac
done

echo "$hostname" > /etc/hostname
hostname "$hostname"
# minbase has no /etc/hosts; the image's customize step writes one with a 127.0.1.1 line.
sed -i "s/^127\.0\.1\.1[[:space:]].*/127.0.1.1 $hostname/" /etc/hosts

for nic in $nics; do
  dev=${nic%%=*}
  addr=${nic#*=}
  # udev may still be loading virtio_net when this runs.
  i=0
  while [ ! -e "/sys/class/net/$dev" ]; do
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then echo "lab-net: $dev never appeared" >&2; exit 1; fi
    sleep 0.1
  done
  ip link set "$dev" up
  ip addr replace "$addr" dev "$dev"
done

if [ -n "$gateway" ]; then
  ip route replace default via "$gateway"
fi

# The web page of this host: its name, as the seed's real servers answer theirs.
mkdir -p /run/lab-www
echo "$hostname" > /run/lab-www/index.html
