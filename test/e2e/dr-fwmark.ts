// A firewall-mark service on the seed's DR lab (issue 14): HTTP and HTTPS of one VIP grouped under one mark
// with persistence, so that one client's requests to both ports reach one real server; a rerun changes
// nothing; back to the seed inventory, the mark's nftables table, its file and its unit are gone.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Lab, TwoServerTopology } from '../lab/lab.ts';
import { type DrLab, itemsIn, labRuns, sh, VIP } from './dr-lab.ts';
import { writeLabInventory } from './lvsplay.ts';

/** The real servers' second web server: plain HTTP on 443, which is all the mark needs to tell the ports apart. */
const HTTPS_PID = '/run/lab-httpd-443.pid';
const MARKED = { vip: VIP, fwmark: 1, ports: [80, 443], scheduler: 'rr', persistence: 300, director: 'lvs', realServers: [{ host: 'rs1' }, { host: 'rs2' }] };

async function answers(lab: Lab<TwoServerTopology>, url: string): Promise<string[]> {
  return (await sh(lab, 'client', `for i in 1 2 3 4; do curl -s --max-time 5 ${url} || echo FAILED; done`)).trim().split('\n');
}

async function liveTables(lab: Lab<TwoServerTopology>): Promise<string> {
  return sh(lab, 'lvs', 'if command -v nft >/dev/null; then nft list tables; fi');
}

export function drFwmark(get: () => DrLab): void {
  const { checkThenRun, converge } = labRuns(get);

  it('a firewall-mark service holds one client’s HTTP and HTTPS on one real server; a rerun changes nothing; back to the seed, its nftables table is gone', async () => {
    const { lab } = get();
    for (const host of ['rs1', 'rs2']) {
      await sh(lab, host, `nohup setsid busybox httpd -f -p 443 -h /run/lab-www </dev/null >/dev/null 2>&1 & echo $! > ${HTTPS_PID}`);
    }
    try {
      const marked = await writeLabInventory(join(lab.dir, 'fwmark'), 'dr', lab.access, { name: 'fwmark', services: [MARKED] });
      const run = await checkThenRun(marked);
      const changed = itemsIn(run.hosts, 'changed');
      for (const expected of [
        'lvs package package nftables installed',
        'lvs nft-table nftables table ip lvsplay as /etc/lvsplay/fwmark.nft has it',
        'lvs unit unit lvsplay-fwmark.service enabled and active',
      ]) {
        assert.ok(changed.includes(expected), `${expected} not in ${changed.join('; ')}`);
      }

      const table = await sh(lab, 'lvs', 'ipvsadm -Ln');
      assert.match(table, /^FWM\s+1 rr persistent 300/m, table);
      assert.doesNotMatch(table, /^TCP\s/m, table);
      const marks = await sh(lab, 'lvs', 'nft list table ip lvsplay');
      assert.match(marks, /ip daddr 192\.168\.10\.100 tcp dport \{ 80, 443 \} meta mark set 0x00000001/, marks);

      // Persistence by mark: HTTP and HTTPS of this client, every time, from the one real server.
      const seen = [...(await answers(lab, `http://${VIP}/`)), ...(await answers(lab, `http://${VIP}:443/`)), ...(await answers(lab, `http://${VIP}/`))];
      assert.equal(new Set(seen).size, 1, `answers: ${seen.join(', ')}`);
      assert.ok(['rs1', 'rs2'].includes(seen[0]!), `answers: ${seen.join(', ')}`);
      const connections = await sh(lab, 'lvs', 'ipvsadm -Lnc');
      assert.match(connections, /TCP .* 192\.168\.10\.100:443 /, connections);
      assert.match(connections, /TCP .* 192\.168\.10\.100:80 /, connections);

      // Back to the seed: the mark's service, table, file and unit go; the seed's service serves again.
      await converge();
      assert.doesNotMatch(await liveTables(lab), /lvsplay/);
      assert.equal((await sh(lab, 'lvs', 'ls /etc/lvsplay/fwmark.nft /etc/systemd/system/lvsplay-fwmark.service 2>/dev/null | wc -l')).trim(), '0');
      const seedTable = await sh(lab, 'lvs', 'ipvsadm -Ln');
      assert.doesNotMatch(seedTable, /^FWM/m, seedTable);
      assert.match(seedTable, /^TCP\s+192\.168\.10\.100:80 rr/m, seedTable);
    } finally {
      for (const host of ['rs1', 'rs2']) await lab.ssh(host as never, `kill $(cat ${HTTPS_PID}) && rm -f ${HTTPS_PID}`);
    }
  });
}
