// Package secrets seals the credentials groupgraph holds for its viewers and
// makes the opaque access tokens it hands out.
//
// Sealing is AES-256-GCM under a Keyring: a current key that seals, and any
// number of older keys that still open what they sealed, each with an ID
// that travels in the sealed blob. That is what lets an operator rotate the
// key without a flag day: put the new key first, keep the old one after it,
// re-seal, then drop the old one.
//
// Every Seal takes additional data that the caller binds the secret to (for
// example the ID of the database row that holds it), so a sealed blob copied
// into another row no longer opens.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the size of a sealing key in bytes: AES-256.
const KeySize = 32

// Environment variables LoadKeyring reads.
const (
	// EnvKey holds the keyring inline.
	EnvKey = "GROUPGRAPH_SECRET_KEY"
	// EnvKeyFile names a file holding the keyring, for secrets mounted as
	// files (Kubernetes, systemd credentials, Docker secrets).
	EnvKeyFile = "GROUPGRAPH_SECRET_KEY_FILE"
)

// Errors callers tell apart with errors.Is. None of them, nor any error this
// package returns, carries key material or plaintext.
var (
	// ErrNoKey: no key is configured, so nothing can be sealed or opened.
	ErrNoKey = errors.New("secrets: no secret key configured (set " + EnvKey + " or " + EnvKeyFile + ")")
	// ErrInvalidKey: a configured key is malformed or not 32 bytes.
	ErrInvalidKey = errors.New("secrets: invalid secret key")
	// ErrUnknownKey: the blob was sealed under a key ID the keyring lacks,
	// typically an old key that was dropped before everything was re-sealed.
	ErrUnknownKey = errors.New("secrets: sealed under an unknown key id")
	// ErrMalformed: the blob is not something Seal produced.
	ErrMalformed = errors.New("secrets: malformed sealed blob")
	// ErrAuthentication: the blob was altered, bound to other additional
	// data, or sealed by a different key that reuses the same ID.
	ErrAuthentication = errors.New("secrets: sealed blob failed authentication")
)

// Key is one sealing key and the ID that names it inside sealed blobs.
type Key struct {
	// ID names the key; at most 64 bytes of [A-Za-z0-9._-]. Empty means
	// derive one from the key's fingerprint (see FingerprintID).
	ID string
	// Material is the 32-byte AES-256 key.
	Material []byte
}

// Keyring seals under its current key and opens under any of its keys. It is
// immutable and safe for concurrent use.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	order   []string
}

// NewKeyring returns a keyring whose first key is the current one. Keys
// without an ID get their fingerprint ID.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	kr := &Keyring{aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if len(k.Material) != KeySize {
			return nil, fmt.Errorf("%w: key %d is %d bytes, want %d (32 random bytes, base64-encoded)", ErrInvalidKey, i+1, len(k.Material), KeySize)
		}
		id := k.ID
		if id == "" {
			id = FingerprintID(k.Material)
		}
		if err := validID(id); err != nil {
			return nil, fmt.Errorf("%w: key %d: %v", ErrInvalidKey, i+1, err)
		}
		if _, dup := kr.aeads[id]; dup {
			return nil, fmt.Errorf("%w: key %d reuses the id of an earlier key", ErrInvalidKey, i+1)
		}
		block, err := aes.NewCipher(k.Material)
		if err != nil {
			return nil, fmt.Errorf("%w: key %d: %v", ErrInvalidKey, i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%w: key %d: %v", ErrInvalidKey, i+1, err)
		}
		kr.aeads[id] = aead
		kr.order = append(kr.order, id)
	}
	kr.current = kr.order[0]
	return kr, nil
}

// FingerprintID is the ID a key gets when none is given: "k" and eight hex
// digits of a hash of the key. It identifies the key without revealing
// anything useful about it, and it stays the same when the operator later
// lists the key, unnamed, after a new one.
func FingerprintID(material []byte) string {
	h := sha256.New()
	h.Write([]byte("groupgraph secret key id\x00"))
	h.Write(material)
	return "k" + hex.EncodeToString(h.Sum(nil)[:4])
}

// CurrentKeyID is the ID of the key Seal uses.
func (kr *Keyring) CurrentKeyID() string { return kr.current }

// KeyIDs lists the keyring's key IDs, current first.
func (kr *Keyring) KeyIDs() []string { return append([]string(nil), kr.order...) }

// Has reports whether the keyring holds a key with the given ID.
func (kr *Keyring) Has(id string) bool {
	_, ok := kr.aeads[id]
	return ok
}

// ParseKeyring parses the keyring syntax of GROUPGRAPH_SECRET_KEY: one or more
// entries separated by commas (or newlines, for key files), the first being
// the current key. An entry is a base64 key (standard or URL alphabet,
// padded or not) or "id:base64". Whitespace around entries is ignored.
func ParseKeyring(s string) (*Keyring, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' })
	var keys []Key
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var k Key
		enc := f
		if id, rest, ok := strings.Cut(f, ":"); ok {
			k.ID, enc = strings.TrimSpace(id), strings.TrimSpace(rest)
			if k.ID == "" {
				return nil, fmt.Errorf("%w: entry %d has an empty key id before ':'", ErrInvalidKey, i+1)
			}
		}
		material, err := decodeKey(enc)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d is not base64", ErrInvalidKey, i+1)
		}
		k.Material = material
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	return NewKeyring(keys...)
}

// LoadKeyring reads the keyring from the environment: GROUPGRAPH_SECRET_KEY,
// or else the file GROUPGRAPH_SECRET_KEY_FILE names. Setting both is an
// error, since one of them would be silently ignored. With neither set it
// returns ErrNoKey, which a caller may accept when nothing is sealed yet.
func LoadKeyring(getenv func(string) string) (*Keyring, error) {
	inline, file := getenv(EnvKey), getenv(EnvKeyFile)
	switch {
	case inline != "" && file != "":
		return nil, fmt.Errorf("%w: both %s and %s are set; set one", ErrInvalidKey, EnvKey, EnvKeyFile)
	case inline != "":
		kr, err := ParseKeyring(inline)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKey, err)
		}
		return kr, nil
	case file != "":
		return LoadKeyringFile(file)
	}
	return nil, ErrNoKey
}

// LoadKeyringFile reads a keyring, in ParseKeyring's syntax, from a file.
func LoadKeyringFile(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: reading key file: %w", err)
	}
	kr, err := ParseKeyring(string(b))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return kr, nil
}

// GenerateKey returns a new random key, base64-encoded, ready to be used as
// GROUPGRAPH_SECRET_KEY.
func GenerateKey() (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

func validID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("key id must be 1 to 64 bytes, got %d", len(id))
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			// The ID is not echoed: a reversed "key:id" entry would put
			// the key itself into the message.
			return errors.New("key id may only hold letters, digits, '.', '_' and '-'")
		}
	}
	return nil
}
