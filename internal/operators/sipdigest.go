package operators

import (
	"crypto/md5"
	"encoding/hex"
)

// SIPRealm is the SIP digest realm of operators' accounts: part of the stored hash and
// of every challenge Asterisk sends a softphone.
const SIPRealm = "ikomek"

// MD5Cred returns the digest credential Asterisk needs for a SIP password: the hex MD5
// of "login:realm:password" (RFC 2617's HA1). The password itself is never stored.
func MD5Cred(login, realm, password string) string {
	sum := md5.Sum([]byte(login + ":" + realm + ":" + password))
	return hex.EncodeToString(sum[:])
}
