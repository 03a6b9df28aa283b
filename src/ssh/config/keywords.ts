/**
 * Every keyword of OpenSSH's client config (readconf.c, up to 10.x), lowercased: a keyword not here is
 * a typo or from a newer OpenSSH, and is reported as a warning instead of passing silently.
 */
export const KNOWN_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'protocol cipher fallbacktorsh globalknownhostsfile2 rhostsauthentication userknownhostsfile2 useroaming usersh useprivilegedport ' +
    'afstokenpassing kerberosauthentication kerberostgtpassing rsaauthentication rhostsrsaauthentication compressionlevel ' +
    'gssapiauthentication gssapidelegatecredentials pkcs11provider smartcarddevice forwardagent forwardx11 forwardx11trusted ' +
    'forwardx11timeout exitonforwardfailure xauthlocation gatewayports passwordauthentication kbdinteractiveauthentication ' +
    'kbdinteractivedevices challengeresponseauthentication skeyauthentication tisauthentication pubkeyauthentication ' +
    'dsaauthentication hostbasedauthentication identityfile identityfile2 identitiesonly certificatefile addkeystoagent ' +
    'identityagent hostname hostkeyalias proxycommand port ciphers macs remoteforward localforward permitremoteopen user host ' +
    'match tag escapechar globalknownhostsfile userknownhostsfile connectionattempts batchmode checkhostip stricthostkeychecking ' +
    'compression tcpkeepalive keepalive numberofpasswordprompts syslogfacility loglevel logverbose dynamicforward ' +
    'preferredauthentications hostkeyalgorithms casignaturealgorithms bindaddress bindinterface clearallforwardings ' +
    'enablesshkeysign verifyhostkeydns nohostauthenticationforlocalhost rekeylimit connecttimeout addressfamily ' +
    'serveraliveinterval serveralivecountmax sendenv setenv controlpath controlmaster controlpersist hashknownhosts include ' +
    'tunnel tunneldevice localcommand permitlocalcommand remotecommand visualhostkey kexalgorithms ipqos requesttty sessiontype ' +
    'stdinnull forkafterauthentication proxyusefdpass canonicaldomains canonicalizefallbacklocal canonicalizehostname ' +
    'canonicalizemaxdots canonicalizepermittedcnames streamlocalbindmask streamlocalbindunlink revokedhostkeys fingerprinthash ' +
    'updatehostkeys hostbasedacceptedalgorithms hostbasedkeytypes pubkeyacceptedalgorithms pubkeyacceptedkeytypes ignoreunknown ' +
    'proxyjump securitykeyprovider knownhostscommand requiredrsasize enableescapecommandline obscurekeystroketiming ' +
    'channeltimeout versionaddendum refuseconnection warnweakcrypto'
  ).split(' '),
);
