/** The OpenSSH client config (ssh_config(5)) as lvsplay reads it: see resolve.ts. */
export { SshConfigError } from './errors.ts';
export { sshConfigFiles } from './files.ts';
export { formatOrigin, type JumpHop, type Origin, type ProxyRoute, type ResolvedSshConfig, type Setting, type SshConfigFile, type StrictHostKeyChecking } from './model.ts';
export { type ResolveOptions, resolveSshConfig } from './resolve.ts';
export { parseProxyJump } from './values.ts';
