import { parseCidr, type Cidr } from '../net/ipv4.ts';
import { FactError, type Fact } from './fact.ts';

export interface LiveAddress {
  readonly device: string;
  readonly cidr: Cidr;
  /** `lo:1` where the address has a label other than its device. */
  readonly label: string;
}

/** IPv4 addresses on every interface, from `ip -o -4 addr show`. */
export const addressesFact: Fact<LiveAddress[]> = {
  name: 'addresses',
  command: 'ip -o -4 address show',
  parse: parseAddresses,
};

// `2: eth0    inet 192.168.10.71/24 brd 192.168.10.255 scope global eth0\       valid_lft forever ...`
// `1: lo    inet 192.168.10.100/32 scope global lo:1\       valid_lft forever ...`: the label is the last
// word before the backslash, whatever flags (secondary, dynamic, noprefixroute) stand between.
export function parseAddresses(output: string): LiveAddress[] {
  return (
    output
      .split('\n')
      // `-4` asks for IPv4 only; inet6 lines are skipped all the same, should a host print them.
      .filter((line) => line.trim() !== '' && !/^\d+:\s+\S+\s+inet6\s/.test(line))
      .map((line) => {
        const words = line.split('\\')[0]!.trim().split(/\s+/);
        const [index, device, family, address] = words;
        const cidr = address === undefined ? undefined : parseCidr(address);
        if (!index?.endsWith(':') || !device || family !== 'inet' || !cidr?.ok) {
          throw new FactError('addresses', `unexpected line '${line}'`);
        }
        return { device: device.replace(/@.*$/, ''), cidr: cidr.value, label: words.at(-1)! };
      })
  );
}
