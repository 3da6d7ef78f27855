package secrets

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
)

// Access tokens look like "ggp_" followed by 58 lower-case base32 characters:
// 32 random bytes and a CRC-32 of them. The prefix makes a leaked token easy
// to recognise (and to scan for in repositories and logs); the checksum lets
// a malformed or mistyped token be refused without a database lookup. Only
// the token's SHA-256 hash is ever stored.
const (
	// TokenPrefix starts every groupgraph access token.
	TokenPrefix = "ggp_"
	// TokenLen is the length of a token, prefix included.
	TokenLen = len(TokenPrefix) + 58
	// DisplayPrefixLen is how much of a token is kept in the clear so that
	// people can tell their tokens apart and revoke one: the prefix and 8
	// characters (40 of the token's 256 random bits).
	DisplayPrefixLen = len(TokenPrefix) + 8

	tokenRandomBytes = 32
)

// ErrMalformedToken: the string is not a groupgraph access token.
var ErrMalformedToken = errors.New("secrets: malformed access token")

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewToken returns a new random access token. The caller shows it once and
// stores only HashToken of it.
func NewToken() (string, error) {
	b := make([]byte, tokenRandomBytes, tokenRandomBytes+4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("secrets: reading random token: %w", err)
	}
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return TokenPrefix + tokenEncoding.EncodeToString(b), nil
}

// CheckToken reports whether token is well formed: the prefix, the length,
// the alphabet and the checksum. It says nothing about whether the token was
// issued; only a lookup of its hash does.
func CheckToken(token string) error {
	body, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok || len(token) != TokenLen {
		return ErrMalformedToken
	}
	b, err := tokenEncoding.DecodeString(body)
	if err != nil || len(b) != tokenRandomBytes+4 {
		return ErrMalformedToken
	}
	if crc32.ChecksumIEEE(b[:tokenRandomBytes]) != binary.BigEndian.Uint32(b[tokenRandomBytes:]) {
		return ErrMalformedToken
	}
	return nil
}

// HashToken returns the SHA-256 of a token, the only form a token is stored
// in. A token carries 256 random bits, so a fast unsalted hash is enough: no
// dictionary or brute force can invert it.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// EqualHashes compares two hashes in constant time.
func EqualHashes(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// DisplayPrefix returns the part of a token shown in listings and accepted
// by revocation, or "" when token is too short to have one.
func DisplayPrefix(token string) string {
	if len(token) < DisplayPrefixLen {
		return ""
	}
	return token[:DisplayPrefixLen]
}

// NewState returns a random URL-safe value (32 bytes of entropy) for an
// OAuth state parameter, a PKCE verifier or any other one-time secret that
// travels through a browser.
func NewState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("secrets: reading random state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
