/** The config the ssh -G comparison resolves: a ~/.ssh/config with Includes, and the aliases it names. */

/** Every alias's HostName is 127.0.0.1 or a .invalid name (the test checks it before running ssh). */
export const ALIASES = [
  'web1',
  'web2',
  'db1',
  'db9',
  'bastion',
  'cmd',
  'quoted',
  'negated-a',
  'negated-skip',
  'inc-a',
  'inc-b',
  'plain.invalid',
  'Upper.INVALID',
  'strict-off',
  'exec-host',
  'final-a',
  'canon',
  'dup-keys',
  'hostkey',
  'eq',
  'jump-none',
  'match-hostname',
  'inc-match',
  'timeouts',
  'Fixed.INVALID',
] as const;

/** ~/.ssh/config; `EXTRA` (here and in BASTION_CONFIG) is replaced by the absolute path of extra.conf. */
export const MAIN_CONFIG = `# lvsplay's ssh -G comparison fixture
Include conf.d/*.conf

Host web1 web2
    HostName %h.lab.invalid
    User deploy
    IdentityFile ~/.ssh/id_%r@%h
    IdentityFile "%d/keys/%u-%p-%n"

Host db? !db9
    HostName 127.0.0.1
    Port=2201
    IdentityFile \${LVSPLAY_KEYS}/db_key
    ProxyJump bastion

Host db9
    HostName DB9.Lab.INVALID
    ProxyJump ops@bastion:2222,ssh://jump%40x@inner.invalid:2022,[127.0.0.1]:2023

Host cmd
    HostName 127.0.0.1
    ProxyCommand ssh -W %h:%p bastion.invalid
    ProxyJump bastion

Host quoted
    HostName "127.0.0.1"
    User 'o''brien'
    IdentityFile "~/.ssh/quoted-key"
    IdentityFile ~/.ssh/id#1 # a comment starts only a word

Host negated-* !negated-skip
    Port 2300
Host negated-*
    HostName 127.0.0.1

Host upper.*
    Port 2500
Match host upper.invalid
    Port 2501

Host strict-off
    HostName %h.invalid
    StrictHostKeyChecking no
    UserKnownHostsFile none
    ConnectTimeout none

Match originalhost exec-host exec "exit 1"
    Port 2550
Host exec-host
    HostName 127.0.0.1

# Only the second pass applies these: in the first, the Host lines below set User first.
Match final originalhost final-a
    User finaluser
    HostKeyAlias Final-Key
Host final-a
    HostName final-a.final.invalid
    User firstpass
# In the second pass Host lines match the hostname, not the alias.
Host *.final.invalid
    Port 2600

Match canonical originalhost canon
    User canonical
Host canon
    HostName canon.invalid
    User early

Host dup-keys
    HostName 127.0.0.1
    IdentityFile ~/.ssh/a
    IdentityFile ~/.ssh/b
    IdentityFile ~/.ssh/a
    IdentityFile none

Host hostkey
    HostName 127.0.0.1
    HostKeyAlias MyAlias.Lab
    UserKnownHostsFile ~/.ssh/known_hosts.d/%k %d/kh-%C

hOsT eq
    hostNAME=127.0.0.1
    Port = 2700
    User=eq
    identityfile = ~/.ssh/eq

Host jump-none
    HostName 127.0.0.1
    ProxyJump none
    ProxyCommand nc %h %p

Host match-hostname
    HostName MH.%h.Invalid
Match host mh.match-hostname.invalid
    Port 2800

Match originalhost inc-match
    HostName 127.0.0.1
    Include EXTRA
    Port 2900

# Matches Fixed.INVALID only in the second pass (lowercased), when HostName no longer counts.
Host fixed.invalid
    HostName 127.0.0.1
    Port 3000

Host timeouts
    HostName timeouts.invalid
    ConnectTimeout 2h
    ServerAliveInterval 0
    ServerAliveCountMax 0

Match user deploy
    IdentitiesOnly no

Match localuser lvcfg*
    ServerAliveCountMax 5

Host *
    ServerAliveInterval 1m
    ConnectTimeout 1m30s
    StrictHostKeyChecking accept-new
    UserKnownHostsFile ~/.ssh/known_hosts.d/%h %d/kh
    IdentitiesOnly yes
`;

/** conf.d/10-bastion.conf (read first, by the relative Include). */
export const BASTION_CONFIG = `Host bastion
    HostName 127.0.0.1
    User jump
    Port 2222

Host inc-*
    HostName 127.0.0.1
    Include EXTRA
`;

/** conf.d/20-empty.conf: a second file matched by the glob, with only a comment. */
export const EMPTY_CONFIG = '# nothing here\n';

/** extra.conf, included from inside `Host inc-*`. */
export const EXTRA_CONFIG = `User included
Host inc-b
    Port 2400
`;
