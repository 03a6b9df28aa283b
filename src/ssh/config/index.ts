/**
 * The OpenSSH client config (ssh_config(5)) as lvsplay reads it: resolveSshConfig(alias) gives the
 * settings `ssh alias` would use (OpenSSH 9.x semantics, checked against `ssh -G` in the tests), each
 * with the file and line it came from. Nothing here connects or executes anything.
 *
 * Why not the `ssh-config` package that issue 13 suggests: on real lines its parser disagrees with
 * ssh. It cuts a value at any `#` (`IdentityFile ~/.ssh/id#work` becomes `~/.ssh/id`, where ssh only
 * starts a comment at the start of a word), keeps single quotes and backslash escapes literally
 * (`User 'deploy'` stays `'deploy'`, `my\ key` stays `my\ key`), ignores negated Match criteria
 * (`Match !host b` never applies), and keeps no line numbers, which the origins of values need. It
 * also reads no files, follows no Include and expands no tokens, so what it would have done is the
 * smallest part. The lexer here follows readconf.c's strdelim and argv_split instead.
 */
export { SshConfigError } from './errors.ts';
export { sshConfigFiles } from './files.ts';
export { formatOrigin, type JumpHop, type Origin, type ProxyRoute, type ResolvedSshConfig, type Setting, type SshConfigFile, type StrictHostKeyChecking } from './model.ts';
export { type ResolveOptions, resolveSshConfig } from './resolve.ts';
export { parseProxyJump } from './values.ts';
